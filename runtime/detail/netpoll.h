// runtime/detail/netpoll.h — the runtime's network poller: one epoll instance
// per runtime, driven by the scheduler's Ms (Go's netpoll_epoll.go).
//
// Nobody runs a loop on it. Ms poll it:
//  * non-blockingly (Poll: one epoll_wait with timeout 0) when their run
//    queues are empty and every 61 scheduling ticks under load;
//  * at most one M at a time blocks in it (Block) when it has nothing to do,
//    until I/O arrives, the earliest timer is due, or Wakeup() is called (an
//    eventfd in the same epoll set).
// Every descriptor is registered once, edge-triggered for both directions, as
// Go does: a socket wait costs no epoll_ctl, and a poll is one syscall.
// Events go to a socket's PollDesc (which keeps a per-direction ready flag and
// claims the parked waiter) or to a descriptor's callback (the signal pipe).
// Waiters claimed there call Ready(g); while an M polls, Ready() collects the
// Gs into a GList (see M::collect), so the polling M decides where they run.
//
// Lifetime: an epoll event carries (fd, generation), never a pointer. Events
// are dispatched under dispatch_mu_, which Register and Deregister also take;
// Deregister bumps the slot's generation, so an event harvested before it (but
// dispatched after) is dropped, and no event reaches a PollDesc once
// Deregister returned.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <vector>

#include "runtime/detail/sched.h"

struct epoll_event;

namespace stockd::runtime::detail {

class PollDesc;

class Netpoll {
 public:
  Netpoll();
  ~Netpoll();
  Netpoll(const Netpoll&) = delete;
  Netpoll& operator=(const Netpoll&) = delete;

  // Unique for the process's life (an address may be reused by a later runtime).
  uint64_t id() const { return id_; }

  // Fibers parked on a socket (PollDesc::Wait) or a signal; busy Ms skip their
  // non-blocking polls while it is 0 (an idle M still blocks in the poller).
  void AddWaiter() { waiters_.fetch_add(1, std::memory_order_relaxed); }
  void DoneWaiter() { waiters_.fetch_sub(1, std::memory_order_relaxed); }
  bool HasWaiters() const { return waiters_.load(std::memory_order_relaxed) > 0; }

  // Dispatches what is ready without blocking; readied Gs are appended to `out`.
  void Poll(M* m, GList* out);

  // The blocking poller role: at most one M holds it.
  bool TryAcquirePoller() { return !poller_.exchange(true, std::memory_order_acq_rel); }
  void ReleasePoller() { poller_.store(false, std::memory_order_release); }
  bool PollerHeld() const { return poller_.load(std::memory_order_acquire); }

  // REQUIRES: the caller holds the poller role. Runs due timers; if nothing
  // became ready, blocks until I/O, the earliest timer or Wakeup(), then
  // dispatches what is ready and runs due timers. Readied Gs go to `out`.
  void Block(M* m, Timers& timers, GList* out);

  // Makes a Block()ing M return if it would sleep past `when` (kNever: always).
  void WakeupIfSleepingPast(int64_t when);
  void Wakeup();
  // Block() returns at once from now on.
  void Shutdown();

  // Registers a socket once, edge-triggered, read and write; its events go to
  // pd->OnEvents (on an M that polls). Returns 0 or an errno.
  int Register(int fd, PollDesc* pd);
  // Registers a descriptor, level-triggered for reading, whose readiness calls
  // fn(arg) on the polling M (with dispatch_mu_ held: fn must not register).
  int RegisterCallback(int fd, void (*fn)(void*), void* arg);
  // Removes either kind; after this returns no event of fd is dispatched.
  void Deregister(int fd);

 private:
  struct Slot {
    PollDesc* pd = nullptr;
    void (*fn)(void*) = nullptr;
    void* arg = nullptr;
    uint32_t gen = 0;
  };
  int Add(int fd, uint32_t events, PollDesc* pd, void (*fn)(void*), void* arg);
  void Dispatch(M* m, const epoll_event* evs, int n, GList* out, bool blocking);
  int WaitFor(epoll_event* evs, int max, int64_t until);
  static void DrainWake(void* self);

  const uint64_t id_;
  const int epfd_;
  const int wakefd_;  // eventfd: Wakeup() writes it, the poller drains it
  std::atomic<int64_t> waiters_{0};
  std::atomic<bool> poller_{false};
  std::atomic<bool> stopped_{false};
  // While an M blocks: the monotonic time it will wake up by itself; else -1.
  std::atomic<int64_t> sleeping_until_{-1};

  std::mutex dispatch_mu_;
  std::vector<Slot> slots_;  // indexed by fd; guarded by dispatch_mu_
};

}  // namespace stockd::runtime::detail
