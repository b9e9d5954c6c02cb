// engine/latency_histogram.h — Redis 7's per-command latency histogram (INFO
// latencystats, LATENCY HISTOGRAM), recorded on the dispatch path.
//
// Contract:
//  * The layout is hdr_histogram's for Redis's parameters (lowest 1 ns,
//    highest 1 s, 2 significant figures): 24 buckets of 128 sub-buckets, so a
//    recorded value's bucket, its lowest/highest equivalent values, the
//    percentiles (hdr_value_at_percentile) and the log-iterated CDF of LATENCY
//    HISTOGRAM (hdr_iter_log_init(1024, 2)) are exactly the ones redis-server
//    computes for the same recorded values. Values are clamped to [1, 1e9] ns
//    as Redis's updateCommandLatencyHistogram does.
//  * Record is lock-free and allocation-free once warm: a relaxed fetch_add on
//    one of kStripes count arrays (threads are spread over the stripes, as
//    CommandStats' cells, so two cores running GET do not bounce one line).
//    A stripe's 24 KiB of counters is allocated on its first record (a
//    command never called costs only the stripe pointers, as Redis allocates a
//    histogram on a command's first call).
//  * Readers (Snapshot) sum the stripes with relaxed loads: a snapshot taken
//    while calls are recorded may miss the calls in flight, never more.
//  * Reset zeroes the counts (CONFIG RESETSTAT); a command with no count is
//    "never called" to INFO latencystats and LATENCY HISTOGRAM, as Redis's
//    freed histogram.
#pragma once

#include <atomic>
#include <cstdint>
#include <utility>
#include <vector>

namespace stockd::engine {

// hdr_histogram's index arithmetic for (1, 1e9, 2 significant figures).
struct HdrLayout {
  static constexpr int64_t kLowest = 1;
  static constexpr int64_t kHighest = 1000000000;
  static constexpr int kSubBucketHalfCountMagnitude = 7;  // ceil(log2(2 * 10^2)) - 1
  static constexpr int64_t kSubBucketCount = 256;
  static constexpr int64_t kSubBucketHalfCount = 128;
  static constexpr int64_t kSubBucketMask = 255;
  static constexpr int kBucketCount = 23;  // buckets_needed_to_cover_value(1e9)
  static constexpr int kCountsLen = (kBucketCount + 1) * 128;

  static int BucketIndex(int64_t v) {
    return 64 - __builtin_clzll(static_cast<uint64_t>(v | kSubBucketMask)) - (kSubBucketHalfCountMagnitude + 1);
  }
  static int CountsIndex(int64_t v) {
    const int b = BucketIndex(v);
    const int sub = static_cast<int>(v >> b);
    return ((b + 1) << kSubBucketHalfCountMagnitude) + sub - static_cast<int>(kSubBucketHalfCount);
  }
  static int64_t ValueAtIndex(int index) {
    int b = (index >> kSubBucketHalfCountMagnitude) - 1;
    int sub = (index & (kSubBucketHalfCount - 1)) + static_cast<int>(kSubBucketHalfCount);
    if (b < 0) {
      sub -= static_cast<int>(kSubBucketHalfCount);
      b = 0;
    }
    return static_cast<int64_t>(sub) << b;
  }
  static int64_t LowestEquivalent(int64_t v) {
    const int b = BucketIndex(v);
    return (v >> b) << b;
  }
  static int64_t RangeSize(int64_t v) {
    const int b = BucketIndex(v);
    const int64_t sub = v >> b;
    return int64_t{1} << (sub >= kSubBucketCount ? b + 1 : b);
  }
  static int64_t HighestEquivalent(int64_t v) { return LowestEquivalent(v) + RangeSize(v) - 1; }
};

// A consistent-enough copy of one histogram, for the readers.
struct LatencySnapshot {
  std::vector<int64_t> counts;  // HdrLayout::kCountsLen
  int64_t total = 0;

  // hdr_value_at_percentile (Redis 7.0's hdr_histogram): ns.
  int64_t ValueAtPercentile(double percentile) const;
  // fillCommandCDF: hdr_iter_log_init(h, 1024, 2), one (usec upper bound,
  // cumulative count) per step whose cumulative count grew.
  std::vector<std::pair<int64_t, int64_t>> Cdf() const;
};

class LatencyHistogram {
 public:
  static constexpr int kStripes = 4;

  LatencyHistogram() = default;
  ~LatencyHistogram();
  LatencyHistogram(const LatencyHistogram&) = delete;
  LatencyHistogram& operator=(const LatencyHistogram&) = delete;

  // One call of ns nanoseconds (Redis records its microsecond duration * 1000).
  void Record(int64_t ns) {
    if (ns < HdrLayout::kLowest) ns = HdrLayout::kLowest;
    if (ns > HdrLayout::kHighest) ns = HdrLayout::kHighest;
    const int s = StripeIndex();
    Counts* c = stripes_[s].load(std::memory_order_acquire);
    if (c == nullptr) c = Allocate(s);
    c->c[HdrLayout::CountsIndex(ns)].fetch_add(1, std::memory_order_relaxed);
  }
  // False when nothing was ever recorded (cheap: no stripe allocated).
  bool MayHaveData() const;
  LatencySnapshot Snapshot() const;
  void Reset();

 private:
  struct Counts {
    std::atomic<uint64_t> c[HdrLayout::kCountsLen] = {};
  };
  // This thread's stripe (threads are numbered as they first record).
  static int StripeIndex() {
    static std::atomic<int> next{0};
    thread_local const int index = next.fetch_add(1, std::memory_order_relaxed) % kStripes;
    return index;
  }
  Counts* Allocate(int stripe);
  std::atomic<Counts*> stripes_[kStripes] = {};
};

}  // namespace stockd::engine
