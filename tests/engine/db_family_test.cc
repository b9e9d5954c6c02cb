// tests/engine/db_family_test.cc — engine/db_family.cc: SELECT DBSIZE FLUSHDB
// FLUSHALL SWAPDB MEMORY.
#include "tests/engine/engine_test_util.h"

namespace stockd::engine::testing {
namespace {

using DbFamilyTest = EngineTest;

TEST_F(DbFamilyTest, SelectIsolatesDatabases) {
  Run({"SET", "k", "db0"});
  EXPECT_EQ(Run({"SELECT", "5"}), kOk);
  EXPECT_EQ(session_.db, 5);
  EXPECT_EQ(Run({"GET", "k"}), kNil);
  Run({"SET", "k", "db5"});
  EXPECT_EQ(Run({"SELECT", "0"}), kOk);
  EXPECT_EQ(Run({"GET", "k"}), Bulk("db0"));
  EXPECT_EQ(Run({"SELECT", "16"}), Err("ERR DB index is out of range"));
  EXPECT_EQ(Run({"SELECT", "-1"}), Err("ERR DB index is out of range"));
  EXPECT_EQ(Run({"SELECT", "x"}), Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(Run({"SELECT", "1.5"}), Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(session_.db, 0);
}

TEST_F(DbFamilyTest, DbSizeFlushDbFlushAll) {
  Run({"MSET", "a", "1", "b", "2", "c", "3"});
  Run({"SELECT", "1"});
  Run({"SET", "x", "1", "EX", "10"});
  EXPECT_EQ(Run({"DBSIZE"}), Int(1));
  Run({"SELECT", "0"});
  EXPECT_EQ(Run({"DBSIZE"}), Int(3));
  EXPECT_EQ(Run({"FLUSHDB", "foo"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"FLUSHDB", "ASYNC", "x"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"FLUSHDB", "sync"}), kOk);
  EXPECT_EQ(Run({"DBSIZE"}), Int(0));
  Run({"SELECT", "1"});
  EXPECT_EQ(Run({"DBSIZE"}), Int(1));
  EXPECT_EQ(Run({"FLUSHALL", "ASYNC"}), kOk);
  EXPECT_EQ(Run({"DBSIZE"}), Int(0));
  EXPECT_EQ(engine_.GetKeyspaceInfo(1).expires, 0u);
  // The keyspace still works after a flush.
  EXPECT_EQ(Run({"SET", "x", "2", "EX", "10"}), kOk);
  EXPECT_EQ(Run({"TTL", "x"}), Int(10));
}

TEST_F(DbFamilyTest, SwapDb) {
  Run({"SET", "a", "0", "EX", "100"});
  Run({"SELECT", "1"});
  Run({"SET", "b", "1"});
  EXPECT_EQ(Run({"SWAPDB", "0", "1"}), kOk);
  EXPECT_EQ(Run({"GET", "a"}), Bulk("0"));
  EXPECT_EQ(Run({"TTL", "a"}), Int(100));
  EXPECT_EQ(Run({"GET", "b"}), kNil);
  Run({"SELECT", "0"});
  EXPECT_EQ(Run({"GET", "b"}), Bulk("1"));
  EXPECT_EQ(Run({"EXPIRE", "b", "5"}), Int(1));  // volatile index moved with the data
  EXPECT_EQ(engine_.GetKeyspaceInfo(0).expires, 1u);
  EXPECT_EQ(Run({"SWAPDB", "0", "0"}), kOk);
  EXPECT_EQ(Run({"SWAPDB", "0", "99"}), Err("ERR DB index is out of range"));
  EXPECT_EQ(Run({"SWAPDB", "x", "0"}), Err("ERR invalid first DB index"));
  EXPECT_EQ(Run({"SWAPDB", "0", "x"}), Err("ERR invalid second DB index"));
}

TEST_F(DbFamilyTest, MemoryUsage) {
  EXPECT_EQ(Run({"MEMORY", "USAGE", "nope"}), kNil);
  Run({"SET", "small", "v"});
  Run({"SET", "large", std::string(1000, 'x')});
  auto usage = [&](std::string_view key) {
    std::string r = Run({"MEMORY", "USAGE", key});
    EXPECT_EQ(r[0], ':') << r;
    return std::stoll(r.substr(1));
  };
  EXPECT_GT(usage("small"), 32);
  EXPECT_GT(usage("large"), 1000);
  EXPECT_LT(usage("large"), 1200);
  EXPECT_EQ(Run({"MEMORY", "USAGE", "small", "SAMPLES", "5"}).substr(0, 1), ":");
  EXPECT_EQ(Run({"MEMORY", "USAGE", "small", "SAMPLES", "-1"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"MEMORY", "USAGE", "small", "FOO"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"MEMORY", "NOPE"}), Err("ERR unknown subcommand 'NOPE'. Try MEMORY HELP."));
  EXPECT_EQ(Run({"MEMORY", "HELP"}).substr(0, 4), "*6\r\n");
}

}  // namespace
}  // namespace stockd::engine::testing
