// tests/engine/sort_family_test.cc — SORT and SORT_RO (engine/sort_family.cc):
// numeric and ALPHA order, DESC, LIMIT's clamping, BY weights from string keys
// and hash fields, GET patterns, BY nosort on lists and sorted sets, STORE,
// the errors, the key specs (STORE's destination is a key), and SORT ... BY
// reading its weights atomically while other threads rewrite them.
#include <atomic>
#include <chrono>
#include <thread>

#include "engine/command.h"
#include "tests/engine/engine_test_util.h"

namespace stockd::engine::testing {
namespace {

using SortFamilyTest = EngineTest;
const std::string kWrongType = Err("WRONGTYPE Operation against a key holding the wrong kind of value");
const std::string kNotDouble = Err("ERR One or more scores can't be converted into double");

TEST_F(SortFamilyTest, NumericIsTheDefaultWithTiesInByteOrder) {
  Run({"RPUSH", "l", "10", "2", "-1.5", "2.0", "1e1", "3"});
  // 10 and 1e1 tie numerically, as do 2 and 2.0: their bytes break the tie.
  EXPECT_EQ(Run({"SORT", "l"}), BulkArr({"-1.5", "2", "2.0", "3", "10", "1e1"}));
  EXPECT_EQ(Run({"SORT", "l", "DESC"}), BulkArr({"1e1", "10", "3", "2.0", "2", "-1.5"}));
  EXPECT_EQ(Run({"SORT", "l", "ALPHA"}), BulkArr({"-1.5", "10", "1e1", "2", "2.0", "3"}));
  EXPECT_EQ(Run({"SORT", "l", "alpha", "desc"}), BulkArr({"3", "2.0", "2", "1e1", "10", "-1.5"}));
  // The last of ASC/DESC wins.
  EXPECT_EQ(Run({"SORT", "l", "DESC", "ASC"}), Run({"SORT", "l"}));
  // Sets and sorted sets sort their members the same way.
  Run({"SADD", "s", "5", "-2", "40"});
  EXPECT_EQ(Run({"SORT", "s"}), BulkArr({"-2", "5", "40"}));
  Run({"ZADD", "z", "1", "b", "2", "a"});
  EXPECT_EQ(Run({"SORT", "z", "ALPHA"}), BulkArr({"a", "b"}));
}

TEST_F(SortFamilyTest, WeightsMustBeDoubles) {
  Run({"RPUSH", "l", "1", "x"});
  EXPECT_EQ(Run({"SORT", "l"}), kNotDouble);
  EXPECT_EQ(Run({"SORT", "l", "STORE", "d"}), kNotDouble);
  EXPECT_EQ(Run({"EXISTS", "d"}), Int(0));
  Run({"DEL", "l"});
  Run({"RPUSH", "l", "inf", "nan"});
  EXPECT_EQ(Run({"SORT", "l"}), kNotDouble);  // NaN is refused
  Run({"DEL", "l"});
  Run({"RPUSH", "l", "1e400"});
  EXPECT_EQ(Run({"SORT", "l"}), kNotDouble);  // out of range
  Run({"DEL", "l"});
  // strtod's reading: leading blanks, hex, infinities and "" (0) are numbers.
  Run({"RPUSH", "l", " 5", "0x10", "-inf", ""});
  EXPECT_EQ(Run({"SORT", "l"}), BulkArr({"-inf", "", " 5", "0x10"}));
}

TEST_F(SortFamilyTest, LimitClampsAsRedis) {
  Run({"RPUSH", "l", "5", "4", "3", "2", "1"});
  EXPECT_EQ(Run({"SORT", "l", "LIMIT", "1", "2"}), BulkArr({"2", "3"}));
  EXPECT_EQ(Run({"SORT", "l", "LIMIT", "-5", "2"}), BulkArr({"1", "2"}));
  EXPECT_EQ(Run({"SORT", "l", "LIMIT", "3", "100"}), BulkArr({"4", "5"}));
  EXPECT_EQ(Run({"SORT", "l", "LIMIT", "3", "-1"}), BulkArr({"4", "5"}));
  EXPECT_EQ(Run({"SORT", "l", "LIMIT", "2", "0"}), BulkArr({}));
  EXPECT_EQ(Run({"SORT", "l", "LIMIT", "5", "1"}), BulkArr({}));
  EXPECT_EQ(Run({"SORT", "l", "LIMIT", "9223372036854775807", "9223372036854775807"}), BulkArr({}));
  EXPECT_EQ(Run({"SORT", "l", "LIMIT", "0", "9223372036854775807"}), BulkArr({"1", "2", "3", "4", "5"}));
  EXPECT_EQ(Run({"SORT", "l", "LIMIT", "1", "2", "DESC"}), BulkArr({"4", "3"}));
  // The last LIMIT wins.
  EXPECT_EQ(Run({"SORT", "l", "LIMIT", "0", "1", "LIMIT", "4", "1"}), BulkArr({"5"}));
}

TEST_F(SortFamilyTest, ByAndGetPatterns) {
  Run({"RPUSH", "l", "a", "b", "c", "d"});
  Run({"MSET", "w_a", "3", "w_b", "1", "w_c", "2", "v_a", "A", "v_c", "C"});
  Run({"HSET", "h_a", "f", "z"});
  Run({"HSET", "h_b", "f", "y"});
  Run({"HSET", "h_d", "f", "x"});
  // d has no weight: 0, first.
  EXPECT_EQ(Run({"SORT", "l", "BY", "w_*"}), BulkArr({"d", "b", "c", "a"}));
  EXPECT_EQ(Run({"SORT", "l", "BY", "h_*->f", "ALPHA"}), BulkArr({"c", "d", "b", "a"}));
  EXPECT_EQ(Run({"SORT", "l", "BY", "h_*->f", "ALPHA", "DESC"}), BulkArr({"a", "b", "d", "c"}));
  // GET: # is the element, a missing key or field is nil, a pattern without
  // '*' names nothing, a hash read as a string is nothing.
  EXPECT_EQ(Run({"SORT", "l", "BY", "w_*", "LIMIT", "1", "2", "GET", "#", "GET", "v_*", "GET", "h_*->f", "GET", "k",
                 "GET", "h_*"}),
            Arr({Bulk("b"), kNil, Bulk("y"), kNil, kNil, Bulk("c"), Bulk("C"), kNil, kNil, kNil}));
  // "->" with nothing after it is part of the key name.
  Run({"SET", "w_a->", "!"});
  EXPECT_EQ(Run({"SORT", "l", "BY", "w_*", "LIMIT", "3", "1", "GET", "w_*->"}), Arr({Bulk("!")}));
  // A weight that is no double: the error.
  Run({"SET", "w_d", "zz"});
  EXPECT_EQ(Run({"SORT", "l", "BY", "w_*"}), kNotDouble);
  // ... but ALPHA compares it as bytes.
  EXPECT_EQ(Run({"SORT", "l", "BY", "w_*", "ALPHA"}), BulkArr({"b", "c", "a", "d"}));
}

TEST_F(SortFamilyTest, NoSortKeepsListAndSortedSetOrder) {
  Run({"RPUSH", "l", "c", "a", "b", "e", "d"});
  EXPECT_EQ(Run({"SORT", "l", "BY", "nosort"}), BulkArr({"c", "a", "b", "e", "d"}));
  EXPECT_EQ(Run({"SORT", "l", "BY", "nosort", "DESC"}), BulkArr({"d", "e", "b", "a", "c"}));
  EXPECT_EQ(Run({"SORT", "l", "BY", "nosort", "LIMIT", "1", "2"}), BulkArr({"a", "b"}));
  EXPECT_EQ(Run({"SORT", "l", "BY", "nosort", "DESC", "LIMIT", "1", "2"}), BulkArr({"e", "b"}));
  EXPECT_EQ(Run({"SORT", "l", "BY", "nosort", "LIMIT", "4", "10"}), BulkArr({"d"}));
  EXPECT_EQ(Run({"SORT", "l", "BY", "nosort", "LIMIT", "9", "1"}), BulkArr({}));
  // "#" has no '*' either: no sort.
  EXPECT_EQ(Run({"SORT", "l", "BY", "#"}), BulkArr({"c", "a", "b", "e", "d"}));
  // A BY without '*' is sticky: a later BY pattern does not bring sorting back.
  Run({"MSET", "w_a", "1"});
  EXPECT_EQ(Run({"SORT", "l", "BY", "nosort", "BY", "w_*"}), BulkArr({"c", "a", "b", "e", "d"}));
  Run({"ZADD", "z", "3", "a", "1", "b", "2", "c", "5", "d", "4", "e"});
  EXPECT_EQ(Run({"SORT", "z", "BY", "nosort"}), BulkArr({"b", "c", "a", "e", "d"}));
  EXPECT_EQ(Run({"SORT", "z", "BY", "nosort", "DESC"}), BulkArr({"d", "e", "a", "c", "b"}));
  EXPECT_EQ(Run({"SORT", "z", "BY", "nosort", "LIMIT", "1", "2"}), BulkArr({"c", "a"}));
  EXPECT_EQ(Run({"SORT", "z", "BY", "nosort", "DESC", "LIMIT", "1", "2"}), BulkArr({"e", "a"}));
  EXPECT_EQ(Run({"SORT", "z", "BY", "nosort", "DESC", "LIMIT", "10", "2"}), BulkArr({}));
  EXPECT_EQ(Run({"SORT", "z", "BY", "nosort", "LIMIT", "3", "-1", "GET", "#", "GET", "x"}),
            Arr({Bulk("e"), kNil, Bulk("d"), kNil}));
  // A set stored unsorted would depend on its layout: it is sorted ALPHA.
  Run({"SADD", "s", "b", "c", "a"});
  EXPECT_EQ(Run({"SORT", "s", "BY", "nosort", "DESC", "STORE", "d"}), Int(3));
  EXPECT_EQ(Run({"LRANGE", "d", "0", "-1"}), BulkArr({"c", "b", "a"}));
}

TEST_F(SortFamilyTest, StoreWritesAListAndDeletesOnEmpty) {
  Run({"RPUSH", "l", "3", "1", "2"});
  Run({"MSET", "v_1", "one", "v_3", "three"});
  Run({"SET", "d", "old"});
  Run({"EXPIRE", "d", "100"});
  EXPECT_EQ(Run({"SORT", "l", "STORE", "d"}), Int(3));
  EXPECT_EQ(Run({"TYPE", "d"}), Status("list"));
  EXPECT_EQ(Run({"TTL", "d"}), Int(-1));  // the TTL went with the old value
  EXPECT_EQ(Run({"LRANGE", "d", "0", "-1"}), BulkArr({"1", "2", "3"}));
  // GET values are stored, "" for a missing one; the count is of values.
  EXPECT_EQ(Run({"SORT", "l", "GET", "v_*", "GET", "#", "STORE", "d"}), Int(6));
  EXPECT_EQ(Run({"LRANGE", "d", "0", "-1"}), BulkArr({"one", "1", "", "2", "three", "3"}));
  // The last STORE wins; the source may be the destination.
  EXPECT_EQ(Run({"SORT", "l", "STORE", "x", "DESC", "STORE", "l"}), Int(3));
  EXPECT_EQ(Run({"LRANGE", "l", "0", "-1"}), BulkArr({"3", "2", "1"}));
  EXPECT_EQ(Run({"EXISTS", "x"}), Int(0));
  // An empty result deletes the destination.
  EXPECT_EQ(Run({"SORT", "l", "LIMIT", "0", "0", "STORE", "d"}), Int(0));
  EXPECT_EQ(Run({"EXISTS", "d"}), Int(0));
  EXPECT_EQ(Run({"SORT", "missing", "STORE", "l"}), Int(0));
  EXPECT_EQ(Run({"EXISTS", "l"}), Int(0));
}

TEST_F(SortFamilyTest, ErrorsAndMissingKeys) {
  EXPECT_EQ(Run({"SORT", "missing"}), BulkArr({}));
  EXPECT_EQ(Run({"SORT", "missing", "BY", "nosort", "GET", "#"}), BulkArr({}));
  Run({"SET", "str", "1"});
  EXPECT_EQ(Run({"SORT", "str"}), kWrongType);
  Run({"HSET", "h", "f", "1"});
  EXPECT_EQ(Run({"SORT", "h", "STORE", "d"}), kWrongType);
  Run({"RPUSH", "l", "1"});
  EXPECT_EQ(Run({"SORT", "l", "foo"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"SORT", "l", "LIMIT", "1"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"SORT", "l", "BY"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"SORT", "l", "GET"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"SORT", "l", "STORE"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"SORT", "l", "LIMIT", "a", "1"}), Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(Run({"SORT", "l", "LIMIT", "0", "1.5"}), Err("ERR value is not an integer or out of range"));
  // Options are parsed before the key is looked at.
  EXPECT_EQ(Run({"SORT", "str", "foo"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"SORT"}), Err("ERR wrong number of arguments for 'sort' command"));
  EXPECT_EQ(Run({"SORT_RO", "l", "STORE", "d"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"SORT_RO", "l", "BY", "nosort", "GET", "#"}), BulkArr({"1"}));
}

TEST_F(SortFamilyTest, SortRunsInsideExec) {
  Run({"RPUSH", "l", "a", "b"});
  Run({"MSET", "w_a", "2", "w_b", "1"});
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"SORT", "l", "BY", "w_*", "GET", "w_*", "STORE", "d"}), Status("QUEUED"));
  EXPECT_EQ(Run({"SORT", "d"}), Status("QUEUED"));
  EXPECT_EQ(Run({"EXEC"}), Arr({Int(2), BulkArr({"1", "2"})}));
}

// COMMAND GETKEYS, scripts' and ACLs' key checks walk ForEachKeyIndex: the
// destination after the last STORE is a key, found as Redis's sortGetKeys does.
TEST_F(SortFamilyTest, StoreDestinationIsADeclaredKey) {
  const Command* sort = engine_.commands().Find("sort");
  ASSERT_NE(sort, nullptr);
  auto keys = [&](std::vector<std::string> argv) {
    std::vector<std::string> out;
    sort->ForEachKeyIndex(argv, [&](int i) { out.push_back(argv[static_cast<size_t>(i)]); });
    return out;
  };
  EXPECT_EQ(keys({"sort", "src"}), std::vector<std::string>({"src"}));
  EXPECT_EQ(keys({"sort", "src", "STORE", "a", "limit", "0", "1", "get", "store", "store", "b"}),
            std::vector<std::string>({"src", "b"}));
  EXPECT_EQ(keys({"sort", "src", "BY", "store", "GET", "store"}), std::vector<std::string>({"src"}));
  EXPECT_EQ(keys({"sort", "src", "store"}), std::vector<std::string>({"src"}));
  EXPECT_TRUE(sort->movable_keys());
  const Command* sort_ro = engine_.commands().Find("sort_ro");
  ASSERT_NE(sort_ro, nullptr);
  EXPECT_TRUE(sort_ro->movable_keys());
  EXPECT_TRUE(sort->has_flag(kWrite));
  EXPECT_TRUE(sort_ro->has_flag(kReadOnly));
}

// SORT ... BY / GET read keys in every shard: they must see one state of
// them. A writer flips 200 weights (spread over the other shards) between
// two orders with MSET; every SORT must see all weights of one MSET. (Reading
// the weights without locking the database shows torn states here.)
TEST(SortConcurrencyTest, ByAndGetSeeOneStateOfTheWeights) {
  Engine engine;
  constexpr int kN = 200;
  std::vector<std::string> push = {"RPUSH", "l"};
  std::vector<std::string> up = {"MSET"}, down = {"MSET"};
  std::vector<std::string> ascending, descending, ups, downs;
  // No weight shares the list's shard: locking the list alone would not keep
  // the writer out while SORT reads them.
  const uint32_t list_shard = engine.ShardId(0, KeyHash("l"));
  for (int i = 0, candidate = 0; i < kN; ++candidate) {
    const std::string e = std::to_string(candidate);
    if (engine.ShardId(0, KeyHash("w_" + e)) == list_shard) continue;
    push.push_back(e);
    up.insert(up.end(), {"w_" + e, std::to_string(i)});
    down.insert(down.end(), {"w_" + e, std::to_string(-i)});
    ascending.push_back(e);
    ups.push_back(std::to_string(i));
    downs.push_back(std::to_string(-(kN - 1 - i)));
    ++i;
  }
  descending.assign(ascending.rbegin(), ascending.rend());
  engine.Execute(push);
  engine.Execute(up);
  std::atomic<bool> stop{false};
  std::atomic<int> flips{0};
  std::thread writer([&] {
    Session session;
    for (int i = 0; !stop.load(); ++i) {
      engine.Execute(session, i % 2 ? up : down);
      flips.fetch_add(1);
    }
  });
  const std::string a = BulkArr(ascending), d = BulkArr(descending);
  const std::string ga = BulkArr(ups), gd = BulkArr(downs);
  int torn = 0;
  Session session;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  for (int i = 0; (i < 500 || flips.load() < 500) && std::chrono::steady_clock::now() < deadline; ++i) {
    const std::string by = engine.Execute(session, {"SORT", "l", "BY", "w_*"});
    if (by != a && by != d) ++torn;
    const std::string get = engine.Execute(session, {"SORT", "l", "BY", "w_*", "GET", "w_*"});
    if (get != ga && get != gd) ++torn;
  }
  stop = true;
  writer.join();
  EXPECT_GT(flips.load(), 0);
  EXPECT_EQ(torn, 0) << flips.load();
}

}  // namespace
}  // namespace stockd::engine::testing
