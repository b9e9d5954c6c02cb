// engine/rdb/rdb_io.cc — see rdb_io.h. Length encoding: 00xxxxxx (6 bits),
// 01xxxxxx xxxxxxxx (14 bits, big endian), 0x80 + 4 bytes, 0x81 + 8 bytes
// (big endian); 11xxxxxx marks an encoded string: 0 int8, 1 int16, 2 int32
// (little endian), 3 LZF (compressed length, original length, bytes).
#include "engine/rdb/rdb_io.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "engine/rdb/lzf.h"
#include "engine/value.h"

namespace stockd::engine::rdb {
namespace {

constexpr uint8_t kEncVal = 3;
constexpr uint8_t kEncInt8 = 0, kEncInt16 = 1, kEncInt32 = 2, kEncLzf = 3;
// A back reference of 3 bytes expands to at most 264: no valid LZF stream of
// n bytes decodes to more than 88 * n.
constexpr uint64_t kLzfMaxRatio = 88;

// rdbEncodeInteger: 0 when v needs more than 32 bits.
size_t EncodeInteger(int64_t v, uint8_t* enc) {
  if (v >= -(1 << 7) && v <= (1 << 7) - 1) {
    enc[0] = (kEncVal << 6) | kEncInt8;
    enc[1] = static_cast<uint8_t>(v & 0xff);
    return 2;
  }
  if (v >= -(1 << 15) && v <= (1 << 15) - 1) {
    enc[0] = (kEncVal << 6) | kEncInt16;
    enc[1] = static_cast<uint8_t>(v & 0xff);
    enc[2] = static_cast<uint8_t>((v >> 8) & 0xff);
    return 3;
  }
  if (v >= -(int64_t{1} << 31) && v <= (int64_t{1} << 31) - 1) {
    enc[0] = (kEncVal << 6) | kEncInt32;
    for (int i = 0; i < 4; ++i) enc[1 + i] = static_cast<uint8_t>((v >> (8 * i)) & 0xff);
    return 5;
  }
  return 0;
}

}  // namespace

void RdbWriter::Len(uint64_t len) {
  if (len < (1 << 6)) {
    Byte(static_cast<uint8_t>(len));
  } else if (len < (1 << 14)) {
    Byte(static_cast<uint8_t>(0x40 | (len >> 8)));
    Byte(static_cast<uint8_t>(len & 0xff));
  } else if (len <= UINT32_MAX) {
    Byte(0x80);
    for (int i = 3; i >= 0; --i) Byte(static_cast<uint8_t>((len >> (8 * i)) & 0xff));
  } else {
    Byte(0x81);
    for (int i = 7; i >= 0; --i) Byte(static_cast<uint8_t>((len >> (8 * i)) & 0xff));
  }
}

void RdbWriter::Int(int64_t v) {
  uint8_t enc[5];
  if (size_t n = EncodeInteger(v, enc)) return Raw({reinterpret_cast<char*>(enc), n});
  char buf[kIntBufferSize];
  std::string_view digits = FormatInt64(v, buf);
  Len(digits.size());
  Raw(digits);
}

void RdbWriter::String(std::string_view s) {
  int64_t v;
  if (s.size() <= 11 && ParseStrictInt64(s, &v)) {
    uint8_t enc[5];
    if (size_t n = EncodeInteger(v, enc)) return Raw({reinterpret_cast<char*>(enc), n});
  }
  if (s.size() > 20) {
    // rdbSaveLzfStringObject: worth it only when it saves at least 4 bytes.
    const size_t outlen = s.size() - 4;
    auto buf = std::make_unique<char[]>(outlen + 1);
    if (lzf_ == nullptr) lzf_ = std::make_unique<LzfCompressor>();
    if (size_t clen = lzf_->Compress(s, buf.get(), outlen)) {
      Byte((kEncVal << 6) | kEncLzf);
      Len(clen);
      Len(s.size());
      Raw({buf.get(), clen});
      return;
    }
  }
  Len(s.size());
  Raw(s);
}

void RdbWriter::BinaryDouble(double d) {
  char b[8];
  std::memcpy(b, &d, 8);  // little endian host, as Redis's memrev64ifbe
  Raw({b, 8});
}

void RdbWriter::Millis(int64_t ms) {
  for (int i = 0; i < 8; ++i) Byte(static_cast<uint8_t>((static_cast<uint64_t>(ms) >> (8 * i)) & 0xff));
}

bool RdbReader::Byte(uint8_t* b) {
  if (pos_ >= in_.size()) return false;
  *b = static_cast<uint8_t>(in_[pos_++]);
  return true;
}

bool RdbReader::Raw(size_t n, std::string_view* out) {
  if (remaining() < n) return false;
  *out = in_.substr(pos_, n);
  pos_ += n;
  return true;
}

bool RdbReader::LenOrEncoding(uint64_t* len, bool* encoded) {
  uint8_t b;
  if (!Byte(&b)) return false;
  *encoded = false;
  switch (b >> 6) {
    case 0: *len = b & 0x3f; return true;
    case 1: {
      uint8_t b2;
      if (!Byte(&b2)) return false;
      *len = (uint64_t{b & 0x3fu} << 8) | b2;
      return true;
    }
    case 2: {
      int n;
      if (b == 0x80) {
        n = 4;
      } else if (b == 0x81) {
        n = 8;
      } else {
        return false;
      }
      std::string_view raw;
      if (!Raw(n, &raw)) return false;
      uint64_t v = 0;
      for (unsigned char c : raw) v = (v << 8) | c;
      *len = v;
      return true;
    }
    default:
      *encoded = true;
      *len = b & 0x3f;
      return true;
  }
}

bool RdbReader::Len(uint64_t* len) {
  bool encoded;
  return LenOrEncoding(len, &encoded) && !encoded;
}

bool RdbReader::String(std::string* out) {
  uint64_t len;
  bool encoded;
  if (!LenOrEncoding(&len, &encoded)) return false;
  if (!encoded) {
    std::string_view raw;
    if (len > remaining() || !Raw(len, &raw)) return false;
    out->assign(raw);
    return true;
  }
  std::string_view raw;
  switch (len) {
    case kEncInt8:
    case kEncInt16:
    case kEncInt32: {
      const int n = len == kEncInt8 ? 1 : len == kEncInt16 ? 2 : 4;
      if (!Raw(n, &raw)) return false;
      uint64_t u = 0;
      for (int i = n - 1; i >= 0; --i) u = (u << 8) | static_cast<unsigned char>(raw[i]);
      const uint64_t m = uint64_t{1} << (8 * n - 1);
      const int64_t v = static_cast<int64_t>((u ^ m) - m);
      out->assign(std::to_string(v));
      return true;
    }
    case kEncLzf: {
      uint64_t clen, ulen;
      if (!Len(&clen) || !Len(&ulen)) return false;
      if (clen > remaining() || ulen == 0 || ulen > clen * kLzfMaxRatio) return false;
      if (!Raw(clen, &raw)) return false;
      out->resize(ulen);
      return LzfDecompress(raw, out->data(), ulen);
    }
    default:
      return false;
  }
}

bool RdbReader::BinaryDouble(double* d) {
  std::string_view raw;
  if (!Raw(8, &raw)) return false;
  std::memcpy(d, raw.data(), 8);
  return true;
}

bool RdbReader::StringDouble(double* d) {
  uint8_t len;
  if (!Byte(&len)) return false;
  switch (len) {
    case 255: *d = -INFINITY; return true;
    case 254: *d = INFINITY; return true;
    case 253: *d = NAN; return true;
    default: {
      std::string_view raw;
      if (!Raw(len, &raw)) return false;
      std::string s(raw);
      char* end = nullptr;
      *d = std::strtod(s.c_str(), &end);
      return end == s.c_str() + s.size() && !s.empty();
    }
  }
}

bool RdbReader::Millis(int64_t* ms) {
  std::string_view raw;
  if (!Raw(8, &raw)) return false;
  uint64_t u = 0;
  for (int i = 7; i >= 0; --i) u = (u << 8) | static_cast<unsigned char>(raw[i]);
  *ms = static_cast<int64_t>(u);
  return true;
}

}  // namespace stockd::engine::rdb
