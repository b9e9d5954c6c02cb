// The rate limiters: GCRA (CL.THROTTLE) against redis-cell's own test vectors
// and through the command, and the admission token bucket of STOCK.SET ...
// RATE with a clock the test moves.
#include <optional>
#include <string>

#include "engine/gcra.h"
#include "engine/token_bucket.h"
#include "tests/engine/engine_test_util.h"

namespace stockd::engine::testing {
namespace {

constexpr int64_t kSec = 1'000'000'000;
constexpr int64_t kMs = 1'000'000;

// redis-cell's `it_rate_limits` table (redis-cell-impl/src/lib.rs): limit 5
// (max_burst 4) at one per second; (now offset, quantity) → (limited,
// remaining, reset_after, retry_after). The TAT is carried from case to case
// exactly as redis-cell's store keeps it.
TEST(GcraTest, RedisCellVectors) {
  struct Case {
    int64_t at_ms, quantity;
    bool limited;
    int64_t remaining, reset_after_ns, retry_after_ns;
  };
  const Case cases[] = {
      {0, 6, true, 5, 0, -kSec},  // never more than the maximum
      {0, 1, false, 4, 1 * kSec, -kSec},
      {0, 1, false, 3, 2 * kSec, -kSec},
      {0, 1, false, 2, 3 * kSec, -kSec},
      {0, 1, false, 1, 4 * kSec, -kSec},
      {0, 1, false, 0, 5 * kSec, -kSec},
      {0, 1, true, 0, 5 * kSec, 1 * kSec},
      {3000, 1, false, 2, 3000 * kMs, -kSec},
      {3100, 1, false, 1, 3900 * kMs, -kSec},
      {4000, 1, false, 1, 4000 * kMs, -kSec},
      {8000, 1, false, 4, 1000 * kMs, -kSec},
      {9500, 1, false, 4, 1000 * kMs, -kSec},
      {9500, 0, false, 4, 1 * kSec, -kSec},  // quantity 0 peeks
      {9500, 2, false, 2, 3 * kSec, -kSec},
      {9500, 5, true, 2, 3 * kSec, 3 * kSec},
  };
  const int64_t start = 1700000000000LL * kMs;
  std::optional<int64_t> tat;
  int n = 0;
  for (const Case& c : cases) {
    SCOPED_TRACE(n++);
    GcraParams p{.max_burst = 4, .count = 1, .period_s = 1, .quantity = c.quantity};
    ASSERT_TRUE(GcraValid(p));
    const int64_t now = start + c.at_ms * kMs;
    // redis-cell's key expires when its TTL passes.
    GcraDecision d = Gcra(p, tat, now);
    EXPECT_EQ(d.limited, c.limited);
    EXPECT_EQ(d.limit, 5);
    EXPECT_EQ(d.remaining, c.remaining);
    EXPECT_EQ(d.reset_after_ns, c.reset_after_ns);
    EXPECT_EQ(d.retry_after_ns, c.retry_after_ns);
    if (d.store) tat = d.new_tat_ns;
  }
}

TEST(GcraTest, ZeroRatesAreInvalid) {
  EXPECT_FALSE(GcraValid({.max_burst = 1, .count = 0, .period_s = 1}));
  EXPECT_FALSE(GcraValid({.max_burst = 1, .count = 1, .period_s = 0}));
  EXPECT_FALSE(GcraValid({.max_burst = -1, .count = 1, .period_s = 1}));
  // Interval = 60 s / 7, truncated to whole ns as redis-cell's f64 division.
  GcraDecision d = Gcra({.max_burst = 0, .count = 7, .period_s = 60, .quantity = 1}, std::nullopt, 0);
  EXPECT_EQ(d.reset_after_ns, 8571428571);
}

TEST(GcraTest, ReplyRoundingUpOnlyOnAMillisecondRemainder) {
  EXPECT_EQ(ToReplySeconds(-kSec), -1);
  EXPECT_EQ(ToReplySeconds(0), 0);
  EXPECT_EQ(ToReplySeconds(2 * kSec), 2);
  EXPECT_EQ(ToReplySeconds(2 * kSec + 1 * kMs), 3);
  EXPECT_EQ(ToReplySeconds(2 * kSec + 999'999), 2);  // sub-millisecond: dropped
  EXPECT_EQ(ToReplySeconds(500 * kMs), 1);
  EXPECT_EQ(ToReplySeconds(-2 * kSec - 500 * kMs), -2);
}

using ThrottleTest = EngineTest;

TEST_F(ThrottleTest, ThrottleFollowsRedisCell) {
  // 5 requests (max_burst 4) per 5 s: one per second.
  const std::string kLimited = "*5\r\n:1\r\n:5\r\n:0\r\n:1\r\n:5\r\n";
  EXPECT_EQ(Run({"CL.THROTTLE", "t", "4", "5", "5"}), "*5\r\n:0\r\n:5\r\n:4\r\n:-1\r\n:1\r\n");
  EXPECT_EQ(Run({"CL.THROTTLE", "t", "4", "5", "5"}), "*5\r\n:0\r\n:5\r\n:3\r\n:-1\r\n:2\r\n");
  EXPECT_EQ(Run({"CL.THROTTLE", "t", "4", "5", "5", "3"}), "*5\r\n:0\r\n:5\r\n:0\r\n:-1\r\n:5\r\n");
  EXPECT_EQ(Run({"CL.THROTTLE", "t", "4", "5", "5"}), kLimited);
  EXPECT_EQ(Run({"TTL", "t"}), Int(5));  // the key lives until the bucket is full again
  Advance(1500);
  // 1.5 s later one unit leaked: allowed, reset 4.5 s → 5 (rounded up).
  EXPECT_EQ(Run({"CL.THROTTLE", "t", "4", "5", "5"}), "*5\r\n:0\r\n:5\r\n:0\r\n:-1\r\n:5\r\n");
  // Limited: retry after 0.5 s → 1.
  EXPECT_EQ(Run({"CL.THROTTLE", "t", "4", "5", "5"}), "*5\r\n:1\r\n:5\r\n:0\r\n:1\r\n:5\r\n");
  // quantity 0 peeks without storing.
  EXPECT_EQ(Run({"CL.THROTTLE", "t", "4", "5", "5", "0"}), "*5\r\n:0\r\n:5\r\n:0\r\n:-1\r\n:5\r\n");
  // A quantity above the limit is refused with retry-after -1.
  EXPECT_EQ(Run({"CL.THROTTLE", "u", "4", "5", "5", "6"}), "*5\r\n:1\r\n:5\r\n:5\r\n:-1\r\n:0\r\n");
  EXPECT_EQ(Run({"EXISTS", "u"}), Int(0));
  Advance(10000);
  EXPECT_EQ(Run({"EXISTS", "t"}), Int(0));  // expired with its TTL
}

TEST_F(ThrottleTest, ThrottleErrors) {
  EXPECT_EQ(Run({"CL.THROTTLE", "t", "4", "5"}), Err("ERR wrong number of arguments for 'cl.throttle' command"));
  EXPECT_EQ(Run({"CL.THROTTLE", "t", "4", "5", "5", "1", "x"}),
            Err("ERR wrong number of arguments for 'cl.throttle' command"));
  EXPECT_EQ(Run({"CL.THROTTLE", "t", "x", "5", "5"}), Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(Run({"CL.THROTTLE", "t", "4", "0", "5"}), Err("ERR zero rates are not supported"));
  EXPECT_EQ(Run({"CL.THROTTLE", "t", "4", "5", "0"}), Err("ERR zero rates are not supported"));
  EXPECT_EQ(Run({"CL.THROTTLE", "t", "-1", "5", "5"}), Err("ERR max_burst and quantity must not be negative"));
  EXPECT_EQ(Run({"CL.THROTTLE", "t", "9223372036854775807", "1", "1"}),
            Err("ERR max_burst or quantity is too large for the rate"));
  EXPECT_EQ(Run({"CL.THROTTLE", "t", "1", "1", "1", "9223372036854775807"}),
            Err("ERR max_burst or quantity is too large for the rate"));
  EXPECT_EQ(Run({"EXISTS", "t"}), Int(0));
  // A TAT far in the future (someone SET the key) stays computable.
  EXPECT_EQ(Run({"SET", "far", "9223372036854775807"}), kOk);
  EXPECT_EQ(Run({"CL.THROTTLE", "far", "1", "1", "1"}).substr(0, 8), "*5\r\n:1\r\n");
  EXPECT_EQ(Run({"SET", "s", "abc"}), kOk);
  EXPECT_EQ(Run({"CL.THROTTLE", "s", "4", "5", "5"}), Err("ERR value is not an integer or out of range"));
  PlantList("l");
  EXPECT_EQ(Run({"CL.THROTTLE", "l", "4", "5", "5"}),
            Err("WRONGTYPE Operation against a key holding the wrong kind of value"));
}

TEST(TokenBucketTest, ExactRefillAtMillisecondResolution) {
  TokenBucket b(3, 2, 1000);  // 3/s, burst 2, full at t=1000
  EXPECT_EQ(b.Available(1000), 2);
  EXPECT_TRUE(b.TryTake(1000));
  EXPECT_TRUE(b.TryTake(1000));
  EXPECT_FALSE(b.TryTake(1000));
  EXPECT_FALSE(b.TryTake(1333));  // 0.999 tokens
  EXPECT_TRUE(b.TryTake(1334));   // 1.002
  EXPECT_FALSE(b.TryTake(1500));
  EXPECT_EQ(b.Available(1000), 0);  // the clock going back refills nothing
  EXPECT_FALSE(b.CanTake(1600));     // 0.8 tokens
  EXPECT_TRUE(b.CanTake(1667));      // 1.001: a check takes nothing ...
  EXPECT_TRUE(b.CanTake(1667));
  b.Take();                          // ... Take does
  EXPECT_FALSE(b.CanTake(1667));
  EXPECT_EQ(b.Available(100000000), 2);
  TokenBucket huge(1000000000, 1000000000000LL, 0);
  EXPECT_TRUE(huge.TryTake(INT64_MAX / 2));  // no overflow on a long gap
}

}  // namespace
}  // namespace stockd::engine::testing
