// Streams: stockd must answer exactly as redis-server 7.0 — every reply
// compared byte for byte over raw sockets, in RESP2 and RESP3 (XREAD is a
// map there): explicit IDs (so replies compare; `*` IDs are checked for
// shape only), edge cases and errors, `~` trimming by whole nodes, XREAD
// BLOCK served by an XADD from another client, COMMAND GETKEYS, and seeded
// random command sequences over a few keys (consumer groups included, with
// mutated arguments for the error paths; idle times and timestamps masked).
#include <chrono>
#include <random>
#include <regex>
#include <thread>

#include "tests/compat/collection_compat_util.h"
#include "tests/util/raw_resp.h"

namespace stockd::testing {
namespace {

class StreamCompat : public CollectionCompatTest {
 protected:
  // The reply with its clock-dependent numbers masked: idle times (XPENDING's
  // third field, XINFO CONSUMERS' idle) and unix-ms timestamps (XINFO FULL).
  static std::string MaskTimes(const std::string& reply) {
    static const std::regex kPendingIdle("(\\*4\r\n\\$\\d+\r\n[^\r]*\r\n\\$\\d+\r\n[^\r]*\r\n):\\d+\r\n");
    static const std::regex kIdle("(\\$4\r\nidle\r\n):\\d+\r\n");
    static const std::regex kStamp(":\\d{13}\r\n");
    std::string r = std::regex_replace(reply, kPendingIdle, "$1:IDLE\r\n");
    r = std::regex_replace(r, kIdle, "$1:IDLE\r\n");
    return std::regex_replace(r, kStamp, ":TIME\r\n");
  }
  // Exact, but with MaskTimes applied to both replies.
  std::string Masked(Pair& p, const std::vector<std::string>& argv) {
    const std::string a = MaskTimes(p.s->Do(argv)), b = MaskTimes(p.r->Do(argv));
    std::string cmd;
    for (const auto& x : argv) cmd += x + " ";
    EXPECT_EQ(a, b) << "command: " << cmd;
    return a;
  }
  void MaskedAll(Pair& p, const std::vector<std::vector<std::string>>& script) {
    for (const auto& argv : script) Masked(p, argv);
  }
};

const std::vector<std::vector<std::string>> kBasics = {
    {"FLUSHALL"},
    {"XADD", "s", "1-1", "a", "1"}, {"XADD", "s", "1-1", "a", "1"}, {"XADD", "s", "0-0", "a", "1"},
    {"XADD", "s2", "0-0", "a", "1"}, {"EXISTS", "s2"}, {"XADD", "s", "1-*", "b", "2"},
    {"XADD", "s", "5", "c", "3", "d", "4"}, {"XADD", "s", "abc", "a"}, {"XADD", "s", "abc", "a", "1"},
    {"XADD", "s", "6-1", "a"}, {"XADD", "s", "NOMKSTREAM", "7-1", "a", "1"},
    {"XADD", "nokey", "NOMKSTREAM", "7-1", "a", "1"}, {"EXISTS", "nokey"},
    {"XADD", "s", "MAXLEN", "x", "8-1", "a", "1"}, {"XADD", "s", "MAXLEN", "-1", "8-1", "a", "1"},
    {"XADD", "s", "MAXLEN", "2", "MINID", "1", "8-1", "a", "1"}, {"XADD", "s", "LIMIT", "5", "8-1", "a", "1"},
    {"XADD", "s", "MAXLEN", "5", "LIMIT", "5", "8-1", "a", "1"},
    {"XADD", "s", "MAXLEN", "~", "5", "LIMIT", "-1", "8-1", "a", "1"},
    {"XADD", "s", "MAXLEN", "~", "5", "LIMIT", "5", "8-1", "a", "1"}, {"XADD", "s", "9-*", "a", "1"},
    {"XADD", "s", "9-18446744073709551615", "a", "1"}, {"XADD", "s", "9-*", "a", "1"},
    {"XADD", "s", "10-1", "x"}, {"XADD", "s", "nomkstream", "maxlen", "=", "100", "10-1", "a", "1"},
    {"XLEN", "s"}, {"XLEN", "nokey"}, {"XRANGE", "s", "-", "+"}, {"XREVRANGE", "s", "+", "-"},
    {"XRANGE", "s", "-", "+", "COUNT", "0"}, {"XRANGE", "s", "-", "+", "COUNT", "-3"},
    {"XRANGE", "s", "-", "+", "COUNT", "2"}, {"XRANGE", "s", "-", "+", "count", "2", "COUNT", "3"},
    {"XRANGE", "s", "(1-1", "+"}, {"XRANGE", "s", "(1", "+"}, {"XRANGE", "s", "(-", "+"},
    {"XRANGE", "s", "(", "+"}, {"XRANGE", "s", "1", "5"}, {"XRANGE", "s", "1", "(5"},
    {"XRANGE", "s", "(18446744073709551615-18446744073709551615", "+"}, {"XRANGE", "s", "-", "(0-0"},
    {"XRANGE", "s", "-", "+", "COUNT"}, {"XRANGE", "s", "-", "+", "FOO", "1"}, {"XRANGE", "nokey", "-", "+"},
    {"XRANGE", "nokey", "-", "+", "COUNT", "0"}, {"XREVRANGE", "s", "+", "-", "COUNT", "1"},
    {"XREVRANGE", "s", "(5", "-"}, {"XREVRANGE", "s", "5", "+"}, {"XRANGE", "s", " 1", "+ "},
    {"XRANGE", "s", "+1", "+"}, {"XRANGE", "s", "01-01", "+"}, {"XRANGE", "s", "18446744073709551616", "+"},
    {"XRANGE", "s", "-1", "+"}, {"XRANGE", "s", "1-2-3", "+"}, {"XRANGE", "s", "9-18446744073709551616", "+"},
    {"XRANGE", "s", std::string(130, '1'), "+"}, {"XRANGE", "s", "(9-18446744073709551615", "+"},
    {"XDEL", "s", "1-1", "9-9"}, {"XDEL", "s", "bad"}, {"XDEL", "s", "5-0", "bad"}, {"XDEL", "nokey", "bad"},
    {"XLEN", "s"}, {"XRANGE", "s", "-", "+"},
    {"SET", "str", "x"}, {"XADD", "str", "*", "a", "1"}, {"XLEN", "str"}, {"XRANGE", "str", "-", "+"},
    {"XDEL", "str", "1"}, {"XTRIM", "str", "MAXLEN", "1"}, {"XSETID", "str", "1"}, {"XREAD", "STREAMS", "str", "0"},
    {"LPUSH", "s", "x"}, {"GET", "s"},
    {"TYPE", "s"}, {"OBJECT", "ENCODING", "s"},
    {"XTRIM", "s", "MAXLEN", "1"}, {"XTRIM", "nokey", "FOO"}, {"XTRIM", "s", "FOO"}, {"XTRIM", "s", "MAXLEN", "~"},
    {"XTRIM", "s", "LIMIT", "10"}, {"XTRIM", "s", "MAXLEN", "0", "LIMIT", "1"}, {"XTRIM", "s", "MINID", "0"},
    {"XTRIM", "s", "MAXLEN", "1", "x"}, {"XTRIM", "s", "MINID", "~", "bad"},
    {"XTRIM", "nokey", "FOO", "1"}, {"XTRIM", "nokey", "MAXLEN", "x"}, {"XTRIM", "str", "MAXLEN", "x"},
    {"XSETID", "s", "1-0"}, {"XSETID", "s", "100-0"}, {"XSETID", "nokey", "1"},
    {"XSETID", "s", "100-0", "ENTRIESADDED", "-1"}, {"XSETID", "s", "100-0", "ENTRIESADDED", "0"},
    {"XSETID", "s", "100-0", "MAXDELETEDID", "200"}, {"XSETID", "s", "100-0", "MAXDELETEDID", "50", "ENTRIESADDED", "10"},
    {"XSETID", "s", "40"}, {"XSETID", "s", "100", "FOO"}, {"XSETID", "s", "100", "ENTRIESADDED"},
    {"XSETID", "s", "bad"}, {"XADD", "s", "100-*", "a", "1"}, {"XADD", "s", "99-*", "a", "1"},
    {"XTRIM", "s", "MAXLEN", "0"}, {"EXISTS", "s"}, {"XLEN", "s"}, {"XADD", "s", "100-1", "a", "1"},
    {"XADD", "s", "100-2", "a", "1"},
    {"XREAD", "STREAMS", "s", "0"}, {"XREAD", "COUNT", "1", "STREAMS", "s", "s2", "0", "0"},
    {"XREAD", "STREAMS", "s", "$"}, {"XREAD", "STREAMS", "s"}, {"XREAD", "STREAMS", "s", "s2", "0"},
    {"XREAD", "COUNT", "x", "STREAMS", "s", "0"}, {"XREAD", "BLOCK", "x", "STREAMS", "s", "0"},
    {"XREAD", "BLOCK", "-1", "STREAMS", "s", "0"}, {"XREAD", "BLOCK", "9223372036854775807", "STREAMS", "s", "0"},
    {"XREAD", "GROUP", "a", "b", "STREAMS", "s", "0"}, {"XREAD", "NOACK", "STREAMS", "s", "0"},
    {"XREAD", "FOO", "STREAMS", "s", "0"}, {"XREAD", "COUNT", "1", "s", "0"}, {"XREAD", "STREAMS", "s", ">"},
    {"XREAD", "STREAMS", "s", "bad"}, {"XREAD", "STREAMS", "nokey", "0"}, {"XREAD", "STREAMS", "s", "-"},
    {"XREAD", "BLOCK", "10", "STREAMS", "s", "$"}, {"XREAD", "STREAMS", "s", "s", "0", "100-1"},
    {"XREAD", "COUNT", "-5", "STREAMS", "s", "0"}, {"XREAD", "streams", "s", "nokey", "100-1", "0"},
    {"COMMAND", "GETKEYS", "XREAD", "COUNT", "1", "STREAMS", "a", "b", "0", "0"},
    {"COMMAND", "GETKEYS", "XREAD", "STREAMS", "a", "b", "0"}, {"COMMAND", "GETKEYS", "XREAD", "COUNT", "1", "a", "b"},
    {"COMMAND", "GETKEYS", "XREAD", "BLOCK", "0", "streams", "STREAMS", "x", "0", "0"},
    {"COMMAND", "GETKEYS", "XADD", "k", "*", "a", "1"},
    {"MULTI"}, {"XREAD", "BLOCK", "0", "STREAMS", "s", "$"}, {"XADD", "s", "200-1", "a", "1"}, {"EXEC"},
    {"EVAL", "return redis.pcall('xread','BLOCK','0','STREAMS',KEYS[1],'0')", "1", "s"},
    {"EVAL", "return redis.call('XREAD','STREAMS',KEYS[1],'0')", "1", "s"},
    {"XADD", "nf", "1-1", "f", "1", "f", "2"}, {"XRANGE", "nf", "-", "+"},
};

TEST_F(StreamCompat, BasicsResp2) {
  Pair p = Open(false);
  ExactAll(p, kBasics);
}

TEST_F(StreamCompat, BasicsResp3) {
  Pair p = Open(true);
  ExactAll(p, kBasics);
}

// Consumer groups: every command and error of XGROUP, XREADGROUP, XACK,
// XPENDING, XCLAIM, XAUTOCLAIM and XINFO (idle times and timestamps masked).
const std::vector<std::vector<std::string>> kGroups = {
    {"FLUSHALL"}, {"XGROUP", "HELP"}, {"XINFO", "HELP"}, {"XGROUP", "CREATE", "nokey", "g", "$"},
    {"XGROUP", "CREATE", "nokey", "g", "$", "MKSTREAM", "ENTRIESREAD", "-2"}, {"XGROUP", "CREATE", "nokey", "g", "$", "FOO"},
    {"XGROUP", "SETID", "nokey", "g", "$"}, {"XGROUP", "FOO"}, {"XGROUP", "CREATE", "s"},
    {"XADD", "s", "1-1", "a", "1"}, {"XADD", "s", "2-1", "a", "1"}, {"XADD", "s", "3-1", "b", "2"},
    {"XGROUP", "CREATE", "s", "g", "0"}, {"XGROUP", "CREATE", "s", "g", "0"},
    {"XGROUP", "CREATE", "s", "g2", "$", "ENTRIESREAD", "3"}, {"XGROUP", "CREATE", "s", "g3", "1-1", "ENTRIESREAD", "x"},
    {"XGROUP", "CREATE", "s", "g4", "bad"}, {"XGROUP", "CREATE", "s", "g5", "1-1", "MKSTREAM", "MKSTREAM", "MKSTREAM", "MKSTREAM"},
    {"XGROUP", "CREATE", "new", "g", "$", "MKSTREAM"}, {"XLEN", "new"}, {"XINFO", "GROUPS", "s"},
    {"XREADGROUP", "GROUP", "g", "c1", "COUNT", "2", "STREAMS", "s", ">"}, {"XREADGROUP", "GROUP", "g", "c2", "STREAMS", "s", ">"},
    {"XREADGROUP", "GROUP", "g", "c2", "STREAMS", "s", ">"}, {"XREADGROUP", "GROUP", "g", "c3", "STREAMS", "s", "0"},
    {"XREADGROUP", "GROUP", "g", "c2", "STREAMS", "s", "0"}, {"XDEL", "s", "1-1"},
    {"XREADGROUP", "GROUP", "g", "c1", "STREAMS", "s", "0"}, {"XREADGROUP", "GROUP", "g", "c1", "COUNT", "1", "STREAMS", "s", "0"},
    {"XREADGROUP", "GROUP", "g", "c1", "STREAMS", "s", "(0"}, {"XREADGROUP", "GROUP", "g", "c1", "STREAMS", "s", "$"},
    {"XREADGROUP", "GROUP", "nog", "c1", "STREAMS", "s", ">"}, {"XREADGROUP", "GROUP", "g", "c1", "STREAMS", "s", "nokey", ">", ">"},
    {"XREADGROUP", "GROUP", "g", "c1", "STREAMS", "s"}, {"XREADGROUP", "GROUP", "g", "c1", "NOACK", "STREAMS", "s", "0"},
    {"XREADGROUP", "COUNT", "1", "STREAMS", "s", ">"}, {"XREADGROUP", "GROUP", "g", "c1", "BLOCK", "10", "STREAMS", "s", ">"},
    {"XREADGROUP", "GROUP", "g", "c1", "STREAMS", "s", "new", "0", ">"},
    {"COMMAND", "GETKEYS", "XREADGROUP", "GROUP", "g", "c", "STREAMS", "a", "b", "0", "0"},
    {"XINFO", "GROUPS", "s"}, {"XPENDING", "s", "g"}, {"XPENDING", "s", "g", "-", "+", "10"},
    {"XPENDING", "s", "g", "-", "+", "10", "c1"}, {"XPENDING", "s", "g", "-", "+", "10", "nobody"},
    {"XPENDING", "s", "g", "IDLE", "0", "-", "+", "10"}, {"XPENDING", "s", "g", "IDLE", "1000000", "-", "+", "10"},
    {"XPENDING", "s", "g", "IDLE", "5"}, {"XPENDING", "s", "g", "-", "+", "x"}, {"XPENDING", "s", "g", "(-", "+", "10"},
    {"XPENDING", "s", "g", "-", "+", "10", "c1", "extra"}, {"XPENDING", "s", "g", "-"}, {"XPENDING", "s", "nog"},
    {"XPENDING", "nokey", "g"}, {"XPENDING", "s", "g2"}, {"XPENDING", "s", "g", "(1-1", "(3-1", "-5"},
    {"XACK", "s", "g", "1-1", "9-9"}, {"XACK", "s", "g", "bad"}, {"XACK", "s", "nog", "1-1"}, {"XACK", "nokey", "g", "1-1"},
    {"XPENDING", "s", "g"}, {"XCLAIM", "s", "g", "c9", "0", "2-1"}, {"XCLAIM", "s", "g", "c9", "0", "2-1", "JUSTID"},
    {"XCLAIM", "s", "g", "c9", "0", "2-1", "RETRYCOUNT", "7", "JUSTID"}, {"XPENDING", "s", "g", "-", "+", "10"},
    {"XCLAIM", "s", "g", "c9", "0", "1-1", "FORCE"}, {"XCLAIM", "s", "g", "c9", "0", "3-1", "5-5", "FORCE", "JUSTID"},
    {"XCLAIM", "s", "g", "c9", "x", "3-1"}, {"XCLAIM", "s", "g", "c9", "0", "3-1", "FOO"},
    {"XCLAIM", "s", "g", "c9", "0", "3-1", "IDLE", "x"}, {"XCLAIM", "s", "g", "c9", "0", "3-1", "TIME", "x"},
    {"XCLAIM", "s", "g", "c9", "0", "3-1", "RETRYCOUNT", "x"}, {"XCLAIM", "s", "g", "c9", "0", "3-1", "LASTID", "bad"},
    {"XCLAIM", "s", "g", "c9", "0", "3-1", "LASTID", "50-0", "JUSTID"}, {"XINFO", "GROUPS", "s"},
    {"XCLAIM", "s", "nog", "c9", "0", "3-1"}, {"XCLAIM", "nokey", "g", "c9", "0", "3-1"},
    {"XCLAIM", "s", "g", "c9", "100000", "3-1"}, {"XCLAIM", "s", "g", "c8", "-5", "3-1", "IDLE", "-7", "JUSTID"},
    {"XCLAIM", "s", "g", "c8", "0", "3-1", "TIME", "99999999999999", "JUSTID"}, {"XPENDING", "s", "g", "-", "+", "10"},
    {"XADD", "s", "4-1", "c", "3"}, {"XADD", "s", "5-1", "c", "3"}, {"XREADGROUP", "GROUP", "g2", "cx", "STREAMS", "s", ">"},
    {"XDEL", "s", "4-1"}, {"XAUTOCLAIM", "s", "g2", "cy", "0", "0"}, {"XAUTOCLAIM", "s", "g2", "cy", "0", "0", "COUNT", "1"},
    {"XAUTOCLAIM", "s", "g2", "cy", "0", "0", "COUNT", "1", "JUSTID"}, {"XAUTOCLAIM", "s", "g2", "cy", "0", "0", "COUNT", "0"},
    {"XAUTOCLAIM", "s", "g2", "cy", "0", "0", "COUNT", "x"}, {"XAUTOCLAIM", "s", "g2", "cy", "x", "0"},
    {"XAUTOCLAIM", "s", "g2", "cy", "0", "bad"}, {"XAUTOCLAIM", "s", "g2", "cy", "0", "(18446744073709551615-18446744073709551615"},
    {"XAUTOCLAIM", "s", "g2", "cy", "0", "0", "FOO"}, {"XAUTOCLAIM", "s", "nog", "cy", "0", "0"},
    {"XAUTOCLAIM", "nokey", "g", "cy", "0", "0"}, {"XAUTOCLAIM", "s", "g", "cz", "0", "0", "COUNT", "2"},
    {"XAUTOCLAIM", "s", "g", "cz", "0", "0", "COUNT", "2", "JUSTID"}, {"XAUTOCLAIM", "s", "g", "cz", "100000", "0"},
    {"XAUTOCLAIM", "s", "g", "cz", "0", "0", "COUNT", "576460752303423488"},
    {"XINFO", "CONSUMERS", "s", "g"}, {"XINFO", "CONSUMERS", "s", "g2"}, {"XINFO", "CONSUMERS", "s", "nog"},
    {"XINFO", "CONSUMERS", "nokey", "g"}, {"XINFO", "GROUPS", "s"}, {"XINFO", "GROUPS", "nokey"}, {"XINFO", "STREAM", "s"},
    {"XINFO", "STREAM", "nokey"}, {"XINFO", "STREAM", "s", "FULL"}, {"XINFO", "STREAM", "s", "FULL", "COUNT"},
    {"XINFO", "STREAM", "s", "FULL", "COUNT", "-1"}, {"XINFO", "STREAM", "s", "FULL", "COUNT", "1"},
    {"XINFO", "STREAM", "s", "FOO"}, {"XINFO", "STREAM", "s", "FULL", "COUNT", "1", "X"}, {"XINFO", "FOO", "s"}, {"XINFO"},
    {"XGROUP", "SETID", "s", "g", "1-1"}, {"XGROUP", "SETID", "s", "g", "$", "ENTRIESREAD", "2"},
    {"XGROUP", "SETID", "s", "g", "-", "ENTRIESREAD", "-5"}, {"XGROUP", "SETID", "s", "g", "+", "FOO", "1"},
    {"XGROUP", "SETID", "s", "g", "+", "ENTRIESREAD"}, {"XGROUP", "SETID", "s", "nog", "0"}, {"XGROUP", "SETID", "s", "g", "bad"},
    {"XGROUP", "SETID", "nokey", "g", "$", "MKSTREAM"}, {"XGROUP", "SETID", "s", "g", "$", "ENTRIESREAD", "1", "MKSTREAM"},
    {"XGROUP", "SETID", "s", "g", "$", "ENTRIESREAD", "-5", "MKSTREAM"}, {"XGROUP", "SETID", "s", "g", "$", "ENTRIESREAD", "x", "8"},
    {"XGROUP", "SETID", "nokey", "g", "$", "ENTRIESREAD", "1", "ENTRIESREAD", "2"},
    {"XGROUP", "SETID", "s", "g", "bad", "ENTRIESREAD", "1", "ENTRIESREAD", "2"}, {"XGROUP", "SETID", "s", "g", "$", "x"},
    {"XGROUP", "CREATE", "s", "g9", "bad", "ENTRIESREAD", "1", "ENTRIESREAD", "2"},
    {"XGROUP", "CREATE", "str", "g", "$", "MKSTREAM", "MKSTREAM", "MKSTREAM", "MKSTREAM"},
    {"XREADGROUP", "GROUP", "g", "c1", "STREAMS", "s", "0", "x"},
    {"XINFO", "GROUPS", "s"}, {"XGROUP", "DELCONSUMER", "s", "g", "c1"}, {"XGROUP", "DELCONSUMER", "s", "g", "zz"},
    {"XGROUP", "DELCONSUMER", "s", "nog", "zz"}, {"XGROUP", "CREATECONSUMER", "s", "g", "c3"},
    {"XGROUP", "CREATECONSUMER", "s", "g", "c33"}, {"XGROUP", "CREATECONSUMER", "s", "nog", "c3"}, {"XPENDING", "s", "g"},
    {"XGROUP", "DESTROY", "s", "g"}, {"XGROUP", "DESTROY", "s", "g"}, {"XGROUP", "DESTROY", "nokey", "g"},
    {"XTRIM", "s", "MAXLEN", "0"}, {"XINFO", "STREAM", "s"}, {"XINFO", "GROUPS", "s"}, {"SET", "str", "x"},
    {"XGROUP", "CREATE", "str", "g", "$"}, {"XINFO", "STREAM", "str"}, {"XREADGROUP", "GROUP", "g", "c", "STREAMS", "str", ">"},
    {"XACK", "str", "g", "1-1"}, {"XPENDING", "str", "g"}, {"XCLAIM", "str", "g", "c", "0", "1-1"},
    {"XAUTOCLAIM", "str", "g", "c", "0", "0"},
};

TEST_F(StreamCompat, GroupsResp2) {
  Pair p = Open(false);
  MaskedAll(p, kGroups);
}

TEST_F(StreamCompat, GroupsResp3) {
  Pair p = Open(true);
  MaskedAll(p, kGroups);
}

TEST_F(StreamCompat, BlockedReadGroup) {
  for (bool resp3 : {false, true}) {
    Pair a = Open(resp3), b = Open(resp3), w = Open(false);
    ExactAll(w, {{"DEL", "q"}, {"XGROUP", "CREATE", "q", "g", "$", "MKSTREAM"}, {"XGROUP", "CREATE", "q", "g2", "$"}});
    for (auto* raw : {a.s.get(), a.r.get()}) raw->Send({"XREADGROUP", "GROUP", "g", "c1", "BLOCK", "0", "STREAMS", "q", ">"});
    AwaitBlocked(1);
    // A reader of another group. (Two readers of one group are served in
    // arrival order by Redis, in the order their fibers run by stockd: not
    // compared here.)
    for (auto* raw : {b.s.get(), b.r.get()}) {
      raw->Send({"XREADGROUP", "GROUP", "g2", "c2", "COUNT", "1", "NOACK", "BLOCK", "0", "STREAMS", "q", ">"});
    }
    AwaitBlocked(2);
    Exact(w, {"XADD", "q", "1-1", "f", "v"});  // serves both
    EXPECT_EQ(a.s->Read(), a.r->Read());
    EXPECT_EQ(b.s->Read(), b.r->Read());
    AwaitBlocked(0);
    Exact(w, {"XADD", "q", "2-1", "f", "w"});
    Masked(w, {"XPENDING", "q", "g", "-", "+", "10"});
    Masked(w, {"XPENDING", "q", "g2", "-", "+", "10"});
    Exact(a, {"XREADGROUP", "GROUP", "g", "c1", "BLOCK", "20", "STREAMS", "q", ">"});  // timeout
    for (auto* raw : {a.s.get(), a.r.get()}) raw->Send({"XREADGROUP", "GROUP", "g", "c1", "BLOCK", "0", "STREAMS", "q", ">"});
    AwaitBlocked(1);
    Exact(w, {"XGROUP", "DESTROY", "q", "g"});
    EXPECT_EQ(a.s->Read(), a.r->Read());
    AwaitBlocked(0);
    // The stream deleted, or overwritten, under a blocked XREADGROUP.
    for (const std::vector<std::string>& remove :
         {std::vector<std::string>{"DEL", "q"}, std::vector<std::string>{"SET", "q", "v"}}) {
      ExactAll(w, {{"DEL", "q"}, {"XGROUP", "CREATE", "q", "g", "$", "MKSTREAM"}});
      for (auto* raw : {a.s.get(), a.r.get()}) {
        raw->Send({"XREADGROUP", "GROUP", "g", "c1", "BLOCK", "0", "STREAMS", "q", ">"});
      }
      AwaitBlocked(1);
      Exact(w, remove);
      EXPECT_EQ(a.s->Read(), a.r->Read());
      AwaitBlocked(0);
    }
  }
}

TEST_F(StreamCompat, AutoIdShape) {
  // `*` IDs are the server's clock: compare shapes, not values.
  for (auto* c : {s_.get(), r_.get()}) {
    const std::string a = c->Do({"XADD", "auto", "*", "f", "v"});
    const std::string b = c->Do({"XADD", "auto", "*", "f", "v"});
    EXPECT_NE(a.find('-'), std::string::npos) << a;
    EXPECT_LT(a, b);
    EXPECT_EQ(c->Do({"XADD", "auto", "1-1", "f", "v"}),
              "(error) ERR The ID specified in XADD is equal or smaller than the target stream top item");
  }
}

TEST_F(StreamCompat, ApproximateTrimming) {
  Pair p = Open(false);
  std::vector<std::vector<std::string>> script;
  for (int i = 1; i <= 350; ++i) script.push_back({"XADD", "t", std::to_string(i) + "-1", "f", "v" + std::to_string(i)});
  ExactAll(p, script);
  ExactAll(p, {
                  {"XTRIM", "t", "MAXLEN", "~", "300"}, {"XTRIM", "t", "MAXLEN", "~", "200"},
                  {"XDEL", "t", "101-1", "150-1", "250-1"}, {"XTRIM", "t", "MAXLEN", "~", "150"},
                  {"XTRIM", "t", "MINID", "~", "230"}, {"XTRIM", "t", "MINID", "~", "301"},
                  {"XTRIM", "t", "MAXLEN", "~", "0", "LIMIT", "30"}, {"XTRIM", "t", "MAXLEN", "=", "45"},
                  {"XADD", "t", "MAXLEN", "~", "1", "400-1", "f", "v"}, {"XTRIM", "t", "MINID", "=", "340"},
                  {"XRANGE", "t", "-", "+", "COUNT", "3"}, {"XLEN", "t"}, {"XINFO", "STREAM", "t"},
                  {"XINFO", "STREAM", "t", "FULL"}, {"XINFO", "STREAM", "t", "FULL", "COUNT", "-1"},
                  {"XINFO", "STREAM", "t", "FULL", "COUNT", "0"}, {"XINFO", "STREAM", "t", "FULL", "COUNT", "12"},
                  {"XTRIM", "t", "MAXLEN", "~", "0"}, {"XLEN", "t"}, {"XINFO", "STREAM", "t"},
              });
  // Entries of varied sizes: nodes close on 4096 listpack bytes.
  RandomArgs rnd(7);
  script.clear();
  for (int i = 1; i <= 300; ++i) {
    std::vector<std::string> cmd = {"XADD", "v", std::to_string(i) + "-0"};
    const int fields = rnd.Int(1, 3);
    for (int f = 0; f < fields; ++f) {
      cmd.push_back(rnd.Int(0, 3) == 0 ? "g" + std::to_string(f) : "f" + std::to_string(f));
      switch (rnd.Int(0, 4)) {
        case 0: cmd.push_back(std::string(static_cast<size_t>(rnd.Int(60, 300)), 'y')); break;
        case 1: cmd.push_back(std::to_string(rnd.Int(-100000, 100000))); break;
        default: cmd.push_back("val" + std::to_string(rnd.Int(0, 99)));
      }
    }
    script.push_back(cmd);
    if (i % 25 == 0) script.push_back({"XTRIM", "v", "MAXLEN", "~", std::to_string(rnd.Int(0, i))});
  }
  script.push_back({"XLEN", "v"});
  script.push_back({"XINFO", "STREAM", "v"});  // radix-tree-keys/nodes: the node layout
  ExactAll(p, script);
}

TEST_F(StreamCompat, BlockedReadServedByAdd) {
  for (bool resp3 : {false, true}) {
    Pair reader = Open(resp3);
    Pair writer = Open(false);
    ExactAll(writer, {{"DEL", "b1", "b2"}, {"XADD", "b1", "1-1", "f", "v"}});
    for (auto* raw : {reader.s.get(), reader.r.get()}) raw->Send({"XREAD", "BLOCK", "0", "STREAMS", "b2", "b1", "0", "$"});
    AwaitBlocked(1);
    Exact(writer, {"XADD", "b1", "2-1", "g", "w"});
    EXPECT_EQ(reader.s->Read(), reader.r->Read());
    // A timeout: the null array (RESP3 null).
    Exact(reader, {"XREAD", "BLOCK", "20", "STREAMS", "b1", "$"});
    // COUNT on the woken read; an ID above the new entry keeps waiting.
    for (auto* raw : {reader.s.get(), reader.r.get()}) {
      raw->Send({"XREAD", "COUNT", "1", "BLOCK", "0", "STREAMS", "b1", "3-0"});
    }
    AwaitBlocked(1);
    Exact(writer, {"XADD", "b1", "2-5", "g", "w"});
    AwaitBlocked(1);
    Exact(writer, {"XADD", "b1", "3-1", "g", "x"});
    Exact(writer, {"XADD", "b1", "3-2", "g", "y"});
    EXPECT_EQ(reader.s->Read(), reader.r->Read());
    AwaitBlocked(0);
  }
}

TEST_F(StreamCompat, RandomSequences) {
  for (bool resp3 : {false, true}) {
    Pair p = Open(resp3);
    Exact(p, {"FLUSHALL"});
    RandomArgs rnd(resp3 ? 4242 : 1234);
    auto id = [&](bool partial) {
      std::string ms = std::to_string(rnd.Int(0, 40));
      if (partial && rnd.Int(0, 3) == 0) return ms;
      return ms + "-" + std::to_string(rnd.Int(0, 3));
    };
    auto bound = [&](bool start) {
      switch (rnd.Int(0, 5)) {
        case 0: return std::string(start ? "-" : "+");
        case 1: return "(" + id(true);
        default: return id(true);
      }
    };
    for (int step = 0; step < 1500; ++step) {
      const std::string key = rnd.Key();
      std::vector<std::string> cmd;
      switch (rnd.Int(0, 13)) {
        case 0: case 1: case 2: case 3: {
          cmd = {"XADD", key};
          if (rnd.Int(0, 9) == 0) cmd.push_back("NOMKSTREAM");
          if (rnd.Int(0, 4) == 0) {
            cmd.push_back(rnd.Int(0, 1) ? "MAXLEN" : "MINID");
            const int mode = rnd.Int(0, 2);
            if (mode == 1) cmd.push_back("~");
            if (mode == 2) cmd.push_back("=");
            cmd.push_back(cmd[cmd.size() - (mode ? 2 : 1)] == "MAXLEN" ? std::to_string(rnd.Int(0, 12)) : id(true));
            if (mode == 1 && rnd.Int(0, 2) == 0) cmd.insert(cmd.end(), {"LIMIT", std::to_string(rnd.Int(0, 5))});
          }
          cmd.push_back(rnd.Int(0, 4) == 0 ? std::to_string(rnd.Int(0, 40)) + "-*" : id(true));
          const int fields = rnd.Int(1, 3);
          for (int f = 0; f < fields; ++f) {
            cmd.push_back("f" + std::to_string(rnd.Int(0, 2)));
            cmd.push_back(rnd.Member());
          }
          break;
        }
        case 4: cmd = {"XDEL", key, id(true), id(true)}; break;
        case 5:
          cmd = {"XTRIM", key, rnd.Int(0, 1) ? "MAXLEN" : "MINID"};
          if (rnd.Int(0, 2) == 0) cmd.push_back(rnd.Int(0, 1) ? "~" : "=");
          cmd.push_back(cmd[2] == "MAXLEN" ? std::to_string(rnd.Int(0, 10)) : id(true));
          break;
        case 6: case 7:
          cmd = {rnd.Int(0, 1) ? "XRANGE" : "XREVRANGE", key, bound(true), bound(false)};
          if (cmd[0] == "XREVRANGE") std::swap(cmd[2], cmd[3]);
          if (rnd.Int(0, 2) == 0) cmd.insert(cmd.end(), {"COUNT", std::to_string(rnd.Int(-1, 4))});
          break;
        case 8: cmd = {"XLEN", key}; break;
        case 9: {
          cmd = {"XREAD"};
          if (rnd.Int(0, 1)) cmd.insert(cmd.end(), {"COUNT", std::to_string(rnd.Int(0, 3))});
          cmd.push_back("STREAMS");
          const std::string other = rnd.Key();
          cmd.insert(cmd.end(), {key, other, rnd.Int(0, 3) == 0 ? "$" : id(true), id(true)});
          break;
        }
        case 10: {
          cmd = {"XSETID", key, id(true)};
          if (rnd.Int(0, 2) == 0) cmd.insert(cmd.end(), {"ENTRIESADDED", std::to_string(rnd.Int(0, 30))});
          if (rnd.Int(0, 2) == 0) cmd.insert(cmd.end(), {"MAXDELETEDID", id(true)});
          break;
        }
        case 11: cmd = {rnd.Int(0, 5) == 0 ? "DEL" : "TYPE", key}; break;
        case 12: cmd = {rnd.Int(0, 7) == 0 ? "SET" : "EXISTS", key, "v"}; if (cmd[0] == "EXISTS") cmd.pop_back(); break;
        default: cmd = {"COPY", key, rnd.Key(), "REPLACE"}; break;
      }
      Exact(p, cmd);
      if (::testing::Test::HasFailure()) return;
    }
    for (int k = 0; k < 4; ++k) Exact(p, {"XRANGE", "k" + std::to_string(k), "-", "+"});
  }
}

TEST_F(StreamCompat, RandomGroupSequences) {
  for (bool resp3 : {false, true}) {
    Pair p = Open(resp3);
    Exact(p, {"FLUSHALL"});
    RandomArgs rnd(resp3 ? 777 : 999);
    auto id = [&]() { return std::to_string(rnd.Int(0, 30)) + "-" + std::to_string(rnd.Int(0, 2)); };
    auto key = [&]() { return "k" + std::to_string(rnd.Int(0, 1)); };
    auto group = [&]() { return "g" + std::to_string(rnd.Int(0, 1)); };
    auto consumer = [&]() { return "c" + std::to_string(rnd.Int(0, 2)); };
    for (int step = 0; step < 1500; ++step) {
      std::vector<std::string> cmd;
      switch (rnd.Int(0, 16)) {
        case 0: case 1: case 2:
          cmd = {"XADD", key(), rnd.Int(0, 5) == 0 ? id() : std::to_string(step + 100) + "-*", "f", rnd.Member()};
          break;
        case 3: cmd = {"XDEL", key(), id(), id()}; break;
        case 4:
          cmd = {"XGROUP", "CREATE", key(), group(), rnd.Int(0, 2) == 0 ? "$" : id()};
          if (rnd.Int(0, 2) == 0) cmd.push_back("MKSTREAM");
          if (rnd.Int(0, 3) == 0) cmd.insert(cmd.end(), {"ENTRIESREAD", std::to_string(rnd.Int(-1, 5))});
          break;
        case 5: case 6: case 7: {
          cmd = {"XREADGROUP", "GROUP", group(), consumer()};
          if (rnd.Int(0, 1)) cmd.insert(cmd.end(), {"COUNT", std::to_string(rnd.Int(0, 3))});
          if (rnd.Int(0, 4) == 0) cmd.push_back("NOACK");
          cmd.insert(cmd.end(), {"STREAMS", key(), rnd.Int(0, 2) == 0 ? id() : ">"});
          break;
        }
        case 8: cmd = {"XACK", key(), group(), id(), id()}; break;
        case 9:
          if (rnd.Int(0, 1)) {
            cmd = {"XPENDING", key(), group()};
          } else {
            cmd = {"XPENDING", key(), group(), "-", "+", std::to_string(rnd.Int(0, 5))};
            if (rnd.Int(0, 1)) cmd.push_back(consumer());
          }
          break;
        case 10: {
          cmd = {"XCLAIM", key(), group(), consumer(), "0", id(), id()};
          if (rnd.Int(0, 2) == 0) cmd.push_back("JUSTID");
          if (rnd.Int(0, 3) == 0) cmd.push_back("FORCE");
          if (rnd.Int(0, 3) == 0) cmd.insert(cmd.end(), {"RETRYCOUNT", std::to_string(rnd.Int(0, 4))});
          if (rnd.Int(0, 4) == 0) cmd.insert(cmd.end(), {"LASTID", id()});
          break;
        }
        case 11:
          cmd = {"XAUTOCLAIM", key(), group(), consumer(), "0", rnd.Int(0, 1) ? "0" : id(), "COUNT",
                 std::to_string(rnd.Int(1, 4))};
          if (rnd.Int(0, 2) == 0) cmd.push_back("JUSTID");
          break;
        case 12: cmd = {"XINFO", "GROUPS", key()}; break;
        case 13: cmd = {"XINFO", rnd.Int(0, 1) ? "CONSUMERS" : "STREAM", key(), rnd.Int(0, 1) ? group() : "FULL"}; break;
        case 14:
          switch (rnd.Int(0, 4)) {
            case 0: cmd = {"XGROUP", "SETID", key(), group(), rnd.Int(0, 1) ? "$" : id()}; break;
            case 1: cmd = {"XGROUP", "DESTROY", key(), group()}; break;
            case 2: cmd = {"XGROUP", "DELCONSUMER", key(), group(), consumer()}; break;
            case 3: cmd = {"XGROUP", "CREATECONSUMER", key(), group(), consumer()}; break;
            default: cmd = {"XSETID", key(), std::to_string(step + 100) + "-5"}; break;
          }
          break;
        case 15: cmd = {"XTRIM", key(), rnd.Int(0, 1) ? "MAXLEN" : "MINID", rnd.Int(0, 1) ? "3" : id()}; break;
        default: cmd = {"XINFO", "STREAM", key()}; break;
      }
      // One command in three is mutated (an argument replaced, dropped or
      // added) so the error paths and their order are compared too.
      static const char* const kTokens[] = {
          "", "-", "+", "(", "$", ">", "0", "-1", "x", "MAXLEN", "MINID", "COUNT", "~", "=", "LIMIT", "JUSTID",
          "FORCE", "IDLE", "TIME", "RETRYCOUNT", "LASTID", "NOACK", "STREAMS", "GROUP", "FULL", "ENTRIESREAD",
          "MKSTREAM", "NOMKSTREAM", "18446744073709551615-18446744073709551615", "9223372036854775807", "1-*",
          "(0-0", "01", "+5", " 1"};
      if (rnd.Int(0, 2) == 0) {
        const std::string tok = kTokens[rnd.Int(0, static_cast<int>(std::size(kTokens)) - 1)];
        const int last = static_cast<int>(cmd.size()) - 1;
        switch (rnd.Int(0, 2)) {
          case 0: if (last >= 2) cmd[static_cast<size_t>(rnd.Int(2, last))] = tok; break;
          case 1: if (last >= 3) cmd.erase(cmd.begin() + rnd.Int(2, last)); break;
          default: cmd.insert(cmd.begin() + rnd.Int(2, last + 1), tok); break;
        }
      }
      Masked(p, cmd);
      if (::testing::Test::HasFailure()) return;
    }
  }
}

}  // namespace
}  // namespace stockd::testing
