#include "runtime/detail/netpoll.h"

#include <chrono>

#include <boost/asio/post.hpp>

#include "runtime/detail/timers.h"

namespace stockd::runtime::detail {

Netpoll::Netpoll() : guard_(boost::asio::make_work_guard(io_)) {}

Netpoll::~Netpoll() { Shutdown(); }

void Netpoll::Poll(M* m, GList* out) {
  GList* prev = m->collect;
  m->collect = out;
  io_.poll();
  m->collect = prev;
}

void Netpoll::Block(M* m, int64_t /*until*/, Timers& timers, GList* out) {
  GList* prev = m->collect;
  m->collect = out;
  timers.RunDue(MonoNowNs());
  if (out->empty() && !io_.stopped()) {
    // Publish how long we sleep, then re-read the heap: an AddTimer racing with
    // us either sees sleeping_until_ or is seen here (both seq_cst).
    int64_t until = timers.NextWhen();
    for (;;) {
      sleeping_until_.store(until, std::memory_order_seq_cst);
      const int64_t again = timers.NextWhen();
      if (again >= until) break;
      until = again;
    }
    if (until == Timers::kNever) {
      io_.run_one();
    } else {
      const int64_t now = MonoNowNs();
      if (until > now) io_.run_one_for(std::chrono::nanoseconds(until - now));
    }
    sleeping_until_.store(-1, std::memory_order_seq_cst);
    io_.poll();
    timers.RunDue(MonoNowNs());
  }
  m->collect = prev;
}

void Netpoll::WakeupIfSleepingPast(int64_t when) {
  const int64_t s = sleeping_until_.load(std::memory_order_seq_cst);
  if (s >= 0 && when < s) Wakeup();
}

void Netpoll::Wakeup() {
  boost::asio::post(io_, [] {});
}

void Netpoll::Shutdown() {
  guard_.reset();
  io_.stop();
}

}  // namespace stockd::runtime::detail
