// runtime/detail/waitq.cc — Parker: park a fiber, or block a plain thread.
#include "runtime/detail/waitq.h"

#include <chrono>

namespace stockd::runtime::detail {

void Parker::Park(absl::FunctionRef<void()> release) {
  if (g_ != nullptr) {
    detail::Park(release);
    return;
  }
  tw_.emplace();  // before `release`: a waker may Unpark right after it
  release();
  std::unique_lock<std::mutex> lock(tw_->mu);
  tw_->cv.wait(lock, [this] { return tw_->woken; });
}

bool Parker::ParkThreadUntil(absl::FunctionRef<void()> release, absl::Time deadline,
                             absl::FunctionRef<bool()> claim_timeout) {
  tw_.emplace();
  release();
  std::unique_lock<std::mutex> lock(tw_->mu);
  const auto until = absl::ToChronoTime(deadline);
  while (!tw_->woken) {
    if (tw_->cv.wait_until(lock, until) == std::cv_status::timeout && !tw_->woken) {
      if (claim_timeout()) return false;
      // Someone else claimed us; their Unpark is on its way.
      tw_->cv.wait(lock, [this] { return tw_->woken; });
      return true;
    }
  }
  return true;
}

void Parker::Unpark() {
  if (g_ != nullptr) {
    Ready(g_);
    return;
  }
  // Notify while holding the mutex: the sleeper cannot return (and destroy
  // the condition variable) before we let go of it.
  std::lock_guard<std::mutex> lock(tw_->mu);
  tw_->woken = true;
  tw_->cv.notify_one();
}

}  // namespace stockd::runtime::detail
