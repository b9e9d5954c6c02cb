// Limits and overload (issue 10) against the real stockd binary, with the real
// redis-server as the oracle where Redis defines the behaviour:
//  * client-query-buffer-limit closes the client (log line, INFO counter);
//  * proto-max-bulk-len answers "invalid bulk length" and closes;
//  * client-output-buffer-limit normal: the hard limit closes a client whose
//    reply would exceed it, the soft limit one that does not read for
//    soft-seconds, while every other client is served; CONFIG GET/SET as Redis;
//  * maxmemory noeviction: denyoom commands get -OOM, reads, DEL and the
//    stock buys keep working, MULTI/EXEC as Redis's processCommand;
//  * timeout closes idle clients only; CLIENT LIST omem shows pending replies.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "tests/util/raw_socket.h"
#include "tests/util/server_process.h"
#include "tests/util/stockd_fixture.h"

namespace stockd::testing {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// A raw TCP client: the tests need to send partial frames and not to read.
class RawConn {
 public:
  explicit RawConn(int port) : fd_(DialLoopback(port)) {}
  ~RawConn() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool ok() const { return fd_ >= 0; }
  // Sends what the peer accepts within `timeout`; false once the peer is gone.
  bool Send(const std::string& data, milliseconds timeout = milliseconds(2000)) {
    size_t off = 0;
    auto deadline = Clock::now() + timeout;
    while (off < data.size()) {
      pollfd p{fd_, POLLOUT, 0};
      if (::poll(&p, 1, 50) <= 0) {
        if (Clock::now() > deadline) return false;
        continue;
      }
      ssize_t n = ::send(fd_, data.data() + off, data.size() - off, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n < 0) {
        if (errno == EAGAIN || errno == EINTR) continue;
        return false;
      }
      off += static_cast<size_t>(n);
    }
    return true;
  }
  // Reads until the peer closes (true) or `timeout` passes (false); *got holds the bytes.
  bool ReadUntilClosed(std::string* got, milliseconds timeout) {
    auto deadline = Clock::now() + timeout;
    char buf[65536];
    while (Clock::now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) return true;
      if (n > 0) got->append(buf, static_cast<size_t>(n));
    }
    return false;
  }
  // Shrinks the receive buffer so a non-reading client stalls the server early.
  void SmallReceiveBuffer() {
    int sz = 4096;
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
  }

 private:
  int fd_ = -1;
};

int64_t InfoField(Client& c, const std::string& section, const std::string& field) {
  Reply r = c.Command({"INFO", section});
  if (!r || r->type != REDIS_REPLY_STRING) return -1;
  std::string s(r->str, r->len);
  size_t at = s.find("\r\n" + field + ":");
  if (at == std::string::npos) return -1;
  return std::stoll(s.substr(at + field.size() + 3));
}

// Polls `pred` every 20 ms for up to `timeout`.
template <class Pred>
bool Eventually(Pred pred, milliseconds timeout = milliseconds(3000)) {
  auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(milliseconds(20));
  }
  return pred();
}

// The largest omem= of CLIENT LIST.
int64_t MaxOmem(Client& c) {
  Reply r = c.Command({"CLIENT", "LIST"});
  if (!r || r->type != REDIS_REPLY_STRING) return -1;
  std::string s(r->str, r->len);
  int64_t best = 0;
  for (size_t at = s.find(" omem="); at != std::string::npos; at = s.find(" omem=", at + 1))
    best = std::max<int64_t>(best, std::stoll(s.substr(at + 6)));
  return best;
}

class LimitsTest : public StockdFixture {
 protected:
  LimitsTest() : StockdFixture("stockd-limits-") {}
  // The oracle, or nullptr (the test then checks stockd alone).
  ServerProcess* StartRedis(std::vector<std::string> extra = {}) {
    if (RedisServerBinary().empty()) return nullptr;
    std::vector<std::string> args = {"--save", "", "--appendonly", "no", "--bind", "127.0.0.1"};
    args.insert(args.end(), extra.begin(), extra.end());
    if (!redis_.Start(RedisServerBinary(), args)) return nullptr;
    return &redis_;
  }
  void TearDown() override {
    redis_.Kill9();
    StockdFixture::TearDown();
  }
  ServerProcess redis_;
};

// A partial request larger than client-query-buffer-limit: closed, logged,
// counted; everyone else is served. redis-server closes it too.
TEST_F(LimitsTest, QueryBufferLimitClosesTheClient) {
  StartStockd({"--client-query-buffer-limit", "1mb"});
  ServerProcess* redis = StartRedis({"--client-query-buffer-limit", "1mb"});
  std::vector<ServerProcess*> servers = {&server_};
  if (redis) servers.push_back(redis);
  for (ServerProcess* s : servers) {
    SCOPED_TRACE(s == &server_ ? "stockd" : "redis-server");
    RawConn raw(s->port());
    ASSERT_TRUE(raw.ok());
    // A 3 MB bulk announced (under proto-max-bulk-len), 1.5 MB of it sent.
    (void)raw.Send("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3000000\r\n");
    (void)raw.Send(std::string(1536 * 1024, 'x'));
    std::string got;
    EXPECT_TRUE(raw.ReadUntilClosed(&got, milliseconds(3000)));
    auto c = s->Connect();
    EXPECT_EQ(c->Do({"PING"}), "\"PONG\"");
    EXPECT_EQ(c->Do({"EXISTS", "k"}), ":0");
  }
  auto c = server_.Connect();
  EXPECT_EQ(InfoField(*c, "stats", "client_query_buffer_limit_disconnections"), 1);
  EXPECT_NE(server_.Log().find("Closing client that reached max query buffer length"), std::string::npos);
}

// proto-max-bulk-len end to end: a longer bulk is a protocol error and the
// connection is closed (same bytes as redis-server); exactly the limit works.
TEST_F(LimitsTest, ProtoMaxBulkLenIsEnforced) {
  StartStockd({"--proto-max-bulk-len", "1mb"});
  ServerProcess* redis = StartRedis({"--proto-max-bulk-len", "1mb"});
  std::vector<ServerProcess*> servers = {&server_};
  if (redis) servers.push_back(redis);
  std::vector<std::string> answers;
  for (ServerProcess* s : servers) {
    SCOPED_TRACE(s == &server_ ? "stockd" : "redis-server");
    RawConn raw(s->port());
    ASSERT_TRUE(raw.ok());
    ASSERT_TRUE(raw.Send("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1048577\r\n"));
    std::string got;
    EXPECT_TRUE(raw.ReadUntilClosed(&got, milliseconds(3000)));
    EXPECT_EQ(got, "-ERR Protocol error: invalid bulk length\r\n");
    auto c = s->Connect();
    EXPECT_EQ(c->Do({"SET", "k", std::string(1 << 20, 'v')}), "\"OK\"");
    EXPECT_EQ(c->Do({"STRLEN", "k"}), ":1048576");
  }
}

// CONFIG GET/SET client-output-buffer-limit: defaults, partial updates, the
// classes and the error texts are redis-server's.
TEST_F(LimitsTest, OutputBufferLimitConfigAsRedis) {
  StartStockd();
  auto c = server_.Connect();
  ServerProcess* redis = StartRedis();
  std::unique_ptr<Client> r = redis ? redis->Connect() : nullptr;
  const std::vector<std::vector<std::string>> script = {
      {"CONFIG", "GET", "client-output-buffer-limit"},
      {"CONFIG", "SET", "client-output-buffer-limit", "normal 1mb 512kb 3"},
      {"CONFIG", "GET", "client-output-buffer-limit"},
      {"CONFIG", "SET", "client-output-buffer-limit", "replica 1 2 3 pubsub 4mb 2mb 9"},
      {"CONFIG", "GET", "client-output-buffer-limit"},
      {"CONFIG", "SET", "client-output-buffer-limit", "slave 5 6 7"},
      {"CONFIG", "GET", "client-output-buffer-limit"},
      {"CONFIG", "SET", "client-output-buffer-limit", "normal 1mb 2mb"},
      {"CONFIG", "SET", "client-output-buffer-limit", "foo 1mb 2mb 3"},
      {"CONFIG", "SET", "client-output-buffer-limit", "normal 1x 2 3"},
      {"CONFIG", "SET", "client-output-buffer-limit", "normal 1 2 -3"},
      {"CONFIG", "GET", "client-output-buffer-limit"},
  };
  const std::vector<std::string> expected = {
      "[\"client-output-buffer-limit\", \"normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60\"]",
      "\"OK\"",
      "[\"client-output-buffer-limit\", \"normal 1048576 524288 3 slave 268435456 67108864 60 pubsub 33554432 8388608 60\"]",
      "\"OK\"",
      "[\"client-output-buffer-limit\", \"normal 1048576 524288 3 slave 1 2 3 pubsub 4194304 2097152 9\"]",
      "\"OK\"",
      "[\"client-output-buffer-limit\", \"normal 1048576 524288 3 slave 5 6 7 pubsub 4194304 2097152 9\"]",
      "(error) ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - Wrong number of "
      "arguments in buffer limit configuration.",
      "(error) ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - Invalid client "
      "class specified in buffer limit configuration.",
      "(error) ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - Error in hard, "
      "soft or soft_seconds setting in buffer limit configuration.",
      "(error) ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - Error in hard, "
      "soft or soft_seconds setting in buffer limit configuration.",
      "[\"client-output-buffer-limit\", \"normal 1048576 524288 3 slave 5 6 7 pubsub 4194304 2097152 9\"]",
  };
  for (size_t i = 0; i < script.size(); ++i) {
    SCOPED_TRACE(script[i].back());
    EXPECT_EQ(c->Do(script[i]), expected[i]);
    if (r) EXPECT_EQ(r->Do(script[i]), expected[i]);
  }
}

// The hard limit: a reply that would leave more than `hard` pending closes the
// client without it (as redis-server); small replies and other clients go on.
TEST_F(LimitsTest, OutputBufferHardLimitClosesTheClient) {
  StartStockd({"--client-output-buffer-limit", "normal 1mb 0 0"});
  ServerProcess* redis = StartRedis({"--client-output-buffer-limit", "normal 1mb 0 0"});
  std::vector<ServerProcess*> servers = {&server_};
  if (redis) servers.push_back(redis);
  for (ServerProcess* s : servers) {
    SCOPED_TRACE(s == &server_ ? "stockd" : "redis-server");
    auto admin = s->Connect();
    ASSERT_EQ(admin->Do({"SET", "big", std::string(2 << 20, 'b')}), "\"OK\"");
    ASSERT_EQ(admin->Do({"SET", "small", "s"}), "\"OK\"");
    auto victim = s->Connect();
    EXPECT_EQ(victim->Do({"GET", "small"}), "\"s\"");
    EXPECT_EQ(victim->Do({"GET", "big"}).substr(0, 4), "(io)");
    EXPECT_EQ(admin->Do({"GET", "small"}), "\"s\"");
  }
  auto admin = server_.Connect();
  EXPECT_EQ(InfoField(*admin, "stats", "client_output_buffer_limit_disconnections"), 1);
  EXPECT_NE(server_.Log().find("overcoming of output buffer limits"), std::string::npos);
}

// The soft limit: a client that sends a pipeline and never reads holds more
// than `soft` pending; after soft-seconds it is closed. Meanwhile it blocks
// nobody: another client's PINGs are answered at once throughout.
TEST_F(LimitsTest, OutputBufferSoftLimitClosesAStalledReader) {
  StartStockd({"--client-output-buffer-limit", "normal 0 32kb 2"});
  auto admin = server_.Connect();
  ASSERT_EQ(admin->Do({"SET", "v", std::string(100 * 1024, 'v')}), "\"OK\"");
  RawConn stalled(server_.port());
  ASSERT_TRUE(stalled.ok());
  stalled.SmallReceiveBuffer();
  std::string pipeline;
  for (int i = 0; i < 300; ++i) pipeline += "*2\r\n$3\r\nGET\r\n$1\r\nv\r\n";
  (void)stalled.Send(pipeline, milliseconds(500));  // 30 MB of replies, never read
  const auto start = Clock::now();
  milliseconds worst{0};
  int64_t max_omem = 0;
  bool closed = false;
  while (!closed && Clock::now() - start < milliseconds(8000)) {
    auto t0 = Clock::now();
    ASSERT_EQ(admin->Do({"PING"}), "\"PONG\"");
    worst = std::max(worst, std::chrono::duration_cast<milliseconds>(Clock::now() - t0));
    closed = InfoField(*admin, "stats", "client_output_buffer_limit_disconnections") == 1;
    max_omem = std::max(max_omem, MaxOmem(*admin));
    std::this_thread::sleep_for(milliseconds(20));
  }
  const auto took = std::chrono::duration_cast<milliseconds>(Clock::now() - start);
  EXPECT_TRUE(closed);
  EXPECT_GE(took.count(), 1800) << "closed before soft-seconds passed";
  EXPECT_LT(worst.count(), 1000) << "a stalled reader delayed another client";
  EXPECT_TRUE(Eventually([&] { return InfoField(*admin, "clients", "connected_clients") == 1; }));
  EXPECT_NE(server_.Log().find("soft limit"), std::string::npos);
  EXPECT_GT(max_omem, 32 * 1024) << "CLIENT LIST omem shows the replies waiting for the stalled reader";
}

// timeout: an idle client is closed after `timeout` seconds; one that keeps
// talking is not (redis-server alike).
TEST_F(LimitsTest, IdleTimeoutClosesIdleClients) {
  StartStockd({"--timeout", "1"});
  ServerProcess* redis = StartRedis({"--timeout", "1"});
  std::vector<ServerProcess*> servers = {&server_};
  if (redis) servers.push_back(redis);
  std::vector<std::unique_ptr<Client>> idle, busy;
  for (ServerProcess* s : servers) {
    idle.push_back(s->Connect());
    busy.push_back(s->Connect());
    ASSERT_EQ(idle.back()->Do({"PING"}), "\"PONG\"");
  }
  for (int i = 0; i < 12; ++i) {  // 2.4 s: over the timeout plus Redis's cron granularity
    for (auto& b : busy) ASSERT_EQ(b->Do({"PING"}), "\"PONG\"");
    std::this_thread::sleep_for(milliseconds(200));
  }
  for (size_t i = 0; i < servers.size(); ++i) {
    SCOPED_TRACE(servers[i] == &server_ ? "stockd" : "redis-server");
    EXPECT_EQ(idle[i]->Do({"PING"}).substr(0, 4), "(io)");
    EXPECT_EQ(busy[i]->Do({"PING"}), "\"PONG\"");
  }
}

// maxmemory noeviction: which commands run over the limit, compared command by
// command with redis-server; then the stock commands (stockd only).
TEST_F(LimitsTest, MaxmemoryNoevictionRefusesDenyoomCommands) {
  StartStockd();
  ServerProcess* redis = StartRedis();
  std::vector<ServerProcess*> servers = {&server_};
  if (redis) servers.push_back(redis);
  const std::vector<std::vector<std::string>> script = {
      {"SET", "k", "1"},
      {"GET", "k"},
      {"INCR", "k"},
      {"APPEND", "k", "x"},
      {"LPUSH", "l", "a"},
      {"HSET", "h", "f", "v"},
      {"EXPIRE", "k", "100"},
      {"PERSIST", "k"},
      {"EXISTS", "k"},
      {"DEL", "k"},
      {"SET", "k2", "2"},
      {"MULTI"},
      {"GET", "k2"},
      {"EXEC"},
      {"MULTI"},
      {"DISCARD"},
      {"PING"},
  };
  const std::vector<std::string> expected = {
      "(error) OOM command not allowed when used memory > 'maxmemory'.",
      "\"1\"",
      "(error) OOM command not allowed when used memory > 'maxmemory'.",
      "(error) OOM command not allowed when used memory > 'maxmemory'.",
      "(error) OOM command not allowed when used memory > 'maxmemory'.",
      "(error) OOM command not allowed when used memory > 'maxmemory'.",
      ":1",
      ":1",
      ":1",
      ":1",
      "(error) OOM command not allowed when used memory > 'maxmemory'.",
      "\"OK\"",
      "(error) OOM command not allowed when used memory > 'maxmemory'.",
      "(error) EXECABORT Transaction discarded because of previous errors.",
      "\"OK\"",
      "\"OK\"",
      "\"PONG\"",
  };
  for (ServerProcess* s : servers) {
    SCOPED_TRACE(s == &server_ ? "stockd" : "redis-server");
    auto c = s->Connect();
    ASSERT_EQ(c->Do({"SET", "k", "1"}), "\"OK\"");
    ASSERT_EQ(c->Do({"CONFIG", "SET", "maxmemory", "1"}), "\"OK\"");
    for (size_t i = 0; i < script.size(); ++i) {
      SCOPED_TRACE(script[i][0]);
      EXPECT_EQ(c->Do(script[i]), expected[i]);
    }
    ASSERT_EQ(c->Do({"CONFIG", "SET", "maxmemory", "0"}), "\"OK\"");
    EXPECT_EQ(c->Do({"SET", "k", "1"}), "\"OK\"");
  }
  auto c = server_.Connect();
  EXPECT_EQ(c->Do({"CONFIG", "SET", "maxmemory-policy", "allkeys-lru"}),
            "(error) ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - argument(s) must be "
            "one of the following: noeviction");
  // The flash sale goes on over the limit: buys (and cancels) run, reads too;
  // new SKUs (STOCK.SET) and plain DECRBY (denyoom in Redis) are refused.
  ASSERT_EQ(c->Do({"STOCK.SET", "sku", "10"}), "\"OK\"");
  ASSERT_EQ(c->Do({"CONFIG", "SET", "maxmemory", "1"}), "\"OK\"");
  EXPECT_EQ(c->Do({"STOCK.BUY", "sku", "alice"}).substr(0, 1), "[");
  EXPECT_EQ(c->Do({"STOCK.GET", "sku"}), ":9");
  EXPECT_EQ(c->Do({"STOCK.SET", "sku2", "10"}), "(error) OOM command not allowed when used memory > 'maxmemory'.");
  EXPECT_EQ(c->Do({"DECRBY", "sku", "1"}), "(error) OOM command not allowed when used memory > 'maxmemory'.");
  EXPECT_EQ(c->Do({"EVAL", "return redis.call('set', KEYS[1], '1')", "1", "x"}).substr(0, 12), "(error) OOM ");
  EXPECT_EQ(InfoField(*c, "memory", "maxmemory"), 1);
  EXPECT_GT(InfoField(*c, "memory", "used_memory"), 1);
  // The limit is sampled every 100 ms: a limit far above use lets writes run.
  ASSERT_EQ(c->Do({"CONFIG", "SET", "maxmemory", "64gb"}), "\"OK\"");
  EXPECT_EQ(c->Do({"SET", "k", "1"}), "\"OK\"");
  EXPECT_EQ(c->Do({"STOCK.SET", "sku2", "10"}), "\"OK\"");
}

}  // namespace
}  // namespace stockd::testing
