// tests/engine/expiry_test.cc — lazy expiry on access and the active cycle,
// driven by the engine's injectable clock.
#include "tests/engine/engine_test_util.h"

namespace stockd::engine::testing {
namespace {

using ExpiryTest = EngineTest;

TEST_F(ExpiryTest, LazyExpiryAtTheDeadline) {
  Run({"SET", "k", "v", "PX", "100"});
  Advance(100);
  EXPECT_EQ(Run({"GET", "k"}), Bulk("v"));  // expired only when now > deadline (Redis)
  EXPECT_EQ(Run({"PTTL", "k"}), Int(0));
  Advance(1);
  EXPECT_EQ(Run({"DBSIZE"}), Int(1));  // not reclaimed until touched, as Redis
  EXPECT_EQ(Run({"GET", "k"}), kNil);
  EXPECT_EQ(Run({"DBSIZE"}), Int(0));
  EXPECT_EQ(engine_.counters().expired_keys, 1u);
  EXPECT_EQ(engine_.counters().keyspace_misses, 1u);
}

TEST_F(ExpiryTest, ExpiredKeysAreInvisibleEverywhere) {
  Run({"SET", "gone", "1", "EX", "1"});
  Run({"SET", "stay", "2"});
  Advance(1001);
  EXPECT_EQ(Run({"EXISTS", "gone"}), Int(0));
  Run({"SET", "gone2", "1", "EX", "1"});
  Advance(1001);
  EXPECT_EQ(Run({"KEYS", "*"}), BulkArr({"stay"}));
  EXPECT_EQ(Run({"MGET", "gone2", "stay"}), Arr({kNil, Bulk("2")}));
  EXPECT_EQ(Run({"TTL", "gone2"}), Int(-2));
  EXPECT_EQ(Run({"RANDOMKEY"}), Bulk("stay"));
}

TEST_F(ExpiryTest, WritesOnAnExpiredKeyStartFresh) {
  Run({"SET", "n", "10", "PX", "5"});
  Run({"SET", "s", "abc", "PX", "5"});
  Run({"SET", "t", "x", "PX", "5"});
  Advance(6);
  EXPECT_EQ(Run({"INCR", "n"}), Int(1));
  EXPECT_EQ(Run({"TTL", "n"}), Int(-1));
  EXPECT_EQ(Run({"APPEND", "s", "d"}), Int(1));
  EXPECT_EQ(Run({"SET", "t", "y", "KEEPTTL"}), kOk);
  EXPECT_EQ(Run({"GET", "t"}), Bulk("y"));  // the dead TTL was not kept
  EXPECT_EQ(Run({"SETNX", "t", "z"}), Int(0));
  EXPECT_EQ(Run({"RENAME", "t", "u"}), kOk);
}

TEST_F(ExpiryTest, ActiveCycleReclaimsExpiredKeys) {
  for (int i = 0; i < 1000; ++i) Run({"SET", "v" + std::to_string(i), "x", "PX", "100"});
  for (int i = 0; i < 100; ++i) Run({"SET", "p" + std::to_string(i), "x"});
  EXPECT_EQ(engine_.GetKeyspaceInfo(0).expires, 1000u);
  ExpireCycleResult nothing = engine_.ActiveExpireCycle(absl::Seconds(1));
  EXPECT_EQ(nothing.expired, 0u);
  EXPECT_GT(nothing.sampled, 0u);
  Advance(101);
  ExpireCycleResult r = engine_.ActiveExpireCycle(absl::Seconds(5));
  EXPECT_EQ(r.expired, 1000u);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(Run({"DBSIZE"}), Int(100));
  EXPECT_EQ(engine_.counters().expired_keys, 1000u);
  EXPECT_EQ(engine_.GetKeyspaceInfo(0).expires, 0u);
}

TEST_F(ExpiryTest, ActiveCycleWithTinyBudgetResumes) {
  for (int i = 0; i < 2000; ++i) Run({"SET", "v" + std::to_string(i), "x", "PX", "1"});
  Advance(2);
  uint64_t expired = 0;
  for (int i = 0; i < 100000 && expired < 2000; ++i) {
    expired += engine_.ActiveExpireCycle(absl::ZeroDuration()).expired;
  }
  EXPECT_EQ(expired, 2000u);
  EXPECT_EQ(Run({"DBSIZE"}), Int(0));
}

TEST_F(ExpiryTest, ActiveCycleLeavesLiveVolatileKeys) {
  for (int i = 0; i < 100; ++i) Run({"SET", "v" + std::to_string(i), "x", "EX", "100"});
  Advance(1000);
  engine_.ActiveExpireCycle(absl::Seconds(1));
  EXPECT_EQ(Run({"DBSIZE"}), Int(100));
  EXPECT_EQ(Run({"TTL", "v7"}), Int(99));
}

TEST_F(ExpiryTest, KeyspaceInfo) {
  EXPECT_EQ(engine_.GetKeyspaceInfo(0).keys, 0u);
  for (int i = 0; i < 10; ++i) Run({"SET", "p" + std::to_string(i), "x"});
  for (int i = 0; i < 10; ++i) Run({"SET", "v" + std::to_string(i), "x", "PX", "10000"});
  KeyspaceInfo info = engine_.GetKeyspaceInfo(0);
  EXPECT_EQ(info.keys, 20u);
  EXPECT_EQ(info.expires, 10u);
  EXPECT_EQ(info.avg_ttl_ms, 10000);
  Advance(4000);
  EXPECT_EQ(engine_.GetKeyspaceInfo(0).avg_ttl_ms, 6000);
  EXPECT_EQ(engine_.GetKeyspaceInfo(1).keys, 0u);
  EXPECT_EQ(engine_.GetKeyspaceInfo(99).keys, 0u);
}

TEST_F(ExpiryTest, VolatileIndexSurvivesChurn) {
  // Add, change and remove TTLs in a pattern that moves entries inside the
  // dense volatile vector; the count must stay exact.
  for (int i = 0; i < 200; ++i) Run({"SET", "k" + std::to_string(i), "x", "EX", "100"});
  for (int i = 0; i < 200; i += 3) Run({"PERSIST", "k" + std::to_string(i)});
  for (int i = 1; i < 200; i += 3) Run({"DEL", "k" + std::to_string(i)});
  for (int i = 2; i < 200; i += 3) Run({"EXPIRE", "k" + std::to_string(i), "5"});
  uint64_t expect = 0;
  for (int i = 2; i < 200; i += 3) ++expect;
  EXPECT_EQ(engine_.GetKeyspaceInfo(0).expires, expect);
  Advance(5001);
  engine_.ActiveExpireCycle(absl::Seconds(5));
  EXPECT_EQ(engine_.GetKeyspaceInfo(0).expires, 0u);
  EXPECT_EQ(Run({"DBSIZE"}), Int(67));  // the persisted ones
}

}  // namespace
}  // namespace stockd::engine::testing
