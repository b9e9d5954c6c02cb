// Fuzzes protocol::Parser with untrusted request bytes.
//
// Input: byte 0 chooses the limits (small ones reach the "too big" and
// "invalid length" paths with short inputs) and authentication; byte 1 seeds
// how the rest is split into reads. Checked properties, beyond "no crash, no
// leak, no UB" (ASan/UBSan):
//  * chunked parsing yields a prefix of the commands of a one-shot parse;
//  * if the chunked parse has no error, both results are identical;
//  * a chunked error that the one-shot parse does not have is a size limit
//    ("too big ..."), which Redis also evaluates per read;
//  * every argument lies inside the input buffer (zero-copy contract).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/parser.h"

namespace {

using stockd::protocol::InputBuffer;
using stockd::protocol::Parser;
using stockd::protocol::ParserLimits;

struct Outcome {
  std::vector<std::vector<std::string>> commands;
  std::string error;
};

void Check(bool ok) {
  if (!ok) std::abort();
}

void Drain(Parser& parser, InputBuffer& in, Outcome* out) {
  std::vector<std::string_view> argv;
  for (;;) {
    const char* lo = in.data();
    const char* hi = in.data() + in.size();
    Parser::Result r = parser.Next(in, &argv);
    if (r == Parser::Result::kCommand) {
      Check(!argv.empty());
      std::vector<std::string> cmd;
      for (std::string_view a : argv) {
        Check(a.data() >= lo && a.data() + a.size() <= hi);
        cmd.emplace_back(a);
      }
      out->commands.push_back(std::move(cmd));
      continue;
    }
    if (r == Parser::Result::kError) {
      out->error = std::string(parser.error());
      Check(!out->error.empty());
    } else {
      Check(argv.empty());
    }
    return;
  }
}

Outcome Run(std::string_view data, const ParserLimits& limits, bool auth, uint32_t split_seed) {
  Parser parser(limits);
  parser.SetAuthenticated(auth);
  InputBuffer in;
  Outcome out;
  size_t off = 0;
  uint32_t s = split_seed;
  while (off < data.size()) {
    size_t n = data.size() - off;
    if (split_seed != 0) {
      s = s * 1103515245u + 12345u;
      n = std::min<size_t>(n, 1 + (s >> 16) % 64);
    }
    std::span<char> w = in.WritableSpace(n);
    std::memcpy(w.data(), data.data() + off, n);
    in.Commit(n);
    off += n;
    Drain(parser, in, &out);
    if (!out.error.empty()) break;
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
  if (size < 2) return 0;
  const uint8_t mode = bytes[0];
  const uint32_t split_seed = bytes[1] | 1u;  // never 0: the second run is chunked
  std::string_view data(reinterpret_cast<const char*>(bytes) + 2, size - 2);

  ParserLimits limits;
  if (mode & 1) {
    limits.max_inline_len = 16 + (mode >> 2) * 4;
    limits.max_bulk_len = 64;
    limits.max_multibulk_len = 16;
  }
  const bool auth = (mode & 2) == 0;

  Outcome whole = Run(data, limits, auth, 0);
  Outcome chunked = Run(data, limits, auth, split_seed);

  Check(chunked.commands.size() <= whole.commands.size());
  for (size_t i = 0; i < chunked.commands.size(); ++i) Check(chunked.commands[i] == whole.commands[i]);
  if (chunked.error.empty()) {
    Check(whole.error.empty());
    Check(chunked.commands.size() == whole.commands.size());
  } else if (chunked.error != whole.error || chunked.commands.size() != whole.commands.size()) {
    Check(chunked.error.find("too big") != std::string::npos);
  }
  return 0;
}
