// Tests for runtime/mutex.h.
#include "runtime/mutex.h"

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/fiber.h"
#include "runtime/waitgroup.h"
#include "tests/runtime/sync_test_util.h"

namespace stockd::runtime {
namespace {

using testing::RunFibers;

TEST(MutexTest, TryLockReflectsState) {
  Mutex mu;
  EXPECT_TRUE(mu.TryLock());
  EXPECT_FALSE(mu.TryLock());
  mu.Unlock();
  EXPECT_TRUE(mu.TryLock());
  mu.Unlock();
  {
    std::scoped_lock lock(mu);  // Lockable
    EXPECT_FALSE(mu.TryLock());
  }
  {
    MutexLock lock(mu);
    EXPECT_FALSE(mu.TryLock());
  }
  EXPECT_TRUE(mu.TryLock());
  mu.Unlock();
}

void CounterTo1000(int procs, bool yield_inside) {
  RunFibers(procs, [yield_inside] {
    Mutex mu;
    int64_t counter = 0;  // plain: only the Mutex protects it
    WaitGroup wg;
    for (int i = 0; i < 1000; ++i) {
      wg.Add(1);
      Go([&] {
        {
          MutexLock lock(mu);
          int64_t v = counter;
          // With a yield between read and write, a broken Mutex loses updates.
          if (yield_inside) Yield();
          counter = v + 1;
        }
        wg.Done();
      }).Detach();
    }
    wg.Wait();
    MutexLock lock(mu);
    EXPECT_EQ(counter, 1000);
  });
}

TEST(MutexTest, CounterReaches1000With1000FibersOnOneP) { CounterTo1000(1, false); }
TEST(MutexTest, CounterReaches1000With1000FibersOnTwoPs) { CounterTo1000(2, false); }
TEST(MutexTest, CounterReaches1000WithYieldsInCriticalSection) { CounterTo1000(2, true); }

TEST(MutexTest, ParkedWaitersAreServedInArrivalOrder) {
  RunFibers(1, [] {
    Mutex mu;
    std::vector<int> order;
    std::atomic<int> arrived{0};
    std::vector<Fiber> fs;
    mu.Lock();
    for (int i = 0; i < 5; ++i) {
      fs.push_back(Go([&, i] {
        ++arrived;
        MutexLock lock(mu);  // parks: main holds the lock
        order.push_back(i);
      }));
      // On one P the new fiber runs until it parks in Lock.
      while (arrived.load() <= i) Yield();
    }
    mu.Unlock();
    for (Fiber& f : fs) EXPECT_TRUE(f.Join().ok());
    EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4}));
  });
}

TEST(MutexTest, HeldAcrossAParkingCall) {
  RunFibers(2, [] {
    Mutex mu;
    int shared = 0;
    mu.Lock();
    Fiber other = Go([&] {
      MutexLock lock(mu);
      shared += 1;
    });
    testing::SleepFor(absl::Milliseconds(5));  // parks while holding mu
    EXPECT_EQ(shared, 0);
    shared = 10;
    mu.Unlock();
    EXPECT_TRUE(other.Join().ok());
    MutexLock lock(mu);
    EXPECT_EQ(shared, 11);
  });
}

TEST(MutexTest, PlainThreadsAndFibersShareAMutex) {
  Mutex mu;
  int64_t counter = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        MutexLock lock(mu);
        ++counter;
      }
    });
  }
  RunFibers(2, [&] {
    WaitGroup wg;
    for (int f = 0; f < 4; ++f) {
      wg.Add(1);
      Go([&] {
        for (int i = 0; i < 1000; ++i) {
          MutexLock lock(mu);
          ++counter;
          if (i % 100 == 0) Yield();
        }
        wg.Done();
      }).Detach();
    }
    wg.Wait();
    // Join while the runtime is alive: a thread's Unlock may still be inside
    // Ready() for one of our fibers (blocks this M briefly; the threads now
    // only contend among themselves).
    for (std::thread& t : threads) t.join();
  });
  MutexLock lock(mu);
  EXPECT_EQ(counter, 2 * 2000 + 4 * 1000);
}

}  // namespace
}  // namespace stockd::runtime
