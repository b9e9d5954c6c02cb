// storage/coalescer.cc — see coalescer.h.
#include "storage/coalescer.h"

#include <algorithm>

#include "engine/key_hash.h"
#include "runtime/log.h"
#include "storage/format.h"

namespace stockd::storage {

void Coalescer::Add(Item&& item) {
  seqs_.push_back(item.seq);
  placed_.insert(placed_.end(), item.placed_orders.begin(), item.placed_orders.end());
  if (!item.placed_segment.empty()) {
    segment_.append(item.placed_segment);
    for (uint64_t id : item.placed_orders) {
      segment_first_ = segment_first_ == 0 ? id : std::min(segment_first_, id);
      segment_last_ = std::max(segment_last_, id);
    }
  }
  counter_ = std::max(counter_, item.order_counter);
  if (item.flush_shard || !item.keys.empty()) {
    auto [it, inserted] = dirty_.try_emplace(item.shard_id);
    if (inserted) shard_order_.push_back(item.shard_id);
    Dirty& d = it->second;
    if (item.flush_shard) {
      // Keys changed before the flush are gone now; the snapshot reads the
      // current state anyway, so they need no row of their own.
      d.flush = true;
    }
    // Each live key is reported once until its snapshot (Shard::TakePending),
    // so the names are nearly unique; a repeat (deleted and re-created)
    // encodes the same current state twice, harmlessly.
    for (std::string& k : item.keys) d.keys.push_back(std::move(k));
  }
  uint32_t pos = 0;
  for (RowOp& op : item.rows) rows_.push_back(SideRow{item.seq, ++pos, std::move(op)});
}

bool Coalescer::snapshotted(uint32_t shard_id) const {
  auto it = dirty_.find(shard_id);
  return it != dirty_.end() && it->second.snapshotted;
}

size_t Coalescer::SnapshotShard(uint32_t shard_id, int db, int index, engine::Shard& shard, Store& store,
                                rocksdb::WriteBatch* batch, BigValueIndex* big_values) {
  auto it = dirty_.find(shard_id);
  if (it == dirty_.end()) {
    // A shard with only side rows: mark it so its later items wait for the next batch.
    it = dirty_.try_emplace(shard_id).first;
    shard_order_.push_back(shard_id);
  }
  Dirty& d = it->second;
  d.snapshotted = true;
  size_t n = 0;
  rocksdb::ColumnFamilyHandle* cf = store.cf(Cf::kKeys);
  // The big values of this shard stored as element rows, by key.
  absl::flat_hash_map<std::string, uint64_t>* rowed = nullptr;
  if (big_values != nullptr) {
    auto it = big_values->by_shard.find(shard_id);
    if (it != big_values->by_shard.end()) rowed = &it->second;
  }
  if (d.flush) {
    batch->DeleteRange(cf, ShardPrefix(db, index), ShardPrefix(db, index + 1));
    ++n;
    if (rowed != nullptr) {
      batch->DeleteRange(store.cf(Cf::kElements), ShardPrefix(db, index), ShardPrefix(db, index + 1));
      ++n;
      rowed->clear();
    }
  }
  for (const std::string& key : d.keys) {
    row_scratch_ = KeyRow(db, index, key);
    const engine::Entry* e = shard.TakePending(key, engine::KeyHash(key));
    // Element rows written for this key, and by which object (0: none).
    uint64_t rows_of = 0;
    if (rowed != nullptr) {
      auto it = rowed->find(key);
      if (it != rowed->end()) rows_of = it->second;
    }
    if (big_values != nullptr && e != nullptr && !e->value.is_string()) {
      const engine::Object& o = *e->value.object();
      const BigWrite plan = PlanBigWrite(o, rows_of, big_values->one_row_share);
      if (plan == BigWrite::kRowsChanged || plan == BigWrite::kRowsAll) {
        n += WriteRows(*e, plan, ElementPrefix(db, index, key), row_scratch_, rows_of != 0, cf,
                       store.cf(Cf::kElements), batch);
        if (rowed == nullptr) rowed = &big_values->by_shard[shard_id];
        VisitAggregate(o, [&](const auto& agg) { (*rowed)[key] = agg.rows.id; });
        continue;
      }
    }
    if (rows_of != 0) {
      const std::string prefix = ElementPrefix(db, index, key);
      batch->DeleteRange(store.cf(Cf::kElements), prefix, PrefixEnd(prefix));
      ++n;
      rowed->erase(key);
    }
    absl::Status s = absl::OkStatus();
    if (e != nullptr) {
      value_scratch_.clear();
      s = EncodeValue(e->value, e->expire_at_ms, &value_scratch_);
      if (s.ok()) {
        batch->Put(cf, row_scratch_, value_scratch_);
        ++n;
        continue;
      }
      // An encoder's error (none of today's fails): the key cannot be
      // persisted. Delete the old row so a restart does not resurrect a
      // stale value.
      runtime::LogWarning("Not persisting key '%s': %s", key, std::string(s.message()));
    }
    if (!d.flush) {  // after a DeleteRange of the shard there is nothing to delete
      batch->Delete(cf, row_scratch_);
      ++n;
    }
  }
  d.keys.clear();
  return n;
}

size_t Coalescer::BuildSideRows(Store& store, rocksdb::WriteBatch* batch) {
  // Items arrive nearly in sequence order (the overflow list is the
  // exception), so this sort is close to linear.
  std::sort(rows_.begin(), rows_.end(), [](const SideRow& a, const SideRow& b) {
    return a.seq != b.seq ? a.seq < b.seq : a.pos < b.pos;
  });
  for (const SideRow& r : rows_) {
    rocksdb::ColumnFamilyHandle* cf = store.cf(r.op.cf);
    if (r.op.kind == RowOp::kPut) batch->Put(cf, r.op.key, r.op.value);
    else batch->Delete(cf, r.op.key);
  }
  size_t n = rows_.size();
  if (!segment_.empty()) {
    batch->Put(store.cf(Cf::kOrders), OrderSegmentRow(segment_first_, segment_last_), segment_);
    ++n;
  }
  if (counter_ != 0) {
    std::string enc;
    PutFixed64(&enc, counter_);
    batch->Put(store.cf(Cf::kMeta), kMetaOrderCounter, enc);
    ++n;
  }
  return n;
}

size_t Coalescer::dirty_keys() const {
  size_t n = 0;
  for (const auto& [id, d] : dirty_) n += d.keys.size();
  return n;
}

void Coalescer::Clear() {
  rows_.clear();
  dirty_.clear();
  shard_order_.clear();
  counter_ = 0;
  segment_.clear();
  segment_first_ = segment_last_ = 0;
  seqs_.clear();
  placed_.clear();
}

}  // namespace stockd::storage
