// engine/clock.h — the wall clock of the dispatch path: one vDSO
// clock_gettime(CLOCK_REALTIME). (absl::GetCurrentTimeNanos and rdtsc were
// each measured at 35-45 ns a call on this VM, a large share of an O(1)
// command, so a command reads the clock once, plus once more at its end when
// it is timed: every call while latency tracking is on, as Redis; otherwise a
// sample of the kFast calls for INFO commandstats.)
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

// The wall clock (RealtimeNs) around a command, shared with its caller: a
// clock read costs about as much as a small command's lookup on this kind of
// VM, and a pipeline needs one per command, not three.
struct DispatchClock {
  // In: a reading taken just now (e.g. the previous command's end), used as
  // the command's start; 0 = Execute reads the clock itself.
  int64_t start_ns = 0;
  // Out: the start Execute used, and the reading it took at the command's
  // end (0 when it took none: with latency tracking and the latency monitor
  // off, it times kFast commands by sampling).
  int64_t used_start_ns = 0;
  int64_t end_ns = 0;
};

}  // namespace stockd::engine
