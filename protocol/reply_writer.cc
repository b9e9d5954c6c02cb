#include "protocol/reply_writer.h"

#include <array>
#include <cassert>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace stockd::protocol {
namespace {

// A table of "<prefix><n>\r\n" for n in [0, N): each entry in a fixed slot of
// kStride bytes, its length in the slot's last byte. Built at compile time so
// frequent replies are one memcpy from static memory.
template <char kPrefix, int N>
struct HeaderTable {
  static constexpr int kStride = 8;  // ":9999\r\n" is 7 bytes + length byte
  std::array<char, N * kStride> bytes{};
  constexpr HeaderTable() {
    for (int n = 0; n < N; ++n) {
      char digits[8] = {};
      int d = 0;
      int v = n;
      do {
        digits[d++] = static_cast<char>('0' + v % 10);
        v /= 10;
      } while (v > 0);
      char* slot = bytes.data() + n * kStride;
      int len = 0;
      slot[len++] = kPrefix;
      while (d > 0) slot[len++] = digits[--d];
      slot[len++] = '\r';
      slot[len++] = '\n';
      slot[kStride - 1] = static_cast<char>(len);
    }
  }
  std::string_view Get(int n) const {
    const char* slot = bytes.data() + n * kStride;
    return std::string_view(slot, static_cast<size_t>(slot[kStride - 1]));
  }
};

constexpr int kSharedIntegers = 10000;  // as Redis's OBJ_SHARED_INTEGERS
constexpr int kSharedHeaders = 1000;
constexpr HeaderTable<':', kSharedIntegers> kIntegers;
constexpr HeaderTable<'*', kSharedHeaders> kArrayHeaders;
constexpr HeaderTable<'$', kSharedHeaders> kBulkHeaders;

constexpr std::string_view kCrlf = "\r\n";

// Writes "<prefix><v>\r\n" into buf (at least 24 bytes); returns the view.
std::string_view FormatHeader(char* buf, char prefix, uint64_t v, bool negative) {
  char* end = buf + 24;
  char* p = end;
  *--p = '\n';
  *--p = '\r';
  do {
    *--p = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v > 0);
  if (negative) *--p = '-';
  *--p = prefix;
  return std::string_view(p, static_cast<size_t>(end - p));
}

}  // namespace

void ReplyWriter::Header(char prefix, uint64_t n) {
  if (n < static_cast<uint64_t>(kSharedHeaders)) {
    if (prefix == '*') return out_->Append(kArrayHeaders.Get(static_cast<int>(n)));
    if (prefix == '$') return out_->Append(kBulkHeaders.Get(static_cast<int>(n)));
  }
  char buf[24];
  out_->Append(FormatHeader(buf, prefix, n, false));
}

void ReplyWriter::SimpleString(std::string_view s) {
  out_->Append('+');
  out_->Append(s);
  out_->Append(kCrlf);
}

void ReplyWriter::Ok() { out_->Append(std::string_view("+OK\r\n")); }

void ReplyWriter::Error(std::string_view msg) {
  ++errors_written_;
  if (!msg.empty() && msg[0] == '-') msg.remove_prefix(1);
  if (msg.empty()) {
    out_->Append(std::string_view("-ERR\r\n"));
    return;
  }
  out_->Append('-');
  // Replace CR/LF so the error stays on one line (addReplyErrorLength).
  size_t start = 0;
  for (size_t i = 0; i < msg.size(); ++i) {
    if (msg[i] == '\r' || msg[i] == '\n') {
      out_->Append(msg.substr(start, i - start));
      out_->Append(' ');
      start = i + 1;
    }
  }
  out_->Append(msg.substr(start));
  out_->Append(kCrlf);
}

void ReplyWriter::Integer(int64_t v) {
  if (v >= 0 && v < kSharedIntegers) {
    out_->Append(kIntegers.Get(static_cast<int>(v)));
    return;
  }
  char buf[24];
  uint64_t mag = v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  out_->Append(FormatHeader(buf, ':', mag, v < 0));
}

void ReplyWriter::Bulk(std::string_view s) {
  Header('$', s.size());
  out_->Append(s);
  out_->Append(kCrlf);
}

void ReplyWriter::Null() {
  out_->Append(resp_ >= 3 ? std::string_view("_\r\n") : std::string_view("$-1\r\n"));
}

void ReplyWriter::NullArray() {
  out_->Append(resp_ >= 3 ? std::string_view("_\r\n") : std::string_view("*-1\r\n"));
}

void ReplyWriter::ArrayHeader(size_t n) { Header('*', n); }

void ReplyWriter::MapHeader(size_t pairs) {
  if (resp_ >= 3) {
    Header('%', pairs);
  } else {
    Header('*', pairs * 2);
  }
}

void ReplyWriter::SetHeader(size_t n) { Header(resp_ >= 3 ? '~' : '*', n); }

void ReplyWriter::PushHeader(size_t n) { Header(resp_ >= 3 ? '>' : '*', n); }

void ReplyWriter::Double(double d) {
  if (std::isinf(d)) {
    if (resp_ >= 3) {
      out_->Append(d > 0 ? std::string_view(",inf\r\n") : std::string_view(",-inf\r\n"));
    } else {
      Bulk(d > 0 ? "inf" : "-inf");
    }
    return;
  }
  char buf[64];
  int len = std::snprintf(buf, sizeof(buf), "%.17g", d);
  DoubleText(std::string_view(buf, static_cast<size_t>(len)));
}

void ReplyWriter::DoubleText(std::string_view text) {
  if (resp_ >= 3) {
    out_->Append(',');
    out_->Append(text);
    out_->Append(kCrlf);
  } else {
    Bulk(text);
  }
}

void ReplyWriter::Boolean(bool b) {
  if (resp_ >= 3) {
    out_->Append(b ? std::string_view("#t\r\n") : std::string_view("#f\r\n"));
  } else {
    out_->Append(b ? std::string_view(":1\r\n") : std::string_view(":0\r\n"));
  }
}

void ReplyWriter::BigNumber(std::string_view digits) {
  if (resp_ >= 3) {
    out_->Append('(');
    out_->Append(digits);
    out_->Append(kCrlf);
  } else {
    Bulk(digits);
  }
}

void ReplyWriter::Verbatim(std::string_view format3, std::string_view text) {
  if (resp_ < 3) {
    Bulk(text);
    return;
  }
  assert(format3.size() == 3);
  Header('=', text.size() + 4);
  out_->Append(format3.substr(0, 3));
  out_->Append(':');
  out_->Append(text);
  out_->Append(kCrlf);
}

void ReplyWriter::BulkArray(absl::Span<const std::string_view> items) {
  ArrayHeader(items.size());
  for (std::string_view s : items) Bulk(s);
}

void ReplyWriter::Raw(std::string_view resp_bytes) { out_->Append(resp_bytes); }

void ReplyWriter::FillDeferred(Deferred d, char prefix, uint64_t n) {
  char buf[24];
  out_->FillSlot(d.slot, FormatHeader(buf, prefix, n, false));
}

void ReplyWriter::SetDeferredArrayLen(Deferred d, size_t n) { FillDeferred(d, '*', n); }

void ReplyWriter::SetDeferredMapLen(Deferred d, size_t pairs) {
  if (resp_ >= 3) {
    FillDeferred(d, '%', pairs);
  } else {
    FillDeferred(d, '*', pairs * 2);
  }
}

void ReplyWriter::SetDeferredSetLen(Deferred d, size_t n) { FillDeferred(d, resp_ >= 3 ? '~' : '*', n); }

}  // namespace stockd::protocol
