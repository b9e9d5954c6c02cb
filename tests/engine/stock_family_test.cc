// STOCK.* / ORDER.* / CL.THROTTLE through Engine::Execute: exact replies and
// error texts, the check order of STOCK.BUY, cancels, idempotent retries,
// admission buckets with a moved clock, records, and the no-oversell
// invariant under 10,000 concurrent buyer fibers.
#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "engine/order_log.h"
#include "runtime/fiber.h"
#include "runtime/scheduler.h"
#include "runtime/waitgroup.h"
#include "tests/engine/engine_test_util.h"

namespace stockd::engine::testing {
namespace {

// [order-id, remaining]
std::string Bought(uint64_t id, int64_t remaining) {
  return Arr({Bulk(std::to_string(id)), Int(remaining)});
}
// An order in RESP2 (flat field-value array).
std::string Order2(uint64_t id, std::string_view key, std::string_view user, int64_t qty,
                   std::string_view status, int64_t created) {
  return Arr({Bulk("id"), Bulk(std::to_string(id)), Bulk("key"), Bulk(key), Bulk("user"), Bulk(user),
              Bulk("qty"), Int(qty), Bulk("status"), Bulk(status), Bulk("created-ms"), Int(created)});
}

class StockTest : public EngineTest {
 protected:
  OrderLog& log() { return engine_.order_log(); }
};

TEST_F(StockTest, SetGetAndPlainStringCommandsShareTheValue) {
  EXPECT_EQ(Run({"STOCK.GET", "s"}), kNil);
  EXPECT_EQ(Run({"STOCK.SET", "s", "100"}), kOk);
  EXPECT_EQ(Run({"STOCK.GET", "s"}), Int(100));
  EXPECT_EQ(Run({"GET", "s"}), Bulk("100"));
  EXPECT_EQ(Run({"DECRBY", "s", "3"}), Int(97));
  EXPECT_EQ(Run({"STOCK.GET", "s"}), Int(97));
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "s"}), Bulk("int"));
  EXPECT_EQ(Run({"SET", "t", "abc"}), kOk);
  EXPECT_EQ(Run({"STOCK.GET", "t"}), Err("ERR value is not an integer or out of range"));
  PlantList("l");
  EXPECT_EQ(Run({"STOCK.GET", "l"}), Err("WRONGTYPE Operation against a key holding the wrong kind of value"));
  // STOCK.SET replaces anything, as SET does (TTL included).
  EXPECT_EQ(Run({"SET", "x", "1", "EX", "100"}), kOk);
  EXPECT_EQ(Run({"STOCK.SET", "x", "5"}), kOk);
  EXPECT_EQ(Run({"TTL", "x"}), Int(-1));
  EXPECT_EQ(Run({"STOCK.SET", "l", "0"}), kOk);
  EXPECT_EQ(Run({"STOCK.GET", "l"}), Int(0));
}

TEST_F(StockTest, SetArgumentErrors) {
  EXPECT_EQ(Run({"STOCK.SET", "s"}), Err("ERR wrong number of arguments for 'stock.set' command"));
  EXPECT_EQ(Run({"STOCK.SET", "s", "-1"}), Err("ERR stock quantity must be a non-negative integer"));
  EXPECT_EQ(Run({"STOCK.SET", "s", "1.5"}), Err("ERR stock quantity must be a non-negative integer"));
  EXPECT_EQ(Run({"STOCK.SET", "s", "1", "RATE"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"STOCK.SET", "s", "1", "FOO", "1"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"STOCK.SET", "s", "1", "RATE", "0"}), Err("ERR RATE must be a positive integer"));
  EXPECT_EQ(Run({"STOCK.SET", "s", "1", "RATE", "x"}), Err("ERR RATE must be a positive integer"));
  EXPECT_EQ(Run({"STOCK.SET", "s", "1", "RATE", "5", "BURST", "0"}), Err("ERR BURST must be a positive integer"));
  EXPECT_EQ(Run({"STOCK.SET", "s", "1", "BURST", "5"}), Err("ERR BURST requires RATE"));
  EXPECT_EQ(Run({"EXISTS", "s"}), Int(0));  // nothing was set by a refused STOCK.SET
  EXPECT_EQ(Run({"stock.set", "s", "1", "rate", "5", "burst", "2"}), kOk);
}

TEST_F(StockTest, BuyRepliesOrderIdAndRemaining) {
  EXPECT_EQ(Run({"STOCK.SET", "s", "10"}), kOk);
  EXPECT_EQ(Run({"STOCK.BUY", "s", "alice"}), Bought(1, 9));
  EXPECT_EQ(Run({"STOCK.BUY", "s", "bob", "QTY", "4"}), Bought(2, 5));
  EXPECT_EQ(Run({"STOCK.BUY", "s", "alice", "qty", "2", "limit", "3"}), Bought(3, 3));
  EXPECT_EQ(Run({"STOCK.GET", "s"}), Int(3));
  EXPECT_EQ(Run({"STOCK.BOUGHT", "s", "alice"}), Int(3));
  EXPECT_EQ(Run({"STOCK.BOUGHT", "s", "bob"}), Int(4));
  EXPECT_EQ(Run({"STOCK.BOUGHT", "s", "carol"}), Int(0));
  EXPECT_EQ(Run({"STOCK.BOUGHT", "nokey", "carol"}), Int(0));
  EXPECT_EQ(Run({"STOCK.BUY", "s", "carol", "QTY", "4"}), Err("SOLDOUT not enough stock"));
  EXPECT_EQ(Run({"STOCK.BUY", "s", "carol", "QTY", "3"}), Bought(4, 0));
  EXPECT_EQ(Run({"STOCK.BUY", "s", "dave"}), Err("SOLDOUT not enough stock"));
  EXPECT_EQ(Run({"STOCK.BUY", "missing", "dave"}), Err("SOLDOUT not enough stock"));
  EXPECT_EQ(Run({"EXISTS", "missing"}), Int(0));
  EXPECT_EQ(Run({"ORDER.LAST"}), Int(4));
  EXPECT_EQ(Run({"ORDER.GET", "2"}), Order2(2, "s", "bob", 4, "placed", kStartMs));
}

TEST_F(StockTest, BuyOnAPlainSetKeyAndNegativeStock) {
  EXPECT_EQ(Run({"SET", "p", "2"}), kOk);
  EXPECT_EQ(Run({"STOCK.BUY", "p", "u"}), Bought(1, 1));
  EXPECT_EQ(Run({"DECRBY", "p", "5"}), Int(-4));
  EXPECT_EQ(Run({"STOCK.BUY", "p", "u"}), Err("SOLDOUT not enough stock"));
  EXPECT_EQ(Run({"SET", "t", "abc"}), kOk);
  EXPECT_EQ(Run({"STOCK.BUY", "t", "u"}), Err("ERR value is not an integer or out of range"));
  PlantList("l");
  EXPECT_EQ(Run({"STOCK.BUY", "l", "u"}), Err("WRONGTYPE Operation against a key holding the wrong kind of value"));
}

TEST_F(StockTest, BuyArgumentErrors) {
  EXPECT_EQ(Run({"STOCK.SET", "s", "10"}), kOk);
  EXPECT_EQ(Run({"STOCK.BUY", "s"}), Err("ERR wrong number of arguments for 'stock.buy' command"));
  EXPECT_EQ(Run({"STOCK.BUY", "s", "u", "QTY", "0"}), Err("ERR QTY must be a positive integer"));
  EXPECT_EQ(Run({"STOCK.BUY", "s", "u", "QTY", "-2"}), Err("ERR QTY must be a positive integer"));
  EXPECT_EQ(Run({"STOCK.BUY", "s", "u", "QTY", "x"}), Err("ERR QTY must be a positive integer"));
  EXPECT_EQ(Run({"STOCK.BUY", "s", "u", "LIMIT", "0"}), Err("ERR LIMIT must be a positive integer"));
  EXPECT_EQ(Run({"STOCK.BUY", "s", "u", "LIMIT", "1e3"}), Err("ERR LIMIT must be a positive integer"));
  EXPECT_EQ(Run({"STOCK.BUY", "s", "u", "QTY"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"STOCK.BUY", "s", "u", "PRICE", "1"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"STOCK.GET", "s"}), Int(10));
  EXPECT_EQ(Run({"ORDER.LAST"}), Int(0));
}

TEST_F(StockTest, PerUserLimitCountsPlacedUnits) {
  EXPECT_EQ(Run({"STOCK.SET", "s", "100"}), kOk);
  EXPECT_EQ(Run({"STOCK.BUY", "s", "u", "QTY", "2", "LIMIT", "3"}), Bought(1, 98));
  EXPECT_EQ(Run({"STOCK.BUY", "s", "u", "QTY", "2", "LIMIT", "3"}), Err("LIMIT user limit reached"));
  EXPECT_EQ(Run({"STOCK.BUY", "s", "u", "QTY", "1", "LIMIT", "3"}), Bought(2, 97));
  EXPECT_EQ(Run({"STOCK.BUY", "s", "u", "LIMIT", "3"}), Err("LIMIT user limit reached"));
  EXPECT_EQ(Run({"STOCK.BUY", "s", "u", "QTY", "5", "LIMIT", "4"}), Err("LIMIT user limit reached"));
  // A limit is per key and per user.
  EXPECT_EQ(Run({"STOCK.BUY", "s", "v", "LIMIT", "1"}), Bought(3, 96));
  EXPECT_EQ(Run({"STOCK.SET", "s2", "5"}), kOk);
  EXPECT_EQ(Run({"STOCK.BUY", "s2", "u", "LIMIT", "1"}), Bought(4, 4));
  // Without LIMIT there is no per-user check.
  EXPECT_EQ(Run({"STOCK.BUY", "s", "u", "QTY", "10"}), Bought(5, 86));
  EXPECT_EQ(Run({"STOCK.BOUGHT", "s", "u"}), Int(13));
}

TEST_F(StockTest, LimitIsCheckedBeforeSoldout) {
  EXPECT_EQ(Run({"STOCK.SET", "s", "1"}), kOk);
  EXPECT_EQ(Run({"STOCK.BUY", "s", "u", "LIMIT", "1"}), Bought(1, 0));
  EXPECT_EQ(Run({"STOCK.BUY", "s", "u", "LIMIT", "1"}), Err("LIMIT user limit reached"));
  EXPECT_EQ(Run({"STOCK.BUY", "s", "v", "LIMIT", "1"}), Err("SOLDOUT not enough stock"));
}

TEST_F(StockTest, ReqIdReplaysWhateverTheStateNow) {
  EXPECT_EQ(Run({"STOCK.SET", "s", "2", "RATE", "1"}), kOk);
  EXPECT_EQ(Run({"STOCK.BUY", "s", "u", "REQID", "r1", "LIMIT", "1"}), Bought(1, 1));
  // Stock, limit and rate would all refuse a new buy now; the retry replays.
  EXPECT_EQ(Run({"STOCK.BUY", "s", "u", "REQID", "r1", "LIMIT", "1"}), Bought(1, 1));
  EXPECT_EQ(Run({"DECRBY", "s", "1"}), Int(0));
  EXPECT_EQ(Run({"STOCK.BUY", "s", "u", "REQID", "r1"}), Bought(1, 0));
  EXPECT_EQ(Run({"STOCK.BUY", "s", "u", "REQID", "r1", "QTY", "1"}), Bought(1, 0));
  EXPECT_EQ(Run({"STOCK.BUY", "s", "u", "REQID", "r1", "QTY", "2"}),
            Err("ERR REQID reused with different arguments"));
  // A REQID is per (key, user).
  EXPECT_EQ(Run({"STOCK.SET", "s", "5"}), kOk);  // no RATE: bucket removed
  EXPECT_EQ(Run({"STOCK.BUY", "s", "v", "REQID", "r1"}), Bought(2, 4));
  // Cancelled orders replay too (never a second deduction).
  EXPECT_EQ(Run({"STOCK.CANCEL", "1"}), Int(1));
  EXPECT_EQ(Run({"STOCK.BUY", "s", "u", "REQID", "r1"}), Bought(1, 5));
  EXPECT_EQ(Run({"ORDER.LAST"}), Int(2));
  EXPECT_EQ(log().stats().idempotent_replays, 4u);
}

TEST_F(StockTest, RejectedBuyDoesNotConsumeItsReqId) {
  EXPECT_EQ(Run({"STOCK.SET", "s", "0"}), kOk);
  EXPECT_EQ(Run({"STOCK.BUY", "s", "u", "REQID", "r"}), Err("SOLDOUT not enough stock"));
  EXPECT_EQ(Run({"STOCK.BUY", "s", "u", "REQID", "r", "QTY", "2"}), Err("SOLDOUT not enough stock"));
  EXPECT_EQ(Run({"STOCK.SET", "s", "3"}), kOk);
  // Not "reused with different arguments": the rejected attempts left no trace.
  EXPECT_EQ(Run({"STOCK.BUY", "s", "u", "REQID", "r", "QTY", "2"}), Bought(1, 1));
  EXPECT_EQ(Run({"STOCK.BUY", "s", "u", "REQID", "q", "LIMIT", "2"}), Err("LIMIT user limit reached"));
  EXPECT_EQ(Run({"STOCK.BUY", "s", "u", "REQID", "q"}), Bought(2, 0));
  EXPECT_EQ(Run({"STOCK.BOUGHT", "s", "u"}), Int(3));
}

TEST_F(StockTest, CheckOrderReplayThenRateThenLimitThenSoldout) {
  // BURST 1 at 1/s: one admission, then BUSY until the clock moves.
  EXPECT_EQ(Run({"STOCK.SET", "s", "1", "RATE", "1", "BURST", "1"}), kOk);
  EXPECT_EQ(Run({"STOCK.BUY", "s", "u", "REQID", "a", "LIMIT", "1"}), Bought(1, 0));
  // Replay beats the empty bucket.
  EXPECT_EQ(Run({"STOCK.BUY", "s", "u", "REQID", "a"}), Bought(1, 0));
  // Rate beats LIMIT (u is at its limit) and SOLDOUT (stock is 0).
  EXPECT_EQ(Run({"STOCK.BUY", "s", "u", "REQID", "b", "LIMIT", "1"}), Err("BUSY rate limited"));
  Advance(1000);
  // LIMIT beats SOLDOUT.
  EXPECT_EQ(Run({"STOCK.BUY", "s", "u", "REQID", "b", "LIMIT", "1"}), Err("LIMIT user limit reached"));
  Advance(1000);
  EXPECT_EQ(Run({"STOCK.BUY", "s", "u", "REQID", "b", "LIMIT", "2"}), Err("SOLDOUT not enough stock"));
  Advance(1000);
  EXPECT_EQ(Run({"STOCK.BUY", "s", "u", "REQID", "b", "LIMIT", "1", "QTY", "0"}),
            Err("ERR QTY must be a positive integer"));
  // The rejected buys took no admission token: with stock back, one buy is
  // admitted at once (BURST 1), the next is not.
  EXPECT_EQ(Run({"SET", "s", "5"}), kOk);
  EXPECT_EQ(Run({"STOCK.BUY", "s", "v"}), Bought(2, 4));
  EXPECT_EQ(Run({"STOCK.BUY", "s", "w"}), Err("BUSY rate limited"));
  StockStats st = log().stats();
  EXPECT_EQ(st.rate_rejects, 2u);
  EXPECT_EQ(st.limit_rejects, 1u);
  EXPECT_EQ(st.soldout_rejects, 1u);
  EXPECT_EQ(st.idempotent_replays, 1u);
  EXPECT_EQ(st.orders_placed, 2u);
  EXPECT_EQ(Run({"STOCK.GET", "s"}), Int(4));
  EXPECT_EQ(Run({"ORDER.LAST"}), Int(2));
}

TEST_F(StockTest, AdmissionBucketRefillsWithTheClock) {
  EXPECT_EQ(Run({"STOCK.SET", "s", "1000", "RATE", "2", "BURST", "3"}), kOk);
  // Starts full: 3 admissions, whatever the QTY.
  EXPECT_EQ(Run({"STOCK.BUY", "s", "a", "QTY", "5"}), Bought(1, 995));
  EXPECT_EQ(Run({"STOCK.BUY", "s", "b"}), Bought(2, 994));
  EXPECT_EQ(Run({"STOCK.BUY", "s", "c"}), Bought(3, 993));
  EXPECT_EQ(Run({"STOCK.BUY", "s", "d"}), Err("BUSY rate limited"));
  Advance(499);  // 2/s: one token every 500 ms
  EXPECT_EQ(Run({"STOCK.BUY", "s", "d"}), Err("BUSY rate limited"));
  Advance(1);
  EXPECT_EQ(Run({"STOCK.BUY", "s", "d"}), Bought(4, 992));
  EXPECT_EQ(Run({"STOCK.BUY", "s", "e"}), Err("BUSY rate limited"));
  Advance(60000);  // refills to BURST, not beyond
  EXPECT_EQ(Run({"STOCK.BUY", "s", "e"}), Bought(5, 991));
  EXPECT_EQ(Run({"STOCK.BUY", "s", "f"}), Bought(6, 990));
  EXPECT_EQ(Run({"STOCK.BUY", "s", "g"}), Bought(7, 989));
  EXPECT_EQ(Run({"STOCK.BUY", "s", "h"}), Err("BUSY rate limited"));
  // BURST defaults to RATE; STOCK.SET starts a fresh, full bucket.
  EXPECT_EQ(Run({"STOCK.SET", "s", "1000", "RATE", "2"}), kOk);
  EXPECT_EQ(Run({"STOCK.BUY", "s", "h"}), Bought(8, 999));
  EXPECT_EQ(Run({"STOCK.BUY", "s", "i"}), Bought(9, 998));
  EXPECT_EQ(Run({"STOCK.BUY", "s", "j"}), Err("BUSY rate limited"));
  // STOCK.SET without RATE removes it.
  EXPECT_EQ(Run({"STOCK.SET", "s", "1000"}), kOk);
  for (int i = 0; i < 50; ++i) ASSERT_EQ(Run({"STOCK.BUY", "s", "k"}), Bought(10 + i, 999 - i));
  EXPECT_EQ(log().stats().rate_rejects, 5u);
}

TEST_F(StockTest, CancelReturnsUnitsAndDropsTheUsersCount) {
  EXPECT_EQ(Run({"STOCK.SET", "s", "10"}), kOk);
  EXPECT_EQ(Run({"STOCK.BUY", "s", "u", "QTY", "3", "LIMIT", "3"}), Bought(1, 7));
  EXPECT_EQ(Run({"STOCK.BUY", "s", "u", "LIMIT", "3"}), Err("LIMIT user limit reached"));
  Advance(5);
  EXPECT_EQ(Run({"STOCK.CANCEL", "1"}), Int(3));
  EXPECT_EQ(Run({"STOCK.GET", "s"}), Int(10));
  EXPECT_EQ(Run({"STOCK.BOUGHT", "s", "u"}), Int(0));
  EXPECT_EQ(Run({"ORDER.GET", "1"}), Order2(1, "s", "u", 3, "cancelled", kStartMs));
  EXPECT_EQ(Run({"STOCK.CANCEL", "1"}), Int(0));
  EXPECT_EQ(Run({"STOCK.GET", "s"}), Int(10));
  EXPECT_EQ(Run({"STOCK.BUY", "s", "u", "QTY", "3", "LIMIT", "3"}), Bought(2, 7));
  EXPECT_EQ(Run({"STOCK.CANCEL", "3"}), Err("ERR no such order"));
  EXPECT_EQ(Run({"STOCK.CANCEL", "0"}), Err("ERR no such order"));
  EXPECT_EQ(Run({"STOCK.CANCEL", "abc"}), Err("ERR no such order"));
  // Units go back to the key's current stock, recreating a deleted key.
  EXPECT_EQ(Run({"DECRBY", "s", "7"}), Int(0));
  EXPECT_EQ(Run({"DEL", "s"}), Int(1));
  EXPECT_EQ(Run({"STOCK.CANCEL", "2"}), Int(3));
  EXPECT_EQ(Run({"STOCK.GET", "s"}), Int(3));
  EXPECT_EQ(log().stats().orders_cancelled, 2u);
  EXPECT_EQ(log().stats().units_sold, 0u);
}

TEST_F(StockTest, CancelFromAnotherDbAndOntoAWrongType) {
  EXPECT_EQ(Run({"SELECT", "3"}), kOk);
  EXPECT_EQ(Run({"STOCK.SET", "s", "4"}), kOk);
  EXPECT_EQ(Run({"STOCK.BUY", "s", "u", "QTY", "2"}), Bought(1, 2));
  EXPECT_EQ(Run({"STOCK.BUY", "s", "u"}), Bought(2, 1));
  EXPECT_EQ(Run({"SELECT", "0"}), kOk);
  EXPECT_EQ(Run({"STOCK.CANCEL", "1"}), Int(2));  // db 3's key, cancelled from db 0
  EXPECT_EQ(Run({"EXISTS", "s"}), Int(0));
  EXPECT_EQ(Run({"SELECT", "3"}), kOk);
  EXPECT_EQ(Run({"STOCK.GET", "s"}), Int(3));
  EXPECT_EQ(Run({"STOCK.BOUGHT", "s", "u"}), Int(1));
  PlantList("s", 3);
  EXPECT_EQ(Run({"STOCK.CANCEL", "2"}), Err("WRONGTYPE Operation against a key holding the wrong kind of value"));
  EXPECT_EQ(Run({"ORDER.GET", "2"}), Order2(2, "s", "u", 1, "placed", kStartMs));  // unchanged
  EXPECT_EQ(Run({"STOCK.BOUGHT", "s", "u"}), Int(1));
}

TEST_F(StockTest, SideStateSurvivesDelAndFlush) {
  EXPECT_EQ(Run({"STOCK.SET", "s", "5"}), kOk);
  EXPECT_EQ(Run({"STOCK.BUY", "s", "u", "REQID", "r", "LIMIT", "2"}), Bought(1, 4));
  EXPECT_EQ(Run({"DBSIZE"}), Int(1));
  EXPECT_EQ(Run({"KEYS", "*"}), BulkArr({"s"}));
  EXPECT_EQ(Run({"FLUSHALL"}), kOk);
  EXPECT_EQ(Run({"DBSIZE"}), Int(0));
  EXPECT_EQ(Run({"ORDER.GET", "1"}), Order2(1, "s", "u", 1, "placed", kStartMs));
  EXPECT_EQ(Run({"STOCK.BOUGHT", "s", "u"}), Int(1));
  // Re-setting the stock keeps orders, counts and REQIDs.
  EXPECT_EQ(Run({"STOCK.SET", "s", "5"}), kOk);
  EXPECT_EQ(Run({"STOCK.BUY", "s", "u", "REQID", "r", "LIMIT", "2"}), Bought(1, 5));
  EXPECT_EQ(Run({"STOCK.BUY", "s", "u", "QTY", "2", "LIMIT", "2"}), Err("LIMIT user limit reached"));
  EXPECT_EQ(log().stats().skus, 1u);
}

TEST_F(StockTest, OrderGetAndReadReplies) {
  EXPECT_EQ(Run({"ORDER.GET", "1"}), kNil);
  EXPECT_EQ(Run({"ORDER.GET", "x"}), kNil);
  EXPECT_EQ(Run({"ORDER.READ", "0"}), "*0\r\n");
  EXPECT_EQ(Run({"STOCK.SET", "s", "100"}), kOk);
  for (int i = 0; i < 5; ++i) {
    Advance(1);
    Run({"STOCK.BUY", "s", "user" + std::to_string(i), "QTY", std::to_string(i + 1)});
  }
  EXPECT_EQ(Run({"ORDER.READ", "0", "COUNT", "2"}),
            Arr({Order2(1, "s", "user0", 1, "placed", kStartMs + 1),
                 Order2(2, "s", "user1", 2, "placed", kStartMs + 2)}));
  EXPECT_EQ(Run({"ORDER.READ", "3"}), Arr({Order2(4, "s", "user3", 4, "placed", kStartMs + 4),
                                           Order2(5, "s", "user4", 5, "placed", kStartMs + 5)}));
  EXPECT_EQ(Run({"ORDER.READ", "5"}), "*0\r\n");
  EXPECT_EQ(Run({"ORDER.READ", "5", "BLOCK", "1"}), "*0\r\n");
  EXPECT_EQ(Run({"ORDER.READ", "-1"}), Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(Run({"ORDER.READ", "0", "COUNT", "0"}), Err("ERR COUNT must be between 1 and 10000"));
  EXPECT_EQ(Run({"ORDER.READ", "0", "COUNT", "10001"}), Err("ERR COUNT must be between 1 and 10000"));
  EXPECT_EQ(Run({"ORDER.READ", "0", "BLOCK", "-1"}), Err("ERR timeout is negative"));
  EXPECT_EQ(Run({"ORDER.READ", "0", "BLOCK", "x"}), Err("ERR timeout is not an integer or out of range"));
  EXPECT_EQ(Run({"ORDER.READ", "0", "COUNT"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"ORDER.READ", "0", "FOO", "1"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"ORDER.LAST", "x"}), Err("ERR wrong number of arguments for 'order.last' command"));
  // RESP3: a map per order; nil is "_".
  session_.resp = 3;
  EXPECT_EQ(Run({"ORDER.GET", "2"}),
            "%6\r\n" + Bulk("id") + Bulk("2") + Bulk("key") + Bulk("s") + Bulk("user") + Bulk("user1") +
                Bulk("qty") + Int(2) + Bulk("status") + Bulk("placed") + Bulk("created-ms") +
                Int(kStartMs + 2));
  EXPECT_EQ(Run({"ORDER.GET", "9"}), "_\r\n");
  EXPECT_EQ(Run({"STOCK.BUY", "s", "z"}), Bought(6, 84));
}

TEST_F(StockTest, ReadBlockInsideMultiOrScriptDoesNotPark) {
  session_.no_block = true;
  absl::Time start = absl::Now();
  EXPECT_EQ(Run({"ORDER.READ", "0", "BLOCK", "0"}), "*0\r\n");  // would be forever
  EXPECT_LT(absl::Now() - start, absl::Seconds(1));
}

TEST_F(StockTest, InfoStockLines) {
  EXPECT_EQ(Run({"STOCK.SET", "a", "2", "RATE", "10", "BURST", "2"}), kOk);
  EXPECT_EQ(Run({"STOCK.SET", "b", "1"}), kOk);
  EXPECT_EQ(Run({"STOCK.SET", "b", "1"}), kOk);
  Run({"STOCK.BUY", "a", "u", "REQID", "1"});
  Run({"STOCK.BUY", "a", "u", "REQID", "1"});
  Run({"STOCK.BUY", "a", "u", "LIMIT", "1"});
  Run({"STOCK.BUY", "a", "v", "QTY", "5"});
  Run({"STOCK.BUY", "a", "w"});
  Run({"STOCK.BUY", "a", "x"});  // both tokens taken by the two orders: BUSY
  Run({"STOCK.BUY", "b", "w"});
  Run({"STOCK.CANCEL", "2"});
  std::string info;
  log().AppendInfo(info);
  EXPECT_EQ(info,
            "skus:2\r\norders_placed:3\r\norders_cancelled:1\r\nunits_sold:2\r\nsoldout_rejects:1\r\n"
            "limit_rejects:1\r\nrate_rejects:1\r\nidempotent_replays:1\r\n");
}

// ---------------------------------------------------------------------------
// Records for the storage layer.

TEST_F(StockTest, EveryStateChangeEmitsRecords) {
  struct Seen {
    uint64_t id;
    std::string key, user, status, reqid;
    int64_t qty, units;
    uint64_t reqid_order = 0, counter = 0;
  };
  std::vector<Seen> seen;
  log().SetRecordObserver([&](const StockRecords& r) {
    Seen s{r.order->id, r.order->key, r.order->user, std::string(OrderStatusName(r.order->status)),
           r.reqid ? std::string(r.reqid->reqid) : "", r.order->qty, r.user_count.units};
    if (r.reqid) s.reqid_order = r.reqid->order_id;
    s.counter = r.order_counter;
    EXPECT_EQ(r.user_count.key, r.order->key);
    EXPECT_EQ(r.user_count.user, r.order->user);
    seen.push_back(s);
  });
  EXPECT_EQ(Run({"STOCK.SET", "s", "10"}), kOk);
  EXPECT_EQ(Run({"STOCK.BUY", "s", "u", "QTY", "2", "REQID", "r9"}), Bought(1, 8));
  EXPECT_EQ(Run({"STOCK.BUY", "s", "u", "QTY", "2", "REQID", "r9"}), Bought(1, 8));  // replay: no record
  EXPECT_EQ(Run({"STOCK.BUY", "s", "u", "QTY", "20"}), Err("SOLDOUT not enough stock"));  // none
  EXPECT_EQ(Run({"STOCK.BUY", "s", "u"}), Bought(2, 7));
  EXPECT_EQ(Run({"STOCK.CANCEL", "1"}), Int(2));
  EXPECT_EQ(Run({"STOCK.CANCEL", "1"}), Int(0));  // no change, no record
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].id, 1u);
  EXPECT_EQ(seen[0].status, "placed");
  EXPECT_EQ(seen[0].qty, 2);
  EXPECT_EQ(seen[0].units, 2);
  EXPECT_EQ(seen[0].reqid, "r9");
  EXPECT_EQ(seen[0].reqid_order, 1u);
  EXPECT_EQ(seen[0].counter, 1u);
  EXPECT_EQ(seen[1].id, 2u);
  EXPECT_EQ(seen[1].units, 3);
  EXPECT_EQ(seen[1].reqid, "");
  EXPECT_EQ(seen[1].counter, 2u);
  EXPECT_EQ(seen[2].id, 1u);
  EXPECT_EQ(seen[2].status, "cancelled");
  EXPECT_EQ(seen[2].units, 1);
  EXPECT_EQ(seen[2].counter, 2u);
}

TEST_F(StockTest, StockValueChangesGoThroughTheChangeObserver) {
  // Every StockRecords is followed, for the same shard, by the ChangeSet that
  // carries the stock key (so storage can write both in one batch).
  std::vector<std::string> events;
  const uint32_t spd = static_cast<uint32_t>(engine_.shards_per_db());
  engine_.SetChangeObserver([&](const ChangeSet& cs) {
    for (const KeyChange& c : cs.changes) {
      events.push_back("chg " + std::to_string(static_cast<uint32_t>(cs.db) * spd + static_cast<uint32_t>(cs.shard_index)) +
                       " " + std::string(c.key) + " seq>=" + std::to_string(c.seq));
    }
  });
  uint64_t last_rec_seq = 0;
  log().SetRecordObserver([&](const StockRecords& r) {
    events.push_back("rec " + std::to_string(r.shard_id) + " " + r.order->key);
    last_rec_seq = r.shard_seq;
  });
  const std::string sid = std::to_string(engine_.ShardId(0, KeyHash("s")));
  Run({"STOCK.SET", "s", "3"});
  Run({"STOCK.BUY", "s", "u"});
  const uint64_t buy_rec_seq = last_rec_seq;
  Run({"STOCK.BUY", "s", "u", "QTY", "9"});  // rejected: no change
  Run({"STOCK.CANCEL", "1"});
  const uint64_t cancel_rec_seq = last_rec_seq;
  Run({"STOCK.CANCEL", "1"});  // already cancelled: no change
  ASSERT_EQ(events.size(), 5u);
  EXPECT_EQ(events[0].substr(0, events[0].find(" seq")), "chg " + sid + " s");
  EXPECT_EQ(events[1], "rec " + sid + " s");
  EXPECT_EQ(events[2].substr(0, events[2].find(" seq")), "chg " + sid + " s");
  EXPECT_EQ(events[3], "rec " + sid + " s");
  EXPECT_EQ(events[4].substr(0, events[4].find(" seq")), "chg " + sid + " s");
  EXPECT_GE(std::stoull(events[2].substr(events[2].find("seq>=") + 5)), buy_rec_seq);
  EXPECT_GE(std::stoull(events[4].substr(events[4].find("seq>=") + 5)), cancel_rec_seq);
  engine_.SetChangeObserver(nullptr);
  log().SetRecordObserver(nullptr);
}

// ---------------------------------------------------------------------------
// The invariant under concurrency.

TEST(StockConcurrencyTest, TenThousandBuyerFibersNeverOversell) {
  Engine engine;
  ASSERT_EQ(engine.Execute({"STOCK.SET", "hot", "1000"}), kOk);
  constexpr int kFibers = 10000;
  constexpr int kLimit = 3;
  struct Outcome {
    std::string reply;
    std::string user, reqid;
  };
  std::vector<Outcome> outcomes(kFibers);
  runtime::Options ro;
  ro.procs = 2;
  runtime::Runtime rt(ro);
  ASSERT_TRUE(rt.Run([&] {
                  runtime::WaitGroup wg;
                  wg.Add(kFibers);
                  for (int i = 0; i < kFibers; ++i) {
                    runtime::Go([&, i] {
                      Outcome& o = outcomes[static_cast<size_t>(i)];
                      std::vector<std::string> argv;
                      if (i < 2000) {
                        // 200 (user, REQID) pairs, each sent by 10 fibers at once.
                        o.user = "r" + std::to_string(i % 200);
                        o.reqid = "req-" + std::to_string(i % 200);
                        argv = {"STOCK.BUY", "hot", o.user, "LIMIT", std::to_string(kLimit), "REQID", o.reqid};
                      } else {
                        o.user = "u" + std::to_string(i % 1500);  // ~5 attempts per user
                        argv = {"STOCK.BUY", "hot", o.user, "QTY", std::to_string(1 + i % 2), "LIMIT",
                                std::to_string(kLimit)};
                      }
                      Session s;
                      o.reply = engine.Execute(s, argv);
                      wg.Done();
                    });
                  }
                  wg.Wait();
                }).ok());

  std::map<uint64_t, int64_t> qty_of_order;  // from the replies
  std::map<std::string, std::set<uint64_t>> orders_of_reqid;
  int soldout = 0, limit = 0;
  for (int i = 0; i < kFibers; ++i) {
    const Outcome& o = outcomes[static_cast<size_t>(i)];
    if (o.reply == Err("SOLDOUT not enough stock")) {
      ++soldout;
      continue;
    }
    if (o.reply == Err("LIMIT user limit reached")) {
      ++limit;
      continue;
    }
    ASSERT_EQ(o.reply.rfind("*2\r\n$", 0), 0u) << "unexpected reply " << o.reply;
    const size_t start = o.reply.find("\r\n", 4) + 2;
    const uint64_t id = std::stoull(o.reply.substr(start, o.reply.find("\r\n", start) - start));
    if (!o.reqid.empty()) orders_of_reqid[o.reqid].insert(id);
  }
  EXPECT_GT(soldout, 0);
  EXPECT_GT(limit, 0);
  for (const auto& [reqid, ids] : orders_of_reqid) EXPECT_EQ(ids.size(), 1u) << reqid;

  // The order log: ids 1..n without duplicates, Σ qty == 1000, no user above LIMIT.
  std::vector<Order> all;
  engine.order_log().Read(0, 100000, &all);
  int64_t units = 0;
  std::map<std::string, int64_t> per_user;
  std::set<uint64_t> ids;
  std::map<std::string, int> orders_per_reqid;
  for (const Order& o : all) {
    EXPECT_TRUE(ids.insert(o.id).second) << "duplicate order id " << o.id;
    units += o.qty;
    per_user[o.user] += o.qty;
    if (!o.reqid.empty()) ++orders_per_reqid[o.user + "/" + o.reqid];
  }
  EXPECT_EQ(units, 1000);
  EXPECT_EQ(ids.size(), all.size());
  EXPECT_EQ(*ids.rbegin(), all.size());  // contiguous 1..n
  for (const auto& [user, n] : per_user) EXPECT_LE(n, kLimit) << user;
  for (const auto& [r, n] : orders_per_reqid) EXPECT_EQ(n, 1) << r;
  for (const auto& [reqid, ids_of] : orders_of_reqid) {
    const uint64_t id = *ids_of.begin();
    EXPECT_EQ(all[id - 1].reqid, reqid);
  }
  EXPECT_EQ(engine.Execute({"STOCK.GET", "hot"}), Int(0));
  StockStats st = engine.order_log().stats();
  EXPECT_EQ(st.units_sold, 1000u);
  EXPECT_EQ(st.orders_placed, all.size());
  EXPECT_EQ(st.soldout_rejects, static_cast<uint64_t>(soldout));
  EXPECT_EQ(st.limit_rejects, static_cast<uint64_t>(limit));
  // Per-user counts agree with the orders.
  for (const auto& [user, n] : per_user) {
    EXPECT_EQ(engine.Execute({"STOCK.BOUGHT", "hot", user}), Int(n));
  }
}


// Buys and cancels race on two procs while an auditor repeatedly takes the
// key's shard lock and checks remaining + Σ users' placed units == the stock
// set — the invariant at every moment a client can observe. The records the
// observer receives replay to the same final counts.
TEST(StockConcurrencyTest, BuysAndCancelsKeepTheInvariantAtEveryMoment) {
  Engine engine;
  constexpr int64_t kStock = 500;
  ASSERT_EQ(engine.Execute({"STOCK.SET", "k", std::to_string(kStock)}), kOk);
  std::mutex rec_mu;  // the observer runs under different shard locks... here one key: still guard it
  std::map<std::string, int64_t> recorded_units;
  std::map<uint64_t, std::string> recorded_status;
  engine.order_log().SetRecordObserver([&](const StockRecords& r) {
    std::lock_guard<std::mutex> l(rec_mu);
    recorded_units[std::string(r.user_count.user)] = r.user_count.units;
    recorded_status[r.order->id] = std::string(OrderStatusName(r.order->status));
  });
  runtime::Options ro;
  ro.procs = 2;
  runtime::Runtime rt(ro);
  std::atomic<bool> done{false};
  std::atomic<int> audits{0}, violations{0};
  ASSERT_TRUE(rt.Run([&] {
                  runtime::Fiber auditor = runtime::Go([&] {
                    Shard& shard = engine.ShardFor(0, "k");
                    while (!done.load()) {
                      {
                        std::lock_guard<SpinLock> lock(shard.lock());
                        const Entry* e = shard.Peek("k", KeyHash("k"));
                        int64_t total = e->value.int_value();
                        SkuState* sku = engine.order_log().FindSku(shard, "k");
                        if (sku != nullptr) {
                          for (const auto& [user, us] : sku->users) total += us.units;
                        }
                        if (total != kStock) violations.fetch_add(1);
                        audits.fetch_add(1);
                      }
                      runtime::Yield();
                    }
                  });
                  // The workers start once the auditor is auditing: else they
                  // may all finish before it first runs (audits == 0).
                  while (audits.load() == 0) runtime::Yield();
                  runtime::WaitGroup wg;
                  constexpr int kWorkers = 2000;
                  wg.Add(kWorkers);
                  for (int i = 0; i < kWorkers; ++i) {
                    runtime::Go([&, i] {
                      Session s;
                      if (i % 3 == 2) {
                        engine.Execute(s, {"STOCK.CANCEL", std::to_string(1 + i / 3)});
                      } else {
                        engine.Execute(s, {"STOCK.BUY", "k", "u" + std::to_string(i % 97), "QTY",
                                           std::to_string(1 + i % 3)});
                      }
                      wg.Done();
                    });
                  }
                  wg.Wait();
                  done = true;
                  ASSERT_TRUE(auditor.Join().ok());
                }).ok());
  EXPECT_GT(audits.load(), 0);
  EXPECT_EQ(violations.load(), 0);
  std::vector<Order> all;
  engine.order_log().Read(0, 100000, &all);
  int64_t placed = 0;
  std::map<std::string, int64_t> units;
  for (const Order& o : all) {
    EXPECT_EQ(recorded_status[o.id], OrderStatusName(o.status)) << o.id;
    if (o.status == OrderStatus::kPlaced) {
      placed += o.qty;
      units[o.user] += o.qty;
    }
  }
  EXPECT_EQ(engine.Execute({"STOCK.GET", "k"}), Int(kStock - placed));
  for (const auto& [user, n] : recorded_units) {
    EXPECT_EQ(n, units[user]) << user;
    EXPECT_EQ(engine.Execute({"STOCK.BOUGHT", "k", user}), Int(n));
  }
  EXPECT_EQ(engine.order_log().stats().units_sold, static_cast<uint64_t>(placed));
}

}  // namespace
}  // namespace stockd::engine::testing
