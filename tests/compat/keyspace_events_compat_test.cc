// tests/compat/keyspace_events_compat_test.cc — keyspace notifications
// (notify-keyspace-events) against redis-server 7.0: every write command's
// events (names, order, the "del" of an emptied key, "new", "keymiss"), the
// flags string CONFIG GET shows, class filtering, expiry and blocked pops.
// A subscriber of each server listens on `__key*__:*`; after each command the
// client publishes a marker on `__keymark__:end`, so everything before the
// marker is what that command announced.
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "tests/compat/compat_util.h"
#include "tests/util/raw_resp.h"

namespace stockd::testing {
namespace {

using Events = std::vector<std::pair<std::string, std::string>>;  // (channel, message)
using Script = std::vector<std::vector<std::string>>;

// A client and a subscriber of one server.
class Listener {
 public:
  explicit Listener(int port) : client_(port), sub_(port) {
    sub_.Send({"PSUBSCRIBE", "__key*__:*"});
    confirmed_ = sub_.Read();
  }
  const std::string& confirmed() const { return confirmed_; }
  RawResp& client() { return client_; }
  // Runs argv; returns its reply and the events it announced (none for a
  // command queued by MULTI: EXEC announces them, and the marker would be
  // queued too).
  std::pair<std::string, Events> Run(const std::vector<std::string>& argv) {
    const std::string reply = client_.Do(argv);
    if (argv[0] == "MULTI") in_multi_ = true;
    if (argv[0] == "EXEC" || argv[0] == "DISCARD") in_multi_ = false;
    if (in_multi_) return {reply, {}};
    return {reply, Drain()};
  }
  // Everything published up to a marker sent now.
  Events Drain() {
    client_.Do({"PUBLISH", "__keymark__:end", "."});
    Events events;
    for (;;) {
      const std::vector<std::string> m = BulkStrings(sub_.Read());
      if (m.size() != 4) {
        events.emplace_back("(unexpected)", m.empty() ? "" : m[0]);
        return events;
      }
      if (m[2] == "__keymark__:end") return events;
      events.emplace_back(m[2], m[3]);
    }
  }

 private:
  RawResp client_, sub_;
  std::string confirmed_;
  bool in_multi_ = false;
};

std::string Show(const Events& events) {
  std::string s;
  for (const auto& [c, m] : events) s += c + " -> " + m + "\n";
  return s;
}

std::string Join(const std::vector<std::string>& argv) {
  std::string s;
  for (const auto& a : argv) s += a + " ";
  return s;
}

// Replies a server may pick at random (the events still compare).
bool RandomReply(const std::vector<std::string>& argv) {
  return argv[0] == "SPOP" || argv[0] == "SRANDMEMBER" || argv[0] == "HRANDFIELD" || argv[0] == "ZRANDMEMBER";
}

class KeyspaceEventsCompat : public CompatTest {
 protected:
  // Sets the flags on both servers, runs the script on both; replies and
  // events compared command by command. Returns how many events redis-server
  // announced.
  int SameEvents(const std::string& flags, const Script& script) {
    Same({"CONFIG", "SET", "notify-keyspace-events", flags});
    Listener s(stockd_.port()), r(redis_.port());
    EXPECT_EQ(s.confirmed(), r.confirmed());
    int announced = 0;
    for (const auto& argv : script) {
      auto [s_reply, s_events] = s.Run(argv);
      auto [r_reply, r_events] = r.Run(argv);
      if (!RandomReply(argv)) EXPECT_EQ(s_reply, r_reply) << Join(argv);
      EXPECT_EQ(Show(s_events), Show(r_events)) << "flags " << flags << ", command: " << Join(argv);
      announced += static_cast<int>(r_events.size());
    }
    Same({"FLUSHALL"});
    return announced;
  }
};

// Every family's write commands, their no-op forms (which announce nothing)
// and reads of missing keys (keymiss, with m).
const Script& EveryFamily() {
  static const Script script = {
    {"SET", "s", "1"}, {"SET", "s", "2", "EX", "100"}, {"SET", "s", "3", "KEEPTTL"}, {"SET", "s", "4", "NX"},
    {"SET", "s", "5", "XX", "GET"}, {"SETNX", "s", "6"}, {"SETNX", "s2", "6"}, {"SETEX", "s3", "100", "v"},
    {"PSETEX", "s4", "100000", "v"}, {"GETSET", "s", "7"}, {"MSET", "m1", "a", "m2", "b"},
    {"MSETNX", "m1", "x", "m3", "y"}, {"MSETNX", "m4", "x", "m5", "y"}, {"APPEND", "s", "x"},
    {"APPEND", "ap", "x"}, {"SETRANGE", "s", "1", "zz"}, {"SETRANGE", "sr", "0", ""},
    {"SETRANGE", "sr", "2", "ab"}, {"INCR", "i"}, {"INCRBY", "i", "5"}, {"DECR", "i"}, {"DECRBY", "i", "2"},
    {"INCRBYFLOAT", "f", "1.5"}, {"INCRBYFLOAT", "s", "1"}, {"GETDEL", "s2"}, {"GETDEL", "nokey"},
    {"GETEX", "s3", "EX", "50"}, {"GETEX", "s3", "PERSIST"}, {"GETEX", "s3", "PERSIST"},
    {"GETEX", "s4", "PXAT", "1"}, {"GET", "s"}, {"EXPIRE", "m1", "100"}, {"EXPIRE", "m1", "100", "NX"},
    {"PEXPIRE", "m2", "-1"}, {"PERSIST", "m1"}, {"PERSIST", "m1"}, {"DEL", "m3", "m4", "nokey"},
    {"UNLINK", "m5"}, {"RENAME", "s", "sx"}, {"RENAME", "sx", "sx"}, {"RENAMENX", "sx", "ap"},
    {"RENAMENX", "sx", "nn"}, {"COPY", "nn", "cp"}, {"COPY", "nn", "cp"}, {"COPY", "nn", "cp", "REPLACE"},
    {"COPY", "nn", "cp", "DB", "1"}, {"MOVE", "cp", "2"}, {"MOVE", "nokey", "2"},
    {"LPUSH", "l", "a", "b", "c"}, {"RPUSH", "l", "d"}, {"LPUSHX", "l", "e"}, {"RPUSHX", "nol", "e"},
    {"LPOP", "l"}, {"RPOP", "l", "2"}, {"LPOP", "l", "0"}, {"LSET", "l", "0", "q"},
    {"LINSERT", "l", "BEFORE", "q", "p"}, {"LINSERT", "l", "BEFORE", "zz", "p"}, {"LREM", "l", "0", "p"},
    {"LTRIM", "l", "0", "0"}, {"LTRIM", "l", "1", "0"}, {"RPUSH", "l2", "a", "b", "c"},
    {"LMOVE", "l2", "l3", "LEFT", "RIGHT"}, {"RPOPLPUSH", "l2", "l3"}, {"LMOVE", "l2", "l3", "LEFT", "LEFT"},
    {"LMOVE", "l3", "l3", "LEFT", "RIGHT"}, {"LMPOP", "2", "nol", "l3", "LEFT", "COUNT", "10"},
    {"BLPOP", "nol", "l3", "0.01"}, {"RPUSH", "bl", "x"}, {"BLPOP", "bl", "0.01"},
    {"HSET", "h", "f", "v", "g", "w"}, {"HSET", "h", "f", "v"}, {"HMSET", "h", "a", "b"},
    {"HSETNX", "h", "f", "x"}, {"HSETNX", "h", "n", "x"}, {"HINCRBY", "h", "c", "3"},
    {"HINCRBYFLOAT", "h", "d", "1.5"}, {"HDEL", "h", "f", "nofield"}, {"HDEL", "h", "nofield"},
    {"HDEL", "h", "g", "a", "c", "d", "n"}, {"SADD", "st", "a", "b", "c"}, {"SADD", "st", "a"},
    {"SREM", "st", "a", "nomember"}, {"SMOVE", "st", "st2", "b"}, {"SMOVE", "st", "st2", "b"},
    {"SMOVE", "st", "st2", "c"}, {"SPOP", "st"}, {"SADD", "sp", "a", "b", "c", "d"}, {"SPOP", "sp"},
    {"SPOP", "sp", "0"}, {"SPOP", "sp", "1"}, {"SPOP", "sp", "10"}, {"SADD", "sa", "1", "2", "3"},
    {"SADD", "sb", "2", "3", "4"}, {"SINTERSTORE", "si", "sa", "sb"}, {"SUNIONSTORE", "su", "sa", "sb"},
    {"SDIFFSTORE", "sd", "sa", "sb"}, {"SDIFFSTORE", "sd", "sa", "sa"}, {"SDIFFSTORE", "sd", "sa", "sa"},
    {"ZADD", "z", "1", "a", "2", "b", "3", "c"}, {"ZADD", "z", "1", "a"}, {"ZADD", "z", "XX", "5", "a"},
    {"ZADD", "z", "NX", "5", "a"}, {"ZADD", "z", "INCR", "1", "a"}, {"ZADD", "z", "XX", "1", "nomember"},
    {"ZINCRBY", "z", "2", "b"}, {"ZADD", "z", "GT", "1", "b"}, {"ZREM", "z", "a", "nomember"},
    {"ZADD", "z", "4", "d", "5", "e", "6", "f", "7", "g"}, {"ZREMRANGEBYRANK", "z", "0", "0"},
    {"ZREMRANGEBYSCORE", "z", "5", "5"}, {"ZREMRANGEBYSCORE", "z", "100", "200"},
    {"ZREMRANGEBYLEX", "z", "-", "+"}, {"ZADD", "zp", "1", "a", "2", "b", "3", "c"}, {"ZPOPMIN", "zp"},
    {"ZPOPMAX", "zp", "5"}, {"ZPOPMIN", "zp"}, {"ZADD", "za", "1", "a", "2", "b"},
    {"ZADD", "zb", "2", "b", "3", "c"}, {"ZUNIONSTORE", "zu", "2", "za", "zb"},
    {"ZINTERSTORE", "zi", "2", "za", "zb"}, {"ZDIFFSTORE", "zd", "2", "za", "zb"},
    {"ZDIFFSTORE", "zd", "2", "za", "za"}, {"ZRANGESTORE", "zr", "za", "0", "-1"},
    {"ZRANGESTORE", "zr", "za", "5", "6"}, {"ZMPOP", "1", "za", "MIN", "COUNT", "5"},
    {"BZPOPMIN", "zb", "0.01"}, {"BZMPOP", "0.01", "1", "zb", "MAX"}, {"SETBIT", "b", "7", "1"},
    {"SETBIT", "b", "7", "1"}, {"SETBIT", "b", "100", "0"}, {"BITFIELD", "bf", "SET", "u8", "0", "255"},
    {"BITFIELD", "bf", "SET", "u8", "0", "255"}, {"BITFIELD", "bf", "GET", "u8", "0"},
    {"BITFIELD", "bf", "INCRBY", "u8", "0", "1"}, {"BITOP", "AND", "bo", "b", "bf"},
    {"BITOP", "AND", "bo", "nokey"}, {"BITOP", "AND", "bo", "nokey"}, {"EXISTS", "nokey2"},
    {"TYPE", "nokey3"}, {"FLUSHDB"}, {"SINTERSTORE", "d", "na", "nb"}, {"SUNIONSTORE", "d", "na", "nb"},
    {"SDIFFSTORE", "d", "na", "nb"}, {"ZUNIONSTORE", "d", "2", "na", "nb"},
    {"ZINTERSTORE", "d", "2", "na", "nb"}, {"ZDIFFSTORE", "d", "2", "na", "nb"},
    {"ZRANGESTORE", "d", "na", "0", "-1"}, {"BITOP", "OR", "d", "na", "nb"},
    {"LMOVE", "na", "nb", "LEFT", "LEFT"}, {"RPOPLPUSH", "na", "nb"}, {"SMOVE", "na", "nb", "m"},
    {"RENAME", "na", "nb"}, {"COPY", "na", "nb"}, {"LMPOP", "2", "na", "nb", "LEFT"},
    {"ZMPOP", "2", "na", "nb", "MIN"}, {"BLPOP", "na", "nb", "0.01"}, {"BZPOPMIN", "na", "0.01"},
    {"LPOP", "na"}, {"SPOP", "na"}, {"ZPOPMIN", "na"}, {"HDEL", "na", "f"}, {"SREM", "na", "m"},
    {"ZREM", "na", "m"}, {"LREM", "na", "0", "x"}, {"LTRIM", "na", "0", "1"}, {"LSET", "na", "0", "x"},
    {"LINSERT", "na", "BEFORE", "a", "b"}, {"GETDEL", "na"}, {"GETEX", "na"}, {"APPEND", "na", "x"},
    {"DEL", "na"}, {"EXPIRE", "na", "10"}, {"PERSIST", "na"}, {"SETRANGE", "na2", "0", ""},
    {"SETBIT", "na3", "0", "0"}, {"BITFIELD", "na4", "GET", "u8", "0"},
    {"BITFIELD_RO", "na4", "GET", "u8", "0"}, {"HRANDFIELD", "na"}, {"ZRANDMEMBER", "na"},
    {"SRANDMEMBER", "na"}, {"SINTER", "na", "nb"}, {"ZINTER", "2", "na", "nb"},
    {"ZINTERCARD", "2", "na", "nb"}, {"SINTERCARD", "2", "na", "nb"}, {"SMISMEMBER", "na", "a"},
    {"ZMSCORE", "na", "a"}, {"LCS", "na", "nb"}, {"INCRBYFLOAT", "nf", "1"}, {"HINCRBY", "nh", "f", "1"},
    {"ZINCRBY", "nz", "1", "m"},
  };
  return script;
}

TEST_F(KeyspaceEventsCompat, EveryFamilyAnnouncesItsWritesAsRedis) {
  EXPECT_GT(SameEvents("KEA", EveryFamily()), 250);
}

TEST_F(KeyspaceEventsCompat, NewKeysAndKeyMissesWithNAndM) {
  EXPECT_GT(SameEvents("KEAnm", EveryFamily()), 300);
}

TEST_F(KeyspaceEventsCompat, ClassesAndChannelKindsFilter) {
  const Script mixed = {{"SET", "a", "1"},       {"LPUSH", "l", "x"},       {"SADD", "s", "m"},
                        {"HSET", "h", "f", "v"}, {"ZADD", "z", "1", "m"},   {"EXPIRE", "a", "100"},
                        {"DEL", "l", "s", "h"},  {"LPUSH", "l", "y"},       {"RPOP", "l"},
                        {"GET", "nokey"},        {"RENAME", "z", "z2"},     {"INCR", "n"}};
  for (const char* flags : {"Kl", "El", "Eg", "K$", "Ks", "Eh", "Kz", "gE", "KEm", "Kn"}) {
    EXPECT_GT(SameEvents(flags, mixed), 0) << flags;
  }
  // No class, or no channel kind: nothing at all.
  for (const char* flags : {"Ex", "K", "E", "l", "", "Kt"}) EXPECT_EQ(SameEvents(flags, mixed), 0) << flags;
}

TEST_F(KeyspaceEventsCompat, TransactionsAndScriptsAnnounceEachCall) {
  EXPECT_GT(SameEvents("KEA", {{"MULTI"},
                     {"SET", "x", "1"},
                     {"INCR", "x"},
                     {"LPUSH", "l", "a"},
                     {"EXEC"},
                     {"EVAL", "redis.call('set', KEYS[1], '1'); redis.call('del', KEYS[1]); return 1", "1", "y"},
                     {"EVAL", "return redis.call('lpop', KEYS[1])", "1", "l"},
                     {"FUNCTION", "LOAD", "#!lua name=lib\nredis.register_function('f', function(k) return redis.call('incr', k[1]) end)"},
                     {"FCALL", "f", "1", "c"},
                     {"FUNCTION", "FLUSH"}}),
            10);
}

TEST_F(KeyspaceEventsCompat, FlagsStringAsConfigGetShowsIt) {
  for (const char* flags : {"KEA", "AKE", "KEAnm", "Ag$lshzxeKEtmdn", "g$lshzxetdKE", "g$lshzxetd", "gA", "Elx",
                            "mE", "n", "K", "E", "", "$$ll", "tE", "Kd"}) {
    Same({"CONFIG", "SET", "notify-keyspace-events", flags});
    Same({"CONFIG", "GET", "notify-keyspace-events"});
  }
  Same({"CONFIG", "SET", "notify-keyspace-events", "KEQ"});  // an unknown class: Redis's error
  Same({"CONFIG", "GET", "notify-keyspace-events"});        // and the flags are unchanged
  Same({"CONFIG", "SET", "notify-keyspace-events", "K E"});
}

// Expiry (active or lazy, whichever comes first) announces "expired" once;
// a blocked pop served by another client's push announces after the push.
TEST_F(KeyspaceEventsCompat, ExpiryAndServedBlockedPops) {
  Same({"CONFIG", "SET", "notify-keyspace-events", "KEA"});
  Listener s(stockd_.port()), r(redis_.port());
  for (Listener* l : {&s, &r}) {
    l->client().Do({"SET", "soon", "v", "PX", "30"});
    (void)l->Drain();
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(120));
  for (Listener* l : {&s, &r}) (void)l->client().Do({"GET", "soon"});
  EXPECT_EQ(Show(s.Drain()), Show(r.Drain()));

  RawResp s_blocked(stockd_.port()), r_blocked(redis_.port());
  s_blocked.Send({"BLPOP", "q", "5"});
  r_blocked.Send({"BLPOP", "q", "5"});
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(s.client().Do({"RPUSH", "q", "job"}), r.client().Do({"RPUSH", "q", "job"}));
  EXPECT_EQ(s_blocked.Read(), r_blocked.Read());
  const Events s_events = s.Drain(), r_events = r.Drain();
  EXPECT_EQ(Show(s_events), Show(r_events));
  EXPECT_EQ(r_events.size(), 6u) << Show(r_events);  // rpush, lpop, del: keyspace and keyevent each
}

}  // namespace
}  // namespace stockd::testing
