// runtime/waitgroup.cc — see waitgroup.h.
#include "runtime/waitgroup.h"

#include <cstdio>
#include <cstdlib>

namespace stockd::runtime {

void WaitGroup::Add(int64_t n) {
  const int64_t v = count_.fetch_add(n, std::memory_order_acq_rel) + n;
  if (v < 0) {
    std::fprintf(stderr, "stockd: fatal: WaitGroup counter went negative (%lld)\n",
                 static_cast<long long>(v));
    std::abort();
  }
  if (v > 0 || n == 0) return;
  // The counter reached zero: release every waiter. A Wait that checks the
  // counter under lock_ either sees zero or is queued before we look.
  detail::WakeList wakes;
  {
    detail::SpinLockGuard guard(lock_);
    while (detail::Waiter* w = waiters_.PopFront()) {
      w->success = true;
      wakes.Add(w);
    }
  }
  wakes.WakeAll();
}

void WaitGroup::Wait() {
  if (count_.load(std::memory_order_acquire) == 0) return;
  lock_.lock();
  if (count_.load(std::memory_order_acquire) == 0) {
    lock_.unlock();
    return;
  }
  detail::Parker parker;
  detail::Waiter me(&parker);
  waiters_.PushBack(&me);
  parker.Park([this]() ABSL_NO_THREAD_SAFETY_ANALYSIS { lock_.unlock(); });
}

}  // namespace stockd::runtime
