// engine/lua/lua_state.h — one sandboxed Lua 5.1 interpreter: Redis's script
// environment (redis.*, bit, cjson, cmsgpack, struct, protected globals),
// compiled scripts cached by SHA1, and the run of one script at a time.
//
// Contract:
//  * Not thread-safe: Scripting hands a state to one script run at a time
//    (one state per runtime processor; a script never parks).
//  * Sandbox as Redis 7.0: base (without dofile, loadfile, print, getfenv,
//    setfenv, newproxy), table, string, math, coroutine, bit, cjson,
//    cmsgpack, struct; no os, io, require, debug. Globals are read-only:
//    reading a missing one raises "Script attempted to access nonexistent
//    global variable 'x'", writing one (or a field of `redis` or of any
//    library, also through rawset or strings' metatable) "Attempt to modify a
//    readonly table": no script changes what the next one runs with.
//  * Error replies carry Redis 7.0's texts: "ERR user_script:1: msg script:
//    <sha>, on @user_script:1." for runtime errors, the command's error plus
//    " script: ..." for a failing redis.call, "ERR Error compiling script
//    (new function): user_script:1: ..." for syntax errors.
//  * No C++ object with a destructor lives in a frame that raises a Lua error
//    (Lua 5.1 unwinds with longjmp).
//  * The interpreter runs on the state's own 8 MiB stack (runtime/side_stack.h),
//    not on the caller's 64 KiB fiber stack: how deep Lua's C recursion goes
//    (nested pcall, parsing, cjson.decode) is the script's choice, and Lua's
//    own limits (LUAI_MAXCCALLS, "C stack overflow") must be reached first.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/types/span.h"
#include "protocol/output_buffer.h"
#include "protocol/reply_writer.h"
#include "runtime/side_stack.h"

struct lua_State;

namespace stockd::engine {
class Command;
class Engine;
}  // namespace stockd::engine

namespace stockd::engine::lua {

struct ScriptRun;

class LuaState {
 public:
  LuaState();
  ~LuaState();
  LuaState(const LuaState&) = delete;
  LuaState& operator=(const LuaState&) = delete;

  lua_State* L() const { return L_; }

  // Compiles `body` (chunk name "@user_script") and caches it under `sha`
  // unless cached already. generation: Scripting's script-cache generation;
  // a new one (SCRIPT FLUSH) empties this state's cache first. On a syntax
  // error returns false with *error = the reply line.
  bool Compile(std::string_view sha, std::string_view body, uint64_t generation,
               std::string* error, bool* compiled_now = nullptr);
  // Whether `sha` is compiled here at `generation` (then the shared cache has it).
  bool HasCompiled(std::string_view sha, uint64_t generation);
  // EVAL's fast path, so that a body seen before is not hashed again: the sha
  // of `body` if RememberBody recorded it at `generation` (compiled here), else
  // nullptr. The pointer is valid until the next call on this state.
  const std::string* ShaOfBody(std::string_view body, uint64_t generation) const;
  // REQUIRES: `sha` = Sha1Hex(body), compiled here at the current generation.
  void RememberBody(std::string_view body, std::string_view sha);
  // Runs the cached script `sha` with KEYS/ARGV, replying through `reply`
  // (*error_reply = the error line written, empty if none: the caller counts it).
  void RunScript(ScriptRun& run, std::string_view sha, absl::Span<const std::string_view> keys,
                 absl::Span<const std::string_view> args, protocol::ReplyWriter& reply,
                 std::string* error_reply);

  // Function libraries (FUNCTION LOAD): runs a library's code with
  // redis.register_function available, collecting its functions into the
  // registry under `library`. On error returns false with *error set.
  struct FunctionInfo {
    std::string name;
    uint32_t flags = 0;  // Scripting::kNoWrites, ...
    std::string description;
  };
  bool LoadLibrary(const std::string& library, std::string_view code,
                   std::vector<FunctionInfo>* functions, std::string* error);
  // Drops a library's functions (FUNCTION DELETE / FLUSH / REPLACE).
  void UnloadLibrary(const std::string& library);
  bool HasLibrary(const std::string& library, uint64_t version);
  void SetLibraryVersion(const std::string& library, uint64_t version);
  // Runs function `name` of `library` as FCALL does.
  void RunFunction(ScriptRun& run, const std::string& library, const std::string& name,
                   absl::Span<const std::string_view> keys, absl::Span<const std::string_view> args,
                   protocol::ReplyWriter& reply, std::string* error_reply);

  ScriptRun* current() const { return current_; }

  // Calls from the Lua side (lua_state.cc's C functions).
  // redis.call / redis.pcall: runs argv through the engine and pushes the reply.
  // Returns true when the pushed value is an error table that must be raised.
  bool CallCommand(bool raise);

 private:
  void CallPushed(ScriptRun& run, absl::Span<const std::string_view> keys,
                  absl::Span<const std::string_view> args, protocol::ReplyWriter& reply,
                  std::string* error_reply);
  // KEYS / ARGV: a run refills the previous run's table in place (no new
  // table, no garbage) unless that run changed its shape; see ReleaseArgTable.
  struct ArgTable {
    const char* name;
    int ref = -2;   // LUA_NOREF: none yet
    int len = 0;    // the items the last fill wrote
  };
  void SetGlobalArray(ArgTable& t, absl::Span<const std::string_view> items);
  // The command redis.call(name, ...) runs (null: unknown); remembered for the
  // last few names, since a script calls a handful of commands over and over.
  // (What a script may not run — Redis's noscript rows: BLPOP, BLMOVE, ... —
  // the engine refuses, ExecuteHeld.)
  const Command* ResolveCommand(const Engine& engine, std::string_view name);
  struct NameVerdict {
    char name[24];
    size_t len = SIZE_MAX;  // SIZE_MAX: empty
    const Command* cmd = nullptr;
  };
  std::array<NameVerdict, 8> verdicts_{};
  size_t next_verdict_ = 0;
  // After a run: drops the table if the script gave it a metatable or keys
  // other than 1..len, so no run sees what an earlier one left there.
  void CheckArgTable(ArgTable& t);
  ArgTable keys_table_{"KEYS"};
  ArgTable argv_table_{"ARGV"};

  runtime::SideStack stack_;  // where every call into Lua runs (see the contract)
  lua_State* L_ = nullptr;
  int globals_ref_ = -2;   // the real globals table (the scripts see a read-only proxy)
  int scripts_ref_ = -2;   // the compiled scripts, at the integer refs of fn_refs_
  absl::flat_hash_map<std::string, int> fn_refs_;  // sha -> ref in scripts_ref_'s table
  int errh_ref_ = -2;      // the error handler adding source/line (Redis's __redis__err__handler)
  int libraries_ref_ = -2;  // library -> {function name -> callback}
  uint64_t generation_ = 0;
  // body -> sha of the scripts compiled at generation_ (a cache: bounded by
  // kMaxRememberedBodies, emptied when full or on a new generation).
  absl::flat_hash_map<std::string, std::string> sha_by_body_;
  // redis.call's reply buffer, reused (its 16 KiB chunk stays allocated);
  // reply_in_use_ guards a nested call, which gets a buffer of its own.
  protocol::OutputBuffer reply_out_;
  bool reply_in_use_ = false;
  ScriptRun* current_ = nullptr;
  std::vector<std::pair<std::string, uint64_t>> library_versions_;
  // FUNCTION LOAD in progress: where redis.register_function records.
  std::vector<FunctionInfo>* registering_ = nullptr;
  std::string registering_library_;
  friend int RegisterFunction(lua_State* L);
};

}  // namespace stockd::engine::lua
