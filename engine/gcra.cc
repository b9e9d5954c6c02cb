// engine/gcra.cc — see gcra.h. Variable names follow redis-cell's
// RateLimiter::rate_limit so the two can be read side by side.
#include "engine/gcra.h"

namespace stockd::engine {
namespace {

constexpr int64_t kNsPerSecond = 1'000'000'000;

int64_t EmissionInterval(const GcraParams& p) {
  if (p.count <= 0 || p.period_s <= 0) return 0;
  const double ns = static_cast<double>(p.period_s) * static_cast<double>(kNsPerSecond);
  return static_cast<int64_t>(ns / static_cast<double>(p.count));
}

}  // namespace

bool GcraValid(const GcraParams& p) { return EmissionInterval(p) > 0 && p.max_burst >= 0; }

bool GcraInRange(const GcraParams& p) {
  const int64_t interval = EmissionInterval(p);
  int64_t dvt, increment;
  if (p.max_burst == INT64_MAX || __builtin_mul_overflow(interval, p.max_burst + 1, &dvt) ||
      __builtin_mul_overflow(interval, p.quantity, &increment)) {
    return false;
  }
  return dvt <= kGcraMaxSpanNs && increment <= kGcraMaxSpanNs;
}

GcraDecision Gcra(const GcraParams& p, std::optional<int64_t> tat_ns, int64_t now_ns) {
  const int64_t emission_interval = EmissionInterval(p);
  const int64_t dvt = emission_interval * (p.max_burst + 1);
  const int64_t increment = emission_interval * p.quantity;

  GcraDecision d;
  d.limit = p.max_burst + 1;
  // The stored TAT is whatever integer the key holds (a user may SET it):
  // keep it within a span of now so the sums below stay in int64.
  int64_t tat = tat_ns.value_or(now_ns);
  if (tat > now_ns + kGcraMaxSpanNs) tat = now_ns + kGcraMaxSpanNs;
  if (tat < now_ns - kGcraMaxSpanNs) tat = now_ns - kGcraMaxSpanNs;
  const int64_t new_tat = now_ns > tat ? now_ns + increment : tat + increment;
  const int64_t allow_at = new_tat - dvt;
  const int64_t diff = now_ns - allow_at;
  int64_t ttl;
  if (diff < 0) {
    if (increment <= dvt) d.retry_after_ns = -diff;
    d.limited = true;
    ttl = tat - now_ns;
  } else {
    ttl = new_tat - now_ns;
    d.store = true;
    d.new_tat_ns = new_tat;
    d.ttl_ns = ttl;
  }
  const int64_t next = dvt - ttl;
  if (next > -emission_interval) {
    // redis-cell divides whole microseconds as f64 and truncates.
    const int64_t next_us = next / 1000;
    const int64_t interval_us = emission_interval / 1000;
    d.remaining = interval_us != 0
                      ? static_cast<int64_t>(static_cast<double>(next_us) / static_cast<double>(interval_us))
                      : next / emission_interval;
  }
  d.reset_after_ns = ttl;
  return d;
}

int64_t ToReplySeconds(int64_t ns) {
  // Rust's Duration::whole_seconds truncates toward zero and
  // subsec_milliseconds carries the sign: the same as C++'s / and %.
  int64_t s = ns / kNsPerSecond;
  if ((ns % kNsPerSecond) / 1'000'000 > 0) ++s;
  return s;
}

}  // namespace stockd::engine
