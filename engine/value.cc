// engine/value.cc — string encodings and type/encoding names (see value.h).
#include "engine/value.h"

#include <cstring>

namespace stockd::engine {

std::string_view TypeName(ValueType type) {
  switch (type) {
    case ValueType::kString: return "string";
    case ValueType::kList: return "list";
    case ValueType::kSet: return "set";
    case ValueType::kZSet: return "zset";
    case ValueType::kHash: return "hash";
  }
  return "none";
}

std::string_view EncodingName(Encoding encoding) {
  switch (encoding) {
    case Encoding::kRaw: return "raw";
    case Encoding::kInt: return "int";
    case Encoding::kEmbStr: return "embstr";
    case Encoding::kHashtable: return "hashtable";
    case Encoding::kListpack: return "listpack";
    case Encoding::kQuicklist: return "quicklist";
    case Encoding::kIntset: return "intset";
    case Encoding::kSkiplist: return "skiplist";
  }
  return "unknown";
}

// Redis's string2ll (util.c): strict canonical decimal int64.
bool ParseStrictInt64(std::string_view s, int64_t* out) {
  const size_t n = s.size();
  if (n == 0 || n > 20) return false;
  if (n == 1 && s[0] == '0') {
    *out = 0;
    return true;
  }
  size_t i = 0;
  bool negative = false;
  if (s[0] == '-') {
    negative = true;
    if (++i == n) return false;
  }
  if (s[i] < '1' || s[i] > '9') return false;
  uint64_t v = static_cast<uint64_t>(s[i] - '0');
  for (++i; i < n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    if (v > UINT64_MAX / 10) return false;
    v *= 10;
    uint64_t d = static_cast<uint64_t>(s[i] - '0');
    if (v > UINT64_MAX - d) return false;
    v += d;
  }
  if (negative) {
    if (v > static_cast<uint64_t>(INT64_MAX) + 1) return false;
    *out = static_cast<int64_t>(0 - v);
  } else {
    if (v > static_cast<uint64_t>(INT64_MAX)) return false;
    *out = static_cast<int64_t>(v);
  }
  return true;
}

std::string_view FormatInt64(int64_t v, char (&buf)[kIntBufferSize]) {
  char* end = buf + kIntBufferSize;
  char* p = end;
  uint64_t u = v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  do {
    *--p = static_cast<char>('0' + u % 10);
    u /= 10;
  } while (u != 0);
  if (v < 0) *--p = '-';
  return std::string_view(p, static_cast<size_t>(end - p));
}

Value Value::String(std::string_view s) {
  Value v;
  int64_t i;
  if (ParseStrictInt64(s, &i)) {
    v.data_ = i;
    v.encoding_ = Encoding::kInt;
  } else {
    v.data_ = std::string(s);
    v.encoding_ = s.size() <= kEmbStrMaxLength ? Encoding::kEmbStr : Encoding::kRaw;
  }
  return v;
}

Value Value::PlainString(std::string_view s) {
  Value v;
  v.data_ = std::string(s);
  v.encoding_ = s.size() <= kEmbStrMaxLength ? Encoding::kEmbStr : Encoding::kRaw;
  return v;
}

Value Value::RawString(std::string s) {
  Value v;
  v.data_ = std::move(s);
  v.encoding_ = Encoding::kRaw;
  return v;
}

Value Value::Int(int64_t i) {
  Value v;
  v.data_ = i;
  v.encoding_ = Encoding::kInt;
  return v;
}

Value Value::FromObject(std::unique_ptr<Object> object) {
  Value v;
  v.encoding_ = object->encoding();
  v.data_ = std::move(object);
  return v;
}

ValueType Value::type() const {
  if (auto* o = std::get_if<std::unique_ptr<Object>>(&data_)) return (*o)->type();
  return ValueType::kString;
}

Encoding Value::encoding() const {
  if (auto* o = std::get_if<std::unique_ptr<Object>>(&data_)) return (*o)->encoding();
  return encoding_;
}

std::string_view Value::StringView(char (&buf)[kIntBufferSize]) const {
  if (auto* i = std::get_if<int64_t>(&data_)) return FormatInt64(*i, buf);
  return std::get<std::string>(data_);
}

std::string Value::ToString() const {
  char buf[kIntBufferSize];
  return std::string(StringView(buf));
}

size_t Value::StringLength() const {
  char buf[kIntBufferSize];
  return StringView(buf).size();
}

bool Value::GetInt64(int64_t* out) const {
  if (auto* i = std::get_if<int64_t>(&data_)) {
    *out = *i;
    return true;
  }
  return ParseStrictInt64(std::get<std::string>(data_), out);
}

std::string& Value::MutableRawString() {
  if (auto* i = std::get_if<int64_t>(&data_)) {
    char buf[kIntBufferSize];
    data_ = std::string(FormatInt64(*i, buf));
  }
  encoding_ = Encoding::kRaw;
  return std::get<std::string>(data_);
}

size_t Value::MemoryUsage() const {
  if (auto* o = std::get_if<std::unique_ptr<Object>>(&data_)) return sizeof(Value) + (*o)->MemoryUsage();
  if (auto* s = std::get_if<std::string>(&data_)) {
    // Heap bytes beyond the small-string buffer (libstdc++ keeps <= 15 inline).
    return sizeof(Value) + (s->capacity() > 15 ? s->capacity() + 1 : 0);
  }
  return sizeof(Value);
}

Value Value::Clone() const {
  Value v;
  v.encoding_ = encoding_;
  if (auto* o = std::get_if<std::unique_ptr<Object>>(&data_)) {
    v.data_ = (*o)->Clone();
  } else if (auto* s = std::get_if<std::string>(&data_)) {
    v.data_ = *s;
  } else {
    v.data_ = std::get<int64_t>(data_);
  }
  return v;
}

}  // namespace stockd::engine
