// runtime_bench: channel, Mutex/atomic, WaitGroup and Pool benchmarks. Each
// mirrors the function of the same shape in bench/anchors/go/benches.go.
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "bench/runtime_bench.h"
#include "runtime/chan.h"
#include "runtime/fiber.h"
#include "runtime/mutex.h"
#include "runtime/pool.h"
#include "runtime/waitgroup.h"

namespace stockd::bench {
namespace {

// Unbuffered ping-pong between two fibers; one iteration is one round trip.
void PingPong(benchmark::State& state) {
  runtime::Chan<int> ping, pong;
  runtime::Fiber echo = runtime::Go([ping, pong]() mutable {
    while (std::optional<int> v = ping.Recv()) pong.Send(*v);
    pong.Close();
  });
  int i = 0;
  for (auto _ : state) {
    ping.Send(i++);
    benchmark::DoNotOptimize(pong.Recv());
  }
  ping.Close();
  (void)pong.Recv();  // the echo fiber's Close
  if (!echo.Join().ok()) state.SkipWithError("echo fiber failed");
}

// One iteration moves kBufItems through a channel of kBufCapacity, from
// `producers` fibers to `consumers` fibers, spawned for the iteration.
template <int kProducers, int kConsumers>
void Buffered(benchmark::State& state) {
  std::vector<runtime::Fiber> producers, consumers;
  for (auto _ : state) {
    runtime::Chan<int> ch(kBufCapacity);
    for (int p = 0; p < kProducers; ++p) {
      producers.push_back(runtime::Go([ch]() mutable {
        for (int k = 0; k < kBufItems / kProducers; ++k) ch.Send(k);
      }));
    }
    for (int c = 0; c < kConsumers; ++c) {
      consumers.push_back(runtime::Go([ch]() mutable {
        while (ch.Recv()) {
        }
      }));
    }
    for (runtime::Fiber& f : producers) (void)f.Join();
    ch.Close();
    for (runtime::Fiber& f : consumers) (void)f.Join();
    producers.clear();
    consumers.clear();
  }
}

// kLockWorkers fibers each add kLockIncrs to one counter; `Add` is the
// increment under test. The final value is checked: a lost update is a bug.
template <class Counter>
void Contended(benchmark::State& state) {
  Counter counter;
  std::vector<runtime::Fiber> workers;
  for (auto _ : state) {
    for (int w = 0; w < kLockWorkers; ++w) {
      workers.push_back(runtime::Go([&counter] {
        for (int k = 0; k < kLockIncrs; ++k) counter.Add();
      }));
    }
    for (runtime::Fiber& f : workers) (void)f.Join();
    workers.clear();
  }
  if (counter.Get() != static_cast<int64_t>(state.iterations()) * kLockWorkers * kLockIncrs) {
    state.SkipWithError("counter lost updates");
  }
}

struct MutexCounter {
  runtime::Mutex mu;
  int64_t value = 0;
  void Add() {
    mu.Lock();
    ++value;
    mu.Unlock();
  }
  int64_t Get() { return value; }
};

struct AtomicCounter {
  std::atomic<int64_t> value{0};
  void Add() { value.fetch_add(1); }
  int64_t Get() { return value.load(); }
};

// One iteration: Add(kFanOut), spawn kFanOut fibers that call Done, Wait.
void WaitGroupFanOut(benchmark::State& state) {
  for (auto _ : state) {
    runtime::WaitGroup wg;
    wg.Add(kFanOut);
    for (int j = 0; j < kFanOut; ++j) runtime::Go([&wg] { wg.Done(); }).Detach();
    wg.Wait();
  }
}

struct Pooled {
  char buf[64] = {};
};

// One iteration: Get, touch, Put — from a single fiber, like a request handler.
void PoolGetPut(benchmark::State& state) {
  runtime::Pool<Pooled> pool([] { return std::make_unique<Pooled>(); });
  for (auto _ : state) {
    std::unique_ptr<Pooled> p = pool.Get();
    ++p->buf[0];
    pool.Put(std::move(p));
  }
}

const bool kRegistered =
    RegisterRuntimeBench({"chan_pingpong_p1_ns", 1, 1, PingPong}) &&
    RegisterRuntimeBench({"chan_pingpong_p2_ns", 2, 1, PingPong}) &&
    RegisterRuntimeBench({"chan_buf_1x1_p2_ns", 2, kBufItems, Buffered<1, 1>}) &&
    RegisterRuntimeBench({"chan_buf_4x4_p2_ns", 2, kBufItems, Buffered<4, 4>}) &&
    RegisterRuntimeBench(
        {"mutex_counter_p2_ns", 2, kLockWorkers * kLockIncrs, Contended<MutexCounter>}) &&
    RegisterRuntimeBench(
        {"atomic_counter_p2_ns", 2, kLockWorkers * kLockIncrs, Contended<AtomicCounter>}) &&
    RegisterRuntimeBench({"waitgroup_fanout_p2_ns", 2, 1, WaitGroupFanOut}) &&
    RegisterRuntimeBench({"pool_getput_p1_ns", 1, 1, PoolGetPut});

}  // namespace
}  // namespace stockd::bench
