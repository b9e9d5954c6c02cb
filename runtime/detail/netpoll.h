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
#pragma once

#include <atomic>
#include <cstdint>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "runtime/detail/sched.h"

namespace stockd::runtime::detail {

class Netpoll {
 public:
  Netpoll();
  ~Netpoll();

  boost::asio::io_context& io() { return io_; }

  // Registered waits not yet completed; Ms skip polling while it is 0.
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

 private:
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
  std::atomic<int64_t> waiters_{0};
  std::atomic<bool> poller_{false};
  // While an M blocks: the monotonic time it will wake up by itself; else -1.
  std::atomic<int64_t> sleeping_until_{-1};
};

}  // namespace stockd::runtime::detail
