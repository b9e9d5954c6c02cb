// Sorted sets: the ZSetObject against a std::set model, RESP3 reply shapes, the
// numkeys commands (ZUNION ... ZMPOP), ZRANDMEMBER, and
// the blocking pops.
#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/functional/any_invocable.h"
#include "absl/time/clock.h"
#include "engine/args.h"
#include "engine/blocking.h"
#include "engine/types/zset.h"
#include "runtime/fiber.h"
#include "runtime/scheduler.h"
#include "runtime/time.h"
#include "tests/engine/blocking_test_util.h"
#include "tests/engine/engine_test_util.h"

namespace stockd::engine::testing {
namespace {

using Model = std::set<std::pair<double, std::string>>;

TEST(ZSetObjectTest, MatchesAnOrderedModelUnderRandomOps) {
  ZSetObject z;
  Model model;
  std::map<std::string, double> scores;
  std::mt19937 rng(7);
  for (int i = 0; i < 20000; ++i) {
    std::string m = "m" + std::to_string(rng() % 300);
    double s = static_cast<double>(static_cast<int>(rng() % 50)) / 2;
    if (rng() % 3 == 0) {
      bool had = scores.count(m) > 0;
      ASSERT_EQ(z.Remove(m), had);
      if (had) {
        model.erase({scores[m], m});
        scores.erase(m);
      }
    } else {
      bool had = scores.count(m) > 0;
      ASSERT_EQ(z.Set(m, s), !had);
      if (had) model.erase({scores[m], m});
      model.insert({s, m});
      scores[m] = s;
    }
    ASSERT_EQ(z.size(), model.size());
  }
  // Ranks, access by rank, both directions.
  int64_t rank = 0;
  for (const auto& [s, m] : model) {
    ASSERT_EQ(z.Rank(m, false), rank) << m;
    ASSERT_EQ(z.Rank(m, true), static_cast<int64_t>(model.size()) - 1 - rank);
    ++rank;
  }
  std::vector<std::string> got;
  z.ForRankRange(10, 19, false, [&](std::string_view m, double) { got.emplace_back(m); });
  std::vector<std::string> want;
  auto it = model.begin();
  std::advance(it, 10);
  for (int k = 0; k < 10; ++k, ++it) want.push_back(it->second);
  EXPECT_EQ(got, want);
  // A score range with exclusive ends, ascending and descending.
  ScoreRange r{5, 10, true, false};
  std::vector<std::string> asc, desc, expect;
  z.ForScoreRange(r, false, 0, -1, [&](std::string_view m, double) { asc.emplace_back(m); });
  z.ForScoreRange(r, true, 0, -1, [&](std::string_view m, double) { desc.emplace_back(m); });
  for (const auto& [s, m] : model)
    if (s > 5 && s <= 10) expect.push_back(m);
  EXPECT_EQ(asc, expect);
  std::reverse(expect.begin(), expect.end());
  EXPECT_EQ(desc, expect);
  EXPECT_EQ(z.CountScore(r), expect.size());
}

// ZADD's path (Find, then Update of the same node or Add) and the pops
// (PopEdge) against the model; ranks are checked as they go, since a wrong
// count after a move or a pop shows up as a wrong rank.
TEST(ZSetObjectTest, UpdateInPlaceAndPopEdgeMatchTheModel) {
  ZSetObject z;
  Model model;
  std::map<std::string, double> scores;
  std::mt19937 rng(11);
  for (int i = 0; i < 20000; ++i) {
    const int op = static_cast<int>(rng() % 8);
    if (op == 0 && !model.empty()) {  // pop lowest or highest
      const bool highest = rng() % 2 == 0;
      const auto want = highest ? *model.rbegin() : *model.begin();
      std::string got_m;
      double got_s = -1;
      z.PopEdge(highest, [&](std::string_view m, double s) {
        got_m.assign(m);
        got_s = s;
      });
      ASSERT_EQ(got_m, want.second);
      ASSERT_EQ(got_s, want.first);
      model.erase(want);
      scores.erase(want.second);
    } else {
      std::string m = "m" + std::to_string(rng() % 400);
      double s = static_cast<double>(static_cast<int>(rng() % 60)) - 20;
      ZSetObject::Node* n = z.Find(m);
      ASSERT_EQ(n != nullptr, scores.count(m) > 0);
      if (n != nullptr) {
        ASSERT_EQ(ZSetObject::ScoreOf(n), scores[m]);
        z.Update(n, s);
        ASSERT_EQ(z.Find(m), n);  // the same node, relinked
        model.erase({scores[m], m});
      } else {
        z.Add(m, s);
      }
      model.insert({s, m});
      scores[m] = s;
    }
    ASSERT_EQ(z.size(), model.size());
    if (i % 997 == 0 || i == 19999) {
      int64_t rank = 0;
      for (const auto& [s, m] : model) {
        ASSERT_EQ(z.Rank(m, false), rank) << m;
        double got;
        ASSERT_TRUE(z.Score(m, &got));
        ASSERT_EQ(got, s);
        ++rank;
      }
      std::vector<std::string> all;
      z.ForRankRange(0, model.size(), true, [&](std::string_view m, double) { all.emplace_back(m); });
      ASSERT_EQ(all.size(), model.size());
      if (!all.empty()) {
        ASSERT_EQ(all.front(), model.rbegin()->second);
      }
    }
  }
  // Drain from both ends down to empty.
  while (!z.empty()) z.PopEdge(z.size() % 2 == 0, [](std::string_view, double) {});
  EXPECT_EQ(z.Find("m1"), nullptr);
}

// Range reads on a set big enough for two inner levels of the index: score
// ranges (both ends, both directions, offsets and limits), counts, ranks by
// position, and lex ranges over a set whose members share one score.
TEST(ZSetObjectTest, RangesOnABigSetMatchTheModel) {
  ZSetObject z;
  Model model;
  std::mt19937 rng(3);
  for (int i = 0; i < 6000; ++i) {
    std::string m = "m" + std::to_string(rng() % 100000);
    double s = static_cast<double>(rng() % 800) / 4;
    if (z.Find(m) != nullptr) continue;
    z.Add(m, s);
    model.insert({s, m});
  }
  for (int i = 0; i < 3000; ++i) {  // a lex run: all at score 500
    std::string m = "lex" + std::to_string(i);
    z.Add(m, 500);
    model.insert({500, m});
  }
  ASSERT_EQ(z.size(), model.size());
  std::vector<std::pair<double, std::string>> all(model.begin(), model.end());
  for (int k = 0; k < 200; ++k) {
    ScoreRange r;
    r.min = static_cast<double>(rng() % 900) / 4;
    r.max = r.min + static_cast<double>(rng() % 200) / 4;
    r.minex = rng() % 2 == 0;
    r.maxex = rng() % 2 == 0;
    const bool reverse = rng() % 2 == 0;
    const int64_t offset = rng() % 3 == 0 ? static_cast<int64_t>(rng() % 50) : 0;
    const int64_t limit = rng() % 3 == 0 ? static_cast<int64_t>(rng() % 100) : -1;
    std::vector<std::string> want;
    for (const auto& [s, m] : all)
      if (r.GteMin(s) && r.LteMax(s)) want.push_back(m);
    EXPECT_EQ(z.CountScore(r), want.size());
    if (reverse) std::reverse(want.begin(), want.end());
    want.erase(want.begin(), want.begin() + std::min<size_t>(static_cast<size_t>(offset), want.size()));
    if (limit >= 0 && want.size() > static_cast<size_t>(limit)) want.resize(static_cast<size_t>(limit));
    std::vector<std::string> got;
    z.ForScoreRange(r, reverse, offset, limit, [&](std::string_view m, double) { got.emplace_back(m); });
    ASSERT_EQ(got, want) << r.min << " " << r.max << " rev " << reverse;
    // A window of ranks, either direction.
    const size_t start = rng() % all.size(), end = start + rng() % 300;
    std::vector<std::string> ranks, want_ranks;
    z.ForRankRange(start, end, reverse, [&](std::string_view m, double) { ranks.emplace_back(m); });
    for (size_t i = start; i <= end && i < all.size(); ++i)
      want_ranks.push_back(reverse ? all[all.size() - 1 - i].second : all[i].second);
    ASSERT_EQ(ranks, want_ranks);
  }
  // Lex ranges are defined on a set whose members share one score.
  ZSetObject lex;
  std::vector<std::string> names;
  for (const auto& [s, m] : all) {
    if (s != 500) continue;
    lex.Add(m, 500);
    names.push_back(m);
  }
  std::sort(names.begin(), names.end());
  for (int k = 0; k < 200; ++k) {
    LexRange lr;
    lr.min = "lex" + std::to_string(rng() % 3000);
    lr.max = "lex" + std::to_string(rng() % 3000);
    lr.minex = rng() % 2 == 0;
    lr.maxex = rng() % 2 == 0;
    lr.min_neg_inf = rng() % 10 == 0;
    lr.max_pos_inf = rng() % 10 == 0;
    const bool reverse = rng() % 2 == 0;
    std::vector<std::string> want, got;
    for (const std::string& m : names)
      if (lr.GteMin(m) && lr.LteMax(m)) want.push_back(m);
    EXPECT_EQ(lex.CountLex(lr), want.size());
    if (reverse) std::reverse(want.begin(), want.end());
    lex.ForLexRange(lr, reverse, 0, -1, [&](std::string_view m, double) { got.emplace_back(m); });
    ASSERT_EQ(got, want) << lr.min << " " << lr.max;
  }
}

TEST(ZSetObjectTest, EncodingFollowsRedisThresholds) {
  ZSetObject z;
  for (int i = 0; i < 128; ++i) z.Set("m" + std::to_string(i), i);
  EXPECT_EQ(z.encoding(), Encoding::kListpack);
  z.Set("one-more", 1);
  EXPECT_EQ(z.encoding(), Encoding::kSkiplist);
  ZSetObject y;
  y.Set(std::string(65, 'x'), 1);
  EXPECT_EQ(y.encoding(), Encoding::kSkiplist);
}

class ZSetFamilyTest : public EngineTest {};

TEST_F(ZSetFamilyTest, Resp2AndResp3ReplyShapes) {
  EXPECT_EQ(Run({"ZADD", "z", "1", "a", "2.5", "b"}), Int(2));
  EXPECT_EQ(Run({"ZRANGE", "z", "0", "-1", "WITHSCORES"}), BulkArr({"a", "1", "b", "2.5"}));
  EXPECT_EQ(Run({"ZSCORE", "z", "b"}), Bulk("2.5"));
  session_.resp = 3;
  EXPECT_EQ(Run({"ZRANGE", "z", "0", "-1", "WITHSCORES"}), "*2\r\n*2\r\n$1\r\na\r\n,1\r\n*2\r\n$1\r\nb\r\n,2.5\r\n");
  EXPECT_EQ(Run({"ZSCORE", "z", "a"}), ",1\r\n");
  EXPECT_EQ(Run({"ZPOPMIN", "z"}), "*2\r\n$1\r\na\r\n,1\r\n");
  EXPECT_EQ(Run({"ZPOPMIN", "z", "5"}), "*1\r\n*2\r\n$1\r\nb\r\n,2.5\r\n");
  EXPECT_EQ(Run({"EXISTS", "z"}), Int(0));
}

TEST_F(ZSetFamilyTest, WrongTypeAndNonBlockingForms) {
  Run({"SET", "s", "x"});
  EXPECT_EQ(Run({"ZADD", "s", "1", "a"}), Err("WRONGTYPE Operation against a key holding the wrong kind of value"));
  EXPECT_EQ(Run({"ZRANGE", "s", "0", "1"}), Err("WRONGTYPE Operation against a key holding the wrong kind of value"));
  // Off a fiber (a plain test thread) a blocking pop cannot park: it answers as on a timeout.
  EXPECT_EQ(Run({"BZPOPMIN", "empty", "0"}), "*-1\r\n");
  Run({"ZADD", "q", "3", "c"});
  EXPECT_EQ(Run({"BZPOPMAX", "empty", "q", "1"}), Arr({Bulk("q"), Bulk("c"), Bulk("3")}));
}


// ---- ZUNION ZINTER ZDIFF ZINTERCARD and the STORE forms ----

const std::string kWrongType = Err("WRONGTYPE Operation against a key holding the wrong kind of value");

// The bulk strings of a flat RESP2 array reply, in order ({} for anything else).
std::vector<std::string> ParseBulks(const std::string& r) {
  std::vector<std::string> out;
  if (r.empty() || r[0] != '*') return out;
  size_t pos = r.find("\r\n") + 2;
  while (pos < r.size() && r[pos] == '$') {
    const size_t eol = r.find("\r\n", pos);
    const size_t len = std::stoul(r.substr(pos + 1, eol - pos - 1));
    out.push_back(r.substr(eol + 2, len));
    pos = eol + 2 + len + 2;
  }
  return out;
}

TEST_F(ZSetFamilyTest, UnionInterDiffReplies) {
  Run({"ZADD", "a", "1", "x", "2", "y", "3", "z"});
  Run({"ZADD", "b", "10", "y", "20", "z", "30", "w"});
  Run({"SADD", "s", "x", "w"});  // a set: its members score 1
  // Results come ordered by score, then member.
  EXPECT_EQ(Run({"ZUNION", "2", "a", "b"}), BulkArr({"x", "y", "z", "w"}));
  EXPECT_EQ(Run({"ZUNION", "2", "a", "b", "WITHSCORES"}), BulkArr({"x", "1", "y", "12", "z", "23", "w", "30"}));
  EXPECT_EQ(Run({"ZUNION", "3", "a", "b", "s", "AGGREGATE", "MAX", "WITHSCORES"}),
            BulkArr({"x", "1", "y", "10", "z", "20", "w", "30"}));
  EXPECT_EQ(Run({"ZINTER", "2", "a", "b", "WEIGHTS", "2", "0.5", "WITHSCORES"}),
            BulkArr({"y", "9", "z", "16"}));
  EXPECT_EQ(Run({"ZINTER", "2", "a", "s", "WITHSCORES"}), BulkArr({"x", "2"}));
  EXPECT_EQ(Run({"ZINTER", "2", "a", "nokey"}), "*0\r\n");
  // ZDIFF: the first input's members in none of the others, with their own scores.
  EXPECT_EQ(Run({"ZDIFF", "2", "a", "b", "WITHSCORES"}), BulkArr({"x", "1"}));
  EXPECT_EQ(Run({"ZDIFF", "3", "b", "a", "s"}), "*0\r\n");
  EXPECT_EQ(Run({"ZDIFF", "1", "nokey"}), "*0\r\n");
  EXPECT_EQ(Run({"ZINTERCARD", "2", "a", "b"}), Int(2));
  EXPECT_EQ(Run({"ZINTERCARD", "2", "a", "b", "LIMIT", "1"}), Int(1));
  EXPECT_EQ(Run({"ZINTERCARD", "2", "a", "b", "LIMIT", "0"}), Int(2));  // 0: no limit
  EXPECT_EQ(Run({"ZINTERCARD", "1", "s"}), Int(2));
  // inf + -inf sums to 0, as Redis.
  Run({"ZADD", "inf", "inf", "p"});
  EXPECT_EQ(Run({"ZUNION", "2", "inf", "inf", "WEIGHTS", "1", "-1", "WITHSCORES"}), BulkArr({"p", "0"}));
  // RESP3: WITHSCORES is an array of [member, double] pairs.
  session_.resp = 3;
  EXPECT_EQ(Run({"ZINTER", "2", "a", "b", "WITHSCORES"}),
            "*2\r\n*2\r\n$1\r\ny\r\n,12\r\n*2\r\n$1\r\nz\r\n,23\r\n");
  EXPECT_EQ(Run({"ZDIFF", "2", "a", "b"}), BulkArr({"x"}));
}

TEST_F(ZSetFamilyTest, UnionInterDiffErrors) {
  Run({"ZADD", "a", "1", "x"});
  Run({"SET", "str", "v"});
  EXPECT_EQ(Run({"ZUNION", "0", "a"}), Err("ERR at least 1 input key is needed for 'zunion' command"));
  EXPECT_EQ(Run({"ZINTER", "-1", "a"}), Err("ERR at least 1 input key is needed for 'zinter' command"));
  EXPECT_EQ(Run({"ZDIFFSTORE", "d", "0", "a"}), Err("ERR at least 1 input key is needed for 'zdiffstore' command"));
  EXPECT_EQ(Run({"ZINTERCARD", "0", "a"}), Err("ERR at least 1 input key is needed for 'zintercard' command"));
  EXPECT_EQ(Run({"ZUNION", "x", "a"}), Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(Run({"ZUNION", "2", "a"}), Err("ERR syntax error"));
  // The inputs' types are checked before the options, as in Redis.
  EXPECT_EQ(Run({"ZUNION", "2", "a", "str", "WEIGHTS", "x"}), kWrongType);
  EXPECT_EQ(Run({"ZUNIONSTORE", "d", "2", "a", "str", "BOGUS"}), kWrongType);
  EXPECT_EQ(Run({"ZUNION", "1", "a", "WEIGHTS", "x"}), Err("ERR weight value is not a float"));
  EXPECT_EQ(Run({"ZUNION", "1", "a", "AGGREGATE", "avg"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"ZDIFF", "1", "a", "WEIGHTS", "1"}), Err("ERR syntax error"));      // no weights for a diff
  EXPECT_EQ(Run({"ZUNIONSTORE", "d", "1", "a", "WITHSCORES"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"ZINTERCARD", "1", "a", "WITHSCORES"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"ZINTERCARD", "1", "a", "LIMIT", "-1"}), Err("ERR LIMIT can't be negative"));
  EXPECT_EQ(Run({"ZINTERCARD", "1", "a", "LIMIT", "x"}), Err("ERR LIMIT can't be negative"));
  EXPECT_EQ(Run({"EXISTS", "d"}), Int(0));
}

// The STORE forms share the parser and the computation: each stores exactly
// what its reply form answers, and an empty result deletes the destination.
TEST_F(ZSetFamilyTest, StoreFormsStoreWhatTheReplyFormsAnswer) {
  Run({"ZADD", "a", "1", "x", "2", "y", "3", "z"});
  Run({"ZADD", "b", "10", "y", "20", "z", "30", "w"});
  Run({"SADD", "s", "y"});
  const std::vector<std::vector<std::string>> forms = {
      {"UNION", "3", "a", "b", "s", "WEIGHTS", "1", "2", "3", "AGGREGATE", "MIN"},
      {"INTER", "2", "a", "b", "AGGREGATE", "MAX"},
      {"DIFF", "2", "b", "a"},
  };
  for (const auto& f : forms) {
    std::vector<std::string> read = {"Z" + f[0]}, store = {"Z" + f[0] + "STORE", "dst"};
    read.insert(read.end(), f.begin() + 1, f.end());
    store.insert(store.end(), f.begin() + 1, f.end());
    read.push_back("WITHSCORES");
    const std::string want = Run(read);
    const std::string stored = Run(store);
    EXPECT_EQ(Run(std::vector<std::string>{"ZRANGE", "dst", "0", "-1", "WITHSCORES"}), want) << f[0];
    EXPECT_EQ(stored, Int(static_cast<int64_t>(ParseBulks(want).size() / 2))) << f[0];
    EXPECT_NE(want, "*0\r\n") << f[0];  // each form has a non-empty result here
  }
  EXPECT_EQ(Run({"ZDIFFSTORE", "dst", "2", "a", "a"}), Int(0));
  EXPECT_EQ(Run({"EXISTS", "dst"}), Int(0));
  // The destination may be one of the inputs.
  EXPECT_EQ(Run({"ZDIFFSTORE", "a", "2", "a", "s"}), Int(2));
  EXPECT_EQ(Run({"ZRANGE", "a", "0", "-1"}), BulkArr({"x", "z"}));
}

// ---- ZRANDMEMBER ----

// See SetFamilyTest.RandomMemberRefusesUnboundedRepetitions.
TEST_F(ZSetFamilyTest, RandMemberRefusesUnboundedRepetitions) {
  EXPECT_EQ(Run({"ZRANDMEMBER", "z", "-4611686018427387905"}), "*0\r\n");
  Run({"ZADD", "z", "1", "a"});
  ASSERT_EQ(Run({"ZRANDMEMBER", "z", std::to_string(-kMaxRepeatedCount - 1), "WITHSCORES"}),
            Err("ERR value is out of range"));  // the bound first: without it the next line would not return
  EXPECT_EQ(Run({"ZRANDMEMBER", "z", "-4611686018427387905"}), Err("ERR value is out of range"));
  EXPECT_EQ(Run({"ZRANDMEMBER", "z", "-2"}), "*2\r\n$1\r\na\r\n$1\r\na\r\n");
}

TEST_F(ZSetFamilyTest, RandMemberShapes) {
  EXPECT_EQ(Run({"ZRANDMEMBER", "nokey"}), kNil);
  EXPECT_EQ(Run({"ZRANDMEMBER", "nokey", "3"}), "*0\r\n");
  EXPECT_EQ(Run({"ZRANDMEMBER", "nokey", "x"}), Err("ERR value is not an integer or out of range"));
  Run({"ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d"});
  const std::set<std::string> members = {"a", "b", "c", "d"};
  for (int i = 0; i < 20; ++i) {
    std::string r = Run({"ZRANDMEMBER", "z"});
    ASSERT_EQ(r.size(), 7u) << r;  // $1\r\nX\r\n
    EXPECT_TRUE(members.count(r.substr(4, 1))) << r;
  }
  EXPECT_EQ(Run({"ZRANDMEMBER", "z", "0"}), "*0\r\n");
  // A count reaching the size: the whole set, highest first (as Redis).
  EXPECT_EQ(Run({"ZRANDMEMBER", "z", "4"}), BulkArr({"d", "c", "b", "a"}));
  EXPECT_EQ(Run({"ZRANDMEMBER", "z", "9", "WITHSCORES"}), BulkArr({"d", "4", "c", "3", "b", "2", "a", "1"}));
  // Fewer: distinct members; a negative count: exactly |count|, repeats allowed.
  for (int i = 0; i < 20; ++i) {
    std::vector<std::string> got = ParseBulks(Run({"ZRANDMEMBER", "z", "3"}));
    ASSERT_EQ(got.size(), 3u);
    EXPECT_EQ(std::set<std::string>(got.begin(), got.end()).size(), 3u);
    for (const auto& m : got) EXPECT_TRUE(members.count(m)) << m;
  }
  std::vector<std::string> many = ParseBulks(Run({"ZRANDMEMBER", "z", "-40", "WITHSCORES"}));
  ASSERT_EQ(many.size(), 80u);
  std::set<std::string> distinct;
  for (size_t i = 0; i < many.size(); i += 2) {
    ASSERT_TRUE(members.count(many[i])) << many[i];
    distinct.insert(many[i]);
    EXPECT_EQ(many[i + 1], std::to_string(many[i][0] - 'a' + 1));  // each member with its own score
  }
  EXPECT_GT(distinct.size(), 1u);  // 40 draws of 4 members are not all the same one
  EXPECT_EQ(Run({"ZRANDMEMBER", "z", "1", "FOO"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"ZRANDMEMBER", "z", "1", "WITHSCORES", "x"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"ZRANDMEMBER", "z", "-9223372036854775808"}),
            Err("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"));
  EXPECT_EQ(Run({"ZRANDMEMBER", "z", "4611686018427387904", "WITHSCORES"}), Err("ERR value is out of range"));
  Run({"SET", "str", "v"});
  EXPECT_EQ(Run({"ZRANDMEMBER", "str"}), kWrongType);
  EXPECT_EQ(Run({"ZRANDMEMBER", "str", "1"}), kWrongType);
  session_.resp = 3;
  EXPECT_EQ(Run({"ZRANDMEMBER", "nokey"}), "_\r\n");
  EXPECT_EQ(Run({"ZRANDMEMBER", "z", "2", "WITHSCORES"}).substr(0, 8), "*2\r\n*2\r\n");
  EXPECT_EQ(Run({"ZRANDMEMBER", "z", "5", "WITHSCORES"}),
            "*4\r\n*2\r\n$1\r\nd\r\n,4\r\n*2\r\n$1\r\nc\r\n,3\r\n*2\r\n$1\r\nb\r\n,2\r\n*2\r\n$1\r\na\r\n,1\r\n");
}

// ---- ZMPOP ----

TEST_F(ZSetFamilyTest, MPopPopsFromTheFirstExistingKey) {
  Run({"ZADD", "b", "1", "x", "2", "y", "3", "z"});
  EXPECT_EQ(Run({"ZMPOP", "1", "nokey", "MIN"}), "*-1\r\n");
  EXPECT_EQ(Run({"ZMPOP", "2", "a", "b", "MIN"}), Arr({Bulk("b"), Arr({BulkArr({"x", "1"})})}));
  EXPECT_EQ(Run({"ZMPOP", "2", "a", "b", "MAX", "COUNT", "10"}),
            Arr({Bulk("b"), Arr({BulkArr({"z", "3"}), BulkArr({"y", "2"})})}));
  EXPECT_EQ(Run({"EXISTS", "b"}), Int(0));  // emptied: deleted
  Run({"SET", "str", "v"});
  Run({"ZADD", "c", "5", "m"});
  // The first key that exists decides: WRONGTYPE even though c has data.
  EXPECT_EQ(Run({"ZMPOP", "2", "str", "c", "MIN"}), kWrongType);
  EXPECT_EQ(Run({"ZMPOP", "2", "c", "str", "MIN"}), Arr({Bulk("c"), Arr({BulkArr({"m", "5"})})}));
  session_.resp = 3;
  Run({"ZADD", "c", "1.5", "m"});
  EXPECT_EQ(Run({"ZMPOP", "1", "c", "MIN"}), "*2\r\n$1\r\nc\r\n*1\r\n*2\r\n$1\r\nm\r\n,1.5\r\n");
  EXPECT_EQ(Run({"ZMPOP", "1", "c", "MIN"}), "_\r\n");
}

TEST_F(ZSetFamilyTest, MPopErrors) {
  Run({"ZADD", "z", "1", "a"});
  for (const char* n : {"0", "-1", "x"})
    EXPECT_EQ(Run({"ZMPOP", n, "z", "MIN"}), Err("ERR numkeys should be greater than 0")) << n;
  EXPECT_EQ(Run({"ZMPOP", "2", "z", "MIN"}), Err("ERR syntax error"));  // MIN taken as a key
  EXPECT_EQ(Run({"ZMPOP", "9223372036854775807", "z", "MIN"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"ZMPOP", "1", "z", "FOO"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"ZMPOP", "1", "z", "MIN", "COUNT"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"ZMPOP", "1", "z", "MIN", "COUNT", "1", "COUNT", "1"}), Err("ERR syntax error"));
  for (const char* c : {"0", "-2", "x"})
    EXPECT_EQ(Run({"ZMPOP", "1", "z", "MIN", "COUNT", c}), Err("ERR count should be greater than 0")) << c;
  EXPECT_EQ(Run({"ZMPOP", "1", "z"}), Err("ERR wrong number of arguments for 'zmpop' command"));
  // BZMPOP checks its timeout after the other arguments.
  EXPECT_EQ(Run({"BZMPOP", "x", "0", "z", "MIN"}), Err("ERR numkeys should be greater than 0"));
  EXPECT_EQ(Run({"BZMPOP", "x", "1", "z", "MIN"}), Err("ERR timeout is not a float or out of range"));
  EXPECT_EQ(Run({"BZMPOP", "-1", "1", "z", "MIN"}), Err("ERR timeout is negative"));
  EXPECT_EQ(Run({"ZCARD", "z"}), Int(1));  // no error popped anything
}

// The pops and the STORE forms write through the sorted set's mutators and
// StoreResult: the change observer (persistence, WATCH) sees each written
// key, reads report nothing, and a big set records the popped members as
// changed rows.
TEST_F(ZSetFamilyTest, WritesAreObservedAndTrackedPerMember) {
  std::vector<std::string> changed;
  engine_.SetChangeObserver([&](const ChangeSet& cs) {
    for (const KeyChange& c : cs.changes) changed.emplace_back(c.key);
  });
  std::vector<std::string> zadd = {"ZADD", "big"};
  for (int i = 0; i < 200; ++i) {
    zadd.push_back(std::to_string(i));
    zadd.push_back("m" + std::to_string(i));
  }
  Run(zadd);
  Run({"ZADD", "small", "1", "a"});
  changed.clear();
  Run({"ZUNION", "2", "big", "small"});
  Run({"ZINTERCARD", "2", "big", "small"});
  Run({"ZRANDMEMBER", "big", "3"});
  EXPECT_TRUE(changed.empty());
  Run({"ZDIFFSTORE", "d", "1", "small"});
  EXPECT_EQ(changed, std::vector<std::string>{"d"});
  changed.clear();
  {  // the persister "wrote" big: from now on its changed members are recorded
    Shard& shard = engine_.ShardFor(0, "big");
    std::lock_guard<SpinLock> lock(shard.lock());
    Entry* e = shard.FindWrite("big", KeyHash("big"), now_ms_);
    ASSERT_NE(e, nullptr);
    AsZSet(e->value)->rows.Written();
  }
  EXPECT_EQ(Run({"ZMPOP", "1", "big", "MAX", "COUNT", "2"}),
            Arr({Bulk("big"), Arr({BulkArr({"m199", "199"}), BulkArr({"m198", "198"})})}));
  EXPECT_EQ(changed, std::vector<std::string>{"big"});
  {
    Shard& shard = engine_.ShardFor(0, "big");
    std::lock_guard<SpinLock> lock(shard.lock());
    Entry* e = shard.FindWrite("big", KeyHash("big"), now_ms_);
    ASSERT_NE(e, nullptr);
    const MemberRows& rows = AsZSet(e->value)->rows;
    ASSERT_FALSE(rows.whole());
    EXPECT_EQ(rows.dirty(), (absl::flat_hash_set<std::string>{"m199", "m198"}));
  }
  changed.clear();
  Run({"ZMPOP", "1", "small", "MIN"});  // empties and deletes small
  EXPECT_EQ(changed, std::vector<std::string>{"small"});
  EXPECT_EQ(Run({"EXISTS", "small"}), Int(0));
}

TEST_F(ZSetFamilyTest, WatchSeesPopsAndStores) {
  Session other;
  Run({"ZADD", "z", "1", "a", "2", "b"});
  EXPECT_EQ(Run({"WATCH", "z", "dst"}), kOk);
  EXPECT_EQ(engine_.Execute(other, {"ZMPOP", "1", "z", "MIN"}), Arr({Bulk("z"), Arr({BulkArr({"a", "1"})})}));
  Run({"MULTI"});
  Run({"ZCARD", "z"});
  EXPECT_EQ(Run({"EXEC"}), "*-1\r\n");
  EXPECT_EQ(Run({"WATCH", "dst"}), kOk);
  EXPECT_EQ(engine_.Execute(other, {"ZUNIONSTORE", "dst", "1", "z"}), Int(1));
  Run({"MULTI"});
  Run({"ZCARD", "dst"});
  EXPECT_EQ(Run({"EXEC"}), "*-1\r\n");
  // Inside MULTI the numkeys commands run (EXEC locks for them) and BZMPOP
  // does not block: it answers as on a timeout.
  Run({"MULTI"});
  Run({"ZINTER", "2", "z", "dst", "WITHSCORES"});
  Run({"ZMPOP", "2", "nokey", "z", "MAX"});
  Run({"BZMPOP", "0", "1", "z", "MIN"});
  Run({"ZDIFFSTORE", "d2", "1", "dst"});
  EXPECT_EQ(Run({"EXEC"}), Arr({BulkArr({"b", "4"}), Arr({Bulk("z"), Arr({BulkArr({"b", "2"})})}), "*-1\r\n",
                                Int(1)}));
}

// ---- BZMPOP blocking (engine/blocking.h), as tests/engine/blocking_family_test.cc ----

using ZSetBlockingTest = RuntimeEngineTest;

TEST_F(ZSetBlockingTest, BZMPopIsWokenByZAddFromAnotherClient) {
  InRuntime([&] {
    std::string reply;
    runtime::Fiber f = runtime::Go([&] {
      Session s;
      reply = engine_.Execute(s, {"BZMPOP", "0", "2", "a", "q", "MAX", "COUNT", "2"});
    });
    AwaitBlocked(1);
    Session pusher;
    EXPECT_EQ(engine_.Execute(pusher, {"ZADD", "q", "1", "x", "2", "y", "3", "z"}), Int(3));
    ASSERT_TRUE(f.Join().ok());
    EXPECT_EQ(reply, Arr({Bulk("q"), Arr({BulkArr({"z", "3"}), BulkArr({"y", "2"})})}));
    EXPECT_EQ(engine_.Execute({"ZRANGE", "q", "0", "-1"}), BulkArr({"x"}));
    EXPECT_EQ(engine_.blocking().blocked_clients(), 0u);
  });
}

// Waiters are served in arrival order, one ZADD of two members serving two
// of them; a ZUNIONSTORE onto a waited key wakes a waiter too.
TEST_F(ZSetBlockingTest, BZMPopWaitersAreServedInOrder) {
  InRuntime([&] {
    std::vector<std::string> replies(3);
    std::vector<runtime::Fiber> fibers;
    for (int i = 0; i < 3; ++i) {
      fibers.push_back(runtime::Go([&, i] {
        Session s;
        replies[static_cast<size_t>(i)] = engine_.Execute(s, {"BZMPOP", "5", "1", "q", "MIN"});
      }));
      AwaitBlocked(static_cast<size_t>(i) + 1);  // arrival order = i
    }
    engine_.Execute({"ZADD", "q", "1", "a", "2", "b"});
    AwaitBlocked(1);
    engine_.Execute({"ZADD", "src", "7", "c"});
    engine_.Execute({"ZUNIONSTORE", "q", "1", "src"});
    for (auto& f : fibers) ASSERT_TRUE(f.Join().ok());
    EXPECT_EQ(replies[0], Arr({Bulk("q"), Arr({BulkArr({"a", "1"})})}));
    EXPECT_EQ(replies[1], Arr({Bulk("q"), Arr({BulkArr({"b", "2"})})}));
    EXPECT_EQ(replies[2], Arr({Bulk("q"), Arr({BulkArr({"c", "7"})})}));
    EXPECT_EQ(engine_.Execute({"EXISTS", "q"}), Int(0));
  });
}

TEST_F(ZSetBlockingTest, BZMPopTimesOut) {
  InRuntime([&] {
    Session s;
    const absl::Time start = absl::Now();
    EXPECT_EQ(engine_.Execute(s, {"BZMPOP", "0.05", "2", "a", "b", "MIN"}), "*-1\r\n");
    EXPECT_GE(absl::Now() - start, absl::Milliseconds(45));
    s.resp = 3;
    EXPECT_EQ(engine_.Execute(s, {"BZMPOP", "0.01", "1", "a", "MAX", "COUNT", "3"}), "_\r\n");
    EXPECT_EQ(engine_.blocking().blocked_clients(), 0u);
    // Data already there: no wait at all.
    engine_.Execute({"ZADD", "b", "4", "m"});
    EXPECT_EQ(engine_.Execute(s, {"BZMPOP", "0", "2", "a", "b", "MIN"}),
              "*2\r\n$1\r\nb\r\n*1\r\n*2\r\n$1\r\nm\r\n,4\r\n");
  });
}

}  // namespace
}  // namespace stockd::engine::testing
