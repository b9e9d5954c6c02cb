// engine/token_bucket.h — the admission bucket of STOCK.SET ... RATE r BURST b.
//
// Contract:
//  * Holds at most `burst` tokens and gains `rate` tokens per second,
//    continuously (kept in thousandths of a token, so a refill of 1 token per
//    second is exact at millisecond resolution). It starts full.
//  * TryTake(now_ms) refills for the time since the last call, then takes one
//    token if there is a whole one. The clock is the caller's (the engine's
//    injectable EngineOptions::clock via CommandContext::now_ms), so tests move
//    time by hand. A clock that goes backwards refills nothing.
//  * Not thread-safe: a bucket lives in its key's side state and is guarded by
//    the key's shard lock.
#pragma once

#include <cstdint>

namespace stockd::engine {

class TokenBucket {
 public:
  // REQUIRES: rate > 0, burst > 0.
  TokenBucket(int64_t rate_per_second, int64_t burst, int64_t now_ms);

  // Refills, then takes one token if available. True when admitted.
  bool TryTake(int64_t now_ms);
  // Refills; true when a whole token is available (takes nothing).
  bool CanTake(int64_t now_ms);
  // Takes one token. REQUIRES: CanTake() was true under the same lock hold.
  void Take() { milli_tokens_ -= kScale; }
  // Whole tokens available at now_ms (refills; for tests and introspection).
  int64_t Available(int64_t now_ms);

  int64_t rate() const { return rate_; }
  int64_t burst() const { return burst_; }

 private:
  static constexpr int64_t kScale = 1000;  // milli-tokens per token
  void Refill(int64_t now_ms);

  int64_t rate_;
  int64_t burst_;
  int64_t milli_tokens_;  // tokens * kScale, <= burst_ * kScale
  int64_t last_ms_;
};

}  // namespace stockd::engine
