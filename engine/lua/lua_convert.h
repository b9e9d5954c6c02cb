// engine/lua/lua_convert.h — Redis's conversion rules between command replies
// and Lua values (Redis 7.0 script_lua.c: redisProtocolToLuaType and
// luaReplyToRedisReply), both ways.
//
// RESP -> Lua (what redis.call returns):
//   integer -> number; bulk -> string; null bulk/array -> false (RESP2) or nil
//   (RESP3 null); array -> table; status -> {ok=s}; error -> {err=s};
//   RESP3: map -> {map={k=v}}, set -> {set={m=true}}, double -> {double=n},
//   boolean -> boolean, big number -> {big_number=s},
//   verbatim -> {verbatim_string={format=f, string=s}}.
// Lua -> RESP (what the script returns):
//   number -> integer (truncated; out of range -> INT64_MIN as Redis's cast);
//   string -> bulk; true -> :1 (RESP2) / #t; false -> null (RESP2) / #f;
//   table with a string err field -> error; string ok -> status;
//   double/big_number/map/set fields -> RESP3 types; other tables -> array up
//   to the first nil; anything else -> null.
#pragma once

#include <string_view>

#include "protocol/reply_writer.h"

struct lua_State;

namespace stockd::engine::lua {

// Pushes the one complete reply at the start of `resp` (the engine's own
// output, so well formed) and returns true when it was an error reply (then a
// {err=msg} table is pushed, msg without the '-').
bool PushReply(lua_State* L, std::string_view resp);

// Writes the Lua value on the top of the stack (not popped) to `w`. As in
// Redis, the script's own protocol (redis.setresp: 2 unless the script chose
// 3) decides how a boolean converts — true :1 and false a null under 2, a
// RESP3 boolean under 3 — and `w` (the client's protocol) how that is written.
void WriteLuaValue(lua_State* L, protocol::ReplyWriter& w, int script_resp);

// The table field names the conversions look up, for LuaState to keep
// referenced: an unreferenced Lua string is collected, and pushing it again
// would allocate it anew (garbage per converted reply).
extern const char* const kReplyFieldNames[9];

// Redis's (long long) cast of a Lua number: truncation toward zero; NaN and
// values out of range become INT64_MIN (what x86's cvttsd2si gives Redis).
int64_t LuaNumberToInteger(double d);

}  // namespace stockd::engine::lua
