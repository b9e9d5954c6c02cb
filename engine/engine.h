// engine/engine.h — the in-process engine: databases × shards of keys, the
// command table, and the dispatch path every command takes.
//
//   Engine engine;                                   // 16 dbs × 16 shards
//   engine::Session session;                          // one per client
//   engine.Execute(session, argv, reply_writer);      // the server's path
//   std::string r = engine.Execute({"INCR", "k"});    // ":1\r\n" (embedding, tests)
//
// Contract:
//  * Execute() is thread-safe: any number of threads/fibers may execute
//    commands at once (each with its own Session and ReplyWriter). Dispatch:
//    lookup (case-insensitive) → subcommand → arity → key positions → lock the
//    keys' shards in ascending order → handler → change observer → unlock →
//    statistics. Replies are exactly Redis 7's, including error texts.
//  * Execute() never parks the fiber and never blocks except on shard spin
//    locks held by other commands for their CPU work — with one exception:
//    a command flagged kBlocking that holds no shard lock (ORDER.READ ...
//    BLOCK) may park the calling fiber, unless session.no_block is set; and
//    a kBlocking command with keys (BLPOP, ...) parks, with its shard locks
//    released, when its handler calls BlockOn (engine/blocking.h).
//  * commands() may be extended (the server registers CLIENT, INFO, CONFIG,
//    ...) only before the first Execute.
//  * The clock (EngineOptions::clock) is read once per command; tests inject a
//    clock they can move.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "engine/clock.h"
#include "engine/command.h"
#include "engine/command_context.h"
#include "engine/keyspace_events.h"
#include "engine/latency_monitor.h"
#include "engine/session.h"
#include "engine/shard.h"
#include "protocol/reply_writer.h"

namespace stockd::engine {

class Blocking;  // engine/blocking.h: blocked clients (BLPOP, BZPOPMIN, ...)
class OrderLog;  // engine/order_log.h: orders, per-user counts, REQIDs (issue 6)
namespace lua {
class Scripting;  // engine/lua/scripting.h: EVAL/FCALL states, script cache, libraries (issue 8)
}

struct EngineOptions {
  int databases = 16;
  int shards_per_db = 16;  // power of two, 1..4096
  // Unix time in milliseconds; empty = the system clock. Read once per command.
  std::function<int64_t()> clock;
  // proto-max-bulk-len at start: the largest string a command may create
  // (APPEND, SETRANGE) and LCS's table; Engine::SetProtoMaxBulkLen changes it.
  int64_t proto_max_bulk_len = 512LL * 1024 * 1024;
  // hll-sparse-max-bytes at start: the largest sparse HyperLogLog string
  // (header included) before it turns dense; Engine::SetHllSparseMaxBytes changes it.
  int64_t hll_sparse_max_bytes = 3000;
  // busy-reply-threshold (alias lua-time-limit), ms: past it a running script's
  // shards answer -BUSY and SCRIPT KILL / FUNCTION KILL may stop it.
  int64_t busy_reply_threshold_ms = 5000;
  // lua-allow-undeclared-keys: scripts may touch keys not named in KEYS; every
  // script then runs exclusively (all shards locked).
  bool lua_allow_undeclared_keys = false;
  // notify-keyspace-events at start (notify:: flags); keyspace_events() changes it.
  uint32_t notify_keyspace_events = 0;
};

// A command run by a caller that already holds shard locks (a script's
// redis.call): see Engine::ExecuteHeld.
struct HeldCall {
  absl::Span<const uint32_t> held;  // ascending global shard ids the caller locked
  bool all_shards = false;          // held is every shard: kNoKeyLock commands may run
  bool read_only = false;           // refuse kWrite commands (EVAL_RO, FCALL_RO, no-writes)
  // Unless any_key, a key argument must be one of declared_keys in declared_db.
  bool any_key = false;
  int declared_db = 0;
  absl::Span<const std::string_view> declared_keys;
  // EXEC's queued commands (engine/transaction.h): no script-only refusals
  // (kNoScript rows run); arity and names were checked at queue time.
  bool transaction = false;
  // The time every command of the script or EXEC sees (unix ms; 0 = read
  // the clock): as Redis 7, time stands still while a script or EXEC runs.
  int64_t now_ms = 0;
  bool wrote = false;  // out: set once a kWrite command ran
};

// What the observer receives: the changes of one shard during one command (or
// one active-expire pass), in sequence order.
struct ChangeSet {
  int db;
  int shard_index;
  const Shard& shard;  // locked: look keys up with shard.Peek(key, KeyHash(key))
  absl::Span<const KeyChange> changes;
};
// Called under the shard's lock, at the end of each command that changed the
// shard (and after lazy/active expiry deletions). Must not park, must not call
// back into the engine; should be quick (copy what it needs and return).
// A coalescing observer (SetChangeObserver's coalesce) hears of a live key
// once until it calls Shard::TakePending(key): a command whose every change
// was coalesced away still calls it, with no changes.
using ChangeObserver = std::function<void(const ChangeSet&)>;

// Back-pressure before locks and durability acks (DESIGN.md), provided by
// storage; with no gate installed nothing is persisted and nothing waits.
class WriteGate {
 public:
  virtual ~WriteGate() = default;
  // The dispatcher calls Reserve before it locks the shards of a kWrite
  // command (not while session.no_block: MULTI/EXEC and scripts run their
  // commands without parking). It may park the fiber until the persister's
  // queue has room. false = refuse the command: *error is the reply line
  // (e.g. "MISCONF Errors writing to the persistence log: ...").
  virtual bool Reserve(std::string* error) = 0;
  // After a successful Reserve, once the command ran and its locks are released.
  virtual void Release() = 0;
  // The server calls this before it sends replies: parks until everything
  // written before the call is durable (order-fsync always); returns at once
  // otherwise or when nothing is pending.
  virtual void AwaitDurable() = 0;
};

// Access control (ACLs), provided by the server (server/acl.h); with none
// installed every command is allowed. The dispatcher asks it before a
// command runs: at the top level and at MULTI queue time (Execute, after the
// arity check), for each command EXEC runs and for each redis.call of a
// script (ExecuteHeld). Called on the session's fiber; must not park.
class Authorizer {
 public:
  enum class Context { kTopLevel, kMulti, kExec, kScript };
  virtual ~Authorizer() = default;
  // true: allowed. false: *error is the whole error reply (e.g. "NOPERM
  // ..."); the authorizer has recorded the denial (ACL LOG) itself.
  virtual bool Allow(Session& session, const Command& cmd, absl::Span<const std::string_view> argv,
                     Context where, std::string* error) = 0;
  // Whether the session's user may read every key (Redis's
  // ACLUserCheckCmdWithUnrestrictedKeyAccess): SORT's BY and GET patterns
  // read keys no argument names.
  virtual bool MayReadEveryKey(Session& session) = 0;
};

// The server's view of the commands a transaction or a script runs, for the
// SLOWLOG and MONITOR (Redis's call() feeds both): Nested() after each call
// EXEC or a script makes (EXEC's queued commands, each redis.call), with its
// duration — a script's calls count as the script's own client, EXEC's as the
// caller's; Starting() right before the handler of a kSkipMonitor row (EVAL,
// FCALL, ...) runs, top-level or nested, so a script's own line reaches
// MONITOR before the calls it makes, as in Redis. Other top-level commands are
// the server's own business. Called on the session's fiber; must not park.
class CallObserver {
 public:
  virtual ~CallObserver() = default;
  // false: nobody would see anything now, so nested calls are not timed.
  virtual bool Enabled() const = 0;
  virtual void Nested(const Session& session, const Command& cmd, absl::Span<const std::string_view> argv,
                      int64_t duration_us, bool from_script) = 0;
  virtual void Starting(const Session& session, const Command& cmd, absl::Span<const std::string_view> argv,
                        bool from_script) = 0;
};

// INFO keyspace line of one database.
struct KeyspaceInfo {
  uint64_t keys = 0;
  uint64_t expires = 0;
  int64_t avg_ttl_ms = 0;  // sampled estimate, 0 when no volatile keys
};

// Engine-wide counters for INFO stats.
struct EngineCounters {
  uint64_t expired_keys = 0;
  uint64_t keyspace_hits = 0;
  uint64_t keyspace_misses = 0;
  uint64_t total_commands = 0;        // calls that reached a handler
  uint64_t total_error_replies = 0;   // every error reply (errorstats total)
};

struct ExpireCycleResult {
  uint64_t sampled = 0;
  uint64_t expired = 0;
  bool timed_out = false;  // the budget ran out before the stale ratio dropped
};

class Engine {
 public:
  explicit Engine(EngineOptions options = {});
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // A key found in a pipelined command ahead of its turn (LookaheadKey).
  struct Lookahead {
    const Command* command = nullptr;  // commands().Find(argv[0])
    uint64_t hash = 0;                 // of the key
    uint32_t shard = 0;
    bool fetch = false;  // a key whose lines are worth loading
  };

  // Runs one command: argv[0] is the name. Replies exactly once through
  // `reply` (nothing for an empty argv). session.db may change (SELECT).
  // clock (optional) saves clock reads on a pipeline, where one command's end
  // is the next one's start: see DispatchClock.
  // ahead (optional): LookaheadKey's result for this argv in session.db, so
  // the command is not looked up and its key not hashed again.
  void Execute(Session& session, absl::Span<const std::string_view> argv,
               protocol::ReplyWriter& reply, DispatchClock* clock = nullptr,
               const Lookahead* ahead = nullptr);
  // A pipelined connection's look-ahead (server/connection.cc) hides the
  // cache misses of a key's lookup behind the commands before it, in two
  // steps (Shard::PrefetchEarly / PrefetchSlot). Two commands ahead,
  // LookaheadKey: when argv names one key (and its hash is not skip_hash, a
  // hot key already in cache), hashes it and starts loading its shard's lock
  // and its probe group; false for commands that do not name exactly one key.
  // One command ahead, PrefetchSlot: if the key's shard is free at once,
  // starts loading the key's slot under its lock.
  bool LookaheadKey(int db, absl::Span<const std::string_view> argv, uint64_t skip_hash, Lookahead* out);
  void PrefetchSlot(const Lookahead& key);
  // Convenience for embedding and tests: runs argv and returns the RESP reply
  // bytes (session.resp decides RESP2/RESP3). The first form uses a fresh
  // session on db 0, so SELECT does not persist across calls.
  std::string Execute(const std::vector<std::string>& argv);
  std::string Execute(Session& session, const std::vector<std::string>& argv);
  // The "locks already held" path, for scripts: the same lookup, arity and
  // handler as Execute, but it locks nothing (call.held must cover every key's
  // shard), never parks (kBlocking commands answer as on no data), refuses
  // kNoScript commands, undeclared keys and — unless call.all_shards —
  // kNoKeyLock commands, with Redis's script error texts. Changes are handed to
  // the observer after the command, still under the caller's locks.
  void ExecuteHeld(Session& session, absl::Span<const std::string_view> argv,
                   protocol::ReplyWriter& reply, HeldCall& call) {
    ExecuteHeld(session, commands_.Find(argv.empty() ? std::string_view() : argv[0]), argv, reply, call);
  }
  // The same, with argv[0] already looked up: `found` is commands().Find(argv[0])
  // (null when unknown), which a script caching its few command names passes.
  void ExecuteHeld(Session& session, const Command* found, absl::Span<const std::string_view> argv,
                   protocol::ReplyWriter& reply, HeldCall& call);

  CommandTable& commands() { return commands_; }
  const CommandTable& commands() const { return commands_; }

  // Installs (or clears, with nullptr) the observer of keyspace changes;
  // coalesce: see ChangeObserver.
  // REQUIRES: before serving (not synchronized with running commands).
  void SetChangeObserver(ChangeObserver observer, bool coalesce = false);
  const ChangeObserver& change_observer() const { return observer_; }
  // Installs (or clears) the write gate. REQUIRES: before serving.
  void SetWriteGate(WriteGate* gate) { write_gate_ = gate; }
  WriteGate* write_gate() const { return write_gate_; }
  // maxmemory (noeviction): the server samples used memory and sets this.
  // While it is set, commands flagged kDenyOom are refused with OOM; inside
  // MULTI every command but EXEC/DISCARD/QUIT/RESET is, and EXEC when it
  // queued a kDenyOom command; a script's first kDenyOom call is (once it
  // wrote it runs to its end) — Redis's processCommand and scriptVerifyOOM.
  void SetOverMaxmemory(bool over) { over_maxmemory_.store(over, std::memory_order_relaxed); }
  bool over_maxmemory() const { return over_maxmemory_.load(std::memory_order_relaxed); }
  // Installs (or clears) the access control. REQUIRES: before serving.
  void SetAuthorizer(Authorizer* authorizer) { authorizer_ = authorizer; }
  // Without access control (embedded use), every session may.
  bool MayReadEveryKey(Session& session) const {
    return authorizer_ == nullptr || authorizer_->MayReadEveryKey(session);
  }
  // Installs (or clears) the log of nested calls. REQUIRES: before serving.
  void SetCallObserver(CallObserver* observer) { call_observer_ = observer; }

  // --- statistics ---
  EngineCounters counters() const;
  // errorstats: (prefix, count), e.g. ("ERR", 3), ("WRONGTYPE", 1).
  std::vector<std::pair<std::string, uint64_t>> ErrorStats() const;
  // Zeroes command stats, error stats, hits/misses, expired_keys (CONFIG RESETSTAT).
  void ResetStats();
  KeyspaceInfo GetKeyspaceInfo(int db) const;

  // One active-expiry pass, as Redis's activeExpireCycle: walks databases and
  // shards round-robin from where the previous pass stopped, sampling 20
  // volatile keys per shard and repeating on a shard while more than 10% of
  // a sample was expired, until every shard was visited or `budget` elapsed.
  // The server calls it from a fiber every 100 ms. Thread-safe.
  ExpireCycleResult ActiveExpireCycle(absl::Duration budget);

  // --- for handlers and the server ---
  int databases() const { return options_.databases; }
  int shards_per_db() const { return options_.shards_per_db; }
  const EngineOptions& options() const { return options_; }
  // proto-max-bulk-len now: options().proto_max_bulk_len at start, then what
  // CONFIG SET made it (the server calls SetProtoMaxBulkLen).
  int64_t proto_max_bulk_len() const { return proto_max_bulk_len_.load(std::memory_order_relaxed); }
  void SetProtoMaxBulkLen(int64_t bytes) { proto_max_bulk_len_.store(bytes, std::memory_order_relaxed); }
  // hll-sparse-max-bytes now (the server calls SetHllSparseMaxBytes on CONFIG SET).
  int64_t hll_sparse_max_bytes() const { return hll_sparse_max_bytes_.load(std::memory_order_relaxed); }
  void SetHllSparseMaxBytes(int64_t bytes) { hll_sparse_max_bytes_.store(bytes, std::memory_order_relaxed); }
  // Keyspace notifications: the enabled classes (CONFIG SET
  // notify-keyspace-events) and the sink the server installs.
  KeyspaceEvents& keyspace_events() { return keyspace_events_; }
  const KeyspaceEvents& keyspace_events() const { return keyspace_events_; }
  // Latency tracking (latency-tracking: every call's duration goes to its
  // Command::latency() histogram) and the latency monitor
  // (latency-monitor-threshold: "command", "fast-command", "expire-cycle").
  // While either is on every call is timed; otherwise kFast calls are sampled.
  bool latency_tracking() const { return latency_tracking_.load(std::memory_order_relaxed); }
  void SetLatencyTracking(bool on);
  void SetLatencyMonitorThreshold(int64_t ms);
  LatencyMonitor& latency_monitor() { return latency_monitor_; }
  int64_t NowMs() const;
  // The shard of key in db. The caller must lock it (or go through CommandContext).
  Shard& ShardFor(int db, std::string_view key) { return *shards_[ShardId(db, KeyHash(key))]; }
  Shard& shard(uint32_t global_id) { return *shards_[global_id]; }
  uint32_t ShardId(int db, uint64_t hash) const {
    return static_cast<uint32_t>(db) * shards_per_db_u_ +
           static_cast<uint32_t>((hash >> 48) & (shards_per_db_u_ - 1));
  }
  uint32_t total_shards() const { return static_cast<uint32_t>(shards_.size()); }
  // Counts an error reply by its prefix (the first word of msg).
  void CountError(std::string_view msg);
  // A thread-safe pseudo-random number (RANDOMKEY, sampling).
  uint64_t Random();
  // Hands a shard's buffered changes to the observer. REQUIRES: shard locked.
  void FlushChanges(Shard& shard);
  // The flash-sale side state beside the keyspace (STOCK.*, ORDER.*).
  OrderLog& order_log() { return *order_log_; }
  // Clients parked in blocking commands, per-key wait queues (engine/blocking.h).
  Blocking& blocking() { return *blocking_; }
  // EVAL/FCALL: Lua states, script cache, function libraries.
  lua::Scripting& scripting() { return *scripting_; }

  // --- busy scripts (busy-reply-threshold) ---
  // A script past the threshold marks the shards it holds; commands that would
  // wait for such a shard (and, while any shard is marked, kNoKeyLock commands)
  // answer -BUSY instead of spinning, unless flagged kAllowBusy.
  void SetShardsBusy(absl::Span<const uint32_t> ids, bool busy);
  bool ShardBusy(uint32_t id) const { return shard_busy_[id].load(std::memory_order_acquire) != 0; }
  bool AnyShardBusy() const { return busy_scripts_.load(std::memory_order_relaxed) != 0; }

 private:
  void Reject(protocol::ReplyWriter& reply, std::string_view msg);

  EngineOptions options_;
  std::atomic<int64_t> proto_max_bulk_len_;
  std::atomic<int64_t> hll_sparse_max_bytes_{options_.hll_sparse_max_bytes};
  KeyspaceEvents keyspace_events_;
  uint32_t shards_per_db_u_;
  std::vector<std::unique_ptr<Shard>> shards_;  // db-major: id = db * shards_per_db + i
  CommandTable commands_;
  std::unique_ptr<OrderLog> order_log_;
  std::unique_ptr<Blocking> blocking_;
  std::unique_ptr<lua::Scripting> scripting_;
  std::unique_ptr<std::atomic<uint32_t>[]> shard_busy_;
  std::atomic<int> busy_scripts_{0};
  ChangeObserver observer_;
  WriteGate* write_gate_ = nullptr;
  std::atomic<bool> over_maxmemory_{false};
  Authorizer* authorizer_ = nullptr;
  CallObserver* call_observer_ = nullptr;
  std::atomic<bool> latency_tracking_{true};
  std::atomic<bool> time_every_call_{true};  // latency tracking or the monitor is on
  LatencyMonitor latency_monitor_;
  std::atomic<uint64_t> expire_cursor_{0};
  std::atomic<uint64_t> random_state_;
  std::atomic<uint64_t> total_errors_{0};
  mutable absl::Mutex errors_mu_;
  std::vector<std::pair<std::string, uint64_t>> error_stats_ ABSL_GUARDED_BY(errors_mu_);
};

// Registration functions of the builtin families (each at the end of its file).
void RegisterStringFamily(CommandTable& table);
void RegisterBitmapFamily(CommandTable& table);
void RegisterHyperLogLogFamily(CommandTable& table);  // PFADD, PFCOUNT, PFMERGE, PFDEBUG, PFSELFTEST
void RegisterKeysFamily(CommandTable& table);
void RegisterDbFamily(CommandTable& table);
void RegisterStockFamily(CommandTable& table);     // STOCK.*
void RegisterOrderFamily(CommandTable& table);     // ORDER.*
void RegisterThrottleFamily(CommandTable& table);  // CL.THROTTLE
void RegisterHashFamily(CommandTable& table);      // H*
void RegisterListFamily(CommandTable& table);      // L*, R*, BLPOP, BRPOP, BLMOVE, ...
void RegisterSetFamily(CommandTable& table);       // S*
void RegisterScriptingFamily(CommandTable& table);  // EVAL, EVALSHA, EVAL_RO, EVALSHA_RO, SCRIPT
void RegisterFunctionFamily(CommandTable& table);   // FUNCTION, FCALL, FCALL_RO
void RegisterZSetFamily(CommandTable& table);      // Z*, BZPOPMIN, BZPOPMAX
void RegisterGeoFamily(CommandTable& table);       // GEO* (geo sets are sorted sets)
void RegisterStreamFamily(CommandTable& table);    // X* (streams); calls RegisterStreamGroupFamily
void RegisterStreamGroupFamily(CommandTable& table);  // XGROUP XACK XPENDING XCLAIM XAUTOCLAIM XINFO
void RegisterTransactionFamily(CommandTable& table);  // MULTI, EXEC, DISCARD, WATCH, UNWATCH
void RegisterSortFamily(CommandTable& table);      // SORT, SORT_RO
void RegisterDumpFamily(CommandTable& table);      // DUMP, RESTORE, RESTORE-ASKING
void RegisterReplicationFamily(CommandTable& table);  // WAIT

}  // namespace stockd::engine
