// engine/errors.h — Redis 7's error replies, written once (texts are part of
// the compatibility contract: clients and tests match them byte for byte).
#pragma once

#include <string>
#include <string_view>

namespace stockd::engine::errors {

inline constexpr std::string_view kSyntax = "ERR syntax error";
inline constexpr std::string_view kWrongType =
    "WRONGTYPE Operation against a key holding the wrong kind of value";
inline constexpr std::string_view kNotInteger = "ERR value is not an integer or out of range";
inline constexpr std::string_view kOverflow = "ERR increment or decrement would overflow";
inline constexpr std::string_view kNotFloat = "ERR value is not a valid float";
inline constexpr std::string_view kNanOrInf = "ERR increment would produce NaN or Infinity";
inline constexpr std::string_view kNoSuchKey = "ERR no such key";
inline constexpr std::string_view kDbIndex = "ERR DB index is out of range";
inline constexpr std::string_view kMaxBulk =
    "ERR string exceeds maximum allowed size (proto-max-bulk-len)";
inline constexpr std::string_view kOffsetRange = "ERR offset is out of range";
inline constexpr std::string_view kSameObject = "ERR source and destination objects are the same";
inline constexpr std::string_view kInvalidCursor = "ERR invalid cursor";
inline constexpr std::string_view kOutOfRange = "ERR value is out of range";
inline constexpr std::string_view kOutOfRangePositive = "ERR value is out of range, must be positive";
// A count of INT64_MIN (SRANDMEMBER, HRANDFIELD, ZRANDMEMBER: its negation overflows).
inline constexpr std::string_view kOutOfRangeLong =
    "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807";

// "ERR invalid expire time in 'set' command" (full_name as Redis's c->cmd->fullname).
inline std::string InvalidExpire(std::string_view full_name) {
  return "ERR invalid expire time in '" + std::string(full_name) + "' command";
}
// "ERR wrong number of arguments for 'get' command".
inline std::string WrongArity(std::string_view full_name) {
  return "ERR wrong number of arguments for '" + std::string(full_name) + "' command";
}

}  // namespace stockd::engine::errors
