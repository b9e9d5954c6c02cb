// tests/engine/concurrency_test.cc — several threads executing at once: exact
// totals for INCR on one key, atomic MSET/MGET across shards, and multi-shard,
// multi-db commands in opposite orders that must not deadlock.
#include <atomic>
#include <thread>

#include "tests/engine/engine_test_util.h"

namespace stockd::engine::testing {
namespace {

constexpr int kThreads = 4;

TEST(ConcurrencyTest, IncrOnOneKeyIsExact) {
  Engine engine;
  constexpr int kPerThread = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      Session session;
      for (int i = 0; i < kPerThread; ++i) engine.Execute(session, {"INCR", "counter"});
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(engine.Execute({"GET", "counter"}), Bulk(std::to_string(kThreads * kPerThread)));
  EXPECT_EQ(engine.commands().Find("incr")->stats().Get(engine::CommandStats::kCalls),
            static_cast<uint64_t>(kThreads * kPerThread));
}

TEST(ConcurrencyTest, DecrByNeverLosesUpdates) {
  Engine engine;
  engine.Execute({"SET", "stock:sku", "100000"});
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Session session;
      for (int i = 0; i < 10000; ++i) {
        engine.Execute(session, {"DECRBY", "stock:sku", std::to_string(1 + (i + t) % 2)});
      }
    });
  }
  for (auto& th : threads) th.join();
  // Each thread takes 1 and 2 alternately: 15000 per thread.
  EXPECT_EQ(engine.Execute({"GET", "stock:sku"}), Bulk(std::to_string(100000 - kThreads * 15000)));
}

TEST(ConcurrencyTest, MSetIsAtomicAcrossShards) {
  Engine engine;
  std::vector<std::string> keys;
  for (int i = 0; i < 16; ++i) keys.push_back("multi:" + std::to_string(i));
  std::vector<std::string> mset = {"MSET"};
  for (const auto& k : keys) {
    mset.push_back(k);
    mset.push_back("0");
  }
  engine.Execute(mset);
  std::vector<std::string> mget = {"MGET"};
  mget.insert(mget.end(), keys.begin(), keys.end());
  std::atomic<bool> stop{false};
  std::atomic<int> torn{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {  // writers: every key gets the same value
    threads.emplace_back([&, t] {
      Session session;
      std::vector<std::string> argv = mset;
      for (int i = 0; i < 3000; ++i) {
        for (size_t j = 2; j < argv.size(); j += 2) argv[j] = std::to_string(t * 100000 + i);
        engine.Execute(session, argv);
      }
    });
  }
  std::atomic<int> reads{0};
  for (int t = 0; t < 2; ++t) {  // readers: never see a mix
    threads.emplace_back([&] {
      Session session;
      while (!stop.load() || reads.load() < 200) {
        std::string r = engine.Execute(session, mget);
        // The reply is "*16\r\n" then 16 bulks; all must be the same bulk.
        size_t p = r.find("\r\n") + 2;
        size_t len_end = r.find("\r\n", p);
        size_t bulk_size = (len_end + 2 - p) + std::stoul(r.substr(p + 1, len_end - p - 1)) + 2;
        std::string first = r.substr(p, bulk_size);
        if (r.size() != p + 16 * bulk_size) {
          torn.fetch_add(1);
        } else {
          for (size_t at = p; at < r.size(); at += bulk_size) {
            if (r.compare(at, bulk_size, first) != 0) {
              torn.fetch_add(1);
              break;
            }
          }
        }
        reads.fetch_add(1);
      }
    });
  }
  threads[0].join();
  threads[1].join();
  stop = true;
  threads[2].join();
  threads[3].join();
  EXPECT_EQ(torn.load(), 0);
  EXPECT_GE(reads.load(), 200);
}

TEST(ConcurrencyTest, OppositeOrderMultiShardCommandsDoNotDeadlock) {
  Engine engine;
  engine.Execute({"SET", "a", "1"});
  engine.Execute({"SET", "b", "2"});
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Session session;
      for (int i = 0; i < 3000; ++i) {
        switch ((i + t) % 6) {
          case 0: engine.Execute(session, {"RENAME", "a", "b"}); break;
          case 1: engine.Execute(session, {"RENAME", "b", "a"}); break;
          case 2: engine.Execute(session, {"COPY", "a", "b", "DB", "1", "REPLACE"}); break;
          case 3: engine.Execute(session, {"MSET", "b", "x", "a", "y", "c", "z"}); break;
          case 4: engine.Execute(session, {"MOVE", "c", "1"}); break;
          default: engine.Execute(session, {"SWAPDB", "0", "1"}); break;
        }
      }
    });
  }
  for (auto& th : threads) th.join();  // a deadlock hangs here (ctest TIMEOUT fails it)
  SUCCEED();
}

TEST(ConcurrencyTest, ExpireCycleRunsBesideCommands) {
  std::atomic<int64_t> now{1700000000000};
  EngineOptions o;
  o.clock = [&] { return now.load(); };
  Engine engine(o);
  std::atomic<bool> stop{false};
  std::thread expirer([&] {
    while (!stop.load()) engine.ActiveExpireCycle(absl::Milliseconds(1));
  });
  Session session;
  for (int i = 0; i < 20000; ++i) {
    engine.Execute(session, {"SET", "k" + std::to_string(i % 500), "v", "PX", "5"});
    if (i % 100 == 0) now.fetch_add(3);
  }
  now.fetch_add(1000);
  stop = true;
  expirer.join();
  engine.ActiveExpireCycle(absl::Seconds(5));
  EXPECT_EQ(engine.Execute({"DBSIZE"}), Int(0));
}

}  // namespace
}  // namespace stockd::engine::testing
