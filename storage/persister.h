// storage/persister.h — the persister: the engine's records flow through a
// bounded queue into one fiber that batches, coalesces and writes them to the
// Store, syncing per `order-fsync`, and wakes whoever waits for durability.
//
//   writer fiber                          persister fiber
//   Reserve()  (may park: queue full)     RecvMany(items, batch_items)
//   lock shard, run command               + overflow items
//   observer: Push(item) (never parks)    dirty keys per shard, side rows by seq
//                                         per dirty shard: lock, drain the queue,
//                                           encode its dirty keys' current values
//   unlock; Release()                     one WriteBatch, Blocking(write [+fsync])
//   AwaitDurable() before the reply  ◀──  durable_seq advances, waiters wake
//
// Contract:
//  * One command's records of one shard travel as one queue item, stamped
//    with the next global sequence number (written_seq): the OrderLog's
//    records (the placed order, the cancelled order's row, the counter;
//    users' counts and REQIDs are rebuilt from the orders at load) are held
//    in a thread-local buffer and joined to the same shard's key changes when the engine hands
//    those over at the end of the command (still under the lock). Key changes
//    travel as key names; the batch writes each key's value as of the shard's
//    snapshot (Coalescer), which covers exactly the items the batch holds for
//    that shard. So a crash can never persist an order without its stock
//    decrement, or the reverse. Items are pushed under the shard lock that
//    guards what they describe and never park: the reservation taken
//    before the lock guarantees room; an item that finds no room anyway
//    (writes without a reservation: expiry deletions, commands inside
//    MULTI/scripts) goes to an unbounded overflow list the fiber drains too.
//  * Reservations are per command: Reserve parks while reserved + queued
//    items >= queue_limit (back-pressure, never a drop). Below half the
//    limit it does not sum the reservations: only running commands hold one,
//    far fewer than half the queue.
//  * durable_seq is the largest s such that every item <= s is written (and,
//    under `always`, fsynced). It only grows. Orders: OrderLog::MarkDurable is
//    told the largest id such that every placement <= it is durable.
//  * Under `always`, AwaitDurable parks until durable_seq >= the written_seq
//    it observed on entry (everything written before the caller's replies);
//    many waiters share one fsync (group commit). Other policies never wait.
//  * A failed write (EIO, ENOSPC, ...) keeps the built WriteBatch in memory and
//    retries it every retry_interval; meanwhile Reserve refuses writes with
//    "MISCONF Errors writing to the persistence log: <cause>"; reads go on.
//    The first successful retry clears the error. Nothing is dropped.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "engine/engine.h"
#include "engine/stock_records.h"
#include "runtime/chan.h"
#include "runtime/fiber.h"
#include "storage/coalescer.h"
#include "storage/store.h"

namespace stockd::storage {

enum class FsyncPolicy { kAlways, kEverySec, kNo };
// "always" | "everysec" | "no"
std::optional<FsyncPolicy> ParseFsyncPolicy(std::string_view s);
std::string_view FsyncPolicyName(FsyncPolicy p);

struct PersisterOptions {
  size_t queue_limit = 8192;   // items queued + reserved before writers park
  size_t batch_items = 4096;   // items per RecvMany
  // How long a batch gathers items before it is written, so hot keys
  // coalesce (one encode and one row per key per batch). `always` never
  // waits: its writers wait for the fsync. A batch holding order-log records
  // uses everysec_window under both policies (order readers see only written
  // orders). Under `no` a kill -9 may lose up to no_window of acknowledged
  // plain-key writes (an OS crash, more).
  absl::Duration everysec_window = absl::Milliseconds(5);
  absl::Duration no_window = absl::Seconds(1);
  FsyncPolicy policy = FsyncPolicy::kAlways;
  absl::Duration retry_interval = absl::Milliseconds(100);
};

struct PersisterStats {
  uint64_t batches = 0;         // WriteBatches written
  uint64_t records = 0;         // rows written (after coalescing)
  uint64_t items = 0;           // queue items consumed
  uint64_t fsyncs = 0;
  uint64_t last_fsync_us = 0;   // duration of the last write+fsync (or WAL sync)
  uint64_t pending_items = 0;   // queued, not yet written
  uint64_t written_seq = 0;
  uint64_t durable_seq = 0;
  uint64_t write_errors = 0;
  std::string last_error;       // empty when the last write succeeded
};

class Persister final : public engine::WriteGate {
 public:
  Persister(Store& store, engine::Engine& engine, PersisterOptions options = {});
  ~Persister() override;
  Persister(const Persister&) = delete;
  Persister& operator=(const Persister&) = delete;

  // Installs the engine's change observer, the OrderLog's record observer and
  // this write gate, and turns on the OrderLog's durability tracking.
  // REQUIRES: after Store::Load, before serving.
  void Attach();
  // Spawns the persister fiber (and the everysec syncer). Call on a fiber.
  void Start();
  // Closes the queue; the fiber writes what is left, syncs, and ends. Joins.
  // REQUIRES: no command runs any more (server shutdown hook).
  absl::Status Stop();

  void SetPolicy(FsyncPolicy p) { policy_.store(p, std::memory_order_relaxed); }
  FsyncPolicy policy() const { return policy_.load(std::memory_order_relaxed); }

  // engine::WriteGate
  bool Reserve(std::string* error) override;
  void Release() override;
  void AwaitDurable() override;

  uint64_t WrittenSeq() const { return written_.load(std::memory_order_acquire); }
  uint64_t DurableSeq() const { return durable_.load(std::memory_order_acquire); }
  // Parks until DurableSeq() >= seq (whatever the policy), or the persister stopped.
  void WaitDurable(uint64_t seq);

  // SAVE/BGSAVE: waits until everything written so far is in the store, then
  // checkpoints it into <dir>/checkpoint-<unixtime>[-n]. Returns that path.
  absl::StatusOr<std::string> Checkpoint(const std::string& dir);

  PersisterStats stats() const;
  // The error writes are refused with, or empty.
  std::string error() const;

  // Pushes an item (the observers' path; tests). Never parks.
  void Push(Item item);

  // DEBUG PERSISTER-STALL: a slow disk. Until now + d, the persister fiber
  // parks before each write (before the snapshot that drains the queue): writers park on the full queue (Reserve) and,
  // under `always`, replies wait for durability; nothing is dropped or
  // refused. A later call replaces the deadline (0 ends the stall).
  void Stall(absl::Duration d);

 private:
  void OnChanges(const engine::ChangeSet& cs);
  void OnStockRecords(const engine::StockRecords& r);
  void FlushPendingStock();
  void Loop();
  void SyncLoop();
  // Moves what is queued (channel and overflow) into `out`, never parking.
  void Drain(std::vector<Item>& out);
  // Adds items to the batch, or to carry_ when their shard was already snapshotted.
  void Admit(Coalescer& c, std::vector<Item>& items);
  // Under everysec/no: keeps adding arriving items to the batch for a window.
  void GatherWindow(Coalescer& pending, bool& closed);
  // Snapshots every dirty shard of c into batch under its lock (see Coalescer).
  size_t Snapshot(Coalescer& c, rocksdb::WriteBatch* batch);
  // Writes batch (with fsync under `always`); OK or the error.
  absl::Status WriteOnce(rocksdb::WriteBatch& batch, size_t rows, size_t items);
  void AdvanceDurable(Coalescer& c);
  void WakeDurableWaiters();
  void WakeReservers();
  void SetError(const absl::Status& s);
  // Items pushed and not yet taken by the fiber; the sum of the reservation cells.
  int64_t Backlog() const;
  int64_t Reserved() const;

  Store& store_;
  engine::Engine& engine_;
  PersisterOptions options_;
  std::atomic<FsyncPolicy> policy_;
  runtime::Chan<Item> ch_;

  absl::Mutex overflow_mu_;
  std::vector<Item> overflow_ ABSL_GUARDED_BY(overflow_mu_);

  // Every writer stamps its item from written_ (one shared line per write,
  // unavoidable: the sequence is global). The backlog is written_ - taken_,
  // taken_ advanced only by the fiber; reservations are counted per thread
  // and summed only when the backlog nears the limit. (One reserved and one
  // queued counter, each changed twice per command by every thread, were a
  // contended cache line costing 9% of a pipelined SET's CPU.)
  alignas(64) std::atomic<uint64_t> written_{0};
  alignas(64) std::atomic<uint64_t> taken_{0};
  struct alignas(64) ReserveCell {
    std::atomic<int64_t> n{0};
  };
  static constexpr size_t kReserveCells = 8;
  ReserveCell reserved_[kReserveCells];
  std::atomic<uint64_t> durable_{0};
  std::atomic<bool> failing_{false};
  std::atomic<bool> stopped_{false};
  std::atomic<bool> unsynced_{false};  // written without fsync (everysec/no)

  // Wake-ups: a channel per generation, closed to wake every waiter at once.
  mutable absl::Mutex wake_mu_;
  runtime::Chan<int> durable_gen_ ABSL_GUARDED_BY(wake_mu_){0};
  int durable_waiters_ ABSL_GUARDED_BY(wake_mu_) = 0;
  runtime::Chan<int> space_gen_ ABSL_GUARDED_BY(wake_mu_){0};
  int space_waiters_ ABSL_GUARDED_BY(wake_mu_) = 0;
  std::string error_ ABSL_GUARDED_BY(wake_mu_);

  // Only the persister fiber touches these.
  std::vector<Item> carry_;  // arrived after their shard's snapshot: next batch
  BigValueIndex big_values_;  // the big values written as element rows
  std::vector<uint64_t> done_heap_;
  std::vector<uint64_t> placed_heap_;
  uint64_t order_durable_ = 0;

  std::atomic<uint64_t> batches_{0}, records_{0}, items_{0}, fsyncs_{0}, last_fsync_us_{0},
      write_errors_{0};
  runtime::Fiber loop_fiber_;
  runtime::Fiber sync_fiber_;
  runtime::Chan<int> stop_sync_{1};
  bool started_ = false;
  std::atomic<int64_t> stall_until_ns_{0};  // DEBUG PERSISTER-STALL deadline (unix ns)
  void WaitOutStall();
};

}  // namespace stockd::storage
