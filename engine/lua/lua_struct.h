// engine/lua/lua_struct.h — the `struct` library of Redis 7.0 scripts
// (Redis's deps/lua/src/lua_struct.c: Roberto Ierusalimschy's struct 1.7
// with Redis's bounds checks), written anew against the plain Lua 5.1 C API.
//
// Contract (what scripts see, as with Redis 7.0.15 on x86-64):
//  * struct.pack(fmt, ...) -> a string; struct.unpack(fmt, s [, i]) -> the
//    values read from position i (default 1), then the position after them;
//    struct.size(fmt) -> the size pack would produce.
//  * Format characters: '>' big / '<' little endian (default: native);
//    '![n]' the largest alignment (a power of 2, default 8; initially 1, i.e.
//    packed); 'x' a zero byte; 'b'/'B' 1, 'h'/'H' 2, 'l'/'L' 8, 'T' 8
//    (size_t), 'i[n]'/'I[n]' n bytes (default 4, at most 32, not necessarily
//    a power of 2) — lower case signed; 'f' float, 'd' double; 'c[n]' n
//    bytes (default 1; 'c0' packs the whole string, and unpacks as many bytes
//    as the number read just before); 's' a zero-terminated string; spaces
//    are ignored. An item is aligned to min(its size, the '!' alignment),
//    'c' and 's' never.
//  * Numbers convert as Redis's C casts do on x86-64 (out-of-range, inf, NaN
//    included: I8 of 2^64 packs 0, of NaN 2^63). Integers wider than 8 bytes
//    carry 64 bits: zero bytes above on pack; on unpack the high bytes are
//    shifted out and the sign bit taken at (8n-1) mod 64, as x86 shifts.
//  * Redis's errors, e.g. "bad argument #1 to 'pack' (invalid format option
//    'y')", "integral size 33 is larger than limit of 32", "integral size
//    overflow", "alignment 3 is not a power of 2", "bad argument #3 to 'pack'
//    (string too short)" (the argument after the string, as Redis counts),
//    "bad argument #2 to 'unpack' (data string too short)", "bad argument #3
//    to 'unpack' (offset must be 1 or greater)", "format 'c0' needs a
//    previous size", "unfinished string in data", "bad argument #1 to 'size'
//    (option 's' has no fixed size)". struct.size rejects only unknown
//    non-alphanumeric options: unknown letters and digits count 0 there.
//  * No C++ object with a destructor lives in a frame that raises a Lua error.
#pragma once

struct lua_State;

namespace stockd::engine::lua {

// A lua_CFunction: pushes the struct table (pack, unpack, size) and returns
// 1. Sets no global: the caller names it.
int OpenStruct(lua_State* L);

}  // namespace stockd::engine::lua
