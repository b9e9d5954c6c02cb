// engine/latency_monitor.h — Redis's latency monitor (latency.c): per event
// ("command", "fast-command", "expire-cycle"), a time series of the spikes
// at or over latency-monitor-threshold milliseconds.
//
// Contract (as latency.c):
//  * Sample(event, ms) adds nothing unless the threshold is on (> 0) and
//    ms >= threshold: the common case is one relaxed load, no lock.
//  * An event's series keeps LATENCY_TS_LEN = 160 samples, one per second
//    (a second spike in the same second raises that second's sample to the
//    max), plus the all-time max; the series is created on its first sample.
//  * Events are kept in creation order (Redis's dict order is a hash order:
//    no client may rely on it).
//  * Thread-safety: a mutex guards the series; it is held only to copy or
//    update them, never across a park.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace stockd::engine {

class LatencyMonitor {
 public:
  static constexpr int kSeriesLen = 160;  // LATENCY_TS_LEN

  struct SamplePoint {
    int64_t time = 0;     // unix seconds; 0 = empty slot
    int64_t latency = 0;  // ms
  };
  struct Series {
    std::string event;
    int idx = 0;      // next slot to write
    int64_t max = 0;  // all-time max, ms
    SamplePoint samples[kSeriesLen];
  };

  int64_t threshold_ms() const { return threshold_ms_.load(std::memory_order_relaxed); }
  void set_threshold_ms(int64_t ms) { threshold_ms_.store(ms, std::memory_order_relaxed); }

  // latencyAddSampleIfNeeded.
  void Sample(std::string_view event, int64_t ms) {
    const int64_t t = threshold_ms();
    if (t != 0 && ms >= t) Add(event, ms, NowSeconds());
  }
  // latencyAddSample (at unix second `now`).
  void Add(std::string_view event, int64_t ms, int64_t now);
  // latencyResetEvent: resets the events whose name equals `event` ignoring
  // case (all of them when null); returns how many.
  int Reset(const std::string* event);
  // Copies of every series, in creation order.
  std::vector<Series> All() const;
  // The series named exactly `event` (case-sensitive, as Redis's dict).
  bool Find(std::string_view event, Series* out) const;

  static int64_t NowSeconds();

 private:
  std::atomic<int64_t> threshold_ms_{0};
  mutable std::mutex mu_;
  std::vector<Series> series_;
};

}  // namespace stockd::engine
