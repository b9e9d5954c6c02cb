// OrderLog: restore at start-up, the durable watermark (what ORDER.GET /
// ORDER.READ / ORDER.LAST may show), WaitDurable, and ORDER.READ ... BLOCK
// on a runtime: woken within milliseconds of a buy, holding no lock and no
// thread while parked.
#include <atomic>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "engine/order_log.h"
#include "runtime/fiber.h"
#include "runtime/scheduler.h"
#include "runtime/time.h"
#include "tests/engine/engine_test_util.h"

namespace stockd::engine::testing {
namespace {

std::string Bought(uint64_t id, int64_t remaining) {
  return Arr({Bulk(std::to_string(id)), Int(remaining)});
}

Order MakeOrder(uint64_t id, std::string key, std::string user, int64_t qty, OrderStatus st,
                std::string reqid = "", int db = 0) {
  Order o;
  o.id = id;
  o.db = db;
  o.key = std::move(key);
  o.user = std::move(user);
  o.qty = qty;
  o.status = st;
  o.created_ms = 1000 + static_cast<int64_t>(id);
  o.reqid = std::move(reqid);
  return o;
}

class OrderLogTest : public EngineTest {
 protected:
  OrderLog& log() { return engine_.order_log(); }
};

TEST_F(OrderLogTest, RestoreOrdersCountsReqIdsAndCounter) {
  // Any order of calls; id 3 is a gap (allocated, never made durable).
  log().RestoreOrder(MakeOrder(4, "s", "u", 2, OrderStatus::kPlaced));
  log().RestoreOrder(MakeOrder(1, "s", "u", 1, OrderStatus::kPlaced, "r1"));
  log().RestoreOrder(MakeOrder(2, "s", "v", 5, OrderStatus::kCancelled));
  log().RestoreOrderCounter(6);
  const OrderLog::SideCounts side = log().RebuildSideStateFromOrders();
  EXPECT_EQ(side.user_counts, 1u);  // (s, u) holds 3; (s, v) nothing
  EXPECT_EQ(side.reqids, 1u);
  EXPECT_EQ(log().last_id(), 6u);
  EXPECT_EQ(Run({"ORDER.LAST"}), Int(4));
  EXPECT_EQ(Run({"ORDER.GET", "3"}), kNil);
  EXPECT_EQ(Run({"ORDER.GET", "2"}),
            Arr({Bulk("id"), Bulk("2"), Bulk("key"), Bulk("s"), Bulk("user"), Bulk("v"), Bulk("qty"), Int(5),
                 Bulk("status"), Bulk("cancelled"), Bulk("created-ms"), Int(1002)}));
  std::vector<Order> all;
  log().Read(0, 100, &all);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].id, 1u);
  EXPECT_EQ(all[1].id, 2u);
  EXPECT_EQ(all[2].id, 4u);
  EXPECT_EQ(Run({"STOCK.BOUGHT", "s", "u"}), Int(3));
  // The stock key is a key: restored through the keyspace, not here.
  EXPECT_EQ(Run({"SET", "s", "10"}), kOk);
  EXPECT_EQ(Run({"STOCK.BUY", "s", "u", "REQID", "r1"}), Bought(1, 10));  // replayed
  EXPECT_EQ(Run({"STOCK.BUY", "s", "u", "LIMIT", "3"}), Err("LIMIT user limit reached"));
  // Ids continue after the counter: never reused, also across restarts.
  EXPECT_EQ(Run({"STOCK.BUY", "s", "w"}), Bought(7, 9));
  EXPECT_EQ(Run({"ORDER.LAST"}), Int(7));
  EXPECT_EQ(Run({"ORDER.GET", "5"}), kNil);
  EXPECT_EQ(Run({"STOCK.CANCEL", "5"}), Err("ERR no such order"));
  // Restored orders can be cancelled.
  EXPECT_EQ(Run({"STOCK.CANCEL", "4"}), Int(2));
  EXPECT_EQ(Run({"STOCK.BOUGHT", "s", "u"}), Int(1));
}

TEST_F(OrderLogTest, RebuildSideStateFromOrders) {
  log().RestoreOrder(MakeOrder(1, "s", "u", 1, OrderStatus::kPlaced, "r1"));
  log().RestoreOrder(MakeOrder(2, "s", "u", 2, OrderStatus::kPlaced));
  log().RestoreOrder(MakeOrder(3, "s", "u", 4, OrderStatus::kCancelled, "r3"));
  log().RestoreOrder(MakeOrder(4, "s", "v", 1, OrderStatus::kPlaced, "", 2));
  log().RebuildSideStateFromOrders();
  log().RebuildSideStateFromOrders();  // replaces what was there: counts don't add up twice
  EXPECT_EQ(Run({"STOCK.BOUGHT", "s", "u"}), Int(3));
  EXPECT_EQ(Run({"STOCK.BOUGHT", "s", "v"}), Int(0));
  EXPECT_EQ(Run({"SELECT", "2"}), kOk);
  EXPECT_EQ(Run({"STOCK.BOUGHT", "s", "v"}), Int(1));
  EXPECT_EQ(Run({"SELECT", "0"}), kOk);
  EXPECT_EQ(Run({"SET", "s", "10"}), kOk);
  EXPECT_EQ(Run({"STOCK.BUY", "s", "u", "REQID", "r3", "QTY", "4"}), Bought(3, 10));
  EXPECT_EQ(Run({"STOCK.BUY", "s", "u", "REQID", "r1", "QTY", "2"}),
            Err("ERR REQID reused with different arguments"));
}

TEST_F(OrderLogTest, OnlyDurableOrdersAreShown) {
  log().SetDurabilityTracking(true);
  EXPECT_EQ(Run({"STOCK.SET", "s", "10"}), kOk);
  EXPECT_EQ(Run({"STOCK.BUY", "s", "a"}), Bought(1, 9));
  EXPECT_EQ(Run({"STOCK.BUY", "s", "b"}), Bought(2, 8));
  EXPECT_EQ(Run({"STOCK.BUY", "s", "c"}), Bought(3, 7));
  EXPECT_EQ(session_.ack_order_id, 3u);  // the server waits for this before replying
  EXPECT_EQ(Run({"ORDER.LAST"}), Int(0));
  EXPECT_EQ(Run({"ORDER.GET", "1"}), kNil);
  EXPECT_EQ(Run({"ORDER.READ", "0"}), "*0\r\n");
  EXPECT_FALSE(log().WaitDurable(2, absl::Now() + absl::Milliseconds(5)));
  log().MarkDurable(2);
  EXPECT_TRUE(log().WaitDurable(2, absl::Now()));
  EXPECT_EQ(Run({"ORDER.LAST"}), Int(2));
  std::vector<Order> got;
  log().Read(0, 100, &got);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1].user, "b");
  log().MarkDurable(1);  // monotonic
  EXPECT_EQ(log().durable_id(), 2u);
  log().MarkDurable(100);  // clamped to the last allocated id
  EXPECT_EQ(log().durable_id(), 3u);
  EXPECT_EQ(Run({"ORDER.GET", "3"}).substr(0, 5), "*12\r\n");
  // A replay acknowledges its order too.
  session_.ack_order_id = 0;
  EXPECT_EQ(Run({"STOCK.BUY", "s", "d", "REQID", "x"}), Bought(4, 6));
  session_.ack_order_id = 0;
  EXPECT_EQ(Run({"STOCK.BUY", "s", "d", "REQID", "x"}), Bought(4, 6));
  EXPECT_EQ(session_.ack_order_id, 4u);
}

// A buy on another fiber wakes a parked ORDER.READ ... BLOCK within
// milliseconds. procs = 1: the reader must not hold the only thread, and the
// buyer's shard lock must be free (the reader holds none), or the buy could
// never run.
TEST(OrderReadBlockTest, WokenByABuyWithinMilliseconds) {
  Engine engine;
  ASSERT_EQ(engine.Execute({"STOCK.SET", "s", "5"}), kOk);
  runtime::Options ro;
  ro.procs = 1;
  runtime::Runtime rt(ro);
  std::string read_reply, buy_reply;
  absl::Duration woke_after;
  ASSERT_TRUE(rt.Run([&] {
                  std::atomic<bool> parked{false};
                  absl::Time bought_at;
                  runtime::Fiber reader = runtime::Go([&] {
                    Session s;
                    parked = true;
                    read_reply = engine.Execute(s, {"ORDER.READ", "0", "BLOCK", "5000"});
                    woke_after = absl::Now() - bought_at;
                  });
                  while (!parked) runtime::Yield();
                  runtime::Sleep(absl::Milliseconds(30));  // the reader is parked by now
                  Session s;
                  bought_at = absl::Now();
                  buy_reply = engine.Execute(s, {"STOCK.BUY", "s", "u"});
                  ASSERT_TRUE(reader.Join().ok());
                }).ok());
  EXPECT_EQ(buy_reply, Bought(1, 4));
  EXPECT_EQ(read_reply.substr(0, 10), "*1\r\n*12\r\n$");
  EXPECT_NE(read_reply.find("$1\r\nu\r\n"), std::string::npos);
  EXPECT_LT(woke_after, absl::Milliseconds(100));
}

TEST(OrderReadBlockTest, TimesOutWithAnEmptyArrayAndShutdownEndsAForeverWait) {
  Engine engine;
  runtime::Options ro;
  ro.procs = 2;
  runtime::Runtime rt(ro);
  std::string timed, forever, after_stop;
  absl::Duration took;
  ASSERT_TRUE(rt.Run([&] {
                  Session s;
                  absl::Time t0 = absl::Now();
                  timed = engine.Execute(s, {"ORDER.READ", "0", "BLOCK", "50"});
                  took = absl::Now() - t0;
                  runtime::Fiber f = runtime::Go([&] {
                    Session s2;
                    forever = engine.Execute(s2, {"ORDER.READ", "0", "BLOCK", "0"});
                  });
                  runtime::Sleep(absl::Milliseconds(20));
                  engine.order_log().StopBlockingReads();  // server shutdown
                  ASSERT_TRUE(f.Join().ok());
                  Session s3;
                  after_stop = engine.Execute(s3, {"ORDER.READ", "0", "BLOCK", "0"});  // no park
                }).ok());
  EXPECT_EQ(timed, "*0\r\n");
  EXPECT_GE(took, absl::Milliseconds(50));
  EXPECT_LT(took, absl::Milliseconds(1000));
  EXPECT_EQ(forever, "*0\r\n");
  EXPECT_EQ(after_stop, "*0\r\n");
}

// Many blocked readers, each woken only once an order beyond its after-id is
// durable, and a reader after a later id is not woken by an earlier order.
TEST(OrderReadBlockTest, ReadersWakeForOrdersAfterTheirId) {
  Engine engine;
  ASSERT_EQ(engine.Execute({"STOCK.SET", "s", "100"}), kOk);
  ASSERT_EQ(engine.Execute({"STOCK.BUY", "s", "first"}), Bought(1, 99));
  runtime::Options ro;
  ro.procs = 2;
  runtime::Runtime rt(ro);
  std::vector<std::string> replies(20);
  ASSERT_TRUE(rt.Run([&] {
                  std::vector<runtime::Fiber> fs;
                  for (int i = 0; i < 20; ++i) {
                    fs.push_back(runtime::Go([&, i] {
                      Session s;
                      replies[static_cast<size_t>(i)] =
                          engine.Execute(s, {"ORDER.READ", "1", "COUNT", "1", "BLOCK", "5000"});
                    }));
                  }
                  runtime::Sleep(absl::Milliseconds(20));
                  Session s;
                  EXPECT_EQ(engine.Execute(s, {"STOCK.BUY", "s", "second"}), Bought(2, 98));
                  for (auto& f : fs) ASSERT_TRUE(f.Join().ok());
                }).ok());
  for (const std::string& r : replies) {
    EXPECT_EQ(r.substr(0, 4), "*1\r\n");
    EXPECT_NE(r.find("second"), std::string::npos);
  }
}


// The server's "no reply before durable": a fiber parks in WaitDurable until
// storage's MarkDurable covers its order.
TEST(OrderLogDurabilityTest, WaitDurableWokenByMarkDurable) {
  Engine engine;
  engine.order_log().SetDurabilityTracking(true);
  ASSERT_EQ(engine.Execute({"STOCK.SET", "s", "5"}), kOk);
  runtime::Options ro;
  ro.procs = 2;
  runtime::Runtime rt(ro);
  bool durable = false;
  absl::Duration waited;
  ASSERT_TRUE(rt.Run([&] {
                  Session s;
                  ASSERT_EQ(engine.Execute(s, {"STOCK.BUY", "s", "u"}), Bought(1, 4));
                  ASSERT_EQ(engine.Execute(s, {"STOCK.BUY", "s", "v"}), Bought(2, 3));
                  runtime::Fiber persister = runtime::Go([&] {
                    runtime::Sleep(absl::Milliseconds(20));
                    engine.order_log().MarkDurable(1);  // not enough for order 2
                    runtime::Sleep(absl::Milliseconds(20));
                    engine.order_log().MarkDurable(2);
                  });
                  absl::Time t0 = absl::Now();
                  durable = engine.order_log().WaitDurable(s.ack_order_id, absl::Now() + absl::Seconds(5));
                  waited = absl::Now() - t0;
                  ASSERT_TRUE(persister.Join().ok());
                }).ok());
  EXPECT_TRUE(durable);
  EXPECT_GE(waited, absl::Milliseconds(35));
  EXPECT_LT(waited, absl::Seconds(2));
}

}  // namespace
}  // namespace stockd::engine::testing
