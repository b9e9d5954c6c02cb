// runtime/detail/proc.h — Sched: the state of one runtime (Go's `sched` plus
// `allp`/`allm`). Internal; see runtime/scheduler.h for the design and
// sched.h for the G/P/M records and the locking rules.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "runtime/detail/netpoll.h"
#include "runtime/detail/sched.h"
#include "runtime/detail/timers.h"

namespace stockd::runtime::detail {

struct Sched {
  Sched(int procs, size_t stack_size);
  ~Sched();  // REQUIRES: Shutdown() returned

  // Stops every M (waiting for running fibers to park or end) and frees all Gs.
  void Shutdown();

  const int nprocs;
  const size_t stack_size;
  std::vector<std::unique_ptr<P>> allp;

  std::mutex mu;
  GList runq ABSL_GUARDED_BY(mu);       // the global run queue
  std::atomic<int64_t> runqsize{0};     // written under mu, read anywhere
  P* pidle ABSL_GUARDED_BY(mu) = nullptr;
  std::atomic<int> npidle{0};           // written under mu
  M* midle ABSL_GUARDED_BY(mu) = nullptr;
  int nmidle ABSL_GUARDED_BY(mu) = 0;
  std::vector<std::unique_ptr<M>> allm ABSL_GUARDED_BY(mu);
  std::atomic<int> nmspinning{0};
  std::atomic<bool> stopping{false};

  // Dead Gs and stacks that overflowed the per-P caches.
  std::mutex gfree_mu;
  std::vector<G*> gfree ABSL_GUARDED_BY(gfree_mu);
  std::vector<Stack> stackfree ABSL_GUARDED_BY(gfree_mu);

  std::mutex allg_mu;
  std::vector<G*> allg ABSL_GUARDED_BY(allg_mu);  // every G record ever made, for Shutdown
  std::atomic<uint64_t> goid_gen{0};

  // Threads waiting in Fiber::Join (Run() waits for main this way).
  std::mutex join_mu;
  std::condition_variable join_cv;

  Timers timers;
  Netpoll netpoll;

  std::atomic<uint64_t> threads{0};
  std::atomic<uint64_t> blocking_handoffs{0};
  std::atomic<uint64_t> spawned_offp{0};
};

}  // namespace stockd::runtime::detail
