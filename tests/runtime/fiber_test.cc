// Tests of the Fiber handle: move, detach, join from threads, nested spawns,
// panics, stack use.
#include "runtime/fiber.h"

#include <csignal>
#include <atomic>
#include <cstring>
#include <stdexcept>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/scheduler.h"
#include "runtime/time.h"

namespace stockd::runtime {
namespace {

TEST(Fiber, MoveTransfersOwnership) {
  Runtime rt(Options{.procs = 1});
  ASSERT_TRUE(rt.Run([&] {
    int ran = 0;
    Fiber a = Go([&] { ran = 1; });
    const uint64_t id = a.id();
    Fiber b = std::move(a);
    EXPECT_FALSE(a.joinable());
    EXPECT_TRUE(b.joinable());
    EXPECT_EQ(b.id(), id);
    EXPECT_EQ(a.Join().code(), absl::StatusCode::kFailedPrecondition);
    Fiber c;
    c = std::move(b);
    EXPECT_TRUE(c.Join().ok());
    EXPECT_EQ(ran, 1);
    EXPECT_FALSE(c.joinable());
  }).ok());
}

TEST(Fiber, DetachedFibersStillRun) {
  Runtime rt(Options{.procs = 2});
  std::atomic<int> n{0};
  ASSERT_TRUE(rt.Run([&] {
    for (int i = 0; i < 100; ++i) Go([&] { n.fetch_add(1); });  // handle dropped at once
    Fiber f = Go([&] { n.fetch_add(1); });
    f.Detach();
    EXPECT_FALSE(f.joinable());
    while (n.load() < 101) Sleep(absl::Milliseconds(1));
  }).ok());
  EXPECT_EQ(n.load(), 101);
  EXPECT_EQ(rt.stats().fibers_alive, 0u);
}

TEST(Fiber, JoinAfterTheFiberEnded) {
  Runtime rt(Options{.procs = 1});
  ASSERT_TRUE(rt.Run([&] {
    Fiber f = Go([] { throw std::logic_error("late"); });
    Sleep(absl::Milliseconds(5));  // f has run and ended; its stack is already recycled
    absl::Status st = f.Join();
    EXPECT_EQ(st.code(), absl::StatusCode::kInternal);
    EXPECT_EQ(st.message(), "fiber " + std::to_string(f.id()) + " panicked: late");
  }).ok());
}

TEST(Fiber, ManyThreadsJoinTheirOwnFibers) {
  Runtime rt(Options{.procs = 2});
  std::atomic<int> ok{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t) {
    ts.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        Fiber f = Go([] { Yield(); });
        if (f.Join().ok()) ok.fetch_add(1);
      }
    });
  }
  for (auto& t : ts) t.join();
  EXPECT_EQ(ok.load(), 800);
}

// A recursive tree of fibers: each node spawns two children and joins them.
int Tree(int depth) {
  if (depth == 0) return 1;
  int a = 0, b = 0;
  Fiber l = Go([&] { a = Tree(depth - 1); });
  Fiber r = Go([&] { b = Tree(depth - 1); });
  EXPECT_TRUE(l.Join().ok());
  EXPECT_TRUE(r.Join().ok());
  return a + b;
}

TEST(Fiber, NestedSpawnTree) {
  Runtime rt(Options{.procs = 2});
#if defined(STOCKD_TSAN)
  constexpr int kDepth = 9;  // TSan: ~8k live fibers at most, and slow
#else
  constexpr int kDepth = 12;
#endif
  int leaves = 0;
  ASSERT_TRUE(rt.Run([&] { leaves = Tree(kDepth); }).ok());
  EXPECT_EQ(leaves, 1 << kDepth);
}

TEST(Fiber, PanicInNestedFiberDoesNotAffectParent) {
  Runtime rt(Options{.procs = 2});
  ASSERT_TRUE(rt.Run([&] {
    Fiber outer = Go([] {
      Fiber inner = Go([] { throw std::runtime_error("inner"); });
      absl::Status st = inner.Join();
      EXPECT_FALSE(st.ok());
      EXPECT_NE(st.message().find("panicked: inner"), std::string::npos);
    });
    EXPECT_TRUE(outer.Join().ok());
  }).ok());
}

TEST(Fiber, StackHoldsTheConfiguredSize) {
  // 48 KiB of locals on a 64 KiB stack works (and every page gets touched).
  Runtime rt(Options{.procs = 1, .stack_size = 64 * 1024});
  ASSERT_TRUE(rt.Run([&] {
    Fiber f = Go([] {
      volatile char buf[48 * 1024];
      std::memset(const_cast<char*>(buf), 7, sizeof(buf));
      EXPECT_EQ(buf[12345], 7);
    });
    EXPECT_TRUE(f.Join().ok());
  }).ok());
}

int Recurse(int n) {
  volatile char pad[512];
  pad[0] = static_cast<char>(n);
  return n == 0 ? pad[0] : Recurse(n - 1) + pad[0];
}

// Sanitizers catch the SEGV themselves and exit differently.
#if !defined(STOCKD_TSAN) && !defined(STOCKD_ASAN)
TEST(FiberDeathTest, StackOverflowHitsTheGuardPage) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        Runtime rt(Options{.procs = 1, .stack_size = 16 * 1024});
        (void)rt.Run([] { Recurse(1 << 20); });
      },
      testing::KilledBySignal(SIGSEGV), "");
}
#endif

TEST(Fiber, GoWithoutRuntimeGivesEmptyHandle) {
  // No Runtime alive in this scope (earlier ones were destroyed).
  Fiber f = Go([] {});
  EXPECT_FALSE(f.joinable());
  EXPECT_EQ(f.Join().code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace stockd::runtime
