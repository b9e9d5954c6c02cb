// engine/args.cc — Redis-exact parsing and formatting of numbers (see args.h).
#include "engine/args.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <cstdint>

#include "engine/errors.h"

namespace stockd::engine {

namespace {
constexpr size_t kMaxLongDoubleChars = 5 * 1024;
}

bool ParseLongDoubleArg(std::string_view s, long double* out) {
  char buf[kMaxLongDoubleChars];
  if (s.empty() || s.size() >= sizeof(buf)) return false;
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = '\0';
  errno = 0;
  char* end = nullptr;
  long double v = strtold(buf, &end);
  if (std::isspace(static_cast<unsigned char>(buf[0])) || end[0] != '\0' ||
      (errno == ERANGE && (v == HUGE_VALL || v == -HUGE_VALL || std::fpclassify(v) == FP_ZERO)) ||
      errno == EINVAL || std::isnan(v)) {
    return false;
  }
  *out = v;
  return true;
}

bool ParseDbIndex(std::string_view s, int databases, int* out, std::string_view* error) {
  int64_t v;
  if (!ParseStrictInt64(s, &v) || v < INT32_MIN || v > INT32_MAX) {
    *error = "ERR value is not an integer or out of range";
    return false;
  }
  if (v < 0 || v >= databases) {
    *error = "ERR DB index is out of range";
    return false;
  }
  *out = static_cast<int>(v);
  return true;
}

int FormatLongDoubleHuman(long double v, char* buf, int len) {
  if (std::isnan(v) || std::isinf(v)) return 0;
  int l = snprintf(buf, static_cast<size_t>(len), "%.17Lf", v);
  if (l < 0 || l + 1 > len) return 0;
  if (std::memchr(buf, '.', static_cast<size_t>(l)) != nullptr) {
    char* p = buf + l - 1;
    while (*p == '0') {
      --p;
      --l;
    }
    if (*p == '.') --l;
  }
  if (l == 2 && buf[0] == '-' && buf[1] == '0') {
    buf[0] = '0';
    l = 1;
  }
  return l;
}

bool ParseMPopArgs(absl::Span<const std::string_view> argv, size_t numkeys_at, std::string_view first,
                   std::string_view second, MPopArgs* out, std::string_view* error) {
  auto fail = [error](std::string_view text) {
    *error = text;
    return false;
  };
  int64_t numkeys;
  if (!ParseInt64Arg(argv[numkeys_at], &numkeys) || numkeys <= 0) return fail("ERR numkeys should be greater than 0");
  // The FIRST|SECOND word follows the keys: argv[numkeys_at + numkeys + 1] must exist.
  if (numkeys >= static_cast<int64_t>(argv.size() - numkeys_at - 1)) return fail(errors::kSyntax);
  const size_t where = numkeys_at + 1 + static_cast<size_t>(numkeys);
  if (EqualsIgnoreCase(argv[where], first)) {
    out->second = false;
  } else if (EqualsIgnoreCase(argv[where], second)) {
    out->second = true;
  } else {
    return fail(errors::kSyntax);
  }
  bool has_count = false;
  for (size_t i = where + 1; i < argv.size(); ++i) {
    if (has_count || !EqualsIgnoreCase(argv[i], "count") || i + 1 == argv.size()) return fail(errors::kSyntax);
    int64_t count;
    if (!ParseInt64Arg(argv[++i], &count) || count <= 0) return fail("ERR count should be greater than 0");
    out->count = static_cast<size_t>(count);
    has_count = true;
  }
  out->keys = argv.subspan(numkeys_at + 1, static_cast<size_t>(numkeys));
  return true;
}

}  // namespace stockd::engine
