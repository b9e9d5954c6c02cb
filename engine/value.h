// engine/value.h — the value stored at a key: a type (what TYPE reports) and an
// encoding (what OBJECT ENCODING reports), as Redis's robj.
//
// Contract:
//  * Strings come in three encodings, named as Redis names them: "int" (held
//    as an int64_t, so INCR/DECRBY are an add and GET formats it), "embstr"
//    (a short string, <= 44 bytes, created whole) and "raw" (anything else, and
//    every string modified in place by APPEND/SETRANGE). Value::String() picks
//    "int" exactly when Redis would: the text is the canonical decimal form
//    of an int64 and at most 20 bytes ("12" yes; "012", "+1", " 1", "-0" no),
//    so formatting the integer gives back the same bytes.
//  * Aggregate types (hash, list, set, zset, stream) are subclasses of Object, owned
//    by the Value; they report their own type and encoding.
//  * A Value is 16 bytes: an integer, a string of <= 14 bytes inline, or one
//    pointer (a heap string or an Object), so a key's slot in its shard's
//    table is one cache line (shard.h).
//  * A Value is move-only; Clone() deep-copies (COPY). Not thread-safe: it lives
//    in a shard and is guarded by that shard's lock.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

namespace stockd::engine {

enum class ValueType : uint8_t { kString, kList, kSet, kZSet, kHash, kStream };

enum class Encoding : uint8_t {
  kRaw,
  kInt,
  kEmbStr,
  kHashtable,
  kListpack,
  kQuicklist,
  kIntset,
  kSkiplist,
  kStream,  // a stream's one encoding ("stream")
};

// "string", "list", "set", "zset", "hash", "stream" (TYPE, SCAN ... TYPE).
std::string_view TypeName(ValueType type);
// "raw", "int", "embstr", "hashtable", "listpack", ... (OBJECT ENCODING).
std::string_view EncodingName(Encoding encoding);

// Base of the aggregate types that issue 9 adds.
class Object {
 public:
  virtual ~Object() = default;
  virtual ValueType type() const = 0;
  virtual Encoding encoding() const = 0;
  // Approximate heap bytes (MEMORY USAGE).
  virtual size_t MemoryUsage() const = 0;
  virtual std::unique_ptr<Object> Clone() const = 0;
};

// Largest string Redis keeps as embstr.
inline constexpr size_t kEmbStrMaxLength = 44;
// Buffer large enough for any int64 in decimal.
inline constexpr size_t kIntBufferSize = 24;

// Parses `s` as Redis's string2ll: the canonical decimal form of an int64 (no
// sign other than a leading '-', no leading zeros, no spaces, <= 20 bytes).
bool ParseStrictInt64(std::string_view s, int64_t* out);
// Formats v in decimal into buf; returns the view of the digits.
std::string_view FormatInt64(int64_t v, char (&buf)[kIntBufferSize]);

class Value {
 public:
  Value() { SetWord(int64_t{0}, Kind::kInt, Encoding::kInt); }
  Value(Value&& o) noexcept { Take(o); }
  Value& operator=(Value&& o) noexcept {
    if (this != &o) {
      Release();
      Take(o);
    }
    return *this;
  }
  ~Value() { Release(); }

  // A string value; "int" encoded when s is a canonical int64, else embstr/raw.
  static Value String(std::string_view s);
  // A string value that is never int encoded and always "raw" (SETRANGE).
  static Value RawString(std::string_view s);
  // A string value never int encoded: embstr when <= 44 bytes, else raw
  // (INCRBYFLOAT's result, as Redis's createStringObject).
  static Value PlainString(std::string_view s);
  static Value Int(int64_t v);
  static Value FromObject(std::unique_ptr<Object> object);

  ValueType type() const { return kind() == Kind::kObject ? object()->type() : ValueType::kString; }
  Encoding encoding() const { return kind() == Kind::kObject ? object()->encoding() : string_encoding(); }

  bool is_string() const { return kind() != Kind::kObject; }
  // "int" encoding: the value is held as an integer.
  bool is_int() const { return kind() == Kind::kInt; }
  // REQUIRES: is_int().
  int64_t int_value() const { return Word<int64_t>(); }

  // The string's bytes. REQUIRES: is_string(). For an int, the digits are
  // formatted into buf and the view points there.
  std::string_view StringView(char (&buf)[kIntBufferSize]) const;
  // REQUIRES: is_string().
  std::string ToString() const;
  size_t StringLength() const;
  // Interprets the string as an integer (string2ll): an int, or a raw/embstr
  // whose text is a canonical int64. REQUIRES: is_string().
  bool GetInt64(int64_t* out) const;
  // In-place modification, turning the string "raw" (APPEND, SETRANGE); each
  // returns the new length. SetRange pads with zero bytes up to offset.
  // REQUIRES: is_string().
  size_t Append(std::string_view tail);
  size_t SetRange(size_t offset, std::string_view bytes);

  // REQUIRES: !is_string().
  Object* object() const { return Word<Object*>(); }

  // Approximate bytes (value only, not the key): MEMORY USAGE.
  size_t MemoryUsage() const;
  Value Clone() const;

 private:
  // Where the bytes are. 16 bytes in all, so a key's table slot (KeyString +
  // Entry) is one cache line (shard.h): the first word holds the integer, the
  // HeapString* or the Object*; or bytes_ hold a short string inline.
  enum class Kind : uint8_t { kInt, kInline, kHeap, kObject };
  static constexpr size_t kInlineMax = 14;
  // A string longer than kInlineMax: one allocation, grown in place by
  // Append/SetRange (capacity >= size).
  struct HeapString {
    size_t size;
    size_t capacity;
    char* data() { return reinterpret_cast<char*>(this + 1); }
  };

  template <typename T>
  T Word() const {
    T w;
    std::memcpy(&w, bytes_, sizeof(T));
    return w;
  }
  template <typename T>
  void SetWord(T w, Kind kind, Encoding encoding) {
    std::memcpy(bytes_, &w, sizeof(T));
    SetMeta(kind, encoding);
  }
  void SetMeta(Kind kind, Encoding encoding) {
    meta_ = static_cast<uint8_t>(static_cast<uint8_t>(kind) | (static_cast<uint8_t>(encoding) << 2));
  }
  Kind kind() const { return static_cast<Kind>(meta_ & 3); }
  Encoding string_encoding() const { return static_cast<Encoding>(meta_ >> 2); }
  HeapString* heap() const { return Word<HeapString*>(); }

  static Value Bytes(std::string_view s, Encoding encoding);
  // Makes the string a HeapString of at least `capacity` bytes, "raw".
  HeapString* MakeRawHeap(size_t capacity);
  void Release();
  // Moves o's contents here (this holds nothing) and leaves o the integer 0.
  void Take(Value& o) {
    std::memcpy(bytes_, o.bytes_, sizeof(bytes_));
    inline_size_ = o.inline_size_;
    meta_ = o.meta_;
    o.SetWord(int64_t{0}, Kind::kInt, Encoding::kInt);
  }

  alignas(8) char bytes_[kInlineMax];
  uint8_t inline_size_ = 0;
  uint8_t meta_;  // Kind in bits 0-1; a string's Encoding in bits 2-4
};
static_assert(sizeof(Value) == 16);

}  // namespace stockd::engine
