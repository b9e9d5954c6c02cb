#include "runtime/detail/pollfd.h"

#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "absl/time/clock.h"
#include "runtime/detail/netpoll.h"
#include "runtime/detail/timers.h"

namespace stockd::runtime::detail {
namespace {

// Waiter word: seq << 4 | state << 2 | result.
constexpr uint64_t kIdle = 0, kArming = 1, kParked = 2, kClaimed = 3;
constexpr uint64_t kResReady = 1, kResTimeout = 2, kResClosed = 3;

constexpr uint64_t Word(uint64_t seq, uint64_t state, uint64_t result) {
  return seq << 4 | state << 2 | result;
}
constexpr uint64_t SeqOf(uint64_t w) { return w >> 4; }
constexpr uint64_t StateOf(uint64_t w) { return (w >> 2) & 3; }
constexpr uint64_t ResultOf(uint64_t w) { return w & 3; }

}  // namespace

PollDesc::PollDesc(Sched* sched, int fd) : sched_(sched), fd_(fd) {
  registered_ = SchedNetpoll(sched).Register(fd, this) == 0;
}

PollDesc::~PollDesc() {
  if (registered_) SchedNetpoll(sched_).Deregister(fd_);
  ::close(fd_);
}

void PollDesc::OnEvents(uint32_t events) {
  // Errors and hang-ups wake both directions: the retried syscall reports them.
  if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) hung_up_.store(true, std::memory_order_seq_cst);
  if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
    waiters_[0].ready.store(true, std::memory_order_seq_cst);
    ClaimCurrent(waiters_[0], kResReady);
  }
  if (events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) {
    waiters_[1].ready.store(true, std::memory_order_seq_cst);
    ClaimCurrent(waiters_[1], kResReady);
  }
}

void PollDesc::Claim(Waiter& w, uint64_t seq, uint64_t result) {
  uint64_t cur = w.word.load(std::memory_order_acquire);
  for (;;) {
    if (SeqOf(cur) != seq) return;
    const uint64_t state = StateOf(cur);
    if (state == kArming) {
      // The fiber has not switched out yet; its after_switch will see kClaimed.
      if (w.word.compare_exchange_weak(cur, Word(seq, kClaimed, result), std::memory_order_acq_rel)) return;
    } else if (state == kParked) {
      if (w.word.compare_exchange_weak(cur, Word(seq, kClaimed, result), std::memory_order_acq_rel)) {
        Ready(w.g);
        return;
      }
    } else {
      return;  // idle or already claimed
    }
  }
}

void PollDesc::ClaimCurrent(Waiter& w, uint64_t result) {
  Claim(w, SeqOf(w.word.load(std::memory_order_seq_cst)), result);
}

void PollDesc::OnDeadline(void* arg) { ClaimCurrent(*static_cast<Waiter*>(arg), kResTimeout); }

absl::Status PollDesc::Wait(PollDir dir, absl::Time deadline) {
  if (closed()) return absl::CancelledError("connection closed");
  if (deadline != absl::InfiniteFuture() && deadline <= absl::Now()) {
    return absl::DeadlineExceededError("i/o deadline exceeded");
  }
  G* g = CurrentG();
  if (g == nullptr || !registered_) return WaitOffFiber(dir, deadline);
  Waiter& w = waiters_[static_cast<int>(dir)];
  // An edge since the last wait: the caller's syscall may succeed now.
  if (w.ready.exchange(false, std::memory_order_seq_cst)) return absl::OkStatus();
  const uint64_t seq = SeqOf(w.word.load(std::memory_order_relaxed)) + 1;
  w.g = g;
  w.word.store(Word(seq, kArming, 0), std::memory_order_seq_cst);
  TimerId timer = 0;
  if (closed_.load(std::memory_order_seq_cst)) {
    Claim(w, seq, kResClosed);  // Close() may have missed the armed word
  } else if (w.ready.exchange(false, std::memory_order_seq_cst)) {
    Claim(w, seq, kResReady);  // an edge between the first check and arming
  } else if (deadline != absl::InfiniteFuture()) {
    timer = AddTimer(deadline, &OnDeadline, &w);
  }
  Netpoll& np = SchedNetpoll(sched_);
  np.AddWaiter();  // busy Ms poll while someone waits for I/O
  if (StateOf(w.word.load(std::memory_order_acquire)) != kClaimed) {
    Park([&w, seq, g] {
      uint64_t expected = Word(seq, kArming, 0);
      if (!w.word.compare_exchange_strong(expected, Word(seq, kParked, 0), std::memory_order_acq_rel)) {
        Ready(g);  // claimed while we were switching out
      }
    });
  }
  np.DoneWaiter();
  if (timer != 0) CancelTimer(timer);
  const uint64_t result = ResultOf(w.word.load(std::memory_order_acquire));
  // The edge that woke us also set `ready`: the caller's retry consumes it,
  // so clear it (an edge after this store sets it again; one before it is
  // data the retried syscall sees) — else the next Wait returns at once for
  // an edge already served, and the caller spends a syscall on EAGAIN.
  if (result == kResReady) w.ready.store(false, std::memory_order_seq_cst);
  switch (result) {
    case kResTimeout:
      return absl::DeadlineExceededError("i/o deadline exceeded");
    case kResClosed:
      return absl::CancelledError("connection closed");
    default:
      return closed() ? absl::CancelledError("connection closed") : absl::OkStatus();
  }
}

absl::Status PollDesc::WaitOffFiber(PollDir dir, absl::Time deadline) {
  pollfd p{fd_, static_cast<short>(dir == PollDir::kRead ? POLLIN : POLLOUT), 0};
  for (;;) {
    int timeout_ms = -1;
    if (deadline != absl::InfiniteFuture()) {
      const absl::Duration left = deadline - absl::Now();
      if (left <= absl::ZeroDuration()) return absl::DeadlineExceededError("i/o deadline exceeded");
      timeout_ms = static_cast<int>(absl::ToInt64Milliseconds(absl::Ceil(left, absl::Milliseconds(1))));
    }
    const int r = ::poll(&p, 1, timeout_ms);
    if (closed()) return absl::CancelledError("connection closed");
    if (r > 0) return absl::OkStatus();
    if (r < 0 && errno != EINTR) return absl::ErrnoToStatus(errno, "poll");
  }
}

void PollDesc::Close() {
  if (closed_.exchange(true, std::memory_order_seq_cst)) return;
  ClaimCurrent(waiters_[0], kResClosed);
  ClaimCurrent(waiters_[1], kResClosed);
  // Wake an off-fiber poll(2) too.
  ::shutdown(fd_, SHUT_RDWR);
}

}  // namespace stockd::runtime::detail
