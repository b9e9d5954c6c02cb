// storage/persister.cc — see persister.h.
#include "storage/persister.h"

#include <algorithm>
#include <filesystem>
#include <functional>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "engine/order_log.h"
#include "runtime/blocking.h"
#include "runtime/log.h"
#include "runtime/select.h"
#include "runtime/time.h"
#include "storage/big_values.h"
#include "storage/format.h"

namespace stockd::storage {

std::optional<FsyncPolicy> ParseFsyncPolicy(std::string_view s) {
  if (s == "always") return FsyncPolicy::kAlways;
  if (s == "everysec") return FsyncPolicy::kEverySec;
  if (s == "no") return FsyncPolicy::kNo;
  return std::nullopt;
}

std::string_view FsyncPolicyName(FsyncPolicy p) {
  switch (p) {
    case FsyncPolicy::kAlways: return "always";
    case FsyncPolicy::kEverySec: return "everysec";
    case FsyncPolicy::kNo: return "no";
  }
  return "always";
}

// ---------------------------------------------------------------- Persister

Persister::Persister(Store& store, engine::Engine& engine, PersisterOptions options)
    : store_(store),
      engine_(engine),
      options_(options),
      policy_(options.policy),
      ch_(std::max<size_t>(options.queue_limit * 2, 16)) {}

Persister::~Persister() {
  if (started_ && !stopped_.load()) (void)Stop();
}

void Persister::Attach() {
  big_values_ = store_.TakeBigValues();
  order_durable_ = engine_.order_log().last_id();
  engine_.order_log().SetDurabilityTracking(true);
  engine_.SetChangeObserver([this](const engine::ChangeSet& cs) { OnChanges(cs); }, /*coalesce=*/true);
  engine_.order_log().SetRecordObserver([this](const engine::StockRecords& r) { OnStockRecords(r); });
  engine_.SetWriteGate(this);
}

void Persister::Start() {
  started_ = true;
  loop_fiber_ = runtime::Go([this] { Loop(); });
  sync_fiber_ = runtime::Go([this] { SyncLoop(); });
}

absl::Status Persister::Stop() {
  if (!started_ || stopped_.exchange(true)) return absl::OkStatus();
  ch_.Close();
  absl::Status s = loop_fiber_.Join();
  stop_sync_.Close();
  absl::Status s2 = sync_fiber_.Join();
  absl::Status synced = store_.SyncWal();
  // Wake anyone still waiting (nothing will become durable any more).
  WakeDurableWaiters();
  WakeReservers();
  if (!s.ok()) return s;
  if (!s2.ok()) return s2;
  if (!error().empty()) return absl::DataLossError(absl::StrCat("unwritten records at shutdown: ", error()));
  return synced;
}

// --- the observers (under shard locks: no parking, no engine calls) ---

namespace {

// The OrderLog's records of the command running on this thread, waiting for
// the same shard's key changes (a fiber never parks under a shard lock, so
// the command stays on this thread from the records to the key changes).
struct PendingStock {
  bool has = false;
  uint32_t shard_id = 0;
  Item item;
};
thread_local PendingStock tl_stock;

}  // namespace

void Persister::OnChanges(const engine::ChangeSet& cs) {
  Item item;
  const uint32_t shard_id =
      static_cast<uint32_t>(cs.db) * static_cast<uint32_t>(engine_.shards_per_db()) + static_cast<uint32_t>(cs.shard_index);
  const bool has_stock = tl_stock.has && tl_stock.shard_id == shard_id;
  // Every key this command wrote was already reported and not yet
  // snapshotted: the pending snapshot will read its new value, and whoever
  // waits for durability waits for the item that reported it.
  if (cs.changes.empty() && !has_stock) return;
  if (has_stock) {
    item = std::move(tl_stock.item);
    tl_stock = PendingStock{};
  }
  item.shard_id = shard_id;
  // Only the names: the persister encodes each key's value once per batch.
  item.keys.reserve(cs.changes.size());
  for (const engine::KeyChange& c : cs.changes) {
    if (c.kind == engine::KeyChange::kFlush) {
      item.flush_shard = true;
      continue;
    }
    item.keys.emplace_back(c.key);
  }
  Push(std::move(item));
}

void Persister::OnStockRecords(const engine::StockRecords& r) {
  if (tl_stock.has && tl_stock.shard_id != r.shard_id) FlushPendingStock();
  Item& item = tl_stock.item;
  // Only the order's row: per-user counts and REQIDs are rebuilt from the
  // orders at load (FORMAT.md, format 2). Writing them too was a third of a
  // flash buy's CPU (a random-keyed column family to sort at every flush).
  tl_stock.has = true;
  tl_stock.shard_id = r.shard_id;
  item.shard_id = r.shard_id;
  if (r.order != nullptr) {
    const engine::Order& o = *r.order;
    if (o.status == engine::OrderStatus::kPlaced) {
      // Placements join the batch's one segment row: a row per order (key
      // comparisons in the memtable, a key per SST entry, compactions) was
      // two fifths of a flash buy's CPU.
      AppendSegmentOrder(o, &item.placed_segment);
      item.placed_orders.push_back(o.id);
    } else {
      RowOp op{Cf::kOrders, RowOp::kPut, OrderRow(o.id), {}};
      EncodeOrder(o, &op.value);
      item.rows.push_back(std::move(op));
    }
  }
  item.order_counter = std::max(item.order_counter, r.order_counter);
}

void Persister::FlushPendingStock() {
  // Records whose command changed no key of their shard (not expected: a
  // buy or cancel always changes the stock key): push them on their own.
  if (!tl_stock.has) return;
  Item item = std::move(tl_stock.item);
  tl_stock = PendingStock{};
  Push(std::move(item));
}

void Persister::Push(Item item) {
  item.seq = written_.fetch_add(1, std::memory_order_acq_rel) + 1;
  if (ch_.TrySend(item)) return;
  // No room (a write without a reservation) or closed (shutdown): the
  // overflow list, drained by the fiber after each receive.
  absl::MutexLock lock(&overflow_mu_);
  overflow_.push_back(std::move(item));
}

// --- the write gate ---

namespace {
// This thread's reservation cell (threads are numbered as they first reserve).
size_t ThisThreadsCell(size_t cells) {
  static std::atomic<size_t> next{0};
  thread_local const size_t index = next.fetch_add(1, std::memory_order_relaxed);
  return index % cells;
}
}  // namespace

int64_t Persister::Backlog() const {
  const uint64_t taken = taken_.load(std::memory_order_acquire);  // first: written_ only grows past it
  const uint64_t written = written_.load(std::memory_order_acquire);
  return written > taken ? static_cast<int64_t>(written - taken) : 0;
}

int64_t Persister::Reserved() const {
  int64_t sum = 0;  // a cell may be negative (reserved on one thread, released on another)
  for (const ReserveCell& c : reserved_) sum += c.n.load(std::memory_order_acquire);
  return sum;
}

bool Persister::Reserve(std::string* error) {
  std::atomic<int64_t>& mine = reserved_[ThisThreadsCell(kReserveCells)].n;
  for (;;) {
    if (failing_.load(std::memory_order_acquire)) {
      absl::MutexLock lock(&wake_mu_);
      if (!error_.empty()) {
        *error = absl::StrCat("MISCONF Errors writing to the persistence log: ", error_,
                              ". Write commands are refused until the disk accepts writes again.");
        return false;
      }
    }
    // Whether a command may go ahead, `others` being the reservations not yet
    // counted. The park below re-checks the same predicate: with a laxer
    // re-check a writer found "full" and "not full" at once and spun, and on
    // one P that spin kept the persister fiber from ever making room.
    const auto room = [this](int64_t others) {
      const int64_t limit = static_cast<int64_t>(options_.queue_limit);
      const int64_t backlog = Backlog();
      return backlog < limit / 2 || backlog + Reserved() + others < limit || stopped_.load(std::memory_order_acquire);
    };
    mine.fetch_add(1, std::memory_order_acq_rel);
    if (room(0)) return true;
    mine.fetch_sub(1, std::memory_order_acq_rel);
    runtime::Chan<int> gen(0);
    {
      absl::MutexLock lock(&wake_mu_);
      gen = space_gen_;
      ++space_waiters_;
    }
    // Re-check after registering: the fiber may have made room meanwhile.
    if (!room(1) && !failing_.load(std::memory_order_acquire)) {
      (void)gen.Recv();  // closed by WakeReservers
    }
    absl::MutexLock lock(&wake_mu_);
    --space_waiters_;
  }
}

void Persister::Release() {
  FlushPendingStock();
  reserved_[ThisThreadsCell(kReserveCells)].n.fetch_sub(1, std::memory_order_acq_rel);
}

void Persister::AwaitDurable() {
  if (policy_.load(std::memory_order_relaxed) != FsyncPolicy::kAlways) return;
  const uint64_t want = written_.load(std::memory_order_acquire);
  if (durable_.load(std::memory_order_acquire) >= want) return;
  WaitDurable(want);
}

void Persister::WaitDurable(uint64_t seq) {
  while (durable_.load(std::memory_order_acquire) < seq && !stopped_.load(std::memory_order_acquire)) {
    runtime::Chan<int> gen(0);
    {
      absl::MutexLock lock(&wake_mu_);
      gen = durable_gen_;
      ++durable_waiters_;
    }
    if (durable_.load(std::memory_order_acquire) < seq && !stopped_.load(std::memory_order_acquire)) {
      (void)gen.Recv();
    }
    absl::MutexLock lock(&wake_mu_);
    --durable_waiters_;
  }
}

void Persister::WakeDurableWaiters() {
  runtime::Chan<int> old(0);
  {
    absl::MutexLock lock(&wake_mu_);
    if (durable_waiters_ == 0) return;
    old = durable_gen_;
    durable_gen_ = runtime::Chan<int>(0);
  }
  old.Close();
}

void Persister::WakeReservers() {
  runtime::Chan<int> old(0);
  {
    absl::MutexLock lock(&wake_mu_);
    if (space_waiters_ == 0) return;
    old = space_gen_;
    space_gen_ = runtime::Chan<int>(0);
  }
  old.Close();
}

std::string Persister::error() const {
  absl::MutexLock lock(&wake_mu_);
  return error_;
}

void Persister::SetError(const absl::Status& s) {
  std::string text = s.ok() ? std::string() : std::string(s.message());
  bool changed;
  {
    absl::MutexLock lock(&wake_mu_);
    changed = text != error_;
    error_ = text;
  }
  failing_.store(!s.ok(), std::memory_order_release);
  if (!changed) return;
  if (s.ok()) {
    runtime::LogWarning("Persistence log writes succeed again; accepting writes");
  } else {
    runtime::LogWarning("Error writing to the persistence log: %s (retrying; writes refused)", text);
    WakeReservers();  // parked writers get the MISCONF error now
  }
}

// --- the fiber ---

absl::Status Persister::WriteOnce(rocksdb::WriteBatch& batch, size_t rows, size_t items) {
  const bool sync = policy_.load(std::memory_order_relaxed) == FsyncPolicy::kAlways;
  const bool reopen = failing_.load(std::memory_order_acquire);
  const absl::Time start = absl::Now();
  absl::Status s = runtime::Blocking([&] {
    // After a failed write RocksDB stays read-only: reopen it (replaying the
    // WAL) before trying again. The batch names column families by id, which
    // a reopen keeps.
    if (reopen || store_.db() == nullptr) {
      if (absl::Status r = store_.Reopen(); !r.ok()) return r;
    }
    return store_.Write(&batch, sync);
  });
  if (!s.ok()) return s;
  if (sync) {
    fsyncs_.fetch_add(1, std::memory_order_relaxed);
    last_fsync_us_.store(static_cast<uint64_t>(absl::ToInt64Microseconds(absl::Now() - start)),
                         std::memory_order_relaxed);
  } else {
    unsynced_.store(true, std::memory_order_release);
  }
  batches_.fetch_add(1, std::memory_order_relaxed);
  records_.fetch_add(rows, std::memory_order_relaxed);
  items_.fetch_add(items, std::memory_order_relaxed);
  return absl::OkStatus();
}

namespace {

// Advances `mark` (everything <= it is done) by the newly done `ids`, which
// are nearly consecutive within a batch: sorted, most of them extend the mark
// directly; the rest wait in the min-heap `later` until the gap before them
// closes. (A heap push and pop per id was 2 % of a flash buy.)
uint64_t AdvanceWatermark(std::vector<uint64_t>& ids, uint64_t mark, std::vector<uint64_t>& later) {
  const auto greater = std::greater<uint64_t>();
  auto drain_later = [&] {
    while (!later.empty() && later.front() == mark + 1) {
      std::pop_heap(later.begin(), later.end(), greater);
      later.pop_back();
      ++mark;
    }
  };
  std::sort(ids.begin(), ids.end());
  for (uint64_t id : ids) {
    if (id <= mark) continue;
    if (id == mark + 1) {
      ++mark;
      drain_later();
    } else {
      later.push_back(id);
      std::push_heap(later.begin(), later.end(), greater);
    }
  }
  drain_later();
  return mark;
}

}  // namespace

void Persister::AdvanceDurable(Coalescer& c) {
  durable_.store(AdvanceWatermark(c.mutable_seqs(), durable_.load(std::memory_order_relaxed), done_heap_),
                 std::memory_order_release);
  // Orders: the largest id such that every placement <= it is durable.
  const uint64_t o = AdvanceWatermark(c.mutable_placed_orders(), order_durable_, placed_heap_);
  if (o != order_durable_) {
    order_durable_ = o;
    engine_.order_log().MarkDurable(o);
  }
  WakeDurableWaiters();
}

void Persister::Drain(std::vector<Item>& out) {
  size_t n = 0;
  while (std::optional<Item> it = ch_.TryRecv()) {
    out.push_back(std::move(*it));
    ++n;
  }
  std::vector<Item> spill;
  {
    absl::MutexLock lock(&overflow_mu_);
    spill.swap(overflow_);
  }
  n += spill.size();
  for (Item& it : spill) out.push_back(std::move(it));
  if (n != 0) {
    taken_.fetch_add(n, std::memory_order_acq_rel);
    WakeReservers();
  }
}

void Persister::Admit(Coalescer& c, std::vector<Item>& items) {
  for (Item& it : items) {
    if (it.shard_id != Item::kNoShard && c.snapshotted(it.shard_id)) {
      carry_.push_back(std::move(it));
    } else {
      c.Add(std::move(it));
    }
  }
  items.clear();
}

size_t Persister::Snapshot(Coalescer& c, rocksdb::WriteBatch* batch) {
  const int spd = engine_.shards_per_db();
  big_values_.one_row_share = policy_.load(std::memory_order_relaxed) == FsyncPolicy::kNo ? 32 : 4;
  std::vector<Item> late;
  size_t rows = 0;
  // shards() may grow while we go: late items can dirty shards not yet visited.
  for (size_t i = 0; i < c.shards().size(); ++i) {
    const uint32_t id = c.shards()[i];
    engine::Shard& shard = engine_.shard(id);
    std::lock_guard<engine::SpinLock> lock(shard.lock());
    // Every item this shard pushed before we took its lock is queued by now:
    // take them all, so the snapshot covers exactly the items of the batch.
    Drain(late);
    Admit(c, late);
    rows += c.SnapshotShard(id, static_cast<int>(id) / spd, static_cast<int>(id) % spd, shard, store_, batch,
                            &big_values_);
  }
  return rows;
}

// How often a gathering window takes the queued items.
constexpr absl::Duration kGatherTick = absl::Milliseconds(2);

void Persister::GatherWindow(Coalescer& pending, bool& closed) {
  const FsyncPolicy policy = policy_.load(std::memory_order_relaxed);
  if (policy == FsyncPolicy::kAlways || closed || pending.empty()) return;
  // Keep taking items (nothing is snapshotted yet, so all of them join the
  // batch) until the window ends: a key written many times is one row.
  // Order-log records (orders, counts, REQIDs) use the short window under
  // both policies: order readers only see written orders, and should see
  // them within milliseconds. Plain keys under `no` may wait longer.
  const absl::Time start = absl::Now();
  auto deadline = [&] {
    const bool short_window = policy == FsyncPolicy::kEverySec || pending.side_rows() != 0;
    return start + (short_window ? options_.everysec_window : options_.no_window);
  };
  std::vector<Item> items;
  for (;;) {
    // A stalled disk (DEBUG PERSISTER-STALL) stops the draining too: the
    // batch goes to the stalled write and producers feel the back-pressure.
    if (stall_until_ns_.load(std::memory_order_acquire) > absl::GetCurrentTimeNanos()) return;
    const absl::Duration left = deadline() - absl::Now();
    if (left <= absl::ZeroDuration()) return;
    // Sleep a tick and take what queued meanwhile, rather than wake for each
    // item: at one write per request (-P 1, distinct keys) a wake-up per item
    // cost more than the write itself. A tick is far shorter than the time
    // writers need to fill the queue, so they rarely feel it.
    runtime::Sleep(std::min(left, kGatherTick));
    Drain(items);  // wakes reservers
    Admit(pending, items);
    if (ch_.closed() && ch_.size() == 0) {  // closed and drained: write what we have and stop
      closed = true;
      return;
    }
  }
}

void Persister::Loop() {
  std::vector<Item> items;
  Coalescer pending;
  bool closed = false;
  for (;;) {
    items.clear();
    if (carry_.empty()) {
      if (ch_.RecvMany(items, options_.batch_items) == 0) closed = true;
      if (!items.empty()) {
        taken_.fetch_add(items.size(), std::memory_order_acq_rel);
        WakeReservers();
      }
    } else {
      items.swap(carry_);
    }
    Drain(items);
    if (ch_.closed() && ch_.size() == 0) closed = true;
    Admit(pending, items);
    GatherWindow(pending, closed);
    if (pending.empty()) {
      if (closed) break;
      continue;
    }
    // DEBUG PERSISTER-STALL: the disk stalls before the snapshot, which
    // drains the queue, so writers meet the full queue at once (after it, a
    // burst could all be drained into the snapshot's carry-over first).
    WaitOutStall();
    rocksdb::WriteBatch batch;
    size_t rows = Snapshot(pending, &batch);
    rows += pending.BuildSideRows(store_, &batch);
    const size_t n_items = pending.seqs().size();
    absl::Status s = WriteOnce(batch, rows, n_items);
    // A failing disk: keep the batch and retry it (Reserve refuses writes
    // meanwhile); at shutdown give up after a while (nothing unwritten was
    // acknowledged under `always`).
    static constexpr int kShutdownRetries = 20;
    for (int attempt = 0; !s.ok(); ++attempt) {
      write_errors_.fetch_add(1, std::memory_order_relaxed);
      SetError(s);
      if (closed && attempt >= kShutdownRetries) break;
      runtime::Sleep(options_.retry_interval);
      s = WriteOnce(batch, rows, n_items);
    }
    if (!s.ok()) {
      runtime::LogWarning("Giving up writing %d records at shutdown: %s", rows, std::string(s.message()));
      break;
    }
    if (failing_.load(std::memory_order_acquire)) SetError(absl::OkStatus());
    AdvanceDurable(pending);
    pending.Clear();
    if (closed && carry_.empty()) {
      // Items pushed after the close (there should be none) go out too.
      Drain(carry_);
      if (carry_.empty()) break;
    }
  }
}

void Persister::SyncLoop() {
  // everysec: one WAL fsync per second when something was written unsynced.
  for (;;) {
    int i = runtime::Select({runtime::RecvCase(stop_sync_)}, runtime::Timeout(absl::Seconds(1)));
    if (i != runtime::kSelectTimeout) return;
    if (policy_.load(std::memory_order_relaxed) != FsyncPolicy::kEverySec) continue;
    if (!unsynced_.exchange(false, std::memory_order_acq_rel)) continue;
    const absl::Time start = absl::Now();
    absl::Status s = runtime::Blocking([&] { return store_.SyncWal(); });
    if (!s.ok()) {
      unsynced_.store(true, std::memory_order_release);
      runtime::LogWarning("Persistence log fsync failed: %s", std::string(s.message()));
      continue;
    }
    fsyncs_.fetch_add(1, std::memory_order_relaxed);
    last_fsync_us_.store(static_cast<uint64_t>(absl::ToInt64Microseconds(absl::Now() - start)),
                         std::memory_order_relaxed);
  }
}

absl::StatusOr<std::string> Persister::Checkpoint(const std::string& dir) {
  WaitDurable(WrittenSeq());
  std::string err = error();
  if (!err.empty()) return absl::UnavailableError(err);
  std::string base = absl::StrCat(dir, "/checkpoint-", absl::ToUnixSeconds(absl::Now()));
  std::string path = base;
  std::error_code ec;
  for (int n = 1; std::filesystem::exists(path, ec); ++n) path = absl::StrCat(base, "-", n);
  absl::Status s = runtime::Blocking([&] { return store_.Checkpoint(path); });
  if (!s.ok()) return s;
  return path;
}

PersisterStats Persister::stats() const {
  PersisterStats st;
  st.batches = batches_.load(std::memory_order_relaxed);
  st.records = records_.load(std::memory_order_relaxed);
  st.items = items_.load(std::memory_order_relaxed);
  st.fsyncs = fsyncs_.load(std::memory_order_relaxed);
  st.last_fsync_us = last_fsync_us_.load(std::memory_order_relaxed);
  st.written_seq = WrittenSeq();
  st.durable_seq = DurableSeq();
  st.pending_items = st.written_seq - st.durable_seq;
  st.write_errors = write_errors_.load(std::memory_order_relaxed);
  st.last_error = error();
  return st;
}

void Persister::Stall(absl::Duration d) {
  stall_until_ns_.store(absl::GetCurrentTimeNanos() + absl::ToInt64Nanoseconds(d), std::memory_order_release);
}

void Persister::WaitOutStall() {
  for (;;) {
    const int64_t now = absl::GetCurrentTimeNanos();
    const int64_t until = stall_until_ns_.load(std::memory_order_acquire);
    if (until <= now) return;
    runtime::Sleep(absl::Nanoseconds(until - now));  // parks the fiber, not the thread
  }
}

}  // namespace stockd::storage
