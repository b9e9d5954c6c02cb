// tests/integration/scripting_test.cc — EVAL/EVALSHA/FCALL against the real
// stockd binary: the classic flash-sale scripts under 500 concurrent
// connections with exact totals, busy scripts and SCRIPT KILL over the wire,
// CONFIG SET of the scripting knobs.
#include <atomic>
#include <fstream>
#include <sstream>
#include <thread>

#include "gtest/gtest.h"
#include "tests/util/server_process.h"
#include "tests/util/stockd_fixture.h"

namespace stockd::testing {
namespace {

std::string ReadScript(const std::string& name) {
  std::ifstream in(std::string(STOCKD_SOURCE_DIR) + "/bench/scripts/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class ScriptingTest : public StockdFixture {
 protected:
  ScriptingTest() : StockdFixture("stockd-lua-it-") {}
  void StartStockd(std::vector<std::string> extra = {}) {
    extra.insert(extra.begin(), {"--maxclients", "2000"});
    StockdFixture::StartStockd(std::move(extra));
  }
};

// 500 connections race the bench's flash_buy.lua (GET, DECR, RPUSH) for 300
// units: exactly 300 orders, no oversell, every other attempt SOLDOUT.
TEST_F(ScriptingTest, FlashBuyUnder500Connections) {
  StartStockd();
  const std::string script = ReadScript("flash_buy.lua");
  ASSERT_FALSE(script.empty());
  auto admin = server_.Connect();
  ASSERT_EQ(admin->Do({"SET", "stock:1", "300"}), "\"OK\"");
  const std::string sha = admin->Do({"SCRIPT", "LOAD", script});
  ASSERT_EQ(sha.size(), 42u) << sha;
  const std::string sha_bare = sha.substr(1, 40);
  constexpr int kConns = 500, kTries = 2;
  std::atomic<int> bought{0}, soldout{0}, other{0};
  std::vector<std::thread> threads;
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < kConns; ++i) {
    clients.push_back(server_.Connect());
    ASSERT_TRUE(clients.back()->ok());
  }
  // Each of 10 threads drives 50 connections: it sends on all of them before
  // reading any reply, so up to 500 scripts are in flight at once.
  for (int t = 0; t < 10; ++t) {
    threads.emplace_back([&, t] {
      for (int r = 0; r < kTries; ++r) {
        for (int i = t; i < kConns; i += 10) {
          const std::string user = "u" + std::to_string(i);
          if (i % 2 == 0) {
            clients[i]->Append({"EVALSHA", sha_bare, "2", "stock:1", "orders:1", user});
          } else {
            clients[i]->Append({"EVAL", script, "2", "stock:1", "orders:1", user});
          }
        }
        for (int i = t; i < kConns; i += 10) {
          Reply reply = clients[i]->Read();
          std::string rep = Render(reply.get());
          if (rep.rfind("[:", 0) == 0) {
            ++bought;
          } else if (rep == "(error) SOLDOUT not enough stock") {
            ++soldout;
          } else {
            ++other;
            ADD_FAILURE() << rep;
          }
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(bought.load(), 300);
  EXPECT_EQ(soldout.load(), kConns * kTries - 300);
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(admin->Do({"GET", "stock:1"}), "\"0\"");
  EXPECT_EQ(admin->Do({"LLEN", "orders:1"}), ":300");
}

// The per-user dedupe recipe: SISMEMBER/SADD guard, then check-and-decrement.
TEST_F(ScriptingTest, PerUserDedupeWithSets) {
  StartStockd();
  const std::string script =
      "if redis.call('SISMEMBER', KEYS[3], ARGV[1]) == 1 then return redis.error_reply('DUP already bought') end\n"
      "local stock = tonumber(redis.call('GET', KEYS[1]))\n"
      "if stock == nil or stock <= 0 then return redis.error_reply('SOLDOUT not enough stock') end\n"
      "redis.call('SADD', KEYS[3], ARGV[1])\n"
      "redis.call('DECR', KEYS[1])\n"
      "return redis.call('RPUSH', KEYS[2], ARGV[1])\n";
  auto admin = server_.Connect();
  ASSERT_EQ(admin->Do({"SET", "s", "1000"}), "\"OK\"");
  constexpr int kThreads = 8, kUsers = 50, kRepeats = 4;
  std::atomic<int> bought{0}, dup{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      auto c = server_.Connect();
      for (int r = 0; r < kRepeats; ++r) {
        for (int u = 0; u < kUsers; ++u) {
          std::string rep = c->Do({"EVAL", script, "3", "s", "o", "buyers", "user" + std::to_string(u)});
          if (rep.rfind(":", 0) == 0) ++bought;
          if (rep == "(error) DUP already bought") ++dup;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(bought.load(), kUsers);
  EXPECT_EQ(dup.load(), kThreads * kUsers * kRepeats - kUsers);
  EXPECT_EQ(admin->Do({"SCARD", "buyers"}), ":50");
  EXPECT_EQ(admin->Do({"GET", "s"}), "\"950\"");
}

TEST_F(ScriptingTest, BusyScriptKillAndConfig) {
  StartStockd({"--busy-reply-threshold", "100"});
  auto admin = server_.Connect();
  EXPECT_EQ(admin->Do({"CONFIG", "GET", "lua-time-limit"}), "[\"lua-time-limit\", \"100\"]");
  std::string loop_reply;
  std::thread runner([&] {
    auto c = server_.Connect();
    loop_reply = c->Do({"EVAL", "while true do end", "1", "hot"});
  });
  std::string r;
  for (int i = 0; i < 300; ++i) {
    r = admin->Do({"GET", "hot"});
    if (r.rfind("(error)", 0) == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(r, "(error) BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.");
  // The server and keys on other shards stay available (a key sharing the
  // script's shard answers BUSY too; placement depends on the hash seed).
  int other_ok = 0;
  for (int k = 0; k < 8; ++k) other_ok += admin->Do({"SET", "cold" + std::to_string(k), "1"}) == "\"OK\"";
  EXPECT_GT(other_ok, 0);
  EXPECT_EQ(admin->Do({"PING"}), "\"PONG\"");
  EXPECT_EQ(admin->Do({"SCRIPT", "KILL"}), "\"OK\"");
  runner.join();
  EXPECT_EQ(loop_reply.rfind("(error) ERR Script killed by user with SCRIPT KILL...", 0), 0u) << loop_reply;
  EXPECT_EQ(admin->Do({"GET", "hot"}), "(nil)");
  EXPECT_EQ(admin->Do({"CONFIG", "SET", "lua-allow-undeclared-keys", "yes"}), "\"OK\"");
  EXPECT_EQ(admin->Do({"EVAL", "return redis.call('set', 'undeclared', 1)", "0"}), "\"OK\"");
  EXPECT_EQ(admin->Do({"CONFIG", "SET", "lua-allow-undeclared-keys", "no"}), "\"OK\"");
  EXPECT_EQ(admin->Do({"EVAL", "return redis.call('get', 'undeclared')", "0"}).rfind("(error) ERR Script attempted to access key", 0), 0u);
}

TEST_F(ScriptingTest, FunctionsOverTheWire) {
  StartStockd();
  auto c = server_.Connect();
  const std::string lib =
      "#!lua name=sale\n"
      "redis.register_function('buy', function(keys, args)\n"
      "  local s = tonumber(redis.call('GET', keys[1]))\n"
      "  if s == nil or s <= 0 then return redis.error_reply('SOLDOUT not enough stock') end\n"
      "  return redis.call('DECR', keys[1])\n"
      "end)\n";
  EXPECT_EQ(c->Do({"FUNCTION", "LOAD", lib}), "\"sale\"");
  EXPECT_EQ(c->Do({"SET", "st", "2"}), "\"OK\"");
  EXPECT_EQ(c->Do({"FCALL", "buy", "1", "st"}), ":1");
  EXPECT_EQ(c->Do({"FCALL", "buy", "1", "st"}), ":0");
  EXPECT_EQ(c->Do({"FCALL", "buy", "1", "st"}), "(error) SOLDOUT not enough stock");
  EXPECT_EQ(c->Do({"EVAL", "return redis.call('ping')", "0"}), "\"PONG\"");
}

}  // namespace
}  // namespace stockd::testing
