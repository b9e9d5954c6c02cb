// engine/transaction.h — MULTI/EXEC/DISCARD/WATCH state of one session, and
// the hooks the dispatcher (Engine::Execute) calls while a session is inside
// MULTI. The commands themselves are in engine/transaction_family.cc.
//
// Contract:
//  * Session::tx is created on a session's first MULTI or WATCH and owned by
//    the session; only the session's fiber touches it (like Session itself).
//  * Queueing: inside MULTI the dispatcher runs its unknown-command,
//    unknown-subcommand and arity checks, then hands every command except
//    MULTI, EXEC, DISCARD, WATCH, QUIT and RESET to QueueInMulti, which
//    refuses kNoMulti rows and replies +QUEUED. Every queue-time refusal marks
//    the transaction (FlagTransaction) so EXEC answers EXECABORT, as Redis.
//  * WATCH: each watched key registers with its shard's watch registry
//    (Shard::Watch), whose version moves on every change recorded for the key
//    — writes from any connection, lazy and active expiry, FLUSHDB/FLUSHALL,
//    SWAPDB — since every mutation goes through Shard::Record. EXEC compares
//    versions under the shards' locks; a key that existed at WATCH and has
//    logically expired by EXEC also counts as changed (Redis 7).
//  * EXEC locks the shards of every queued command's keys and of every
//    watched key once, in ascending order (all shards when a queued command
//    locks its own — kNoKeyLock rows — or is SELECT), reserves the write gate
//    once before that when a queued command writes, and runs the commands
//    through Engine::ExecuteHeld without re-locking and without parking.
//  * ~TransactionState unwatches, locking each watched key's shard in turn:
//    REQUIRES the engine to outlive its sessions and the caller to hold no
//    shard lock (a session is destroyed by its connection, between commands).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/types/span.h"
#include "engine/command.h"
#include "engine/session.h"
#include "protocol/reply_writer.h"

namespace stockd::engine {

class Engine;

struct TransactionState {
  explicit TransactionState(Engine& e) : engine(&e) {}
  ~TransactionState();
  TransactionState(const TransactionState&) = delete;
  TransactionState& operator=(const TransactionState&) = delete;

  struct Queued {
    const Command* command;  // resolved at queue time (subcommand if any)
    std::vector<std::string> argv;
  };
  struct Watched {
    int db;
    std::string key;
    uint64_t version;  // Shard::Watch's answer
    bool existed;      // present (unexpired) at WATCH: its expiry counts as a change
  };

  Engine* engine;
  bool in_multi = false;
  bool aborted = false;  // a queue-time error: EXEC answers EXECABORT
  std::vector<Queued> queue;
  std::vector<Watched> watched;
};

// --- dispatcher hooks (engine/engine.cc) ---

// True when session is inside MULTI and `command` is to be queued rather than
// run (everything but MULTI, EXEC, DISCARD, WATCH, QUIT, RESET).
inline bool InMulti(const Session& session) { return session.tx != nullptr && session.tx->in_multi; }
bool QueuesInMulti(const Command& command);
// Queues argv (copied) for EXEC and replies +QUEUED, or refuses a kNoMulti
// command ("ERR Command not allowed inside a transaction") and flags the
// transaction. REQUIRES: InMulti(session).
void QueueInMulti(Engine& engine, Session& session, const Command& command,
                  absl::Span<const std::string_view> argv, protocol::ReplyWriter& reply);
// Marks the transaction so EXEC answers EXECABORT; no-op outside MULTI.
void FlagTransaction(Session& session);
// Replies the dispatcher's refusal of a command (unknown command, arity, ...;
// cmd null when unknown) as Redis's rejectCommand: it counts the error, flags
// the transaction inside MULTI, and a refused EXEC — inside MULTI or not —
// discards the transaction and answers "EXECABORT Transaction discarded
// because of: <msg without its ERR code>". REQUIRES: no shard lock held.
void RejectCommand(Engine& engine, Session& session, const Command* cmd, std::string_view msg,
                   protocol::ReplyWriter& reply);
// Ends MULTI (the queue is dropped) and unwatches every key, locking each
// watched key's shard in turn. REQUIRES: no shard lock held by the caller.
void DiscardTransaction(Session& session);
// "EXECABORT Transaction discarded because of: " + msg (a leading "ERR " dropped).
std::string ExecAbortMessage(std::string_view msg);

}  // namespace stockd::engine
