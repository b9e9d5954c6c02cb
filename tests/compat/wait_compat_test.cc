// tests/compat/wait_compat_test.cc — WAIT against redis-server 7.0 without
// replicas: immediate replies, argument errors, a timed wait, MULTI, scripts,
// and a forever-wait seen as blocked and ended by CLIENT UNBLOCK, byte for
// byte.
#include <chrono>
#include <string>

#include "tests/compat/collection_compat_util.h"

namespace stockd::testing {
namespace {

using Clock = std::chrono::steady_clock;

class WaitCompat : public CollectionCompatTest {};

TEST_F(WaitCompat, RepliesAndErrors) {
  Pair p = Open(/*resp3=*/false);
  ExactAll(p, {{"SET", "k", "v"},
               {"WAIT", "0", "0"},
               {"WAIT", "-1", "0"},
               {"WAIT", "0", "100000"},
               {"WAIT", "x", "0"},
               {"WAIT", "1", "-1"},
               {"WAIT", "1", "1.5"},
               {"WAIT", "1", "x"},
               {"WAIT", " 1", "0"},
               {"WAIT", "1"},
               {"WAIT", "1", "2", "3"},
               {"MULTI"},
               {"WAIT", "1", "0"},  // may not block inside EXEC: 0 at once
               {"EXEC"},
               {"EVAL", "return redis.call('wait', 0, 0)", "0"},
               {"COMMAND", "INFO", "wait"}});
}

TEST_F(WaitCompat, ATimedWaitRepliesZeroAfterItsTimeout) {
  Pair p = Open(/*resp3=*/true);
  for (RawResp* c : {p.s.get(), p.r.get()}) {
    const auto start = Clock::now();
    EXPECT_EQ(c->Do({"WAIT", "1", "150"}), ":0\r\n");
    EXPECT_GE(Clock::now() - start, std::chrono::milliseconds(150));
  }
}

TEST_F(WaitCompat, AForeverWaitIsBlockedUntilClientUnblock) {
  Pair waiter = Open(/*resp3=*/false);
  const std::string s_id = waiter.s->Do({"CLIENT", "ID"}), r_id = waiter.r->Do({"CLIENT", "ID"});
  auto id = [](const std::string& reply) { return reply.substr(1, reply.size() - 3); };
  for (const char* mode : {"TIMEOUT", "ERROR"}) {
    waiter.s->Send({"WAIT", "2", "0"});
    waiter.r->Send({"WAIT", "2", "0"});
    AwaitBlocked(1);
    const std::string s_line = s_->Do({"CLIENT", "LIST", "ID", id(s_id)});
    const std::string r_line = r_->Do({"CLIENT", "LIST", "ID", id(r_id)});
    EXPECT_NE(s_line.find(" flags=b "), std::string::npos) << s_line;
    EXPECT_NE(r_line.find(" flags=b "), std::string::npos) << r_line;
    EXPECT_EQ(s_->Do({"CLIENT", "UNBLOCK", id(s_id), mode}), ":1");
    EXPECT_EQ(r_->Do({"CLIENT", "UNBLOCK", id(r_id), mode}), ":1");
    const std::string s_reply = waiter.s->Read(), r_reply = waiter.r->Read();
    EXPECT_EQ(s_reply, r_reply) << mode;
    AwaitBlocked(0);
  }
  ExactAll(waiter, {{"PING"}});  // the connection goes on
}

}  // namespace
}  // namespace stockd::testing
