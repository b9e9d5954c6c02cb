// runtime/mutex.cc — the contended paths of Mutex. See mutex.h.
#include "runtime/mutex.h"

#include "runtime/detail/park.h"

namespace stockd::runtime {

void Mutex::LockSlow() {
  // A short spin pays off only when the holder can be running on another
  // core: not when we are a fiber on the only P. (A plain thread always spins
  // briefly; it must not ask the scheduler, which it may outlive.)
  if (detail::CurrentG() == nullptr || detail::NumProcs() > 1) {
    for (int i = 0; i < kSpinTries; ++i) {
      detail::CpuRelax();
      uint32_t s = state_.load(std::memory_order_relaxed);
      if (s == 0 && TryLock()) return;
      if (s & kWaiters) break;  // others queue already: join them (FIFO)
    }
  }
  queue_lock_.lock();
  for (;;) {
    uint32_t s = state_.load(std::memory_order_relaxed);
    if ((s & kLocked) == 0) {
      // Free: only possible with no waiters (Unlock hands off otherwise).
      if (state_.compare_exchange_weak(s, s | kLocked, std::memory_order_acquire,
                                       std::memory_order_relaxed)) {
        queue_lock_.unlock();
        return;
      }
      continue;
    }
    // Locked: announce a waiter so the holder's Unlock takes the slow path.
    if (state_.compare_exchange_weak(s, s | kWaiters, std::memory_order_relaxed,
                                     std::memory_order_relaxed)) {
      break;
    }
  }
  detail::Parker parker;
  detail::Waiter me(&parker);
  waiters_.PushBack(&me);
  parker.Park([this]() ABSL_NO_THREAD_SAFETY_ANALYSIS { queue_lock_.unlock(); });
  // Unlock handed us the lock: state_ kept kLocked for us.
}

void Mutex::UnlockSlow() {
  detail::Waiter* next = nullptr;
  {
    detail::SpinLockGuard guard(queue_lock_);
    next = waiters_.PopFront();
    if (next == nullptr) {
      // kWaiters was set but the queue is empty: cannot happen, since both
      // change together under queue_lock_. Release plainly anyway.
      state_.store(0, std::memory_order_release);
      return;
    }
    // Hand off: stays locked; keep kWaiters while others are queued. The
    // release store orders our critical section before the next holder's.
    state_.store(waiters_.empty() ? kLocked : (kLocked | kWaiters), std::memory_order_release);
  }
  next->parker->Unpark();
}

}  // namespace stockd::runtime
