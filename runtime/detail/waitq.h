// runtime/detail/waitq.h — wait records and FIFO wait queues shared by Chan,
// Select, WaitGroup and Mutex (Go's sudog and waitq).
//
// Pieces:
//  * Parker — "the thing that sleeps": the calling fiber (parked with
//    detail::Park, woken with detail::Ready) or, when the caller is a plain OS
//    thread that runs no fiber, that thread (a mutex + condition variable made
//    only in that case). A Parker lives on the sleeper's stack for the duration
//    of one blocking call and is woken exactly once (Unpark).
//  * Waiter — one entry in one wait queue: which Parker to wake, where the value
//    goes / comes from (channels), whether the operation succeeded, and, for a
//    Select, the shared SelectState plus the case index. A Select enqueues one
//    Waiter per case but has only one Parker.
//  * WaitQueue — intrusive doubly-linked FIFO of Waiters. Not thread-safe by
//    itself: the owning primitive guards it with its SpinLock.
//
// The claim protocol (detail/park.h: Ready exactly once per Park): a waker pops
// a Waiter with DequeueClaim(). For a plain Waiter popping it is the claim. For
// a Select's Waiter the waker must also win `SelectState::done` 0 -> 1 with a
// CAS; a loser drops the Waiter (the Select fiber was or will be woken by
// someone else, and removes its remaining Waiters itself after waking). The
// Select's timer callback takes part in the same CAS.
//
// Memory: everything here lives on the sleeper's stack. A waker must not touch
// a Waiter, a SelectState or a Parker after calling Unpark on it.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>

#include "absl/functional/function_ref.h"
#include "absl/time/time.h"
#include "runtime/detail/park.h"

namespace stockd::runtime::detail {

// How a plain thread (no fiber) sleeps in a Parker. Outside Parker because
// clang cannot default-construct a nested struct with member initializers
// inside std::optional before the enclosing class is complete.
struct ThreadWait {
  std::mutex mu;
  std::condition_variable cv;
  bool woken = false;
};

class Parker {
 public:
  Parker() : g_(CurrentG()) {}
  Parker(const Parker&) = delete;
  Parker& operator=(const Parker&) = delete;

  // True when the sleeper is a fiber (it parks its G, not its thread).
  bool on_fiber() const { return g_ != nullptr; }
  G* g() const { return g_; }

  // Sleeps until Unpark(). `release` runs exactly once, after the sleeper can
  // no longer miss a wake-up: on a fiber in Park's after_switch (so it must not
  // park or throw), on a thread before it waits. Typically releases the
  // primitive's SpinLock.
  void Park(absl::FunctionRef<void()> release);

  // Thread mode only (REQUIRES: !on_fiber()). Like Park, but when `deadline`
  // passes first, calls `claim_timeout()`: if that wins the claim (returns
  // true) this returns false at once; otherwise a waker has claimed the sleeper
  // and this keeps waiting for its Unpark, then returns true.
  bool ParkThreadUntil(absl::FunctionRef<void()> release, absl::Time deadline,
                       absl::FunctionRef<bool()> claim_timeout);

  // Wakes the sleeper. Call exactly once per Park, after the sleeper's
  // `release` ran (guaranteed when the waker found the Waiter under the lock
  // that `release` drops). Never parks. The Parker may be gone on return.
  void Unpark();

 private:
  G* const g_;
  // Created only in thread mode, before `release` publishes the sleeper.
  std::optional<ThreadWait> tw_;
};

struct SelectState;

struct Waiter {
  explicit Waiter(Parker* p) : parker(p) {}

  Parker* parker;
  // Channel operations: a sender's source is a T*; a receiver's destination is
  // a T* (elem_opt false) or std::optional<T>* (elem_opt true), or null when
  // the value is to be dropped.
  void* elem = nullptr;
  bool elem_opt = false;
  // Set by the waker before Unpark: the operation completed (false: the
  // channel was closed).
  bool success = false;
  // Select only: the shared claim state and which case this Waiter is.
  SelectState* sel = nullptr;
  int case_index = -1;

  // Intrusive links, owned by the WaitQueue the Waiter is in.
  Waiter* prev = nullptr;
  Waiter* next = nullptr;
  bool queued = false;
};

struct SelectState {
  static constexpr int kTimedOut = -2;

  explicit SelectState(Parker* p) : parker(p) {}

  Parker* parker;
  // 0 = nobody has claimed the Select yet; the claimer sets 1 with a CAS.
  std::atomic<uint32_t> done{0};
  // Written by the claimer before Unpark: the winning case, or kTimedOut.
  int winner = -1;
  // Timer bookkeeping (fiber mode with a deadline).
  TimerId timer = 0;
  std::atomic<bool> timer_finished{false};

  bool TryClaim() {
    uint32_t expected = 0;
    return done.compare_exchange_strong(expected, 1, std::memory_order_acq_rel,
                                        std::memory_order_acquire);
  }
};

class WaitQueue {
 public:
  bool empty() const { return head_ == nullptr; }

  void PushBack(Waiter* w) {
    w->prev = tail_;
    w->next = nullptr;
    w->queued = true;
    if (tail_) {
      tail_->next = w;
    } else {
      head_ = w;
    }
    tail_ = w;
  }

  // Removes `w` if it is still queued (a Select's Waiter may have been popped
  // by a waker that lost the claim).
  void Remove(Waiter* w) {
    if (!w->queued) return;
    if (w->prev) {
      w->prev->next = w->next;
    } else {
      head_ = w->next;
    }
    if (w->next) {
      w->next->prev = w->prev;
    } else {
      tail_ = w->prev;
    }
    w->prev = w->next = nullptr;
    w->queued = false;
  }

  Waiter* PopFront() {
    Waiter* w = head_;
    if (w) Remove(w);
    return w;
  }

  // Pops the first Waiter whose wake-up this caller wins (see the claim
  // protocol above); for a Select Waiter also records it as the winner.
  Waiter* DequeueClaim() {
    while (Waiter* w = PopFront()) {
      if (w->sel == nullptr) return w;
      if (w->sel->TryClaim()) {
        w->sel->winner = w->case_index;
        return w;
      }
    }
    return nullptr;
  }

 private:
  Waiter* head_ = nullptr;
  Waiter* tail_ = nullptr;
};

// A singly linked list of claimed Waiters to wake after the lock is dropped
// (Close, WaitGroup, batched receives). Reuses the Waiter's `next` link, which
// is free once the Waiter left its queue.
class WakeList {
 public:
  void Add(Waiter* w) {
    w->next = nullptr;
    if (tail_) {
      tail_->next = w;
    } else {
      head_ = w;
    }
    tail_ = w;
  }
  bool empty() const { return head_ == nullptr; }
  // Unparks every Waiter in the order added; call without holding any SpinLock.
  void WakeAll() {
    Waiter* w = head_;
    head_ = tail_ = nullptr;
    while (w) {
      Waiter* next = w->next;  // read before the sleeper may run and return
      w->parker->Unpark();
      w = next;
    }
  }

 private:
  Waiter* head_ = nullptr;
  Waiter* tail_ = nullptr;
};

}  // namespace stockd::runtime::detail
