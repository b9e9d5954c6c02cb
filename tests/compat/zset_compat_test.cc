// Sorted sets: stockd must answer exactly as redis-server, command by command.
#include <cstdio>
#include <random>
#include <set>
#include <thread>

#include "tests/compat/collection_compat_util.h"

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

// ---- ZUNION ZINTER ZDIFF ZDIFFSTORE ZINTERCARD ZRANDMEMBER ZMPOP BZMPOP ----

using ZSetCompat = CollectionCompatTest;

TEST_F(ZSetCompat, UnionInterDiff) {
  SameAll({
      {"ZADD", "a", "1", "x", "2", "y", "3", "z"}, {"ZADD", "b", "10", "y", "20", "z", "30", "w", "-0", "v"},
      {"SADD", "s", "x", "w", "9"}, {"SET", "str", "v"}, {"ZADD", "inf", "inf", "p", "-inf", "q", "1", "r"},
      {"ZUNION", "2", "a", "b"}, {"ZUNION", "2", "a", "b", "WITHSCORES"},
      {"ZUNION", "3", "a", "b", "s", "WEIGHTS", "1", "2", "3", "AGGREGATE", "MAX", "WITHSCORES"},
      {"ZUNION", "3", "a", "b", "s", "WEIGHTS", "-1.5", "0.25", "1e3", "AGGREGATE", "MIN", "WITHSCORES"},
      {"ZUNION", "1", "a", "WEIGHTS", "2", "WEIGHTS", "3", "WITHSCORES", "WITHSCORES"},
      {"ZINTER", "2", "a", "b", "WITHSCORES"}, {"ZINTER", "3", "a", "b", "s"}, {"ZINTER", "2", "a", "s", "WITHSCORES"},
      {"ZINTER", "2", "b", "s", "AGGREGATE", "sum", "WEIGHTS", "0.5", "4", "WITHSCORES"},
      {"ZINTER", "2", "a", "nokey"}, {"ZDIFF", "2", "a", "b", "WITHSCORES"}, {"ZDIFF", "3", "b", "a", "s"},
      {"ZDIFF", "2", "s", "a", "WITHSCORES"}, {"ZDIFF", "1", "nokey"}, {"ZDIFF", "2", "a", "a"},
      // inf + -inf is 0; 0 * inf is 0 in a union and in an intersection's first input; MIN/MAX keep the
      // score when a later weighted input is NaN.
      {"ZUNION", "2", "inf", "inf", "WEIGHTS", "1", "-1", "WITHSCORES"},
      {"ZUNION", "2", "inf", "a", "WEIGHTS", "0", "1", "WITHSCORES"},
      {"ZINTER", "2", "inf", "inf", "WEIGHTS", "0", "1", "AGGREGATE", "MIN", "WITHSCORES"},
      {"ZINTER", "2", "inf", "inf", "WEIGHTS", "1", "0", "AGGREGATE", "MAX", "WITHSCORES"},
      {"ZINTER", "2", "inf", "inf", "WEIGHTS", "1", "0", "AGGREGATE", "MIN", "WITHSCORES"},
      {"ZINTER", "2", "inf", "inf", "WEIGHTS", "1", "0", "WITHSCORES"},
      // Errors, in Redis's order (input types before options).
      {"ZUNION", "0", "a"}, {"ZINTER", "-1", "a"}, {"ZDIFF", "0", "a"}, {"ZUNION", "x", "a"}, {"ZUNION", "3", "a", "b"},
      {"ZUNION", "2", "a", "str"}, {"ZUNION", "2", "str", "a", "WEIGHTS", "x"}, {"ZINTER", "2", "a", "b", "WEIGHTS", "1"},
      {"ZUNION", "1", "a", "WEIGHTS", "x"}, {"ZUNION", "1", "a", "AGGREGATE", "avg"}, {"ZUNION", "1", "a", "AGGREGATE"},
      {"ZUNION", "1", "a", "BOGUS"}, {"ZDIFF", "2", "a", "b", "WEIGHTS", "1", "2"}, {"ZDIFF", "1", "a", "AGGREGATE", "MIN"},
      {"ZUNION", "1"}, {"ZDIFF", "1", "a", "LIMIT", "1"},
  });
}

TEST_F(ZSetCompat, StoreFormsAndInterCard) {
  SameAll({
      {"ZADD", "a", "1", "x", "2", "y", "3", "z"}, {"ZADD", "b", "10", "y", "20", "z", "30", "w"}, {"SADD", "s", "x", "w"},
      {"SET", "str", "v"},
      {"ZDIFFSTORE", "d", "2", "a", "b"}, {"ZRANGE", "d", "0", "-1", "WITHSCORES"}, {"OBJECT", "ENCODING", "d"},
      {"ZDIFFSTORE", "d", "2", "a", "a"}, {"EXISTS", "d"}, {"ZDIFFSTORE", "d", "1", "s"}, {"ZRANGE", "d", "0", "-1", "WITHSCORES"},
      {"ZDIFFSTORE", "a", "2", "a", "s"}, {"ZRANGE", "a", "0", "-1", "WITHSCORES"},
      {"ZDIFFSTORE", "d", "0", "a"}, {"ZDIFFSTORE", "d", "2", "a"}, {"ZDIFFSTORE", "d", "1", "a", "WITHSCORES"},
      {"ZDIFFSTORE", "d", "2", "a", "str"}, {"ZDIFFSTORE", "d", "1", "str", "x"}, {"ZDIFFSTORE", "d"},
      {"ZUNIONSTORE", "u", "2", "a", "str", "WEIGHTS", "x"}, {"ZINTERSTORE", "u", "1", "a", "WITHSCORES"},
      {"ZINTERCARD", "2", "a", "b"}, {"ZINTERCARD", "2", "b", "s"}, {"ZINTERCARD", "2", "a", "nokey"},
      {"ZINTERCARD", "1", "b", "LIMIT", "2"}, {"ZINTERCARD", "1", "b", "LIMIT", "0"}, {"ZINTERCARD", "1", "b", "limit", "9"},
      {"ZINTERCARD", "0", "a"}, {"ZINTERCARD", "x", "a"}, {"ZINTERCARD", "3", "a", "b"},
      {"ZINTERCARD", "1", "a", "LIMIT", "-1"}, {"ZINTERCARD", "1", "a", "LIMIT", "x"}, {"ZINTERCARD", "1", "a", "LIMIT"},
      {"ZINTERCARD", "1", "a", "WITHSCORES"}, {"ZINTERCARD", "1", "a", "WEIGHTS", "1"}, {"ZINTERCARD", "2", "a", "str"},
  });
}

// Sets past the listpack limits: result order, floating-point sums over three
// inputs, and the encodings of the stored results.
TEST_F(ZSetCompat, BigInputs) {
  std::vector<std::string> big = {"ZADD", "big"}, big2 = {"ZADD", "big2"}, bs = {"SADD", "bs"};
  for (int i = 1; i <= 300; ++i) big.insert(big.end(), {std::to_string(i % 37), "m" + std::to_string(i)});
  for (int i = 1; i <= 200; ++i) big2.insert(big2.end(), {std::to_string(i % 11) + ".1", "m" + std::to_string(2 * i)});
  for (int i = 1; i <= 150; ++i) bs.push_back("m" + std::to_string(3 * i));
  SameAll({big, big2, bs});
  SameAll({
      {"ZUNION", "3", "big", "big2", "bs", "WITHSCORES"},
      {"ZUNION", "3", "big", "big2", "bs", "WEIGHTS", "1.5", "-2", "0.1", "WITHSCORES"},
      {"ZINTER", "2", "big", "big2", "WITHSCORES"}, {"ZINTER", "3", "big", "big2", "bs", "WEIGHTS", "1", "2", "3", "WITHSCORES"},
      {"ZDIFF", "3", "big", "big2", "bs", "WITHSCORES"}, {"ZINTERCARD", "2", "big", "big2"},
      {"ZINTERCARD", "2", "big", "big2", "LIMIT", "5"}, {"ZUNIONSTORE", "u", "3", "big", "big2", "bs"},
      {"OBJECT", "ENCODING", "u"}, {"ZINTERSTORE", "i", "2", "big", "bs"}, {"OBJECT", "ENCODING", "i"},
      {"ZDIFFSTORE", "d", "2", "big", "big2"}, {"OBJECT", "ENCODING", "d"}, {"ZRANGE", "d", "0", "-1", "WITHSCORES"},
      {"ZRANDMEMBER", "big", "300", "WITHSCORES"}, {"ZRANDMEMBER", "big", "1000"},
      {"ZMPOP", "2", "nokey", "big", "MAX", "COUNT", "7"}, {"ZCARD", "big"},
  });
}

TEST_F(ZSetCompat, RandMember) {
  // Errors, missing keys and whole-set answers are deterministic (the whole
  // set comes highest first).
  SameAll({
      {"ZRANDMEMBER", "nokey"}, {"ZRANDMEMBER", "nokey", "3"}, {"ZRANDMEMBER", "nokey", "x"},
      {"ZRANDMEMBER", "nokey", "1", "FOO"}, {"ZRANDMEMBER", "nokey", "4611686018427387904", "WITHSCORES"},
      {"ZADD", "z", "1", "a", "2", "b", "3", "c", "3", "d"}, {"SET", "str", "v"},
      {"ZRANDMEMBER", "z", "0"}, {"ZRANDMEMBER", "z", "0", "WITHSCORES"}, {"ZRANDMEMBER", "z", "4"},
      {"ZRANDMEMBER", "z", "9", "WITHSCORES"}, {"ZRANDMEMBER", "z", "x"}, {"ZRANDMEMBER", "z", "x", "a", "b"},
      {"ZRANDMEMBER", "z", "1", "FOO"}, {"ZRANDMEMBER", "z", "1", "WITHSCORES", "x"},
      {"ZRANDMEMBER", "z", "-9223372036854775808"}, {"ZRANDMEMBER", "z", "4611686018427387904", "WITHSCORES"},
      {"ZRANDMEMBER", "z", "-4611686018427387904", "WITHSCORES"}, {"ZRANDMEMBER", "str"}, {"ZRANDMEMBER", "str", "1"},
      {"ZRANDMEMBER", "str", "x"},
  });
  // Random answers: same type and length as Redis's, members of the set with
  // their own scores, distinct for a positive count.
  const std::map<std::string, std::string> scores = {{"a", "1"}, {"b", "2"}, {"c", "3"}, {"d", "3"}};
  for (const std::vector<std::string>& argv : std::vector<std::vector<std::string>>{
           {"ZRANDMEMBER", "z"}, {"ZRANDMEMBER", "z", "2"}, {"ZRANDMEMBER", "z", "3", "WITHSCORES"},
           {"ZRANDMEMBER", "z", "-10"}, {"ZRANDMEMBER", "z", "-7", "WITHSCORES"}}) {
    Reply a = s_->Command(argv), b = r_->Command(argv);
    ASSERT_TRUE(a && b);
    ASSERT_EQ(a->type, b->type) << argv[2 % argv.size()];
    if (a->type == REDIS_REPLY_STRING) {
      EXPECT_TRUE(scores.count(std::string(a->str, a->len)));
      continue;
    }
    ASSERT_EQ(a->elements, b->elements);
    const bool withscores = argv.size() == 4;
    std::set<std::string> seen;
    for (size_t i = 0; i < a->elements; i += withscores ? 2 : 1) {
      const std::string m(a->element[i]->str, a->element[i]->len);
      ASSERT_TRUE(scores.count(m)) << m;
      if (withscores) EXPECT_EQ(std::string(a->element[i + 1]->str, a->element[i + 1]->len), scores.at(m));
      seen.insert(m);
    }
    if (argv[2][0] != '-') EXPECT_EQ(seen.size(), a->elements / (withscores ? 2 : 1));
  }
}

TEST_F(ZSetCompat, MPop) {
  SameAll({
      {"ZADD", "z", "1", "a", "2", "b", "3", "c"}, {"ZADD", "y", "5", "e"}, {"SET", "str", "v"},
      {"ZMPOP", "1", "nokey", "MIN"}, {"ZMPOP", "2", "nokey", "z", "MIN"}, {"ZMPOP", "2", "z", "y", "max", "count", "1"},
      {"ZMPOP", "3", "nokey", "z", "y", "MIN", "COUNT", "10"}, {"EXISTS", "z"}, {"ZMPOP", "2", "str", "y", "MIN"},
      {"ZMPOP", "2", "y", "str", "MIN"}, {"ZMPOP", "2", "z", "MIN", "MAX"},
      {"ZMPOP", "0", "z", "MIN"}, {"ZMPOP", "-1", "z", "MIN"}, {"ZMPOP", "x", "z", "MIN"}, {"ZMPOP", "2", "z", "MIN"},
      {"ZMPOP", "9223372036854775807", "z", "MIN"}, {"ZMPOP", "1", "z", "FOO"}, {"ZMPOP", "1", "z"},
      {"ZMPOP", "1", "z", "MIN", "COUNT"}, {"ZMPOP", "1", "z", "MIN", "COUNT", "0"}, {"ZMPOP", "1", "z", "MIN", "COUNT", "x"},
      {"ZMPOP", "1", "z", "MIN", "COUNT", "1", "COUNT", "1"}, {"ZMPOP", "1", "z", "MIN", "BOGUS"},
      {"ZMPOP", "1", "str", "MIN", "COUNT", "0"},
      // BZMPOP: data present, errors (the timeout after the rest), the timeout itself.
      {"ZADD", "q", "1", "a", "2", "b"}, {"BZMPOP", "0", "2", "nokey", "q", "MAX", "COUNT", "5"}, {"EXISTS", "q"},
      {"BZMPOP", "0.01", "2", "nokey", "q", "MIN"}, {"BZMPOP", "0", "2", "str", "q", "MIN"},
      {"BZMPOP", "x", "1", "q", "MIN"}, {"BZMPOP", "-1", "1", "q", "MIN"}, {"BZMPOP", "x", "0", "q", "MIN"},
      {"BZMPOP", "x", "1", "q", "FOO"}, {"BZMPOP", "0", "1", "q", "MIN", "COUNT", "0"}, {"BZMPOP", "0", "1", "q"},
  });
}

// Both servers: a client blocked in BZMPOP is served when another client adds.
TEST_F(ZSetCompat, BZMPopWaitsForAnotherClient) {
  auto run = [&](ServerProcess& server, Client& other) -> std::string {
    auto waiter = server.Connect();
    std::string reply;
    std::thread t([&] { reply = waiter->Do({"BZMPOP", "10", "2", "a", "q", "MIN", "COUNT", "2"}); });
    bool blocked = false;
    for (int i = 0; i < 500 && !blocked; ++i) {
      blocked = other.Do({"INFO", "clients"}).find("blocked_clients:1") != std::string::npos;
      if (!blocked) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    EXPECT_TRUE(blocked);
    other.Do({"ZADD", "q", "3", "c", "1", "a", "2", "b"});
    t.join();
    return reply + " / left: " + other.Do({"ZRANGE", "q", "0", "-1", "WITHSCORES"});
  };
  const std::string a = run(stockd_, *s_), b = run(redis_, *r_);
  EXPECT_EQ(a, b);
  EXPECT_NE(a.find("/ left: [\"c\", \"3\"]"), std::string::npos) << a;
}

// redis-cli's typed rendering of a RESP3 reply (hiredis 0.14 predates RESP3).
std::string Cli3(int port, const std::string& args) {
  return RunCapture("redis-cli --no-raw -3 -p " + std::to_string(port) + " " + args);
}

TEST_F(ZSetCompat, Resp3Replies) {
  SameAll({{"ZADD", "a", "1", "x", "2.5", "y", "3", "z"}, {"ZADD", "b", "-0", "y", "1e300", "w"}});
  for (const char* args : {"ZUNION 2 a b WITHSCORES", "ZUNION 2 a b", "ZINTER 2 a b WITHSCORES", "ZDIFF 2 a b WITHSCORES",
                           "ZINTERCARD 2 a b", "ZRANDMEMBER a 5 WITHSCORES", "ZRANDMEMBER a 3", "ZRANDMEMBER nokey",
                           "ZRANDMEMBER nokey 2", "ZRANDMEMBER a 0 WITHSCORES", "ZMPOP 1 nokey MIN",
                           "ZMPOP 2 nokey a MIN", "ZMPOP 1 a MAX COUNT 5", "BZMPOP 0.01 1 a MIN",
                           "BZMPOP 0 1 b MAX COUNT 1", "ZDIFFSTORE d 1 b"}) {
    EXPECT_EQ(Cli3(stockd_.port(), args), Cli3(redis_.port(), args)) << args;
  }
  // Random picks: a pair of [member, double] each.
  const std::string one = Cli3(stockd_.port(), "ZRANDMEMBER b -1 WITHSCORES");
  std::set<std::string> pairs;
  for (const char* m : {"y", "w"})
    pairs.insert(std::string("1) 1) \"") + m + "\"\n   2) " + Cli3(redis_.port(), std::string("ZSCORE b ") + m));
  EXPECT_TRUE(pairs.count(one)) << one;
  EXPECT_TRUE(pairs.count(Cli3(redis_.port(), "ZRANDMEMBER b -1 WITHSCORES")));
}

TEST_F(ZSetCompat, InsideMultiExec) {
  SameAll({
      {"ZADD", "a", "1", "x", "2", "y"}, {"ZADD", "b", "3", "y", "4", "z"}, {"MULTI"},
      {"ZUNION", "2", "a", "b", "WITHSCORES"}, {"ZINTERCARD", "2", "a", "b"}, {"ZDIFFSTORE", "d", "1", "a"},
      {"ZMPOP", "2", "nokey", "a", "MIN"}, {"BZMPOP", "0", "1", "nokey", "MIN"}, {"BZMPOP", "0", "1", "a", "MAX", "COUNT", "5"},
      {"ZRANDMEMBER", "d", "5", "WITHSCORES"}, {"ZUNION", "0", "a"}, {"ZMPOP", "1", "b", "FOO"}, {"EXEC"},
      {"EXISTS", "a"}, {"ZRANGE", "d", "0", "-1", "WITHSCORES"},
  });
}

// Scripts, under the default config: the numkeys commands' keys are checked
// against KEYS like any command's (engine/command.h: numkeys_at), so with
// every key declared they run as in Redis; BZMPOP runs without blocking.
TEST_F(ZSetCompat, FromScripts) {
  SameAll({
      {"ZADD", "a", "1", "x", "2", "y"}, {"ZADD", "b", "3", "y", "4", "z"},
      {"EVAL", "return redis.call('zrandmember', KEYS[1], 5, 'WITHSCORES')", "1", "a"},
      {"EVAL", "return redis.call('zunion', 2, KEYS[1], KEYS[2], 'WITHSCORES')", "2", "a", "b"},
      {"EVAL", "return redis.call('zinter', 2, KEYS[1], KEYS[2], 'AGGREGATE', 'MAX', 'WITHSCORES')", "2", "a", "b"},
      {"EVAL", "return redis.call('zdiff', 2, KEYS[1], KEYS[2])", "2", "a", "b"},
      {"EVAL", "return redis.call('zintercard', 2, KEYS[1], KEYS[2], 'LIMIT', 1)", "2", "a", "b"},
      {"EVAL", "return redis.call('zunionstore', KEYS[1], 2, KEYS[2], KEYS[3], 'WEIGHTS', 2, 1)", "3", "u", "a", "b"},
      {"EVAL", "return redis.call('zinterstore', KEYS[1], 2, KEYS[2], KEYS[3])", "3", "i", "a", "b"},
      {"EVAL", "return redis.call('zdiffstore', KEYS[1], 2, KEYS[2], KEYS[3])", "3", "d", "b", "a"},
      {"EVAL", "return redis.call('zmpop', 2, KEYS[1], KEYS[2], 'MAX', 'COUNT', 2)", "2", "nokey", "b"},
      {"EVAL", "return redis.call('bzmpop', 0, 2, KEYS[1], KEYS[2], 'MIN')", "2", "nokey", "a"},
      {"EVAL", "return redis.call('bzmpop', 0, 1, KEYS[1], 'MIN')", "1", "nokey"},
      {"EVAL", "return redis.pcall('zunion', 0, KEYS[1])", "1", "a"},
      {"EVAL", "return redis.pcall('zunionstore', KEYS[1], 'x', KEYS[2])", "2", "d", "a"},
      {"EVAL", "return redis.pcall('zmpop', 5, KEYS[1], 'MIN')", "1", "a"},
      {"ZRANGE", "d", "0", "-1", "WITHSCORES"}, {"ZRANGE", "u", "0", "-1", "WITHSCORES"},
      {"ZRANGE", "i", "0", "-1", "WITHSCORES"}, {"ZRANGE", "a", "0", "-1", "WITHSCORES"}, {"EXISTS", "b"},
  });
}

}  // namespace
}  // namespace stockd::testing
