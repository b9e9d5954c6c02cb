// engine/rdb/rdb_io.h — the primitives of an RDB value (rdb.c): lengths,
// strings (verbatim, integer-encoded or LZF-compressed), doubles and
// millisecond times, written as Redis 7.0 writes them and read as any Redis
// since 2.x wrote them.
//
// Contract:
//  * RdbWriter::String is rdbSaveRawString with rdbcompression on: an
//    integer-encoded string when it is a canonical int32 of at most 11 bytes,
//    else LZF when longer than 20 bytes and compressible by at least 4 bytes
//    (rdbSaveLzfStringObject), else length + bytes. Int is
//    rdbSaveLongLongAsStringObject (an "int"-encoded value: never LZF). One
//    writer is one payload: its LZF table persists across its strings, as
//    redis-server's does across the nodes of one DUMP (lzf.h).
//  * RdbReader never reads past its input and never allocates more than the
//    input could justify: a declared length larger than the bytes left (or
//    an LZF length beyond what the compressed bytes can expand to) is an
//    error. Every method returns false on malformed input; the reader's
//    position is then unspecified.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "engine/rdb/lzf.h"

namespace stockd::engine::rdb {

// Object types (rdb.h, Redis 7.0).
enum RdbType : uint8_t {
  kTypeString = 0,
  kTypeList = 1,
  kTypeSet = 2,
  kTypeZSet = 3,
  kTypeHash = 4,
  kTypeZSet2 = 5,
  kTypeModule = 6,
  kTypeModule2 = 7,
  kTypeHashZipmap = 9,
  kTypeListZiplist = 10,
  kTypeSetIntset = 11,
  kTypeZSetZiplist = 12,
  kTypeHashZiplist = 13,
  kTypeListQuicklist = 14,
  kTypeStreamListpacks = 15,
  kTypeHashListpack = 16,
  kTypeZSetListpack = 17,
  kTypeListQuicklist2 = 18,
  kTypeStreamListpacks2 = 19,
};
// RDB_VERSION of Redis 7.0: DUMP writes it, RESTORE accepts it and older.
inline constexpr uint16_t kRdbVersion = 10;

class RdbWriter {
 public:
  void Byte(uint8_t b) { out_.push_back(static_cast<char>(b)); }
  void Raw(std::string_view bytes) { out_.append(bytes); }
  void Len(uint64_t len);
  void String(std::string_view s);
  void Int(int64_t v);
  void BinaryDouble(double d);
  void Millis(int64_t ms);
  std::string& out() { return out_; }

 private:
  std::string out_;
  // One LZF hash table for the whole payload, as Redis's (lzf.h).
  std::unique_ptr<LzfCompressor> lzf_;
};

class RdbReader {
 public:
  explicit RdbReader(std::string_view in) : in_(in) {}
  size_t remaining() const { return in_.size() - pos_; }
  bool Byte(uint8_t* b);
  bool Raw(size_t n, std::string_view* out);
  // A plain length (an encoded-string marker is an error here).
  bool Len(uint64_t* len);
  bool String(std::string* out);
  bool BinaryDouble(double* d);
  // RDB_TYPE_ZSET's text double: a length byte (253 nan, 254 +inf, 255 -inf).
  bool StringDouble(double* d);
  bool Millis(int64_t* ms);

 private:
  // rdbLoadLen: *encoded says it is an RDB_ENCVAL marker (then *len is the
  // encoding: int8/16/32 or LZF).
  bool LenOrEncoding(uint64_t* len, bool* encoded);
  std::string_view in_;
  size_t pos_ = 0;
};

}  // namespace stockd::engine::rdb
