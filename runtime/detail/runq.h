// runtime/detail/runq.h — run queues: each P's local ring plus runnext, and
// the global queue (Go's runqput/runqget/runqsteal/globrunqget). Internal.
//
// Invariants (the ring is Go's, lock-free for thieves):
//  * A P's ring: only the owner of the P puts, at the tail, and publishes a G
//    with the release store of `tail`; anyone takes at the head with a CAS on
//    `head` (the owner's RunqGet, a thief's RunqGrab). Behind the owner's back
//    the ring can therefore only shrink, never grow.
//  * runnext: only the owner makes it non-null; anyone may take it by CAS.
//  * The global queue (Sched::runq, Sched::runqsize) is touched only under
//    Sched::mu, and runqsize equals the list's length whenever mu is free.
//  * A G sits in at most one queue. It is unlinked from a GList (its
//    schedlink read and cleared) before it is published anywhere else: once
//    in a ring, another M may steal it, run it to its end, and its record may
//    be recycled through the same schedlink.
// The owner-side operations are inline: they are the scheduler's hot path.
#pragma once

#include <atomic>
#include <cassert>
#include <cstdint>

#include "runtime/detail/proc.h"
#include "runtime/detail/sched.h"

namespace stockd::runtime::detail {

inline uint32_t FastRand(P* p) {
  uint32_t x = p->rand;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  p->rand = x;
  return x;
}

inline void AssertOwner(P* p) {
  assert(p->m != nullptr && p->m == CurrentM() && "must run on the owner P");
  (void)p;
}

// Moves half of p's full local queue plus g to the global queue. Owner only.
// False if the ring was not full (a thief took some meanwhile): retry the put.
bool RunqPutSlow(P* p, G* g, uint32_t h, uint32_t t);

// Owner only. next=true puts g in runnext, kicking the old runnext to the tail.
inline void RunqPut(P* p, G* g, bool next) {
  AssertOwner(p);
  g->status.store(GStatus::kRunnable, std::memory_order_relaxed);
  if (next) {
    // Only the owner makes runnext non-null, so an empty slot can be filled
    // with a plain store; a full one needs the swap (a thief may take it).
    if (p->runnext.load(std::memory_order_relaxed) == nullptr) {
      p->runnext.store(g, std::memory_order_release);
      return;
    }
    g = p->runnext.exchange(g, std::memory_order_acq_rel);
    if (g == nullptr) return;
  }
  for (;;) {
    const uint32_t h = p->head.load(std::memory_order_acquire);
    const uint32_t t = p->tail.load(std::memory_order_relaxed);
    if (t - h < kRunqSize) {
      p->runq[t % kRunqSize].store(g, std::memory_order_relaxed);
      p->tail.store(t + 1, std::memory_order_release);
      return;
    }
    if (RunqPutSlow(p, g, h, t)) return;
  }
}

// Owner only; never spills to the global queue (so it may run under Sched::mu).
inline bool RunqPutNoSpill(P* p, G* g) {
  const uint32_t h = p->head.load(std::memory_order_acquire);
  const uint32_t t = p->tail.load(std::memory_order_relaxed);
  if (t - h >= kRunqSize) return false;
  g->status.store(GStatus::kRunnable, std::memory_order_relaxed);
  p->runq[t % kRunqSize].store(g, std::memory_order_relaxed);
  p->tail.store(t + 1, std::memory_order_release);
  return true;
}

// Owner only. *inherit: g came from runnext and inherits the time slice.
inline G* RunqGet(P* p, bool* inherit) {
  AssertOwner(p);
  G* next = p->runnext.load(std::memory_order_relaxed);
  if (next != nullptr && p->runnext.compare_exchange_strong(next, nullptr, std::memory_order_acq_rel)) {
    *inherit = true;
    return next;
  }
  *inherit = false;
  for (;;) {
    uint32_t h = p->head.load(std::memory_order_acquire);
    const uint32_t t = p->tail.load(std::memory_order_relaxed);
    if (t == h) return nullptr;
    G* g = p->runq[h % kRunqSize].load(std::memory_order_relaxed);
    if (p->head.compare_exchange_strong(h, h + 1, std::memory_order_acq_rel)) return g;
  }
}

inline bool RunqEmpty(P* p) {
  // Go's runqempty: read head, tail, runnext, then re-check tail.
  for (;;) {
    const uint32_t h = p->head.load(std::memory_order_acquire);
    const uint32_t t = p->tail.load(std::memory_order_acquire);
    G* next = p->runnext.load(std::memory_order_acquire);
    if (t == p->tail.load(std::memory_order_acquire)) return h == t && next == nullptr;
  }
}

// Owner of p only: steals half of victim's queue (or, with steal_runnext, its
// runnext when the ring is empty) and returns one G to run.
G* RunqSteal(P* p, P* victim, bool steal_runnext);

// The global queue.
void GlobRunqPut(Sched* s, G* g);
// REQUIRES: s->mu. Appends the whole list l (emptied).
void GlobRunqPutBatchLocked(Sched* s, GList& l);
// REQUIRES: s->mu; owner of p. Takes a fair share (at most max when max > 0)
// into p's ring and returns one G to run, or null if the queue is empty.
G* GlobRunqGetLocked(Sched* s, P* p, int64_t max);

}  // namespace stockd::runtime::detail
