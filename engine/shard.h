// engine/shard.h — one shard of one database: keys, values, expiry, and the
// record of what a command changed. Every mutation of the keyspace goes
// through a Shard method, so WATCH invalidation, keyspace statistics and the
// storage layer's records hook in at one point (NoteChanged).
//
// Contract:
//  * Guarded by its SpinLock (lock()). The lock is held only for a command's
//    CPU work: a handler never parks while holding it, and no shard method
//    parks. Every method REQUIRES the lock, except the const counters marked
//    "any thread".
//  * Keys live in kScanSlots hash tables chosen by bits of the key's hash
//    (the same hash that chose the shard), so a SCAN cursor names a
//    (shard, slot) pair that no rehash can move: every key present for the
//    whole scan is returned exactly once.
//  * Expiry: Entry::expire_at_ms (unix ms, 0 = none). A key is expired when
//    now_ms > expire_at_ms (Redis's keyIsExpired). Find* delete an expired key
//    they meet (lazy expiry); ActiveExpire samples volatile keys (those with an
//    expiry, kept in a dense vector for O(1) random sampling).
//  * Change record: each mutation takes the next per-shard sequence number.
//    When recording is on (the engine has a change observer) the changed keys
//    are buffered until the dispatcher hands them to the observer, still under
//    the lock, at the end of the command (see engine.h: ChangeObserver).
//    A coalescing observer (the persister) hears of a live key once until it
//    takes it back with TakePending: the key's Entry carries the mark, so a
//    hot key written a million times between two snapshots is reported once
//    and costs no copy of its name per write. Deletions are always reported.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/functional/function_ref.h"
#include "engine/key_hash.h"
#include "engine/key_string.h"
#include "engine/keyspace_events.h"
#include "engine/value.h"

namespace stockd::engine {

// A test-and-test-and-set spin lock with backoff: spins with a pause, then
// yields the thread. Short critical sections only (a command's CPU work).
class ABSL_LOCKABLE SpinLock {
 public:
  void lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() {
    if (!locked_.exchange(true, std::memory_order_acquire)) return;
    LockSlow();
  }
  bool try_lock() ABSL_EXCLUSIVE_TRYLOCK_FUNCTION(true) {
    return !locked_.load(std::memory_order_relaxed) &&
           !locked_.exchange(true, std::memory_order_acquire);
  }
  void unlock() ABSL_UNLOCK_FUNCTION() { locked_.store(false, std::memory_order_release); }

 private:
  void LockSlow();
  std::atomic<bool> locked_{false};
};

struct Entry {
  Value value;
  int64_t expire_at_ms = 0;    // unix ms; 0 = no expiry
  uint32_t volatile_pos : 31 = 0;  // index in Shard's volatile vector when expire_at_ms != 0
  // Reported to a coalescing change observer and not yet taken back by it
  // (Shard::TakePending): later writes of the key need no new report.
  uint32_t persist_pending : 1 = 0;
  uint32_t access_time_s = 0;  // unix seconds of the last access (OBJECT IDLETIME)
};

// A key and its entry: one table slot, one cache line. A lookup that finds
// the key reads the entry from the line it just compared (a pair<KeyString,
// Entry> would be 64 bytes at 8-byte alignment, so most slots would straddle
// two lines).
struct alignas(64) KeySlot {
  explicit KeySlot(std::string_view k) : key(k) {}
  KeyString key;
  mutable Entry entry;  // the table's elements are const for the sake of their key only
};
static_assert(sizeof(KeySlot) == 64);

// Hash and equality of slots by key, and of a slot against a std::string_view
// (lookups build no KeyString).
struct KeySlotHash {
  using is_transparent = void;
  size_t operator()(std::string_view key) const { return static_cast<size_t>(KeyHash(key)); }
  size_t operator()(const KeySlot& s) const { return (*this)(s.key.view()); }
};
struct KeySlotEq {
  using is_transparent = void;
  static std::string_view KeyOf(std::string_view key) { return key; }
  static std::string_view KeyOf(const KeySlot& s) { return s.key.view(); }
  template <typename A, typename B>
  bool operator()(const A& a, const B& b) const {
    return KeyOf(a) == KeyOf(b);
  }
};

// One change recorded for the observer.
struct KeyChange {
  enum Kind : uint8_t {
    kWrite,  // key was set, modified or deleted: look it up for its new state
    kFlush,  // every key of the shard was dropped (FLUSHDB/FLUSHALL/SWAPDB); key is empty
  };
  Kind kind;
  std::string_view key;
  uint64_t seq;  // per-shard sequence number, strictly increasing
};

class Shard {
 public:
  static constexpr int kScanSlots = 128;
  using Table = absl::flat_hash_set<KeySlot, KeySlotHash, KeySlotEq>;

  // events: where "new", "expired" and "keymiss" are announced (none: silent).
  Shard(int db, int index, const KeyspaceEvents* events = nullptr) : db_(db), index_(index), events_(events) {}
  Shard(const Shard&) = delete;
  Shard& operator=(const Shard&) = delete;

  SpinLock& lock() ABSL_LOCK_RETURNED(lock_) { return lock_; }
  int db() const { return db_; }
  int index() const { return index_; }

  // The scan slot of a key given its hash (the engine computes the hash once).
  static int SlotOf(uint64_t hash) { return static_cast<int>((hash >> 40) & (kScanSlots - 1)); }

  // --- lookups (lazy expiry: an expired key is deleted and reported missing) ---
  // For commands that read: counts keyspace_hits/misses and updates the access time.
  Entry* FindRead(std::string_view key, uint64_t hash, int64_t now_ms);
  // For commands that modify (no hit/miss accounting). After modifying
  // entry->value in place the caller MUST call NoteChanged(key).
  Entry* FindWrite(std::string_view key, uint64_t hash, int64_t now_ms);
  // Without side effects (no expiry, no stats): EXISTS-like peeks by tests/observers.
  const Entry* Peek(std::string_view key, uint64_t hash) const;
  // --- look-ahead (a pipelined connection's next commands; engine.h) ---
  // Hints, never wrong, at worst useless. Two steps, a command apart:
  // PrefetchEarly (any thread, no lock) starts loading this shard's lock, the
  // key's table header and, from the table's published control-byte address,
  // the key's probe group; PrefetchSlot (REQUIRES the lock) reads that group
  // and starts loading the slot where the key is (or would be inserted), and
  // republishes the table's control-byte address if a rehash moved it.
  void PrefetchEarly(uint64_t hash) const;
  void PrefetchSlot(uint64_t hash);
  // A coalescing observer reading a reported key's current state: Peek, and
  // clear the entry's pending mark so its next write is reported again.
  const Entry* TakePending(std::string_view key, uint64_t hash);

  // --- mutations (each records the change) ---
  // Inserts or overwrites key with value. The expiry is kept only when
  // keep_ttl; otherwise it is cleared (SET semantics). Returns the entry.
  Entry* Set(std::string_view key, uint64_t hash, Value value, int64_t now_ms,
             bool keep_ttl = false);
  // The same, stamping the access time with the latest clock this shard saw.
  Entry* Set(std::string_view key, uint64_t hash, Value value, bool keep_ttl = false) {
    return Set(key, hash, std::move(value), last_now_ms_, keep_ttl);
  }
  // Inserts key if absent. Returns {entry, inserted}. A new entry holds
  // Value() (int 0); the caller fills it and the change is recorded here.
  std::pair<Entry*, bool> FindOrInsert(std::string_view key, uint64_t hash, int64_t now_ms);
  // Deletes key (if present, even if expired). Returns whether it existed
  // unexpired at now_ms.
  bool Delete(std::string_view key, uint64_t hash, int64_t now_ms);
  // Sets (when_ms > 0) or clears (when_ms == 0) the expiry of an existing entry.
  void SetExpire(std::string_view key, Entry* entry, int64_t when_ms);
  // Records that key changed (in-place modifications through FindWrite).
  void NoteChanged(std::string_view key, uint64_t hash);
  // The same for a caller that holds the key's live entry (no second lookup).
  void NoteChanged(std::string_view key, Entry* entry) { Record(KeyChange::kWrite, key, entry); }
  // Drops every key (FLUSHDB). Returns how many there were.
  size_t Clear();
  // Exchanges contents with another shard (SWAPDB); both locked by the caller.
  void SwapContents(Shard& other);

  // --- iteration ---
  // Calls fn for every unexpired key of slot `slot`.
  void ForEachInSlot(int slot, int64_t now_ms,
                     absl::FunctionRef<void(std::string_view, const Entry&)> fn) const;
  void ForEach(int64_t now_ms, absl::FunctionRef<void(std::string_view, const Entry&)> fn) const;
  // A uniformly-ish random unexpired key (RANDOMKEY); false when empty.
  bool RandomKey(uint64_t random, int64_t now_ms, std::string* key);

  // --- expiry ---
  // Samples up to `samples` volatile keys at random, deletes the expired ones.
  // Returns {sampled, expired}.
  std::pair<int, int> ActiveExpire(int samples, int64_t now_ms, uint64_t random);
  // Average remaining TTL in ms of up to `samples` volatile keys (INFO keyspace).
  int64_t AverageTtlSample(int samples, int64_t now_ms) const;

  // --- counters (size/expires: any thread, relaxed) ---
  size_t size() const { return size_.load(std::memory_order_relaxed); }
  size_t expires() const { return expires_.load(std::memory_order_relaxed); }
  uint64_t hits() const { return hits_.load(std::memory_order_relaxed); }
  uint64_t misses() const { return misses_.load(std::memory_order_relaxed); }
  uint64_t expired() const { return expired_.load(std::memory_order_relaxed); }
  uint64_t seq() const { return seq_; }
  void ResetStats();
  // The client whose command holds this shard's lock (0: none, e.g. active
  // expiry): what client-side caching's NOLOOP compares. Set by the
  // CommandContext that locked the shard, under the lock.
  void set_writer(uint64_t client_id) { writer_ = client_id; }

  // --- change recording (used by the engine) ---
  // coalesce: the observer hears of a live key once until TakePending (above).
  // Changing the mode clears every pending mark.
  void set_recording(bool on, bool coalesce = false);
  // Whether the command changed the shard (even when every change was coalesced away).
  bool has_changes() const { return changed_; }
  // The buffered changes (views valid until ClearChanges).
  void CollectChanges(std::vector<KeyChange>* out) const;
  void ClearChanges() {
    changes_.clear();
    changed_ = false;
  }

  // --- WATCH registry (engine/transaction.h) ---
  // A watched key carries a version that every recorded change of it (and a
  // FLUSHDB/SWAPDB of the shard while it exists) moves forward, so EXEC can
  // tell whether it changed since WATCH without keeping per-client lists here.
  // Watch adds one watcher and returns the current version; Unwatch drops one
  // (the entry goes with the last). WatchedVersion: REQUIRES a watcher.
  uint64_t Watch(std::string_view key);
  void Unwatch(std::string_view key);
  uint64_t WatchedVersion(std::string_view key) const;
  // How many sessions watch `key` (0 when nobody does).
  int watchers(std::string_view key) const {
    auto it = watched_.find(key);
    return it == watched_.end() ? 0 : static_cast<int>(it->second.watchers);
  }

 private:
  struct PendingChange {
    KeyChange::Kind kind;
    std::string key;
    uint64_t seq;
  };
  // entry: the key's live entry after the change, nullptr when it is gone.
  void Record(KeyChange::Kind kind, std::string_view key, Entry* entry);
  // Moves a watched key's version forward (no-op when nobody watches it).
  void TouchWatched(std::string_view key);
  // Touches the watched keys present in this shard (before FLUSHDB/SWAPDB).
  void TouchWatchedPresent();
  void AddVolatile(const std::string& key, Entry* entry);
  void RemoveVolatile(Entry* entry);
  // Erases an entry found in table t (keeps counters and volatile index right).
  void EraseEntry(Table& t, Table::iterator it);
  void ExpireEntry(Table& t, Table::iterator it);
  void Announce(uint32_t cls, std::string_view event, std::string_view key) const {
    if (events_ != nullptr) events_->Fire(cls, event, key, db_);
  }
  Table& TableOf(uint64_t hash) { return tables_[SlotOf(hash)]; }
  const Table& TableOf(uint64_t hash) const { return tables_[SlotOf(hash)]; }
  static void Bump(std::atomic<uint64_t>& c) { c.store(c.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed); }

  SpinLock lock_;
  int db_;
  // Per table: its control bytes' address and capacity as PrefetchSlot last
  // saw them, for PrefetchEarly's lock-free reads (a stale pair only makes it
  // fetch a useless line).
  struct GroupHint {
    std::atomic<const void*> ctrl{nullptr};
    std::atomic<size_t> capacity{0};
  };
  GroupHint group_hints_[kScanSlots];
  int index_;
  const KeyspaceEvents* events_;
  Table tables_[kScanSlots];
  std::vector<std::string> volatile_;  // keys with an expiry, dense
  std::atomic<size_t> size_{0};
  std::atomic<size_t> expires_{0};
  std::atomic<uint64_t> hits_{0}, misses_{0}, expired_{0};
  uint64_t seq_ = 0;
  uint64_t writer_ = 0;
  int64_t last_now_ms_ = 0;  // the latest now_ms passed to a lookup
  bool recording_ = false;
  bool coalesce_ = false;
  bool changed_ = false;  // a change since ClearChanges, reported or coalesced
  std::vector<PendingChange> changes_;
  struct WatchedKey {
    uint64_t version = 0;
    uint32_t watchers = 0;
  };
  absl::flat_hash_map<std::string, WatchedKey, KeyHasher, KeyEq> watched_;
};

}  // namespace stockd::engine
