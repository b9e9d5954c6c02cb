// runtime/scheduler.h — stockd's M:P:G fiber runtime.
//
// The design is Go's (src/runtime/proc.go), kept deliberately close so the two
// can be read side by side. Three kinds of object:
//
//   G  a fiber: a Boost.Context-style fcontext (detail/switch.h, no heap allocation per
//      switch) on a pooled, mmap'd stack with a guard page (64 KiB default,
//      committed lazily by the kernel: a parked fiber costs one 4 KiB page plus
//      a ~200-byte record). States: runnable, running, waiting (parked), dead.
//      Spawned with Go(fn), see fiber.h; detail/stack.h for the stack layout.
//   P  a processor: the right to run fibers. `procs` of them (default: hardware
//      threads). Each owns a lock-free ring of 256 runnable Gs plus a `runnext`
//      slot, and caches of dead G records and stacks (spawn reuses a hot stack,
//      so it costs no page fault and no syscall).
//   M  an OS thread. An M runs fibers only while it holds a P; Ms without a P
//      sleep. There are usually procs + 1 Ms (one of them idle in the poller),
//      plus one per fiber inside Blocking().
//
// Scheduling (detail/m.cc and detail/runq.cc, Go's schedule/findrunnable):
//   * A G readied by a running fiber goes to that fiber's P `runnext`, and a
//     spawned G too when runnext is free (else the ring's tail, so a batch of
//     spawns runs in spawn order): it runs as soon as the current fiber parks,
//     on the same core, with a warm cache. This is what makes channel
//     ping-pong and spawn+join cheap. A G readied from outside the runtime (a plain thread)
//     goes to the global queue.
//   * An M looks for work in order: due timers; every 61st tick the global
//     queue and the network (fairness); its local runnext/ring; the global
//     queue; a non-blocking network poll (skipped while another M sleeps in the
//     poller: that M hands out what arrives); stealing half of a random victim's
//     ring (the victim's runnext only on the last of 4 rounds, after a short
//     pause, so a ping-pong pair is not torn apart).
//   * Spinning: at most half of the busy Ps may have a spinning M looking for
//     work. Readying a G wakes one idle P with a spinning M only if no M spins
//     already (wakep); a spinner that finds work wakes the next one. A spinner
//     that gives up re-checks every queue after dropping its P, so a wakeup
//     skipped because it was spinning is never lost.
//   * Parking Ms: an M with nothing to do puts its P on the idle list. The
//     first such M becomes the poller and sleeps in epoll until I/O, the next
//     timer, or a wakeup (an eventfd); the others sleep on a futex (Note)
//     until an M hands them a P. An idle runtime burns no CPU.
//   * Blocking(fn) hands the P to another M before fn blocks the thread, and
//     takes an idle P back afterwards; if none is idle the G goes to the global
//     queue and the M sleeps (Go's entersyscallblock/exitsyscall).
//
// Rejected, and why:
//   * One run queue shared by all threads (Boost.Fiber's shared_work): a lock
//     or a contended cache line on every switch, and no core affinity.
//   * Waking a fiber onto another core (Boost.Fiber's work stealing of the
//     woken fiber): an unbuffered channel round trip became ~10x slower than Go.
//   * Fresh stacks per fiber (boost::context::fiber with fixedsize_stack):
//     spawn is dominated by first-touch page faults; stacks are pooled instead.
//   * Segmented / growable stacks: not available for C++ without compiler
//     support; fixed lazily-committed stacks with a guard page cost one or two
//     resident pages per parked fiber.
//   * Preemption (Go's sysmon/async preemption): fibers are cooperative. A fiber
//     that computes for long must Yield(); one that blocks the thread must use
//     Blocking(). Timers fire late if every M is stuck in a fiber that never
//     yields.
//   * Per-P timer heaps (Go 1.14+): one heap behind a mutex is simpler, and
//     the lock is held only for a heap push/pop. Fibers readied by a batch of
//     due timers are queued in deadline order.
//
// Thread-safety: Runtime's methods are not for concurrent use on one object;
// everything in fiber.h/time.h/net.h is callable from any fiber of any runtime.
// Shutdown: ~Runtime stops every M after its current fiber parks or ends;
// fibers still parked then are abandoned (their stacks are freed without
// unwinding), so a program should end its fibers before destroying the runtime.
// Objects bound to the runtime (Conn, Listener) must be destroyed before it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"

namespace stockd::runtime {

namespace detail {
struct Sched;
}

struct Options {
  int procs = 0;                   // 0 = std::thread::hardware_concurrency()
  size_t stack_size = 64 * 1024;   // usable bytes per fiber stack (plus a guard page)
};

struct Stats {
  uint64_t fibers_alive = 0;       // spawned and not yet finished
  uint64_t fibers_runnable = 0;    // in run queues right now (approximate)
  uint64_t fibers_spawned = 0;
  uint64_t steals = 0;             // successful steals from another P
  uint64_t parks = 0;              // Park() calls
  uint64_t blocking_handoffs = 0;  // Blocking() calls that handed the P away
  uint64_t threads = 0;            // Ms (OS threads) created
};

class Runtime {
 public:
  explicit Runtime(Options options = {});
  ~Runtime();  // stops and joins every M
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  // Runs `main` as a fiber and blocks the calling OS thread until it returns.
  // An exception escaping main comes back as an error Status (Internal, naming
  // the fiber id and what()). May be called more than once, sequentially.
  // REQUIRES: not called from a fiber.
  absl::Status Run(absl::AnyInvocable<void()> main);

  int procs() const;
  Stats stats() const;

 private:
  std::unique_ptr<detail::Sched> sched_;
};

// Stats of the runtime the caller runs on, or of the last one created (zeros
// if none exists).
Stats GetStats();

}  // namespace stockd::runtime
