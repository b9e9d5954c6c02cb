// engine/order_log.h — the state of the flash-sale commands that lives beside
// the keyspace: orders, per-user counts, REQIDs, admission buckets and the
// order-id counter. DEL, FLUSHDB, FLUSHALL, KEYS and DBSIZE never see it.
//
// Two parts, two locks:
//  * Per-key side state (SkuState: bucket, users' counts, REQIDs) is kept per
//    shard, in a table indexed like the engine's shards, and is guarded by
//    THAT SHARD'S lock — the same lock that guards the stock key. So a buy's
//    checks and effects (stock, count, REQID, order) are one atomic step, and
//    whoever holds the key's shard lock sees the stock and its side state
//    consistent. Every per-key method REQUIRES the key's shard lock.
//  * The global order table (id -> Order) has its own short lock (mu_), taken
//    after a shard lock, never the other way round, held only to copy or
//    append, never across a park. Order ids are allocated under mu_ at
//    append time, so the table is always complete up to the last id: a reader
//    that saw id n has seen every id below n (ORDER.READ cannot skip one).
//
// Durability: durable_id() is the watermark "every order <= it is durable".
// ORDER.GET / ORDER.READ / ORDER.LAST show only orders <= it. With no storage
// attached (the default) an order is durable as soon as it is appended;
// storage calls SetDurabilityTracking(true) before serving and then
// MarkDurable(id) as its syncs complete. Fibers can park until an id is
// durable (WaitDurable) — ORDER.READ BLOCK and the server's "no reply before
// durable" both use the same waiter list, woken by MarkDurable/appends.
//
// Records: every placement and cancellation calls the record observer (see
// stock_records.h) under the key's shard lock.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"
#include "engine/key_hash.h"
#include "engine/key_string.h"
#include "engine/shard.h"
#include "engine/stock_records.h"
#include "engine/token_bucket.h"
#include "runtime/chan.h"

namespace stockd::engine {

class Engine;

// A user's holdings of one key and the REQIDs that produced its orders.
// Small on purpose (48-byte slots in SkuState::users with the key): a hot
// SKU holds every buyer, and the lookup's cache misses were a tenth of a buy.
// Most buyers never send a REQID, so their map stays unallocated.
struct UserState {
  struct ReqId {
    uint64_t order_id;
    int64_t qty;
  };
  using ReqIdMap = absl::flat_hash_map<KeyString, ReqId, KeyHasher, KeyEq>;
  int64_t units = 0;  // placed, not cancelled
  std::unique_ptr<ReqIdMap> reqids;

  const ReqId* FindReqId(std::string_view reqid) const {
    if (!reqids) return nullptr;
    auto it = reqids->find(reqid);
    return it == reqids->end() ? nullptr : &it->second;
  }
  // True when the REQID was new.
  bool SetReqId(std::string_view reqid, ReqId r) {
    if (!reqids) reqids = std::make_unique<ReqIdMap>();
    return reqids->insert_or_assign(reqid, r).second;
  }
};

// The side state of one stock key.
struct SkuState {
  bool is_sku = false;                 // set by STOCK.SET (INFO stock "skus")
  std::optional<TokenBucket> bucket;   // STOCK.SET ... RATE
  // Keyed inline (KeyString): a hot SKU's users are many, and a user name
  // in its own heap block was a cache miss per buy.
  absl::flat_hash_map<KeyString, UserState, KeyHasher, KeyEq> users;
};

// INFO stock.
struct StockStats {
  uint64_t skus = 0;
  uint64_t orders_placed = 0;
  uint64_t orders_cancelled = 0;
  uint64_t units_sold = 0;  // units of placed orders minus units of cancelled ones
  uint64_t soldout_rejects = 0;
  uint64_t limit_rejects = 0;
  uint64_t rate_rejects = 0;
  uint64_t idempotent_replays = 0;
};

class OrderLog {
 public:
  explicit OrderLog(Engine& engine);
  ~OrderLog();
  OrderLog(const OrderLog&) = delete;
  OrderLog& operator=(const OrderLog&) = delete;

  // Installs the record observer. REQUIRES: before serving.
  void SetRecordObserver(StockRecordObserver observer) { observer_ = std::move(observer); }

  // ---- per-key side state: REQUIRE the key's shard lock (`shard` locked) ----
  SkuState* FindSku(Shard& shard, std::string_view key);
  SkuState& GetOrCreateSku(Shard& shard, std::string_view key);
  // Marks the key as a SKU (STOCK.SET) and sets or removes its bucket.
  void ConfigureSku(Shard& shard, std::string_view key, std::optional<TokenBucket> bucket);

  // Places an order for a buy that passed every check: allocates the next id,
  // appends the order, adds qty to the user's count, records the REQID (if
  // non-empty), counts it and emits the records. Returns the order id.
  // `buyer` is this (key, user)'s state when the caller already looked it up
  // (STOCK.BUY does, for its checks), else null.
  uint64_t Place(Shard& shard, int db, std::string_view key, std::string_view user, int64_t qty,
                 std::string_view reqid, int64_t now_ms, UserState* buyer = nullptr);

  // Cancels order `id`, whose key's shard is locked. Returns the units to give
  // back (the order's qty), 0 when it was already cancelled, or nullopt when
  // there is no such order.
  std::optional<int64_t> Cancel(Shard& shard, uint64_t id);

  // ---- the order table: any thread, no shard lock needed ----
  // Where order `id` lives (db, key), durable or not; nullopt if unknown.
  std::optional<std::pair<int, std::string>> Locate(uint64_t id) const;
  // A copy of a durable order; nullopt if unknown or not yet durable.
  std::optional<Order> Get(uint64_t id) const;
  // Appends to *out the durable orders with id > after_id, in id order, at
  // most `count`.
  void Read(uint64_t after_id, size_t count, std::vector<Order>* out) const;
  // Like Read, but when there is nothing parks the calling fiber (never a
  // lock, never the thread: a runtime Select on a channel with a deadline)
  // until an order > after_id becomes durable or `deadline` passes.
  void ReadBlocking(uint64_t after_id, size_t count, absl::Time deadline, std::vector<Order>* out);
  // The highest durable order id (0 if none): ORDER.LAST.
  uint64_t durable_id() const;
  // The highest order id ever allocated (the counter).
  uint64_t last_id() const;

  // ---- durability (storage) ----
  // true: appended orders wait for MarkDurable. REQUIRES: before serving.
  void SetDurabilityTracking(bool on);
  // Every order <= id is durable (monotonic; clamped to last_id()). Wakes waiters.
  void MarkDurable(uint64_t id);
  // Parks the calling fiber until durable_id() >= id or the deadline passes;
  // true when durable.
  bool WaitDurable(uint64_t id, absl::Time deadline);
  // Server shutdown: wakes every parked ORDER.READ ... BLOCK (it answers what
  // it has, an empty array) and from now on blocking reads do not park.
  // WaitDurable is unaffected (storage's final sync still wakes it).
  void StopBlockingReads();

  // ---- restore (storage, at start-up) — REQUIRE: before serving ----
  // Inserts an order at its id (any order of calls; gaps allowed). The counter
  // and the durable watermark become at least order.id. Does not touch counts.
  // The same id again (its placement and its cancellation are stored apart)
  // replaces it, except that a cancelled order stays cancelled: a status only
  // moves from placed to cancelled. Returns whether the id was new.
  bool RestoreOrder(const Order& order);
  void RestoreOrderCounter(uint64_t last_id);
  // Recomputes every user count (Σ qty of placed orders) and REQID from the
  // restored orders, replacing what was there: the orders are the truth, the
  // store keeps nothing else (storage/FORMAT.md).
  struct SideCounts {
    uint64_t user_counts = 0;  // (key, user) pairs holding units
    uint64_t reqids = 0;
  };
  SideCounts RebuildSideStateFromOrders();

  // ---- statistics ----
  StockStats stats() const;
  // INFO stock's lines: "skus:N\r\n..."
  void AppendInfo(std::string& out) const;
  void CountSoldout() { soldout_rejects_.fetch_add(1, std::memory_order_relaxed); }
  void CountLimit() { limit_rejects_.fetch_add(1, std::memory_order_relaxed); }
  void CountRate() { rate_rejects_.fetch_add(1, std::memory_order_relaxed); }
  void CountReplay() { idempotent_replays_.fetch_add(1, std::memory_order_relaxed); }

 private:
  struct Waiter {
    uint64_t need;             // wake when durable_ >= need
    uint64_t token;            // identifies the waiter for removal
    bool reader;               // ORDER.READ (woken by StopBlockingReads too)
    runtime::Chan<int> ch;     // capacity 1: the wake-up
  };
  using SkuTable = absl::flat_hash_map<std::string, SkuState, KeyHasher, KeyEq>;

  SkuTable& TableOf(const Shard& shard);
  // REQUIRE mu_ (the *Locked methods). The slot of id (nullptr if out of range or a gap).
  Order* SlotLocked(uint64_t id);
  const Order* SlotLocked(uint64_t id) const;
  void ReadLocked(uint64_t after_id, size_t count, std::vector<Order>* out) const;
  // Under mu_: moves the waiters satisfied by durable_ into *ready.
  void TakeReadyLocked(std::vector<runtime::Chan<int>>* ready);
  static void Wake(std::vector<runtime::Chan<int>>& ready);
  // Parks until woken or deadline (after registering under mu_). Returns false on timeout.
  bool ParkUntil(runtime::Chan<int>& ch, absl::Time deadline);
  void RemoveWaiter(uint64_t token);
  void Emit(Shard& shard, const Order& order, int64_t units, bool with_reqid, uint64_t counter);

  Engine& engine_;
  uint32_t shards_per_db_;
  std::vector<SkuTable> skus_;  // [global shard id], each guarded by that shard's lock
  StockRecordObserver observer_;

  // A std::mutex (not absl::Mutex): TSan sees through it with the system
  // abseil, which is not built with TSan annotations.
  mutable std::mutex mu_;
  // orders_[i] holds id i + 1 (id 0 = a gap left by restore). A deque:
  // appending never moves existing orders, so a pointer to one stays valid.
  std::deque<Order> orders_;
  uint64_t last_id_ = 0;
  uint64_t durable_ = 0;
  bool tracking_ = false;
  std::vector<Waiter> waiters_;
  uint64_t next_token_ = 1;
  bool reads_stopped_ = false;

  std::atomic<uint64_t> skus_count_{0};
  std::atomic<uint64_t> orders_placed_{0}, orders_cancelled_{0};
  std::atomic<int64_t> units_sold_{0};
  std::atomic<uint64_t> soldout_rejects_{0}, limit_rejects_{0}, rate_rejects_{0},
      idempotent_replays_{0};
};

}  // namespace stockd::engine
