#include "engine/types/zset.h"

#include <cstring>
#include <new>
#include <vector>

namespace stockd::engine {

namespace {
constexpr int kMaxLevel = 32;

// Redis's sdscmp: bytewise, a prefix sorts first.
int Compare(std::string_view a, std::string_view b) { return a.compare(b) < 0 ? -1 : (a == b ? 0 : 1); }
}  // namespace

struct ZSetObject::Node {
  struct Level {
    Node* forward = nullptr;
    size_t span = 0;
  };
  std::string member;
  double score = 0;
  Node* backward = nullptr;
  int height = 0;
  Level level[1];  // `height` of them (allocated past the end)

  static Node* Make(int height, std::string_view member, double score) {
    size_t bytes = sizeof(Node) + sizeof(Level) * static_cast<size_t>(height - 1);
    void* mem = ::operator new(bytes);
    Node* n = new (mem) Node();
    n->member.assign(member.data(), member.size());
    n->score = score;
    n->height = height;
    for (int i = 1; i < height; ++i) new (&n->level[i]) Level();
    return n;
  }
  static void Free(Node* n) {
    n->~Node();
    ::operator delete(n);
  }
  // (score, member) < (s, m)
  bool Before(double s, std::string_view m) const { return score < s || (score == s && Compare(member, m) < 0); }
};

bool LexRange::GteMin(std::string_view v) const {
  if (min_neg_inf) return true;
  int c = Compare(v, min);
  return minex ? c > 0 : c >= 0;
}

bool LexRange::LteMax(std::string_view v) const {
  if (max_pos_inf) return true;
  int c = Compare(v, max);
  return maxex ? c < 0 : c <= 0;
}

ZSetObject::ZSetObject() : header_(Node::Make(kMaxLevel, "", 0)) {}

ZSetObject::~ZSetObject() {
  Node* x = header_->level[0].forward;
  while (x != nullptr) {
    Node* next = x->level[0].forward;
    Node::Free(x);
    x = next;
  }
  Node::Free(header_);
}

size_t ZSetObject::MemoryUsage() const {
  size_t bytes = sizeof(*this) + dict_.capacity() * (sizeof(std::string_view) + sizeof(Node*) + 1);
  for (Node* x = header_->level[0].forward; x != nullptr; x = x->level[0].forward)
    bytes += sizeof(Node) + sizeof(Node::Level) * static_cast<size_t>(x->height - 1) + x->member.capacity();
  return bytes;
}

std::unique_ptr<Object> ZSetObject::Clone() const {
  auto copy = std::make_unique<ZSetObject>();
  ForEach([&](std::string_view m, double s) { copy->Insert(m, s); });
  copy->big_ = big_;
  return copy;
}

int ZSetObject::RandomLevel() {
  int level = 1;
  // xorshift64*: each extra level with probability 1/4.
  while (level < kMaxLevel) {
    rng_ ^= rng_ >> 12;
    rng_ ^= rng_ << 25;
    rng_ ^= rng_ >> 27;
    if (((rng_ * 0x2545F4914F6CDD1DULL) >> 62) != 0) break;
    ++level;
  }
  return level;
}

void ZSetObject::NoteMember(std::string_view member) {
  if (!big_ && (length_ > kMaxListpackEntries || member.size() > kMaxListpackValue)) big_ = true;
}

void ZSetObject::Insert(std::string_view member, double score) {
  Node* update[kMaxLevel];
  size_t rank[kMaxLevel];
  Node* x = header_;
  for (int i = level_ - 1; i >= 0; --i) {
    rank[i] = i == level_ - 1 ? 0 : rank[i + 1];
    while (x->level[i].forward != nullptr && x->level[i].forward->Before(score, member)) {
      rank[i] += x->level[i].span;
      x = x->level[i].forward;
    }
    update[i] = x;
  }
  int lvl = RandomLevel();
  if (lvl > level_) {
    for (int i = level_; i < lvl; ++i) {
      rank[i] = 0;
      update[i] = header_;
      header_->level[i].span = length_;
    }
    level_ = lvl;
  }
  x = Node::Make(lvl, member, score);
  for (int i = 0; i < lvl; ++i) {
    x->level[i].forward = update[i]->level[i].forward;
    update[i]->level[i].forward = x;
    x->level[i].span = update[i]->level[i].span - (rank[0] - rank[i]);
    update[i]->level[i].span = (rank[0] - rank[i]) + 1;
  }
  for (int i = lvl; i < level_; ++i) update[i]->level[i].span++;
  x->backward = update[0] == header_ ? nullptr : update[0];
  if (x->level[0].forward != nullptr) x->level[0].forward->backward = x;
  else tail_ = x;
  ++length_;
  dict_[std::string_view(x->member)] = x;
  NoteMember(member);
}

void ZSetObject::Delete(std::string_view member, double score) {
  Node* update[kMaxLevel];
  Node* x = header_;
  for (int i = level_ - 1; i >= 0; --i) {
    while (x->level[i].forward != nullptr && x->level[i].forward->Before(score, member)) x = x->level[i].forward;
    update[i] = x;
  }
  x = x->level[0].forward;
  if (x == nullptr || x->score != score || x->member != member) return;
  for (int i = 0; i < level_; ++i) {
    if (update[i]->level[i].forward == x) {
      update[i]->level[i].span += x->level[i].span - 1;
      update[i]->level[i].forward = x->level[i].forward;
    } else {
      update[i]->level[i].span -= 1;
    }
  }
  if (x->level[0].forward != nullptr) x->level[0].forward->backward = x->backward;
  else tail_ = x->backward;
  while (level_ > 1 && header_->level[level_ - 1].forward == nullptr) --level_;
  --length_;
  dict_.erase(std::string_view(x->member));
  Node::Free(x);
}

bool ZSetObject::Score(std::string_view member, double* score) const {
  auto it = dict_.find(member);
  if (it == dict_.end()) return false;
  *score = it->second->score;
  return true;
}

bool ZSetObject::Set(std::string_view member, double score) {
  if (score == 0) score = 0.0;  // -0 is stored (and shown) as 0, as in Redis
  auto it = dict_.find(member);
  if (it == dict_.end()) {
    Insert(member, score);
    return true;
  }
  Node* n = it->second;
  if (n->score == score) return false;
  // Stays in place when the order does not change (Redis's zslUpdateScore fast path).
  const Node* prev = n->backward;
  const Node* next = n->level[0].forward;
  bool after_prev = prev == nullptr || prev->Before(score, n->member);
  bool before_next = next == nullptr || score < next->score ||
                     (score == next->score && Compare(n->member, next->member) < 0);
  if (after_prev && before_next) {
    n->score = score;
    return false;
  }
  std::string keep(member);
  Delete(keep, n->score);
  Insert(keep, score);
  return false;
}

bool ZSetObject::Remove(std::string_view member) {
  auto it = dict_.find(member);
  if (it == dict_.end()) return false;
  std::string keep(member);
  Delete(keep, it->second->score);
  return true;
}

int64_t ZSetObject::Rank(std::string_view member, bool reverse) const {
  auto it = dict_.find(member);
  if (it == dict_.end()) return -1;
  const Node* target = it->second;
  size_t rank = 0;
  const Node* x = header_;
  for (int i = level_ - 1; i >= 0; --i) {
    while (x->level[i].forward != nullptr &&
           (x->level[i].forward->Before(target->score, target->member) || x->level[i].forward == target)) {
      rank += x->level[i].span;
      x = x->level[i].forward;
      if (x == target) break;
    }
    if (x == target) break;
  }
  int64_t r0 = static_cast<int64_t>(rank) - 1;
  return reverse ? static_cast<int64_t>(length_) - 1 - r0 : r0;
}

ZSetObject::Node* ZSetObject::FindByRank(size_t rank1) const {
  size_t traversed = 0;
  Node* x = header_;
  for (int i = level_ - 1; i >= 0; --i) {
    while (x->level[i].forward != nullptr && traversed + x->level[i].span <= rank1) {
      traversed += x->level[i].span;
      x = x->level[i].forward;
    }
    if (traversed == rank1) return x;
  }
  return nullptr;
}

void ZSetObject::ForRankRange(size_t start, size_t end, bool reverse,
                              absl::FunctionRef<void(std::string_view, double)> fn) const {
  if (length_ == 0 || start > end || start >= length_) return;
  if (end >= length_) end = length_ - 1;
  size_t n = end - start + 1;
  Node* x = reverse ? FindByRank(length_ - start) : FindByRank(start + 1);
  while (x != nullptr && n-- > 0) {
    fn(x->member, x->score);
    x = reverse ? x->backward : x->level[0].forward;
  }
}

ZSetObject::Node* ZSetObject::FirstInScore(const ScoreRange& r) const {
  Node* x = header_;
  for (int i = level_ - 1; i >= 0; --i)
    while (x->level[i].forward != nullptr && !r.GteMin(x->level[i].forward->score)) x = x->level[i].forward;
  x = x->level[0].forward;
  return x != nullptr && r.LteMax(x->score) ? x : nullptr;
}

ZSetObject::Node* ZSetObject::LastInScore(const ScoreRange& r) const {
  Node* x = header_;
  for (int i = level_ - 1; i >= 0; --i)
    while (x->level[i].forward != nullptr && r.LteMax(x->level[i].forward->score)) x = x->level[i].forward;
  return x != header_ && r.GteMin(x->score) ? x : nullptr;
}

ZSetObject::Node* ZSetObject::FirstInLex(const LexRange& r) const {
  Node* x = header_;
  for (int i = level_ - 1; i >= 0; --i)
    while (x->level[i].forward != nullptr && !r.GteMin(x->level[i].forward->member)) x = x->level[i].forward;
  x = x->level[0].forward;
  return x != nullptr && r.LteMax(x->member) ? x : nullptr;
}

ZSetObject::Node* ZSetObject::LastInLex(const LexRange& r) const {
  Node* x = header_;
  for (int i = level_ - 1; i >= 0; --i)
    while (x->level[i].forward != nullptr && r.LteMax(x->level[i].forward->member)) x = x->level[i].forward;
  return x != header_ && r.GteMin(x->member) ? x : nullptr;
}

void ZSetObject::ForScoreRange(const ScoreRange& r, bool reverse, int64_t offset, int64_t limit,
                               absl::FunctionRef<void(std::string_view, double)> fn) const {
  Node* x = reverse ? LastInScore(r) : FirstInScore(r);
  while (x != nullptr && offset > 0) {
    x = reverse ? x->backward : x->level[0].forward;
    --offset;
  }
  while (x != nullptr && limit != 0) {
    if (reverse ? !r.GteMin(x->score) : !r.LteMax(x->score)) break;
    fn(x->member, x->score);
    x = reverse ? x->backward : x->level[0].forward;
    if (limit > 0) --limit;
  }
}

void ZSetObject::ForLexRange(const LexRange& r, bool reverse, int64_t offset, int64_t limit,
                             absl::FunctionRef<void(std::string_view, double)> fn) const {
  Node* x = reverse ? LastInLex(r) : FirstInLex(r);
  while (x != nullptr && offset > 0) {
    x = reverse ? x->backward : x->level[0].forward;
    --offset;
  }
  while (x != nullptr && limit != 0) {
    if (reverse ? !r.GteMin(x->member) : !r.LteMax(x->member)) break;
    fn(x->member, x->score);
    x = reverse ? x->backward : x->level[0].forward;
    if (limit > 0) --limit;
  }
}

size_t ZSetObject::CountScore(const ScoreRange& r) const {
  Node* first = FirstInScore(r);
  if (first == nullptr) return 0;
  Node* last = LastInScore(r);
  if (last == nullptr) return 0;
  int64_t a = Rank(first->member, false), b = Rank(last->member, false);
  return b >= a ? static_cast<size_t>(b - a + 1) : 0;
}

size_t ZSetObject::CountLex(const LexRange& r) const {
  Node* first = FirstInLex(r);
  if (first == nullptr) return 0;
  Node* last = LastInLex(r);
  if (last == nullptr) return 0;
  int64_t a = Rank(first->member, false), b = Rank(last->member, false);
  return b >= a ? static_cast<size_t>(b - a + 1) : 0;
}

void ZSetObject::ForEach(absl::FunctionRef<void(std::string_view, double)> fn) const {
  for (Node* x = header_->level[0].forward; x != nullptr; x = x->level[0].forward) fn(x->member, x->score);
}

std::pair<std::string_view, double> ZSetObject::Edge(bool highest) const {
  Node* x = highest ? tail_ : header_->level[0].forward;
  return {x->member, x->score};
}

void ZSetObject::ShrinkIfSmall() {
  if (length_ > kMaxListpackEntries) return;
  for (Node* x = header_->level[0].forward; x != nullptr; x = x->level[0].forward)
    if (x->member.size() > kMaxListpackValue) return;
  big_ = false;
}

}  // namespace stockd::engine
