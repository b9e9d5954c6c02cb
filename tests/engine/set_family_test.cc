// tests/engine/set_family_test.cc — engine/set_family.cc, reply by reply
// (expected bytes checked against redis-server 7.0.15).
#include <random>
#include <set>

#include "engine/args.h"
#include "engine/types/set.h"
#include "tests/engine/engine_test_util.h"

namespace stockd::engine::testing {
namespace {

using SetFamilyTest = EngineTest;
const std::string kWrongType = Err("WRONGTYPE Operation against a key holding the wrong kind of value");

// The container against a std::set model: integers first (intset), then
// strings (converted to hashtable); removal by member and by position (SPOP's
// swap-with-last), and a clone that must not share member storage.
TEST(SetObjectTest, MatchesAModelAcrossConversionAndPositionalRemoval) {
  auto st = SetObject::ForFirst("1");
  std::set<std::string> model;
  std::mt19937 rng(5);
  char buf[kIntBufferSize];
  for (int i = 0; i < 20000; ++i) {
    std::string m = i < 3000 ? std::to_string(rng() % 400) : "member:" + std::to_string(rng() % 700);
    const int op = static_cast<int>(rng() % 5);
    if (op <= 1) {
      ASSERT_EQ(st->Add(m), model.insert(m).second) << m;
    } else if (op == 2) {
      ASSERT_EQ(st->Remove(m), model.erase(m) == 1) << m;
    } else if (op == 3 && !st->empty()) {
      const size_t pos = rng() % st->size();
      std::string victim(st->At(pos, buf));
      ASSERT_EQ(model.erase(victim), 1u) << victim;
      st->RemoveAt(pos);
      ASSERT_FALSE(st->Contains(victim));
    } else {
      ASSERT_EQ(st->Contains(m), model.count(m) == 1) << m;
    }
    ASSERT_EQ(st->size(), model.size());
  }
  EXPECT_FALSE(st->is_intset());
  std::set<std::string> seen;
  for (size_t i = 0; i < st->size(); ++i) seen.emplace(st->At(i, buf));
  EXPECT_EQ(seen, model);
  std::unique_ptr<Object> copy = st->Clone();
  auto* c = static_cast<SetObject*>(copy.get());
  while (!st->empty()) st->RemoveAt(0);
  std::set<std::string> cloned;
  c->ForEach([&](std::string_view m) { cloned.emplace(m); });
  EXPECT_EQ(cloned, model);
}

TEST_F(SetFamilyTest, AddRemMembers) {
  EXPECT_EQ(Run({"SADD", "s", "3", "1", "2", "1"}), Int(3));
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "s"}), Bulk("intset"));
  EXPECT_EQ(Run({"SMEMBERS", "s"}), BulkArr({"1", "2", "3"}));  // intset: ascending
  EXPECT_EQ(Run({"SCARD", "s"}), Int(3));
  EXPECT_EQ(Run({"SISMEMBER", "s", "2"}), Int(1));
  EXPECT_EQ(Run({"SISMEMBER", "s", "02"}), Int(0));
  EXPECT_EQ(Run({"SMISMEMBER", "s", "1", "x", "3"}), Arr({Int(1), Int(0), Int(1)}));
  EXPECT_EQ(Run({"SMISMEMBER", "nope", "1"}), Arr({Int(0)}));
  EXPECT_EQ(Run({"SADD", "s", "a"}), Int(1));
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "s"}), Bulk("hashtable"));
  EXPECT_EQ(Run({"SISMEMBER", "s", "2"}), Int(1));
  EXPECT_EQ(Run({"SREM", "s", "1", "2", "zz"}), Int(2));
  EXPECT_EQ(Run({"SCARD", "s"}), Int(2));
  EXPECT_EQ(Run({"SREM", "s", "3", "a"}), Int(2));
  EXPECT_EQ(Run({"EXISTS", "s"}), Int(0));
  EXPECT_EQ(Run({"SREM", "s", "3"}), Int(0));
  EXPECT_EQ(Run({"SMEMBERS", "s"}), "*0\r\n");
  EXPECT_EQ(Run({"SCARD", "s"}), Int(0));
  EXPECT_EQ(Run({"SADD", "t", "x"}), Int(1));
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "t"}), Bulk("hashtable"));
  EXPECT_EQ(Run({"TYPE", "t"}), Status("set"));
}

TEST_F(SetFamilyTest, IntsetThreshold) {
  std::vector<std::string> cmd = {"SADD", "s"};
  for (int i = 0; i < 512; ++i) cmd.push_back(std::to_string(i));
  EXPECT_EQ(Run(cmd), Int(512));
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "s"}), Bulk("intset"));
  EXPECT_EQ(Run({"SADD", "s", "512"}), Int(1));
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "s"}), Bulk("hashtable"));
  EXPECT_EQ(Run({"SCARD", "s"}), Int(513));
  EXPECT_EQ(Run({"SISMEMBER", "s", "300"}), Int(1));
}

TEST_F(SetFamilyTest, WrongType) {
  Run({"SET", "str", "v"});
  Run({"SADD", "s", "1"});
  for (auto cmd : std::vector<std::vector<std::string>>{
           {"SADD", "str", "a"}, {"SREM", "str", "a"}, {"SISMEMBER", "str", "a"},
           {"SMISMEMBER", "str", "a"}, {"SMEMBERS", "str"}, {"SCARD", "str"}, {"SPOP", "str"},
           {"SRANDMEMBER", "str"}, {"SMOVE", "str", "s", "a"}, {"SMOVE", "s", "str", "1"},
           {"SINTER", "nope", "str"}, {"SUNION", "s", "str"}, {"SDIFF", "s", "str"},
           {"SINTERSTORE", "d", "s", "str"}, {"SINTERCARD", "2", "s", "str"}, {"SSCAN", "str", "0"}}) {
    EXPECT_EQ(Run(cmd), kWrongType) << cmd[0];
  }
  EXPECT_EQ(Run({"SMOVE", "nope", "str", "1"}), Int(0));  // a missing source wins
}

// A reply with repetitions is not bounded by the set: past kMaxRepeatedCount
// it is refused (Redis 7.0 would build it until memory runs out), and the
// shard serves on. A missing key still answers an empty array, as in Redis.
TEST_F(SetFamilyTest, RandomMemberRefusesUnboundedRepetitions) {
  EXPECT_EQ(Run({"SRANDMEMBER", "s", "-4611686018427387905"}), "*0\r\n");
  Run({"SADD", "s", "a", "b"});
  // (The bound first: without it the next line would not return.)
  ASSERT_EQ(Run({"SRANDMEMBER", "s", std::to_string(-kMaxRepeatedCount - 1)}), Err("ERR value is out of range"));
  EXPECT_EQ(Run({"SRANDMEMBER", "s", "-4611686018427387905"}), Err("ERR value is out of range"));
  EXPECT_EQ(Run({"SRANDMEMBER", "s", "-1000"}).substr(0, 7), "*1000\r\n");
  EXPECT_EQ(Run({"SCARD", "s"}), Int(2));
}

TEST_F(SetFamilyTest, PopAndRandom) {
  EXPECT_EQ(Run({"SPOP", "s"}), kNil);
  EXPECT_EQ(Run({"SPOP", "s", "2"}), "*0\r\n");
  EXPECT_EQ(Run({"SRANDMEMBER", "s"}), kNil);
  EXPECT_EQ(Run({"SRANDMEMBER", "s", "2"}), "*0\r\n");
  Run({"SADD", "s", "a", "b", "c", "d"});
  EXPECT_EQ(Run({"SPOP", "s", "-1"}), Err("ERR value is out of range, must be positive"));
  EXPECT_EQ(Run({"SPOP", "s", "x"}), Err("ERR value is out of range, must be positive"));
  EXPECT_EQ(Run({"SPOP", "s", "1", "2"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"SRANDMEMBER", "s", "x"}), Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(Run({"SRANDMEMBER", "s", "-9223372036854775808"}),
            Err("ERR value is out of range, value must between -9223372036854775807 and "
                "9223372036854775807"));
  EXPECT_EQ(Run({"SPOP", "s", "0"}), "*0\r\n");
  EXPECT_EQ(Run({"SRANDMEMBER", "s", "0"}), "*0\r\n");
  EXPECT_EQ(Run({"SRANDMEMBER", "s", "-7"}).substr(0, 4), "*7\r\n");
  std::string two = Run({"SRANDMEMBER", "s", "2"});
  EXPECT_EQ(two.substr(0, 4), "*2\r\n");
  EXPECT_NE(two.substr(4, 7), two.substr(11, 7));
  EXPECT_EQ(Run({"SRANDMEMBER", "s", "9"}).substr(0, 4), "*4\r\n");
  std::set<std::string> popped;
  std::string r = Run({"SPOP", "s", "3"});
  ASSERT_EQ(r.substr(0, 4), "*3\r\n");
  EXPECT_EQ(Run({"SCARD", "s"}), Int(1));
  r = Run({"SPOP", "s"});
  EXPECT_EQ(r.size(), 7u);
  EXPECT_EQ(Run({"EXISTS", "s"}), Int(0));
  Run({"SADD", "s", "1", "2"});
  EXPECT_EQ(Run({"SPOP", "s", "5"}), BulkArr({"1", "2"}));
  EXPECT_EQ(Run({"EXISTS", "s"}), Int(0));
  session_.resp = 3;
  EXPECT_EQ(Run({"SPOP", "s", "5"}), "~0\r\n");
  EXPECT_EQ(Run({"SRANDMEMBER", "s", "5"}), "*0\r\n");
}

TEST_F(SetFamilyTest, RandMemberDistinctOnBigSet) {
  for (int i = 0; i < 1000; ++i) Run({"SADD", "big", "m" + std::to_string(i)});
  for (const char* count : {"10", "900"}) {  // sparse draw and shuffle paths
    std::string r = Run({"SRANDMEMBER", "big", count});
    const size_t n = std::stoul(count);
    ASSERT_EQ(r.substr(0, r.find("\r\n")), "*" + std::string(count));
    std::set<std::string> distinct;
    size_t q = r.find("\r\n") + 2;
    while (q < r.size()) {
      size_t len_end = r.find("\r\n", q);
      size_t len = std::stoul(r.substr(q + 1, len_end - q - 1));
      distinct.insert(r.substr(len_end + 2, len));
      q = len_end + 2 + len + 2;
    }
    EXPECT_EQ(distinct.size(), n);
    for (const auto& m : distinct) EXPECT_EQ(Run({"SISMEMBER", "big", m}), Int(1)) << m;
  }
}

TEST_F(SetFamilyTest, Move) {
  Run({"SADD", "a", "1", "2"});
  EXPECT_EQ(Run({"SMOVE", "a", "b", "1"}), Int(1));
  EXPECT_EQ(Run({"SMOVE", "a", "b", "9"}), Int(0));
  EXPECT_EQ(Run({"SMOVE", "a", "a", "2"}), Int(1));
  EXPECT_EQ(Run({"SMOVE", "a", "a", "9"}), Int(0));
  EXPECT_EQ(Run({"SMOVE", "a", "b", "2"}), Int(1));
  EXPECT_EQ(Run({"EXISTS", "a"}), Int(0));
  EXPECT_EQ(Run({"SMEMBERS", "b"}), BulkArr({"1", "2"}));
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "b"}), Bulk("intset"));
}

TEST_F(SetFamilyTest, Algebra) {
  Run({"SADD", "a", "1", "2", "3", "4"});
  Run({"SADD", "b", "2", "3", "5"});
  Run({"SADD", "c", "3", "x"});
  EXPECT_EQ(Run({"SINTER", "a", "b"}), BulkArr({"2", "3"}));
  EXPECT_EQ(Run({"SINTER", "a", "b", "c"}), BulkArr({"3"}));
  EXPECT_EQ(Run({"SINTER", "a", "nope"}), "*0\r\n");
  EXPECT_EQ(Run({"SDIFF", "a", "b"}), BulkArr({"1", "4"}));
  EXPECT_EQ(Run({"SDIFF", "a", "nope"}), BulkArr({"1", "2", "3", "4"}));
  EXPECT_EQ(Run({"SDIFF", "nope", "a"}), "*0\r\n");
  EXPECT_EQ(Run({"SUNION", "a", "b"}), BulkArr({"1", "2", "3", "4", "5"}));
  EXPECT_EQ(Run({"SINTERSTORE", "d", "a", "b"}), Int(2));
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "d"}), Bulk("intset"));
  EXPECT_EQ(Run({"SUNIONSTORE", "d", "a", "c"}), Int(5));
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "d"}), Bulk("hashtable"));
  EXPECT_EQ(Run({"SDIFFSTORE", "d", "a", "a"}), Int(0));
  EXPECT_EQ(Run({"EXISTS", "d"}), Int(0));
  Run({"SET", "d", "string"});
  EXPECT_EQ(Run({"SINTERSTORE", "d", "a", "b"}), Int(2));  // overwrites any type
  EXPECT_EQ(Run({"SINTERSTORE", "d", "a", "nope"}), Int(0));
  EXPECT_EQ(Run({"EXISTS", "d"}), Int(0));
  EXPECT_EQ(Run({"SINTERSTORE", "a", "a", "b"}), Int(2));  // a source may be the destination
  EXPECT_EQ(Run({"SMEMBERS", "a"}), BulkArr({"2", "3"}));
  EXPECT_EQ(Run({"SINTERCARD", "2", "a", "b"}), Int(2));
  EXPECT_EQ(Run({"SINTERCARD", "2", "a", "b", "LIMIT", "1"}), Int(1));
  EXPECT_EQ(Run({"SINTERCARD", "2", "a", "b", "LIMIT", "0"}), Int(2));
  EXPECT_EQ(Run({"SINTERCARD", "1", "nope"}), Int(0));
  EXPECT_EQ(Run({"SINTERCARD", "0", "a"}), Err("ERR numkeys should be greater than 0"));
  EXPECT_EQ(Run({"SINTERCARD", "x", "a"}), Err("ERR numkeys should be greater than 0"));
  EXPECT_EQ(Run({"SINTERCARD", "3", "a", "b"}),
            Err("ERR Number of keys can't be greater than number of args"));
  EXPECT_EQ(Run({"SINTERCARD", "1", "a", "LIMIT", "-1"}), Err("ERR LIMIT can't be negative"));
  EXPECT_EQ(Run({"SINTERCARD", "1", "a", "LIMIT"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"SINTERCARD", "1", "a", "FOO", "1"}), Err("ERR syntax error"));
  session_.resp = 3;
  EXPECT_EQ(Run({"SINTER", "a", "b"}), "~2\r\n" + Bulk("2") + Bulk("3"));
  EXPECT_EQ(Run({"SMEMBERS", "nope"}), "~0\r\n");
}

TEST_F(SetFamilyTest, Scan) {
  Run({"SADD", "s", "1", "2", "3"});
  EXPECT_EQ(Run({"SSCAN", "s", "0", "COUNT", "1"}), Arr({Bulk("0"), BulkArr({"1", "2", "3"})}));
  EXPECT_EQ(Run({"SSCAN", "s", "0", "MATCH", "2"}), Arr({Bulk("0"), BulkArr({"2"})}));
  EXPECT_EQ(Run({"SSCAN", "nope", "0"}), Arr({Bulk("0"), "*0\r\n"}));
  for (int i = 0; i < 100; ++i) Run({"SADD", "big", "m" + std::to_string(i)});
  std::multiset<std::string> seen;
  std::string cursor = "0";
  int calls = 0;
  do {
    std::string r = Run({"SSCAN", "big", cursor, "COUNT", "10"});
    size_t start = r.find("\r\n", 4) + 2;
    size_t p = r.find("\r\n", start);
    cursor = r.substr(start, p - start);
    size_t q = r.find("\r\n", p + 2) + 2;
    while (q < r.size()) {
      size_t len_end = r.find("\r\n", q);
      size_t len = std::stoul(r.substr(q + 1, len_end - q - 1));
      seen.insert(r.substr(len_end + 2, len));
      q = len_end + 2 + len + 2;
    }
    ASSERT_LT(++calls, 200);
  } while (cursor != "0");
  EXPECT_GT(calls, 5);
  EXPECT_EQ(seen.size(), 100u);
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 100u);
}

}  // namespace
}  // namespace stockd::engine::testing
