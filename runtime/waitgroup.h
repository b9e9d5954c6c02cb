// runtime/waitgroup.h — WaitGroup, Go's sync.WaitGroup for fibers.
//
// Guarantees: Wait() returns once the counter is zero; every fiber parked in
// Wait is woken when a Done()/Add() brings the counter to zero. Everything a
// fiber did before its Done() happens-before the return of a Wait() it
// releases.
//
// Rules (as in Go): call Add(n) before starting what will call Done() (before
// Go(...)), not inside the new fiber; a WaitGroup may be reused once every
// Wait of the previous round has returned. A counter that goes negative is a
// programming error: the process aborts with a message.
//
// Which calls may park: Wait. Add and Done never park. From a plain OS thread
// (no fiber) Wait blocks the thread.
//
// Thread-safety: all members may be called concurrently from any fiber or
// thread. Not copyable or movable (fibers hold pointers to it).
#pragma once

#include <atomic>
#include <cstdint>

#include "absl/base/thread_annotations.h"
#include "runtime/detail/spinlock.h"
#include "runtime/detail/waitq.h"

namespace stockd::runtime {

class WaitGroup {
 public:
  WaitGroup() = default;
  WaitGroup(const WaitGroup&) = delete;
  WaitGroup& operator=(const WaitGroup&) = delete;

  // Adds n (may be negative) to the counter. Never parks. Aborts if the
  // counter becomes negative.
  void Add(int64_t n);
  // Add(-1).
  void Done() { Add(-1); }
  // Parks until the counter is zero (returns at once if it is).
  void Wait() ABSL_NO_THREAD_SAFETY_ANALYSIS;  // unlocks in Park

  // The current counter, for tests and diagnostics.
  int64_t count() const { return count_.load(std::memory_order_acquire); }

 private:
  std::atomic<int64_t> count_{0};
  detail::SpinLock lock_;
  detail::WaitQueue waiters_;  // guarded by lock_
};

}  // namespace stockd::runtime
