// tests/compat/hyperloglog_compat_test.cc — PFADD PFCOUNT PFMERGE PFDEBUG
// PFSELFTEST against redis-server 7.0: the edge cases and errors by hand, then
// seeded random sequences over a few keys (crossing into dense, with
// hll-sparse-max-bytes changed on the way) whose values are compared byte for
// byte with GET after every write, then corrupted sparse HLLs (SETRANGE) run
// through every command.
#include <csignal>
#include <random>
#include <string>
#include <vector>

#include "tests/compat/compat_util.h"

namespace stockd::testing {
namespace {

using HyperLogLogCompat = CompatTest;

TEST_F(HyperLogLogCompat, RepliesAndBytes) {
  SameAll({{"PFADD", "e"},
           {"GET", "e"},
           {"PFADD", "e"},
           {"PFCOUNT", "e"},
           {"GET", "e"},
           {"PFADD", "h", "a", "b", "c"},
           {"GET", "h"},
           {"PFADD", "h", "a"},
           {"PFCOUNT", "h"},
           {"GET", "h"},
           {"OBJECT", "ENCODING", "h"},
           {"PFDEBUG", "DECODE", "h"},
           {"PFDEBUG", "ENCODING", "h"},
           {"PFDEBUG", "GETREG", "h"},  // converts to dense
           {"GET", "h"},
           {"PFDEBUG", "ENCODING", "h"},
           {"PFDEBUG", "DECODE", "h"},
           {"PFDEBUG", "TODENSE", "h"},
           {"PFADD", "h", "d", "e"},
           {"GET", "h"},
           {"PFCOUNT", "h"},
           {"GET", "h"},
           {"PFMERGE", "x"},
           {"GET", "x"},
           {"PFADD", "a", "1", "2", "3"},
           {"PFADD", "b", "3", "4", "5", "6"},
           {"PFCOUNT", "a", "b"},
           {"PFCOUNT", "a", "b", "nokey"},
           {"PFCOUNT", "nokey", "nokey2"},
           {"GET", "a"},
           {"PFMERGE", "m", "a", "b"},
           {"GET", "m"},
           {"PFMERGE", "a", "b"},
           {"GET", "a"},
           {"PFMERGE", "m2", "a", "h"},  // h is dense: so is m2
           {"PFDEBUG", "ENCODING", "m2"},
           {"GET", "m2"},
           {"PFCOUNT", "m2"},
           {"SET", "copy", ""},
           {"DEL", "copy"},
           {"PFMERGE", "m3", "a", "b", "m2", "nokey"},
           {"GET", "m3"},
           {"PFDEBUG", "TODENSE", "m"},
           {"PFDEBUG", "TODENSE", "m"},
           {"GET", "m"},
           {"SET", "t", "x"},
           {"DEL", "t"},
           {"PFADD", "t", "x"},
           {"EXPIRE", "t", "100"},
           {"PFADD", "t", "y"},
           {"PFMERGE", "t", "a"},
           {"TTL", "t"},
           {"PFADD", "bin", std::string("\x00\xff\r\n", 4), ""},
           {"GET", "bin"}});
}

TEST_F(HyperLogLogCompat, Errors) {
  SameAll({{"SET", "s", "hello"},
           {"PFADD", "s", "a"},
           {"PFCOUNT", "s"},
           {"PFCOUNT", "s", "nokey"},
           {"PFMERGE", "d", "s"},
           {"PFMERGE", "s"},
           {"EXISTS", "d"},
           {"PFDEBUG", "ENCODING", "s"},
           {"SET", "i", "12345"},
           {"PFADD", "i", "a"},
           {"PFCOUNT", "i"},
           {"SET", "long", std::string(40, 'H')},
           {"PFADD", "long", "a"},
           {"SET", "fake", std::string("HYLL\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x7f\xff", 18)},
           {"PFADD", "fake", "a"},
           {"SET", "fakedense", std::string("HYLL\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x7f\xff", 18)},
           {"PFCOUNT", "fakedense"},
           {"LPUSH", "l", "x"},
           {"PFADD", "l", "a"},
           {"PFCOUNT", "l"},
           {"PFCOUNT", "nokey", "l"},
           {"PFMERGE", "l", "nokey"},
           {"PFMERGE", "d", "l"},
           {"PFDEBUG", "GETREG", "l"},
           {"PFADD"},
           {"PFCOUNT"},
           {"PFMERGE"},
           {"PFDEBUG", "GETREG"},
           {"PFDEBUG", "GETREG", "a", "b"},
           {"PFSELFTEST", "x"},
           {"PFDEBUG", "GETREG", "nokey"},
           {"PFDEBUG", "nosuch", "nokey"},
           {"PFADD", "h", "a"},
           {"PFDEBUG", "nosuch", "h"},
           {"PFDEBUG", "decode", "h"},
           {"PFSELFTEST"}});
}

// A sparse HLL made corrupt with SETRANGE: counts and merges refuse it
// (INVALIDOBJ), PFADD changes registers until it meets the damage, exactly
// as Redis leaves them.
TEST_F(HyperLogLogCompat, CorruptedSparse) {
  SameAll({{"PFADD", "h", "a", "b", "c"},
           {"SETRANGE", "h", "16", std::string("\x40\x00", 2)},  // first XZERO covers 1 register, not 8436
           {"PFCOUNT", "h"},
           {"PFCOUNT", "h", "nokey"},
           {"PFMERGE", "d", "h"},
           {"EXISTS", "d"},
           {"PFDEBUG", "DECODE", "h"},
           {"PFDEBUG", "TODENSE", "h"},
           {"PFDEBUG", "GETREG", "h"}});
  for (int i = 0; i < 40; ++i) {
    Same({"PFADD", "h", "el" + std::to_string(i), "x" + std::to_string(i)});
    Same({"GET", "h"});
  }
  // A truncated last XZERO (its second byte missing), too many registers, a VAL run past the end.
  SameAll({{"PFADD", "t", "a"}, {"APPEND", "t", "\x40"}, {"PFADD", "t", "b", "c", "d"}, {"GET", "t"},
           {"PFCOUNT", "t"},    {"PFADD", "u", "a"},     {"APPEND", "u", "\x83"},      {"PFCOUNT", "u"},
           {"PFADD", "u", "zz"}, {"GET", "u"},           {"PFMERGE", "u2", "u"},        {"EXISTS", "u2"},
           {"PFDEBUG", "TODENSE", "u"}, {"PFDEBUG", "DECODE", "t"}, {"PFDEBUG", "TODENSE", "t"}});

  // Random damage to sparse bodies.
  std::mt19937 rng(777);
  for (int round = 0; round < 400; ++round) {
    const std::string key = "c" + std::to_string(round);
    std::vector<std::string> add = {"PFADD", key};
    const int n = 1 + static_cast<int>(rng() % 60);
    for (int j = 0; j < n; ++j) add.push_back(std::to_string(rng() % 100000));
    Same(add);
    const std::string len = s_->Do({"STRLEN", key});  // ":n"
    const int size = std::stoi(len.substr(1));
    const int at = 16 + static_cast<int>(rng() % static_cast<unsigned>(size - 16));
    Same({"SETRANGE", key, std::to_string(at), std::string(1, static_cast<char>(rng() % 256))});
    Same({"PFCOUNT", key});
    Same({"GET", key});
    Same({"PFADD", key, std::to_string(rng()), std::to_string(rng()), std::to_string(rng())});
    Same({"GET", key});
    Same({"PFCOUNT", key, "c0"});
    Same({"PFDEBUG", "DECODE", key});
  }
}

// Seeded random sequences over four keys: every reply compared, and every
// written key's bytes (GET) after each write. Big additions cross into dense;
// hll-sparse-max-bytes changes on the way.
TEST_F(HyperLogLogCompat, RandomSequences) {
  std::mt19937 rng(20261127);
  const std::vector<std::string> keys = {"k1", "k2", "k3", "k4"};
  auto key = [&] { return keys[rng() % keys.size()]; };
  auto element = [&] {
    if (rng() % 50 == 0) return std::string("\x00\x01", 2) + std::to_string(rng() % 100);
    return "e" + std::to_string(rng() % 30000);
  };
  const std::vector<std::string> sparse_max = {"3000", "300", "100", "5000", "0", "3000"};
  for (int i = 0; i < 2500; ++i) {
    std::vector<std::string> cmd;
    std::string written;
    const unsigned op = rng() % 100;
    if (op < 45) {
      cmd = {"PFADD", key()};
      const int n = rng() % 15 == 0 ? 100 + static_cast<int>(rng() % 400) : static_cast<int>(rng() % 6);
      for (int j = 0; j < n; ++j) cmd.push_back(element());
      written = cmd[1];
    } else if (op < 65) {
      cmd = {"PFCOUNT", key()};
      written = cmd[1];  // refreshes the cache
    } else if (op < 75) {
      cmd = {"PFCOUNT", key(), key()};
      if (rng() % 2) cmd.push_back(key());
    } else if (op < 88) {
      cmd = {"PFMERGE", key()};
      const int n = static_cast<int>(rng() % 4);
      for (int j = 0; j < n; ++j) cmd.push_back(key());
      written = cmd[1];
    } else if (op < 93) {
      cmd = {"PFDEBUG", rng() % 2 ? "ENCODING" : "DECODE", key()};
    } else if (op < 95) {
      cmd = {"PFDEBUG", "TODENSE", key()};
      written = cmd[2];
    } else if (op < 97) {
      cmd = {"DEL", key()};
    } else {
      cmd = {"CONFIG", "SET", "hll-sparse-max-bytes", sparse_max[rng() % sparse_max.size()]};
    }
    Same(cmd);
    if (!written.empty()) Same({"GET", written});
  }
  for (const std::string& k : keys) {
    Same({"GET", k});
    Same({"PFCOUNT", k});
  }
  Same({"CONFIG", "GET", "hll-sparse-max-bytes"});
}

// hll-sparse-max-bytes is a memory directive read by every write: 100 bytes
// turn this HLL dense at its 28th element, in both servers.
TEST_F(HyperLogLogCompat, SparseMaxBytesIsLive) {
  SameAll({{"CONFIG", "SET", "hll-sparse-max-bytes", "1kb"},
           {"CONFIG", "GET", "hll-sparse-max-bytes"},
           {"CONFIG", "SET", "hll-sparse-max-bytes", "-1"},
           {"CONFIG", "SET", "hll-sparse-max-bytes", "100"}});
  for (int i = 1; i <= 30; ++i) {
    Same({"PFADD", "h", "el:" + std::to_string(i)});
    EXPECT_EQ(Same({"PFDEBUG", "ENCODING", "h"}), i < 28 ? "\"sparse\"" : "\"dense\"") << i;
  }
  Same({"GET", "h"});
}

// Keyspace events: "pfadd" after a PFADD that changed something and after
// every PFMERGE; nothing for PFCOUNT's cache refresh or PFDEBUG.
TEST_F(HyperLogLogCompat, KeyspaceEvents) {
  Same({"CONFIG", "SET", "notify-keyspace-events", "KEA"});
  auto sub_s = stockd_.Connect(), sub_r = redis_.Connect();
  EXPECT_EQ(sub_s->Do({"PSUBSCRIBE", "__keyevent@0__:*"}), sub_r->Do({"PSUBSCRIBE", "__keyevent@0__:*"}));
  SameAll({{"PFADD", "h", "a", "b"},
           {"PFADD", "h", "a"},
           {"PFCOUNT", "h"},
           {"PFMERGE", "m", "h"},
           {"PFDEBUG", "TODENSE", "h"},
           {"PFADD", "h", "zz"},
           {"SET", "marker", "x"}});
  for (int i = 0; i < 4; ++i) {  // pfadd h, pfadd m, pfadd h, set marker
    const std::string a = Render(sub_s->Read().get()), b = Render(sub_r->Read().get());
    EXPECT_EQ(a, b) << "event " << i;
  }
}

// HLLs are plain strings to storage: a sparse one, a dense one and a cache
// refreshed by PFCOUNT (a readonly command that writes) survive a restart.
TEST_F(HyperLogLogCompat, SurvivesRestart) {
  std::vector<std::string> many = {"PFADD", "dense"};
  for (int i = 0; i < 3000; ++i) many.push_back("m" + std::to_string(i));
  SameAll({{"PFADD", "sparse", "a", "b", "c"}, many, {"PFCOUNT", "dense"}, {"PFADD", "stale", "x"}});
  const std::string sparse = Same({"GET", "sparse"}), dense = Same({"GET", "dense"}), stale = Same({"GET", "stale"});
  s_.reset();
  ASSERT_EQ(stockd_.Stop(SIGTERM), 0);
  ASSERT_TRUE(stockd_.Start(StockdBinary(), {"--dir", stockd_dir_, "--bind", "127.0.0.1"})) << stockd_.Log();
  s_ = stockd_.Connect();
  EXPECT_EQ(s_->Do({"GET", "sparse"}), sparse);
  EXPECT_EQ(s_->Do({"GET", "dense"}), dense);  // with the count PFCOUNT cached
  EXPECT_EQ(s_->Do({"GET", "stale"}), stale);
  SameAll({{"PFCOUNT", "sparse"}, {"PFCOUNT", "dense"}, {"PFDEBUG", "ENCODING", "dense"}, {"PFADD", "sparse", "d"},
           {"GET", "sparse"}});
}

}  // namespace
}  // namespace stockd::testing
