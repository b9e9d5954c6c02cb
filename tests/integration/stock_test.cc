// The flash-sale commands end to end against the real stockd binary: 500
// client connections buying one hot SKU at once (some users on two
// connections, some REQIDs sent by 50 connections at the same instant), the
// exact totals afterwards, and ORDER.READ ... BLOCK woken by a buy.
#include <barrier>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "tests/util/server_process.h"
#include "tests/util/stockd_fixture.h"

namespace stockd::testing {
namespace {

using Clock = std::chrono::steady_clock;

class StockIntegrationTest : public StockdFixture {
 protected:
  StockIntegrationTest() : StockdFixture("stockd-stock-") {}
};

// One reply of a STOCK.BUY, classified.
struct BuyResult {
  enum Kind { kOrder, kSoldOut, kLimit, kOther } kind = kOther;
  uint64_t order_id = 0;
  int64_t remaining = -1;
  std::string text;  // for failure messages
};

BuyResult Classify(const redisReply* r) {
  BuyResult b;
  b.text = r ? Render(r) : "(no reply)";
  if (r == nullptr) return b;
  if (r->type == REDIS_REPLY_ARRAY && r->elements == 2 && r->element[0]->type == REDIS_REPLY_STRING &&
      r->element[1]->type == REDIS_REPLY_INTEGER) {
    b.kind = BuyResult::kOrder;
    b.order_id = std::stoull(std::string(r->element[0]->str, r->element[0]->len));
    b.remaining = r->element[1]->integer;
  } else if (r->type == REDIS_REPLY_ERROR && b.text == "(error) SOLDOUT not enough stock") {
    b.kind = BuyResult::kSoldOut;
  } else if (r->type == REDIS_REPLY_ERROR && b.text == "(error) LIMIT user limit reached") {
    b.kind = BuyResult::kLimit;
  }
  return b;
}

TEST_F(StockIntegrationTest, FiveHundredConnectionsSellExactlyTheStock) {
  StartStockd();
  constexpr int kThreads = 10, kPerThread = 50, kConns = kThreads * kPerThread;  // 500
  constexpr int kRounds = 5, kLimit = 3, kStock = 1000;
  auto admin = server_.Connect();
  ASSERT_EQ(admin->Do({"STOCK.SET", "stock:hot", std::to_string(kStock)}), "\"OK\"");

  std::vector<std::unique_ptr<Client>> conns;
  for (int i = 0; i < kConns; ++i) {
    conns.push_back(server_.Connect());
    ASSERT_TRUE(conns.back()->ok()) << i << " " << conns.back()->error();
  }
  // Connection c buys as user u<c % 450>: connections c and c + 450 (c < 50)
  // are the same user on two connections at once. In round r the 50
  // connections with c % 10 == r % 10 all send one REQID for one shared user
  // at the same instant (after a barrier).
  auto user_of = [](int c) { return "u" + std::to_string(c % 450); };
  auto in_group = [](int c, int round) { return c % 10 == round; };
  struct Sent {
    int conn, round;
    std::string user, reqid;
    BuyResult result;
  };
  std::vector<std::vector<Sent>> sent(kThreads);
  std::barrier sync(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < kRounds; ++round) {
        std::vector<Sent> batch;
        for (int j = 0; j < kPerThread; ++j) {
          const int c = t * kPerThread + j;
          Sent s{c, round, user_of(c), "", {}};
          if (in_group(c, round)) {
            s.user = "shared" + std::to_string(round);
            s.reqid = "req-" + std::to_string(round);
          }
          batch.push_back(s);
        }
        sync.arrive_and_wait();  // every thread sends its round at the same instant
        for (const Sent& s : batch) {
          std::vector<std::string> argv = {"STOCK.BUY", "stock:hot", s.user, "LIMIT", std::to_string(kLimit)};
          if (!s.reqid.empty()) argv.insert(argv.end(), {"REQID", s.reqid});
          conns[static_cast<size_t>(s.conn)]->Append(argv);
        }
        for (Sent& s : batch) {
          Reply r = conns[static_cast<size_t>(s.conn)]->Read();
          s.result = Classify(r.get());
          sent[static_cast<size_t>(t)].push_back(s);
        }
      }
    });
  }
  for (auto& th : threads) th.join();

  std::set<uint64_t> ids;
  std::map<std::string, std::set<uint64_t>> ids_of_reqid;
  int soldout = 0, limit = 0, replayed = 0;
  for (const auto& per_thread : sent) {
    for (const Sent& s : per_thread) {
      ASSERT_NE(s.result.kind, BuyResult::kOther) << "conn " << s.conn << ": " << s.result.text;
      if (s.result.kind == BuyResult::kSoldOut) ++soldout;
      if (s.result.kind == BuyResult::kLimit) ++limit;
      if (s.result.kind != BuyResult::kOrder) continue;
      EXPECT_GE(s.result.remaining, 0);
      EXPECT_LT(s.result.remaining, kStock);
      if (!s.reqid.empty()) {
        ids_of_reqid[s.user + "/" + s.reqid].insert(s.result.order_id);
        if (!ids.insert(s.result.order_id).second) ++replayed;
      } else {
        EXPECT_TRUE(ids.insert(s.result.order_id).second) << "order id acknowledged twice: " << s.result.order_id;
      }
    }
  }
  EXPECT_GT(soldout, 0);
  EXPECT_GT(limit, 0);
  EXPECT_GT(replayed, 0);
  for (const auto& [r, set] : ids_of_reqid) EXPECT_EQ(set.size(), 1u) << "REQID " << r << " made several orders";
  // Each buy is QTY 1: exactly kStock distinct orders were acknowledged.
  EXPECT_EQ(ids.size(), static_cast<size_t>(kStock));
  EXPECT_EQ(admin->Do({"STOCK.GET", "stock:hot"}), ":0");
  EXPECT_EQ(admin->Do({"ORDER.LAST"}), ":" + std::to_string(kStock));

  // The order log agrees: ids 1..1000 once each, no user above LIMIT, one order per REQID.
  Reply all = admin->Command({"ORDER.READ", "0", "COUNT", "10000"});
  ASSERT_TRUE(all);
  ASSERT_EQ(all->type, REDIS_REPLY_ARRAY);
  ASSERT_EQ(all->elements, static_cast<size_t>(kStock));
  std::map<std::string, int64_t> units_of_user;
  for (size_t i = 0; i < all->elements; ++i) {
    const redisReply* o = all->element[i];
    ASSERT_EQ(o->elements, 12u);
    EXPECT_EQ(std::string(o->element[1]->str), std::to_string(i + 1));
    EXPECT_EQ(std::string(o->element[3]->str), "stock:hot");
    EXPECT_EQ(o->element[7]->integer, 1);
    EXPECT_EQ(std::string(o->element[9]->str), "placed");
    EXPECT_TRUE(ids.count(i + 1)) << "order " << i + 1 << " was never acknowledged";
    units_of_user[o->element[5]->str] += o->element[7]->integer;
  }
  for (const auto& [user, units] : units_of_user) {
    EXPECT_LE(units, kLimit) << user;
    if (user.rfind("shared", 0) == 0) EXPECT_EQ(units, 1) << user;  // one order per REQID
  }
  for (const char* u : {"u0", "u49", "u100"}) {
    EXPECT_EQ(admin->Do({"STOCK.BOUGHT", "stock:hot", u}), ":" + std::to_string(units_of_user[u])) << u;
  }
  std::string info = admin->Do({"INFO", "stock"});
  EXPECT_NE(info.find("units_sold:1000\r\n"), std::string::npos) << info;
  EXPECT_NE(info.find("orders_placed:1000\r\n"), std::string::npos) << info;
  EXPECT_NE(info.find("soldout_rejects:" + std::to_string(soldout) + "\r\n"), std::string::npos) << info;
  EXPECT_NE(info.find("limit_rejects:" + std::to_string(limit) + "\r\n"), std::string::npos) << info;
  EXPECT_NE(info.find("idempotent_replays:" + std::to_string(replayed) + "\r\n"), std::string::npos) << info;
}

TEST_F(StockIntegrationTest, OrderReadBlockIsWokenByABuy) {
  StartStockd();
  auto reader = server_.Connect();
  auto buyer = server_.Connect();
  ASSERT_EQ(buyer->Do({"STOCK.SET", "s", "10"}), "\"OK\"");
  ASSERT_EQ(buyer->Do({"STOCK.BUY", "s", "early"}), "[\"1\", :9]");
  ASSERT_EQ(reader->Do({"ORDER.LAST"}), ":1");
  reader->Append({"ORDER.READ", "1", "BLOCK", "5000"});
  Clock::time_point replied;
  Reply got;
  std::thread t([&] {
    got = reader->Read();
    replied = Clock::now();
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the reader is parked
  // The blocked reader holds no lock: the buy goes through at once.
  const Clock::time_point bought = Clock::now();
  EXPECT_EQ(buyer->Do({"STOCK.BUY", "s", "alice", "QTY", "2"}), "[\"2\", :7]");
  t.join();
  ASSERT_TRUE(got);
  EXPECT_EQ(Render(got.get()),
            "[[\"id\", \"2\", \"key\", \"s\", \"user\", \"alice\", \"qty\", :2, \"status\", \"placed\", "
            "\"created-ms\", :" +
                std::to_string(got->element[0]->element[11]->integer) + "]]");
  const auto latency = std::chrono::duration_cast<std::chrono::milliseconds>(replied - bought);
  EXPECT_LT(latency.count(), 100) << "woken " << latency.count() << " ms after the buy";
  // A timeout answers an empty array.
  EXPECT_EQ(reader->Do({"ORDER.READ", "2", "BLOCK", "50"}), "[]");
}

TEST_F(StockIntegrationTest, ShutdownAnswersABlockedReader) {
  StartStockd();
  auto reader = server_.Connect();
  auto admin = server_.Connect();
  // hiredis sends on Read: the reader thread sends and parks in the server.
  reader->Append({"ORDER.READ", "0", "BLOCK", "0"});
  Reply r;
  std::thread t([&] { r = reader->Read(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(admin->Do({"SHUTDOWN"}).substr(0, 4), "(io)");  // no reply: the server exits
  t.join();
  ASSERT_TRUE(r);
  EXPECT_EQ(Render(r.get()), "[]");
  EXPECT_EQ(server_.Stop(0, std::chrono::seconds(10)), 0);
}

}  // namespace
}  // namespace stockd::testing
