// engine/types/zset_index.h — the order of a sorted set: an order-statistic
// B+ tree of (score, member) entries (what Redis keeps in its zskiplist).
//
// Why a B+ tree and not Redis's skiplist: a skiplist walk is a chain of
// dependent cache misses, one node per hop, and ZADD on a big set walks twice
// (unlink, relink) — on redis-benchmark's ZADD (100k members, random scores)
// the two walks were half of stockd's CPU. Here an entry is 16 bytes in an
// array (the score, then a pointer to the member's node for ties): a 100k set's
// leaves fit in a core's L2, its inner nodes in L1, a lookup is ~3 binary
// searches, and a change moves a few hundred bytes within one leaf.
//
// Contract:
//  * Entries are unique by (score, member) and ordered by score, then member
//    bytes (memcmp order, a prefix first) — Redis's zslInsert order. The index
//    does not own the ZNodes; it never reads them except to compare members.
//  * A position (Pos) is a leaf and an index in it; it is valid until the next
//    Insert or Erase. Rank is 0-based.
//  * Inner node invariant: key[i] (i >= 1) is the smallest entry of child i's
//    subtree and count[i] its number of entries. Leaves are doubly linked.
//  * A leaf left with under a quarter of its 64 slots merges into a
//    neighbour under the same parent when both fit in one; empty nodes are
//    freed; a root with one child is replaced by it. Inner nodes are not
//    merged (there are ~1/20 as many of them as leaves), so a set that shrank
//    keeps a few sparse inner nodes until it is emptied.
//  * Not thread-safe: guarded by the lock of the shard holding the key.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/functional/function_ref.h"

namespace stockd::engine {

// A member of a sorted set: its score and bytes in one allocation, owned by
// ZSetObject, found by member through its dict and by order through ZIndex.
struct ZNode {
  double score;
  uint32_t len;
  char bytes[4];  // `len` of them (allocated past the end)

  std::string_view member() const { return {bytes, len}; }
  static ZNode* Make(std::string_view member, double score);
  static void Free(ZNode* n);
};

// (score, member) order; member bytes compared as Redis's sdscmp.
inline bool ZLess(double as, std::string_view am, double bs, std::string_view bm) {
  return as < bs || (as == bs && am.compare(bm) < 0);
}

class ZIndex {
 public:
  struct Leaf;
  struct Pos {
    Leaf* leaf = nullptr;  // nullptr: past the end (or before the beginning)
    int idx = 0;
    bool valid() const { return leaf != nullptr; }
  };

  ZIndex();
  ~ZIndex();
  ZIndex(const ZIndex&) = delete;
  ZIndex& operator=(const ZIndex&) = delete;

  size_t size() const { return size_; }
  // Bytes held by the tree's own nodes (not the ZNodes).
  size_t MemoryUsage() const;

  // Inserts n at its place. REQUIRES: no entry equal to (n->score, n->member()).
  void Insert(ZNode* n);
  // Removes n, which is in the index with score `score` (n->score may already
  // hold a new value: Update passes the old one).
  void Erase(const ZNode* n, double score);
  // Moves n from old_score to n->score (an in-place change when the order
  // stays: neighbours still below and above).
  void Move(ZNode* n, double old_score);
  // 0-based rank of n (with its current score).
  size_t Rank(const ZNode* n) const;

  // The first position whose entry does not satisfy before(score, node)
  // (true for a prefix of the order, false after it; it should read the
  // node's member only on a tie it cares about: that read is a cache miss),
  // and its rank (the number of entries before it).
  Pos LowerBound(absl::FunctionRef<bool(double, const ZNode*)> before, size_t* rank) const;
  Pos AtRank(size_t rank) const;  // REQUIRES: rank < size()
  Pos First() const { return Pos{size_ == 0 ? nullptr : first_, 0}; }
  Pos Last() const;
  Pos Next(Pos p) const;
  Pos Prev(Pos p) const;
  ZNode* At(Pos p) const;
  double ScoreAt(Pos p) const;

  // For tests: walks the whole tree and checks every invariant above (order,
  // counts, keys, leaf links, size); false with a reason in *why otherwise.
  bool CheckInvariants(std::string* why) const;
  int height() const { return height_; }

 private:
  struct Inner;
  static constexpr int kMaxHeight = 16;
  struct Path {
    int depth = 0;  // inner nodes on the path (== height_)
    Inner* node[kMaxHeight];
    int child[kMaxHeight];
  };
  // Descends to the leaf holding the first entry not `before`; fills path and
  // returns the index in that leaf (may be the leaf's size: then the answer
  // is the next leaf's first entry).
  template <class Before>
  int Descend(const Before& before, Path* path, Leaf** leaf, size_t* rank) const;
  void InsertAt(Path& path, Leaf* leaf, int idx, ZNode* n);
  void EraseAt(Path& path, Leaf* leaf, int idx);
  void RemoveChild(Path& path, int level);
  void FixSeparator(const Path& path, int from_level);
  void MaybeMergeLeaf(Path& path, Leaf* leaf);
  static void FreeTree(void* node, int height);
  // CheckInvariants's walk: the subtree's entry count, or -1 (why set).
  long long CheckSubtree(const void* node, int height, const Leaf** prev_leaf, std::string* why) const;

  void* root_;        // a Leaf when height_ == 0, else an Inner
  int height_ = 0;    // inner levels above the leaves
  Leaf* first_;
  Leaf* last_;
  size_t size_ = 0;
  size_t leaves_ = 1, inners_ = 0;
};

}  // namespace stockd::engine
