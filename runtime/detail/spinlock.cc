// runtime/detail/spinlock.cc — SpinLock's contended path: Go's lock_futex.go.
#include "runtime/detail/spinlock.h"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <thread>

namespace stockd::runtime::detail {

namespace {
constexpr int kActiveSpins = 4;      // rounds of kSpinPauses pauses (Go: active_spin)
constexpr int kSpinPauses = 30;      // Go: active_spin_cnt
constexpr int kPassiveSpins = 1;     // sched_yield()s before sleeping (Go: passive_spin)
}  // namespace

void SpinLock::LockSlow() {
  // Once this thread has slept, it takes the lock as kSleepers: it cannot know
  // whether others still sleep, so its unlock wakes one to be safe.
  uint32_t wait = kLocked;
  // Takes the lock if it is free now (probing with loads, not RMWs).
  auto try_take = [&] {
    for (uint32_t s = state_.load(std::memory_order_relaxed); s == kFree; s = state_.load(std::memory_order_relaxed)) {
      if (state_.compare_exchange_weak(s, wait, std::memory_order_acquire)) return true;
    }
    return false;
  };
  for (;;) {
    for (int i = 0; i < kActiveSpins; ++i) {
      if (try_take()) return;
      for (int k = 0; k < kSpinPauses; ++k) CpuRelax();
    }
    for (int i = 0; i < kPassiveSpins; ++i) {
      if (try_take()) return;
      std::this_thread::yield();
    }
    // Sleep: mark the lock as having sleepers; if it was free, we own it.
    if (state_.exchange(kSleepers, std::memory_order_acquire) == kFree) return;
    wait = kSleepers;
    ::syscall(SYS_futex, &state_, FUTEX_WAIT_PRIVATE, kSleepers, nullptr, nullptr, 0);
  }
}

void SpinLock::WakeOne() {
  ::syscall(SYS_futex, &state_, FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
}

}  // namespace stockd::runtime::detail
