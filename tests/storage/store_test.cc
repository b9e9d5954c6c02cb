// Store::Open's format checks: a newer store is refused; a format-1 store
// (which also kept users' counts and REQIDs in their own column families) is
// upgraded to format 2, where they are rebuilt from the orders.
#include "storage/store.h"

#include <initializer_list>
#include <string>

#include "engine/engine.h"
#include "engine/order_log.h"
#include "gtest/gtest.h"
#include "rocksdb/db.h"
#include "storage/format.h"
#include "tests/storage/storage_test_util.h"

namespace stockd::storage {
namespace {

using testing::CountRows;
using testing::LoadFrom;
using testing::TempDir;

std::string Fixed32(uint32_t v) {
  std::string s;
  PutFixed32(&s, v);
  return s;
}

void PutRow(Store& store, Cf cf, const std::string& key, const std::string& value) {
  rocksdb::WriteBatch b;
  b.Put(store.cf(cf), key, value);
  ASSERT_TRUE(store.Write(&b, /*sync=*/true).ok());
}

std::string GetRow(Store& store, Cf cf, const std::string& key) {
  std::string v;
  rocksdb::Status s = store.db()->Get(rocksdb::ReadOptions(), store.cf(cf), key, &v);
  return s.ok() ? v : "<none>";
}

engine::Order MakeOrder(uint64_t id, const std::string& user, int64_t qty, engine::OrderStatus status,
                        const std::string& reqid) {
  engine::Order o;
  o.id = id;
  o.db = 0;
  o.key = "sku";
  o.user = user;
  o.qty = qty;
  o.status = status;
  o.created_ms = 1795690541000;
  o.reqid = reqid;
  return o;
}

// One single-order row per order (format 2's rows; format 3's for a cancel).
void PutOrderRows(Store& store, std::initializer_list<engine::Order> orders) {
  for (const engine::Order& o : orders) {
    std::string v;
    EncodeOrder(o, &v);
    PutRow(store, Cf::kOrders, OrderRow(o.id), v);
  }
}

TEST(StoreTest, ANewerFormatIsRefused) {
  TempDir dir;
  {
    auto st = Store::Open(dir.path());
    ASSERT_TRUE(st.ok()) << st.status();
    PutRow(**st, Cf::kMeta, kMetaFormatVersion, Fixed32(kFormatVersion + 1));
    ASSERT_TRUE((*st)->Close().ok());
  }
  auto st = Store::Open(dir.path());
  ASSERT_FALSE(st.ok());
  EXPECT_NE(std::string(st.status().message()).find("newer"), std::string::npos) << st.status();
}

TEST(StoreTest, AFormatOneStoreIsUpgradedAndItsCountsComeFromTheOrders) {
  TempDir dir;
  {
    auto st = Store::Open(dir.path());
    ASSERT_TRUE(st.ok()) << st.status();
    Store& s = **st;
    // What format 1 wrote for two buys and a cancel — with count and REQID
    // rows that disagree with the orders, to see which ones the load trusts.
    PutOrderRows(s, {MakeOrder(1, "alice", 2, engine::OrderStatus::kPlaced, "r1"),
                     MakeOrder(2, "alice", 3, engine::OrderStatus::kCancelled, "r2"),
                     MakeOrder(3, "bob", 1, engine::OrderStatus::kPlaced, "")});
    std::string counter;
    PutFixed64(&counter, 3);
    PutRow(s, Cf::kMeta, kMetaOrderCounter, counter);
    PutRow(s, Cf::kUsers, std::string("\0\0\3sku", 6) + "alice", "stale");
    PutRow(s, Cf::kReqIds, std::string("\0\0\3sku", 6) + "x", "stale");
    PutRow(s, Cf::kMeta, kMetaFormatVersion, Fixed32(1));
    ASSERT_TRUE(s.Close().ok());
  }
  testing::Loaded l = LoadFrom(dir.path());
  ASSERT_NE(l.store, nullptr);
  EXPECT_EQ(GetRow(*l.store, Cf::kMeta, kMetaFormatVersion), Fixed32(kFormatVersion));
  EXPECT_EQ(CountRows(*l.store, Cf::kUsers), 0u);
  EXPECT_EQ(CountRows(*l.store, Cf::kReqIds), 0u);
  EXPECT_EQ(l.stats.orders, 3u);
  EXPECT_EQ(l.stats.user_counts, 2u);  // alice 2 (the cancelled 3 not counted), bob 1
  EXPECT_EQ(l.stats.reqids, 2u);       // r1 and r2: a cancelled order's REQID still replays
  engine::Engine& e = *l.engine;
  EXPECT_EQ(e.Execute({"STOCK.BOUGHT", "sku", "alice"}), ":2\r\n");
  EXPECT_EQ(e.Execute({"STOCK.BOUGHT", "sku", "bob"}), ":1\r\n");
  EXPECT_EQ(e.Execute({"SET", "sku", "10"}), "+OK\r\n");
  EXPECT_EQ(e.Execute({"STOCK.BUY", "sku", "alice", "QTY", "3", "REQID", "r2"}), "*2\r\n$1\r\n2\r\n:10\r\n");
  EXPECT_EQ(e.Execute({"STOCK.BUY", "sku", "alice", "LIMIT", "2"}), "-LIMIT user limit reached\r\n");
  EXPECT_EQ(e.Execute({"STOCK.BUY", "sku", "carol"}), "*2\r\n$1\r\n4\r\n:9\r\n");
  ASSERT_TRUE(l.store->Close().ok());
}

TEST(StoreTest, SegmentsAndCancelledRowsMergeWithCancelledWinning) {
  TempDir dir;
  {
    auto st = Store::Open(dir.path());
    ASSERT_TRUE(st.ok()) << st.status();
    Store& s = **st;
    // One batch placed orders 1..3 (a segment); later batches cancelled 1
    // and 3 (rows of their own). Order 1's row sorts before the segment (its
    // key is the segment key's prefix), order 3's after: either way,
    // cancelled wins.
    std::string segment;
    for (const engine::Order& o : {MakeOrder(1, "alice", 2, engine::OrderStatus::kPlaced, "r1"),
                                   MakeOrder(2, "alice", 3, engine::OrderStatus::kPlaced, ""),
                                   MakeOrder(3, "bob", 1, engine::OrderStatus::kPlaced, "r3")}) {
      AppendSegmentOrder(o, &segment);
    }
    PutRow(s, Cf::kOrders, OrderSegmentRow(1, 3), segment);
    PutOrderRows(s, {MakeOrder(1, "alice", 2, engine::OrderStatus::kCancelled, "r1"),
                     MakeOrder(3, "bob", 1, engine::OrderStatus::kCancelled, "r3")});
    std::string counter;
    PutFixed64(&counter, 3);
    PutRow(s, Cf::kMeta, kMetaOrderCounter, counter);
    ASSERT_TRUE(s.Close().ok());
  }
  testing::Loaded l = LoadFrom(dir.path());
  ASSERT_NE(l.store, nullptr);
  EXPECT_EQ(l.stats.orders, 3u);  // five order records, three orders
  engine::Engine& e = *l.engine;
  EXPECT_EQ(e.Execute({"STOCK.BOUGHT", "sku", "alice"}), ":3\r\n");  // order 2 only
  EXPECT_EQ(e.Execute({"STOCK.BOUGHT", "sku", "bob"}), ":0\r\n");
  for (const char* id : {"1", "3"}) {
    const std::string got = e.Execute({"ORDER.GET", id});
    EXPECT_NE(got.find("cancelled"), std::string::npos) << id << ": " << got;
  }
  EXPECT_NE(e.Execute({"ORDER.GET", "2"}).find("placed"), std::string::npos);
  EXPECT_EQ(e.Execute({"STOCK.CANCEL", "1"}), ":0\r\n");  // already cancelled: nothing returned
  ASSERT_TRUE(l.store->Close().ok());
}

TEST(StoreTest, AFormatTwoStoreIsMarkedCurrentAndKeepsItsOrderRows) {
  TempDir dir;
  {
    auto st = Store::Open(dir.path());
    ASSERT_TRUE(st.ok()) << st.status();
    Store& s = **st;
    PutOrderRows(s, {MakeOrder(1, "alice", 2, engine::OrderStatus::kPlaced, "r1"),
                     MakeOrder(2, "bob", 1, engine::OrderStatus::kCancelled, "")});
    PutRow(s, Cf::kMeta, kMetaFormatVersion, Fixed32(2));
    ASSERT_TRUE(s.Close().ok());
  }
  testing::Loaded l = LoadFrom(dir.path());
  ASSERT_NE(l.store, nullptr);
  EXPECT_EQ(GetRow(*l.store, Cf::kMeta, kMetaFormatVersion), Fixed32(kFormatVersion));
  EXPECT_EQ(CountRows(*l.store, Cf::kOrders), 2u);
  EXPECT_EQ(l.stats.orders, 2u);
  EXPECT_EQ(l.engine->Execute({"STOCK.BOUGHT", "sku", "alice"}), ":2\r\n");
  EXPECT_EQ(l.engine->Execute({"STOCK.BOUGHT", "sku", "bob"}), ":0\r\n");
  ASSERT_TRUE(l.store->Close().ok());
}

}  // namespace
}  // namespace stockd::storage
