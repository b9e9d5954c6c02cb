// storage/coalescer.h — what travels from the engine to the persister (Item:
// one command's changes to one shard, with its global sequence number) and
// the Coalescer that merges a batch of Items into one RocksDB WriteBatch.
//
// Invariant: a batch holds a prefix of every shard's history (see Coalescer);
// of each dirty key it writes the value at that shard's snapshot, once.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "engine/shard.h"
#include "rocksdb/write_batch.h"
#include "storage/big_values.h"
#include "storage/store.h"

namespace stockd::storage {

// One side-state row of a queue item (an order), encoded
// when the command ran. Keyspace rows are not encoded here: see Item::keys.
struct RowOp {
  enum Kind : uint8_t { kPut, kDelete };
  Cf cf;
  Kind kind;
  std::string key;    // the row key
  std::string value;  // kPut only
};
struct Item {
  static constexpr uint32_t kNoShard = ~0u;
  uint64_t seq = 0;                 // global written sequence
  uint32_t shard_id = kNoShard;     // global shard id (db * shards_per_db + index)
  bool flush_shard = false;         // every key of the shard was dropped (FLUSHDB, ...)
  std::vector<std::string> keys;    // keys the command changed (their state at write time is persisted)
  std::vector<RowOp> rows;          // side rows, in the order they happened
  std::vector<uint64_t> placed_orders;  // ids of the orders this item places
  std::string placed_segment;       // those orders, encoded for a segment row (AppendSegmentOrder)
  uint64_t order_counter = 0;       // the highest order id allocated, 0 if none
};

// The coalescer: merges the items of one batch. Keyspace changes become a
// set of dirty keys per shard, whose *current* values are encoded once per
// batch under the shard's lock (SnapshotShard) — so a key written 10,000
// times in a batch, or a 100,000-element list pushed to, costs one encode,
// not one per command. Placed orders become one segment row per batch.
// Other side rows: the highest (seq, position) wins (they are
// appended to the batch in that order).
//
// Consistency: a shard's snapshot is taken under its lock, after every item
// that shard pushed before the lock was taken has been added (the persister
// drains the queue while holding the lock), so the batch holds a prefix of
// each shard's history: never a stock decrement without its order row, or
// the reverse. Items of a shard that arrive after its snapshot belong to the
// next batch (snapshotted() tells). Exposed for tests.
class Coalescer {
 public:
  void Add(Item&& item);
  bool empty() const { return seqs_.empty(); }
  // Shards with keyspace changes in the batch, in first-seen order.
  const std::vector<uint32_t>& shards() const { return shard_order_; }
  bool snapshotted(uint32_t shard_id) const;
  // Appends shard_id's keyspace rows to batch: its DeleteRange when it was
  // flushed, then each dirty key's current value (a Delete when it is gone).
  // REQUIRES: the shard's lock is held. Returns the row count.
  // Lists, hashes, sets and sorted sets of kRowsMin elements or more become
  // element rows, tracked in big_values (null: every value is written whole).
  size_t SnapshotShard(uint32_t shard_id, int db, int index, engine::Shard& shard, Store& store,
                       rocksdb::WriteBatch* batch, BigValueIndex* big_values = nullptr);
  // Appends the side rows (cancelled orders, the placed orders' segment, the order counter).
  size_t BuildSideRows(Store& store, rocksdb::WriteBatch* batch);
  void Clear();
  const std::vector<uint64_t>& seqs() const { return seqs_; }
  std::vector<uint64_t>& mutable_seqs() { return seqs_; }
  const std::vector<uint64_t>& placed_orders() const { return placed_; }
  std::vector<uint64_t>& mutable_placed_orders() { return placed_; }
  size_t dirty_keys() const;
  size_t side_rows() const { return rows_.size() + (segment_.empty() ? 0 : 1) + (counter_ ? 1 : 0); }  // before coalescing

 private:
  struct SideRow {
    uint64_t seq;
    uint32_t pos;
    RowOp op;
  };
  struct Dirty {
    bool flush = false;
    bool snapshotted = false;
    std::vector<std::string> keys;
  };
  // In arrival order; BuildSideRows sorts them by (seq, position) so that the
  // WriteBatch, applied in order, leaves the latest operation of every row.
  std::vector<SideRow> rows_;
  // The orders the batch places, as one segment row (first..last id).
  std::string segment_;
  uint64_t segment_first_ = 0, segment_last_ = 0;
  absl::flat_hash_map<uint32_t, Dirty> dirty_;
  std::vector<uint32_t> shard_order_;
  uint64_t counter_ = 0;
  std::vector<uint64_t> seqs_;
  std::vector<uint64_t> placed_;
  std::string row_scratch_, value_scratch_;
};

}  // namespace stockd::storage
