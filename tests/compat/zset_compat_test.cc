// Sorted sets: stockd must answer exactly as redis-server, command by command.
#include <random>
#include <set>

#include "tests/compat/compat_util.h"

namespace stockd::testing {
namespace {

TEST_F(CompatTest, ZAddOptionsAndErrors) {
  SameAll({
      {"ZADD", "z", "1", "a", "2", "b", "3", "c"}, {"ZADD", "z", "XX", "NX", "1", "a"},
      {"ZADD", "z", "GT", "LT", "1", "a"}, {"ZADD", "z", "NX", "GT", "1", "a"},
      {"ZADD", "z", "INCR", "1", "a", "2", "b"}, {"ZADD", "z", "1"}, {"ZADD", "z", "x", "a"},
      {"ZADD", "z", "nan", "a"}, {"ZADD", "z", "NX", "10", "a", "4", "d"}, {"ZADD", "z", "XX", "10", "a", "5", "e"},
      {"ZADD", "z", "XX", "CH", "11", "a", "4", "d"}, {"ZADD", "z", "GT", "CH", "1", "a", "20", "b"},
      {"ZADD", "z", "LT", "CH", "0", "a", "30", "b"}, {"ZADD", "z", "INCR", "5", "a"},
      {"ZADD", "z", "INCR", "NX", "5", "a"}, {"ZADD", "z", "INCR", "XX", "5", "zz"},
      {"ZADD", "z", "INCR", "GT", "-1", "a"}, {"ZADD", "z", "INCR", "inf", "a"}, {"ZADD", "z", "INCR", "-inf", "a"},
      {"ZADD", "nz", "XX", "1", "a"}, {"EXISTS", "nz"}, {"ZINCRBY", "z", "1.5", "b"}, {"ZINCRBY", "z", "x", "b"},
      {"ZINCRBY", "z", "2", "new"}, {"ZSCORE", "z", "b"}, {"ZSCORE", "z", "nope"}, {"ZMSCORE", "z", "a", "nope", "b"},
      {"ZADD", "f", "0.1", "x", "1e20", "y", "-0", "w", "3.0", "v", "+inf", "u", "-inf", "t"},
      {"ZRANGE", "f", "0", "-1", "WITHSCORES"}, {"SET", "s", "1"}, {"ZADD", "s", "1", "a"}, {"ZSCORE", "s", "a"},
      {"ZCARD", "z"}, {"ZCARD", "nokey"}, {"OBJECT", "ENCODING", "z"},
  });
}

// Scores written as plain integers take a parsing fast path: its edges
// (signs, leading zeros, -0, 15 vs 16+ digits, a lone sign) against strtod's.
TEST_F(CompatTest, ZAddIntegerScores) {
  SameAll({
      {"ZADD", "i", "007", "a", "+5", "b", "-0", "c", "123456789012345", "d", "-999999999999999", "e"},
      {"ZADD", "i", "1234567890123456", "f", "12345678901234567890", "g", "-00", "h", "0", "j"},
      {"ZRANGE", "i", "0", "-1", "WITHSCORES"}, {"ZADD", "i", "+", "x"}, {"ZADD", "i", "-", "x"},
      {"ZADD", "i", "1 ", "x"}, {"ZADD", "i", " 1", "x"}, {"ZADD", "i", "1x", "x"}, {"ZADD", "i", "0x10", "x"},
      {"ZINCRBY", "i", "-0", "a"}, {"ZINCRBY", "i", "-7", "a"}, {"ZSCORE", "i", "a"},
      {"ZRANGEBYSCORE", "i", "-0", "+5", "WITHSCORES"}, {"ZRANGEBYSCORE", "i", "(-0", "(0007"},
      {"ZCOUNT", "i", "-999999999999999", "123456789012345"}, {"ZCARD", "i"},
  });
}

TEST_F(CompatTest, ZRanges) {
  SameAll({{"ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e", "5", "f", "7", "g"},
           {"ZADD", "lex", "0", "a", "0", "b", "0", "c", "0", "d", "0", "e", "0", "ff", "0", "g"}});
  std::vector<std::vector<std::string>> script = {
      {"ZRANGE", "z", "0", "-1"}, {"ZRANGE", "z", "1", "3", "WITHSCORES"}, {"ZRANGE", "z", "-3", "-1"},
      {"ZRANGE", "z", "5", "2"}, {"ZRANGE", "z", "0", "100"}, {"ZRANGE", "z", "x", "1"},
      {"ZRANGE", "z", "0", "-1", "REV", "WITHSCORES"}, {"ZRANGE", "z", "2", "5", "BYSCORE"},
      {"ZRANGE", "z", "(2", "(5", "BYSCORE", "WITHSCORES"}, {"ZRANGE", "z", "5", "2", "BYSCORE", "REV"},
      {"ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "1", "3"}, {"ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "2", "-1"},
      {"ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "-1", "2"}, {"ZRANGE", "z", "0", "1", "LIMIT", "0", "1"},
      {"ZRANGE", "z", "a", "b", "BYSCORE"}, {"ZRANGE", "lex", "[b", "(ff", "BYLEX"}, {"ZRANGE", "lex", "-", "+", "BYLEX"},
      {"ZRANGE", "lex", "+", "-", "BYLEX", "REV"}, {"ZRANGE", "lex", "(g", "[a", "BYLEX", "REV", "LIMIT", "1", "2"},
      {"ZRANGE", "lex", "a", "b", "BYLEX"}, {"ZRANGE", "lex", "-", "+", "BYLEX", "WITHSCORES"},
      {"ZRANGE", "z", "0", "-1", "BOGUS"}, {"ZREVRANGE", "z", "0", "2", "WITHSCORES"}, {"ZREVRANGE", "z", "0", "2", "x"},
      {"ZRANGEBYSCORE", "z", "2", "5", "WITHSCORES", "LIMIT", "1", "2"}, {"ZRANGEBYSCORE", "z", "(5", "+inf"},
      {"ZREVRANGEBYSCORE", "z", "5", "(2", "WITHSCORES"}, {"ZRANGEBYSCORE", "z", "x", "5"},
      {"ZRANGEBYLEX", "lex", "[c", "+", "LIMIT", "0", "2"}, {"ZREVRANGEBYLEX", "lex", "+", "[c"},
      {"ZRANGEBYLEX", "lex", "[c", "+", "WITHSCORES"}, {"ZCOUNT", "z", "2", "5"}, {"ZCOUNT", "z", "(2", "(5"},
      {"ZCOUNT", "z", "5", "2"}, {"ZCOUNT", "z", "x", "2"}, {"ZLEXCOUNT", "lex", "[b", "[e"}, {"ZLEXCOUNT", "lex", "-", "+"},
      {"ZLEXCOUNT", "lex", "b", "e"}, {"ZRANK", "z", "c"}, {"ZREVRANK", "z", "c"}, {"ZRANK", "z", "nope"},
      {"ZRANGESTORE", "dst", "z", "1", "3"}, {"ZRANGE", "dst", "0", "-1", "WITHSCORES"},
      {"ZRANGESTORE", "dst", "z", "100", "200"}, {"EXISTS", "dst"},
  };
  SameAll(script);
}

TEST_F(CompatTest, ZRemovalsAndPops) {
  SameAll({
      {"ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e", "6", "f"}, {"ZREM", "z", "a", "nope"},
      {"ZREMRANGEBYRANK", "z", "0", "0"}, {"ZREMRANGEBYSCORE", "z", "(3", "4"}, {"ZRANGE", "z", "0", "-1"},
      {"ZREMRANGEBYSCORE", "z", "x", "1"}, {"ZREMRANGEBYRANK", "z", "a", "1"}, {"ZPOPMIN", "z"},
      {"ZPOPMAX", "z", "2"}, {"ZPOPMIN", "z", "-1"}, {"ZPOPMIN", "z", "0"}, {"ZPOPMAX", "z", "10"}, {"EXISTS", "z"},
      {"ZPOPMIN", "nokey"}, {"ZADD", "l", "0", "a", "0", "b", "0", "c"}, {"ZREMRANGEBYLEX", "l", "[a", "(c"},
      {"ZRANGE", "l", "0", "-1"}, {"ZREMRANGEBYLEX", "l", "a", "c"}, {"ZREM", "l", "c"}, {"EXISTS", "l"},
      {"BZPOPMIN", "empty", "0.01"}, {"ZADD", "bz", "1", "x", "2", "y"}, {"BZPOPMAX", "nokey", "bz", "0"},
      {"BZPOPMIN", "bz", "-1"}, {"BZPOPMIN", "bz", "abc"},
  });
}

TEST_F(CompatTest, ZUnionInterStore) {
  SameAll({
      {"ZADD", "a", "1", "x", "2", "y", "3", "z"}, {"ZADD", "b", "10", "y", "20", "z", "30", "w"}, {"SADD", "s", "x", "w"},
      {"ZUNIONSTORE", "u", "2", "a", "b"}, {"ZRANGE", "u", "0", "-1", "WITHSCORES"},
      {"ZINTERSTORE", "i", "2", "a", "b", "WEIGHTS", "2", "0.5"}, {"ZRANGE", "i", "0", "-1", "WITHSCORES"},
      {"ZUNIONSTORE", "u", "3", "a", "b", "s", "AGGREGATE", "MAX"}, {"ZRANGE", "u", "0", "-1", "WITHSCORES"},
      {"ZINTERSTORE", "i", "2", "a", "s", "AGGREGATE", "min"}, {"ZRANGE", "i", "0", "-1", "WITHSCORES"},
      {"ZUNIONSTORE", "u", "0", "a"}, {"ZUNIONSTORE", "u", "3", "a", "b"}, {"ZUNIONSTORE", "u", "1", "a", "WEIGHTS", "x"},
      {"ZUNIONSTORE", "u", "1", "a", "AGGREGATE", "avg"}, {"ZINTERSTORE", "i", "2", "a", "nokey"}, {"EXISTS", "i"},
      {"SET", "str", "v"}, {"ZUNIONSTORE", "u", "2", "a", "str"}, {"ZUNIONSTORE", "u", "x", "a"},
      {"ZADD", "inf", "inf", "p"}, {"ZUNIONSTORE", "u", "2", "inf", "inf", "WEIGHTS", "1", "-1"},
      {"ZRANGE", "u", "0", "-1", "WITHSCORES"},
  });
}

TEST_F(CompatTest, ZSetRandomizedAgainstRedis) {
  std::mt19937 rng(20261126);
  auto pick = [&](std::vector<std::string> v) { return v[rng() % v.size()]; };
  std::vector<std::string> members = {"a", "b", "c", "d", "e", "f", "g", "h"};
  std::vector<std::string> scores = {"0", "1", "1.5", "-2", "3", "10", "0.25", "7"};
  for (int i = 0; i < 600; ++i) {
    std::string key = pick({"k1", "k2"});
    switch (rng() % 12) {
      case 0: case 1: case 2: Same({"ZADD", key, pick(scores), pick(members), pick(scores), pick(members)}); break;
      case 3: Same({"ZINCRBY", key, pick(scores), pick(members)}); break;
      case 4: Same({"ZREM", key, pick(members)}); break;
      case 5: Same({"ZRANGE", key, std::to_string(int(rng() % 5) - 2), std::to_string(int(rng() % 7) - 2), "WITHSCORES"}); break;
      case 6: Same({"ZRANGEBYSCORE", key, pick({"-inf", "0", "(1", "1.5"}), pick({"+inf", "3", "(10", "7"}), "WITHSCORES"}); break;
      case 7: Same({"ZRANK", key, pick(members)}); Same({"ZREVRANK", key, pick(members)}); break;
      case 8: Same({"ZCOUNT", key, pick({"-inf", "0", "(1"}), pick({"+inf", "3", "(10"})}); break;
      case 9: Same({"ZPOPMIN", key}); break;
      case 10: Same({"ZREMRANGEBYRANK", key, "0", std::to_string(rng() % 3)}); break;
      case 11: Same({"ZCARD", key}); Same({"ZSCORE", key, pick(members)}); break;
    }
  }
}

TEST_F(CompatTest, ZSetEncodingsAndScan) {
  std::vector<std::string> big = {"ZADD", "big"};
  for (int i = 0; i < 200; ++i) {
    big.push_back(std::to_string(i));
    big.push_back("m" + std::to_string(i));
  }
  SameAll({big, {"OBJECT", "ENCODING", "big"}, {"ZADD", "long", "1", std::string(70, 'x')},
           {"OBJECT", "ENCODING", "long"}, {"ZADD", "small", "1", "a", "2", "b"}, {"OBJECT", "ENCODING", "small"},
           {"ZSCAN", "small", "0"}, {"ZRANK", "big", "m150"}, {"ZREVRANK", "big", "m150"},
           {"ZRANGE", "big", "100", "105", "WITHSCORES"}, {"TYPE", "big"}});
  // ZSCAN over a big set returns every member exactly once.
  std::set<std::string> seen;
  std::string cursor = "0";
  do {
    Reply r = s_->Command({"ZSCAN", "big", cursor, "COUNT", "17"});
    ASSERT_TRUE(r && r->type == REDIS_REPLY_ARRAY && r->elements == 2);
    cursor = std::string(r->element[0]->str, r->element[0]->len);
    for (size_t i = 0; i + 1 < r->element[1]->elements; i += 2)
      EXPECT_TRUE(seen.insert(r->element[1]->element[i]->str).second);
  } while (cursor != "0");
  EXPECT_EQ(seen.size(), 200u);
}

}  // namespace
}  // namespace stockd::testing
