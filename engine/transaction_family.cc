// engine/transaction_family.cc — MULTI, EXEC, DISCARD, WATCH, UNWATCH (Redis 7
// semantics and texts). The state and the dispatcher's queueing hooks are in
// engine/transaction.h, which states the locking and WATCH design.
#include <algorithm>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "engine/command_context.h"
#include "engine/engine.h"
#include "engine/transaction.h"

namespace stockd::engine {
namespace {

constexpr std::string_view kBusyError =
    "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.";

TransactionState& TxOf(CommandContext& ctx) {
  if (ctx.session.tx == nullptr) ctx.session.tx = std::make_unique<TransactionState>(ctx.engine);
  return *ctx.session.tx;
}

uint32_t WatchedShard(Engine& engine, const TransactionState::Watched& w) {
  return engine.ShardId(w.db, KeyHash(w.key));
}

// Drops every watch of tx. REQUIRES: their shards are locked (by ctx or by
// the caller of ctx's command).
void UnwatchLocked(Engine& engine, TransactionState& tx) {
  for (const TransactionState::Watched& w : tx.watched) engine.ShardFor(w.db, w.key).Unwatch(w.key);
  tx.watched.clear();
}

// Drops every watch, locking their shards through ctx (a kNoKeyLock handler,
// or one run by EXEC, whose shards are held already).
void Unwatch(CommandContext& ctx, TransactionState& tx) {
  if (tx.watched.empty()) return;
  absl::InlinedVector<KeyRef, 8> refs;
  for (const TransactionState::Watched& w : tx.watched) refs.push_back(KeyRef{w.db, w.key});
  ctx.LockKeys(refs);
  UnwatchLocked(ctx.engine, tx);
}

void ResetMulti(TransactionState& tx) {
  tx.in_multi = false;
  tx.aborted = false;
  tx.queue.clear();
}

// True when a watched key changed since WATCH. REQUIRES: its shard locked.
bool WatchedKeyChanged(Engine& engine, const TransactionState::Watched& w, int64_t now_ms) {
  Shard& shard = engine.ShardFor(w.db, w.key);
  if (shard.WatchedVersion(w.key) != w.version) return true;
  if (!w.existed) return false;
  // Redis 7 (isWatchedKeyExpired): a key that was alive at WATCH and is
  // logically expired now counts as modified even if nobody deleted it yet.
  const Entry* e = shard.Peek(w.key, KeyHash(w.key));
  return e == nullptr || (e->expire_at_ms != 0 && now_ms > e->expire_at_ms);
}

void CmdMulti(CommandContext& ctx) {
  TransactionState& tx = TxOf(ctx);
  if (tx.in_multi) return ctx.Error("ERR MULTI calls can not be nested");
  tx.in_multi = true;
  tx.aborted = false;
  tx.queue.clear();
  ctx.reply.Ok();
}

void CmdDiscard(CommandContext& ctx) {
  if (!InMulti(ctx.session)) return ctx.Error("ERR DISCARD without MULTI");
  TransactionState& tx = *ctx.session.tx;
  ResetMulti(tx);
  Unwatch(ctx, tx);
  ctx.reply.Ok();
}

void CmdWatch(CommandContext& ctx) {
  if (InMulti(ctx.session)) return ctx.Error("ERR WATCH inside MULTI is not allowed");
  TransactionState& tx = TxOf(ctx);
  for (size_t i = 1; i < ctx.argv.size(); ++i) {
    std::string_view key = ctx.argv[i];
    const bool seen = std::any_of(tx.watched.begin(), tx.watched.end(), [&](const auto& w) {
      return w.db == ctx.session.db && w.key == key;
    });
    if (seen) continue;
    KeyLoc loc = ctx.Locate(key);
    // FindWrite deletes a key that is already expired (no statistics, as
    // Redis's WATCH): its expiry then happened before the watch, not after.
    const bool existed = loc->FindWrite(key, loc.hash, ctx.now_ms) != nullptr;
    const uint64_t version = loc->Watch(key);
    tx.watched.push_back(TransactionState::Watched{ctx.session.db, std::string(key), version, existed});
  }
  ctx.reply.Ok();
}

void CmdUnwatch(CommandContext& ctx) {
  if (ctx.session.tx != nullptr) Unwatch(ctx, *ctx.session.tx);
  ctx.reply.Ok();
}

void CmdExec(CommandContext& ctx) {
  if (!InMulti(ctx.session)) return ctx.Error("ERR EXEC without MULTI");
  Engine& engine = ctx.engine;
  Session& session = ctx.session;
  TransactionState& tx = *session.tx;
  if (tx.aborted) {
    ResetMulti(tx);
    Unwatch(ctx, tx);
    return ctx.Error("EXECABORT Transaction discarded because of previous errors.");
  }

  // The lock plan: every queued command's key shards plus the watched keys'
  // shards — or all shards when a command locks for itself (kNoKeyLock),
  // reads keys no argument names (SORT BY/GET patterns) or moves to another
  // database (SELECT) so its followers' keys are elsewhere.
  absl::InlinedVector<uint32_t, 8> ids;
  bool all = false;
  bool writes = false;
  for (const TransactionState::Queued& q : tx.queue) {
    const CommandSpec& spec = q.command->spec();
    // Scripts (EVAL, FCALL) are not flagged write but may write: reserve for them too.
    writes = writes || (spec.flags & kWrite) != 0 || spec.group == "scripting";
    if ((spec.flags & kNoKeyLock) || q.command->ReadsUnnamedKeys(q.argv) || q.command->full_name() == "select") {
      all = true;
    } else if (!all && q.command->has_keys()) {
      // The same keys the dispatcher would lock (command.h: numkeys keys too).
      q.command->ForEachKeyIndex(q.argv, [&](int i) {
        ids.push_back(engine.ShardId(session.db, KeyHash(q.argv[static_cast<size_t>(i)])));
      });
    }
  }
  if (all) {
    ids.clear();
    for (uint32_t i = 0; i < engine.total_shards(); ++i) ids.push_back(i);
  } else {
    for (const TransactionState::Watched& w : tx.watched) ids.push_back(WatchedShard(engine, w));
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  }

  // Back-pressure once for the whole transaction, before any lock (it may
  // park); released after the locks, as the dispatcher does for one command.
  WriteGate* gate = writes && !session.no_block ? engine.write_gate() : nullptr;
  if (gate != nullptr) {
    std::string gate_error;
    if (!gate->Reserve(&gate_error)) {
      DiscardTransaction(session);  // as Redis's rejectCommand of an EXEC (execCommandAbort)
      return ctx.Error(ExecAbortMessage(gate_error));
    }
  }
  struct GateRelease {
    CommandContext& ctx;
    WriteGate* gate;
    ~GateRelease() {
      ctx.ReleaseAll();  // hand changes to the observer and unlock first
      if (gate != nullptr) gate->Release();
    }
  } gate_release{ctx, gate};

  if (!ctx.LockShardIdsUnlessBusy(ids)) {  // nothing is left locked
    DiscardTransaction(session);
    return ctx.Error(ExecAbortMessage(kBusyError));
  }
  const bool dirty = std::any_of(tx.watched.begin(), tx.watched.end(), [&](const auto& w) {
    return WatchedKeyChanged(engine, w, ctx.now_ms);
  });
  // Redis unwatches before running the commands: their own writes must not
  // matter, and a dirty transaction is discarded with its watches.
  UnwatchLocked(engine, tx);
  std::vector<TransactionState::Queued> queue = std::move(tx.queue);
  ResetMulti(tx);
  if (dirty) return ctx.reply.NullArray();

  ctx.reply.ArrayHeader(queue.size());
  HeldCall call;
  call.held = absl::MakeConstSpan(ids);
  call.all_shards = all;
  call.any_key = true;
  call.transaction = true;
  call.now_ms = ctx.now_ms;  // EXEC's commands all see EXEC's time (Redis 7)
  absl::InlinedVector<std::string_view, 8> argv;
  for (const TransactionState::Queued& q : queue) {
    argv.assign(q.argv.begin(), q.argv.end());
    engine.ExecuteHeld(session, absl::MakeConstSpan(argv), ctx.reply, call);
  }
}

// Redis 7.0's flags for these rows (commands/*.json), plus kNoKeyLock where the
// handler locks for itself.
constexpr uint32_t kTxFlags = kNoScript | kLoading | kStale;

}  // namespace

void RegisterTransactionFamily(CommandTable& t) {
  t.Register({"multi", 1, kTxFlags | kFast | kAllowBusy, 0, 0, 0, CmdMulti, "@fast @transaction",
              "transactions", "1.2.0"});
  t.Register({"exec", 1, kTxFlags | kSkipSlowlog | kNoKeyLock, 0, 0, 0, CmdExec,
              "@slow @transaction", "transactions", "1.2.0"});
  t.Register({"discard", 1, kTxFlags | kFast | kAllowBusy | kNoKeyLock, 0, 0, 0, CmdDiscard,
              "@fast @transaction", "transactions", "2.0.0"});
  // Not kAllowBusy (unlike Redis): a keyed command runs under its shards'
  // locks, which a busy script holds.
  t.Register({"watch", -2, kTxFlags | kFast, 1, -1, 1, CmdWatch,
              "@fast @transaction", "transactions", "2.2.0"});
  t.Register({"unwatch", 1, kTxFlags | kFast | kAllowBusy | kNoKeyLock, 0, 0, 0, CmdUnwatch,
              "@fast @transaction", "transactions", "2.2.0"});
}

}  // namespace stockd::engine
