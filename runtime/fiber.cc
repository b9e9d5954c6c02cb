#include "runtime/fiber.h"

#include <thread>

#include "runtime/detail/proc.h"

namespace stockd::runtime {

Fiber::Fiber(detail::G* g) : g_(g), id_(g ? g->goid : 0) {}

Fiber& Fiber::operator=(Fiber&& o) noexcept {
  if (this != &o) {
    Detach();
    g_ = o.g_;
    id_ = o.id_;
    o.g_ = nullptr;
  }
  return *this;
}

void Fiber::Detach() {
  if (g_ == nullptr) return;
  detail::ReleaseG(g_);
  g_ = nullptr;
}

absl::Status Fiber::Join() {
  detail::G* g = g_;
  if (g == nullptr) return absl::FailedPreconditionError("Join on an empty or joined Fiber");
  if (!(g->join.load(std::memory_order_acquire) & detail::kJoinDone)) {
    if (detail::G* me = detail::CurrentG()) {
      detail::Park([g, me] {
        uintptr_t cur = g->join.load(std::memory_order_acquire);
        for (;;) {
          if (cur & detail::kJoinDone) {
            detail::Ready(me);  // it finished while we were switching out
            return;
          }
          if (g->join.compare_exchange_weak(cur, cur | reinterpret_cast<uintptr_t>(me),
                                            std::memory_order_acq_rel)) {
            return;
          }
        }
      });
    } else {
      detail::Sched* s = g->sched;
      uintptr_t cur = g->join.load(std::memory_order_acquire);
      while (!(cur & detail::kJoinDone) &&
             !g->join.compare_exchange_weak(cur, cur | detail::kJoinThread, std::memory_order_acq_rel)) {
      }
      std::unique_lock<std::mutex> l(s->join_mu);
      s->join_cv.wait(l, [g] { return (g->join.load(std::memory_order_acquire) & detail::kJoinDone) != 0; });
    }
  }
  absl::Status st = std::move(g->result);
  Detach();
  return st;
}

Fiber Go(absl::AnyInvocable<void()> fn) {
  detail::Sched* s = detail::DefaultSched();
  if (s == nullptr) return Fiber();
  return Fiber(detail::Spawn(s, std::move(fn), /*handle=*/true));
}

void Yield() {
  if (detail::CurrentG() == nullptr) {
    std::this_thread::yield();
    return;
  }
  detail::YieldCurrent();
}

bool InFiber() { return detail::CurrentG() != nullptr; }

uint64_t CurrentFiberId() {
  detail::G* g = detail::CurrentG();
  return g ? g->goid : 0;
}

}  // namespace stockd::runtime
