// runtime/time.h — sleeping parks the fiber, never the thread.
//
// Sleep/SleepUntil park the calling fiber on a runtime timer (detail/timers.h)
// and Ready it when the timer fires; the M runs other fibers meanwhile. The
// wake-up happens at or after the deadline (typically within ~100 µs when an M
// is idle; later if every M is busy in fibers that do not yield). Off-fiber
// they block the calling thread (std::this_thread::sleep_for).
// Non-positive durations and past deadlines return at once without parking.
#pragma once

#include "absl/time/time.h"

namespace stockd::runtime {

void Sleep(absl::Duration d);
void SleepUntil(absl::Time t);

}  // namespace stockd::runtime
