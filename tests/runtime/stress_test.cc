// Stress and resource tests of the runtime: a random mix of every scheduling
// operation across Ps, and an idle runtime's CPU use.
#include <sys/resource.h>

#include <atomic>
#include <random>
#include <vector>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "runtime/blocking.h"
#include "runtime/detail/park.h"
#include "runtime/fiber.h"
#include "runtime/net.h"
#include "runtime/scheduler.h"
#include "runtime/time.h"

namespace stockd::runtime {
namespace {

double ProcessCpuSeconds() {
  rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

TEST(Stress, IdleRuntimeUsesNoCpu) {
  Runtime rt(Options{.procs = 2});
  // Idle, but not empty: a fiber parked in a network read, one sleeping long,
  // and a pending timer, as in an idle server.
  auto l = Listener::Listen("127.0.0.1", 0);
  ASSERT_TRUE(l.ok());
  auto c = Dial("127.0.0.1", (*l)->port());
  ASSERT_TRUE(c.ok());
  Conn* conn = c->get();
  Fiber reader = Go([conn] {
    char buf[8];
    (void)conn->Read(buf, sizeof(buf));
  });
  Fiber sleeper = Go([] { Sleep(absl::Milliseconds(500)); });
  absl::SleepFor(absl::Milliseconds(50));  // let everything settle and park
  const double cpu0 = ProcessCpuSeconds();
  const absl::Time t0 = absl::Now();
  absl::SleepFor(absl::Milliseconds(300));
  const double cpu = ProcessCpuSeconds() - cpu0;
  const double wall = absl::ToDoubleSeconds(absl::Now() - t0);
  EXPECT_LT(cpu / wall, 0.05) << "cpu " << cpu << " s over " << wall << " s";
  conn->Close();
  EXPECT_TRUE(reader.Join().ok());
  EXPECT_TRUE(sleeper.Join().ok());
  c->reset();
  l->reset();
}

// Each worker does a random sequence of: spawn+join, yield, short sleep,
// Blocking, and a park/ready hand-off with a partner fiber. The final sums
// are exact.
TEST(Stress, RandomMixOfOperations) {
  Runtime rt(Options{.procs = 2});
#if defined(STOCKD_TSAN)
  constexpr int kWorkers = 20, kSteps = 100;
#else
  constexpr int kWorkers = 50, kSteps = 400;
#endif
  std::atomic<int64_t> children{0}, handoffs{0};
  ASSERT_TRUE(rt.Run([&] {
    std::vector<Fiber> ws;
    for (int w = 0; w < kWorkers; ++w) {
      ws.push_back(Go([&, w] {
        std::mt19937 rng(w);
        for (int s = 0; s < kSteps; ++s) {
          switch (rng() % 5) {
            case 0: {
              Fiber f = Go([&] { children.fetch_add(1); });
              ASSERT_TRUE(f.Join().ok());
              break;
            }
            case 1:
              Yield();
              break;
            case 2:
              Sleep(absl::Microseconds(rng() % 200));
              break;
            case 3:
              Blocking([] {});
              break;
            case 4: {
              // Park until a helper fiber (maybe on the other P) readies us.
              detail::G* me = detail::CurrentG();
              detail::Park([me] {
                Go([me] {
                  Yield();
                  detail::Ready(me);
                });
              });
              handoffs.fetch_add(1);
              break;
            }
          }
        }
      }));
    }
    for (auto& f : ws) ASSERT_TRUE(f.Join().ok());
  }).ok());
  // Replay the random choices to know the exact expected counts.
  int64_t want_children = 0, want_handoffs = 0;
  for (int w = 0; w < kWorkers; ++w) {
    std::mt19937 rng(w);
    for (int s = 0; s < kSteps; ++s) {
      const unsigned op = rng() % 5;
      if (op == 0) ++want_children;
      if (op == 2) rng();
      if (op == 4) ++want_handoffs;
    }
  }
  EXPECT_EQ(children.load(), want_children);
  EXPECT_EQ(handoffs.load(), want_handoffs);
  EXPECT_EQ(rt.stats().fibers_alive, 0u);
}

// Many fibers readied from plain threads at once (global queue + wakep).
TEST(Stress, ReadyStormFromThreads) {
  Runtime rt(Options{.procs = 2});
#if defined(STOCKD_TSAN)
  constexpr int kFibers = 500;
#else
  constexpr int kFibers = 5000;
#endif
  std::vector<std::atomic<detail::G*>> slots(kFibers);
  std::atomic<int> woke{0};
  std::vector<Fiber> fs;
  for (int i = 0; i < kFibers; ++i) {
    fs.push_back(Go([&, i] {
      detail::G* me = detail::CurrentG();
      detail::Park([&, me, i] { slots[i].store(me); });
      woke.fetch_add(1);
    }));
  }
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t) {
    ts.emplace_back([&, t] {
      for (int i = t; i < kFibers; i += 4) {
        detail::G* g;
        while ((g = slots[i].load()) == nullptr) std::this_thread::yield();
        detail::Ready(g);
      }
    });
  }
  for (auto& t : ts) t.join();
  for (auto& f : fs) ASSERT_TRUE(f.Join().ok());
  EXPECT_EQ(woke.load(), kFibers);
}

// Runtimes can be created and destroyed repeatedly, with leftover detached
// fibers that already ended.
TEST(Stress, RuntimeChurn) {
  for (int i = 0; i < 20; ++i) {
    Runtime rt(Options{.procs = 1 + i % 3});
    std::atomic<int> n{0};
    ASSERT_TRUE(rt.Run([&] {
      for (int k = 0; k < 50; ++k) Go([&] { n.fetch_add(1); });
      while (n.load() < 50) Yield();
    }).ok());
    EXPECT_EQ(n.load(), 50);
  }
}

}  // namespace
}  // namespace stockd::runtime
