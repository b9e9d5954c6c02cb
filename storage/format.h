// storage/format.h — the on-disk encoding of stockd's RocksDB store (see
// storage/FORMAT.md, which this file implements; version kFormatVersion).
//
// Contract:
//  * Row keys are big-endian where they embed integers, so RocksDB's bytewise
//    order is (db, shard, key) for keys and id order for orders.
//  * A key's row holds its whole current value and its absolute expiry
//    deadline (unix ms, 0 = none); a deleted key has no row.
//  * Every value type serializes through exactly one encode and one decode
//    function, chosen by its tag (ValueTag): int, string, hash, list, set,
//    zset, stream. A new type plugs in by adding its pair to the codec
//    table in format.cc — the one extension point; format.cc does not
//    compile while a ValueType lacks its row.
//  * Decoders never trust their input: a short or malformed row is an error
//    status, never a crash.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/stock_records.h"
#include "engine/value.h"

namespace stockd::storage {

inline constexpr uint32_t kFormatVersion = 3;

// Column families.
inline constexpr char kCfMeta[] = "default";  // format version, shards per db, order counter
inline constexpr char kCfKeys[] = "keys";
inline constexpr char kCfOrders[] = "orders";
// Format 1 kept per-user counts and REQIDs here; since format 2 they are
// rebuilt from the orders at load, and these stay empty (a format-1 store's
// rows are deleted when it is opened).
inline constexpr char kCfUsers[] = "users";
inline constexpr char kCfReqIds[] = "reqids";
// The elements of big lists, hashes, sets and sorted sets, one row each
// (FORMAT.md "Big values").
inline constexpr char kCfElements[] = "elements";

// Rows of the meta column family.
inline constexpr char kMetaFormatVersion[] = "format-version";  // fixed32
inline constexpr char kMetaShardsPerDb[] = "shards-per-db";     // fixed32
inline constexpr char kMetaOrderCounter[] = "order-counter";    // fixed64: highest id allocated

// Value tags (the first byte of a key's row value).
enum class ValueTag : uint8_t {
  kInt = 1,     // string held as an integer: fixed64
  kString = 2,  // string bytes
  kHash = 3,    // count, then (field, value) pairs
  kList = 4,    // count, then items head to tail
  kSet = 5,     // count, then members
  kZSet = 6,    // count, then (member, score as IEEE-754 bits) in score order
  kListRows = 7,  // a big list: its elements are rows of the elements family
  kHashRows = 8,  // a big hash, set or sorted set: its members are rows of
  kSetRows = 9,   // the elements family
  kZSetRows = 10,
  kStream = 11,  // a version byte, then the whole stream (FORMAT.md)
};

// --- fixed-width helpers ---
void PutFixed32(std::string* out, uint32_t v);           // little-endian
void PutFixed64(std::string* out, uint64_t v);           // little-endian
void PutBigEndian16(std::string* out, uint16_t v);
void PutBigEndian64(std::string* out, uint64_t v);
void PutLengthPrefixed(std::string* out, std::string_view s);  // fixed32 length + bytes
// Readers consume from the front of *in; false when too short.
bool GetFixed32(std::string_view* in, uint32_t* v);
bool GetFixed64(std::string_view* in, uint64_t* v);
bool GetLengthPrefixed(std::string_view* in, std::string_view* s);
void PutScore(std::string* out, double score);  // fixed64 of the IEEE-754 bits
bool GetScore(std::string_view* in, double* score);

// --- keys column family ---
// db (u16 BE) | shard (u16 BE) | key bytes.
std::string KeyRow(int db, int shard, std::string_view key);
// The 4-byte prefix of every row of one shard (DeleteRange(prefix, ShardPrefix(db, shard + 1))).
std::string ShardPrefix(int db, int shard);
bool ParseKeyRow(std::string_view row, int* db, int* shard, std::string_view* key);

struct DecodedValue {
  engine::Value value;
  int64_t expire_at_ms = 0;
};
// tag (u8) | expire_at_ms (fixed64) | payload (the tag's encoding).
absl::Status EncodeValue(const engine::Value& value, int64_t expire_at_ms, std::string* out);
absl::StatusOr<DecodedValue> DecodeValue(std::string_view row_value);

// --- big values (elements column family) ---
// A list, hash, set or sorted set of kRowsMin or more elements is stored as a
// header in the keys family and one row per element, whose key starts with
// prefix = db (u16 BE) | shard (u16 BE) | key length (u32 BE) | key.
//  * list (tag kListRows: expire_at_ms, head position, count): prefix |
//    u64be(position, sign bit flipped) -> the element, for the positions
//    head .. head + count - 1;
//  * hash, set, sorted set (tags kHashRows, kSetRows, kZSetRows:
//    expire_at_ms, count): prefix | member -> the field's value, nothing, or
//    fixed64(IEEE-754 bits of the score).
// It goes back to one whole row when it shrinks below kRowsKeep.
inline constexpr size_t kRowsMin = 512;
inline constexpr size_t kRowsKeep = 128;
std::string ElementPrefix(int db, int shard, std::string_view key);
std::string ElementRow(std::string_view prefix, int64_t pos);
std::string MemberRow(std::string_view prefix, std::string_view member);
void EncodeRowsHeader(ValueTag tag, int64_t expire_at_ms, uint64_t count, std::string* out);
// False when row_value is not a kHashRows/kSetRows/kZSetRows header.
bool ParseRowsHeader(std::string_view row_value, ValueTag* tag, int64_t* expire_at_ms, uint64_t* count);
bool ParseElementRow(std::string_view row, std::string_view prefix, int64_t* pos);
// The first string after every string that starts with prefix (the end of a
// DeleteRange over them).
std::string PrefixEnd(std::string_view prefix);
void EncodeListRowsHeader(int64_t expire_at_ms, int64_t head_pos, uint64_t count, std::string* out);
// False when row_value is not a kListRows header (or is malformed).
bool ParseListRowsHeader(std::string_view row_value, int64_t* expire_at_ms, int64_t* head_pos, uint64_t* count);

// --- orders column family ---
// Two kinds of row (FORMAT.md): one order, id (u64 BE) -> order, written when
// an order is cancelled (format 2 wrote every order so); and a segment,
// first id (u64 BE) | last id (u64 BE) -> the orders one batch placed, each
// id (fixed64) | order (length-prefixed). An order's status only moves from
// placed to cancelled, so at load the rows of one id merge by "cancelled wins".
std::string OrderRow(uint64_t id);
bool ParseOrderRow(std::string_view row, uint64_t* id);
// status (u8) | db (fixed32) | qty (fixed64) | created_ms (fixed64) | key | user | reqid (length-prefixed).
void EncodeOrder(const engine::Order& order, std::string* out);
absl::StatusOr<engine::Order> DecodeOrder(uint64_t id, std::string_view value);
std::string OrderSegmentRow(uint64_t first_id, uint64_t last_id);
void AppendSegmentOrder(const engine::Order& order, std::string* segment);
// Calls fn for every order of one row of either kind; an error status when the
// row is malformed (fn may have been called for the orders before the fault).
template <class Fn>
absl::Status ForEachOrderInRow(std::string_view row, std::string_view value, Fn&& fn);

namespace format_internal {
absl::Status NextSegmentOrder(std::string_view* segment, engine::Order* out);
}

template <class Fn>
absl::Status ForEachOrderInRow(std::string_view row, std::string_view value, Fn&& fn) {
  uint64_t id;
  if (ParseOrderRow(row, &id)) {
    absl::StatusOr<engine::Order> o = DecodeOrder(id, value);
    if (!o.ok()) return o.status();
    fn(std::move(*o));
    return absl::OkStatus();
  }
  if (row.size() != 16) return absl::DataLossError("corrupt order row");
  while (!value.empty()) {
    engine::Order o;
    if (absl::Status s = format_internal::NextSegmentOrder(&value, &o); !s.ok()) return s;
    fn(std::move(o));
  }
  return absl::OkStatus();
}

}  // namespace stockd::storage
