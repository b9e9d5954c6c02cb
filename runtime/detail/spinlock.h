// runtime/detail/spinlock.h — the internal lock of every sync primitive.
//
// Guarantees: mutual exclusion between OS threads (and so between fibers, which
// run on OS threads). Uncontended lock and unlock are one atomic RMW each,
// with no allocation and no system call, so it is cheap enough for the
// channel fast path.
//
// Contended, it is Go's lock_futex: a waiter spins briefly, yields its thread
// once, then sleeps on a futex until an unlock wakes it. The sleep is what
// makes a hot channel fast on two cores: while one thread sleeps, the other
// runs its critical sections with the lock's cache lines in its own cache,
// where two spinners traded them on every operation (4 producers and 4
// consumers on one buffered channel: 220 ns per value spinning, 50 sleeping).
//
// Rules (DESIGN.md: "a fiber never parks while holding a spin lock"):
//  * Hold it only for a few dozen instructions: queue manipulation, moving one
//    value. Never call anything that may park while holding it. A primitive
//    that parks releases its lock in Park's `after_switch` (see detail/park.h).
//    (A thread sleeping in lock() keeps its P: the holder's critical section
//    is short, so the wait is one futex wake-up.)
//  * unlock() reads nothing of the lock after its release exchange, and
//    FUTEX_WAKE only names the address: a parked fiber's stack may be reused
//    by the time another thread observes the lock free.
//
// Thread-safety: all members are thread-safe. Not recursive.
#pragma once

#include <atomic>
#include <cstdint>

#include "absl/base/thread_annotations.h"

namespace stockd::runtime::detail {

inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#endif
}

class ABSL_LOCKABLE SpinLock {
 public:
  SpinLock() = default;
  SpinLock(const SpinLock&) = delete;
  SpinLock& operator=(const SpinLock&) = delete;

  void lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() {
    uint32_t free = kFree;
    if (state_.compare_exchange_strong(free, kLocked, std::memory_order_acquire)) return;
    LockSlow();
  }
  bool try_lock() ABSL_EXCLUSIVE_TRYLOCK_FUNCTION(true) {
    uint32_t free = kFree;
    return state_.load(std::memory_order_relaxed) == kFree &&
           state_.compare_exchange_strong(free, kLocked, std::memory_order_acquire);
  }
  void unlock() ABSL_UNLOCK_FUNCTION() {
    if (state_.exchange(kFree, std::memory_order_release) == kSleepers) WakeOne();
  }

 private:
  static constexpr uint32_t kFree = 0, kLocked = 1, kSleepers = 2;

  void LockSlow();
  // Only the address of state_ is used (FUTEX_WAKE): a lock whose memory was
  // reused since the release store costs a spurious wake-up, nothing more.
  void WakeOne();

  std::atomic<uint32_t> state_{kFree};
};

// RAII guard for SpinLock (std::lock_guard without <mutex>).
class ABSL_SCOPED_LOCKABLE SpinLockGuard {
 public:
  explicit SpinLockGuard(SpinLock& mu) ABSL_EXCLUSIVE_LOCK_FUNCTION(mu) : mu_(mu) { mu_.lock(); }
  ~SpinLockGuard() ABSL_UNLOCK_FUNCTION() { mu_.unlock(); }
  SpinLockGuard(const SpinLockGuard&) = delete;
  SpinLockGuard& operator=(const SpinLockGuard&) = delete;

 private:
  SpinLock& mu_;
};

}  // namespace stockd::runtime::detail
