#include "runtime/scheduler.h"

#include <thread>

#include "runtime/detail/proc.h"
#include "runtime/fiber.h"

namespace stockd::runtime {
namespace {

Stats StatsOf(detail::Sched* s) {
  Stats st;
  if (s == nullptr) return st;
  uint64_t exited = 0;
  st.fibers_spawned = s->spawned_offp.load(std::memory_order_relaxed);
  for (auto& p : s->allp) {
    st.fibers_spawned += p->spawned.Get();
    exited += p->exited.Get();
    st.steals += p->steals.Get();
    st.parks += p->parks.Get();
    const uint32_t h = p->head.load(std::memory_order_relaxed);
    const uint32_t t = p->tail.load(std::memory_order_relaxed);
    if (t - h <= detail::kRunqSize) st.fibers_runnable += t - h;
    if (p->runnext.load(std::memory_order_relaxed) != nullptr) ++st.fibers_runnable;
  }
  st.fibers_runnable += static_cast<uint64_t>(s->runqsize.load(std::memory_order_relaxed));
  st.fibers_alive = st.fibers_spawned >= exited ? st.fibers_spawned - exited : 0;
  st.blocking_handoffs = s->blocking_handoffs.load(std::memory_order_relaxed);
  st.threads = s->threads.load(std::memory_order_relaxed);
  return st;
}

}  // namespace

Runtime::Runtime(Options options) {
  int procs = options.procs;
  if (procs <= 0) procs = static_cast<int>(std::thread::hardware_concurrency());
  if (procs <= 0) procs = 1;
  sched_ = std::make_unique<detail::Sched>(procs, options.stack_size);
}

Runtime::~Runtime() { sched_->Shutdown(); }

absl::Status Runtime::Run(absl::AnyInvocable<void()> main) {
  if (detail::CurrentM() != nullptr) {
    return absl::FailedPreconditionError("Runtime::Run called from a runtime thread");
  }
  Fiber f(detail::Spawn(sched_.get(), std::move(main), /*handle=*/true));
  return f.Join();
}

int Runtime::procs() const { return sched_->nprocs; }

Stats Runtime::stats() const { return StatsOf(sched_.get()); }

Stats GetStats() { return StatsOf(detail::DefaultSched()); }

}  // namespace stockd::runtime
