// Streams against the real stockd binary: 500 XREAD BLOCK clients all served
// by one XADD (reading does not consume), CLIENT UNBLOCK of a blocked reader,
// and persistence — streams written (entries, trimming, XDEL, XSETID, a copy,
// consumer groups with their PELs and consumers) survive a kill -9 and a restart on the same directory, with the node layout
// that `~` trimming depends on.

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

class StreamIt : public BlockedClientsFixture {
 protected:
  StreamIt() : BlockedClientsFixture("stockd-stream-") {}
  void SetUp() override {
    RaiseOpenFileLimit();  // a thousand client sockets here and in the server (it inherits the limit)
    // Every write fsynced before its reply: what was acknowledged must survive kill -9.
    StartStockd({"--order-fsync", "always"});
    control_ = server_.Connect();
  }
};

TEST_F(StreamIt, OneAddWakesEveryBlockedReader) {
  constexpr int kClients = 500;
  EXPECT_EQ(control_->Do({"XADD", "events", "1-1", "f", "old"}), "\"1-1\"");
  for (int i = 0; i < kClients; ++i) {
    clients_.push_back(server_.Connect());
    ASSERT_TRUE(clients_.back()->ok()) << i << ": " << clients_.back()->error();
    // A third wait after `$`, a third after 1-1, a third on two streams.
    if (i % 3 == 0) {
      Send(*clients_.back(), {"XREAD", "BLOCK", "60000", "STREAMS", "events", "$"});
    } else if (i % 3 == 1) {
      Send(*clients_.back(), {"XREAD", "COUNT", "5", "BLOCK", "0", "STREAMS", "events", "1-1"});
    } else {
      Send(*clients_.back(), {"XREAD", "BLOCK", "60000", "STREAMS", "quiet", "events", "$", "$"});
    }
  }
  ASSERT_TRUE(AwaitBlocked(kClients));
  EXPECT_EQ(control_->Do({"XADD", "events", "2-1", "f", "new"}), "\"2-1\"");
  for (int i = 0; i < kClients; ++i) {
    Reply r = clients_[static_cast<size_t>(i)]->Read();
    ASSERT_TRUE(r) << i;
    EXPECT_EQ(Render(r.get()), "[[\"events\", [[\"2-1\", [\"f\", \"new\"]]]]]") << "client " << i;
  }
  EXPECT_TRUE(AwaitBlocked(0));
  // Reading consumed nothing.
  EXPECT_EQ(control_->Do({"XLEN", "events"}), ":2");
}

TEST_F(StreamIt, TimeoutAndClientUnblock) {
  auto c = server_.Connect();
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(c->Do({"XREAD", "BLOCK", "200", "STREAMS", "s", "$"}), "(nil)");
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(190));
  const std::string id = c->Do({"CLIENT", "ID"}).substr(1);
  Send(*c, {"XREAD", "BLOCK", "0", "STREAMS", "s", "$"});
  ASSERT_TRUE(AwaitBlocked(1));
  EXPECT_EQ(control_->Do({"CLIENT", "UNBLOCK", id, "ERROR"}), ":1");
  EXPECT_EQ(Render(c->Read().get()), "(error) UNBLOCKED client unblocked via CLIENT UNBLOCK");
  Send(*c, {"XREAD", "BLOCK", "0", "STREAMS", "s", "$"});
  ASSERT_TRUE(AwaitBlocked(1));
  EXPECT_EQ(control_->Do({"CLIENT", "UNBLOCK", id}), ":1");
  EXPECT_EQ(Render(c->Read().get()), "(nil)");
  EXPECT_EQ(c->Do({"PING"}), "\"PONG\"");
}

TEST_F(StreamIt, StreamsSurviveKill9) {
  // 250 entries (three nodes), some deleted, trimmed, a moved top ID.
  for (int i = 1; i <= 250; ++i) {
    control_->Append({"XADD", "orders", std::to_string(i) + "-0", "sku", "s" + std::to_string(i % 7), "qty",
                      std::to_string(i)});
  }
  for (int i = 1; i <= 250; ++i) ASSERT_TRUE(control_->Read());
  EXPECT_EQ(control_->Do({"XDEL", "orders", "120-0", "121-0"}), ":2");
  EXPECT_EQ(control_->Do({"XTRIM", "orders", "MAXLEN", "=", "240"}), ":8");
  EXPECT_EQ(control_->Do({"XSETID", "orders", "900-0", "ENTRIESADDED", "1000", "MAXDELETEDID", "800-0"}), "\"OK\"");
  EXPECT_EQ(control_->Do({"XADD", "small", "5-5", "a", std::string(300, 'z')}), "\"5-5\"");
  EXPECT_EQ(control_->Do({"COPY", "small", "copy"}), ":1");
  EXPECT_EQ(control_->Do({"XADD", "empty", "1-1", "a", "1"}), "\"1-1\"");
  EXPECT_EQ(control_->Do({"XDEL", "empty", "1-1"}), ":1");
  EXPECT_EQ(control_->Do({"XADD", "gone", "1-1", "a", "1"}), "\"1-1\"");
  EXPECT_EQ(control_->Do({"DEL", "gone"}), ":1");
  // Consumer groups: a PEL over two consumers, acks, a claim, a NOACK group.
  EXPECT_EQ(control_->Do({"XGROUP", "CREATE", "orders", "shipping", "0"}), "\"OK\"");
  EXPECT_EQ(control_->Do({"XGROUP", "CREATE", "orders", "audit", "$", "ENTRIESREAD", "7"}), "\"OK\"");
  ASSERT_TRUE(control_->Command({"XREADGROUP", "GROUP", "shipping", "w1", "COUNT", "5", "STREAMS", "orders", ">"}));
  ASSERT_TRUE(control_->Command({"XREADGROUP", "GROUP", "shipping", "w2", "COUNT", "3", "STREAMS", "orders", ">"}));
  EXPECT_EQ(control_->Do({"XACK", "orders", "shipping", "10-0", "11-0"}), ":2");
  EXPECT_EQ(control_->Do({"XCLAIM", "orders", "shipping", "w3", "0", "14-0", "JUSTID"}), "[\"14-0\"]");
  EXPECT_EQ(control_->Do({"XGROUP", "CREATECONSUMER", "orders", "audit", "idle"}), ":1");
  const std::string info_before = control_->Do({"XINFO", "STREAM", "orders", "FULL", "COUNT", "0"});
  const std::string range_before = control_->Do({"XRANGE", "orders", "-", "+"});
  const std::string small_before = control_->Do({"XRANGE", "copy", "-", "+"});

  server_.Kill9();
  Restart();
  control_ = server_.Connect();

  EXPECT_EQ(control_->Do({"TYPE", "orders"}), "\"stream\"");
  // Groups, PELs (delivery times and counts), consumers (seen times) as they were.
  EXPECT_EQ(control_->Do({"XINFO", "STREAM", "orders", "FULL", "COUNT", "0"}), info_before);
  EXPECT_EQ(control_->Do({"XLEN", "orders"}), ":240");
  EXPECT_EQ(control_->Do({"XRANGE", "orders", "-", "+"}), range_before);
  EXPECT_EQ(control_->Do({"XRANGE", "copy", "-", "+"}), small_before);
  EXPECT_EQ(control_->Do({"XLEN", "empty"}), ":0");
  EXPECT_EQ(control_->Do({"EXISTS", "empty", "gone"}), ":1");
  // last_id survived: an ID at or below 900-0 is refused, 900-* continues it.
  EXPECT_EQ(control_->Do({"XADD", "orders", "900-0", "a", "1"}),
            "(error) ERR The ID specified in XADD is equal or smaller than the target stream top item");
  EXPECT_EQ(control_->Do({"XADD", "orders", "900-*", "a", "1"}), "\"900-1\"");
  EXPECT_EQ(control_->Do({"XADD", "empty", "1-*", "a", "1"}), "\"1-2\"");
  EXPECT_EQ(control_->Do({"XSETID", "orders", "901-0", "MAXDELETEDID", "700-0"}), "\"OK\"");
  // The node layout survived: ~ removes the first node (entries 9..100, 92
  // live after the exact trim flagged 1..8 deleted) and stops at the second.
  // (Numbers checked against redis-server 7.0.15.)
  EXPECT_EQ(control_->Do({"XTRIM", "orders", "MAXLEN", "~", "100"}), ":92");
  EXPECT_EQ(control_->Do({"XLEN", "orders"}), ":149");
}

}  // namespace
}  // namespace stockd::testing
