// tests/compat/acl_compat_test.cc — ACL replies of stockd and a real
// redis-server 7.0 side by side: SETUSER/GETUSER/LIST/DELUSER/DRYRUN/LOG,
// AUTH and HELLO AUTH, NOPERM texts at the top level, in MULTI and in
// scripts, key read/write patterns, requirepass as the default user.
//
// Where stockd knowingly differs (its command table is not Redis's, so rules
// that Redis describes with single commands may be described differently),
// the cases below stick to rules whose description depends only on categories
// and named commands.
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/compat/compat_util.h"

namespace stockd::testing {
namespace {

class AclCompatTest : public CompatTest {
 protected:
  // A fresh connection to each server.
  struct Pair {
    std::unique_ptr<Client> s, r;
  };
  Pair Connect() { return Pair{stockd_.Connect(), redis_.Connect()}; }
  std::string SameOn(Pair& p, const std::vector<std::string>& argv) {
    std::string a = p.s->Do(argv), b = p.r->Do(argv);
    std::string cmd;
    for (const auto& x : argv) cmd += x + " ";
    EXPECT_EQ(a, b) << "command: " << cmd;
    return a;
  }
};

TEST_F(AclCompatTest, SetUserGetUserListDelUser) {
  SameAll({
      {"ACL", "SETUSER", "alice", "on", ">p1", "+@read", "+config|get", "~stock:*", "%R~r:*", "%W~w:*", "&ch*"},
      {"ACL", "GETUSER", "alice"},
      {"ACL", "SETUSER", "bob"},
      {"ACL", "GETUSER", "bob"},
      {"ACL", "LIST"},
      {"ACL", "USERS"},
      {"ACL", "WHOAMI"},
      {"ACL", "GETUSER", "default"},
      {"ACL", "GETUSER", "nosuch"},
      {"ACL", "SETUSER", "alice", "<p1", ">p2", "#2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b"},
      {"ACL", "GETUSER", "alice"},
      {"ACL", "SETUSER", "alice", "!2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b", "nopass"},
      {"ACL", "GETUSER", "alice"},
      {"ACL", "SETUSER", "alice", "resetkeys", "allkeys", "resetchannels", "allchannels", "allcommands"},
      {"ACL", "LIST"},
      {"ACL", "SETUSER", "alice", "reset"},
      {"ACL", "LIST"},
      {"ACL", "SETUSER", "alice", "%RW~x", "%R~x", "~y", "%W~y"},
      {"ACL", "GETUSER", "alice"},
      {"ACL", "DELUSER", "alice", "nosuch", "bob"},
      {"ACL", "USERS"},
  });
}

TEST_F(AclCompatTest, CommandRuleDescriptions) {
  const std::vector<std::vector<std::string>> rules = {
      {"+@all", "-@dangerous"}, {"-@all", "+@read", "-@write"}, {"+get", "+set", "-get"},
      {"+@read", "-get", "+get"}, {"+@all", "-get", "+@read"}, {"+config", "-config|set"},
      {"+config|get", "+config"}, {"+@read", "+@read"},        {"allcommands", "-@admin"},
      {"+@all", "-@all", "+get"}, {"nocommands"},              {"-@read"},
      {"+@hash", "-hset"},        {"+@read", "-@read"},        {"+client|setname"},
  };
  // (Single commands are listed in table order by stockd and in hash order by
  // Redis, so cases with several single commands may differ in order only.)
  for (const auto& r : rules) {
    std::vector<std::string> argv = {"ACL", "SETUSER", "t", "reset"};
    argv.insert(argv.end(), r.begin(), r.end());
    Same(argv);
    Same({"ACL", "GETUSER", "t"});
    Same({"ACL", "LIST"});
  }
}

TEST_F(AclCompatTest, SetUserErrors) {
  SameAll({
      {"ACL", "SETUSER", "x", "foo"},
      {"ACL", "SETUSER", "x", "+nosuch"},
      {"ACL", "SETUSER", "x", "-@nosuch"},
      {"ACL", "SETUSER", "x", "#abc"},
      {"ACL", "SETUSER", "x", "!abc"},
      {"ACL", "SETUSER", "x", "<nope"},
      {"ACL", "SETUSER", "x", "allkeys", "~a"},
      {"ACL", "SETUSER", "x", "allchannels", "&a"},
      {"ACL", "SETUSER", "x", "%X~a"},
      {"ACL", "SETUSER", "x", "+config|get|x"},
      {"ACL", "SETUSER", "x", "+client|"},
      {"ACL", "SETUSER", "x", "-client|"},
      {"ACL", "SETUSER", "x", "-config|get|x"},
      {"ACL", "SETUSER", "x", "+get|x|y"},
      {"ACL", "GETUSER", "x"},  // nothing was created
      {"ACL", "SETUSER", "a b"},
      {"ACL", "DELUSER", "default"},
      {"ACL", "CAT", "nosuch"},
      {"ACL", "GENPASS", "0"},
      {"ACL", "GENPASS", "4097"},
      {"ACL", "GENPASS", "x"},
      {"ACL", "LOG", "x"},
      {"ACL", "LOAD"},
      {"ACL", "SAVE"},
      {"ACL", "NOSUCH"},
      {"ACL", "HELP"},
      {"ACL", "SETUSER"},
      {"ACL", "GETUSER"},
  });
  // The 21 categories of Redis come first, in its order (stockd appends "stock").
  Reply s = s_->Command({"ACL", "CAT"}), r = r_->Command({"ACL", "CAT"});
  ASSERT_TRUE(s && r);
  ASSERT_EQ(r->elements, 21u);
  ASSERT_EQ(s->elements, 22u);
  for (size_t i = 0; i < r->elements; ++i) EXPECT_EQ(Render(s->element[i]), Render(r->element[i]));
}

TEST_F(AclCompatTest, AuthHelloAndNoPerm) {
  SameAll({
      {"ACL", "SETUSER", "lim", "on", ">pw", "+get", "+set", "+multi", "+exec", "+eval", "+acl|whoami",
       "+config|get", "~a*"},
  });
  Pair p = Connect();
  for (const auto& argv : std::vector<std::vector<std::string>>{
           {"AUTH", "lim", "wrong"},
           {"AUTH", "nosuch", "pw"},
           {"AUTH", "lim", "pw"},
           {"ACL", "WHOAMI"},
           {"GET", "b"},
           {"GET", "a"},
           {"DEL", "a"},
           {"SET", "a", "1"},
           {"CONFIG", "GET", "maxmemory-policy"},
           {"CONFIG", "SET", "maxmemory-policy", "noeviction"},
           {"ACL", "LIST"},
           {"MULTI"},
           {"GET", "b"},
           {"DEL", "a"},
           {"EXEC"},
           {"EVAL", "return redis.pcall('get', 'b')", "0"},
           {"EVAL", "return redis.pcall('del', 'a')", "0"},
           {"AUTH", "pw"},
       }) {
    SameOn(p, argv);
  }
  Pair h = Connect();
  SameOn(h, {"HELLO", "2", "AUTH", "lim", "bad"});
  Reply s = h.s->Command({"HELLO", "2", "AUTH", "lim", "pw"}), r = h.r->Command({"HELLO", "2", "AUTH", "lim", "pw"});
  ASSERT_TRUE(s && r);
  EXPECT_EQ(s->type, r->type);
  SameOn(h, {"ACL", "WHOAMI"});
}

// redis-cli's typed rendering of a RESP3 reply (maps "1# k => v", sets "1~",
// doubles "(double)"): the Debian hiredis predates RESP3, redis-cli does not.
std::string Cli3(int port, const std::string& auth, const std::string& args) {
  return RunCapture("redis-cli --no-raw -3 --no-auth-warning -p " + std::to_string(port) + " " + auth + " " + args);
}

// Drops the lines of fields whose values differ by nature (ages, client-info)
// and redis-cli's alignment padding (it pads " 1#" once a map has 10 fields).
std::string WithoutVolatile(const std::string& s) {
  std::string out, line;
  for (char c : s) {
    if (c != '\n') {
      if (c != ' ' || (!line.empty() && line.back() != ' ')) line.push_back(c);
      continue;
    }
    if (line.find("\"age-seconds\"") == std::string::npos && line.find("\"client-info\"") == std::string::npos) {
      out += line + "\n";
    }
    line.clear();
  }
  return out + line;
}

TEST_F(AclCompatTest, Resp3Shapes) {
  Same({"ACL", "SETUSER", "alice", "on", ">p1", "+@read", "~stock:*", "&ch*"});
  const std::string auth = "--user alice --pass p1";
  for (const char* args : {"ACL GETUSER alice", "ACL GETUSER default", "ACL WHOAMI", "HELLO 3 AUTH alice p1"}) {
    std::string a = Cli3(stockd_.port(), auth, args), b = Cli3(redis_.port(), auth, args);
    if (std::string(args).rfind("HELLO", 0) == 0) {  // ids and versions differ; the shape is a 7-field map
      EXPECT_NE(a.find("1# \"server\" => "), std::string::npos) << a;
      EXPECT_NE(a.find("7# \"modules\" => "), std::string::npos) << a;
      continue;
    }
    EXPECT_EQ(a, b) << args;
  }
  // A denial, then ACL LOG 1 in RESP3: Redis 7.0's seven fields agree (ages and
  // client-info aside); stockd adds 7.2's three after them.
  (void)Cli3(stockd_.port(), auth, "SET stock:1 x");
  (void)Cli3(redis_.port(), auth, "SET stock:1 x");
  std::string a = WithoutVolatile(Cli3(stockd_.port(), "", "ACL LOG 1"));
  std::string b = WithoutVolatile(Cli3(redis_.port(), "", "ACL LOG 1"));
  EXPECT_EQ(a.substr(0, b.size()), b);
  EXPECT_NE(a.find("8# \"entry-id\" => (integer) "), std::string::npos) << a;
  EXPECT_NE(a.find("10# \"timestamp-last-updated\" => (integer) "), std::string::npos) << a;
}

TEST_F(AclCompatTest, ReadAndWriteKeyPatterns) {
  Same({"ACL", "SETUSER", "rw", "on", "nopass", "+@all", "%R~r:*", "%W~w:*", "~both:*"});
  Same({"SET", "r:1", "x"});
  Pair p = Connect();
  for (const auto& argv : std::vector<std::vector<std::string>>{
           {"AUTH", "rw", "x"},
           {"GET", "r:1"},
           {"SET", "r:1", "y"},
           {"SET", "w:1", "y"},
           {"GET", "w:1"},
           {"INCR", "w:2"},
           {"DEL", "w:1"},
           {"DEL", "r:1"},
           {"SET", "both:1", "1"},
           {"INCR", "both:1"},
           {"LPUSH", "w:l", "a"},
           {"LPOP", "w:l"},
           {"LRANGE", "r:l", "0", "-1"},
           {"MSET", "w:a", "1", "w:b", "2"},
           {"MGET", "r:1", "w:a"},
           {"HSET", "w:h", "f", "v"},
           {"HGET", "w:h", "f"},
           // Keys found by numkeys and per-key permissions (source read, destination write).
           {"EVAL", "return 1", "1", "r:1"},
           {"EVAL", "return 1", "1", "both:x"},
           {"EVAL", "return 1", "0"},
           {"ZUNIONSTORE", "w:z", "2", "r:a", "r:b"},
           {"ZUNIONSTORE", "r:z", "1", "r:a"},
           {"ZUNIONSTORE", "w:z", "1", "w:a"},
           {"SINTERCARD", "2", "r:a", "r:b", "LIMIT", "5"},
           {"SINTERCARD", "2", "r:a", "w:b"},
           {"ZUNION", "2", "r:a", "w:b"},
           {"ZINTERCARD", "1", "r:a"},
           {"ZMPOP", "1", "both:z", "MIN"},
           {"ZMPOP", "1", "w:z", "MIN"},
           {"BZMPOP", "0.01", "1", "r:z", "MIN"},
           // A count Redis's key specs do not read (string2ll) names no key:
           // the command's own error, not NOPERM (unlike COMMAND GETKEYS).
           {"ZUNION", "1x", "w:b"},
           {"ZUNION", "+1", "w:b"},
           {"ZMPOP", "01", "w:b", "MIN"},
           {"ZUNION", "0", "w:b"},
           {"ZUNIONSTORE", "w:z", "5", "w:a"},
           {"SINTERSTORE", "w:s", "r:a", "r:b"},
           {"SINTERSTORE", "w:s", "r:a", "w:b"},
           {"COPY", "r:1", "w:c"},
           {"COPY", "w:c", "w:d"},
           {"LMOVE", "both:l", "w:l", "LEFT", "RIGHT"},
           {"LMOVE", "w:l", "both:l", "LEFT", "RIGHT"},
           {"RENAME", "w:c", "w:e"},
           {"EXISTS", "w:c"},
           // SORT and GEORADIUS read their source and write their STORE
           // destination; SORT's BY and GET patterns need every key readable.
           {"SORT", "r:l"},
           {"SORT_RO", "r:l"},
           {"SORT", "r:l", "STORE", "w:s"},
           {"SORT", "r:l", "STORE", "r:s"},
           {"SORT", "r:l", "BY", "nosort"},
           {"SORT", "r:l", "BY", "r:*"},
           {"SORT", "r:l", "GET", "#"},
           {"SORT_RO", "r:l", "GET", "r:*"},
           {"GEORADIUS", "r:g", "0", "0", "10", "km", "STORE", "w:g"},
           {"GEORADIUS", "r:g", "0", "0", "10", "km", "STORE", "r:g2"},
           {"GEOSEARCHSTORE", "w:g", "r:g", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km"},
           {"GEOSEARCHSTORE", "r:g", "w:g", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km"},
       }) {
    SameOn(p, argv);
  }
  // A user who may read every key may use BY and GET.
  Same({"ACL", "SETUSER", "reader", "on", "nopass", "+@all", "%R~*"});
  Pair q = Connect();
  for (const auto& argv : std::vector<std::vector<std::string>>{
           {"AUTH", "reader", "x"},
           {"RPUSH", "l", "1"},
           {"SORT", "l", "BY", "w*", "GET", "#", "GET", "x*"},
           {"SORT", "l", "STORE", "d"},
       }) {
    SameOn(q, argv);
  }
  SameAll({
      {"ACL", "DRYRUN", "rw", "get", "r:1"},
      {"ACL", "DRYRUN", "rw", "set", "r:1", "v"},
      {"ACL", "DRYRUN", "rw", "get", "w:1"},
      {"ACL", "DRYRUN", "rw", "nosuchcmd"},
      {"ACL", "DRYRUN", "rw", "get"},
      {"ACL", "DRYRUN", "nosuch", "get", "a"},
  });
}

TEST_F(AclCompatTest, AclLogEntries) {
  Same({"ACL", "SETUSER", "l", "on", ">p", "+get", "~a*"});
  Pair p = Connect();
  SameOn(p, {"AUTH", "l", "bad"});
  SameOn(p, {"AUTH", "l", "p"});
  SameOn(p, {"GET", "b"});
  SameOn(p, {"GET", "b"});
  SameOn(p, {"SET", "a", "1"});
  Reply s = s_->Command({"ACL", "LOG"}), r = r_->Command({"ACL", "LOG"});
  ASSERT_TRUE(s && r);
  ASSERT_EQ(s->elements, r->elements);
  // Redis 7.0's fields agree (age and client-info aside); stockd adds 7.2's
  // entry-id and timestamps after them.
  for (size_t i = 0; i < r->elements; ++i) {
    const redisReply* se = s->element[i];
    const redisReply* re = r->element[i];
    ASSERT_GE(se->elements, re->elements);
    for (size_t j = 0; j + 1 < re->elements; j += 2) {
      std::string name(re->element[j]->str, re->element[j]->len);
      EXPECT_EQ(Render(se->element[j]), Render(re->element[j]));
      if (name == "age-seconds" || name == "client-info") continue;
      EXPECT_EQ(Render(se->element[j + 1]), Render(re->element[j + 1])) << "entry " << i << " field " << name;
    }
  }
  SameAll({{"ACL", "LOG", "RESET"}, {"ACL", "LOG"}, {"ACL", "LOG", "-1"}});
}

TEST_F(AclCompatTest, RequirePassSetsTheDefaultUser) {
  SameAll({
      {"CONFIG", "SET", "requirepass", "s3cret"},
      {"ACL", "GETUSER", "default"},
      {"ACL", "LIST"},
  });
  Pair p = Connect();
  SameOn(p, {"GET", "k"});
  SameOn(p, {"AUTH", "bad"});
  SameOn(p, {"AUTH", "s3cret"});
  SameOn(p, {"CONFIG", "SET", "requirepass", ""});
  SameOn(p, {"ACL", "GETUSER", "default"});
  SameOn(p, {"AUTH", "x"});
  SameOn(p, {"AUTH", "default", "anything"});
}

}  // namespace
}  // namespace stockd::testing
