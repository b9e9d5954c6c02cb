#include "protocol/inline_split.h"

#include <cstring>

namespace stockd::protocol {
namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

bool IsHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

}  // namespace

bool SplitInlineArgs(char* line, size_t len, std::vector<std::string_view>* argv) {
  if (const void* nul = std::memchr(line, '\0', len)) {
    len = static_cast<size_t>(static_cast<const char*>(nul) - line);
  }
  // at(i): the byte at i, or NUL past the end, as on a C string.
  auto at = [line, len](size_t i) -> char { return i < len ? line[i] : '\0'; };
  size_t r = 0;
  for (;;) {
    while (r < len && IsSpace(line[r])) ++r;
    if (r >= len) return true;
    bool in_dq = false;
    bool in_sq = false;
    bool done = false;
    const size_t start = r;
    size_t w = r;  // decoded bytes are written at w <= r
    while (!done) {
      char c = at(r);
      if (in_dq) {
        if (c == '\\' && at(r + 1) == 'x' && IsHex(at(r + 2)) && IsHex(at(r + 3))) {
          line[w++] = static_cast<char>(HexValue(at(r + 2)) * 16 + HexValue(at(r + 3)));
          r += 3;
        } else if (c == '\\' && at(r + 1) != '\0') {
          ++r;
          char e = line[r];
          switch (e) {
            case 'n': e = '\n'; break;
            case 'r': e = '\r'; break;
            case 't': e = '\t'; break;
            case 'b': e = '\b'; break;
            case 'a': e = '\a'; break;
            default: break;
          }
          line[w++] = e;
        } else if (c == '"') {
          // The closing quote must be followed by a blank or nothing.
          if (at(r + 1) != '\0' && !IsSpace(at(r + 1))) return false;
          done = true;
        } else if (c == '\0') {
          return false;  // unterminated quotes
        } else {
          line[w++] = c;
        }
      } else if (in_sq) {
        if (c == '\\' && at(r + 1) == '\'') {
          ++r;
          line[w++] = '\'';
        } else if (c == '\'') {
          if (at(r + 1) != '\0' && !IsSpace(at(r + 1))) return false;
          done = true;
        } else if (c == '\0') {
          return false;
        } else {
          line[w++] = c;
        }
      } else {
        switch (c) {
          case ' ':
          case '\n':
          case '\r':
          case '\t':
          case '\0':
            done = true;
            break;
          case '"':
            in_dq = true;
            break;
          case '\'':
            in_sq = true;
            break;
          default:
            line[w++] = c;
            break;
        }
      }
      if (at(r) != '\0') ++r;
    }
    argv->emplace_back(line + start, w - start);
  }
}

}  // namespace stockd::protocol
