// bench/runtime_bench.h — shared harness of runtime_bench, the C++ half of the
// stockd-runtime-vs-Go comparison (bench/runtime-vs-go.sh; the Go half is
// bench/anchors/go/).
//
// Contract between the benchmarks and the script:
//  * Every benchmark's name is the metric name the script prints, e.g.
//    "spawn_join_p1_ns"; the suffix _pN is the number of Ps of the Runtime the
//    body runs in, and the Go twin runs with GOMAXPROCS=N.
//  * The body runs on a fiber of a fresh runtime::Runtime, so the state loop
//    itself is a fiber; time is wall-clock (UseRealTime), since a fiber may
//    migrate between threads and per-thread CPU time would be meaningless.
//  * Counter "ops_per_iter": how many measured ops one state iteration does;
//    the cost per op is real_time / ops_per_iter (ns). Benchmarks that report
//    something other than time set their own counter (bytes_per_fiber).
//  * Counters "parks_per_op" and "steals_per_op" (runtime::GetStats deltas over
//    the measured run) explain a cost; the script does not compare them.
//  * The constants below equal bench/anchors/go/benches.go's; change both.
#pragma once

#include <benchmark/benchmark.h>

namespace stockd::bench {

inline constexpr int kSpawnBatch = 1000;    // fibers spawned then joined per iteration
inline constexpr int kBufItems = 20000;     // items per buffered-channel iteration
inline constexpr int kBufCapacity = 128;    // buffered channel capacity
inline constexpr int kLockWorkers = 4;      // fibers contending on a counter
inline constexpr int kLockIncrs = 10000;    // increments per worker per iteration
inline constexpr int kFanOut = 1000;        // WaitGroup fan-out width
inline constexpr int kParkedFibers = 100000;

struct RuntimeBench {
  const char* name;       // the metric name
  int procs;              // Ps of the runtime the body runs in
  double ops_per_iter;    // ops per state iteration
  void (*body)(benchmark::State&);  // runs on a fiber; owns the state loop
  int iterations = 0;     // fixed iteration count; 0 = let Google Benchmark choose
};

// Registers `b` with Google Benchmark. Returns true so that a file can register
// at namespace scope: `const bool kRegistered = RegisterRuntimeBench({...});`.
bool RegisterRuntimeBench(const RuntimeBench& b);

}  // namespace stockd::bench
