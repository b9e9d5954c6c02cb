// Fuzzes every command's argument parsing: argv vectors decoded from the
// input, executed through engine::Engine::Execute (no storage, no server, no
// network), the command picked from the engine's command table by index so
// that every registered command's parser is reached.
//
// Input layout (all of it optional; a short input just ends the script):
//   byte 0            bit 0: RESP3 session; bits 1..2: commands - 1 (1..4)
//   per command:
//     2 bytes         index into Engine::commands().commands() (mod size)
//     1 byte          if the command has subcommands: which one (mod n+1;
//                     n = a fuzzed name instead)
//     1 byte          extra argument count (mod 8)
//     per argument:   1 length byte L (mod 64, so many arguments fit), then L
//                     bytes (fewer if the input ends)
// Several commands per input build state (SET then GETRANGE, MULTI then
// EXEC, STOCK.INIT then STOCK.BUY) in one fresh engine, so every run is
// independent of the ones before it (a crash reproduces from its input).
// Checked properties, beyond "no crash, no leak, no UB" (ASan/UBSan):
//  * every Execute writes exactly one complete, well-formed RESP reply in the
//    session's protocol (RESP2 sessions never see RESP3 types).
// Scripting commands (EVAL, FCALL, FUNCTION LOAD, ...) whose arguments contain
// a loop or recursion keyword are skipped: an endless script is the
// documented behaviour (SCRIPT KILL stops it), not a parser bug, and would
// read as a fuzzer timeout.
#include <cstddef>
#include <cstdio>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "engine/engine.h"
#include "protocol/output_buffer.h"
#include "protocol/reply_decoder.h"
#include "protocol/reply_writer.h"

namespace {

using stockd::engine::Command;
using stockd::engine::Engine;
using stockd::engine::EngineOptions;
using stockd::engine::Session;

void Check(bool ok) {
  if (!ok) std::abort();
}

class Input {
 public:
  Input(const uint8_t* data, size_t size) : p_(data), end_(data + size) {}
  bool empty() const { return p_ == end_; }
  uint8_t Byte() { return p_ == end_ ? 0 : *p_++; }
  std::string Bytes(size_t n) {
    n = std::min<size_t>(n, end_ - p_);
    std::string s(reinterpret_cast<const char*>(p_), n);
    p_ += n;
    return s;
  }

 private:
  const uint8_t* p_;
  const uint8_t* end_;
};

bool Scripted(const Command& cmd, const std::vector<std::string>& argv) {
  const std::string_view group = (cmd.parent() ? cmd.parent() : &cmd)->spec().group;
  if (group != "scripting") return false;
  static constexpr std::string_view kKeywords[] = {"while", "repeat", "for", "goto", "function", "rep", "concat",
                                                   "load", "dofile", "pcall", "coroutine"};
  for (const auto& a : argv) {
    for (std::string_view k : kKeywords) {
      if (a.find(k) != std::string::npos) return true;
    }
  }
  return false;
}

// RESP2 clients only ever see + - : $ * (and the RESP2 nulls $-1 / *-1).
bool Resp2Only(const stockd::protocol::Reply& r) {
  using stockd::protocol::ReplyType;
  switch (r.type) {
    case ReplyType::kSimpleString:
    case ReplyType::kError:
    case ReplyType::kInteger:
    case ReplyType::kBulk:
      break;
    case ReplyType::kNull:
      if (r.null_prefix == '_') return false;
      break;
    case ReplyType::kArray:
      for (const auto& e : r.elements) {
        if (!Resp2Only(e)) return false;
      }
      break;
    default:
      return false;
  }
  return r.attributes.empty();
}

EngineOptions Options() {
  EngineOptions o;
  o.databases = 2;
  o.shards_per_db = 2;
  o.clock = [] { return int64_t{1700000000000}; };
  o.proto_max_bulk_len = 1 << 20;  // keeps SETRANGE/APPEND/SETBIT allocations under the RSS limit
  return o;
}

}  // namespace

// STOCKD_FUZZ_LIST_COMMANDS=1 prints the table (index, name, arity) and exits:
// to read a reproducer's command indexes, or to write seeds.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (std::getenv("STOCKD_FUZZ_LIST_COMMANDS") == nullptr) return 0;
  Engine engine(Options());
  const auto& table = engine.commands().commands();
  for (size_t i = 0; i < table.size(); ++i) {
    std::printf("%zu %.*s %d %zu\n", i, static_cast<int>(table[i]->name().size()), table[i]->name().data(),
                table[i]->spec().arity, table[i]->subcommands().size());
  }
  std::exit(0);
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 2048) return 0;
  Input in(data, size);
  const uint8_t head = in.Byte();
  Engine engine(Options());
  const auto& table = engine.commands().commands();
  Check(!table.empty());
  Session session;
  session.resp = (head & 1) ? 3 : 2;
  session.no_block = true;  // blocking commands answer as on a timeout instead of parking
  const int commands = 1 + ((head >> 1) & 3);
  for (int c = 0; c < commands && !in.empty(); ++c) {
    const size_t index = ((size_t{in.Byte()} << 8) | in.Byte()) % table.size();
    const Command& cmd = *table[index];
    std::vector<std::string> argv = {std::string(cmd.name())};
    const Command* row = &cmd;
    if (cmd.is_container()) {
      const auto& subs = cmd.subcommands();
      const size_t pick = in.Byte() % (subs.size() + 1);
      if (pick < subs.size()) {
        row = subs[pick];
        argv.emplace_back(subs[pick]->name());
      } else {
        argv.push_back(in.Bytes(in.Byte() % 16));
      }
    }
    const int extra = in.Byte() % 8;
    for (int i = 0; i < extra; ++i) argv.push_back(in.Bytes(in.Byte() % 64));
    if (Scripted(*row, argv)) return 0;

    std::vector<std::string_view> views(argv.begin(), argv.end());
    stockd::protocol::OutputBuffer out;
    stockd::protocol::ReplyWriter writer(&out, session.resp);
    engine.Execute(session, absl::MakeConstSpan(views), writer);
    const std::string bytes = out.ToString();

    stockd::protocol::ReplyDecoder decoder;
    decoder.Feed(bytes);
    stockd::protocol::Reply reply;
    Check(decoder.Next(&reply) == stockd::protocol::ReplyDecoder::Result::kReply);
    Check(decoder.buffered() == 0);
    if (session.resp == 2) Check(Resp2Only(reply));
  }
  return 0;
}
