// engine/command_context.h — what a handler sees: the engine, the session, the
// arguments, the reply writer, the command's clock, and the shards locked for
// this command.
//
// Contract:
//  * Built by Engine::Execute for one call of one handler, on the caller's
//    stack. argv views stay valid for the call only.
//  * Shards: for a row without kNoKeyLock, the shards of the declared key
//    positions (session db) are locked before the handler runs and released
//    after it returns, in ascending order. Locate(key) / ShardOf(key) return
//    the locked shard of a key (Locate also its hash, computed once by the
//    dispatcher); asking for a key whose shard is not locked is a bug
//    (asserted in debug builds).
//  * A kNoKeyLock handler locks through LockKeys / LockDb / LockAll (at most
//    one of them, at most once — they sort the whole set, so no deadlock), or
//    walks shards one at a time with ForEachShard (not a point-in-time view).
//  * Errors go through Error(), which also counts them for INFO errorstats and
//    commandstats failed_calls. Everything else goes through `reply`.
#pragma once

#include <cstdint>
#include <string_view>

#include "absl/container/inlined_vector.h"
#include "absl/functional/function_ref.h"
#include "absl/types/span.h"
#include "engine/command.h"
#include "engine/session.h"
#include "engine/shard.h"
#include "protocol/reply_writer.h"

namespace stockd::engine {

class Engine;

// A key in a given database (MOVE, COPY ... DB).
struct KeyRef {
  int db;
  std::string_view key;
};

// Where a key lives: its locked shard and its hash (Shard methods take both,
// so a key is hashed once per command).
struct KeyLoc {
  Shard* shard;
  uint64_t hash;
  Shard* operator->() const { return shard; }
};

class CommandContext {
 public:
  CommandContext(Engine& engine, Session& session, absl::Span<const std::string_view> argv,
                 protocol::ReplyWriter& reply, const Command& command, int64_t now_ms);
  ~CommandContext();  // releases every shard still locked
  CommandContext(const CommandContext&) = delete;
  CommandContext& operator=(const CommandContext&) = delete;

  Engine& engine;
  Session& session;
  absl::Span<const std::string_view> argv;
  protocol::ReplyWriter& reply;
  const Command& command;
  // The command's clock (unix ms), sampled once at dispatch: every expiry
  // decision of the command uses it, as Redis caches mstime per command.
  const int64_t now_ms;

  // The locked shard holding `key` in the session's db (or in `db`).
  Shard& ShardOf(std::string_view key) { return ShardOf(session.db, key); }
  Shard& ShardOf(int db, std::string_view key);
  // The locked shard and hash of key in the session's db (or in `db`).
  KeyLoc Locate(std::string_view key) { return Locate(session.db, key); }
  KeyLoc Locate(int db, std::string_view key);

  // Announces a change to key in the session's db (or in `db`): Redis's
  // notifyKeyspaceEvent (engine/keyspace_events.h). `cls` is a notify:: class.
  void Notify(uint32_t cls, std::string_view event, std::string_view key) { Notify(cls, event, key, session.db); }
  void Notify(uint32_t cls, std::string_view event, std::string_view key, int db);
  // Whether an event of class cls would be published (to skip the work of
  // finding out whether it happened).
  bool Notifying(uint32_t cls) const;

  // kNoKeyLock handlers only (see the file comment).
  void LockKeys(absl::Span<const KeyRef> keys);
  void LockDb(int db);
  void LockAll();
  // Calls fn(shard) for each shard of db in order, each locked only during fn.
  // REQUIRES: nothing locked by this context.
  void ForEachShard(int db, absl::FunctionRef<void(Shard&)> fn);

  // Replies an error (msg includes its code: "ERR ...", "WRONGTYPE ...") and
  // counts it.
  void Error(std::string_view msg);
  int errors() const { return errors_; }

  // --- used by the engine's dispatcher ---
  // Locks the given global shard ids (db * shards_per_db + index); sorts and
  // de-duplicates them first.
  void LockShardIds(absl::InlinedVector<uint32_t, 8> ids);
  void LockShardId(uint32_t id);
  // The same, but give up — nothing left locked, false returned — when a
  // shard they wait for is marked busy by a script past busy-reply-threshold
  // (Engine::ShardBusy): the caller replies -BUSY instead of spinning.
  // A command whose shards are held lets its P's other fibers run a few
  // times, holding none of them, before it spins, and a shard still held
  // after that is waited for with short thread sleeps (command_context.cc).
  bool LockShardIdUnlessBusy(uint32_t id);
  bool LockShardIdsUnlessBusy(absl::InlinedVector<uint32_t, 8> ids);
  // Scripts and EXEC: the shards in `ids` (ascending) are already locked by
  // the caller and stay locked after this context ends; ReleaseAll only hands
  // their changes to the observer. LockKeys/LockDb/LockAll/LockShardIds and
  // LockShardIdsUnlessBusy then lock nothing (they must ask for held shards
  // only) and ForEachShard walks without locking.
  void AdoptHeld(absl::Span<const uint32_t> ids);
  // Whether any shard is locked for this command (its own or, in EXEC and
  // scripts, the caller's): it must not then wait for another client.
  bool holds_shards() const { return !locked_.empty(); }
  // Hands buffered changes to the observer and unlocks everything.
  void ReleaseAll();
  // Caches the hash of a key argument so Locate() does not hash it again.
  // (Remembered in argv order; Locate finds them with a moving hint, so a
  // handler walking its keys in order pays one comparison per key.)
  void RememberKeyHash(std::string_view key, uint64_t hash) {
    key_hashes_.push_back(KeyHashEntry{key.data(), key.size(), hash});
  }

 private:
  bool IsLocked(uint32_t id) const;
  // Tells each shard in locked_ whose command holds it (Shard::set_writer).
  void MarkWriter();

  bool LockSlowUnlessBusy(uint32_t id);
  // Locks all of ids (ascending) or, returning false, none.
  bool TryLockAll(absl::Span<const uint32_t> ids);
  // Yields the fiber and retries TryLockAll a few times; false (nothing
  // locked) when that did not do or yielding is not allowed here.
  bool YieldUntilLocked(absl::Span<const uint32_t> ids);
  absl::InlinedVector<uint32_t, 8> locked_;  // ascending global shard ids
  bool borrowed_ = false;  // locked_ belongs to the caller (AdoptHeld)
  int errors_ = 0;
  struct KeyHashEntry {
    const char* data;  // the argv element (compared by address, not content)
    size_t size;
    uint64_t hash;
  };
  absl::InlinedVector<KeyHashEntry, 4> key_hashes_;
  size_t key_hash_hint_ = 0;
  uint64_t HashOf(std::string_view key);
};

}  // namespace stockd::engine
