// runtime/chan.cc — the untyped channel algorithm (Go's chansend / chanrecv /
// closechan). See chan.h for the contract and detail/waitq.h for the claim
// protocol that lets a Select's Waiter sit in several queues at once.
#include "runtime/chan.h"

namespace stockd::runtime::detail {

ChanCore::Op ChanCore::SendLocked(void* src, Waiter** wake) {
  if (closed_) return Op::kClosed;
  // A parked receiver means the ring is empty: hand the value over directly.
  if (Waiter* r = recvq_.DequeueClaim()) {
    Transfer(src, r->elem, r->elem_opt);
    r->success = true;
    *wake = r;
    return Op::kDone;
  }
  if (count_ < cap_) {
    PushBuf(src);
    ++count_;
    return Op::kDone;
  }
  return Op::kNotReady;
}

ChanCore::Op ChanCore::RecvLocked(void* dst, bool dst_opt, Waiter** wake) {
  // A parked sender means the ring is full (or the channel is unbuffered).
  if (Waiter* s = sendq_.DequeueClaim()) {
    if (cap_ == 0) {
      Transfer(s->elem, dst, dst_opt);
    } else {
      // Take the head, then the sender's value joins the tail: FIFO holds and
      // the ring stays full.
      PopBuf(dst, dst_opt);
      PushBuf(s->elem);
    }
    s->success = true;
    *wake = s;
    return Op::kDone;
  }
  if (count_ > 0) {
    PopBuf(dst, dst_opt);
    --count_;
    return Op::kDone;
  }
  if (closed_) {
    ClearDst(dst, dst_opt);
    return Op::kClosed;
  }
  return Op::kNotReady;
}

bool ChanCore::Send(void* src, bool block) {
  lock_.lock();
  Waiter* wake = nullptr;
  Op op = SendLocked(src, &wake);
  if (op != Op::kNotReady || !block) {
    lock_.unlock();
    if (wake) wake->parker->Unpark();
    return op == Op::kDone;
  }
  Parker parker;
  Waiter me(&parker);
  me.elem = src;
  sendq_.PushBack(&me);
  parker.Park([this]() ABSL_NO_THREAD_SAFETY_ANALYSIS { lock_.unlock(); });
  // A receiver took the value (success) or Close woke us (the value is intact).
  return me.success;
}

ChanCore::Op ChanCore::Recv(void* dst, bool dst_opt, bool block) {
  lock_.lock();
  Waiter* wake = nullptr;
  Op op = RecvLocked(dst, dst_opt, &wake);
  if (op != Op::kNotReady || !block) {
    lock_.unlock();
    if (wake) wake->parker->Unpark();
    return op;
  }
  Parker parker;
  Waiter me(&parker);
  me.elem = dst;
  me.elem_opt = dst_opt;
  recvq_.PushBack(&me);
  parker.Park([this]() ABSL_NO_THREAD_SAFETY_ANALYSIS { lock_.unlock(); });
  return me.success ? Op::kDone : Op::kClosed;
}

size_t ChanCore::RecvBatch(void* dst, bool dst_opt, size_t max, absl::FunctionRef<void()> sink) {
  size_t n = 0;
  WakeList wakes;
  {
    SpinLockGuard guard(lock_);
    while (n < max) {
      Waiter* wake = nullptr;
      if (RecvLocked(dst, dst_opt, &wake) != Op::kDone) break;
      if (wake) wakes.Add(wake);
      sink();
      ++n;
    }
  }
  wakes.WakeAll();
  return n;
}

void ChanCore::Close() {
  WakeList wakes;
  {
    SpinLockGuard guard(lock_);
    if (closed_) return;
    closed_ = true;
    // Receivers get nothing (their destination is untouched: Recv returns an
    // empty optional); senders get false and keep their value.
    while (Waiter* r = recvq_.DequeueClaim()) {
      ClearDst(r->elem, r->elem_opt);
      r->success = false;
      wakes.Add(r);
    }
    while (Waiter* s = sendq_.DequeueClaim()) {
      s->success = false;
      wakes.Add(s);
    }
  }
  wakes.WakeAll();
}

size_t ChanCore::size() const {
  SpinLockGuard guard(lock_);
  return count_;
}

bool ChanCore::closed() const {
  SpinLockGuard guard(lock_);
  return closed_;
}

}  // namespace stockd::runtime::detail
