// runtime/detail/proc.cc — the life of a G: stack switching (g0 <-> G),
// spawn, the fiber's entry and exit, Join's hand-off (FinishG / ReleaseG),
// Yield, the park.h contract (Park/Ready/timers) and the Sched's creation and
// destruction. The M loop is in m.cc, the run queues in runq.cc, the free
// lists in gcache.cc. Names follow Go's src/runtime/proc.go.
//
// Invariants:
//  * A G switches only to its M's g0 and g0 only to a G (Go's mcall/gogo), so
//    every switch is one Jump (switch.h); the M travels in transfer_t::data and
//    a resumed G learns its (new) M from it, never from a cached thread-local.
//  * G::join holds the record's lifetime: whoever clears the last of
//    {running, kJoinHandle} recycles it. FinishG sets kJoinDone (release)
//    after the last write to the record by the fiber's side; after that
//    the record belongs to the handle if there was one.
//  * Ready(g) is called exactly once per Park; it enqueues and touches
//    nothing else of g.
#include "runtime/detail/proc.h"

#include <cassert>
#include <new>

#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "runtime/detail/gcache.h"
#include "runtime/detail/m.h"
#include "runtime/detail/runq.h"
#include "runtime/detail/switch.h"
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

[[noreturn]] void FiberEntry(transfer_t t);

void AfterResumeInG(G* g, M* m) {
#if defined(STOCKD_ASAN)
  __sanitizer_finish_switch_fiber(g->asan_fake_stack, &m->asan_g0_bottom, &m->asan_g0_size);
#else
  (void)g;
  (void)m;
#endif
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
// Stack switching (declared in m.h for the M loop).

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
  transfer_t t = Jump(m->g0ctx, nullptr);
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
  transfer_t t = Jump(g->ctx, m);
#if defined(STOCKD_ASAN)
  __sanitizer_finish_switch_fiber(fake, nullptr, nullptr);
#endif
  g->ctx = t.fctx;
}

// On g0, after g switched out for the last time.
void FinishG(M* m, G* g) {
  P* p = m->p;
  Sched* s = m->sched;
  g->status.store(GStatus::kDead, std::memory_order_relaxed);
  p->exited.Inc();
  const uintptr_t join = g->join.load(std::memory_order_acquire);
  // No handle (never had one, or detached): nobody else can reach the record.
  if (join == 0) {
    GFreePut(p, g);
    return;
  }
  // If a Fiber handle may outlive the fiber, its record must not keep the
  // stack: recycle the stack before kJoinDone lets the handle free the record.
  if (join & kJoinHandle) {
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
      if (p) GFreePut(p, g); else GFreePutGlobal(s, g);
      throw std::bad_alloc();
    }
  }
  g->ctx = MakeContext(g->stack.top(), g->stack.size, FiberEntry);
  g->fn = std::move(fn);
  g->goid = NextGoid(s, p);
  g->result = absl::OkStatus();
  g->asan_fake_stack = nullptr;
  g->join.store(handle ? kJoinHandle : 0, std::memory_order_relaxed);
  if (p) {
    p->spawned.Inc();
    // runnext if it is free; else the tail, leaving runnext alone: a batch of
    // spawns then runs in spawn order, and no spawn pays the locked swap
    // (with the G's fresh stores still pending, 12 % of a spawn+join).
    RunqPut(p, g, p->runnext.load(std::memory_order_relaxed) == nullptr);
  } else {
    s->spawned_offp.fetch_add(1, std::memory_order_relaxed);
    g->status.store(GStatus::kRunnable, std::memory_order_relaxed);
    GlobRunqPut(s, g);
  }
  Wakep(s);
  return g;
}

void ReleaseG(G* g) {
  // Once kJoinDone is visible the fiber's side is done with the record (see
  // FinishG) and this handle is its only owner: no locked RMW needed then.
  if (!(g->join.load(std::memory_order_acquire) & kJoinDone) &&
      !(g->join.fetch_and(~kJoinHandle, std::memory_order_acq_rel) & kJoinDone)) {
    return;
  }
  // The fiber had ended and left the record to the handle: recycle it.
  Sched* s = g->sched;
  M* m = CurrentM();
  if (m && m->sched == s && m->p) {
    GFreePut(m->p, g);
    return;
  }
  GFreePutGlobal(s, g);
}

void YieldCurrent() {
  M* m = CurrentM();
  assert(m && m->curg && m->p);
  SwitchToG0(m->curg, SwitchReason::kYield, nullptr);
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
// Sched lifecycle (Shutdown, which stops the Ms, is in m.cc).

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
