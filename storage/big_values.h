// storage/big_values.h — lists, hashes, sets and sorted sets stored one
// element per row (FORMAT.md "Big values"): how a batch writes such a value
// (PlanBigWrite, WriteRows) and how the load reads it back (ReadBigValue).
//
// Contract:
//  * A value's element rows live under ElementPrefix(db, shard, key) in the
//    elements column family, with a header (tags 7-10) as the key's row.
//  * BigValueIndex says, per key, which object's rows are on disk (the
//    objects' rows.id): only those rows may be updated in place; any other
//    object under the key is written whole after dropping them.
//  * Every call runs under the lock of the value's shard (the persister's
//    snapshot, or the load before serving): the objects' change records are
//    read and reset here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "engine/shard.h"
#include "engine/types/hash.h"
#include "engine/types/list.h"
#include "engine/types/set.h"
#include "engine/types/zset.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"
#include "storage/format.h"

namespace stockd::storage {

// The values stored as element rows: per global shard id, each such key and
// the id of the object (ListObject::RowState::id, MemberRows::id) whose rows
// they are. Filled by Store::Load, then kept up to date by the persister, the
// only writer.
struct BigValueIndex {
  absl::flat_hash_map<uint32_t, absl::flat_hash_map<std::string, uint64_t>> by_shard;
  // A batch writes a big value's changed elements only if at most
  // 1/one_row_share of them changed, else the whole value as one row (the
  // persister sets it per fsync policy: see PlanBigWrite).
  size_t one_row_share = 4;
};

// Calls f(obj) with the list, hash, set or sorted set behind o, typed; false
// for other values. Each has size() and a mutable `rows` (id, whole(),
// SetWhole(), Written(), changed()).
template <class F>
bool VisitAggregate(const engine::Object& o, F&& f) {
  switch (o.type()) {
    case engine::ValueType::kList: f(static_cast<const engine::ListObject&>(o)); return true;
    case engine::ValueType::kHash: f(static_cast<const engine::HashObject&>(o)); return true;
    case engine::ValueType::kSet: f(static_cast<const engine::SetObject&>(o)); return true;
    case engine::ValueType::kZSet: f(static_cast<const engine::ZSetObject&>(o)); return true;
    default: return false;
  }
}

// How a batch writes an aggregate.
enum class BigWrite {
  kOneRow,       // its whole value in its key's row; its changes are counted from now on
  kSmall,        // the same, and nothing is recorded (it is small)
  kRowsChanged,  // its changed elements' rows
  kRowsAll,      // every element's row (after dropping the key's old rows)
};

// The plan for aggregate o, whose key has the rows of object rows_of (0:
// none) on disk. For kOneRow and kSmall it also sets what o records of its
// changes from now on.
BigWrite PlanBigWrite(const engine::Object& o, uint64_t rows_of, size_t one_row_share);

// Writes the element rows of the aggregate in e per `plan` (kRowsChanged or
// kRowsAll) and its header at key_row; had_rows: the key has element rows on
// disk. Returns the row operations.
size_t WriteRows(const engine::Entry& e, BigWrite plan, std::string_view prefix, const std::string& key_row,
                 bool had_rows, rocksdb::ColumnFamilyHandle* keys, rocksdb::ColumnFamilyHandle* elements,
                 rocksdb::WriteBatch* batch);

// Whether a key's row value is a big value's header.
bool IsBigValueHeader(std::string_view row_value);
// Reads the big value whose header is row_value from its element rows under
// prefix; DataLoss when a row is missing or malformed.
absl::StatusOr<DecodedValue> ReadBigValue(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* elements,
                                          const std::string& prefix, std::string_view row_value);

}  // namespace stockd::storage
