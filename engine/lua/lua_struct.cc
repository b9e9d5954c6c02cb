// engine/lua/lua_struct.cc — see lua_struct.h.
#include "engine/lua/lua_struct.h"

#include <algorithm>
#include <bit>
#include <cctype>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstring>

extern "C" {
#include <lauxlib.h>
#include <lua.h>
}

namespace stockd::engine::lua {
namespace {

constexpr int kMaxIntSize = 32;  // MAXINTSIZE: the widest 'i'/'I'

// The default of '!': what a double needs after a char (MAXALIGN).
struct CharThenDouble {
  char c;
  double d;
};
constexpr int kMaxAlign = std::max<int>(offsetof(CharThenDouble, d), sizeof(int));

constexpr bool kNativeLittle = std::endian::native == std::endian::little;

struct Options {
  bool little = kNativeLittle;
  int align = 1;
};

bool IsPowerOf2(int x) { return x > 0 && (x & (x - 1)) == 0; }

bool IsDigit(int c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

// The decimal count at *fmt (consumed), else `fallback`.
int ReadCount(lua_State* L, const char** fmt, int fallback) {
  if (!IsDigit(**fmt)) return fallback;
  int n = 0;
  do {
    const int digit = **fmt - '0';
    if (n > INT_MAX / 10 || n * 10 > INT_MAX - digit) luaL_error(L, "integral size overflow");
    n = n * 10 + digit;
    ++*fmt;
  } while (IsDigit(**fmt));
  return n;
}

// The bytes option `opt` occupies (0: none or variable), reading its count.
size_t ItemSize(lua_State* L, int opt, const char** fmt) {
  switch (opt) {
    case 'B': case 'b': return sizeof(char);
    case 'H': case 'h': return sizeof(short);
    case 'L': case 'l': return sizeof(long);
    case 'T': return sizeof(size_t);
    case 'f': return sizeof(float);
    case 'd': return sizeof(double);
    case 'x': return 1;
    case 'c': return ReadCount(L, fmt, 1);
    case 'i': case 'I': {
      const int size = ReadCount(L, fmt, sizeof(int));
      if (size > kMaxIntSize) {
        luaL_error(L, "integral size %d is larger than limit of %d", size, kMaxIntSize);
      }
      return size;
    }
    default: return 0;
  }
}

// Padding before an item of `size` at offset `len`. The formula assumes a
// power of 2; 'i3' and the like get what it computes, as in Redis.
int Padding(size_t len, const Options& o, int opt, size_t size) {
  if (size == 0 || opt == 'c') return 0;
  size = std::min(size, static_cast<size_t>(o.align));
  return static_cast<int>((size - (len & (size - 1))) & (size - 1));
}

// ' ', '>', '<', '!n'; anything else is an invalid option.
void ControlOption(lua_State* L, int opt, const char** fmt, Options* o) {
  switch (opt) {
    case ' ': return;
    case '>': o->little = false; return;
    case '<': o->little = true; return;
    case '!': {
      const int align = ReadCount(L, fmt, kMaxAlign);
      if (!IsPowerOf2(align)) luaL_error(L, "alignment %d is not a power of 2", align);
      o->align = align;
      return;
    }
    default:
      luaL_argerror(L, 1, lua_pushfstring(L, "invalid format option '%c'", opt));
  }
}

// C's double -> long cast as x86-64 executes it: out of range (and NaN)
// yields INT64_MIN.
int64_t CastToLong(double d) {
  return d >= -0x1p63 && d < 0x1p63 ? static_cast<int64_t>(d) : INT64_MIN;
}

// C's double -> unsigned long cast as GCC compiles it for x86-64: from 2^63
// up, the signed cast of d - 2^63 with the top bit flipped.
uint64_t CastToUnsignedLong(double d) {
  if (d >= 0x1p63) return static_cast<uint64_t>(CastToLong(d - 0x1p63)) ^ (uint64_t{1} << 63);
  return static_cast<uint64_t>(CastToLong(d));
}

// Copies a float or double in the requested byte order.
template <typename T>
void AddFloating(luaL_Buffer* b, T value, bool little) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));
  if (little != kNativeLittle) std::reverse(bytes, bytes + sizeof(T));
  luaL_addlstring(b, bytes, sizeof(T));
}

template <typename T>
T ReadFloating(const char* data, bool little) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, data, sizeof(T));
  if (little != kNativeLittle) std::reverse(bytes, bytes + sizeof(T));
  return std::bit_cast<T>(bytes);
}

void AddInteger(lua_State* L, luaL_Buffer* b, int arg, bool little, int size) {
  const double n = luaL_checknumber(L, arg);
  uint64_t value = n < 0 ? static_cast<uint64_t>(CastToLong(n)) : CastToUnsignedLong(n);
  char bytes[kMaxIntSize];
  for (int i = 0; i < size; ++i) {
    bytes[little ? i : size - 1 - i] = static_cast<char>(value & 0xff);
    value >>= 8;
  }
  luaL_addlstring(b, bytes, size);
}

double ReadInteger(const char* data, bool little, bool is_signed, int size) {
  uint64_t v = 0;
  for (int i = 0; i < size; ++i) {
    v = (v << 8) | static_cast<unsigned char>(data[little ? size - 1 - i : i]);
  }
  if (!is_signed) return static_cast<double>(v);
  // Redis shifts by size*8-1 even when that passes 63 (i9..i32, i0): x86
  // takes the count mod 64.
  const uint64_t sign_and_above = ~uint64_t{0} << ((size * 8 - 1) & 63);
  if (v & sign_and_above) v |= sign_and_above;
  return static_cast<double>(static_cast<int64_t>(v));
}

bool IsIntegerOption(int opt) {
  switch (opt) {
    case 'b': case 'B': case 'h': case 'H': case 'l': case 'L': case 'T': case 'i': case 'I':
      return true;
    default:
      return false;
  }
}

int Pack(lua_State* L) {
  const char* fmt = luaL_checkstring(L, 1);
  Options o;
  int arg = 2;
  size_t total = 0;
  // A mark between the arguments and the buffer's pieces (so a missing
  // argument reads as nil, as in Redis).
  lua_pushnil(L);
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  while (*fmt != '\0') {
    const int opt = *fmt++;
    size_t size = ItemSize(L, opt, &fmt);
    int padding = Padding(total, o, opt, size);
    total += padding;
    while (padding-- > 0) luaL_addchar(&b, '\0');
    if (IsIntegerOption(opt)) {
      AddInteger(L, &b, arg++, o.little, static_cast<int>(size));
    } else if (opt == 'x') {
      luaL_addchar(&b, '\0');
    } else if (opt == 'f') {
      AddFloating<float>(&b, static_cast<float>(luaL_checknumber(L, arg++)), o.little);
    } else if (opt == 'd') {
      AddFloating<double>(&b, luaL_checknumber(L, arg++), o.little);
    } else if (opt == 'c' || opt == 's') {
      size_t len;
      const char* s = luaL_checklstring(L, arg++, &len);
      if (size == 0) size = len;
      luaL_argcheck(L, len >= size, arg, "string too short");  // `arg`: Redis names the next one
      luaL_addlstring(&b, s, size);
      if (opt == 's') {
        luaL_addchar(&b, '\0');
        ++size;
      }
    } else {
      ControlOption(L, opt, &fmt, &o);
    }
    total += size;
  }
  luaL_pushresult(&b);
  return 1;
}

int Unpack(lua_State* L) {
  const char* fmt = luaL_checkstring(L, 1);
  size_t data_len;
  const char* data = luaL_checklstring(L, 2, &data_len);
  // size_t, as Redis: a negative start wraps and fails the length check.
  size_t pos = static_cast<size_t>(luaL_optinteger(L, 3, 1));
  luaL_argcheck(L, pos > 0, 3, "offset must be 1 or greater");
  --pos;
  Options o;
  int results = 0;
  while (*fmt != '\0') {
    const int opt = *fmt++;
    size_t size = ItemSize(L, opt, &fmt);
    pos += Padding(pos, o, opt, size);
    luaL_argcheck(L, size <= data_len && pos <= data_len - size, 2, "data string too short");
    luaL_checkstack(L, 2, "too many results");  // the item and the final position
    if (IsIntegerOption(opt)) {
      const bool is_signed = std::islower(opt) != 0;
      lua_pushnumber(L, ReadInteger(data + pos, o.little, is_signed, static_cast<int>(size)));
      ++results;
    } else if (opt == 'x') {
      // skipped
    } else if (opt == 'f') {
      lua_pushnumber(L, ReadFloating<float>(data + pos, o.little));
      ++results;
    } else if (opt == 'd') {
      lua_pushnumber(L, ReadFloating<double>(data + pos, o.little));
      ++results;
    } else if (opt == 'c') {
      if (size == 0) {  // the length is the previous result
        if (results == 0 || !lua_isnumber(L, -1)) luaL_error(L, "format 'c0' needs a previous size");
        size = CastToUnsignedLong(lua_tonumber(L, -1));
        lua_pop(L, 1);
        --results;
        luaL_argcheck(L, size <= data_len && pos <= data_len - size, 2, "data string too short");
      }
      lua_pushlstring(L, data + pos, size);
      ++results;
    } else if (opt == 's') {
      const void* end = std::memchr(data + pos, '\0', data_len - pos);
      if (end == nullptr) luaL_error(L, "unfinished string in data");
      size = static_cast<size_t>(static_cast<const char*>(end) - (data + pos)) + 1;
      lua_pushlstring(L, data + pos, size - 1);
      ++results;
    } else {
      ControlOption(L, opt, &fmt, &o);
    }
    pos += size;
  }
  lua_pushinteger(L, static_cast<lua_Integer>(pos + 1));
  return results + 1;
}

int Size(lua_State* L) {
  const char* fmt = luaL_checkstring(L, 1);
  Options o;
  size_t pos = 0;
  while (*fmt != '\0') {
    const int opt = *fmt++;
    const size_t size = ItemSize(L, opt, &fmt);
    pos += Padding(pos, o, opt, size);
    if (opt == 's') {
      luaL_argerror(L, 1, "option 's' has no fixed size");
    } else if (opt == 'c' && size == 0) {
      luaL_argerror(L, 1, "option 'c0' has no fixed size");
    }
    if (!std::isalnum(static_cast<unsigned char>(opt))) ControlOption(L, opt, &fmt, &o);
    pos += size;
  }
  lua_pushinteger(L, static_cast<lua_Integer>(pos));
  return 1;
}

}  // namespace

int OpenStruct(lua_State* L) {
  constexpr luaL_Reg kFunctions[] = {{"pack", Pack}, {"unpack", Unpack}, {"size", Size}};
  lua_newtable(L);
  for (const luaL_Reg& f : kFunctions) {
    lua_pushcfunction(L, f.func);
    lua_setfield(L, -2, f.name);
  }
  return 1;
}

}  // namespace stockd::engine::lua
