// runtime/detail/sched.h — the scheduler's internal records: G, P, M and Sched.
// Only runtime/*.cc and runtime/detail/*.cc include this; everything else goes
// through park.h or the public headers. See runtime/scheduler.h for the design.
//
// Ownership and locking, in one place:
//  * A P is owned by at most one M at a time (P::m / M::p). Everything in P
//    marked "owner" is touched only by the M holding the P, so it needs no lock;
//    a P changes hands only under Sched::mu (pidleput/pidleget), which publishes it.
//  * The local run queue is the exception: thieves read it lock-free (Go's
//    runqsteal), so head/tail/slots/runnext are atomics.
//  * Sched::mu guards the global run queue, the idle P and idle M lists.
//  * A G is touched by the M running it; while parked, only Ready() may touch it
//    (and only to enqueue it).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include <boost/context/detail/fcontext.hpp>

#include "absl/functional/any_invocable.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "runtime/detail/park.h"
#include "runtime/detail/stack.h"

namespace stockd::runtime {
struct Options;
}

namespace stockd::runtime::detail {

using boost::context::detail::fcontext_t;
using boost::context::detail::transfer_t;

struct M;
struct P;
struct Sched;
class Timers;
class Netpoll;

enum class GStatus : uint8_t { kIdle, kRunnable, kRunning, kWaiting, kDead };

// A counter written only by the owner of its P (or under a lock) and read by
// anyone (GetStats): a relaxed load+store, no locked instruction.
struct OwnerCounter {
  std::atomic<uint64_t> v{0};
  void Inc(uint64_t n = 1) { v.store(v.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
  uint64_t Get() const { return v.load(std::memory_order_relaxed); }
};

struct G {
  fcontext_t ctx = nullptr;  // saved context while not running
  uint64_t goid = 0;
  std::atomic<GStatus> status{GStatus::kIdle};
  M* m = nullptr;           // the M running it; valid only while running
  G* schedlink = nullptr;   // global run queue / GList
  Stack stack;              // empty for a dead G whose stack went back to a cache
  Sched* sched = nullptr;
  absl::AnyInvocable<void()> fn;
  absl::Status result;      // written before kJoinDone is set
  // One word for the join and the record's lifetime, so spawn+join costs one
  // locked instruction per side: kJoinHandle while a Fiber handle holds the
  // record, kJoinDone once the fiber ended, kJoinThread when an OS thread waits
  // in Join, and the waiting G* (8-aligned) in the other bits. Whoever clears
  // the last of {running, kJoinHandle} recycles the record.
  std::atomic<uintptr_t> join{0};
  void* tsan_fiber = nullptr;
  void* asan_fake_stack = nullptr;
};
inline constexpr uintptr_t kJoinHandle = 1;
inline constexpr uintptr_t kJoinDone = 2;
inline constexpr uintptr_t kJoinThread = 4;
inline constexpr uintptr_t kJoinFlags = 7;

// An intrusive list of Gs through G::schedlink.
struct GList {
  G* head = nullptr;
  G* tail = nullptr;
  int size = 0;
  bool empty() const { return head == nullptr; }
  void Push(G* g) {
    g->schedlink = nullptr;
    if (tail) tail->schedlink = g; else head = g;
    tail = g;
    ++size;
  }
  G* Pop() {
    G* g = head;
    if (!g) return nullptr;
    head = g->schedlink;
    if (!head) tail = nullptr;
    g->schedlink = nullptr;
    --size;
    return g;
  }
};

inline constexpr uint32_t kRunqSize = 256;

struct P {
  int id = 0;
  Sched* sched = nullptr;
  M* m = nullptr;  // owner; nullptr when idle
  P* link = nullptr;  // idle list

  // Local run queue (Go's runq): the owner pushes at tail, anyone pops at head by CAS.
  alignas(64) std::atomic<uint32_t> head{0};
  alignas(64) std::atomic<uint32_t> tail{0};
  std::atomic<G*> runnext{nullptr};
  std::atomic<G*> runq[kRunqSize];

  // Owner-only state.
  alignas(64) uint32_t schedtick = 0;
  uint32_t rand = 0;
  std::vector<G*> gfree;  // dead Gs, most recent last (their stacks are hot)
  std::vector<Stack> stackfree;  // stacks of dead Gs still referenced by a Fiber handle
  uint64_t goid_next = 0, goid_end = 0;

  OwnerCounter spawned, exited, steals, parks;
};

// An M's sleep and wake-up (Go's note): one sleeper, at most one Wake per
// Sleep. A futex on one word: no mutex to re-take after waking (a condvar's
// costs a futex wake on every unlock), and no syscall to wake an M that has
// not blocked yet. Wake's writes happen-before Sleep's return (acq_rel).
class Note {
 public:
  void Sleep();
  void Wake();

 private:
  std::atomic<uint32_t> key_{0};  // 0 idle, 1 woken, 2 the sleeper blocks
};

enum class SwitchReason : uint8_t { kNone, kPark, kYield, kExit, kBlockingNoP };

struct M {
  Sched* sched = nullptr;
  int id = 0;
  std::thread thread;
  fcontext_t g0ctx = nullptr;  // the scheduler context of this thread
  G* curg = nullptr;
  P* p = nullptr;
  P* nextp = nullptr;  // handed over by startm, taken when the M wakes
  bool spinning = false;
  M* link = nullptr;   // idle M list

  // What the G that just switched to g0 wants done.
  SwitchReason reason = SwitchReason::kNone;
  const absl::FunctionRef<void()>* park_fn = nullptr;
  // While set, Ready() appends here (netpoll and timers on an M without a P).
  GList* collect = nullptr;

  // Where the idle M sleeps; StartM publishes nextp/spinning, then wakes it.
  Note note;

  void* tsan_g0 = nullptr;
  const void* asan_g0_bottom = nullptr;
  size_t asan_g0_size = 0;
};

// The M of the calling thread, or nullptr. Not inlined on purpose: a fiber may
// resume on another thread, and the compiler must not reuse a TLS address
// computed before a switch.
M* CurrentM();
void SetCurrentM(M* m);

// Sched is defined in proc.h (made in proc.cc, stopped in m.cc); these are the
// entry points other files use.
Sched* DefaultSched();  // the runtime of this thread, else the last created one
Timers& SchedTimers(Sched* s);
Netpoll& SchedNetpoll(Sched* s);

// Spawns fn on s (the caller's P when the caller runs on s, else the global queue).
// With `handle`, the G carries kJoinHandle: the Fiber owns a reference.
G* Spawn(Sched* s, absl::AnyInvocable<void()> fn, bool handle);
// Drops a Fiber handle's reference; frees the G record if it was the last one.
void ReleaseG(G* g);
// Yield: requeue the current fiber at the tail of its P's queue.
void YieldCurrent();
// Blocking(): hand the P away / take one back.
void EnterBlocking();
void ExitBlocking();
// Wakes an idle P with a spinning M if there is work it could take (Go's wakep).
void Wakep(Sched* s);

}  // namespace stockd::runtime::detail
