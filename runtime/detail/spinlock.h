// runtime/detail/spinlock.h — the internal lock of every sync primitive.
//
// Guarantees: mutual exclusion between OS threads (and so between fibers, which
// run on OS threads). It is a test-and-test-and-set lock: uncontended lock and
// unlock are one atomic RMW and one release store, with no allocation and no
// system call, so it is cheap enough for the channel fast path.
//
// Rules (DESIGN.md: "a fiber never parks while holding a spin lock"):
//  * Hold it only for a few dozen instructions: queue manipulation, moving one
//    value. Never call anything that may park while holding it. A primitive
//    that parks releases its lock in Park's `after_switch` (see detail/park.h).
//  * After kSpinsBeforeYield failed probes the waiter yields its OS thread, so a
//    holder that the kernel preempted gets its core back on this 2-core box.
//  * unlock() touches nothing after its release store: a parked fiber's stack
//    may be reused by the time another thread observes the lock free.
//
// Thread-safety: all members are thread-safe. Not recursive.
#pragma once

#include <atomic>
#include <thread>

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
    if (!locked_.exchange(true, std::memory_order_acquire)) return;
    LockSlow();
  }
  bool try_lock() ABSL_EXCLUSIVE_TRYLOCK_FUNCTION(true) {
    return !locked_.load(std::memory_order_relaxed) &&
           !locked_.exchange(true, std::memory_order_acquire);
  }
  void unlock() ABSL_UNLOCK_FUNCTION() { locked_.store(false, std::memory_order_release); }

 private:
  static constexpr int kSpinsBeforeYield = 64;

  void LockSlow() {
    int spins = 0;
    for (;;) {
      // Probe with loads only, so waiters do not bounce the cache line.
      while (locked_.load(std::memory_order_relaxed)) {
        if (++spins < kSpinsBeforeYield) {
          CpuRelax();
        } else {
          spins = 0;
          std::this_thread::yield();
        }
      }
      if (!locked_.exchange(true, std::memory_order_acquire)) return;
    }
  }

  std::atomic<bool> locked_{false};
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
