// Sorted sets: the ZSetObject against a std::set model, RESP3 reply shapes, and
// the blocking pops.
#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "engine/types/zset.h"
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

}  // namespace
}  // namespace stockd::engine::testing
