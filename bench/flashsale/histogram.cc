// bench/flashsale/histogram.cc — see histogram.h.
#include "bench/flashsale/histogram.h"

#include <bit>
#include <cmath>

namespace stockd::bench {

size_t Histogram::BucketIndex(uint64_t value) {
  if (value < kSubCount) return static_cast<size_t>(value);
  const int exponent = 63 - std::countl_zero(value);  // >= kSubBits
  const int shift = exponent - kSubBits;
  // (value >> shift) is in [kSubCount, 2 * kSubCount): its low bits pick the sub-bucket.
  return static_cast<size_t>((shift + 1) * kSubCount + ((value >> shift) - kSubCount));
}

uint64_t Histogram::BucketLow(size_t index) {
  if (index < kSubCount) return index;
  const uint64_t shift = index / kSubCount - 1;
  return (kSubCount + index % kSubCount) << shift;
}

uint64_t Histogram::BucketHigh(size_t index) {
  if (index < kSubCount) return index;
  const uint64_t shift = index / kSubCount - 1;
  return BucketLow(index) + ((uint64_t{1} << shift) - 1);
}

void Histogram::Record(uint64_t value) {
  buckets_[BucketIndex(value)].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
  uint64_t seen = max_.load(std::memory_order_relaxed);
  while (value > seen && !max_.compare_exchange_weak(seen, value, std::memory_order_relaxed)) {
  }
  seen = min_.load(std::memory_order_relaxed);
  while (value < seen && !min_.compare_exchange_weak(seen, value, std::memory_order_relaxed)) {
  }
}

uint64_t Histogram::min() const {
  return count() == 0 ? 0 : min_.load(std::memory_order_relaxed);
}

double Histogram::mean() const {
  const uint64_t n = count();
  return n == 0 ? 0.0 : static_cast<double>(sum_.load(std::memory_order_relaxed)) / n;
}

uint64_t Histogram::Percentile(double q) const {
  const uint64_t n = count();
  if (n == 0) return 0;
  if (q < 0) q = 0;
  if (q > 1) q = 1;
  uint64_t rank = static_cast<uint64_t>(std::ceil(q * static_cast<double>(n)));
  if (rank == 0) rank = 1;
  uint64_t seen = 0;
  const uint64_t top = max();
  for (size_t i = 0; i < kBuckets; ++i) {
    seen += buckets_[i].load(std::memory_order_relaxed);
    if (seen >= rank) {
      const uint64_t high = BucketHigh(i);
      return high < top ? high : top;
    }
  }
  return top;  // only while recorders still run: count_ ran ahead of the buckets
}

}  // namespace stockd::bench
