// Coalescing: dirty keys are written once per batch with their value as of
// the shard's snapshot (a Delete when gone); a flushed shard is range-deleted
// before its current keys are written; side rows keep the highest
// (item seq, position) whatever the arrival order; the order counter is a max.
#include <mutex>
#include <string>
#include <vector>

#include "engine/key_hash.h"
#include "gtest/gtest.h"
#include "storage/format.h"
#include "storage/coalescer.h"
#include "storage/store.h"
#include "tests/storage/storage_test_util.h"

namespace stockd::storage {
namespace {

class CoalescerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = Store::Open(dir_.path());
    ASSERT_TRUE(s.ok()) << s.status();
    store_ = std::move(*s);
  }
  uint32_t ShardOf(const std::string& key) { return engine_.ShardId(0, engine::KeyHash(key)); }
  // A key named prefix<n> whose shard is (or, with same == false, is not) `shard`.
  std::string KeyOn(uint32_t shard, const std::string& prefix, bool same = true) {
    for (int n = 0;; ++n) {
      std::string k = prefix + std::to_string(n);
      if ((ShardOf(k) == shard) == same) return k;
    }
  }
  Item KeyItem(uint64_t seq, const std::string& key) {
    Item it;
    it.seq = seq;
    it.shard_id = ShardOf(key);
    if (!key.empty()) it.keys.push_back(key);  // "": a keyless item (its change was coalesced)
    return it;
  }
  // Snapshots every dirty shard of c (under its lock), adds the side rows, writes.
  size_t Write(Coalescer& c) {
    rocksdb::WriteBatch b;
    size_t rows = 0;
    const int spd = engine_.shards_per_db();
    for (size_t i = 0; i < c.shards().size(); ++i) {
      const uint32_t id = c.shards()[i];
      engine::Shard& shard = engine_.shard(id);
      std::lock_guard<engine::SpinLock> lock(shard.lock());
      rows += c.SnapshotShard(id, static_cast<int>(id) / spd, static_cast<int>(id) % spd, shard, *store_, &b);
    }
    rows += c.BuildSideRows(*store_, &b);
    EXPECT_TRUE(store_->Write(&b, true).ok());
    return rows;
  }
  // The string stored for key, or "<none>".
  std::string Get(const std::string& key) {
    const uint32_t id = ShardOf(key);
    const int spd = engine_.shards_per_db();
    std::string v;
    rocksdb::Status s = store_->db()->Get(rocksdb::ReadOptions(), store_->cf(Cf::kKeys),
                                          KeyRow(static_cast<int>(id) / spd, static_cast<int>(id) % spd, key), &v);
    if (s.IsNotFound()) return "<none>";
    auto d = DecodeValue(v);
    EXPECT_TRUE(d.ok());
    return d->value.ToString();
  }
  static std::string Units(const std::string& v) {
    std::string out;
    PutFixed64(&out, static_cast<uint64_t>(std::stoull(v)));
    return out;
  }
  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
  engine::Engine engine_;
};

TEST_F(CoalescerTest, DirtyKeysAreWrittenWithTheirCurrentValue) {
  engine_.Execute({"SET", "gone", "x"});
  Coalescer first;
  first.Add(KeyItem(1, "gone"));
  Write(first);
  ASSERT_EQ(Get("gone"), "x");

  // The engine reports a live key once per snapshot (Shard::TakePending,
  // tested in change_observer_test), so items name each key about once.
  engine_.Execute({"SET", "k", "one"});
  engine_.Execute({"SET", "k", "three"});  // the state when the batch is built
  engine_.Execute({"DEL", "gone"});
  Coalescer c;
  c.Add(KeyItem(3, "k"));
  c.Add(KeyItem(2, ""));  // a command whose change was coalesced into item 3's
  c.Add(KeyItem(5, "gone"));
  EXPECT_EQ(c.dirty_keys(), 2u);
  EXPECT_EQ(c.seqs().size(), 3u);
  EXPECT_EQ(Write(c), 2u);
  EXPECT_EQ(Get("k"), "three");
  EXPECT_EQ(Get("gone"), "<none>");
  EXPECT_EQ(c.dirty_keys(), 0u);
}

TEST_F(CoalescerTest, ARepeatedNameWritesTheSameCurrentValue) {
  // A key deleted and re-created before its snapshot is reported twice.
  engine_.Execute({"SET", "k", "new"});
  Coalescer c;
  c.Add(KeyItem(1, "k"));
  c.Add(KeyItem(2, "k"));
  EXPECT_EQ(Write(c), 2u);
  EXPECT_EQ(Get("k"), "new");
}

TEST_F(CoalescerTest, SnapshottedShardsHoldLaterItemsBack) {
  Coalescer c;
  const std::string k = "k";
  engine_.Execute({"SET", k, "v"});
  c.Add(KeyItem(1, k));
  EXPECT_FALSE(c.snapshotted(ShardOf(k)));
  Write(c);
  EXPECT_TRUE(c.snapshotted(ShardOf(k)));
  EXPECT_FALSE(c.snapshotted(ShardOf(KeyOn(ShardOf(k), "other", false))));
  c.Clear();
  EXPECT_FALSE(c.snapshotted(ShardOf(k)));
  EXPECT_TRUE(c.empty());
}

TEST_F(CoalescerTest, ShardFlushDeletesTheShardThenWritesItsCurrentKeys) {
  const uint32_t shard = ShardOf("old0");
  const std::string old_key = "old0";
  const std::string before = KeyOn(shard, "before");
  const std::string after = KeyOn(shard, "after");
  const std::string elsewhere = KeyOn(shard, "elsewhere", false);
  engine_.Execute({"SET", old_key, "v"});
  engine_.Execute({"SET", elsewhere, "v"});
  Coalescer first;
  first.Add(KeyItem(1, old_key));
  first.Add(KeyItem(2, elsewhere));
  Write(first);
  ASSERT_EQ(Get(old_key), "v");

  // SET before, FLUSH the shard's keys (as FLUSHDB does, shard by shard), SET after.
  engine_.Execute({"SET", before, "x"});
  engine_.Execute({"DEL", old_key, before});
  engine_.Execute({"SET", after, "y"});
  Coalescer c;
  c.Add(KeyItem(5, before));
  Item flush;
  flush.seq = 6;
  flush.shard_id = shard;
  flush.flush_shard = true;
  c.Add(KeyItem(7, after));
  c.Add(std::move(flush));  // arrives last (overflow), happened in between
  Write(c);
  EXPECT_EQ(Get(old_key), "<none>");  // range-deleted, though not a dirty key
  EXPECT_EQ(Get(before), "<none>");
  EXPECT_EQ(Get(after), "y");
  EXPECT_EQ(Get(elsewhere), "v");  // another shard is untouched
}

TEST_F(CoalescerTest, SideRowsKeepTheLatestSequenceWhateverTheArrivalOrder) {
  // An order's row rewritten by three commands (say a buy, then cancels).
  auto user_item = [&](uint64_t seq, const std::string& units) {
    Item it;
    it.seq = seq;
    RowOp op{Cf::kOrders, units.empty() ? RowOp::kDelete : RowOp::kPut, OrderRow(7), {}};
    if (!units.empty()) op.value = Units(units);
    it.rows.push_back(std::move(op));
    return it;
  };
  Coalescer c;
  c.Add(user_item(3, "3"));
  c.Add(user_item(1, "1"));
  c.Add(user_item(2, "2"));
  EXPECT_EQ(c.side_rows(), 3u);  // kept until written: the batch applies them in order
  Write(c);
  std::string v;
  ASSERT_TRUE(store_->db()->Get(rocksdb::ReadOptions(), store_->cf(Cf::kOrders), OrderRow(7), &v).ok());
  EXPECT_EQ(v, Units("3"));

  // Later position in one item wins; a final delete removes the row.
  Coalescer d;
  Item it = user_item(9, "5");
  it.rows.push_back(RowOp{Cf::kOrders, RowOp::kDelete, OrderRow(7), {}});
  d.Add(std::move(it));
  Write(d);
  EXPECT_TRUE(store_->db()->Get(rocksdb::ReadOptions(), store_->cf(Cf::kOrders), OrderRow(7), &v).IsNotFound());
}

TEST_F(CoalescerTest, CounterIsTheMaximumAndPlacementsAreListed) {
  Coalescer c;
  Item a, b;
  a.seq = 1;
  a.order_counter = 9;
  a.placed_orders = {9};
  b.seq = 2;
  b.order_counter = 8;
  b.placed_orders = {8};
  for (Item* it : {&a, &b}) {
    engine::Order o;
    o.id = it->placed_orders[0];
    o.key = "sku";
    o.user = "u" + std::to_string(o.id);
    o.qty = 1;
    AppendSegmentOrder(o, &it->placed_segment);
  }
  c.Add(std::move(a));
  c.Add(std::move(b));
  EXPECT_EQ(c.side_rows(), 2u);  // the segment and the counter
  Write(c);
  // Both placements are in one segment row keyed by the lowest and highest id.
  std::string seg;
  ASSERT_TRUE(store_->db()->Get(rocksdb::ReadOptions(), store_->cf(Cf::kOrders), OrderSegmentRow(8, 9), &seg).ok());
  std::vector<std::string> users;
  ASSERT_TRUE(ForEachOrderInRow(OrderSegmentRow(8, 9), seg, [&](engine::Order&& o) { users.push_back(o.user); }).ok());
  EXPECT_EQ(users, (std::vector<std::string>{"u9", "u8"}));  // arrival order
  std::string v;
  ASSERT_TRUE(store_->db()->Get(rocksdb::ReadOptions(), store_->cf(Cf::kMeta), kMetaOrderCounter, &v).ok());
  std::string_view in(v);
  uint64_t counter;
  ASSERT_TRUE(GetFixed64(&in, &counter));
  EXPECT_EQ(counter, 9u);
  EXPECT_EQ(c.placed_orders().size(), 2u);
  c.Clear();
  EXPECT_TRUE(c.empty());
  EXPECT_EQ(c.side_rows(), 0u);
}

}  // namespace
}  // namespace stockd::storage
