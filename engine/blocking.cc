// engine/blocking.cc — blocked clients as parked fibers (see blocking.h).
#include "engine/blocking.h"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <optional>

#include "absl/time/clock.h"
#include "engine/args.h"
#include "engine/command_context.h"
#include "engine/engine.h"
#include "engine/session.h"
#include "runtime/chan.h"
#include "runtime/fiber.h"
#include "runtime/select.h"

namespace stockd::engine {

// Waiter states: kWaiting until one party claims it with a CAS.
enum WaiterState : int { kWaiting = 0, kKeyReady, kTimedOut, kUnblockTimeout, kUnblockError };

struct Blocking::Waiter {
  uint64_t client_id = 0;
  int db = 0;
  absl::Span<const std::string_view> keys;
  bool wake_on_removal = false;  // SignalRemoved wakes it
  std::atomic<int> state{kWaiting};
  // The key that got data (index into keys), written by the claimer under
  // that key's shard lock; -1 when not woken by a key.
  std::atomic<int> woken_index{-1};
  std::string_view woken_key() const {
    const int i = woken_index.load(std::memory_order_relaxed);
    return i < 0 ? std::string_view() : keys[static_cast<size_t>(i)];
  }
  absl::Time deadline = absl::InfiniteFuture();
  runtime::Chan<int> wake{1};

  bool Claim(int to) {
    int expected = kWaiting;
    return state.compare_exchange_strong(expected, to, std::memory_order_acq_rel);
  }
  void Send() {
    int token = 1;
    wake.TrySend(token);  // one slot, one claimer per wait: never fails or parks
  }
  // After a successful Claim(kKeyReady) for key: records which key woke it
  // and wakes it.
  void WakeFor(std::string_view key) {
    for (size_t i = 0; i < keys.size(); ++i) {
      if (keys[i] == key) {
        woken_index.store(static_cast<int>(i), std::memory_order_relaxed);
        break;
      }
    }
    Send();
  }
};

bool ParseBlockTimeout(CommandContext& ctx, std::string_view arg, int64_t* deadline_ms) {
  long double seconds;
  if (!ParseLongDoubleArg(arg, &seconds)) {
    ctx.Error("ERR timeout is not a float or out of range");
    return false;
  }
  // Redis: tval = (long long) ceill(ftval * 1000.0), so any positive
  // fraction of a millisecond waits 1 ms (and -0.0001 means 0: forever). An
  // unrepresentable product converts to LLONG_MIN on x86 — "negative" — and
  // Redis answers just that.
  const long double ms = std::ceil(seconds * 1000.0L);
  int64_t tval;
  if (std::isnan(ms) || ms >= 9223372036854775808.0L || ms < -9223372036854775808.0L) {
    tval = INT64_MIN;
  } else {
    tval = static_cast<int64_t>(ms);
  }
  if (tval < 0) {
    ctx.Error("ERR timeout is negative");
    return false;
  }
  if (tval > 0) {
    if (tval > INT64_MAX - ctx.now_ms) {
      ctx.Error("ERR timeout is out of range");
      return false;
    }
    tval += ctx.now_ms;
  }
  *deadline_ms = tval;
  return true;
}

bool BlockOn(CommandContext& ctx, absl::Span<const std::string_view> keys, int64_t deadline_ms,
             bool wake_on_removal) {
  BlockRequest* req = ctx.session.block_request;
  if (req == nullptr || ctx.session.no_block || !runtime::InFiber()) return false;
  req->requested = true;
  req->keys = keys;
  req->deadline_ms = deadline_ms;
  req->wake_on_removal = wake_on_removal;
  return true;
}

bool BlockUntil(CommandContext& ctx, int64_t deadline_ms, void (*on_timeout)(CommandContext&)) {
  if (!BlockOn(ctx, {}, deadline_ms)) return false;
  ctx.session.block_request->on_timeout = on_timeout;
  return true;
}

std::string_view WokenKey(const CommandContext& ctx) {
  const BlockRequest* req = ctx.session.block_request;
  return req == nullptr ? std::string_view() : req->woken_key;
}

void SignalKeyReady(CommandContext& ctx, std::string_view key, size_t added) {
  SignalKeyReady(ctx, ctx.Locate(key), key, added);
}

void SignalKeyReady(CommandContext& ctx, const KeyLoc& loc, std::string_view key, size_t added) {
  SignalKeyReady(ctx, ctx.session.db, loc, key, added);
}

void SignalKeyReady(CommandContext& ctx, int db, const KeyLoc& loc, std::string_view key,
                    size_t added) {
  Blocking& b = ctx.engine.blocking();
  if (b.blocked_clients() == 0) return;  // the common case: one relaxed load
  b.Signal(ctx.engine.ShardId(db, loc.hash), key, added);
}

void SignalKeyReadyAll(CommandContext& ctx, const KeyLoc& loc, std::string_view key) {
  Blocking& b = ctx.engine.blocking();
  if (b.blocked_clients() == 0) return;
  b.SignalAll(ctx.engine.ShardId(ctx.session.db, loc.hash), key);
}

std::string* BlockState(CommandContext& ctx) {
  BlockRequest* req = ctx.session.block_request;
  return req == nullptr ? nullptr : &req->state;
}

Blocking::Blocking(uint32_t total_shards) : shards_(total_shards) {}
Blocking::~Blocking() = default;

void Blocking::Signal(uint32_t shard_id, std::string_view key, size_t n) {
  ShardWaiters& sw = shards_[shard_id];
  if (sw.by_key.empty() || n == 0) return;
  auto it = sw.by_key.find(key);
  if (it == sw.by_key.end()) return;
  // Waiters are served one at a time per key, in arrival order: wake the
  // first waiting one unless one woken for this key has yet to run (its run
  // passes the turn on — Block). Waking several at once would let the
  // scheduler, not arrival, decide who gets which element.
  for (Waiter* w : it->second) {
    const int state = w->state.load(std::memory_order_acquire);
    if (state == kKeyReady) {
      const int idx = w->woken_index.load(std::memory_order_relaxed);
      if (idx >= 0 && w->keys[static_cast<size_t>(idx)] == key) return;
      continue;
    }
    if (state != kWaiting || !w->Claim(kKeyReady)) continue;
    w->WakeFor(key);
    return;
  }
}

void Blocking::SignalAll(uint32_t shard_id, std::string_view key) { WakeEvery(shard_id, key, false); }

void Blocking::SignalRemoved(uint32_t shard_id, std::string_view key) { WakeEvery(shard_id, key, true); }

void Blocking::WakeEvery(uint32_t shard_id, std::string_view key, bool removal) {
  ShardWaiters& sw = shards_[shard_id];
  if (sw.by_key.empty()) return;
  auto it = sw.by_key.find(key);
  if (it == sw.by_key.end()) return;
  // A waiter already woken (for any key) re-runs its handler after this
  // write, under these shard locks, and so sees it.
  for (Waiter* w : it->second) {
    if (removal && !w->wake_on_removal) continue;
    if (w->state.load(std::memory_order_acquire) != kWaiting || !w->Claim(kKeyReady)) continue;
    w->WakeFor(key);
  }
}

void Blocking::Enqueue(CommandContext& ctx, Waiter* w) {
  for (size_t i = 0; i < w->keys.size(); ++i) {
    std::string_view key = w->keys[i];
    // BLPOP k k: one queue entry per distinct key.
    if (std::find(w->keys.begin(), w->keys.begin() + static_cast<ptrdiff_t>(i), key) !=
        w->keys.begin() + static_cast<ptrdiff_t>(i)) {
      continue;
    }
    ShardWaiters& sw = shards_[ctx.engine.ShardId(w->db, KeyHash(key))];
    sw.by_key[key].push_back(w);
  }
}

void Blocking::Dequeue(CommandContext& ctx, Waiter* w) {
  for (std::string_view key : w->keys) {
    ShardWaiters& sw = shards_[ctx.engine.ShardId(w->db, KeyHash(key))];
    auto it = sw.by_key.find(key);
    if (it == sw.by_key.end()) continue;
    auto& q = it->second;
    auto pos = std::find(q.begin(), q.end(), w);
    if (pos != q.end()) q.erase(pos);
    if (q.empty()) sw.by_key.erase(it);
  }
}

int Blocking::Wait(Waiter* w) {
  for (;;) {
    int token = 0;
    runtime::SelectCase cases[] = {runtime::RecvCase(w->wake, &token)};
    int r = runtime::Select(cases, runtime::Until(w->deadline));
    const int state = w->state.load(std::memory_order_acquire);
    if (r == runtime::kSelectTimeout) {
      if (w->Claim(kTimedOut)) return kTimedOut;
      return w->state.load(std::memory_order_acquire);  // claimed just now by someone else
    }
    if (state != kWaiting) return state;
    // A stale token of an earlier claim (see Block): wait on.
  }
}

bool Blocking::Unblock(uint64_t client_id, UnblockMode mode) {
  std::lock_guard<SpinLock> lock(registry_mu_);
  auto it = registry_.find(client_id);
  if (it == registry_.end()) return false;
  Waiter* w = it->second;
  if (!w->Claim(mode == UnblockMode::kError ? kUnblockError : kUnblockTimeout)) return false;
  w->Send();
  return true;
}

size_t Blocking::UnblockAll(UnblockMode mode) {
  std::lock_guard<SpinLock> lock(registry_mu_);
  size_t n = 0;
  for (auto& [id, w] : registry_) {
    if (w->Claim(mode == UnblockMode::kError ? kUnblockError : kUnblockTimeout)) {
      w->Send();
      ++n;
    }
  }
  return n;
}

void Blocking::Run(CommandContext& ctx, Handler handler, WriteGate** gate) {
  BlockRequest req;
  BlockRequest* const saved = ctx.session.block_request;
  ctx.session.block_request = &req;
  handler(ctx);
  if (req.requested) Block(ctx, handler, req, gate);
  ctx.session.block_request = saved;
}

namespace {

// The global shard ids of the command's keys, as the dispatcher locks them
// (Command::ForEachKeyIndex: BZMPOP's and BLMPOP's numkeys keys included).
absl::InlinedVector<uint32_t, 8> CommandShardIds(CommandContext& ctx) {
  absl::InlinedVector<uint32_t, 8> ids;
  ctx.command.ForEachKeyIndex(ctx.argv, [&](int i) {
    ids.push_back(ctx.engine.ShardId(ctx.session.db, KeyHash(ctx.argv[static_cast<size_t>(i)])));
  });
  return ids;
}

}  // namespace

void Blocking::PassTurn(CommandContext& ctx, const Waiter& w) {
  // Blocking types delete empty keys, so "exists" means "may have data" for
  // the next waiter (a key of another type costs that waiter one re-check).
  for (std::string_view key : w.keys) {
    const uint64_t h = KeyHash(key);
    const uint32_t id = ctx.engine.ShardId(w.db, h);
    if (ctx.engine.shard(id).Peek(key, h) != nullptr) Signal(id, key, 1);
  }
}

void Blocking::Block(CommandContext& ctx, Handler handler, BlockRequest& req,
                     WriteGate** gate_slot) {
  Engine& engine = ctx.engine;
  Session& session = ctx.session;
  Waiter w;
  w.client_id = session.client_id;
  w.db = session.db;
  w.keys = req.keys;
  w.wake_on_removal = req.wake_on_removal;
  // The Select deadline runs on the real clock; the engine's clock may be a
  // test's. Convert through the remaining time.
  w.deadline = req.deadline_ms == 0
                   ? absl::InfiniteFuture()
                   : absl::Now() + absl::Milliseconds(std::max<int64_t>(0, req.deadline_ms - ctx.now_ms));
  Enqueue(ctx, &w);
  blocked_.fetch_add(1, std::memory_order_relaxed);
  if (w.client_id != 0) {
    std::lock_guard<SpinLock> lock(registry_mu_);
    registry_[w.client_id] = &w;
  }
  ctx.ReleaseAll();
  // A kWrite command holds a write-gate reservation (engine.h: WriteGate): a
  // parked client must not pin one. Re-reserved after each wake-up.
  WriteGate* gate = gate_slot != nullptr ? *gate_slot : nullptr;
  if (gate != nullptr) gate->Release();

  bool first = true;
  for (;;) {
    int state;
    if (first && session.before_block != nullptr) {
      session.before_block(session);  // may park (flush pipelined replies)
      state = kWaiting;               // data may have arrived meanwhile: re-run
    } else {
      state = Wait(&w);
    }
    first = false;
    std::string gate_error;
    const bool gate_ok = gate == nullptr || gate->Reserve(&gate_error);
    if (!gate_ok) *gate_slot = nullptr;  // we hold no reservation for the dispatcher to release
    CommandContext rctx(engine, session, ctx.argv, ctx.reply, ctx.command, engine.NowMs());
    rctx.LockShardIds(CommandShardIds(rctx));
    {
      // Every claim sends under a lock we now hold (Signal: the shard lock of
      // one of our keys; Unblock: the registry lock), so draining here leaves
      // no token for a later Wait to mistake.
      std::lock_guard<SpinLock> lock(registry_mu_);
      while (w.wake.TryRecv()) {
      }
      // Not woken through Wait (before_block): claim the run ourselves, or
      // take the claim someone made meanwhile.
      if (state == kWaiting && !w.Claim(kKeyReady)) state = w.state.load(std::memory_order_acquire);
    }
    bool done = true;
    if (!gate_ok) {
      rctx.Error(gate_error);
    } else if (state == kTimedOut || state == kUnblockTimeout) {
      if (req.on_timeout != nullptr) req.on_timeout(rctx);
      else rctx.reply.NullArray();
    } else if (state == kUnblockError) {
      rctx.Error("UNBLOCKED client unblocked via CLIENT UNBLOCK");
    } else if (session.client_alive != nullptr && !session.client_alive(session)) {
      rctx.reply.NullArray();  // the client is gone: the reply goes nowhere
    } else {
      req.requested = false;
      req.woken_key = w.woken_key();
      handler(rctx);
      if (req.requested) {
        // Someone else took the data first (or the key holds another type):
        // wait again, keeping our place.
        done = false;
        w.woken_index.store(-1, std::memory_order_relaxed);
        w.state.store(kWaiting, std::memory_order_release);
      }
    }
    if (done) {
      Dequeue(rctx, &w);
      PassTurn(rctx, w);
      if (w.client_id != 0) {
        std::lock_guard<SpinLock> lock(registry_mu_);
        registry_.erase(w.client_id);
      }
      rctx.ReleaseAll();
      break;
    }
    rctx.ReleaseAll();
    if (gate != nullptr) gate->Release();
  }
  blocked_.fetch_sub(1, std::memory_order_relaxed);
}

}  // namespace stockd::engine
