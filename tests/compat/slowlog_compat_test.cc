// tests/compat/slowlog_compat_test.cc — SLOWLOG against a real redis-server:
// which commands are logged and in what order, their arguments (truncated as
// Redis truncates them), the client's name, ids, LEN, RESET, GET counts and
// slowlog-max-len. The timestamp, duration and client address of an entry
// differ by nature; they are checked by shape (an entry is the 6-element array
// [id, unix time, microseconds, argv, "ip:port", name]), but a script's calls
// must show Redis's script client, "?:0".
#include <ctime>
#include <string>
#include <vector>

#include "tests/compat/compat_util.h"

namespace stockd::testing {
namespace {

class SlowlogCompat : public CompatTest {
 protected:
  // The entries of SLOWLOG GET count, newest first, each rendered without its
  // time-dependent fields: "<id> [argv...] caller|?:0 name". Checks the rest's shape.
  std::vector<std::string> Entries(Client& c, const std::string& count) {
    std::vector<std::string> out;
    Reply r = c.Command({"SLOWLOG", "GET", count});
    EXPECT_TRUE(r != nullptr && r->type == REDIS_REPLY_ARRAY) << (r ? Render(r.get()) : "no reply");
    if (r == nullptr || r->type != REDIS_REPLY_ARRAY) return out;
    const long long now = static_cast<long long>(std::time(nullptr));
    for (size_t i = 0; i < r->elements; ++i) {
      const redisReply* e = r->element[i];
      EXPECT_EQ(e->type, REDIS_REPLY_ARRAY);
      EXPECT_EQ(e->elements, 6u) << Render(e);
      if (e->type != REDIS_REPLY_ARRAY || e->elements != 6) continue;
      EXPECT_EQ(e->element[0]->type, REDIS_REPLY_INTEGER);
      EXPECT_EQ(e->element[1]->type, REDIS_REPLY_INTEGER);
      EXPECT_LE(std::llabs(e->element[1]->integer - now), 60) << "an entry's unix time is now";
      EXPECT_EQ(e->element[2]->type, REDIS_REPLY_INTEGER);
      EXPECT_GE(e->element[2]->integer, 0) << "a duration is never negative";
      EXPECT_EQ(e->element[4]->type, REDIS_REPLY_STRING);
      // The caller's address (its port differs between the servers), or a
      // script client's "?:0", compared as it is.
      std::string addr(e->element[4]->str, e->element[4]->len);
      if (addr.rfind("127.0.0.1:", 0) == 0) addr = "caller";
      out.push_back(std::to_string(e->element[0]->integer) + " " + Render(e->element[3]) + " " + addr + " " +
                    Render(e->element[5]));
    }
    return out;
  }

  // Both servers' entries, compared exactly.
  void SameEntries(const std::string& count) {
    std::vector<std::string> a = Entries(*s_, count), b = Entries(*r_, count);
    EXPECT_EQ(a, b) << "SLOWLOG GET " << count;
  }
};

TEST_F(SlowlogCompat, EveryCommandIsLoggedAtThresholdZero) {
  // The CONFIG SET itself is logged: the threshold is read after a command runs.
  SameAll({{"SLOWLOG", "RESET"}, {"CONFIG", "SET", "slowlog-log-slower-than", "0"}, {"SET", "k", "v"},
           {"GET", "k"}, {"INCR", "n"}, {"CLIENT", "SETNAME", "buyer"}, {"LPUSH", "l", "a", "b"},
           {"GET", "nosuch"}, {"SLOWLOG", "LEN"}});
  SameEntries("-1");
  SameEntries("3");
  SameEntries("0");
  // A run-time error is logged too; an unknown command and an arity error are not.
  SameAll({{"SLOWLOG", "RESET"}, {"INCR", "k"}, {"NOSUCHCOMMAND", "x"}, {"GET"}, {"SLOWLOG", "LEN"}});
  SameEntries("10");
}

TEST_F(SlowlogCompat, TransactionsScriptsAndBlockingPops) {
  // MULTI is logged, queued commands are logged when EXEC runs them, EXEC is not;
  // a script is logged as its EVAL, not as the commands it calls.
  SameAll({{"CONFIG", "SET", "slowlog-log-slower-than", "0"}, {"SLOWLOG", "RESET"}, {"MULTI"}, {"SET", "t", "1"},
           {"INCR", "t"}, {"EXEC"}, {"EVAL", "redis.call('SET', KEYS[1], '1') return 1", "1", "s"},
           {"RPUSH", "q", "x"}, {"BLPOP", "q", "0"}, {"SLOWLOG", "LEN"}});
  SameEntries("-1");
}

TEST_F(SlowlogCompat, LongArgumentsAndManyArgumentsAreTruncated) {
  SameAll({{"CONFIG", "SET", "slowlog-log-slower-than", "0"}, {"SLOWLOG", "RESET"}});
  std::vector<std::string> mset = {"MSET"};
  for (int i = 0; i < 40; ++i) mset.push_back("key" + std::to_string(i)), mset.push_back("v");
  Same(mset);
  Same({"SET", "big", std::string(300, 'x')});
  Same({"SET", std::string(129, 'k'), std::string(128, 'y')});
  SameEntries("2");
}

TEST_F(SlowlogCompat, MaxLenTrimsTheOldestAndResetEmpties) {
  SameAll({{"CONFIG", "SET", "slowlog-max-len", "3"}, {"CONFIG", "SET", "slowlog-log-slower-than", "0"},
           {"SET", "a", "1"}, {"SET", "b", "2"}, {"SET", "c", "3"}, {"SET", "d", "4"}, {"SLOWLOG", "LEN"}});
  SameEntries("-1");
  SameAll({{"CONFIG", "SET", "slowlog-max-len", "1"}, {"SLOWLOG", "LEN"}});
  SameEntries("-1");
  // Above the threshold nothing fast is logged; RESET empties the log.
  SameAll({{"CONFIG", "SET", "slowlog-log-slower-than", "10000000"}, {"SLOWLOG", "RESET"}, {"SET", "e", "5"},
           {"SLOWLOG", "LEN"}, {"SLOWLOG", "GET"}});
  // A negative threshold disables the log.
  SameAll({{"CONFIG", "SET", "slowlog-log-slower-than", "-1"}, {"SET", "f", "6"}, {"SLOWLOG", "LEN"}});
}

TEST_F(SlowlogCompat, ArgumentErrors) {
  SameAll({{"SLOWLOG", "GET", "x"}, {"SLOWLOG", "GET", "-2"}, {"SLOWLOG", "GET", "1", "2"}, {"SLOWLOG", "LEN", "1"},
           {"SLOWLOG", "RESET", "1"}, {"SLOWLOG", "NOSUCH"}, {"SLOWLOG"}});
}

}  // namespace
}  // namespace stockd::testing
