// engine/lua/lua_state.cc — the sandboxed interpreter (see lua_state.h).
#include "engine/lua/lua_state.h"

#include <dlfcn.h>

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

extern "C" {
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
}

#include "absl/time/clock.h"
#include "engine/args.h"
#include "engine/lua/lua_cmsgpack.h"
#include "engine/lua/lua_convert.h"
#include "engine/lua/lua_struct.h"
#include "engine/lua/scripting.h"
#include "engine/lua/sha1.h"
#include "protocol/output_buffer.h"
#include "runtime/blocking.h"
#include "runtime/log.h"

namespace stockd::engine::lua {
namespace {

// The hook runs every kHookInstructions VM instructions: often enough to
// notice busy-reply-threshold and SCRIPT KILL within a millisecond or so.
constexpr int kHookInstructions = 10000;

constexpr const char* kStateKey = "stockd.state";  // registry: LuaState* (light userdata)

// Redis 7.0's __redis__err__handler: records where the error happened and
// turns a string error into {err = "ERR " .. msg}.
constexpr const char* kErrorHandler = R"(
local dbg = ...
return function(err)
  local i = dbg.getinfo(2, 'nSl')
  if i and i.what == 'C' then
    i = dbg.getinfo(3, 'nSl')
  end
  if type(err) ~= 'table' then
    err = {err = 'ERR ' .. tostring(err)}
  end
  if i then
    err['source'] = i.source
    err['line'] = i.currentline
  end
  return err
end
)";

LuaState* Self(lua_State* L) {
  return static_cast<LuaState*>(lua_touserdata(L, lua_upvalueindex(1)));
}

// Raises {err = msg}: the caller's frame must hold no C++ object with a destructor.
int RaiseError(lua_State* L, const char* msg) {
  lua_newtable(L);
  lua_pushstring(L, "err");
  lua_pushstring(L, msg);
  lua_settable(L, -3);
  return lua_error(L);
}

int NonexistentGlobal(lua_State* L) {  // __index of the real globals: (table, name)
  const char* name = lua_tostring(L, 2);
  return luaL_error(L, "Script attempted to access nonexistent global variable '%s'",
                    name != nullptr ? name : "?");
}

int ReadonlyError(lua_State* L) { return luaL_error(L, "Attempt to modify a readonly table"); }

// Lua 5.1's luaB_tonumber (lbaselib.c, MIT licence), with two changes that
// keep its results: a decimal integer string of up to 15 digits — what
// `tonumber(redis.call('GET', k))` sees in nearly every Redis script — is
// converted directly (exactly, as strtod would), and the general case
// converts once where the original converted twice (lua_isnumber, then
// lua_tonumber: two strtod calls, 4 % of a flash-sale script's CPU).
int ToNumber(lua_State* L) {
  const int base = luaL_optint(L, 2, 10);
  if (base == 10) {
    luaL_checkany(L, 1);
    if (lua_type(L, 1) == LUA_TSTRING) {
      size_t len;
      const char* s = lua_tolstring(L, 1, &len);
      double d;
      if (ParseSmallIntegerAsDouble(std::string_view(s, len), &d)) {
        lua_pushnumber(L, d);
        return 1;
      }
    }
    const lua_Number n = lua_tonumber(L, 1);  // 0 when not convertible
    if (n != 0 || lua_isnumber(L, 1)) {
      lua_pushnumber(L, n);
      return 1;
    }
  } else {
    const char* s1 = luaL_checkstring(L, 1);
    char* s2;
    luaL_argcheck(L, 2 <= base && base <= 36, 2, "base out of range");
    const unsigned long n = std::strtoul(s1, &s2, base);
    if (s1 != s2) {  // at least one valid digit
      while (std::isspace(static_cast<unsigned char>(*s2))) ++s2;
      if (*s2 == '\0') {
        lua_pushnumber(L, static_cast<lua_Number>(n));
        return 1;
      }
    }
  }
  lua_pushnil(L);
  return 1;
}

int RedisCall(lua_State* L) {
  if (Self(L)->CallCommand(true)) return lua_error(L);
  return 1;
}
int RedisPCall(lua_State* L) {
  Self(L)->CallCommand(false);
  return 1;
}

int Sha1hex(lua_State* L) {
  if (lua_gettop(L) != 1) return luaL_error(L, "wrong number of arguments");
  size_t len;
  const char* s = lua_tolstring(L, 1, &len);
  char hex[41];
  {
    std::string h = Sha1Hex(std::string_view(s != nullptr ? s : "", s != nullptr ? len : 0));
    std::snprintf(hex, sizeof hex, "%s", h.c_str());
  }
  lua_pushstring(L, hex);
  return 1;
}

int ReplyTable(lua_State* L, const char* field) {
  if (lua_gettop(L) != 1 || !lua_isstring(L, 1)) {
    return luaL_error(L, "wrong number or type of arguments");
  }
  lua_newtable(L);
  lua_pushstring(L, field);
  lua_pushvalue(L, 1);
  lua_settable(L, -3);
  return 1;
}
int ErrorReply(lua_State* L) { return ReplyTable(L, "err"); }
int StatusReply(lua_State* L) { return ReplyTable(L, "ok"); }

int Log(lua_State* L) {
  const int argc = lua_gettop(L);
  if (argc < 2) return luaL_error(L, "redis.log() requires two arguments or more.");
  if (!lua_isnumber(L, 1)) return luaL_error(L, "First argument must be a number (log level).");
  const int level = static_cast<int>(lua_tonumber(L, 1));
  if (level < 0 || level > 3) return luaL_error(L, "Invalid debug level.");
  // Concatenate with Lua's own strings (no C++ object lives across a raise).
  for (int i = 2; i <= argc; ++i) {
    if (i > 2) lua_pushstring(L, " ");
    lua_pushvalue(L, i);
    if (!lua_isstring(L, -1)) {
      lua_pop(L, 1);
      lua_pushstring(L, "");
    }
  }
  lua_concat(L, 2 * (argc - 1) - 1);
  size_t len;
  const char* msg = lua_tolstring(L, -1, &len);
  runtime::LogLine(static_cast<runtime::LogLevel>(level), std::string_view(msg, len));
  return 0;
}

int SetResp(lua_State* L) {
  if (lua_gettop(L) != 1) return RaiseError(L, "ERR redis.setresp() requires one argument.");
  const int resp = static_cast<int>(lua_tonumber(L, 1));
  if (resp != 2 && resp != 3) return RaiseError(L, "ERR RESP version must be 2 or 3.");
  ScriptRun* run = Self(L)->current();
  if (run != nullptr) run->inner.resp = resp;
  return 0;
}

int ReturnTrue(lua_State* L) {
  lua_pushboolean(L, 1);
  return 1;
}
int ReturnFalse(lua_State* L) {
  lua_pushboolean(L, 0);
  return 1;
}
int ReturnNothing(lua_State*) { return 0; }

// The count hook: busy-reply-threshold and KILL.
void Hook(lua_State* L, lua_Debug*) {
  lua_pushstring(L, kStateKey);
  lua_rawget(L, LUA_REGISTRYINDEX);
  auto* self = static_cast<LuaState*>(lua_touserdata(L, -1));
  lua_pop(L, 1);
  ScriptRun* run = self != nullptr ? self->current() : nullptr;
  if (run == nullptr) return;
  const int64_t elapsed = absl::GetCurrentTimeNanos() - run->start_ns;
  if (!run->handed_off && elapsed > kHandOffNs) {
    // Long script: let another M run this P's other fibers (no-op off the runtime).
    run->handed_off = runtime::detail::BlockingEnter();
  }
  if (!run->busy.load(std::memory_order_relaxed) && elapsed > run->threshold_ns) {
    // The run first, its shards second: a client that got -BUSY from a shard
    // and sends SCRIPT KILL must find the run busy (the other order lost that
    // race under TSan: KILL answered NOTBUSY and the script ran on forever).
    run->busy.store(true, std::memory_order_release);
    run->engine->SetShardsBusy(run->call.held, true);
    runtime::LogLine(runtime::LogLevel::kWarning,
                     "Slow script detected: still in execution after busy-reply-threshold. "
                     "Its keys answer -BUSY; SCRIPT KILL may stop it.");
  }
  if (run->kill.load(std::memory_order_acquire)) {
    // Raise on every line from now on, so a pcall in the script cannot swallow it.
    lua_sethook(L, Hook, LUA_MASKLINE, 0);
    RaiseError(L, "ERR Script killed by user with SCRIPT KILL...");
  }
}

void OpenLib(lua_State* L, lua_CFunction open, const char* name) {
  lua_pushcfunction(L, open);
  lua_pushstring(L, name);
  lua_call(L, 1, 0);
}

// lua-cjson and lua-bitop as Debian ships them: Lua C modules, loaded once.
lua_CFunction ModuleOpener(const char* path, const char* symbol) {
  void* handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) return nullptr;
  return reinterpret_cast<lua_CFunction>(dlsym(handle, symbol));
}

void OpenModule(lua_State* L, const char* name, const char* path, const char* symbol) {
  static lua_CFunction cjson =
      ModuleOpener("/usr/lib/x86_64-linux-gnu/lua/5.1/cjson.so", "luaopen_cjson");
  static lua_CFunction bit = ModuleOpener("/usr/lib/x86_64-linux-gnu/lua/5.1/bit.so", "luaopen_bit");
  (void)path;
  (void)symbol;
  lua_CFunction open = std::string_view(name) == "cjson" ? cjson : bit;
  if (open == nullptr) {
    runtime::LogLine(runtime::LogLevel::kWarning, std::string("Lua module not available: ") + name);
    return;
  }
  lua_pushcfunction(L, open);
  lua_pushstring(L, name);
  lua_call(L, 1, 1);
  lua_setglobal(L, name);
}

// cmsgpack and struct, Redis's own libraries (no Debian package has their
// APIs), built in; made globals as OpenModule makes cjson.
void OpenBuiltinModule(lua_State* L, const char* name, lua_CFunction open) {
  lua_pushcfunction(L, open);
  lua_call(L, 0, 1);
  lua_setglobal(L, name);
}

// Whether the table at idx is a read-only proxy (PushReadonlyProxy); if so
// and `real` is set, the table it reads through to is pushed.
bool IsReadonlyProxy(lua_State* L, int idx, bool push_real) {
  if (!lua_istable(L, idx) || !lua_getmetatable(L, idx)) return false;
  lua_pushstring(L, "__newindex");
  lua_rawget(L, -2);
  const bool readonly = lua_tocfunction(L, -1) == ReadonlyError;
  lua_pop(L, 1);
  if (readonly && push_real) {
    lua_pushstring(L, "__index");
    lua_rawget(L, -2);
    lua_remove(L, -2);
    return true;
  }
  lua_pop(L, 1);
  return readonly;
}

// next and pairs as Lua's, seeing through a read-only proxy to its table, so
// `for k, v in pairs(string)` lists the library as in Redis (whose read-only
// tables are the tables themselves); the script never gets the real table.
int SafeNext(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 2);
  if (IsReadonlyProxy(L, 1, true)) lua_replace(L, 1);
  if (lua_next(L, 1)) return 2;
  lua_pushnil(L);
  return 1;
}

int SafePairs(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_pushcfunction(L, SafeNext);
  lua_pushvalue(L, 1);
  lua_pushnil(L);
  return 3;
}

// rawset as Lua's, but refusing the read-only proxies: a raw field set on a
// proxy would shadow the library's own for every later script.
int SafeRawset(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_checkany(L, 2);
  luaL_checkany(L, 3);
  {
    const bool readonly = IsReadonlyProxy(L, 1, false);
    if (readonly) {
      lua_pushstring(L, "Attempt to modify a readonly table");  // no position, as Redis's VM check
      return lua_error(L);
    }
  }
  lua_settop(L, 3);
  lua_rawset(L, 1);
  return 1;
}

// Replaces the table on top of the stack with a read-only proxy of it: an
// empty table whose metatable reads through to it (__index), refuses writes
// (__newindex) and hides itself (__metatable). Lua 5.1 has no read-only flag
// (Redis's patched Lua has one): without this a script could redefine, say,
// string.len for every later script of every client.
void PushReadonlyProxy(lua_State* L) {
  lua_newtable(L);  // proxy
  lua_newtable(L);  // its metatable
  lua_pushstring(L, "__index");
  lua_pushvalue(L, -4);
  lua_settable(L, -3);
  lua_pushstring(L, "__newindex");
  lua_pushcfunction(L, ReadonlyError);
  lua_settable(L, -3);
  lua_pushstring(L, "__metatable");
  lua_pushboolean(L, 0);
  lua_settable(L, -3);
  lua_setmetatable(L, -2);
  lua_remove(L, -2);  // the real table lives on in the proxy's metatable
}

// The libraries, read-only as in Redis 7.0: each global library table becomes
// a proxy, and strings' own metatable (whose __index is the string library,
// reachable through getmetatable("")) reads through the proxy and is itself
// shown only as a read-only proxy.
void ProtectLibraries(lua_State* L) {
  for (const char* name : {"string", "math", "table", "coroutine", "cjson", "bit", "cmsgpack", "struct"}) {
    lua_getglobal(L, name);
    if (!lua_istable(L, -1)) {
      lua_pop(L, 1);
      continue;
    }
    PushReadonlyProxy(L);
    lua_setglobal(L, name);
  }
  lua_pushstring(L, "");
  if (lua_getmetatable(L, -1)) {  // stack: "", mt
    lua_pushstring(L, "__index");
    lua_getglobal(L, "string");  // the proxy
    lua_rawset(L, -3);
    lua_pushstring(L, "__metatable");
    lua_pushvalue(L, -2);
    PushReadonlyProxy(L);
    lua_rawset(L, -3);
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
}

void SetFunction(lua_State* L, LuaState* self, const char* name, lua_CFunction fn) {
  lua_pushstring(L, name);
  lua_pushlightuserdata(L, self);
  lua_pushcclosure(L, fn, 1);
  lua_settable(L, -3);
}

void SetNumber(lua_State* L, const char* name, double v) {
  lua_pushstring(L, name);
  lua_pushnumber(L, v);
  lua_settable(L, -3);
}

}  // namespace

int RegisterFunction(lua_State* L);

LuaState::LuaState() {
  L_ = luaL_newstate();
  // A state's live heap is small (the libraries, the compiled scripts), and
  // every run leaves a little garbage (KEYS/ARGV, replies): with Lua's default
  // pause (a new cycle once the heap doubles) a full mark-and-sweep of the
  // libraries ran every few dozen EVALs, ~10% of a small script's CPU. A
  // cycle at 4x the live heap costs a few hundred KiB per state instead.
  lua_gc(L_, LUA_GCSETPAUSE, 400);
  OpenLib(L_, luaopen_base, "");
  lua_register(L_, "tonumber", ToNumber);
  lua_register(L_, "rawset", SafeRawset);
  lua_register(L_, "next", SafeNext);
  lua_register(L_, "pairs", SafePairs);
  OpenLib(L_, luaopen_table, LUA_TABLIBNAME);
  OpenLib(L_, luaopen_string, LUA_STRLIBNAME);
  OpenLib(L_, luaopen_math, LUA_MATHLIBNAME);
  OpenLib(L_, luaopen_debug, LUA_DBLIBNAME);
  OpenModule(L_, "cjson", nullptr, nullptr);
  OpenModule(L_, "bit", nullptr, nullptr);
  OpenBuiltinModule(L_, "cmsgpack", OpenCmsgpack);
  OpenBuiltinModule(L_, "struct", OpenStruct);
  lua_pushstring(L_, kStateKey);
  lua_pushlightuserdata(L_, this);
  lua_rawset(L_, LUA_REGISTRYINDEX);

  // The error handler keeps the debug library in an upvalue; scripts do not see it.
  luaL_loadbuffer(L_, kErrorHandler, std::char_traits<char>::length(kErrorHandler), "=errh");
  lua_getglobal(L_, "debug");
  lua_call(L_, 1, 1);
  errh_ref_ = luaL_ref(L_, LUA_REGISTRYINDEX);
  for (const char* name : {"debug", "dofile", "loadfile", "print", "getfenv", "setfenv", "newproxy",
                           "module", "require", "package", "os", "io"}) {
    lua_pushnil(L_);
    lua_setglobal(L_, name);
  }

  // The redis table, read through a read-only proxy.
  lua_newtable(L_);
  SetFunction(L_, this, "call", RedisCall);
  SetFunction(L_, this, "pcall", RedisPCall);
  SetFunction(L_, this, "sha1hex", Sha1hex);
  SetFunction(L_, this, "error_reply", ErrorReply);
  SetFunction(L_, this, "status_reply", StatusReply);
  SetFunction(L_, this, "log", Log);
  SetFunction(L_, this, "setresp", SetResp);
  SetFunction(L_, this, "set_repl", ReturnNothing);
  SetFunction(L_, this, "replicate_commands", ReturnTrue);
  SetFunction(L_, this, "breakpoint", ReturnFalse);
  SetFunction(L_, this, "debug", ReturnNothing);
  SetFunction(L_, this, "register_function", RegisterFunction);
  SetNumber(L_, "LOG_DEBUG", 0);
  SetNumber(L_, "LOG_VERBOSE", 1);
  SetNumber(L_, "LOG_NOTICE", 2);
  SetNumber(L_, "LOG_WARNING", 3);
  SetNumber(L_, "REPL_NONE", 0);
  SetNumber(L_, "REPL_AOF", 1);
  SetNumber(L_, "REPL_SLAVE", 2);
  SetNumber(L_, "REPL_REPLICA", 2);
  SetNumber(L_, "REPL_ALL", 3);
  SetNumber(L_, "REDIS_VERSION_NUM", 0x0007000f);
  lua_pushstring(L_, "REDIS_VERSION");
  lua_pushstring(L_, "7.0.15");
  lua_settable(L_, -3);
  PushReadonlyProxy(L_);
  lua_setglobal(L_, "redis");
  ProtectLibraries(L_);

  lua_newtable(L_);
  for (const char* name : kReplyFieldNames) {
    lua_pushstring(L_, name);
    lua_rawseti(L_, -2, static_cast<int>(lua_objlen(L_, -2)) + 1);
  }
  luaL_ref(L_, LUA_REGISTRYINDEX);  // kept for the state's life

  lua_newtable(L_);
  scripts_ref_ = luaL_ref(L_, LUA_REGISTRYINDEX);
  lua_newtable(L_);
  libraries_ref_ = luaL_ref(L_, LUA_REGISTRYINDEX);

  // Globals become read-only: everything (scripts, loadstring chunks) sees an
  // empty proxy whose __index is the real table, whose own __index raises on
  // a missing name. Both are tables to the VM until a name is missing: a
  // C __index on the proxy cost a C call per global read (`redis`, `KEYS`,
  // `tonumber`...), 3 % of a flash-sale EVAL.
  lua_pushvalue(L_, LUA_GLOBALSINDEX);
  lua_newtable(L_);  // the real table's metatable
  lua_pushstring(L_, "__index");
  lua_pushcfunction(L_, NonexistentGlobal);
  lua_settable(L_, -3);
  lua_setmetatable(L_, -2);
  lua_pushvalue(L_, -1);
  globals_ref_ = luaL_ref(L_, LUA_REGISTRYINDEX);
  lua_pushvalue(L_, -1);
  PushReadonlyProxy(L_);              // stack: G, proxy
  lua_pushstring(L_, "_G");
  lua_pushvalue(L_, -2);
  lua_rawset(L_, -4);                 // G._G = proxy
  lua_replace(L_, LUA_GLOBALSINDEX);  // stack: G
  lua_pop(L_, 1);
}

LuaState::~LuaState() {
  if (L_ != nullptr) lua_close(L_);
}

bool LuaState::HasCompiled(std::string_view sha, uint64_t generation) {
  if (generation != generation_) return false;
  return fn_refs_.contains(absl::string_view(sha.data(), sha.size()));
}

const std::string* LuaState::ShaOfBody(std::string_view body, uint64_t generation) const {
  if (generation != generation_) return nullptr;
  auto it = sha_by_body_.find(absl::string_view(body.data(), body.size()));
  return it != sha_by_body_.end() ? &it->second : nullptr;
}

void LuaState::RememberBody(std::string_view body, std::string_view sha) {
  // Bounded: a client generating scripts (EVAL with literals in the body)
  // must not grow it without end; the compiled functions stay cached.
  constexpr size_t kMaxRememberedBodies = 1024;
  if (sha_by_body_.size() >= kMaxRememberedBodies) sha_by_body_.clear();
  sha_by_body_.try_emplace(std::string(body), std::string(sha));
}

bool LuaState::Compile(std::string_view sha, std::string_view body, uint64_t generation,
                       std::string* error, bool* compiled_now) {
  if (compiled_now != nullptr) *compiled_now = false;
  if (generation != generation_) {  // SCRIPT FLUSH since the last run
    lua_newtable(L_);
    lua_rawseti(L_, LUA_REGISTRYINDEX, scripts_ref_);
    fn_refs_.clear();
    sha_by_body_.clear();
    generation_ = generation;
  }
  if (fn_refs_.contains(absl::string_view(sha.data(), sha.size()))) return true;
  lua_rawgeti(L_, LUA_REGISTRYINDEX, scripts_ref_);
  int loaded;
  stack_.Run([&] { loaded = luaL_loadbuffer(L_, body.data(), body.size(), "@user_script"); });
  if (loaded != 0) {
    size_t len;
    const char* msg = lua_tolstring(L_, -1, &len);
    *error = "ERR Error compiling script (new function): ";
    error->append(msg != nullptr ? msg : "?", msg != nullptr ? len : 1);
    lua_pop(L_, 2);
    return false;
  }
  fn_refs_[std::string(sha)] = luaL_ref(L_, -2);  // pops the function into the scripts table
  lua_pop(L_, 1);
  if (compiled_now != nullptr) *compiled_now = true;
  return true;
}

void LuaState::SetGlobalArray(ArgTable& t, absl::Span<const std::string_view> items) {
  const int n = static_cast<int>(items.size());
  if (t.ref == LUA_NOREF) {
    lua_createtable(L_, n, 0);
    lua_pushvalue(L_, -1);
    t.ref = luaL_ref(L_, LUA_REGISTRYINDEX);
    t.len = 0;
    lua_rawgeti(L_, LUA_REGISTRYINDEX, globals_ref_);
    lua_pushstring(L_, t.name);
    lua_pushvalue(L_, -3);
    lua_rawset(L_, -3);
    lua_pop(L_, 1);
  } else {
    lua_rawgeti(L_, LUA_REGISTRYINDEX, t.ref);
  }
  for (int i = 0; i < n; ++i) {
    lua_pushlstring(L_, items[static_cast<size_t>(i)].data(), items[static_cast<size_t>(i)].size());
    lua_rawseti(L_, -2, i + 1);
  }
  for (int i = n + 1; i <= t.len; ++i) {  // the previous run's longer tail
    lua_pushnil(L_);
    lua_rawseti(L_, -2, i);
  }
  t.len = n;
  lua_pop(L_, 1);
}

void LuaState::CheckArgTable(ArgTable& t) {
  if (t.ref == LUA_NOREF) return;
  lua_rawgeti(L_, LUA_REGISTRYINDEX, t.ref);
  bool clean = !lua_getmetatable(L_, -1);
  if (!clean) lua_pop(L_, 1);
  if (clean && t.len > 0) {  // lua_next needs an existing key to start from
    lua_rawgeti(L_, -1, t.len);
    clean = !lua_isnil(L_, -1);
    lua_pop(L_, 1);
  }
  if (clean) {
    if (t.len > 0) {
      lua_pushinteger(L_, t.len);
    } else {
      lua_pushnil(L_);
    }
    if (lua_next(L_, -2) != 0) {  // a key after 1..len: the script added it
      lua_pop(L_, 2);
      clean = false;
    }
  }
  lua_pop(L_, 1);
  if (!clean) {
    luaL_unref(L_, LUA_REGISTRYINDEX, t.ref);
    t.ref = LUA_NOREF;  // the next run makes (and publishes) a fresh table
  }
}

void LuaState::RunScript(ScriptRun& run, std::string_view sha,
                         absl::Span<const std::string_view> keys,
                         absl::Span<const std::string_view> args, protocol::ReplyWriter& reply,
                         std::string* error_reply) {
  SetGlobalArray(keys_table_, keys);
  SetGlobalArray(argv_table_, args);
  lua_rawgeti(L_, LUA_REGISTRYINDEX, errh_ref_);
  lua_rawgeti(L_, LUA_REGISTRYINDEX, scripts_ref_);
  // By the script's ref: pushing the sha as a Lua string would intern 40
  // bytes per run. (Missing -- impossible after Compile -- calls nil: an error.)
  auto it = fn_refs_.find(absl::string_view(sha.data(), sha.size()));
  if (it != fn_refs_.end()) {
    lua_rawgeti(L_, -1, it->second);
  } else {
    lua_pushnil(L_);
  }
  lua_remove(L_, -2);
  CallPushed(run, {}, {}, reply, error_reply);
  CheckArgTable(keys_table_);
  CheckArgTable(argv_table_);
}

void LuaState::CallPushed(ScriptRun& run, absl::Span<const std::string_view> keys,
                          absl::Span<const std::string_view> args, protocol::ReplyWriter& reply,
                          std::string* error_reply) {
  // Stack: errh, function. Functions (FCALL) get (keys, args) tables.
  int nargs = 0;
  if (run.is_function) {
    for (auto items : {keys, args}) {
      lua_createtable(L_, static_cast<int>(items.size()), 0);
      for (size_t i = 0; i < items.size(); ++i) {
        lua_pushlstring(L_, items[i].data(), items[i].size());
        lua_rawseti(L_, -2, static_cast<int>(i + 1));
      }
    }
    nargs = 2;
  }
  const int errh = lua_gettop(L_) - nargs - 1;
  current_ = &run;
  lua_sethook(L_, Hook, LUA_MASKCOUNT, kHookInstructions);
  int rc;
  stack_.Run([&] { rc = lua_pcall(L_, nargs, 1, errh); });
  lua_sethook(L_, nullptr, 0, 0);
  current_ = nullptr;
  error_reply->clear();
  if (rc == 0) {
    // A script returning an error table replies the error (counted by the caller).
    if (lua_istable(L_, -1)) {
      lua_pushstring(L_, "err");
      lua_rawget(L_, -2);
      if (lua_type(L_, -1) == LUA_TSTRING) {
        size_t len;
        const char* s = lua_tolstring(L_, -1, &len);
        error_reply->assign(s, len);
        if (error_reply->empty()) error_reply->assign("ERR");
      }
      lua_pop(L_, 1);
    }
    WriteLuaValue(L_, reply, run.inner.resp);
  } else {
    std::string msg;
    if (lua_istable(L_, -1)) {
      lua_pushstring(L_, "err");
      lua_rawget(L_, -2);
      size_t len;
      const char* s = lua_tolstring(L_, -1, &len);
      msg = s != nullptr ? std::string(s, len) : "ERR unknown error";
      lua_pop(L_, 1);
      lua_pushstring(L_, "source");
      lua_rawget(L_, -2);
      lua_pushstring(L_, "line");
      lua_rawget(L_, -3);
      if (lua_isstring(L_, -2) && lua_isnumber(L_, -1)) {
        msg.append(" script: ").append(run.name).append(", on ").append(lua_tostring(L_, -2));
        msg.append(":").append(std::to_string(lua_tointeger(L_, -1))).append(".");
      }
      lua_pop(L_, 2);
    } else {
      const char* s = lua_tostring(L_, -1);
      msg = std::string("ERR Error running script: ") + (s != nullptr ? s : "?");
    }
    if (!msg.empty() && msg[0] == '-') msg.erase(0, 1);
    for (char& c : msg) {
      if (c == '\r' || c == '\n') c = ' ';
    }
    reply.Error(msg);
    *error_reply = std::move(msg);
  }
  lua_settop(L_, 0);
}

const Command* LuaState::ResolveCommand(const Engine& engine, std::string_view name) {
  // The command table is read-only once the engine serves, so an answer stays
  // right; names are compared as spelled (Find is case-insensitive anyway).
  for (const NameVerdict& v : verdicts_) {
    if (v.len == name.size() && std::memcmp(v.name, name.data(), name.size()) == 0) return v.cmd;
  }
  const Command* cmd = engine.commands().Find(name);
  if (name.size() <= sizeof(NameVerdict::name)) {
    NameVerdict& v = verdicts_[next_verdict_++ % verdicts_.size()];
    v.len = name.size();
    std::memcpy(v.name, name.data(), name.size());
    v.cmd = cmd;
  }
  return cmd;
}

bool LuaState::CallCommand(bool raise) {
  ScriptRun* run = current_;
  const int argc = lua_gettop(L_);
  const char* err = nullptr;
  if (run == nullptr) {
    err = "ERR redis.call is not allowed here";
  } else if (argc == 0) {
    err = "ERR Please specify at least one argument for this redis lib call";
  } else {
    for (int i = 1; i <= argc; ++i) {
      const int t = lua_type(L_, i);
      if (t != LUA_TSTRING && t != LUA_TNUMBER) {
        err = "ERR Lua redis lib command arguments must be strings or integers";
        break;
      }
    }
  }
  const Command* cmd = nullptr;
  if (err == nullptr) {
    size_t len;
    const char* name = lua_tolstring(L_, 1, &len);
    cmd = ResolveCommand(*run->engine, std::string_view(name, len));
  }
  if (err != nullptr) {
    lua_newtable(L_);
    lua_pushstring(L_, "err");
    lua_pushstring(L_, err);
    lua_settable(L_, -3);
    return raise;
  }
  {
    thread_local std::vector<std::string_view> argv;
    argv.clear();
    for (int i = 1; i <= argc; ++i) {
      size_t len;
      const char* s = lua_tolstring(L_, i, &len);  // numbers become strings in place (%.14g)
      argv.emplace_back(s, len);
    }
    // The reply goes to this state's buffer; one chunk (the usual case) is
    // read in place, more are joined into one string.
    protocol::OutputBuffer nested;
    protocol::OutputBuffer& out = reply_in_use_ ? nested : reply_out_;
    const bool owns_buffer = !reply_in_use_;
    reply_in_use_ = true;
    protocol::ReplyWriter writer(&out, run->inner.resp);
    run->engine->ExecuteHeld(run->inner, cmd, absl::MakeConstSpan(argv), writer, run->call);
    if (run->call.wrote) run->wrote.store(true, std::memory_order_relaxed);
    struct iovec iov[2];
    const int n = out.FillIovec(iov, 2);
    bool is_error;
    if (n <= 1) {
      is_error = PushReply(L_, n == 0 ? std::string_view()
                                      : std::string_view(static_cast<const char*>(iov[0].iov_base),
                                                         iov[0].iov_len));
    } else {
      is_error = PushReply(L_, out.ToString());
    }
    out.Clear();
    if (owns_buffer) reply_in_use_ = false;
    return is_error && raise;
  }
}

}  // namespace stockd::engine::lua
