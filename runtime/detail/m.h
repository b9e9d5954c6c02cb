// runtime/detail/m.h — the M side of the scheduler: Ms acquiring and
// releasing Ps, the M loop (schedule / findRunnable / execute), parking and
// waking Ms, and the Blocking() hand-off. Internal; the pieces proc.cc and
// m.cc need from each other.
//
// Invariants:
//  * P::m and M::p agree: a P is owned by at most one M, and changes hands
//    only by AcquireP/ReleaseP on the M that holds it or takes it from the
//    idle list (pidle, under Sched::mu) or from StartM's nextp (published by
//    the M's note: written before Wake, read after Sleep).
//  * nmspinning counts the Ms that look for work without having found any; a
//    waker skips Wakep while one spins, so a spinner that gives up re-checks
//    every queue before it sleeps (Go's "delicate dance").
//  * At most one idle M sleeps in the poller (netpoll); the others sleep on
//    their own note until StartM hands them a P.
#pragma once

#include "absl/functional/function_ref.h"
#include "runtime/detail/proc.h"
#include "runtime/detail/sched.h"

namespace stockd::runtime::detail {

// P hand-offs (m.cc).
void AcquireP(M* m, P* p);
P* ReleaseP(M* m);
// REQUIRES: s->mu.
P* PidleGet(Sched* s);
void PidlePut(Sched* s, P* p);
M* MGetLocked(Sched* s);

// Stack switching and the end of a G (proc.cc), used by the M loop.
// On a G: switch to the M's scheduler with `reason`; returns when the G runs again.
void SwitchToG0(G* g, SwitchReason reason, const absl::FunctionRef<void()>* fn);
// On g0: run g until it switches back.
void SwitchToG(M* m, G* g);
// On g0, after g switched out for the last time: completes its join and
// recycles what the Fiber handle does not own.
void FinishG(M* m, G* g);

}  // namespace stockd::runtime::detail
