// storage/store.h — stockd's RocksDB store: opening the column families of
// FORMAT.md, loading them into an Engine (recovery), writing batches, syncing
// the WAL, checkpoints (SAVE/BGSAVE) and a clean close.
//
// Contract:
//  * Open creates the store when missing and refuses a store whose format
//    version is newer than kFormatVersion; an older store is upgraded (a
//    format-1 store's users/reqids rows dropped: format 2 rebuilds them from
//    the orders; format 3 reads format 2's order rows as they are).
//  * Load runs before serving (no command may execute concurrently): it puts
//    every unexpired key (with its deadline) into the engine's shards and
//    every order and the order-id counter into the engine's OrderLog,
//    which rebuilds every user count and REQID from the orders. Keys whose
//    shard index changed (a different `shards` setting) are rewritten under
//    their new shard prefix.
//  * Write/SyncWal/Checkpoint block the calling thread: fibers call them
//    through runtime::Blocking. Thread-safe (RocksDB's own guarantees).
#pragma once

#include <cstdint>
#include <memory>
#include <shared_mutex>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/engine.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"
#include "storage/big_values.h"

namespace stockd::storage {

enum class Cf { kMeta = 0, kKeys = 1, kOrders = 2, kUsers = 3, kReqIds = 4, kElements = 5 };

struct LoadStats {
  uint64_t keys = 0;           // loaded into the keyspace
  uint64_t expired_keys = 0;   // rows skipped because their deadline passed
  uint64_t moved_keys = 0;     // rows rewritten under a new shard prefix
  uint64_t big_values = 0;     // lists, hashes, sets, sorted sets read from element rows
  uint64_t orders = 0;
  uint64_t user_counts = 0;  // (key, user) pairs holding units, rebuilt from the orders
  uint64_t reqids = 0;       // REQIDs, rebuilt from the orders
  uint64_t order_counter = 0;
  int64_t load_ms = 0;
  int64_t keys_ms = 0;  // the keyspace (in parallel with the side state)
  int64_t side_ms = 0;  // orders, then the counts and REQIDs rebuilt from them
};

class Store {
 public:
  // Opens (or creates) the store in directory `path`. `env` (tests: fault
  // injection) may be null for the default environment; it must outlive the store.
  static absl::StatusOr<std::unique_ptr<Store>> Open(const std::string& path,
                                                      rocksdb::Env* env = nullptr);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Recovery: loads everything into `engine`. REQUIRES: before serving.
  absl::Status Load(engine::Engine& engine, LoadStats* stats);
  // The big values Load found as element rows (for the persister; once).
  BigValueIndex TakeBigValues() { return std::move(big_values_); }

  absl::Status Write(rocksdb::WriteBatch* batch, bool sync);
  absl::Status SyncWal();
  // Makes a RocksDB checkpoint (hard links + a consistent manifest) in `dir`,
  // which must not exist yet.
  absl::Status Checkpoint(const std::string& dir);
  // Syncs the WAL and closes RocksDB; later calls fail. Idempotent.
  absl::Status Close();
  // After a write error: closes RocksDB (leaving its read-only error state,
  // which DB::Resume cannot clear for WAL errors) and opens it again, which
  // replays the WAL. Everything written successfully before stays.
  absl::Status Reopen();

  rocksdb::ColumnFamilyHandle* cf(Cf which) const { return handles_[static_cast<int>(which)]; }
  rocksdb::DB* db() const { return db_; }
  const std::string& path() const { return path_; }

 private:
  Store() = default;
  absl::Status OpenLocked();
  absl::Status CloseLocked(bool sync_wal);

  std::string path_;
  rocksdb::Env* env_ = nullptr;
  // Shared by Write/SyncWal/Checkpoint (RocksDB is thread-safe), exclusive
  // for Close/Reopen, which replace db_.
  std::shared_mutex mu_;
  rocksdb::DB* db_ = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  BigValueIndex big_values_;  // filled by Load
};

// Converts a RocksDB status (OK, or an error with its text).
absl::Status FromRocks(const rocksdb::Status& s);

}  // namespace stockd::storage
