// engine/types/zset_index.cc — see zset_index.h.
#include "engine/types/zset_index.h"

#include <algorithm>
#include <cassert>
#include <cstddef>
#include <cstring>
#include <new>

namespace stockd::engine {

namespace {
// A leaf's scores are 512 bytes: a binary search touches ~4 cache lines and an
// insert moves half a leaf on average. Inner nodes index 32 children.
constexpr int kLeafCap = 64;
constexpr int kInnerCap = 32;
constexpr int kLeafMergeBelow = kLeafCap / 4;
}  // namespace

ZNode* ZNode::Make(std::string_view member, double score) {
  const size_t bytes = std::max(sizeof(ZNode), offsetof(ZNode, bytes) + member.size());
  ZNode* n = static_cast<ZNode*>(::operator new(bytes));
  n->score = score;
  n->len = static_cast<uint32_t>(member.size());
  if (!member.empty()) std::memcpy(n->bytes, member.data(), member.size());
  return n;
}

void ZNode::Free(ZNode* n) { ::operator delete(n); }

// Scores apart from node pointers: a search compares scores and reads a
// member only on a tie.
struct ZIndex::Leaf {
  int n = 0;
  Leaf* prev = nullptr;
  Leaf* next = nullptr;
  double score[kLeafCap];
  ZNode* node[kLeafCap];
};

struct ZIndex::Inner {
  int n = 0;  // children
  double key_score[kInnerCap];  // [0] unused: key i is child i's smallest entry
  const ZNode* key_node[kInnerCap];
  void* child[kInnerCap];
  size_t count[kInnerCap];  // entries under child i
};

ZIndex::ZIndex() : root_(new Leaf), first_(static_cast<Leaf*>(root_)), last_(first_) {}

ZIndex::~ZIndex() { FreeTree(root_, height_); }

void ZIndex::FreeTree(void* node, int height) {
  if (height == 0) {
    delete static_cast<Leaf*>(node);
    return;
  }
  Inner* in = static_cast<Inner*>(node);
  for (int i = 0; i < in->n; ++i) FreeTree(in->child[i], height - 1);
  delete in;
}

size_t ZIndex::MemoryUsage() const { return leaves_ * sizeof(Leaf) + inners_ * sizeof(Inner); }

namespace {
// The first position in [lo, hi) whose entry (scores[i], nodes[i]) is not
// `before`: leaves and inner keys are both searched this way.
template <class Before, class Node>
int FirstNotBefore(const Before& before, const double* scores, Node* const* nodes, int lo, int hi) {
  while (lo < hi) {
    const int mid = (lo + hi) / 2;
    if (before(scores[mid], nodes[mid])) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
}  // namespace

template <class Before>
int ZIndex::Descend(const Before& before, Path* path, Leaf** leaf, size_t* rank) const {
  size_t r = 0;
  void* x = root_;
  path->depth = height_;
  for (int level = 0; level < height_; ++level) {
    Inner* in = static_cast<Inner*>(x);
    // The last child whose smallest entry is still `before` (else child 0).
    const int c = FirstNotBefore(before, in->key_score, in->key_node, 1, in->n) - 1;
    if (rank != nullptr) {
      for (int i = 0; i < c; ++i) r += in->count[i];
    }
    path->node[level] = in;
    path->child[level] = c;
    x = in->child[c];
  }
  Leaf* l = static_cast<Leaf*>(x);
  const int lo = FirstNotBefore(before, l->score, l->node, 0, l->n);
  *leaf = l;
  if (rank != nullptr) *rank = r + static_cast<size_t>(lo);
  return lo;
}

namespace {
// before(e) = e < (s, m) and e <= (s, m), reading e's member only on a tie.
struct Below {
  double s;
  std::string_view m;
  bool operator()(double es, const ZNode* e) const { return es < s || (es == s && e->member().compare(m) < 0); }
};
struct AtOrBelow {
  double s;
  std::string_view m;
  bool operator()(double es, const ZNode* e) const { return es < s || (es == s && e->member().compare(m) <= 0); }
};
}  // namespace

void ZIndex::Insert(ZNode* n) {
  Path path;
  Leaf* leaf;
  const int idx = Descend(Below{n->score, n->member()}, &path, &leaf, nullptr);
  InsertAt(path, leaf, idx, n);
}

void ZIndex::InsertAt(Path& path, Leaf* leaf, int idx, ZNode* n) {
  for (int l = 0; l < path.depth; ++l) ++path.node[l]->count[path.child[l]];
  ++size_;
  auto put = [](Leaf* lf, int i, double s, ZNode* nd) {
    std::memmove(&lf->score[i + 1], &lf->score[i], sizeof(double) * static_cast<size_t>(lf->n - i));
    std::memmove(&lf->node[i + 1], &lf->node[i], sizeof(ZNode*) * static_cast<size_t>(lf->n - i));
    lf->score[i] = s;
    lf->node[i] = nd;
    ++lf->n;
  };
  if (leaf->n < kLeafCap) {
    put(leaf, idx, n->score, n);
    return;
  }
  // Split the full leaf in halves, then insert into the half that holds idx.
  Leaf* right = new Leaf;
  ++leaves_;
  constexpr int kHalf = kLeafCap / 2;
  right->n = kLeafCap - kHalf;
  std::memcpy(right->score, &leaf->score[kHalf], sizeof(double) * static_cast<size_t>(right->n));
  std::memcpy(right->node, &leaf->node[kHalf], sizeof(ZNode*) * static_cast<size_t>(right->n));
  leaf->n = kHalf;
  right->prev = leaf;
  right->next = leaf->next;
  if (leaf->next != nullptr) leaf->next->prev = right;
  else last_ = right;
  leaf->next = right;
  if (idx <= kHalf) put(leaf, idx, n->score, n);
  else put(right, idx - kHalf, n->score, n);

  // Hang `right` after its left sibling, splitting full inner nodes upwards.
  void* new_child = right;
  double key_s = right->score[0];
  const ZNode* key_n = right->node[0];
  size_t left_count = static_cast<size_t>(leaf->n), right_count = static_cast<size_t>(right->n);
  for (int l = path.depth - 1; l >= 0; --l) {
    Inner* in = path.node[l];
    const int c = path.child[l];
    in->count[c] = left_count;
    if (in->n < kInnerCap) {
      const size_t tail = static_cast<size_t>(in->n - c - 1);
      std::memmove(&in->key_score[c + 2], &in->key_score[c + 1], sizeof(double) * tail);
      std::memmove(&in->key_node[c + 2], &in->key_node[c + 1], sizeof(ZNode*) * tail);
      std::memmove(&in->child[c + 2], &in->child[c + 1], sizeof(void*) * tail);
      std::memmove(&in->count[c + 2], &in->count[c + 1], sizeof(size_t) * tail);
      in->key_score[c + 1] = key_s;
      in->key_node[c + 1] = key_n;
      in->child[c + 1] = new_child;
      in->count[c + 1] = right_count;
      ++in->n;
      return;
    }
    // Full: lay out the kInnerCap + 1 children, keep the first half here.
    double ks[kInnerCap + 1];
    const ZNode* kn[kInnerCap + 1];
    void* ch[kInnerCap + 1];
    size_t cnt[kInnerCap + 1];
    for (int i = 0, j = 0; i <= kInnerCap; ++i) {
      if (i == c + 1) {
        ks[i] = key_s, kn[i] = key_n, ch[i] = new_child, cnt[i] = right_count;
      } else {
        ks[i] = in->key_score[j], kn[i] = in->key_node[j], ch[i] = in->child[j], cnt[i] = in->count[j];
        ++j;
      }
    }
    constexpr int kKeep = (kInnerCap + 1) / 2;
    Inner* r = new Inner;
    ++inners_;
    in->n = kKeep;
    r->n = kInnerCap + 1 - kKeep;
    left_count = right_count = 0;
    for (int i = 0; i < kKeep; ++i) {
      in->key_score[i] = ks[i], in->key_node[i] = kn[i], in->child[i] = ch[i], in->count[i] = cnt[i];
      left_count += cnt[i];
    }
    for (int i = 0; i < r->n; ++i) {
      r->key_score[i] = ks[kKeep + i], r->key_node[i] = kn[kKeep + i];
      r->child[i] = ch[kKeep + i], r->count[i] = cnt[kKeep + i];
      right_count += cnt[kKeep + i];
    }
    new_child = r;
    key_s = ks[kKeep];  // r's smallest entry: the key of its child 0
    key_n = kn[kKeep];
  }
  // The root split: a new root above the two halves.
  Inner* root = new Inner;
  ++inners_;
  root->n = 2;
  root->child[0] = root_;
  root->count[0] = left_count;
  root->child[1] = new_child;
  root->count[1] = right_count;
  root->key_score[1] = key_s;
  root->key_node[1] = key_n;
  root_ = root;
  ++height_;
  assert(height_ < kMaxHeight);
}

void ZIndex::Erase(const ZNode* n, double score) {
  Path path;
  Leaf* leaf;
  const int after = Descend(AtOrBelow{score, n->member()}, &path, &leaf, nullptr);
  assert(after > 0 && leaf->node[after - 1] == n && "erasing an entry that is not in the index");
  EraseAt(path, leaf, after - 1);
}

void ZIndex::FixSeparator(const Path& path, int from_level) {
  // The one key naming a subtree's smallest entry sits at the lowest level
  // where the path does not take child 0.
  for (int l = from_level; l >= 0; --l) {
    const int c = path.child[l];
    if (c == 0) continue;
    void* x = path.node[l]->child[c];
    for (int h = l + 1; h < height_; ++h) x = static_cast<Inner*>(x)->child[0];
    const Leaf* lf = static_cast<Leaf*>(x);
    path.node[l]->key_score[c] = lf->score[0];
    path.node[l]->key_node[c] = lf->node[0];
    return;
  }
}

void ZIndex::EraseAt(Path& path, Leaf* leaf, int idx) {
  for (int l = 0; l < path.depth; ++l) --path.node[l]->count[path.child[l]];
  --size_;
  const size_t tail = static_cast<size_t>(leaf->n - idx - 1);
  std::memmove(&leaf->score[idx], &leaf->score[idx + 1], sizeof(double) * tail);
  std::memmove(&leaf->node[idx], &leaf->node[idx + 1], sizeof(ZNode*) * tail);
  --leaf->n;
  if (size_ == 0) {  // back to one empty leaf
    FreeTree(root_, height_);
    root_ = first_ = last_ = new Leaf;
    height_ = 0;
    leaves_ = 1;
    inners_ = 0;
    return;
  }
  if (path.depth == 0) return;  // the root leaf
  if (leaf->n == 0) {
    if (leaf->prev != nullptr) leaf->prev->next = leaf->next;
    else first_ = leaf->next;
    if (leaf->next != nullptr) leaf->next->prev = leaf->prev;
    else last_ = leaf->prev;
    delete leaf;
    --leaves_;
    RemoveChild(path, path.depth - 1);
    return;
  }
  if (idx == 0) FixSeparator(path, path.depth - 1);
  MaybeMergeLeaf(path, leaf);
}

void ZIndex::RemoveChild(Path& path, int level) {
  Inner* in = path.node[level];
  const int c = path.child[level];
  const size_t tail = static_cast<size_t>(in->n - c - 1);
  std::memmove(&in->key_score[c], &in->key_score[c + 1], sizeof(double) * tail);
  std::memmove(&in->key_node[c], &in->key_node[c + 1], sizeof(ZNode*) * tail);
  std::memmove(&in->child[c], &in->child[c + 1], sizeof(void*) * tail);
  std::memmove(&in->count[c], &in->count[c + 1], sizeof(size_t) * tail);
  --in->n;
  if (in->n == 0) {  // (not the root: the tree is not empty)
    assert(level > 0);
    delete in;
    --inners_;
    RemoveChild(path, level - 1);
    return;
  }
  if (c == 0) FixSeparator(path, level - 1);  // in's smallest entry changed
  // A root with one child gives way to it.
  while (height_ > 0 && static_cast<Inner*>(root_)->n == 1) {
    Inner* old = static_cast<Inner*>(root_);
    root_ = old->child[0];
    delete old;
    --inners_;
    --height_;
  }
}

void ZIndex::MaybeMergeLeaf(Path& path, Leaf* leaf) {
  if (leaf->n >= kLeafMergeBelow) return;
  const int level = path.depth - 1;
  Inner* p = path.node[level];
  const int c = path.child[level];
  Leaf* left;
  Leaf* right;
  int rc;  // the right one's child index
  if (c + 1 < p->n && leaf->n + static_cast<Leaf*>(p->child[c + 1])->n <= kLeafCap) {
    left = leaf, right = static_cast<Leaf*>(p->child[c + 1]), rc = c + 1;
  } else if (c > 0 && static_cast<Leaf*>(p->child[c - 1])->n + leaf->n <= kLeafCap) {
    left = static_cast<Leaf*>(p->child[c - 1]), right = leaf, rc = c;
  } else {
    return;
  }
  // Siblings are neighbours in the leaf list: append right to left.
  assert(left->next == right);
  std::memcpy(&left->score[left->n], right->score, sizeof(double) * static_cast<size_t>(right->n));
  std::memcpy(&left->node[left->n], right->node, sizeof(ZNode*) * static_cast<size_t>(right->n));
  left->n += right->n;
  p->count[rc - 1] = static_cast<size_t>(left->n);
  left->next = right->next;
  if (right->next != nullptr) right->next->prev = left;
  else last_ = left;
  delete right;
  --leaves_;
  path.child[level] = rc;  // rc > 0: the keys above stay right
  RemoveChild(path, level);
}

void ZIndex::Move(ZNode* n, double old_score) {
  Path path;
  Leaf* leaf;
  const int after = Descend(AtOrBelow{old_score, n->member()}, &path, &leaf, nullptr);
  const int i = after - 1;
  assert(i >= 0 && leaf->node[i] == n && "moving an entry that is not in the index");
  const double s = n->score;
  const std::string_view m = n->member();
  // In place when it stays between its neighbours (Redis's zslUpdateScore).
  const Pos pos{leaf, i};
  const Pos prev = Prev(pos), next = Next(pos);
  const bool after_prev = !prev.valid() || Below{s, m}(ScoreAt(prev), At(prev));
  const bool before_next = !next.valid() || !AtOrBelow{s, m}(ScoreAt(next), At(next));
  if (after_prev && before_next) {
    leaf->score[i] = s;
    if (i == 0 && path.depth > 0) FixSeparator(path, path.depth - 1);
    return;
  }
  EraseAt(path, leaf, i);
  Insert(n);
}

size_t ZIndex::Rank(const ZNode* n) const {
  Path path;
  Leaf* leaf;
  size_t r;
  const int after = Descend(AtOrBelow{n->score, n->member()}, &path, &leaf, &r);
  assert(after > 0 && leaf->node[after - 1] == n);
  (void)after;
  return r - 1;
}

ZIndex::Pos ZIndex::LowerBound(absl::FunctionRef<bool(double, const ZNode*)> before, size_t* rank) const {
  Path path;
  Leaf* leaf;
  const int idx = Descend(before, &path, &leaf, rank);
  if (idx < leaf->n) return Pos{leaf, idx};
  return Pos{leaf->next, 0};  // the next leaf's first entry, or the end
}

ZIndex::Pos ZIndex::AtRank(size_t rank) const {
  assert(rank < size_);
  void* x = root_;
  for (int level = 0; level < height_; ++level) {
    Inner* in = static_cast<Inner*>(x);
    int c = 0;
    while (c + 1 < in->n && rank >= in->count[c]) rank -= in->count[c++];
    x = in->child[c];
  }
  return Pos{static_cast<Leaf*>(x), static_cast<int>(rank)};
}

ZIndex::Pos ZIndex::Last() const { return size_ == 0 ? Pos{} : Pos{last_, last_->n - 1}; }

ZIndex::Pos ZIndex::Next(Pos p) const {
  if (p.idx + 1 < p.leaf->n) return Pos{p.leaf, p.idx + 1};
  return Pos{p.leaf->next, 0};
}

ZIndex::Pos ZIndex::Prev(Pos p) const {
  if (p.idx > 0) return Pos{p.leaf, p.idx - 1};
  Leaf* l = p.leaf->prev;
  return l == nullptr ? Pos{} : Pos{l, l->n - 1};
}

long long ZIndex::CheckSubtree(const void* node, int height, const Leaf** prev_leaf, std::string* why) const {
  if (height == 0) {
    const Leaf* l = static_cast<const Leaf*>(node);
    if (l->prev != *prev_leaf) return *why = "leaf prev link", -1;
    if (*prev_leaf != nullptr && (*prev_leaf)->next != l) return *why = "leaf next link", -1;
    if (l->n <= 0 && size_ != 0) return *why = "empty leaf in a non-empty index", -1;
    for (int i = 0; i < l->n; ++i) {
      if (l->score[i] != l->node[i]->score) return *why = "leaf score differs from its node's", -1;
      if (i > 0 && !ZLess(l->score[i - 1], l->node[i - 1]->member(), l->score[i], l->node[i]->member()))
        return *why = "leaf out of order", -1;
    }
    if (*prev_leaf != nullptr && l->n > 0) {
      const Leaf* p = *prev_leaf;
      if (!ZLess(p->score[p->n - 1], p->node[p->n - 1]->member(), l->score[0], l->node[0]->member()))
        return *why = "leaves out of order", -1;
    }
    *prev_leaf = l;
    return l->n;
  }
  const Inner* in = static_cast<const Inner*>(node);
  if (in->n <= 0 || in->n > kInnerCap) return *why = "inner child count", -1;
  if (node == root_ && in->n < 2) return *why = "root with one child", -1;
  long long total = 0;
  for (int i = 0; i < in->n; ++i) {
    const void* x = in->child[i];
    for (int h = height - 1; h > 0; --h) x = static_cast<const Inner*>(x)->child[0];
    const Leaf* leftmost = static_cast<const Leaf*>(x);
    if (i > 0 && (in->key_node[i] != leftmost->node[0] || in->key_score[i] != leftmost->score[0]))
      return *why = "inner key is not its child's smallest entry", -1;
    long long c = CheckSubtree(in->child[i], height - 1, prev_leaf, why);
    if (c < 0) return -1;
    if (static_cast<size_t>(c) != in->count[i]) return *why = "inner count", -1;
    total += c;
  }
  return total;
}

bool ZIndex::CheckInvariants(std::string* why) const {
  const Leaf* prev = nullptr;
  long long n = CheckSubtree(root_, height_, &prev, why);
  if (n < 0) return false;
  if (static_cast<size_t>(n) != size_) return *why = "size", false;
  const void* x = root_;
  for (int h = height_; h > 0; --h) x = static_cast<const Inner*>(x)->child[0];
  if (x != first_ || prev != last_ || last_->next != nullptr) return *why = "first/last leaf", false;
  return true;
}

ZNode* ZIndex::At(Pos p) const { return p.leaf->node[p.idx]; }
double ZIndex::ScoreAt(Pos p) const { return p.leaf->score[p.idx]; }

}  // namespace stockd::engine
