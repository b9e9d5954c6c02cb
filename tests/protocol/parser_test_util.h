// Test helper: drives a Parser the way a connection does (WritableSpace,
// Commit, Next until kNeedMore) over given chunks, collecting commands.
#pragma once

#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/parser.h"

namespace stockd::protocol::testing {

struct Parsed {
  std::vector<std::vector<std::string>> commands;
  std::vector<bool> inline_flags;
  std::string error;  // empty unless kError
  bool operator==(const Parsed& o) const {
    return commands == o.commands && inline_flags == o.inline_flags && error == o.error;
  }
};

inline void Drain(Parser& parser, InputBuffer& in, Parsed* out) {
  std::vector<std::string_view> argv;
  for (;;) {
    Parser::Result r = parser.Next(in, &argv);
    if (r == Parser::Result::kCommand) {
      out->commands.emplace_back(argv.begin(), argv.end());
      out->inline_flags.push_back(parser.inline_command());
      continue;
    }
    if (r == Parser::Result::kError) out->error = std::string(parser.error());
    return;
  }
}

inline Parsed ParseChunks(const std::vector<std::string>& chunks, ParserLimits limits = {},
                          bool authenticated = true) {
  Parser parser(limits);
  parser.SetAuthenticated(authenticated);
  InputBuffer in;
  Parsed out;
  for (const std::string& c : chunks) {
    std::span<char> w = in.WritableSpace(c.size());
    std::memcpy(w.data(), c.data(), c.size());
    in.Commit(c.size());
    Drain(parser, in, &out);
    if (!out.error.empty()) break;
  }
  return out;
}

inline Parsed ParseWhole(const std::string& bytes, ParserLimits limits = {}) {
  return ParseChunks({bytes}, limits);
}

// Splits `bytes` at the given cut points (ascending offsets).
inline std::vector<std::string> SplitAt(const std::string& bytes, const std::vector<size_t>& cuts) {
  std::vector<std::string> chunks;
  size_t prev = 0;
  for (size_t c : cuts) {
    chunks.push_back(bytes.substr(prev, c - prev));
    prev = c;
  }
  chunks.push_back(bytes.substr(prev));
  return chunks;
}

}  // namespace stockd::protocol::testing
