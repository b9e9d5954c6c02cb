// engine/clock.h — the wall clock of the dispatch path: one vDSO
// clock_gettime(CLOCK_REALTIME). (absl::GetCurrentTimeNanos and rdtsc were
// each measured at 35-45 ns a call on this VM, a large share of an O(1)
// command, so a command reads the clock once, plus once more when its
// duration is sampled for INFO commandstats.)
#pragma once

#include <time.h>

#include <cstdint>

namespace stockd::engine {

inline int64_t RealtimeNs() {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

inline int64_t WallClockMs() { return RealtimeNs() / 1000000; }

}  // namespace stockd::engine
