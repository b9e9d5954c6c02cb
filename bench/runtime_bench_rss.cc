// runtime_bench: resident memory per parked fiber. kParkedFibers fibers block
// on one unbuffered channel's Recv; the metric is the RSS delta (from
// /proc/self/statm) divided by their number — the same measurement as
// bench/anchors/go/rss.go, so both pay for stacks, records and allocator slack.
//
// Run it in its own process (the script filters it alone): earlier benchmarks
// would have warmed the stack cache and hidden the cost of fresh stacks.
// STOCKD_BENCH_PARKED_FIBERS overrides the count (the smoke test uses fewer).
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "absl/time/time.h"
#include "bench/runtime_bench.h"
#include "runtime/chan.h"
#include "runtime/fiber.h"
#include "runtime/time.h"

namespace stockd::bench {
namespace {

long ResidentBytes() {
  long size = 0, resident = 0;
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return -1;
  if (std::fscanf(f, "%ld %ld", &size, &resident) != 2) resident = -1;
  std::fclose(f);
  return resident < 0 ? -1 : resident * sysconf(_SC_PAGESIZE);
}

int ParkedFibers() {
  const char* env = std::getenv("STOCKD_BENCH_PARKED_FIBERS");
  const int n = env != nullptr ? std::atoi(env) : 0;
  return n > 0 ? n : kParkedFibers;
}

void ParkedFiberRss(benchmark::State& state) {
  const int n = ParkedFibers();
  runtime::Chan<int> ch;
  std::atomic<int> started{0};
  std::vector<runtime::Fiber> fibers;
  fibers.reserve(n);
  double bytes_per_fiber = 0;
  for (auto _ : state) {
    const long before = ResidentBytes();
    for (int i = 0; i < n; ++i) {
      fibers.push_back(runtime::Go([ch, &started]() mutable {
        started.fetch_add(1, std::memory_order_relaxed);
        (void)ch.Recv();
      }));
    }
    while (started.load(std::memory_order_relaxed) < n) {
      runtime::Sleep(absl::Milliseconds(1));
    }
    runtime::Sleep(absl::Milliseconds(10));  // let the last ones reach Recv
    const long after = ResidentBytes();
    bytes_per_fiber = static_cast<double>(after - before) / n;
    ch.Close();
    for (runtime::Fiber& f : fibers) (void)f.Join();
    fibers.clear();
  }
  state.counters["bytes_per_fiber"] = bytes_per_fiber;
  state.counters["fibers"] = n;
}

const bool kRegistered =
    RegisterRuntimeBench({"rss_parked_fiber_bytes", 2, 1, ParkedFiberRss, /*iterations=*/1});

}  // namespace
}  // namespace stockd::bench
