// The persister end to end on the runtime: records of every command reach
// RocksDB and a fresh engine recovers them; group commit; back-pressure with
// a tiny queue; expiry and shard-layout changes at load.
#include "storage/persister.h"

#include <atomic>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "engine/order_log.h"
#include "gtest/gtest.h"
#include "runtime/fiber.h"
#include "runtime/scheduler.h"
#include "runtime/time.h"
#include "runtime/waitgroup.h"
#include "tests/storage/storage_test_util.h"

namespace stockd::storage {
namespace {

using testing::LoadFrom;
using testing::RunWithPersister;
using testing::TempDir;

TEST(PersisterTest, RecoversEveryKindOfChange) {
  TempDir dir;
  PersisterStats st = RunWithPersister(dir.path(), {}, [](engine::Engine& e, Persister& p) {
    EXPECT_EQ(e.Execute({"SET", "s", "hello"}), "+OK\r\n");
    for (int i = 0; i < 3; ++i) e.Execute({"INCR", "n"});
    e.Execute({"SET", "e", "v", "PX", "100000"});
    e.Execute({"SET", "gone", "1"});
    e.Execute({"DEL", "gone"});
    e.Execute({"APPEND", "s", "!"});
    engine::Session s1;
    e.Execute(s1, {"SELECT", "1"});
    e.Execute(s1, {"SET", "k1", "db1"});
    e.Execute({"MSET", "a", "1", "b", "2", "c", "3"});
    engine::Session s2;
    e.Execute(s2, {"SELECT", "2"});
    e.Execute(s2, {"SET", "x", "1"});
    e.Execute(s2, {"FLUSHDB"});
    e.Execute(s2, {"SET", "y", "after-flush"});
    EXPECT_EQ(e.Execute({"STOCK.SET", "sku", "10"}), "+OK\r\n");
    EXPECT_EQ(e.Execute({"STOCK.BUY", "sku", "u1", "QTY", "2", "REQID", "r1"}), "*2\r\n$1\r\n1\r\n:8\r\n");
    // A buy's order, count, REQID and stock decrement travel as one item
    // (one batch can never hold the order without the decrement).
    const uint64_t before = p.WrittenSeq();
    EXPECT_EQ(e.Execute({"STOCK.BUY", "sku", "u2"}), "*2\r\n$1\r\n2\r\n:7\r\n");
    EXPECT_EQ(p.WrittenSeq(), before + 1);
    EXPECT_EQ(e.Execute({"STOCK.CANCEL", "2"}), ":1\r\n");
    p.AwaitDurable();
    EXPECT_EQ(p.DurableSeq(), p.WrittenSeq());
  });
  EXPECT_GT(st.batches, 0u);
  EXPECT_GT(st.fsyncs, 0u);

  testing::Loaded l = LoadFrom(dir.path());
  engine::Engine& e = *l.engine;
  EXPECT_EQ(e.Execute({"GET", "s"}), "$6\r\nhello!\r\n");
  EXPECT_EQ(e.Execute({"GET", "n"}), "$1\r\n3\r\n");
  EXPECT_EQ(e.Execute({"OBJECT", "ENCODING", "n"}), "$3\r\nint\r\n");
  const std::string pttl = e.Execute({"PTTL", "e"});
  EXPECT_EQ(pttl[0], ':');
  EXPECT_GT(std::stoll(pttl.substr(1)), 90000);
  EXPECT_EQ(e.Execute({"EXISTS", "gone"}), ":0\r\n");
  EXPECT_EQ(e.Execute({"MGET", "a", "b", "c"}), "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n");
  engine::Session s1;
  e.Execute(s1, {"SELECT", "1"});
  EXPECT_EQ(e.Execute(s1, {"GET", "k1"}), "$3\r\ndb1\r\n");
  engine::Session s2;
  e.Execute(s2, {"SELECT", "2"});
  EXPECT_EQ(e.Execute(s2, {"DBSIZE"}), ":1\r\n");
  EXPECT_EQ(e.Execute(s2, {"GET", "y"}), "$11\r\nafter-flush\r\n");
  EXPECT_EQ(e.Execute({"STOCK.GET", "sku"}), ":8\r\n");
  EXPECT_EQ(e.Execute({"STOCK.BOUGHT", "sku", "u1"}), ":2\r\n");
  EXPECT_EQ(e.Execute({"STOCK.BOUGHT", "sku", "u2"}), ":0\r\n");
  EXPECT_EQ(e.Execute({"ORDER.LAST"}), ":2\r\n");
  const std::string o1 = e.Execute({"ORDER.GET", "1"});
  EXPECT_NE(o1.find("$3\r\nsku\r\n"), std::string::npos) << o1;
  EXPECT_NE(o1.find("$6\r\nplaced\r\n"), std::string::npos) << o1;
  EXPECT_NE(e.Execute({"ORDER.GET", "2"}).find("cancelled"), std::string::npos);
  // A REQID retry after the restart replays order 1 and deducts nothing.
  EXPECT_EQ(e.Execute({"STOCK.BUY", "sku", "u1", "QTY", "2", "REQID", "r1"}), "*2\r\n$1\r\n1\r\n:8\r\n");
  // Ids are never reused.
  EXPECT_EQ(e.Execute({"STOCK.BUY", "sku", "u3"}), "*2\r\n$1\r\n3\r\n:7\r\n");
  EXPECT_EQ(l.stats.orders, 2u);
  EXPECT_EQ(l.stats.keys, 9u);  // s n e a b c sku (db0), k1 (db1), y (db2)
}

TEST(PersisterTest, RecoversAggregateTypes) {
  TempDir dir;
  RunWithPersister(dir.path(), {}, [](engine::Engine& e, Persister&) {
    e.Execute({"HSET", "h", "f1", "v1", "f2", "v2"});
    e.Execute({"RPUSH", "l", "a", "b", "c"});
    e.Execute({"LPOP", "l"});
    e.Execute({"SADD", "s", "x", "y"});
    e.Execute({"SADD", "i", "1", "2", "3"});
    e.Execute({"ZADD", "z", "1.5", "m1", "-2", "m2"});
    e.Execute({"EXPIRE", "h", "1000"});
  });
  testing::Loaded l = LoadFrom(dir.path());
  engine::Engine& e = *l.engine;
  EXPECT_EQ(e.Execute({"HGET", "h", "f2"}), "$2\r\nv2\r\n");
  EXPECT_EQ(e.Execute({"HLEN", "h"}), ":2\r\n");
  EXPECT_NE(e.Execute({"TTL", "h"}), ":-1\r\n");
  EXPECT_EQ(e.Execute({"LRANGE", "l", "0", "-1"}), "*2\r\n$1\r\nb\r\n$1\r\nc\r\n");
  EXPECT_EQ(e.Execute({"SCARD", "s"}), ":2\r\n");
  EXPECT_EQ(e.Execute({"SISMEMBER", "s", "y"}), ":1\r\n");
  EXPECT_EQ(e.Execute({"OBJECT", "ENCODING", "i"}), "$6\r\nintset\r\n");
  EXPECT_EQ(e.Execute({"ZSCORE", "z", "m1"}), "$3\r\n1.5\r\n");
  EXPECT_EQ(e.Execute({"ZRANGE", "z", "0", "-1"}), "*2\r\n$2\r\nm2\r\n$2\r\nm1\r\n");
}

TEST(PersisterTest, GroupCommitSharesFsyncs) {
  TempDir dir;
  constexpr int kFibers = 64;
  std::atomic<int> acked{0};
  PersisterStats st = RunWithPersister(dir.path(), {}, [&](engine::Engine& e, Persister& p) {
    runtime::WaitGroup wg;
    wg.Add(kFibers);
    for (int i = 0; i < kFibers; ++i) {
      runtime::Go([&, i] {
        e.Execute({"INCR", "counter"});
        e.Execute({"SET", "k" + std::to_string(i), "v"});
        const uint64_t written = p.WrittenSeq();
        p.AwaitDurable();
        EXPECT_GE(p.DurableSeq(), written);
        acked.fetch_add(1);
        wg.Done();
      }).Detach();
    }
    wg.Wait();
  });
  EXPECT_EQ(acked.load(), kFibers);
  // 128 commands, each acknowledged only after an fsync covering it: far fewer fsyncs.
  EXPECT_LT(st.fsyncs, static_cast<uint64_t>(kFibers)) << "fsyncs=" << st.fsyncs;
  EXPECT_GT(st.items, st.batches);
  testing::Loaded l = LoadFrom(dir.path());
  EXPECT_EQ(l.engine->Execute({"GET", "counter"}), "$2\r\n64\r\n");
  EXPECT_EQ(l.engine->Execute({"DBSIZE"}), ":65\r\n");
}

TEST(PersisterTest, TinyQueueParksWritersAndLosesNothing) {
  TempDir dir;
  PersisterOptions popt;
  popt.queue_limit = 2;
  popt.batch_items = 2;
  constexpr int kFibers = 8, kEach = 40;
  RunWithPersister(dir.path(), popt, [&](engine::Engine& e, Persister& p) {
    runtime::WaitGroup wg;
    wg.Add(kFibers);
    for (int i = 0; i < kFibers; ++i) {
      runtime::Go([&, i] {
        for (int j = 0; j < kEach; ++j) e.Execute({"INCR", "c" + std::to_string(i)});
        wg.Done();
      }).Detach();
    }
    wg.Wait();
  });
  testing::Loaded l = LoadFrom(dir.path());
  for (int i = 0; i < kFibers; ++i) {
    EXPECT_EQ(l.engine->Execute({"GET", "c" + std::to_string(i)}), "$2\r\n40\r\n") << i;
  }
}

// On one P the persister fiber drains the queue only when writers park: a
// writer that found the queue neither full enough to park nor free enough to
// go on spun there for ever (the admission and the re-check disagreed by one).
TEST(PersisterTest, OneProcWritersAtAFullQueueParkAndTheFiberDrainsIt) {
  TempDir dir;
  PersisterOptions popt;
  popt.queue_limit = 4;
  popt.batch_items = 4;
  constexpr int kKeys = 3000;
  RunWithPersister(
      dir.path(), popt,
      [&](engine::Engine& e, Persister&) {
        for (int i = 0; i < kKeys; ++i) e.Execute({"SET", "k" + std::to_string(i), "v"});
      },
      {}, nullptr, /*procs=*/1);
  testing::Loaded l = LoadFrom(dir.path());
  EXPECT_EQ(l.engine->Execute({"DBSIZE"}), ":" + std::to_string(kKeys) + "\r\n");
}

TEST(PersisterTest, EverysecPersistsOnStopAndNeverWaits) {
  TempDir dir;
  PersisterOptions popt;
  popt.policy = FsyncPolicy::kEverySec;
  RunWithPersister(dir.path(), popt, [&](engine::Engine& e, Persister& p) {
    for (int i = 0; i < 200; ++i) e.Execute({"INCR", "n"});
    p.AwaitDurable();  // returns at once under everysec
    p.SetPolicy(FsyncPolicy::kNo);
    for (int i = 0; i < 50; ++i) e.Execute({"INCR", "n"});
  });
  testing::Loaded l = LoadFrom(dir.path());
  EXPECT_EQ(l.engine->Execute({"GET", "n"}), "$3\r\n250\r\n");
}

// Under `no` a batch gathers writes for a window: a key written 2,000 times
// and a list pushed to 2,000 times are each written once per batch, not once
// per command (the value written is the one at the shard's snapshot).
TEST(PersisterTest, NoPolicyWindowWritesAHotKeyOncePerBatch) {
  TempDir dir;
  PersisterOptions popt;
  popt.policy = FsyncPolicy::kNo;
  popt.no_window = absl::Seconds(10);  // longer than the test: one batch, at Stop
  constexpr int kWrites = 2000;
  {
    testing::Loaded l = LoadFrom(dir.path());
    Persister p(*l.store, *l.engine, popt);
    p.Attach();
    runtime::Runtime rt(runtime::Options{.procs = 2});
    ASSERT_TRUE(rt.Run([&] {
                    p.Start();
                    for (int i = 0; i < kWrites; ++i) {
                      l.engine->Execute({"INCR", "hot"});
                      l.engine->Execute({"LPUSH", "list", std::to_string(i)});
                    }
                    EXPECT_EQ(p.stats().batches, 0u) << "written before the window ended";
                    // An order does not wait for the long window: order readers see
                    // only written orders. Its batch takes the plain keys along.
                    l.engine->Execute({"STOCK.SET", "sku", "10"});
                    EXPECT_EQ(l.engine->Execute({"STOCK.BUY", "sku", "u1"}), "*2\r\n$1\r\n1\r\n:9\r\n");
                    EXPECT_TRUE(l.engine->order_log().WaitDurable(1, absl::Now() + absl::Seconds(5)));
                    EXPECT_TRUE(p.Stop().ok());
                    const PersisterStats st = p.stats();
                    // A key is reported once until its snapshot: the 2 * kWrites
                    // writes of two keys are two items (then STOCK.SET, STOCK.BUY).
                    EXPECT_EQ(st.items, 4u);
                    EXPECT_EQ(st.batches, 1u);
                  }).ok());
    ASSERT_TRUE(l.store->Close().ok());
  }
  testing::Loaded l = LoadFrom(dir.path());
  EXPECT_EQ(l.engine->Execute({"GET", "hot"}), "$4\r\n2000\r\n");
  EXPECT_EQ(l.engine->Execute({"LLEN", "list"}), ":2000\r\n");
  EXPECT_EQ(l.engine->Execute({"LINDEX", "list", "0"}), "$4\r\n1999\r\n");
}

TEST(PersisterTest, ExpiredKeysAreNotLoaded) {
  TempDir dir;
  RunWithPersister(dir.path(), {}, [&](engine::Engine& e, Persister&) {
    e.Execute({"SET", "short", "v", "PX", "30"});
    e.Execute({"SET", "long", "v", "EX", "1000"});
  });
  runtime::Runtime rt(runtime::Options{.procs = 1});
  (void)rt.Run([] { runtime::Sleep(absl::Milliseconds(60)); });
  testing::Loaded l = LoadFrom(dir.path());
  EXPECT_EQ(l.stats.keys, 1u);
  EXPECT_EQ(l.stats.expired_keys, 1u);
  EXPECT_EQ(l.engine->Execute({"EXISTS", "short", "long"}), ":1\r\n");
}

TEST(PersisterTest, ShardLayoutChangeRewritesRows) {
  TempDir dir;
  RunWithPersister(dir.path(), {}, [&](engine::Engine& e, Persister&) {
    for (int i = 0; i < 100; ++i) e.Execute({"SET", "key:" + std::to_string(i), std::to_string(i)});
  });
  engine::EngineOptions four;
  four.shards_per_db = 4;
  {
    testing::Loaded l = LoadFrom(dir.path(), four);
    EXPECT_EQ(l.stats.keys, 100u);
    EXPECT_GT(l.stats.moved_keys, 0u);
  }
  // Rows now follow the 4-shard layout: a FLUSHDB (shard deletions) must remove them all.
  RunWithPersister(dir.path(), {}, [&](engine::Engine& e, Persister&) {
    EXPECT_EQ(e.Execute({"DBSIZE"}), ":100\r\n");
    e.Execute({"FLUSHDB"});
    e.Execute({"SET", "survivor", "1"});
  }, four);
  testing::Loaded l = LoadFrom(dir.path(), four);
  EXPECT_EQ(l.stats.moved_keys, 0u);
  EXPECT_EQ(l.engine->Execute({"DBSIZE"}), ":1\r\n");
}

}  // namespace
}  // namespace stockd::storage
