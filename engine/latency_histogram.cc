// engine/latency_histogram.cc — the readers of LatencyHistogram (see the header):
// hdr_histogram 0.11's percentile and log-iterator arithmetic, on a snapshot.
#include "engine/latency_histogram.h"

namespace stockd::engine {

LatencyHistogram::~LatencyHistogram() {
  for (auto& s : stripes_) delete s.load(std::memory_order_relaxed);
}

LatencyHistogram::Counts* LatencyHistogram::Allocate(int stripe) {
  // Once per stripe in the life of the command: a racing first record keeps
  // the winner's array.
  Counts* fresh = new Counts();
  Counts* expected = nullptr;
  if (stripes_[stripe].compare_exchange_strong(expected, fresh, std::memory_order_acq_rel)) return fresh;
  delete fresh;
  return expected;
}

bool LatencyHistogram::MayHaveData() const {
  for (const auto& s : stripes_)
    if (s.load(std::memory_order_acquire) != nullptr) return true;
  return false;
}

LatencySnapshot LatencyHistogram::Snapshot() const {
  LatencySnapshot snap;
  snap.counts.assign(HdrLayout::kCountsLen, 0);
  for (const auto& s : stripes_) {
    const Counts* c = s.load(std::memory_order_acquire);
    if (c == nullptr) continue;
    for (int i = 0; i < HdrLayout::kCountsLen; ++i) {
      const auto n = static_cast<int64_t>(c->c[i].load(std::memory_order_relaxed));
      snap.counts[static_cast<size_t>(i)] += n;
      snap.total += n;
    }
  }
  return snap;
}

void LatencyHistogram::Reset() {
  for (auto& s : stripes_) {
    Counts* c = s.load(std::memory_order_acquire);
    if (c == nullptr) continue;
    for (auto& n : c->c) n.store(0, std::memory_order_relaxed);
  }
}

int64_t LatencySnapshot::ValueAtPercentile(double percentile) const {
  // Redis 7.0's hdr_value_at_percentile: the first index whose cumulative
  // count reaches the rank, reported as its highest equivalent value.
  const double requested = percentile < 100.0 ? percentile : 100.0;
  int64_t rank = static_cast<int64_t>((requested / 100) * static_cast<double>(total) + 0.5);
  if (rank < 1) rank = 1;
  int64_t cumulative = 0;
  for (int i = 0; i < HdrLayout::kCountsLen; ++i) {
    cumulative += counts[static_cast<size_t>(i)];
    if (cumulative >= rank) return HdrLayout::HighestEquivalent(HdrLayout::ValueAtIndex(i));
  }
  return 0;
}

std::vector<std::pair<int64_t, int64_t>> LatencySnapshot::Cdf() const {
  // hdr_iter_log_init(h, 1024, 2) driven as fillCommandCDF does: a step ends
  // at the first index whose value reaches the reporting level's lowest
  // equivalent value (that index's count included); the level then doubles.
  std::vector<std::pair<int64_t, int64_t>> out;
  int index = -1;
  int64_t value = 0, highest = 0, cumulative = 0, previous = 0;
  int64_t level = 1024;
  int64_t level_lowest = HdrLayout::LowestEquivalent(level);
  auto move_next = [&]() {
    ++index;
    if (index >= HdrLayout::kCountsLen) return false;
    cumulative += counts[static_cast<size_t>(index)];
    value = HdrLayout::ValueAtIndex(index);
    highest = HdrLayout::HighestEquivalent(value);
    return true;
  };
  for (;;) {
    // log_iter_next's entry test: more counts ahead, or the next index still
    // below the reporting level.
    const bool has_next = cumulative < total;
    const bool next_beyond =
        index < HdrLayout::kCountsLen && HdrLayout::ValueAtIndex(index + 1) > level_lowest;
    if (!has_next && !next_beyond) break;
    for (;;) {
      if (value >= level_lowest) {
        level *= 2;
        level_lowest = HdrLayout::LowestEquivalent(level);
        break;
      }
      if (!move_next()) break;
    }
    if (cumulative > previous) out.emplace_back(highest / 1000, cumulative);
    previous = cumulative;
    if (index >= HdrLayout::kCountsLen) break;
  }
  return out;
}

}  // namespace stockd::engine
