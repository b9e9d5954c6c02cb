// Google Benchmark of protocol/: request parsing throughput (pipelines of
// small commands, inline commands, 4 KiB values) and the cost of each reply
// type in the writer. Targets (issue 3): >= 20 M small commands/s parsed on
// one core; >= 1 GB/s for 4 KiB values.
//
// Each parse iteration copies the pipeline into the InputBuffer the way a
// read() would (WritableSpace + Commit) and parses it to the end, touching
// every argument, so "items/s" is commands/s including that copy.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "benchmark/benchmark.h"
#include "protocol/parser.h"
#include "protocol/reply_decoder.h"
#include "protocol/reply_writer.h"

namespace {

using stockd::protocol::InputBuffer;
using stockd::protocol::OutputBuffer;
using stockd::protocol::Parser;
using stockd::protocol::Reply;
using stockd::protocol::ReplyDecoder;
using stockd::protocol::ReplyWriter;

std::string Bulk(std::string_view s) { return "$" + std::to_string(s.size()) + "\r\n" + std::string(s) + "\r\n"; }

std::string Key(int i) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "key:%06d", i);
  return buf;
}

std::string SetPipeline(int n, size_t value_size) {
  std::string s;
  std::string value(value_size, 'v');
  for (int i = 0; i < n; ++i) s += "*3\r\n" + Bulk("SET") + Bulk(Key(i)) + Bulk(value);
  return s;
}

std::string GetPipeline(int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += "*2\r\n" + Bulk("GET") + Bulk(Key(i));
  return s;
}

std::string InlinePipeline(int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += "SET " + Key(i) + " \"value with \\x41 escape\"\r\n";
  return s;
}

void ParsePipeline(benchmark::State& state, const std::string& bytes, int commands) {
  Parser parser;
  InputBuffer in;
  std::vector<std::string_view> argv;
  size_t checksum = 0;
  for (auto _ : state) {
    std::span<char> w = in.WritableSpace(bytes.size());
    std::memcpy(w.data(), bytes.data(), bytes.size());
    in.Commit(bytes.size());
    int got = 0;
    while (parser.Next(in, &argv) == Parser::Result::kCommand) {
      checksum += argv.back().size();
      ++got;
    }
    if (got != commands) state.SkipWithError("wrong command count");
  }
  benchmark::DoNotOptimize(checksum);
  state.SetItemsProcessed(state.iterations() * commands);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes.size()));
  state.counters["cmds/s"] = benchmark::Counter(static_cast<double>(state.iterations() * commands),
                                                benchmark::Counter::kIsRate);
}

void BM_ParseSet16(benchmark::State& state) { ParsePipeline(state, SetPipeline(16, 16), 16); }
BENCHMARK(BM_ParseSet16);

void BM_ParseGet16(benchmark::State& state) { ParsePipeline(state, GetPipeline(16), 16); }
BENCHMARK(BM_ParseGet16);

void BM_ParseInline16(benchmark::State& state) { ParsePipeline(state, InlinePipeline(16), 16); }
BENCHMARK(BM_ParseInline16);

void BM_ParseSet4KiB(benchmark::State& state) { ParsePipeline(state, SetPipeline(16, 4096), 16); }
BENCHMARK(BM_ParseSet4KiB);

void BM_ParseSet64KiB(benchmark::State& state) { ParsePipeline(state, SetPipeline(4, 64 * 1024), 4); }
BENCHMARK(BM_ParseSet64KiB);

// ---- writer: cost per reply (64 replies per iteration, then the buffer is
// drained as a write of everything would) ----

template <typename Fn>
void WriteReplies(benchmark::State& state, int resp, Fn fn) {
  OutputBuffer out;
  ReplyWriter w(&out, resp);
  constexpr int kPerIter = 64;
  for (auto _ : state) {
    for (int i = 0; i < kPerIter; ++i) fn(w, i);
    benchmark::DoNotOptimize(out.size());
    out.Consume(out.size());
  }
  state.SetItemsProcessed(state.iterations() * kPerIter);
}

void BM_WriteOk(benchmark::State& s) { WriteReplies(s, 2, [](ReplyWriter& w, int) { w.Ok(); }); }
BENCHMARK(BM_WriteOk);
void BM_WriteIntegerSmall(benchmark::State& s) { WriteReplies(s, 2, [](ReplyWriter& w, int i) { w.Integer(i); }); }
BENCHMARK(BM_WriteIntegerSmall);
void BM_WriteIntegerLarge(benchmark::State& s) {
  WriteReplies(s, 2, [](ReplyWriter& w, int i) { w.Integer(1234567890123LL + i); });
}
BENCHMARK(BM_WriteIntegerLarge);
void BM_WriteBulk16(benchmark::State& s) {
  WriteReplies(s, 2, [](ReplyWriter& w, int) { w.Bulk("0123456789abcdef"); });
}
BENCHMARK(BM_WriteBulk16);
void BM_WriteBulk4KiB(benchmark::State& s) {
  static const std::string v(4096, 'x');
  WriteReplies(s, 2, [](ReplyWriter& w, int) { w.Bulk(v); });
}
BENCHMARK(BM_WriteBulk4KiB);
void BM_WriteNull(benchmark::State& s) { WriteReplies(s, 2, [](ReplyWriter& w, int) { w.Null(); }); }
BENCHMARK(BM_WriteNull);
void BM_WriteError(benchmark::State& s) {
  WriteReplies(s, 2, [](ReplyWriter& w, int) { w.Error("ERR value is not an integer or out of range"); });
}
BENCHMARK(BM_WriteError);
void BM_WriteDouble(benchmark::State& s) {
  WriteReplies(s, 3, [](ReplyWriter& w, int i) { w.Double(i * 0.1); });
}
BENCHMARK(BM_WriteDouble);
void BM_WriteMap2Resp3(benchmark::State& s) {
  WriteReplies(s, 3, [](ReplyWriter& w, int i) {
    w.MapHeader(2);
    w.Bulk("stock");
    w.Integer(i);
    w.Bulk("sold");
    w.Boolean(true);
  });
}
BENCHMARK(BM_WriteMap2Resp3);
void BM_WriteBulkArray10(benchmark::State& s) {
  static const std::vector<std::string_view> items(10, "value-0123");
  WriteReplies(s, 2, [](ReplyWriter& w, int) { w.BulkArray(items); });
}
BENCHMARK(BM_WriteBulkArray10);

// ---- decoder (used by load generators) ----

void BM_DecodeReplies(benchmark::State& state) {
  OutputBuffer out;
  ReplyWriter w(&out, 3);
  for (int i = 0; i < 16; ++i) {
    w.Ok();
    w.Integer(i);
    w.Bulk("0123456789abcdef");
  }
  const std::string bytes = out.ToString();
  ReplyDecoder d;
  Reply r;
  for (auto _ : state) {
    d.Feed(bytes);
    while (d.Next(&r) == ReplyDecoder::Result::kReply) benchmark::DoNotOptimize(r.type);
  }
  state.SetItemsProcessed(state.iterations() * 48);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes.size()));
}
BENCHMARK(BM_DecodeReplies);

}  // namespace

BENCHMARK_MAIN();
