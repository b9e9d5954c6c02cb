#include "runtime/signal.h"

#include <condition_variable>
#include <memory>
#include <mutex>

#include <boost/asio/post.hpp>
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

void SignalCancel::Cancel() {
  std::lock_guard<std::mutex> l(mu_);
  cancelled_ = true;
  if (abort_) abort_();
}

int WaitSignal(std::initializer_list<int> signals, SignalCancel* cancel) {
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
  // Registers the wait unless the token was cancelled; false = cancelled.
  auto start = [&]() -> bool {
    if (cancel == nullptr) {
      w->set.async_wait(handler);
      return true;
    }
    std::lock_guard<std::mutex> l(cancel->mu_);
    if (cancel->cancelled_) return false;
    w->set.async_wait(handler);
    // Cancel() aborts through the reactor: the handler then runs with
    // operation_aborted and wakes us with 0.
    cancel->abort_ = [w, &np] {
      boost::asio::post(np.io(), [w] {
        boost::system::error_code ec;
        w->set.cancel(ec);
      });
    };
    return true;
  };
  np.AddWaiter();
  if (w->g != nullptr) {
    // Register after switching out: the handler's Ready() can only follow Park.
    detail::Park([&] {
      if (!start()) {
        np.DoneWaiter();
        w->signo = 0;
        detail::Ready(w->g);
      }
    });
  } else {
    if (!start()) {
      np.DoneWaiter();
      return 0;
    }
    // Some M must run the reactor to see the signal: an idle runtime may have
    // none started yet; Wakep starts one, which ends up in the poller.
    detail::Wakep(s);
    std::unique_lock<std::mutex> l(w->mu);
    w->cv.wait(l, [&] { return w->done; });
  }
  if (cancel != nullptr) {
    std::lock_guard<std::mutex> l(cancel->mu_);
    cancel->abort_ = nullptr;
  }
  const int signo = w->signo;
  boost::system::error_code ec;
  w->set.clear(ec);
  return signo;
}

}  // namespace stockd::runtime
