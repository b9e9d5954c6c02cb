// engine/args.h — typed parsing of command arguments, with Redis's exact
// acceptance rules (so "ERR value is not an integer or out of range" and
// "ERR value is not a valid float" fire on the same inputs as in Redis 7).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "absl/types/span.h"
#include "engine/value.h"

namespace stockd::engine {

// Redis's string2ll / getLongLongFromObject: canonical decimal int64 only.
inline bool ParseInt64Arg(std::string_view s, int64_t* out) { return ParseStrictInt64(s, out); }

// A plain decimal integer ([+-] then 1 to 15 digits) as a double: exactly
// what strtod gives for it ("-0" is -0.0), without strtod. False for anything
// else, which the caller then parses the slow way (ZADD scores, Lua tonumber).
inline bool ParseSmallIntegerAsDouble(std::string_view s, double* out) {
  size_t i = 0;
  const bool neg = !s.empty() && s[0] == '-';
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) i = 1;
  const size_t digits = s.size() - i;
  if (digits == 0 || digits > 15) return false;
  uint64_t v = 0;
  for (; i < s.size(); ++i) {
    const unsigned d = static_cast<unsigned>(static_cast<unsigned char>(s[i])) - '0';
    if (d > 9) return false;
    v = v * 10 + d;
  }
  *out = neg ? -static_cast<double>(v) : static_cast<double>(v);
  return true;
}

// Redis's string2ld (getLongDoubleFromObject): strtold over the whole text; no
// leading space, no trailing bytes, not NaN; at most 5 KiB.
bool ParseLongDoubleArg(std::string_view s, long double* out);

// A database index as Redis's getIntFromObjectOrReply + selectDb: false with
// *error = "ERR value is not an integer or out of range" or "ERR DB index is
// out of range".
bool ParseDbIndex(std::string_view s, int databases, int* out, std::string_view* error);

// The most elements a random reply with repetitions (SRANDMEMBER, HRANDFIELD,
// ZRANDMEMBER with a negative count) may hold. Unlike every other reply it is
// not bounded by the data, and it is built whole under the key's shard lock:
// `SRANDMEMBER s -4611686018427387905` grew one reply by 0.3 GB a second
// until the machine ran out of memory, while the shard's other clients waited
// (redis-server 7.0 dies the same way). A larger count on an existing key is
// refused with errors::kOutOfRange.
inline constexpr int64_t kMaxRepeatedCount = int64_t{1} << 24;

// The arguments LMPOP/BLMPOP and ZMPOP/BZMPOP share, from argv[numkeys_at]:
// `numkeys key [key ...] FIRST|SECOND [COUNT count]`, where the two words are
// LEFT|RIGHT or MIN|MAX (given lowercase). Checked in the order of Redis's
// lmpopGenericCommand / zmpopGenericCommand.
struct MPopArgs {
  absl::Span<const std::string_view> keys;
  bool second = false;  // the second word (RIGHT, MAX) was given
  size_t count = 1;
};
// False with *error set to the error reply's text when argv does not parse.
bool ParseMPopArgs(absl::Span<const std::string_view> argv, size_t numkeys_at, std::string_view first,
                   std::string_view second, MPopArgs* out, std::string_view* error);

// Case-insensitive ASCII equality with a lowercase literal (option names).
inline bool EqualsIgnoreCase(std::string_view arg, std::string_view lower) {
  if (arg.size() != lower.size()) return false;
  for (size_t i = 0; i < arg.size(); ++i) {
    char c = arg[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + ('a' - 'A'));
    if (c != lower[i]) return false;
  }
  return true;
}

// Formats a long double as Redis's ld2string(LD_STR_HUMAN): "%.17Lf" with
// trailing zeros (and a trailing '.') removed; "-0" becomes "0". Returns the
// length written into buf (which must hold at least 5 KiB + 32 bytes... in
// practice 400 bytes suffice for finite values of INCRBYFLOAT). Returns 0
// for NaN/Inf.
int FormatLongDoubleHuman(long double v, char* buf, int len);

}  // namespace stockd::engine
