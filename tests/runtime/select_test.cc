// Tests for runtime/select.h: ready cases, random fairness, default,
// timeout, parking until a case fires, closed channels, send cases, and
// races between many Selects, senders and timers (exactly one wake each).
#include "runtime/select.h"

#include <atomic>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "runtime/chan.h"
#include "runtime/fiber.h"
#include "tests/runtime/sync_test_util.h"

namespace stockd::runtime {
namespace {

using testing::RunFibers;

TEST(SelectTest, PicksTheReadyCaseAndReceivesItsValue) {
  Chan<int> a(1), b(1);
  ASSERT_TRUE(b.TrySend(5));
  std::optional<int> va, vb;
  EXPECT_EQ(Select({RecvCase(a, &va), RecvCase(b, &vb)}, Default()), 1);
  EXPECT_EQ(va, std::nullopt);
  EXPECT_EQ(vb, 5);
}

TEST(SelectTest, DefaultWhenNothingIsReady) {
  Chan<int> a, b(1);
  std::optional<int> v;
  EXPECT_EQ(Select({RecvCase(a, &v), RecvCase(b)}, Default()), kSelectDefault);
  int x = 3;
  // An unbuffered send without a receiver is not ready either; x stays.
  EXPECT_EQ(Select({SendCase(a, &x)}, Default()), kSelectDefault);
  EXPECT_EQ(x, 3);
  EXPECT_EQ(Select({}, Default()), kSelectDefault);
}

TEST(SelectTest, BothReadyCasesAreChosenOverManyIterations) {
  Chan<int> a(1), b(1);
  int chosen[2] = {0, 0};
  constexpr int kIters = 2000;
  for (int i = 0; i < kIters; ++i) {
    if (a.size() == 0) {
      ASSERT_TRUE(a.TrySend(1));
    }
    if (b.size() == 0) {
      ASSERT_TRUE(b.TrySend(2));
    }
    int r = Select({RecvCase(a), RecvCase(b)}, Default());
    ASSERT_TRUE(r == 0 || r == 1) << r;
    ++chosen[r];
  }
  // Uniform choice: each side expects 1000; 700 is > 13 sigma away.
  EXPECT_GT(chosen[0], 700);
  EXPECT_GT(chosen[1], 700);
}

TEST(SelectTest, SendCaseIntoBufferAndReceiveIntoPlainValue) {
  Chan<int> a(1);
  int x = 9;
  bool ok = false;
  EXPECT_EQ(Select({SendCase(a, &x, &ok)}, Default()), 0);
  EXPECT_TRUE(ok);
  int out = 0;
  EXPECT_EQ(Select({RecvCase(a, &out, &ok)}, Default()), 0);
  EXPECT_TRUE(ok);
  EXPECT_EQ(out, 9);
  // A by-value send case (boxed).
  EXPECT_EQ(Select({SendCase(a, 11)}, Default()), 0);
  EXPECT_EQ(a.TryRecv(), 11);
}

TEST(SelectTest, ClosedChannelsAreReady) {
  Chan<int> a, b;
  a.Close();
  b.Close();
  std::optional<int> v = 1;
  EXPECT_EQ(Select({RecvCase(a, &v)}), 0);
  EXPECT_EQ(v, std::nullopt);  // reset: nothing was received
  int out = 4;
  bool ok = true;
  EXPECT_EQ(Select({RecvCase(a, &out, &ok)}), 0);
  EXPECT_FALSE(ok);
  EXPECT_EQ(out, 4);
  int x = 8;
  ok = true;
  EXPECT_EQ(Select({SendCase(b, &x, &ok)}), 0);
  EXPECT_FALSE(ok);
  EXPECT_EQ(x, 8);
}

TEST(SelectTest, DisabledCaseIsNeverReady) {
  Chan<int> a(1);
  ASSERT_TRUE(a.TrySend(1));
  EXPECT_EQ(Select({SelectCase{}, RecvCase(a)}, Default()), 1);
  EXPECT_EQ(Select({SelectCase{}}, Default()), kSelectDefault);
}

TEST(SelectTest, TimeoutFiresWhenNothingArrives) {
  RunFibers(2, [] {
    Chan<int> a, b;
    absl::Time start = absl::Now();
    EXPECT_EQ(Select({RecvCase(a), RecvCase(b)}, Timeout(absl::Milliseconds(20))), kSelectTimeout);
    absl::Duration took = absl::Now() - start;
    EXPECT_GE(took, absl::Milliseconds(19));
    EXPECT_LT(took, absl::Seconds(2));
    // An expired deadline does not park at all.
    EXPECT_EQ(Select({RecvCase(a)}, Timeout(absl::ZeroDuration())), kSelectTimeout);
    // Nothing may be left queued on the channels: a later sender must not
    // find a receiver.
    EXPECT_FALSE(a.TrySend(1));
    EXPECT_FALSE(b.TrySend(1));
  });
}

TEST(SelectTest, TimeoutOnAPlainThread) {
  Chan<int> a;
  absl::Time start = absl::Now();
  EXPECT_EQ(Select({RecvCase(a)}, Timeout(absl::Milliseconds(10))), kSelectTimeout);
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(9));
}

TEST(SelectTest, ParksUntilACaseFiresAndUnlinksTheOthers) {
  RunFibers(2, [] {
    Chan<int> a, b;
    Fiber sender = Go([b] {
      testing::SleepFor(absl::Milliseconds(2));
      ASSERT_TRUE(b.Send(77));
    });
    std::optional<int> va, vb;
    EXPECT_EQ(Select({RecvCase(a, &va), RecvCase(b, &vb)}), 1);
    EXPECT_EQ(vb, 77);
    EXPECT_EQ(va, std::nullopt);
    EXPECT_TRUE(sender.Join().ok());
    EXPECT_FALSE(a.TrySend(1));  // our Waiter on `a` is gone
  });
}

TEST(SelectTest, CloseWakesAParkedSendCaseWithFailure) {
  RunFibers(2, [] {
    Chan<std::unique_ptr<int>> full(1), never;
    ASSERT_TRUE(full.TrySend(std::make_unique<int>(1)));
    auto v = std::make_unique<int>(2);
    bool ok = true;
    Fiber closer = Go([full] {
      testing::SleepFor(absl::Milliseconds(2));
      full.Close();
    });
    EXPECT_EQ(Select({RecvCase(never), SendCase(full, &v, &ok)}), 1);
    EXPECT_FALSE(ok);
    ASSERT_NE(v, nullptr);  // not consumed
    EXPECT_EQ(*v, 2);
    EXPECT_TRUE(closer.Join().ok());
  });
}

TEST(SelectTest, SendCaseWakesAParkedReceiver) {
  RunFibers(2, [] {
    Chan<int> out, never;
    Fiber receiver = Go([out] { EXPECT_EQ(out.Recv(), 123); });
    int x = 123;
    EXPECT_EQ(Select({RecvCase(never), SendCase(out, &x)}), 1);
    EXPECT_TRUE(receiver.Join().ok());
  });
}

TEST(SelectTest, SelectsOnBothEndsOfAChannelPair) {
  // Two fibers that each Select send-or-receive against the other: values
  // still move exactly once.
  RunFibers(2, [] {
    Chan<int> c;
    constexpr int kN = 500;
    std::atomic<int> received{0};
    auto body = [&] {
      int sent = 0;
      while (sent < kN) {
        int x = 1;
        std::optional<int> v;
        int r = Select({SendCase(c, &x), RecvCase(c, &v)}, Timeout(absl::Milliseconds(50)));
        if (r == 0) ++sent;
        if (r == 1) received += *v;
      }
    };
    Fiber f1 = Go(body);
    Fiber f2 = Go(body);
    // Drain the tail: a fiber that finished sending no longer receives.
    Fiber drain = Go([&] {
      while (received.load() < 2 * kN) {
        std::optional<int> v;
        if (Select({RecvCase(c, &v)}, Timeout(absl::Milliseconds(5))) == 0) received += *v;
      }
    });
    EXPECT_TRUE(f1.Join().ok());
    EXPECT_TRUE(f2.Join().ok());
    EXPECT_TRUE(drain.Join().ok());
    EXPECT_EQ(received.load(), 2 * kN);
  });
}

TEST(SelectTest, ManySelectorsReceiveEveryValueExactlyOnce) {
  RunFibers(2, [] {
    constexpr int kSelectors = 8, kPerChannel = 3000;
    Chan<int> a, b(4), quit;
    std::atomic<int64_t> sum{0}, count{0};
    std::vector<Fiber> selectors;
    for (int s = 0; s < kSelectors; ++s) {
      selectors.push_back(Go([&] {
        for (;;) {
          std::optional<int> va, vb;
          int r = Select({RecvCase(a, &va), RecvCase(b, &vb), RecvCase(quit)});
          if (r == 2) return;
          ++count;
          sum += (r == 0 ? *va : *vb);
        }
      }));
    }
    Fiber pa = Go([a] {
      for (int i = 1; i <= kPerChannel; ++i) ASSERT_TRUE(a.Send(i));
    });
    Fiber pb = Go([b] {
      for (int i = 1; i <= kPerChannel; ++i) ASSERT_TRUE(b.Send(i));
    });
    EXPECT_TRUE(pa.Join().ok());
    EXPECT_TRUE(pb.Join().ok());
    while (count.load() < 2 * kPerChannel) testing::SleepFor(absl::Milliseconds(1));
    quit.Close();
    for (Fiber& f : selectors) EXPECT_TRUE(f.Join().ok());
    EXPECT_EQ(count.load(), 2 * kPerChannel);
    EXPECT_EQ(sum.load(), 2 * int64_t{kPerChannel} * (kPerChannel + 1) / 2);
  });
}

TEST(SelectTest, TimeoutRacingASenderLosesNoValue) {
  // Each round a sender and a short timeout race for the same Select; either
  // way the value must arrive exactly once (by the Select or a later Recv).
  RunFibers(2, [] {
    constexpr int kRounds = 300;
    Chan<int> c;
    int by_select = 0, by_recv = 0;
    for (int i = 0; i < kRounds; ++i) {
      Fiber sender = Go([c, i] { ASSERT_TRUE(c.Send(i)); });
      std::optional<int> v;
      int r = Select({RecvCase(c, &v)}, Timeout(absl::Microseconds(i % 50)));
      if (r == 0) {
        ASSERT_EQ(v, i);
        ++by_select;
      } else {
        ASSERT_EQ(r, kSelectTimeout);
        ASSERT_EQ(v, std::nullopt);
        ASSERT_EQ(c.Recv(), i);
        ++by_recv;
      }
      ASSERT_TRUE(sender.Join().ok());
    }
    EXPECT_EQ(by_select + by_recv, kRounds);
    std::printf("timeout race: %d by select, %d after timeout\n", by_select, by_recv);
  });
}

TEST(SelectTest, MoreCasesThanTheInlineBuffers) {
  // 12 cases: the poll order, lock order and Waiters spill to the heap.
  RunFibers(2, [] {
    std::vector<Chan<int>> chans;
    for (int i = 0; i < 12; ++i) chans.emplace_back(i % 2 == 0 ? 0 : 1);
    std::vector<SelectCase> cases;
    std::vector<std::optional<int>> out(12);
    for (int i = 0; i < 12; ++i) cases.push_back(RecvCase(chans[i], &out[i]));
    // Ready now: the buffered channel 9.
    ASSERT_TRUE(chans[9].TrySend(90));
    EXPECT_EQ(Select(cases, Default()), 9);
    EXPECT_EQ(out[9], 90);
    // Parked: the unbuffered channel 10 gets a sender later.
    Fiber sender = Go([c = chans[10]] {
      testing::SleepFor(absl::Milliseconds(2));
      ASSERT_TRUE(c.Send(100));
    });
    EXPECT_EQ(Select(cases), 10);
    EXPECT_EQ(out[10], 100);
    EXPECT_TRUE(sender.Join().ok());
    for (int i = 0; i < 12; i += 2) EXPECT_FALSE(chans[i].TrySend(1)) << i;  // no Waiter left
  });
}

TEST(SelectTest, NoCasesWithTimeoutJustSleeps) {
  RunFibers(1, [] {
    absl::Time start = absl::Now();
    EXPECT_EQ(Select({}, Timeout(absl::Milliseconds(10))), kSelectTimeout);
    EXPECT_GE(absl::Now() - start, absl::Milliseconds(9));
  });
}

}  // namespace
}  // namespace stockd::runtime
