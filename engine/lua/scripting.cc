// engine/lua/scripting.cc — script runs, the script cache, states per P,
// KILL, and the function-library catalog (see scripting.h).
#include "engine/lua/scripting.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/time/clock.h"
#include "engine/args.h"
#include "engine/lua/scripting_lease.h"
#include "engine/lua/sha1.h"
#include "runtime/blocking.h"

namespace stockd::engine::lua {

Scripting::Scripting(Engine& engine)
    : engine_(engine),
      threshold_ms_(engine.options().busy_reply_threshold_ms),
      allow_undeclared_(engine.options().lua_allow_undeclared_keys),
      slots_(new Slot[kMaxProcs]) {}

Scripting::~Scripting() = default;

bool Scripting::LoadScript(std::string_view body, std::string* sha, std::string* error) {
  *sha = Sha1Hex(body);
  {
    Lease lease(*this);
    if (!lease.state().Compile(*sha, body, generation_.load(std::memory_order_acquire), error)) {
      return false;
    }
  }
  std::lock_guard<std::mutex> lock(cache_mu_);
  scripts_.try_emplace(*sha, std::string(body));
  return true;
}

bool Scripting::ScriptExists(std::string_view sha) const {
  std::string lower(sha);
  for (char& c : lower) c = absl::ascii_tolower(c);
  std::lock_guard<std::mutex> lock(cache_mu_);
  return scripts_.contains(lower);
}

void Scripting::FlushScripts() {
  std::lock_guard<std::mutex> lock(cache_mu_);
  scripts_.clear();
  generation_.fetch_add(1, std::memory_order_acq_rel);
}

size_t Scripting::ScriptCount() const {
  std::lock_guard<std::mutex> lock(cache_mu_);
  return scripts_.size();
}

namespace {

// Parses numkeys at argv[2]; replies the error and returns -1 when invalid.
int ParseNumKeys(CommandContext& ctx) {
  int64_t n;
  if (!ParseInt64Arg(ctx.argv[2], &n)) {
    ctx.Error("ERR value is not an integer or out of range");
    return -1;
  }
  if (n < 0) {
    ctx.Error("ERR Number of keys can't be negative");
    return -1;
  }
  if (n > static_cast<int64_t>(ctx.argv.size()) - 3) {
    ctx.Error("ERR Number of keys can't be greater than number of args");
    return -1;
  }
  return static_cast<int>(n);
}

}  // namespace

void Scripting::Run(CommandContext& ctx, bool read_only, bool is_function, const std::string_view& name,
                    int numkeys, absl::FunctionRef<bool(LuaState&)> prepare,
                    absl::FunctionRef<void(LuaState&, ScriptRun&, std::string*)> body) {
  auto keys = ctx.argv.subspan(3, static_cast<size_t>(numkeys));
  // Back-pressure before locks (storage's write gate), unless nothing may be written.
  WriteGate* gate = !read_only && !ctx.session.no_block ? engine_.write_gate() : nullptr;
  if (gate != nullptr) {
    std::string gate_error;
    if (!gate->Reserve(&gate_error)) {
      ctx.Error(gate_error);
      return;
    }
  }
  struct GateRelease {
    WriteGate* gate;
    ~GateRelease() {
      if (gate != nullptr) gate->Release();
    }
  } gate_release{gate};

  ScriptRun run;
  run.engine = &engine_;
  run.is_function = is_function;
  run.inner.db = ctx.session.db;
  run.inner.client_id = ctx.session.client_id;
  run.inner.owner = ctx.session.owner;
  run.inner.no_block = true;
  run.inner.in_script = true;
  run.inner.tracking = ctx.session.tracking;  // its reads are the caller's (client-side caching)
  run.call.read_only = read_only;
  run.call.declared_db = ctx.session.db;
  run.call.declared_keys = keys;
  run.call.now_ms = ctx.now_ms;  // time stands still during the script (Redis 7)
  const bool exclusive = allow_undeclared_keys();
  run.call.any_key = exclusive;
  run.call.all_shards = exclusive;
  absl::InlinedVector<uint32_t, 8> ids;
  if (exclusive) {
    for (uint32_t i = 0; i < engine_.total_shards(); ++i) ids.push_back(i);
  } else {
    for (std::string_view k : keys) ids.push_back(engine_.ShardId(ctx.session.db, KeyHash(k)));
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  }
  {
    // Locks first, then this P's Lua state: LockShardIdsUnlessBusy may let the
    // P's other fibers run while another processor holds a shard (a hot key),
    // and an EVAL among them would find the P's state leased and make a new
    // one for the pool (hundreds of µs, and a mutex shared by the processors).
    // So a P's first script (creating its state) and first runs of a script
    // (compiling it) do that work under the locks; later runs find both ready.
    if (!ctx.LockShardIdsUnlessBusy(ids)) {
      ctx.Error("BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.");
      return;
    }
    Lease lease(*this);
    if (!prepare(lease.state())) return;  // (the dispatcher releases the shards)
    run.name = name;
    run.call.held = absl::MakeConstSpan(ids);
    run.start_ns = absl::GetCurrentTimeNanos();
    run.threshold_ns = std::max<int64_t>(busy_threshold_ms(), 0) * 1000000;
    lease.Register(&run);
    std::string error_reply;
    body(lease.state(), run, &error_reply);
    lease.Unregister(&run);
    if (run.busy.load(std::memory_order_acquire)) engine_.SetShardsBusy(run.call.held, false);
    // Already written by the state; count it as ctx.Error would have.
    if (!error_reply.empty()) engine_.CountError(error_reply);
    ctx.session.ack_order_id = std::max(ctx.session.ack_order_id, run.inner.ack_order_id);
    if (run.handed_off) ctx.ReleaseAll();  // before waiting for a P: never wait holding shards
  }
  // Otherwise the shards stay locked in ctx until the dispatcher releases them.
  if (run.handed_off) runtime::detail::BlockingExit();
}

void Scripting::Eval(CommandContext& ctx, bool by_sha, bool read_only) {
  const int numkeys = ParseNumKeys(ctx);
  if (numkeys < 0) return;
  // The common case touches no shared structure and hashes nothing: this P's
  // state has the body (EVAL) or the sha (EVALSHA) compiled already at the
  // current generation, so the shared cache has it too. Otherwise EVALSHA
  // looks the body up and EVAL adds it.
  // sha views the state's copy (EVAL seen before), sha_buf (EVALSHA's
  // lowercased argument) or sha_storage: no allocation on the common paths.
  std::string_view sha;
  char sha_buf[64];
  std::string sha_storage;
  std::string_view body;
  std::string cached_body;
  if (by_sha) {
    std::string_view arg = ctx.argv[1];
    char* out = sha_buf;
    if (arg.size() > sizeof(sha_buf)) {
      sha_storage.resize(arg.size());
      out = sha_storage.data();
    }
    for (size_t i = 0; i < arg.size(); ++i) out[i] = absl::ascii_tolower(static_cast<unsigned char>(arg[i]));
    sha = std::string_view(out, arg.size());
  } else {
    body = ctx.argv[1];
  }
  const uint64_t generation = generation_.load(std::memory_order_acquire);
  auto prepare = [&](LuaState& state) {
    if (!by_sha) {
      // SHA-1 of a few hundred bytes costs more than the rest of a small
      // script's run; a body this state has run maps to its sha directly
      // (the view stays valid: nothing else uses this state during the run).
      if (const std::string* known = state.ShaOfBody(body, generation)) {
        sha = *known;
        return true;
      }
      sha_storage = Sha1Hex(body);
      sha = sha_storage;
    }
    if (state.HasCompiled(sha, generation)) {
      if (!by_sha) state.RememberBody(body, sha);
      return true;
    }
    if (by_sha) {
      std::lock_guard<std::mutex> lock(cache_mu_);
      auto it = scripts_.find(absl::string_view(sha.data(), sha.size()));
      if (it == scripts_.end()) {
        ctx.Error("NOSCRIPT No matching script. Please use EVAL.");
        return false;
      }
      cached_body = it->second;
      body = cached_body;
    }
    std::string error;
    bool compiled_now = false;
    if (!state.Compile(sha, body, generation, &error, &compiled_now)) {
      ctx.Error(error);
      return false;
    }
    if (!by_sha) {
      state.RememberBody(body, sha);
      if (compiled_now) {
        std::lock_guard<std::mutex> lock(cache_mu_);
        scripts_.try_emplace(std::string(sha), std::string(body));
      }
    }
    return true;
  };
  Run(ctx, read_only, false, sha, numkeys, prepare, [&](LuaState& state, ScriptRun& run, std::string* err) {
    state.RunScript(run, sha, ctx.argv.subspan(3, static_cast<size_t>(numkeys)),
                    ctx.argv.subspan(3 + static_cast<size_t>(numkeys)), ctx.reply, err);
  });
}

void Scripting::ForEachRun(const std::function<void(ScriptRun&)>& fn) {
  for (int i = 0; i < kMaxProcs; ++i) {
    std::lock_guard<std::mutex> lock(slots_[i].run_mu);
    if (slots_[i].run != nullptr) fn(*slots_[i].run);
  }
  std::lock_guard<std::mutex> lock(runs_mu_);
  for (ScriptRun* run : runs_) fn(*run);
}

std::string Scripting::Kill(bool functions) {
  bool any_busy = false;
  bool killed = false;
  ForEachRun([&](ScriptRun& run) {
    if (run.is_function != functions || !run.busy.load(std::memory_order_acquire)) return;
    any_busy = true;
    if (!run.wrote.load(std::memory_order_relaxed)) {
      run.kill.store(true, std::memory_order_release);
      killed = true;
    }
  });
  if (killed) return "";
  if (!any_busy) {
    return functions ? "NOTBUSY No scripts in execution right now."
                     : "NOTBUSY No scripts in execution right now.";
  }
  return "UNKILLABLE Sorry the script already executed write commands against the dataset. "
         "You can either wait the script termination or kill the server in a hard way using "
         "the SHUTDOWN NOSAVE command.";
}

std::vector<std::pair<std::string, int64_t>> Scripting::RunningScripts() {
  std::vector<std::pair<std::string, int64_t>> out;
  const int64_t now = absl::GetCurrentTimeNanos();
  ForEachRun([&](ScriptRun& run) { out.emplace_back(run.name, (now - run.start_ns) / 1000000); });
  return out;
}

}  // namespace stockd::engine::lua
