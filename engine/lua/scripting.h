// engine/lua/scripting.h — the engine's scripting service: EVAL/EVALSHA/FCALL
// runs, the script cache (SHA1 -> body, shared by every connection), one Lua
// state per runtime processor, function libraries, busy scripts and KILL.
//
// Contract:
//  * Atomicity: a script locks the shards of its declared KEYS (session db),
//    once, in ascending order, before it starts, and holds them until it
//    returns; its redis.call commands run through Engine::ExecuteHeld without
//    re-locking. A key not in KEYS is an error — unless
//    lua-allow-undeclared-keys is yes: then every script locks every shard
//    (runs exclusively), since which keys a script touches is known only as
//    it runs.
//  * States: one per P (runtime::detail::CurrentProcIndex()); a script never
//    parks, so it keeps its P and its state for the whole run. Callers off the
//    runtime (tests, embedding) borrow a state from a mutex-guarded pool.
//    Compiled scripts are cached per state; SCRIPT FLUSH bumps a generation
//    that every state checks before its next run.
//  * busy-reply-threshold: a Lua count hook checks the elapsed time; past the
//    threshold the script marks its shards busy (Engine::SetShardsBusy), so
//    commands on them answer -BUSY instead of spinning, and SCRIPT KILL /
//    FUNCTION KILL may stop it unless it has written (UNKILLABLE). Scripts on
//    other shards run on.
//  * A script running longer than kHandOffNs hands its P to another M (as
//    Blocking() does), so the fibers queued on that P — other clients — are
//    not stuck behind it; it takes a P back only after releasing its locks.
//  * Thread-safe.
#pragma once

#include <atomic>
#include <functional>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/synchronization/mutex.h"
#include "engine/engine.h"
#include "engine/lua/lua_state.h"

namespace stockd::engine::lua {

// One script or function run in progress.
struct ScriptRun {
  Engine* engine = nullptr;
  Session inner;                // the session its commands run with (db, resp)
  HeldCall call;                // the held shards and the key rules
  // The sha (EVAL) or function name (FCALL), for error texts; the caller's
  // string, which outlives the run.
  std::string_view name;
  bool is_function = false;
  int64_t start_ns = 0;
  int64_t threshold_ns = 0;     // busy-reply-threshold
  std::atomic<bool> busy{false};   // past the threshold, shards marked busy
  std::atomic<bool> kill{false};   // SCRIPT KILL / FUNCTION KILL asked
  std::atomic<bool> wrote{false};  // a write command ran: not killable
  // Set by the hook once the script ran kHandOffNs: its P was handed to another
  // M (runtime::detail::BlockingEnter) so the P's other fibers run on while
  // this thread finishes the script; Run takes a P back after unlocking.
  bool handed_off = false;
};

// How long a script runs on its P before handing the P away (see ScriptRun).
inline constexpr int64_t kHandOffNs = 2'000'000;

// Function flags (redis.register_function{flags = {...}}).
enum FunctionFlag : uint32_t {
  kNoWrites = 1u << 0,
  kAllowOom = 1u << 1,
  kAllowStale = 1u << 2,
  kNoCluster = 1u << 3,
  kAllowCrossSlotKeys = 1u << 4,
};

// A library as FUNCTION LIST / DUMP show it (and storage persists it).
struct LibraryInfo {
  std::string name;
  std::string engine = "LUA";
  std::string code;
  std::vector<LuaState::FunctionInfo> functions;
};

class Scripting {
 public:
  explicit Scripting(Engine& engine);
  ~Scripting();

  // --- script cache (SCRIPT LOAD / EXISTS / FLUSH) ---
  // Compiles body (to check it) and caches it; returns its sha, or false with
  // *error the reply line.
  bool LoadScript(std::string_view body, std::string* sha, std::string* error);
  bool ScriptExists(std::string_view sha) const;
  void FlushScripts();
  size_t ScriptCount() const;

  // EVAL / EVALSHA / EVAL_RO / EVALSHA_RO: ctx.argv = name, script-or-sha,
  // numkeys, keys..., args... Replies through ctx.
  void Eval(CommandContext& ctx, bool by_sha, bool read_only);
  // FCALL / FCALL_RO: name, function, numkeys, keys..., args...
  void FCall(CommandContext& ctx, bool read_only);

  // SCRIPT KILL / FUNCTION KILL: "OK", "NOTBUSY ..." or "UNKILLABLE ..."
  // (empty string = OK).
  std::string Kill(bool functions);

  // --- function libraries ---
  // FUNCTION LOAD [REPLACE]: code starts with "#!lua name=<lib>". Returns the
  // library name or false with *error.
  bool LoadLibrary(std::string_view code, bool replace, std::string* name, std::string* error);
  bool DeleteLibrary(std::string_view name);
  void FlushLibraries();
  std::vector<LibraryInfo> Libraries() const;  // sorted by name
  // FUNCTION RESTORE policies.
  enum class RestorePolicy { kAppend, kReplace, kFlush };
  bool RestoreLibraries(const std::vector<std::string>& codes, RestorePolicy policy,
                        std::string* error);
  // Bumped by every change of the catalog (LOAD, DELETE, FLUSH, RESTORE):
  // storage persists Libraries() when it moved since its last save and
  // restores them with RestoreLibraries(codes, kReplace) at start-up.
  uint64_t libraries_version() const { return libraries_changes_.load(std::memory_order_acquire); }
  // Running scripts/functions for FUNCTION STATS: (name, ms).
  std::vector<std::pair<std::string, int64_t>> RunningScripts();

  // Runtime configuration (CONFIG SET busy-reply-threshold / lua-allow-undeclared-keys).
  void set_busy_threshold_ms(int64_t ms) { threshold_ms_.store(ms, std::memory_order_relaxed); }
  int64_t busy_threshold_ms() const { return threshold_ms_.load(std::memory_order_relaxed); }
  void set_allow_undeclared_keys(bool on) { allow_undeclared_.store(on, std::memory_order_relaxed); }
  bool allow_undeclared_keys() const { return allow_undeclared_.load(std::memory_order_relaxed); }

 private:
  struct Slot;
  // Borrows the state of the caller's P (or a pooled one off the runtime).
  class Lease;
  // prepare runs with the state once the shards are locked (false: it
  // replied an error, stop); then body runs.
  // `name` is read only after prepare (EVAL learns the sha there).
  void Run(CommandContext& ctx, bool read_only, bool is_function, const std::string_view& name,
           int numkeys, absl::FunctionRef<bool(LuaState&)> prepare,
           absl::FunctionRef<void(LuaState&, ScriptRun&, std::string*)> body);
  // Calls fn for every run in progress. REQUIRES: fn does not block.
  void ForEachRun(const std::function<void(ScriptRun&)>& fn);
  bool ParseLibrary(std::string_view code, LibraryInfo* lib, std::string* error);

  Engine& engine_;
  std::atomic<int64_t> threshold_ms_;
  std::atomic<bool> allow_undeclared_;

  // std::mutex, not absl::Mutex, for these three: Debian's abseil is built
  // without TSan annotations, so TSan cannot see absl::Mutex and reports races.
  mutable std::mutex cache_mu_;
  absl::flat_hash_map<std::string, std::string> scripts_;  // guarded by cache_mu_
  std::atomic<uint64_t> generation_{1};

  // Per-P slots (created lazily) and the pool for callers off the runtime.
  static constexpr int kMaxProcs = 256;
  std::unique_ptr<Slot[]> slots_;
  std::mutex pool_mu_;
  std::vector<std::unique_ptr<LuaState>> pool_;

  // Runs on pooled states (per-P runs are registered in their Slot).
  mutable std::mutex runs_mu_;
  std::vector<ScriptRun*> runs_;  // guarded by runs_mu_

  mutable std::mutex libs_mu_;  // guards the library and function maps below
  std::map<std::string, LibraryInfo> libraries_;
  // function name -> (library, flags)
  absl::flat_hash_map<std::string, std::pair<std::string, uint32_t>> functions_;
  std::map<std::string, uint64_t> lib_versions_;
  uint64_t next_lib_version_ = 1;
  std::atomic<uint64_t> libraries_changes_{0};
};

}  // namespace stockd::engine::lua
