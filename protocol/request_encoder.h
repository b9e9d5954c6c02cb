// protocol/request_encoder.h — encodes client requests (the client side of
// RESP), for the project's tests, benchmarks and load generators.
//
// AppendCommand(out, argv) appends "*<n>\r\n" and one "$<len>\r\n<arg>\r\n"
// per argument: the multibulk form every Redis client sends, binary-safe.
// REQUIRES: argv is not empty (an empty multibulk is skipped by servers).
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

#include "absl/types/span.h"

namespace stockd::protocol {

void AppendCommand(std::string* out, absl::Span<const std::string_view> argv);

inline std::string EncodeCommand(std::initializer_list<std::string_view> argv) {
  std::string s;
  AppendCommand(&s, absl::Span<const std::string_view>(argv.begin(), argv.size()));
  return s;
}

}  // namespace stockd::protocol
