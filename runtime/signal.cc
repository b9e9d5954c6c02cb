#include "runtime/signal.h"

#include <condition_variable>
#include <memory>
#include <mutex>

#include <boost/asio/signal_set.hpp>

#include "runtime/detail/netpoll.h"
#include "runtime/detail/proc.h"

namespace stockd::runtime {
namespace {

struct SignalWait {
  explicit SignalWait(boost::asio::io_context& io) : set(io) {}
  boost::asio::signal_set set;
  detail::G* g = nullptr;   // the parked fiber, or null for a thread waiter
  int signo = 0;
  std::mutex mu;            // thread waiters only
  std::condition_variable cv;
  bool done = false;
};

}  // namespace

int WaitSignal(std::initializer_list<int> signals) {
  detail::Sched* s = detail::DefaultSched();
  if (s == nullptr) return 0;
  detail::Netpoll& np = detail::SchedNetpoll(s);
  auto w = std::make_shared<SignalWait>(np.io());
  for (int sig : signals) w->set.add(sig);
  w->g = detail::CurrentG();
  auto handler = [w, &np](const boost::system::error_code& ec, int signo) {
    np.DoneWaiter();
    if (w->g != nullptr) {
      w->signo = ec ? 0 : signo;
      detail::Ready(w->g);
      return;
    }
    std::lock_guard<std::mutex> l(w->mu);
    w->signo = ec ? 0 : signo;
    w->done = true;
    w->cv.notify_all();
  };
  np.AddWaiter();
  if (w->g != nullptr) {
    // Register after switching out: the handler's Ready() can only follow Park.
    detail::Park([&] { w->set.async_wait(handler); });
  } else {
    w->set.async_wait(handler);
    // Some M must run the reactor to see the signal: an idle runtime may have
    // none started yet; Wakep starts one, which ends up in the poller.
    detail::Wakep(s);
    std::unique_lock<std::mutex> l(w->mu);
    w->cv.wait(l, [&] { return w->done; });
  }
  const int signo = w->signo;
  boost::system::error_code ec;
  w->set.clear(ec);
  return signo;
}

}  // namespace stockd::runtime
