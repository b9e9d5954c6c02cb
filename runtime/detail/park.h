// runtime/detail/park.h — the one contract between the scheduler and every
// synchronisation primitive (Chan, Select, WaitGroup, Mutex, Context, Sleep,
// netpoll). Nothing else in runtime/ touches a G's state directly.
//
// Invariants:
//  * A G is parked only by itself (Park) and made runnable only by Ready.
//  * Park's `after_switch` runs once the parked G's context is saved, on the
//    scheduler's own stack (Go's gopark unlockf). A primitive releases its
//    internal spin lock there, so a waker on another M that takes the lock and
//    calls Ready() can never resume a G that is still running.
//  * Ready(g) must be called exactly once per Park. Primitives that can be woken
//    from two sides (a channel and a timeout) claim the wake-up first (a CAS on
//    their own waiter record) and only the winner calls Ready.
//  * Ready() never parks and may be called from any thread: a fiber (then g goes
//    to the caller's P `runnext`, as Go does), a timer callback, the netpoller,
//    or a plain OS thread (then g goes to the global run queue and an idle M is woken).
#pragma once

#include <cstdint>

#include "absl/functional/function_ref.h"
#include "absl/time/time.h"

namespace stockd::runtime::detail {

struct G;  // a fiber record, owned by the scheduler

// The running fiber, or nullptr on a thread that is not running a fiber.
G* CurrentG();

// Parks the running fiber. REQUIRES: called on a fiber. `after_switch` runs on
// the scheduler stack after the switch and must not park or throw.
void Park(absl::FunctionRef<void()> after_switch);

// Makes a parked fiber runnable. Never parks. Thread-safe.
void Ready(G* g);

// Timers. The callback runs on a scheduler thread (never on a fiber stack) at or
// after `when`; it must be short and must not park (typically: claim + Ready).
// CancelTimer returns true when the callback had not started and now never will.
// It is synchronous: when it returns false, a callback that had started has
// also finished (it waits for it, unless called from that very callback), so a
// waiter record on a fiber's stack may die right after CancelTimer returns.
// AddTimer/CancelTimer may be called from fibers, timer callbacks and Park's
// after_switch; deadlines are converted to the monotonic clock when added.
using TimerId = uint64_t;
TimerId AddTimer(absl::Time when, void (*fn)(void*), void* arg);
bool CancelTimer(TimerId id);

// A small id for log lines and stats (the G's goid).
uint64_t GoId(const G* g);

// The index of the P the caller runs on, in [0, NumProcs()), or -1 when the
// caller is not on a runtime thread (also inside Blocking(), where the fiber
// holds no P). Per-P caches (Pool<T>) index by it; the value may change after
// any call that parks, and after Blocking().
int CurrentProcIndex();
int NumProcs();

// The P the caller runs on, as an identity plus its index (one out-of-line
// call instead of two for Pool<T>'s fast path), or {nullptr, -1} off the
// runtime and inside Blocking(). `p` identifies one P of one runtime for as
// long as that runtime lives; only the M holding that P gets it, so state
// keyed by it is touched by one thread at a time (hand-offs of a P between
// Ms synchronise). Same caveat as CurrentProcIndex: re-read after a park.
struct ProcRef {
  const void* p;
  int index;
};
ProcRef CurrentProc();

}  // namespace stockd::runtime::detail
