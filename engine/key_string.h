// engine/key_string.h — the keyspace's key type: a string that keeps up to
// 31 bytes inside itself (std::string keeps 15).
//
// Why: a shard table's lookup compares the wanted key with the stored one.
// With std::string, a typical key ("key:000000012345", "stock:sku:1001",
// 16–31 bytes) lives in its own heap block, so every lookup of a large
// keyspace pays one more cache miss to compare it. Inline, the bytes sit in
// the table slot the lookup has just read.
//
// Invariant: inline iff size() <= kInline (the last byte holds the size). The object
// is 32 bytes, like std::string. It converts to std::string_view, which is
// how it is hashed and compared (KeyHasher/KeyEq are transparent).
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>

namespace stockd::engine {

class KeyString {
 public:
  static constexpr size_t kInline = 31;

  KeyString() { raw_[kTag] = 0; }
  explicit KeyString(std::string_view s) { Assign(s); }
  KeyString(const KeyString& o) { Assign(o.view()); }
  KeyString(KeyString&& o) noexcept {
    std::memcpy(raw_, o.raw_, sizeof(raw_));
    o.raw_[kTag] = 0;  // o is empty inline now; the heap block, if any, is ours
  }
  KeyString& operator=(const KeyString& o) {
    if (this != &o) {
      Release();
      Assign(o.view());
    }
    return *this;
  }
  KeyString& operator=(KeyString&& o) noexcept {
    if (this != &o) {
      Release();
      std::memcpy(raw_, o.raw_, sizeof(raw_));
      o.raw_[kTag] = 0;
    }
    return *this;
  }
  ~KeyString() { Release(); }

  bool is_inline() const { return Tag() != kHeap; }
  size_t size() const { return is_inline() ? Tag() : HeapSize(); }
  const char* data() const { return is_inline() ? raw_ : HeapPtr(); }
  std::string_view view() const { return {data(), size()}; }
  operator std::string_view() const { return view(); }  // NOLINT: keys are read as views
  std::string str() const { return std::string(view()); }

  friend bool operator==(const KeyString& a, const KeyString& b) { return a.view() == b.view(); }

 private:
  // raw_: inline, the bytes then the size in the last byte (the tag);
  // on the heap, a char* at 0, a size_t at 8, and kHeap in the tag.
  static constexpr size_t kTag = kInline;
  static constexpr uint8_t kHeap = 0xff;

  uint8_t Tag() const { return static_cast<uint8_t>(raw_[kTag]); }
  const char* HeapPtr() const {
    const char* p;
    std::memcpy(&p, raw_, sizeof(p));
    return p;
  }
  size_t HeapSize() const {
    size_t n;
    std::memcpy(&n, raw_ + sizeof(char*), sizeof(n));
    return n;
  }
  void Assign(std::string_view s) {
    if (s.size() <= kInline) {
      if (!s.empty()) std::memcpy(raw_, s.data(), s.size());
      raw_[kTag] = static_cast<char>(s.size());
    } else {
      char* p = new char[s.size()];
      std::memcpy(p, s.data(), s.size());
      const size_t n = s.size();
      std::memcpy(raw_, &p, sizeof(p));
      std::memcpy(raw_ + sizeof(p), &n, sizeof(n));
      raw_[kTag] = static_cast<char>(kHeap);
    }
  }
  void Release() {
    if (!is_inline()) delete[] HeapPtr();
  }

  alignas(8) char raw_[kInline + 1];
};
static_assert(sizeof(KeyString) == 32);

}  // namespace stockd::engine
