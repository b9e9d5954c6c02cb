// engine/rdb/rdb_stream.cc — streams in a DUMP payload (Redis 7.0's
// RDB_TYPE_STREAM_LISTPACKS_2; RESTORE also reads version 1, Redis 5–6.2).
//
// Layout: node count, then per node its master ID (16 bytes, big endian ms
// and seq) and its listpack; the length, last ID, (v2: first ID, max deleted
// ID, entries added), then the consumer groups: name, last delivered ID,
// (v2: entries read), the PEL (raw 16-byte IDs, delivery time, count), and
// the consumers (name, seen time, their PEL IDs).
//
// A node's listpack (t_stream.c): the master entry — live count, deleted
// count, the master field names, 0 — then each entry: flags (1 deleted,
// 2 same fields as the master), ms and seq as differences from the master
// ID, [field count, field, value ... | value ...], and the entry's element
// count. stockd keeps node boundaries and master fields (types/stream.h) but
// not the contents of XDEL'd entries: a node that has some is written with
// its live entries only (deleted count 0). Nodes without deletions are
// written byte for byte as Redis writes them.
#include <map>
#include <memory>
#include <set>
#include <vector>

#include "engine/rdb/listpack.h"
#include "engine/rdb/rdb_io.h"
#include "engine/rdb/rdb_value.h"
#include "engine/types/stream.h"

namespace stockd::engine::rdb {
namespace {

constexpr int64_t kFlagDeleted = 1;
// stockd stores each entry's field names (Redis shares the master entry's):
// a payload may not make it copy more than this many bytes of them (a few
// big master fields times thousands of entries would otherwise turn a small
// payload into gigabytes).
constexpr size_t kMaxSharedFieldBytes = size_t{512} << 20;
constexpr int64_t kFlagSameFields = 2;

std::string EncodeId(StreamID id) {
  std::string out(16, '\0');
  for (int i = 0; i < 8; ++i) {
    out[i] = static_cast<char>((id.ms >> (56 - 8 * i)) & 0xff);
    out[8 + i] = static_cast<char>((id.seq >> (56 - 8 * i)) & 0xff);
  }
  return out;
}

StreamID DecodeId(std::string_view raw) {
  StreamID id;
  for (int i = 0; i < 8; ++i) {
    id.ms = (id.ms << 8) | static_cast<unsigned char>(raw[i]);
    id.seq = (id.seq << 8) | static_cast<unsigned char>(raw[8 + i]);
  }
  return id;
}

std::string NodeListpack(StreamID master_id, const StreamObject::Node& node,
                         std::map<StreamID, StreamObject::Fields>::const_iterator from,
                         std::map<StreamID, StreamObject::Fields>::const_iterator to, size_t live) {
  ListpackBuilder lp;
  lp.AppendInt(static_cast<int64_t>(live));
  lp.AppendInt(0);  // deleted entries (see the file comment)
  lp.AppendInt(static_cast<int64_t>(node.master.size()));
  for (const std::string& f : node.master) lp.AppendString(f);
  lp.AppendInt(0);  // master entry terminator
  for (auto it = from; it != to; ++it) {
    const StreamID id = it->first;
    const StreamObject::Fields& fields = it->second;
    const size_t numfields = fields.size() / 2;
    bool same = node.master.size() == numfields;
    for (size_t i = 0; same && i < numfields; ++i) same = node.master[i] == fields[2 * i];
    lp.AppendInt(same ? kFlagSameFields : 0);
    lp.AppendInt(static_cast<int64_t>(id.ms - master_id.ms));
    lp.AppendInt(static_cast<int64_t>(id.seq - master_id.seq));
    if (!same) lp.AppendInt(static_cast<int64_t>(numfields));
    for (size_t i = 0; i < numfields; ++i) {
      if (!same) lp.AppendString(fields[2 * i]);
      lp.AppendString(fields[2 * i + 1]);
    }
    int64_t lp_count = static_cast<int64_t>(numfields) + 3;
    if (!same) lp_count += static_cast<int64_t>(numfields) + 1;
    lp.AppendInt(lp_count);
  }
  return lp.Finish();
}

// Whether the node map covers the entries (every entry at or after the first
// master ID): always, unless the stream was built without node bookkeeping.
bool NodesCoverEntries(const StreamObject& s) {
  if (s.size() == 0) return true;
  return !s.nodes().empty() && s.nodes().begin()->first <= s.entries().begin()->first;
}

}  // namespace

void SaveStream(RdbWriter& w, const StreamObject& stream) {
  // A stream whose nodes do not describe its entries is written in the
  // layout appending them afresh gives.
  std::unique_ptr<StreamObject> fresh;
  const StreamObject* s = &stream;
  if (!NodesCoverEntries(stream)) {
    fresh = std::make_unique<StreamObject>();
    for (const auto& [id, fields] : stream.entries()) fresh->Append(id, fields);
    s = fresh.get();
  }
  const auto& nodes = s->nodes();
  const auto& entries = s->entries();
  std::vector<std::pair<StreamID, std::string>> packs;
  for (auto n = nodes.begin(); n != nodes.end(); ++n) {
    auto next = std::next(n);
    auto from = entries.lower_bound(n->first);
    auto to = next == nodes.end() ? entries.end() : entries.lower_bound(next->first);
    const size_t live = static_cast<size_t>(std::distance(from, to));
    if (live == 0) continue;
    packs.emplace_back(n->first, NodeListpack(n->first, n->second, from, to, live));
  }
  w.Len(packs.size());
  for (const auto& [id, lp] : packs) {
    w.String(EncodeId(id));
    w.String(lp);
  }
  w.Len(stream.size());
  w.Len(stream.last_id.ms);
  w.Len(stream.last_id.seq);
  const StreamID first = stream.first_id();
  w.Len(first.ms);
  w.Len(first.seq);
  w.Len(stream.max_deleted_entry_id.ms);
  w.Len(stream.max_deleted_entry_id.seq);
  w.Len(stream.entries_added);
  w.Len(stream.groups.size());
  for (const auto& [name, g] : stream.groups) {
    w.String(name);
    w.Len(g.last_id.ms);
    w.Len(g.last_id.seq);
    w.Len(static_cast<uint64_t>(g.entries_read));  // -1 (unknown) as Redis: all ones
    w.Len(g.pel.size());
    for (const auto& [id, nack] : g.pel) {
      w.Raw(EncodeId(id));
      w.Millis(nack.delivery_time);
      w.Len(nack.delivery_count);
    }
    w.Len(g.consumers.size());
    for (const auto& [cname, c] : g.consumers) {
      w.String(cname);
      w.Millis(c.seen_time);
      w.Len(c.pel.size());
      for (const auto& [id, unused] : c.pel) w.Raw(EncodeId(id));
    }
  }
}

namespace {

// Reads one node's listpack into `entries` (live ones) and `node`.
bool ParseNode(StreamID master_id, std::string_view blob, std::vector<std::pair<StreamID, StreamObject::Fields>>* entries,
               StreamObject::Node* node, StreamID* last_seen, bool* any_seen, size_t* shared_bytes) {
  std::vector<LpEntry> lp;
  if (!ParseListpack(blob, &lp) || lp.empty()) return false;
  size_t i = 0;
  auto next_int = [&](int64_t* v) {
    if (i >= lp.size() || !lp[i].is_int) return false;
    *v = lp[i++].ival;
    return true;
  };
  int64_t count, deleted, master_fields, zero;
  if (!next_int(&count) || !next_int(&deleted) || !next_int(&master_fields)) return false;
  if (count < 0 || deleted < 0 || master_fields < 0 || static_cast<uint64_t>(master_fields) > lp.size() - i) return false;
  for (int64_t f = 0; f < master_fields; ++f) node->master.push_back(lp[i++].ToString());
  if (!next_int(&zero) || zero != 0) return false;
  int64_t seen_live = 0, seen_deleted = 0;
  while (i < lp.size()) {
    int64_t flags, ms_diff, seq_diff, numfields;
    if (!next_int(&flags) || !next_int(&ms_diff) || !next_int(&seq_diff)) return false;
    if ((flags & ~(kFlagDeleted | kFlagSameFields)) != 0) return false;
    const bool same = (flags & kFlagSameFields) != 0;
    if (same) {
      numfields = master_fields;
    } else if (!next_int(&numfields) || numfields < 0) {
      return false;
    }
    const uint64_t elems = static_cast<uint64_t>(numfields) * (same ? 1 : 2);
    if (elems > lp.size() - i) return false;
    StreamObject::Fields fields;
    fields.reserve(static_cast<size_t>(numfields) * 2);
    for (int64_t f = 0; f < numfields; ++f) {
      if (same && (*shared_bytes += node->master[f].size()) > kMaxSharedFieldBytes) return false;
      fields.push_back(same ? node->master[f] : lp[i++].ToString());
      fields.push_back(lp[i++].ToString());
    }
    int64_t lp_count;
    const int64_t want = numfields + 3 + (same ? 0 : numfields + 1);
    if (!next_int(&lp_count) || lp_count != want) return false;
    const StreamID id{master_id.ms + static_cast<uint64_t>(ms_diff), master_id.seq + static_cast<uint64_t>(seq_diff)};
    // IDs grow strictly through the whole stream, from each node's master ID.
    if (id < master_id || (*any_seen && !(*last_seen < id)) || id.IsZero()) return false;
    *last_seen = id;
    *any_seen = true;
    node->last_id = id;
    if (flags & kFlagDeleted) {
      ++seen_deleted;
    } else {
      ++seen_live;
      entries->emplace_back(id, std::move(fields));
    }
  }
  if (seen_live != count || seen_deleted != deleted) return false;
  node->live = static_cast<uint32_t>(count);
  node->total = static_cast<uint32_t>(count + deleted);
  node->bytes = blob.size();
  return true;
}

bool PlausibleNodes(const RdbReader& r, uint64_t n) { return n <= r.remaining(); }

bool ReadId(RdbReader& r, StreamID* id) {
  uint64_t ms, seq;
  if (!r.Len(&ms) || !r.Len(&seq)) return false;
  *id = {ms, seq};
  return true;
}

}  // namespace

bool LoadStream(RdbReader& r, int type, Value* out) {
  const bool v2 = type == kTypeStreamListpacks2;
  uint64_t node_count;
  if (!r.Len(&node_count) || !PlausibleNodes(r, node_count)) return false;
  auto s = std::make_unique<StreamObject>();
  std::map<StreamID, StreamObject::Node> nodes;
  std::vector<std::pair<StreamID, StreamObject::Fields>> entries;
  StreamID last_seen;
  bool any_seen = false;
  size_t shared_bytes = 0;
  std::string key, blob;
  for (uint64_t n = 0; n < node_count; ++n) {
    if (!r.String(&key) || key.size() != 16 || !r.String(&blob)) return false;
    const StreamID master = DecodeId(key);
    if (!nodes.empty() && !(nodes.rbegin()->first < master)) return false;
    StreamObject::Node node;
    if (!ParseNode(master, blob, &entries, &node, &last_seen, &any_seen, &shared_bytes)) return false;
    if (node.live > 0) nodes.emplace(master, std::move(node));
  }
  uint64_t length;
  StreamID last_id, first_id, max_deleted;
  uint64_t entries_added;
  if (!r.Len(&length) || length != entries.size() || !ReadId(r, &last_id)) return false;
  if (!entries.empty() && last_id < entries.back().first) return false;
  if (v2) {
    if (!ReadId(r, &first_id) || !ReadId(r, &max_deleted) || !r.Len(&entries_added)) return false;
  } else {
    entries_added = length;
  }
  for (auto& [id, fields] : entries) s->Append(id, std::move(fields));
  s->SetNodes(std::move(nodes));
  s->last_id = last_id;
  s->entries_added = entries_added;
  s->max_deleted_entry_id = max_deleted;

  uint64_t group_count;
  if (!r.Len(&group_count) || group_count > r.remaining()) return false;
  std::string name;
  for (uint64_t g = 0; g < group_count; ++g) {
    StreamGroup group;
    if (!r.String(&name) || !ReadId(r, &group.last_id)) return false;
    if (v2) {
      uint64_t entries_read;
      if (!r.Len(&entries_read)) return false;
      group.entries_read = static_cast<int64_t>(entries_read);
    } else {
      group.entries_read = s->EstimateDistanceFromFirstEverEntry(group.last_id);
    }
    uint64_t pel_count;
    if (!r.Len(&pel_count) || pel_count > r.remaining() / 16) return false;
    for (uint64_t p = 0; p < pel_count; ++p) {
      std::string_view raw;
      StreamNack nack;
      uint64_t delivery_count;
      if (!r.Raw(16, &raw) || !r.Millis(&nack.delivery_time) || !r.Len(&delivery_count)) return false;
      nack.delivery_count = delivery_count;
      if (!group.pel.emplace(DecodeId(raw), std::move(nack)).second) return false;  // duplicated PEL entry
    }
    uint64_t consumer_count;
    if (!r.Len(&consumer_count) || consumer_count > r.remaining()) return false;
    std::string cname;
    std::set<StreamID> owned;
    for (uint64_t c = 0; c < consumer_count; ++c) {
      StreamConsumer consumer;
      uint64_t cpel;
      if (!r.String(&cname) || !r.Millis(&consumer.seen_time) || !r.Len(&cpel) || cpel > r.remaining() / 16) {
        return false;
      }
      for (uint64_t p = 0; p < cpel; ++p) {
        std::string_view raw;
        if (!r.Raw(16, &raw)) return false;
        const StreamID id = DecodeId(raw);
        auto nack = group.pel.find(id);
        // The NACK must be in the group's PEL and owned by no one else yet.
        if (nack == group.pel.end() || !owned.insert(id).second) return false;
        nack->second.consumer = cname;
        consumer.pel.emplace(id, true);
      }
      if (!group.consumers.emplace(cname, std::move(consumer)).second) return false;  // duplicated consumer
    }
    if (owned.size() != group.pel.size()) return false;  // a PEL entry without a consumer
    if (!s->groups.emplace(name, std::move(group)).second) return false;  // duplicated group name
  }
  *out = Value::FromObject(std::move(s));
  return true;
}

}  // namespace stockd::engine::rdb
