// tests/engine/latency_dispatch_test.cc — the dispatcher's side of Redis 7's
// latency tracking and latency monitor: every call of a command (subcommands
// apart) lands in its histogram while latency-tracking is on, none when off,
// RESETSTAT clears them; slow calls become "command" / "fast-command" spikes
// over latency-monitor-threshold, a long active-expiry pass "expire-cycle".
#include <algorithm>
#include <string>

#include "engine/clock.h"
#include "engine/latency_monitor.h"
#include "tests/engine/engine_test_util.h"

namespace stockd::engine::testing {
namespace {

void Spin(int64_t ms) {
  const int64_t start = RealtimeNs();
  while (RealtimeNs() - start < ms * 1000000) {
  }
}
void CmdSlowFast(CommandContext& ctx) {
  Spin(3);
  ctx.reply.Ok();
}
void CmdSlow(CommandContext& ctx) {
  Spin(3);
  ctx.reply.Ok();
}

class LatencyDispatchTest : public EngineTest {
 protected:
  LatencyDispatchTest() {
    engine_.commands().Register({.name = "test.slowfast", .arity = 1, .flags = kFast, .handler = CmdSlowFast});
    engine_.commands().Register({.name = "test.slow", .arity = 1, .flags = 0, .handler = CmdSlow});
  }
  int64_t Calls(std::string_view name, std::string_view sub = {}) {
    const Command* c = engine_.commands().Find(name);
    if (c != nullptr && !sub.empty()) c = c->FindSubcommand(sub);
    return c == nullptr ? -1 : c->latency().Snapshot().total;
  }
  std::vector<std::string> Events() {
    std::vector<std::string> out;
    for (const auto& s : engine_.latency_monitor().All()) out.push_back(s.event);
    std::sort(out.begin(), out.end());
    return out;
  }
};

TEST_F(LatencyDispatchTest, EveryCallIsRecordedPerCommandAndSubcommand) {
  ASSERT_TRUE(engine_.latency_tracking());  // Redis's default
  for (int i = 0; i < 20; ++i) Run({"SET", "k", "v"});   // kFast: not sampled while tracking
  for (int i = 0; i < 7; ++i) Run({"GET", "k"});
  Run({"INCR", "k"});                                    // an error reply is still a call
  Run({"GET"});                                          // refused (arity): not a call
  Run({"OBJECT", "ENCODING", "k"});
  EXPECT_EQ(Calls("set"), 20);
  EXPECT_EQ(Calls("get"), 7);
  EXPECT_EQ(Calls("incr"), 1);
  EXPECT_EQ(Calls("object", "encoding"), 1);
  EXPECT_EQ(Calls("object"), 0);  // the container itself never runs
  // commandstats agree (every kFast call is timed, none sampled).
  EXPECT_EQ(engine_.commands().Find("set")->stats().Get(CommandStats::kCalls), 20u);

  engine_.ResetStats();  // CONFIG RESETSTAT
  EXPECT_EQ(Calls("set"), 0);
  EXPECT_EQ(Calls("object", "encoding"), 0);

  engine_.SetLatencyTracking(false);
  Run({"SET", "k", "v"});
  EXPECT_EQ(Calls("set"), 0);
  engine_.SetLatencyTracking(true);
  Run({"SET", "k", "v"});
  EXPECT_EQ(Calls("set"), 1);
}

TEST_F(LatencyDispatchTest, SlowCallsAreCommandAndFastCommandSpikes) {
  Run({"TEST.SLOW"});
  EXPECT_TRUE(Events().empty());  // the monitor is off (threshold 0)
  engine_.SetLatencyMonitorThreshold(100);
  Run({"TEST.SLOW"});
  EXPECT_TRUE(Events().empty());  // under the threshold
  engine_.SetLatencyMonitorThreshold(1);
  engine_.SetLatencyTracking(false);  // the monitor alone still times every call
  Run({"TEST.SLOW"});
  Run({"TEST.SLOWFAST"});
  Run({"GET", "k"});
  EXPECT_EQ(Events(), (std::vector<std::string>{"command", "fast-command"}));
  LatencyMonitor::Series ts;
  ASSERT_TRUE(engine_.latency_monitor().Find("fast-command", &ts));
  EXPECT_GE(ts.max, 3);
  EXPECT_EQ(engine_.latency_monitor().Reset(nullptr), 2);
  EXPECT_TRUE(Events().empty());
}

TEST_F(LatencyDispatchTest, MonitorKeepsOneSamplePerSecondAndTheMax) {
  LatencyMonitor m;
  m.Add("command", 5, 1000);
  m.Add("command", 9, 1000);  // same second: the larger one
  m.Add("command", 2, 1000);
  m.Add("command", 3, 1001);
  LatencyMonitor::Series ts;
  ASSERT_TRUE(m.Find("command", &ts));
  EXPECT_EQ(ts.max, 9);
  EXPECT_EQ(ts.samples[0].latency, 9);
  EXPECT_EQ(ts.samples[1].latency, 3);
  // 160 slots: the oldest are overwritten.
  for (int i = 0; i < 200; ++i) m.Add("command", 1, 2000 + i);
  ASSERT_TRUE(m.Find("command", &ts));
  int kept = 0;
  int64_t oldest = INT64_MAX;
  for (const auto& p : ts.samples) {
    if (p.time == 0) continue;
    ++kept;
    oldest = std::min(oldest, p.time);
  }
  EXPECT_EQ(kept, LatencyMonitor::kSeriesLen);
  EXPECT_EQ(oldest, 2000 + 200 - LatencyMonitor::kSeriesLen);
  EXPECT_EQ(ts.max, 9);
  EXPECT_FALSE(m.Find("COMMAND", &ts));  // lookups are case-sensitive, resets are not
  const std::string upper = "COMMAND";
  EXPECT_EQ(m.Reset(&upper), 1);
}

TEST_F(LatencyDispatchTest, LongActiveExpiryIsAnExpireCycleSpike) {
  for (int i = 0; i < 200000; ++i) Run({"SET", "k" + std::to_string(i), "v", "PX", "1"});
  Advance(10);
  engine_.SetLatencyMonitorThreshold(1);
  for (int i = 0; i < 10 && engine_.latency_monitor().All().empty(); ++i) engine_.ActiveExpireCycle(absl::Seconds(5));
  EXPECT_EQ(Events(), (std::vector<std::string>{"expire-cycle"}));
}

}  // namespace
}  // namespace stockd::engine::testing
