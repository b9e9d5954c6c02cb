// tests/engine/change_observer_test.cc — Engine::SetChangeObserver: which keys
// a command changed, per shard, with per-shard sequence numbers, seen under
// the shard's lock at the end of the command.
#include <algorithm>
#include <map>
#include <set>

#include "tests/engine/engine_test_util.h"

namespace stockd::engine::testing {
namespace {

struct Seen {
  int db;
  int shard;
  KeyChange::Kind kind;
  std::string key;
  uint64_t seq;
  bool present;  // the key exists in the shard when the observer runs
};

class ChangeObserverTest : public EngineTest {
 protected:
  void SetUp() override {
    engine_.SetChangeObserver([this](const ChangeSet& cs) {
      for (const KeyChange& c : cs.changes) {
        seen_.push_back(Seen{cs.db, cs.shard_index, c.kind, std::string(c.key), c.seq,
                             cs.shard.Peek(c.key, KeyHash(c.key)) != nullptr});
      }
    });
  }
  std::vector<std::string> Keys() {
    std::vector<std::string> out;
    for (const Seen& s : seen_) out.push_back(s.key);
    return out;
  }
  std::vector<Seen> seen_;
};

TEST_F(ChangeObserverTest, WritesAreReportedReadsAreNot) {
  Run({"SET", "a", "1"});
  ASSERT_EQ(seen_.size(), 1u);
  EXPECT_EQ(seen_[0].key, "a");
  EXPECT_EQ(seen_[0].kind, KeyChange::kWrite);
  EXPECT_EQ(seen_[0].db, 0);
  EXPECT_TRUE(seen_[0].present);
  seen_.clear();
  Run({"GET", "a"});
  Run({"EXISTS", "a"});
  Run({"INCR", "nope_is_created"});
  Run({"GET", "missing"});
  EXPECT_EQ(Keys(), std::vector<std::string>{"nope_is_created"});
  seen_.clear();
  Run({"INCR", "a"});
  Run({"SET", "s", "x"});
  seen_.clear();
  Run({"INCR", "s"});  // fails: nothing changed
  EXPECT_TRUE(seen_.empty());
  Run({"DEL", "a", "missing"});
  ASSERT_EQ(seen_.size(), 1u);
  EXPECT_EQ(seen_[0].key, "a");
  EXPECT_FALSE(seen_[0].present);
}

TEST_F(ChangeObserverTest, MultiKeyCommandsReportEveryShard) {
  std::vector<std::string> argv = {"MSET"};
  for (int i = 0; i < 40; ++i) {
    argv.push_back("key" + std::to_string(i));
    argv.push_back("v");
  }
  Run(argv);
  ASSERT_EQ(seen_.size(), 40u);
  std::set<int> shards;
  for (const Seen& s : seen_) {
    shards.insert(s.shard);
    EXPECT_EQ(engine_.ShardFor(0, s.key).index(), s.shard);
  }
  EXPECT_GT(shards.size(), 1u);
}

TEST_F(ChangeObserverTest, SequenceNumbersIncreasePerShard) {
  for (int i = 0; i < 200; ++i) Run({"INCR", "k" + std::to_string(i % 17)});
  std::map<int, uint64_t> last;
  for (const Seen& s : seen_) {
    EXPECT_GT(s.seq, last[s.shard]);
    last[s.shard] = s.seq;
  }
  EXPECT_EQ(seen_.size(), 200u);
}

TEST_F(ChangeObserverTest, ExpiryDeletionsAreReported) {
  Run({"SET", "lazy", "v", "PX", "10"});
  Run({"SET", "active", "v", "PX", "10"});
  seen_.clear();
  Advance(11);
  Run({"GET", "lazy"});  // a read that deletes
  ASSERT_EQ(seen_.size(), 1u);
  EXPECT_EQ(seen_[0].key, "lazy");
  EXPECT_FALSE(seen_[0].present);
  engine_.ActiveExpireCycle(absl::Seconds(1));
  ASSERT_EQ(seen_.size(), 2u);
  EXPECT_EQ(seen_[1].key, "active");
}

TEST_F(ChangeObserverTest, ExpireRenameMoveFlush) {
  Run({"SET", "a", "1"});
  seen_.clear();
  Run({"EXPIRE", "a", "100"});
  EXPECT_EQ(Keys(), std::vector<std::string>{"a"});
  seen_.clear();
  Run({"RENAME", "a", "b"});
  std::vector<std::string> renamed = Keys();
  std::set<std::string> keys(renamed.begin(), renamed.end());
  EXPECT_EQ(keys, (std::set<std::string>{"a", "b"}));
  seen_.clear();
  Run({"MOVE", "b", "3"});
  ASSERT_EQ(seen_.size(), 3u);  // delete in db 0; set + its TTL in db 3
  std::set<int> dbs;
  for (const Seen& s : seen_) dbs.insert(s.db);
  EXPECT_EQ(dbs, (std::set<int>{0, 3}));
  seen_.clear();
  Run({"SELECT", "3"});
  Run({"FLUSHDB"});
  EXPECT_EQ(seen_.size(), static_cast<size_t>(engine_.shards_per_db()));
  for (const Seen& s : seen_) {
    EXPECT_EQ(s.kind, KeyChange::kFlush);
    EXPECT_EQ(s.db, 3);
  }
}

TEST_F(ChangeObserverTest, ClearingTheObserverStopsReports) {
  engine_.SetChangeObserver(nullptr);
  Run({"SET", "a", "1"});
  EXPECT_TRUE(seen_.empty());
}

// The persister's mode: a live key is reported once until it is taken back.
class CoalescingObserverTest : public EngineTest {
 protected:
  void SetUp() override {
    engine_.SetChangeObserver(
        [this](const ChangeSet& cs) {
          ++calls_;
          for (const KeyChange& c : cs.changes) {
            if (c.kind == KeyChange::kWrite) keys_.push_back(std::string(c.key));
          }
        },
        /*coalesce=*/true);
  }
  // What the persister's snapshot does for a reported key.
  void Take(std::string_view key) {
    Shard& shard = engine_.ShardFor(0, key);
    std::lock_guard<SpinLock> lock(shard.lock());
    shard.TakePending(key, KeyHash(key));
  }
  int calls_ = 0;
  std::vector<std::string> keys_;
};

TEST_F(CoalescingObserverTest, ALiveKeyIsReportedOnceUntilTaken) {
  Run({"SET", "k", "1"});
  Run({"INCR", "k"});
  Run({"APPEND", "k", "0"});
  Run({"EXPIRE", "k", "100"});
  EXPECT_EQ(keys_, std::vector<std::string>{"k"});
  EXPECT_EQ(calls_, 4);  // every write still calls it (side records join there)
  Take("k");
  Run({"INCR", "k"});
  EXPECT_EQ(keys_, (std::vector<std::string>{"k", "k"}));
}

TEST_F(CoalescingObserverTest, DeletionsAreAlwaysReported) {
  Run({"RPUSH", "l", "a"});
  Run({"RPUSH", "l", "b"});
  Run({"DEL", "l"});
  Run({"RPUSH", "l", "c"});  // a new entry: reported again
  Run({"LPOP", "l"});        // the last element: the key goes
  EXPECT_EQ(keys_, (std::vector<std::string>{"l", "l", "l", "l"}));
}

TEST_F(CoalescingObserverTest, SwapdbReportsEveryKeyEvenIfPending) {
  Run({"SET", "a", "1"});
  Run({"SELECT", "1"});
  Run({"SET", "b", "2"});
  keys_.clear();
  Run({"SWAPDB", "0", "1"});
  std::sort(keys_.begin(), keys_.end());
  EXPECT_EQ(keys_, (std::vector<std::string>{"a", "b"}));
}

TEST_F(CoalescingObserverTest, ReplacingTheObserverForgetsThePendingMarks) {
  Run({"SET", "k", "1"});
  engine_.SetChangeObserver(
      [this](const ChangeSet& cs) {
        for (const KeyChange& c : cs.changes) keys_.push_back("new:" + std::string(c.key));
      },
      /*coalesce=*/true);
  Run({"SET", "k", "2"});
  EXPECT_EQ(keys_, (std::vector<std::string>{"k", "new:k"}));
}

}  // namespace
}  // namespace stockd::engine::testing
