// engine/lua/lua_cmsgpack.cc — see lua_cmsgpack.h.
#include "engine/lua/lua_cmsgpack.h"

#include <algorithm>
#include <bit>
#include <cfloat>
#include <climits>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

extern "C" {
#include <lauxlib.h>
#include <lua.h>
}

namespace stockd::engine::lua {
namespace {

constexpr int kMaxNesting = 16;  // LUACMSGPACK_MAX_NESTING: deeper tables encode as nil

// The luaL_checkstack messages below are Redis's own texts (they name its C
// functions): a script that runs out of Lua stack sees the same error.

// ---------------------------------------------------------------- Encoding

// The encoding of the argument being packed. Thread-local, not a local: a
// Lua error (out of memory, stack overflow) unwinds with longjmp, past any
// destructor. Encoding calls no Lua code (no metamethods), so it is never
// reentered, and a script never parks mid-call.
thread_local std::string encoded;
constexpr size_t kKeptCapacity = 1 << 20;  // a bigger buffer is freed after use

// `tag` then the low `bytes` bytes of `value`, big-endian.
void Put(uint8_t tag, uint64_t value, int bytes) {
  encoded.push_back(static_cast<char>(tag));
  for (int shift = 8 * (bytes - 1); shift >= 0; shift -= 8) {
    encoded.push_back(static_cast<char>(value >> shift));
  }
}

void EncodeInteger(int64_t n) {
  if (n >= 0) {
    if (n <= 127) {
      encoded.push_back(static_cast<char>(n));  // positive fixint
    } else if (n <= UINT8_MAX) {
      Put(0xcc, n, 1);
    } else if (n <= UINT16_MAX) {
      Put(0xcd, n, 2);
    } else if (n <= UINT32_MAX) {
      Put(0xce, n, 4);
    } else {
      Put(0xcf, n, 8);
    }
  } else if (n >= -32) {
    encoded.push_back(static_cast<char>(n));  // negative fixint
  } else if (n >= INT8_MIN) {
    Put(0xd0, static_cast<uint64_t>(n), 1);
  } else if (n >= INT16_MIN) {
    Put(0xd1, static_cast<uint64_t>(n), 2);
  } else if (n >= INT32_MIN) {
    Put(0xd2, static_cast<uint64_t>(n), 4);
  } else {
    Put(0xd3, static_cast<uint64_t>(n), 8);
  }
}

void EncodeNumber(double d) {
  if (d >= -0x1p63 && d < 0x1p63 && std::trunc(d) == d) {  // -0.0 too: it encodes as 0
    EncodeInteger(static_cast<int64_t>(d));
    return;
  }
  // Redis converts to float and compares; beyond float's range x86 yields
  // +-inf, so only the infinities themselves take the float encoding there.
  if (std::isinf(d) || (std::fabs(d) <= FLT_MAX && static_cast<float>(d) == d)) {
    Put(0xca, std::bit_cast<uint32_t>(static_cast<float>(d)), 4);
  } else {
    Put(0xcb, std::bit_cast<uint64_t>(d), 8);
  }
}

void EncodeString(const char* s, size_t len) {
  if (len < 32) {
    encoded.push_back(static_cast<char>(0xa0 | len));
  } else if (len <= UINT8_MAX) {
    Put(0xd9, len, 1);
  } else if (len <= UINT16_MAX) {
    Put(0xda, len, 2);
  } else {
    Put(0xdb, len, 4);
  }
  encoded.append(s, len);
}

// An array or map header: a fix form (`fix` | n) up to 15, then 16 and 32 bits.
void EncodeContainerHeader(size_t n, uint8_t fix, uint8_t tag16, uint8_t tag32) {
  if (n <= 15) {
    encoded.push_back(static_cast<char>(fix | n));
  } else if (n <= UINT16_MAX) {
    Put(tag16, n, 2);
  } else {
    Put(tag32, n, 4);
  }
}

// Whether the table on top has exactly the keys 1..n: numbers, integral, in
// [1, INT_MAX] (Redis tests them with an int cast), as many as the largest.
bool IsArray(lua_State* L) {
  luaL_checkstack(L, 2, "in function table_is_an_array");
  const int top = lua_gettop(L);
  int count = 0;
  int max = 0;
  lua_pushnil(L);
  while (lua_next(L, -2) != 0) {
    lua_pop(L, 1);
    const double key = lua_type(L, -1) == LUA_TNUMBER ? lua_tonumber(L, -1) : 0;
    if (!(key >= 1 && key <= INT_MAX && std::trunc(key) == key)) {
      lua_settop(L, top);
      return false;
    }
    max = std::max(max, static_cast<int>(key));
    ++count;
  }
  return max == count;
}

void EncodeTop(lua_State* L, int level);

void EncodeTable(lua_State* L, int level) {
  if (IsArray(L)) {
    const size_t len = lua_objlen(L, -1);
    EncodeContainerHeader(len, 0x90, 0xdc, 0xdd);
    luaL_checkstack(L, 1, "in function mp_encode_lua_table_as_array");
    for (size_t i = 1; i <= len; ++i) {
      lua_pushnumber(L, static_cast<double>(i));
      lua_gettable(L, -2);  // every key 1..len is present: no __index runs
      EncodeTop(L, level + 1);
    }
    return;
  }
  luaL_checkstack(L, 3, "in function mp_encode_lua_table_as_map");
  size_t count = 0;
  lua_pushnil(L);
  while (lua_next(L, -2) != 0) {
    lua_pop(L, 1);
    ++count;
  }
  EncodeContainerHeader(count, 0x80, 0xde, 0xdf);
  lua_pushnil(L);
  while (lua_next(L, -2) != 0) {  // stack: key value
    lua_pushvalue(L, -2);         // encode a copy of the key: lua_next needs it intact
    EncodeTop(L, level + 1);
    EncodeTop(L, level + 1);
  }
}

// Appends the encoding of the value on top of the stack and pops it.
void EncodeTop(lua_State* L, int level) {
  int type = lua_type(L, -1);
  if (type == LUA_TTABLE && level == kMaxNesting) type = LUA_TNIL;
  switch (type) {
    case LUA_TSTRING: {
      size_t len;
      const char* s = lua_tolstring(L, -1, &len);
      EncodeString(s, len);
      break;
    }
    case LUA_TBOOLEAN:
      encoded.push_back(lua_toboolean(L, -1) ? '\xc3' : '\xc2');
      break;
    case LUA_TNUMBER:
      EncodeNumber(lua_tonumber(L, -1));
      break;
    case LUA_TTABLE:
      EncodeTable(L, level);
      break;
    default:
      encoded.push_back('\xc0');
  }
  lua_pop(L, 1);
}

int Pack(lua_State* L) {
  const int nargs = lua_gettop(L);
  if (nargs == 0) return luaL_argerror(L, 0, "MessagePack pack needs input.");
  // Each argument's encoding is pushed, and all are concatenated at the end,
  // as Redis does: the same stack depth, so the same calls run out of stack.
  if (!lua_checkstack(L, nargs)) {
    return luaL_argerror(L, 0, "Too many arguments for MessagePack pack.");
  }
  for (int i = 1; i <= nargs; ++i) {
    encoded.clear();
    luaL_checkstack(L, 1, "in function mp_check");
    lua_pushvalue(L, i);
    EncodeTop(L, 0);
    lua_pushlstring(L, encoded.data(), encoded.size());
  }
  if (encoded.capacity() > kKeptCapacity) std::string().swap(encoded);
  lua_concat(L, nargs);
  return 1;
}

// ---------------------------------------------------------------- Decoding

enum class DecodeResult { kOk, kMissingBytes, kBadFormat };

struct Cursor {
  const unsigned char* p;
  size_t left;

  // The `bytes` bytes after the first, big-endian.
  uint64_t BigEndianAfterTag(int bytes) const {
    uint64_t v = 0;
    for (int i = 1; i <= bytes; ++i) v = (v << 8) | p[i];
    return v;
  }
  void Skip(size_t n) {
    p += n;
    left -= n;
  }
};

// An array or map whose items are being decoded. Open containers live here,
// not in C++ recursion: a fiber's stack is far smaller than Redis's thread's.
struct OpenContainer {
  bool is_map;
  bool key_pushed;        // a map's key is on the stack, its value comes next
  uint32_t remaining;     // items not yet started
  uint32_t next_index;    // an array's next key
};
thread_local std::vector<OpenContainer> open_containers;  // thread-local: see `encoded`

// Decodes the value at the cursor and pushes it. Lua stack use follows
// Redis's recursive decoder step for step: a table per open container, plus
// its pending index (array) or key (map).
DecodeResult DecodeValue(lua_State* L, Cursor& c) {
  std::vector<OpenContainer>& open = open_containers;
  open.clear();
  for (;;) {
    if (c.left < 1) return DecodeResult::kMissingBytes;
    luaL_checkstack(L, 1, "too many return values at once; use unpack_one or unpack_limit instead.");
    const unsigned char tag = c.p[0];
    int header = 1;         // bytes before a string's data or a container's items
    uint64_t length = 0;    // a string's bytes or a container's items
    enum { kScalar, kString, kArray, kMap } kind = kScalar;
    if (tag <= 0x7f || tag >= 0xe0) {  // positive / negative fixint
      lua_pushnumber(L, static_cast<int8_t>(tag));
      c.Skip(1);
    } else if (tag <= 0xbf) {  // fixmap, fixarray, fixstr
      kind = tag <= 0x8f ? kMap : tag <= 0x9f ? kArray : kString;
      length = tag & (kind == kString ? 0x1f : 0x0f);
    } else {
      switch (tag) {
        case 0xc0:
          lua_pushnil(L);
          c.Skip(1);
          break;
        case 0xc2:
        case 0xc3:
          lua_pushboolean(L, tag == 0xc3);
          c.Skip(1);
          break;
        case 0xcc: case 0xcd: case 0xce: case 0xcf:    // uint 8..64
        case 0xd0: case 0xd1: case 0xd2: case 0xd3: {  // int 8..64
          const int bytes = 1 << (tag & 3);
          if (c.left < 1 + static_cast<size_t>(bytes)) return DecodeResult::kMissingBytes;
          uint64_t v = c.BigEndianAfterTag(bytes);
          if (tag >= 0xd0) {  // sign-extend
            const int unused = 64 - 8 * bytes;
            v = static_cast<uint64_t>(static_cast<int64_t>(v << unused) >> unused);
          }
          // As int64: a uint 64 above INT64_MAX wraps negative (Redis's lua_pushinteger).
          lua_pushnumber(L, static_cast<double>(static_cast<int64_t>(v)));
          c.Skip(1 + bytes);
          break;
        }
        case 0xca:
          if (c.left < 5) return DecodeResult::kMissingBytes;
          lua_pushnumber(L, std::bit_cast<float>(static_cast<uint32_t>(c.BigEndianAfterTag(4))));
          c.Skip(5);
          break;
        case 0xcb:
          if (c.left < 9) return DecodeResult::kMissingBytes;
          lua_pushnumber(L, std::bit_cast<double>(c.BigEndianAfterTag(8)));
          c.Skip(9);
          break;
        case 0xd9: case 0xda: case 0xdb:  // str 8/16/32
        case 0xdc: case 0xdd:             // array 16/32
        case 0xde: case 0xdf: {           // map 16/32
          const int bytes = tag <= 0xdb ? 1 << (tag - 0xd9) : (tag & 1) == 0 ? 2 : 4;
          header = 1 + bytes;
          if (c.left < static_cast<size_t>(header)) return DecodeResult::kMissingBytes;
          length = c.BigEndianAfterTag(bytes);
          kind = tag <= 0xdb ? kString : tag <= 0xdd ? kArray : kMap;
          break;
        }
        default:  // 0xc1, bin 8/16/32, ext
          return DecodeResult::kBadFormat;
      }
    }
    bool value_complete = true;  // false: a container was opened, its items follow
    if (kind == kString) {
      if (c.left < header + length) return DecodeResult::kMissingBytes;
      lua_pushlstring(L, reinterpret_cast<const char*>(c.p + header), length);
      c.Skip(header + length);
    } else if (kind != kScalar) {
      c.Skip(header);
      lua_newtable(L);
      if (kind == kArray) luaL_checkstack(L, 1, "in function mp_decode_to_lua_array");
      open.push_back({kind == kMap, false, static_cast<uint32_t>(length), 1});
      value_complete = false;
    }
    // Store completed values into their containers, close the full ones, and
    // stop at the next item to decode.
    for (;;) {
      if (open.empty()) return DecodeResult::kOk;
      OpenContainer& top = open.back();
      if (value_complete) {
        if (top.is_map && !top.key_pushed) {
          top.key_pushed = true;  // decode its value next
          break;
        }
        lua_settable(L, -3);  // raises "table index is nil/NaN" as Redis's does
        top.key_pushed = false;
      }
      if (top.remaining == 0) {
        open.pop_back();
        value_complete = true;  // the table itself
        continue;
      }
      --top.remaining;
      if (!top.is_map) lua_pushnumber(L, top.next_index++);
      break;
    }
  }
}

// Redis's mp_unpack_full: decodes up to `limit` values from `offset` of the
// string argument; limit and offset both 0 mean all values, and no offset.
int UnpackValues(lua_State* L, lua_Integer limit, lua_Integer offset) {
  size_t len;
  const char* s = luaL_checklstring(L, 1, &len);
  if (offset < 0 || limit < 0) {
    return luaL_error(L, "Invalid request to unpack with offset of %d and limit of %d.",
                      static_cast<int>(offset), static_cast<int>(len));
  }
  if (static_cast<size_t>(offset) > len) {
    return luaL_error(L, "Start offset %d greater than input length %d.", static_cast<int>(offset),
                      static_cast<int>(len));
  }
  const bool decode_all = limit == 0 && offset == 0;
  if (decode_all) limit = INT_MAX;
  Cursor c{reinterpret_cast<const unsigned char*>(s) + offset, len - static_cast<size_t>(offset)};
  int count = 0;
  for (; c.left > 0 && count < limit; ++count) {
    switch (DecodeValue(L, c)) {
      case DecodeResult::kOk:
        break;
      case DecodeResult::kMissingBytes:
        return luaL_error(L, "Missing bytes in input.");
      case DecodeResult::kBadFormat:
        return luaL_error(L, "Bad data format in input.");
    }
  }
  if (decode_all) return count;
  luaL_checkstack(L, 1, "in function mp_unpack_full");
  lua_pushinteger(L, c.left == 0 ? -1 : static_cast<lua_Integer>(len - c.left));
  lua_insert(L, 2);  // the offset first, after the string argument
  return count + 1;
}

int Unpack(lua_State* L) { return UnpackValues(L, 0, 0); }

int UnpackOne(lua_State* L) {
  const lua_Integer offset = luaL_optinteger(L, 2, 0);
  lua_pop(L, lua_gettop(L) - 1);
  return UnpackValues(L, 1, offset);
}

int UnpackLimit(lua_State* L) {
  const lua_Integer limit = luaL_checkinteger(L, 2);
  const lua_Integer offset = luaL_optinteger(L, 3, 0);
  lua_pop(L, lua_gettop(L) - 1);
  return UnpackValues(L, limit, offset);
}

}  // namespace

int OpenCmsgpack(lua_State* L) {
  constexpr luaL_Reg kFunctions[] = {
      {"pack", Pack}, {"unpack", Unpack}, {"unpack_one", UnpackOne}, {"unpack_limit", UnpackLimit}};
  constexpr const char* kFields[][2] = {
      {"_NAME", "cmsgpack"},
      {"_VERSION", "lua-cmsgpack 0.4.0"},
      {"_COPYRIGHT", "Copyright (C) 2012, Salvatore Sanfilippo"},
      {"_DESCRIPTION", "MessagePack C implementation for Lua"}};
  lua_newtable(L);
  for (const luaL_Reg& f : kFunctions) {
    lua_pushcfunction(L, f.func);
    lua_setfield(L, -2, f.name);
  }
  for (const auto& [name, value] : kFields) {
    lua_pushstring(L, value);
    lua_setfield(L, -2, name);
  }
  return 1;
}

}  // namespace stockd::engine::lua
