// engine/types/set.h — the set value.
//
// Contract:
//  * Two encodings, switched where Redis 7.0 switches them: "intset" — a
//    sorted vector of int64 — while every member is the canonical decimal
//    form of an int64 (string2ll) and there are at most kMaxIntsetEntries
//    (set-max-intset-entries, 512) members; then "hashtable" for good. (Redis
//    7.0 has no listpack sets; they came in 7.2.) Like Redis, an intset's
//    members iterate in ascending numeric order.
//  * "hashtable" keeps members in a dense vector plus a flat hash set that
//    indexes them, so SPOP / SRANDMEMBER pick uniformly in O(1) and SREM is
//    O(1) (swap with the last, fix its position). A member is one allocation
//    (length, position in the vector, then its bytes), so a lookup that hits
//    reads one block past the table — no std::string header then heap bytes.
//  * Never stored empty (the family deletes the key with the last member).
//  * Not thread-safe: guarded by the lock of the shard holding the key.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/functional/function_ref.h"
#include "engine/key_hash.h"
#include "engine/types/rows.h"
#include "engine/value.h"

namespace stockd::engine {

class SetObject final : public Object {
 public:
  static constexpr size_t kMaxIntsetEntries = 512;

  SetObject() = default;
  ~SetObject() override;
  SetObject(const SetObject&) = delete;
  SetObject& operator=(const SetObject&) = delete;

  ValueType type() const override { return ValueType::kSet; }
  Encoding encoding() const override { return big_ ? Encoding::kHashtable : Encoding::kIntset; }
  size_t MemoryUsage() const override;
  std::unique_ptr<Object> Clone() const override;

  // A new set in the encoding Redis's setTypeCreate picks for its first member.
  static std::unique_ptr<SetObject> ForFirst(std::string_view member);

  size_t size() const { return big_ ? dense_.size() : ints_.size(); }
  bool empty() const { return size() == 0; }
  bool is_intset() const { return !big_; }

  bool Contains(std::string_view member) const;
  // True when added (was absent).
  bool Add(std::string_view member);
  // True when removed (was present).
  bool Remove(std::string_view member);
  // Member at position i in [0, size()) of the iteration order, O(1); `buf`
  // holds an intset member's digits.
  std::string_view At(size_t i, char (&buf)[kIntBufferSize]) const;
  // Removes the member at position i (SPOP). O(1) for hashtable, O(n) intset.
  void RemoveAt(size_t i);
  // Calls fn(member) for every member (intset: ascending).
  void ForEach(absl::FunctionRef<void(std::string_view)> fn) const;

  // Members added or removed since the persister last wrote the set (rows.h).
  mutable MemberRows rows;

 private:
  bool AddMember(std::string_view member);
  bool RemoveMember(std::string_view member);
  // A "hashtable" member: its bytes follow the header in the same block.
  struct Member {
    uint32_t len;
    uint32_t pos;  // index in dense_
    const char* data() const { return reinterpret_cast<const char*>(this + 1); }
    std::string_view view() const { return {data(), len}; }
  };
  struct MemberHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return KeyHasher{}(s); }
    size_t operator()(const Member* m) const { return KeyHasher{}(m->view()); }
  };
  struct MemberEq {
    using is_transparent = void;
    static std::string_view V(std::string_view s) { return s; }
    static std::string_view V(const Member* m) { return m->view(); }
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const { return V(a) == V(b); }
  };
  static Member* MakeMember(std::string_view s, uint32_t pos);
  static void FreeMember(Member* m);

  void Convert();
  void RemoveDense(size_t i);
  // Adds to the hashtable; true when it was absent.
  bool AddBig(std::string_view member);

  bool big_ = false;
  std::vector<int64_t> ints_;  // intset, ascending
  // hashtable: the members (owned), in no particular order, and their index.
  absl::flat_hash_set<Member*, MemberHash, MemberEq> index_;
  std::vector<Member*> dense_;
};

// The set at v, or nullptr when v holds another type.
inline SetObject* AsSet(Value& v) {
  if (v.is_string() || v.object()->type() != ValueType::kSet) return nullptr;
  return static_cast<SetObject*>(v.object());
}
inline const SetObject* AsSet(const Value& v) {
  if (v.is_string() || v.object()->type() != ValueType::kSet) return nullptr;
  return static_cast<const SetObject*>(v.object());
}

}  // namespace stockd::engine
