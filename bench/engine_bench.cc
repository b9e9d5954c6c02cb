// bench/engine_bench.cc — the engine's dispatch path without a network:
// Engine::Execute of SET/GET/INCR/MSET on 100k keys, single-threaded and with
// two threads (distinct keys, and the same hot key as in a flash sale).
// Run: ./engine_bench   (numbers are per command, including the RESP reply)
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "engine/engine.h"

namespace {

using stockd::engine::Engine;
using stockd::engine::Session;
using stockd::protocol::OutputBuffer;
using stockd::protocol::ReplyWriter;

constexpr int kKeys = 100000;

const std::vector<std::string>& Keys() {
  static const std::vector<std::string> keys = [] {
    std::vector<std::string> k;
    for (int i = 0; i < kKeys; ++i) k.push_back("key:" + std::to_string(i));
    return k;
  }();
  return keys;
}

Engine& SharedEngine() {
  static Engine* engine = [] {
    auto* e = new Engine();
    for (const auto& k : Keys()) e->Execute({"SET", k, "xxx"});
    return e;
  }();
  return *engine;
}

template <class MakeArgv>
void RunCommands(benchmark::State& state, MakeArgv make) {
  Engine& engine = SharedEngine();
  Session session;
  OutputBuffer out;
  ReplyWriter writer(&out);
  uint64_t i = static_cast<uint64_t>(state.thread_index()) * 7919;
  for (auto _ : state) {
    auto argv = make(i++);
    engine.Execute(session, argv, writer);
    if (out.size() > (1 << 20)) out.Clear();
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_Set(benchmark::State& state) {
  RunCommands(state, [](uint64_t i) {
    return std::vector<std::string_view>{"SET", Keys()[i % kKeys], "xxx"};
  });
}
void BM_Get(benchmark::State& state) {
  RunCommands(state, [](uint64_t i) {
    return std::vector<std::string_view>{"GET", Keys()[i % kKeys]};
  });
}
void BM_IncrOwnKey(benchmark::State& state) {
  std::string key = "counter:" + std::to_string(state.thread_index());
  RunCommands(state, [&](uint64_t) { return std::vector<std::string_view>{"INCR", key}; });
}
void BM_DecrByHotKey(benchmark::State& state) {
  RunCommands(state, [](uint64_t) {
    return std::vector<std::string_view>{"DECRBY", "stock:hot", "1"};
  });
}
void BM_MSet10(benchmark::State& state) {
  RunCommands(state, [](uint64_t i) {
    std::vector<std::string_view> argv = {"MSET"};
    for (uint64_t j = 0; j < 10; ++j) {
      argv.push_back(Keys()[(i * 10 + j) % kKeys]);
      argv.push_back("xxx");
    }
    return argv;
  });
}

BENCHMARK(BM_Set)->Threads(1)->Threads(2);
BENCHMARK(BM_Get)->Threads(1)->Threads(2);
BENCHMARK(BM_IncrOwnKey)->Threads(1)->Threads(2);
BENCHMARK(BM_DecrByHotKey)->Threads(1)->Threads(2);
BENCHMARK(BM_MSet10)->Threads(1)->Threads(2);

}  // namespace

BENCHMARK_MAIN();
