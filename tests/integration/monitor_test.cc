// MONITOR end to end against the real binary: every command of concurrent
// clients reaches the monitor as one whole line (a flash sale's STOCK.BUY and
// a script's calls included), a monitor that stops reading is dropped at the
// pubsub output limit while the clients go on, and redis-cli's monitor mode.
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "tests/util/raw_resp.h"
#include "tests/util/server_process.h"
#include "tests/util/stockd_fixture.h"

namespace stockd::testing {
namespace {

class MonitorTest : public StockdFixture {};

TEST_F(MonitorTest, EveryCommandOfConcurrentClientsArrivesAsOneWholeLine) {
  StartStockd();
  RawResp monitor(server_.port());
  ASSERT_EQ(monitor.Do({"MONITOR"}), "+OK\r\n");
  auto setup = server_.Connect();
  ASSERT_EQ(setup->Do({"STOCK.SET", "sku", "100000"}), "\"OK\"");
  constexpr int kClients = 4, kEach = 1000;
  std::vector<std::thread> clients;
  for (int t = 0; t < kClients; ++t) {
    clients.emplace_back([&, t] {
      auto c = server_.Connect();
      for (int i = 0; i < kEach; ++i) c->Append({"STOCK.BUY", "sku", "user:" + std::to_string(t)});
      for (int i = 0; i < kEach; ++i) c->Read();
    });
  }
  for (auto& t : clients) t.join();
  setup->Do({"EVAL", "return redis.call('get', KEYS[1])", "1", "sku"});
  setup->Do({"ECHO", "end"});
  static const std::regex kLine(R"(^\+\d+\.\d{6} \[0 (127\.0\.0\.1:\d+|lua)\] ("[^"]*")( "[^"]*")*\r\n$)");
  std::vector<int> per_user(kClients, 0);
  std::vector<std::string> tail;
  for (;;) {
    const std::string line = monitor.Read();
    ASSERT_TRUE(std::regex_match(line, kLine)) << line;
    static const std::string kBuy = "\"STOCK.BUY\" \"sku\" \"user:";
    const size_t at = line.find(kBuy);
    const int user = at == std::string::npos ? -1 : line[at + kBuy.size()] - '0';
    if (user >= 0 && user < kClients) ++per_user[user];
    else tail.push_back(line.substr(line.find(']') + 2));
    if (line.find("\"ECHO\" \"end\"") != std::string::npos) break;
  }
  for (int t = 0; t < kClients; ++t) EXPECT_EQ(per_user[t], kEach) << t;
  ASSERT_EQ(tail.size(), 4u);  // STOCK.SET, then the script's line, its call (as lua), ECHO
  EXPECT_EQ(tail[0], "\"STOCK.SET\" \"sku\" \"100000\"\r\n");
  EXPECT_EQ(tail[1], "\"EVAL\" \"return redis.call('get', KEYS[1])\" \"1\" \"sku\"\r\n");
  EXPECT_EQ(tail[2], "\"get\" \"sku\"\r\n");
}

TEST_F(MonitorTest, AMonitorThatStopsReadingIsDroppedAndTheClientsGoOn) {
  StartStockd();
  auto c = server_.Connect();
  ASSERT_EQ(c->Do({"CONFIG", "SET", "client-output-buffer-limit", "pubsub 256kb 128kb 60"}), "\"OK\"");
  RawResp stalled(server_.port(), /*receive_buffer=*/4096);  // monitors, then never reads
  stalled.Send({"MONITOR"});
  bool monitoring = false;
  for (int i = 0; i < 500 && !monitoring; ++i) {
    Reply r = c->Command({"CLIENT", "LIST"});
    monitoring = std::string(r->str, r->len).find("flags=O") != std::string::npos;
    if (!monitoring) usleep(10000);
  }
  ASSERT_TRUE(monitoring);
  // 8 MB of command lines: past the limit and what the kernel buffers.
  const std::string value(16 * 1024, 'v');
  for (int i = 0; i < 512; ++i) ASSERT_EQ(c->Do({"SET", "k", value}), "\"OK\"") << i;
  bool dropped = false;
  for (int i = 0; i < 500 && !dropped; ++i) {
    Reply r = c->Command({"CLIENT", "LIST"});
    dropped = std::string(r->str, r->len).find("flags=O") == std::string::npos;
    if (!dropped) usleep(10000);
  }
  EXPECT_TRUE(dropped);
  Reply info = c->Command({"INFO", "stats"});
  EXPECT_NE(std::string(info->str, info->len).find("client_output_buffer_limit_disconnections:1"), std::string::npos);
  EXPECT_EQ(c->Do({"STRLEN", "k"}), ":16384");
}

TEST_F(MonitorTest, RedisCliMonitorMode) {
  StartStockd();
  const std::string out = dir_ + "/cli-monitor.txt";
  const std::string cmd = "timeout 20 redis-cli -p " + std::to_string(server_.port()) + " MONITOR > " + out + " 2>&1 &";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  auto c = server_.Connect();
  std::string text;
  for (int i = 0; i < 500 && text.find("flash") == std::string::npos; ++i) {
    c->Do({"SET", "flash", "sale"});  // until redis-cli is there to see it
    usleep(10000);
    std::ifstream f(out);
    std::stringstream ss;
    ss << f.rdbuf();
    text = ss.str();
  }
  EXPECT_NE(text.find("OK\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\"SET\" \"flash\" \"sale\""), std::string::npos) << text;
  EXPECT_EQ(c->Do({"CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"}), ":1");  // ends redis-cli
}

}  // namespace
}  // namespace stockd::testing
