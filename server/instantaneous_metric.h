// server/instantaneous_metric.h — INFO's instantaneous_* figures, computed as
// Redis computes them: a growing counter is read every 100 ms, the rate since
// the previous reading goes into a ring of 16, and the figure is the ring's
// mean (it follows the last 1.6 s and falls to 0 within 1.6 s of idleness).
// One fiber samples (Sample owns the ring's cursor and last reading); INFO and
// CONFIG RESETSTAT read and zero the rates from any fiber: relaxed atomics,
// since a mean mixing two neighbouring samples is as good as either.
#pragma once

#include <atomic>
#include <cstdint>

namespace stockd::server {

class InstantaneousMetric {
 public:
  static constexpr int kSamples = 16;

  // now_ms: a monotonic clock; reading: the counter now. A reading below the
  // last one (the counter was reset) counts as no change.
  void Sample(int64_t now_ms, uint64_t reading) {
    if (last_ms_ != 0 && now_ms > last_ms_) {
      const uint64_t delta = reading >= last_reading_ ? reading - last_reading_ : 0;
      rates_[next_].store(static_cast<int64_t>(delta * 1000 / static_cast<uint64_t>(now_ms - last_ms_)),
                          std::memory_order_relaxed);
      next_ = (next_ + 1) % kSamples;
    }
    last_ms_ = now_ms;
    last_reading_ = reading;
  }

  // Per second, the mean of the last kSamples rates.
  int64_t PerSecond() const {
    int64_t sum = 0;
    for (const auto& r : rates_) sum += r.load(std::memory_order_relaxed);
    return sum / kSamples;
  }

  void Reset() {
    for (auto& r : rates_) r.store(0, std::memory_order_relaxed);
  }

 private:
  std::atomic<int64_t> rates_[kSamples] = {};
  int next_ = 0;
  int64_t last_ms_ = 0;
  uint64_t last_reading_ = 0;
};

}  // namespace stockd::server
