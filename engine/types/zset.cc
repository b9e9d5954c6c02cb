// engine/types/zset.cc — see zset.h; the order itself is zset_index.cc.
#include "engine/types/zset.h"

#include <cstddef>
#include <cstring>

namespace stockd::engine {

namespace {
// Redis's sdscmp: bytewise, a prefix sorts first.
int Compare(std::string_view a, std::string_view b) {
  const int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}
}  // namespace

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

ZSetObject::ZSetObject() = default;

ZSetObject::~ZSetObject() {
  for (ZIndex::Pos p = index_.First(); p.valid(); p = index_.Next(p)) ZNode::Free(index_.At(p));
}

size_t ZSetObject::MemoryUsage() const {
  size_t bytes = sizeof(*this) + dict_.capacity() * (sizeof(Node*) + 1) + index_.MemoryUsage();
  for (ZIndex::Pos p = index_.First(); p.valid(); p = index_.Next(p))
    bytes += offsetof(ZNode, bytes) + index_.At(p)->len;
  return bytes;
}

std::unique_ptr<Object> ZSetObject::Clone() const {
  auto copy = std::make_unique<ZSetObject>();
  copy->dict_.reserve(dict_.size());
  ForEach([&](std::string_view m, double s) { copy->Insert(m, s); });
  copy->big_ = big_;
  return copy;
}

void ZSetObject::NoteMember(std::string_view member) {
  if (!big_ && (size() > kMaxListpackEntries || member.size() > kMaxListpackValue)) big_ = true;
}

void ZSetObject::Insert(std::string_view member, double score) {
  ZNode* n = ZNode::Make(member, score);
  index_.Insert(n);
  dict_.insert(n);
  NoteMember(member);
  rows.Touch(member);
}

ZSetObject::Node* ZSetObject::Find(std::string_view member) const {
  auto it = dict_.find(member);
  return it == dict_.end() ? nullptr : *it;
}

void ZSetObject::Update(Node* n, double score) {
  if (score == 0) score = 0.0;  // -0 is stored (and shown) as 0, as in Redis
  if (n->score == score) return;
  rows.Touch(n->member());
  const double old = n->score;
  n->score = score;
  index_.Move(n, old);  // the same node: the dict's key (a view of its bytes) stays valid
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
  rows.Touch(n->member());
  index_.Erase(n, n->score);
  dict_.erase(n);
  ZNode::Free(n);
}

bool ZSetObject::Remove(std::string_view member) {
  Node* n = Find(member);
  if (n == nullptr) return false;
  Erase(n);
  return true;
}

void ZSetObject::PopEdge(bool highest, absl::FunctionRef<void(std::string_view, double)> fn) {
  Node* x = index_.At(highest ? index_.Last() : index_.First());
  fn(x->member(), x->score);
  Erase(x);
}

int64_t ZSetObject::Rank(std::string_view member, bool reverse) const {
  const Node* n = Find(member);
  if (n == nullptr) return -1;
  const int64_t r = static_cast<int64_t>(index_.Rank(n));
  return reverse ? static_cast<int64_t>(size()) - 1 - r : r;
}

void ZSetObject::ForRankRange(size_t start, size_t end, bool reverse,
                              absl::FunctionRef<void(std::string_view, double)> fn) const {
  const size_t length = size();
  if (length == 0 || start > end || start >= length) return;
  if (end >= length) end = length - 1;
  size_t n = end - start + 1;
  ZIndex::Pos p = index_.AtRank(reverse ? length - 1 - start : start);
  for (; p.valid() && n-- > 0; p = reverse ? index_.Prev(p) : index_.Next(p)) {
    const Node* x = index_.At(p);
    fn(x->member(), x->score);
  }
}

// The range helpers below search with predicates over (score, node) that read
// a member only when they compare members (lex ranges).

ZIndex::Pos ZSetObject::FirstInScore(const ScoreRange& r) const {
  ZIndex::Pos p = index_.LowerBound([&](double s, const ZNode*) { return !r.GteMin(s); }, nullptr);
  return p.valid() && r.LteMax(index_.ScoreAt(p)) ? p : ZIndex::Pos{};
}

ZIndex::Pos ZSetObject::LastInScore(const ScoreRange& r) const {
  ZIndex::Pos p = index_.LowerBound([&](double s, const ZNode*) { return r.LteMax(s); }, nullptr);
  p = p.valid() ? index_.Prev(p) : index_.Last();
  return p.valid() && r.GteMin(index_.ScoreAt(p)) ? p : ZIndex::Pos{};
}

ZIndex::Pos ZSetObject::FirstInLex(const LexRange& r) const {
  ZIndex::Pos p = index_.LowerBound([&](double, const ZNode* n) { return !r.GteMin(n->member()); }, nullptr);
  return p.valid() && r.LteMax(index_.At(p)->member()) ? p : ZIndex::Pos{};
}

ZIndex::Pos ZSetObject::LastInLex(const LexRange& r) const {
  ZIndex::Pos p = index_.LowerBound([&](double, const ZNode* n) { return r.LteMax(n->member()); }, nullptr);
  p = p.valid() ? index_.Prev(p) : index_.Last();
  return p.valid() && r.GteMin(index_.At(p)->member()) ? p : ZIndex::Pos{};
}

void ZSetObject::ForScoreRange(const ScoreRange& r, bool reverse, int64_t offset, int64_t limit,
                               absl::FunctionRef<void(std::string_view, double)> fn) const {
  ZIndex::Pos p = reverse ? LastInScore(r) : FirstInScore(r);
  auto step = [&](ZIndex::Pos q) { return reverse ? index_.Prev(q) : index_.Next(q); };
  while (p.valid() && offset > 0) {
    p = step(p);
    --offset;
  }
  while (p.valid() && limit != 0) {
    const double s = index_.ScoreAt(p);
    if (reverse ? !r.GteMin(s) : !r.LteMax(s)) break;
    fn(index_.At(p)->member(), s);
    p = step(p);
    if (limit > 0) --limit;
  }
}

void ZSetObject::ForLexRange(const LexRange& r, bool reverse, int64_t offset, int64_t limit,
                             absl::FunctionRef<void(std::string_view, double)> fn) const {
  ZIndex::Pos p = reverse ? LastInLex(r) : FirstInLex(r);
  auto step = [&](ZIndex::Pos q) { return reverse ? index_.Prev(q) : index_.Next(q); };
  while (p.valid() && offset > 0) {
    p = step(p);
    --offset;
  }
  while (p.valid() && limit != 0) {
    const Node* x = index_.At(p);
    if (reverse ? !r.GteMin(x->member()) : !r.LteMax(x->member())) break;
    fn(x->member(), x->score);
    p = step(p);
    if (limit > 0) --limit;
  }
}

size_t ZSetObject::CountScore(const ScoreRange& r) const {
  // (members <= max) - (members < min), each a rank from one descent.
  size_t below_min = 0, upto_max = 0;
  index_.LowerBound([&](double s, const ZNode*) { return !r.GteMin(s); }, &below_min);
  index_.LowerBound([&](double s, const ZNode*) { return r.LteMax(s); }, &upto_max);
  return upto_max > below_min ? upto_max - below_min : 0;
}

size_t ZSetObject::CountLex(const LexRange& r) const {
  size_t below_min = 0, upto_max = 0;
  index_.LowerBound([&](double, const ZNode* n) { return !r.GteMin(n->member()); }, &below_min);
  index_.LowerBound([&](double, const ZNode* n) { return r.LteMax(n->member()); }, &upto_max);
  return upto_max > below_min ? upto_max - below_min : 0;
}

void ZSetObject::ForEach(absl::FunctionRef<void(std::string_view, double)> fn) const {
  for (ZIndex::Pos p = index_.First(); p.valid(); p = index_.Next(p)) {
    const Node* x = index_.At(p);
    fn(x->member(), x->score);
  }
}

std::pair<std::string_view, double> ZSetObject::Edge(bool highest) const {
  const Node* x = index_.At(highest ? index_.Last() : index_.First());
  return {x->member(), x->score};
}

void ZSetObject::ShrinkIfSmall() {
  if (size() > kMaxListpackEntries) return;
  for (ZIndex::Pos p = index_.First(); p.valid(); p = index_.Next(p))
    if (index_.At(p)->len > kMaxListpackValue) return;
  big_ = false;
}

}  // namespace stockd::engine
