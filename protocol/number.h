// protocol/number.h — Redis's strict integer syntax (util.c string2ll).
//
// StringToInt64 accepts exactly what Redis's string2ll accepts: an optional
// '-', then "0" alone or a digit 1-9 followed by digits; no '+', no blanks,
// no leading zeros, fewer than 21 characters, within int64. Used for the
// lengths in requests and replies, where Redis rejects anything else.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace stockd::protocol {

bool StringToInt64(const char* s, size_t len, int64_t* out);
inline bool StringToInt64(std::string_view s, int64_t* out) {
  return StringToInt64(s.data(), s.size(), out);
}

}  // namespace stockd::protocol
