// engine/gcra.h — the generic cell rate algorithm of CL.THROTTLE, exactly as
// redis-cell computes it (brandur/redis-cell, RateLimiter::rate_limit).
//
// Contract:
//  * Pure: given the stored theoretical arrival time (TAT, unix ns; nullopt
//    when the key is absent), the current time (unix ns, the caller's clock —
//    the engine's injectable clock in practice) and the parameters, Gcra()
//    returns the verdict and what to store. It keeps no state.
//  * emission interval = period / count (ns, truncated as redis-cell's f64
//    division); delay variation tolerance = interval * (max_burst + 1);
//    limit = max_burst + 1. A request is limited when its new TAT minus the
//    tolerance lies in the future; a quantity larger than the limit is always
//    limited and reports retry-after -1; quantity 0 only peeks.
//  * Durations are reported in ns; ToReplySeconds() applies redis-cell's
//    (>= 0.4) reply rounding: whole seconds, plus one when there is a
//    millisecond remainder (a sub-millisecond remainder is dropped).
#pragma once

#include <cstdint>
#include <optional>

namespace stockd::engine {

struct GcraParams {
  int64_t max_burst = 0;     // >= 0
  int64_t count = 0;         // > 0: requests per period
  int64_t period_s = 0;      // > 0
  int64_t quantity = 1;      // >= 0
};

struct GcraDecision {
  bool limited = false;
  int64_t limit = 0;            // max_burst + 1
  int64_t remaining = 0;
  int64_t retry_after_ns = -1'000'000'000;  // -1 s when allowed
  int64_t reset_after_ns = 0;
  // When allowed: store new_tat_ns with a time to live of ttl_ns (<= 0: the
  // key may be dropped). When limited nothing is stored.
  bool store = false;
  int64_t new_tat_ns = 0;
  int64_t ttl_ns = 0;
};

// False when the parameters give a zero emission interval ("zero rates").
bool GcraValid(const GcraParams& p);
// False when interval * (max_burst + 1) or interval * quantity exceeds
// kGcraMaxSpanNs (about 31 years): keeps every sum of times in int64.
inline constexpr int64_t kGcraMaxSpanNs = 1'000'000'000'000'000'000;
bool GcraInRange(const GcraParams& p);

// REQUIRES: GcraValid(p).
GcraDecision Gcra(const GcraParams& p, std::optional<int64_t> tat_ns, int64_t now_ns);

// redis-cell's reply rounding of a duration in ns to seconds.
int64_t ToReplySeconds(int64_t ns);

}  // namespace stockd::engine
