// engine/types/zset.h — the sorted set value: members ordered by (score,
// member bytes), as Redis's zset.
//
// Contract:
//  * The order is a ZIndex (zset_index.h: an order-statistic B+ tree, where
//    Redis has a skiplist with spans) — O(log n) insert, delete, rank and
//    access by rank, with far fewer cache misses; a hash set of the members'
//    nodes gives O(1) ZSCORE. A node (score + the member's bytes, one
//    allocation) lives until its member is removed — a new score moves the
//    same node — so the hash set's keys are views of the nodes' member bytes.
//  * OBJECT ENCODING reports "listpack" while the set is small (≤ 128 members,
//    each ≤ 64 bytes: zset-max-listpack-entries / -value) and "skiplist" once
//    it outgrew that, as Redis 7.0 converts (and only the *STORE commands
//    convert a small result back: ShrinkIfSmall).
//  * Scores are never NaN (callers reject NaN before they get here).
//  * Not thread-safe: guarded by the lock of the shard holding the key.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_set.h"
#include "absl/functional/function_ref.h"
#include "engine/types/rows.h"
#include "engine/types/zset_index.h"
#include "engine/value.h"

namespace stockd::engine {

// A score interval: [min, max] with either end exclusive ("(1.5").
struct ScoreRange {
  double min = 0, max = 0;
  bool minex = false, maxex = false;
  bool GteMin(double v) const { return minex ? v > min : v >= min; }
  bool LteMax(double v) const { return maxex ? v < max : v <= max; }
};

// A lexicographic interval: "[a" inclusive, "(a" exclusive, "-" and "+" the
// infinities.
struct LexRange {
  std::string min, max;
  bool minex = false, maxex = false;
  bool min_neg_inf = false, max_pos_inf = false;
  bool GteMin(std::string_view v) const;
  bool LteMax(std::string_view v) const;
};

class ZSetObject final : public Object {
 public:
  using Node = ZNode;

  static constexpr size_t kMaxListpackEntries = 128;
  static constexpr size_t kMaxListpackValue = 64;

  ZSetObject();
  ~ZSetObject() override;
  ZSetObject(const ZSetObject&) = delete;
  ZSetObject& operator=(const ZSetObject&) = delete;

  ValueType type() const override { return ValueType::kZSet; }
  Encoding encoding() const override { return big_ ? Encoding::kSkiplist : Encoding::kListpack; }
  size_t MemoryUsage() const override;
  std::unique_ptr<Object> Clone() const override;

  size_t size() const { return index_.size(); }
  bool empty() const { return index_.size() == 0; }

  // The member's score; false when absent.
  bool Score(std::string_view member, double* score) const;
  // The member's node (an opaque handle valid until the member is removed),
  // or nullptr: ZADD looks a member up once and then updates or adds it.
  Node* Find(std::string_view member) const;
  static double ScoreOf(const Node* n) { return n->score; }
  // Moves an existing member to `score` (same node, no re-allocation).
  void Update(Node* n, double score);
  // Inserts a member that is absent (REQUIRES: Find(member) == nullptr).
  void Add(std::string_view member, double score);
  // Inserts the member or moves it to its new score. Returns true when added.
  bool Set(std::string_view member, double score);
  // Removes the member; false when absent.
  bool Remove(std::string_view member);
  // 0-based rank in ascending (or, with reverse, descending) order; -1 when absent.
  int64_t Rank(std::string_view member, bool reverse) const;

  // Calls fn(member, score) for ranks [start, end] (0-based, inclusive,
  // already clamped to the set) in ascending order, or descending with reverse
  // (then rank 0 is the highest score).
  void ForRankRange(size_t start, size_t end, bool reverse,
                    absl::FunctionRef<void(std::string_view, double)> fn) const;
  // Members with scores in range, ascending (or descending with reverse),
  // skipping `offset` and stopping after `limit` (< 0 = no limit).
  void ForScoreRange(const ScoreRange& range, bool reverse, int64_t offset, int64_t limit,
                     absl::FunctionRef<void(std::string_view, double)> fn) const;
  void ForLexRange(const LexRange& range, bool reverse, int64_t offset, int64_t limit,
                   absl::FunctionRef<void(std::string_view, double)> fn) const;
  size_t CountScore(const ScoreRange& range) const;
  size_t CountLex(const LexRange& range) const;
  // Every member, ascending.
  void ForEach(absl::FunctionRef<void(std::string_view, double)> fn) const;

  // The lowest (or highest) member; REQUIRES: !empty().
  std::pair<std::string_view, double> Edge(bool highest) const;
  // Calls fn(member, score) for the lowest (or highest) member, then removes
  // it. REQUIRES: !empty().
  void PopEdge(bool highest, absl::FunctionRef<void(std::string_view, double)> fn);
  // Back to "listpack" when the set fits (the *STORE commands' result).
  void ShrinkIfSmall();

  // Members added, removed or re-scored since the persister last wrote the
  // set (rows.h).
  mutable MemberRows rows;

 private:
  ZIndex::Pos FirstInScore(const ScoreRange& r) const;
  ZIndex::Pos LastInScore(const ScoreRange& r) const;
  ZIndex::Pos FirstInLex(const LexRange& r) const;
  ZIndex::Pos LastInLex(const LexRange& r) const;
  void Insert(std::string_view member, double score);
  // Un-indexes and frees n.
  void Erase(Node* n);
  void NoteMember(std::string_view member);

  ZIndex index_;
  bool big_ = false;
  // member -> node, keyed by the node's own bytes: an 8-byte slot per member.
  struct NodeHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const;
    size_t operator()(const Node* n) const;
  };
  struct NodeEq {
    using is_transparent = void;
    bool operator()(const Node* a, const Node* b) const;
    bool operator()(const Node* a, std::string_view b) const;
    bool operator()(std::string_view a, const Node* b) const { return (*this)(b, a); }
  };
  absl::flat_hash_set<Node*, NodeHash, NodeEq> dict_;
};

// The sorted set at v, or nullptr when v holds another type.
inline ZSetObject* AsZSet(Value& v) {
  if (v.is_string() || v.object()->type() != ValueType::kZSet) return nullptr;
  return static_cast<ZSetObject*>(v.object());
}

}  // namespace stockd::engine
