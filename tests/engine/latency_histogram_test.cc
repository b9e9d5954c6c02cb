// tests/engine/latency_histogram_test.cc — engine/latency_histogram.h: the
// hdr_histogram layout Redis uses (1 ns .. 1 s, 2 significant figures), its
// percentiles against exact sorted samples, the LATENCY HISTOGRAM CDF, and
// recording from many threads at once.
#include "engine/latency_histogram.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace stockd::engine {
namespace {

TEST(HdrLayoutTest, MatchesRedisBucketsForKnownValues) {
  // redis-server 7.0 prints a 4 us call as p50=4.015 (highest equivalent of
  // 4000 ns) and p0=4.000 (its lowest), an 18 us one as 18.047.
  EXPECT_EQ(HdrLayout::HighestEquivalent(4000), 4015);
  EXPECT_EQ(HdrLayout::LowestEquivalent(4000), 4000);
  EXPECT_EQ(HdrLayout::HighestEquivalent(18000), 18047);
  EXPECT_EQ(HdrLayout::HighestEquivalent(1000), 1003);
  // Values below 256 ns are exact; the last index covers 1 s.
  EXPECT_EQ(HdrLayout::HighestEquivalent(200), 200);
  EXPECT_LT(HdrLayout::CountsIndex(HdrLayout::kHighest), HdrLayout::kCountsLen);
  // Index <-> value round trip over the whole range.
  for (int i = 0; i < HdrLayout::kCountsLen; ++i) {
    const int64_t v = HdrLayout::ValueAtIndex(i);
    if (v > HdrLayout::kHighest) break;
    if (i > 0) {
      ASSERT_EQ(HdrLayout::CountsIndex(v), i) << v;
      ASSERT_EQ(HdrLayout::CountsIndex(HdrLayout::HighestEquivalent(v)), i) << v;
    }
  }
}

TEST(LatencyHistogramTest, PercentilesMatchExactSamplesWithinPrecision) {
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> exponent(0.0, 5.0);  // 1 us .. 100 ms, log-uniform
  std::vector<int64_t> values;
  LatencyHistogram h;
  for (int i = 0; i < 20000; ++i) {
    const int64_t usec = static_cast<int64_t>(std::pow(10.0, exponent(rng)));
    values.push_back(usec * 1000);  // as Redis records: duration in us * 1000
    h.Record(usec * 1000);
  }
  std::sort(values.begin(), values.end());
  const LatencySnapshot snap = h.Snapshot();
  ASSERT_EQ(snap.total, 20000);
  for (double p : {0.001, 1.0, 10.0, 25.0, 50.0, 75.0, 90.0, 99.0, 99.9, 99.99, 100.0}) {
    int64_t rank = static_cast<int64_t>(p / 100 * static_cast<double>(values.size()) + 0.5);
    rank = std::max<int64_t>(rank, 1);
    const int64_t exact = values[static_cast<size_t>(rank - 1)];
    const int64_t got = snap.ValueAtPercentile(p);
    // hdr's answer is the highest value equivalent to the exact sample...
    EXPECT_EQ(got, HdrLayout::HighestEquivalent(exact)) << "p" << p;
    // ...so within 2 significant figures of it.
    EXPECT_LE(std::abs(static_cast<double>(got - exact)) / static_cast<double>(exact), 0.01) << "p" << p;
  }
}

TEST(LatencyHistogramTest, ClampsToRedisRange) {
  LatencyHistogram h;
  h.Record(0);                  // a 0 us call: recorded as 1 ns
  h.Record(5'000'000'000LL);    // over 1 s: recorded as 1 s
  const LatencySnapshot snap = h.Snapshot();
  EXPECT_EQ(snap.total, 2);
  EXPECT_EQ(snap.ValueAtPercentile(0.0001), 1);
  EXPECT_EQ(snap.ValueAtPercentile(100), HdrLayout::HighestEquivalent(1'000'000'000));
}

TEST(LatencyHistogramTest, CdfHasPowerOfTwoBucketsAndCumulativeCounts) {
  LatencyHistogram h;
  for (int i = 0; i < 3; ++i) h.Record(1000);   // 1 us
  for (int i = 0; i < 2; ++i) h.Record(3000);   // 3 us
  h.Record(100000);                             // 100 us
  const auto cdf = h.Snapshot().Cdf();
  // hdr_iter_log(1024, 2): steps end at 1024, 2048, 4096, ... ns, reported as
  // the step's last index's highest value in us; only growing steps are kept.
  ASSERT_EQ(cdf.size(), 3u);
  EXPECT_EQ(cdf[0], (std::pair<int64_t, int64_t>{1, 3}));
  EXPECT_EQ(cdf[1], (std::pair<int64_t, int64_t>{4, 5}));
  EXPECT_EQ(cdf[2], (std::pair<int64_t, int64_t>{132, 6}));
  for (size_t i = 1; i < cdf.size(); ++i) {
    EXPECT_GT(cdf[i].first, cdf[i - 1].first);
    EXPECT_GT(cdf[i].second, cdf[i - 1].second);
  }
}

TEST(LatencyHistogramTest, EmptyAndReset) {
  LatencyHistogram h;
  EXPECT_FALSE(h.MayHaveData());
  EXPECT_EQ(h.Snapshot().total, 0);
  EXPECT_TRUE(h.Snapshot().Cdf().empty());
  h.Record(1500);
  EXPECT_TRUE(h.MayHaveData());
  h.Reset();
  EXPECT_EQ(h.Snapshot().total, 0);
  h.Record(1500);
  EXPECT_EQ(h.Snapshot().total, 1);
}

TEST(LatencyHistogramTest, ManyThreadsRecordingLoseNothing) {
  LatencyHistogram h;
  constexpr int kThreads = 8;
  constexpr int kPerThread = 100000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&h] {
      for (int i = 0; i < kPerThread; ++i) h.Record(static_cast<int64_t>((i % 50 + 1) * 1000));
    });
  }
  // A reader racing the writers sees a total that only grows.
  int64_t last = 0;
  for (int i = 0; i < 20; ++i) {
    const int64_t now = h.Snapshot().total;
    EXPECT_GE(now, last);
    last = now;
  }
  for (auto& th : threads) th.join();
  const LatencySnapshot snap = h.Snapshot();
  EXPECT_EQ(snap.total, int64_t{kThreads} * kPerThread);
  // Each of the 50 values was recorded kPerThread / 50 times per thread.
  const int64_t per_value = int64_t{kThreads} * (kPerThread / 50);
  EXPECT_EQ(snap.counts[static_cast<size_t>(HdrLayout::CountsIndex(1000))], per_value);
  EXPECT_EQ(snap.ValueAtPercentile(100), HdrLayout::HighestEquivalent(50000));
}

}  // namespace
}  // namespace stockd::engine
