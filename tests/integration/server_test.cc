// The stockd binary end to end: hiredis and redis-cli against a real process.
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include "gtest/gtest.h"
#include "tests/util/server_process.h"
#include "tests/util/stockd_fixture.h"

namespace stockd::testing {
namespace {

class StockdTest : public StockdFixture {
 protected:
  std::string RedisCli(const std::string& args, const std::string& input = "") {
    std::string cmd = "redis-cli -p " + std::to_string(server_.port()) + " " + args;
    if (!input.empty()) {
      std::string in_path = dir_ + "/cli-input.txt";
      std::ofstream(in_path) << input;
      cmd += " < " + in_path;
    }
    return RunCapture(cmd + " 2>&1");
  }
};

TEST_F(StockdTest, PingEchoSetGet) {
  StartStockd();
  auto c = server_.Connect();
  ASSERT_TRUE(c->ok());
  EXPECT_EQ(c->Do({"PING"}), "\"PONG\"");
  EXPECT_EQ(c->Do({"PING", "hi"}), "\"hi\"");
  EXPECT_EQ(c->Do({"ECHO", "a b"}), "\"a b\"");
  EXPECT_EQ(c->Do({"SET", "stock:1", "100"}), "\"OK\"");
  EXPECT_EQ(c->Do({"DECRBY", "stock:1", "3"}), ":97");
  EXPECT_EQ(c->Do({"GET", "stock:1"}), "\"97\"");
  EXPECT_EQ(c->Do({"NOSUCH", "a"}), "(error) ERR unknown command 'NOSUCH', with args beginning with: 'a' ");
  EXPECT_EQ(c->Do({"GET"}), "(error) ERR wrong number of arguments for 'get' command");
}

TEST_F(StockdTest, PipelineOfTenThousand) {
  StartStockd();
  auto c = server_.Connect();
  for (int i = 0; i < 10000; ++i) c->Append({"INCR", "counter"});
  for (int i = 1; i <= 10000; ++i) {
    Reply r = c->Read();
    ASSERT_TRUE(r);
    ASSERT_EQ(r->type, REDIS_REPLY_INTEGER);
    ASSERT_EQ(r->integer, i);
  }
  EXPECT_EQ(c->Do({"GET", "counter"}), "\"10000\"");
}

TEST_F(StockdTest, ThousandConcurrentClients) {
  if (RaiseOpenFileLimit() < 1200) GTEST_SKIP() << "not enough file descriptors";
  StartStockd();
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < 1000; ++i) {
    clients.push_back(server_.Connect());
    ASSERT_TRUE(clients.back()->ok()) << i << " " << clients.back()->error();
  }
  // Every client sends before any reads: all 1000 are live at once.
  for (int i = 0; i < 1000; ++i) clients[i]->Append({"INCRBY", "total", std::to_string(i)});
  for (int i = 0; i < 1000; ++i) {
    Reply r = clients[i]->Read();
    ASSERT_TRUE(r) << i;
    ASSERT_EQ(r->type, REDIS_REPLY_INTEGER);
  }
  EXPECT_EQ(clients[0]->Do({"GET", "total"}), "\"499500\"");
  std::string info = clients[0]->Do({"INFO", "clients"});
  EXPECT_NE(info.find("connected_clients:1000"), std::string::npos) << info;
}

TEST_F(StockdTest, QuitClosesAfterOk) {
  StartStockd();
  auto c = server_.Connect();
  EXPECT_EQ(c->Do({"QUIT"}), "\"OK\"");
  EXPECT_EQ(c->Do({"PING"}).substr(0, 4), "(io)");
}

TEST_F(StockdTest, IdleTimeoutClosesClient) {
  StartStockd({"--timeout", "1"});
  auto c = server_.Connect();
  EXPECT_EQ(c->Do({"PING"}), "\"PONG\"");
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  EXPECT_EQ(c->Do({"PING"}).substr(0, 4), "(io)");
  auto d = server_.Connect();
  EXPECT_EQ(d->Do({"PING"}), "\"PONG\"");
}

TEST_F(StockdTest, MaxClients) {
  StartStockd({"--maxclients", "2"});
  // The start-up probe's connection may still be closing: wait until only ours is left.
  auto a = server_.Connect();
  for (int i = 0; i < 100 && a->Do({"INFO", "clients"}).find("connected_clients:1\r\n") == std::string::npos; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  auto b = server_.Connect();
  EXPECT_EQ(a->Do({"PING"}), "\"PONG\"");
  EXPECT_EQ(b->Do({"PING"}), "\"PONG\"");
  auto c = server_.Connect();
  EXPECT_EQ(c->Do({"PING"}), "(error) ERR max number of clients reached");
  EXPECT_NE(a->Do({"INFO", "stats"}).find("rejected_connections:1"), std::string::npos);
}

TEST_F(StockdTest, RequirePassAndAuth) {
  StartStockd({"--requirepass", "s3cret"});
  auto c = server_.Connect();
  EXPECT_EQ(c->Do({"GET", "x"}), "(error) NOAUTH Authentication required.");
  EXPECT_EQ(c->Do({"AUTH", "wrong"}), "(error) WRONGPASS invalid username-password pair or user is disabled.");
  EXPECT_EQ(c->Do({"AUTH", "default", "wrong"}),
            "(error) WRONGPASS invalid username-password pair or user is disabled.");
  EXPECT_EQ(c->Do({"AUTH", "s3cret"}), "\"OK\"");
  EXPECT_EQ(c->Do({"GET", "x"}), "(nil)");
  auto d = server_.Connect();
  EXPECT_EQ(d->Do({"HELLO", "2", "AUTH", "default", "s3cret"}).substr(0, 10), "[\"server\",");
  EXPECT_EQ(d->Do({"PING"}), "\"PONG\"");
}

TEST_F(StockdTest, AuthWithoutPasswordConfigured) {
  StartStockd();
  auto c = server_.Connect();
  EXPECT_EQ(c->Do({"AUTH", "x"}),
            "(error) ERR AUTH <password> called without any password configured for the default user. Are you "
            "sure your configuration is correct?");
}

TEST_F(StockdTest, ProtocolErrorClosesConnection) {
  StartStockd();
  auto c = server_.Connect();
  const char* bad = "*1\r\n$x\r\n";
  ASSERT_EQ(::write(c->raw()->fd, bad, std::strlen(bad)), static_cast<ssize_t>(std::strlen(bad)));
  Reply r = c->Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(Render(r.get()), "(error) ERR Protocol error: invalid bulk length");
  EXPECT_FALSE(c->Read());  // closed
  auto d = server_.Connect();
  EXPECT_EQ(d->Do({"PING"}), "\"PONG\"");  // everyone else is served
}

TEST_F(StockdTest, SigtermShutdownWithClientsConnectedExitsZero) {
  StartStockd();
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < 20; ++i) {
    clients.push_back(server_.Connect());
    EXPECT_EQ(clients.back()->Do({"SET", "k" + std::to_string(i), "v"}), "\"OK\"");
  }
  int status = server_.Stop(SIGTERM);
  ASSERT_TRUE(WIFEXITED(status)) << status << server_.Log();
  EXPECT_EQ(WEXITSTATUS(status), 0) << server_.Log();
}

TEST_F(StockdTest, ShutdownCommandExitsZero) {
  StartStockd();
  auto c = server_.Connect();
  EXPECT_EQ(c->Do({"SHUTDOWN", "ABORT"}), "(error) ERR No shutdown in progress.");
  c->Do({"SHUTDOWN", "NOSAVE"});
  int status = server_.Stop(0, std::chrono::seconds(10));  // signal 0: just wait for the exit
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST_F(StockdTest, RedisCliCommandsAndPipe) {
  StartStockd();
  EXPECT_EQ(RedisCli("SET greeting hello"), "OK\n");
  EXPECT_EQ(RedisCli("GET greeting"), "hello\n");
  // Interactive style: commands on stdin, one per line.
  EXPECT_EQ(RedisCli("", "INCR n\nINCR n\nGET n\n"), "1\n2\n2\n");
  std::string proto;
  for (int i = 0; i < 1000; ++i) {
    std::string k = "pk" + std::to_string(i);
    proto += "*3\r\n$3\r\nSET\r\n$" + std::to_string(k.size()) + "\r\n" + k + "\r\n$1\r\nv\r\n";
  }
  std::string out = RedisCli("--pipe", proto);
  EXPECT_NE(out.find("errors: 0, replies: 1000"), std::string::npos) << out;
  EXPECT_EQ(RedisCli("DBSIZE"), "1002\n");
}

TEST_F(StockdTest, BadConfigFailsWithExitCodeOne) {
  std::string dir = MakeTempDir("stockd-badcfg-");
  std::string path = dir + "/bad.conf";
  std::ofstream(path) << "port 7000\nnot-a-directive yes\n";
  std::string cmd = StockdBinary() + " " + path + " > " + dir + "/out.txt 2>&1";
  int status = std::system(cmd.c_str());
  EXPECT_EQ(WEXITSTATUS(status), 1);
  std::ifstream in(dir + "/out.txt");
  std::string out((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(out.find("line 2"), std::string::npos) << out;
  EXPECT_NE(out.find("not-a-directive"), std::string::npos) << out;
  std::system(("rm -rf " + dir).c_str());
}

// CONFIG REWRITE writes the file stockd was started with; a restart from
// it has the values CONFIG SET gave, and a file it cannot write is an error.
TEST_F(StockdTest, ConfigRewriteSurvivesARestart) {
  dir_ = MakeTempDir("stockd-rewrite-");
  const std::string conf_dir = dir_ + "/etc";
  std::filesystem::create_directory(conf_dir);
  const std::string path = conf_dir + "/stockd.conf";
  std::ofstream(path) << "# flash sale node\nmaxclients 500\n";
  ASSERT_TRUE(server_.Start(StockdBinary(), {path, "--dir", dir_, "--bind", "127.0.0.1"})) << server_.Log();
  auto c = server_.Connect();
  EXPECT_EQ(c->Do({"CONFIG", "SET", "maxclients", "123", "slowlog-log-slower-than", "5"}), "\"OK\"");
  EXPECT_EQ(c->Do({"CONFIG", "REWRITE"}), "\"OK\"");
  std::ifstream in(path);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text.rfind("# flash sale node\nmaxclients 123\n", 0), 0u) << text;
  EXPECT_NE(text.find("\nslowlog-log-slower-than 5\n"), std::string::npos) << text;
  ASSERT_EQ(server_.Stop(), 0);
  ASSERT_TRUE(server_.Start(StockdBinary(), {path, "--bind", "127.0.0.1"})) << server_.Log();
  c = server_.Connect();
  EXPECT_EQ(c->Do({"CONFIG", "GET", "maxclients"}), "[\"maxclients\", \"123\"]");
  EXPECT_EQ(c->Do({"CONFIG", "GET", "slowlog-log-slower-than"}), "[\"slowlog-log-slower-than\", \"5\"]");
  EXPECT_EQ(c->Do({"CONFIG", "GET", "dir"}), "[\"dir\", \"" + dir_ + "\"]");
  // Nothing is written where the directory has gone.
  std::filesystem::remove_all(conf_dir);
  const std::string failed = c->Do({"CONFIG", "REWRITE"});
  EXPECT_EQ(failed.rfind("(error) ERR Rewriting config file: ", 0), 0u) << failed;
  EXPECT_EQ(c->Do({"PING"}), "\"PONG\"");
}

TEST_F(StockdTest, ClientCommands) {
  StartStockd();
  auto a = server_.Connect();
  auto b = server_.Connect();
  EXPECT_EQ(a->Do({"CLIENT", "SETNAME", "buyer-a"}), "\"OK\"");
  EXPECT_EQ(a->Do({"CLIENT", "GETNAME"}), "\"buyer-a\"");
  EXPECT_EQ(a->Do({"CLIENT", "SETNAME", "has space"}),
            "(error) ERR Client names cannot contain spaces, newlines or special characters.");
  std::string list = a->Do({"CLIENT", "LIST"});
  EXPECT_NE(list.find("name=buyer-a"), std::string::npos) << list;
  Reply id = b->Command({"CLIENT", "ID"});
  ASSERT_EQ(id->type, REDIS_REPLY_INTEGER);
  EXPECT_EQ(a->Do({"CLIENT", "KILL", "ID", std::to_string(id->integer)}), ":1");
  EXPECT_EQ(b->Do({"PING"}).substr(0, 4), "(io)");
  EXPECT_EQ(a->Do({"CLIENT", "NOSUCH"}), "(error) ERR unknown subcommand 'NOSUCH'. Try CLIENT HELP.");
}

TEST_F(StockdTest, InfoAndConfig) {
  StartStockd();
  auto c = server_.Connect();
  std::string info = c->Do({"INFO"});
  for (const char* field : {"redis_version:7.0.", "used_memory:", "mem_allocator:", "blocked_clients:", "expired_keys:",
                            "total_error_replies:", "rejected_calls:", "used_cpu_user:", "master_repl_offset:",
                            "role:master", "# Keyspace"})
    EXPECT_NE(info.find(field), std::string::npos) << field;
  c->Do({"SET", "a", "1"});
  c->Do({"GET"});
  std::string all = c->Do({"INFO", "everything"});
  EXPECT_NE(all.find("cmdstat_set:calls=1"), std::string::npos) << all;
  EXPECT_NE(all.find("errorstat_ERR:count=1"), std::string::npos) << all;
  EXPECT_NE(all.find("db0:keys=1,expires=0"), std::string::npos) << all;
  EXPECT_EQ(c->Do({"CONFIG", "GET", "maxclients"}), "[\"maxclients\", \"10000\"]");
  EXPECT_EQ(c->Do({"CONFIG", "GET", "save"}), "[\"save\", \"3600 1 300 100 60 10000\"]");
  EXPECT_EQ(c->Do({"CONFIG", "GET", "appendonly"}), "[\"appendonly\", \"no\"]");
  EXPECT_EQ(c->Do({"CONFIG", "SET", "timeout", "100"}), "\"OK\"");
  EXPECT_EQ(c->Do({"CONFIG", "GET", "timeout"}), "[\"timeout\", \"100\"]");
  EXPECT_EQ(c->Do({"CONFIG", "SET", "hash-max-listpack-entries", "7"}), "\"OK\"");
  EXPECT_EQ(c->Do({"CONFIG", "GET", "hash-max-listpack-entries"}), "[\"hash-max-listpack-entries\", \"7\"]");
  EXPECT_EQ(c->Do({"CONFIG", "RESETSTAT"}), "\"OK\"");
  std::string after = c->Do({"INFO", "commandstats"});
  EXPECT_EQ(after.find("cmdstat_set:"), std::string::npos) << after;
}

// The value of `field` in an INFO reply's text, as a number (-1 when absent).
double InfoNumber(const std::string& info, const std::string& field) {
  const size_t at = info.find("\n" + field + ":");
  return at == std::string::npos ? -1 : std::atof(info.c_str() + at + field.size() + 2);
}

TEST_F(StockdTest, InstantaneousRatesFollowTheLoadAndReadWriteCounters) {
  StartStockd();
  auto load = server_.Connect();
  auto watch = server_.Connect();
  // About 1.2 s of pipelined PINGs (12 samples of the 16 the rate averages).
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(1200);
  int batches = 0;
  while (std::chrono::steady_clock::now() < until) {
    for (int i = 0; i < 100; ++i) load->Append({"PING"});
    for (int i = 0; i < 100; ++i) ASSERT_NE(load->Read(), nullptr);
    ++batches;
  }
  std::string info = watch->Do({"INFO", "stats"});
  EXPECT_GT(InfoNumber(info, "instantaneous_ops_per_sec"), 0) << info;
  EXPECT_GT(InfoNumber(info, "instantaneous_input_kbps"), 0) << info;
  EXPECT_GT(InfoNumber(info, "instantaneous_output_kbps"), 0) << info;
  // Each batch was at least one read and one write by the server.
  EXPECT_GE(InfoNumber(info, "total_reads_processed"), batches) << info;
  EXPECT_GE(InfoNumber(info, "total_writes_processed"), batches) << info;
  EXPECT_GE(InfoNumber(info, "total_commands_processed"), batches * 100) << info;
  // Idle for longer than the 16 samples: the rates fall back to 0.
  std::this_thread::sleep_for(std::chrono::milliseconds(2000));
  info = watch->Do({"INFO", "stats"});
  EXPECT_EQ(InfoNumber(info, "instantaneous_ops_per_sec"), 0) << info;
  EXPECT_EQ(InfoNumber(info, "instantaneous_input_kbps"), 0) << info;
  // RESETSTAT zeroes the totals, live connections' included.
  EXPECT_EQ(watch->Do({"CONFIG", "RESETSTAT"}), "\"OK\"");
  info = load->Do({"INFO", "stats"});
  EXPECT_LE(InfoNumber(info, "total_reads_processed"), 2) << info;
  EXPECT_LE(InfoNumber(info, "total_net_input_bytes"), 100) << info;
}

TEST_F(StockdTest, RecentMaxInputBufferSeesAHalfSentCommand) {
  StartStockd();
  auto slow = server_.Connect();
  auto watch = server_.Connect();
  // A SET whose 100,000-byte value is half sent: 50,000 bytes wait unparsed.
  const std::string head = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100000\r\n" + std::string(50000, 'x');
  ASSERT_EQ(write(slow->raw()->fd, head.data(), head.size()), static_cast<ssize_t>(head.size()));
  std::this_thread::sleep_for(std::chrono::milliseconds(400));  // a few 100 ms samples
  std::string info = watch->Do({"INFO", "clients"});
  EXPECT_GE(InfoNumber(info, "client_recent_max_input_buffer"), 50000) << info;
  EXPECT_GE(InfoNumber(info, "client_recent_max_output_buffer"), 0) << info;
}

// The CLIENT LIST line of client `id`.
std::string ClientLine(Client& asker, long long id) {
  const std::string list = asker.Do({"CLIENT", "LIST"});
  const size_t at = list.find("id=" + std::to_string(id) + " ");
  return at == std::string::npos ? "(no line for id " + std::to_string(id) + ")"
                                 : list.substr(at, list.find('\n', at) - at);
}

// Redis's flags x (in MULTI, with multi= the queued count), b (blocked) and e (NO-EVICT).
TEST_F(StockdTest, ClientListShowsMultiBlockedAndNoEvict) {
  StartStockd();
  auto tx = server_.Connect(), blocked = server_.Connect(), noevict = server_.Connect(), asker = server_.Connect();
  auto id_of = [](Client& c) { return c.Command({"CLIENT", "ID"})->integer; };
  const long long tx_id = id_of(*tx), blocked_id = id_of(*blocked), noevict_id = id_of(*noevict);
  EXPECT_NE(ClientLine(*asker, tx_id).find(" flags=N db=0 sub=0 psub=0 ssub=0 multi=-1 "), std::string::npos)
      << ClientLine(*asker, tx_id);
  tx->Do({"MULTI"});
  tx->Do({"SET", "a", "1"});
  tx->Do({"GET", "a"});
  EXPECT_NE(ClientLine(*asker, tx_id).find(" flags=x db=0 sub=0 psub=0 ssub=0 multi=2 "), std::string::npos)
      << ClientLine(*asker, tx_id);
  tx->Do({"EXEC"});
  EXPECT_NE(ClientLine(*asker, tx_id).find(" flags=N "), std::string::npos) << ClientLine(*asker, tx_id);
  blocked->Append({"BLPOP", "nothing", "0"});
  for (int done = 0; !done;) ASSERT_EQ(redisBufferWrite(blocked->raw(), &done), REDIS_OK);  // send, do not wait
  bool seen = false;  // the BLPOP reaches the server and parks
  for (int i = 0; i < 200 && !seen; ++i) {
    seen = ClientLine(*asker, blocked_id).find(" flags=b ") != std::string::npos;
    if (!seen) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_TRUE(seen) << ClientLine(*asker, blocked_id);
  asker->Do({"RPUSH", "nothing", "x"});
  ASSERT_NE(blocked->Read(), nullptr);
  EXPECT_NE(ClientLine(*asker, blocked_id).find(" flags=N "), std::string::npos) << ClientLine(*asker, blocked_id);
  EXPECT_EQ(noevict->Do({"CLIENT", "NO-EVICT", "on"}), "\"OK\"");
  EXPECT_NE(ClientLine(*asker, noevict_id).find(" flags=e "), std::string::npos) << ClientLine(*asker, noevict_id);
  EXPECT_EQ(noevict->Do({"CLIENT", "NO-EVICT", "off"}), "\"OK\"");
  EXPECT_NE(ClientLine(*asker, noevict_id).find(" flags=N "), std::string::npos) << ClientLine(*asker, noevict_id);
}

TEST_F(StockdTest, DebugSleepNeedsEnableDebugCommand) {
  StartStockd();
  auto c = server_.Connect();
  EXPECT_EQ(c->Do({"DEBUG", "SLEEP", "0"}).substr(0, 40), "(error) ERR DEBUG command not allowed. I");
}

}  // namespace
}  // namespace stockd::testing

namespace stockd::testing {
namespace {

TEST_F(StockdTest, PipelinedRepliesAreFlushedBeforeABlockingPopParks) {
  StartStockd();
  auto a = server_.Connect();
  auto b = server_.Connect();
  a->Append({"PING"});
  a->Append({"BLPOP", "queue", "0"});
  Reply pong = a->Read();  // must arrive while BLPOP is still parked
  ASSERT_TRUE(pong);
  EXPECT_EQ(Render(pong.get()), "\"PONG\"");
  EXPECT_EQ(b->Do({"RPUSH", "queue", "x"}), ":1");
  Reply popped = a->Read();
  EXPECT_EQ(Render(popped.get()), "[\"queue\", \"x\"]");
}

TEST_F(StockdTest, ClientUnblockEndsAWait) {
  StartStockd();
  auto a = server_.Connect();
  auto b = server_.Connect();
  Reply id = a->Command({"CLIENT", "ID"});
  ASSERT_EQ(id->type, REDIS_REPLY_INTEGER);
  std::string sid = std::to_string(id->integer);
  a->Append({"BLPOP", "nothing", "0"});
  ASSERT_EQ(redisBufferWrite(a->raw(), nullptr), REDIS_OK);
  std::string r;
  for (int i = 0; i < 200 && (r = b->Do({"CLIENT", "UNBLOCK", sid})) != ":1"; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(r, ":1");
  EXPECT_EQ(Render(a->Read().get()), "(nil)");
  EXPECT_EQ(b->Do({"CLIENT", "UNBLOCK", sid}), ":0");
  a->Append({"BLPOP", "nothing", "0"});
  ASSERT_EQ(redisBufferWrite(a->raw(), nullptr), REDIS_OK);
  for (int i = 0; i < 200 && (r = b->Do({"CLIENT", "UNBLOCK", sid, "ERROR"})) != ":1"; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(Render(a->Read().get()), "(error) UNBLOCKED client unblocked via CLIENT UNBLOCK");
  EXPECT_EQ(b->Do({"CLIENT", "UNBLOCK", sid, "MAYBE"}), "(error) ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
}

}  // namespace
}  // namespace stockd::testing
