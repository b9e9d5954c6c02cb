// engine/types/stream.cc — see stream.h.
//
// The node model follows Redis 7.0's streamAppendItem / streamTrim /
// streamIteratorRemoveEntry: a new entry opens a node when the tail node has
// kNodeMaxEntries entries (live + deleted) or when its listpack bytes plus the
// entry's field and value bytes reach kNodeMaxBytes; XDEL and exact trimming
// flag entries deleted inside their node (its bytes do not change) and a node
// whose last live entry XDEL removes goes away. The listpack bytes are
// computed as listpack.c encodes each element (integers in 1..9 bytes,
// strings with a 1, 2 or 5 byte header, plus the element's back-length).
#include "engine/types/stream.h"

#include <iterator>

#include "absl/strings/str_cat.h"

namespace stockd::engine {
namespace {

// listpack.c's lpEncodeBacklen size for an element of l bytes.
size_t BacklenBytes(size_t l) {
  if (l <= 127) return 1;
  if (l < 16383) return 2;
  if (l < 2097151) return 3;
  if (l < 268435455) return 4;
  return 5;
}

size_t IntElementBytes(int64_t v) {
  size_t enc;
  if (v >= 0 && v <= 127) {
    enc = 1;
  } else if (v >= -4096 && v <= 4095) {
    enc = 2;
  } else if (v >= -32768 && v <= 32767) {
    enc = 3;
  } else if (v >= -8388608 && v <= 8388607) {
    enc = 4;
  } else if (v >= INT32_MIN && v <= INT32_MAX) {
    enc = 5;
  } else {
    enc = 9;
  }
  return enc + BacklenBytes(enc);
}

// A string element: stored as an integer when it is one (lpStringToInt64,
// string2ll's rules), else with a 6-bit, 12-bit or 32-bit length header.
size_t StringElementBytes(std::string_view s) {
  int64_t v;
  if (ParseStrictInt64(s, &v)) return IntElementBytes(v);
  const size_t enc = s.size() < 64 ? 1 + s.size() : s.size() < 4096 ? 2 + s.size() : 5 + s.size();
  return enc + BacklenBytes(enc);
}

constexpr size_t kListpackEmptyBytes = 7;  // header (6) + end byte

size_t StringBytes(const std::string& s) {
  return sizeof(std::string) + (s.capacity() > 15 ? s.capacity() + 1 : 0);
}

}  // namespace

std::string StreamID::ToString() const { return absl::StrCat(ms, "-", seq); }

bool StreamID::Incr() {
  if (seq == UINT64_MAX) {
    if (ms == UINT64_MAX) {
      ms = seq = 0;  // as Redis: the caller reports the overflow
      return false;
    }
    ++ms;
    seq = 0;
    return true;
  }
  ++seq;
  return true;
}

bool StreamID::Decr() {
  if (seq == 0) {
    if (ms == 0) {
      ms = seq = UINT64_MAX;
      return false;
    }
    --ms;
    seq = UINT64_MAX;
    return true;
  }
  --seq;
  return true;
}

size_t StreamObject::MemoryUsage() const {
  size_t bytes = sizeof(*this);
  for (const auto& [id, fields] : entries_) {
    bytes += 64 + sizeof(Fields);  // map node
    for (const std::string& f : fields) bytes += StringBytes(f);
  }
  bytes += nodes_.size() * (64 + sizeof(Node));
  for (const auto& [name, g] : groups) {
    bytes += 64 + sizeof(StreamGroup) + name.size();
    bytes += g.pel.size() * (64 + sizeof(StreamNack));
    for (const auto& [cname, c] : g.consumers) bytes += 64 + sizeof(StreamConsumer) + cname.size() + c.pel.size() * 48;
  }
  return bytes;
}

std::unique_ptr<Object> StreamObject::Clone() const {
  auto copy = std::make_unique<StreamObject>();
  copy->entries_ = entries_;
  copy->nodes_ = nodes_;
  copy->last_id = last_id;
  copy->entries_added = entries_added;
  copy->max_deleted_entry_id = max_deleted_entry_id;
  copy->groups = groups;
  return copy;
}

void StreamObject::Append(StreamID id, Fields fields) {
  const size_t numfields = fields.size() / 2;
  size_t totelelen = 0;
  for (const std::string& s : fields) totelelen += s.size();
  Node* node = nodes_.empty() ? nullptr : &nodes_.rbegin()->second;
  if (node != nullptr &&
      (node->bytes + totelelen >= kNodeMaxBytes || node->total >= kNodeMaxEntries)) {
    node = nullptr;
  }
  StreamID master_id;
  bool same_fields;
  if (node == nullptr) {
    master_id = id;
    node = &nodes_[id];
    node->bytes = kListpackEmptyBytes + IntElementBytes(1) + IntElementBytes(0) +
                  IntElementBytes(static_cast<int64_t>(numfields)) + IntElementBytes(0);
    for (size_t i = 0; i < numfields; ++i) {
      node->master.push_back(fields[2 * i]);
      node->bytes += StringElementBytes(fields[2 * i]);
    }
    same_fields = true;
  } else {
    master_id = nodes_.rbegin()->first;
    same_fields = node->master.size() == numfields;
    for (size_t i = 0; same_fields && i < numfields; ++i) same_fields = node->master[i] == fields[2 * i];
  }
  node->bytes += IntElementBytes(same_fields ? 2 : 0);  // flags: SAMEFIELDS is 2
  node->bytes += IntElementBytes(static_cast<int64_t>(id.ms - master_id.ms));
  node->bytes += IntElementBytes(static_cast<int64_t>(id.seq - master_id.seq));
  if (!same_fields) node->bytes += IntElementBytes(static_cast<int64_t>(numfields));
  for (size_t i = 0; i < numfields; ++i) {
    if (!same_fields) node->bytes += StringElementBytes(fields[2 * i]);
    node->bytes += StringElementBytes(fields[2 * i + 1]);
  }
  int64_t lp_count = static_cast<int64_t>(numfields) + 3;
  if (!same_fields) lp_count += static_cast<int64_t>(numfields) + 1;
  node->bytes += IntElementBytes(lp_count);
  ++node->live;
  ++node->total;
  node->last_id = id;
  entries_.emplace_hint(entries_.end(), id, std::move(fields));
  last_id = id;
  ++entries_added;
}

std::map<StreamID, StreamObject::Node>::iterator StreamObject::NodeOf(StreamID id) {
  auto it = nodes_.upper_bound(id);
  if (it == nodes_.begin()) return nodes_.end();
  return std::prev(it);
}

void StreamObject::RemoveNode(std::map<StreamID, Node>::iterator node) {
  auto next = std::next(node);
  auto from = entries_.lower_bound(node->first);
  auto to = next == nodes_.end() ? entries_.end() : entries_.lower_bound(next->first);
  entries_.erase(from, to);
  nodes_.erase(node);
}

bool StreamObject::Erase(StreamID id) {
  auto it = entries_.find(id);
  if (it == entries_.end()) return false;
  entries_.erase(it);
  auto node = NodeOf(id);
  if (node != nodes_.end()) {
    if (node->second.live <= 1) {
      nodes_.erase(node);  // its other entries were all deleted already
    } else {
      --node->second.live;
    }
  }
  return true;
}

int64_t StreamObject::TrimMaxLen(uint64_t maxlen, bool approx, int64_t limit) {
  int64_t deleted = 0;
  if (entries_.size() <= maxlen) return 0;
  while (!nodes_.empty()) {
    if (entries_.size() <= maxlen) break;
    auto node = nodes_.begin();
    const int64_t live = node->second.live;
    if (limit > 0 && deleted + live > limit) break;
    if (entries_.size() - static_cast<uint64_t>(live) >= maxlen) {
      RemoveNode(node);
      deleted += live;
      continue;
    }
    if (approx) break;
    // Flag entries deleted from the front of this node until maxlen.
    while (entries_.size() > maxlen) {
      entries_.erase(entries_.begin());
      --node->second.live;
      ++deleted;
    }
    break;
  }
  return deleted;
}

int64_t StreamObject::TrimMinId(StreamID minid, bool approx, int64_t limit) {
  int64_t deleted = 0;
  while (!nodes_.empty()) {
    auto node = nodes_.begin();
    const int64_t live = node->second.live;
    if (limit > 0 && deleted + live > limit) break;
    if (node->second.last_id < minid) {
      RemoveNode(node);
      deleted += live;
      continue;
    }
    if (approx) break;
    // The node's entries are the first ones of the stream: flag those < minid.
    while (!entries_.empty() && entries_.begin()->first < minid) {
      entries_.erase(entries_.begin());
      --node->second.live;
      ++deleted;
    }
    break;
  }
  return deleted;
}


StreamGroup* StreamObject::FindGroup(std::string_view name) {
  auto it = groups.find(std::string(name));
  return it == groups.end() ? nullptr : &it->second;
}

StreamConsumer& StreamObject::LookupOrCreateConsumer(StreamGroup& g, std::string_view name, int64_t now_ms,
                                                     bool* created) {
  auto [it, inserted] = g.consumers.try_emplace(std::string(name));
  if (created != nullptr) *created = inserted;
  it->second.seen_time = now_ms;
  return it->second;
}

void StreamObject::Deliver(StreamGroup& g, StreamID id, const std::string& consumer, int64_t now_ms) {
  auto [it, inserted] = g.pel.try_emplace(id);
  if (!inserted) {
    auto old = g.consumers.find(it->second.consumer);
    if (old != g.consumers.end()) old->second.pel.erase(id);
  }
  it->second.delivery_time = now_ms;
  it->second.delivery_count = 1;
  it->second.consumer = consumer;
  g.consumers[consumer].pel[id] = true;
}

void StreamObject::Ack(StreamGroup& g, std::map<StreamID, StreamNack>::iterator nack) {
  auto c = g.consumers.find(nack->second.consumer);
  if (c != g.consumers.end()) c->second.pel.erase(nack->first);
  g.pel.erase(nack);
}

bool StreamObject::RangeHasTombstones(StreamID start, StreamID end) const {
  if (entries_.empty() || max_deleted_entry_id.IsZero()) return false;
  if (first_id() > max_deleted_entry_id) return false;
  return start <= max_deleted_entry_id && max_deleted_entry_id <= end;
}

int64_t StreamObject::EstimateDistanceFromFirstEverEntry(StreamID id) const {
  const auto added = static_cast<int64_t>(entries_added);
  if (entries_added == 0) return 0;
  if (entries_.empty() && id <= last_id) return added;
  if (id == last_id) return added;
  if (id > last_id) return -1;
  const StreamID first = first_id();
  if (max_deleted_entry_id.IsZero() || max_deleted_entry_id < first) {
    if (id < first) return added - static_cast<int64_t>(entries_.size());
    if (id == first) return added - static_cast<int64_t>(entries_.size()) + 1;
  }
  return -1;
}

bool StreamObject::GroupLag(const StreamGroup& g, int64_t* lag) const {
  if (entries_added == 0) {
    *lag = 0;
    return true;
  }
  if (g.entries_read != -1 && !RangeHasTombstones(g.last_id, StreamID::Max())) {
    *lag = static_cast<int64_t>(entries_added) - g.entries_read;
    return true;
  }
  const int64_t read = EstimateDistanceFromFirstEverEntry(g.last_id);
  if (read == -1) return false;
  *lag = static_cast<int64_t>(entries_added) - read;
  return true;
}

namespace {

// The 16-byte big-endian key Redis's rax stores for a node's master ID.
std::string RaxKey(StreamID id) {
  std::string k(16, '\0');
  for (int i = 0; i < 8; ++i) {
    k[static_cast<size_t>(i)] = static_cast<char>(id.ms >> (56 - 8 * i));
    k[static_cast<size_t>(8 + i)] = static_cast<char>(id.seq >> (56 - 8 * i));
  }
  return k;
}

// Nodes below a trie position holding keys [lo, hi) (sorted, distinct, all
// 16 bytes, sharing their first `depth` bytes), not counting the position's
// own node: a position with one outgoing edge stores the whole edge (one
// child node); with several, each edge of length > 1 adds a compressed node
// before its child.
size_t RaxBelow(const std::vector<std::string>& keys, size_t lo, size_t hi, size_t depth) {
  if (depth == 16) return 0;  // a leaf: the key ends here
  // The longest common prefix of the range from depth.
  size_t lcp = depth;
  while (lcp < 16 && keys[lo][lcp] == keys[hi - 1][lcp]) ++lcp;
  if (lcp > depth) {
    // One edge of length lcp - depth to the next branch point (or leaf).
    return 1 + RaxBelow(keys, lo, hi, lcp);
  }
  size_t total = 0;
  for (size_t i = lo; i < hi;) {
    size_t j = i + 1;
    while (j < hi && keys[j][depth] == keys[i][depth]) ++j;
    // The edge's first byte lives in this branch node; the node after it
    // holds the rest of the edge compressed (counted by the recursion).
    total += 1 + RaxBelow(keys, i, j, depth + 1);
    i = j;
  }
  return total;
}

}  // namespace

size_t StreamObject::RaxNodes() const {
  if (nodes_.empty()) return 1;
  std::vector<std::string> keys;
  keys.reserve(nodes_.size());
  for (const auto& [id, node] : nodes_) keys.push_back(RaxKey(id));
  return 1 + RaxBelow(keys, 0, keys.size(), 0);
}

}  // namespace stockd::engine
