// tests/engine/blocking_family_test.cc — blocking pops through the engine
// (engine/blocking.h): clients are fibers of a real runtime, each with its
// own Session; replies are exact RESP bytes.
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "engine/blocking.h"
#include "runtime/fiber.h"
#include "runtime/scheduler.h"
#include "runtime/time.h"
#include "tests/engine/blocking_test_util.h"
#include "tests/engine/engine_test_util.h"

namespace stockd::engine::testing {
namespace {

class BlockingTest : public RuntimeEngineTest {
 protected:
  // One client: a session and its reply buffer.
  struct Client {
    Session session;
    std::string Run(Engine& e, const std::vector<std::string>& argv) { return e.Execute(session, argv); }
  };
};

TEST_F(BlockingTest, PushWakesBlockedPop) {
  InRuntime([&] {
    std::string reply;
    runtime::Fiber f = runtime::Go([&] {
      Client c;
      reply = c.Run(engine_, {"BLPOP", "a", "q", "0"});
    });
    AwaitBlocked(1);
    EXPECT_EQ(engine_.Execute({"RPUSH", "q", "x", "y"}), Int(2));
    ASSERT_TRUE(f.Join().ok());
    EXPECT_EQ(reply, BulkArr({"q", "x"}));
    EXPECT_EQ(engine_.Execute({"LRANGE", "q", "0", "-1"}), BulkArr({"y"}));
    EXPECT_EQ(engine_.blocking().blocked_clients(), 0u);
  });
}

TEST_F(BlockingTest, TimeoutRepliesNullArray) {
  InRuntime([&] {
    Client c;
    const absl::Time start = absl::Now();
    EXPECT_EQ(c.Run(engine_, {"BRPOP", "q", "0.05"}), "*-1\r\n");
    EXPECT_GE(absl::Now() - start, absl::Milliseconds(45));
    EXPECT_EQ(c.Run(engine_, {"BLMOVE", "q", "d", "LEFT", "LEFT", "0.02"}), "*-1\r\n");
    // Fractions of a millisecond round up (Redis's ceill), down to denormals.
    for (const char* t : {"0.001", "0.0009", "1e-400"}) {
      const absl::Time t0 = absl::Now();
      EXPECT_EQ(c.Run(engine_, {"BLPOP", "q", t}), "*-1\r\n") << t;
      EXPECT_LT(absl::Now() - t0, absl::Seconds(2)) << t;
    }
    c.session.resp = 3;
    EXPECT_EQ(c.Run(engine_, {"BRPOPLPUSH", "q", "d", "0.01"}), "_\r\n");
    EXPECT_EQ(engine_.blocking().blocked_clients(), 0u);
  });
}

TEST_F(BlockingTest, FifoPerKey) {
  constexpr int kClients = 20;
  InRuntime([&] {
    std::vector<std::string> replies(kClients);
    std::vector<runtime::Fiber> fibers;
    for (int i = 0; i < kClients; ++i) {
      fibers.push_back(runtime::Go([&, i] {
        Client c;
        replies[static_cast<size_t>(i)] = c.Run(engine_, {"BLPOP", "q", "5"});
      }));
      AwaitBlocked(static_cast<size_t>(i) + 1);  // arrival order = i
    }
    for (int i = 0; i < kClients; ++i) engine_.Execute({"RPUSH", "q", "e" + std::to_string(i)});
    for (auto& f : fibers) ASSERT_TRUE(f.Join().ok());
    for (int i = 0; i < kClients; ++i) {
      EXPECT_EQ(replies[static_cast<size_t>(i)], BulkArr({"q", "e" + std::to_string(i)})) << i;
    }
    EXPECT_EQ(engine_.Execute({"EXISTS", "q"}), Int(0));
  });
}

TEST_F(BlockingTest, OnePushOfManyServesMany) {
  InRuntime([&] {
    std::vector<std::string> replies(3);
    std::vector<runtime::Fiber> fibers;
    for (int i = 0; i < 3; ++i) {
      fibers.push_back(runtime::Go([&, i] {
        Client c;
        replies[static_cast<size_t>(i)] = c.Run(engine_, {"BRPOP", "q", "5"});
      }));
      AwaitBlocked(static_cast<size_t>(i) + 1);
    }
    engine_.Execute({"LPUSH", "q", "a", "b", "c", "d"});  // q = d c b a
    for (auto& f : fibers) ASSERT_TRUE(f.Join().ok());
    EXPECT_EQ(replies[0], BulkArr({"q", "a"}));
    EXPECT_EQ(replies[1], BulkArr({"q", "b"}));
    EXPECT_EQ(replies[2], BulkArr({"q", "c"}));
    EXPECT_EQ(engine_.Execute({"LRANGE", "q", "0", "-1"}), BulkArr({"d"}));
  });
}

TEST_F(BlockingTest, MoveChainsToTheNextWaiter) {
  // Client 1 waits on src with BLMOVE into mid; client 2 waits on mid.
  InRuntime([&] {
    std::string r1, r2;
    runtime::Fiber f1 = runtime::Go([&] {
      Client c;
      r1 = c.Run(engine_, {"BLMOVE", "src", "mid", "RIGHT", "LEFT", "5"});
    });
    AwaitBlocked(1);
    runtime::Fiber f2 = runtime::Go([&] {
      Client c;
      r2 = c.Run(engine_, {"BLPOP", "mid", "5"});
    });
    AwaitBlocked(2);
    engine_.Execute({"RPUSH", "src", "v"});
    ASSERT_TRUE(f1.Join().ok());
    ASSERT_TRUE(f2.Join().ok());
    EXPECT_EQ(r1, Bulk("v"));
    EXPECT_EQ(r2, BulkArr({"mid", "v"}));
    EXPECT_EQ(engine_.Execute({"DBSIZE"}), Int(0));
  });
}

TEST_F(BlockingTest, RenameOntoWaitedKeyServesEveryWaiter) {
  InRuntime([&] {
    std::vector<std::string> replies(3);
    std::vector<runtime::Fiber> fibers;
    for (int i = 0; i < 3; ++i) {
      fibers.push_back(runtime::Go([&, i] {
        Client c;
        replies[static_cast<size_t>(i)] = c.Run(engine_, {"BLPOP", "q", "5"});
      }));
      AwaitBlocked(static_cast<size_t>(i) + 1);
    }
    engine_.Execute({"RPUSH", "tmp", "a", "b", "c"});
    EXPECT_EQ(engine_.Execute({"RENAME", "tmp", "q"}), kOk);  // one signal; the chain does the rest
    for (auto& f : fibers) ASSERT_TRUE(f.Join().ok());
    EXPECT_EQ(replies[0], BulkArr({"q", "a"}));
    EXPECT_EQ(replies[1], BulkArr({"q", "b"}));
    EXPECT_EQ(replies[2], BulkArr({"q", "c"}));
  });
}

TEST_F(BlockingTest, WrongTypeWhileBlockedKeepsWaiting) {
  InRuntime([&] {
    std::string reply;
    runtime::Fiber f = runtime::Go([&] {
      Client c;
      reply = c.Run(engine_, {"BLPOP", "q", "5"});
    });
    AwaitBlocked(1);
    engine_.Execute({"HSET", "q", "f", "v"});
    runtime::Sleep(absl::Milliseconds(20));
    EXPECT_EQ(engine_.blocking().blocked_clients(), 1u);
    engine_.Execute({"DEL", "q"});
    engine_.Execute({"RPUSH", "q", "x"});
    ASSERT_TRUE(f.Join().ok());
    EXPECT_EQ(reply, BulkArr({"q", "x"}));
  });
}

TEST_F(BlockingTest, NoBlockSessionAnswersAtOnce) {
  InRuntime([&] {
    Client c;
    c.session.no_block = true;  // as inside MULTI/EXEC or a script
    EXPECT_EQ(c.Run(engine_, {"BLPOP", "q", "0"}), "*-1\r\n");
    EXPECT_EQ(c.Run(engine_, {"BLMOVE", "q", "d", "LEFT", "LEFT", "0"}), kNil);
    EXPECT_EQ(c.Run(engine_, {"BRPOPLPUSH", "q", "d", "0"}), kNil);
    EXPECT_EQ(engine_.blocking().blocked_clients(), 0u);
  });
}

TEST_F(BlockingTest, UnblockByClientId) {
  InRuntime([&] {
    std::string r1, r2;
    runtime::Fiber f1 = runtime::Go([&] {
      Client c;
      c.session.client_id = 7;
      r1 = c.Run(engine_, {"BLPOP", "q", "0"});
    });
    runtime::Fiber f2 = runtime::Go([&] {
      Client c;
      c.session.client_id = 8;
      r2 = c.Run(engine_, {"BLPOP", "q", "0"});
    });
    AwaitBlocked(2);
    EXPECT_FALSE(engine_.blocking().Unblock(99, UnblockMode::kTimeout));
    EXPECT_TRUE(engine_.blocking().Unblock(7, UnblockMode::kError));
    EXPECT_TRUE(engine_.blocking().Unblock(8, UnblockMode::kTimeout));
    ASSERT_TRUE(f1.Join().ok());
    ASSERT_TRUE(f2.Join().ok());
    EXPECT_EQ(r1, Err("UNBLOCKED client unblocked via CLIENT UNBLOCK"));
    EXPECT_EQ(r2, "*-1\r\n");
    EXPECT_EQ(engine_.blocking().blocked_clients(), 0u);
  });
}

TEST_F(BlockingTest, GoneClientPassesItsTurn) {
  InRuntime([&] {
    std::string r1, r2;
    runtime::Fiber f1 = runtime::Go([&] {
      Client c;
      c.session.client_alive = [](Session&) { return false; };
      r1 = c.Run(engine_, {"BLPOP", "q", "5"});
    });
    AwaitBlocked(1);
    runtime::Fiber f2 = runtime::Go([&] {
      Client c;
      r2 = c.Run(engine_, {"BLPOP", "q", "5"});
    });
    AwaitBlocked(2);
    engine_.Execute({"RPUSH", "q", "only"});
    ASSERT_TRUE(f1.Join().ok());
    ASSERT_TRUE(f2.Join().ok());
    EXPECT_EQ(r2, BulkArr({"q", "only"}));
  });
}

TEST_F(BlockingTest, ManyWaitersManyPushers) {
  constexpr int kClients = 200;
  InRuntime([&] {
    std::atomic<int> served{0};
    std::vector<runtime::Fiber> fibers;
    for (int i = 0; i < kClients; ++i) {
      fibers.push_back(runtime::Go([&, i] {
        Client c;
        std::string r = c.Run(engine_, {i % 2 ? "BLPOP" : "BRPOP", "k1", "k2", "10"});
        if (r.substr(0, 4) == "*2\r\n") served.fetch_add(1);
      }));
    }
    AwaitBlocked(kClients);
    std::vector<runtime::Fiber> pushers;
    for (int p = 0; p < 4; ++p) {
      pushers.push_back(runtime::Go([&, p] {
        for (int j = 0; j < kClients / 4; ++j) {
          engine_.Execute({"RPUSH", j % 2 ? "k1" : "k2", std::to_string(p * 1000 + j)});
        }
      }));
    }
    for (auto& f : pushers) ASSERT_TRUE(f.Join().ok());
    for (auto& f : fibers) ASSERT_TRUE(f.Join().ok());
    EXPECT_EQ(served.load(), kClients);
    EXPECT_EQ(engine_.Execute({"DBSIZE"}), Int(0));
  });
}


// --- BLMPOP: the same waiting as BLPOP, replies [key, [elements...]] ---

std::string KeyAndElems(std::string_view key, const std::vector<std::string>& elems) {
  return Arr({Bulk(key), BulkArr(elems)});
}

TEST_F(BlockingTest, BLMPopWokenByLPushAndRPush) {
  InRuntime([&] {
    std::string r1, r2;
    runtime::Fiber f1 = runtime::Go([&] {
      Client c;
      r1 = c.Run(engine_, {"BLMPOP", "0", "2", "a", "q", "LEFT", "COUNT", "2"});
    });
    AwaitBlocked(1);
    EXPECT_EQ(engine_.Execute({"RPUSH", "q", "x", "y", "z"}), Int(3));
    ASSERT_TRUE(f1.Join().ok());
    EXPECT_EQ(r1, KeyAndElems("q", {"x", "y"}));
    EXPECT_EQ(engine_.Execute({"LRANGE", "q", "0", "-1"}), BulkArr({"z"}));
    runtime::Fiber f2 = runtime::Go([&] {
      Client c;
      r2 = c.Run(engine_, {"BLMPOP", "5", "2", "a", "b", "RIGHT", "COUNT", "5"});
    });
    AwaitBlocked(1);
    EXPECT_EQ(engine_.Execute({"LPUSH", "b", "1", "2"}), Int(2));  // b = 2 1
    ASSERT_TRUE(f2.Join().ok());
    EXPECT_EQ(r2, KeyAndElems("b", {"1", "2"}));
    EXPECT_EQ(engine_.Execute({"EXISTS", "b"}), Int(0));  // emptied by the pop: deleted
    EXPECT_EQ(engine_.blocking().blocked_clients(), 0u);
  });
}

TEST_F(BlockingTest, BLMPopServedInArrivalOrder) {
  constexpr int kClients = 6;
  InRuntime([&] {
    std::vector<std::string> replies(kClients);
    std::vector<runtime::Fiber> fibers;
    for (int i = 0; i < kClients; ++i) {
      fibers.push_back(runtime::Go([&, i] {
        Client c;
        // Odd clients are BLPOP: the two commands share one queue per key.
        replies[static_cast<size_t>(i)] =
            i % 2 ? c.Run(engine_, {"BLPOP", "q", "5"}) : c.Run(engine_, {"BLMPOP", "5", "1", "q", "LEFT", "COUNT", "2"});
      }));
      AwaitBlocked(static_cast<size_t>(i) + 1);  // arrival order = i
    }
    // One push serves as many waiters as it brings elements for, in order.
    engine_.Execute({"RPUSH", "q", "e0", "e1", "e2", "e3", "e4", "e5", "e6", "e7", "e8"});
    for (auto& f : fibers) ASSERT_TRUE(f.Join().ok());
    EXPECT_EQ(replies[0], KeyAndElems("q", {"e0", "e1"}));
    EXPECT_EQ(replies[1], BulkArr({"q", "e2"}));
    EXPECT_EQ(replies[2], KeyAndElems("q", {"e3", "e4"}));
    EXPECT_EQ(replies[3], BulkArr({"q", "e5"}));
    EXPECT_EQ(replies[4], KeyAndElems("q", {"e6", "e7"}));
    EXPECT_EQ(replies[5], BulkArr({"q", "e8"}));
    EXPECT_EQ(engine_.Execute({"EXISTS", "q"}), Int(0));
  });
}

TEST_F(BlockingTest, BLMPopTimeoutRepliesNull) {
  InRuntime([&] {
    Client c;
    const absl::Time start = absl::Now();
    EXPECT_EQ(c.Run(engine_, {"BLMPOP", "0.05", "2", "a", "b", "LEFT", "COUNT", "3"}), "*-1\r\n");
    EXPECT_GE(absl::Now() - start, absl::Milliseconds(45));
    c.session.resp = 3;
    EXPECT_EQ(c.Run(engine_, {"BLMPOP", "0.01", "1", "a", "RIGHT"}), "_\r\n");
    EXPECT_EQ(engine_.blocking().blocked_clients(), 0u);
    // A timed-out waiter left no trace: the next push serves the next waiter.
    std::string r;
    runtime::Fiber f = runtime::Go([&] {
      Client c2;
      r = c2.Run(engine_, {"BLMPOP", "5", "1", "a", "RIGHT"});
    });
    AwaitBlocked(1);
    engine_.Execute({"RPUSH", "a", "v"});
    ASSERT_TRUE(f.Join().ok());
    EXPECT_EQ(r, KeyAndElems("a", {"v"}));
  });
}

TEST_F(BlockingTest, BLMPopInsideMultiDoesNotBlock) {
  InRuntime([&] {
    Client c;
    EXPECT_EQ(c.Run(engine_, {"MULTI"}), kOk);
    EXPECT_EQ(c.Run(engine_, {"BLMPOP", "0", "1", "q", "LEFT"}), Status("QUEUED"));
    EXPECT_EQ(c.Run(engine_, {"RPUSH", "q", "a", "b"}), Status("QUEUED"));
    EXPECT_EQ(c.Run(engine_, {"BLMPOP", "0", "1", "q", "RIGHT", "COUNT", "5"}), Status("QUEUED"));
    const absl::Time start = absl::Now();
    EXPECT_EQ(c.Run(engine_, {"EXEC"}), "*3\r\n*-1\r\n" + Int(2) + KeyAndElems("q", {"b", "a"}));
    EXPECT_LT(absl::Now() - start, absl::Seconds(2));
    EXPECT_EQ(engine_.blocking().blocked_clients(), 0u);
    c.session.no_block = true;  // as in a script
    EXPECT_EQ(c.Run(engine_, {"BLMPOP", "0", "1", "q", "LEFT"}), "*-1\r\n");
  });
}

TEST_F(BlockingTest, BLMPopWrongTypeWhileBlockedKeepsWaiting) {
  InRuntime([&] {
    std::string reply;
    runtime::Fiber f = runtime::Go([&] {
      Client c;
      reply = c.Run(engine_, {"BLMPOP", "5", "2", "q", "r", "LEFT", "COUNT", "3"});
    });
    AwaitBlocked(1);
    engine_.Execute({"SET", "q", "str"});
    runtime::Sleep(absl::Milliseconds(20));
    EXPECT_EQ(engine_.blocking().blocked_clients(), 1u);
    engine_.Execute({"RPUSH", "r", "x"});
    ASSERT_TRUE(f.Join().ok());
    EXPECT_EQ(reply, KeyAndElems("r", {"x"}));
  });
}

TEST_F(BlockingTest, BLMPopUnblockByClientId) {
  InRuntime([&] {
    std::string r1, r2;
    runtime::Fiber f1 = runtime::Go([&] {
      Client c;
      c.session.client_id = 7;
      r1 = c.Run(engine_, {"BLMPOP", "0", "1", "q", "LEFT"});
    });
    runtime::Fiber f2 = runtime::Go([&] {
      Client c;
      c.session.client_id = 8;
      r2 = c.Run(engine_, {"BLMPOP", "0", "1", "q", "LEFT", "COUNT", "2"});
    });
    AwaitBlocked(2);
    EXPECT_TRUE(engine_.blocking().Unblock(7, UnblockMode::kError));
    EXPECT_TRUE(engine_.blocking().Unblock(8, UnblockMode::kTimeout));
    ASSERT_TRUE(f1.Join().ok());
    ASSERT_TRUE(f2.Join().ok());
    EXPECT_EQ(r1, Err("UNBLOCKED client unblocked via CLIENT UNBLOCK"));
    EXPECT_EQ(r2, "*-1\r\n");
    EXPECT_EQ(engine_.blocking().blocked_clients(), 0u);
  });
}

// Waiters timing out while pushers serve others on the same keys: every
// element is popped exactly once and every waiter answers.
TEST_F(BlockingTest, BLMPopTimeoutsAmidPushes) {
  constexpr int kClients = 100;
  InRuntime([&] {
    std::atomic<int> popped{0}, timed_out{0};
    std::vector<runtime::Fiber> fibers;
    for (int i = 0; i < kClients; ++i) {
      fibers.push_back(runtime::Go([&, i] {
        Client c;
        std::string r = c.Run(engine_, {"BLMPOP", i % 3 ? "0.02" : "2", "2", "k1", "k2", i % 2 ? "LEFT" : "RIGHT",
                                         "COUNT", "2"});
        if (r == "*-1\r\n") {
          timed_out.fetch_add(1);
        } else {
          // "*2\r\n$2\r\nk?\r\n*<n>\r\n...": n elements popped.
          popped.fetch_add(r.size() > 13 ? r[13] - '0' : 100);
        }
      }));
    }
    std::vector<runtime::Fiber> pushers;
    std::atomic<int> pushed{0};
    for (int p = 0; p < 2; ++p) {
      pushers.push_back(runtime::Go([&, p] {
        for (int j = 0; j < 120; ++j) {  // more than the waiters take: the long ones are all served
          engine_.Execute({"RPUSH", (j + p) % 2 ? "k1" : "k2", std::to_string(p * 1000 + j)});
          pushed.fetch_add(1);
          if (j % 8 == 0) runtime::Sleep(absl::Milliseconds(1));
        }
      }));
    }
    for (auto& f : pushers) ASSERT_TRUE(f.Join().ok());
    for (auto& f : fibers) ASSERT_TRUE(f.Join().ok());
    const std::string rest1 = engine_.Execute({"LLEN", "k1"}), rest2 = engine_.Execute({"LLEN", "k2"});
    const int left = std::stoi(rest1.substr(1)) + std::stoi(rest2.substr(1));
    EXPECT_EQ(popped.load() + left, pushed.load());
    EXPECT_GT(popped.load(), 0);
    EXPECT_EQ(engine_.blocking().blocked_clients(), 0u);
  });
}

}  // namespace
}  // namespace stockd::engine::testing
