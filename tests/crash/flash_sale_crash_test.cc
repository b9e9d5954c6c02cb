// A flash sale against the real stockd (order-fsync always), killed with
// SIGKILL at random moments and restarted on the same dir, CRASH_CYCLES times
// (default 5). After every restart:
//  * every acknowledged order is there with the same key, user and qty, and
//    every acknowledged cancellation is still cancelled;
//  * for every SKU: remaining + Σ qty(placed orders) == the initial stock;
//  * order ids are unique, never reused: orders acknowledged after a restart
//    have ids above every id that existed before it;
//  * per-user limits hold and STOCK.BOUGHT agrees with the orders;
//  * REQID retries of acknowledged buys replay the same order, deduct nothing;
//  * every acknowledged INCR survived (counter >= last acknowledged value).
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "tests/util/server_process.h"

namespace stockd::testing {
namespace {

constexpr int kSkus = 4;
constexpr int64_t kInitial = 150;  // per SKU
constexpr int kUsers = 60;
constexpr int64_t kLimit = 3;
constexpr int kBuyers = 6;

std::string Sku(int i) { return "sku:" + std::to_string(i); }

struct AckedOrder {
  std::string key, user;
  int64_t qty;
  std::string reqid;
};

struct Order {
  uint64_t id = 0;
  std::string key, user, status;
  int64_t qty = 0;
};

// The fields of an ORDER.GET/ORDER.READ entry (RESP2: flat field-value array).
Order ParseOrder(const redisReply* r) {
  Order o;
  for (size_t i = 0; i + 1 < r->elements; i += 2) {
    std::string f(r->element[i]->str, r->element[i]->len);
    const redisReply* v = r->element[i + 1];
    std::string s = v->type == REDIS_REPLY_INTEGER ? std::to_string(v->integer) : std::string(v->str, v->len);
    if (f == "id") o.id = std::stoull(s);
    else if (f == "key") o.key = s;
    else if (f == "user") o.user = s;
    else if (f == "qty") o.qty = std::stoll(s);
    else if (f == "status") o.status = s;
  }
  return o;
}

class FlashSaleCrashTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir("stockd-crash-");
    if (const char* c = std::getenv("CRASH_CYCLES")) cycles_ = std::max(1, std::atoi(c));
  }
  void TearDown() override {
    server_.Kill9();
    std::system(("rm -rf " + dir_).c_str());
  }
  void Start() {
    ASSERT_TRUE(server_.Start(StockdBinary(), {"--dir", dir_, "--bind", "127.0.0.1", "--order-fsync", "always"}))
        << server_.Log();
  }

  // Every order in the log, by id.
  std::map<uint64_t, Order> ReadAll(Client& c) {
    std::map<uint64_t, Order> all;
    uint64_t after = 0;
    for (;;) {
      Reply r = c.Command({"ORDER.READ", std::to_string(after), "COUNT", "1000"});
      EXPECT_TRUE(r && r->type == REDIS_REPLY_ARRAY) << (r ? Render(r.get()) : "null");
      if (!r || r->type != REDIS_REPLY_ARRAY || r->elements == 0) break;
      for (size_t i = 0; i < r->elements; ++i) {
        Order o = ParseOrder(r->element[i]);
        EXPECT_EQ(all.count(o.id), 0u) << "duplicate order id " << o.id;
        after = std::max(after, o.id);
        all[o.id] = o;
      }
    }
    return all;
  }

  // The audit after a restart. Returns the highest order id present.
  uint64_t Audit(int cycle) {
    SCOPED_TRACE("after restart " + std::to_string(cycle));
    auto c = server_.Connect();
    EXPECT_TRUE(c->ok());
    std::map<uint64_t, Order> all = ReadAll(*c);
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [id, a] : acked_) {
      auto it = all.find(id);
      if (it == all.end()) {
        ADD_FAILURE() << "acknowledged order " << id << " lost";
        continue;
      }
      EXPECT_EQ(it->second.key, a.key) << id;
      EXPECT_EQ(it->second.user, a.user) << id;
      EXPECT_EQ(it->second.qty, a.qty) << id;
      // An acknowledged cancel stays cancelled; one whose reply was lost in
      // the crash may or may not have happened; otherwise the order is placed.
      if (cancelled_.count(id)) EXPECT_EQ(it->second.status, "cancelled") << id;
      else if (!cancel_sent_.count(id)) EXPECT_EQ(it->second.status, "placed") << id;
    }
    // Ids acknowledged in the cycle after a restart are above everything before it.
    for (uint64_t id : new_ids_) EXPECT_GT(id, max_before_restart_) << "order id reused: " << id;
    new_ids_.clear();
    std::map<std::string, int64_t> placed;
    std::map<std::pair<std::string, std::string>, int64_t> per_user;
    for (const auto& [id, o] : all) {
      if (o.status != "placed") continue;
      placed[o.key] += o.qty;
      per_user[{o.key, o.user}] += o.qty;
    }
    for (int i = 0; i < kSkus; ++i) {
      std::string remaining = c->Do({"STOCK.GET", Sku(i)});
      EXPECT_EQ(std::stoll(remaining.substr(1)) + placed[Sku(i)], kInitial) << Sku(i) << " remaining " << remaining;
    }
    for (const auto& [ku, units] : per_user) {
      EXPECT_LE(units, kLimit) << ku.first << " " << ku.second;
      EXPECT_EQ(c->Do({"STOCK.BOUGHT", ku.first, ku.second}), ":" + std::to_string(units));
    }
    // REQID retries of acknowledged buys: the same order, nothing deducted.
    int checked = 0;
    for (const auto& [id, a] : acked_) {
      if (a.reqid.empty() || ++checked > 25) continue;
      Reply r = c->Command({"STOCK.BUY", a.key, a.user, "QTY", std::to_string(a.qty), "LIMIT",
                            std::to_string(kLimit), "REQID", a.reqid});
      EXPECT_TRUE(r && r->type == REDIS_REPLY_ARRAY && r->elements == 2) << (r ? Render(r.get()) : "null");
      if (r && r->type == REDIS_REPLY_ARRAY && r->elements == 2) {
        EXPECT_EQ(std::string(r->element[0]->str, r->element[0]->len), std::to_string(id));
      }
    }
    std::map<uint64_t, Order> again = ReadAll(*c);
    EXPECT_EQ(again.size(), all.size()) << "a REQID retry placed a new order";
    for (const auto& [key, last] : counters_) {
      std::string v = c->Do({"GET", key});  // "\"n\"" or "(nil)"
      EXPECT_GE(v == "(nil)" ? 0 : std::stoll(v.substr(1)), last) << key;
    }
    uint64_t max_id = all.empty() ? 0 : all.rbegin()->first;
    std::string last = c->Do({"ORDER.LAST"});
    EXPECT_EQ(last, ":" + std::to_string(max_id));
    return max_id;
  }

  // One buyer connection until the server dies or stop is set.
  void Buyer(int t, int cycle, std::atomic<bool>& stop) {
    auto c = server_.Connect();
    if (!c->ok()) return;
    std::mt19937_64 rng(static_cast<uint64_t>(t * 7919 + cycle * 104729));
    const std::string counter = "ctr:" + std::to_string(t);
    for (int n = 0; !stop.load(); ++n) {
      const int op = static_cast<int>(rng() % 10);
      if (op == 0) {
        Reply r = c->Command({"INCR", counter});
        if (!r) return;
        if (r->type == REDIS_REPLY_INTEGER) {
          std::lock_guard<std::mutex> lock(mu_);
          counters_[counter] = std::max<int64_t>(counters_[counter], r->integer);
        }
        continue;
      }
      if (op == 1) {  // cancel an acknowledged order of ours
        uint64_t id = 0;
        {
          std::lock_guard<std::mutex> lock(mu_);
          if (!acked_.empty()) id = std::next(acked_.begin(), static_cast<long>(rng() % acked_.size()))->first;
        }
        if (id == 0) continue;
        {
          std::lock_guard<std::mutex> lock(mu_);
          cancel_sent_.insert(id);
        }
        Reply r = c->Command({"STOCK.CANCEL", std::to_string(id)});
        if (!r) return;
        if (r->type == REDIS_REPLY_INTEGER) {
          std::lock_guard<std::mutex> lock(mu_);
          cancelled_.insert(id);
        }
        continue;
      }
      AckedOrder a;
      a.key = Sku(static_cast<int>(rng() % kSkus));
      a.user = "user:" + std::to_string(rng() % kUsers);
      a.qty = 1 + static_cast<int64_t>(rng() % 2);
      a.reqid = "c" + std::to_string(cycle) + "-t" + std::to_string(t) + "-" + std::to_string(n);
      Reply r = c->Command({"STOCK.BUY", a.key, a.user, "QTY", std::to_string(a.qty), "LIMIT",
                            std::to_string(kLimit), "REQID", a.reqid});
      if (!r) return;  // the server died: this buy is not acknowledged
      if (r->type == REDIS_REPLY_ARRAY && r->elements == 2) {
        uint64_t id = std::stoull(std::string(r->element[0]->str, r->element[0]->len));
        std::lock_guard<std::mutex> lock(mu_);
        EXPECT_EQ(acked_.count(id), 0u) << "order id " << id << " acknowledged twice";
        acked_[id] = a;
        new_ids_.push_back(id);
      } else if (r->type == REDIS_REPLY_ERROR) {
        std::string e(r->str, r->len);
        EXPECT_TRUE(e.rfind("SOLDOUT", 0) == 0 || e.rfind("LIMIT", 0) == 0) << e;
      }
    }
  }

  ServerProcess server_;
  std::string dir_;
  int cycles_ = 5;
  std::mutex mu_;
  std::map<uint64_t, AckedOrder> acked_;
  std::set<uint64_t> cancelled_;    // cancels acknowledged
  std::set<uint64_t> cancel_sent_;  // cancels sent (acknowledged or not)
  std::map<std::string, int64_t> counters_;
  std::vector<uint64_t> new_ids_;
  uint64_t max_before_restart_ = 0;
};

TEST_F(FlashSaleCrashTest, KillNineAtRandomMomentsLosesNothingAcknowledged) {
  Start();
  {
    auto c = server_.Connect();
    for (int i = 0; i < kSkus; ++i) ASSERT_EQ(c->Do({"STOCK.SET", Sku(i), std::to_string(kInitial)}), "\"OK\"");
  }
  std::mt19937 rng(std::random_device{}());
  for (int cycle = 1; cycle <= cycles_; ++cycle) {
    std::atomic<bool> stop{false};
    std::vector<std::thread> buyers;
    for (int t = 0; t < kBuyers; ++t) buyers.emplace_back([&, t] { Buyer(t, cycle, stop); });
    std::this_thread::sleep_for(std::chrono::milliseconds(50 + rng() % 400));
    server_.Kill9();  // mid-flight: buys, cancels and INCRs on every connection
    stop.store(true);
    for (auto& b : buyers) b.join();
    Start();
    max_before_restart_ = Audit(cycle);
    if (HasFatalFailure() || HasFailure()) break;
  }
  // A graceful shutdown then a restart: the same state.
  const std::string log_path = server_.log_path();
  EXPECT_EQ(server_.Stop(15), 0) << server_.Log();
  Start();
  Audit(cycles_ + 1);
  std::lock_guard<std::mutex> lock(mu_);
  EXPECT_GT(acked_.size(), 20u) << "the sale hardly ran";
  std::fprintf(stderr, "%d kill cycles, %zu orders acknowledged, %zu cancelled\n", cycles_, acked_.size(),
               cancelled_.size());
}

}  // namespace
}  // namespace stockd::testing
