// Every concurrency pattern of the seed guide (shared/seed: "Go concurrency
// architect's guide"), written with stockd's runtime and checked exactly:
// goroutine + join, done-by-close, worker pool over a buffered channel,
// WaitGroup, Mutex counter, atomic counter, panic -> error, context timeout,
// sync.Pool buffer reuse, and the flash-sale order pipeline (atomic stock,
// bounded order queue, batching consumer).
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "runtime/chan.h"
#include "runtime/context.h"
#include "runtime/fiber.h"
#include "runtime/mutex.h"
#include "runtime/pool.h"
#include "runtime/select.h"
#include "runtime/waitgroup.h"
#include "tests/runtime/sync_test_util.h"

namespace stockd::runtime {
namespace {

using testing::RunFibers;

// 1.1: `go sayHello()` — but joined instead of the guide's fragile Sleep.
TEST(SeedPatternsTest, SpawnAndJoinInsteadOfSleep) {
  RunFibers(2, [] {
    std::string said;
    Fiber hello = Go([&] { said = "Hello from a new fiber!"; });
    ASSERT_TRUE(hello.Join().ok());
    EXPECT_EQ(said, "Hello from a new fiber!");  // Join orders the write before
  });
}

// 1.2.1: done := make(chan struct{}); go func() { worker(); close(done) }(); <-done
TEST(SeedPatternsTest, DoneSignalByClose) {
  RunFibers(2, [] {
    Chan<std::monostate> done;
    bool worked = false;
    Go([&worked, done] {
      testing::SleepFor(absl::Milliseconds(2));
      worked = true;
      done.Close();
    }).Detach();
    EXPECT_EQ(done.Recv(), std::nullopt);  // parks until closed
    EXPECT_TRUE(worked);
  });
}

// 1.2.2: 3 workers range over a buffered jobs channel and send j*2 to results.
TEST(SeedPatternsTest, WorkerPoolOverBufferedChannel) {
  RunFibers(2, [] {
    constexpr int kJobs = 500, kWorkers = 3;
    Chan<int> jobs(kJobs), results(kJobs);
    std::atomic<int> per_worker[kWorkers] = {};
    // main waits for the workers to leave their range loop before returning:
    // a detached fiber still alive when the runtime is destroyed is never
    // freed (its closure and the channels it holds leak — LeakSanitizer saw
    // it whenever a worker had not yet observed the close).
    WaitGroup exited;
    exited.Add(kWorkers);
    for (int w = 0; w < kWorkers; ++w) {
      Go([jobs, results, &per_worker, &exited, w] {
        struct Done {
          WaitGroup& wg;
          ~Done() { wg.Done(); }
        } done{exited};
        while (std::optional<int> j = jobs.Recv()) {  // for j := range jobs
          ++per_worker[w];
          ASSERT_TRUE(results.Send(*j * 2));
        }
      }).Detach();
    }
    for (int j = 1; j <= kJobs; ++j) ASSERT_TRUE(jobs.Send(j));
    jobs.Close();
    int64_t sum = 0;
    for (int a = 0; a < kJobs; ++a) {
      std::optional<int> r = results.Recv();
      ASSERT_TRUE(r.has_value());
      sum += *r;
    }
    EXPECT_EQ(sum, int64_t{kJobs} * (kJobs + 1));  // 2 * (1 + ... + kJobs)
    EXPECT_EQ(per_worker[0] + per_worker[1] + per_worker[2], kJobs);
    exited.Wait();
    EXPECT_EQ(results.TryRecv(), std::nullopt);  // nothing extra
  });
}

// 2.1: wg.Add(1) before `go`, defer wg.Done(), wg.Wait() — over 1000 fibers.
TEST(SeedPatternsTest, WaitGroupOver1000Fibers) {
  RunFibers(2, [] {
    WaitGroup wg;
    std::vector<std::atomic<bool>> ran(1000);
    for (int i = 0; i < 1000; ++i) {
      wg.Add(1);
      Go([&wg, &ran, i] {
        ran[i] = true;
        wg.Done();
      }).Detach();
    }
    wg.Wait();
    for (int i = 0; i < 1000; ++i) ASSERT_TRUE(ran[i].load()) << i;
  });
}

// 2.2: SafeCounter{mu, counter} incremented by 1000 fibers, read under the lock.
struct SafeCounter {
  Mutex mu;
  int counter = 0;
  void Increment(bool yield_inside) {
    MutexLock lock(mu);
    int v = counter;
    if (yield_inside) Yield();
    counter = v + 1;
  }
  int Value() {
    MutexLock lock(mu);
    return counter;
  }
};

void SafeCounterRun(int procs, bool yield_inside) {
  RunFibers(procs, [yield_inside] {
    SafeCounter sc;
    WaitGroup wg;
    for (int i = 0; i < 1000; ++i) {
      wg.Add(1);
      Go([&, yield_inside] {
        sc.Increment(yield_inside);
        wg.Done();
      }).Detach();
    }
    wg.Wait();
    EXPECT_EQ(sc.Value(), 1000);
  });
}

TEST(SeedPatternsTest, MutexCounterReaches1000) { SafeCounterRun(2, false); }
TEST(SeedPatternsTest, MutexCounterWithYieldsInsideOnTwoPs) { SafeCounterRun(2, true); }

// 2.3: atomic.AddInt64(&counter, 1) from 1000 fibers.
TEST(SeedPatternsTest, AtomicCounterReaches1000) {
  RunFibers(2, [] {
    std::atomic<int64_t> counter{0};
    WaitGroup wg;
    for (int i = 0; i < 1000; ++i) {
      wg.Add(1);
      Go([&] {
        counter.fetch_add(1, std::memory_order_relaxed);
        wg.Done();
      }).Detach();
    }
    wg.Wait();
    EXPECT_EQ(counter.load(), 1000);
  });
}

// 2.4: a panic (here: std::out_of_range from `a.at(0)` on an empty vector)
// becomes an error instead of killing the process.
TEST(SeedPatternsTest, PanicBecomesAnErrorThroughJoin) {
  RunFibers(2, [] {
    Fiber task = Go([] {
      std::vector<int> a;
      a.at(0) = 1;  // throws: index out of range
    });
    absl::Status st = task.Join();
    EXPECT_FALSE(st.ok());
    EXPECT_TRUE(absl::StrContains(st.message(), "vector")) << st;  // what() is kept
    // The program continues: the runtime still runs fibers.
    Fiber after = Go([] {});
    EXPECT_TRUE(after.Join().ok());
  });
}

// 2.4, the guide's own shape: recover at the top of the task, send the error
// on errChan, and select it against a 2 s timeout.
TEST(SeedPatternsTest, PanicRecoveredIntoAnErrorChannel) {
  RunFibers(2, [] {
    Chan<absl::Status> err_chan(1);
    Go([err_chan] {
      try {
        std::vector<int> a;
        a.at(0) = 1;
      } catch (const std::exception& e) {
        (void)err_chan.Send(absl::InternalError(absl::StrCat("fiber panicked: ", e.what())));
      }
    }).Detach();
    std::optional<absl::Status> err;
    int r = Select({RecvCase(err_chan, &err)}, Timeout(absl::Seconds(2)));
    ASSERT_EQ(r, 0);
    ASSERT_TRUE(err.has_value());
    EXPECT_TRUE(absl::StartsWith(err->message(), "fiber panicked: ")) << *err;
  });
}

// 3.2: downstreamCall(ctx) selects time.After(slow) against ctx.Done(); a
// WithTimeout(20 ms) must cut a 500 ms call short with "deadline exceeded".
absl::Status DownstreamCall(const Context& ctx, absl::Duration takes) {
  int r = Select({RecvCase(ctx.Done())}, Timeout(takes));
  if (r == 0) return ctx.Err();
  return absl::OkStatus();
}

TEST(SeedPatternsTest, WithTimeoutCancelsASlowerDownstreamCall) {
  RunFibers(2, [] {
    auto [ctx, cancel] = WithTimeout(Context::Background(), absl::Milliseconds(20));
    absl::Time start = absl::Now();
    absl::Status st = DownstreamCall(ctx, absl::Milliseconds(500));
    absl::Duration took = absl::Now() - start;
    cancel();
    EXPECT_TRUE(absl::IsDeadlineExceeded(st)) << st;
    EXPECT_EQ(st.message(), "context deadline exceeded");
    EXPECT_LT(took, absl::Milliseconds(400));
    // And a fast call under a generous timeout completes.
    auto [ctx2, cancel2] = WithTimeout(Context::Background(), absl::Milliseconds(500));
    EXPECT_TRUE(DownstreamCall(ctx2, absl::Milliseconds(5)).ok());
    cancel2();
  });
}

// 3.2, the tree: cancelling Service A's context reaches the DB query and the
// RPC, and through the RPC its internal logic (the guide's mermaid graph).
TEST(SeedPatternsTest, CancelPropagatesDownTheCallTree) {
  RunFibers(2, [] {
    auto [service_a, cancel_a] = WithCancel(Context::Background());
    auto [db_query, cancel_db] = WithCancel(service_a);
    auto [rpc, cancel_rpc] = WithCancel(service_a);
    auto [internal, cancel_internal] = WithCancel(rpc);
    WaitGroup wg;
    std::atomic<int> stopped{0};
    for (const Context& c : {db_query, rpc, internal}) {
      wg.Add(1);
      Go([c, &wg, &stopped] {
        (void)c.Done().Recv();
        if (absl::IsCancelled(c.Err())) ++stopped;
        wg.Done();
      }).Detach();
    }
    cancel_a();
    wg.Wait();
    EXPECT_EQ(stopped.load(), 3);
  });
}

// 4.1: a pool of byte buffers; processRequest gets one, writes, resets, puts.
TEST(SeedPatternsTest, PoolReusesResetBuffers) {
  RunFibers(2, [] {
    std::atomic<int> allocated{0};
    Pool<std::string> buffer_pool([&] {
      ++allocated;
      return std::make_unique<std::string>();
    });
    auto process_request = [&](const std::string& data) {
      std::unique_ptr<std::string> buf = buffer_pool.Get();
      EXPECT_TRUE(buf->empty());  // every Put reset it
      buf->append(data);
      EXPECT_EQ(*buf, data);
      buf->clear();  // reset before Put, as the guide insists
      buffer_pool.Put(std::move(buf));
    };
    WaitGroup wg;
    for (int i = 0; i < 5; ++i) {
      wg.Add(1);
      Go([&, i] {
        process_request(absl::StrCat("Request ", i));
        wg.Done();
      }).Detach();
    }
    wg.Wait();
    EXPECT_GE(allocated.load(), 1);
    EXPECT_LE(allocated.load(), 5);
    // Sequential requests on one fiber allocate nothing new.
    const int before = allocated.load();
    for (int i = 0; i < 100; ++i) process_request("again");
    EXPECT_EQ(allocated.load(), before);
  });
}

// 5.3: the flash sale. 1000 buyers race for 100 units: stock is decremented
// atomically (DECR, and INCR back when it went negative), each success sends
// an order into a bounded queue (the guide's Kafka), and an order-processing
// fiber drains it in batches (RecvMany) — no oversell, no lost order.
TEST(SeedPatternsTest, FlashSaleSellsExactlyTheStock) {
  RunFibers(2, [] {
    constexpr int kStock = 100, kBuyers = 1000;
    std::atomic<int64_t> stock{kStock};
    Chan<int> orders(16);
    std::atomic<int> sold{0}, out_of_stock{0};
    std::vector<int> processed;
    size_t batches = 0;
    Fiber order_service = Go([orders, &processed, &batches] {
      std::vector<int> batch;
      while (orders.RecvMany(batch, 32) > 0) {
        ++batches;
        processed.insert(processed.end(), batch.begin(), batch.end());
        batch.clear();
      }
    });
    WaitGroup buyers;
    for (int user = 0; user < kBuyers; ++user) {
      buyers.Add(1);
      Go([&, user] {
        if (stock.fetch_sub(1) - 1 < 0) {
          stock.fetch_add(1);  // put back what was taken
          ++out_of_stock;
        } else {
          ++sold;
          EXPECT_TRUE(orders.Send(user));
        }
        buyers.Done();
      }).Detach();
    }
    buyers.Wait();
    orders.Close();
    ASSERT_TRUE(order_service.Join().ok());
    EXPECT_EQ(sold.load(), kStock);
    EXPECT_EQ(out_of_stock.load(), kBuyers - kStock);
    EXPECT_EQ(stock.load(), 0);
    ASSERT_EQ(processed.size(), static_cast<size_t>(kStock));
    std::vector<bool> seen(kBuyers, false);
    for (int u : processed) {
      ASSERT_FALSE(seen[u]) << "order twice for user " << u;
      seen[u] = true;
    }
    EXPECT_GE(batches, 1u);
    EXPECT_LE(batches, static_cast<size_t>(kStock));
  });
}

}  // namespace
}  // namespace stockd::runtime
