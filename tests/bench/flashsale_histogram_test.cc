// Tests of bench/flashsale/histogram.h: the bucket layout tiles the value range, every
// value lands in a bucket that contains it within the promised relative width, and
// percentiles of known distributions come out within that width.
#include "bench/flashsale/histogram.h"

#include <cstdint>
#include <random>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace stockd::bench {
namespace {

TEST(HistogramLayout, BucketsTileTheRangeInOrder) {
  EXPECT_EQ(Histogram::BucketLow(0), 0u);
  for (size_t i = 0; i + 1 < Histogram::kBuckets; ++i) {
    ASSERT_LE(Histogram::BucketLow(i), Histogram::BucketHigh(i)) << i;
    ASSERT_EQ(Histogram::BucketHigh(i) + 1, Histogram::BucketLow(i + 1)) << i;
  }
  EXPECT_EQ(Histogram::BucketHigh(Histogram::kBuckets - 1), UINT64_MAX);
}

TEST(HistogramLayout, EveryValueLiesInItsBucketWithinTheRelativeWidth) {
  std::mt19937_64 rng(42);
  std::vector<uint64_t> values = {0, 1, 63, 64, 65, 127, 128, 1000, 1023, 1024, UINT64_MAX};
  for (int i = 0; i < 100000; ++i) values.push_back(rng() >> (rng() % 64));
  for (uint64_t v : values) {
    size_t i = Histogram::BucketIndex(v);
    ASSERT_LT(i, Histogram::kBuckets) << v;
    ASSERT_LE(Histogram::BucketLow(i), v) << v;
    ASSERT_GE(Histogram::BucketHigh(i), v) << v;
    // width <= low / 2^kSubBits (exact below 2^kSubBits)
    uint64_t width = Histogram::BucketHigh(i) - Histogram::BucketLow(i);
    ASSERT_LE(width, Histogram::BucketLow(i) >> Histogram::kSubBits) << v;
  }
}

TEST(Histogram, EmptyReportsZeros) {
  Histogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.Percentile(0.5), 0u);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_EQ(h.max(), 0u);
  EXPECT_EQ(h.mean(), 0.0);
}

TEST(Histogram, PercentilesOfAUniformDistribution) {
  Histogram h;
  for (uint64_t v = 1; v <= 100000; ++v) h.Record(v * 1000);  // 1 µs .. 100 ms in ns
  EXPECT_EQ(h.count(), 100000u);
  EXPECT_EQ(h.min(), 1000u);
  EXPECT_EQ(h.max(), 100000000u);
  EXPECT_DOUBLE_EQ(h.mean(), 50000.5 * 1000);
  const double width = 1.0 / Histogram::kSubCount;
  for (double q : {0.5, 0.9, 0.99, 0.999}) {
    double exact = q * 100000 * 1000;
    double got = static_cast<double>(h.Percentile(q));
    EXPECT_GE(got, exact) << q;  // the bucket's upper bound: never understated
    EXPECT_LE(got, exact * (1 + width)) << q;
  }
  EXPECT_EQ(h.Percentile(1.0), h.max());
  EXPECT_LE(h.Percentile(0.0), 1000u * (1 + 1));
}

TEST(Histogram, PercentileNeverExceedsTheMaximumSeen) {
  Histogram h;
  h.Record(1000001);  // its bucket reaches above it
  EXPECT_EQ(h.Percentile(0.5), 1000001u);
  EXPECT_EQ(h.Percentile(0.999), 1000001u);
}

TEST(Histogram, ConcurrentRecordersLoseNothing) {
  Histogram h;
  constexpr int kThreads = 4, kPer = 50000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&h, t] {
      for (int i = 0; i < kPer; ++i) h.Record(static_cast<uint64_t>(t * kPer + i));
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(h.count(), uint64_t{kThreads} * kPer);
  EXPECT_EQ(h.max(), uint64_t{kThreads} * kPer - 1);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_EQ(h.Percentile(1.0), h.max());
}

}  // namespace
}  // namespace stockd::bench
