// Tests for runtime/chan.h: unbuffered rendezvous, buffered FIFO, Try*,
// Close semantics, MPMC totals, RecvMany batching, move-only values, plain
// OS threads as channel users, and an ad-hoc ping-pong timing.
#include "runtime/chan.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <deque>
#include <memory>
#include <optional>
#include <random>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "runtime/fiber.h"
#include "runtime/scheduler.h"
#include "tests/runtime/sync_test_util.h"

namespace stockd::runtime {
namespace {

using testing::RunFibers;

TEST(ChanTest, BufferedIsFifoAndTrySendFailsWhenFull) {
  Chan<int> ch(3);
  EXPECT_EQ(ch.capacity(), 3u);
  for (int i = 1; i <= 3; ++i) EXPECT_TRUE(ch.TrySend(i));
  int extra = 4;
  EXPECT_FALSE(ch.TrySend(extra));
  EXPECT_EQ(extra, 4);
  EXPECT_EQ(ch.size(), 3u);
  EXPECT_EQ(ch.TryRecv(), 1);
  EXPECT_TRUE(ch.TrySend(extra));
  EXPECT_EQ(ch.TryRecv(), 2);
  EXPECT_EQ(ch.TryRecv(), 3);
  EXPECT_EQ(ch.TryRecv(), 4);
  EXPECT_EQ(ch.TryRecv(), std::nullopt);
  EXPECT_EQ(ch.size(), 0u);
}

TEST(ChanTest, UnbufferedTryOpsNeedAPartner) {
  Chan<int> ch;
  EXPECT_EQ(ch.capacity(), 0u);
  EXPECT_FALSE(ch.TrySend(1));
  EXPECT_EQ(ch.TryRecv(), std::nullopt);
}

TEST(ChanTest, TrySendLeavesMoveOnlyValueIntactOnFailure) {
  Chan<std::unique_ptr<int>> ch(1);
  auto a = std::make_unique<int>(1);
  auto b = std::make_unique<int>(2);
  EXPECT_TRUE(ch.TrySend(a));
  EXPECT_EQ(a, nullptr);  // moved into the channel
  EXPECT_FALSE(ch.TrySend(b));
  ASSERT_NE(b, nullptr);  // left intact
  EXPECT_EQ(*b, 2);
  std::optional<std::unique_ptr<int>> got = ch.TryRecv();
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(**got, 1);
}

TEST(ChanTest, UnbufferedSendCompletesOnlyWithAReceiver) {
  RunFibers(1, [] {
    Chan<int> ch;
    std::atomic<int> stage{0};
    Fiber sender = Go([&] {
      stage = 1;
      EXPECT_TRUE(ch.Send(42));
      stage = 2;
    });
    // The sender runs, finds no receiver and parks inside Send.
    while (stage.load() == 0) Yield();
    for (int i = 0; i < 20; ++i) Yield();
    EXPECT_EQ(stage.load(), 1);
    EXPECT_EQ(ch.Recv(), 42);
    ASSERT_TRUE(sender.Join().ok());
    EXPECT_EQ(stage.load(), 2);
  });
}

TEST(ChanTest, UnbufferedRendezvousKeepsOrder) {
  RunFibers(2, [] {
    Chan<int> ch;
    constexpr int kN = 2000;
    Fiber sender = Go([ch] {
      for (int i = 0; i < kN; ++i) ASSERT_TRUE(ch.Send(i));
      ch.Close();
    });
    int expect = 0;
    while (std::optional<int> v = ch.Recv()) {
      ASSERT_EQ(*v, expect);
      ++expect;
    }
    EXPECT_EQ(expect, kN);
    EXPECT_TRUE(sender.Join().ok());
  });
}

TEST(ChanTest, CloseWakesAllParkedReceivers) {
  RunFibers(2, [] {
    Chan<int> ch;
    std::atomic<int> woke_empty{0};
    std::vector<Fiber> fs;
    for (int i = 0; i < 10; ++i) {
      fs.push_back(Go([&] {
        if (!ch.Recv().has_value()) ++woke_empty;
      }));
    }
    for (int i = 0; i < 50; ++i) Yield();
    ch.Close();
    for (Fiber& f : fs) EXPECT_TRUE(f.Join().ok());
    EXPECT_EQ(woke_empty.load(), 10);
    EXPECT_TRUE(ch.closed());
  });
}

TEST(ChanTest, CloseFailsParkedAndLaterSenders) {
  RunFibers(2, [] {
    Chan<int> ch(1);
    ASSERT_TRUE(ch.Send(0));  // fills the buffer
    std::atomic<int> failed{0};
    std::vector<Fiber> fs;
    for (int i = 0; i < 5; ++i) {
      fs.push_back(Go([&, i] {
        if (!ch.Send(i + 1)) ++failed;
      }));
    }
    for (int i = 0; i < 50; ++i) Yield();
    ch.Close();
    for (Fiber& f : fs) EXPECT_TRUE(f.Join().ok());
    EXPECT_EQ(failed.load(), 5);
    EXPECT_FALSE(ch.Send(9));
    int v = 7;
    EXPECT_FALSE(ch.TrySend(v));
    EXPECT_EQ(v, 7);
    // What was buffered before Close is still delivered, then nullopt.
    EXPECT_EQ(ch.Recv(), 0);
    EXPECT_EQ(ch.Recv(), std::nullopt);
    EXPECT_EQ(ch.TryRecv(), std::nullopt);
    ch.Close();  // idempotent
  });
}

// 8 producers and 8 consumers over one channel: every value arrives exactly
// once (count and sum match), for a buffered and an unbuffered channel.
void MpmcTotals(size_t capacity) {
  RunFibers(2, [capacity] {
    constexpr int kProducers = 8, kConsumers = 8, kPerProducer = 2000;
    Chan<int64_t> ch(capacity);
    std::atomic<int64_t> sum{0}, count{0};
    std::vector<Fiber> producers, consumers;
    for (int p = 0; p < kProducers; ++p) {
      producers.push_back(Go([ch, p] {
        for (int i = 0; i < kPerProducer; ++i) ASSERT_TRUE(ch.Send(int64_t{p} * kPerProducer + i + 1));
      }));
    }
    for (int c = 0; c < kConsumers; ++c) {
      consumers.push_back(Go([ch, &sum, &count] {
        int64_t local_sum = 0, local_count = 0;
        while (std::optional<int64_t> v = ch.Recv()) {
          local_sum += *v;
          ++local_count;
        }
        sum += local_sum;
        count += local_count;
      }));
    }
    for (Fiber& f : producers) EXPECT_TRUE(f.Join().ok());
    ch.Close();
    for (Fiber& f : consumers) EXPECT_TRUE(f.Join().ok());
    constexpr int64_t kTotal = int64_t{kProducers} * kPerProducer;
    EXPECT_EQ(count.load(), kTotal);
    EXPECT_EQ(sum.load(), kTotal * (kTotal + 1) / 2);
  });
}

TEST(ChanTest, MpmcBuffered8x8TotalsMatch) { MpmcTotals(16); }
TEST(ChanTest, MpmcUnbuffered8x8TotalsMatch) { MpmcTotals(0); }

TEST(ChanTest, RecvManyTakesWhatIsReadyUpToMax) {
  RunFibers(1, [] {
    Chan<int> ch(100);
    for (int i = 0; i < 50; ++i) ASSERT_TRUE(ch.Send(i));
    std::vector<int> out;
    EXPECT_EQ(ch.RecvMany(out, 20), 20u);
    EXPECT_EQ(ch.RecvMany(out, 100), 30u);
    ASSERT_EQ(out.size(), 50u);
    for (int i = 0; i < 50; ++i) EXPECT_EQ(out[i], i);
    EXPECT_EQ(ch.RecvMany(out, 0), 0u);
    ch.Close();
    EXPECT_EQ(ch.RecvMany(out, 10), 0u);
    EXPECT_EQ(out.size(), 50u);
  });
}

TEST(ChanTest, RecvManyParksForTheFirstValueOnly) {
  RunFibers(2, [] {
    Chan<int> ch(8);
    Fiber sender = Go([ch] {
      testing::SleepFor(absl::Milliseconds(5));
      ASSERT_TRUE(ch.Send(7));
    });
    std::vector<int> out;
    EXPECT_EQ(ch.RecvMany(out, 8), 1u);
    EXPECT_EQ(out, std::vector<int>{7});
    EXPECT_TRUE(sender.Join().ok());
  });
}

TEST(ChanTest, RecvManyDrainsParkedSendersInOrder) {
  RunFibers(1, [] {
    Chan<int> ch(2);
    std::atomic<int> started{0};
    std::vector<Fiber> fs;
    // On one P each sender runs until it parks, so the ring fills with 0, 1
    // and senders 2, 3, 4 queue in that order.
    for (int i = 0; i < 5; ++i) {
      fs.push_back(Go([&, i] {
        ++started;
        ASSERT_TRUE(ch.Send(i));
      }));
      while (started.load() <= i) Yield();
    }
    std::vector<int> out;
    EXPECT_EQ(ch.RecvMany(out, 10), 5u);
    EXPECT_EQ(out, (std::vector<int>{0, 1, 2, 3, 4}));
    for (Fiber& f : fs) EXPECT_TRUE(f.Join().ok());
  });
}

// A buffered channel driven by random non-parking operations in lockstep
// with a std::deque model (one fiber, so every outcome is determined).
TEST(ChanTest, RandomOpsMatchADequeModel) {
  RunFibers(1, [] {
    std::mt19937 rng(12345);
    for (size_t capacity : {1u, 2u, 7u, 64u}) {
      Chan<int> ch(capacity);
      std::deque<int> model;
      int next = 0;
      for (int step = 0; step < 5000; ++step) {
        switch (rng() % 4) {
          case 0: {  // TrySend
            int v = next;
            bool ok = ch.TrySend(v);
            ASSERT_EQ(ok, model.size() < capacity);
            if (ok) model.push_back(next++);
            break;
          }
          case 1: {  // TryRecv
            std::optional<int> v = ch.TryRecv();
            ASSERT_EQ(v.has_value(), !model.empty());
            if (v) {
              ASSERT_EQ(*v, model.front());
              model.pop_front();
            }
            break;
          }
          case 2: {  // RecvMany, only when it cannot park
            if (model.empty()) break;
            size_t max = 1 + rng() % 5;
            std::vector<int> out;
            size_t n = ch.RecvMany(out, max);
            ASSERT_EQ(n, std::min(max, model.size()));
            for (int v : out) {
              ASSERT_EQ(v, model.front());
              model.pop_front();
            }
            break;
          }
          case 3: {  // Send, only when it cannot park
            if (model.size() == capacity) break;
            ASSERT_TRUE(ch.Send(next));
            model.push_back(next++);
            break;
          }
        }
        ASSERT_EQ(ch.size(), model.size());
      }
    }
  });
}

TEST(ChanTest, PlainThreadsCanUseChannelsWithoutARuntime) {
  Chan<int> ch;  // unbuffered: every transfer is a rendezvous between threads
  constexpr int kN = 2000;
  std::thread producer([ch] {
    for (int i = 0; i < kN; ++i) ASSERT_TRUE(ch.Send(i));
    ch.Close();
  });
  int64_t sum = 0;
  int n = 0;
  while (std::optional<int> v = ch.Recv()) {
    EXPECT_EQ(*v, n);
    sum += *v;
    ++n;
  }
  producer.join();
  EXPECT_EQ(n, kN);
  EXPECT_EQ(sum, int64_t{kN} * (kN - 1) / 2);
}

TEST(ChanTest, PlainThreadAndFiberRendezvous) {
  Chan<int> to_thread, to_fiber;
  std::thread t([&] {
    for (int i = 0; i < 200; ++i) {
      std::optional<int> v = to_thread.Recv();
      ASSERT_TRUE(v.has_value());
      ASSERT_TRUE(to_fiber.Send(*v + 1));
    }
  });
  RunFibers(2, [&] {
    for (int i = 0; i < 200; ++i) {
      ASSERT_TRUE(to_thread.Send(i));
      EXPECT_EQ(to_fiber.Recv(), i + 1);
    }
    // Join while the runtime is alive: the thread's last Send may still be
    // inside Ready() for this fiber.
    t.join();
  });
}

// Not a benchmark with a threshold: prints the round-trip cost so that a
// regression is visible in the test log (bench/ has the real benchmark).
TEST(ChanTest, PingPongRoundTripTiming) {
  for (int procs : {1, 2}) {
    RunFibers(procs, [procs] {
      Chan<int> ping, pong;
      Fiber echo = Go([ping, pong] {
        while (std::optional<int> v = ping.Recv()) ASSERT_TRUE(pong.Send(*v + 1));
      });
      constexpr int kRounds = 20000;
      auto start = std::chrono::steady_clock::now();
      for (int i = 0; i < kRounds; ++i) {
        ASSERT_TRUE(ping.Send(i));
        ASSERT_EQ(pong.Recv(), i + 1);
      }
      auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                    std::chrono::steady_clock::now() - start).count();
      ping.Close();
      EXPECT_TRUE(echo.Join().ok());
      std::printf("chan ping-pong procs=%d: %.0f ns per round trip\n", procs,
                  static_cast<double>(ns) / kRounds);
    });
  }
}

}  // namespace
}  // namespace stockd::runtime
