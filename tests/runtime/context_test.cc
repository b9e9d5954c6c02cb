// Tests for runtime/context.h: cancel, deadlines, the cancel tree, Done() in
// Select, and timers outliving their Context.
#include "runtime/context.h"

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "runtime/fiber.h"
#include "runtime/select.h"
#include "tests/runtime/sync_test_util.h"

namespace stockd::runtime {
namespace {

using testing::RunFibers;

bool IsDone(const Context& ctx) {
  return ctx.Done().closed();
}

TEST(ContextTest, BackgroundIsNeverDone) {
  Context bg = Context::Background();
  EXPECT_TRUE(bg.Err().ok());
  EXPECT_FALSE(bg.Deadline().has_value());
  EXPECT_FALSE(IsDone(bg));
  EXPECT_EQ(Select({RecvCase(bg.Done())}, Default()), kSelectDefault);
}

TEST(ContextTest, CancelClosesDoneAndSetsCancelled) {
  auto [ctx, cancel] = WithCancel(Context::Background());
  EXPECT_TRUE(ctx.Err().ok());
  EXPECT_FALSE(IsDone(ctx));
  cancel();
  EXPECT_TRUE(absl::IsCancelled(ctx.Err())) << ctx.Err();
  EXPECT_TRUE(IsDone(ctx));
  EXPECT_EQ(ctx.Done().Recv(), std::nullopt);  // closed: does not park
  cancel();                                    // idempotent
  EXPECT_TRUE(absl::IsCancelled(ctx.Err()));
}

TEST(ContextTest, CancellingAParentCancelsGrandchildren) {
  RunFibers(1, [] {  // WithTimeout arms a runtime timer
  auto [root, cancel_root] = WithCancel(Context::Background());
  auto [child, cancel_child] = WithCancel(root);
  auto [grandchild, cancel_grandchild] = WithCancel(child);
  auto [timed_grandchild, cancel_timed] = WithTimeout(child, absl::Hours(1));
  auto [sibling, cancel_sibling] = WithCancel(root);
  cancel_root();
  for (const Context* c : {&root, &child, &grandchild, &timed_grandchild, &sibling}) {
    EXPECT_TRUE(absl::IsCancelled(c->Err())) << c->Err();
    EXPECT_TRUE(IsDone(*c));
  }
  cancel_timed();  // after the fact: harmless
  });
}

TEST(ContextTest, CancellingAChildLeavesParentAndSiblingAlone) {
  auto [root, cancel_root] = WithCancel(Context::Background());
  auto [child, cancel_child] = WithCancel(root);
  auto [grandchild, cancel_grandchild] = WithCancel(child);
  auto [sibling, cancel_sibling] = WithCancel(root);
  cancel_child();
  EXPECT_TRUE(absl::IsCancelled(child.Err()));
  EXPECT_TRUE(absl::IsCancelled(grandchild.Err()));
  EXPECT_TRUE(root.Err().ok());
  EXPECT_TRUE(sibling.Err().ok());
  EXPECT_FALSE(IsDone(root));
  EXPECT_FALSE(IsDone(sibling));
  cancel_root();
  EXPECT_TRUE(absl::IsCancelled(sibling.Err()));
}

TEST(ContextTest, ChildOfCancelledParentIsBornCancelled) {
  auto [root, cancel_root] = WithCancel(Context::Background());
  cancel_root();
  auto [child, cancel_child] = WithCancel(root);
  EXPECT_TRUE(absl::IsCancelled(child.Err()));
  EXPECT_TRUE(IsDone(child));
  auto [timed, cancel_timed] = WithTimeout(root, absl::Hours(1));
  EXPECT_TRUE(absl::IsCancelled(timed.Err()));
}

TEST(ContextTest, TimeoutCancelsASlowerCall) {
  RunFibers(2, [] {
    // Before WithTimeout: taken after it, a thread descheduled for a few ms in
    // between made the 20 ms timeout look early (17.5 ms, TSan, loaded machine).
    const absl::Time start = absl::Now();
    auto [ctx, cancel] = WithTimeout(Context::Background(), absl::Milliseconds(20));
    ASSERT_TRUE(ctx.Deadline().has_value());
    Chan<int> slow_reply;  // the "downstream call" answers after 500 ms
    std::atomic<bool> replied{false};
    Fiber downstream = Go([slow_reply, &replied] {
      testing::SleepFor(absl::Milliseconds(500));
      int v = 1;
      replied = slow_reply.TrySend(v);  // succeeds only if the Select still waits
    });
    std::optional<int> reply;
    int r = Select({RecvCase(slow_reply, &reply), RecvCase(ctx.Done())});
    absl::Duration took = absl::Now() - start;
    EXPECT_EQ(r, 1);
    EXPECT_TRUE(absl::IsDeadlineExceeded(ctx.Err())) << ctx.Err();
    EXPECT_EQ(ctx.Err().message(), "context deadline exceeded");
    EXPECT_GE(took, absl::Milliseconds(19));
    cancel();  // does not change the reason
    EXPECT_TRUE(absl::IsDeadlineExceeded(ctx.Err()));
    EXPECT_TRUE(downstream.Join().ok());
    // The timeout won: nobody was waiting for the slow reply any more. (This
    // replaces a wall-clock bound, took < 400 ms, that a TSan run on the
    // loaded 2-core machine once missed with 1.27 s.)
    EXPECT_FALSE(replied.load());
  });
}

TEST(ContextTest, DeadlineIsInheritedAndParentTimeoutReachesChildren) {
  RunFibers(2, [] {
    auto [parent, cancel_parent] = WithTimeout(Context::Background(), absl::Milliseconds(20));
    auto [child, cancel_child] = WithTimeout(parent, absl::Seconds(10));
    auto [plain, cancel_plain] = WithCancel(parent);
    EXPECT_EQ(child.Deadline(), parent.Deadline());
    EXPECT_EQ(plain.Deadline(), parent.Deadline());
    EXPECT_EQ(child.Done().Recv(), std::nullopt);  // parks until the parent's timer
    EXPECT_TRUE(absl::IsDeadlineExceeded(child.Err()));
    EXPECT_TRUE(absl::IsDeadlineExceeded(plain.Err()));
    EXPECT_TRUE(absl::IsDeadlineExceeded(parent.Err()));
  });
}

TEST(ContextTest, EarlierChildDeadlineFiresFirst) {
  RunFibers(2, [] {
    auto [parent, cancel_parent] = WithTimeout(Context::Background(), absl::Seconds(10));
    auto [child, cancel_child] = WithTimeout(parent, absl::Milliseconds(10));
    EXPECT_LT(*child.Deadline(), *parent.Deadline());
    EXPECT_EQ(child.Done().Recv(), std::nullopt);
    EXPECT_TRUE(absl::IsDeadlineExceeded(child.Err()));
    EXPECT_TRUE(parent.Err().ok());
    cancel_parent();
  });
}

TEST(ContextTest, CancelWakesEveryParkedWaiter) {
  RunFibers(2, [] {
    auto [ctx, cancel] = WithCancel(Context::Background());
    std::atomic<int> woke{0};
    std::vector<Fiber> fs;
    for (int i = 0; i < 16; ++i) {
      fs.push_back(Go([&woke, ctx = ctx, i] {
        if (i % 2 == 0) {
          EXPECT_EQ(ctx.Done().Recv(), std::nullopt);
        } else {
          EXPECT_EQ(Select({RecvCase(ctx.Done())}), 0);
        }
        EXPECT_FALSE(ctx.Err().ok());
        ++woke;
      }));
    }
    testing::SleepFor(absl::Milliseconds(2));
    EXPECT_EQ(woke.load(), 0);
    std::thread canceller([cancel = cancel] { cancel(); });  // from a plain thread
    for (Fiber& f : fs) EXPECT_TRUE(f.Join().ok());
    canceller.join();
    EXPECT_EQ(woke.load(), 16);
  });
}

TEST(ContextTest, TimerOutlivingItsContextIsHarmless) {
  RunFibers(2, [] {
    for (int i = 0; i < 20; ++i) {
      // Dropped without calling cancel: the timer fires on a dead node.
      auto [ctx, cancel] = WithTimeout(Context::Background(), absl::Milliseconds(1 + i % 3));
    }
    for (int i = 0; i < 20; ++i) {
      // Cancelled early: the timer is stopped. Seconds, not milliseconds: the
      // cancel must come first for Err() to say Cancelled, and a TSan run on a
      // loaded machine once let a 1 ms timer fire before the next line ran.
      auto [ctx, cancel] = WithTimeout(Context::Background(), absl::Seconds(1 + i % 3));
      cancel();
      EXPECT_TRUE(absl::IsCancelled(ctx.Err()));
    }
    testing::SleepFor(absl::Milliseconds(10));
  });
}

TEST(ContextTest, DeadlineWithoutARuntimeIsSeenByErr) {
  // No Runtime alive: no timer is armed, Err() checks the clock itself.
  // 500 ms, not 5: the first two checks need the deadline still ahead, and a
  // TSan run on the loaded machine once stalled more than 5 ms before them.
  auto [ctx, cancel] = WithTimeout(Context::Background(), absl::Milliseconds(500));
  auto [child, cancel_child] = WithCancel(ctx);
  EXPECT_TRUE(ctx.Err().ok());
  EXPECT_FALSE(IsDone(ctx));
  ASSERT_TRUE(ctx.Deadline().has_value());
  absl::SleepFor(*ctx.Deadline() - absl::Now() + absl::Milliseconds(5));
  EXPECT_TRUE(absl::IsDeadlineExceeded(ctx.Err())) << ctx.Err();
  EXPECT_TRUE(IsDone(ctx));
  EXPECT_TRUE(absl::IsDeadlineExceeded(child.Err()));  // the tree follows
}

TEST(ContextTest, DeadlineReportsTheEarliestOnThePath) {
  RunFibers(1, [] {
    const absl::Time soon = absl::Now() + absl::Seconds(30);
    const absl::Time later = soon + absl::Seconds(30);
    auto [a, cancel_a] = WithDeadline(Context::Background(), soon);
    auto [b, cancel_b] = WithDeadline(a, later);  // later than the parent's
    auto [c, cancel_c] = WithCancel(b);
    EXPECT_EQ(a.Deadline(), soon);
    EXPECT_EQ(b.Deadline(), soon);
    EXPECT_EQ(c.Deadline(), soon);
    auto [d, cancel_d] = WithCancel(Context::Background());
    EXPECT_EQ(d.Deadline(), std::nullopt);
    cancel_a();
    cancel_d();
  });
}

TEST(ContextTest, PastDeadlineIsExceededImmediately) {
  auto [ctx, cancel] = WithDeadline(Context::Background(), absl::Now() - absl::Seconds(1));
  EXPECT_TRUE(absl::IsDeadlineExceeded(ctx.Err()));
  EXPECT_TRUE(IsDone(ctx));
}

}  // namespace
}  // namespace stockd::runtime
