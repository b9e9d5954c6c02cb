// engine/lua/lua_convert.cc — see lua_convert.h.
#include "engine/lua/lua_convert.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <string>

extern "C" {
#include <lauxlib.h>
#include <lua.h>
}

namespace stockd::engine::lua {
namespace {

void WriteArray(lua_State* L, protocol::ReplyWriter& w, int script_resp);

// Parses one RESP line's payload (after the type byte) up to "\r\n".
std::string_view Line(std::string_view& in) {
  size_t end = in.find("\r\n");
  if (end == std::string_view::npos) end = in.size();
  std::string_view line = in.substr(0, end);
  in.remove_prefix(std::min(in.size(), end + 2));
  return line;
}

int64_t ParseInt(std::string_view s) {
  int64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);  // the engine's own digits
  return v;
}

void PushTableWith(lua_State* L, const char* field) {
  // Leaves {field = <value on top>} on the stack in place of the value.
  lua_newtable(L);
  lua_pushstring(L, field);
  lua_pushvalue(L, -3);
  lua_settable(L, -3);
  lua_remove(L, -2);
}

// Pushes the reply at the start of `in` and consumes it.
void Push(lua_State* L, std::string_view& in) {
  lua_checkstack(L, 8);
  if (in.empty()) {
    lua_pushboolean(L, 0);
    return;
  }
  const char type = in[0];
  in.remove_prefix(1);
  switch (type) {
    case ':':
      lua_pushnumber(L, static_cast<lua_Number>(ParseInt(Line(in))));
      return;
    case '+': {
      std::string_view s = Line(in);
      lua_pushlstring(L, s.data(), s.size());
      PushTableWith(L, "ok");
      return;
    }
    case '-': {
      std::string_view s = Line(in);
      lua_pushlstring(L, s.data(), s.size());
      PushTableWith(L, "err");
      return;
    }
    case '$':
    case '=':
    case '!': {
      int64_t n = ParseInt(Line(in));
      if (n < 0) {
        lua_pushboolean(L, 0);
        return;
      }
      std::string_view s = in.substr(0, static_cast<size_t>(n));
      in.remove_prefix(std::min(in.size(), static_cast<size_t>(n) + 2));
      if (type == '$') {
        lua_pushlstring(L, s.data(), s.size());
      } else if (type == '!') {
        lua_pushlstring(L, s.data(), s.size());
        PushTableWith(L, "err");
      } else {  // verbatim "txt:..."
        lua_newtable(L);
        lua_pushstring(L, "format");
        lua_pushlstring(L, s.data(), std::min<size_t>(3, s.size()));
        lua_settable(L, -3);
        lua_pushstring(L, "string");
        std::string_view text = s.size() > 4 ? s.substr(4) : std::string_view();
        lua_pushlstring(L, text.data(), text.size());
        lua_settable(L, -3);
        PushTableWith(L, "verbatim_string");
      }
      return;
    }
    case '*':
    case '~':
    case '>': {
      int64_t n = ParseInt(Line(in));
      if (n < 0) {
        lua_pushboolean(L, 0);
        return;
      }
      lua_newtable(L);
      for (int64_t i = 0; i < n; ++i) {
        if (type == '~') {
          Push(L, in);
          lua_pushboolean(L, 1);
          lua_settable(L, -3);
        } else {
          lua_pushnumber(L, static_cast<lua_Number>(i + 1));
          Push(L, in);
          lua_settable(L, -3);
        }
      }
      if (type == '~') PushTableWith(L, "set");
      return;
    }
    case '%': {
      int64_t n = ParseInt(Line(in));
      lua_newtable(L);
      for (int64_t i = 0; i < n; ++i) {
        Push(L, in);
        Push(L, in);
        lua_settable(L, -3);
      }
      PushTableWith(L, "map");
      return;
    }
    case '_':
      Line(in);
      lua_pushnil(L);
      return;
    case '#':
      lua_pushboolean(L, Line(in) == "t");
      return;
    case ',': {
      std::string s(Line(in));
      lua_pushnumber(L, std::strtod(s.c_str(), nullptr));
      PushTableWith(L, "double");
      return;
    }
    case '(': {
      std::string_view s = Line(in);
      lua_pushlstring(L, s.data(), s.size());
      PushTableWith(L, "big_number");
      return;
    }
    default:
      Line(in);
      lua_pushboolean(L, 0);
      return;
  }
}

// The string field `name` of the table on top, or nullopt-like false.
bool StringField(lua_State* L, const char* name, std::string* out) {
  lua_pushstring(L, name);
  lua_rawget(L, -2);
  const bool ok = lua_type(L, -1) == LUA_TSTRING;
  if (ok) {
    size_t len;
    const char* s = lua_tolstring(L, -1, &len);
    out->assign(s, len);
  }
  lua_pop(L, 1);
  return ok;
}

// Whether every key of the table on top is a number, looking at no more than
// `limit` keys (false beyond). Such a table has none of the special fields
// (err, ok, double, map, ...), so it converts as an array without six lookups.
bool OnlyNumberKeys(lua_State* L, int limit) {
  int seen = 0;
  lua_pushnil(L);
  while (lua_next(L, -2) != 0) {
    lua_pop(L, 1);  // the value
    if (lua_type(L, -1) != LUA_TNUMBER || ++seen > limit) {
      lua_pop(L, 1);  // the key
      return false;
    }
  }
  return true;
}

}  // namespace

const char* const kReplyFieldNames[] = {"err",  "ok",     "double",          "big_number", "map",
                                        "set",  "format", "verbatim_string", "string"};

int64_t LuaNumberToInteger(double d) {
  if (std::isnan(d) || d >= 9223372036854775808.0 || d < -9223372036854775808.0) {
    return std::numeric_limits<int64_t>::min();
  }
  return static_cast<int64_t>(d);
}

bool PushReply(lua_State* L, std::string_view resp) {
  const bool is_error = !resp.empty() && (resp[0] == '-' || resp[0] == '!');
  Push(L, resp);
  return is_error;
}

void WriteLuaValue(lua_State* L, protocol::ReplyWriter& w, int script_resp) {
  lua_checkstack(L, 8);
  switch (lua_type(L, -1)) {
    case LUA_TSTRING: {
      size_t len;
      const char* s = lua_tolstring(L, -1, &len);
      w.Bulk(std::string_view(s, len));
      return;
    }
    case LUA_TBOOLEAN:
      if (script_resp == 2) {
        if (lua_toboolean(L, -1)) {
          w.Integer(1);
        } else {
          w.Null();
        }
      } else {
        w.Boolean(lua_toboolean(L, -1) != 0);  // #t/#f, or :1/:0 to a RESP2 client
      }
      return;
    case LUA_TNUMBER:
      w.Integer(LuaNumberToInteger(lua_tonumber(L, -1)));
      return;
    case LUA_TTABLE:
      break;
    default:
      w.Null();
      return;
  }
  if (OnlyNumberKeys(L, 8)) {
    WriteArray(L, w, script_resp);
    return;
  }
  std::string s;
  if (StringField(L, "err", &s)) {
    // redis.error_reply / {err=...}: the text is the whole error line (its
    // first word is the code); Redis drops a leading '-' and newlines.
    if (!s.empty() && s[0] == '-') s.erase(0, 1);
    for (char& c : s) {
      if (c == '\r' || c == '\n') c = ' ';
    }
    w.Error(s);
    return;
  }
  if (StringField(L, "ok", &s)) {
    for (char& c : s) {
      if (c == '\r' || c == '\n') c = ' ';
    }
    w.SimpleString(s);
    return;
  }
  lua_pushstring(L, "double");
  lua_rawget(L, -2);
  if (lua_type(L, -1) == LUA_TNUMBER) {
    w.Double(lua_tonumber(L, -1));
    lua_pop(L, 1);
    return;
  }
  lua_pop(L, 1);
  if (StringField(L, "big_number", &s)) {
    w.BigNumber(s);
    return;
  }
  lua_pushstring(L, "map");
  lua_rawget(L, -2);
  if (lua_type(L, -1) == LUA_TTABLE) {
    size_t pairs = 0;
    lua_pushnil(L);
    while (lua_next(L, -2) != 0) {
      lua_pop(L, 1);
      ++pairs;
    }
    w.MapHeader(pairs);
    lua_pushnil(L);
    while (lua_next(L, -2) != 0) {
      lua_pushvalue(L, -2);  // the key (a copy: converting must not disturb lua_next)
      WriteLuaValue(L, w, script_resp);
      lua_pop(L, 1);
      WriteLuaValue(L, w, script_resp);
      lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return;
  }
  lua_pop(L, 1);
  lua_pushstring(L, "set");
  lua_rawget(L, -2);
  if (lua_type(L, -1) == LUA_TTABLE) {
    size_t n = 0;
    lua_pushnil(L);
    while (lua_next(L, -2) != 0) {
      lua_pop(L, 1);
      ++n;
    }
    w.SetHeader(n);
    lua_pushnil(L);
    while (lua_next(L, -2) != 0) {
      lua_pop(L, 1);
      lua_pushvalue(L, -1);
      WriteLuaValue(L, w, script_resp);
      lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return;
  }
  lua_pop(L, 1);
  WriteArray(L, w, script_resp);
}

namespace {

void WriteArray(lua_State* L, protocol::ReplyWriter& w, int script_resp) {
  // An array: elements 1, 2, ... up to the first nil.
  size_t n = 0;
  for (;;) {
    lua_rawgeti(L, -1, static_cast<int>(n + 1));
    const bool nil = lua_isnil(L, -1);
    lua_pop(L, 1);
    if (nil) break;
    ++n;
  }
  w.ArrayHeader(n);
  for (size_t i = 1; i <= n; ++i) {
    lua_rawgeti(L, -1, static_cast<int>(i));
    WriteLuaValue(L, w, script_resp);
    lua_pop(L, 1);
  }
}

}  // namespace

}  // namespace stockd::engine::lua
