// Tests for runtime/pool.h.
#include "runtime/pool.h"

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "runtime/fiber.h"
#include "runtime/waitgroup.h"
#include "tests/runtime/sync_test_util.h"

namespace stockd::runtime {
namespace {

using testing::RunFibers;

struct Obj {
  std::atomic<bool> in_use{false};
  int payload = 0;
};

TEST(PoolTest, MakesOnlyWhenEmpty) {
  std::atomic<int> made{0};
  Pool<Obj> pool([&] {
    ++made;
    return std::make_unique<Obj>();
  });
  auto a = pool.Get();
  auto b = pool.Get();
  EXPECT_EQ(made.load(), 2);
  Obj* pa = a.get();
  pool.Put(std::move(a));
  auto c = pool.Get();
  EXPECT_EQ(c.get(), pa);
  EXPECT_EQ(made.load(), 2);
  pool.Put(nullptr);  // ignored
  EXPECT_EQ(pool.cached(), 0u);
}

TEST(PoolTest, SameObjectComesBackOnTheSameP) {
  for (int procs : {1, 2}) {
    RunFibers(procs, [] {
      std::atomic<int> made{0};
      Pool<Obj> pool([&] {
        ++made;
        return std::make_unique<Obj>();
      });
      auto first = pool.Get();
      Obj* raw = first.get();
      first->payload = 42;
      pool.Put(std::move(first));
      // No park in between: still on the same P, whose list is LIFO.
      auto again = pool.Get();
      EXPECT_EQ(again.get(), raw);
      EXPECT_EQ(again->payload, 42);  // objects come back as they were Put
      EXPECT_EQ(made.load(), 1);
    });
  }
}

TEST(PoolTest, BoundedPerList) {
  // Off the runtime only the shared list is used.
  Pool<Obj> off([] { return std::make_unique<Obj>(); }, /*max_per_proc=*/4);
  std::vector<std::unique_ptr<Obj>> objs;
  for (int i = 0; i < 10; ++i) objs.push_back(off.Get());
  for (auto& o : objs) off.Put(std::move(o));
  EXPECT_EQ(off.cached(), 4u);

  RunFibers(1, [] {
    // On a P: its own list, then the shared list, then dropped.
    Pool<Obj> on([] { return std::make_unique<Obj>(); }, /*max_per_proc=*/4);
    std::vector<std::unique_ptr<Obj>> objs;
    for (int i = 0; i < 10; ++i) objs.push_back(on.Get());
    for (auto& o : objs) on.Put(std::move(o));
    EXPECT_EQ(on.cached(), 8u);
  });
}

TEST(PoolTest, NeverHandsOneObjectToTwoFibers) {
  RunFibers(2, [] {
    std::atomic<int> made{0};
    Pool<Obj> pool([&] {
      ++made;
      return std::make_unique<Obj>();
    });
    WaitGroup wg;
    std::atomic<int> double_use{0};
    for (int f = 0; f < 64; ++f) {
      wg.Add(1);
      Go([&] {
        for (int i = 0; i < 200; ++i) {
          auto o = pool.Get();
          if (o->in_use.exchange(true)) ++double_use;
          ++o->payload;
          if (i % 7 == 0) Yield();  // hold it across a reschedule sometimes
          o->in_use.store(false);
          pool.Put(std::move(o));
        }
        wg.Done();
      }).Detach();
    }
    wg.Wait();
    EXPECT_EQ(double_use.load(), 0);
    // Reuse happened: far fewer objects than Get calls (64 * 200).
    EXPECT_LE(made.load(), 64);
    EXPECT_GE(made.load(), 1);
  });
}

// The owner's Get empties its cache slots with plain loads and stores (an
// asymmetric fence against thieves, see pool.h); plain threads, which have no
// P, can only get objects from the shared list or by stealing from the Ps'
// caches. With few objects around, the threads steal from caches the owners
// are using at that very moment: every object must still have one holder at
// a time. (The plain-store fast path runs in the Release build; TSan builds
// take the exchange path.)
TEST(PoolTest, ThievesAndOwnersNeverShareAnObject) {
  Runtime rt(Options{.procs = 2});
  std::atomic<int> made{0};
  Pool<Obj> pool([&] {
    ++made;
    return std::make_unique<Obj>();
  });
  std::atomic<int> double_use{0};
  std::atomic<int> stolen{0};  // reused objects the threads got (from the Ps' caches, mostly)
  std::atomic<bool> stop{false};
  auto use = [&](std::unique_ptr<Obj>& o) {
    if (o->in_use.exchange(true)) ++double_use;
    ++o->payload;
    o->in_use.store(false);
  };
  // The threads never Put: the shared list stays empty, so every Get of
  // theirs goes through the Ps' lists and caches before make().
  std::vector<std::thread> thieves;
  for (int t = 0; t < 2; ++t) {
    thieves.emplace_back([&] {
      while (!stop.load(std::memory_order_relaxed)) {
        auto o = pool.Get();
        if (o->payload > 0) ++stolen;
        use(o);
      }
    });
  }
  const absl::Time deadline = absl::Now() + absl::Seconds(3);
  ASSERT_TRUE(rt.Run([&] {
    WaitGroup wg;
    for (int f = 0; f < 4; ++f) {
      wg.Add(1);
      Go([&] {
        for (int i = 0; stolen.load(std::memory_order_relaxed) < 500 && absl::Now() < deadline; ++i) {
          auto o = pool.Get();
          use(o);
          if (i % 64 == 0) Yield();
          pool.Put(std::move(o));
        }
        wg.Done();
      }).Detach();
    }
    wg.Wait();
  }).ok());
  stop = true;
  for (auto& t : thieves) t.join();
  EXPECT_EQ(double_use.load(), 0);
  EXPECT_GE(stolen.load(), 1);  // the steal path really ran
  EXPECT_GE(made.load(), 1);
}

// Two runtimes at once share one Pool: both P 0s map to the same shard, whose
// owner-only cache only one of them may claim; the other must go through the
// locked lists. Run under TSan too, where a shared cache would be reported.
TEST(PoolTest, TwoRuntimesShareOnePool) {
  std::atomic<int> made{0};
  Pool<Obj> pool([&] {
    ++made;
    return std::make_unique<Obj>();
  });
  std::atomic<int> double_use{0};
  auto hammer = [&] {
    RunFibers(1, [&] {
      WaitGroup wg;
      for (int f = 0; f < 8; ++f) {
        wg.Add(1);
        Go([&] {
          for (int i = 0; i < 2000; ++i) {
            auto o = pool.Get();
            if (o->in_use.exchange(true)) ++double_use;
            ++o->payload;
            if (i % 5 == 0) Yield();
            o->in_use.store(false);
            pool.Put(std::move(o));
          }
          wg.Done();
        }).Detach();
      }
      wg.Wait();
    });
  };
  std::thread a(hammer);
  std::thread b(hammer);
  a.join();
  b.join();
  EXPECT_EQ(double_use.load(), 0);
  // Reuse across both runtimes: at most the fibers alive at once.
  EXPECT_LE(made.load(), 16);
  EXPECT_EQ(pool.cached(), static_cast<size_t>(made.load()));  // everything came back
}

// The owner-only cache counts in the per-P bound: with max_per_proc = 16 and
// 40 objects Put on one P, the P holds 16 and the shared list 16.
TEST(PoolTest, OwnerCacheCountsInTheBound) {
  RunFibers(1, [] {
    Pool<Obj> pool([] { return std::make_unique<Obj>(); }, /*max_per_proc=*/16);
    std::vector<std::unique_ptr<Obj>> objs;
    for (int i = 0; i < 40; ++i) objs.push_back(pool.Get());
    for (auto& o : objs) pool.Put(std::move(o));
    EXPECT_EQ(pool.cached(), 32u);
    // All of them come back out before make() runs again.
    std::vector<std::unique_ptr<Obj>> again;
    for (int i = 0; i < 32; ++i) again.push_back(pool.Get());
    EXPECT_EQ(pool.cached(), 0u);
  });
}

}  // namespace
}  // namespace stockd::runtime
