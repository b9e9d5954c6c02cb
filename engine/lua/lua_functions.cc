// engine/lua/lua_functions.cc — Redis 7 function libraries inside one
// LuaState: redis.register_function while a library loads, and FCALL runs.
// (The library catalog itself lives in Scripting; every state loads a
// library's code lazily, the first time one of its functions is called.)
#include <cstring>
#include <string>

extern "C" {
#include <lauxlib.h>
#include <lua.h>
}

#include "engine/lua/lua_state.h"
#include "engine/lua/scripting.h"

namespace stockd::engine::lua {
namespace {

bool ValidFunctionName(const char* s, size_t len) {
  if (len == 0) return false;
  for (size_t i = 0; i < len; ++i) {
    const char c = s[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) {
      return false;
    }
  }
  return true;
}

uint32_t FlagOf(const char* s) {
  if (std::strcmp(s, "no-writes") == 0) return kNoWrites;
  if (std::strcmp(s, "allow-oom") == 0) return kAllowOom;
  if (std::strcmp(s, "allow-stale") == 0) return kAllowStale;
  if (std::strcmp(s, "no-cluster") == 0) return kNoCluster;
  if (std::strcmp(s, "allow-cross-slot-keys") == 0) return kAllowCrossSlotKeys;
  return 0;
}

}  // namespace

// redis.register_function(name, callback) or
// redis.register_function{function_name=, callback=, flags={...}, description=}.
// Raises plain string errors (the loader prefixes them).
int RegisterFunction(lua_State* L) {
  lua_pushstring(L, "stockd.state");
  lua_rawget(L, LUA_REGISTRYINDEX);
  auto* self = static_cast<LuaState*>(lua_touserdata(L, -1));
  lua_pop(L, 1);
  if (self == nullptr || self->registering_ == nullptr) {
    return luaL_error(L, "redis.register_function can only be called on FUNCTION LOAD command");
  }
  uint32_t flags = 0;
  if (lua_gettop(L) == 1 && lua_istable(L, 1)) {
    lua_getfield(L, 1, "function_name");
    lua_getfield(L, 1, "callback");
    lua_getfield(L, 1, "flags");
    if (lua_istable(L, -1)) {
      for (int i = 1;; ++i) {
        lua_rawgeti(L, -1, i);
        if (lua_isnil(L, -1)) {
          lua_pop(L, 1);
          break;
        }
        const uint32_t f = lua_isstring(L, -1) ? FlagOf(lua_tostring(L, -1)) : 0;
        if (f == 0) return luaL_error(L, "unknown flag given");
        flags |= f;
        lua_pop(L, 1);
      }
    } else if (!lua_isnil(L, -1)) {
      return luaL_error(L, "flags argument to redis.register_function must be a table representing function flags");
    }
    lua_pop(L, 1);
    lua_remove(L, 1);  // stack: name, callback
  } else if (lua_gettop(L) != 2) {
    return luaL_error(L, "wrong number of arguments to redis.register_function");
  }
  if (lua_type(L, 1) != LUA_TSTRING) {
    return luaL_error(L, "function_name argument given to redis.register_function must be a string");
  }
  if (lua_type(L, 2) != LUA_TFUNCTION) {
    return luaL_error(L, "callback argument given to redis.register_function must be a function");
  }
  size_t len;
  const char* name = lua_tolstring(L, 1, &len);
  if (!ValidFunctionName(name, len)) {
    return luaL_error(L, "Function names can only contain letters, numbers, or underscores(_) and must be at least one character long");
  }
  for (const auto& f : *self->registering_) {
    if (f.name.size() == len && std::memcmp(f.name.data(), name, len) == 0) {
      return luaL_error(L, "Function already exists in the library");
    }
  }
  self->registering_->push_back(LuaState::FunctionInfo{std::string(name, len), flags, ""});
  // libraries[library][name] = callback
  lua_rawgeti(L, LUA_REGISTRYINDEX, self->libraries_ref_);
  lua_pushlstring(L, self->registering_library_.data(), self->registering_library_.size());
  lua_rawget(L, -2);
  lua_pushvalue(L, 1);
  lua_pushvalue(L, 2);
  lua_rawset(L, -3);
  lua_pop(L, 2);
  return 0;
}

bool LuaState::LoadLibrary(const std::string& library, std::string_view code,
                           std::vector<FunctionInfo>* functions, std::string* error) {
  UnloadLibrary(library);
  lua_rawgeti(L_, LUA_REGISTRYINDEX, libraries_ref_);
  lua_pushlstring(L_, library.data(), library.size());
  lua_newtable(L_);
  lua_rawset(L_, -3);
  lua_pop(L_, 1);
  int loaded;
  stack_.Run([&] { loaded = luaL_loadbuffer(L_, code.data(), code.size(), "@user_function"); });
  if (loaded != 0) {
    *error = std::string("ERR Error compiling function: ") + lua_tostring(L_, -1);
    lua_settop(L_, 0);
    UnloadLibrary(library);
    return false;
  }
  functions->clear();
  registering_ = functions;
  registering_library_ = library;
  int rc;
  stack_.Run([&] { rc = lua_pcall(L_, 0, 0, 0); });
  registering_ = nullptr;
  if (rc != 0) {
    const char* msg = lua_tostring(L_, -1);
    *error = std::string("ERR Error registering functions: ") + (msg != nullptr ? msg : "?");
    lua_settop(L_, 0);
    UnloadLibrary(library);
    return false;
  }
  lua_settop(L_, 0);
  if (functions->empty()) {
    *error = "ERR No functions registered";
    UnloadLibrary(library);
    return false;
  }
  return true;
}

void LuaState::UnloadLibrary(const std::string& library) {
  lua_rawgeti(L_, LUA_REGISTRYINDEX, libraries_ref_);
  lua_pushlstring(L_, library.data(), library.size());
  lua_pushnil(L_);
  lua_rawset(L_, -3);
  lua_pop(L_, 1);
  for (auto it = library_versions_.begin(); it != library_versions_.end(); ++it) {
    if (it->first == library) {
      library_versions_.erase(it);
      break;
    }
  }
}

bool LuaState::HasLibrary(const std::string& library, uint64_t version) {
  for (const auto& [name, v] : library_versions_) {
    if (name == library) return v == version;
  }
  return false;
}

void LuaState::SetLibraryVersion(const std::string& library, uint64_t version) {
  for (auto& [name, v] : library_versions_) {
    if (name == library) {
      v = version;
      return;
    }
  }
  library_versions_.emplace_back(library, version);
}

void LuaState::RunFunction(ScriptRun& run, const std::string& library, const std::string& name,
                           absl::Span<const std::string_view> keys,
                           absl::Span<const std::string_view> args, protocol::ReplyWriter& reply,
                           std::string* error_reply) {
  lua_rawgeti(L_, LUA_REGISTRYINDEX, errh_ref_);
  lua_rawgeti(L_, LUA_REGISTRYINDEX, libraries_ref_);
  lua_pushlstring(L_, library.data(), library.size());
  lua_rawget(L_, -2);
  lua_remove(L_, -2);
  if (!lua_istable(L_, -1)) {
    lua_settop(L_, 0);
    *error_reply = "ERR Function not found";
    reply.Error(*error_reply);
    return;
  }
  lua_pushlstring(L_, name.data(), name.size());
  lua_rawget(L_, -2);
  lua_remove(L_, -2);
  CallPushed(run, keys, args, reply, error_reply);
}

}  // namespace stockd::engine::lua
