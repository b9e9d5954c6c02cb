// engine/glob.cc — a bounds-checked port of Redis 7's stringmatchlen (see glob.h).
#include "engine/glob.h"

#include <cctype>

namespace stockd::engine {
namespace {

int Lower(char c) { return std::tolower(static_cast<unsigned char>(c)); }

bool MatchImpl(const char* p, size_t plen, const char* s, size_t slen, bool nocase,
               bool* skip_longer) {
  while (plen > 0 && slen > 0) {
    switch (p[0]) {
      case '*': {
        while (plen > 1 && p[1] == '*') {
          ++p;
          --plen;
        }
        if (plen == 1) return true;
        while (slen > 0) {
          if (MatchImpl(p + 1, plen - 1, s, slen, nocase, skip_longer)) return true;
          if (*skip_longer) return false;
          ++s;
          --slen;
        }
        // No match of the rest anywhere in the rest of the string: an earlier
        // '*' matching more cannot help either.
        *skip_longer = true;
        return false;
      }
      case '?':
        ++s;
        --slen;
        break;
      case '[': {
        ++p;
        --plen;
        const bool negate = plen > 0 && p[0] == '^';
        if (negate) {
          ++p;
          --plen;
        }
        bool match = false;
        for (;;) {
          if (plen == 0) {
            // Unterminated class: step back so the outer advance lands at the end.
            --p;
            ++plen;
            break;
          }
          if (p[0] == '\\' && plen >= 2) {
            ++p;
            --plen;
            if (p[0] == s[0]) match = true;
          } else if (p[0] == ']') {
            break;
          } else if (plen >= 3 && p[1] == '-') {
            int start = static_cast<unsigned char>(p[0]);
            int end = static_cast<unsigned char>(p[2]);
            int c = static_cast<unsigned char>(s[0]);
            if (start > end) std::swap(start, end);
            if (nocase) {
              start = std::tolower(start);
              end = std::tolower(end);
              c = std::tolower(c);
            }
            p += 2;
            plen -= 2;
            if (c >= start && c <= end) match = true;
          } else if (nocase ? Lower(p[0]) == Lower(s[0]) : p[0] == s[0]) {
            match = true;
          }
          ++p;
          --plen;
        }
        if (negate) match = !match;
        if (!match) return false;
        ++s;
        --slen;
        break;
      }
      case '\\':
        if (plen >= 2) {
          ++p;
          --plen;
        }
        [[fallthrough]];
      default:
        if (nocase ? Lower(p[0]) != Lower(s[0]) : p[0] != s[0]) return false;
        ++s;
        --slen;
        break;
    }
    ++p;
    --plen;
    if (slen == 0) {
      while (plen > 0 && p[0] == '*') {
        ++p;
        --plen;
      }
      break;
    }
  }
  return plen == 0 && slen == 0;
}

}  // namespace

bool GlobMatch(std::string_view pattern, std::string_view subject, bool nocase) {
  bool skip_longer = false;
  return MatchImpl(pattern.data(), pattern.size(), subject.data(), subject.size(), nocase,
                   &skip_longer);
}

}  // namespace stockd::engine
