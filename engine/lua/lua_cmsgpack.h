// engine/lua/lua_cmsgpack.h — the `cmsgpack` library of Redis 7.0 scripts
// (Redis's deps/lua/src/lua_cmsgpack.c, antirez's lua-cmsgpack 0.4.0),
// written anew against the plain Lua 5.1 C API, byte for byte compatible.
//
// Contract (what scripts see, as with Redis 7.0.15 on x86-64):
//  * cmsgpack.pack(v1, ...) -> the MessagePack encodings of its arguments,
//    concatenated. A number that is integral and within int64 takes the
//    smallest int encoding (positive fixint, uint 8/16/32/64 when >= 0;
//    negative fixint, int 8/16/32/64); any other number is a float 32 (0xca)
//    when that float is exactly equal (so +-inf and 2^63 are), else a float 64
//    (0xcb). Strings: fixstr, str 8/16/32. true/false/nil. A table whose keys
//    are exactly the integers 1..n (n <= INT_MAX; the empty table too) is an
//    array, any other a map in lua_next order. A table nested 16 deep (a
//    cycle included), a function, userdata or thread encodes as nil.
//  * cmsgpack.unpack(s) -> every value in s. cmsgpack.unpack_one(s [, offset])
//    -> the offset after one value (-1 once s is exhausted) and the value;
//    cmsgpack.unpack_limit(s, limit [, offset]) -> that offset and up to
//    `limit` values. As in Redis, limit 0 with offset 0 means "decode all,
//    return no offset". Every number decodes to a Lua number (a uint 64 above
//    INT64_MAX wraps negative, as Redis's lua_pushinteger does); str 8/16/32
//    to strings. bin, ext and 0xc1 are "Bad data format in input.": Redis's
//    decoder predates them.
//  * Redis's error texts: "Missing bytes in input.", "Bad data format in
//    input.", "Start offset 5 greater than input length 3.", "Invalid request
//    to unpack with offset of -1 and limit of 3." (Redis prints the input's
//    length as the limit), "bad argument #0 to 'pack' (MessagePack pack needs
//    input.)", and the same Lua stack use, so the same inputs run out of stack
//    (about 8000 values, or 4000 levels of nesting: "stack overflow (...)").
//  * Decoding is iterative: a hostile nesting depth cannot overflow the small
//    C stack of a fiber. Encoding recurses at most 16 levels.
//  * No C++ object with a destructor lives in a frame that raises a Lua error.
#pragma once

struct lua_State;

namespace stockd::engine::lua {

// A lua_CFunction: pushes the cmsgpack table (pack, unpack, unpack_one,
// unpack_limit and Redis's _NAME, _VERSION, _COPYRIGHT, _DESCRIPTION) and
// returns 1. Sets no global: the caller names it.
int OpenCmsgpack(lua_State* L);

}  // namespace stockd::engine::lua
