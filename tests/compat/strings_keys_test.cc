// Strings, keys, expiry and error texts: stockd must answer exactly as redis-server.
#include <random>
#include <thread>

#include "tests/compat/compat_util.h"

namespace stockd::testing {
namespace {

TEST_F(CompatTest, Strings) {
  SameAll({
      {"SET", "s", "hello"}, {"GET", "s"}, {"APPEND", "s", " world"}, {"STRLEN", "s"}, {"GETRANGE", "s", "0", "4"},
      {"GETRANGE", "s", "-5", "-1"}, {"GETRANGE", "s", "10", "2"}, {"SETRANGE", "s", "6", "there"}, {"GET", "s"},
      {"SETRANGE", "pad", "3", "x"}, {"GET", "pad"}, {"SETRANGE", "s", "-1", "x"},
      {"SET", "s", "v", "NX"}, {"SET", "s", "v2", "XX"}, {"SET", "nx", "v", "XX"}, {"SET", "s", "v3", "GET"},
      {"SET", "s", "v", "NX", "XX"}, {"SET", "s", "v", "EX", "0"}, {"SET", "s", "v", "EX", "abc"},
      {"SET", "s", "v", "PX", "-5"}, {"SET", "s", "v", "EX", "10", "PX", "100"}, {"SET", "s", "v", "KEEPTTL", "EX", "5"},
      {"SET", "s", "v", "BOGUS"}, {"SETNX", "s", "x"}, {"SETNX", "fresh", "x"}, {"GETSET", "fresh", "y"},
      {"GETDEL", "fresh"}, {"GETDEL", "fresh"}, {"MSET", "a", "1", "b", "2"}, {"MGET", "a", "b", "nope"},
      {"MSET", "a"}, {"MSETNX", "a", "9", "c", "3"}, {"MSETNX", "c", "3", "d", "4"}, {"MGET", "a", "c", "d"},
      {"SETEX", "e", "100", "v"}, {"TTL", "e"}, {"SETEX", "e", "0", "v"}, {"SETEX", "e", "x", "v"},
      {"PSETEX", "p", "100000", "v"}, {"GETEX", "p", "PERSIST"}, {"TTL", "p"}, {"GETEX", "p", "EX", "50"}, {"TTL", "p"},
      {"GETEX", "p", "EX", "50", "PX", "1"}, {"GETEX", "missing"},
  });
}

TEST_F(CompatTest, Lcs) {
  SameAll({{"MSET", "a", "ohmytext", "b", "mynewtext", "n", "12345", "m", "2345", "e", ""}, {"LPUSH", "l", "x"},
           {"LCS", "a", "b"}, {"LCS", "a", "b", "LEN"}, {"LCS", "a", "b", "IDX"}, {"LCS", "a", "b", "IDX", "WITHMATCHLEN"},
           {"LCS", "a", "b", "IDX", "MINMATCHLEN", "4"}, {"LCS", "a", "b", "IDX", "MINMATCHLEN", "-3", "WITHMATCHLEN"},
           {"LCS", "a", "b", "LEN", "IDX"}, {"LCS", "a", "b", "MINMATCHLEN"}, {"LCS", "a", "b", "MINMATCHLEN", "x"},
           {"LCS", "a", "b", "BOGUS"}, {"LCS", "a", "nosuch"}, {"LCS", "nosuch", "nosuch2", "IDX"}, {"LCS", "a", "l"},
           {"LCS", "l", "nosuch", "BOGUS"}, {"LCS", "n", "m", "IDX", "WITHMATCHLEN"}, {"LCS", "a", "a", "IDX"},
           {"LCS", "e", "a", "IDX"}, {"LCS", "a"}, {"LCS", "a", "b", "len"}});
  // Random strings over a small alphabet: many equal-length ties in the table.
  std::mt19937 rng(7);
  auto random_string = [&](size_t max) {
    std::string out(rng() % (max + 1), 'a');
    for (char& c : out) c = static_cast<char>('a' + rng() % 3);
    return out;
  };
  for (int round = 0; round < 60; ++round) {
    SameAll({{"MSET", "x", random_string(40), "y", random_string(40)}, {"LCS", "x", "y"},
             {"LCS", "x", "y", "IDX", "WITHMATCHLEN"}, {"LCS", "y", "x", "IDX", "MINMATCHLEN", "2"}});
  }
  // The table's size is bounded by proto-max-bulk-len as CONFIG SET leaves it,
  // on both; so are SETRANGE and APPEND.
  SameAll({{"CONFIG", "SET", "proto-max-bulk-len", "1mb"}, {"SET", "big1", std::string(600, 'q')},
           {"SET", "big2", std::string(600, 'r')}, {"LCS", "big1", "big2", "LEN"},
           {"SETRANGE", "big3", "1048576", "x"}, {"SETRANGE", "big3", "1048575", "x"}, {"STRLEN", "big3"},
           {"APPEND", "big3", "y"}});
}

TEST_F(CompatTest, Integers) {
  SameAll({
      {"INCR", "n"}, {"INCRBY", "n", "10"}, {"DECR", "n"}, {"DECRBY", "n", "5"}, {"GET", "n"}, {"APPEND", "n", "0"},
      {"GET", "n"}, {"INCR", "n"}, {"SET", "n", "abc"}, {"INCR", "n"}, {"INCRBY", "n", "x"},
      {"SET", "big", "9223372036854775807"}, {"INCR", "big"}, {"DECRBY", "big", "-1"},
      {"SET", "small", "-9223372036854775808"}, {"DECR", "small"}, {"INCRBY", "x", "9223372036854775808"},
      {"SET", "sp", " 1"}, {"INCR", "sp"}, {"SET", "lead0", "01"}, {"INCR", "lead0"}, {"STRLEN", "n"},
      {"SET", "f", "10.5"}, {"INCRBYFLOAT", "f", "0.1"}, {"INCRBYFLOAT", "f", "-5"}, {"INCRBYFLOAT", "f", "abc"},
      {"INCRBYFLOAT", "g", "3.0e3"}, {"INCRBYFLOAT", "g", "1.5"}, {"INCRBYFLOAT", "f", "inf"}, {"GET", "g"},
      {"INCR", "g"}, {"SET", "z", "0"}, {"DECRBY", "z", "1"}, {"GET", "z"},
  });
}

TEST_F(CompatTest, KeysAndTypes) {
  SameAll({
      {"SET", "k1", "v"}, {"SET", "k2", "v"}, {"EXISTS", "k1", "k2", "k3", "k1"}, {"TYPE", "k1"}, {"TYPE", "none"},
      {"DEL", "k1", "k3"}, {"UNLINK", "k2"}, {"EXISTS", "k1"}, {"SET", "r", "1"}, {"RENAME", "r", "r2"},
      {"GET", "r2"}, {"RENAME", "nokey", "x"}, {"SET", "r3", "x"}, {"RENAMENX", "r2", "r3"},
      {"RENAMENX", "r2", "r4"}, {"RENAME", "r4", "r4"}, {"COPY", "r4", "r5"}, {"COPY", "r4", "r5"},
      {"COPY", "r4", "r5", "REPLACE"}, {"GET", "r5"}, {"TOUCH", "r4", "r5", "zz"}, {"OBJECT", "ENCODING", "r4"},
      {"SET", "num", "123"}, {"OBJECT", "ENCODING", "num"}, {"SET", "long", std::string(50, 'x')},
      {"OBJECT", "ENCODING", "long"}, {"OBJECT", "ENCODING", "nokey"}, {"OBJECT", "REFCOUNT", "long"},
      {"OBJECT", "NOSUCH"}, {"DBSIZE"}, {"SELECT", "1"}, {"DBSIZE"}, {"SELECT", "99"}, {"SELECT", "x"},
      {"SELECT", "0"}, {"MOVE", "num", "1"}, {"EXISTS", "num"}, {"FLUSHDB"}, {"DBSIZE"},
  });
}

TEST_F(CompatTest, KeysPatternsSorted) {
  SameAll({{"MSET", "user:1", "a", "user:2", "b", "user:10", "c", "admin", "d", "u[x]", "e"}});
  auto sorted = [](std::unique_ptr<Client>& c, std::vector<std::string> argv) {
    Reply r = c->Command(argv);
    std::vector<std::string> v;
    for (size_t i = 0; r && i < r->elements; ++i) v.emplace_back(r->element[i]->str, r->element[i]->len);
    std::sort(v.begin(), v.end());
    return v;
  };
  for (std::string pat : {"*", "user:*", "user:?", "user:[12]*", "u\\[x\\]", "*[^r]", "nomatch*"})
    EXPECT_EQ(sorted(s_, {"KEYS", pat}), sorted(r_, {"KEYS", pat})) << pat;
}

TEST_F(CompatTest, Expiry) {
  SameAll({
      {"SET", "e", "v"}, {"TTL", "e"}, {"PTTL", "nokey"}, {"EXPIRE", "e", "100"}, {"TTL", "e"},
      {"EXPIRE", "e", "200", "NX"}, {"EXPIRE", "e", "200", "XX"}, {"TTL", "e"}, {"EXPIRE", "e", "100", "GT"},
      {"EXPIRE", "e", "100", "LT"}, {"TTL", "e"}, {"EXPIRE", "e", "100", "NX", "XX"}, {"EXPIRE", "e", "100", "GT", "LT"},
      {"EXPIRE", "e", "x"}, {"EXPIRE", "e", "100", "BAD"}, {"PERSIST", "e"}, {"PERSIST", "e"}, {"TTL", "e"},
      {"EXPIREAT", "e", "4102444800"}, {"EXPIRETIME", "e"}, {"PEXPIRETIME", "e"}, {"EXPIRETIME", "nokey"},
      {"PEXPIREAT", "e", "4102444800000"}, {"PEXPIRETIME", "e"}, {"EXPIRE", "e", "-1"}, {"EXISTS", "e"},
      {"SET", "e2", "v", "PX", "100000"}, {"PERSIST", "e2"}, {"EXPIRE", "e2", "9223372036854775807"},
      {"SET", "k", "v", "EX", "100"}, {"SET", "k", "v2", "KEEPTTL"}, {"TTL", "k"}, {"SET", "k", "v3"}, {"TTL", "k"},
  });
}

TEST_F(CompatTest, ExpiredKeysDisappear) {
  SameAll({{"SET", "short", "v", "PX", "50"}, {"SET", "long", "v", "EX", "100"}});
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  SameAll({{"GET", "short"}, {"EXISTS", "short"}, {"TTL", "short"}, {"DBSIZE"}});
}

TEST_F(CompatTest, WrongTypeAndArity) {
  // Lists exist in both once issue 9 lands; until then errors for arity and
  // unknown commands must match.
  SameAll({
      {"GET"}, {"SET", "x"}, {"MGET"}, {"INCRBY", "x"}, {"EXPIRE", "x"}, {"DEL"}, {"FOOBAR"},
      {"FOOBAR", "a", "b"}, {"object", "help", "x"}, {"PING", "a", "b"}, {"ECHO"},
  });
}

TEST_F(CompatTest, ConnectionCommands) {
  SameAll({{"PING"}, {"PING", "x"}, {"ECHO", "hi"}, {"SELECT", "2"}, {"RESET"}, {"CLIENT", "SETNAME", "a b"},
           {"CLIENT", "GETNAME"}, {"CLIENT", "BOGUS"}, {"HELLO", "4"}, {"HELLO", "x"}, {"AUTH", "pw"},
           {"CONFIG", "GET", "databases"}, {"CONFIG", "SET", "nosuch", "1"}, {"CONFIG", "SET", "databases", "1"},
           {"COMMAND", "GETKEYS", "mset", "a", "1", "b", "2"}});
}

// CLIENT LIST's argument forms: no argument, TYPE <type> alone, or ID <id>...
// (the cases whose reply does not name a live connection).
TEST_F(CompatTest, ClientListArguments) {
  for (std::vector<std::string> args :
       {std::vector<std::string>{"TYPE", "normal", "ID", "1"}, {"TYPE"}, {"ID"}, {"ID", "x"}, {"ID", "1", "x"},
        {"TYPE", "bogus"}, {"TYPE", "master"}, {"TYPE", "replica"}, {"TYPE", "slave"}, {"TYPE", "pubsub"},
        {"FOO"}, {"ID", "-1"}, {"ID", "0"}, {"ID", "999999"}, {"TYPE", "normal", "x"}}) {
    args.insert(args.begin(), {"CLIENT", "LIST"});
    Same(args);
  }
}

// Refused SHUTDOWN and BGSAVE forms: nothing shuts down, nothing is saved.
TEST_F(CompatTest, ShutdownAndBgsaveRefusals) {
  SameAll({{"SHUTDOWN", "NOSAVE", "SAVE"}, {"SHUTDOWN", "SAVE", "NOW", "NOSAVE"}, {"SHUTDOWN", "ABORT"},
           {"SHUTDOWN", "ABORT", "NOW"}, {"SHUTDOWN", "FORCE", "ABORT"}, {"SHUTDOWN", "BOGUS"},
           {"BGSAVE", "x"}, {"BGSAVE", "SCHEDULE", "x"}, {"PING"}});
}

// No replication: a master at offset 0 without replicas, on both.
TEST_F(CompatTest, Role) { SameAll({{"SET", "k", "v"}, {"ROLE"}, {"ROLE", "x"}}); }

}  // namespace
}  // namespace stockd::testing
