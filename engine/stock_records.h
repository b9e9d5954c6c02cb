// engine/stock_records.h — the orders of the flash-sale commands and the
// records every STOCK.* state change emits for the storage layer.
//
// Contract (what the persister consumes):
//  * The stock value itself is a key: its changes reach the persister through
//    the engine's change observer (Engine::SetChangeObserver), like any key.
//  * Everything that lives beside the keyspace — orders, per-user counts,
//    REQIDs, the order-id counter — is announced by OrderLog's record observer
//    (OrderLog::SetRecordObserver) with one StockRecords per state change
//    (one placement or one cancellation), in the order the changes happen on
//    their key's shard: the observer runs under that shard's lock (so two
//    changes of the same key are never reported out of order), must not park
//    and must not call back into the engine. Views are valid for the call only.
//  * Atomicity: a StockRecords is always followed, in the same hold of the same
//    shard lock, by the engine's ChangeSet for that shard (same shard_id)
//    carrying the stock key's new value — every placement decrements the key
//    and every effective cancellation increments it. So a persister that keeps
//    the StockRecords it received and writes them in one WriteBatch with the
//    next ChangeSet of that shard persists each buy/cancel atomically with its
//    stock value (the ChangeSet's KeyChange::seq values are >= shard_seq).
//  * Replaying the records of a run in order (orders upserted by id, counts and
//    REQIDs overwritten, counter = max) rebuilds exactly the side state of that
//    run: see OrderLog::Restore*.
//  * Token buckets (STOCK.SET ... RATE) are deliberately not persisted.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace stockd::engine {

enum class OrderStatus : uint8_t { kPlaced = 0, kCancelled = 1 };

// "placed" / "cancelled" (ORDER.GET's status field).
inline std::string_view OrderStatusName(OrderStatus s) {
  return s == OrderStatus::kPlaced ? "placed" : "cancelled";
}

// One order. id, db, key, user, qty, created_ms and reqid never change after
// placement; status goes placed -> cancelled at most once.
struct Order {
  uint64_t id = 0;        // > 0; increasing, never reused
  int db = 0;             // the database of the stock key
  std::string key;        // the stock key
  std::string user;
  int64_t qty = 0;        // > 0
  OrderStatus status = OrderStatus::kPlaced;
  int64_t created_ms = 0; // unix epoch ms (the engine clock at placement)
  std::string reqid;      // the REQID of the buy, empty when none
};

// The units a user holds of a key (placed, not cancelled) after a change.
struct UserCountRecord {
  int db;
  std::string_view key;
  std::string_view user;
  int64_t units;  // 0 means: drop the row
};

// (db, key, user, reqid) -> order: a retry with this REQID replays the order.
struct ReqIdRecord {
  int db;
  std::string_view key;
  std::string_view user;
  std::string_view reqid;
  uint64_t order_id;
  int64_t qty;  // the order's qty (a retry with another QTY is refused)
};

// What one state change of the side state emits.
struct StockRecords {
  // The shard (global id = db * shards_per_db + index) whose lock is held, and
  // its change sequence number at this moment.
  uint32_t shard_id = 0;
  uint64_t shard_seq = 0;
  // The order placed or cancelled, in full, after the change (status says which).
  const Order* order = nullptr;
  // The user's new count of the order's key.
  UserCountRecord user_count{};
  // Set on a placement that carried a REQID.
  std::optional<ReqIdRecord> reqid;
  // The order-id counter: the highest id ever allocated (persist as max).
  uint64_t order_counter = 0;
};

// Called under the key's shard lock; must not park; must be quick.
using StockRecordObserver = std::function<void(const StockRecords&)>;

}  // namespace stockd::engine
