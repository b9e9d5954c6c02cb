// engine/rdb/listpack.cc — see listpack.h. Element layout: <encoding+data>
// <backlen>, the back-length being the size of <encoding+data> in 1..5
// bytes of 7 bits, most significant first, every byte but the first with
// its top bit set (so it reads right to left).
#include "engine/rdb/listpack.h"

#include <cstring>

#include "engine/value.h"

namespace stockd::engine::rdb {
namespace {

constexpr size_t kHeaderSize = 6;
constexpr uint8_t kEof = 0xFF;

size_t EncodeBacklen(uint8_t* buf, uint64_t l) {
  if (l <= 127) {
    buf[0] = static_cast<uint8_t>(l);
    return 1;
  } else if (l < 16383) {
    buf[0] = static_cast<uint8_t>(l >> 7);
    buf[1] = static_cast<uint8_t>((l & 127) | 128);
    return 2;
  } else if (l < 2097151) {
    buf[0] = static_cast<uint8_t>(l >> 14);
    buf[1] = static_cast<uint8_t>(((l >> 7) & 127) | 128);
    buf[2] = static_cast<uint8_t>((l & 127) | 128);
    return 3;
  } else if (l < 268435455) {
    buf[0] = static_cast<uint8_t>(l >> 21);
    buf[1] = static_cast<uint8_t>(((l >> 14) & 127) | 128);
    buf[2] = static_cast<uint8_t>(((l >> 7) & 127) | 128);
    buf[3] = static_cast<uint8_t>((l & 127) | 128);
    return 4;
  }
  buf[0] = static_cast<uint8_t>(l >> 28);
  buf[1] = static_cast<uint8_t>(((l >> 21) & 127) | 128);
  buf[2] = static_cast<uint8_t>(((l >> 14) & 127) | 128);
  buf[3] = static_cast<uint8_t>(((l >> 7) & 127) | 128);
  buf[4] = static_cast<uint8_t>((l & 127) | 128);
  return 5;
}

uint64_t Le(const uint8_t* p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

// Sign-extends the low `bits` bits of u.
int64_t SignExtend(uint64_t u, int bits) {
  const uint64_t m = uint64_t{1} << (bits - 1);
  if (bits == 64) return static_cast<int64_t>(u);
  u &= (uint64_t{1} << bits) - 1;
  return static_cast<int64_t>((u ^ m) - m);
}

}  // namespace

ListpackBuilder::ListpackBuilder() { body_.assign(kHeaderSize, '\0'); }

void ListpackBuilder::AppendEncoded(const char* enc, size_t len) {
  body_.append(enc, len);
  uint8_t bl[5];
  const size_t n = EncodeBacklen(bl, len);
  body_.append(reinterpret_cast<const char*>(bl), n);
  ++count_;
}

void ListpackBuilder::AppendInt(int64_t v) {
  uint8_t b[9];
  size_t n;
  if (v >= 0 && v <= 127) {
    b[0] = static_cast<uint8_t>(v);
    n = 1;
  } else if (v >= -4096 && v <= 4095) {
    const uint64_t u = v < 0 ? (uint64_t{1} << 13) + v : static_cast<uint64_t>(v);
    b[0] = static_cast<uint8_t>((u >> 8) | 0xC0);
    b[1] = static_cast<uint8_t>(u & 0xff);
    n = 2;
  } else {
    int bytes;
    uint8_t tag;
    if (v >= -32768 && v <= 32767) {
      bytes = 2, tag = 0xF1;
    } else if (v >= -8388608 && v <= 8388607) {
      bytes = 3, tag = 0xF2;
    } else if (v >= INT32_MIN && v <= INT32_MAX) {
      bytes = 4, tag = 0xF3;
    } else {
      bytes = 8, tag = 0xF4;
    }
    // Two's complement, little endian: the low `bytes` bytes of v.
    const uint64_t u = static_cast<uint64_t>(v);
    b[0] = tag;
    for (int i = 0; i < bytes; ++i) b[1 + i] = static_cast<uint8_t>(u >> (8 * i));
    n = 1 + bytes;
  }
  AppendEncoded(reinterpret_cast<const char*>(b), n);
}

void ListpackBuilder::AppendString(std::string_view s) {
  int64_t v;
  if (s.size() <= 20 && ParseStrictInt64(s, &v)) return AppendInt(v);
  std::string enc;
  const size_t len = s.size();
  if (len < 64) {
    enc.push_back(static_cast<char>(0x80 | len));
  } else if (len < 4096) {
    enc.push_back(static_cast<char>(0xE0 | (len >> 8)));
    enc.push_back(static_cast<char>(len & 0xff));
  } else {
    enc.push_back(static_cast<char>(0xF0));
    for (int i = 0; i < 4; ++i) enc.push_back(static_cast<char>((len >> (8 * i)) & 0xff));
  }
  enc.append(s);
  AppendEncoded(enc.data(), enc.size());
}

std::string ListpackBuilder::Finish() {
  std::string out = std::move(body_);
  out.push_back(static_cast<char>(kEof));
  const uint32_t total = static_cast<uint32_t>(out.size());
  const uint16_t num = count_ < 65535 ? static_cast<uint16_t>(count_) : 65535;
  for (int i = 0; i < 4; ++i) out[i] = static_cast<char>((total >> (8 * i)) & 0xff);
  out[4] = static_cast<char>(num & 0xff);
  out[5] = static_cast<char>(num >> 8);
  body_.assign(kHeaderSize, '\0');
  count_ = 0;
  return out;
}

bool ParseListpack(std::string_view lp, std::vector<LpEntry>* out) {
  out->clear();
  if (lp.size() < kHeaderSize + 1) return false;
  const uint8_t* p = reinterpret_cast<const uint8_t*>(lp.data());
  if (Le(p, 4) != lp.size()) return false;
  const uint64_t num = Le(p + 4, 2);
  if (p[lp.size() - 1] != kEof) return false;
  size_t pos = kHeaderSize;
  const size_t end = lp.size() - 1;  // the terminator
  while (pos < end) {
    const uint8_t c = p[pos];
    LpEntry e;
    size_t enc_len;  // encoding + data
    auto need = [&](size_t n) { return end - pos >= n; };
    if ((c & 0x80) == 0) {
      e.is_int = true, e.ival = c & 0x7f, enc_len = 1;
    } else if ((c & 0xC0) == 0x80) {
      const size_t len = c & 0x3f;
      if (!need(1 + len)) return false;
      e.str = lp.substr(pos + 1, len), enc_len = 1 + len;
    } else if ((c & 0xE0) == 0xC0) {
      if (!need(2)) return false;
      e.is_int = true, e.ival = SignExtend((uint64_t{c & 0x1fu} << 8) | p[pos + 1], 13), enc_len = 2;
    } else if ((c & 0xF0) == 0xE0) {
      if (!need(2)) return false;
      const size_t len = (size_t{c & 0x0fu} << 8) | p[pos + 1];
      if (!need(2 + len)) return false;
      e.str = lp.substr(pos + 2, len), enc_len = 2 + len;
    } else if (c == 0xF0) {
      if (!need(5)) return false;
      const uint64_t len = Le(p + pos + 1, 4);
      if (!need(5 + len)) return false;
      e.str = lp.substr(pos + 5, len), enc_len = 5 + len;
    } else if (c >= 0xF1 && c <= 0xF4) {
      static constexpr int kBytes[] = {2, 3, 4, 8};
      const int bytes = kBytes[c - 0xF1];
      if (!need(1 + bytes)) return false;
      e.is_int = true, e.ival = SignExtend(Le(p + pos + 1, bytes), bytes * 8), enc_len = 1 + bytes;
    } else {
      return false;  // 0xF5..0xFE unused; 0xFF only as the terminator
    }
    uint8_t bl[5];
    const size_t bl_len = EncodeBacklen(bl, enc_len);
    if (!need(enc_len + bl_len) || std::memcmp(p + pos + enc_len, bl, bl_len) != 0) return false;
    pos += enc_len + bl_len;
    out->push_back(e);
  }
  if (pos != end) return false;
  if (num != 65535 && num != out->size()) return false;
  return true;
}

}  // namespace stockd::engine::rdb
