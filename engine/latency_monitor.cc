// engine/latency_monitor.cc — latency.c's time series (see the header).
#include "engine/latency_monitor.h"

#include <strings.h>
#include <time.h>

namespace stockd::engine {

int64_t LatencyMonitor::NowSeconds() { return static_cast<int64_t>(time(nullptr)); }

void LatencyMonitor::Add(std::string_view event, int64_t ms, int64_t now) {
  std::lock_guard<std::mutex> lock(mu_);
  Series* ts = nullptr;
  for (Series& s : series_)
    if (s.event == event) ts = &s;
  if (ts == nullptr) {
    series_.emplace_back();
    ts = &series_.back();
    ts->event = std::string(event);
  }
  if (ms > ts->max) ts->max = ms;
  // The previous sample in the same second: keep the larger one.
  SamplePoint& prev = ts->samples[(ts->idx + kSeriesLen - 1) % kSeriesLen];
  if (prev.time == now) {
    if (ms > prev.latency) prev.latency = ms;
    return;
  }
  ts->samples[ts->idx] = {now, ms};
  ts->idx = (ts->idx + 1) % kSeriesLen;
}

int LatencyMonitor::Reset(const std::string* event) {
  std::lock_guard<std::mutex> lock(mu_);
  int resets = 0;
  for (auto it = series_.begin(); it != series_.end();) {
    if (event == nullptr || strcasecmp(it->event.c_str(), event->c_str()) == 0) {
      it = series_.erase(it);
      ++resets;
    } else {
      ++it;
    }
  }
  return resets;
}

std::vector<LatencyMonitor::Series> LatencyMonitor::All() const {
  std::lock_guard<std::mutex> lock(mu_);
  return series_;
}

bool LatencyMonitor::Find(std::string_view event, Series* out) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const Series& s : series_) {
    if (s.event == event) {
      *out = s;
      return true;
    }
  }
  return false;
}

}  // namespace stockd::engine
