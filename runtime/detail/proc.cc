// runtime/detail/proc.cc — the scheduler proper: run queues, the M loop
// (schedule / findRunnable), spinning and parking of Ms, stack switching, and
// the park.h contract. The design is described in runtime/scheduler.h; the
// structure and names follow Go's src/runtime/proc.go so the two can be read
// side by side.
#include "runtime/detail/proc.h"

#include <cassert>
#include <chrono>
#include <thread>
#include <new>

#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "runtime/log.h"

#if defined(STOCKD_TSAN)
#include <sanitizer/tsan_interface.h>
#endif
#if defined(STOCKD_ASAN)
#include <sanitizer/common_interface_defs.h>
#endif

namespace stockd::runtime::detail {
namespace {

thread_local M* tls_m = nullptr;
std::atomic<Sched*> g_last_sched{nullptr};

constexpr int kGCacheMax = 64;     // per-P dead Gs before half go global
constexpr int kStackCacheMax = 64;
constexpr uint64_t kGoidBatch = 16;

// ---------------------------------------------------------------------------
// Stack switching. g0 is the M's own thread stack; a G switches only to g0 and
// g0 only to a G (Go's mcall/gogo), so every switch is one jump_fcontext.
// The M* travels in transfer_t::data so a resumed G learns its (new) M without
// thread-local lookups.

[[noreturn]] void FiberEntry(transfer_t t);

void AfterResumeInG(G* g, M* m) {
#if defined(STOCKD_ASAN)
  __sanitizer_finish_switch_fiber(g->asan_fake_stack, &m->asan_g0_bottom, &m->asan_g0_size);
#else
  (void)g;
  (void)m;
#endif
}

// On a G: switch to the M's scheduler with `reason`. Returns when the G runs again.
void SwitchToG0(G* g, SwitchReason reason, const absl::FunctionRef<void()>* fn) {
  M* m = g->m;
  m->reason = reason;
  m->park_fn = fn;
#if defined(STOCKD_TSAN)
  __tsan_switch_to_fiber(m->tsan_g0, 0);
#endif
#if defined(STOCKD_ASAN)
  __sanitizer_start_switch_fiber(reason == SwitchReason::kExit ? nullptr : &g->asan_fake_stack,
                                 m->asan_g0_bottom, m->asan_g0_size);
#endif
  transfer_t t = boost::context::detail::jump_fcontext(m->g0ctx, nullptr);
  M* nm = static_cast<M*>(t.data);
  nm->g0ctx = t.fctx;
  AfterResumeInG(g, nm);
}

// On g0: run g until it switches back.
void SwitchToG(M* m, G* g) {
#if defined(STOCKD_TSAN)
  __tsan_switch_to_fiber(g->tsan_fiber, 0);
#endif
#if defined(STOCKD_ASAN)
  void* fake = nullptr;
  __sanitizer_start_switch_fiber(&fake, g->stack.bottom(), g->stack.size);
#endif
  transfer_t t = boost::context::detail::jump_fcontext(g->ctx, m);
#if defined(STOCKD_ASAN)
  __sanitizer_finish_switch_fiber(fake, nullptr, nullptr);
#endif
  g->ctx = t.fctx;
}

// ---------------------------------------------------------------------------
// Local run queue (Go's runqput/runqget/runqgrab/runqsteal).

uint32_t FastRand(P* p) {
  uint32_t x = p->rand;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  p->rand = x;
  return x;
}

void AssertOwner(P* p) {
  assert(p->m != nullptr && p->m == tls_m && "must run on the owner P");
  (void)p;
}

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

// Owner only. next=true puts g in runnext, kicking the old runnext to the tail.
void RunqPut(P* p, G* g, bool next) {
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
bool RunqPutNoSpill(P* p, G* g) {
  const uint32_t h = p->head.load(std::memory_order_acquire);
  const uint32_t t = p->tail.load(std::memory_order_relaxed);
  if (t - h >= kRunqSize) return false;
  g->status.store(GStatus::kRunnable, std::memory_order_relaxed);
  p->runq[t % kRunqSize].store(g, std::memory_order_relaxed);
  p->tail.store(t + 1, std::memory_order_release);
  return true;
}

// Owner only. *inherit: g came from runnext and inherits the time slice.
G* RunqGet(P* p, bool* inherit) {
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

bool RunqEmpty(P* p) {
  // Go's runqempty: read head, tail, runnext, then re-check tail.
  for (;;) {
    const uint32_t h = p->head.load(std::memory_order_acquire);
    const uint32_t t = p->tail.load(std::memory_order_acquire);
    G* next = p->runnext.load(std::memory_order_acquire);
    if (t == p->tail.load(std::memory_order_acquire)) return h == t && next == nullptr;
  }
}

uint32_t RunqSize(P* p) {
  const uint32_t h = p->head.load(std::memory_order_acquire);
  const uint32_t t = p->tail.load(std::memory_order_acquire);
  return (t - h) + (p->runnext.load(std::memory_order_relaxed) != nullptr ? 1 : 0);
}

// Grabs half of victim's queue into p's ring starting at p's tail (not yet published).
uint32_t RunqGrab(P* victim, P* p, uint32_t batch_head, bool steal_runnext) {
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

// ---------------------------------------------------------------------------
// P and M hand-offs.

void AcquireP(M* m, P* p) {
  m->p = p;
  p->m = m;
}

P* ReleaseP(M* m) {
  P* p = m->p;
  p->m = nullptr;
  m->p = nullptr;
  return p;
}

// REQUIRES: s->mu.
P* PidleGet(Sched* s) {
  P* p = s->pidle;
  if (p) {
    s->pidle = p->link;
    p->link = nullptr;
    s->npidle.fetch_sub(1, std::memory_order_seq_cst);
  }
  return p;
}
void PidlePut(Sched* s, P* p) {
  p->link = s->pidle;
  s->pidle = p;
  s->npidle.fetch_add(1, std::memory_order_seq_cst);
}
M* MGetLocked(Sched* s) {
  M* m = s->midle;
  if (m) {
    s->midle = m->link;
    m->link = nullptr;
    --s->nmidle;
  }
  return m;
}

void Schedule(M* m);

void MMain(M* m) {
  tls_m = m;
#if defined(STOCKD_TSAN)
  m->tsan_g0 = __tsan_get_current_fiber();
#endif
  if (m->nextp) {
    AcquireP(m, m->nextp);
    m->nextp = nullptr;
  }
  Schedule(m);
  if (m->p) ReleaseP(m);
  tls_m = nullptr;
}

void NewM(Sched* s, P* p, bool spinning) {
  auto owned = std::make_unique<M>();
  M* m = owned.get();
  m->sched = s;
  m->nextp = p;  // published to the thread by its creation
  m->spinning = spinning;
  // The thread is set under s->mu: Shutdown() scans allm for joinable threads
  // under it, and must not miss (or race with) an M that a late Ready() is
  // still starting on another M.
  std::lock_guard<std::mutex> l(s->mu);
  m->id = static_cast<int>(s->allm.size());
  s->allm.push_back(std::move(owned));
  s->threads.fetch_add(1, std::memory_order_relaxed);
  m->thread = std::thread(MMain, m);
}

// Runs p (or an idle P when p is null) on an idle or new M. If spinning, the
// caller already counted the M in nmspinning.
void StartM(Sched* s, P* p, bool spinning) {
  std::unique_lock<std::mutex> l(s->mu);
  if (s->stopping.load(std::memory_order_relaxed)) {
    if (p) PidlePut(s, p);
    if (spinning) s->nmspinning.fetch_sub(1);
    return;
  }
  if (p == nullptr) {
    p = PidleGet(s);
    if (p == nullptr) {
      l.unlock();
      if (spinning) s->nmspinning.fetch_sub(1);
      return;
    }
  }
  M* m = MGetLocked(s);
  l.unlock();
  if (m == nullptr) {
    NewM(s, p, spinning);
    return;
  }
  {
    std::lock_guard<std::mutex> pl(m->park_mu);
    m->nextp = p;
    m->spinning = spinning;
    m->notified = true;
  }
  m->park_cv.notify_one();
}

// Parks the M (it holds no P) until startm hands it one. False on shutdown.
bool StopM(M* m) {
  Sched* s = m->sched;
  {
    std::lock_guard<std::mutex> l(s->mu);
    if (s->stopping.load(std::memory_order_relaxed)) return false;
    m->link = s->midle;
    s->midle = m;
    ++s->nmidle;
  }
  std::unique_lock<std::mutex> pl(m->park_mu);
  m->park_cv.wait(pl, [m] { return m->notified; });
  m->notified = false;
  if (m->nextp == nullptr) return false;
  AcquireP(m, m->nextp);
  m->nextp = nullptr;
  return true;
}

void ResetSpinning(M* m) {
  Sched* s = m->sched;
  m->spinning = false;
  const int left = s->nmspinning.fetch_sub(1, std::memory_order_seq_cst) - 1;
  // The last spinner found work: there may be more, so wake another (Go's resetspinning).
  if (left == 0 && s->npidle.load(std::memory_order_seq_cst) > 0) Wakep(s);
}

void InjectLocal(P* p, GList& l) {
  while (G* g = l.Pop()) RunqPut(p, g, false);
}

// Takes the Gs a poll or a timer run made ready. Returns one to run, or null.
G* TakeCollected(M* m, GList& l) {
  if (l.empty()) return nullptr;
  G* g = l.Pop();
  if (!l.empty()) {
    InjectLocal(m->p, l);
    Wakep(m->sched);
  }
  return g;
}

// Runs due timers; the fibers they ready go to the tail of m's P in deadline
// order (not runnext, which would run a batch in reverse order).
void RunTimersIfDue(M* m) {
  Sched* s = m->sched;
  const int64_t next = s->timers.NextWhen();
  if (next == Timers::kNever) return;
  const int64_t now = MonoNowNs();
  if (next > now) return;
  GList l;
  m->collect = &l;
  s->timers.RunDue(now);
  m->collect = nullptr;
  if (l.empty()) return;
  const bool several = l.size > 1;
  InjectLocal(m->p, l);
  if (several) Wakep(s);
}

// Go's findrunnable: local, global, netpoll, steal; then drop the P and sleep.
// Returns with m->p set, or null on shutdown.
G* FindRunnable(M* m, bool* inherit) {
  Sched* s = m->sched;
top:
  if (s->stopping.load(std::memory_order_relaxed)) return nullptr;
  P* p = m->p;
  *inherit = false;
  RunTimersIfDue(m);

  if (p->schedtick % 61 == 0) {
    // Fairness: neither the global queue nor the network starve under load.
    if (s->runqsize.load(std::memory_order_relaxed) > 0) {
      std::lock_guard<std::mutex> l(s->mu);
      if (G* g = GlobRunqGetLocked(s, p, 1)) return g;
    }
    if (s->netpoll.HasWaiters() && !s->netpoll.PollerHeld()) {
      GList l;
      s->netpoll.Poll(m, &l);
      InjectLocal(p, l);
    }
  }
  if (G* g = RunqGet(p, inherit)) return g;
  if (s->runqsize.load(std::memory_order_relaxed) > 0) {
    std::lock_guard<std::mutex> l(s->mu);
    if (G* g = GlobRunqGetLocked(s, p, 0)) return g;
  }
  // Poll the network without blocking, unless an M already sleeps in it (it
  // will hand out whatever arrives; Go's findrunnable does the same).
  if (s->netpoll.HasWaiters() && !s->netpoll.PollerHeld()) {
    GList l;
    s->netpoll.Poll(m, &l);
    if (G* g = TakeCollected(m, l)) return g;
  }

  // Steal. Limit spinners to half the busy Ps so idle Ms don't eat the CPU
  // that running fibers (and the kernel's network stack) need.
  const int procs = s->nprocs;
  if (procs > 1 &&
      (m->spinning || 2 * s->nmspinning.load() < procs - s->npidle.load())) {
    if (!m->spinning) {
      m->spinning = true;
      s->nmspinning.fetch_add(1);
    }
    for (int i = 0; i < 4; ++i) {
      const uint32_t start = FastRand(p);
      for (int k = 0; k < procs; ++k) {
        P* victim = s->allp[(start + k) % procs].get();
        if (victim == p) continue;
        if (G* g = RunqSteal(p, victim, i == 3)) {
          p->steals.Inc();
          return g;
        }
      }
    }
  }

  // Nothing to do: give up the P.
  {
    std::lock_guard<std::mutex> l(s->mu);
    if (s->stopping.load(std::memory_order_relaxed)) return nullptr;
    if (G* g = GlobRunqGetLocked(s, p, 0)) return g;
    ReleaseP(m);
    PidlePut(s, p);
  }
  const bool was_spinning = m->spinning;
  if (m->spinning) {
    m->spinning = false;
    s->nmspinning.fetch_sub(1, std::memory_order_seq_cst);
  }
  // A spinner that stops must re-check every queue: a waker may have skipped
  // wakep() because it saw us spinning (Go's "delicate dance").
  if (was_spinning) {
    // The global queue too (as Go does): a Ready from a thread without a P
    // (a plain thread, a Blocking() section) that saw us spinning skipped
    // Wakep. Checked under s->mu, which orders it against GlobRunqPut.
    bool global_work;
    {
      std::lock_guard<std::mutex> l(s->mu);
      global_work = s->runqsize.load(std::memory_order_relaxed) > 0;
    }
    for (auto& pp : s->allp) {
      if (global_work || !RunqEmpty(pp.get())) {
        P* p2;
        {
          std::lock_guard<std::mutex> l(s->mu);
          p2 = PidleGet(s);
        }
        if (p2) {
          AcquireP(m, p2);
          m->spinning = true;
          s->nmspinning.fetch_add(1);
          goto top;
        }
        break;
      }
    }
  }

  // The first idle M becomes the poller: it sleeps in epoll until I/O, the
  // next timer, or a wakeup. Others park on their condvar.
  while (s->netpoll.TryAcquirePoller()) {
    GList l;
    s->netpoll.Block(m, Timers::kNever, s->timers, &l);
    s->netpoll.ReleasePoller();
    if (s->stopping.load(std::memory_order_relaxed)) return nullptr;
    P* p2;
    {
      std::lock_guard<std::mutex> lk(s->mu);
      p2 = (!l.empty() || s->runqsize.load(std::memory_order_relaxed) > 0) ? PidleGet(s) : nullptr;
      if (p2 == nullptr && !l.empty()) GlobRunqPutBatchLocked(s, l);
    }
    if (p2) {
      AcquireP(m, p2);
      if (G* g = TakeCollected(m, l)) return g;
      goto top;
    }
    // Every P is busy (or nothing happened): stay the poller.
  }
  if (!StopM(m)) return nullptr;
  goto top;
}

void FinishG(M* m, G* g);

void Execute(M* m, G* g, bool inherit) {
  P* p = m->p;
  if (!inherit) ++p->schedtick;
  g->m = m;
  m->curg = g;
  g->status.store(GStatus::kRunning, std::memory_order_relaxed);
  SwitchToG(m, g);
  m->curg = nullptr;
  const SwitchReason reason = m->reason;
  m->reason = SwitchReason::kNone;
  switch (reason) {
    case SwitchReason::kPark:
      if (m->p) m->p->parks.Inc();
      g->status.store(GStatus::kWaiting, std::memory_order_relaxed);
      (*m->park_fn)();
      break;
    case SwitchReason::kYield:
      RunqPut(m->p, g, false);
      break;
    case SwitchReason::kExit:
      FinishG(m, g);
      break;
    case SwitchReason::kBlockingNoP: {
      // Back from Blocking() without a P: take one if it freed meanwhile, else
      // queue g globally (both under mu, so an M going idle sees one or the other).
      Sched* s = m->sched;
      P* p2;
      {
        std::lock_guard<std::mutex> l(s->mu);
        p2 = PidleGet(s);
        if (!p2) {
          g->status.store(GStatus::kRunnable, std::memory_order_relaxed);
          s->runq.Push(g);
          s->runqsize.store(s->runqsize.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
        }
      }
      if (p2) {
        AcquireP(m, p2);
        RunqPut(p2, g, true);
      }
      break;
    }
    case SwitchReason::kNone:
      break;
  }
  m->park_fn = nullptr;
}

void Schedule(M* m) {
  for (;;) {
    if (m->p == nullptr && !StopM(m)) return;
    bool inherit = false;
    G* g = FindRunnable(m, &inherit);
    if (g == nullptr) return;
    if (m->spinning) ResetSpinning(m);
    Execute(m, g, inherit);
  }
}

// ---------------------------------------------------------------------------
// G records and stacks.

// Owner of p only (the per-P cache is unlocked); overflow goes global under gfree_mu.
void GFreePut(P* p, G* g) {
  AssertOwner(p);
  g->schedlink = p->gfree;
  p->gfree = g;
  if (++p->ngfree < kGCacheMax) return;
  Sched* s = p->sched;
  std::lock_guard<std::mutex> l(s->gfree_mu);
  while (p->ngfree > kGCacheMax / 2) {
    G* x = p->gfree;
    p->gfree = x->schedlink;
    --p->ngfree;
    x->schedlink = s->gfree;
    s->gfree = x;
    ++s->ngfree;
  }
}

// p: the caller's own P, or null off-P (then only the global cache is used).
G* GFreeGet(Sched* s, P* p) {
  if (p && p->gfree == nullptr) {
    std::lock_guard<std::mutex> l(s->gfree_mu);
    while (s->gfree && p->ngfree < kGCacheMax / 2) {
      G* x = s->gfree;
      s->gfree = x->schedlink;
      --s->ngfree;
      x->schedlink = p->gfree;
      p->gfree = x;
      ++p->ngfree;
    }
  }
  if (p && p->gfree) {
    G* g = p->gfree;
    p->gfree = g->schedlink;
    --p->ngfree;
    g->schedlink = nullptr;
    return g;
  }
  if (!p) {
    std::lock_guard<std::mutex> l(s->gfree_mu);
    if (G* g = s->gfree) {
      s->gfree = g->schedlink;
      --s->ngfree;
      g->schedlink = nullptr;
      return g;
    }
  }
  return nullptr;
}

// p: the caller's own P or null. Like GFreePut: a full per-P cache moves half
// of itself to the global list under one lock, so gfree_mu is taken once per
// kStackCacheMax/2 stacks, not once per fiber, when more fibers are in flight
// than the cache holds.
void StackPut(Sched* s, P* p, Stack st) {
  if (p) {
    p->stackfree.push_back(st);
    if (p->stackfree.size() < static_cast<size_t>(kStackCacheMax)) return;
    std::lock_guard<std::mutex> l(s->gfree_mu);
    while (p->stackfree.size() > static_cast<size_t>(kStackCacheMax / 2)) {
      s->stackfree.push_back(p->stackfree.back());
      p->stackfree.pop_back();
    }
    return;
  }
  std::lock_guard<std::mutex> l(s->gfree_mu);
  s->stackfree.push_back(st);
}

// Like GFreeGet: an empty per-P cache is refilled to half from the global
// list under one lock.
Stack StackGet(Sched* s, P* p) {
  if (p && p->stackfree.empty()) {
    std::lock_guard<std::mutex> l(s->gfree_mu);
    while (!s->stackfree.empty() && p->stackfree.size() < static_cast<size_t>(kStackCacheMax / 2)) {
      p->stackfree.push_back(s->stackfree.back());
      s->stackfree.pop_back();
    }
  }
  if (p && !p->stackfree.empty()) {
    Stack st = p->stackfree.back();
    p->stackfree.pop_back();
    return st;
  }
  if (!p) {
    std::lock_guard<std::mutex> l(s->gfree_mu);
    if (!s->stackfree.empty()) {
      Stack st = s->stackfree.back();
      s->stackfree.pop_back();
      return st;
    }
  }
  return AllocateStack(s->stack_size);
}

// p: the caller's own P (ids are handed out in per-P batches) or null.
uint64_t NextGoid(Sched* s, P* p) {
  if (!p) return s->goid_gen.fetch_add(1, std::memory_order_relaxed) + 1;
  if (p->goid_next == p->goid_end) {
    p->goid_next = s->goid_gen.fetch_add(kGoidBatch, std::memory_order_relaxed) + 1;
    p->goid_end = p->goid_next + kGoidBatch;
  }
  return p->goid_next++;
}

// On g0, after g switched out for the last time.
void FinishG(M* m, G* g) {
  P* p = m->p;
  Sched* s = m->sched;
  g->status.store(GStatus::kDead, std::memory_order_relaxed);
  p->exited.Inc();
  // If a Fiber handle may outlive the fiber, its record must not keep the
  // stack: recycle the stack before kJoinDone lets the handle free the record.
  if (g->join.load(std::memory_order_acquire) & kJoinHandle) {
    StackPut(s, p, g->stack);
    g->stack = {};
  }
  const uintptr_t old = g->join.fetch_or(kJoinDone, std::memory_order_acq_rel);
  // From here on g belongs to the handle if it still had one.
  // The joiner goes to the tail of the run queue, not runnext: a fiber
  // joining a batch then resumes after the batch's other runnable fibers
  // have run (and ended), instead of right after each one only to park again
  // on the next — two switches and a park saved per Join.
  if (G* waiter = reinterpret_cast<G*>(old & ~kJoinFlags)) {
    if (waiter->sched == s) {
      RunqPut(p, waiter, false);
      Wakep(s);
    } else {
      Ready(waiter);  // a fiber of another runtime
    }
  }
  if (old & kJoinThread) {
    { std::lock_guard<std::mutex> l(s->join_mu); }
    s->join_cv.notify_all();
  }
  if (!(old & kJoinHandle)) GFreePut(p, g);  // with its hot stack, unless a handle had been there
}

[[noreturn]] void FiberEntry(transfer_t t) {
  M* m = static_cast<M*>(t.data);
  m->g0ctx = t.fctx;
  G* g = m->curg;
  AfterResumeInG(g, m);
  absl::Status st;
  try {
    g->fn();
    g->fn = nullptr;  // captured state dies on the fiber (its destructors may park)
  } catch (const std::exception& e) {
    st = absl::InternalError(absl::StrFormat("fiber %d panicked: %s", g->goid, e.what()));
  } catch (...) {
    st = absl::InternalError(absl::StrFormat("fiber %d panicked: unknown exception", g->goid));
  }
  if (!st.ok()) {
    LogWarning("%s", st.message());
    try {
      g->fn = nullptr;
    } catch (...) {
    }
  }
  g->result = std::move(st);
  SwitchToG0(g, SwitchReason::kExit, nullptr);
  __builtin_unreachable();
}

}  // namespace

// ---------------------------------------------------------------------------
// Exported to the rest of runtime/.

[[gnu::noinline]] M* CurrentM() { return tls_m; }
void SetCurrentM(M* m) { tls_m = m; }

Sched* DefaultSched() {
  if (M* m = CurrentM()) return m->sched;
  return g_last_sched.load(std::memory_order_acquire);
}
Timers& SchedTimers(Sched* s) { return s->timers; }
Netpoll& SchedNetpoll(Sched* s) { return s->netpoll; }

void Wakep(Sched* s) {
  if (s->npidle.load(std::memory_order_seq_cst) == 0) return;
  int zero = 0;
  if (s->nmspinning.load(std::memory_order_seq_cst) != 0 ||
      !s->nmspinning.compare_exchange_strong(zero, 1, std::memory_order_seq_cst)) {
    return;
  }
  StartM(s, nullptr, true);
}

G* Spawn(Sched* s, absl::AnyInvocable<void()> fn, bool handle) {
  M* m = CurrentM();
  P* p = (m && m->sched == s) ? m->p : nullptr;
  G* g = GFreeGet(s, p);
  if (g == nullptr) {
    g = new G;
    g->sched = s;
#if defined(STOCKD_TSAN)
    g->tsan_fiber = __tsan_create_fiber(0);
#endif
    std::lock_guard<std::mutex> l(s->allg_mu);
    s->allg.push_back(g);
  }
  if (g->stack.empty()) {
    g->stack = StackGet(s, p);
    if (g->stack.empty()) {
      if (p) GFreePut(p, g); else { std::lock_guard<std::mutex> l(s->gfree_mu); g->schedlink = s->gfree; s->gfree = g; ++s->ngfree; }
      throw std::bad_alloc();
    }
  }
  g->ctx = boost::context::detail::make_fcontext(g->stack.top(), g->stack.size, FiberEntry);
  g->fn = std::move(fn);
  g->goid = NextGoid(s, p);
  g->result = absl::OkStatus();
  g->asan_fake_stack = nullptr;
  g->join.store(handle ? kJoinHandle : 0, std::memory_order_relaxed);
  if (p) {
    p->spawned.Inc();
    RunqPut(p, g, true);
  } else {
    s->spawned_offp.fetch_add(1, std::memory_order_relaxed);
    g->status.store(GStatus::kRunnable, std::memory_order_relaxed);
    GlobRunqPut(s, g);
  }
  Wakep(s);
  return g;
}

void ReleaseG(G* g) {
  if (!(g->join.fetch_and(~kJoinHandle, std::memory_order_acq_rel) & kJoinDone)) return;
  // The fiber had ended and left the record to the handle: recycle it.
  Sched* s = g->sched;
  M* m = CurrentM();
  if (m && m->sched == s && m->p) {
    GFreePut(m->p, g);
    return;
  }
  std::lock_guard<std::mutex> l(s->gfree_mu);
  g->schedlink = s->gfree;
  s->gfree = g;
  ++s->ngfree;
}

void YieldCurrent() {
  M* m = CurrentM();
  assert(m && m->curg && m->p);
  SwitchToG0(m->curg, SwitchReason::kYield, nullptr);
}

void EnterBlocking() {
  M* m = CurrentM();
  Sched* s = m->sched;
  P* p = ReleaseP(m);
  s->blocking_handoffs.fetch_add(1, std::memory_order_relaxed);
  // Go's handoffp: start an M for p if there is anything it could do.
  if (!RunqEmpty(p) || s->runqsize.load() > 0) {
    StartM(s, p, false);
    return;
  }
  int zero = 0;
  if (s->nmspinning.load() + s->npidle.load() == 0 &&
      s->nmspinning.compare_exchange_strong(zero, 1)) {
    StartM(s, p, true);
    return;
  }
  // Someone must watch the timers and the network while this M is away.
  if (!s->netpoll.PollerHeld() && (s->timers.NextWhen() != Timers::kNever || s->netpoll.HasWaiters())) {
    StartM(s, p, false);
    return;
  }
  bool start = false;
  {
    std::lock_guard<std::mutex> l(s->mu);
    if (s->runqsize.load(std::memory_order_relaxed) > 0) start = true;
    else PidlePut(s, p);
  }
  if (start) StartM(s, p, false);
}

void ExitBlocking() {
  M* m = CurrentM();
  if (m->p) return;  // fn parked and we resumed elsewhere (a misuse, but survivable)
  Sched* s = m->sched;
  P* p;
  {
    std::lock_guard<std::mutex> l(s->mu);
    p = PidleGet(s);
  }
  if (p) {
    AcquireP(m, p);
    return;
  }
  SwitchToG0(m->curg, SwitchReason::kBlockingNoP, nullptr);
}

// ---------------------------------------------------------------------------
// park.h

G* CurrentG() {
  M* m = CurrentM();
  return m ? m->curg : nullptr;
}

void Park(absl::FunctionRef<void()> after_switch) {
  M* m = CurrentM();
  assert(m && m->curg && "Park() called off-fiber");
  assert(m->p && "Park() inside Blocking()");
  SwitchToG0(m->curg, SwitchReason::kPark, &after_switch);
}

void Ready(G* g) {
  M* m = CurrentM();
  Sched* s = g->sched;
  if (m && m->sched == s) {
    if (m->collect) {
      g->status.store(GStatus::kRunnable, std::memory_order_relaxed);
      m->collect->Push(g);
      return;
    }
    if (m->p) {
      RunqPut(m->p, g, true);
      Wakep(s);
      return;
    }
  }
  g->status.store(GStatus::kRunnable, std::memory_order_relaxed);
  GlobRunqPut(s, g);
  Wakep(s);
}

TimerId AddTimer(absl::Time when, void (*fn)(void*), void* arg) {
  Sched* s = DefaultSched();
  bool earliest = false;
  const int64_t mono = MonoFromTime(when);
  const TimerId id = s->timers.Add(mono, fn, arg, &earliest);
  if (earliest) {
    s->netpoll.WakeupIfSleepingPast(mono);
    // Nobody sleeping in the poller: make sure some M will look at the heap
    // (one is running, or an idle P gets one).
    if (!s->netpoll.PollerHeld()) Wakep(s);
  }
  return id;
}

bool CancelTimer(TimerId id) { return DefaultSched()->timers.Cancel(id); }

uint64_t GoId(const G* g) { return g->goid; }

int CurrentProcIndex() {
  M* m = CurrentM();
  return (m && m->p) ? m->p->id : -1;
}

// Reads tls_m directly (not via CurrentM) to keep Pool's fast path to one
// call; out of line, so the thread-local's address is never cached across a park.
[[gnu::noinline]] ProcRef CurrentProc() {
  M* m = tls_m;
  P* p = m ? m->p : nullptr;
  return p ? ProcRef{p, p->id} : ProcRef{nullptr, -1};
}

int NumProcs() {
  Sched* s = DefaultSched();
  return s ? s->nprocs : 0;
}

// ---------------------------------------------------------------------------
// Sched lifecycle.

Sched::Sched(int procs, size_t stack_size_in) : nprocs(procs), stack_size(stack_size_in) {
  for (int i = 0; i < procs; ++i) {
    auto p = std::make_unique<P>();
    p->id = i;
    p->sched = this;
    p->rand = 0x9e3779b9u * static_cast<uint32_t>(i + 1);
    allp.push_back(std::move(p));
  }
  {
    std::lock_guard<std::mutex> l(mu);
    for (int i = procs - 1; i >= 0; --i) PidlePut(this, allp[i].get());
  }
  g_last_sched.store(this, std::memory_order_release);
}

void Sched::Shutdown() {
  std::vector<M*> ms;
  {
    std::lock_guard<std::mutex> l(mu);
    stopping.store(true);
    while (M* m = MGetLocked(this)) ms.push_back(m);
  }
  for (M* m : ms) {
    std::lock_guard<std::mutex> pl(m->park_mu);
    m->nextp = nullptr;
    m->notified = true;
    m->park_cv.notify_one();
  }
  netpoll.Shutdown();
  for (;;) {
    std::vector<M*> todo;
    {
      std::lock_guard<std::mutex> l(mu);
      for (auto& m : allm) if (m->thread.joinable()) todo.push_back(m.get());
    }
    if (todo.empty()) break;
    for (M* m : todo) m->thread.join();
  }
}

Sched::~Sched() {
  Sched* self = this;
  g_last_sched.compare_exchange_strong(self, nullptr);
  std::lock_guard<std::mutex> l(allg_mu);
  for (G* g : allg) {
    FreeStack(g->stack);
#if defined(STOCKD_TSAN)
    __tsan_destroy_fiber(g->tsan_fiber);
#endif
    // A fiber abandoned while parked or runnable keeps its record (leaked on
    // purpose): its closure's destructors might park, and nothing runs now.
    const GStatus st = g->status.load(std::memory_order_relaxed);
    if (st == GStatus::kDead || st == GStatus::kIdle) delete g;
  }
  for (auto& p : allp) {
    for (Stack& st : p->stackfree) FreeStack(st);
  }
  for (Stack& st : stackfree) FreeStack(st);
}

}  // namespace stockd::runtime::detail
