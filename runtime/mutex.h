// runtime/mutex.h — Mutex, a fiber mutex (Go's sync.Mutex), and MutexLock.
//
// Guarantees: mutual exclusion between fibers (and plain threads); what the
// holder did before Unlock happens-before what the next holder does after
// Lock. A contended Lock parks the fiber, not its OS thread, so the P runs
// other fibers meanwhile — unlike std::mutex, this Mutex may be held across
// calls that park (channel operations, Sleep, network I/O).
//
// Fairness: Lock first spins briefly (only when there are several Ps, where
// the holder may be running right now on another core), then queues FIFO and
// parks. Unlock hands the lock directly to the oldest queued waiter (it stays
// locked in between), so a queued fiber cannot be overtaken by newcomers and
// never starves. A fiber that arrives while nobody is queued may take a free
// lock ahead of nobody — hence "FIFO-ish".
//
// Which calls may park: Lock (and MutexLock's constructor). TryLock and Unlock
// never park. From a plain OS thread (no fiber) Lock blocks the thread.
//
// Thread-safety: all members thread-safe. Not recursive: a fiber that locks a
// Mutex it holds deadlocks. Unlock may be called by a fiber other than the one
// that locked (as in Go), but should not be. Meets BasicLockable/Lockable
// (lock/try_lock/unlock), so std::unique_lock<Mutex> and std::scoped_lock work.
#pragma once

#include <atomic>
#include <cstdint>

#include "absl/base/thread_annotations.h"
#include "runtime/detail/spinlock.h"
#include "runtime/detail/waitq.h"

namespace stockd::runtime {

class ABSL_LOCKABLE Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  // May park until the lock is ours.
  void Lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() {
    uint32_t expected = 0;
    if (state_.compare_exchange_strong(expected, kLocked, std::memory_order_acquire,
                                       std::memory_order_relaxed)) {
      return;
    }
    LockSlow();
  }
  // Never parks. True if the lock was free and is now ours.
  bool TryLock() ABSL_EXCLUSIVE_TRYLOCK_FUNCTION(true) {
    uint32_t expected = 0;
    return state_.compare_exchange_strong(expected, kLocked, std::memory_order_acquire,
                                          std::memory_order_relaxed);
  }
  // Never parks. REQUIRES: locked.
  void Unlock() ABSL_UNLOCK_FUNCTION() {
    uint32_t expected = kLocked;
    if (state_.compare_exchange_strong(expected, 0, std::memory_order_release,
                                       std::memory_order_relaxed)) {
      return;
    }
    UnlockSlow();
  }

  void lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() { Lock(); }
  bool try_lock() ABSL_EXCLUSIVE_TRYLOCK_FUNCTION(true) { return TryLock(); }
  void unlock() ABSL_UNLOCK_FUNCTION() { Unlock(); }

 private:
  // state_ bits. kWaiters changes only under queue_lock_.
  static constexpr uint32_t kLocked = 1;
  static constexpr uint32_t kWaiters = 2;
  static constexpr int kSpinTries = 40;

  void LockSlow() ABSL_NO_THREAD_SAFETY_ANALYSIS;  // unlocks queue_lock_ in Park
  void UnlockSlow() ABSL_NO_THREAD_SAFETY_ANALYSIS;

  std::atomic<uint32_t> state_{0};
  detail::SpinLock queue_lock_;
  detail::WaitQueue waiters_;  // guarded by queue_lock_
};

// RAII: locks in the constructor (may park), unlocks in the destructor.
class ABSL_SCOPED_LOCKABLE MutexLock {
 public:
  explicit MutexLock(Mutex& mu) ABSL_EXCLUSIVE_LOCK_FUNCTION(mu) : mu_(mu) { mu_.Lock(); }
  ~MutexLock() ABSL_UNLOCK_FUNCTION() { mu_.Unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex& mu_;
};

}  // namespace stockd::runtime
