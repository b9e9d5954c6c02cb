// runtime/detail/netpoll.h — the runtime's network poller: one Boost.Asio
// io_context (epoll reactor) per runtime, driven by the scheduler's Ms.
//
// Nobody "runs" the io_context in the Asio sense. Ms poll it:
//  * non-blockingly (Poll) when their run queues are empty and every 61
//    scheduling ticks under load;
//  * at most one M at a time blocks in it (Block) when it has nothing to do,
//    until I/O arrives, the earliest timer is due, or Wakeup() is called.
// Asio completion handlers registered by net.h/signal.h only claim a waiter and
// call Ready(g); while an M polls, Ready() collects the Gs into a GList (see
// M::collect), so the polling M decides where they run.
//
// Sockets (PollDesc) do not go through Asio's per-descriptor operations: Asio
// re-arms a descriptor with one epoll_ctl(MOD) per async_wait. As Go's netpoll,
// each socket is registered once, edge-triggered for both directions, in an
// inner epoll instance; that one descriptor is what Asio watches (one
// async_wait, re-armed per harvest, not per socket wait). A harvest hands each
// socket's events to its PollDesc (which keeps a per-direction ready flag), under
// harvest_mu_, which Deregister also takes: no event reaches a PollDesc once
// Deregister returned.
#pragma once

#include <atomic>
#include <cstdint>

#include <memory>
#include <mutex>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include "runtime/detail/sched.h"

namespace stockd::runtime::detail {

class PollDesc;

class Netpoll {
 public:
  Netpoll();
  ~Netpoll();

  boost::asio::io_context& io() { return io_; }

  // Fibers parked on a socket (PollDesc::Wait) or a signal; busy Ms skip their
  // non-blocking polls while it is 0 (an idle M still blocks in the poller).
  void AddWaiter() { waiters_.fetch_add(1, std::memory_order_relaxed); }
  void DoneWaiter() { waiters_.fetch_sub(1, std::memory_order_relaxed); }
  bool HasWaiters() const { return waiters_.load(std::memory_order_relaxed) > 0; }

  // Runs ready handlers without blocking; readied Gs are appended to `out`.
  void Poll(M* m, GList* out);

  // The blocking poller role: at most one M holds it.
  bool TryAcquirePoller() { return !poller_.exchange(true, std::memory_order_acq_rel); }
  void ReleasePoller() { poller_.store(false, std::memory_order_release); }
  bool PollerHeld() const { return poller_.load(std::memory_order_acquire); }

  // REQUIRES: the caller holds the poller role. Blocks until a handler ran, the
  // monotonic time `until` (Timers::kNever = no limit) or Wakeup(); then drains
  // every ready handler. Readied Gs are appended to `out`.
  void Block(M* m, int64_t until, Timers& timers, GList* out);

  // Makes a Block()ing M return if it would sleep past `when` (kNever: always).
  void WakeupIfSleepingPast(int64_t when);
  void Wakeup();
  void Shutdown();

  // Registers a socket once, edge-triggered, read and write; its events go to
  // pd->OnEvents (on an M that polls). Returns 0 or an errno.
  int Register(int fd, PollDesc* pd);
  // Removes it; after this returns no harvest touches pd.
  void Deregister(int fd);

 private:
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
  std::atomic<int64_t> waiters_{0};
  std::atomic<bool> poller_{false};
  // While an M blocks: the monotonic time it will wake up by itself; else -1.
  std::atomic<int64_t> sleeping_until_{-1};

  void ArmInnerLocked();  // REQUIRES: harvest_mu_
  void Harvest();
  std::mutex harvest_mu_;
  int epfd_ = -1;  // the inner epoll instance; -1 until the first Register
  std::unique_ptr<boost::asio::posix::stream_descriptor> inner_;  // epfd_ in Asio's reactor
};

}  // namespace stockd::runtime::detail
