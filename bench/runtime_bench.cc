// runtime_bench: the harness (see runtime_bench.h) and the scheduler
// benchmarks — spawn+join and yield. Channel/sync benchmarks are in
// runtime_bench_sync.cc, the parked-fiber memory benchmark in runtime_bench_rss.cc.
#include "bench/runtime_bench.h"

#include <atomic>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "runtime/fiber.h"
#include "runtime/scheduler.h"

namespace stockd::bench {

bool RegisterRuntimeBench(const RuntimeBench& b) {
  benchmark::internal::Benchmark* registered = benchmark::RegisterBenchmark(b.name, [b](benchmark::State& state) {
    runtime::Options options;
    options.procs = b.procs;
    runtime::Runtime rt(options);
    runtime::Stats before, after;
    absl::Status status = rt.Run([&] {
      before = runtime::GetStats();
      b.body(state);
      after = runtime::GetStats();
    });
    if (!status.ok()) {
      state.SkipWithError(std::string(status.message()).c_str());
      return;
    }
    state.counters["ops_per_iter"] = b.ops_per_iter;
    // Scheduler events per op, to explain a cost (not compared with Go).
    const double ops = b.ops_per_iter * static_cast<double>(state.iterations());
    if (ops > 0) {
      state.counters["parks_per_op"] = static_cast<double>(after.parks - before.parks) / ops;
      state.counters["steals_per_op"] = static_cast<double>(after.steals - before.steals) / ops;
    }
    // For people reading the console: seconds per op.
    state.counters["per_op"] = benchmark::Counter(
        b.ops_per_iter, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
  });
  registered->UseRealTime()->Unit(benchmark::kNanosecond);
  if (b.iterations > 0) registered->Iterations(b.iterations);
  return true;
}

namespace {

// Spawns kSpawnBatch fibers that do nothing, then joins them all.
void SpawnJoin(benchmark::State& state) {
  std::vector<runtime::Fiber> fibers;
  fibers.reserve(kSpawnBatch);
  int failed = 0;
  for (auto _ : state) {
    for (int i = 0; i < kSpawnBatch; ++i) fibers.push_back(runtime::Go([] {}));
    for (runtime::Fiber& f : fibers) failed += !f.Join().ok();
    fibers.clear();
  }
  if (failed > 0) state.SkipWithError("Join returned an error");
}

// Two fibers on one P yielding to each other; one iteration is two Yields
// (ours, then the partner's), hence ops_per_iter = 2.
void YieldSwitch(benchmark::State& state) {
  std::atomic<bool> stop{false};
  runtime::Fiber partner = runtime::Go([&stop] {
    while (!stop.load(std::memory_order_relaxed)) runtime::Yield();
  });
  runtime::Yield();  // let the partner start before timing
  for (auto _ : state) runtime::Yield();
  stop.store(true, std::memory_order_relaxed);
  if (!partner.Join().ok()) state.SkipWithError("partner failed");
}

const bool kRegistered = RegisterRuntimeBench({"spawn_join_p1_ns", 1, kSpawnBatch, SpawnJoin}) &&
                         RegisterRuntimeBench({"spawn_join_p2_ns", 2, kSpawnBatch, SpawnJoin}) &&
                         RegisterRuntimeBench({"yield_p1_ns", 1, 2, YieldSwitch});

}  // namespace
}  // namespace stockd::bench

BENCHMARK_MAIN();
