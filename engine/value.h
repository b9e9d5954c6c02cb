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
//  * Aggregate types (hash, list, set, zset — issue 9) are subclasses of
//    Object, owned by the Value through a unique_ptr; they report their own
//    type and encoding.
//  * A Value is move-only; Clone() deep-copies (COPY). Not thread-safe: it lives
//    in a shard and is guarded by that shard's lock.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

namespace stockd::engine {

enum class ValueType : uint8_t { kString, kList, kSet, kZSet, kHash };

enum class Encoding : uint8_t {
  kRaw,
  kInt,
  kEmbStr,
  kHashtable,
  kListpack,
  kQuicklist,
  kIntset,
  kSkiplist,
};

// "string", "list", "set", "zset", "hash" (TYPE, SCAN ... TYPE).
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
  Value() : data_(int64_t{0}), encoding_(Encoding::kInt) {}
  Value(Value&&) noexcept = default;
  Value& operator=(Value&&) noexcept = default;

  // A string value; "int" encoded when s is a canonical int64, else embstr/raw.
  static Value String(std::string_view s);
  // A string value that is never int encoded and always "raw" (APPEND, SETRANGE).
  static Value RawString(std::string s);
  // A string value never int encoded: embstr when <= 44 bytes, else raw
  // (INCRBYFLOAT's result, as Redis's createStringObject).
  static Value PlainString(std::string_view s);
  static Value Int(int64_t v);
  static Value FromObject(std::unique_ptr<Object> object);

  ValueType type() const;
  Encoding encoding() const;

  bool is_string() const { return !std::holds_alternative<std::unique_ptr<Object>>(data_); }
  // "int" encoding: the value is held as an integer.
  bool is_int() const { return std::holds_alternative<int64_t>(data_); }
  // REQUIRES: is_int().
  int64_t int_value() const { return std::get<int64_t>(data_); }

  // The string's bytes. REQUIRES: is_string(). For an int, the digits are
  // formatted into buf and the view points there.
  std::string_view StringView(char (&buf)[kIntBufferSize]) const;
  // REQUIRES: is_string().
  std::string ToString() const;
  size_t StringLength() const;
  // Interprets the string as an integer (string2ll): an int, or a raw/embstr
  // whose text is a canonical int64. REQUIRES: is_string().
  bool GetInt64(int64_t* out) const;
  // The string turned "raw" for in-place modification (APPEND, SETRANGE).
  // REQUIRES: is_string().
  std::string& MutableRawString();

  // REQUIRES: !is_string().
  Object* object() const { return std::get<std::unique_ptr<Object>>(data_).get(); }

  // Approximate bytes (value only, not the key): MEMORY USAGE.
  size_t MemoryUsage() const;
  Value Clone() const;

 private:
  std::variant<int64_t, std::string, std::unique_ptr<Object>> data_;
  Encoding encoding_;  // for strings: kInt, kEmbStr or kRaw
};

}  // namespace stockd::engine
