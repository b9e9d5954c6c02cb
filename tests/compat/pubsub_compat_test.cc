// tests/compat/pubsub_compat_test.cc — pub/sub against redis-server 7.0, byte
// for byte over raw sockets (RESP3 pushes included): the (un)subscribe replies
// and counts, the commands a RESP2 subscriber may run, message and pmessage
// delivery between clients, the order of a subscriber's own replies and the
// messages it publishes to itself, PUBLISH from EXEC and scripts, PUBSUB,
// INFO's counts, and ACL channel permissions.
#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

#include "tests/compat/compat_util.h"
#include "tests/compat/raw_twin.h"
#include "tests/util/raw_resp.h"

namespace stockd::testing {
namespace {

using Twin = RawTwin;

class PubSubCompat : public CompatTest {
 protected:
  Twin NewTwin() { return Twin(stockd_.port(), redis_.port()); }
  // A reply whose array order is Redis's hash table's (PUBSUB CHANNELS): compared sorted.
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
};

TEST_F(PubSubCompat, SubscribeRepliesAndTheRestrictedContext) {
  Twin c = NewTwin();
  EXPECT_EQ(c.Do({"SUBSCRIBE", "a", "b"}, 2),
            "*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n*3\r\n$9\r\nsubscribe\r\n$1\r\nb\r\n:2\r\n");
  c.Do({"SUBSCRIBE", "a"});  // again: the count does not change
  // RESP2 with subscriptions: only (P)(UN)SUBSCRIBE, PING, QUIT, RESET.
  c.Do({"GET", "x"});
  c.Do({"PUBLISH", "a", "m"});
  c.Do({"PUBSUB", "NUMSUB", "a"});
  c.Do({"MULTI"});
  c.Do({"CLIENT", "ID"});
  c.Do({"PING"});
  c.Do({"PING", "hi"});
  c.Do({"PING", "a", "b"});
  c.Do({"PSUBSCRIBE", "p*", "q?"}, 2);
  c.Do({"UNSUBSCRIBE", "a", "nope"}, 2);
  c.Do({"PUNSUBSCRIBE", "q?"});
  c.Do({"UNSUBSCRIBE"});    // b, the last channel
  c.Do({"UNSUBSCRIBE"});    // none left: [unsubscribe, nil, patterns left]
  c.Do({"PING"});           // still subscribed to p*
  c.Do({"PUNSUBSCRIBE"});
  c.Do({"PUNSUBSCRIBE"});
  c.Do({"PING"});           // no subscription left: a plain PONG
  c.Do({"GET", "x"});
  c.Do({"SUBSCRIBE"});
  c.Do({"PSUBSCRIBE"});
  c.Send({"SUBSCRIBE", "x", "y", "z"});
  c.Read(3);
  c.Send({"UNSUBSCRIBE"});
  c.ReadUnordered(3);
  // MULTI then SUBSCRIBE: queued and run by EXEC (its replies inside EXEC's).
  c.Do({"MULTI"});
  c.Do({"SUBSCRIBE", "m"});
  c.Do({"EXEC"}, 1);
  c.Do({"GET", "x"});
  // RESET ends every subscription without messages.
  c.Do({"PSUBSCRIBE", "r*"});
  c.Do({"RESET"});
  c.Do({"GET", "x"});
  c.Do({"UNSUBSCRIBE", "never"});
  c.Do({"PUNSUBSCRIBE"});
}

TEST_F(PubSubCompat, MessagesPatternMessagesAndPubsubCounts) {
  Twin sub = NewTwin(), other = NewTwin(), pub = NewTwin();
  sub.Do({"SUBSCRIBE", "news", "sport"}, 2);
  sub.Do({"PSUBSCRIBE", "n*", "h?llo", "[ab]x"}, 3);
  other.Do({"SUBSCRIBE", "news"});
  other.Do({"PSUBSCRIBE", "n*"});
  EXPECT_EQ(pub.Do({"PUBLISH", "news", "hi"}), ":4\r\n");
  sub.Read(2);  // message, then pmessage
  other.Read(2);
  pub.Do({"PUBLISH", "hello", "x"});
  sub.Read();
  pub.Do({"PUBLISH", "bx", ""});  // empty payload
  sub.Read();
  pub.Do({"PUBLISH", "nobody", "x"});
  pub.Do({"PUBLISH", "sport", std::string(100000, 'z')});  // a large payload
  sub.Read();
  pub.Do({"PUBSUB", "NUMSUB", "news", "sport", "none"});
  pub.Do({"PUBSUB", "NUMSUB"});
  pub.Do({"PUBSUB", "NUMPAT"});
  SameSorted({"PUBSUB", "CHANNELS"});
  SameSorted({"PUBSUB", "CHANNELS", "*s*"});
  pub.Do({"PUBSUB", "CHANNELS", "s*"});
  pub.Do({"PUBSUB", "CHANNELS", "zz*"});
  pub.Do({"PUBSUB", "CHANNELS", "a", "b"});
  pub.Do({"PUBSUB", "channels", "a", "b"});
  pub.Do({"PUBSUB", "NUMPAT", "x"});
  pub.Do({"PUBSUB", "FOO"});
  pub.Do({"PUBSUB"});
  pub.Do({"PUBLISH", "a"});
  // Unsubscribed: no more messages (the next reply is PING's).
  other.Do({"UNSUBSCRIBE", "news"});
  other.Do({"PUNSUBSCRIBE", "n*"});
  EXPECT_EQ(pub.Do({"PUBLISH", "news", "again"}), ":2\r\n");  // sub: news and n*
  other.Do({"PING"});
  sub.Read(2);
  pub.Do({"PUBSUB", "NUMSUB", "news"});
  pub.Do({"PUBSUB", "NUMPAT"});
  // A subscriber's disconnection unsubscribes it.
  { Twin gone = NewTwin(); gone.Do({"SUBSCRIBE", "brief"}); gone.Do({"PSUBSCRIBE", "b*"}); }
  for (Client* server : {s_.get(), r_.get()}) {
    for (int i = 0; i < 500 && server->Do({"PUBSUB", "NUMSUB", "brief"}).find(":0]") == std::string::npos; ++i)
      usleep(10000);
  }
  pub.Do({"PUBSUB", "NUMSUB", "brief"});
  pub.Do({"PUBSUB", "NUMPAT"});
}

TEST_F(PubSubCompat, Resp3PushesAndTheOrderOfASubscribersOwnReplies) {
  Twin sub = NewTwin(), pub = NewTwin();
  sub.Send({"HELLO", "3"});
  sub.Skip();
  EXPECT_EQ(sub.Do({"SUBSCRIBE", "q"}), ">3\r\n$9\r\nsubscribe\r\n$1\r\nq\r\n:1\r\n");
  // RESP3 subscribers may run anything; a message it publishes to itself
  // comes after the replies before PUBLISH and before PUBLISH's own.
  sub.Send({"GET", "k"});
  sub.Send({"PING"});
  sub.Send({"PUBLISH", "q", "z"});
  sub.Send({"PING", "p"});
  EXPECT_EQ(sub.Read(5), "_\r\n+PONG\r\n>3\r\n$7\r\nmessage\r\n$1\r\nq\r\n$1\r\nz\r\n:1\r\n$1\r\np\r\n");
  sub.Do({"PSUBSCRIBE", "q*"});
  pub.Do({"PUBLISH", "q", "from-other"});
  sub.Read(2);
  sub.Do({"UNSUBSCRIBE"});
  sub.Do({"PUNSUBSCRIBE", "q*", "r*"}, 2);
  sub.Do({"UNSUBSCRIBE"});
  // HELLO 2 while subscribed: messages follow the protocol.
  sub.Do({"SUBSCRIBE", "v"});
  sub.Send({"HELLO", "2"});
  sub.Skip();
  pub.Do({"PUBLISH", "v", "resp2"});
  sub.Read();
  sub.Do({"GET", "k"});  // RESP2 again: restricted
}

TEST_F(PubSubCompat, PublishFromExecAndScripts) {
  Twin sub = NewTwin(), pub = NewTwin();
  sub.Do({"SUBSCRIBE", "ch"});
  pub.Do({"MULTI"});
  pub.Do({"PUBLISH", "ch", "one"});
  pub.Do({"PUBLISH", "ch", "two"});
  pub.Do({"EXEC"});
  sub.Read(2);
  pub.Do({"EVAL", "return redis.call('publish', ARGV[1], ARGV[2])", "0", "ch", "from-lua"});
  sub.Read();
  pub.Do({"EVAL", "return redis.call('subscribe', 'x')", "0"});
  pub.Do({"EVAL", "return redis.pcall('psubscribe', 'x')", "0"});
  pub.Do({"FUNCTION", "LOAD", "#!lua name=lib\nredis.register_function('p', function(k, a) return redis.call('publish', a[1], a[2]) end)"});
  pub.Do({"FCALL", "p", "0", "ch", "from-function"});
  sub.Read();
}

TEST_F(PubSubCompat, InfoCountsChannelsAndPatterns) {
  auto stat = [](const std::string& info, const std::string& field) {
    const size_t at = info.find(field + ":");
    return at == std::string::npos ? std::string("(none)") : info.substr(at, info.find("\r\n", at) - at);
  };
  Twin a = NewTwin(), b = NewTwin();
  a.Do({"SUBSCRIBE", "x", "y"}, 2);
  b.Do({"SUBSCRIBE", "y", "z"}, 2);
  a.Do({"PSUBSCRIBE", "p*"});
  b.Do({"PSUBSCRIBE", "p*", "q*"}, 2);
  const std::string s = s_->Do({"INFO", "stats"}), r = r_->Do({"INFO", "stats"});
  for (const char* f : {"pubsub_channels", "pubsub_patterns"}) EXPECT_EQ(stat(s, f), stat(r, f)) << f;
  EXPECT_EQ(stat(s, "pubsub_channels"), "pubsub_channels:3");
  EXPECT_EQ(stat(s, "pubsub_patterns"), "pubsub_patterns:2");
}

TEST_F(PubSubCompat, AclChannelPermissions) {
  SameAll({{"ACL", "SETUSER", "u", "on", "nopass", "+@all", "~*", "resetchannels", "&news.*", "&lit[al]"},
           {"ACL", "SETUSER", "plain", "on", "nopass", "+@all", "~*"},  // no channels (acl-pubsub-default)
           {"ACL", "DRYRUN", "u", "publish", "news.x", "m"},
           {"ACL", "DRYRUN", "u", "publish", "other", "m"},
           {"ACL", "DRYRUN", "u", "subscribe", "news.a", "other"},
           {"ACL", "DRYRUN", "u", "psubscribe", "news.*"},
           {"ACL", "DRYRUN", "u", "psubscribe", "news.x*"},
           {"ACL", "DRYRUN", "u", "unsubscribe", "other"},
           {"ACL", "DRYRUN", "plain", "publish", "any", "m"},
           {"ACL", "DRYRUN", "plain", "pubsub", "channels"},
           {"ACL", "GETUSER", "u"},
           {"ACL", "LOG", "RESET"}});
  Twin c = NewTwin();
  c.Do({"AUTH", "u", "x"});
  c.Do({"PUBLISH", "news.1", "m"});
  c.Do({"PUBLISH", "other", "m"});
  c.Do({"PUBLISH", "lita", "m"});
  c.Do({"SUBSCRIBE", "other"});
  c.Do({"PSUBSCRIBE", "news.x*"});
  c.Do({"MULTI"});
  c.Do({"PUBLISH", "other", "m"});
  c.Do({"EXEC"});
  c.Do({"EVAL", "return redis.call('publish', 'other', 'm')", "0"});
  c.Do({"PSUBSCRIBE", "news.*"});
  c.Do({"SUBSCRIBE", "news.a", "other"});  // refused whole: no subscription made
  c.Do({"UNSUBSCRIBE", "other"});
  c.Do({"PUNSUBSCRIBE"});
  // ACL LOG: reason channel, object the channel (entries compared without times and client info).
  auto log = [](Client& cl) {
    Reply r = cl.Command({"ACL", "LOG"});
    std::string out;
    for (size_t i = 0; r && i < r->elements; ++i) {
      const redisReply* e = r->element[i];
      for (size_t j = 0; j + 1 < e->elements; j += 2) {
        const std::string k = e->element[j]->str;
        if (k == "reason" || k == "context" || k == "object" || k == "username" || k == "count")
          out += k + "=" + Render(e->element[j + 1]) + " ";
      }
      out += "\n";
    }
    return out;
  };
  EXPECT_EQ(log(*s_), log(*r_));
  EXPECT_NE(log(*s_).find("reason=\"channel\""), std::string::npos) << log(*s_);
}

}  // namespace
}  // namespace stockd::testing
