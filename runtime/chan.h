// runtime/chan.h — Chan<T>, Go's `chan T` for stockd fibers.
//
// What a Chan guarantees (Go semantics):
//  * Unbuffered (capacity 0): a Send completes only when a receiver takes the
//    value (rendezvous); the value moves straight from the sender's stack into
//    the receiver's destination.
//  * Buffered (capacity N): a ring of N slots; Send parks only when the ring is
//    full, Recv only when it is empty.
//  * FIFO: values come out in the order their Sends completed; parked senders
//    and parked receivers are each served first come, first served.
//  * Direct hand-off: a Send that finds a parked receiver gives it the value
//    and makes it runnable with detail::Ready — on a fiber that puts it in the
//    sender's P `runnext`, so a ping-pong between two fibers stays on one P.
//  * Close: afterwards every Send fails (returns false, its value is left
//    untouched), parked senders wake and fail, receivers drain what is
//    buffered and then get nullopt; parked receivers wake with nullopt.
//    Closing twice is a no-op (Go panics; here Close is idempotent so a
//    Context can be cancelled from several sides).
//
// Which calls may park: Send, Recv, RecvMany. TrySend, TryRecv, Close, size,
// capacity and closed never park. Called from a plain OS thread (no fiber),
// the parking calls block that thread instead; they work, but do not do that
// from a scheduler thread outside a fiber.
//
// Thread-safety: a Chan is a shared handle (copying it = the same channel,
// like a Go chan value; members are const because they do not change which
// channel the handle names) and every member may be called from any fiber or
// thread concurrently. The channel lives until its last handle is gone; a
// parked fiber's own handle keeps it alive while it waits.
//
// Implementation: the channel algorithm (locking, wait queues, hand-off,
// close) is not a template — detail::ChanCore in chan.cc — and Select drives
// the same core. The typed part (ring buffer, moving a T) is ChanState<T>.
// The core's SpinLock is held only to move one value or relink a queue, and
// is released in Park's after_switch, never held across a park.
#pragma once

#include <algorithm>
#include <cstddef>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "runtime/detail/spinlock.h"
#include "runtime/detail/waitq.h"

namespace stockd::runtime {

namespace detail {

// The untyped channel. Values are passed as void*: a sender's `src` is a T*,
// a receiver's `dst` is a T* (dst_opt false), an std::optional<T>* (dst_opt
// true), or nullptr (drop the value).
class ChanCore {
 public:
  enum class Op { kNotReady, kDone, kClosed };

  explicit ChanCore(size_t capacity) : cap_(capacity) {}
  virtual ~ChanCore() = default;
  ChanCore(const ChanCore&) = delete;
  ChanCore& operator=(const ChanCore&) = delete;

  // Returns true when the value was delivered or buffered (then *src is moved
  // from); false when closed, or (block = false) when it would have parked.
  bool Send(void* src, bool block) ABSL_NO_THREAD_SAFETY_ANALYSIS;  // unlocks in Park
  // kDone: received into dst. kClosed: closed and drained. kNotReady: only
  // when block = false.
  Op Recv(void* dst, bool dst_opt, bool block) ABSL_NO_THREAD_SAFETY_ANALYSIS;
  // After at least one Recv has succeeded, takes up to `max` more values with
  // the lock held once, calling `sink` after each one landed in *dst.
  size_t RecvBatch(void* dst, bool dst_opt, size_t max, absl::FunctionRef<void()> sink);
  void Close();

  size_t size() const;
  size_t capacity() const { return cap_; }
  bool closed() const;

  // ---- Used by Select, with lock() held. ----
  SpinLock& lock() const { return lock_; }
  // Tries to complete a send / receive now; a Waiter to Unpark (after
  // unlocking) comes back in *wake.
  Op SendLocked(void* src, Waiter** wake);
  Op RecvLocked(void* dst, bool dst_opt, Waiter** wake);
  void EnqueueSender(Waiter* w) { sendq_.PushBack(w); }
  void EnqueueReceiver(Waiter* w) { recvq_.PushBack(w); }
  void RemoveSender(Waiter* w) { sendq_.Remove(w); }
  void RemoveReceiver(Waiter* w) { recvq_.Remove(w); }
  // Makes a receive destination read "nothing" (optional reset), used when a
  // receive completes because the channel closed.
  virtual void ClearDst(void* dst, bool dst_opt) = 0;

 protected:
  // The typed operations, all called with lock_ held.
  virtual void Transfer(void* src, void* dst, bool dst_opt) = 0;  // sender -> receiver
  virtual void PushBuf(void* src) = 0;                            // sender -> ring tail
  virtual void PopBuf(void* dst, bool dst_opt) = 0;               // ring head -> receiver

 private:
  mutable SpinLock lock_;
  const size_t cap_;
  size_t count_ = 0;  // values in the ring
  bool closed_ = false;
  WaitQueue recvq_;
  WaitQueue sendq_;
};

template <class T>
class ChanState final : public ChanCore {
 public:
  explicit ChanState(size_t capacity)
      : ChanCore(capacity), ring_(capacity ? new std::optional<T>[capacity] : nullptr) {}

  void ClearDst(void* dst, bool dst_opt) override {
    if (dst != nullptr && dst_opt) static_cast<std::optional<T>*>(dst)->reset();
  }

 protected:
  void Transfer(void* src, void* dst, bool dst_opt) override {
    Store(dst, dst_opt, std::move(*static_cast<T*>(src)));
  }
  void PushBuf(void* src) override {
    ring_[(head_ + used_) % capacity()].emplace(std::move(*static_cast<T*>(src)));
    ++used_;
  }
  void PopBuf(void* dst, bool dst_opt) override {
    std::optional<T>& slot = ring_[head_];
    Store(dst, dst_opt, std::move(*slot));
    slot.reset();
    head_ = (head_ + 1) % capacity();
    // Emptied: start again at slot 0, whose lines are still in cache. (A
    // big buffer that is drained often, like the persister's, otherwise
    // walks all of its memory, every push and pop a cache miss.)
    if (--used_ == 0) head_ = 0;
  }

 private:
  static void Store(void* dst, bool dst_opt, T&& v) {
    if (dst == nullptr) {
      T dropped(std::move(v));
      (void)dropped;
    } else if (dst_opt) {
      static_cast<std::optional<T>*>(dst)->emplace(std::move(v));
    } else {
      *static_cast<T*>(dst) = std::move(v);
    }
  }

  std::unique_ptr<std::optional<T>[]> ring_;
  size_t head_ = 0;
  size_t used_ = 0;  // mirrors ChanCore::count_, kept here to index the ring
};

}  // namespace detail

template <class T>
class Chan {
 public:
  // capacity 0 = unbuffered.
  explicit Chan(size_t capacity = 0) : s_(std::make_shared<detail::ChanState<T>>(capacity)) {}

  // Parks until the value is taken by a receiver (unbuffered) or buffered.
  // Returns false, leaving `v` unconsumed, if the channel is or gets closed.
  bool Send(T v) const { return s_->Send(&v, /*block=*/true); }

  // Parks until a value arrives; nullopt once the channel is closed and empty.
  // `while (auto v = ch.Recv()) { ... }` drains until Close.
  std::optional<T> Recv() const {
    std::optional<T> out;
    s_->Recv(&out, /*dst_opt=*/true, /*block=*/true);
    return out;
  }

  // Never parks. On success `v` is moved from; on failure (full, no receiver,
  // or closed) `v` is left intact.
  bool TrySend(T& v) const { return s_->Send(&v, /*block=*/false); }
  bool TrySend(T&& v) const { return s_->Send(&v, /*block=*/false); }

  // Never parks. nullopt when nothing is ready (or closed and drained).
  std::optional<T> TryRecv() const {
    std::optional<T> out;
    s_->Recv(&out, /*dst_opt=*/true, /*block=*/false);
    return out;
  }

  // Parks until at least one value is available, then appends it and up to
  // max - 1 more that are ready right now (buffered or from parked senders)
  // without parking again. Returns how many were appended; 0 means the
  // channel is closed and drained (or max == 0). For batch consumers such as
  // the storage persister.
  size_t RecvMany(std::vector<T>& out, size_t max) const {
    if (max == 0) return 0;
    std::optional<T> v;
    if (s_->Recv(&v, /*dst_opt=*/true, /*block=*/true) != detail::ChanCore::Op::kDone) return 0;
    out.push_back(std::move(*v));
    v.reset();
    size_t n = 1;
    if (max > 1) {
      // The batch is appended under the channel lock: allocate up front.
      out.reserve(out.size() + std::min(max - 1, capacity()));
      n += s_->RecvBatch(&v, /*dst_opt=*/true, max - 1, [&] {
        out.push_back(std::move(*v));
        v.reset();
      });
    }
    return n;
  }

  // Idempotent; wakes every parked sender (they return false) and receiver.
  void Close() const { s_->Close(); }

  size_t size() const { return s_->size(); }
  size_t capacity() const { return s_->capacity(); }
  bool closed() const { return s_->closed(); }

  // For Select and tests: the untyped core, and channel identity.
  const std::shared_ptr<detail::ChanState<T>>& state() const { return s_; }
  friend bool operator==(const Chan& a, const Chan& b) { return a.s_ == b.s_; }

 private:
  std::shared_ptr<detail::ChanState<T>> s_;
};

}  // namespace stockd::runtime
