// tests/integration/latency_test.cc — the latency monitor and tracking in the
// real binary: options from the command line, the active-expiry fiber's
// "expire-cycle" spikes, per-command histograms fed from pipelined clients on
// several connections (every call counted), and LATENCY from scripts refused.
#include <string>
#include <thread>
#include <vector>

#include "tests/util/stockd_fixture.h"

namespace stockd::testing {
namespace {

class LatencyTest : public StockdFixture {};

TEST_F(LatencyTest, OptionsFromTheCommandLine) {
  StartStockd({"--latency-monitor-threshold", "7", "--latency-tracking", "no", "--latency-tracking-info-percentiles",
               "10", "20.5"});
  auto c = server_.Connect();
  EXPECT_EQ(c->Do({"CONFIG", "GET", "latency-*"}),
            "[\"latency-monitor-threshold\", \"7\", \"latency-tracking\", \"no\", "
            "\"latency-tracking-info-percentiles\", \"10 20.5\"]");
  c->Do({"SET", "k", "v"});
  EXPECT_EQ(c->Do({"INFO", "latencystats"}), "\"# Latencystats\r\n\"");
  EXPECT_EQ(c->Do({"LATENCY", "HISTOGRAM"}), "[]");
}

TEST_F(LatencyTest, ActiveExpiryOfManyKeysIsAnExpireCycleSpike) {
  StartStockd({"--latency-monitor-threshold", "1"});
  auto c = server_.Connect();
  // Keys that expire together: the expiry fiber's next passes delete them,
  // each pass running until its 25 ms budget (hz 10) is spent.
  for (int batch = 0; batch < 30; ++batch) {
    for (int i = 0; i < 10000; ++i)
      c->Append({"SET", "k" + std::to_string(batch * 10000 + i), "v", "PX", "200"});
    for (int i = 0; i < 10000; ++i) c->Read();
  }
  std::string latest;
  for (int i = 0; i < 50 && latest.find("expire-cycle") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    latest = c->Do({"LATENCY", "LATEST"});
  }
  EXPECT_NE(latest.find("\"expire-cycle\""), std::string::npos) << latest;
  EXPECT_NE(c->Do({"LATENCY", "DOCTOR"}).find("expire-cycle: "), std::string::npos);
}

TEST_F(LatencyTest, EveryPipelinedCallOnEveryConnectionIsCounted) {
  StartStockd();
  constexpr int kClients = 4, kPerClient = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kClients; ++t) {
    threads.emplace_back([&, t] {
      auto c = server_.Connect();
      for (int i = 0; i < kPerClient; ++i) c->Append({"INCR", "n" + std::to_string(t)});
      for (int i = 0; i < kPerClient; ++i) c->Read();
    });
  }
  for (auto& th : threads) th.join();
  auto c = server_.Connect();
  const std::string prefix = "[\"incr\", [\"calls\", :80000, ";
  EXPECT_EQ(c->Do({"LATENCY", "HISTOGRAM", "incr"}).substr(0, prefix.size()), prefix);
  EXPECT_NE(c->Do({"INFO", "latencystats"}).find("latency_percentiles_usec_incr:p50="), std::string::npos);
  // noscript, as Redis.
  EXPECT_EQ(c->Do({"EVAL", "return redis.call('latency', 'latest')", "0"}).substr(0, 57),
            "(error) ERR This Redis command is not allowed from script");
}

}  // namespace
}  // namespace stockd::testing
