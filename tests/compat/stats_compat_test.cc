// tests/compat/stats_compat_test.cc — the counters INFO reports and CONFIG
// RESETSTAT resets, against a real redis-server: total_commands_processed
// counts the calls that ran (EXEC's and a script's included; refused and
// MULTI-queued ones not), errorstats come in name order, and RESETSTAT leaves
// the SLOWLOG alone.
#include <string>
#include <vector>

#include "tests/compat/compat_util.h"

namespace stockd::testing {
namespace {

// The value of `field` in INFO `section`, "" when absent.
std::string InfoField(Client& c, const std::string& section, const std::string& field) {
  Reply r = c.Command({"INFO", section});
  if (r == nullptr || r->type != REDIS_REPLY_STRING) return "(no INFO reply)";
  const std::string text(r->str, r->len);
  const std::string key = field + ":";
  for (size_t at = 0; at < text.size();) {
    size_t eol = text.find("\r\n", at);
    if (eol == std::string::npos) eol = text.size();
    if (text.compare(at, key.size(), key) == 0) return text.substr(at + key.size(), eol - at - key.size());
    at = eol + 2;
  }
  return "";
}

// The errorstat_ lines of INFO errorstats, in the order the server gave them.
std::string ErrorStats(Client& c) {
  Reply r = c.Command({"INFO", "errorstats"});
  if (r == nullptr || r->type != REDIS_REPLY_STRING) return "(no INFO reply)";
  std::string text(r->str, r->len), out;
  for (size_t at = 0; (at = text.find("errorstat_", at)) != std::string::npos;) {
    size_t eol = text.find("\r\n", at);
    out += text.substr(at, eol - at) + "\n";
    at = eol;
  }
  return out;
}

TEST_F(CompatTest, TotalCommandsProcessedCountsTheCallsThatRan) {
  SameAll({{"SET", "before", "1"}, {"CONFIG", "RESETSTAT"}, {"SET", "b", "2"}, {"NOSUCH"}, {"GET"}, {"MULTI"},
           {"SET", "c", "3"}, {"INCR", "c"}, {"EXEC"}, {"EVAL", "redis.call('SET', KEYS[1], '1') return 1", "1", "d"},
           {"LPUSH", "b", "x"}});
  // RESETSTAT, SET, MULTI, EXEC with its SET and INCR, EVAL with its SET,
  // the failed LPUSH: 9 on both (the unknown command and the arity error
  // did not run; the queued commands ran once, inside EXEC).
  EXPECT_EQ(InfoField(*s_, "stats", "total_commands_processed"), "9");
  EXPECT_EQ(InfoField(*r_, "stats", "total_commands_processed"), "9");
  // This connection's earlier INFO counts too, on both.
  EXPECT_EQ(InfoField(*s_, "stats", "total_commands_processed"), InfoField(*r_, "stats", "total_commands_processed"));
}

TEST_F(CompatTest, ErrorStatsInNameOrderAndResetStatKeepsTheSlowlog) {
  SameAll({{"CONFIG", "SET", "slowlog-log-slower-than", "0"}, {"SET", "s", "x"}, {"INCR", "s"}, {"LPUSH", "s", "y"},
           {"NOSUCH"}, {"SET", "n", "1", "EX", "0"}});
  // (Each INFO is a command the SLOWLOG logs: both servers get the same ones.)
  const std::string stockd_errors = ErrorStats(*s_), redis_errors = ErrorStats(*r_);
  EXPECT_EQ(stockd_errors, redis_errors);
  EXPECT_NE(stockd_errors, "");
  EXPECT_EQ(InfoField(*s_, "stats", "total_error_replies"), InfoField(*r_, "stats", "total_error_replies"));
  SameAll({{"CONFIG", "RESETSTAT"}, {"SLOWLOG", "LEN"}});
  EXPECT_EQ(ErrorStats(*s_), "");
  EXPECT_EQ(ErrorStats(*r_), "");
  EXPECT_EQ(InfoField(*s_, "stats", "total_error_replies"), "0");
  EXPECT_EQ(InfoField(*r_, "stats", "total_error_replies"), "0");
}

}  // namespace
}  // namespace stockd::testing
