// storage/store.cc — see store.h.
#include "storage/store.h"

#include <filesystem>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "engine/key_hash.h"
#include "engine/order_log.h"
#include "rocksdb/memtablerep.h"
#include "rocksdb/options.h"
#include "rocksdb/perf_level.h"
#include "rocksdb/table.h"
#include "rocksdb/utilities/checkpoint.h"
#include "storage/format.h"

namespace stockd::storage {

absl::Status FromRocks(const rocksdb::Status& s) {
  if (s.ok()) return absl::OkStatus();
  const std::string text = s.ToString();
  absl::string_view msg(text.data(), text.size());
  if (s.IsNotFound()) return absl::NotFoundError(msg);
  if (s.IsCorruption()) return absl::DataLossError(msg);
  if (s.IsInvalidArgument()) return absl::InvalidArgumentError(msg);
  return absl::UnavailableError(msg);  // IO errors, no space, busy, ...
}

namespace {

const char* const kCfNames[] = {kCfMeta, kCfKeys, kCfOrders, kCfUsers, kCfReqIds, kCfElements};

rocksdb::ColumnFamilyOptions CfOptions(std::string_view name) {
  rocksdb::ColumnFamilyOptions o;
  o.write_buffer_size = 32 << 20;
  // The persister only appends batches and reads back with iterators at
  // start-up: a vector memtable (append now, sort at flush) costs far less
  // CPU per write than the default skiplist, whose inserts dominated the
  // write path in profiles. Except for orders: their row keys are ids in
  // increasing order, which the skiplist appends with its cached splice in
  // O(1), while the vector would still pay a full sort at every flush.
  if (name != kCfOrders) o.memtable_factory = std::make_shared<rocksdb::VectorRepFactory>();
  return o;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Store>> Store::Open(const std::string& path, rocksdb::Env* env) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) return absl::UnavailableError(absl::StrCat("can't create ", path, ": ", ec.message()));
  std::unique_ptr<Store> store(new Store());
  store->path_ = path;
  store->env_ = env;
  if (absl::Status s = store->OpenLocked(); !s.ok()) return s;
  // Format version: written on creation, checked afterwards.
  std::string v;
  rocksdb::Status s = store->db_->Get(rocksdb::ReadOptions(), store->cf(Cf::kMeta), kMetaFormatVersion, &v);
  if (s.IsNotFound()) {
    std::string enc;
    PutFixed32(&enc, kFormatVersion);
    rocksdb::WriteOptions wo;
    wo.sync = true;
    s = store->db_->Put(wo, store->cf(Cf::kMeta), kMetaFormatVersion, enc);
    if (!s.ok()) return FromRocks(s);
  } else if (!s.ok()) {
    return FromRocks(s);
  } else {
    std::string_view in(v);
    uint32_t version = 0;
    if (!GetFixed32(&in, &version)) return absl::DataLossError("corrupt format-version row");
    if (version > kFormatVersion) {
      return absl::FailedPreconditionError(absl::StrCat(
          "store format version ", version, " is newer than this stockd's (", kFormatVersion, ")"));
    }
    if (version < kFormatVersion) {
      // Format 1 also stored users' counts and REQIDs; format 2 rebuilds them
      // from the orders. Drop the old rows and mark the store with this
      // format, in one synced batch, so that an older stockd refuses the
      // store instead of trusting rows that stopped being written. (Their row
      // keys start with the database number, two big-endian bytes.) Format 3
      // reads format 2's rows as they are; its order segments are what an
      // older stockd must not misread.
      rocksdb::WriteBatch up;
      const std::string all_end(4, '\xff');
      if (version < 2) {
        for (Cf cf : {Cf::kUsers, Cf::kReqIds}) up.DeleteRange(store->cf(cf), "", all_end);
      }
      std::string enc;
      PutFixed32(&enc, kFormatVersion);
      up.Put(store->cf(Cf::kMeta), kMetaFormatVersion, enc);
      if (absl::Status w = store->Write(&up, /*sync=*/true); !w.ok()) return w;
    }
  }
  return store;
}

absl::Status Store::OpenLocked() {
  rocksdb::DBOptions opts;
  opts.create_if_missing = true;
  opts.create_missing_column_families = true;
  opts.max_background_jobs = 2;
  opts.keep_log_file_num = 4;
  opts.max_manifest_file_size = 64 << 20;
  // A failed write is retried by the persister (Reopen), not by RocksDB
  // behind its back.
  opts.max_bgerror_resume_count = 0;
  // Required by the vector memtable (single writer: the persister fiber).
  opts.allow_concurrent_memtable_write = false;
  // A WAL file is deleted only once every column family written in it has
  // flushed, and the keys family (one hot stock key rewritten per batch)
  // hardly grows: without a cap, a long sale kept every WAL (4M buys: 284 MB)
  // for a kill -9 restart to replay. Past the cap RocksDB flushes the family
  // holding the oldest WAL.
  opts.max_total_wal_size = 256 << 20;
  if (env_ != nullptr) opts.env = env_;
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  for (const char* name : kCfNames) cfs.emplace_back(name, CfOptions(name));
  handles_.clear();
  rocksdb::Status s = rocksdb::DB::Open(opts, path_, cfs, &handles_, &db_);
  if (!s.ok()) {
    db_ = nullptr;
    handles_.clear();
  }
  return FromRocks(s);
}

absl::Status Store::CloseLocked(bool sync_wal) {
  if (db_ == nullptr) return absl::OkStatus();
  // (After a write error the WAL writer refuses further calls; RocksDB's
  // own assertions forbid syncing it then.)
  rocksdb::Status s = sync_wal ? db_->FlushWAL(/*sync=*/true) : rocksdb::Status::OK();
  if (s.ok() && sync_wal) {
    // A clean close flushes the memtables, so the next start has no WAL to
    // replay (Open then takes milliseconds instead of seconds for 1M rows).
    rocksdb::FlushOptions fo;
    fo.wait = true;
    s = db_->Flush(fo, handles_);
  }
  for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h);
  handles_.clear();
  rocksdb::Status c = db_->Close();
  delete db_;
  db_ = nullptr;
  if (!s.ok()) return FromRocks(s);
  return FromRocks(c);
}

absl::Status Store::Reopen() {
  std::unique_lock lock(mu_);
  (void)CloseLocked(/*sync_wal=*/false);  // in the error state: its errors are the known failure
  return OpenLocked();
}

Store::~Store() { (void)Close(); }

absl::Status Store::Close() {
  std::unique_lock lock(mu_);
  return CloseLocked(/*sync_wal=*/true);
}

absl::Status Store::Write(rocksdb::WriteBatch* batch, bool sync) {
  std::shared_lock lock(mu_);
  if (db_ == nullptr) return absl::FailedPreconditionError("store closed");
  // RocksDB counts every key comparison in a thread_local perf context by
  // default: on a batch of thousands of order rows that bookkeeping (a TLS
  // lookup per comparison, the library being shared) cost as much as the
  // comparisons. The level is per thread, and this may be any M's thread.
  rocksdb::SetPerfLevel(rocksdb::PerfLevel::kDisable);
  rocksdb::WriteOptions wo;
  wo.sync = sync;
  return FromRocks(db_->Write(wo, batch));
}

absl::Status Store::SyncWal() {
  std::shared_lock lock(mu_);
  if (db_ == nullptr) return absl::FailedPreconditionError("store closed");
  return FromRocks(db_->FlushWAL(/*sync=*/true));
}

absl::Status Store::Checkpoint(const std::string& dir) {
  std::shared_lock lock(mu_);
  if (db_ == nullptr) return absl::FailedPreconditionError("store closed");
  rocksdb::Checkpoint* cp = nullptr;
  rocksdb::Status s = rocksdb::Checkpoint::Create(db_, &cp);
  if (!s.ok()) return FromRocks(s);
  std::unique_ptr<rocksdb::Checkpoint> owned(cp);
  // log_size_for_flush 0: flush the memtables first, so the checkpoint is
  // SST files only (hard links) plus a consistent manifest.
  return FromRocks(owned->CreateCheckpoint(dir, /*log_size_for_flush=*/0));
}

namespace {

// Loads the keys column family. Runs on its own thread beside LoadSide.
absl::Status LoadKeys(Store& store, engine::Engine& engine, int64_t now_ms, LoadStats* st,
                      BigValueIndex* big_values) {
  rocksdb::ReadOptions ro;
  ro.fill_cache = false;
  ro.readahead_size = 2 << 20;
  std::unique_ptr<rocksdb::Iterator> it(store.db()->NewIterator(ro, store.cf(Cf::kKeys)));
  rocksdb::WriteBatch moves;
  const int spd = engine.shards_per_db();
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    rocksdb::Slice k = it->key(), v = it->value();
    int db, shard;
    std::string_view key;
    if (!ParseKeyRow(std::string_view(k.data(), k.size()), &db, &shard, &key)) {
      return absl::DataLossError("corrupt key row");
    }
    // A big value: a header here, its elements in the elements family.
    const std::string_view value(v.data(), v.size());
    const bool big_row = IsBigValueHeader(value);
    const std::string element_prefix = big_row ? ElementPrefix(db, shard, key) : std::string();
    absl::StatusOr<DecodedValue> d = big_row ? ReadBigValue(store.db(), store.cf(Cf::kElements), element_prefix, value)
                                             : DecodeValue(value);
    if (!d.ok()) return d.status();
    if (db >= engine.databases()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the store has keys in db ", db, " but `databases` is ", engine.databases()));
    }
    if (d->expire_at_ms != 0 && now_ms > d->expire_at_ms) {
      ++st->expired_keys;
      moves.Delete(store.cf(Cf::kKeys), k);  // drop it from disk too
      if (big_row) moves.DeleteRange(store.cf(Cf::kElements), element_prefix, PrefixEnd(element_prefix));
      continue;
    }
    const uint64_t hash = engine::KeyHash(key);
    const uint32_t id = engine.ShardId(db, hash);
    const int index = static_cast<int>(id - static_cast<uint32_t>(db * spd));
    if (index != shard) {
      moves.Delete(store.cf(Cf::kKeys), k);
      if (big_row) {
        // Under its new shard as one whole row; the persister makes element
        // rows of it again at its next change.
        moves.DeleteRange(store.cf(Cf::kElements), element_prefix, PrefixEnd(element_prefix));
        std::string whole;
        if (absl::Status e = EncodeValue(d->value, d->expire_at_ms, &whole); !e.ok()) return e;
        moves.Put(store.cf(Cf::kKeys), KeyRow(db, index, key), whole);
        VisitAggregate(*d->value.object(), [](const auto& o) { o.rows.SetWhole(); });
      } else {
        moves.Put(store.cf(Cf::kKeys), KeyRow(db, index, key), v);
      }
      ++st->moved_keys;
    } else if (big_row) {
      VisitAggregate(*d->value.object(),
                     [&](const auto& o) { big_values->by_shard[id][std::string(key)] = o.rows.id; });
      ++st->big_values;
    }
    engine::Shard& s = engine.shard(id);
    std::lock_guard<engine::SpinLock> lock(s.lock());
    engine::Entry* e = s.Set(key, hash, std::move(d->value), now_ms);
    if (d->expire_at_ms != 0) s.SetExpire(key, e, d->expire_at_ms);
    ++st->keys;
  }
  if (!it->status().ok()) return FromRocks(it->status());
  if (moves.Count() > 0) {
    if (absl::Status s = store.Write(&moves, /*sync=*/true); !s.ok()) return s;
  }
  return absl::OkStatus();
}

// Loads the orders and the counter into the OrderLog, which rebuilds the
// users' counts and REQIDs from them.
absl::Status LoadSide(Store& store, engine::Engine& engine, LoadStats* st) {
  engine::OrderLog& log = engine.order_log();
  rocksdb::ReadOptions ro;
  ro.fill_cache = false;
  ro.readahead_size = 2 << 20;
  {
    std::unique_ptr<rocksdb::Iterator> it(store.db()->NewIterator(ro, store.cf(Cf::kOrders)));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      rocksdb::Slice k = it->key(), v = it->value();
      // A cancelled order has its own row besides the segment that placed
      // it; RestoreOrder keeps "cancelled" whichever comes first.
      absl::Status s = ForEachOrderInRow(std::string_view(k.data(), k.size()), std::string_view(v.data(), v.size()),
                                         [&](engine::Order&& o) { st->orders += log.RestoreOrder(o) ? 1 : 0; });
      if (!s.ok()) return s;
    }
    if (!it->status().ok()) return FromRocks(it->status());
  }
  // Per-user counts and REQIDs follow from the orders (format 2).
  const engine::OrderLog::SideCounts side = log.RebuildSideStateFromOrders();
  st->user_counts = side.user_counts;
  st->reqids = side.reqids;
  std::string c;
  rocksdb::Status s = store.db()->Get(ro, store.cf(Cf::kMeta), kMetaOrderCounter, &c);
  if (s.ok()) {
    std::string_view in(c);
    if (!GetFixed64(&in, &st->order_counter)) return absl::DataLossError("corrupt order-counter row");
  } else if (!s.IsNotFound()) {
    return FromRocks(s);
  }
  log.RestoreOrderCounter(st->order_counter);
  st->order_counter = log.last_id();
  return absl::OkStatus();
}

}  // namespace

absl::Status Store::Load(engine::Engine& engine, LoadStats* stats) {
  if (db_ == nullptr) return absl::FailedPreconditionError("store closed");
  const absl::Time start = absl::Now();
  const int64_t now_ms = engine.NowMs();
  LoadStats keys_stats, side_stats;
  absl::Status keys_status, side_status;
  // The keyspace and the side state are independent: load them in parallel
  // (the side state locks shards only for its per-key tables).
  absl::Time side_done;
  std::thread side([&] {
    side_status = LoadSide(*this, engine, &side_stats);
    side_done = absl::Now();
  });
  big_values_ = BigValueIndex{};
  keys_status = LoadKeys(*this, engine, now_ms, &keys_stats, &big_values_);
  const absl::Time keys_done = absl::Now();
  side.join();
  if (!keys_status.ok()) return keys_status;
  if (!side_status.ok()) return side_status;
  *stats = side_stats;
  stats->keys = keys_stats.keys;
  stats->expired_keys = keys_stats.expired_keys;
  stats->moved_keys = keys_stats.moved_keys;
  stats->big_values = keys_stats.big_values;
  // Record the shard layout the key rows now follow.
  std::string enc;
  PutFixed32(&enc, static_cast<uint32_t>(engine.shards_per_db()));
  rocksdb::WriteOptions wo;
  wo.sync = true;
  if (rocksdb::Status s = db_->Put(wo, cf(Cf::kMeta), kMetaShardsPerDb, enc); !s.ok()) return FromRocks(s);
  stats->load_ms = absl::ToInt64Milliseconds(absl::Now() - start);
  stats->side_ms = absl::ToInt64Milliseconds(side_done - start);
  stats->keys_ms = absl::ToInt64Milliseconds(keys_done - start);
  return absl::OkStatus();
}

}  // namespace stockd::storage
