// engine/rdb/legacy.cc — see legacy.h.
#include "engine/rdb/legacy.h"

namespace stockd::engine::rdb {
namespace {

uint64_t Le(const uint8_t* p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

int64_t SignedLe(const uint8_t* p, int n) {
  const uint64_t u = Le(p, n);
  if (n == 8) return static_cast<int64_t>(u);
  const uint64_t m = uint64_t{1} << (8 * n - 1);
  return static_cast<int64_t>((u ^ m) - m);
}

}  // namespace

bool ParseIntset(std::string_view blob, std::vector<int64_t>* out) {
  out->clear();
  if (blob.size() < 8) return false;
  const uint8_t* p = reinterpret_cast<const uint8_t*>(blob.data());
  const uint64_t enc = Le(p, 4);
  if (enc != 2 && enc != 4 && enc != 8) return false;
  const uint64_t count = Le(p + 4, 4);
  if ((blob.size() - 8) / enc != count || (blob.size() - 8) % enc != 0) return false;
  out->reserve(count);
  for (uint64_t i = 0; i < count; ++i) {
    const int64_t v = SignedLe(p + 8 + i * enc, static_cast<int>(enc));
    if (!out->empty() && v <= out->back()) return false;  // sorted, no duplicates
    out->push_back(v);
  }
  return true;
}

std::string BuildIntset(const std::vector<int64_t>& ascending) {
  int enc = 2;
  for (int64_t v : ascending) {
    if (v < INT32_MIN || v > INT32_MAX) {
      enc = 8;
    } else if ((v < INT16_MIN || v > INT16_MAX) && enc < 4) {
      enc = 4;
    }
  }
  std::string out;
  auto put = [&](uint64_t v, int n) {
    for (int i = 0; i < n; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  };
  put(static_cast<uint64_t>(enc), 4);
  put(ascending.size(), 4);
  for (int64_t v : ascending) put(static_cast<uint64_t>(v), enc);
  return out;
}

bool ParseZiplist(std::string_view blob, std::vector<std::string>* out) {
  out->clear();
  constexpr size_t kHeader = 10;
  if (blob.size() < kHeader + 1) return false;
  const uint8_t* p = reinterpret_cast<const uint8_t*>(blob.data());
  if (Le(p, 4) != blob.size()) return false;
  const uint64_t tail = Le(p + 4, 4);
  const uint64_t count = Le(p + 8, 2);
  const size_t end = blob.size() - 1;
  if (p[end] != 0xFF) return false;
  size_t pos = kHeader, prev_len = 0, last_start = kHeader;
  while (pos < end) {
    const size_t start = pos;
    // prevlen: 1 byte, or 0xFE + 4 bytes.
    size_t prevlen;
    if (p[pos] < 254) {
      prevlen = p[pos++];
    } else if (p[pos] == 254) {
      if (end - pos < 5) return false;
      prevlen = Le(p + pos + 1, 4);
      pos += 5;
    } else {
      return false;
    }
    if (prevlen != prev_len) return false;
    if (pos >= end) return false;
    const uint8_t c = p[pos];
    auto need = [&](size_t n) { return end - pos >= n; };
    std::string value;
    if ((c >> 6) == 0) {
      const size_t len = c & 0x3f;
      if (!need(1 + len)) return false;
      value.assign(blob.substr(pos + 1, len));
      pos += 1 + len;
    } else if ((c >> 6) == 1) {
      if (!need(2)) return false;
      const size_t len = (size_t{c & 0x3fu} << 8) | p[pos + 1];
      if (!need(2 + len)) return false;
      value.assign(blob.substr(pos + 2, len));
      pos += 2 + len;
    } else if (c == 0x80) {
      if (!need(5)) return false;
      const uint64_t len = (uint64_t{p[pos + 1]} << 24) | (uint64_t{p[pos + 2]} << 16) |
                           (uint64_t{p[pos + 3]} << 8) | p[pos + 4];
      if (!need(5 + len)) return false;
      value.assign(blob.substr(pos + 5, len));
      pos += 5 + len;
    } else {
      int bytes;
      int64_t v;
      switch (c) {
        case 0xC0: bytes = 2; break;
        case 0xD0: bytes = 4; break;
        case 0xE0: bytes = 8; break;
        case 0xF0: bytes = 3; break;
        case 0xFE: bytes = 1; break;
        default:
          if (c >= 0xF1 && c <= 0xFD) {
            bytes = 0;
            break;
          }
          return false;
      }
      if (!need(1 + bytes)) return false;
      v = bytes == 0 ? (c & 0x0f) - 1 : SignedLe(p + pos + 1, bytes);
      value = std::to_string(v);
      pos += 1 + bytes;
    }
    prev_len = pos - start;
    last_start = start;
    out->push_back(std::move(value));
  }
  if (pos != end) return false;
  if (tail != (out->empty() ? kHeader : last_start)) return false;
  if (count != 65535 && count != out->size()) return false;
  return true;
}

bool ParseZipmap(std::string_view blob, std::vector<std::string>* out) {
  out->clear();
  const uint8_t* p = reinterpret_cast<const uint8_t*>(blob.data());
  const size_t size = blob.size();
  if (size < 2) return false;
  size_t pos = 1;  // zmlen (a hint: 254 means "count it")
  auto read_len = [&](uint64_t* len) {
    if (pos >= size) return false;
    if (p[pos] < 254) {
      *len = p[pos++];
      return true;
    }
    if (p[pos] == 254) {
      if (size - pos < 5) return false;
      *len = Le(p + pos + 1, 4);
      pos += 5;
      return true;
    }
    return false;  // 255 is the end marker, not a length
  };
  while (true) {
    if (pos >= size) return false;
    if (p[pos] == 255) {
      ++pos;
      break;
    }
    uint64_t klen, vlen;
    if (!read_len(&klen) || size - pos < klen) return false;
    out->emplace_back(blob.substr(pos, klen));
    pos += klen;
    if (!read_len(&vlen) || pos >= size) return false;
    const uint64_t free = p[pos++];
    if (size - pos < vlen || size - pos - vlen < free) return false;
    out->emplace_back(blob.substr(pos, vlen));
    pos += vlen + free;
  }
  if (pos != size) return false;
  if (p[0] < 254 && p[0] != out->size() / 2) return false;
  return true;
}

}  // namespace stockd::engine::rdb
