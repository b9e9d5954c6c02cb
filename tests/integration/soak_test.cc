// tests/integration/soak_test.cc — 200 connections of mixed workload against
// the real stockd binary for SOAK_SECONDS (default 12): flash-sale buys on a
// few SKUs (STOCK.BUY with LIMIT and a unique REQID each), strings, counters,
// lists, hashes, MULTI/EXEC, reads of the order log — while a killer thread
// CLIENT KILLs random workers, who reconnect and carry on. A buy whose reply
// was lost to a kill is re-sent with the same REQID until it has a definite
// answer (an idempotent replay when the first attempt went through), so at the
// end every buy has exactly one known outcome and the stock invariant is exact:
//   * per SKU: initial == remaining + units of the acknowledged orders;
//   * the order log holds exactly the acknowledged orders (ids 1..N, each with
//     its key, user and quantity);
//   * no user holds more than LIMIT units of a SKU (STOCK.BOUGHT agrees);
//   * after kill -9 and a restart on the same dir, all of the above still hold
//     (order-fsync always: an acknowledged buy is on disk).
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "gtest/gtest.h"
#include "tests/util/server_process.h"
#include "tests/util/stockd_fixture.h"

namespace stockd::testing {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kConns = 200;
constexpr int kSkus = 4;
constexpr int64_t kInitial = 1000;  // per SKU: 4,000 units for 400 users × 3 × 4 SKUs = 4,800 wanted: sells out
constexpr int kUsers = 400;
constexpr int64_t kLimit = 3;

std::string Sku(int s) { return "soak:sku:" + std::to_string(s); }

struct Order {
  int sku;
  std::string user;
  int64_t qty;
};

int SoakSeconds() {
  const char* env = std::getenv("SOAK_SECONDS");
  const int s = env ? std::atoi(env) : 0;
  return s > 0 ? s : 12;
}

class SoakTest : public StockdFixture {
 protected:
  SoakTest() : StockdFixture("stockd-soak-") {}
  void SetUp() override {
    // 200 client sockets here and in the server: lift the soft open-files limit.
    rlimit rl{};
    getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
};

// A worker's connection: reconnects on a transport error, publishes its
// client id for the killer.
class Conn {
 public:
  Conn(const ServerProcess& server, std::atomic<int64_t>* id_slot) : server_(server), id_slot_(id_slot) { Reconnect(); }
  void Reconnect() {
    for (int attempt = 0; attempt < 200; ++attempt) {
      client_ = std::make_unique<Client>("127.0.0.1", server_.port(), std::chrono::seconds(10));
      if (client_->ok()) {
        Reply r = client_->Command({"CLIENT", "ID"});
        if (r && r->type == REDIS_REPLY_INTEGER) {
          id_slot_->store(r->integer);
          return;
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  // One command; "(io) ..." when the connection was killed (then reconnected).
  std::string Do(const std::vector<std::string>& argv) {
    std::string r = client_->Do(argv);
    if (r.rfind("(io)", 0) == 0) {
      ++reconnects;
      Reconnect();
    }
    return r;
  }
  Client& client() { return *client_; }
  int reconnects = 0;

 private:
  const ServerProcess& server_;
  std::atomic<int64_t>* id_slot_;
  std::unique_ptr<Client> client_;
};

// The server's view of the sale, to compare before and after the restart.
struct SaleState {
  std::vector<std::string> remaining;             // STOCK.GET per SKU
  std::string last;                               // ORDER.LAST
  std::map<uint64_t, std::tuple<std::string, std::string, int64_t>> orders;  // id -> key, user, qty
  std::vector<std::string> bought;                // STOCK.BOUGHT per (sku, user)
  bool operator==(const SaleState&) const = default;
};

SaleState ReadSale(Client& c) {
  SaleState s;
  for (int k = 0; k < kSkus; ++k) s.remaining.push_back(c.Do({"STOCK.GET", Sku(k)}));
  s.last = c.Do({"ORDER.LAST"});
  // ORDER.READ after-id COUNT n (n <= 10000), page by page.
  for (uint64_t after = 0;;) {
    Reply page = c.Command({"ORDER.READ", std::to_string(after), "COUNT", "10000"});
    if (!page || page->type != REDIS_REPLY_ARRAY || page->elements == 0) break;
    for (size_t i = 0; i < page->elements; ++i) {
      const redisReply* o = page->element[i];
      if (o->elements < 8) continue;
      after = std::stoull(o->element[1]->str);
      s.orders[after] = {o->element[3]->str, o->element[5]->str, o->element[7]->integer};
    }
  }
  for (int k = 0; k < kSkus; ++k) {
    for (int u = 0; u < kUsers; ++u) c.Append({"STOCK.BOUGHT", Sku(k), "u" + std::to_string(u)});
  }
  for (int i = 0; i < kSkus * kUsers; ++i) s.bought.push_back(Render(c.Read().get()));
  return s;
}

TEST_F(SoakTest, MixedWorkloadWithKillsKeepsTheStockInvariant) {
  StartStockd({"--maxclients", "1000"});
  auto admin = server_.Connect();
  for (int k = 0; k < kSkus; ++k) ASSERT_EQ(admin->Do({"STOCK.SET", Sku(k), std::to_string(kInitial)}), "\"OK\"");

  const auto deadline = Clock::now() + std::chrono::seconds(SoakSeconds());
  std::vector<std::atomic<int64_t>> ids(kConns);
  std::atomic<bool> stop{false};
  std::atomic<int64_t> ops{0}, buys{0}, soldout{0}, limited{0}, replays{0}, reconnects{0}, kills{0}, unexpected{0};
  std::mutex mu;
  std::map<uint64_t, Order> acked;  // order id -> the buy that got it
  std::vector<std::string> problems;

  std::vector<std::thread> workers;
  for (int w = 0; w < kConns; ++w) {
    workers.emplace_back([&, w] {
      std::mt19937 rng(7000 + w);
      auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<uint32_t>(n)); };
      Conn conn(server_, &ids[w]);
      std::vector<std::pair<uint64_t, Order>> mine;
      const std::string me = std::to_string(w);
      int64_t n = 0;
      auto problem = [&](const std::string& what) {
        ++unexpected;
        std::lock_guard<std::mutex> lock(mu);
        if (problems.size() < 20) problems.push_back("worker " + me + ": " + what);
      };
      while (Clock::now() < deadline) {
        ++n;
        ++ops;
        const int op = pick(100);
        if (op < 40) {  // a flash-sale buy, retried with its REQID until it has an answer
          const int sku = pick(kSkus);
          const std::string user = "u" + std::to_string(pick(kUsers));
          const int64_t qty = 1 + pick(2);
          const std::vector<std::string> argv = {"STOCK.BUY", Sku(sku), user, "QTY", std::to_string(qty),
                                                 "LIMIT", std::to_string(kLimit), "REQID", me + "-" + std::to_string(n)};
          Reply r;
          int tries = 0;
          for (;; ++tries) {
            r = conn.client().Command(argv);
            if (r) break;
            ++conn.reconnects;
            conn.Reconnect();
            if (tries > 50) break;
          }
          if (!r) {
            problem("no answer to a buy after 50 reconnects");
            continue;
          }
          if (tries > 0) ++replays;
          const std::string text = Render(r.get());
          if (r->type == REDIS_REPLY_ARRAY && r->elements == 2) {
            ++buys;
            mine.push_back({std::stoull(r->element[0]->str), Order{sku, user, qty}});
          } else if (text == "(error) SOLDOUT not enough stock") {
            ++soldout;
          } else if (text == "(error) LIMIT user limit reached") {
            ++limited;
          } else {
            problem("buy answered " + text);
          }
          continue;
        }
        const std::string key = "soak:" + me + ":" + std::to_string(pick(8));
        std::string r;
        if (op < 55) {
          r = conn.Do({"SET", key, std::string(static_cast<size_t>(1 + pick(200)), 'v')});
          if (r != "\"OK\"" && r.rfind("(io)", 0) != 0) problem("SET answered " + r);
        } else if (op < 65) {
          r = conn.Do({"GET", key});
        } else if (op < 72) {
          r = conn.Do({"INCR", "soak:ctr:" + me});
        } else if (op < 80) {
          r = conn.Do({"LPUSH", "soak:list:" + me, "item" + std::to_string(n)});
          if (r.rfind("(io)", 0) != 0) conn.Do({"LTRIM", "soak:list:" + me, "0", "99"});
        } else if (op < 86) {
          r = conn.Do({"HSET", "soak:hash:" + me, "f" + std::to_string(pick(20)), std::to_string(n)});
        } else if (op < 92) {
          Client& c = conn.client();
          c.Append({"MULTI"});
          c.Append({"INCR", "soak:tx:" + me});
          c.Append({"LRANGE", "soak:list:" + me, "0", "9"});
          c.Append({"EXEC"});
          bool io = false;
          for (int i = 0; i < 4 && !io; ++i) io = !c.Read();
          if (io) {
            ++conn.reconnects;
            conn.Reconnect();
          }
        } else if (op < 96) {
          r = conn.Do({"ORDER.LAST"});
        } else {
          r = conn.Do({"STOCK.GET", Sku(pick(kSkus))});
        }
      }
      reconnects += conn.reconnects;
      std::lock_guard<std::mutex> lock(mu);
      for (auto& [id, o] : mine) {
        if (!acked.emplace(id, o).second) {
          problems.push_back("order id " + std::to_string(id) + " acknowledged to two buys");
          ++unexpected;
        }
      }
    });
  }
  // The killer: a random worker's connection every ~10 ms.
  std::thread killer([&] {
    std::mt19937 rng(42);
    auto killer_conn = server_.Connect();
    while (Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      const int64_t id = ids[rng() % kConns].load();
      if (id <= 0) continue;
      if (killer_conn->Do({"CLIENT", "KILL", "ID", std::to_string(id)}) == ":1") ++kills;
    }
  });
  for (auto& t : workers) t.join();
  killer.join();
  stop = true;

  std::fprintf(stderr,
               "soak: %d s, %d connections, %lld ops, %lld buys ok, %lld soldout, %lld limit, %lld buys re-sent "
               "after a kill, %lld kills, %lld reconnects\n",
               SoakSeconds(), kConns, static_cast<long long>(ops.load()), static_cast<long long>(buys.load()),
               static_cast<long long>(soldout.load()), static_cast<long long>(limited.load()),
               static_cast<long long>(replays.load()), static_cast<long long>(kills.load()),
               static_cast<long long>(reconnects.load()));
  for (const auto& p : problems) ADD_FAILURE() << p;
  EXPECT_EQ(unexpected.load(), 0);
  EXPECT_GT(kills.load(), 0);
  EXPECT_GT(buys.load(), 0);
  EXPECT_GT(soldout.load() + limited.load(), 0);

  // The invariant, from what the clients were told.
  auto check = [&](Client& c, const char* when) {
    const SaleState s = ReadSale(c);
    std::map<int, int64_t> sold;
    std::map<std::pair<int, std::string>, int64_t> held;
    for (const auto& [id, o] : acked) {
      sold[o.sku] += o.qty;
      held[{o.sku, o.user}] += o.qty;
    }
    for (int k = 0; k < kSkus; ++k) {
      EXPECT_EQ(s.remaining[static_cast<size_t>(k)], ":" + std::to_string(kInitial - sold[k]))
          << when << ": sold + remaining != initial for " << Sku(k);
    }
    EXPECT_EQ(s.last, ":" + std::to_string(acked.size())) << when << ": orders recorded != successful buys";
    EXPECT_EQ(s.orders.size(), acked.size()) << when;
    for (const auto& [id, o] : acked) {
      auto it = s.orders.find(id);
      if (it == s.orders.end()) {
        ADD_FAILURE() << when << ": acknowledged order " << id << " missing from the log";
        continue;
      }
      EXPECT_EQ(it->second, std::make_tuple(Sku(o.sku), o.user, o.qty)) << when << ": order " << id;
    }
    for (int k = 0; k < kSkus; ++k) {
      for (int u = 0; u < kUsers; ++u) {
        const std::string user = "u" + std::to_string(u);
        const int64_t units = held[{k, user}];
        EXPECT_LE(units, kLimit);
        EXPECT_EQ(s.bought[static_cast<size_t>(k * kUsers + u)], ":" + std::to_string(units))
            << when << ": STOCK.BOUGHT " << Sku(k) << " " << user;
      }
    }
    return s;
  };
  const SaleState before = check(*admin, "after the soak");
  server_.Kill9();
  Restart();
  auto again = server_.Connect();
  ASSERT_TRUE(again->ok());
  const SaleState after = check(*again, "after kill -9 and restart");
  EXPECT_TRUE(before == after);
}

}  // namespace
}  // namespace stockd::testing
