// engine/types/hash.h — the hash value: field → value.
//
// Contract:
//  * Two encodings, switched exactly where Redis 7.0 switches them (so OBJECT
//    ENCODING matches redis-server): "listpack" — a vector of (field, value)
//    pairs in insertion order, linear search — while the hash has at most
//    kMaxListpackEntries (hash-max-listpack-entries, 512) fields and every
//    field and value is at most kMaxListpackValue (hash-max-listpack-value,
//    64) bytes; then "hashtable" — a flat_hash_map — for good. Like Redis, a
//    hash never converts back.
//  * The hashtable keys fields by KeyString (up to 31 bytes inline): a lookup
//    compares the field in the slot it just read, without one more cache miss
//    for the field's heap block (HSET -P16 on a 100k-field hash: that miss
//    was a fifth of the server's CPU).
//  * Listpack order is observable (HGETALL, HKEYS) and matches Redis's: new
//    fields append, updates keep their place, deletions close the gap.
//  * Never stored empty (the family deletes the key with the last field).
//  * Not thread-safe: guarded by the lock of the shard holding the key.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "engine/key_hash.h"
#include "engine/key_string.h"
#include "engine/types/rows.h"
#include "engine/value.h"

namespace stockd::engine {

class HashObject final : public Object {
 public:
  static constexpr size_t kMaxListpackEntries = 512;
  static constexpr size_t kMaxListpackValue = 64;

  ValueType type() const override { return ValueType::kHash; }
  Encoding encoding() const override {
    return big_ ? Encoding::kHashtable : Encoding::kListpack;
  }
  size_t MemoryUsage() const override;
  std::unique_ptr<Object> Clone() const override;

  size_t size() const { return big_ ? map_.size() : pairs_.size(); }
  bool empty() const { return size() == 0; }
  bool is_listpack() const { return !big_; }

  // The value of field, or nullptr.
  const std::string* Find(std::string_view field) const;
  std::string* Find(std::string_view field);
  // Sets field to value; true when the field is new.
  bool Set(std::string_view field, std::string_view value);
  // Removes field; true when it existed.
  bool Erase(std::string_view field);
  // Converts to "hashtable" now when a coming write of these lengths would
  // (Redis's hashTypeTryConversion over a command's arguments).
  void PrepareFor(size_t field_len, size_t value_len);

  // Calls fn(field, value) for every field: insertion order for listpack.
  // The views stay valid until the hash is modified.
  void ForEachField(absl::FunctionRef<void(std::string_view, const std::string&)> fn) const;
  // The same for a callback that takes the field as a const std::string&:
  // the field is copied into a temporary string first, so prefer ForEachField.
  template <class Fn>
  void ForEach(Fn&& fn) const {
    if constexpr (std::is_invocable_v<Fn&, std::string_view, const std::string&>) {
      ForEachField(fn);
    } else {
      std::string field;
      ForEachField([&](std::string_view f, const std::string& v) {
        field.assign(f.data(), f.size());
        fn(static_cast<const std::string&>(field), v);
      });
    }
  }
  // The pair at position i in [0, size()) of the iteration order. O(1) for
  // listpack, O(i) for hashtable (HRANDFIELD only).
  std::pair<std::string_view, const std::string*> At(size_t i) const;

  // Fields changed since the persister last wrote the hash (rows.h).
  mutable MemberRows rows;

 private:
  void Convert();

  bool big_ = false;
  std::vector<std::pair<std::string, std::string>> pairs_;  // listpack
  absl::flat_hash_map<KeyString, std::string, KeyHasher, KeyEq> map_;  // hashtable
};

// The hash at v, or nullptr when v holds another type.
inline HashObject* AsHash(Value& v) {
  if (v.is_string() || v.object()->type() != ValueType::kHash) return nullptr;
  return static_cast<HashObject*>(v.object());
}

}  // namespace stockd::engine
