// MULTI/EXEC against the real stockd binary: pipelined transactions, EXEC's
// atomicity across shards while other connections read, WATCH-based
// optimistic updates from many connections with exact totals, and a watching
// client that disconnects.
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "tests/util/server_process.h"
#include "tests/util/stockd_fixture.h"

namespace stockd::testing {
namespace {

class TransactionIt : public StockdFixture {
 protected:
  TransactionIt() : StockdFixture("stockd-tx-") {}
  void SetUp() override { StartStockd(); }
};

TEST_F(TransactionIt, PipelinedTransaction) {
  auto c = server_.Connect();
  c->Append({"MULTI"});
  c->Append({"SET", "a", "1"});
  c->Append({"INCRBY", "a", "41"});
  c->Append({"LPUSH", "a", "x"});
  c->Append({"GET", "a"});
  c->Append({"EXEC"});
  std::vector<std::string> replies;
  for (int i = 0; i < 6; ++i) replies.push_back(Render(c->Read().get()));
  EXPECT_EQ(replies[0], "\"OK\"");
  for (int i = 1; i < 5; ++i) EXPECT_EQ(replies[i], "\"QUEUED\"");
  EXPECT_EQ(replies[5], "[\"OK\", :42, (error) WRONGTYPE Operation against a key holding the wrong kind of value, \"42\"]");
}

TEST_F(TransactionIt, ExecIsAtomicWhileOthersRead) {
  // Four keys: some of them live on different shards, so EXEC holds several locks.
  static constexpr const char* kKeys[] = {"a", "b", "c", "d"};
  constexpr int kWriters = 4, kPerWriter = 500;
  std::atomic<bool> stop{false};
  std::atomic<int> torn{0}, reads{0}, bad_exec{0};
  std::vector<std::thread> writers;
  for (int t = 0; t < kWriters; ++t) {
    writers.emplace_back([&] {
      auto c = server_.Connect();
      for (int i = 0; i < kPerWriter; ++i) {
        c->Append({"MULTI"});
        for (const char* k : kKeys) c->Append({"INCR", k});
        c->Append({"EXEC"});
        for (int j = 0; j < 5; ++j) c->Read();
        Reply r = c->Read();
        if (r == nullptr || r->type != REDIS_REPLY_ARRAY || r->elements != 4) bad_exec.fetch_add(1);
      }
    });
  }
  std::vector<std::thread> readers;
  for (int t = 0; t < 2; ++t) {
    readers.emplace_back([&, t] {
      auto c = server_.Connect();
      while (!stop.load()) {
        std::string r;
        if (t == 0) {
          r = c->Do({"MGET", kKeys[0], kKeys[1], kKeys[2], kKeys[3]});
        } else {
          c->Append({"MULTI"});
          for (const char* k : kKeys) c->Append({"GET", k});
          c->Append({"EXEC"});
          for (int j = 0; j < 5; ++j) c->Read();
          r = Render(c->Read().get());
        }
        // "[v, v, v, v]": all four values equal.
        const size_t comma = r.find(", ");
        const std::string first = comma == std::string::npos ? "" : r.substr(1, comma - 1);
        if (first.empty() || r != "[" + first + ", " + first + ", " + first + ", " + first + "]") {
          torn.fetch_add(1);
          ADD_FAILURE() << "torn read: " << r;
        }
        reads.fetch_add(1);
      }
    });
  }
  for (auto& w : writers) w.join();
  stop.store(true);
  for (auto& r : readers) r.join();
  EXPECT_EQ(bad_exec.load(), 0);
  EXPECT_EQ(torn.load(), 0);
  EXPECT_GT(reads.load(), 0);
  auto c = server_.Connect();
  EXPECT_EQ(c->Do({"MGET", kKeys[0], kKeys[1], kKeys[2], kKeys[3]}),
            "[\"2000\", \"2000\", \"2000\", \"2000\"]");
}

TEST_F(TransactionIt, WatchRetryLoopFromManyConnections) {
  constexpr int kClients = 8, kPer = 100;
  std::vector<std::thread> threads;
  std::atomic<int> retries{0};
  for (int t = 0; t < kClients; ++t) {
    threads.emplace_back([&] {
      auto c = server_.Connect();
      for (int i = 0; i < kPer; ++i) {
        for (int attempt = 0; attempt < 1000; ++attempt) {
          c->Do({"WATCH", "stock"});
          std::string v = c->Do({"GET", "stock"});
          const int64_t n = v == "(nil)" ? 0 : std::stoll(v.substr(1));
          c->Do({"MULTI"});
          c->Do({"SET", "stock", std::to_string(n + 1)});
          if (c->Do({"EXEC"}) != "(nil)") break;
          retries.fetch_add(1);
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  auto c = server_.Connect();
  EXPECT_EQ(c->Do({"GET", "stock"}), "\"" + std::to_string(kClients * kPer) + "\"");
}

TEST_F(TransactionIt, DisconnectWhileWatchingOrQueuing) {
  {
    auto gone = server_.Connect();
    EXPECT_EQ(gone->Do({"WATCH", "w"}), "\"OK\"");
    EXPECT_EQ(gone->Do({"MULTI"}), "\"OK\"");
    EXPECT_EQ(gone->Do({"SET", "w", "never"}), "\"QUEUED\"");
  }  // closed without EXEC: nothing runs
  auto c = server_.Connect();
  for (int i = 0; i < 100 && c->Do({"INFO", "clients"}).find("connected_clients:1\r") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(c->Do({"GET", "w"}), "(nil)");
  EXPECT_EQ(c->Do({"WATCH", "w"}), "\"OK\"");
  EXPECT_EQ(c->Do({"MULTI"}), "\"OK\"");
  EXPECT_EQ(c->Do({"SET", "w", "1"}), "\"QUEUED\"");
  EXPECT_EQ(c->Do({"EXEC"}), "[\"OK\"]");
}

}  // namespace
}  // namespace stockd::testing
