// tests/integration/acl_test.cc — ACL users against the real stockd binary
// (server/acl.h, server/acl_family.cc): users, passwords, command/category
// and key rules, the checks at the top level, in MULTI and in scripts, ACL
// LOG, connections of deleted users, requirepass, the aclfile and `user`
// lines of the config file.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/util/server_process.h"
#include "tests/util/stockd_fixture.h"

namespace stockd::testing {
namespace {

constexpr char kNoPermKey[] = "(error) NOPERM this user has no permissions to access one of the keys used as arguments";

std::string NoPermCmd(const std::string& cmd) {
  return "(error) NOPERM this user has no permissions to run the '" + cmd + "' command";
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class AclTest : public StockdFixture {
 protected:
  AclTest() : StockdFixture("stockd-acl-") {}

  // A new connection authenticated as user/pass (asserts the AUTH succeeded).
  std::unique_ptr<Client> As(const std::string& user, const std::string& pass) {
    auto c = server_.Connect();
    EXPECT_EQ(c->Do({"AUTH", user, pass}), "\"OK\"");
    return c;
  }
  std::string Admin(const std::vector<std::string>& argv) {
    if (!admin_) admin_ = server_.Connect();
    return admin_->Do(argv);
  }

  std::unique_ptr<Client> admin_;
};

TEST_F(AclTest, DefaultUserIsOnNopassWithEverything) {
  StartStockd();
  EXPECT_EQ(Admin({"ACL", "WHOAMI"}), "\"default\"");
  EXPECT_EQ(Admin({"ACL", "USERS"}), "[\"default\"]");
  EXPECT_EQ(Admin({"ACL", "LIST"}), "[\"user default on nopass ~* &* +@all\"]");
  EXPECT_EQ(Admin({"ACL", "GETUSER", "default"}),
            "[\"flags\", [\"on\", \"nopass\"], \"passwords\", [], \"commands\", \"+@all\", \"keys\", \"~*\", "
            "\"channels\", \"&*\", \"selectors\", []]");
  EXPECT_NE(Admin({"CLIENT", "INFO"}).find(" user=default "), std::string::npos);
  EXPECT_EQ(Admin({"ACL", "GETUSER", "nosuch"}), "(nil)");
}

// The issue's example: an order-reader service may run ORDER.READ and nothing else.
TEST_F(AclTest, OrderReaderCanRunOrderReadOnly) {
  StartStockd();
  ASSERT_EQ(Admin({"ACL", "SETUSER", "reader", "on", ">pw", "+order.read"}), "\"OK\"");
  ASSERT_EQ(Admin({"STOCK.SET", "stock:sku1", "5"}), "\"OK\"");
  auto reader = As("reader", "pw");
  EXPECT_EQ(reader->Do({"ORDER.READ", "0"}), "[]");
  EXPECT_EQ(reader->Do({"ORDER.GET", "1"}), NoPermCmd("order.get"));
  EXPECT_EQ(reader->Do({"STOCK.BUY", "stock:sku1", "u1"}), NoPermCmd("stock.buy"));
  EXPECT_EQ(reader->Do({"GET", "stock:sku1"}), NoPermCmd("get"));
  EXPECT_EQ(reader->Do({"ACL", "WHOAMI"}), NoPermCmd("acl|whoami"));
  EXPECT_EQ(reader->Do({"PING"}), NoPermCmd("ping"));
  EXPECT_EQ(reader->Do({"AUTH", "reader", "pw"}), "\"OK\"");  // no_auth commands are always allowed
  // The stock is untouched by the refused buy.
  EXPECT_EQ(Admin({"STOCK.GET", "stock:sku1"}), ":5");
}

TEST_F(AclTest, StockCategoryAndDerivedCategories) {
  StartStockd();
  std::string stock = Admin({"ACL", "CAT", "stock"});
  for (const char* c : {"stock.set", "stock.buy", "stock.get", "order.read", "order.get", "cl.throttle"})
    EXPECT_NE(stock.find(std::string("\"") + c + "\""), std::string::npos) << c << " in " << stock;
  std::string read = Admin({"ACL", "CAT", "read"});
  EXPECT_NE(read.find("\"order.read\""), std::string::npos);
  EXPECT_EQ(read.find("\"stock.buy\""), std::string::npos);
  // +@stock -@write: read the stock and the orders, never change them.
  ASSERT_EQ(Admin({"ACL", "SETUSER", "viewer", "on", ">v", "+@stock", "-@write", "~stock:*"}), "\"OK\"");
  ASSERT_EQ(Admin({"STOCK.SET", "stock:a", "3"}), "\"OK\"");
  auto v = As("viewer", "v");
  EXPECT_EQ(v->Do({"STOCK.GET", "stock:a"}), ":3");
  EXPECT_EQ(v->Do({"STOCK.BUY", "stock:a", "u"}), NoPermCmd("stock.buy"));
  EXPECT_EQ(v->Do({"STOCK.GET", "other:a"}), kNoPermKey);
  EXPECT_EQ(Admin({"ACL", "CAT", "nosuch"}), "(error) ERR Unknown category 'nosuch'");
}

TEST_F(AclTest, KeyPatternsWithReadAndWritePermissions) {
  StartStockd();
  ASSERT_EQ(Admin({"ACL", "SETUSER", "u", "on", ">p", "+@all", "~stock:*", "%R~r:*", "%W~w:*"}), "\"OK\"");
  ASSERT_EQ(Admin({"SET", "r:1", "x"}), "\"OK\"");
  auto u = As("u", "p");
  EXPECT_EQ(u->Do({"SET", "stock:1", "1"}), "\"OK\"");
  EXPECT_EQ(u->Do({"SET", "other", "1"}), kNoPermKey);
  EXPECT_EQ(u->Do({"GET", "r:1"}), "\"x\"");
  EXPECT_EQ(u->Do({"SET", "r:1", "y"}), kNoPermKey);
  EXPECT_EQ(u->Do({"SET", "w:1", "v"}), "\"OK\"");
  EXPECT_EQ(u->Do({"GET", "w:1"}), kNoPermKey);
  EXPECT_EQ(u->Do({"INCR", "w:2"}), kNoPermKey);  // INCR reads too
  EXPECT_EQ(u->Do({"SET", "w:1", "v", "GET"}), kNoPermKey);
  EXPECT_EQ(u->Do({"MSET", "stock:2", "a", "other", "b"}), kNoPermKey);
  EXPECT_EQ(Admin({"EXISTS", "stock:2"}), ":0");  // the refused MSET wrote nothing
  EXPECT_EQ(Admin({"ACL", "GETUSER", "u"}).find("\"keys\", \"~stock:* %R~r:* %W~w:*\"") != std::string::npos, true);
}

TEST_F(AclTest, CategoriesAndSubcommands) {
  StartStockd();
  ASSERT_EQ(Admin({"ACL", "SETUSER", "ro", "on", "nopass", "+@read", "-@dangerous", "+config|get", "allkeys"}),
            "\"OK\"");
  auto ro = As("ro", "anything");
  EXPECT_EQ(ro->Do({"GET", "k"}), "(nil)");
  EXPECT_EQ(ro->Do({"SET", "k", "v"}), NoPermCmd("set"));
  EXPECT_EQ(ro->Do({"KEYS", "*"}), NoPermCmd("keys"));
  EXPECT_EQ(ro->Do({"CONFIG", "GET", "port"}).substr(0, 8), "[\"port\",");
  EXPECT_EQ(ro->Do({"CONFIG", "SET", "timeout", "1"}), NoPermCmd("config|set"));
  EXPECT_EQ(Admin({"ACL", "GETUSER", "ro"}).find("\"commands\", \"-@all +@read -keys -sort_ro +config|get\"") !=
                std::string::npos,
            true)
      << Admin({"ACL", "GETUSER", "ro"});
}

TEST_F(AclTest, SetUserErrorsChangeNothing) {
  StartStockd();
  EXPECT_EQ(Admin({"ACL", "SETUSER", "x", "on", "foo"}), "(error) ERR Error in ACL SETUSER modifier 'foo': Syntax error");
  EXPECT_EQ(Admin({"ACL", "GETUSER", "x"}), "(nil)");  // not created by a failed SETUSER
  EXPECT_EQ(Admin({"ACL", "SETUSER", "x", "+nosuch"}),
            "(error) ERR Error in ACL SETUSER modifier '+nosuch': Unknown command or category name in ACL");
  EXPECT_EQ(Admin({"ACL", "SETUSER", "x", "#abc"}),
            "(error) ERR Error in ACL SETUSER modifier '#abc': The password hash must be exactly 64 characters and "
            "contain only lowercase hexadecimal characters");
  ASSERT_EQ(Admin({"ACL", "SETUSER", "x", "on", ">a"}), "\"OK\"");
  EXPECT_EQ(Admin({"ACL", "SETUSER", "x", "off", "<nope"}),
            "(error) ERR Error in ACL SETUSER modifier '<nope': The password you are trying to remove from the user "
            "does not exist");
  EXPECT_NE(Admin({"ACL", "GETUSER", "x"}).find("[\"on\"]"), std::string::npos);  // "off" was not applied
  EXPECT_EQ(Admin({"ACL", "SETUSER", "a b"}), "(error) ERR Usernames can't contain spaces or null characters");
  EXPECT_EQ(Admin({"ACL", "DELUSER", "default"}), "(error) ERR The 'default' user cannot be removed");
  EXPECT_EQ(Admin({"ACL", "DELUSER", "nosuch", "x"}), ":1");
}

TEST_F(AclTest, PasswordsHashesAndDisabledUsers) {
  StartStockd();
  // #<sha256 of "secret"> works like >secret; !hash and <pass remove.
  const std::string h = "2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b";
  ASSERT_EQ(Admin({"ACL", "SETUSER", "p", "on", "#" + h, ">other", "+@all", "allkeys"}), "\"OK\"");
  auto c = server_.Connect();
  EXPECT_EQ(c->Do({"AUTH", "p", "secret"}), "\"OK\"");
  EXPECT_EQ(c->Do({"ACL", "WHOAMI"}), "\"p\"");
  EXPECT_EQ(c->Do({"AUTH", "p", "other"}), "\"OK\"");
  EXPECT_EQ(c->Do({"AUTH", "p", "wrong"}), "(error) WRONGPASS invalid username-password pair or user is disabled.");
  EXPECT_EQ(c->Do({"ACL", "WHOAMI"}), "\"p\"");  // a failed AUTH keeps the current user
  ASSERT_EQ(Admin({"ACL", "SETUSER", "p", "!" + h, "<other"}), "\"OK\"");
  EXPECT_EQ(c->Do({"AUTH", "p", "secret"}), "(error) WRONGPASS invalid username-password pair or user is disabled.");
  ASSERT_EQ(Admin({"ACL", "SETUSER", "p", "nopass"}), "\"OK\"");
  EXPECT_EQ(c->Do({"AUTH", "p", "whatever"}), "\"OK\"");
  // off: no new authentication, but (as in Redis) an authenticated connection keeps working.
  ASSERT_EQ(Admin({"ACL", "SETUSER", "p", "off"}), "\"OK\"");
  EXPECT_EQ(server_.Connect()->Do({"AUTH", "p", "x"}),
            "(error) WRONGPASS invalid username-password pair or user is disabled.");
  EXPECT_EQ(c->Do({"SET", "k", "v"}), "\"OK\"");
  EXPECT_EQ(c->Do({"AUTH", "nosuch", "x"}), "(error) WRONGPASS invalid username-password pair or user is disabled.");
  // resetpass: no password works any more.
  ASSERT_EQ(Admin({"ACL", "SETUSER", "p", "on", "resetpass"}), "\"OK\"");
  EXPECT_EQ(server_.Connect()->Do({"AUTH", "p", "whatever"}),
            "(error) WRONGPASS invalid username-password pair or user is disabled.");
}

TEST_F(AclTest, DeletedUserConnectionsAreClosed) {
  StartStockd();
  ASSERT_EQ(Admin({"ACL", "SETUSER", "gone", "on", ">p", "+@all", "~*"}), "\"OK\"");
  auto a = As("gone", "p");
  auto b = As("gone", "p");
  auto other = server_.Connect();
  EXPECT_EQ(a->Do({"PING"}), "\"PONG\"");
  EXPECT_NE(Admin({"CLIENT", "LIST"}).find(" user=gone "), std::string::npos);
  EXPECT_EQ(Admin({"ACL", "DELUSER", "gone"}), ":1");
  EXPECT_EQ(a->Do({"PING"}).substr(0, 4), "(io)");
  EXPECT_EQ(b->Do({"PING"}).substr(0, 4), "(io)");
  EXPECT_EQ(other->Do({"PING"}), "\"PONG\"");
  // The closed connections leave the registry as their fibers end: poll (bounded).
  bool gone = false;
  for (int i = 0; i < 200 && !gone; ++i) {
    gone = Admin({"CLIENT", "LIST"}).find(" user=gone ") == std::string::npos;
    if (!gone) usleep(10000);
  }
  EXPECT_TRUE(gone);
}

TEST_F(AclTest, ClientKillUser) {
  StartStockd();
  ASSERT_EQ(Admin({"ACL", "SETUSER", "k", "on", ">p", "+@all", "~*"}), "\"OK\"");
  auto a = As("k", "p");
  EXPECT_EQ(Admin({"CLIENT", "KILL", "USER", "k"}), ":1");
  EXPECT_EQ(a->Do({"PING"}).substr(0, 4), "(io)");
  EXPECT_EQ(Admin({"CLIENT", "KILL", "USER", "nosuch"}), "(error) ERR No such user 'nosuch'");
  auto d = server_.Connect();  // a default-user client besides the caller
  EXPECT_EQ(d->Do({"PING"}), "\"PONG\"");
  EXPECT_NE(Admin({"CLIENT", "KILL", "USER", "default"}), ":0");  // SKIPME yes: the caller stays
  EXPECT_EQ(d->Do({"PING"}).substr(0, 4), "(io)");
  EXPECT_EQ(Admin({"PING"}), "\"PONG\"");
}

TEST_F(AclTest, MultiChecksAtQueueTimeAndAtExec) {
  StartStockd();
  ASSERT_EQ(Admin({"ACL", "SETUSER", "m", "on", ">p", "+multi", "+exec", "+get", "+set", "~a*"}), "\"OK\"");
  auto m = As("m", "p");
  EXPECT_EQ(m->Do({"MULTI"}), "\"OK\"");
  EXPECT_EQ(m->Do({"DEL", "a"}), NoPermCmd("del"));
  EXPECT_EQ(m->Do({"GET", "b"}), kNoPermKey);
  EXPECT_EQ(m->Do({"EXEC"}), "(error) EXECABORT Transaction discarded because of previous errors.");
  // Rules that change between queueing and EXEC apply to the queued commands.
  EXPECT_EQ(m->Do({"MULTI"}), "\"OK\"");
  EXPECT_EQ(m->Do({"SET", "a1", "x"}), "\"QUEUED\"");
  EXPECT_EQ(m->Do({"GET", "a1"}), "\"QUEUED\"");
  ASSERT_EQ(Admin({"ACL", "SETUSER", "m", "-get"}), "\"OK\"");
  EXPECT_EQ(m->Do({"EXEC"}),
            "[\"OK\", (error) NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC "
            "call. This command is no longer allowed for the following reason: no permission to execute the command "
            "or subcommand]");
  EXPECT_EQ(Admin({"GET", "a1"}), "\"x\"");
}

TEST_F(AclTest, ScriptsCheckEveryCall) {
  StartStockd({"--lua-allow-undeclared-keys", "yes"});
  ASSERT_EQ(Admin({"ACL", "SETUSER", "s", "on", ">p", "+eval", "+get", "~a*"}), "\"OK\"");
  auto s = As("s", "p");
  EXPECT_EQ(s->Do({"EVAL", "return redis.call('get', KEYS[1])", "1", "a1"}), "(nil)");
  // Declared keys are checked before the script runs, as Redis does (numkeys).
  EXPECT_EQ(s->Do({"EVAL", "return 1", "1", "b1"}), kNoPermKey);
  std::string denied_key = s->Do({"EVAL", "return redis.call('get', 'b1')", "0"});
  EXPECT_NE(denied_key.find("ERR The user executing the script can't access at least one of the keys mentioned in "
                            "the command arguments"),
            std::string::npos)
      << denied_key;
  std::string denied_cmd = s->Do({"EVAL", "return redis.call('set', KEYS[1], 'x')", "1", "a1"});
  EXPECT_NE(denied_cmd.find("ERR The user executing the script can't run this command or subcommand"),
            std::string::npos)
      << denied_cmd;
  EXPECT_EQ(s->Do({"EVAL", "return redis.pcall('set', KEYS[1], 'x')", "1", "a1"}),
            "(error) ERR The user executing the script can't run this command or subcommand");
  EXPECT_EQ(Admin({"EXISTS", "a1"}), ":0");
}

TEST_F(AclTest, AclLogRecordsDenials) {
  StartStockd();
  ASSERT_EQ(Admin({"ACL", "SETUSER", "l", "on", ">p", "+get", "+multi", "+eval", "~a*"}), "\"OK\"");
  auto l = As("l", "p");
  EXPECT_EQ(l->Do({"AUTH", "l", "bad"}).substr(0, 17), "(error) WRONGPASS");
  EXPECT_EQ(l->Do({"GET", "b"}), kNoPermKey);
  EXPECT_EQ(l->Do({"GET", "b"}), kNoPermKey);  // grouped with the previous one: count 2
  EXPECT_EQ(l->Do({"MULTI"}), "\"OK\"");
  EXPECT_EQ(l->Do({"SET", "a", "1"}), NoPermCmd("set"));
  EXPECT_EQ(l->Do({"DISCARD"}), NoPermCmd("discard"));
  EXPECT_EQ(l->Do({"RESET"}), "\"RESET\"");  // leaves MULTI (RESET needs no permission); back to default
  EXPECT_EQ(l->Do({"AUTH", "l", "p"}), "\"OK\"");
  (void)l->Do({"EVAL", "return redis.call('get', 'zz')", "0"});

  Reply r = admin_ ? admin_->Command({"ACL", "LOG"}) : server_.Connect()->Command({"ACL", "LOG"});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->type, REDIS_REPLY_ARRAY);
  // Newest first: lua key zz, multi discard, multi set, toplevel key b (x2), auth.
  ASSERT_EQ(r->elements, 5u) << Render(r.get());
  auto field = [](const redisReply* e, const std::string& name) -> std::string {
    for (size_t i = 0; i + 1 < e->elements; i += 2) {
      if (std::string(e->element[i]->str, e->element[i]->len) == name) return Render(e->element[i + 1]);
    }
    return "(missing)";
  };
  const redisReply* e0 = r->element[0];
  EXPECT_EQ(field(e0, "reason"), "\"key\"");
  EXPECT_EQ(field(e0, "context"), "\"lua\"");
  EXPECT_EQ(field(e0, "object"), "\"zz\"");
  EXPECT_EQ(field(e0, "username"), "\"l\"");
  EXPECT_NE(field(e0, "client-info").find("user=l"), std::string::npos);
  for (const char* f : {"age-seconds", "entry-id", "timestamp-created", "timestamp-last-updated"})
    EXPECT_NE(field(e0, f), "(missing)") << f;
  EXPECT_EQ(field(r->element[1], "context"), "\"multi\"");
  EXPECT_EQ(field(r->element[1], "object"), "\"discard\"");
  EXPECT_EQ(field(r->element[2], "reason"), "\"command\"");
  EXPECT_EQ(field(r->element[2], "object"), "\"set\"");
  EXPECT_EQ(field(r->element[3], "context"), "\"toplevel\"");
  EXPECT_EQ(field(r->element[3], "count"), ":2");
  EXPECT_EQ(field(r->element[4], "reason"), "\"auth\"");
  EXPECT_EQ(field(r->element[4], "object"), "\"AUTH\"");
  EXPECT_EQ(Admin({"ACL", "LOG", "1"}).substr(0, 2), "[[");
  EXPECT_EQ(Admin({"ACL", "LOG", "RESET"}), "\"OK\"");
  EXPECT_EQ(Admin({"ACL", "LOG"}), "[]");
  EXPECT_EQ(Admin({"ACL", "LOG", "x"}), "(error) ERR value is not an integer or out of range");
}

TEST_F(AclTest, RequirePassIsTheDefaultUsersPassword) {
  StartStockd({"--requirepass", "s3cret"});
  auto c = server_.Connect();
  EXPECT_EQ(c->Do({"GET", "k"}), "(error) NOAUTH Authentication required.");
  EXPECT_EQ(c->Do({"AUTH", "s3cret"}), "\"OK\"");
  EXPECT_EQ(c->Do({"ACL", "WHOAMI"}), "\"default\"");
  auto d = server_.Connect();
  EXPECT_EQ(d->Do({"AUTH", "default", "s3cret"}), "\"OK\"");
  // The default user shows the SHA-256 of requirepass.
  EXPECT_NE(c->Do({"ACL", "GETUSER", "default"}).find(
                "\"passwords\", [\"1ec1c26b50d5d3c58d9583181af8076655fe00756bf7285940ba3670f99fcba0\"]"),
            std::string::npos);  // sha256("s3cret")
  EXPECT_EQ(c->Do({"CONFIG", "SET", "requirepass", ""}), "\"OK\"");
  EXPECT_EQ(server_.Connect()->Do({"GET", "k"}), "(nil)");  // the default user is nopass again
}

TEST_F(AclTest, DefaultUserOffNeedsAuth) {
  StartStockd();
  ASSERT_EQ(Admin({"ACL", "SETUSER", "admin", "on", ">a", "+@all", "~*", "&*"}), "\"OK\"");
  ASSERT_EQ(Admin({"ACL", "SETUSER", "default", "off"}), "\"OK\"");
  auto c = server_.Connect();
  EXPECT_EQ(c->Do({"PING"}), "(error) NOAUTH Authentication required.");
  EXPECT_EQ(c->Do({"HELLO", "2", "AUTH", "admin", "a"}).substr(0, 10), "[\"server\",");
  EXPECT_EQ(c->Do({"ACL", "WHOAMI"}), "\"admin\"");
  EXPECT_EQ(c->Do({"RESET"}), "\"RESET\"");  // back to the default user: not authenticated
  EXPECT_EQ(c->Do({"PING"}), "(error) NOAUTH Authentication required.");
}

TEST_F(AclTest, DryRunGenPassHelp) {
  StartStockd();
  ASSERT_EQ(Admin({"ACL", "SETUSER", "dr", "on", "nopass", "+get", "~a*"}), "\"OK\"");
  EXPECT_EQ(Admin({"ACL", "DRYRUN", "dr", "get", "a"}), "\"OK\"");
  EXPECT_EQ(Admin({"ACL", "DRYRUN", "dr", "get", "b"}), "\"This user has no permissions to access the 'b' key\"");
  EXPECT_EQ(Admin({"ACL", "DRYRUN", "dr", "set", "a", "1"}), "\"This user has no permissions to run the 'set' command\"");
  EXPECT_EQ(Admin({"ACL", "DRYRUN", "nosuch", "get", "a"}), "(error) ERR User 'nosuch' not found");
  EXPECT_EQ(Admin({"ACL", "DRYRUN", "dr", "nocmd"}), "(error) ERR Command 'nocmd' not found");
  EXPECT_EQ(Admin({"ACL", "DRYRUN", "dr", "get"}), "(error) ERR wrong number of arguments for 'get' command");
  std::string p = Admin({"ACL", "GENPASS"});
  ASSERT_EQ(p.size(), 66u) << p;  // 64 hex characters in quotes
  EXPECT_EQ(p.find_first_not_of("0123456789abcdef", 1), 65u);
  EXPECT_NE(Admin({"ACL", "GENPASS"}), p);
  EXPECT_EQ(Admin({"ACL", "GENPASS", "5"}).size(), 4u);  // 2 hex characters
  EXPECT_EQ(Admin({"ACL", "GENPASS", "0"}).substr(0, 27), "(error) ERR ACL GENPASS arg");
  EXPECT_EQ(Admin({"ACL", "HELP"}).substr(0, 20), "[\"ACL <subcommand> [");
  EXPECT_EQ(Admin({"ACL", "LOAD"}).substr(0, 68),
            "(error) ERR This Redis instance is not configured to use an ACL file");
}

TEST_F(AclTest, AclFileLoadedAtStartThenSaveAndLoad) {
  std::string dir = MakeTempDir("stockd-aclfile-");
  std::string path = dir + "/users.acl";
  std::ofstream(path) << "user reader on >pw +order.read\n\nuser default on nopass ~* &* +@all\n";
  StartStockd({"--aclfile", path});
  auto r = As("reader", "pw");
  EXPECT_EQ(r->Do({"ORDER.READ", "0"}), "[]");
  EXPECT_EQ(r->Do({"GET", "k"}), NoPermCmd("get"));
  ASSERT_EQ(Admin({"ACL", "SETUSER", "writer", "on", ">w", "+@write", "~stock:*"}), "\"OK\"");
  EXPECT_EQ(Admin({"ACL", "SAVE"}), "\"OK\"");
  std::string saved = ReadFile(path);
  EXPECT_NE(saved.find("user reader on #"), std::string::npos) << saved;
  EXPECT_NE(saved.find("-@all +order.read\n"), std::string::npos) << saved;
  EXPECT_NE(saved.find("user writer on #"), std::string::npos) << saved;
  EXPECT_NE(saved.find("user default on nopass ~* &* +@all\n"), std::string::npos) << saved;

  // A bad file: ACL LOAD fails with file:line and changes nothing.
  std::ofstream(path) << "user ok on nopass +@all\nuser bad on +nosuchcommand\n";
  std::string err = Admin({"ACL", "LOAD"});
  EXPECT_NE(err.find(path + ":2: Unknown command or category name in ACL"), std::string::npos) << err;
  EXPECT_NE(err.find("no change to the previously active ACL rules was performed"), std::string::npos) << err;
  EXPECT_EQ(Admin({"ACL", "GETUSER", "ok"}), "(nil)");
  EXPECT_EQ(r->Do({"ORDER.READ", "0"}), "[]");

  // A good one replaces every user; connections of the old users are closed.
  std::ofstream(path) << "user fresh on >f +@all ~*\n";
  EXPECT_EQ(Admin({"ACL", "LOAD"}), "\"OK\"");
  EXPECT_EQ(Admin({"ACL", "USERS"}), "[\"default\", \"fresh\"]");  // default recreated with its defaults
  EXPECT_EQ(r->Do({"ORDER.READ", "0"}).substr(0, 4), "(io)");
  EXPECT_EQ(As("fresh", "f")->Do({"ACL", "WHOAMI"}), "\"fresh\"");
  std::system(("rm -rf '" + dir + "'").c_str());
}

// Runs stockd with args, expects exit 1; returns its output.
std::string FailingStart(const std::string& args) {
  std::string dir = MakeTempDir("stockd-aclbad-");
  std::string cmd = StockdBinary() + " " + args + " --dir " + dir + " --port " + std::to_string(FreePort()) +
                    " --bind 127.0.0.1 > " + dir + "/out.txt 2>&1";
  int status = std::system(cmd.c_str());
  EXPECT_EQ(WEXITSTATUS(status), 1) << cmd;
  std::string out = ReadFile(dir + "/out.txt");
  std::system(("rm -rf '" + dir + "'").c_str());
  return out;
}

TEST_F(AclTest, BadAclFileOrUserLineFailsTheStart) {
  std::string dir = MakeTempDir("stockd-aclcfg-");
  std::string acl = dir + "/users.acl";
  std::ofstream(acl) << "user a on nopass +@all\nuser b on frobnicate\n";
  std::string out = FailingStart("--aclfile " + acl);
  EXPECT_NE(out.find(acl + ":2: Syntax error"), std::string::npos) << out;
  out = FailingStart("--aclfile " + dir + "/missing.acl");
  EXPECT_NE(out.find("Error loading ACLs, opening file"), std::string::npos) << out;

  std::string conf = dir + "/bad.conf";
  std::ofstream(conf) << "user reader on >pw +nosuch\n";
  out = FailingStart(conf);
  EXPECT_NE(out.find("Error in user declaration 'reader': Unknown command or category name in ACL"),
            std::string::npos)
      << out;
  std::ofstream(conf) << "user reader on >pw +order.read\naclfile " << acl << "\n";
  out = FailingStart(conf);
  EXPECT_NE(out.find("define either an ACL file or declare users directly"), std::string::npos) << out;
  std::system(("rm -rf '" + dir + "'").c_str());
}

TEST_F(AclTest, UserLinesInTheConfigFile) {
  std::string dir = MakeTempDir("stockd-aclconf-");
  std::string conf = dir + "/stockd.conf";
  std::ofstream(conf) << "user reader on >pw +order.read\nuser default on nopass ~* &* +@all\n";
  dir_ = MakeTempDir("stockd-acl-");
  ASSERT_TRUE(server_.Start(StockdBinary(), {conf, "--dir", dir_, "--bind", "127.0.0.1"})) << server_.Log();
  auto r = As("reader", "pw");
  EXPECT_EQ(r->Do({"ORDER.READ", "0"}), "[]");
  EXPECT_EQ(r->Do({"SET", "k", "v"}), NoPermCmd("set"));
  std::system(("rm -rf '" + dir + "'").c_str());
}

}  // namespace
}  // namespace stockd::testing
