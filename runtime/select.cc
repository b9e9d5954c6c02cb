// runtime/select.cc — Go's selectgo over detail::ChanCore. See select.h.
#include "runtime/select.h"

#include <algorithm>
#include <cstdint>
#include <vector>

#include "runtime/detail/park.h"
#include "runtime/detail/waitq.h"

namespace stockd::runtime {
namespace {

using detail::ChanCore;
using detail::Parker;
using detail::SelectState;
using detail::Waiter;

// Cheap per-thread random numbers for the poll order (xorshift64*). A fiber
// may migrate between threads, but it never parks while using this.
uint64_t NextRandom() {
  thread_local uint64_t state =
      0x9E3779B97F4A7C15ull ^ reinterpret_cast<uintptr_t>(&state) ^
      static_cast<uint64_t>(absl::GetCurrentTimeNanos());
  state ^= state >> 12;
  state ^= state << 25;
  state ^= state >> 27;
  return state * 0x2545F4914F6CDD1Dull;
}

// Small arrays on the stack for the common case of a few cases.
template <class T, size_t N = 8>
class SmallBuf {
 public:
  explicit SmallBuf(size_t n) {
    if (n > N) heap_.resize(n);
  }
  T* data() { return heap_.empty() ? inline_ : heap_.data(); }
  T& operator[](size_t i) { return data()[i]; }

 private:
  T inline_[N];
  std::vector<T> heap_;
};

class LockSet {
 public:
  // `order` holds each distinct channel's lock once, sorted by address (Go's
  // lockorder), so two Selects over the same channels cannot deadlock.
  LockSet(detail::SpinLock** order, size_t n) : order_(order), n_(n) {}
  void LockAll() ABSL_NO_THREAD_SAFETY_ANALYSIS {
    for (size_t i = 0; i < n_; ++i) order_[i]->lock();
  }
  // Releases in reverse; reads nothing of the caller's stack after the last
  // unlock (it may run in Park's after_switch, racing with the woken fiber).
  void UnlockAll() ABSL_NO_THREAD_SAFETY_ANALYSIS {
    for (size_t i = n_; i-- > 0;) order_[i]->unlock();
  }

 private:
  detail::SpinLock** order_;
  size_t n_;
};

// Timer callback: runs on a scheduler thread. Claims the Select, or just
// reports that it is finished so the fiber may free its SelectState.
void OnSelectTimer(void* arg) {
  auto* st = static_cast<SelectState*>(arg);
  if (st->TryClaim()) {
    st->winner = SelectState::kTimedOut;
    Parker* p = st->parker;
    // The fiber only waits for timer_finished when it did not time out, so
    // nothing below touches *st after Unpark.
    p->Unpark();
    return;
  }
  st->timer_finished.store(true, std::memory_order_release);
}

int SelectImpl(absl::Span<const SelectCase> cases, bool has_default, bool has_deadline,
               absl::Time deadline) {
  const size_t n = cases.size();
  SmallBuf<uint32_t> poll(n);
  SmallBuf<detail::SpinLock*> lockorder(n + 1);
  size_t npoll = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!cases[i].ch) continue;
    // Inside-out Fisher-Yates: a uniformly random permutation of live cases.
    size_t j = NextRandom() % (npoll + 1);
    poll[npoll] = poll[j];
    poll[j] = static_cast<uint32_t>(i);
    lockorder[npoll] = &cases[i].ch->lock();
    ++npoll;
  }
  std::sort(lockorder.data(), lockorder.data() + npoll);
  size_t nlocks = std::unique(lockorder.data(), lockorder.data() + npoll) - lockorder.data();
  // With no live case, a private lock still orders the parking below against
  // the waking (the timer), like a channel lock would.
  detail::SpinLock own_lock;
  if (nlocks == 0) lockorder[nlocks++] = &own_lock;
  LockSet locks(lockorder.data(), nlocks);

  // Pass 1: is anything ready now?
  locks.LockAll();
  for (size_t k = 0; k < npoll; ++k) {
    const SelectCase& c = cases[poll[k]];
    Waiter* wake = nullptr;
    ChanCore::Op op = c.is_send ? c.ch->SendLocked(c.elem, &wake)
                                : c.ch->RecvLocked(c.elem, c.elem_opt, &wake);
    if (op == ChanCore::Op::kNotReady) continue;
    locks.UnlockAll();
    if (wake) wake->parker->Unpark();
    if (c.ok) *c.ok = (op == ChanCore::Op::kDone);
    return static_cast<int>(poll[k]);
  }
  if (has_default) {
    locks.UnlockAll();
    return kSelectDefault;
  }
  if (has_deadline && deadline <= absl::Now()) {
    locks.UnlockAll();
    return kSelectTimeout;
  }

  // Pass 2: queue a Waiter on every case and park.
  Parker parker;
  SelectState st(&parker);
  std::vector<Waiter> heap_waiters;
  alignas(Waiter) unsigned char inline_waiters[8 * sizeof(Waiter)];
  Waiter* ws;
  if (n <= 8) {
    ws = reinterpret_cast<Waiter*>(inline_waiters);
    for (size_t i = 0; i < n; ++i) new (&ws[i]) Waiter(&parker);
  } else {
    heap_waiters.assign(n, Waiter(&parker));
    ws = heap_waiters.data();
  }
  for (size_t i = 0; i < n; ++i) {
    const SelectCase& c = cases[i];
    if (!c.ch) continue;
    Waiter& w = ws[i];
    w.elem = c.elem;
    w.elem_opt = c.elem_opt;
    w.sel = &st;
    w.case_index = static_cast<int>(i);
    if (c.is_send) {
      c.ch->EnqueueSender(&w);
    } else {
      c.ch->EnqueueReceiver(&w);
    }
  }
  bool armed = false;
  if (parker.on_fiber()) {
    parker.Park([&] {
      // Arm the timer only now that the fiber is parked: it may fire at once.
      // It cannot complete a wake-up before UnlockAll (the woken fiber waits
      // in pass 3's LockAll), and after UnlockAll nothing here touches the
      // fiber's stack. But a firing timer does resume the fiber at once, and
      // its Park() returning ends this closure's life: so everything is taken
      // from the closure before the timer is armed (ASan caught the read of a
      // captured reference after AddTimer as a use after scope).
      LockSet* const lockset = &locks;
      if (has_deadline) {
        SelectState* const state = &st;
        bool* const armed_flag = &armed;
        const absl::Time when = deadline;
        state->timer = detail::AddTimer(when, &OnSelectTimer, state);
        *armed_flag = true;
      }
      lockset->UnlockAll();
    });
  } else if (has_deadline) {
    parker.ParkThreadUntil([&] { locks.UnlockAll(); }, deadline, [&] {
      if (!st.TryClaim()) return false;
      st.winner = SelectState::kTimedOut;
      return true;
    });
  } else {
    parker.Park([&] { locks.UnlockAll(); });
  }

  // Woken: st.winner is the case that fired, or kTimedOut.
  // (winner first: after a timeout `armed` may still be being written.)
  if (st.winner != SelectState::kTimedOut && armed && !detail::CancelTimer(st.timer)) {
    // The callback started; it lost the claim and is about to say so.
    while (!st.timer_finished.load(std::memory_order_acquire)) detail::CpuRelax();
  }

  // Pass 3: unlink the Waiters nobody consumed.
  locks.LockAll();
  for (size_t i = 0; i < n; ++i) {
    const SelectCase& c = cases[i];
    if (!c.ch || static_cast<int>(i) == st.winner) continue;
    if (c.is_send) {
      c.ch->RemoveSender(&ws[i]);
    } else {
      c.ch->RemoveReceiver(&ws[i]);
    }
  }
  locks.UnlockAll();

  const int winner = st.winner;
  bool success = winner >= 0 && ws[winner].success;
  if (n <= 8) {
    for (size_t i = 0; i < n; ++i) ws[i].~Waiter();
  }
  if (winner == SelectState::kTimedOut) return kSelectTimeout;
  const SelectCase& c = cases[winner];
  if (c.ok) *c.ok = success;
  return winner;
}

}  // namespace

int Select(absl::Span<const SelectCase> cases) {
  return SelectImpl(cases, false, false, absl::InfiniteFuture());
}

int Select(absl::Span<const SelectCase> cases, SelectDefault) {
  return SelectImpl(cases, true, false, absl::InfiniteFuture());
}

int Select(absl::Span<const SelectCase> cases, SelectTimeout timeout) {
  return SelectImpl(cases, false, true, timeout.deadline);
}

}  // namespace stockd::runtime
