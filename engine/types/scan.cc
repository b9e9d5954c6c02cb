// engine/types/scan.cc — see scan.h.
#include "engine/types/scan.h"

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <string>

#include "engine/args.h"
#include "engine/command_context.h"
#include "engine/errors.h"
#include "engine/glob.h"
#include "engine/key_hash.h"

namespace stockd::engine {

bool ParseScanArgs(CommandContext& ctx, ScanArgs* out) {
  // Redis's parseScanCursorOrReply: strtoul over the whole argument.
  {
    std::string c(ctx.argv[2]);
    char* end = nullptr;
    errno = 0;
    out->cursor = strtoull(c.c_str(), &end, 10);
    if ((!c.empty() && std::isspace(static_cast<unsigned char>(c[0]))) || *end != '\0' ||
        errno == ERANGE) {
      ctx.Error(errors::kInvalidCursor);
      return false;
    }
  }
  for (size_t i = 3; i < ctx.argv.size();) {
    const bool has_value = i + 1 < ctx.argv.size();
    if (EqualsIgnoreCase(ctx.argv[i], "count") && has_value) {
      if (!ParseInt64Arg(ctx.argv[i + 1], &out->count)) {
        ctx.Error(errors::kNotInteger);
        return false;
      }
      if (out->count < 1) {
        ctx.Error(errors::kSyntax);
        return false;
      }
      i += 2;
    } else if (EqualsIgnoreCase(ctx.argv[i], "match") && has_value) {
      out->pattern = ctx.argv[i + 1];
      if (*out->pattern == "*") out->pattern.reset();
      i += 2;
    } else {
      ctx.Error(errors::kSyntax);
      return false;
    }
  }
  return true;
}

uint64_t ScanPosition(std::string_view element) {
  // A different mix than the key hash, so positions do not correlate with shards.
  return ((KeyHash(element) * 0x9e3779b97f4a7c15ULL) >> 1) + 1;
}

bool ScanMatches(const ScanArgs& args, std::string_view element) {
  return !args.pattern || GlobMatch(*args.pattern, element);
}

}  // namespace stockd::engine
