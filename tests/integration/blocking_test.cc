// Blocking list pops against the real stockd binary: 1,000 parked BLPOP
// clients served in arrival order by 1,000 pushes, timeouts, BLMOVE, and the
// non-blocking behaviour inside MULTI/EXEC-like no-block sessions.
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "tests/util/server_process.h"
#include "tests/util/stockd_fixture.h"

namespace stockd::testing {
namespace {

class BlockingIt : public BlockedClientsFixture {
 protected:
  BlockingIt() : BlockedClientsFixture("stockd-block-") {}
  void SetUp() override {
    RaiseOpenFileLimit();  // a thousand client sockets here and in the server (it inherits the limit)
    StartStockd();
    control_ = server_.Connect();
  }
};

TEST_F(BlockingIt, ThousandClientsServedInArrivalOrder) {
  constexpr int kClients = 1000;
  for (int i = 0; i < kClients; ++i) {
    clients_.push_back(server_.Connect());
    ASSERT_TRUE(clients_.back()->ok()) << i << ": " << clients_.back()->error();
    Send(*clients_.back(), {"BLPOP", "queue", "60"});
    ASSERT_TRUE(AwaitBlocked(i + 1)) << "client " << i << " did not block";
  }
  // 1,000 pushes, pipelined on one connection.
  for (int i = 0; i < kClients; ++i) control_->Append({"RPUSH", "queue", "e" + std::to_string(i)});
  for (int i = 0; i < kClients; ++i) ASSERT_TRUE(control_->Read());
  for (int i = 0; i < kClients; ++i) {
    Reply r = clients_[static_cast<size_t>(i)]->Read();
    ASSERT_TRUE(r) << i;
    EXPECT_EQ(Render(r.get()), "[\"queue\", \"e" + std::to_string(i) + "\"]") << "client " << i;
  }
  EXPECT_EQ(control_->Do({"EXISTS", "queue"}), ":0");
  EXPECT_TRUE(AwaitBlocked(0));
}

TEST_F(BlockingIt, Timeouts) {
  auto c = server_.Connect();
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(c->Do({"BLPOP", "nothing", "0.2"}), "(nil)");
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(took, std::chrono::milliseconds(190));
  EXPECT_LT(took, std::chrono::seconds(3));
  EXPECT_EQ(c->Do({"BLMOVE", "nothing", "dst", "LEFT", "RIGHT", "0.05"}), "(nil)");
  EXPECT_EQ(c->Do({"BRPOPLPUSH", "nothing", "dst", "0.05"}), "(nil)");
  EXPECT_EQ(c->Do({"BLPOP", "nothing", "-1"}), "(error) ERR timeout is negative");
  EXPECT_EQ(c->Do({"BLPOP", "nothing", "abc"}), "(error) ERR timeout is not a float or out of range");
  EXPECT_EQ(c->Do({"PING"}), "\"PONG\"");  // the connection is usable after a timeout
  EXPECT_TRUE(AwaitBlocked(0));
}

TEST_F(BlockingIt, BlmoveWakesAndChains) {
  auto mover = server_.Connect();
  auto popper = server_.Connect();
  Send(*mover, {"BLMOVE", "src", "mid", "RIGHT", "LEFT", "10"});
  ASSERT_TRUE(AwaitBlocked(1));
  Send(*popper, {"BRPOP", "mid", "10"});
  ASSERT_TRUE(AwaitBlocked(2));
  EXPECT_EQ(control_->Do({"LPUSH", "src", "a", "b"}), ":2");
  EXPECT_EQ(Render(mover->Read().get()), "\"a\"");
  EXPECT_EQ(Render(popper->Read().get()), "[\"mid\", \"a\"]");
  EXPECT_EQ(control_->Do({"LRANGE", "src", "0", "-1"}), "[\"b\"]");
  EXPECT_EQ(control_->Do({"EXISTS", "mid"}), ":0");
}

TEST_F(BlockingIt, WaitersAcrossKeysAndTimeoutsMixed) {
  // 50 clients wait long on (k<i%3>, other); then 50 wait 2 s on the same
  // keys and time out; then 50 pushes to "other" serve exactly the first 50.
  constexpr int kHalf = 50;
  for (int i = 0; i < 2 * kHalf; ++i) {
    clients_.push_back(server_.Connect());
    Send(*clients_.back(), {"BRPOP", "k" + std::to_string(i % 3), "other", i < kHalf ? "30" : "2"});
    if (i < kHalf) ASSERT_TRUE(AwaitBlocked(i + 1));  // arrival order = i
  }
  ASSERT_TRUE(AwaitBlocked(2 * kHalf));
  for (int i = 0; i < 30 && BlockedClients() != kHalf; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_EQ(BlockedClients(), kHalf);  // the 2 s ones gave up
  for (int i = 0; i < kHalf; ++i) control_->Do({"LPUSH", "other", "v" + std::to_string(i)});
  for (int i = 0; i < 2 * kHalf; ++i) {
    std::string r = Render(clients_[static_cast<size_t>(i)]->Read().get());
    if (i < kHalf) {
      EXPECT_EQ(r, "[\"other\", \"v" + std::to_string(i) + "\"]") << i;
    } else {
      EXPECT_EQ(r, "(nil)") << i;
    }
  }
  EXPECT_EQ(control_->Do({"DBSIZE"}), ":0");
}

TEST_F(BlockingIt, ShutdownAnswersParkedClients) {
  auto c = server_.Connect();
  Send(*c, {"BLPOP", "forever", "0"});
  ASSERT_TRUE(AwaitBlocked(1));
  const int status = server_.Stop(SIGTERM, std::chrono::seconds(20));
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status << "\n" << server_.Log();
  EXPECT_EQ(Render(c->Read().get()), "(nil)");
}

}  // namespace
}  // namespace stockd::testing
