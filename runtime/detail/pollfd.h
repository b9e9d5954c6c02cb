// runtime/detail/pollfd.h — PollDesc: one non-blocking descriptor registered
// with the runtime's poller (netpoll.h), and the parking of the (at most one) reader
// and (at most one) writer fiber waiting on it. Go's pollDesc.
//
// A waiter can be woken by three parties: the reactor (readiness), its
// deadline timer, and Close() from any thread. Exactly one wins, by a CAS on
// the waiter's word (seq | state | result):
//
//   kIdle --Wait arms--> kArming --after_switch--> kParked --claim--> kClaimed (+ Ready)
//                            \--claim (before the fiber switched out)--> kClaimed
//                                (after_switch sees it and Readies the fiber itself)
//
// Every Wait uses a new seq; a claimant acting on an older seq, or on a waiter
// already claimed, does nothing. The deadline timer is cancelled synchronously
// before Wait returns (see park.h), so it never outlives the wait it belongs to.
//
// Readiness (Go's pollDesc rg/wg): the descriptor is registered once with the
// runtime's poller, edge-triggered (see netpoll.h), so an edge that arrives
// while nobody waits must not be lost: OnEvents sets the direction's `ready`
// flag and then claims whatever wait is armed; Wait consumes the flag before
// and after arming. Both sides are seq_cst, so an edge is either seen by Wait
// or claims it. A consumed flag only means "retry the syscall": at worst one
// spurious wake-up, never a lost one.
//
// Lifetime: the PollDesc is shared by its Conn/Listener; its destructor
// deregisters the descriptor (after which no harvest touches it) and closes it.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "runtime/detail/sched.h"

namespace stockd::runtime::detail {

enum class PollDir : int { kRead = 0, kWrite = 1 };

class PollDesc : public std::enable_shared_from_this<PollDesc> {
 public:
  // Takes ownership of fd (which must be non-blocking) and registers it with the
  // reactor of `sched`.
  PollDesc(Sched* sched, int fd);
  ~PollDesc();

  int fd() const { return fd_; }
  bool closed() const { return closed_.load(std::memory_order_acquire); }
  // The poller saw the peer hang up or an error (sticky). After that a read
  // may still have EOF or an error to report that no new edge will announce.
  bool hung_up() const { return hung_up_.load(std::memory_order_seq_cst); }

  // Parks the calling fiber until fd is ready in `dir` (OK — the caller retries
  // its syscall), `deadline` passes (DeadlineExceeded) or Close() is called
  // (Cancelled). Off-fiber it blocks the thread in poll(2).
  // REQUIRES: at most one caller per direction at a time.
  absl::Status Wait(PollDir dir, absl::Time deadline);

  // Thread-safe, idempotent: marks the descriptor closed, wakes both waiters
  // with Cancelled and shuts the socket down (an off-fiber poll(2) returns).
  void Close();

  // The poller's harvest (netpoll.cc): epoll events of this descriptor.
  void OnEvents(uint32_t events);

 private:
  struct Waiter {
    std::atomic<uint64_t> word{0};
    std::atomic<bool> ready{false};  // an edge arrived since the last Wait consumed it
    G* g = nullptr;
  };
  static void OnDeadline(void* arg);
  static void Claim(Waiter& w, uint64_t seq, uint64_t result);
  static void ClaimCurrent(Waiter& w, uint64_t result);
  absl::Status WaitOffFiber(PollDir dir, absl::Time deadline);

  Sched* const sched_;
  const int fd_;
  bool registered_ = false;  // with the poller; false: Wait uses poll(2) off the runtime's poller
  std::atomic<bool> closed_{false};
  std::atomic<bool> hung_up_{false};
  Waiter waiters_[2];
};

}  // namespace stockd::runtime::detail
