// tests/compat/monitor_compat_test.cc — MONITOR against redis-server 7.0: the
// lines a monitor gets (time and client port masked) for plain commands,
// rejected and admin ones (not shown), MULTI/EXEC (queued commands shown when
// EXEC runs them, before EXEC), scripts (their own line first, their calls as
// "lua"), SELECT's database, quoting, AUTH's and HELLO's secrets, and what a
// monitor itself may run.
#include <regex>
#include <string>
#include <vector>

#include "tests/compat/compat_util.h"
#include "tests/util/raw_resp.h"

namespace stockd::testing {
namespace {

// "+1700000000.123456 [0 127.0.0.1:5555] ..." -> "+T [0 ADDR] ...".
std::string Mask(const std::string& line) {
  static const std::regex kTime(R"(^\+\d+\.\d{6} )");
  static const std::regex kAddr(R"(127\.0\.0\.1:\d+)");
  return std::regex_replace(std::regex_replace(line, kTime, "+T "), kAddr, "ADDR");
}

class MonitorCompat : public CompatTest {
 protected:
  // Runs `commands` on a fresh client of `port` while a monitor watches; returns
  // the monitor's lines (masked) up to the closing ECHO's.
  std::vector<std::string> Watch(int port, const std::vector<std::vector<std::string>>& commands) {
    RawResp monitor(port), client(port);
    const std::string ok = monitor.Do({"MONITOR"});
    EXPECT_EQ(ok, "+OK\r\n");
    if (ok != "+OK\r\n") return {};
    for (const auto& argv : commands) client.Do(argv);
    client.Do({"ECHO", "end"});
    std::vector<std::string> lines;
    for (int i = 0; i < 200; ++i) {
      lines.push_back(Mask(monitor.Read()));
      if (lines.back().find("\"ECHO\" \"end\"") != std::string::npos || lines.back().rfind("(io)", 0) == 0) break;
    }
    return lines;
  }
  void SameWatch(const std::vector<std::vector<std::string>>& commands) {
    const std::vector<std::string> s = Watch(stockd_.port(), commands);
    const std::vector<std::string> r = Watch(redis_.port(), commands);
    EXPECT_EQ(s, r);
    EXPECT_GT(s.size(), 1u);
  }
};

TEST_F(MonitorCompat, PlainRejectedAndAdminCommands) {
  SameWatch({{"SET", "k", "v"},
             {"GET", "k"},
             {"NOSUCH", "x"},            // unknown: not shown
             {"GET"},                    // wrong arity: not shown
             {"INCR", "k"},              // an error while running: shown
             {"CONFIG", "GET", "port"},  // admin: not shown
             {"CLIENT", "KILL", "ID", "999999"},
             {"CLIENT", "ID"},
             {"SLOWLOG", "LEN"},
             {"DEBUG", "SLEEP", "0"},
             {"PING"},
             {"SET", "quoted key", "a\"b\\c\nd\re\tf\x01g\x7f"},
             {"SELECT", "5"},
             {"SET", "k5", "v"},
             {"SELECT", "0"},
             {"SUBSCRIBE", "ch"},
             {"UNSUBSCRIBE", "ch"},
             {"BLPOP", "nolist", "0.01"}});
}

TEST_F(MonitorCompat, SecretsAreRedacted) {
  SameAll({{"ACL", "SETUSER", "u", "on", ">pw", "+@all", "~*", "&*"}});
  SameWatch({{"AUTH", "u", "pw"},
             {"AUTH", "wrong"},
             {"HELLO", "2", "AUTH", "u", "pw"},
             {"HELLO", "2", "SETNAME", "auth"},
             {"HELLO", "2", "SETNAME", "n", "AUTH", "u", "pw"},
             {"AUTH", "default", "x"}});
}

TEST_F(MonitorCompat, TransactionsAndScripts) {
  SameWatch({{"MULTI"},
             {"INCR", "n"},
             {"SELECT", "2"},
             {"SET", "a", "1"},
             {"EVAL", "return redis.call('get', KEYS[1])", "1", "a"},
             {"EXEC"},
             {"SELECT", "0"},
             {"MULTI"},
             {"NOSUCH"},
             {"EXEC"},  // aborted, still shown
             {"WATCH", "w"},
             {"UNWATCH"},
             {"EVAL", "redis.call('set', KEYS[1], ARGV[1]) return redis.call('incr', KEYS[2])", "2", "x", "y", "v"},
             {"EVAL", "return redis.call('nosuch')", "0"},
             {"EVAL", "syntax error(", "0"},
             {"EVALSHA", "0123456789012345678901234567890123456789", "0"},
             {"SCRIPT", "LOAD", "return 1"},
             {"EVALSHA", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "0"},
             {"FUNCTION", "LOAD", "#!lua name=lib\nredis.register_function('f', function(k, a) return redis.call('ping') end)"},
             {"FCALL", "f", "0"},
             {"FUNCTION", "DELETE", "lib"}});
}

TEST_F(MonitorCompat, WhatAMonitorMayRun) {
  for (int port : {stockd_.port(), redis_.port()}) {
    RawResp m(port);
    m.Do({"SET", "k", "v"});
    EXPECT_EQ(m.Do({"MULTI"}), "+OK\r\n");
    m.Do({"MONITOR"});
    EXPECT_EQ(m.Do({"EXEC"}), "*1\r\n-ERR MONITOR isn't allowed for DENY BLOCKING client\r\n") << port;
    EXPECT_EQ(m.Do({"MONITOR"}), "+OK\r\n");
    m.Send({"MONITOR"});  // again: no reply at all
    EXPECT_EQ(m.Do({"GET", "k"}), "-ERR Replica can't interact with the keyspace\r\n") << port;
    EXPECT_EQ(m.Do({"SET", "k", "w"}), "-ERR Replica can't interact with the keyspace\r\n") << port;
    // Commands that may replicate are refused too; admin ones are not (and are not shown).
    EXPECT_EQ(m.Do({"PUBLISH", "ch", "m"}), "-ERR Replica can't interact with the keyspace\r\n") << port;
    EXPECT_EQ(m.Do({"PFCOUNT", "h"}), "-ERR Replica can't interact with the keyspace\r\n") << port;
    EXPECT_EQ(m.Do({"EVAL_RO", "return 1", "0"}), "-ERR Replica can't interact with the keyspace\r\n") << port;
    EXPECT_EQ(m.Do({"CONFIG", "SET", "maxclients", "10000"}), "+OK\r\n") << port;
    EXPECT_EQ(m.Do({"PING"}), "+PONG\r\n");  // its reply, then its own line
    EXPECT_EQ(Mask(m.Read()), "+T [0 ADDR] \"PING\"\r\n");
    EXPECT_EQ(m.Do({"RESET"}), "+RESET\r\n");  // no longer a monitor: no line for RESET
    EXPECT_EQ(m.Do({"GET", "k"}), "$1\r\nv\r\n") << port;
  }
}

}  // namespace
}  // namespace stockd::testing
