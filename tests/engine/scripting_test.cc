// tests/engine/scripting_test.cc — EVAL/EVALSHA/SCRIPT/FUNCTION/FCALL through
// Engine::Execute, exact RESP bytes (texts checked against redis-server 7.0.15).
#include <gtest/gtest.h>

#include <atomic>
#include <cctype>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "engine/engine.h"
#include "engine/lua/scripting.h"
#include "engine/lua/sha1.h"

namespace stockd::engine {
namespace {

using V = std::vector<std::string>;

TEST(Sha1, KnownVectors) {
  EXPECT_EQ(lua::Sha1Hex(""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  EXPECT_EQ(lua::Sha1Hex("abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(lua::Sha1Hex(std::string(1000, 'a')), "291e9a6c66994949b57ba5e650361e98fc36b1ba");
}

TEST(Eval, ConversionRules) {
  Engine e;
  EXPECT_EQ(e.Execute(V{"EVAL", "return 1", "0"}), ":1\r\n");
  EXPECT_EQ(e.Execute(V{"EVAL", "return 3.99", "0"}), ":3\r\n");
  EXPECT_EQ(e.Execute(V{"EVAL", "return -0.5", "0"}), ":0\r\n");
  EXPECT_EQ(e.Execute(V{"EVAL", "return 1e20", "0"}), ":-9223372036854775808\r\n");
  EXPECT_EQ(e.Execute(V{"EVAL", "return 'x'", "0"}), "$1\r\nx\r\n");
  EXPECT_EQ(e.Execute(V{"EVAL", "return true", "0"}), ":1\r\n");
  EXPECT_EQ(e.Execute(V{"EVAL", "return false", "0"}), "$-1\r\n");
  EXPECT_EQ(e.Execute(V{"EVAL", "return nil", "0"}), "$-1\r\n");
  EXPECT_EQ(e.Execute(V{"EVAL", "return {1,2,3.33,'x',nil,5}", "0"}),
            "*4\r\n:1\r\n:2\r\n:3\r\n$1\r\nx\r\n");
  EXPECT_EQ(e.Execute(V{"EVAL", "return {1,{2,{3,'x'}}}", "0"}),
            "*2\r\n:1\r\n*2\r\n:2\r\n*2\r\n:3\r\n$1\r\nx\r\n");
  EXPECT_EQ(e.Execute(V{"EVAL", "return {ok='fine'}", "0"}), "+fine\r\n");
  EXPECT_EQ(e.Execute(V{"EVAL", "return {err='My Error'}", "0"}), "-My Error\r\n");
  EXPECT_EQ(e.Execute(V{"EVAL", "return {err=5}", "0"}), "*0\r\n");
  EXPECT_EQ(e.Execute(V{"EVAL", "return redis.error_reply('-X y')", "0"}), "-X y\r\n");
  EXPECT_EQ(e.Execute(V{"EVAL", "return redis.status_reply('FINE')", "0"}), "+FINE\r\n");
  EXPECT_EQ(e.Execute(V{"EVAL", "return {'a',false,'c'}", "0"}), "*3\r\n$1\r\na\r\n$-1\r\n$1\r\nc\r\n");
  EXPECT_EQ(e.Execute(V{"EVAL", "return {KEYS[1], ARGV[1], #KEYS, #ARGV}", "1", "k", "a"}),
            "*4\r\n$1\r\nk\r\n$1\r\na\r\n:1\r\n:1\r\n");
}

TEST(Eval, RedisCallConversions) {
  Engine e;
  // (PING is the server's; the engine alone has SET for a status reply.)
  EXPECT_EQ(e.Execute(V{"EVAL", "return redis.call('set', KEYS[1], 'v')", "1", "s"}), "+OK\r\n");
  EXPECT_EQ(e.Execute(V{"EVAL", "return redis.call('set', KEYS[1], 'v').ok", "1", "s"}), "$2\r\nOK\r\n");
  EXPECT_EQ(e.Execute(V{"EVAL", "return redis.pcall('incr', KEYS[1]).err", "1", "s"}),
            "$43\r\nERR value is not an integer or out of range\r\n");
  EXPECT_EQ(e.Execute(V{"EVAL", "return redis.call('get', KEYS[1])", "1", "nokey"}), "$-1\r\n");
  EXPECT_EQ(e.Execute(V{"EVAL", "return type(redis.call('get', KEYS[1]))", "1", "nokey"}),
            "$7\r\nboolean\r\n");
  EXPECT_EQ(e.Execute(V{"EVAL", "redis.call('set', KEYS[1], 3.5); return redis.call('get', KEYS[1])", "1", "x"}),
            "$3\r\n3.5\r\n");
  EXPECT_EQ(e.Execute(V{"EVAL", "return redis.call('incrby', KEYS[1], 2)", "1", "n"}), ":2\r\n");
  EXPECT_EQ(e.Execute(V{"EVAL", "redis.setresp(3); return redis.call('hgetall', KEYS[1])", "1", "h"}),
            "*0\r\n");
  EXPECT_EQ(e.Execute(V{"EVAL", "return redis.call('rpush', KEYS[1], 'a', 'b')", "1", "l"}), ":2\r\n");
  EXPECT_EQ(e.Execute(V{"EVAL", "return redis.call('lrange', KEYS[1], 0, -1)", "1", "l"}),
            "*2\r\n$1\r\na\r\n$1\r\nb\r\n");
  EXPECT_EQ(e.Execute(V{"EVAL", "return redis.sha1hex('')", "0"}),
            "$40\r\nda39a3ee5e6b4b0d3255bfef95601890afd80709\r\n");
  EXPECT_EQ(e.Execute(V{"EVAL", "return bit.band(7,3)", "0"}), ":3\r\n");
  EXPECT_EQ(e.Execute(V{"EVAL", "return cjson.encode({1,2,{a=1}})", "0"}), "$13\r\n[1,2,{\"a\":1}]\r\n");
  EXPECT_EQ(e.Execute(V{"EVAL", "return redis.LOG_WARNING", "0"}), ":3\r\n");
}

TEST(Eval, ErrorTexts) {
  Engine e;
  const std::string sha = lua::Sha1Hex("return x");
  EXPECT_EQ(e.Execute(V{"EVAL", "return x", "0"}),
            "-ERR user_script:1: Script attempted to access nonexistent global variable 'x' script: " +
                sha + ", on @user_script:1.\r\n");
  EXPECT_EQ(e.Execute(V{"EVAL", "x = 5", "0"}),
            "-ERR user_script:1: Attempt to modify a readonly table script: " + lua::Sha1Hex("x = 5") +
                ", on @user_script:1.\r\n");
  EXPECT_EQ(e.Execute(V{"EVAL", "return syntax error here", "0"}),
            "-ERR Error compiling script (new function): user_script:1: '<eof>' expected near 'error'\r\n");
  const std::string s2 = "return redis.call('nosuch')";
  EXPECT_EQ(e.Execute(V{"EVAL", s2, "0"}),
            "-ERR Unknown Redis command called from script script: " + lua::Sha1Hex(s2) +
                ", on @user_script:1.\r\n");
  e.Execute(V{"SET", "s", "foo"});
  const std::string s3 = "return redis.call('lpush',KEYS[1],'x')";
  EXPECT_EQ(e.Execute(V{"EVAL", s3, "1", "s"}),
            "-WRONGTYPE Operation against a key holding the wrong kind of value script: " +
                lua::Sha1Hex(s3) + ", on @user_script:1.\r\n");
  EXPECT_EQ(e.Execute(V{"EVAL", "return redis.pcall('lpush',KEYS[1],'x')", "1", "s"}),
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
  const std::string s4 = "error('boom')";
  EXPECT_EQ(e.Execute(V{"EVAL", s4, "0"}),
            "-ERR user_script:1: boom script: " + lua::Sha1Hex(s4) + ", on @user_script:1.\r\n");
  const std::string s5 = "return redis.call('eval','return 1',0)";
  EXPECT_EQ(e.Execute(V{"EVAL", s5, "0"}),
            "-ERR This Redis command is not allowed from script script: " + lua::Sha1Hex(s5) +
                ", on @user_script:1.\r\n");
  EXPECT_EQ(e.Execute(V{"EVALSHA", "abcdef", "0"}), "-NOSCRIPT No matching script. Please use EVAL.\r\n");
  EXPECT_EQ(e.Execute(V{"EVAL", "return 1", "-1"}), "-ERR Number of keys can't be negative\r\n");
  EXPECT_EQ(e.Execute(V{"EVAL", "return 1", "2", "a"}),
            "-ERR Number of keys can't be greater than number of args\r\n");
  EXPECT_EQ(e.Execute(V{"EVAL", "return 1", "x"}), "-ERR value is not an integer or out of range\r\n");
}

TEST(Eval, Sandbox) {
  Engine e;
  for (const char* g : {"os", "io", "require", "dofile", "loadfile", "print", "debug", "getfenv"}) {
    std::string body = std::string("return type(") + g + ")";
    EXPECT_EQ(e.Execute(V{"EVAL", body, "0"}),
              "-ERR user_script:1: Script attempted to access nonexistent global variable '" +
                  std::string(g) + "' script: " + lua::Sha1Hex(body) + ", on @user_script:1.\r\n")
        << g;
  }
  const std::string b = "redis.call = 1";
  EXPECT_EQ(e.Execute(V{"EVAL", b, "0"}), "-ERR user_script:1: Attempt to modify a readonly table script: " +
                                              lua::Sha1Hex(b) + ", on @user_script:1.\r\n");
}

TEST(Eval, UndeclaredKeyIsAnError) {
  Engine e;
  std::string r = e.Execute(V{"EVAL", "return redis.call('set', 'other', 1)", "1", "k"});
  EXPECT_EQ(r.rfind("-ERR Script attempted to access key 'other' not declared in KEYS", 0), 0u) << r;
  EXPECT_EQ(e.Execute(V{"EXISTS", "other"}), ":0\r\n");
  // keys() walks every shard: refused unless scripts run exclusively.
  r = e.Execute(V{"EVAL", "return redis.call('keys', '*')", "0"});
  EXPECT_EQ(r.rfind("-ERR This command may touch any key", 0), 0u) << r;
}

// Commands whose keys follow numkeys run from a script under the default
// config when every key they name is declared (the dispatcher's key specs,
// command.h), and name the first undeclared one as any other command does.
TEST(Eval, NumkeysCommandsCheckTheirKeysAgainstKeys) {
  Engine e;
  e.Execute(V{"ZADD", "a", "1", "x", "2", "y"});
  e.Execute(V{"ZADD", "b", "3", "y", "4", "z"});
  e.Execute(V{"SADD", "s1", "p", "q"});
  e.Execute(V{"SADD", "s2", "q", "r"});
  EXPECT_EQ(e.Execute(V{"EVAL", "return redis.call('zunionstore', KEYS[1], 2, KEYS[2], KEYS[3])", "3", "d", "a", "b"}),
            ":3\r\n");
  EXPECT_EQ(e.Execute(V{"ZRANGE", "d", "0", "-1", "WITHSCORES"}),
            "*6\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\nz\r\n$1\r\n4\r\n$1\r\ny\r\n$1\r\n5\r\n");
  EXPECT_EQ(e.Execute(V{"EVAL", "return redis.call('zinter', 2, KEYS[1], KEYS[2], 'WITHSCORES')", "2", "a", "b"}),
            "*2\r\n$1\r\ny\r\n$1\r\n5\r\n");
  EXPECT_EQ(e.Execute(V{"EVAL", "return redis.call('sintercard', 2, KEYS[1], KEYS[2])", "2", "s1", "s2"}),
            ":1\r\n");
  EXPECT_EQ(e.Execute(V{"EVAL", "return redis.call('zmpop', 2, KEYS[1], KEYS[2], 'MAX')", "2", "nokey", "b"}),
            "*2\r\n$1\r\nb\r\n*1\r\n*2\r\n$1\r\nz\r\n$1\r\n4\r\n");
  // A bad count: the command's own error (no key is touched).
  EXPECT_EQ(e.Execute(V{"EVAL", "return redis.pcall('zunionstore', KEYS[1], 0, KEYS[2])", "2", "d", "a"}),
            "-ERR at least 1 input key is needed for 'zunionstore' command\r\n");
  // An undeclared key, destination or source: the undeclared-key error.
  const std::string undeclared = " not declared in KEYS (declare it, or set lua-allow-undeclared-keys yes)";
  const std::string cases[][2] = {
      {"return redis.call('zunionstore', KEYS[1], 2, KEYS[2], 'b')", "b"},
      {"return redis.call('zunionstore', 'dd', 2, KEYS[1], KEYS[2])", "dd"},
      {"return redis.call('zinter', 2, KEYS[1], 'b')", "b"},
      {"return redis.call('sintercard', 2, KEYS[1], 's2')", "s2"},
  };
  for (const auto& [script, key] : cases) {
    const std::string r = e.Execute(V{"EVAL", script, "2", "a", "s1"});
    EXPECT_EQ(r.rfind("-ERR Script attempted to access key '" + key + "'" + undeclared, 0), 0u) << script << r;
  }
  EXPECT_EQ(e.Execute(V{"EXISTS", "dd"}), ":0\r\n");
  // The same error text as a plain command's undeclared key.
  const std::string plain = e.Execute(V{"EVAL", "return redis.call('get', 'b')", "1", "a"});
  EXPECT_EQ(plain.rfind("-ERR Script attempted to access key 'b'" + undeclared, 0), 0u) << plain;
}

// BZMPOP counts its keys by numkeys, so Redis 7.0 lets scripts run it (it
// does not block there), unlike BLPOP.
TEST(Eval, BzmpopRunsWithoutBlocking) {
  Engine e;
  e.Execute(V{"ZADD", "z", "1", "m"});
  EXPECT_EQ(e.Execute(V{"EVAL", "return redis.call('bzmpop', 0, 2, KEYS[1], KEYS[2], 'MIN')", "2", "nokey", "z"}),
            "*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\nm\r\n$1\r\n1\r\n");
  EXPECT_EQ(e.Execute(V{"EVAL", "return redis.call('bzmpop', 0, 1, KEYS[1], 'MIN')", "1", "z"}), "$-1\r\n");
  EXPECT_EQ(e.Execute(V{"EVAL", "return redis.pcall('blpop', KEYS[1], 0)", "1", "z"}),
            "-ERR This Redis command is not allowed from script\r\n");
}

TEST(Eval, AllowUndeclaredKeysRunsExclusively) {
  EngineOptions o;
  o.lua_allow_undeclared_keys = true;
  Engine e(o);
  EXPECT_EQ(e.Execute(V{"EVAL", "return redis.call('set', 'other', 1)", "0"}), "+OK\r\n");
  EXPECT_EQ(e.Execute(V{"EVAL", "return redis.call('dbsize')", "0"}), ":1\r\n");
  EXPECT_EQ(e.Execute(V{"EVAL", "return #redis.call('keys', '*')", "0"}), ":1\r\n");
}

TEST(Eval, TimeStandsStillDuringAScriptAndAnExec) {
  // A clock that moves a second at every read: a command that read it again
  // would see a key set with a 500 ms expiry already gone.
  EngineOptions o;
  auto now = std::make_shared<std::atomic<int64_t>>(1700000000000);
  o.clock = [now] { return now->fetch_add(1000); };
  Engine e(o);
  EXPECT_EQ(e.Execute(V{"EVAL", "redis.call('set', KEYS[1], 'v', 'px', 500); return redis.call('get', KEYS[1])", "1",
                        "k"}),
            "$1\r\nv\r\n");
  EXPECT_EQ(e.Execute(V{"GET", "k"}), "$-1\r\n");  // the next command's time has moved on
  Session s;
  EXPECT_EQ(e.Execute(s, V{"MULTI"}), "+OK\r\n");
  EXPECT_EQ(e.Execute(s, V{"SET", "m", "v", "PX", "500"}), "+QUEUED\r\n");
  EXPECT_EQ(e.Execute(s, V{"PTTL", "m"}), "+QUEUED\r\n");
  EXPECT_EQ(e.Execute(s, V{"EXEC"}), "*2\r\n+OK\r\n:500\r\n");
}

TEST(Eval, ScriptCacheAndEvalsha) {
  Engine e;
  const std::string sha = lua::Sha1Hex("return 42");
  EXPECT_EQ(e.Execute(V{"SCRIPT", "EXISTS", sha, "ffff"}), "*2\r\n:0\r\n:0\r\n");
  EXPECT_EQ(e.Execute(V{"SCRIPT", "LOAD", "return 42"}), "$40\r\n" + sha + "\r\n");
  EXPECT_EQ(e.Execute(V{"EVALSHA", sha, "0"}), ":42\r\n");
  EXPECT_EQ(e.Execute(V{"EVALSHA", std::string(sha.size(), 'F'), "0"}),
            "-NOSCRIPT No matching script. Please use EVAL.\r\n");
  EXPECT_EQ(e.Execute(V{"SCRIPT", "LOAD", "return +"}).rfind("-ERR Error compiling script", 0), 0u);
  EXPECT_EQ(e.Execute(V{"SCRIPT", "FLUSH"}), "+OK\r\n");
  EXPECT_EQ(e.Execute(V{"EVALSHA", sha, "0"}), "-NOSCRIPT No matching script. Please use EVAL.\r\n");
  EXPECT_EQ(e.Execute(V{"EVAL", "return 42", "0"}), ":42\r\n");  // EVAL caches too
  EXPECT_EQ(e.Execute(V{"EVALSHA", sha, "0"}), ":42\r\n");
  EXPECT_EQ(e.Execute(V{"SCRIPT", "KILL"}), "-NOTBUSY No scripts in execution right now.\r\n");
}

// A state maps a body it ran to its sha without hashing it again; that
// shortcut must not outlive SCRIPT FLUSH (EVAL re-adds the script to the
// shared cache) and must keep the sha in error texts.
TEST(Eval, RepeatedEvalSurvivesFlushAndNamesTheSha) {
  Engine e;
  const std::string body = "return 7";
  const std::string sha = lua::Sha1Hex(body);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(e.Execute(V{"EVAL", body, "0"}), ":7\r\n");
  EXPECT_EQ(e.Execute(V{"SCRIPT", "FLUSH"}), "+OK\r\n");
  EXPECT_EQ(e.Execute(V{"SCRIPT", "EXISTS", sha}), "*1\r\n:0\r\n");
  EXPECT_EQ(e.Execute(V{"EVAL", body, "0"}), ":7\r\n");
  EXPECT_EQ(e.Execute(V{"SCRIPT", "EXISTS", sha}), "*1\r\n:1\r\n");
  EXPECT_EQ(e.Execute(V{"EVALSHA", sha, "0"}), ":7\r\n");
  std::string upper = sha;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(e.Execute(V{"EVALSHA", upper, "0"}), ":7\r\n");  // lowercased, as Redis
  EXPECT_EQ(e.Execute(V{"EVALSHA", std::string(80, 'a'), "0"}),  // longer than a sha
            "-NOSCRIPT No matching script. Please use EVAL.\r\n");
  const std::string bad = "return redis.call('nosuchcommand')";
  const std::string want = "-ERR Unknown Redis command called from script script: " +
                           lua::Sha1Hex(bad) + ", on @user_script:1.\r\n";
  EXPECT_EQ(e.Execute(V{"EVAL", bad, "0"}), want);
  EXPECT_EQ(e.Execute(V{"EVAL", bad, "0"}), want);  // the second run takes the shortcut
}

// redis.call's replies go through a buffer the state reuses: a reply larger
// than one of its chunks (16 KiB) must arrive whole, and the next call must
// not see the previous reply's bytes.
TEST(Eval, RedisCallLargeRepliesAndReuse) {
  Engine e;
  EXPECT_EQ(e.Execute(V{"EVAL",
                        "redis.call('set', KEYS[1], string.rep('x', 40000)) "
                        "local v = redis.call('get', KEYS[1]) "
                        "return {#v, string.sub(v, 39999), redis.call('strlen', KEYS[1]), "
                        "redis.call('get', KEYS[2])}",
                        "2", "big", "none"}),
            "*4\r\n:40000\r\n$2\r\nxx\r\n:40000\r\n$-1\r\n");
  EXPECT_EQ(e.Execute(V{"EVAL", "return redis.call('get', KEYS[1])", "1", "big"}),
            "$40000\r\n" + std::string(40000, 'x') + "\r\n");
}

// A state refills the previous run's KEYS/ARGV tables in place: whatever a
// script did to them (longer or shorter lists, extra fields, a metatable,
// holes) must not show in the next run, as with Redis's fresh tables.
TEST(Eval, KeysAndArgvAreFreshEachRun) {
  Engine e;
  const std::string count = "return #KEYS .. ',' .. #ARGV .. ',' .. tostring(KEYS[2]) .. ',' .. tostring(ARGV[3])";
  EXPECT_EQ(e.Execute(V{"EVAL", count, "3", "a", "b", "c", "x", "y", "z"}), "$7\r\n3,3,b,z\r\n");
  EXPECT_EQ(e.Execute(V{"EVAL", count, "1", "a"}), "$11\r\n1,0,nil,nil\r\n");
  EXPECT_EQ(e.Execute(V{"EVAL", "KEYS.extra = 'x'; ARGV.more = 1; return 1", "1", "k"}), ":1\r\n");
  EXPECT_EQ(e.Execute(V{"EVAL", "return {tostring(KEYS.extra), tostring(ARGV.more)}", "1", "k"}),
            "*2\r\n$3\r\nnil\r\n$3\r\nnil\r\n");
  EXPECT_EQ(e.Execute(V{"EVAL", "KEYS[#KEYS + 1] = 'y'; ARGV[1] = 'z'; return #KEYS", "1", "k"}), ":2\r\n");
  EXPECT_EQ(e.Execute(V{"EVAL", "return {#KEYS, #ARGV, KEYS[1]}", "1", "k"}), "*3\r\n:1\r\n:0\r\n$1\r\nk\r\n");
  EXPECT_EQ(e.Execute(V{"EVAL", "setmetatable(KEYS, {__index = function() return 'm' end}); return KEYS[9]",
                        "1", "k"}),
            "$1\r\nm\r\n");
  EXPECT_EQ(e.Execute(V{"EVAL", "return tostring(KEYS[9])", "1", "k"}), "$3\r\nnil\r\n");
  EXPECT_EQ(e.Execute(V{"EVAL", "KEYS[2] = nil; KEYS[1] = nil; return 1", "2", "k", "l"}), ":1\r\n");
  EXPECT_EQ(e.Execute(V{"EVAL", "return KEYS", "2", "k", "l"}), "*2\r\n$1\r\nk\r\n$1\r\nl\r\n");
  EXPECT_EQ(e.Execute(V{"EVAL", "return {#KEYS, #ARGV}", "0"}), "*2\r\n:0\r\n:0\r\n");
}

// redis.call remembers its verdict on the last few command names: a blocking
// command with keys stays refused however it is spelled and however many
// other names were called in between (more than the memo holds).
TEST(Eval, BlockingCommandsStayRefusedAcrossTheNameMemo) {
  Engine e;
  const std::string script =
      "local names = {'get', 'set', 'incr', 'decr', 'lpop', 'rpush', 'exists', 'del', 'strlen', 'type'} "
      "local out = {} "
      "for round = 1, 2 do "
      "  for _, spelling in ipairs({'blpop', 'BLPOP', 'bLpOp'}) do "
      "    out[#out + 1] = redis.pcall(spelling, KEYS[1], 0).err "
      "  end "
      "  for _, n in ipairs(names) do "
      "    if n == 'set' or n == 'rpush' then redis.call(n, KEYS[2], 'x') else redis.pcall(n, KEYS[2]) end "
      "    redis.call('del', KEYS[2]) "
      "  end "
      "end "
      "out[#out + 1] = tostring(redis.call('lpop', KEYS[1])) "
      "return out";
  std::string want = "*7\r\n";
  for (int i = 0; i < 6; ++i) want += "$49\r\nERR This Redis command is not allowed from script\r\n";
  want += "$5\r\nfalse\r\n";
  EXPECT_EQ(e.Execute(V{"EVAL", script, "2", "l", "k"}), want);
}

TEST(Eval, ReadOnlyVariants) {
  Engine e;
  EXPECT_EQ(e.Execute(V{"EVAL_RO", "return redis.call('get', KEYS[1])", "1", "k"}), "$-1\r\n");
  std::string b = "return redis.call('set', KEYS[1], 1)";
  EXPECT_EQ(e.Execute(V{"EVAL_RO", b, "1", "k"}),
            "-ERR Write commands are not allowed from read-only scripts. script: " + lua::Sha1Hex(b) +
                ", on @user_script:1.\r\n");
}

TEST(Eval, FlashSaleCheckAndDecrement) {
  Engine e;
  const std::string script =
      "local stock = tonumber(redis.call('GET', KEYS[1]))\n"
      "if stock == nil or stock <= 0 then return redis.error_reply('SOLDOUT not enough stock') end\n"
      "local remaining = redis.call('DECR', KEYS[1])\n"
      "local order = redis.call('RPUSH', KEYS[2], ARGV[1])\n"
      "return {order, remaining}";
  e.Execute(V{"SET", "stock", "100"});
  constexpr int kThreads = 4, kPer = 60;
  std::atomic<int> ok{0}, soldout{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPer; ++i) {
        std::string r = e.Execute(V{"EVAL", script, "2", "stock", "orders", "u" + std::to_string(t)});
        if (r[0] == '*') ++ok;
        if (r == "-SOLDOUT not enough stock\r\n") ++soldout;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 100);
  EXPECT_EQ(soldout.load(), kThreads * kPer - 100);
  EXPECT_EQ(e.Execute(V{"GET", "stock"}), "$1\r\n0\r\n");
  EXPECT_EQ(e.Execute(V{"LLEN", "orders"}), ":100\r\n");
}

TEST(Eval, BusyScriptAnswersBusyAndKill) {
  EngineOptions o;
  o.busy_reply_threshold_ms = 50;
  Engine e(o);
  std::string reply;
  std::thread runner([&] { reply = e.Execute(V{"EVAL", "local i = 0 while true do i = i + 1 end", "1", "hot"}); });
  std::string r;
  for (int i = 0; i < 400; ++i) {  // up to ~4 s
    r = e.Execute(V{"GET", "hot"});
    if (r[0] == '-') break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(r, "-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n");
  // Keys on other shards run on (a key that happens to share the script's
  // shard answers -BUSY too; shard placement depends on the per-process hash seed).
  int other_ok = 0;
  for (int k = 0; k < 8; ++k) other_ok += e.Execute(V{"SET", "cold" + std::to_string(k), "1"}) == "+OK\r\n";
  EXPECT_GT(other_ok, 0);
  EXPECT_EQ(e.Execute(V{"SCRIPT", "KILL"}), "+OK\r\n");
  runner.join();
  EXPECT_EQ(reply.rfind("-ERR Script killed by user with SCRIPT KILL...", 0), 0u) << reply;
  EXPECT_EQ(e.Execute(V{"GET", "hot"}), "$-1\r\n");
}

TEST(Eval, WritingBusyScriptIsUnkillable) {
  EngineOptions o;
  o.busy_reply_threshold_ms = 30;
  Engine e(o);
  std::thread runner([&] {
    e.Execute(V{"EVAL",
                "redis.call('set', KEYS[1], 1) local t = 0 for i = 1, 200000000 do t = t + i end return 1",
                "1", "w"});
  });
  std::string r;
  for (int i = 0; i < 3000; ++i) {
    r = e.Execute(V{"SCRIPT", "KILL"});
    if (r[0] == '-' && r.rfind("-NOTBUSY", 0) != 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  runner.join();
  EXPECT_EQ(r.rfind("-UNKILLABLE Sorry the script already executed write commands", 0), 0u) << r;
}

TEST(Functions, LoadCallListDeleteDumpRestore) {
  Engine e;
  const std::string lib =
      "#!lua name=mylib\n"
      "redis.register_function('myset', function(keys, args) return redis.call('set', keys[1], args[1]) end)\n"
      "redis.register_function{function_name='myget', callback=function(keys) return redis.call('get', keys[1]) end, flags={'no-writes'}}\n";
  EXPECT_EQ(e.Execute(V{"FUNCTION", "LOAD", lib}), "$5\r\nmylib\r\n");
  EXPECT_EQ(e.Execute(V{"FUNCTION", "LOAD", lib}), "-ERR Library 'mylib' already exists\r\n");
  EXPECT_EQ(e.Execute(V{"FUNCTION", "LOAD", "REPLACE", lib}), "$5\r\nmylib\r\n");
  EXPECT_EQ(e.Execute(V{"FCALL", "myset", "1", "k", "v"}), "+OK\r\n");
  EXPECT_EQ(e.Execute(V{"FCALL_RO", "myget", "1", "k"}), "$1\r\nv\r\n");
  EXPECT_EQ(e.Execute(V{"FCALL_RO", "myset", "1", "k", "v"}),
            "-ERR Can not execute a script with write flag using *_ro command.\r\n");
  EXPECT_EQ(e.Execute(V{"FCALL", "nosuch", "0"}), "-ERR Function not found\r\n");
  EXPECT_EQ(e.Execute(V{"FUNCTION", "LIST"}),
            "*1\r\n*6\r\n$12\r\nlibrary_name\r\n$5\r\nmylib\r\n$6\r\nengine\r\n$3\r\nLUA\r\n$9\r\nfunctions\r\n"
            "*2\r\n*6\r\n$4\r\nname\r\n$5\r\nmyset\r\n$11\r\ndescription\r\n$-1\r\n$5\r\nflags\r\n*0\r\n"
            "*6\r\n$4\r\nname\r\n$5\r\nmyget\r\n$11\r\ndescription\r\n$-1\r\n$5\r\nflags\r\n*1\r\n$9\r\nno-writes\r\n");
  std::string dump = e.Execute(V{"FUNCTION", "DUMP"});
  ASSERT_EQ(dump[0], '$');
  std::string payload = dump.substr(dump.find("\r\n") + 2);
  payload.resize(payload.size() - 2);
  EXPECT_EQ(e.Execute(V{"FUNCTION", "FLUSH"}), "+OK\r\n");
  EXPECT_EQ(e.Execute(V{"FCALL", "myset", "1", "k", "v"}), "-ERR Function not found\r\n");
  EXPECT_EQ(e.Execute(V{"FUNCTION", "RESTORE", payload}), "+OK\r\n");
  EXPECT_EQ(e.Execute(V{"FCALL", "myget", "1", "k"}), "$1\r\nv\r\n");
  EXPECT_EQ(e.Execute(V{"FUNCTION", "DELETE", "mylib"}), "+OK\r\n");
  EXPECT_EQ(e.Execute(V{"FUNCTION", "DELETE", "mylib"}), "-ERR Library not found\r\n");
  EXPECT_EQ(e.Execute(V{"FUNCTION", "LOAD", "return 1"}), "-ERR Missing library metadata\r\n");
  EXPECT_EQ(e.Execute(V{"FUNCTION", "LOAD", "#!lua name=x\nreturn 1"}), "-ERR No functions registered\r\n");
}

}  // namespace
}  // namespace stockd::engine
