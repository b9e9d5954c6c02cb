// Tests for runtime/waitgroup.h.
#include "runtime/waitgroup.h"

#include <atomic>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/fiber.h"
#include "tests/runtime/sync_test_util.h"

namespace stockd::runtime {
namespace {

using testing::RunFibers;

TEST(WaitGroupTest, WaitOnZeroReturnsAtOnce) {
  WaitGroup wg;
  wg.Wait();  // off-runtime, must not block
  wg.Add(2);
  wg.Done();
  wg.Done();
  wg.Wait();
  EXPECT_EQ(wg.count(), 0);
}

TEST(WaitGroupTest, ThousandFibersAllCountedBeforeWaitReturns) {
  RunFibers(2, [] {
    WaitGroup wg;
    std::atomic<int> done{0};
    for (int i = 0; i < 1000; ++i) {
      wg.Add(1);
      Go([&] {
        done.fetch_add(1, std::memory_order_relaxed);
        wg.Done();
      }).Detach();
    }
    wg.Wait();
    EXPECT_EQ(done.load(std::memory_order_relaxed), 1000);
    EXPECT_EQ(wg.count(), 0);
  });
}

TEST(WaitGroupTest, EveryWaiterIsReleased) {
  RunFibers(2, [] {
    WaitGroup gate, waiters_done;
    gate.Add(1);
    std::atomic<int> released{0};
    for (int i = 0; i < 20; ++i) {
      waiters_done.Add(1);
      Go([&] {
        gate.Wait();
        ++released;
        waiters_done.Done();
      }).Detach();
    }
    testing::SleepFor(absl::Milliseconds(2));
    EXPECT_EQ(released.load(), 0);
    gate.Done();
    waiters_done.Wait();
    EXPECT_EQ(released.load(), 20);
  });
}

TEST(WaitGroupTest, ReusableAfterWaitReturns) {
  RunFibers(2, [] {
    WaitGroup wg;
    for (int round = 0; round < 50; ++round) {
      std::atomic<int> n{0};
      wg.Add(10);
      for (int i = 0; i < 10; ++i) {
        Go([&] {
          ++n;
          wg.Done();
        }).Detach();
      }
      wg.Wait();
      ASSERT_EQ(n.load(), 10);
    }
  });
}

TEST(WaitGroupTest, PlainThreadWaitsForFibers) {
  WaitGroup wg;
  wg.Add(1);
  std::atomic<bool> flag{false};
  std::thread waiter([&] {
    wg.Wait();
    EXPECT_TRUE(flag.load());
  });
  RunFibers(1, [&] {
    flag = true;
    wg.Done();
  });
  waiter.join();
}

TEST(WaitGroupDeathTest, NegativeCounterAborts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        WaitGroup wg;
        wg.Add(1);
        wg.Add(-2);
      },
      "WaitGroup counter went negative");
}

}  // namespace
}  // namespace stockd::runtime
