// engine/command_context.cc — shard locking on behalf of one command (see
// command_context.h). Lock order: ascending global shard id (db-major), so
// any two commands lock their common shards in the same order.
#include "engine/command_context.h"

#include <algorithm>
#include <cassert>
#include <chrono>
#include <thread>

#include "engine/blocking.h"
#include "engine/engine.h"
#include "runtime/fiber.h"

namespace stockd::engine {

namespace {

// How many times a command whose shards are held lets its P's other fibers
// run before it spins for them. With two commands on two processors wanting
// the same shards (an MSET's ten keys on 16 shards, one hot key), spinning —
// and then sched_yield()ing the whole thread — was a quarter of MSET -P16's
// CPU; the P's other connections have work to do meanwhile.
constexpr int kLockYields = 4;

// Then it spins (pause) kLockSpins times, sched_yield()s kLockThreadYields
// times, and from then on sleeps kLockSleep between probes. A shard still held
// after all that is a hot one that the other processor keeps re-locking
// command after command (one hot key: redis-benchmark's ZADD/HSET -r on
// `myzset`): the work is serial anyway, and it goes fastest when one core does
// it with the key's data in its cache while the waiting thread sleeps and
// leaves its core to others. Spinning and sched_yield()ing there — which also
// won the lock every few commands and so moved the sorted set's hot cache
// lines between the cores — was half of ZADD -P16's server CPU (3.6 -> 1.85
// us/req with the sleep). Two sched_yield()s before sleeping: with eight,
// ZADD cost 1.60 us/req and flash EVALSHA 2.46 (1.42 and 2.39 with two);
// with none, LPUSH on one list fell from 2.1M to 1.74M ops/s (its holder
// often lets go within a yield). The sleep holds nothing; the holder is
// another thread, never this one (fibers do not park holding a shard).
constexpr int kLockSpins = 64;
constexpr int kLockThreadYields = 2;
constexpr std::chrono::microseconds kLockSleep{20};

}  // namespace

void CommandContext::Notify(uint32_t cls, std::string_view event, std::string_view key, int db) {
  engine.keyspace_events().Fire(cls, event, key, db);
  // A key removed or replaced by a string may have a reader blocked on it in
  // XREADGROUP, which Redis fails at once ("UNBLOCKED the stream key no
  // longer exists"): such waiters (and only they) re-check.
  if (engine.blocking().blocked_clients() != 0 &&
      (event == "del" || event == "rename_from" || event == "move_from" || event == "expired" ||
       event == "evicted" || event == "set")) {
    engine.blocking().SignalRemoved(engine.ShardId(db, KeyHash(key)), key);
  }
}

bool CommandContext::Notifying(uint32_t cls) const { return engine.keyspace_events().Wants(cls); }

CommandContext::CommandContext(Engine& e, Session& s, absl::Span<const std::string_view> a,
                               protocol::ReplyWriter& r, const Command& c, int64_t now)
    : engine(e), session(s), argv(a), reply(r), command(c), now_ms(now) {}

CommandContext::~CommandContext() { ReleaseAll(); }

bool CommandContext::IsLocked(uint32_t id) const {
  return std::binary_search(locked_.begin(), locked_.end(), id);
}

Shard& CommandContext::ShardOf(int db, std::string_view key) {
  uint32_t id = engine.ShardId(db, KeyHash(key));
  assert(IsLocked(id) && "key's shard is not locked by this command");
  return engine.shard(id);
}

uint64_t CommandContext::HashOf(std::string_view key) {
  const size_t n = key_hashes_.size();
  if (n != 0 && key.data() != nullptr) {
    for (size_t i = 0; i < n; ++i) {
      const KeyHashEntry& e = key_hashes_[(key_hash_hint_ + i) % n];
      if (e.data == key.data() && e.size == key.size()) {
        key_hash_hint_ = (key_hash_hint_ + i + 1) % n;
        return e.hash;
      }
    }
  }
  return KeyHash(key);
}

KeyLoc CommandContext::Locate(int db, std::string_view key) {
  const uint64_t h = HashOf(key);
  uint32_t id = engine.ShardId(db, h);
  assert(IsLocked(id) && "key's shard is not locked by this command");
  return KeyLoc{&engine.shard(id), h};
}

void CommandContext::LockShardId(uint32_t id) {
  assert(locked_.empty() && "a command locks its shards once");
  engine.shard(id).lock().lock();
  locked_.push_back(id);
  MarkWriter();
}

bool CommandContext::LockSlowUnlessBusy(uint32_t id) {
  SpinLock& lock = engine.shard(id).lock();
  for (int spins = 0;; ++spins) {
    if (engine.ShardBusy(id)) return false;
    if (lock.try_lock()) return true;
    if (spins < kLockSpins) {
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#endif
    } else if (spins < kLockSpins + kLockThreadYields) {
      std::this_thread::yield();
    } else {
      std::this_thread::sleep_for(kLockSleep);
    }
  }
}

bool CommandContext::TryLockAll(absl::Span<const uint32_t> ids) {
  for (size_t i = 0; i < ids.size(); ++i) {
    if (!engine.shard(ids[i]).lock().try_lock()) {
      while (i > 0) engine.shard(ids[--i]).lock().unlock();
      return false;
    }
  }
  return true;
}

bool CommandContext::YieldUntilLocked(absl::Span<const uint32_t> ids) {
  // Not inside MULTI/EXEC or a script (no_block: the fiber may hold shards
  // through its caller, and a fiber of this P spinning for them would never
  // let it run again), nor off the runtime.
  if (session.no_block || !runtime::InFiber()) return false;
  for (int i = 0; i < kLockYields; ++i) {
    for (uint32_t id : ids) {
      if (engine.ShardBusy(id)) return false;  // the slow path answers -BUSY
    }
    runtime::Yield();
    if (TryLockAll(ids)) return true;
  }
  return false;
}

bool CommandContext::LockShardIdUnlessBusy(uint32_t id) {
  assert(locked_.empty() && "a command locks its shards once");
  if (!engine.shard(id).lock().try_lock() && !YieldUntilLocked({&id, 1}) && !LockSlowUnlessBusy(id)) {
    return false;
  }
  locked_.push_back(id);
  MarkWriter();
  return true;
}

bool CommandContext::LockShardIdsUnlessBusy(absl::InlinedVector<uint32_t, 8> ids) {
  if (borrowed_) {  // e.g. EVAL queued in MULTI: EXEC holds its shards already
    for ([[maybe_unused]] uint32_t id : ids) assert(IsLocked(id) && "asked for an unheld shard");
    return true;
  }
  assert(locked_.empty() && "a command locks its shards once");
  if (ids.size() > 1) {
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  }
  if (TryLockAll(ids) || YieldUntilLocked(ids)) {
    locked_ = std::move(ids);
    MarkWriter();
    return true;
  }
  // In ascending order, waiting for each: no two commands wait for each other.
  for (size_t i = 0; i < ids.size(); ++i) {
    if (!engine.shard(ids[i]).lock().try_lock() && !LockSlowUnlessBusy(ids[i])) {
      while (i > 0) engine.shard(ids[--i]).lock().unlock();
      return false;
    }
  }
  locked_ = std::move(ids);
  MarkWriter();
  return true;
}

void CommandContext::AdoptHeld(absl::Span<const uint32_t> ids) {
  assert(locked_.empty());
  locked_.assign(ids.begin(), ids.end());
  borrowed_ = true;
}

void CommandContext::LockShardIds(absl::InlinedVector<uint32_t, 8> ids) {
  if (borrowed_) {  // a script's command: its shards are held already
    for ([[maybe_unused]] uint32_t id : ids) assert(IsLocked(id) && "script asked for an unheld shard");
    return;
  }
  assert(locked_.empty() && "a command locks its shards once");
  if (ids.size() > 1) {
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  }
  for (uint32_t id : ids) engine.shard(id).lock().lock();
  locked_ = std::move(ids);
  MarkWriter();
}

void CommandContext::MarkWriter() {
  for (uint32_t id : locked_) engine.shard(id).set_writer(session.client_id);
}

void CommandContext::LockKeys(absl::Span<const KeyRef> keys) {
  absl::InlinedVector<uint32_t, 8> ids;
  for (const KeyRef& k : keys) ids.push_back(engine.ShardId(k.db, KeyHash(k.key)));
  LockShardIds(std::move(ids));
}

void CommandContext::LockDb(int db) {
  absl::InlinedVector<uint32_t, 8> ids;
  const uint32_t n = static_cast<uint32_t>(engine.shards_per_db());
  for (uint32_t i = 0; i < n; ++i) ids.push_back(static_cast<uint32_t>(db) * n + i);
  LockShardIds(std::move(ids));
}

void CommandContext::LockAll() {
  absl::InlinedVector<uint32_t, 8> ids;
  for (uint32_t i = 0; i < engine.total_shards(); ++i) ids.push_back(i);
  LockShardIds(std::move(ids));
}

void CommandContext::ForEachShard(int db, absl::FunctionRef<void(Shard&)> fn) {
  assert(locked_.empty() || borrowed_);
  const uint32_t n = static_cast<uint32_t>(engine.shards_per_db());
  for (uint32_t i = 0; i < n; ++i) {
    Shard& s = engine.shard(static_cast<uint32_t>(db) * n + i);
    if (borrowed_) {  // held by the script running this command
      fn(s);
      engine.FlushChanges(s);
      continue;
    }
    s.lock().lock();
    s.set_writer(session.client_id);
    fn(s);
    engine.FlushChanges(s);
    s.set_writer(0);
    s.lock().unlock();
  }
}

void CommandContext::ReleaseAll() {
  for (uint32_t id : locked_) {
    Shard& s = engine.shard(id);
    if (s.has_changes()) engine.FlushChanges(s);
    if (!borrowed_) {
      s.set_writer(0);
      s.lock().unlock();
    }
  }
  locked_.clear();
}

void CommandContext::Error(std::string_view msg) {
  reply.Error(msg);
  ++errors_;
  engine.CountError(msg);
}

}  // namespace stockd::engine
