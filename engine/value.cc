// engine/value.cc — string encodings and type/encoding names (see value.h).
#include "engine/value.h"

#include <algorithm>
#include <cstring>

namespace stockd::engine {

std::string_view TypeName(ValueType type) {
  switch (type) {
    case ValueType::kString: return "string";
    case ValueType::kList: return "list";
    case ValueType::kSet: return "set";
    case ValueType::kZSet: return "zset";
    case ValueType::kHash: return "hash";
    case ValueType::kStream: return "stream";
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
    case Encoding::kStream: return "stream";
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

Value Value::Bytes(std::string_view s, Encoding encoding) {
  Value v;
  if (s.size() <= kInlineMax) {
    std::memcpy(v.bytes_, s.data(), s.size());
    v.inline_size_ = static_cast<uint8_t>(s.size());
    v.SetMeta(Kind::kInline, encoding);
    return v;
  }
  auto* h = static_cast<HeapString*>(::operator new(sizeof(HeapString) + s.size()));
  h->size = s.size();
  h->capacity = s.size();
  std::memcpy(h->data(), s.data(), s.size());
  v.SetWord(h, Kind::kHeap, encoding);
  return v;
}

Value Value::String(std::string_view s) {
  int64_t i;
  if (ParseStrictInt64(s, &i)) return Int(i);
  return Bytes(s, s.size() <= kEmbStrMaxLength ? Encoding::kEmbStr : Encoding::kRaw);
}

Value Value::PlainString(std::string_view s) {
  return Bytes(s, s.size() <= kEmbStrMaxLength ? Encoding::kEmbStr : Encoding::kRaw);
}

Value Value::RawString(std::string_view s) { return Bytes(s, Encoding::kRaw); }

Value Value::Int(int64_t i) {
  Value v;
  v.SetWord(i, Kind::kInt, Encoding::kInt);
  return v;
}

Value Value::FromObject(std::unique_ptr<Object> object) {
  Value v;
  v.SetWord(object.release(), Kind::kObject, Encoding::kRaw);
  return v;
}

void Value::Release() {
  switch (kind()) {
    case Kind::kHeap: ::operator delete(heap()); break;
    case Kind::kObject: delete object(); break;
    default: break;
  }
}

std::string_view Value::StringView(char (&buf)[kIntBufferSize]) const {
  switch (kind()) {
    case Kind::kInt: return FormatInt64(int_value(), buf);
    case Kind::kInline: return std::string_view(bytes_, inline_size_);
    default: {
      HeapString* h = heap();
      return std::string_view(h->data(), h->size);
    }
  }
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
  if (is_int()) {
    *out = int_value();
    return true;
  }
  char buf[kIntBufferSize];
  return ParseStrictInt64(StringView(buf), out);
}

Value::HeapString* Value::MakeRawHeap(size_t capacity) {
  HeapString* h = kind() == Kind::kHeap ? heap() : nullptr;
  if (h == nullptr || h->capacity < capacity) {
    char buf[kIntBufferSize];
    const std::string_view old = StringView(buf);
    // Amortized growth, as Redis's sdsMakeRoomFor: APPEND in a loop is
    // linear, and a big string reserves at most 1 MB beyond what it needs.
    constexpr size_t kMaxPrealloc = 1 << 20;
    const size_t cap = capacity < kMaxPrealloc ? capacity * 2 : capacity + kMaxPrealloc;
    auto* grown = static_cast<HeapString*>(::operator new(sizeof(HeapString) + cap));
    grown->size = old.size();
    grown->capacity = cap;
    std::memcpy(grown->data(), old.data(), old.size());
    Release();
    h = grown;
  }
  SetWord(h, Kind::kHeap, Encoding::kRaw);
  return h;
}

size_t Value::Append(std::string_view tail) {
  HeapString* h = MakeRawHeap(StringLength() + tail.size());
  std::memcpy(h->data() + h->size, tail.data(), tail.size());
  h->size += tail.size();
  return h->size;
}

size_t Value::SetRange(size_t offset, std::string_view bytes) {
  const size_t end = offset + bytes.size();
  HeapString* h = MakeRawHeap(std::max(StringLength(), end));
  if (h->size < end) {
    std::memset(h->data() + h->size, 0, end - h->size);
    h->size = end;
  }
  std::memcpy(h->data() + offset, bytes.data(), bytes.size());
  return h->size;
}

size_t Value::MemoryUsage() const {
  switch (kind()) {
    case Kind::kObject: return sizeof(Value) + object()->MemoryUsage();
    case Kind::kHeap: return sizeof(Value) + sizeof(HeapString) + heap()->capacity;
    default: return sizeof(Value);
  }
}

Value Value::Clone() const {
  switch (kind()) {
    case Kind::kObject: return FromObject(object()->Clone());
    case Kind::kInt: return Int(int_value());
    default: {
      char buf[kIntBufferSize];
      return Bytes(StringView(buf), string_encoding());
    }
  }
}

}  // namespace stockd::engine
