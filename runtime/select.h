// runtime/select.h — Select: wait on several channel operations, Go's `select`.
//
//   std::optional<Order> o;
//   int i = Select({RecvCase(orders, &o), SendCase(acks, ack), RecvCase(ctx.Done())},
//                  Timeout(absl::Milliseconds(5)));
//   switch (i) { case 0: ...; case 1: ...; case 2: ...; case kSelectTimeout: ...; }
//
// Guarantees (Go's selectgo):
//  * Exactly one case fires, or the default / the timeout. Select returns the
//    index of the case that fired in the list given, kSelectDefault or
//    kSelectTimeout.
//  * When several cases are ready, one is chosen uniformly at random (so no
//    case starves). Ready means: a send has a parked receiver or buffer room,
//    or the channel is closed; a receive has a parked sender or a buffered
//    value, or the channel is closed.
//  * A send case on a closed channel fires and reports failure through its
//    `ok` (Go would panic); its value is left intact. A receive case on a
//    closed, drained channel fires with `ok` false and an optional
//    destination reset to nullopt.
//  * A send case's value is moved from only if that case fired and succeeded.
//  * A case made from a default-constructed SelectCase (no channel) is never
//    ready, like a nil channel in Go: handy to switch a case off.
//  * Without default or timeout, Select parks until a case fires (forever, if
//    none ever can).
//
// How: all the channels involved are locked in address order (each once);
// the cases are polled in a random order; if none is ready and there is no
// default, one Waiter per case is queued on its channel and the fiber parks.
// Whoever wakes it first — a channel operation or the timeout timer — wins a
// CAS on the shared SelectState, so exactly one detail::Ready happens; after
// waking, the fiber relocks the channels and unlinks its other Waiters.
//
// Which calls may park: Select without a default. With SelectDefault it
// never parks. From a plain OS thread (no fiber) it blocks the thread.
//
// Thread-safety: Select may run concurrently with any channel operation and
// other Selects. The SelectCase list, and the variables it points to, belong
// to the caller for the duration of the call.
#pragma once

#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "runtime/chan.h"

namespace stockd::runtime {

inline constexpr int kSelectDefault = -1;
inline constexpr int kSelectTimeout = -2;

// One case of a Select; build it with SendCase / RecvCase.
struct SelectCase {
  std::shared_ptr<detail::ChanCore> ch;  // null: never ready
  bool is_send = false;
  void* elem = nullptr;     // send: T* source; receive: destination (see chan.h)
  bool elem_opt = false;    // receive destination is std::optional<T>*
  bool* ok = nullptr;       // if set: true = value moved, false = channel closed
  std::shared_ptr<void> box;  // owns a send value passed by value
};

// Sends *v if chosen (v is moved from only then). v must outlive the Select.
template <class T>
SelectCase SendCase(const Chan<T>& ch, std::type_identity_t<T>* v, bool* ok = nullptr) {
  return SelectCase{ch.state(), true, v, false, ok, nullptr};
}
// Sends a copy/move of v if chosen (boxed on the heap: one allocation).
template <class T>
SelectCase SendCase(const Chan<T>& ch, std::type_identity_t<T> v, bool* ok = nullptr) {
  auto box = std::make_shared<T>(std::move(v));
  void* p = box.get();
  return SelectCase{ch.state(), true, p, false, ok, std::move(box)};
}
// Receives into *out if chosen; nullopt when the channel is closed.
template <class T>
SelectCase RecvCase(const Chan<T>& ch, std::optional<T>* out) {
  return SelectCase{ch.state(), false, out, true, nullptr, nullptr};
}
// Receives into *out (assigned) if chosen; *ok = false when the channel is
// closed (then *out is untouched).
template <class T>
SelectCase RecvCase(const Chan<T>& ch, std::type_identity_t<T>* out, bool* ok = nullptr) {
  return SelectCase{ch.state(), false, out, false, ok, nullptr};
}
// Receives and drops the value (a signal channel such as Context::Done()).
template <class T>
SelectCase RecvCase(const Chan<T>& ch) {
  return SelectCase{ch.state(), false, nullptr, false, nullptr, nullptr};
}

struct SelectDefault {};
struct SelectTimeout {
  absl::Time deadline;
};
// `default:` — Select returns kSelectDefault instead of parking.
inline SelectDefault Default() { return {}; }
// Gives up with kSelectTimeout after d (d <= 0: only what is ready now).
inline SelectTimeout Timeout(absl::Duration d) { return {absl::Now() + d}; }
// Gives up with kSelectTimeout at t.
inline SelectTimeout Until(absl::Time t) { return {t}; }

// May park until a case fires.
int Select(absl::Span<const SelectCase> cases);
// Never parks: kSelectDefault when no case is ready.
int Select(absl::Span<const SelectCase> cases, SelectDefault);
// May park until a case fires or the deadline passes (kSelectTimeout).
int Select(absl::Span<const SelectCase> cases, SelectTimeout timeout);

}  // namespace stockd::runtime
