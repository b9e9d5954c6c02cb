// runtime/fiber.h — spawning and joining fibers (Go's `go` statement).
//
// A fiber runs `fn` on its own small stack, scheduled by the runtime's Ms (see
// scheduler.h). Its body runs inside a catch-all: an exception escaping fn is
// stockd's panic. It is logged (with the fiber id) and handed to Join() as an
// Internal error naming the fiber id and what(); the process never dies of it.
//
// Which calls park: Join() (the fiber, or the thread when called off-fiber),
// Yield() (re-queues, never sleeps). Go() never parks.
#pragma once

#include <cstdint>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"

namespace stockd::runtime {

namespace detail {
struct G;
}

// A handle to a spawned fiber. Movable, not copyable. Destroying or Detach()ing
// it lets the fiber run on unobserved. A handle keeps the fiber's small record
// (not its stack) alive until it is joined, detached or destroyed.
class Fiber {
 public:
  Fiber() = default;
  explicit Fiber(detail::G* g);  // takes over the reference Spawn(handle=true) made
  Fiber(Fiber&& o) noexcept : g_(o.g_), id_(o.id_) { o.g_ = nullptr; }
  Fiber& operator=(Fiber&& o) noexcept;
  Fiber(const Fiber&) = delete;
  Fiber& operator=(const Fiber&) = delete;
  ~Fiber() { Detach(); }

  // Waits until the fiber ends (parks the calling fiber; blocks the calling
  // thread off-fiber) and returns its result: OK, or Internal "fiber N
  // panicked: what". Consumes the handle: a second Join() returns
  // FailedPrecondition, as does Join() on an empty handle.
  absl::Status Join();
  bool joinable() const { return g_ != nullptr; }
  uint64_t id() const { return id_; }
  void Detach();

 private:
  detail::G* g_ = nullptr;
  uint64_t id_ = 0;
};

// Spawns fn as a fiber: on the caller's P (it runs next, when the caller parks
// or yields) when called from a fiber, else on the global run queue of the
// runtime of this thread or the last runtime created. Never parks. Throws
// std::bad_alloc if no stack can be mapped. REQUIRES: a Runtime exists.
Fiber Go(absl::AnyInvocable<void()> fn);

// Lets other runnable fibers run; the caller is re-queued behind them on its P.
// Off-fiber: std::this_thread::yield().
void Yield();

bool InFiber();
// The running fiber's id (Go's goid), 0 off-fiber.
uint64_t CurrentFiberId();

}  // namespace stockd::runtime
