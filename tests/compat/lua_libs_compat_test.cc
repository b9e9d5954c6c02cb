// tests/compat/lua_libs_compat_test.cc — the cmsgpack and struct libraries of
// scripts compared with a real redis-server, byte for byte: every script
// returns the packed bytes as hex (or the unpacked values rendered to text),
// so any difference in an encoding, a decoded value or an error text shows.
#include <string>
#include <vector>

#include "tests/compat/compat_util.h"

namespace stockd::testing {
namespace {

using LuaLibsCompat = CompatTest;

// Helpers every script starts with: hex(s); show(v), a deterministic text of
// any value (table keys sorted, numbers with 17 digits, strings as hex); and
// all(...), the shown values of a call's results (nil included).
constexpr const char* kPrelude = R"(
local function hex(s)
  return (string.gsub(s, '.', function(c) return string.format('%02x', string.byte(c)) end))
end
local function show(v)
  local t = type(v)
  if t == 'table' then
    local keys = {}
    for k in pairs(v) do keys[#keys + 1] = k end
    table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
    local parts = {}
    for _, k in ipairs(keys) do parts[#parts + 1] = show(k) .. '=' .. show(v[k]) end
    return '{' .. table.concat(parts, ',') .. '}'
  elseif t == 'string' then
    return 's:' .. hex(v)
  elseif t == 'number' then
    return 'n:' .. string.format('%.17g', v)
  end
  return tostring(v)
end
local function all(...)
  local r = {}
  for i = 1, select('#', ...) do r[i] = show((select(i, ...))) end
  if #r == 0 then return 'none' end
  return r
end
)";

std::vector<std::string> Lua(const std::string& body) {
  return {"EVAL", std::string(kPrelude) + body, "0"};
}

// ------------------------------------------------------------------ cmsgpack

TEST_F(LuaLibsCompat, CmsgpackPacksIntegersInTheSmallestWidth) {
  for (const char* n :
       {"0", "1", "127", "128", "255", "256", "65535", "65536", "4294967295", "4294967296",
        "2^53", "2^62", "9223372036854774784", "-1", "-31", "-32", "-33", "-127", "-128", "-129",
        "-32767", "-32768", "-32769", "-2147483647", "-2^31", "-2^31-1", "-2^53", "-2^63",
        "-0.0", "3.0", "1e15"}) {
    Same(Lua(std::string("return hex(cmsgpack.pack(") + n + "))"));
  }
}

TEST_F(LuaLibsCompat, CmsgpackPacksFloatsAsFloat32WhenExact) {
  for (const char* n :
       {"1.5", "-1.5", "0.1", "-0.1", "0.5", "1e300", "-1e300", "3.4028234663852886e38",
        "3.5e38", "1e-45", "2^-149", "2^-150", "2^63", "-2^63-2048", "2^64", "2^70", "1/0",
        "-1/0", "0/0", "-(0/0)", "123456.789", "1e15+0.5", "16777217.5"}) {
    Same(Lua(std::string("return hex(cmsgpack.pack(") + n + "))"));
  }
}

TEST_F(LuaLibsCompat, CmsgpackPacksStringsOfEveryHeaderWidth) {
  for (int len : {0, 1, 31, 32, 255, 256, 65535, 65536, 70000}) {
    // The header, the length, and whether the payload follows it intact.
    Same(Lua("local n = " + std::to_string(len) +
             " local s = cmsgpack.pack(string.rep('ab', n / 2) .. string.rep('c', n % 2))"
             " return {hex(string.sub(s, 1, #s - n)), #s, string.sub(s, #s - n + 1) =="
             " string.rep('ab', n / 2) .. string.rep('c', n % 2) and 1 or 0}"));
  }
  Same(Lua("return hex(cmsgpack.pack('\\0\\1\\255 zero\\0'))"));
}

TEST_F(LuaLibsCompat, CmsgpackPacksScalarsAndUnsupportedTypes) {
  for (const char* v : {"true", "false", "nil", "function() end", "tostring",
                        "coroutine.create(function() end)", "'x', nil, 'y'"}) {
    Same(Lua(std::string("return hex(cmsgpack.pack(") + v + "))"));
  }
}

TEST_F(LuaLibsCompat, CmsgpackChoosesArrayOrMap) {
  for (const char* t :
       {"{}", "{1, 2, 3}", "{1, nil, 3}", "{[1] = 1, [3] = 3}", "{[2] = 2}", "{[0] = 1}",
        "{[-1] = 1}", "{[1.5] = 1}", "{a = 1}", "{1, 2, a = 3}", "{['1'] = 1}", "{[2^31] = 1}",
        "{[1] = 'a', [2^31] = 'b'}", "{[2^31 - 1] = 1}", "{[1] = true, [2] = false}",
        "{{1}, {a = {true, false}}, {}}", "{x = {y = {z = 'deep'}}}",
        "setmetatable({1, 2}, {__index = function() return 9 end})",
        "{a = 1, b = 2, c = 3, d = 4}", "{[10] = 1, [20] = 2, [30] = 3}"}) {
    Same(Lua(std::string("return hex(cmsgpack.pack(") + t + "))"));
  }
}

TEST_F(LuaLibsCompat, CmsgpackArrayAndMapHeaderWidths) {
  for (int n : {15, 16, 65535, 65536}) {
    const std::string count = std::to_string(n);
    // Arrays of n small integers: the header and the total size.
    Same(Lua("local t = {} for i = 1, " + count +
             " do t[i] = i % 100 end local s = cmsgpack.pack(t)"
             " return {hex(string.sub(s, 1, 5)), #s, hex(string.sub(s, -4))}"));
    // Maps with n integer keys from 0 (not an array): header and size.
    Same(Lua("local t = {} for i = 0, " + count +
             " - 1 do t[i] = 1 end local s = cmsgpack.pack(t)"
             " return {hex(string.sub(s, 1, 5)), #s}"));
  }
}

TEST_F(LuaLibsCompat, CmsgpackNestingDeeperThan16IsNil) {
  for (int depth : {1, 15, 16, 17, 20}) {
    Same(Lua("local t = 'leaf' for i = 1, " + std::to_string(depth) +
             " do t = {t} end return hex(cmsgpack.pack(t))"));
    Same(Lua("local t = 'leaf' for i = 1, " + std::to_string(depth) +
             " do t = {k = t} end return hex(cmsgpack.pack(t))"));
  }
  Same(Lua("local t = {} t[1] = t return hex(cmsgpack.pack(t))"));
  Same(Lua("local t = {} t.self = t return hex(cmsgpack.pack(t))"));
}

TEST_F(LuaLibsCompat, CmsgpackPackConcatenatesItsArguments) {
  SameAll({Lua("return hex(cmsgpack.pack(1, 'a', {1}, true, nil, false, 1.5))"),
           Lua("return hex(cmsgpack.pack(nil, nil))"),
           Lua("return cmsgpack.pack()"),
           Lua("local t = {} for i = 1, 4000 do t[i] = i end return #cmsgpack.pack(unpack(t))"),
           Lua("local t = {} for i = 1, 4001 do t[i] = i end return #cmsgpack.pack(unpack(t))")});
}

TEST_F(LuaLibsCompat, CmsgpackRoundTrips) {
  for (const char* v :
       {"0", "127", "128", "-32", "-33", "65536", "-2^31-1", "2^53", "-2^63", "1.5", "0.1",
        "1e300", "1/0", "'x'", "string.rep('y', 300)", "string.rep('z', 70000)", "true", "false",
        "nil", "{}", "{1, 2, {3, 4}}", "{a = 1, b = {c = 'd'}, [5] = false}",
        "1, 'two', {3}, nil, true"}) {
    Same(Lua(std::string("return all(cmsgpack.unpack(cmsgpack.pack(") + v + ")))"));
  }
}

TEST_F(LuaLibsCompat, CmsgpackUnpacksEveryEncoding) {
  // Lua decimal escapes: every MessagePack type Redis's decoder knows, plus
  // the ones it rejects (0xc1, bin 8/16/32, ext, fixext).
  for (const char* s :
       {"'\\0'", "'\\127'", "'\\224'", "'\\255'", "'\\204\\255'", "'\\205\\1\\0'",
        "'\\206\\255\\255\\255\\255'", "'\\207\\0\\0\\0\\1\\0\\0\\0\\0'",
        "'\\207\\127\\255\\255\\255\\255\\255\\255\\255'",
        "'\\207\\255\\255\\255\\255\\255\\255\\255\\255'",
        "'\\207\\128\\0\\0\\0\\0\\0\\0\\0'", "'\\208\\128'", "'\\208\\127'",
        "'\\209\\128\\0'", "'\\209\\255\\1'", "'\\210\\128\\0\\0\\0'",
        "'\\211\\128\\0\\0\\0\\0\\0\\0\\0'", "'\\211\\255\\255\\255\\255\\255\\255\\255\\254'",
        "'\\202\\63\\192\\0\\0'", "'\\202\\127\\192\\0\\0'", "'\\203\\63\\241\\153\\153\\153\\153\\153\\154'",
        "'\\192'", "'\\194'", "'\\195'", "'\\160'", "'\\163abc'", "'\\217\\3abc'",
        "'\\218\\0\\3abc'", "'\\219\\0\\0\\0\\3abc'", "'\\144'", "'\\147\\1\\192\\3'",
        "'\\220\\0\\2\\1\\2'", "'\\221\\0\\0\\0\\2\\1\\2'", "'\\128'", "'\\130\\161a\\1\\161b\\192'",
        "'\\222\\0\\1\\1\\2'", "'\\223\\0\\0\\0\\1\\161k\\145\\145\\1'", "'\\129\\195\\1'",
        "'\\129\\145\\1\\2'", "'\\1\\2\\3'", "''", "5", "'\\193'", "'\\196\\1a'", "'\\197\\0\\1a'",
        "'\\198\\0\\0\\0\\1a'", "'\\199\\1\\1a'", "'\\200\\0\\1\\1a'", "'\\201\\0\\0\\0\\1\\1a'",
        "'\\212\\1a'", "'\\213\\1ab'", "'\\214\\1abcd'", "'\\215\\1abcdefgh'",
        "'\\216\\1abcdefghabcdefgh'", "'\\129\\192\\1'", "'\\129\\203\\255\\248\\0\\0\\0\\0\\0\\0\\1'",
        "'\\1\\193'", "{}", "nil"}) {
    Same(Lua(std::string("return all(cmsgpack.unpack(") + s + "))"));
  }
}

TEST_F(LuaLibsCompat, CmsgpackTruncatedInputIsMissingBytes) {
  // Every proper prefix of a stream holding each type.
  Same(Lua(
      "local s = cmsgpack.pack(300, -300, 70000, -70000, 2^40, -2^40, 1.5, 0.1, 'abc',"
      " string.rep('x', 40), string.rep('y', 300), {1, 2}, {a = 1}, true) local r = {}"
      " for i = 1, #s - 1 do local ok, err = pcall(cmsgpack.unpack, string.sub(s, 1, i))"
      " r[#r + 1] = tostring(ok) .. ' ' .. tostring(err) end r[#r + 1] = #s return r"));
  for (const char* cut : {"3", "4", "-2"}) {  // a str 32: its header, its payload
    Same(Lua(std::string("return {cmsgpack.unpack(string.sub(cmsgpack.pack(string.rep('w', 70000)), 1, ") +
             cut + "))}"));
  }
  Same(Lua("return {cmsgpack.unpack('\\220\\0\\17\\1')}"));
  Same(Lua("return {cmsgpack.unpack('\\222\\0\\1\\1')}"));
  Same(Lua("return {cmsgpack.unpack('\\221\\0\\0')}"));
}

TEST_F(LuaLibsCompat, CmsgpackUnpackOneWalksAStream) {
  Same(Lua("local s = cmsgpack.pack(1, 'two', {3}, nil, true) local r = {} local off = 0"
           " while true do local n, v = cmsgpack.unpack_one(s, off) r[#r + 1] = n .. ' ' .."
           " show(v) if n == -1 then break end off = n end return r"));
  for (const char* call :
       {"cmsgpack.unpack_one('\\1\\2\\3')", "cmsgpack.unpack_one('\\1\\2\\3', 0)",
        "cmsgpack.unpack_one('\\1\\2\\3', 2)", "cmsgpack.unpack_one('\\1\\2\\3', 3)",
        "cmsgpack.unpack_one('\\1\\2\\3', 1.7)", "cmsgpack.unpack_one('\\1\\2\\3', 4)",
        "cmsgpack.unpack_one('\\1\\2\\3', -1)", "cmsgpack.unpack_one('\\1\\2\\3', 'x')",
        "cmsgpack.unpack_one('\\1\\2\\3', '1')", "cmsgpack.unpack_one('')",
        "cmsgpack.unpack_one('', 0)", "cmsgpack.unpack_one()", "cmsgpack.unpack_one('\\1', 0, 'extra')",
        "cmsgpack.unpack_one('\\193')", "cmsgpack.unpack_one('\\1\\205\\1')"}) {
    Same(Lua(std::string("return all(") + call + ")"));
  }
}

TEST_F(LuaLibsCompat, CmsgpackUnpackLimit) {
  for (const char* call :
       {"cmsgpack.unpack_limit('\\1\\2\\3\\4', 1)", "cmsgpack.unpack_limit('\\1\\2\\3\\4', 2)",
        "cmsgpack.unpack_limit('\\1\\2\\3\\4', 4)", "cmsgpack.unpack_limit('\\1\\2\\3\\4', 10)",
        "cmsgpack.unpack_limit('\\1\\2\\3\\4', 0)", "cmsgpack.unpack_limit('\\1\\2\\3\\4', 0, 1)",
        "cmsgpack.unpack_limit('\\1\\2\\3\\4', 2, 1)", "cmsgpack.unpack_limit('\\1\\2\\3\\4', 2, 3)",
        "cmsgpack.unpack_limit('\\1\\2\\3\\4', 2, 4)", "cmsgpack.unpack_limit('\\1\\2\\3\\4', 2, 5)",
        "cmsgpack.unpack_limit('\\1\\2\\3\\4', -1)", "cmsgpack.unpack_limit('\\1\\2\\3\\4', 1, -2)",
        "cmsgpack.unpack_limit('\\1\\2\\3\\4')", "cmsgpack.unpack_limit('\\1\\2\\3\\4', 'x')",
        "cmsgpack.unpack_limit('\\1\\2\\3\\4', 2.9)", "cmsgpack.unpack_limit('\\147\\1\\2', 1)",
        "cmsgpack.unpack_limit('\\1\\147\\1\\2', 2)"}) {
    Same(Lua(std::string("return all(") + call + ")"));
  }
}

// Redis's decoder reserves Lua stack per value and per nesting level; the
// same inputs must run out of it with the same error.
TEST_F(LuaLibsCompat, CmsgpackUnpackStackLimits) {
  for (int n : {7998, 7999, 8000}) {
    Same(Lua("return select('#', cmsgpack.unpack(string.rep('\\192', " + std::to_string(n) + ")))"));
  }
  for (int depth : {3998, 3999, 4000, 5000}) {
    const std::string d = std::to_string(depth);
    Same(Lua("local t = cmsgpack.unpack(string.rep('\\145', " + d +
             ") .. '\\1') local n = 0 while type(t) == 'table' do t = t[1] n = n + 1 end return {n, t}"));
    Same(Lua("local t = cmsgpack.unpack(string.rep('\\129\\1', " + d +
             ") .. '\\1') local n = 0 while type(t) == 'table' do t = t[1] n = n + 1 end return {n, t}"));
  }
  Same(Lua("return #{cmsgpack.unpack_limit(string.rep('\\192', 9000), 100, 10)}"));
}

TEST_F(LuaLibsCompat, CmsgpackLibraryTable) {
  Same(Lua("local r = {} for k, v in pairs(cmsgpack) do r[#r + 1] = k .. '=' .."
           " (type(v) == 'string' and v or type(v)) end table.sort(r) return r"));
  Same(Lua("return type(cmsgpack_safe)"));
}

// A packed value stored with redis.call and read back raw (as BullMQ does).
TEST_F(LuaLibsCompat, CmsgpackThroughKeys) {
  SameAll({{"EVAL", "return redis.call('SET', KEYS[1], cmsgpack.pack({ARGV[1], tonumber(ARGV[2]), {x = true}}))",
            "1", "k", "job", "300"},
           {"GET", "k"},
           {"EVAL", "local t = cmsgpack.unpack(redis.call('GET', KEYS[1])) return {t[1], t[2], tostring(t[3].x)}",
            "1", "k"}});
}

TEST_F(LuaLibsCompat, CmsgpackAndStructInFunctions) {
  const std::string lib =
      "#!lua name=packlib\n"
      "redis.register_function('mp', function(keys, args)\n"
      "  local s = cmsgpack.pack({tonumber(args[1]), args[2], {args[2]}})\n"
      "  local t = cmsgpack.unpack(s)\n"
      "  return {s, t[1], t[2], t[3][1], struct.pack('>I2s', tonumber(args[1]), args[2])}\n"
      "end)\n"
      "redis.register_function('st', function(keys, args)\n"
      "  return {struct.unpack('<i4c0', args[1])}\n"
      "end)\n";
  SameAll({{"FUNCTION", "LOAD", lib},
           {"FCALL", "mp", "0", "513", "name"},
           {"FCALL", "mp", "0", "-7", ""},
           {"FCALL", "st", "0", std::string("\x03\x00\x00\x00xyzw", 8)},
           {"FCALL", "st", "0", std::string("\x00\x00\x00\x00", 4)}});
}

// ------------------------------------------------------------------ struct

TEST_F(LuaLibsCompat, StructPacksIntegersOfEveryFormat) {
  const std::string values =
      "{0, 1, -1, 127, 128, 255, 256, -128, -129, 32767, 32768, 65535, 65536, -32769, 2^31 - 1,"
      " 2^31, -2^31, 2^32, 2^53, -2^53, 2^63, 2^63 + 2^62, 2^64, 1.9e19, -2^63, -2^64, 1/0,"
      " -1/0, 0/0, -(0/0), 1.5, -1.5, 0.9}";
  for (const char* endian : {"<", ">", ""}) {
    for (const char* fmt : {"b", "B", "h", "H", "l", "L", "T", "i", "I", "i1", "I2", "i3", "I3",
                            "i4", "i5", "I7", "i8", "I8", "i9", "I16", "i32", "i0"}) {
      Same(Lua("local r = {} for _, v in ipairs(" + values + ") do r[#r + 1] = hex(struct.pack('" +
               endian + fmt + "', v)) end return r"));
    }
  }
}

TEST_F(LuaLibsCompat, StructPacksFloats) {
  const std::string values = "{0, -0.0, 1.5, 0.1, -2.25, 1e300, 1e-300, 3.5e38, 1/0, -1/0, 2^-149}";
  for (const char* fmt : {"f", "d", "<f", ">f", "<d", ">d"}) {
    Same(Lua("local r = {} for _, v in ipairs(" + values + ") do r[#r + 1] = hex(struct.pack('" +
             fmt + "', v)) end return r"));
  }
  // NaN's sign and payload pass through.
  SameAll({Lua("return hex(struct.pack('>d>f', 0/0, 0/0))"), Lua("return hex(struct.pack('<d', -(0/0)))")});
}

TEST_F(LuaLibsCompat, StructPacksStringsAndPadding) {
  for (const char* call :
       {"struct.pack('s', 'abc')", "struct.pack('s', '')", "struct.pack('s', 'a\\0b')",
        "struct.pack('c', 'xyz')", "struct.pack('c3', 'xyz')", "struct.pack('c2', 'xyz')",
        "struct.pack('c0', 'whole')", "struct.pack('c0', '')", "struct.pack('c5', 'ab')",
        "struct.pack('bc5', 1, 'ab')", "struct.pack('s', 12)", "struct.pack('c0', 3.5)",
        "struct.pack('s', {})", "struct.pack('x')", "struct.pack('xxbx', 7)",
        "struct.pack('  > h  < h ', 1, 1)", "struct.pack('>h<h>i', 1, 2, 3)"}) {
    Same(Lua(std::string("return hex(") + call + ")"));
  }
}

TEST_F(LuaLibsCompat, StructAlignment) {
  for (const char* call :
       {"struct.pack('!4 b i', 1, 2)", "struct.pack('!4 b h', 1, 2)", "struct.pack('!2 b i', 1, 2)",
        "struct.pack('! b d', 1, 2)", "struct.pack('!8 b d', 1, 2)", "struct.pack('!16 b d', 1, 2)",
        "struct.pack('!1 b d', 1, 2)", "struct.pack('b d', 1, 2)", "struct.pack('!4 b c3 i', 1, 'abc', 2)",
        "struct.pack('!4 b s i', 1, 'ab', 2)", "struct.pack('!4 b i3 i', 1, 2, 3)",
        "struct.pack('!8 b i3 b i5', 1, 2, 3, 4)", "struct.pack('!8 b I16', 1, 2)",
        "struct.pack('!4 b x i', 1, 2)", "struct.pack('!4 b !1 i', 1, 2)", "struct.pack('!4 b f', 1, 2)",
        "struct.pack('!8 b T', 1, 2)", "struct.pack('!4 b l', 1, 2)"}) {
    Same(Lua(std::string("return hex(") + call + ")"));
  }
}

TEST_F(LuaLibsCompat, StructUnpacksWhatItPacks) {
  for (const char* fmt : {"b", "B", "h", "H", "l", "L", "T", "i", "I", "i1", "I2", "i3", "I3",
                          "i5", "i8", "I8", "f", "d"}) {
    for (const char* endian : {"<", ">"}) {
      Same(Lua(std::string("local r = {} for _, v in ipairs({0, 1, -1, 100, -100, 40000, -40000,"
                           " 2^40, -2^40, 1.5}) do r[#r + 1] = show(struct.unpack('") +
               endian + fmt + "', struct.pack('" + endian + fmt + "', v))) end return r"));
    }
  }
  Same(Lua("return all(struct.unpack('!4 b i c3 s d', struct.pack('!4 b i c3 s d', -5, 7, 'xyz',"
           " 'str', 2.5)))"));
}

TEST_F(LuaLibsCompat, StructUnpacksRawBytes) {
  for (const char* call :
       {"struct.unpack('>i9', '\\0\\0\\0\\0\\0\\0\\0\\0\\128')",
        "struct.unpack('>i9', string.rep('\\255', 9))",
        "struct.unpack('>i16', '\\128' .. string.rep('\\0', 15))",
        "struct.unpack('<i9', '\\0\\0\\0\\0\\0\\0\\0\\0\\128')",
        "struct.unpack('>I9', string.rep('\\255', 9))", "struct.unpack('<i12', string.rep('\\129', 12))",
        "struct.unpack('i0', '')", "struct.unpack('i0', 'abc', 2)",
        "struct.unpack('>I8', string.rep('\\255', 8))", "struct.unpack('>i8', '\\128' .. string.rep('\\0', 7))",
        "struct.unpack('<h<H', '\\255\\255\\255\\255')", "struct.unpack('b', 'abc', 2)",
        "struct.unpack('b', 'abc', 3)", "struct.unpack('b', 'abc', 4)", "struct.unpack('', 'abc', 4)",
        "struct.unpack('', 'abc', 5)", "struct.unpack('', 'abc', -5)", "struct.unpack('b', 'abc', -1)",
        "struct.unpack('b', 'abc', 0)", "struct.unpack('b', 'abc', 1.9)", "struct.unpack('xb', 'abc')",
        "struct.unpack('s', 'ab\\0cd\\0')", "struct.unpack('ss', 'ab\\0cd\\0')", "struct.unpack('s', 'abc')",
        "struct.unpack('c0', 'abc')", "struct.unpack('bc0', '\\2abcd')", "struct.unpack('bc0', '\\9abcd')",
        "struct.unpack('bc0', '\\255abcd')", "struct.unpack('c1c0', '3abcd')", "struct.unpack('c1c0', 'xabcd')",
        "struct.unpack('Bc0B', '\\0\\7')", "struct.unpack('c', 'abc')", "struct.unpack('c2', 'abc')",
        "struct.unpack('c4', 'abc')", "struct.unpack('!4 b i', '\\1\\0\\0\\0\\2\\0\\0\\0')",
        "struct.unpack('!4 b i', '\\1\\0\\0\\0\\2\\0\\0')", "struct.unpack('!4 b i', '\\1\\0\\0\\0\\2\\0\\0\\0', 2)",
        "struct.unpack('>f<d', '\\63\\192\\0\\0\\0\\0\\0\\0\\0\\0\\248\\63')", "struct.unpack('i', 5)",
        "struct.unpack('i', 1234)", "struct.unpack('i')", "struct.unpack(nil, 'x')",
        "struct.unpack(string.rep('b', 8000), string.rep('a', 8000))"}) {
    Same(Lua(std::string("return all(") + call + ")"));
  }
}

TEST_F(LuaLibsCompat, StructSize) {
  for (const char* fmt :
       {"", "b", "B", "h", "H", "l", "L", "T", "i", "I", "i3", "I16", "i32", "f", "d", "x", "c",
        "c7", "bhi", "!4 b i", "!8 b d", "!2 b d", "! b d", "!4 b c3 i", "<>  ", "yq", "i0",
        "s", "c0", "b s", "i33", "!3", "!0", "!", "#", "b#", "i99999999999", "c99999999999"}) {
    Same(Lua(std::string("return all(struct.size('") + fmt + "'))"));
  }
  Same(Lua("return all(struct.size())"));
}

TEST_F(LuaLibsCompat, StructErrors) {
  for (const char* call :
       {"struct.pack('y')", "struct.pack('b y', 1)", "struct.pack('#')", "struct.pack('i33', 1)",
        "struct.pack('i99999999999', 1)", "struct.pack('!3')", "struct.pack('!0 b', 1)",
        "struct.pack('!5 b', 1)", "struct.pack('i', 'x')", "struct.pack('i', '12')", "struct.pack('i')",
        "struct.pack('ii', 1)", "struct.pack('d', {})", "struct.pack('s')", "struct.pack()",
        "struct.pack(5)", "struct.pack('s5', 'x')", "struct.unpack('y', 'x')",
        "struct.unpack('i33', 'x')", "struct.unpack('!3', 'x')", "struct.unpack('i', 'abc')",
        "struct.unpack('i', 'abcd', 2)", "struct.unpack('d', 'abc')"}) {
    Same(Lua(std::string("return all(") + call + ")"));
  }
  Same(Lua("local r = {} for k, v in pairs(struct) do r[#r + 1] = k .. '=' .. type(v) end"
           " table.sort(r) return r"));
}

}  // namespace
}  // namespace stockd::testing
