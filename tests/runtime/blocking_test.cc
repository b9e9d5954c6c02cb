// Tests of Blocking(): the P is handed to another M while the thread blocks.
#include "runtime/blocking.h"

#include <unistd.h>

#include <atomic>
#include <thread>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "runtime/fiber.h"
#include "runtime/scheduler.h"
#include "runtime/time.h"

namespace stockd::runtime {
namespace {

TEST(Blocking, OnOneProcOtherFibersKeepRunning) {
  Runtime rt(Options{.procs = 1});
  ASSERT_TRUE(rt.Run([&] {
    std::atomic<bool> done{false};
    std::atomic<int> ticks_during{0};
    Fiber b = Go([&] {
      Blocking([] { std::this_thread::sleep_for(std::chrono::milliseconds(200)); });
      done = true;
    });
    Fiber t = Go([&] {
      while (!done.load()) {
        ticks_during.fetch_add(1);
        Sleep(absl::Milliseconds(1));
      }
    });
    const absl::Time start = absl::Now();
    ASSERT_TRUE(b.Join().ok());
    EXPECT_GE(absl::Now() - start, absl::Milliseconds(190));
    ASSERT_TRUE(t.Join().ok());
    // ~200 ticks of 1 ms if nothing stalled (fewer on a loaded machine); a
    // stalled P would give 0 or 1.
    EXPECT_GT(ticks_during.load(), 10);
  }).ok());
  EXPECT_EQ(rt.stats().blocking_handoffs, 1u);
  EXPECT_GE(rt.stats().threads, 2u);
}

TEST(Blocking, ReturnsValueAndFiberContinues) {
  Runtime rt(Options{.procs = 2});
  ASSERT_TRUE(rt.Run([&] {
    const uint64_t id = CurrentFiberId();
    int v = Blocking([] { return 41 + 1; });
    EXPECT_EQ(v, 42);
    EXPECT_EQ(CurrentFiberId(), id);
    // Fibers still spawn and join afterwards.
    ASSERT_TRUE(Go([] {}).Join().ok());
  }).ok());
}

TEST(Blocking, ManyConcurrentBlockingCalls) {
  Runtime rt(Options{.procs = 2});
  std::atomic<int> n{0};
  ASSERT_TRUE(rt.Run([&] {
    std::vector<Fiber> fs;
    for (int i = 0; i < 20; ++i) {
      fs.push_back(Go([&] {
        for (int k = 0; k < 20; ++k) {
          Blocking([] { usleep(200); });
          n.fetch_add(1);
        }
      }));
    }
    for (auto& f : fs) ASSERT_TRUE(f.Join().ok());
  }).ok());
  EXPECT_EQ(n.load(), 400);
}

TEST(Blocking, OffFiberJustCalls) {
  EXPECT_EQ(Blocking([] { return 3; }), 3);
}

TEST(Blocking, ExceptionPropagatesAfterReacquiringP) {
  Runtime rt(Options{.procs = 1});
  ASSERT_TRUE(rt.Run([&] {
    bool caught = false;
    try {
      Blocking([]() -> int { throw std::runtime_error("io"); });
    } catch (const std::runtime_error&) {
      caught = true;
    }
    EXPECT_TRUE(caught);
    Yield();  // still schedulable
  }).ok());
}

}  // namespace
}  // namespace stockd::runtime
