// tests/compat/scripting_compat_test.cc — EVAL replies of stockd and a real
// redis-server compared: the Lua<->RESP conversion rules, error texts (with
// the script line and sha), the sandbox, the script cache.
#include "tests/compat/compat_util.h"
#include "tests/util/raw_resp.h"

namespace stockd::testing {
namespace {

using ScriptingCompat = CompatTest;

std::vector<std::string> Eval(const std::string& body, std::vector<std::string> keys = {},
                              std::vector<std::string> args = {}) {
  std::vector<std::string> argv = {"EVAL", body, std::to_string(keys.size())};
  argv.insert(argv.end(), keys.begin(), keys.end());
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

TEST_F(ScriptingCompat, LuaToRespConversions) {
  for (const char* body :
       {"return 1", "return 3.99", "return -3.99", "return -0.5", "return 1e20", "return math.huge",
        "return 'x'", "return ''", "return true", "return false", "return nil",
        "return {1,2,3.33,'x',nil,5}", "return {1,{2,{3,'x'}},-3.99}", "return {ok='fine'}",
        "return {err='My Error'}", "return {err=5}", "return {ok=5}", "return {1,2,err='x'}",
        "return redis.error_reply('My Error')", "return redis.error_reply('-X y')",
        "return redis.status_reply('FINE')", "return {double=3.5}", "return {map={a=1}}",
        "return {'a',false,'c'}", "return unpack({1,2})", "return {}", "return {{}}",
        "return tostring(12.5)", "return 0x10", "return {true,false}"}) {
    Same(Eval(body));
  }
}

// Booleans follow the script's protocol (redis.setresp), not the client's:
// under 2 (the default) false is a null and true :1 even to a RESP3 client;
// under 3 they are RESP3 booleans, written :1/:0 to a RESP2 client. Raw
// sockets, byte for byte: hiredis 0.14 cannot read RESP3.
TEST_F(ScriptingCompat, BooleansFollowTheScriptsProtocol) {
  const std::vector<std::string> scripts = {
      "return false", "return true", "return {false, true}", "redis.setresp(3); return false",
      "redis.setresp(3); return true", "redis.setresp(3); return {false, true}",
      "redis.setresp(3); redis.setresp(2); return {false, true}"};
  for (const bool resp3 : {false, true}) {
    RawResp st(stockd_.port()), rd(redis_.port());
    if (resp3) {
      ASSERT_EQ(st.Do({"HELLO", "3"}).substr(0, 1), "%");
      ASSERT_EQ(rd.Do({"HELLO", "3"}).substr(0, 1), "%");
    }
    for (const std::string& script : scripts)
      EXPECT_EQ(st.Do({"EVAL", script, "0"}), rd.Do({"EVAL", script, "0"})) << script << (resp3 ? " (RESP3)" : "");
  }
  RawResp st(stockd_.port());
  ASSERT_EQ(st.Do({"HELLO", "3"}).substr(0, 1), "%");
  EXPECT_EQ(st.Do({"EVAL", "return {false, true}", "0"}), "*2\r\n_\r\n:1\r\n");
  EXPECT_EQ(st.Do({"EVAL", "redis.setresp(3); return {false, true}", "0"}), "*2\r\n#f\r\n#t\r\n");
}

TEST_F(ScriptingCompat, RespToLuaConversions) {
  SameAll({{"SET", "s", "v"}, {"RPUSH", "l", "a", "b", "c"}, {"HSET", "h", "f", "1"}, {"SADD", "set", "m"}});
  for (const char* body :
       {"return redis.call('get', KEYS[1])", "return type(redis.call('get', 'nokey'))",
        "return redis.call('set', 's', 'w')", "return redis.call('set', 's', 'w').ok",
        "return type(redis.call('set', 's', 'w'))", "return redis.call('lrange', 'l', 0, -1)",
        "return #redis.call('lrange', 'l', 0, -1)", "return redis.call('incr', 'n')",
        "return type(redis.call('incr', 'n'))", "return redis.call('hgetall', 'h')",
        "return redis.call('smembers', 'set')", "return redis.call('exists', 'nope')",
        "return redis.pcall('incr', 's')", "return redis.pcall('incr', 's').err",
        "return type(redis.pcall('incr', 's'))",
        "redis.setresp(3); return redis.call('hgetall', 'h')",
        "redis.setresp(3); return type(redis.call('get', 'nokey'))",
        "return redis.call('set', 'x', 3.5)", "return redis.call('get', 'x')",
        "return redis.call('set', 'x', 1e20)", "return redis.call('get', 'x')",
        "return redis.call('set', 'x', 12345678901234)", "return redis.call('get', 'x')",
        "return redis.call('lpop', 'nolist')", "return redis.call('blpop', 'nolist', 0)"}) {
    std::vector<std::string> keys = {"s", "l", "h", "set", "n", "nokey", "x", "nope", "nolist"};
    Same(Eval(body, keys));
  }
}

// stockd's tonumber takes a shortcut for decimal integer strings: every other
// shape must still convert (or not) exactly as Lua 5.1's does in Redis.
TEST_F(ScriptingCompat, ToNumber) {
  SameAll({{"SET", "n", "99999999"}, {"SET", "neg", "-42"}, {"SET", "f", "3.25"}});
  for (const char* body :
       {"return tonumber(redis.call('get', KEYS[1])) - 1", "return tonumber(redis.call('get', 'neg'))",
        "return tostring(tonumber(redis.call('get', 'f')) * 4)", "return tostring(tonumber('-0'))",
        "return tostring(1 / tonumber('-0'))", "return tonumber('007')", "return tonumber('0')",
        "return tostring(tonumber('123456789012345'))", "return tostring(tonumber('1234567890123456'))",
        "return tostring(tonumber('-999999999999999'))", "return tostring(tonumber('99999999999999999999'))",
        "return tonumber(' 12 ')", "return tonumber('12 ')", "return tonumber(' 12')", "return tonumber('+5')",
        "return tonumber('0x1A')", "return tonumber('1e3')", "return tostring(tonumber('.5'))",
        "return tonumber('12abc')", "return tonumber('')", "return tonumber('-')", "return tonumber('--1')",
        "return tonumber('1-')", "return tonumber('12\0' .. '34')", "return tonumber(nil)",
        "return tonumber(true)", "return tonumber({})", "return tonumber(17)", "return tonumber('ff', 16)",
        "return tonumber('zz', 36)", "return tonumber(' 11 ', 2)", "return tonumber('8', 8)",
        "return tonumber('1', 1)", "return tonumber()", "return tonumber('10', 'x')",
        "return type(tonumber)", "return tostring(tonumber('inf'))", "return tostring(tonumber('nan'))"}) {
    Same(Eval(body, {"n", "neg", "f"}));
  }
}

TEST_F(ScriptingCompat, ErrorTexts) {
  SameAll({{"SET", "s", "foo"}});
  for (const char* body :
       {"return x", "x = 5", "redis = 1", "redis.call = 1", "error('boom')", "error({err='boom2'})",
        "return syntax error here", "return redis.call('nosuch')", "return redis.call('incr','a','b')",
        "return redis.call('lpush', KEYS[1], 'x')", "return redis.call()",
        "return redis.call('set', 'k', {})", "return redis.call('set', 'k', true)",
        "return redis.call(1)", "redis.setresp(4)", "return redis.call('eval', 'return 1', 0)",
        "local t = nil; return t.x", "return 1 + {}", "return ('x'):bad()",
        "\n\nreturn redis.call('lpush', KEYS[1], 'x')", "return os", "return print", "return dofile",
        "return loadfile", "return require", "return debug", "return io", "return newproxy"}) {
    Same(Eval(body, {"s"}));
  }
  SameAll({{"EVALSHA", "abcdef", "0"}, {"EVAL", "return 1", "-1"}, {"EVAL", "return 1", "2", "a"},
           {"EVAL", "return 1", "x"}, {"EVAL", "return 1"}});
}

TEST_F(ScriptingCompat, SandboxAndLibraries) {
  for (const char* body :
       {"return type(loadstring)", "return type(setmetatable)", "return type(coroutine)",
        "return type(math.random)", "return type(_G)", "return bit.band(7, 3)", "return bit.bor(1, 6)",
        "return bit.tohex(255)", "return cjson.encode({1, 2, {a = 1}})",
        "return cjson.decode('[1,2,3]')", "return cjson.decode('{\"a\":[1,2]}').a",
        "return redis.sha1hex('')", "return redis.sha1hex('abc')", "return redis.LOG_WARNING",
        "return {redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE}",
        "redis.log(redis.LOG_WARNING, 'from a script'); return 1", "return redis.setresp(2)",
        "return redis.breakpoint()", "return string.format('%d-%s', 5, 'x')",
        "return table.concat({'a','b'}, ',')", "return #KEYS + #ARGV", "return string.rep('ab', 3)"}) {
    Same(Eval(body));
  }
}

TEST_F(ScriptingCompat, ScriptCache) {
  SameAll({{"SCRIPT", "LOAD", "return 42"},
           {"SCRIPT", "EXISTS", "1fa00e76656cc152ad327c13fe365858fd7be306", "ffff"},
           {"EVALSHA", "1fa00e76656cc152ad327c13fe365858fd7be306", "0"},
           {"EVALSHA", "1FA00E76656CC152AD327C13FE365858FD7BE306", "0"},
           {"SCRIPT", "LOAD", "return +"},
           {"SCRIPT", "FLUSH"},
           {"EVALSHA", "1fa00e76656cc152ad327c13fe365858fd7be306", "0"},
           {"SCRIPT", "KILL"},
           {"EVAL_RO", "return redis.call('get', KEYS[1])", "1", "k"},
           {"EVAL_RO", "return redis.call('set', KEYS[1], 1)", "1", "k"}});
}

TEST_F(ScriptingCompat, Functions) {
  const std::string lib =
      "#!lua name=mylib\n"
      "redis.register_function('myset', function(keys, args) return redis.call('set', keys[1], args[1]) end)\n"
      "redis.register_function{function_name='myget', callback=function(keys) return redis.call('get', keys[1]) end, flags={'no-writes'}}\n";
  SameAll({{"FUNCTION", "LOAD", lib},
           {"FUNCTION", "LOAD", lib},
           {"FCALL", "myset", "1", "k", "v"},
           {"FCALL_RO", "myget", "1", "k"},
           {"FCALL_RO", "myset", "1", "k", "v"},
           {"FCALL", "nosuch", "0"},
           {"FUNCTION", "DELETE", "mylib"},
           {"FUNCTION", "DELETE", "mylib"},
           {"FUNCTION", "LOAD", "return 1"},
           {"FUNCTION", "LOAD", "#!lua name=x\nreturn 1"},
           {"FUNCTION", "FLUSH"}});
  // Redis lists functions and libraries in dict order (seeded per process):
  // compare listings of one library with one function.
  const std::string one =
      "#!lua name=one\nredis.register_function{function_name='f1', callback=function() return 1 end, flags={'no-writes', 'allow-stale'}}\n";
  SameAll({{"FUNCTION", "LOAD", one},
           {"FUNCTION", "LIST"},
           {"FUNCTION", "LIST", "WITHCODE"},
           {"FUNCTION", "LIST", "LIBRARYNAME", "o*"},
           {"FUNCTION", "LIST", "LIBRARYNAME", "x*"},
           {"FCALL", "f1", "0"},
           {"FCALL_RO", "f1", "0"},
           {"FUNCTION", "FLUSH"},
           {"FUNCTION", "LIST"}});
}

// FUNCTION LOAD's first line, parsed as Redis 7.0 parses it (sdssplitargs,
// name= once and in any case, the engine's name in any case).
TEST_F(ScriptingCompat, FunctionLibraryMetadata) {
  const std::string body = "\nredis.register_function('f', function() return 1 end)";
  for (const char* first :
       {"#!lua name=a", "#!LUA NAME=b", "#!lua name=c name=d", "#!lua", "#!lua name=", "#!lua x=1",
        "#!lua \"name=e\"", "#!lua 'name=f", "#!js name=g", "#! name=h", "#!lua name=i-j", "lua name=k",
        "#!lua  name=l  "}) {
    Same({"FUNCTION", "LOAD", std::string(first) + body});
  }
  Same({"FUNCTION", "LOAD", "#!lua name=nonewline"});
  SameAll({{"FUNCTION", "LIST"}, {"FUNCTION", "FLUSH"}});
  // Line numbers in errors count the metadata line.
  Same({"FUNCTION", "LOAD", "#!lua name=lines\nredis.register_function('g', function()\n error('x') end)"});
  Same({"FCALL", "g", "0"});
}

// The library tables are read-only, as in Redis 7.0: a script cannot
// redefine string.len (or cjson.encode, ...) for the scripts that run after it.
TEST_F(ScriptingCompat, LibraryTablesAreReadOnly) {
  for (const char* lib : {"string", "math", "table", "coroutine", "cjson", "bit", "cmsgpack", "struct", "redis"}) {
    Same({"EVAL", std::string(lib) + ".injected = 1 return 1", "0"});
    Same({"EVAL", "return type(" + std::string(lib) + ")", "0"});
  }
  SameAll({{"EVAL", "string.len = function() return 42 end return 1", "0"},
           {"EVAL", "getmetatable('').__index.len = function() return 42 end return 1", "0"},
           {"EVAL", "local mt = getmetatable('') mt.__index = {} return 1", "0"},
           {"EVAL", "rawset(string, 'len', nil) return 1", "0"},
           {"EVAL", "rawset(_G, 'injected', 1) return 1", "0"},
           {"EVAL", "return rawset({}, 'a', 1).a", "0"},
           {"EVAL",
            "return {string.len('abc'), ('abc'):upper(), ('%d'):format(5), type(getmetatable('')), "
            "cjson.encode({1}), math.floor(2.5), table.concat({'a', 'b'}), bit.band(3, 1), "
            "type(getmetatable('').__index)}",
            "0"}});
}

// How deep a script's C recursion goes is the script's choice: Lua's own
// limits (200 nested C calls, 200 syntax levels, cjson's 1000) answer, as in
// Redis, instead of the 64 KiB fiber stack (stockd used to die of a pcall
// nested 100 deep). The interpreter runs on its own stack (runtime/side_stack.h).
TEST_F(ScriptingCompat, DeepRecursionMeetsLuasOwnLimits) {
  const std::string nested_pcall =
      "local function f(n) if n == 0 then return 1 end return select(2, pcall(f, n - 1)) end "
      "return f(tonumber(ARGV[1]))";
  const std::string nested_json =
      "local n = tonumber(ARGV[1]) local ok, e = pcall(cjson.decode, string.rep('[', n) .. string.rep(']', n)) "
      "return {tostring(ok), ok and type(e) or tostring(e)}";
  auto parens = [](int n) { return "return " + std::string(n, '(') + "1" + std::string(n, ')'); };
  for (const char* depth : {"100", "190", "250", "1000"}) Same({"EVAL", nested_pcall, "0", depth});
  for (const char* depth : {"500", "999", "1001"}) Same({"EVAL", nested_json, "0", depth});
  for (int depth : {150, 190, 300}) Same({"EVAL", parens(depth), "0"});
  Same({"FUNCTION", "LOAD", "#!lua name=deep\nredis.register_function('deep', function(k, a) " + nested_pcall.substr(0, nested_pcall.find("return f(")) + "return f(tonumber(a[1])) end)"});
  for (const char* depth : {"190", "250"}) Same({"FCALL", "deep", "0", depth});
  Same({"PING"});
}

}  // namespace
}  // namespace stockd::testing
