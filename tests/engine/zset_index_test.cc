// engine/types/zset_index.h — the sorted set's B+ tree against a std::set
// model, big enough for three inner levels, with every invariant (order,
// counts, keys, leaf links) checked along the way.
#include "engine/types/zset_index.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace stockd::engine {
namespace {

using Model = std::set<std::pair<double, std::string>>;

class ZIndexTest : public ::testing::Test {
 protected:
  ~ZIndexTest() override {
    for (auto& [m, n] : nodes_) ZNode::Free(n);
  }

  void Add(const std::string& m, double s) {
    ZNode* n = ZNode::Make(m, s);
    nodes_[m] = n;
    index_.Insert(n);
    model_.insert({s, m});
  }
  void Remove(std::string m) {  // by value: callers pass the model's own strings
    ZNode* n = nodes_.at(m);
    index_.Erase(n, n->score);
    model_.erase({n->score, m});
    nodes_.erase(m);
    ZNode::Free(n);
  }
  void Move(const std::string& m, double s) {
    ZNode* n = nodes_.at(m);
    const double old = n->score;
    model_.erase({old, m});
    n->score = s;
    index_.Move(n, old);
    model_.insert({s, m});
  }
  // The whole order, every rank and a few rank/score lookups against the model.
  void CheckAll() {
    std::string why;
    ASSERT_TRUE(index_.CheckInvariants(&why)) << why;
    ASSERT_EQ(index_.size(), model_.size());
    size_t rank = 0;
    ZIndex::Pos p = index_.First();
    for (const auto& [s, m] : model_) {
      ASSERT_TRUE(p.valid()) << rank;
      ASSERT_EQ(index_.At(p)->member(), m) << rank;
      ASSERT_EQ(index_.ScoreAt(p), s);
      ASSERT_EQ(index_.Rank(nodes_.at(m)), rank);
      p = index_.Next(p);
      ++rank;
    }
    ASSERT_FALSE(p.valid());
    // Backwards from the end.
    auto it = model_.rbegin();
    for (ZIndex::Pos q = index_.Last(); q.valid(); q = index_.Prev(q), ++it) {
      ASSERT_NE(it, model_.rend());
      ASSERT_EQ(index_.At(q)->member(), it->second);
    }
    ASSERT_EQ(it, model_.rend());
    // Access by rank and lower bounds by score.
    for (int k = 0; k < 50 && !model_.empty(); ++k) {
      const size_t r = rng_() % model_.size();
      auto want = model_.begin();
      std::advance(want, static_cast<long>(r));
      ASSERT_EQ(index_.At(index_.AtRank(r))->member(), want->second);
      const double bound = static_cast<double>(rng_() % 1000) / 4;
      size_t below = 0;
      ZIndex::Pos lb = index_.LowerBound([&](double s, const ZNode*) { return s < bound; }, &below);
      auto mlb = model_.lower_bound({bound, std::string()});
      ASSERT_EQ(below, static_cast<size_t>(std::distance(model_.begin(), mlb)));
      ASSERT_EQ(lb.valid(), mlb != model_.end());
      if (lb.valid()) {
        ASSERT_EQ(index_.At(lb)->member(), mlb->second);
      }
    }
  }

  ZIndex index_;
  Model model_;
  std::map<std::string, ZNode*> nodes_;
  std::mt19937 rng_{5};
};

TEST_F(ZIndexTest, EmptyIndex) {
  EXPECT_FALSE(index_.First().valid());
  EXPECT_FALSE(index_.Last().valid());
  size_t r = 7;
  EXPECT_FALSE(index_.LowerBound([](double, const ZNode*) { return true; }, &r).valid());
  EXPECT_EQ(r, 0u);
  CheckAll();
}

TEST_F(ZIndexTest, GrowsToThreeInnerLevelsAndShrinksBackToOneLeaf) {
  // Few distinct scores, so most comparisons are member ties.
  for (int i = 0; i < 70000; ++i) Add("m" + std::to_string(i), static_cast<double>(rng_() % 250) / 4);
  EXPECT_GE(index_.height(), 3);
  CheckAll();
  // Random removals and moves (in place and across the tree).
  std::vector<std::string> names;
  for (const auto& [m, n] : nodes_) names.push_back(m);
  std::shuffle(names.begin(), names.end(), rng_);
  for (size_t i = 0; i < names.size(); ++i) {
    if (i % 3 == 0) Remove(names[i]);
    else if (i % 3 == 1) Move(names[i], static_cast<double>(rng_() % 1000) / 4);
    if (i % 20000 == 0) CheckAll();
  }
  CheckAll();
  // Remove nine of every ten in order (underfull leaves merge), then the rest.
  names.clear();
  for (const auto& [s, m] : model_) names.push_back(m);
  for (size_t i = 0; i < names.size(); ++i)
    if (i % 10 != 0) Remove(names[i]);
  CheckAll();
  for (size_t i = 0; i < names.size(); i += 10) Remove(names[i]);
  CheckAll();
  EXPECT_EQ(index_.size(), 0u);
  EXPECT_EQ(index_.height(), 0);
  // And it grows again from empty.
  for (int i = 0; i < 5000; ++i) Add("n" + std::to_string(i), -static_cast<double>(i % 17));
  CheckAll();
}

TEST_F(ZIndexTest, MatchesTheModelUnderRandomOps) {
  for (int i = 0; i < 200000; ++i) {
    const std::string m = "k" + std::to_string(rng_() % 8000);
    const double s = static_cast<double>(static_cast<int>(rng_() % 400)) - 200;
    const bool present = nodes_.count(m) > 0;
    switch (rng_() % 4) {
      case 0:
        if (present) Remove(m);
        break;
      case 1:  // a small step: usually stays in place
        if (present) Move(m, nodes_.at(m)->score + 0.25);
        else Add(m, s);
        break;
      default:
        if (present) Move(m, s);
        else Add(m, s);
    }
    if (i % 25000 == 0) CheckAll();
  }
  CheckAll();
  // Ascending inserts and descending deletes (the edges: ZADD of a counter, ZPOPMAX).
  for (int i = 0; i < 20000; ++i) Add("asc" + std::to_string(i), 1000 + i);
  CheckAll();
  while (!model_.empty() && model_.rbegin()->first >= 1000) Remove(model_.rbegin()->second);
  CheckAll();
  while (!model_.empty()) Remove(model_.begin()->second);
  CheckAll();
}

}  // namespace
}  // namespace stockd::engine
