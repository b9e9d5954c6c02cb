// engine/token_bucket.cc — see token_bucket.h.
#include "engine/token_bucket.h"

#include <algorithm>
#include <limits>

namespace stockd::engine {

TokenBucket::TokenBucket(int64_t rate_per_second, int64_t burst, int64_t now_ms)
    : rate_(rate_per_second), burst_(burst), last_ms_(now_ms) {
  // Saturate instead of overflowing for absurd bursts.
  const int64_t cap = std::numeric_limits<int64_t>::max() / kScale;
  burst_ = std::min(burst_, cap);
  milli_tokens_ = burst_ * kScale;
}

void TokenBucket::Refill(int64_t now_ms) {
  if (now_ms <= last_ms_) return;
  const int64_t capacity = burst_ * kScale;
  const int64_t elapsed = now_ms - last_ms_;
  last_ms_ = now_ms;
  // rate_ tokens per second == rate_ milli-tokens per millisecond.
  const int64_t room = capacity - milli_tokens_;
  if (elapsed >= room / rate_ + 1) {  // would fill (also avoids elapsed * rate_ overflow)
    milli_tokens_ = capacity;
    return;
  }
  milli_tokens_ = std::min(capacity, milli_tokens_ + elapsed * rate_);
}

bool TokenBucket::CanTake(int64_t now_ms) {
  Refill(now_ms);
  return milli_tokens_ >= kScale;
}

bool TokenBucket::TryTake(int64_t now_ms) {
  Refill(now_ms);
  if (milli_tokens_ < kScale) return false;
  milli_tokens_ -= kScale;
  return true;
}

int64_t TokenBucket::Available(int64_t now_ms) {
  Refill(now_ms);
  return milli_tokens_ / kScale;
}

}  // namespace stockd::engine
