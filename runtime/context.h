// runtime/context.h — Context: cancellation and deadlines for a tree of work,
// Go's context.Context (without values).
//
//   auto [ctx, cancel] = WithTimeout(parent, absl::Milliseconds(20));
//   int i = Select({RecvCase(reply, &r), RecvCase(ctx.Done())});
//   if (i == 1) return ctx.Err();   // DeadlineExceeded or Cancelled
//   cancel();                       // always, to release the timer early
//
// Guarantees:
//  * A Context is cancelled at most once, with a reason that never changes:
//    Err() is OK before, then Cancelled (its CancelFunc, or a parent's
//    cancel) or DeadlineExceeded (its own or an ancestor's deadline passed).
//  * Cancelling a Context cancels all its descendants, each with the same
//    reason; cancelling a child never affects its parent or siblings.
//  * Done() is a channel that is closed exactly when the Context is
//    cancelled: Recv on it parks until then, and RecvCase(ctx.Done()) in a
//    Select fires then. Background's Done() is never closed.
//  * A child of an already-cancelled parent is born cancelled.
//  * Deadline() is the earliest deadline on the path to the root (nullopt if
//    none). A WithDeadline later than the parent's has the parent's.
//  * Deadlines run on the runtime's timers (detail::AddTimer), which close
//    Done() when they pass. Err() also checks the clock, so it reports
//    DeadlineExceeded once the deadline has passed even before (or, with no
//    Runtime alive, instead of) the timer. CancelFunc stops the timer.
//    REQUIRES: a Context with a pending deadline is cancelled or expired
//    before the Runtime it was made on is destroyed (timer ids are per
//    runtime).
//
// Which calls may park: none here (Done().Recv() does). Cancel and
// WithCancel/WithTimeout/WithDeadline never park; a CancelFunc may run in any
// fiber, thread or timer callback.
//
// Thread-safety: Context is a cheap shared handle (copy = same context); all
// members and CancelFuncs are thread-safe and CancelFuncs are idempotent. A
// child keeps its parent alive; a parent only points weakly at its children
// (they unregister themselves when cancelled or destroyed).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <utility>
#include <variant>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "runtime/chan.h"

namespace stockd::runtime {

namespace detail {
struct ContextNode;
}

// Cancels its Context (and descendants) with Cancelled. Idempotent.
using CancelFunc = std::function<void()>;

class Context {
 public:
  // The root: never cancelled, no deadline.
  static Context Background();

  // Closed when this Context is cancelled. Never parks.
  Chan<std::monostate> Done() const;
  // OK while live, then Cancelled or DeadlineExceeded. Never parks.
  absl::Status Err() const;
  std::optional<absl::Time> Deadline() const;
  // Err() != OK.
  bool cancelled() const { return !Err().ok(); }

 private:
  friend std::pair<Context, CancelFunc> WithCancel(const Context& parent);
  friend std::pair<Context, CancelFunc> WithDeadline(const Context& parent, absl::Time deadline);
  explicit Context(std::shared_ptr<detail::ContextNode> node) : node_(std::move(node)) {}

  std::shared_ptr<detail::ContextNode> node_;
};

// A child that is cancelled by the returned function or with its parent.
std::pair<Context, CancelFunc> WithCancel(const Context& parent);
// A child that is also cancelled with DeadlineExceeded at `deadline`.
std::pair<Context, CancelFunc> WithDeadline(const Context& parent, absl::Time deadline);
// WithDeadline(parent, absl::Now() + timeout).
std::pair<Context, CancelFunc> WithTimeout(const Context& parent, absl::Duration timeout);

}  // namespace stockd::runtime
