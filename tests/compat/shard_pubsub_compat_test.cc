// tests/compat/shard_pubsub_compat_test.cc — shard channels (SSUBSCRIBE,
// SUNSUBSCRIBE, SPUBLISH, PUBSUB SHARDCHANNELS/SHARDNUMSUB) against
// redis-server 7.0 with cluster mode off, byte for byte over raw sockets: a
// namespace and a subscription count of their own, "smessage" in RESP2 and
// RESP3, the RESP2 subscribe mode they put a client in, EXEC and scripts,
// ACL channel permissions, RESET and disconnections, CLIENT LIST and INFO,
// keyspace notifications (never to shard subscribers), MONITOR, and the
// commands' COMMAND INFO / GETKEYS (their channel is a NOT_KEY key spec).
#include <unistd.h>

#include <regex>
#include <string>
#include <vector>

#include "tests/compat/compat_util.h"
#include "tests/compat/raw_twin.h"
#include "tests/util/raw_resp.h"

namespace stockd::testing {
namespace {

class ShardPubSubCompat : public CompatTest {
 protected:
  RawTwin NewTwin() { return RawTwin(stockd_.port(), redis_.port()); }
  // A reply whose array order is Redis's hash table's: compared sorted.
  void SameSorted(const std::vector<std::string>& argv) {
    auto sorted = [&](Client& c) {
      Reply r = c.Command(argv);
      std::vector<std::string> items;
      for (size_t i = 0; r && i < r->elements; ++i) items.push_back(Render(r->element[i]));
      std::sort(items.begin(), items.end());
      return items;
    };
    EXPECT_EQ(sorted(*s_), sorted(*r_)) << argv[0];
  }
  // The pub/sub fields of CLIENT LIST TYPE pubsub's lines (ids, addresses,
  // ages differ): "flags=P sub=0 psub=0 ssub=2 cmd=ssubscribe" per client.
  std::vector<std::string> PubsubClients(Client& c) {
    static const std::regex kField(R"( (flags|sub|psub|ssub|cmd)=(\S*))");
    std::vector<std::string> out;
    const std::string list = c.Do({"CLIENT", "LIST", "TYPE", "pubsub"});
    size_t start = 0;
    while (start < list.size()) {
      size_t end = list.find('\n', start);
      if (end == std::string::npos) end = list.size();
      const std::string line = list.substr(start, end - start);
      std::string fields;
      for (std::sregex_iterator it(line.begin(), line.end(), kField), e; it != e; ++it) fields += (*it)[0].str();
      if (!fields.empty()) out.push_back(fields);
      start = end + 1;
    }
    std::sort(out.begin(), out.end());
    return out;
  }
};

TEST_F(ShardPubSubCompat, RepliesCountsAndTheRestrictedContext) {
  RawTwin c = NewTwin();
  EXPECT_EQ(c.Do({"SSUBSCRIBE", "a", "b"}, 2),
            "*3\r\n$10\r\nssubscribe\r\n$1\r\na\r\n:1\r\n*3\r\n$10\r\nssubscribe\r\n$1\r\nb\r\n:2\r\n");
  // Channels and patterns are counted apart from shard channels.
  EXPECT_EQ(c.Do({"SUBSCRIBE", "c"}), "*3\r\n$9\r\nsubscribe\r\n$1\r\nc\r\n:1\r\n");
  c.Do({"SSUBSCRIBE", "a"});  // again: the count does not change
  c.Do({"SSUBSCRIBE", "c"});  // a shard channel named like a channel: another namespace
  c.Do({"PSUBSCRIBE", "p*"});
  // RESP2: only (P|S)(UN)SUBSCRIBE, PING, QUIT, RESET.
  c.Do({"GET", "x"});
  c.Do({"SPUBLISH", "a", "m"});
  c.Do({"PUBSUB", "SHARDCHANNELS"});
  c.Do({"PING"});
  c.Do({"SUNSUBSCRIBE", "a", "nope"}, 2);
  c.Do({"SUNSUBSCRIBE", "c"});
  c.Do({"SUNSUBSCRIBE"});  // b, the last one
  c.Do({"SUNSUBSCRIBE"});  // none left: [sunsubscribe, nil, 0]
  c.Do({"UNSUBSCRIBE"});
  c.Do({"PING"});  // still p*
  c.Do({"PUNSUBSCRIBE"});
  c.Do({"GET", "x"});  // none left: a normal client again
  c.Do({"SUNSUBSCRIBE", "zz"});
  c.Do({"SSUBSCRIBE"});
  c.Do({"SSUBSCRIBE", "q"});  // shard channels alone put the client in subscribe mode
  c.Do({"GET", "x"});
  c.Do({"PING", "hi"});
  c.Send({"SSUBSCRIBE", "x", "y", "z"});
  c.Read(3);
  c.Send({"SUNSUBSCRIBE"});
  c.ReadUnordered(4);
  // RESET ends them without messages.
  c.Do({"SSUBSCRIBE", "r"});
  c.Do({"RESET"});
  c.Do({"GET", "x"});
  c.Do({"SUNSUBSCRIBE", "r"});
  // EXEC refuses SSUBSCRIBE (a DENY BLOCKING client), not SUBSCRIBE; scripts refuse both.
  c.Do({"MULTI"});
  c.Do({"SSUBSCRIBE", "m"});
  c.Do({"SPUBLISH", "m", "x"});
  c.Do({"EXEC"});
  c.Do({"GET", "x"});
  c.Do({"EVAL", "return redis.call('ssubscribe', 'x')", "0"});
  c.Do({"EVAL", "return redis.pcall('sunsubscribe', 'x')", "0"});
  c.Do({"EVAL", "return redis.call('spublish', 'x', 'm')", "0"});
  c.Do({"SPUBLISH", "a"});
  c.Do({"SPUBLISH", "a", "b", "c"});
}

TEST_F(ShardPubSubCompat, SmessagesAndPubsubShardCounts) {
  RawTwin sub = NewTwin(), other = NewTwin(), pub = NewTwin();
  sub.Do({"SSUBSCRIBE", "news", "sport"}, 2);
  other.Do({"SUBSCRIBE", "news"});
  other.Do({"PSUBSCRIBE", "n*"});
  // SPUBLISH reaches shard subscribers only (no patterns), PUBLISH the others only.
  EXPECT_EQ(pub.Do({"SPUBLISH", "news", "hi"}), ":1\r\n");
  EXPECT_EQ(sub.Read(), "*3\r\n$8\r\nsmessage\r\n$4\r\nnews\r\n$2\r\nhi\r\n");
  EXPECT_EQ(pub.Do({"PUBLISH", "news", "plain"}), ":2\r\n");
  other.Read(2);
  pub.Do({"SPUBLISH", "sport", std::string(100000, 'z')});
  sub.Read();
  pub.Do({"SPUBLISH", "nobody", "x"});
  pub.Do({"SPUBLISH", "sport", ""});
  sub.Read();
  pub.Do({"PUBSUB", "SHARDNUMSUB", "news", "sport", "none"});
  pub.Do({"PUBSUB", "SHARDNUMSUB"});
  pub.Do({"PUBSUB", "NUMSUB", "news", "sport"});
  SameSorted({"PUBSUB", "SHARDCHANNELS"});
  SameSorted({"PUBSUB", "SHARDCHANNELS", "*s*"});
  pub.Do({"PUBSUB", "SHARDCHANNELS", "n*"});
  pub.Do({"PUBSUB", "SHARDCHANNELS", "zz*"});
  pub.Do({"PUBSUB", "SHARDCHANNELS", "a", "b"});
  pub.Do({"PUBSUB", "CHANNELS"});
  pub.Do({"PUBSUB", "NUMPAT"});
  pub.Do({"PUBSUB", "HELP"});
  // CLIENT LIST: flag P, sub= psub= ssub=; INFO pubsubshard_channels.
  EXPECT_EQ(PubsubClients(*s_), PubsubClients(*r_));
  EXPECT_EQ(PubsubClients(*s_).size(), 2u);
  auto stat = [](const std::string& info, const std::string& field) {
    const size_t at = info.find(field + ":");
    return at == std::string::npos ? std::string("(none)") : info.substr(at, info.find("\r\n", at) - at);
  };
  const std::string si = s_->Do({"INFO", "stats"}), ri = r_->Do({"INFO", "stats"});
  for (const char* f : {"pubsub_channels", "pubsub_patterns", "pubsubshard_channels"})
    EXPECT_EQ(stat(si, f), stat(ri, f)) << f;
  EXPECT_EQ(stat(si, "pubsubshard_channels"), "pubsubshard_channels:2");
  // Unsubscribed: no more smessages (the next reply is PING's).
  sub.Do({"SUNSUBSCRIBE", "news"});
  EXPECT_EQ(pub.Do({"SPUBLISH", "news", "again"}), ":0\r\n");
  sub.Do({"PING"});
  // A subscriber's disconnection unsubscribes it.
  {
    RawTwin gone = NewTwin();
    gone.Do({"SSUBSCRIBE", "brief"});
  }
  for (Client* server : {s_.get(), r_.get()}) {
    for (int i = 0; i < 500 && server->Do({"PUBSUB", "SHARDNUMSUB", "brief"}).find(":0]") == std::string::npos; ++i)
      usleep(10000);
  }
  pub.Do({"PUBSUB", "SHARDNUMSUB", "brief"});
  pub.Do({"PUBSUB", "SHARDCHANNELS"});
}

TEST_F(ShardPubSubCompat, Resp3PushesExecScriptsAndKeyspaceNotifications) {
  RawTwin sub = NewTwin(), pub = NewTwin();
  sub.Send({"HELLO", "3"});
  sub.Skip();
  EXPECT_EQ(sub.Do({"SSUBSCRIBE", "q"}), ">3\r\n$10\r\nssubscribe\r\n$1\r\nq\r\n:1\r\n");
  // A message it publishes to itself comes between the replies around it.
  sub.Send({"GET", "k"});
  sub.Send({"SPUBLISH", "q", "z"});
  sub.Send({"PING", "p"});
  EXPECT_EQ(sub.Read(4), "_\r\n>3\r\n$8\r\nsmessage\r\n$1\r\nq\r\n$1\r\nz\r\n:1\r\n$1\r\np\r\n");
  pub.Do({"MULTI"});
  pub.Do({"SPUBLISH", "q", "one"});
  pub.Do({"SPUBLISH", "q", "two"});
  pub.Do({"EXEC"});
  sub.Read(2);
  pub.Do({"EVAL", "return redis.call('spublish', ARGV[1], ARGV[2])", "0", "q", "from-lua"});
  sub.Read();
  // Keyspace notifications are published to channels, never to shard channels.
  pub.Do({"CONFIG", "SET", "notify-keyspace-events", "KEA"});
  sub.Do({"SSUBSCRIBE", "__keyspace@0__:k"});
  pub.Do({"SET", "k", "v"});
  EXPECT_EQ(sub.Do({"PING"}), "+PONG\r\n");
  sub.Do({"SUNSUBSCRIBE", "q", "__keyspace@0__:k"}, 2);
  // HELLO 2 while shard-subscribed: messages follow the protocol.
  sub.Do({"SSUBSCRIBE", "v"});
  sub.Send({"HELLO", "2"});
  sub.Skip();
  pub.Do({"SPUBLISH", "v", "resp2"});
  sub.Read();
  sub.Do({"GET", "k"});  // RESP2 again: restricted
}

TEST_F(ShardPubSubCompat, AclChannelPermissions) {
  SameAll({{"ACL", "SETUSER", "u", "on", "nopass", "+@all", "~*", "resetchannels", "&news.*"},
           {"ACL", "DRYRUN", "u", "spublish", "news.x", "m"},
           {"ACL", "DRYRUN", "u", "spublish", "other", "m"},
           {"ACL", "DRYRUN", "u", "ssubscribe", "news.a", "other"},
           {"ACL", "DRYRUN", "u", "sunsubscribe", "other"},
           {"ACL", "DRYRUN", "u", "pubsub", "shardchannels"},
           // The channel is not a key: a user without key patterns may use it.
           {"ACL", "SETUSER", "nokeys", "on", "nopass", "+@all", "resetkeys", "allchannels"},
           {"ACL", "DRYRUN", "nokeys", "spublish", "k", "m"},
           {"ACL", "DRYRUN", "nokeys", "ssubscribe", "k"},
           {"ACL", "LOG", "RESET"}});
  RawTwin c = NewTwin();
  c.Do({"AUTH", "u", "x"});
  c.Do({"SPUBLISH", "news.1", "m"});
  c.Do({"SPUBLISH", "other", "m"});
  c.Do({"SSUBSCRIBE", "news.a", "other"});  // refused whole
  c.Do({"SSUBSCRIBE", "news.a"});
  c.Do({"SUNSUBSCRIBE", "other"});
  c.Do({"SUNSUBSCRIBE"});
  c.Do({"EVAL", "return redis.call('spublish', 'other', 'm')", "0"});
  RawTwin k = NewTwin();
  k.Do({"AUTH", "nokeys", "x"});
  k.Do({"SPUBLISH", "k", "m"});
  k.Do({"SSUBSCRIBE", "k"});
}

TEST_F(ShardPubSubCompat, CommandInfoGetKeysAndMonitor) {
  SameAll({{"COMMAND", "INFO", "ssubscribe", "sunsubscribe", "spublish", "pubsub|shardchannels",
            "pubsub|shardnumsub"}});
  SameAll({{"COMMAND", "GETKEYS", "SPUBLISH", "ch", "m"},
           {"COMMAND", "GETKEYS", "SSUBSCRIBE", "a", "b"},
           {"COMMAND", "GETKEYS", "SUNSUBSCRIBE"}});
  // MONITOR shows them as any other command.
  auto watch = [](int port) {
    static const std::regex kTime(R"(^\+\d+\.\d{6} )");
    static const std::regex kAddr(R"(127\.0\.0\.1:\d+)");
    RawResp monitor(port), client(port), subscriber(port);
    std::vector<std::string> lines;
    if (monitor.Do({"MONITOR"}) != "+OK\r\n") return lines;
    subscriber.Do({"SSUBSCRIBE", "ch"});
    client.Do({"SPUBLISH", "ch", "hello"});
    (void)subscriber.Read();
    subscriber.Do({"SUNSUBSCRIBE"});
    client.Do({"ECHO", "end"});
    for (int i = 0; i < 20; ++i) {
      lines.push_back(std::regex_replace(std::regex_replace(monitor.Read(), kTime, "+T "), kAddr, "ADDR"));
      if (lines.back().find("\"ECHO\" \"end\"") != std::string::npos || lines.back().rfind("(io)", 0) == 0) break;
    }
    return lines;
  };
  const std::vector<std::string> s = watch(stockd_.port()), r = watch(redis_.port());
  EXPECT_EQ(s, r);
  EXPECT_EQ(s.size(), 4u);
}

}  // namespace
}  // namespace stockd::testing
