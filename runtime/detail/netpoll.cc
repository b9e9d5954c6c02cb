#include "runtime/detail/netpoll.h"

#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

#include <boost/asio/post.hpp>

#include "runtime/detail/pollfd.h"
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

int Netpoll::Register(int fd, PollDesc* pd) {
  std::lock_guard<std::mutex> l(harvest_mu_);
  if (epfd_ < 0) {
    epfd_ = ::epoll_create1(EPOLL_CLOEXEC);
    if (epfd_ < 0) return errno;
    inner_ = std::make_unique<boost::asio::posix::stream_descriptor>(io_, epfd_);
    boost::system::error_code ec;
    inner_->non_blocking(true, ec);
    ArmInnerLocked();
  }
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
  ev.data.ptr = pd;
  if (::epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) != 0) return errno;
  return 0;
}

void Netpoll::Deregister(int fd) {
  std::lock_guard<std::mutex> l(harvest_mu_);
  if (epfd_ >= 0) {
    epoll_event ev{};
    ::epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, &ev);
  }
}

// One async_wait on the inner epoll for every socket. It is not counted in
// waiters_ (it is always armed once a socket exists): the parked socket
// waiters are, so busy Ms poll only while someone waits for I/O.
void Netpoll::ArmInnerLocked() {
  inner_->async_wait(boost::asio::posix::descriptor_base::wait_read,
                     [this](const boost::system::error_code& ec) {
                       if (ec == boost::asio::error::operation_aborted) return;
                       Harvest();
                     });
}

void Netpoll::Harvest() {
  std::lock_guard<std::mutex> l(harvest_mu_);
  epoll_event evs[128];
  for (;;) {
    const int n = ::epoll_wait(epfd_, evs, 128, 0);
    for (int i = 0; i < n; ++i) static_cast<PollDesc*>(evs[i].data.ptr)->OnEvents(evs[i].events);
    if (n < 128) break;
  }
  ArmInnerLocked();
}

}  // namespace stockd::runtime::detail
