// Sorted sets: the skiplist against a std::set model, RESP3 reply shapes, and
// the blocking pops.
#include <map>
#include <random>
#include <set>

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
// span after a relink or a header-only unlink shows up as a wrong rank.
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
      if (!all.empty()) ASSERT_EQ(all.front(), model.rbegin()->second);
    }
  }
  // Drain from both ends down to empty.
  while (!z.empty()) z.PopEdge(z.size() % 2 == 0, [](std::string_view, double) {});
  EXPECT_EQ(z.Find("m1"), nullptr);
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
