// bench/flashsale/histogram.h — a log-linear latency histogram (HdrHistogram's layout).
//
// Values (nanoseconds, or any non-negative integer unit) below 2^kSubBits are counted
// exactly; above, each power of two is split into 2^kSubBits equal buckets, so a
// bucket's width is at most 1/2^kSubBits (1.6 %) of the values in it, from 1 ns to
// 2^64 - 1, in a fixed 30 KiB array: recording never allocates and never locks.
//
// Thread safety: Record() may be called from any number of threads at once (relaxed
// atomic increments; contention only when two threads hit the same bucket at the same
// instant). The readers (count, Percentile, ...) are exact once every recorder has
// finished (joined); while recorders run they see some consistent-enough recent state.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace stockd::bench {

class Histogram {
 public:
  static constexpr int kSubBits = 6;
  static constexpr uint64_t kSubCount = uint64_t{1} << kSubBits;
  static constexpr size_t kBuckets = (65 - kSubBits) * kSubCount;

  Histogram() = default;
  Histogram(const Histogram&) = delete;
  Histogram& operator=(const Histogram&) = delete;

  // Counts one value. Thread-safe, wait-free except for the max/min CAS loops.
  void Record(uint64_t value);

  uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  uint64_t max() const { return max_.load(std::memory_order_relaxed); }
  // 0 when empty.
  uint64_t min() const;
  // Arithmetic mean of the recorded values (exact, from their sum); 0 when empty.
  double mean() const;

  // The value at quantile q in [0, 1]: the upper bound of the bucket holding the
  // ceil(q * count)-th smallest value, capped by the largest recorded value — so it
  // never understates a percentile by more than the bucket width, never reports more
  // than was seen. Percentile(1) == max(). 0 when empty.
  uint64_t Percentile(double q) const;

  // Layout, exposed for tests: every value v lies in [BucketLow(i), BucketHigh(i)]
  // of i = BucketIndex(v), and buckets tile [0, 2^64) in order without gaps.
  static size_t BucketIndex(uint64_t value);
  static uint64_t BucketLow(size_t index);
  static uint64_t BucketHigh(size_t index);

 private:
  std::array<std::atomic<uint64_t>, kBuckets> buckets_{};
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_{0};  // wraps after ~584 years of nanoseconds
  std::atomic<uint64_t> max_{0};
  std::atomic<uint64_t> min_{UINT64_MAX};
};

}  // namespace stockd::bench
