#include "engine/types/zset.h"

#include <cstddef>
#include <cstring>
#include <new>
#include <vector>

namespace stockd::engine {

namespace {
constexpr int kMaxLevel = 32;

// Redis's sdscmp: bytewise, a prefix sorts first.
int Compare(std::string_view a, std::string_view b) {
  const int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}
}  // namespace

// Laid out for the walk: a hop reads the next node's score and then its
// level[i], so score, backward and the lowest levels share the node's first
// cache line; the member's bytes follow the levels (read only on equal scores
// and by the dict's key compare). One allocation per member.
struct ZSetObject::Node {
  struct Level {
    Node* forward;
    size_t span;
  };
  double score;
  Node* backward;
  uint32_t height;
  uint32_t len;
  Level level[1];  // `height` of them (allocated past the end), then the member's bytes

  const char* data() const { return reinterpret_cast<const char*>(&level[height]); }
  std::string_view member() const { return {data(), len}; }

  static Node* Make(int height, std::string_view member, double score) {
    size_t bytes = offsetof(Node, level) + sizeof(Level) * static_cast<size_t>(height) + member.size();
    Node* n = static_cast<Node*>(::operator new(bytes));
    n->score = score;
    n->backward = nullptr;
    n->height = static_cast<uint32_t>(height);
    n->len = static_cast<uint32_t>(member.size());
    for (int i = 0; i < height; ++i) n->level[i] = Level{nullptr, 0};
    if (!member.empty()) std::memcpy(const_cast<char*>(n->data()), member.data(), member.size());
    return n;
  }
  static void Free(Node* n) { ::operator delete(n); }
  // (score, member) < (s, m)
  bool Before(double s, std::string_view m) const {
    return score < s || (score == s && Compare(member(), m) < 0);
  }
};

size_t ZSetObject::NodeHash::operator()(std::string_view s) const { return absl::Hash<std::string_view>{}(s); }
size_t ZSetObject::NodeHash::operator()(const Node* n) const { return (*this)(n->member()); }
bool ZSetObject::NodeEq::operator()(const Node* a, const Node* b) const { return a == b; }
bool ZSetObject::NodeEq::operator()(const Node* a, std::string_view b) const { return a->member() == b; }

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
  size_t bytes = sizeof(*this) + dict_.capacity() * (sizeof(Node*) + 1);
  for (Node* x = header_->level[0].forward; x != nullptr; x = x->level[0].forward)
    bytes += offsetof(Node, level) + sizeof(Node::Level) * x->height + x->len;
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

void ZSetObject::Link(Node* x) {
  Node* update[kMaxLevel];
  size_t rank[kMaxLevel];
  const double score = x->score;
  const std::string_view member = x->member();
  Node* p = header_;
  for (int i = level_ - 1; i >= 0; --i) {
    rank[i] = i == level_ - 1 ? 0 : rank[i + 1];
    while (p->level[i].forward != nullptr && p->level[i].forward->Before(score, member)) {
      rank[i] += p->level[i].span;
      p = p->level[i].forward;
    }
    update[i] = p;
  }
  const int lvl = static_cast<int>(x->height);
  if (lvl > level_) {
    for (int i = level_; i < lvl; ++i) {
      rank[i] = 0;
      update[i] = header_;
      header_->level[i].span = length_;
    }
    level_ = lvl;
  }
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
}

void ZSetObject::Unlink(Node* x, Node* const* update) {
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
}

void ZSetObject::UnlinkFound(Node* n) {
  Node* update[kMaxLevel];
  Node* x = header_;
  const double score = n->score;
  const std::string_view member = n->member();
  for (int i = level_ - 1; i >= 0; --i) {
    // Nodes are unique by (score, member), so the walk stops right before n.
    while (x->level[i].forward != nullptr && x->level[i].forward != n && x->level[i].forward->Before(score, member))
      x = x->level[i].forward;
    update[i] = x;
  }
  Unlink(n, update);
}

void ZSetObject::Insert(std::string_view member, double score) {
  Node* x = Node::Make(RandomLevel(), member, score);
  Link(x);
  dict_.insert(x);
  NoteMember(member);
}

ZSetObject::Node* ZSetObject::Find(std::string_view member) const {
  auto it = dict_.find(member);
  return it == dict_.end() ? nullptr : *it;
}

double ZSetObject::ScoreOf(const Node* n) { return n->score; }

void ZSetObject::Update(Node* n, double score) {
  if (score == 0) score = 0.0;  // -0 is stored (and shown) as 0, as in Redis
  if (n->score == score) return;
  // Stays in place when the order does not change (Redis's zslUpdateScore fast path).
  const Node* prev = n->backward;
  const Node* next = n->level[0].forward;
  const std::string_view member = n->member();
  bool after_prev = prev == nullptr || prev->Before(score, member);
  bool before_next = next == nullptr || score < next->score ||
                     (score == next->score && Compare(member, next->member()) < 0);
  if (after_prev && before_next) {
    n->score = score;
    return;
  }
  // Moves the same node: the dict's key (a view of its bytes) stays valid.
  UnlinkFound(n);
  n->score = score;
  Link(n);
}

void ZSetObject::Add(std::string_view member, double score) {
  if (score == 0) score = 0.0;
  Insert(member, score);
}

bool ZSetObject::Score(std::string_view member, double* score) const {
  const Node* n = Find(member);
  if (n == nullptr) return false;
  *score = n->score;
  return true;
}

bool ZSetObject::Set(std::string_view member, double score) {
  Node* n = Find(member);
  if (n == nullptr) {
    Add(member, score);
    return true;
  }
  Update(n, score);
  return false;
}

void ZSetObject::Erase(Node* n) {
  UnlinkFound(n);
  dict_.erase(n);
  Node::Free(n);
}

bool ZSetObject::Remove(std::string_view member) {
  Node* n = Find(member);
  if (n == nullptr) return false;
  Erase(n);
  return true;
}

void ZSetObject::PopEdge(bool highest, absl::FunctionRef<void(std::string_view, double)> fn) {
  Node* x = highest ? tail_ : header_->level[0].forward;
  fn(x->member(), x->score);
  if (highest) {
    Erase(x);
    return;
  }
  // The lowest node's predecessor on every level is the header: no walk.
  Node* update[kMaxLevel];
  for (int i = 0; i < level_; ++i) update[i] = header_;
  Unlink(x, update);
  dict_.erase(x);
  Node::Free(x);
}

int64_t ZSetObject::Rank(std::string_view member, bool reverse) const {
  const Node* target = Find(member);
  if (target == nullptr) return -1;
  size_t rank = 0;
  const Node* x = header_;
  for (int i = level_ - 1; i >= 0; --i) {
    while (x->level[i].forward != nullptr &&
           (x->level[i].forward->Before(target->score, target->member()) || x->level[i].forward == target)) {
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
    fn(x->member(), x->score);
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
    while (x->level[i].forward != nullptr && !r.GteMin(x->level[i].forward->member())) x = x->level[i].forward;
  x = x->level[0].forward;
  return x != nullptr && r.LteMax(x->member()) ? x : nullptr;
}

ZSetObject::Node* ZSetObject::LastInLex(const LexRange& r) const {
  Node* x = header_;
  for (int i = level_ - 1; i >= 0; --i)
    while (x->level[i].forward != nullptr && r.LteMax(x->level[i].forward->member())) x = x->level[i].forward;
  return x != header_ && r.GteMin(x->member()) ? x : nullptr;
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
    fn(x->member(), x->score);
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
    if (reverse ? !r.GteMin(x->member()) : !r.LteMax(x->member())) break;
    fn(x->member(), x->score);
    x = reverse ? x->backward : x->level[0].forward;
    if (limit > 0) --limit;
  }
}

size_t ZSetObject::CountScore(const ScoreRange& r) const {
  Node* first = FirstInScore(r);
  if (first == nullptr) return 0;
  Node* last = LastInScore(r);
  if (last == nullptr) return 0;
  int64_t a = Rank(first->member(), false), b = Rank(last->member(), false);
  return b >= a ? static_cast<size_t>(b - a + 1) : 0;
}

size_t ZSetObject::CountLex(const LexRange& r) const {
  Node* first = FirstInLex(r);
  if (first == nullptr) return 0;
  Node* last = LastInLex(r);
  if (last == nullptr) return 0;
  int64_t a = Rank(first->member(), false), b = Rank(last->member(), false);
  return b >= a ? static_cast<size_t>(b - a + 1) : 0;
}

void ZSetObject::ForEach(absl::FunctionRef<void(std::string_view, double)> fn) const {
  for (Node* x = header_->level[0].forward; x != nullptr; x = x->level[0].forward) fn(x->member(), x->score);
}

std::pair<std::string_view, double> ZSetObject::Edge(bool highest) const {
  Node* x = highest ? tail_ : header_->level[0].forward;
  return {x->member(), x->score};
}

void ZSetObject::ShrinkIfSmall() {
  if (length_ > kMaxListpackEntries) return;
  for (Node* x = header_->level[0].forward; x != nullptr; x = x->level[0].forward)
    if (x->member().size() > kMaxListpackValue) return;
  big_ = false;
}

}  // namespace stockd::engine
