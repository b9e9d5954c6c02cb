// engine/blocking.h — blocking commands (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH,
// BZPOPMIN, BZPOPMAX): a blocked client is a parked fiber, woken when one of
// its keys gets data, FIFO per key, with a deadline. No thread and no lock is
// held while it waits.
//
// How a command blocks (the handler's side):
//   1. Parse the timeout with ParseBlockTimeout (Redis's texts: "ERR timeout
//      is not a float or out of range", "ERR timeout is negative", "ERR
//      timeout is out of range"); 0 means "forever".
//   2. Try to serve from the keys (under the dispatcher's shard locks). On a
//      re-run after a wake-up, ctx.woken_key() names the key that got data:
//      try it first, and treat a key of the wrong type as empty (as Redis,
//      which only serves a blocked client from a key of the right type).
//   3. Nothing to serve: `if (ctx.BlockOn(keys, deadline_ms)) return;` —
//      without replying. BlockOn returns false when the client may not block
//      (inside MULTI/EXEC or a script: Session::no_blocking; or off a fiber,
//      e.g. embedded use from a plain thread); the handler then replies what
//      its non-blocking form replies on no data (the null array).
//   (A key emptied by a pop must be deleted, as Redis does: the dispatcher
//   takes "the key exists" to mean "the next waiter may find data".)
//
// The push side: a command that adds elements to a key a blocked command
// can pop from (LPUSH, RPUSH, LMOVE's destination, ZADD, RENAME/COPY/MOVE
// onto the key, ...) calls SignalKeyReady(ctx, key, n) while still holding
// the key's shard lock; it never parks, and costs one relaxed load when
// nobody waits anywhere. Waiters are served strictly one at a time per key
// in arrival order (as Redis serves them): the signal wakes the first
// waiting client unless one woken for that key has not run yet, and every
// finished wait passes the turn on to the next waiter of each of its keys
// that still exists. So one signal serves as many waiters as there is data.
//
// Streams differ (XREAD, XREADGROUP): reading does not consume, so XADD
// wakes every waiter of the key at once (SignalKeyReadyAll); a handler keeps
// what it resolved when it first blocked (XREAD's `$`) in BlockState across
// re-runs; and a waiter that asked for it (BlockOn's wake_on_removal) is also
// woken when its key is deleted or replaced (SignalRemoved, from the keyspace
// events "del", "set", "rename_from", ...), so XREADGROUP can fail as Redis.
//
// The dispatcher's side (Engine::Execute → Blocking::Run): it records the
// waiter in a per-key FIFO queue of each key's shard (guarded by that shard's
// lock, so "no data" and "enqueued" are atomic with respect to pushes),
// releases the shard locks (and the write gate's reservation), and parks the
// fiber on the waiter's own one-slot runtime::Chan with a Select deadline.
// Whoever wins the waiter's state CAS (a push, CLIENT UNBLOCK; or the waiter
// itself on its deadline) owns the wake-up and TrySends one token (never
// parks; a send before the fiber parked is simply buffered). Woken, the fiber
// relocks the command's shards in a fresh CommandContext (fresh clock) and
// replies the timeout (null array) / unblock reply, or re-runs the handler;
// if the handler blocks again (someone else took the data first) the waiter
// keeps its place in every queue.
//
// Session hooks (engine/session.h): no_blocking (MULTI/EXEC, scripts),
// before_block (the server flushes pipelined replies before parking; the
// handler is then re-run, since data may have arrived), client_alive (a
// woken client that is gone passes its turn to the next waiter).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/types/span.h"
#include "engine/command.h"
#include "engine/key_hash.h"
#include "engine/shard.h"

namespace stockd::engine {

class CommandContext;
class WriteGate;
struct KeyLoc;

// Parses a blocking command's timeout in seconds (Redis 7.0's
// getTimeoutFromObjectOrReply). *deadline_ms = 0 for "forever", else the
// absolute unix-ms deadline from ctx.now_ms. On error replies it and returns
// false.
bool ParseBlockTimeout(CommandContext& ctx, std::string_view arg, int64_t* deadline_ms);

// Wakes up to `added` clients blocked on `key` (session db). REQUIRES: the
// key's shard locked by ctx (any handler writing the key has it).
void SignalKeyReady(CommandContext& ctx, std::string_view key, size_t added);
void SignalKeyReady(CommandContext& ctx, const KeyLoc& loc, std::string_view key, size_t added);
// The same for a key of database `db` (COPY ... DB, MOVE).
void SignalKeyReady(CommandContext& ctx, int db, const KeyLoc& loc, std::string_view key,
                    size_t added);

// Wakes every client blocked on `key` (session db): for streams, where
// reading does not consume, so each waiter may be served by one XADD.
// REQUIRES: the key's shard locked by ctx.
void SignalKeyReadyAll(CommandContext& ctx, const KeyLoc& loc, std::string_view key);

// Asks the dispatcher to park this client until one of `keys` (views that
// outlive the call: argv elements) gets data or deadline_ms (unix ms, 0 =
// never) passes. True: the handler returns without replying. False: the
// client may not block (Session::no_block, not dispatched as a kBlocking
// command, or not on a fiber) and the handler replies as on a timeout.
// wake_on_removal: also wake this client when one of its keys is deleted or
// replaced (SignalKeyRemoved), as XREADGROUP must fail then.
bool BlockOn(CommandContext& ctx, absl::Span<const std::string_view> keys, int64_t deadline_ms,
             bool wake_on_removal = false);

// Parks this client until deadline_ms (0 = never) or CLIENT UNBLOCK with no
// key to wait for (WAIT: no replica ever acknowledges); on the timeout
// on_timeout(ctx) replies instead of the null array. Otherwise as BlockOn.
bool BlockUntil(CommandContext& ctx, int64_t deadline_ms, void (*on_timeout)(CommandContext&));

// On a re-run after a wake-up: the key that got data (serve from it first);
// empty on a first run.
std::string_view WokenKey(const CommandContext& ctx);

// Bytes a kBlocking handler keeps across its re-runs after wake-ups (XREAD
// keeps the IDs its `$` resolved to when it first blocked): empty on the
// first run; nullptr when the handler was not dispatched as blocking.
std::string* BlockState(CommandContext& ctx);

// What a kBlocking handler asked for (lives on the dispatcher's stack while the
// handler runs; Session::block_request points at it).
struct BlockRequest {
  bool requested = false;
  absl::Span<const std::string_view> keys;
  int64_t deadline_ms = 0;
  std::string_view woken_key;
  std::string state;  // BlockState
  bool wake_on_removal = false;
  void (*on_timeout)(CommandContext&) = nullptr;  // BlockUntil's timeout reply
};

// How CLIENT UNBLOCK ends a wait.
enum class UnblockMode { kTimeout, kError };

class Blocking {
 public:
  explicit Blocking(uint32_t total_shards);
  ~Blocking();
  Blocking(const Blocking&) = delete;
  Blocking& operator=(const Blocking&) = delete;

  // Wakes up to n waiters of key in global shard `shard_id`. REQUIRES: that
  // shard locked.
  void Signal(uint32_t shard_id, std::string_view key, size_t n);
  // Wakes every waiter of key that is waiting (SignalKeyReadyAll).
  void SignalAll(uint32_t shard_id, std::string_view key);
  // Wakes the waiters of key that asked for it (BlockOn's wake_on_removal):
  // the key was deleted or replaced. Others sleep on, so a list emptied by a
  // pop does not stir its BLPOP queue. REQUIRES: that shard locked.
  void SignalRemoved(uint32_t shard_id, std::string_view key);

  // CLIENT UNBLOCK id [TIMEOUT|ERROR]: ends the wait of the client with that
  // client_id; kTimeout replies as a timeout, kError replies "-UNBLOCKED
  // client unblocked via CLIENT UNBLOCK". False when it is not blocked. Also
  // what the server calls (kTimeout) for a client it kills or on shutdown.
  // Any fiber or thread.
  bool Unblock(uint64_t client_id, UnblockMode mode);
  // Unblocks every blocked client (shutdown). Returns how many.
  size_t UnblockAll(UnblockMode mode);

  // INFO clients: blocked_clients.
  size_t blocked_clients() const { return blocked_.load(std::memory_order_relaxed); }

  // The dispatcher runs every kBlocking command's handler through this: it
  // calls handler(ctx) and, when the handler asked to block, parks until the
  // client is served, times out or is unblocked. Replies exactly once. ctx's
  // shard locks are held on entry; they may be released on return (re-runs
  // use their own CommandContext with a fresh clock).
  // `gate` points at the dispatcher's write-gate reservation (null slot or
  // null gate: none): released while parked, re-reserved after each wake-up;
  // set to null when a re-reservation was refused (the refusal is replied).
  void Run(CommandContext& ctx, Handler handler, WriteGate** gate);

  struct Waiter;

 private:
  struct ShardWaiters {  // guarded by the shard's lock
    absl::flat_hash_map<std::string, std::deque<Waiter*>, KeyHasher, KeyEq> by_key;
  };
  void Block(CommandContext& ctx, Handler handler, BlockRequest& req, WriteGate** gate_slot);
  void Enqueue(CommandContext& ctx, Waiter* w);
  // After w's wait ended (served, failed, timed out, gone): wakes the next
  // waiter of each of w's keys that still exists.
  void PassTurn(CommandContext& ctx, const Waiter& w);
  // Wakes every waiting waiter of key (removal: only those that asked for
  // removals): SignalAll, SignalRemoved. REQUIRES: that shard locked.
  void WakeEvery(uint32_t shard_id, std::string_view key, bool removal);
  void Dequeue(CommandContext& ctx, Waiter* w);
  // Parks until w is claimed (or its deadline passes); returns its state.
  int Wait(Waiter* w);

  std::vector<ShardWaiters> shards_;
  std::atomic<size_t> waiting_{0};  // waiters enqueued anywhere (fast path of Signal)
  std::atomic<size_t> blocked_{0};  // clients inside Block
  SpinLock registry_mu_;
  absl::flat_hash_map<uint64_t, Waiter*> registry_;  // parked waiters by client id
};

}  // namespace stockd::engine
