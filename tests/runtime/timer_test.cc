// Tests of Sleep/SleepUntil and the park.h timers.
#include <atomic>
#include <mutex>
#include <vector>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "runtime/detail/park.h"
#include "runtime/fiber.h"
#include "runtime/scheduler.h"
#include "runtime/time.h"

namespace stockd::runtime {
namespace {

TEST(Timer, SleepParksForAtLeastTheDuration) {
  Runtime rt(Options{.procs = 1});
  ASSERT_TRUE(rt.Run([&] {
    const absl::Time start = absl::Now();
    Sleep(absl::Milliseconds(20));
    const absl::Duration took = absl::Now() - start;
    EXPECT_GE(took, absl::Milliseconds(20));
    EXPECT_LT(took, absl::Milliseconds(500));
  }).ok());
}

TEST(Timer, SleepersWakeInDeadlineOrder) {
  // One P, and deadlines from one base far enough ahead that every sleeper
  // has parked first: the wake order then depends only on the timers, not on
  // how fast each sleeper got to Sleep nor on which of two Ms runs a woken
  // fiber first (with 2 Ps and Sleep(10 ms * i) from each fiber's own start,
  // a thread descheduled for 10 ms on a loaded machine swapped two sleepers
  // under TSan: {1, 2, 3, 5, 4}).
  Runtime rt(Options{.procs = 1});
  std::mutex mu;
  std::vector<int> order;
  ASSERT_TRUE(rt.Run([&] {
    const absl::Time base = absl::Now() + absl::Milliseconds(200);
    std::vector<Fiber> fs;
    for (int i : {5, 1, 4, 2, 3}) {
      fs.push_back(Go([&, i] {
        SleepUntil(base + absl::Milliseconds(10 * i));  // several may fire in one batch
        std::lock_guard<std::mutex> l(mu);
        order.push_back(i);
      }));
    }
    for (auto& f : fs) ASSERT_TRUE(f.Join().ok());
  }).ok());
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3, 4, 5}));
}

TEST(Timer, TimersDueTogetherWakeInDeadlineOrder) {
  // The only P is kept busy until every deadline has passed, so the timers fire
  // as one batch; the sleepers must still run in deadline order.
  Runtime rt(Options{.procs = 1});
  std::vector<int> order;
  ASSERT_TRUE(rt.Run([&] {
    // Far enough ahead that every sleeper has parked before its deadline,
    // even on a loaded machine under TSan.
    const absl::Time base = absl::Now() + absl::Milliseconds(200);
    std::vector<Fiber> fs;
    for (int i : {3, 1, 4, 0, 2}) {
      fs.push_back(Go([&, i] {
        SleepUntil(base + absl::Microseconds(100 * i));
        order.push_back(i);
      }));
    }
    Yield();  // let them all park
    while (absl::Now() < base + absl::Milliseconds(20)) {
    }
    for (auto& f : fs) ASSERT_TRUE(f.Join().ok());
  }).ok());
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4}));
}

TEST(Timer, SleepDoesNotBlockTheThread) {
  // On one P, a sleeping fiber lets another run meanwhile.
  Runtime rt(Options{.procs = 1});
  ASSERT_TRUE(rt.Run([&] {
    std::atomic<int> ticks{0};
    Fiber s = Go([] { Sleep(absl::Milliseconds(50)); });
    Fiber t = Go([&] {
      for (int i = 0; i < 10; ++i) {
        ++ticks;
        Yield();
      }
    });
    ASSERT_TRUE(t.Join().ok());
    EXPECT_EQ(ticks.load(), 10);
    ASSERT_TRUE(s.Join().ok());
  }).ok());
}

TEST(Timer, PastDeadlineReturnsImmediately) {
  Runtime rt(Options{.procs = 1});
  ASSERT_TRUE(rt.Run([&] {
    const uint64_t parks = GetStats().parks;
    SleepUntil(absl::Now() - absl::Seconds(1));
    Sleep(absl::ZeroDuration());
    Sleep(-absl::Seconds(1));
    EXPECT_EQ(GetStats().parks, parks);
  }).ok());
}

void Bump(void* arg) { static_cast<std::atomic<int>*>(arg)->fetch_add(1); }

TEST(Timer, CancelBeforeFiringPreventsCallback) {
  Runtime rt(Options{.procs = 1});
  ASSERT_TRUE(rt.Run([&] {
    std::atomic<int> fired{0};
    detail::TimerId a = detail::AddTimer(absl::Now() + absl::Milliseconds(10), &Bump, &fired);
    detail::TimerId b = detail::AddTimer(absl::Now() + absl::Milliseconds(5), &Bump, &fired);
    EXPECT_TRUE(detail::CancelTimer(a));
    EXPECT_FALSE(detail::CancelTimer(a));  // already cancelled
    Sleep(absl::Milliseconds(30));
    EXPECT_EQ(fired.load(), 1);
    EXPECT_FALSE(detail::CancelTimer(b));  // already fired
  }).ok());
}

#if defined(STOCKD_TSAN)
constexpr int kSleepers = 2000;  // TSan allows ~8k live fibers
#else
constexpr int kSleepers = 10000;
#endif

TEST(Timer, ManySleepersAllWake) {
  Runtime rt(Options{.procs = 2});
  std::atomic<int> woke{0};
  ASSERT_TRUE(rt.Run([&] {
    std::vector<Fiber> fs;
    for (int i = 0; i < kSleepers; ++i) {
      fs.push_back(Go([&, i] {
        Sleep(absl::Microseconds(100 * (i % 50)));
        ++woke;
      }));
    }
    for (auto& f : fs) ASSERT_TRUE(f.Join().ok());
  }).ok());
  EXPECT_EQ(woke.load(), kSleepers);
}

TEST(Timer, SleepOffFiberSleepsTheThread) {
  const absl::Time start = absl::Now();
  Sleep(absl::Milliseconds(5));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(5));
}

}  // namespace
}  // namespace stockd::runtime
