// engine/types/stream.h — the stream value (Redis's t_stream.c "stream").
//
// Contract:
//  * Entries are ordered by StreamID (ms-seq, a pair of uint64) in a
//    std::map; an entry is its flat field/value list, as XADD gave it.
//  * last_id is the top ID ever generated or set (XSETID), never below the
//    last entry's ID; entries_added counts every entry ever added (XSETID may
//    set it); max_deleted_entry_id is the greatest ID XDEL removed (or XSETID
//    set). first_id() is the first entry's ID, 0-0 when empty.
//  * A stream may be empty: XDEL/XTRIM never delete the key (as Redis).
//  * Node bookkeeping: Redis keeps entries in listpack nodes of at most
//    stream-node-max-entries (100) entries (deleted ones included) and
//    stream-node-max-bytes (4096). `~` trimming removes whole nodes only, so
//    its result depends on where nodes start. `nodes_` records, per node, its
//    master ID (the ID of the entry that opened it), its live and total entry
//    counts and an estimate of its listpack bytes (ListpackBytes), so the
//    approximate trims remove what Redis removes (exactly when the estimate
//    agrees with Redis's listpack size; see stream.cc).
//  * Consumer groups (stage 2) live in `groups` by name (sorted, as Redis's
//    rax): each has its last delivered ID, entries_read, its PEL and its
//    consumers (each with its own PEL: IDs whose NACK names it).
//  * Not thread-safe: guarded by the lock of the shard holding the key.
#pragma once

#include <compare>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/value.h"

namespace stockd::engine {

struct StreamID {
  uint64_t ms = 0;
  uint64_t seq = 0;
  auto operator<=>(const StreamID&) const = default;
  bool IsZero() const { return ms == 0 && seq == 0; }
  static constexpr StreamID Max() { return {UINT64_MAX, UINT64_MAX}; }
  // "ms-seq".
  std::string ToString() const;
  // The next/previous ID (Redis's streamIncrID/streamDecrID); false past
  // the end of the ID space, where the ID wraps to 0-0 / max as in Redis.
  bool Incr();
  bool Decr();
};

// A pending entry (Redis's streamNACK): delivered to `consumer`, not yet acked.
struct StreamNack {
  int64_t delivery_time = 0;
  uint64_t delivery_count = 1;
  std::string consumer;
};

struct StreamConsumer {
  int64_t seen_time = 0;
  // The IDs pending for this consumer (their NACKs are in the group's pel).
  std::map<StreamID, bool> pel;
};

struct StreamGroup {
  StreamID last_id;
  // Redis's entries_read: -1 when unknown (SCG_INVALID_ENTRIES_READ).
  int64_t entries_read = -1;
  std::map<StreamID, StreamNack> pel;
  std::map<std::string, StreamConsumer> consumers;
};

class StreamObject final : public Object {
 public:
  // Redis's defaults (stream-node-max-entries, stream-node-max-bytes).
  static constexpr size_t kNodeMaxEntries = 100;
  static constexpr size_t kNodeMaxBytes = 4096;

  using Fields = std::vector<std::string>;  // field, value, field, value ...

  ValueType type() const override { return ValueType::kStream; }
  Encoding encoding() const override { return Encoding::kStream; }
  size_t MemoryUsage() const override;
  std::unique_ptr<Object> Clone() const override;

  size_t size() const { return entries_.size(); }
  const std::map<StreamID, Fields>& entries() const { return entries_; }
  StreamID first_id() const { return entries_.empty() ? StreamID{} : entries_.begin()->first; }
  // The last entry's ID (Redis's streamLastValidID); 0-0 when empty.
  StreamID last_entry_id() const { return entries_.empty() ? StreamID{} : entries_.rbegin()->first; }

  // Appends an entry. REQUIRES: id > last_id. Updates last_id, entries_added.
  void Append(StreamID id, Fields fields);
  // Removes one entry (XDEL); true when it existed. Does not touch
  // max_deleted_entry_id (the caller decides, as Redis's xdelCommand).
  bool Erase(StreamID id);

  // Redis's streamTrim. Exact (approx false) removes entries from the front
  // while the stream is longer than maxlen / while their ID is < minid;
  // approx removes whole nodes only and stops at the first node it cannot
  // remove, or when `limit` (> 0) entries would be exceeded. Returns the
  // number of entries removed.
  int64_t TrimMaxLen(uint64_t maxlen, bool approx, int64_t limit);
  int64_t TrimMinId(StreamID minid, bool approx, int64_t limit);

  // Loads a node layout (the codec): restores node boundaries so `~`
  // trimming after a restart acts as before it. Entries must already be in.
  struct Node {
    uint32_t live = 0;    // entries not deleted
    uint32_t total = 0;   // entries ever appended to it (deleted included)
    size_t bytes = 0;     // estimated listpack bytes
    StreamID last_id;     // the last entry appended to it (deleted or not)
    std::vector<std::string> master;  // the master entry's field names
  };
  const std::map<StreamID, Node>& nodes() const { return nodes_; }
  void SetNodes(std::map<StreamID, Node> nodes) { nodes_ = std::move(nodes); }

  // ---- consumer groups (Redis's t_stream.c helpers) ----
  StreamGroup* FindGroup(std::string_view name);
  // The consumer, created when missing (*created, if given, says so); its
  // seen_time becomes now_ms (Redis's streamLookupConsumer /
  // streamCreateConsumer with SLC_DEFAULT).
  StreamConsumer& LookupOrCreateConsumer(StreamGroup& g, std::string_view name, int64_t now_ms,
                                         bool* created = nullptr);
  // Records id as delivered to consumer now (a NACK with one delivery),
  // taking it from the consumer that had it. REQUIRES: the consumer exists.
  void Deliver(StreamGroup& g, StreamID id, const std::string& consumer, int64_t now_ms);
  // Removes a NACK from the group's and its consumer's PELs.
  void Ack(StreamGroup& g, std::map<StreamID, StreamNack>::iterator nack);
  // Redis's streamRangeHasTombstones: whether max_deleted_entry_id lies in
  // [start, end] of a non-empty stream whose first entry is not past it.
  bool RangeHasTombstones(StreamID start, StreamID end) const;
  // Redis's streamEstimateDistanceFromFirstEverEntry: the entries_read of
  // a group whose last ID is id, or -1 when unknown.
  int64_t EstimateDistanceFromFirstEverEntry(StreamID id) const;
  // XINFO's lag of a group (Redis's streamReplyWithCGLag); false when
  // unknown. (It can be negative: XSETID may lower entries_added.)
  bool GroupLag(const StreamGroup& g, int64_t* lag) const;
  // XINFO's radix-tree-nodes: the nodes of Redis's rax over the master IDs,
  // computed as a canonical compressed radix tree (see stream.cc).
  size_t RaxNodes() const;

  StreamID last_id;
  uint64_t entries_added = 0;
  StreamID max_deleted_entry_id;
  std::map<std::string, StreamGroup> groups;

 private:
  // The node holding id (the last node whose master ID is <= id).
  std::map<StreamID, Node>::iterator NodeOf(StreamID id);
  void RemoveNode(std::map<StreamID, Node>::iterator node);

  std::map<StreamID, Fields> entries_;
  std::map<StreamID, Node> nodes_;
};

// The stream at v, or nullptr when v holds another type.
inline StreamObject* AsStream(Value& v) {
  if (v.is_string() || v.object()->type() != ValueType::kStream) return nullptr;
  return static_cast<StreamObject*>(v.object());
}

}  // namespace stockd::engine
