#include "runtime/time.h"

#include <thread>

#include "absl/time/clock.h"
#include "runtime/detail/park.h"

namespace stockd::runtime {
namespace {

void WakeSleeper(void* arg) { detail::Ready(static_cast<detail::G*>(arg)); }

}  // namespace

void Sleep(absl::Duration d) {
  if (d <= absl::ZeroDuration()) return;
  SleepUntil(absl::Now() + d);
}

void SleepUntil(absl::Time t) {
  detail::G* g = detail::CurrentG();
  if (g == nullptr) {
    const absl::Duration d = t - absl::Now();
    if (d > absl::ZeroDuration()) std::this_thread::sleep_for(absl::ToChronoNanoseconds(d));
    return;
  }
  if (t <= absl::Now()) return;
  if (t == absl::InfiniteFuture()) {
    detail::Park([] {});  // never woken: a fiber that sleeps forever
    return;
  }
  // The timer may fire before the switch completes only if it is registered
  // before; registering in after_switch keeps Ready strictly after Park.
  detail::Park([g, t] { detail::AddTimer(t, &WakeSleeper, g); });
}

}  // namespace stockd::runtime
