// engine/engine.cc — the dispatch path and engine-wide services (see engine.h).
#include "engine/engine.h"

#include <algorithm>
#include <cassert>
#include <mutex>

#include "absl/time/clock.h"
#include "engine/blocking.h"
#include "engine/clock.h"
#include "engine/errors.h"
#include "engine/lua/scripting.h"
#include "engine/order_log.h"
#include "engine/transaction.h"
#include "protocol/output_buffer.h"

namespace stockd::engine {
namespace {

// Every call is timed while latency tracking or the latency monitor is on (as
// Redis times every call: on the connection path the end reading is the one
// the slowlog and the next pipelined command's start use anyway, see
// DispatchClock). With both off, kFast durations are sampled: one call in
// kFastTimingSample is timed and counted kFastTimingSample times (see
// CommandStats::kUsec), so an O(1) command does not pay two clock reads.
constexpr uint32_t kFastTimingSample = 8;

struct CallTiming {
  bool fast;
  bool timed;      // this call's duration is measured
  uint32_t scale;  // calls this one's duration stands for in kUsec
};

CallTiming SampleTiming(const CommandSpec& spec, bool every) {
  thread_local uint32_t fast_calls = 0;
  const bool fast = (spec.flags & kFast) != 0;
  if (!fast || every) return {fast, true, 1};
  return {fast, (fast_calls++ % kFastTimingSample) == 0, kFastTimingSample};
}

// Counts one call of cmd in its statistics, its latency histogram (when
// tracking) and the latency monitor. start_ns: the timed call's start.
// Returns the end reading, 0 when the call is not timed.
int64_t CountCall(const Command& cmd, CallTiming timing, int64_t start_ns, int errors, bool tracking,
                  LatencyMonitor& monitor) {
  uint64_t usec = 0;
  int64_t end_ns = 0;
  if (timing.timed) {
    end_ns = RealtimeNs();
    const int64_t ns = end_ns - start_ns;  // the wall clock may step back: clamp
    const uint64_t call_usec = ns > 0 ? static_cast<uint64_t>(ns / 1000) : 0;
    usec = call_usec * timing.scale;
    // Redis records its microsecond duration in nanoseconds (a 0 us call as 1 ns).
    if (tracking) cmd.latency().Record(static_cast<int64_t>(call_usec) * 1000);
    // latencyAddSampleIfNeeded (one relaxed load while the monitor is off). A
    // blocking command's duration here includes its wait, which Redis does
    // not count: it is not a latency spike.
    if (!cmd.has_flag(kBlocking | kMayBlock))
      monitor.Sample(timing.fast ? "fast-command" : "command", static_cast<int64_t>(call_usec / 1000));
  }
  CommandStats& st = cmd.stats();
  st.Add(CommandStats::kCalls, 1);
  if (usec != 0) st.Add(CommandStats::kUsec, usec);  // sampled kFast calls: 7 in 8 are not timed
  if (errors > 0) st.Add(CommandStats::kFailedCalls, 1);
  return end_ns;
}

constexpr std::string_view kBusyError =
    "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.";

constexpr std::string_view kOomError = "OOM command not allowed when used memory > 'maxmemory'.";

// Redis 7's processCommand over maxmemory: kDenyOom rows; EXEC when a queued
// command is kDenyOom; inside MULTI anything but EXEC/DISCARD/QUIT/RESET
// (queueing itself takes memory).
bool DeniedWhenOom(const Session& session, const Command& cmd) {
  if (cmd.has_flag(kDenyOom)) return true;
  if (!InMulti(session)) return false;
  const std::string_view name = cmd.full_name();
  if (name == "exec") {
    for (const TransactionState::Queued& q : session.tx->queue)
      if (q.command->has_flag(kDenyOom)) return true;
    return false;
  }
  return name != "discard" && name != "quit" && name != "reset";
}

// Redis 7's processCommand for a RESP2 client with subscriptions.
bool AllowedWhileSubscribed(const Command& cmd) {
  const std::string_view name = cmd.full_name();
  return name == "ping" || name == "subscribe" || name == "unsubscribe" || name == "psubscribe" ||
         name == "punsubscribe" || name == "ssubscribe" || name == "sunsubscribe" || name == "quit" ||
         name == "reset";
}

// Redis caps the distinct error codes it tracks (ERRORSTATS_LIMIT).
constexpr size_t kErrorStatsLimit = 128;

// The text Redis 7 rejects an unknown command with (processCommand):
// "ERR unknown command 'x', with args beginning with: 'a' 'b' ".
std::string UnknownCommandMessage(absl::Span<const std::string_view> argv) {
  std::string args;
  for (size_t i = 1; i < argv.size() && args.size() < 128; ++i) {
    size_t room = 128 - args.size();
    args.append("'").append(argv[i].substr(0, room)).append("' ");
  }
  std::string msg = "ERR unknown command '";
  msg.append(argv[0].substr(0, 128)).append("', with args beginning with: ").append(args);
  return msg;
}

uint32_t RoundUpPowerOfTwo(int n) {
  uint32_t p = 1;
  while (p < static_cast<uint32_t>(std::max(n, 1)) && p < 4096) p <<= 1;
  return p;
}

}  // namespace

Engine::Engine(EngineOptions options)
    : options_(std::move(options)), proto_max_bulk_len_(options_.proto_max_bulk_len) {
  if (options_.databases < 1) options_.databases = 1;
  shards_per_db_u_ = RoundUpPowerOfTwo(options_.shards_per_db);
  options_.shards_per_db = static_cast<int>(shards_per_db_u_);
  shards_.reserve(static_cast<size_t>(options_.databases) * shards_per_db_u_);
  for (int db = 0; db < options_.databases; ++db) {
    for (uint32_t i = 0; i < shards_per_db_u_; ++i) {
      shards_.push_back(std::make_unique<Shard>(db, static_cast<int>(i), &keyspace_events_));
    }
  }
  keyspace_events_.SetFlags(options_.notify_keyspace_events);
  random_state_.store(static_cast<uint64_t>(absl::GetCurrentTimeNanos()) ^ 0x5851f42d4c957f2dULL);
  RegisterStringFamily(commands_);
  RegisterBitmapFamily(commands_);
  RegisterHyperLogLogFamily(commands_);
  RegisterKeysFamily(commands_);
  RegisterDbFamily(commands_);
  order_log_ = std::make_unique<OrderLog>(*this);
  RegisterStockFamily(commands_);
  RegisterOrderFamily(commands_);
  RegisterThrottleFamily(commands_);
  blocking_ = std::make_unique<Blocking>(static_cast<uint32_t>(shards_.size()));
  RegisterHashFamily(commands_);
  RegisterListFamily(commands_);
  RegisterSetFamily(commands_);
  shard_busy_ = std::make_unique<std::atomic<uint32_t>[]>(shards_.size());
  scripting_ = std::make_unique<lua::Scripting>(*this);
  RegisterScriptingFamily(commands_);
  RegisterFunctionFamily(commands_);
  RegisterZSetFamily(commands_);
  RegisterGeoFamily(commands_);
  RegisterStreamFamily(commands_);
  RegisterTransactionFamily(commands_);
  RegisterSortFamily(commands_);
  RegisterDumpFamily(commands_);
  RegisterReplicationFamily(commands_);
}

Engine::~Engine() = default;

int64_t Engine::NowMs() const {
  if (options_.clock) return options_.clock();
  return WallClockMs();
}

void Engine::Reject(protocol::ReplyWriter& reply, std::string_view msg) {
  reply.Error(msg);
  CountError(msg);
}

void Engine::Execute(Session& session, absl::Span<const std::string_view> argv,
                     protocol::ReplyWriter& reply, DispatchClock* clock, const Lookahead* ahead) {
  if (clock != nullptr) clock->used_start_ns = clock->end_ns = 0;  // until it runs
  if (argv.empty()) return;
  // Refusals before queueing flag a MULTI; a refused EXEC aborts it (transaction.h).
  auto reject = [&](const Command* c, std::string_view msg) { RejectCommand(*this, session, c, msg, reply); };
  const Command* cmd = ahead != nullptr ? ahead->command : commands_.Find(argv[0]);
  if (cmd == nullptr) {
    reject(nullptr, UnknownCommandMessage(argv));
    return;
  }
  if (cmd->is_container()) {
    if (argv.size() < 2) {
      cmd->stats().Add(CommandStats::kRejectedCalls, 1);
      reject(cmd, errors::WrongArity(cmd->full_name()));
      return;
    }
    const Command* sub = cmd->FindSubcommand(argv[1]);
    if (sub == nullptr) {
      std::string upper(argv[0]);
      for (char& c : upper) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
      std::string msg = "ERR unknown subcommand '";
      msg.append(argv[1].substr(0, 128)).append("'. Try ").append(upper).append(" HELP.");
      reject(cmd, msg);
      return;
    }
    cmd = sub;
  }
  if (cmd->spec().handler == nullptr) {  // a container registered without subcommands yet
    reject(cmd, UnknownCommandMessage(argv));
    return;
  }
  if (!cmd->ArityOk(argv.size())) {
    cmd->stats().Add(CommandStats::kRejectedCalls, 1);
    reject(cmd, errors::WrongArity(cmd->full_name()));
    return;
  }
  if (authorizer_ != nullptr) {  // ACLs: before queueing, as Redis's processCommand
    std::string denied;
    const bool multi = session.tx != nullptr && InMulti(session);
    if (!authorizer_->Allow(session, *cmd, argv, multi ? Authorizer::Context::kMulti : Authorizer::Context::kTopLevel,
                            &denied)) {
      cmd->stats().Add(CommandStats::kRejectedCalls, 1);
      reject(cmd, denied);
      return;
    }
  }
  // maxmemory noeviction: one relaxed load while under the limit.
  if (over_maxmemory_.load(std::memory_order_relaxed) && DeniedWhenOom(session, *cmd)) {
    cmd->stats().Add(CommandStats::kRejectedCalls, 1);
    reject(cmd, kOomError);
    return;
  }
  // A RESP2 connection with subscriptions reads only pub/sub messages (session.h).
  if (session.subscribed && session.resp == 2 && !AllowedWhileSubscribed(*cmd)) {
    cmd->stats().Add(CommandStats::kRejectedCalls, 1);
    reject(cmd, std::string("ERR Can't execute '")
                    .append(cmd->full_name())
                    .append("': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"));
    return;
  }
  // A MONITOR client is a replica to Redis: it may not touch the keyspace.
  if (session.monitor && (cmd->spec().flags & (kReadOnly | kWrite | kMayReplicate))) {
    cmd->stats().Add(CommandStats::kRejectedCalls, 1);
    reject(cmd, "ERR Replica can't interact with the keyspace");
    return;
  }
  // MULTI: queue it for EXEC (engine/transaction.h); nothing is locked or run.
  if (session.tx != nullptr && InMulti(session) && QueuesInMulti(*cmd)) {
    QueueInMulti(*this, session, *cmd, argv, reply);
    return;
  }
  const CommandSpec& spec = cmd->spec();
  // Back-pressure before locks: reserve room in the persister's queue first.
  WriteGate* gate = (spec.flags & kWrite) && !session.no_block ? write_gate_ : nullptr;
  if (gate != nullptr) {
    std::string gate_error;
    if (!gate->Reserve(&gate_error)) {
      cmd->stats().Add(CommandStats::kRejectedCalls, 1);
      Reject(reply, gate_error);
      return;
    }
  }
  struct GateRelease {  // also when a handler throws
    WriteGate* gate;
    ~GateRelease() {
      if (gate != nullptr) gate->Release();
    }
  } gate_release{gate};
  const CallTiming timing = SampleTiming(spec, time_every_call_.load(std::memory_order_relaxed));
  int64_t start_ns = 0;
  if (clock != nullptr && clock->start_ns != 0) {
    start_ns = clock->start_ns;
  } else if (timing.timed || !options_.clock) {
    start_ns = RealtimeNs();
  }
  if (clock != nullptr) clock->used_start_ns = start_ns;
  const int64_t now_ms = options_.clock ? options_.clock() : start_ns / 1000000;
  int errors;
  {
    CommandContext ctx(*this, session, argv, reply, *cmd, now_ms);
    // Shards held by a script past busy-reply-threshold answer -BUSY instead
    // of being waited for (a script on other keys does not get in the way).
    bool busy = false;
    // Key locking by the row's key specs (command.h). kTriple is the hot path
    // (one byte tested, as first_key and kNoKeyLock were before); rows with a
    // numkeys spec take the general walk below.
    const Command::DispatchKeys dk = cmd->dispatch_keys();
    if (dk == Command::DispatchKeys::kTriple) {
      const int argc = static_cast<int>(argv.size());
      if (const int one = cmd->SingleKeyIndex(argc); one > 0) {
        // The common single-key case: hash once, the handler reuses it.
        std::string_view key = argv[static_cast<size_t>(one)];
        const uint64_t h = ahead != nullptr ? ahead->hash : KeyHash(key);
        ctx.RememberKeyHash(key, h);
        busy = !ctx.LockShardIdUnlessBusy(ShardId(session.db, h));
      } else {
        absl::InlinedVector<uint32_t, 8> ids;
        const int last = cmd->LastKeyIndex(argc);
        const int step = spec.key_step > 0 ? spec.key_step : 1;
        for (int i = spec.first_key; i <= last && i < argc; i += step) {
          std::string_view key = argv[static_cast<size_t>(i)];
          const uint64_t h = KeyHash(key);
          ctx.RememberKeyHash(key, h);
          ids.push_back(ShardId(session.db, h));
        }
        busy = !ctx.LockShardIdsUnlessBusy(std::move(ids));
      }
    } else if (dk == Command::DispatchKeys::kNumKeys) {
      // A bad count yields no numkeys keys: the handler replies its error
      // before touching a key (possibly with nothing locked at all).
      absl::InlinedVector<uint32_t, 8> ids;
      if (cmd->ReadsUnnamedKeys(argv)) {  // (SORT BY/GET patterns) the whole db
        const uint32_t n = static_cast<uint32_t>(options_.shards_per_db);
        for (uint32_t i = 0; i < n; ++i) ids.push_back(static_cast<uint32_t>(session.db) * n + i);
      }
      cmd->ForEachKeyIndex(argv, [&](int i) {
        std::string_view key = argv[static_cast<size_t>(i)];
        const uint64_t h = KeyHash(key);
        ctx.RememberKeyHash(key, h);
        ids.push_back(ShardId(session.db, h));
      });
      if (!ids.empty()) busy = !ctx.LockShardIdsUnlessBusy(std::move(ids));
    } else if ((spec.flags & kNoKeyLock) && AnyShardBusy() && spec.group != "scripting") {
      busy = true;  // it may lock any shard (KEYS, FLUSHALL, ...): as Redis, refuse while busy
    }
    if (busy && !(spec.flags & kAllowBusy)) {
      cmd->stats().Add(CommandStats::kRejectedCalls, 1);
      ctx.ReleaseAll();  // (nothing is held when busy) RejectCommand may lock to unwatch
      reject(cmd, kBusyError);
      return;
    }
    if ((spec.flags & kSkipMonitor) && call_observer_ != nullptr && call_observer_->Enabled()) {
      call_observer_->Starting(session, *cmd, argv, false);
    }
    if (spec.flags & (kBlocking | kMayBlock)) {
      blocking_->Run(ctx, spec.handler, &gate_release.gate);  // may park (engine/blocking.h)
    } else {
      spec.handler(ctx);
    }
    // Client-side caching: the keys a tracking client read, under their locks
    // (a write after the read then finds them remembered).
    if (session.tracking != 0 && (spec.flags & kReadOnly)) keyspace_events_.tracker()->Read(session, *cmd, argv);
    ctx.ReleaseAll();
    errors = ctx.errors();
  }
  const int64_t end_ns = CountCall(*cmd, timing, start_ns, errors, latency_tracking(), latency_monitor_);
  if (clock != nullptr) clock->end_ns = end_ns;
}

bool Engine::LookaheadKey(int db, absl::Span<const std::string_view> argv, uint64_t skip_hash, Lookahead* out) {
  *out = Lookahead{};
  if (argv.empty()) return false;
  const Command* cmd = commands_.Find(argv[0]);
  if (cmd == nullptr || cmd->is_container() || cmd->dispatch_keys() != Command::DispatchKeys::kTriple) return false;
  const int one = cmd->SingleKeyIndex(static_cast<int>(argv.size()));
  if (one <= 0 || db < 0 || db >= options_.databases) return false;
  out->command = cmd;
  out->hash = KeyHash(argv[static_cast<size_t>(one)]);
  out->shard = ShardId(db, out->hash);
  out->fetch = out->hash != skip_hash;
  if (out->fetch) shards_[out->shard]->PrefetchEarly(out->hash);
  return true;
}

void Engine::PrefetchSlot(const Lookahead& key) {
  if (!key.fetch) return;
  Shard& shard = *shards_[key.shard];
  if (!shard.lock().try_lock()) return;
  shard.PrefetchSlot(key.hash);
  shard.lock().unlock();
}

void Engine::ExecuteHeld(Session& session, const Command* found, absl::Span<const std::string_view> argv,
                         protocol::ReplyWriter& reply, HeldCall& call) {
  if (argv.empty()) return;
  const Command* cmd = found;
  if (cmd != nullptr && cmd->is_container()) {
    cmd = argv.size() >= 2 ? cmd->FindSubcommand(argv[1]) : nullptr;
    if (cmd == nullptr && argv.size() < 2) {
      Reject(reply, "ERR Wrong number of args calling Redis command from script");
      return;
    }
  }
  if (cmd == nullptr || cmd->spec().handler == nullptr) {
    Reject(reply, "ERR Unknown Redis command called from script");
    return;
  }
  const CommandSpec& spec = cmd->spec();
  if (!cmd->ArityOk(argv.size())) {
    cmd->stats().Add(CommandStats::kRejectedCalls, 1);
    Reject(reply, "ERR Wrong number of args calling Redis command from script");
    return;
  }
  if ((spec.flags & kNoScript) && !call.transaction) {
    Reject(reply, "ERR This Redis command is not allowed from script");
    return;
  }
  if ((spec.flags & kWrite) && call.read_only) {
    Reject(reply, "ERR Write commands are not allowed from read-only scripts.");
    return;
  }
  // Over maxmemory a script's first kDenyOom call is refused; once it wrote it
  // runs to its end (atomicity). EXEC was checked as a whole before it ran.
  if ((spec.flags & kDenyOom) && !call.wrote && !call.transaction &&
      over_maxmemory_.load(std::memory_order_relaxed)) {
    Reject(reply, kOomError);
    return;
  }
  if (authorizer_ != nullptr) {  // ACLs (rules may have changed since MULTI queued it)
    std::string denied;
    if (!authorizer_->Allow(session, *cmd, argv,
                            call.transaction ? Authorizer::Context::kExec : Authorizer::Context::kScript, &denied)) {
      Reject(reply, denied);
      return;
    }
  }
  if (((spec.flags & kNoKeyLock) || cmd->ReadsUnnamedKeys(argv)) && !call.all_shards) {
    Reject(reply,
           "ERR This command may touch any key: a script can run it only with "
           "lua-allow-undeclared-keys yes");
    return;
  }
  // The caller's frozen time (HeldCall::now_ms) spares the clock read for `now`.
  const CallTiming timing = SampleTiming(spec, time_every_call_.load(std::memory_order_relaxed));
  const bool logged = call_observer_ != nullptr && call_observer_->Enabled();
  int64_t start_ns = timing.timed || logged ? RealtimeNs() : 0;
  int64_t now_ms = call.now_ms;
  if (now_ms == 0 && options_.clock) {
    now_ms = options_.clock();
  } else if (now_ms == 0) {
    if (start_ns == 0) start_ns = RealtimeNs();
    now_ms = start_ns / 1000000;
  }
  int errors;
  {
    CommandContext ctx(*this, session, argv, reply, *cmd, now_ms);
    if (cmd->dispatch_keys() != Command::DispatchKeys::kNone) {
      // Every key the row's specs name (numkeys keys included) must be
      // declared and held; the first one that is not refuses the call.
      int refused = -1;
      cmd->ForEachKeyIndex(argv, [&](int i) {
        if (refused >= 0) return;
        std::string_view key = argv[static_cast<size_t>(i)];
        const uint64_t h = KeyHash(key);
        bool allowed = call.any_key;
        if (!allowed && session.db == call.declared_db) {
          for (std::string_view k : call.declared_keys) allowed = allowed || k == key;
        }
        if (!allowed || !std::binary_search(call.held.begin(), call.held.end(), ShardId(session.db, h))) {
          refused = i;
          return;
        }
        ctx.RememberKeyHash(key, h);
      });
      if (refused >= 0) {
        std::string msg = "ERR Script attempted to access key '";
        msg.append(argv[static_cast<size_t>(refused)].substr(0, 128))
            .append("' not declared in KEYS (declare it, or set lua-allow-undeclared-keys yes)");
        Reject(reply, msg);
        return;
      }
    }
    ctx.AdoptHeld(call.held);
    if (spec.flags & kWrite) call.wrote = true;
    const bool was_no_block = session.no_block;
    session.no_block = true;  // a script never parks: blocking commands answer as on no data
    if (logged && (spec.flags & kSkipMonitor)) call_observer_->Starting(session, *cmd, argv, !call.transaction);
    spec.handler(ctx);
    session.no_block = was_no_block;
    if (session.tracking != 0 && (spec.flags & kReadOnly)) keyspace_events_.tracker()->Read(session, *cmd, argv);
    ctx.ReleaseAll();
    errors = ctx.errors();
  }
  int64_t end_ns = CountCall(*cmd, timing, start_ns, errors, latency_tracking(), latency_monitor_);
  if (logged) {
    if (end_ns == 0) end_ns = RealtimeNs();
    call_observer_->Nested(session, *cmd, argv, std::max<int64_t>(0, end_ns - start_ns) / 1000, !call.transaction);
  }
}

void Engine::SetShardsBusy(absl::Span<const uint32_t> ids, bool busy) {
  if (ids.empty()) return;  // a script holding no shard keeps nothing waiting
  for (uint32_t id : ids) {
    if (busy) {
      shard_busy_[id].fetch_add(1, std::memory_order_acq_rel);
    } else {
      shard_busy_[id].fetch_sub(1, std::memory_order_acq_rel);
    }
  }
  busy_scripts_.fetch_add(busy ? 1 : -1, std::memory_order_relaxed);
}

std::string Engine::Execute(const std::vector<std::string>& argv) {
  Session session;
  return Execute(session, argv);
}

std::string Engine::Execute(Session& session, const std::vector<std::string>& argv) {
  absl::InlinedVector<std::string_view, 8> views(argv.begin(), argv.end());
  protocol::OutputBuffer out;
  protocol::ReplyWriter writer(&out, session.resp);
  Execute(session, absl::MakeConstSpan(views), writer);
  return out.ToString();
}

void Engine::SetChangeObserver(ChangeObserver observer, bool coalesce) {
  observer_ = std::move(observer);
  for (auto& s : shards_) {
    std::lock_guard<SpinLock> lock(s->lock());
    s->set_recording(static_cast<bool>(observer_), coalesce);
    if (!observer_) s->ClearChanges();
  }
}

void Engine::FlushChanges(Shard& shard) {
  if (!shard.has_changes()) return;
  if (observer_) {
    // Reused per thread: this runs at the end of every write command.
    thread_local std::vector<KeyChange> changes;
    shard.CollectChanges(&changes);
    observer_(ChangeSet{shard.db(), shard.index(), shard, absl::MakeConstSpan(changes)});
  }
  shard.ClearChanges();
}

void Engine::CountError(std::string_view msg) {
  total_errors_.fetch_add(1, std::memory_order_relaxed);
  if (!msg.empty() && msg[0] == '-') msg.remove_prefix(1);
  std::string_view code = msg.substr(0, msg.find(' '));
  absl::MutexLock lock(&errors_mu_);
  for (auto& [name, count] : error_stats_) {
    if (name == code) {
      ++count;
      return;
    }
  }
  if (error_stats_.size() < kErrorStatsLimit) error_stats_.emplace_back(std::string(code), 1);
}

std::vector<std::pair<std::string, uint64_t>> Engine::ErrorStats() const {
  absl::MutexLock lock(&errors_mu_);
  return error_stats_;
}

EngineCounters Engine::counters() const {
  EngineCounters c;
  for (const auto& s : shards_) {
    c.expired_keys += s->expired();
    c.keyspace_hits += s->hits();
    c.keyspace_misses += s->misses();
  }
  for (const Command* cmd : commands_.commands()) {
    c.total_commands += cmd->stats().Get(CommandStats::kCalls);
    for (const Command* sub : cmd->subcommands()) {
      c.total_commands += sub->stats().Get(CommandStats::kCalls);
    }
  }
  c.total_error_replies = total_errors_.load(std::memory_order_relaxed);
  return c;
}

void Engine::ResetStats() {
  commands_.ResetStats();
  {
    absl::MutexLock lock(&errors_mu_);
    error_stats_.clear();
  }
  total_errors_.store(0, std::memory_order_relaxed);
  for (auto& s : shards_) s->ResetStats();
}

KeyspaceInfo Engine::GetKeyspaceInfo(int db) const {
  KeyspaceInfo info;
  if (db < 0 || db >= options_.databases) return info;
  const int64_t now = NowMs();
  double weighted = 0;
  for (uint32_t i = 0; i < shards_per_db_u_; ++i) {
    Shard& s = *shards_[static_cast<size_t>(db) * shards_per_db_u_ + i];
    info.keys += s.size();
    size_t expires = s.expires();
    info.expires += expires;
    if (expires == 0) continue;
    std::lock_guard<SpinLock> lock(s.lock());
    weighted += static_cast<double>(s.AverageTtlSample(20, now)) * static_cast<double>(expires);
  }
  if (info.expires > 0) info.avg_ttl_ms = static_cast<int64_t>(weighted / static_cast<double>(info.expires));
  return info;
}

uint64_t Engine::Random() {
  uint64_t z = random_state_.fetch_add(0x9e3779b97f4a7c15ULL, std::memory_order_relaxed);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

ExpireCycleResult Engine::ActiveExpireCycle(absl::Duration budget) {
  // Redis: ACTIVE_EXPIRE_CYCLE_KEYS_PER_LOOP (20) and an acceptable stale ratio of 10%.
  constexpr int kSamples = 20;
  ExpireCycleResult result;
  const int64_t deadline = absl::GetCurrentTimeNanos() + absl::ToInt64Nanoseconds(budget);
  const int64_t now = NowMs();
  const uint64_t total = shards_.size();
  const uint64_t start = expire_cursor_.load(std::memory_order_relaxed) % total;
  uint64_t visited = 0;
  for (; visited < total; ++visited) {
    Shard& s = *shards_[(start + visited) % total];
    if (s.expires() == 0) continue;
    std::lock_guard<SpinLock> lock(s.lock());
    for (;;) {
      auto [sampled, expired] = s.ActiveExpire(kSamples, now, Random());
      result.sampled += static_cast<uint64_t>(sampled);
      result.expired += static_cast<uint64_t>(expired);
      if (sampled == 0 || expired * 10 <= sampled) break;
      if (absl::GetCurrentTimeNanos() >= deadline) {
        result.timed_out = true;
        break;
      }
    }
    FlushChanges(s);
    if (result.timed_out || absl::GetCurrentTimeNanos() >= deadline) {
      result.timed_out = result.timed_out || visited + 1 < total;
      ++visited;
      break;
    }
  }
  expire_cursor_.store((start + visited) % total, std::memory_order_relaxed);
  // activeExpireCycle's latencyAddSampleIfNeeded("expire-cycle", elapsed/1000).
  const int64_t elapsed_ns = absl::GetCurrentTimeNanos() - (deadline - absl::ToInt64Nanoseconds(budget));
  latency_monitor_.Sample("expire-cycle", elapsed_ns / 1000000);
  return result;
}

// Two CONFIG SETs at once must not leave time_every_call_ stale (a tracked
// kFast call would then go unrecorded): the setters are serialized.
namespace {
std::mutex latency_setters_mu;
}  // namespace

void Engine::SetLatencyTracking(bool on) {
  std::lock_guard<std::mutex> lock(latency_setters_mu);
  latency_tracking_.store(on, std::memory_order_relaxed);
  time_every_call_.store(on || latency_monitor_.threshold_ms() != 0, std::memory_order_relaxed);
}

void Engine::SetLatencyMonitorThreshold(int64_t ms) {
  std::lock_guard<std::mutex> lock(latency_setters_mu);
  latency_monitor_.set_threshold_ms(ms);
  time_every_call_.store(ms != 0 || latency_tracking(), std::memory_order_relaxed);
}

}  // namespace stockd::engine
