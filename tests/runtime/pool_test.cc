// Tests for runtime/pool.h.
#include "runtime/pool.h"

#include <atomic>
#include <memory>
#include <vector>

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

}  // namespace
}  // namespace stockd::runtime
