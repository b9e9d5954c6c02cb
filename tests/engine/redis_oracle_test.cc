// tests/engine/redis_oracle_test.cc — the real redis-server is the oracle: the
// same command scripts run against a fresh redis-server and a fresh Engine,
// and every reply must render identically (errors included, byte for byte).
// Skipped when redis-server is not installed.
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <memory>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "tests/util/server_process.h"

namespace stockd::engine {
namespace {

using Script = std::vector<std::vector<std::string>>;

// Renders RESP bytes produced by the engine with the same renderer as redis replies.
std::string RenderBytes(const std::string& bytes) {
  redisReader* reader = redisReaderCreate();
  redisReaderFeed(reader, bytes.data(), bytes.size());
  void* reply = nullptr;
  std::string out = "(undecodable)";
  if (redisReaderGetReply(reader, &reply) == REDIS_OK && reply != nullptr) {
    out = stockd::testing::Render(static_cast<redisReply*>(reply));
    freeReplyObject(reply);
  }
  redisReaderFree(reader);
  return out;
}

class RedisOracleTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (stockd::testing::RedisServerBinary().empty()) return;
    server_ = new stockd::testing::ServerProcess();
    if (!server_->Start(stockd::testing::RedisServerBinary(),
                        {"--save", "", "--appendonly", "no"})) {
      delete server_;
      server_ = nullptr;
    }
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override {
    if (server_ == nullptr) GTEST_SKIP() << "redis-server not available";
    client_ = server_->Connect();
    ASSERT_TRUE(client_ && client_->ok());
    client_->Do({"FLUSHALL"});
  }

  void Compare(const Script& script) {
    Engine engine;
    Session session;
    for (const auto& argv : script) {
      std::string want = client_->Do(argv);
      std::string got = RenderBytes(engine.Execute(session, argv));
      std::string cmd;
      for (const auto& a : argv) cmd += a.substr(0, 40) + " ";
      EXPECT_EQ(got, want) << "command: " << cmd;
    }
  }

  static stockd::testing::ServerProcess* server_;
  std::unique_ptr<stockd::testing::Client> client_;
};

stockd::testing::ServerProcess* RedisOracleTest::server_ = nullptr;

TEST_F(RedisOracleTest, Strings) {
  Compare({
      {"SET", "k", "v"}, {"GET", "k"}, {"SET", "k", "v", "NX"}, {"SET", "k", "w", "XX", "GET"},
      {"SET", "k", "v", "NX", "XX"}, {"SET", "k", "v", "EX", "0"}, {"SET", "k", "v", "EX", "x"},
      {"SET", "k", "v", "PX", "9223372036854775807"}, {"SET", "k", "v", "KEEPTTL", "PX", "5"},
      {"SET", "k", "v", "EX", "100", "GET"}, {"TTL", "k"}, {"SET", "k", "v2", "KEEPTTL"}, {"TTL", "k"},
      {"SET", "k"}, {"SETNX", "k", "x"}, {"SETNX", "n", "x"}, {"SETEX", "k", "-1", "v"},
      {"SETEX", "k", "10", "v"}, {"PSETEX", "k", "0", "v"}, {"GETSET", "k", "g"},
      {"GETDEL", "k"}, {"GETDEL", "k"}, {"GETEX", "nope"}, {"SET", "e", "1"},
      {"GETEX", "e", "PERSIST"}, {"GETEX", "e", "EX", "10", "PX", "10"}, {"GETEX", "e", "EX", "50"},
      {"TTL", "e"}, {"GETEX", "e", "PERSIST"}, {"TTL", "e"}, {"GETEX", "e", "FOO"},
      {"MSET", "a", "1", "b"}, {"MSET", "a", "1", "b", "2"}, {"MGET", "a", "b", "nope"},
      {"MSETNX", "a", "1", "c", "2"}, {"MSETNX", "c", "1", "d", "2"}, {"MGET", "c", "d"},
      {"APPEND", "a", "xyz"}, {"APPEND", "new", "123"}, {"OBJECT", "ENCODING", "new"},
      {"OBJECT", "ENCODING", "a"}, {"STRLEN", "a"}, {"STRLEN", "nope"},
      {"SET", "s", "Hello World"}, {"GETRANGE", "s", "0", "4"}, {"GETRANGE", "s", "-5", "-1"},
      {"GETRANGE", "s", "5", "1"}, {"GETRANGE", "s", "-1", "-3"}, {"GETRANGE", "s", "0", "1000"},
      {"GETRANGE", "s", "x", "1"}, {"SUBSTR", "s", "1", "3"}, {"SETRANGE", "s", "6", "Redis"},
      {"GET", "s"}, {"SETRANGE", "s", "20", "!"}, {"GET", "s"}, {"SETRANGE", "s", "-1", "x"},
      {"SETRANGE", "z", "0", ""}, {"EXISTS", "z"}, {"SETRANGE", "big", "536870912", "x"},
      {"INCR", "i"}, {"INCRBY", "i", "41"}, {"DECR", "i"}, {"DECRBY", "i", "-5"},
      {"INCRBY", "i", "1.5"}, {"INCR", "s"}, {"SET", "m", "9223372036854775807"}, {"INCR", "m"},
      {"DECRBY", "m", "-9223372036854775808"}, {"SET", "m", "-9223372036854775808"}, {"DECR", "m"},
      {"SET", "f", "10.50"}, {"INCRBYFLOAT", "f", "0.1"}, {"INCRBYFLOAT", "f", "-5.0e2"},
      {"INCRBYFLOAT", "f", "abc"}, {"INCRBYFLOAT", "f", "inf"}, {"INCRBYFLOAT", "nf", "3"},
      {"OBJECT", "ENCODING", "nf"}, {"INCRBYFLOAT", "nf", "1e400"}, {"INCRBYFLOAT", "s", "1"},
      {"SET", "n0", "007"}, {"OBJECT", "ENCODING", "n0"}, {"INCR", "n0"}, {"SET", "i2", "-123"},
      {"OBJECT", "ENCODING", "i2"}, {"OBJECT", "REFCOUNT", "i2"}, {"SET", "i3", "42"},
      {"OBJECT", "REFCOUNT", "i3"}, {"OBJECT", "FREQ", "i3"}, {"OBJECT", "NOPE", "i3"},
      {"OBJECT", "ENCODING"}, {"OBJECT"}, {"OBJECT", "HELP"}, {"GET"}, {"MGET"},
      {"NOSUCHCMD", "a", "b"}, {"set", "CaseKey", "v"}, {"GeT", "CaseKey"},
  });
}

TEST_F(RedisOracleTest, Keys) {
  Compare({
      {"MSET", "a", "1", "b", "2", "c", "3", "hello", "x", "hallo", "y", "a*b", "z"},
      {"EXISTS", "a", "a", "nope"}, {"TOUCH", "a", "nope"}, {"TYPE", "a"}, {"TYPE", "nope"},
      {"DEL", "nope"}, {"DEL", "c", "c"}, {"UNLINK", "b", "x"}, {"KEYS", "he?lo"},
      {"KEYS", "a\\*b"}, {"KEYS", "nomatch"}, {"KEYS", "[ab]"},
      {"RENAME", "nope", "x"}, {"RENAME", "a", "a"}, {"RENAMENX", "a", "a"}, {"RENAME", "a", "d"},
      {"GET", "d"}, {"RENAMENX", "d", "hello"}, {"RENAMENX", "d", "e"}, {"COPY", "e", "e"},
      {"COPY", "e", "f"}, {"COPY", "e", "f"}, {"COPY", "e", "f", "REPLACE"},
      {"COPY", "e", "f", "DB", "99"}, {"COPY", "e", "f", "DB"}, {"COPY", "e", "f", "DB", "1"},
      {"COPY", "e", "f", "DB", "x"}, {"COPY", "e", "f", "BOGUS"}, {"COPY", "nope", "f"},
      {"MOVE", "e", "0"}, {"MOVE", "e", "99"}, {"MOVE", "e", "x"}, {"MOVE", "e", "2"},
      {"MOVE", "e", "2"}, {"MOVE", "nope", "2"}, {"SELECT", "2"}, {"GET", "e"}, {"SELECT", "0"},
      {"EXPIRE", "nope", "10"}, {"SET", "t", "v"}, {"TTL", "t"}, {"PTTL", "t"}, {"TTL", "nope"},
      {"EXPIRETIME", "t"}, {"PEXPIRETIME", "nope"}, {"EXPIRE", "t", "100", "XX"},
      {"EXPIRE", "t", "100", "GT"}, {"EXPIRE", "t", "100", "NX"}, {"EXPIRE", "t", "200", "NX"},
      {"EXPIRE", "t", "50", "GT"}, {"EXPIRE", "t", "500", "GT"}, {"EXPIRE", "t", "600", "LT"},
      {"EXPIRE", "t", "300", "LT"}, {"TTL", "t"}, {"EXPIRE", "t", "1", "NX", "XX"},
      {"EXPIRE", "t", "1", "GT", "LT"}, {"EXPIRE", "t", "1", "bogus"}, {"EXPIRE", "t", "1.5"},
      {"EXPIRE", "t", "9223372036854775807"}, {"PEXPIRE", "t", "9223372036854775807"},
      {"EXPIREAT", "t", "9223372036854775807"}, {"PERSIST", "t"}, {"PERSIST", "t"},
      {"TTL", "t"}, {"EXPIRE", "t", "-1"}, {"EXISTS", "t"}, {"SET", "t", "v"},
      {"EXPIREAT", "t", "1"}, {"EXISTS", "t"}, {"SET", "t", "v"}, {"PEXPIREAT", "t", "0"},
      {"EXISTS", "t"}, {"SCAN", "abc"}, {"SCAN", " 1"}, {"SCAN", "+0", "MATCH", "f", "COUNT", "1000"}, {"SCAN", "0", "COUNT", "0"},
      {"SCAN", "0", "COUNT", "x"}, {"SCAN", "0", "MATCH"}, {"SCAN", "0", "BOGUS", "1"},
      {"SCAN", "18446744073709551616"},  // (ULONG_MAX scans Redis's last bucket: seed-dependent)
      {"DBSIZE"}, {"RANDOMKEY", "x"}, {"OBJECT", "IDLETIME", "nope"},
  });
}

TEST_F(RedisOracleTest, Databases) {
  Compare({
      {"SELECT", "16"}, {"SELECT", "-1"}, {"SELECT", "x"}, {"SELECT", "1.5"}, {"SELECT", "3"},
      {"SET", "k", "v"}, {"DBSIZE"}, {"SWAPDB", "3", "4"}, {"DBSIZE"}, {"SELECT", "4"},
      {"GET", "k"}, {"SWAPDB", "x", "1"}, {"SWAPDB", "1", "x"}, {"SWAPDB", "1", "99"},
      {"SWAPDB", "1", "1"}, {"FLUSHDB", "bogus"}, {"FLUSHDB", "ASYNC", "SYNC"},
      {"FLUSHDB", "SYNC"}, {"DBSIZE"}, {"FLUSHALL", "bogus"}, {"FLUSHALL"}, {"DBSIZE"},
      {"MEMORY", "USAGE", "nope"}, {"MEMORY", "USAGE"}, {"MEMORY", "BOGUS"},
      {"MEMORY", "USAGE", "k", "SAMPLES", "-1"}, {"MEMORY", "USAGE", "k", "BOGUS"},
      {"RANDOMKEY"},
  });
}

}  // namespace
}  // namespace stockd::engine
