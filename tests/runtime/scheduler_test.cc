// Tests of the M:P:G scheduler: spawn/join, panics, stealing, yield, stats.
#include "runtime/scheduler.h"

#include <atomic>
#include <set>
#include <stdexcept>
#include <vector>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "runtime/detail/park.h"
#include "runtime/fiber.h"

namespace stockd::runtime {
namespace {

// TSan models every fiber as a thread and allows ~8k at once: keep fewer alive.
#if defined(STOCKD_TSAN)
constexpr int kBatch = 1000, kBatches = 100;
#else
constexpr int kBatch = 10000, kBatches = 100;
#endif

TEST(Scheduler, RunReturnsAfterMain) {
  Runtime rt(Options{.procs = 2});
  int x = 0;
  ASSERT_TRUE(rt.Run([&] { x = 42; }).ok());
  EXPECT_EQ(x, 42);
  // Run may be called again.
  ASSERT_TRUE(rt.Run([&] { x = 43; }).ok());
  EXPECT_EQ(x, 43);
}

TEST(Scheduler, SpawnJoin) {
  Runtime rt(Options{.procs = 2});
  std::atomic<int> sum{0};
  ASSERT_TRUE(rt.Run([&] {
    std::vector<Fiber> fs;
    for (int i = 1; i <= 100; ++i) fs.push_back(Go([&sum, i] { sum += i; }));
    for (auto& f : fs) EXPECT_TRUE(f.Join().ok());
  }).ok());
  EXPECT_EQ(sum.load(), 5050);
}

TEST(Scheduler, FiberIdsAreDistinctAndNonZero) {
  Runtime rt(Options{.procs = 1});
  ASSERT_TRUE(rt.Run([&] {
    EXPECT_TRUE(InFiber());
    const uint64_t me = CurrentFiberId();
    EXPECT_NE(me, 0u);
    uint64_t child_seen = 0;
    Fiber f = Go([&] { child_seen = CurrentFiberId(); });
    const uint64_t child = f.id();
    ASSERT_TRUE(f.Join().ok());
    EXPECT_EQ(child_seen, child);
    EXPECT_NE(child, me);
  }).ok());
  EXPECT_FALSE(InFiber());
  EXPECT_EQ(CurrentFiberId(), 0u);
}

TEST(Scheduler, PanicBecomesErrorWithFiberId) {
  Runtime rt(Options{.procs = 2});
  ASSERT_TRUE(rt.Run([&] {
    Fiber f = Go([] { throw std::runtime_error("boom"); });
    const uint64_t id = f.id();
    absl::Status st = f.Join();
    EXPECT_EQ(st.code(), absl::StatusCode::kInternal);
    EXPECT_EQ(st.message(), "fiber " + std::to_string(id) + " panicked: boom");
    // The runtime keeps working.
    int y = 0;
    ASSERT_TRUE(Go([&] { y = 7; }).Join().ok());
    EXPECT_EQ(y, 7);
  }).ok());
  absl::Status st = rt.Run([] { throw 5; });
  EXPECT_EQ(st.code(), absl::StatusCode::kInternal);
  EXPECT_NE(st.message().find("panicked: unknown exception"), std::string::npos);
}

TEST(Scheduler, JoinTwiceFails) {
  Runtime rt(Options{.procs = 1});
  ASSERT_TRUE(rt.Run([&] {
    Fiber f = Go([] {});
    EXPECT_TRUE(f.Join().ok());
    EXPECT_EQ(f.Join().code(), absl::StatusCode::kFailedPrecondition);
  }).ok());
}

TEST(Scheduler, JoinFromPlainThread) {
  Runtime rt(Options{.procs = 2});
  std::atomic<bool> ran{false};
  Fiber f = Go([&] { ran = true; });
  EXPECT_TRUE(f.Join().ok());
  EXPECT_TRUE(ran.load());
}

TEST(Scheduler, YieldInterleaves) {
  Runtime rt(Options{.procs = 1});
  std::vector<int> order;
  ASSERT_TRUE(rt.Run([&] {
    Fiber a = Go([&] { for (int i = 0; i < 3; ++i) { order.push_back(1); Yield(); } });
    Fiber b = Go([&] { for (int i = 0; i < 3; ++i) { order.push_back(2); Yield(); } });
    ASSERT_TRUE(a.Join().ok());
    ASSERT_TRUE(b.Join().ok());
  }).ok());
  // On one P the two fibers alternate strictly, in spawn order (a took the
  // free runnext, b the ring's tail).
  EXPECT_EQ(order, (std::vector<int>{1, 2, 1, 2, 1, 2}));
}

TEST(Scheduler, MillionFibers) {
  Runtime rt(Options{.procs = 2});
  std::atomic<int64_t> count{0};
  ASSERT_TRUE(rt.Run([&] {
    std::vector<Fiber> fs;
    fs.reserve(kBatch);
    for (int b = 0; b < kBatches; ++b) {
      for (int i = 0; i < kBatch; ++i) fs.push_back(Go([&count] { count.fetch_add(1, std::memory_order_relaxed); }));
      for (auto& f : fs) ASSERT_TRUE(f.Join().ok());
      fs.clear();
    }
  }).ok());
  EXPECT_EQ(count.load(), int64_t{kBatch} * kBatches);
  Stats st = rt.stats();
  EXPECT_EQ(st.fibers_spawned, uint64_t{kBatch} * kBatches + 1);  // + main
  EXPECT_EQ(st.fibers_alive, 0u);
}

TEST(Scheduler, WorkIsStolenAcrossPs) {
  Runtime rt(Options{.procs = 2});
  std::atomic<int> on[2] = {0, 0};
  int spawner = -1;
  ASSERT_TRUE(rt.Run([&] {
    // All 200 fibers are spawned onto the spawner's P (it does not park while
    // spawning); they busy-wait a little, so the other P's M steals some.
    spawner = detail::CurrentProcIndex();
    std::vector<Fiber> fs;
    for (int i = 0; i < 200; ++i) {
      fs.push_back(Go([&] {
        const int p = detail::CurrentProcIndex();
        ASSERT_TRUE(p == 0 || p == 1);
        on[p].fetch_add(1);
        const absl::Time until = absl::Now() + absl::Microseconds(500);
        while (absl::Now() < until) {
        }
      }));
    }
    for (auto& f : fs) ASSERT_TRUE(f.Join().ok());
  }).ok());
  ASSERT_TRUE(spawner == 0 || spawner == 1);
  EXPECT_EQ(on[0].load() + on[1].load(), 200);
  EXPECT_GT(on[1 - spawner].load(), 0);  // moved to the other P
  EXPECT_GT(rt.stats().steals, 0u);
}

TEST(Scheduler, ParkAndReadyFromAnotherFiber) {
  Runtime rt(Options{.procs = 2});
  ASSERT_TRUE(rt.Run([&] {
    std::atomic<detail::G*> parked{nullptr};
    bool woke = false;
    Fiber f = Go([&] {
      detail::G* me = detail::CurrentG();
      detail::Park([&] { parked.store(me); });
      woke = true;
    });
    while (parked.load() == nullptr) Yield();
    detail::Ready(parked.load());
    ASSERT_TRUE(f.Join().ok());
    EXPECT_TRUE(woke);
  }).ok());
  EXPECT_GE(rt.stats().parks, 1u);
}

TEST(Scheduler, ReadiedFiberRunsOnTheWakersP) {
  // Go's runnext: a fiber readied by a running fiber is queued on the waker's
  // P and runs there as soon as the waker parks, so a ping-pong pair stays on
  // one P. (An idle M may steal runnext, but only after a pause, so on a
  // loaded machine a few hand-offs can still move.)
  Runtime rt(Options{.procs = 2});
  constexpr int kRounds = 1000;
  int same = 0;
  ASSERT_TRUE(rt.Run([&] {
    detail::G* main_g = detail::CurrentG();
    std::atomic<detail::G*> b_g{nullptr};
    std::atomic<bool> parked{false};
    std::atomic<int> waker_p{-1};
    Fiber b = Go([&] {
      b_g = detail::CurrentG();
      detail::Park([&] { parked = true; });
      for (int i = 1; i < kRounds; ++i) {
        waker_p = detail::CurrentProcIndex();
        detail::Park([&] { detail::Ready(main_g); });  // main is parked: it readied us
      }
      waker_p = detail::CurrentProcIndex();
      detail::Ready(main_g);
    });
    while (!parked.load()) Yield();
    detail::G* bg = b_g.load();
    for (int i = 0; i < kRounds; ++i) {
      detail::Park([&] { detail::Ready(bg); });  // b is parked: it readied us (or parked first)
      if (detail::CurrentProcIndex() == waker_p.load()) ++same;
    }
    ASSERT_TRUE(b.Join().ok());
  }).ok());
  EXPECT_GT(same, kRounds / 2) << same << " of " << kRounds;
}

TEST(Scheduler, ReadyFromPlainThread) {
  Runtime rt(Options{.procs = 1});
  ASSERT_TRUE(rt.Run([&] {
    detail::G* me = detail::CurrentG();
    std::thread t;
    detail::Park([&] { t = std::thread([me] { detail::Ready(me); }); });
    t.join();
  }).ok());
}

TEST(Scheduler, StatsCountThreadsAndProcs) {
  Runtime rt(Options{.procs = 3});
  EXPECT_EQ(rt.procs(), 3);
  ASSERT_TRUE(rt.Run([&] {
    EXPECT_EQ(detail::NumProcs(), 3);
    const int p = detail::CurrentProcIndex();
    EXPECT_TRUE(p >= 0 && p < 3);
    EXPECT_EQ(GetStats().fibers_alive, 1u);
  }).ok());
  EXPECT_GE(rt.stats().threads, 1u);
  EXPECT_EQ(detail::CurrentProcIndex(), -1);
}

}  // namespace
}  // namespace stockd::runtime
