// runtime/detail/runq.cc — the slow paths of the run queues: a full ring
// spilling half to the global queue, stealing, and the global queue itself.
// Invariants: see runq.h (owner-only puts, CAS takes, global queue under
// Sched::mu, unlink from a list before publishing).
#include "runtime/detail/runq.h"

#include <chrono>
#include <mutex>
#include <thread>

namespace stockd::runtime::detail {

void GlobRunqPutBatchLocked(Sched* s, GList& l) {
  s->runqsize.store(s->runqsize.load(std::memory_order_relaxed) + l.size, std::memory_order_relaxed);
  while (G* g = l.Pop()) s->runq.Push(g);
}

void GlobRunqPut(Sched* s, G* g) {
  std::lock_guard<std::mutex> l(s->mu);
  s->runq.Push(g);
  s->runqsize.store(s->runqsize.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

// Moves half of p's local queue plus g to the global queue. Owner only.
bool RunqPutSlow(P* p, G* g, uint32_t h, uint32_t t) {
  constexpr uint32_t n = kRunqSize / 2;
  if (t - h != kRunqSize) return false;
  G* batch[n + 1];
  for (uint32_t i = 0; i < n; ++i) batch[i] = p->runq[(h + i) % kRunqSize].load(std::memory_order_relaxed);
  if (!p->head.compare_exchange_strong(h, h + n, std::memory_order_acq_rel)) return false;
  batch[n] = g;
  GList l;
  for (uint32_t i = 0; i <= n; ++i) l.Push(batch[i]);
  std::lock_guard<std::mutex> lk(p->sched->mu);
  GlobRunqPutBatchLocked(p->sched, l);
  return true;
}

// Grabs half of victim's queue into p's ring starting at p's tail (not yet published).
static uint32_t RunqGrab(P* victim, P* p, uint32_t batch_head, bool steal_runnext) {
  for (;;) {
    uint32_t h = victim->head.load(std::memory_order_acquire);
    const uint32_t t = victim->tail.load(std::memory_order_acquire);
    uint32_t n = t - h;
    n = n - n / 2;
    if (n == 0) {
      if (!steal_runnext) return 0;
      G* next = victim->runnext.load(std::memory_order_acquire);
      if (next == nullptr) return 0;
      // The owner has probably just readied `next` and is about to park and run
      // it (ping-pong): sleep before taking it away, as Go's runqgrab does
      // (usleep(3), in practice tens of µs with the kernel's timer slack). The
      // caller stays counted as spinning meanwhile, so every Ready() of a
      // channel hand-off in that window skips Wakep(): a 2-P ping-pong no
      // longer wakes the idle M by futex every few dozen round trips, as it
      // did when this was a ~1 µs pause loop.
      if (victim->runnext.load(std::memory_order_relaxed) != next) return 0;
      std::this_thread::sleep_for(std::chrono::microseconds(3));
      if (victim->runnext.load(std::memory_order_relaxed) != next) return 0;
      if (!victim->runnext.compare_exchange_strong(next, nullptr, std::memory_order_acq_rel)) return 0;
      p->runq[batch_head % kRunqSize].store(next, std::memory_order_relaxed);
      return 1;
    }
    if (n > kRunqSize / 2) continue;  // torn read of head/tail
    for (uint32_t i = 0; i < n; ++i) {
      G* g = victim->runq[(h + i) % kRunqSize].load(std::memory_order_relaxed);
      p->runq[(batch_head + i) % kRunqSize].store(g, std::memory_order_relaxed);
    }
    if (victim->head.compare_exchange_strong(h, h + n, std::memory_order_acq_rel)) return n;
  }
}

// Owner of p only: steals half of victim's queue, returns one G to run.
G* RunqSteal(P* p, P* victim, bool steal_runnext) {
  const uint32_t t = p->tail.load(std::memory_order_relaxed);
  uint32_t n = RunqGrab(victim, p, t, steal_runnext);
  if (n == 0) return nullptr;
  --n;
  G* g = p->runq[(t + n) % kRunqSize].load(std::memory_order_relaxed);
  if (n == 0) return g;
  p->tail.store(t + n, std::memory_order_release);
  return g;
}

// REQUIRES: s->mu. Takes a fair share of the global queue into p (owner of p
// only); returns one G to run and puts the rest in p's ring.
//
// Each G is unlinked from the global queue (GList::Pop reads and clears its
// schedlink) BEFORE it is published in p's ring: from the tail store on, a
// thief may steal it, run it to its end and a joiner may recycle the record
// into a free list through the same schedlink. Publishing first and popping
// after was a real race (TSan: GList::Pop here vs ReleaseG's free-list push),
// which could also splice a free list into the run queue. The room is computed
// up front so no put can fail: only the owner adds to its ring and thieves only
// take, so the free room can only grow meanwhile.
G* GlobRunqGetLocked(Sched* s, P* p, int64_t max) {
  int64_t size = s->runqsize.load(std::memory_order_relaxed);
  if (size == 0) return nullptr;
  int64_t n = size / s->nprocs + 1;
  if (n > size) n = size;
  if (max > 0 && n > max) n = max;
  if (n > kRunqSize / 2) n = kRunqSize / 2;
  const uint32_t used = p->tail.load(std::memory_order_relaxed) - p->head.load(std::memory_order_acquire);
  const int64_t room = static_cast<int64_t>(kRunqSize) - static_cast<int64_t>(used);
  if (n > room + 1) n = room + 1;
  G* g = s->runq.Pop();
  for (int64_t i = 1; i < n; ++i) {
    G* g2 = s->runq.Pop();
    const bool put = RunqPutNoSpill(p, g2);
    assert(put && "room was reserved");
    (void)put;
  }
  s->runqsize.store(size - n, std::memory_order_relaxed);
  return g;
}

}  // namespace stockd::runtime::detail
