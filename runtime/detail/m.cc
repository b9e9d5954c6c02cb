// runtime/detail/m.cc — the M loop (Go's schedule / findrunnable / execute),
// starting, parking and waking Ms, spinning, Wakep, the Blocking() hand-off
// (Go's handoffp / exitsyscall) and stopping every M at shutdown. Names follow
// Go's src/runtime/proc.go. Invariants: see m.h (P ownership, spinning,
// one poller) and runq.h (the queues this loop takes from).
#include "runtime/detail/m.h"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <mutex>
#include <thread>

#if defined(STOCKD_TSAN)
#include <sanitizer/tsan_interface.h>
#endif

#include "runtime/detail/runq.h"

namespace stockd::runtime::detail {
namespace {

void Schedule(M* m);

void MMain(M* m) {
  SetCurrentM(m);
#if defined(STOCKD_TSAN)
  m->tsan_g0 = __tsan_get_current_fiber();
#endif
  if (m->nextp) {
    AcquireP(m, m->nextp);
    m->nextp = nullptr;
  }
  Schedule(m);
  if (m->p) ReleaseP(m);
  SetCurrentM(nullptr);
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
  m->nextp = p;
  m->spinning = spinning;
  m->note.Wake();
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
  m->note.Sleep();
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

// A poll that readied this many Gs besides the one its M runs next wakes
// another M to share them. Fewer run here, one after the other: waking an M
// (a futex, a context switch, its steal and its sleep again) costs more than
// the microseconds a request waits behind a few others, and the woken M
// competes for a core with whatever else runs (a client on the same box) —
// at one request per client (redis-benchmark -P 1) Go's wake-per-poll cost
// 8 % more CPU per request for no more requests per second; at 16, a wake
// for 3 readied Gs made two processors trade one hot key's lines (SET on one
// key: 2.0M ops/s at 0.45 us of CPU each; at 16, 2.3M at 0.41). An idle M
// blocked in the poller still takes the next events itself, so a second
// processor joins in whenever one is busy.
constexpr int kWakeForCollected = 16;

// Takes the Gs a poll or a timer run made ready. Returns one to run, or null.
G* TakeCollected(M* m, GList& l) {
  if (l.empty()) return nullptr;
  G* g = l.Pop();
  if (!l.empty()) {
    const bool wake = l.size >= kWakeForCollected;
    InjectLocal(m->p, l);
    if (wake) Wakep(m->sched);
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
  // next timer, or a wakeup. Others sleep on their note.
  while (s->netpoll.TryAcquirePoller()) {
    GList l;
    s->netpoll.Block(m, s->timers, &l);
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


// Starts pulling the next queued G's saved context (the top of its stack, a
// page this M last touched long ago) into the cache while g runs: switching
// to a cold context was nine tenths of a Jump in spawn+join. Only a hint: a
// thief may take that G meanwhile (records are never freed, so the read is
// harmless; TSan builds skip it as the racy read it is).
inline void PrefetchNext(P* p) {
#if !defined(STOCKD_TSAN)
  const uint32_t h = p->head.load(std::memory_order_relaxed);
  // With one G queued it is most likely the one that just switched out (a
  // yield, a ping-pong), whose context is still hot: don't bother.
  if (p->tail.load(std::memory_order_relaxed) - h < 2) return;
  if (const G* next = p->runq[h % kRunqSize].load(std::memory_order_relaxed)) {
    __builtin_prefetch(next->ctx);
  }
#else
  (void)p;
#endif
}

void Execute(M* m, G* g, bool inherit) {
  P* p = m->p;
  if (!inherit) ++p->schedtick;
  g->m = m;
  m->curg = g;
  g->status.store(GStatus::kRunning, std::memory_order_relaxed);
  PrefetchNext(p);
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

}  // namespace

void Note::Sleep() {
  uint32_t k = 0;
  if (key_.compare_exchange_strong(k, 2, std::memory_order_acq_rel)) {
    while (key_.load(std::memory_order_acquire) == 2) {
      ::syscall(SYS_futex, &key_, FUTEX_WAIT_PRIVATE, 2, nullptr, nullptr, 0);
    }
  }
  key_.store(0, std::memory_order_relaxed);  // the next Wake comes after the next StopM registers
}

void Note::Wake() {
  if (key_.exchange(1, std::memory_order_acq_rel) == 2) {
    ::syscall(SYS_futex, &key_, FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
  }
}

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


void Wakep(Sched* s) {
  if (s->npidle.load(std::memory_order_seq_cst) == 0) return;
  int zero = 0;
  if (s->nmspinning.load(std::memory_order_seq_cst) != 0 ||
      !s->nmspinning.compare_exchange_strong(zero, 1, std::memory_order_seq_cst)) {
    return;
  }
  StartM(s, nullptr, true);
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


void Sched::Shutdown() {
  std::vector<M*> ms;
  {
    std::lock_guard<std::mutex> l(mu);
    stopping.store(true);
    while (M* m = MGetLocked(this)) ms.push_back(m);
  }
  for (M* m : ms) {
    m->nextp = nullptr;
    m->note.Wake();
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

}  // namespace stockd::runtime::detail
