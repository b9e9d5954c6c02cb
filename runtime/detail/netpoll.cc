#include "runtime/detail/netpoll.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "runtime/detail/pollfd.h"
#include "runtime/detail/timers.h"

namespace stockd::runtime::detail {
namespace {

constexpr int kMaxEvents = 128;

int MustCreateEpoll() {
  const int fd = ::epoll_create1(EPOLL_CLOEXEC);
  if (fd < 0) {
    std::perror("stockd runtime: epoll_create1");
    std::abort();
  }
  return fd;
}

int MustCreateEventfd() {
  const int fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (fd < 0) {
    std::perror("stockd runtime: eventfd");
    std::abort();
  }
  return fd;
}

// An event's tag: the descriptor and the generation of its registration.
uint64_t Tag(int fd, uint32_t gen) { return static_cast<uint64_t>(gen) << 32 | static_cast<uint32_t>(fd); }

std::atomic<uint64_t> next_netpoll_id{1};

}  // namespace

Netpoll::Netpoll() : id_(next_netpoll_id.fetch_add(1)), epfd_(MustCreateEpoll()), wakefd_(MustCreateEventfd()) {
  if (RegisterCallback(wakefd_, &Netpoll::DrainWake, this) != 0) {
    std::perror("stockd runtime: registering the poller's eventfd");
    std::abort();
  }
}

Netpoll::~Netpoll() {
  ::close(wakefd_);
  ::close(epfd_);
}

void Netpoll::DrainWake(void* self) {
  uint64_t n;
  while (::read(static_cast<Netpoll*>(self)->wakefd_, &n, sizeof n) > 0) {
  }
}

int Netpoll::Add(int fd, uint32_t events, PollDesc* pd, void (*fn)(void*), void* arg) {
  if (fd < 0) return EBADF;
  std::lock_guard<std::mutex> l(dispatch_mu_);
  if (static_cast<size_t>(fd) >= slots_.size()) slots_.resize(static_cast<size_t>(fd) + 1);
  Slot& slot = slots_[static_cast<size_t>(fd)];
  ++slot.gen;
  epoll_event ev{};
  ev.events = events;
  ev.data.u64 = Tag(fd, slot.gen);
  if (::epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) != 0) return errno;
  slot.pd = pd;
  slot.fn = fn;
  slot.arg = arg;
  return 0;
}

int Netpoll::Register(int fd, PollDesc* pd) {
  return Add(fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, pd, nullptr, nullptr);
}

int Netpoll::RegisterCallback(int fd, void (*fn)(void*), void* arg) { return Add(fd, EPOLLIN, nullptr, fn, arg); }

void Netpoll::Deregister(int fd) {
  std::lock_guard<std::mutex> l(dispatch_mu_);
  if (fd < 0 || static_cast<size_t>(fd) >= slots_.size()) return;
  epoll_event ev{};
  ::epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, &ev);
  Slot& slot = slots_[static_cast<size_t>(fd)];
  ++slot.gen;  // events harvested but not yet dispatched are dropped
  slot.pd = nullptr;
  slot.fn = nullptr;
  slot.arg = nullptr;
}

void Netpoll::Dispatch(M* m, const epoll_event* evs, int n, GList* out, bool blocking) {
  GList* prev = m->collect;
  m->collect = out;
  {
    std::lock_guard<std::mutex> l(dispatch_mu_);
    for (int i = 0; i < n; ++i) {
      const uint64_t tag = evs[i].data.u64;
      const auto fd = static_cast<size_t>(static_cast<uint32_t>(tag));
      if (fd >= slots_.size()) continue;
      const Slot& slot = slots_[fd];
      if (slot.gen != static_cast<uint32_t>(tag >> 32)) continue;  // deregistered since
      if (slot.pd != nullptr) {
        slot.pd->OnEvents(evs[i].events);
      } else if (slot.fn == &Netpoll::DrainWake && !blocking) {
        // A wake-up is for the blocked poller: a busy M's poll leaves it
        // there (level-triggered), else the poller could sleep on past it.
      } else if (slot.fn != nullptr) {
        slot.fn(slot.arg);
      }
    }
  }
  m->collect = prev;
}

void Netpoll::Poll(M* m, GList* out) {
  epoll_event evs[kMaxEvents];
  const int n = ::epoll_wait(epfd_, evs, kMaxEvents, 0);
  if (n > 0) Dispatch(m, evs, n, out, false);
}

// One epoll wait until the monotonic time `until` (kNever: no limit), with
// nanosecond timeouts where the kernel has epoll_pwait2 (Linux 5.11).
int Netpoll::WaitFor(epoll_event* evs, int max, int64_t until) {
  if (until == Timers::kNever) return ::epoll_wait(epfd_, evs, max, -1);
  const int64_t left = until - MonoNowNs();
  if (left <= 0) return ::epoll_wait(epfd_, evs, max, 0);
  static std::atomic<bool> no_pwait2{false};
  if (!no_pwait2.load(std::memory_order_relaxed)) {
    const timespec ts{static_cast<time_t>(left / 1'000'000'000), static_cast<long>(left % 1'000'000'000)};
    const int n = ::epoll_pwait2(epfd_, evs, max, &ts, nullptr);
    if (n >= 0 || errno != ENOSYS) return n;
    no_pwait2.store(true, std::memory_order_relaxed);
  }
  const int64_t ms = (left + 999'999) / 1'000'000;  // never wake before `until`
  return ::epoll_wait(epfd_, evs, max, static_cast<int>(std::min<int64_t>(ms, 1 << 30)));
}

void Netpoll::Block(M* m, Timers& timers, GList* out) {
  GList* prev = m->collect;
  m->collect = out;
  timers.RunDue(MonoNowNs());
  m->collect = prev;
  if (!out->empty() || stopped_.load(std::memory_order_acquire)) return;
  // Publish how long we sleep, then re-read the heap: an AddTimer racing with
  // us either sees sleeping_until_ or is seen here (both seq_cst).
  int64_t until = timers.NextWhen();
  for (;;) {
    sleeping_until_.store(until, std::memory_order_seq_cst);
    const int64_t again = timers.NextWhen();
    if (again >= until) break;
    until = again;
  }
  epoll_event evs[kMaxEvents];
  int n = stopped_.load(std::memory_order_acquire) ? 0 : WaitFor(evs, kMaxEvents, until);
  sleeping_until_.store(-1, std::memory_order_seq_cst);
  if (n > 0) Dispatch(m, evs, n, out, true);
  m->collect = out;
  timers.RunDue(MonoNowNs());
  m->collect = prev;
}

void Netpoll::WakeupIfSleepingPast(int64_t when) {
  const int64_t s = sleeping_until_.load(std::memory_order_seq_cst);
  if (s >= 0 && when < s) Wakeup();
}

void Netpoll::Wakeup() {
  const uint64_t one = 1;
  (void)!::write(wakefd_, &one, sizeof one);
}

void Netpoll::Shutdown() {
  stopped_.store(true, std::memory_order_release);
  Wakeup();
}

}  // namespace stockd::runtime::detail
