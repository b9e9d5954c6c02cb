// tests/compat/tracking_compat_test.cc — client-side caching (CLIENT TRACKING)
// against redis-server 7.0, byte for byte over raw sockets: the default mode
// (keys read, one invalidation per change, held back after the client's own
// reply, FLUSHALL's null), writes from other clients, MULTI/EXEC, scripts,
// expiry, OPTIN/OPTOUT with CLIENT CACHING, BCAST with prefixes and NOLOOP,
// REDIRECT to a RESP2 subscriber of __redis__:invalidate and a broken
// redirect, CLIENT TRACKINGINFO/GETREDIR/LIST, INFO's fields, every error
// text, and tracking-table-max-keys.
#include <unistd.h>

#include <regex>
#include <string>
#include <vector>

#include "tests/compat/compat_util.h"
#include "tests/compat/raw_twin.h"
#include "tests/util/raw_resp.h"

namespace stockd::testing {
namespace {

std::string Field(const std::string& text, const std::string& name) {
  const size_t at = text.find(name + ":");
  return at == std::string::npos ? std::string("(none)") : text.substr(at, text.find("\r\n", at) - at);
}

// The id each side gave a twin's connection.
struct Ids {
  std::string stockd, redis;
};

class TrackingCompat : public CompatTest {
 protected:
  RawTwin NewTwin() { return RawTwin(stockd_.port(), redis_.port()); }
  RawTwin Resp3Twin() {
    RawTwin t = NewTwin();
    t.Send({"HELLO", "3"});
    t.Skip();
    return t;
  }
  static Ids IdsOf(RawTwin& t) {
    auto id = [](RawResp& r) {
      const std::string s = r.Do({"CLIENT", "ID"});
      return s.size() > 3 ? s.substr(1, s.size() - 3) : s;
    };
    return {id(t.stockd()), id(t.redis())};
  }
  // Sends argv with "{ID}" replaced by each side's id of the target.
  static void SendWithId(RawTwin& t, std::vector<std::string> argv, const Ids& ids) {
    std::vector<std::string> a = argv, b = argv;
    for (size_t i = 0; i < argv.size(); ++i) {
      if (argv[i] == "{ID}") {
        a[i] = ids.stockd;
        b[i] = ids.redis;
      }
    }
    t.stockd().Send(a);
    t.redis().Send(b);
  }
  void SameInfo(const std::vector<std::string>& fields) {
    const std::string s = s_->Do({"INFO", "everything"}), r = r_->Do({"INFO", "everything"});
    for (const auto& f : fields) EXPECT_EQ(Field(s, f), Field(r, f)) << f;
  }
  // The CLIENT LIST fields that tracking changes, of every client but the fixture's own.
  std::vector<std::string> ListFlags(Client& c) {
    static const std::regex kField(R"( (flags|redir)=(\S*))");
    std::vector<std::string> out;
    const std::string list = c.Do({"CLIENT", "LIST"});
    size_t start = 0;
    while (start < list.size()) {
      size_t end = list.find('\n', start);
      if (end == std::string::npos) end = list.size();
      const std::string line = list.substr(start, end - start);
      std::string fields;
      for (std::sregex_iterator it(line.begin(), line.end(), kField), e; it != e; ++it) {
        std::string f = (*it)[0].str();
        if ((*it)[1].str() == "redir" && (*it)[2].str() != "-1" && (*it)[2].str() != "0") f = " redir=ID";
        fields += f;
      }
      if (line.find("cmd=client|list") == std::string::npos) out.push_back(fields);
      start = end + 1;
    }
    std::sort(out.begin(), out.end());
    return out;
  }
};

TEST_F(TrackingCompat, DefaultModeOwnWritesTransactionsAndFlush) {
  RawTwin t = Resp3Twin();
  t.Do({"CLIENT", "TRACKING", "ON"});
  t.Do({"GET", "k"});
  // Its own write: the invalidation comes after the reply.
  EXPECT_EQ(t.Do({"SET", "k", "v"}, 2), "+OK\r\n>2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nk\r\n");
  t.Do({"SET", "k", "w"});  // forgotten: no second invalidation
  t.Do({"GET", "k"});
  t.Do({"MULTI"});
  t.Do({"SET", "k", "1"});
  t.Do({"GET", "k"});
  t.Do({"EXEC"}, 2);  // EXEC's reply, then the invalidation
  t.Do({"GET", "k"});
  t.Do({"FLUSHALL"}, 2);  // a null invalidation
  t.Do({"GET", "k"});
  t.Do({"CLIENT", "TRACKINGINFO"});
  t.Do({"CLIENT", "GETREDIR"});
  t.Do({"MSET", "a", "1", "b", "2"});
  t.Do({"MGET", "a", "b"});
  t.Do({"MSET", "a", "1", "b", "2"}, 3);  // one invalidation per key
  t.Do({"DEL", "a", "b"});
  // Several kinds of reads and writes.
  t.Do({"HSET", "h", "f", "v"});
  t.Do({"HGET", "h", "f"});
  t.Do({"LPUSH", "l", "x"});
  t.Do({"LRANGE", "l", "0", "-1"});
  t.Do({"SADD", "s", "m"});
  t.Do({"SISMEMBER", "s", "m"});
  t.Do({"HDEL", "h", "f"}, 2);
  t.Do({"RPOP", "l"}, 2);
  t.Do({"SREM", "s", "m"}, 2);
  t.Do({"SET", "n", "1"});
  t.Do({"EXISTS", "n"});
  t.Do({"INCR", "n"}, 2);
  t.Do({"STRLEN", "n"});
  t.Do({"EXPIRE", "n", "100"}, 2);
  t.Do({"TTL", "n"});
  t.Do({"RENAME", "n", "m"}, 2);
  // A script's reads are tracked, its writes invalidate (after EVAL's reply).
  t.Do({"EVAL", "return redis.call('get', KEYS[1])", "1", "q"});
  t.Do({"EVAL", "return redis.call('set', KEYS[1], 'x')", "1", "q"}, 2);
  t.Do({"EVAL_RO", "return redis.call('get', KEYS[1])", "1", "q"});
  t.Do({"DEL", "q"}, 2);
  t.Do({"CLIENT", "TRACKING", "OFF"});
  t.Do({"GET", "z"});
  t.Do({"SET", "z", "1"});  // not tracking: nothing
  t.Do({"CLIENT", "TRACKINGINFO"});
  t.Do({"CLIENT", "GETREDIR"});
  SameInfo({"tracking_clients", "tracking_total_keys", "tracking_total_items", "tracking_total_prefixes"});
}

TEST_F(TrackingCompat, WritesOfOtherClientsScriptsAndExpiry) {
  RawTwin t = Resp3Twin(), w = NewTwin();
  t.Do({"CLIENT", "TRACKING", "ON"});
  w.Do({"MSET", "a", "1", "b", "2", "c", "3"});
  t.Do({"MGET", "a", "b", "c", "d"});
  SameInfo({"tracking_clients", "tracking_total_keys", "tracking_total_items"});
  EXPECT_EQ(ListFlags(*s_), ListFlags(*r_));
  w.Do({"SET", "a", "x"});
  EXPECT_EQ(t.Read(), ">2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\na\r\n");
  w.Do({"MULTI"});
  w.Do({"INCR", "b"});
  w.Do({"DEL", "c"});
  w.Do({"EXEC"});
  t.Read(2);
  w.Do({"EVAL", "redis.call('set', KEYS[1], 'y') return 1", "1", "d"});
  t.Read();
  // Expiry: a read of an expired key by another client invalidates it.
  w.Do({"SET", "e", "1", "PX", "50"});
  t.Do({"GET", "e"});
  usleep(200000);
  w.Do({"GET", "e"});
  t.Read();
  // Nothing more is pending: the next thing each reads is PING's reply.
  w.Do({"SET", "a", "again"});
  t.Do({"PING"});
  SameInfo({"tracking_clients", "tracking_total_keys", "tracking_total_items"});
  // A second tracker of the same key: both are told.
  RawTwin t2 = Resp3Twin();
  t2.Do({"CLIENT", "TRACKING", "ON", "NOLOOP"});
  t.Do({"GET", "shared"});
  t2.Do({"GET", "shared"});
  SameInfo({"tracking_total_keys", "tracking_total_items"});
  t2.Do({"SET", "shared", "1"});  // NOLOOP: t2 is not told of its own write
  t.Read();
  t2.Do({"PING"});
  w.Do({"FLUSHDB"});
  t.Read();
  t2.Read();
  SameInfo({"tracking_clients", "tracking_total_keys", "tracking_total_items"});
}

TEST_F(TrackingCompat, OptinOptoutAndCaching) {
  RawTwin t = Resp3Twin(), w = NewTwin();
  t.Do({"CLIENT", "TRACKING", "ON", "OPTIN"});
  t.Do({"GET", "a"});  // not remembered
  w.Do({"SET", "a", "1"});
  t.Do({"CLIENT", "CACHING", "YES"});
  t.Do({"CLIENT", "TRACKINGINFO"});
  t.Do({"CLIENT", "GETNAME"});  // a CLIENT subcommand keeps CACHING
  t.Do({"CLIENT", "TRACKINGINFO"});
  t.Do({"GET", "a"});  // remembered
  t.Do({"CLIENT", "TRACKINGINFO"});  // CACHING is spent
  t.Do({"GET", "b"});  // not remembered
  w.Do({"MSET", "a", "2", "b", "2"});
  t.Read();
  t.Do({"CLIENT", "CACHING", "NO"});
  t.Do({"CLIENT", "CACHING", "MAYBE"});
  // CACHING then a transaction: every read in it is remembered.
  t.Do({"CLIENT", "CACHING", "YES"});
  t.Do({"MULTI"});
  t.Do({"GET", "a"});
  t.Do({"GET", "b"});
  t.Do({"EXEC"});
  w.Do({"MSET", "a", "3", "b", "3"});
  t.Read(2);
  t.Do({"CLIENT", "TRACKING", "ON", "OPTOUT"});  // can't switch
  t.Do({"CLIENT", "TRACKING", "OFF"});
  t.Do({"CLIENT", "TRACKING", "ON", "OPTOUT"});
  t.Do({"CLIENT", "CACHING", "YES"});
  t.Do({"CLIENT", "CACHING", "NO"});
  t.Do({"CLIENT", "TRACKINGINFO"});
  t.Do({"GET", "a"});  // not remembered (CACHING NO)
  t.Do({"GET", "b"});  // remembered
  w.Do({"MSET", "a", "4", "b", "4"});
  t.Read();
  t.Do({"PING"});
  SameInfo({"tracking_clients", "tracking_total_keys", "tracking_total_items"});
}

TEST_F(TrackingCompat, BcastPrefixesAndNoloop) {
  RawTwin t = Resp3Twin(), n = Resp3Twin(), w = NewTwin();
  t.Do({"CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "user:", "PREFIX", "item:"});
  n.Do({"CLIENT", "TRACKING", "ON", "BCAST", "NOLOOP"});  // every key
  t.Do({"CLIENT", "TRACKINGINFO"});
  n.Do({"CLIENT", "TRACKINGINFO"});
  SameInfo({"tracking_clients", "tracking_total_prefixes"});
  EXPECT_EQ(ListFlags(*s_), ListFlags(*r_));
  w.Do({"SET", "user:1", "a"});
  t.Read();
  n.Read();
  // One message per prefix, its keys sorted.
  w.Do({"MSET", "user:9", "x", "user:2", "y", "item:1", "z", "other", "o"});
  t.ReadUnordered(2);
  n.Read();
  w.Do({"SET", "other", "p"});
  n.Read();
  // NOLOOP: n's own writes are left out of its messages, t still hears of them.
  n.Do({"SET", "user:3", "1"});
  t.Read();
  n.Do({"MSET", "user:4", "1", "item:9", "2"});
  t.ReadUnordered(2);
  n.Do({"PING"});
  // More prefixes, and the overlap checks.
  t.Do({"CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "zz"});
  t.Do({"CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "use"});
  t.Do({"CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "item:12"});
  t.Do({"CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "q", "PREFIX", "qq"});
  t.Do({"CLIENT", "TRACKING", "ON"});
  t.Do({"CLIENT", "TRACKINGINFO"});
  SameInfo({"tracking_clients", "tracking_total_prefixes"});
  w.Do({"FLUSHALL"});
  t.Read();
  n.Read();
  t.Do({"CLIENT", "TRACKING", "OFF"});
  SameInfo({"tracking_clients", "tracking_total_prefixes"});
  w.Do({"SET", "user:1", "b"});
  n.Read();
  t.Do({"PING"});
}

TEST_F(TrackingCompat, RedirectToASubscriberAndABrokenRedirect) {
  RawTwin target = NewTwin(), t = NewTwin(), w = NewTwin();
  const Ids ids = IdsOf(target);
  target.Do({"SUBSCRIBE", "__redis__:invalidate"});
  SendWithId(t, {"CLIENT", "TRACKING", "ON", "REDIRECT", "{ID}"}, ids);
  t.Read();
  const std::string redir_s = t.stockd().Do({"CLIENT", "GETREDIR"}), redir_r = t.redis().Do({"CLIENT", "GETREDIR"});
  EXPECT_EQ(redir_s, ":" + ids.stockd + "\r\n");
  EXPECT_EQ(redir_r, ":" + ids.redis + "\r\n");
  t.Do({"GET", "k"});
  w.Do({"SET", "k", "1"});
  EXPECT_EQ(target.Read(), "*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n*1\r\n$1\r\nk\r\n");
  t.Do({"GET", "k"});
  t.Do({"SET", "k", "2"});  // its own write: to the target too
  target.Read();
  t.Do({"GET", "k"});
  w.Do({"FLUSHALL"});  // RESP2 tracking client: a RESP2 null
  target.Read();
  EXPECT_EQ(ListFlags(*s_), ListFlags(*r_));
  // Errors of REDIRECT.
  t.Do({"CLIENT", "TRACKING", "ON", "REDIRECT", "999999"});
  t.Do({"CLIENT", "TRACKING", "ON", "REDIRECT", "x"});
  SendWithId(t, {"CLIENT", "TRACKING", "ON", "REDIRECT", "{ID}", "REDIRECT", "{ID}"}, ids);
  t.Read();
  // The target leaves: a RESP3 tracker is told at its next invalidation.
  RawTwin t3 = Resp3Twin();
  {
    RawTwin gone = NewTwin();
    const Ids gone_ids = IdsOf(gone);
    gone.Do({"SUBSCRIBE", "__redis__:invalidate"});
    SendWithId(t3, {"CLIENT", "TRACKING", "ON", "REDIRECT", "{ID}"}, gone_ids);
    t3.Read();
  }
  for (Client* server : {s_.get(), r_.get()}) {
    for (int i = 0; i < 500 && server->Do({"PUBSUB", "NUMSUB", "__redis__:invalidate"}).find(":1]") == std::string::npos;
         ++i)
      usleep(10000);
  }
  t3.Do({"GET", "b"});
  w.Do({"SET", "b", "1"});
  static const std::regex kId(R"(:\d+\r\n$)");
  const std::string s = std::regex_replace(t3.stockd().Read(), kId, ":ID\r\n");
  const std::string r = std::regex_replace(t3.redis().Read(), kId, ":ID\r\n");
  EXPECT_EQ(Printable(s), Printable(r));
  EXPECT_EQ(Printable(s), Printable(">2\r\n$21\r\ntracking-redir-broken\r\n:ID\r\n"));
  auto flags = [](RawResp& r) {
    const std::string info = r.Do({"CLIENT", "TRACKINGINFO"});
    return info.substr(0, info.find("redirect"));
  };
  EXPECT_EQ(Printable(flags(t3.stockd())), Printable(flags(t3.redis())));
  EXPECT_EQ(ListFlags(*s_), ListFlags(*r_));
}

TEST_F(TrackingCompat, ErrorsHelpAndTableLimit) {
  RawTwin c = NewTwin();
  for (const std::vector<std::string>& argv : std::vector<std::vector<std::string>>{
           {"CLIENT", "TRACKING"},
           {"CLIENT", "TRACKING", "ON", "FOO"},
           {"CLIENT", "TRACKING", "MAYBE"},
           {"CLIENT", "TRACKING", "OFF", "FOO"},
           {"CLIENT", "TRACKING", "ON", "OPTIN", "OPTOUT"},
           {"CLIENT", "TRACKING", "ON", "PREFIX", "a"},
           {"CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "a", "PREFIX", "ab"},
           {"CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "ab", "PREFIX", "a"},
           {"CLIENT", "TRACKING", "ON", "BCAST", "OPTIN"},
           {"CLIENT", "TRACKING", "ON", "BCAST", "OPTOUT"},
           {"CLIENT", "TRACKING", "ON", "BCAST", "PREFIX"},
           {"CLIENT", "TRACKING", "ON", "REDIRECT"},
           {"CLIENT", "TRACKING", "ON", "REDIRECT", "0"},
           {"CLIENT", "CACHING", "YES"},
           {"CLIENT", "CACHING", "MAYBE"},
           {"CLIENT", "CACHING"},
           {"CLIENT", "GETREDIR", "x"},
           {"CLIENT", "TRACKINGINFO", "x"},
           {"CLIENT", "GETREDIR"},
           {"CLIENT", "TRACKINGINFO"},
           {"CLIENT", "TRACKING", "on", "noloop"},
           {"CLIENT", "CACHING", "YES"},
           {"CLIENT", "CACHING", "NO"},
           {"CLIENT", "TRACKING", "ON", "BCAST"},
           {"CLIENT", "TRACKINGINFO"},
           {"CLIENT", "TRACKING", "OFF"},
           {"CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "x", "NOLOOP"},
           {"CLIENT", "TRACKING", "ON"},
           {"CLIENT", "TRACKINGINFO"},
           {"RESET"},
           {"CLIENT", "TRACKINGINFO"},
           {"CONFIG", "GET", "tracking-table-max-keys"},
           {"CONFIG", "SET", "tracking-table-max-keys", "-1"},
           {"CONFIG", "SET", "tracking-table-max-keys", "x"},
       }) {
    c.Do(argv);
  }
  Same({"COMMAND", "INFO", "client|tracking", "client|caching", "client|getredir", "client|trackinginfo"});
  // tracking-table-max-keys: before the next command, keys over the limit
  // are forgotten and their clients told (which keys is the table's choice).
  RawTwin t = Resp3Twin();
  t.Do({"CONFIG", "SET", "tracking-table-max-keys", "2"});
  t.Do({"CLIENT", "TRACKING", "ON"});
  t.Do({"MGET", "k1", "k2", "k3", "k4", "k5"});
  SameInfo({"tracking_total_keys"});
  t.Send({"PING"});
  int pushes = 0;
  for (RawResp* r : {&t.stockd(), &t.redis()}) {
    for (int i = 0; i < 4; ++i) {
      const std::string m = r->Read();
      EXPECT_TRUE(m.rfind(">2\r\n$10\r\ninvalidate\r\n*1\r\n$2\r\nk", 0) == 0 || m == "+PONG\r\n") << Printable(m);
      pushes += m[0] == '>';
    }
  }
  EXPECT_EQ(pushes, 6);
  SameInfo({"tracking_total_keys", "tracking_total_items"});
  EXPECT_EQ(Field(s_->Do({"INFO", "stats"}), "tracking_total_keys"), "tracking_total_keys:2");
}

}  // namespace
}  // namespace stockd::testing
