// DEBUG fault injection (issue 10) against the real stockd binary:
//  * DEBUG is refused unless enable-debug-command allows it (Redis's text);
//  * DEBUG PANIC-FIBER: the calling client gets an error and is dropped, its
//    earlier pipelined commands took effect, every other client and the
//    server go on, no connection is leaked;
//  * DEBUG PERSISTER-STALL: a slow disk — under `order-fsync always` buys are
//    acknowledged only after the stall (replies wait for durability) while
//    reads are served at once; under `no`, a long pipeline parks on the full
//    queue instead of failing; nothing acknowledged is lost across a restart.
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "tests/util/server_process.h"
#include "tests/util/stockd_fixture.h"

namespace stockd::testing {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

int64_t InfoField(Client& c, const std::string& section, const std::string& field) {
  Reply r = c.Command({"INFO", section});
  if (!r || (r->type != REDIS_REPLY_STRING)) return -1;
  std::string s(r->str, r->len);
  size_t at = s.find("\r\n" + field + ":");
  if (at == std::string::npos) return -1;
  return std::stoll(s.substr(at + field.size() + 3));
}

int64_t Ms(Clock::duration d) { return std::chrono::duration_cast<milliseconds>(d).count(); }

// utime + stime of a process, in clock ticks (/proc/<pid>/stat fields 14, 15).
int64_t CpuTicks(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::istringstream rest(all.substr(all.rfind(')') + 2));  // after "pid (comm) "
  std::string field;
  int64_t utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::stoll(field);
    if (i == 15) stime = std::stoll(field);
  }
  return utime + stime;
}

class FaultInjectionTest : public StockdFixture {
 protected:
  FaultInjectionTest() : StockdFixture("stockd-fault-") {}
};

constexpr const char* kDebugRefused =
    "(error) ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it "
    "from a local connection, otherwise you need to set this option in the configuration file, and then restart "
    "the server.";

TEST_F(FaultInjectionTest, DebugIsRefusedUnlessEnabled) {
  StartStockd();
  auto c = server_.Connect();
  EXPECT_EQ(c->Do({"DEBUG", "PANIC-FIBER"}), kDebugRefused);
  EXPECT_EQ(c->Do({"DEBUG", "PERSISTER-STALL", "100"}), kDebugRefused);
  EXPECT_EQ(c->Do({"DEBUG", "SLEEP", "0"}), kDebugRefused);
  EXPECT_EQ(c->Do({"PING"}), "\"PONG\"");
  if (!RedisServerBinary().empty()) {  // the oracle's text
    ServerProcess redis;
    ASSERT_TRUE(redis.Start(RedisServerBinary(), {"--save", "", "--bind", "127.0.0.1"}));
    EXPECT_EQ(redis.Connect()->Do({"DEBUG", "SLEEP", "0"}), kDebugRefused);
  }
}

TEST_F(FaultInjectionTest, PanicFiberDropsOnlyTheCallingClient) {
  StartStockd({"--enable-debug-command", "yes"});
  auto other = server_.Connect();
  ASSERT_EQ(other->Do({"SELECT", "3"}), "\"OK\"");
  ASSERT_EQ(other->Do({"SET", "k", "v"}), "\"OK\"");
  ASSERT_EQ(other->Do({"MULTI"}), "\"OK\"");
  ASSERT_EQ(other->Do({"INCR", "n"}), "\"QUEUED\"");
  const int64_t clients_before = InfoField(*server_.Connect(), "clients", "connected_clients");

  auto victim = server_.Connect();
  // Pipelined: the SET before the panic took effect; nothing after it runs.
  victim->Append({"SET", "before", "1"});
  victim->Append({"DEBUG", "PANIC-FIBER"});
  victim->Append({"SET", "after", "1"});
  Reply r1 = victim->Read();
  ASSERT_TRUE(r1);
  EXPECT_EQ(Render(r1.get()), "\"OK\"");
  Reply r2 = victim->Read();
  ASSERT_TRUE(r2);
  EXPECT_EQ(Render(r2.get()).substr(0, 29), "(error) ERR internal error in");
  EXPECT_FALSE(victim->Read());  // then the connection is closed

  // The other client keeps its database, its MULTI and its data.
  EXPECT_EQ(other->Do({"EXEC"}), "[:1]");
  EXPECT_EQ(other->Do({"GET", "k"}), "\"v\"");
  EXPECT_EQ(other->Do({"SELECT", "0"}), "\"OK\"");
  EXPECT_EQ(other->Do({"GET", "before"}), "\"1\"");
  EXPECT_EQ(other->Do({"EXISTS", "after"}), ":0");

  // Many panics: the server goes on and no connection is leaked.
  for (int i = 0; i < 50; ++i) {
    auto c = server_.Connect();
    ASSERT_EQ(c->Do({"DEBUG", "PANIC-FIBER"}).substr(0, 29), "(error) ERR internal error in");
  }
  auto fresh = server_.Connect();
  EXPECT_EQ(fresh->Do({"PING"}), "\"PONG\"");
  EXPECT_EQ(InfoField(*fresh, "stats", "fiber_panics"), 51);
  auto deadline = Clock::now() + milliseconds(10000);
  int64_t now_clients = -1;
  while (Clock::now() < deadline) {
    now_clients = InfoField(*fresh, "clients", "connected_clients");
    if (now_clients == clients_before) break;  // other + fresh (the probe that counted is gone)
    std::this_thread::sleep_for(milliseconds(20));
  }
  EXPECT_EQ(now_clients, clients_before);
  // Inside MULTI the panic is refused (EXEC may hold shard locks).
  ASSERT_EQ(fresh->Do({"MULTI"}), "\"OK\"");
  ASSERT_EQ(fresh->Do({"DEBUG", "PANIC-FIBER"}), "\"QUEUED\"");
  EXPECT_EQ(fresh->Do({"EXEC"}), "[(error) ERR DEBUG PANIC-FIBER is not allowed inside MULTI/EXEC or scripts]");
  EXPECT_NE(server_.Log().find("Panic in the fiber of client"), std::string::npos);
}

// order-fsync always: a stalled disk holds every buy's reply until its batch
// is durable; the server parks (no CPU) meanwhile; after kill -9 and a restart
// every acknowledged order is there and the stock adds up.
TEST_F(FaultInjectionTest, PersisterStallParksWritersAndLosesNothing) {
  StartStockd({"--enable-debug-command", "yes", "--order-fsync", "always"});
  auto admin = server_.Connect();
  ASSERT_EQ(admin->Do({"STOCK.SET", "sku", "1000"}), "\"OK\"");
  ASSERT_EQ(admin->Do({"SET", "plain", "x"}), "\"OK\"");
  ASSERT_EQ(admin->Do({"DEBUG", "PERSISTER-STALL", "1500"}), "\"OK\"");
  const auto stall_start = Clock::now();

  constexpr int kBuyers = 4, kBuysEach = 25;
  std::vector<std::thread> threads;
  std::vector<std::set<std::string>> orders(kBuyers);
  std::vector<int64_t> first_reply_ms(kBuyers, -1);
  for (int b = 0; b < kBuyers; ++b) {
    threads.emplace_back([&, b] {
      Client c("127.0.0.1", server_.port());
      for (int i = 0; i < kBuysEach; ++i) c.Append({"STOCK.BUY", "sku", "u" + std::to_string(b * 1000 + i)});
      for (int i = 0; i < kBuysEach; ++i) {
        Reply r = c.Read();
        if (i == 0) first_reply_ms[b] = Ms(Clock::now() - stall_start);
        if (r && r->type == REDIS_REPLY_ARRAY && r->elements == 2)
          orders[b].insert(std::string(r->element[0]->str, r->element[0]->len));
      }
    });
  }
  // While the disk stalls, the writers park: the server burns no CPU
  // (a spinning producer or persister would use a whole core).
  std::this_thread::sleep_for(milliseconds(150));
  const int64_t cpu0 = CpuTicks(server_.pid());
  std::this_thread::sleep_for(milliseconds(500));
  const int64_t cpu1 = CpuTicks(server_.pid());
  EXPECT_LT(Ms(Clock::now() - stall_start), 1400) << "the load was too slow to measure inside the stall";
  EXPECT_LT((cpu1 - cpu0) * 1000 / sysconf(_SC_CLK_TCK), 150) << "ms of CPU in 500 ms of stall";
  for (auto& t : threads) t.join();
  EXPECT_EQ(admin->Do({"GET", "plain"}), "\"x\"");
  size_t acknowledged = 0;
  for (int b = 0; b < kBuyers; ++b) {
    EXPECT_GE(first_reply_ms[b], 1300) << "a buy was acknowledged before the stalled disk wrote it";
    EXPECT_EQ(orders[b].size(), static_cast<size_t>(kBuysEach));
    acknowledged += orders[b].size();
  }
  server_.Kill9();
  Restart();
  auto after = server_.Connect();
  EXPECT_EQ(after->Do({"STOCK.GET", "sku"}), ":" + std::to_string(1000 - acknowledged));
  for (const auto& set : orders)
    for (const std::string& id : set) EXPECT_EQ(after->Do({"ORDER.GET", id}).substr(0, 1), "[") << id;
}

// order-fsync no: nothing waits for durability, so a long pipeline fills the
// persister's queue during the stall and its writer parks (no error, no
// drop); after a graceful restart every key is there.
TEST_F(FaultInjectionTest, PersisterStallBackPressureWithoutFsync) {
  StartStockd({"--enable-debug-command", "yes", "--order-fsync", "no"});
  auto admin = server_.Connect();
  ASSERT_EQ(admin->Do({"DEBUG", "PERSISTER-STALL", "1000"}), "\"OK\"");
  const auto start = Clock::now();
  constexpr int kKeys = 20000;  // more than the persister's queue (8192 items)
  Client writer("127.0.0.1", server_.port());
  for (int i = 0; i < kKeys; ++i) writer.Append({"SET", "key:" + std::to_string(i), std::to_string(i)});
  int ok = 0;
  for (int i = 0; i < kKeys; ++i) {
    Reply r = writer.Read();
    ok += r && r->type == REDIS_REPLY_STATUS;
  }
  EXPECT_EQ(ok, kKeys);
  EXPECT_GE(Ms(Clock::now() - start), 800) << "the writer did not wait for the stalled disk";
  EXPECT_EQ(server_.Stop(15), 0);
  Restart();
  auto after = server_.Connect();
  EXPECT_EQ(after->Do({"DBSIZE"}), ":" + std::to_string(kKeys));
  EXPECT_EQ(after->Do({"GET", "key:19999"}), "\"19999\"");
}

}  // namespace
}  // namespace stockd::testing
