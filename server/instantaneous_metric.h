// server/instantaneous_metric.h — INFO's figures that follow the last few
// seconds, computed as Redis computes them from a reading every 100 ms:
//  * InstantaneousMetric (instantaneous_*): the rate since the previous
//    reading goes into a ring of 16, and the figure is the ring's mean (it
//    follows the last 1.6 s and falls to 0 within 1.6 s of idleness);
//  * RecentPeak (client_recent_max_*): the largest reading of each of the
//    last 8 seconds, and the figure is their maximum.
// One fiber samples (Sample owns the cursor and last reading); INFO and
// CONFIG RESETSTAT read and zero from any fiber: relaxed atomics, since a
// figure mixing two neighbouring samples is as good as either.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
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

class RecentPeak {
 public:
  static constexpr int kSeconds = 8;

  // now_ms: a monotonic clock; value: the reading now.
  void Sample(int64_t now_ms, size_t value) {
    const int64_t second = now_ms / 1000;
    Slot& s = slots_[second % kSeconds];
    if (s.second.load(std::memory_order_relaxed) != second) {  // a new second: the slot starts over
      s.max.store(0, std::memory_order_relaxed);
      s.second.store(second, std::memory_order_relaxed);
    }
    s.max.store(std::max(s.max.load(std::memory_order_relaxed), value), std::memory_order_relaxed);
  }

  // The largest reading of the last kSeconds seconds before now_ms (slots
  // older than that, left by a stalled sampler, do not count).
  size_t Max(int64_t now_ms) const {
    size_t m = 0;
    for (const Slot& s : slots_) {
      if (now_ms / 1000 - s.second.load(std::memory_order_relaxed) < kSeconds)
        m = std::max(m, s.max.load(std::memory_order_relaxed));
    }
    return m;
  }

 private:
  struct Slot {
    std::atomic<int64_t> second{0};
    std::atomic<size_t> max{0};
  };
  Slot slots_[kSeconds];
};

}  // namespace stockd::server
