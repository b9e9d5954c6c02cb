// Coalescing: per row the highest (item seq, position) wins whatever the
// arrival order; a shard deletion drops the shard's older rows and is applied
// before its newer ones; the order counter is a max.
#include <string>

#include "gtest/gtest.h"
#include "storage/format.h"
#include "storage/persister.h"
#include "storage/store.h"
#include "tests/storage/storage_test_util.h"

namespace stockd::storage {
namespace {

Item KeyItem(uint64_t seq, int shard, const std::string& key, const std::string& value) {
  Item it;
  it.seq = seq;
  RowOp op{Cf::kKeys, value.empty() ? RowOp::kDelete : RowOp::kPut, KeyRow(0, shard, key), {}};
  if (!value.empty()) {
    absl::Status s = EncodeValue(engine::Value::String(value), 0, &op.value);
    EXPECT_TRUE(s.ok());
  }
  it.rows.push_back(std::move(op));
  return it;
}

Item FlushItem(uint64_t seq, int shard) {
  Item it;
  it.seq = seq;
  it.rows.push_back(RowOp{Cf::kKeys, RowOp::kDeleteShard, ShardPrefix(0, shard), {}});
  return it;
}

class CoalescerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = Store::Open(dir_.path());
    ASSERT_TRUE(s.ok()) << s.status();
    store_ = std::move(*s);
  }
  void Write(const Coalescer& c) {
    rocksdb::WriteBatch b;
    c.Build(*store_, &b);
    ASSERT_TRUE(store_->Write(&b, true).ok());
  }
  // The string stored for key on shard, or "<none>".
  std::string Get(int shard, const std::string& key) {
    std::string v;
    rocksdb::Status s = store_->db()->Get(rocksdb::ReadOptions(), store_->cf(Cf::kKeys), KeyRow(0, shard, key), &v);
    if (s.IsNotFound()) return "<none>";
    auto d = DecodeValue(v);
    EXPECT_TRUE(d.ok());
    return d->value.ToString();
  }
  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(CoalescerTest, LastSequenceWinsWhateverTheArrivalOrder) {
  Coalescer c;
  c.Add(KeyItem(3, 0, "k", "three"));
  c.Add(KeyItem(1, 0, "k", "one"));
  c.Add(KeyItem(2, 0, "k", "two"));
  c.Add(KeyItem(4, 0, "gone", "x"));
  c.Add(KeyItem(5, 0, "gone", ""));  // deleted after being set
  EXPECT_EQ(c.rows(), 2u);           // one row per key
  EXPECT_EQ(c.seqs().size(), 5u);
  Write(c);
  EXPECT_EQ(Get(0, "k"), "three");
  EXPECT_EQ(Get(0, "gone"), "<none>");
}

TEST_F(CoalescerTest, LaterPositionInOneItemWins) {
  Item it;
  it.seq = 7;
  for (const char* v : {"a", "b", "c"}) {
    RowOp op{Cf::kKeys, RowOp::kPut, KeyRow(0, 1, "k"), {}};
    ASSERT_TRUE(EncodeValue(engine::Value::String(v), 0, &op.value).ok());
    it.rows.push_back(std::move(op));
  }
  Coalescer c;
  c.Add(it);
  Write(c);
  EXPECT_EQ(Get(1, "k"), "c");
}

TEST_F(CoalescerTest, ShardDeletionDropsOlderRowsAndKeepsNewer) {
  // Already on disk from an earlier batch.
  Coalescer first;
  first.Add(KeyItem(1, 2, "old", "v"));
  first.Add(KeyItem(2, 3, "other-shard", "v"));
  Write(first);
  Coalescer c;
  c.Add(KeyItem(5, 2, "before", "x"));   // set, then the shard is flushed
  c.Add(KeyItem(7, 2, "after", "y"));    // set after the flush
  c.Add(FlushItem(6, 2));                // arrives last (overflow), happened in between
  c.Add(KeyItem(4, 2, "late-old", "z")); // older than the flush, arrives after it
  Write(c);
  EXPECT_EQ(Get(2, "old"), "<none>");
  EXPECT_EQ(Get(2, "before"), "<none>");
  EXPECT_EQ(Get(2, "late-old"), "<none>");
  EXPECT_EQ(Get(2, "after"), "y");
  EXPECT_EQ(Get(3, "other-shard"), "v");  // another shard is untouched
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
  c.Add(a);
  c.Add(b);
  Write(c);
  std::string v;
  ASSERT_TRUE(store_->db()->Get(rocksdb::ReadOptions(), store_->cf(Cf::kMeta), kMetaOrderCounter, &v).ok());
  std::string_view in(v);
  uint64_t counter;
  ASSERT_TRUE(GetFixed64(&in, &counter));
  EXPECT_EQ(counter, 9u);
  EXPECT_EQ(c.placed_orders().size(), 2u);
  c.Clear();
  EXPECT_TRUE(c.empty());
  EXPECT_EQ(c.rows(), 0u);
}

}  // namespace
}  // namespace stockd::storage
