// tests/engine/keys_family_test.cc — engine/keys_family.cc (expected replies
// checked against redis-server 7.0).
#include <algorithm>
#include <set>

#include "tests/engine/engine_test_util.h"

namespace stockd::engine::testing {
namespace {

using KeysFamilyTest = EngineTest;

// Parses "*2\r\n$<n>\r\n<cursor>\r\n*<k>\r\n($<n>\r\n<key>\r\n)*" into cursor + keys.
std::pair<std::string, std::vector<std::string>> ParseScan(const std::string& r) {
  std::vector<std::string> keys;
  size_t p = r.find("\r\n") + 2;  // *2
  size_t e = r.find("\r\n", p);   // $len
  p = e + 2;
  e = r.find("\r\n", p);
  std::string cursor = r.substr(p, e - p);
  p = e + 2;
  e = r.find("\r\n", p);
  const int n = std::stoi(r.substr(p + 1, e - p - 1));
  p = e + 2;
  for (int i = 0; i < n; ++i) {
    e = r.find("\r\n", p);
    const size_t len = std::stoul(r.substr(p + 1, e - p - 1));
    keys.push_back(r.substr(e + 2, len));
    p = e + 2 + len + 2;
  }
  return {cursor, keys};
}

TEST_F(KeysFamilyTest, DelUnlinkExistsTouch) {
  Run({"MSET", "a", "1", "b", "2", "c", "3"});
  EXPECT_EQ(Run({"EXISTS", "a", "a", "nope", "b"}), Int(3));
  EXPECT_EQ(Run({"TOUCH", "b", "c", "nope"}), Int(2));
  EXPECT_EQ(Run({"DEL", "a", "nope", "a"}), Int(1));
  EXPECT_EQ(Run({"UNLINK", "b", "c", "c"}), Int(2));
  EXPECT_EQ(Run({"EXISTS", "a", "b", "c"}), Int(0));
  EXPECT_EQ(Run({"DBSIZE"}), Int(0));
}

TEST_F(KeysFamilyTest, Type) {
  Run({"SET", "s", "v"});
  PlantList("l");
  EXPECT_EQ(Run({"TYPE", "s"}), Status("string"));
  EXPECT_EQ(Run({"TYPE", "l"}), Status("list"));
  EXPECT_EQ(Run({"TYPE", "nope"}), Status("none"));
}

TEST_F(KeysFamilyTest, RenameAndRenameNx) {
  EXPECT_EQ(Run({"RENAME", "nope", "x"}), Err("ERR no such key"));
  EXPECT_EQ(Run({"RENAMENX", "nope", "x"}), Err("ERR no such key"));
  Run({"SET", "a", "1"});
  Run({"SET", "b", "2"});
  EXPECT_EQ(Run({"RENAME", "a", "a"}), kOk);
  EXPECT_EQ(Run({"RENAMENX", "a", "a"}), Int(0));
  EXPECT_EQ(Run({"RENAMENX", "a", "b"}), Int(0));
  Run({"EXPIRE", "a", "100"});
  EXPECT_EQ(Run({"RENAME", "a", "b"}), kOk);
  EXPECT_EQ(Run({"GET", "b"}), Bulk("1"));
  EXPECT_EQ(Run({"TTL", "b"}), Int(100));  // the TTL moves with the value
  EXPECT_EQ(Run({"EXISTS", "a"}), Int(0));
  EXPECT_EQ(Run({"RENAMENX", "b", "c"}), Int(1));
  EXPECT_EQ(Run({"GET", "c"}), Bulk("1"));
  // Renaming over a key with a TTL drops that TTL.
  Run({"SET", "d", "x", "EX", "50"});
  Run({"SET", "e", "y"});
  EXPECT_EQ(Run({"RENAME", "e", "d"}), kOk);
  EXPECT_EQ(Run({"TTL", "d"}), Int(-1));
}

TEST_F(KeysFamilyTest, Copy) {
  Run({"SET", "a", "1"});
  Run({"SET", "b", "2"});
  EXPECT_EQ(Run({"COPY", "a", "a"}), Err("ERR source and destination objects are the same"));
  EXPECT_EQ(Run({"COPY", "a", "b"}), Int(0));
  EXPECT_EQ(Run({"COPY", "a", "b", "REPLACE"}), Int(1));
  EXPECT_EQ(Run({"GET", "b"}), Bulk("1"));
  EXPECT_EQ(Run({"COPY", "nope", "z"}), Int(0));
  Run({"PEXPIRE", "a", "5000"});
  EXPECT_EQ(Run({"COPY", "a", "x", "DB", "1"}), Int(1));
  EXPECT_EQ(Run({"COPY", "a", "a", "DB", "1"}), Int(1));
  EXPECT_EQ(Run({"COPY", "a", "x", "DB", "99"}), Err("ERR DB index is out of range"));
  EXPECT_EQ(Run({"COPY", "a", "x", "DB", "z"}), Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(Run({"COPY", "a", "x", "DB"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"COPY", "a", "x", "FOO"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"SELECT", "1"}), kOk);
  EXPECT_EQ(Run({"GET", "x"}), Bulk("1"));
  EXPECT_EQ(Run({"PTTL", "x"}), Int(5000));
  EXPECT_EQ(Run({"GET", "a"}), Bulk("1"));
  // The copy is independent of the source.
  EXPECT_EQ(Run({"APPEND", "x", "z"}), Int(2));
  EXPECT_EQ(Run({"GET", "a"}), Bulk("1"));
}

TEST_F(KeysFamilyTest, Move) {
  Run({"SET", "a", "1"});
  EXPECT_EQ(Run({"MOVE", "a", "0"}), Err("ERR source and destination objects are the same"));
  EXPECT_EQ(Run({"MOVE", "a", "16"}), Err("ERR DB index is out of range"));
  EXPECT_EQ(Run({"MOVE", "a", "x"}), Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(Run({"MOVE", "nope", "1"}), Int(0));
  Run({"EXPIRE", "a", "100"});
  EXPECT_EQ(Run({"MOVE", "a", "1"}), Int(1));
  EXPECT_EQ(Run({"EXISTS", "a"}), Int(0));
  Run({"SET", "a", "2"});
  EXPECT_EQ(Run({"MOVE", "a", "1"}), Int(0));  // exists in the target
  Run({"SELECT", "1"});
  EXPECT_EQ(Run({"GET", "a"}), Bulk("1"));
  EXPECT_EQ(Run({"TTL", "a"}), Int(100));
}

TEST_F(KeysFamilyTest, KeysGlob) {
  Run({"MSET", "hello", "1", "hallo", "2", "hxllo", "3", "hllo", "4", "heeeello", "5"});
  auto keys = [&](std::string_view pattern) {
    std::string r = Run({"KEYS", pattern});
    std::vector<std::string> out;
    size_t p = r.find("\r\n") + 2;
    while (p < r.size()) {
      size_t e = r.find("\r\n", p);
      size_t len = std::stoul(r.substr(p + 1, e - p - 1));
      out.push_back(r.substr(e + 2, len));
      p = e + 2 + len + 2;
    }
    std::sort(out.begin(), out.end());
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(keys("h?llo"), (V{"hallo", "hello", "hxllo"}));
  EXPECT_EQ(keys("h*llo"), (V{"hallo", "heeeello", "hello", "hllo", "hxllo"}));
  EXPECT_EQ(keys("h[ae]llo"), (V{"hallo", "hello"}));
  EXPECT_EQ(keys("h[^e]llo"), (V{"hallo", "hxllo"}));
  EXPECT_EQ(keys("h[a-b]llo"), (V{"hallo"}));
  EXPECT_EQ(keys("*"), (V{"hallo", "heeeello", "hello", "hllo", "hxllo"}));
  EXPECT_EQ(keys("nomatch*"), V{});
  Run({"SET", "a*b", "1"});
  EXPECT_EQ(keys("a\\*b"), (V{"a*b"}));
}

TEST_F(KeysFamilyTest, ScanReturnsEveryKeyExactlyOnce) {
  std::set<std::string> all;
  for (int i = 0; i < 1000; ++i) {
    std::string k = "key:" + std::to_string(i);
    all.insert(k);
    Run({"SET", k, "v"});
  }
  std::multiset<std::string> seen;
  std::string cursor = "0";
  int calls = 0;
  do {
    auto [next, keys] = ParseScan(Run({"SCAN", cursor, "COUNT", "7"}));
    seen.insert(keys.begin(), keys.end());
    cursor = next;
    // Keys added and deleted during the scan must not disturb the others.
    Run({"SET", "extra:" + std::to_string(calls), "v"});
    Run({"DEL", "extra:" + std::to_string(calls - 3)});
    ASSERT_LT(++calls, 10000);
  } while (cursor != "0");
  for (const auto& k : all) EXPECT_EQ(seen.count(k), 1u) << k;
}

TEST_F(KeysFamilyTest, ScanOptions) {
  for (int i = 0; i < 50; ++i) Run({"SET", "user:" + std::to_string(i), "v"});
  Run({"SET", "other", "v"});
  PlantList("list:1");
  std::set<std::string> matched, typed;
  std::string cursor = "0";
  do {
    auto [next, keys] = ParseScan(Run({"SCAN", cursor, "MATCH", "user:1*", "COUNT", "1000"}));
    matched.insert(keys.begin(), keys.end());
    cursor = next;
  } while (cursor != "0");
  EXPECT_EQ(matched.size(), 11u);  // user:1, user:10..19
  do {
    auto [next, keys] = ParseScan(Run({"SCAN", cursor, "TYPE", "LIST"}));
    typed.insert(keys.begin(), keys.end());
    cursor = next;
  } while (cursor != "0");
  EXPECT_EQ(typed, std::set<std::string>{"list:1"});
  EXPECT_EQ(Run({"SCAN", "abc"}), Err("ERR invalid cursor"));
  EXPECT_EQ(Run({"SCAN", " 1"}), Err("ERR invalid cursor"));
  // "-1" wraps to a huge cursor as in Redis (strtoul); past our positions it ends the scan.
  EXPECT_EQ(Run({"SCAN", "-1"}), Arr({Bulk("0"), "*0\r\n"}));
  EXPECT_EQ(Run({"SCAN", "0", "COUNT", "0"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"SCAN", "0", "COUNT", "x"}), Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(Run({"SCAN", "0", "MATCH"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"SCAN", "18446744073709551615"}), Arr({Bulk("0"), "*0\r\n"}));
}

TEST_F(KeysFamilyTest, RandomKey) {
  EXPECT_EQ(Run({"RANDOMKEY"}), kNil);
  Run({"SET", "only", "v"});
  EXPECT_EQ(Run({"RANDOMKEY"}), Bulk("only"));
  for (int i = 0; i < 20; ++i) Run({"SET", "k" + std::to_string(i), "v"});
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) seen.insert(Run({"RANDOMKEY"}));
  EXPECT_GT(seen.size(), 5u);  // not always the same key
  // A db whose only key is logically expired has no random key.
  Run({"SELECT", "3"});
  Run({"SET", "gone", "v", "PX", "10"});
  Advance(11);
  EXPECT_EQ(Run({"RANDOMKEY"}), kNil);
}

TEST_F(KeysFamilyTest, ExpireFamily) {
  EXPECT_EQ(Run({"EXPIRE", "nope", "10"}), Int(0));
  Run({"SET", "k", "v"});
  EXPECT_EQ(Run({"TTL", "k"}), Int(-1));
  EXPECT_EQ(Run({"PTTL", "k"}), Int(-1));
  EXPECT_EQ(Run({"EXPIRETIME", "k"}), Int(-1));
  EXPECT_EQ(Run({"TTL", "nope"}), Int(-2));
  EXPECT_EQ(Run({"PEXPIRETIME", "nope"}), Int(-2));
  EXPECT_EQ(Run({"EXPIRE", "k", "100"}), Int(1));
  EXPECT_EQ(Run({"TTL", "k"}), Int(100));
  EXPECT_EQ(Run({"PTTL", "k"}), Int(100000));
  EXPECT_EQ(Run({"EXPIRETIME", "k"}), Int(kStartMs / 1000 + 100));
  EXPECT_EQ(Run({"PEXPIRETIME", "k"}), Int(kStartMs + 100000));
  EXPECT_EQ(Run({"PEXPIRE", "k", "1500"}), Int(1));
  EXPECT_EQ(Run({"TTL", "k"}), Int(2));  // rounded as Redis: (1500 + 500) / 1000
  EXPECT_EQ(Run({"EXPIREAT", "k", std::to_string(kStartMs / 1000 + 30)}), Int(1));
  EXPECT_EQ(Run({"TTL", "k"}), Int(30));
  EXPECT_EQ(Run({"PEXPIREAT", "k", std::to_string(kStartMs + 777)}), Int(1));
  EXPECT_EQ(Run({"PTTL", "k"}), Int(777));
  EXPECT_EQ(Run({"PERSIST", "k"}), Int(1));
  EXPECT_EQ(Run({"PERSIST", "k"}), Int(0));
  EXPECT_EQ(Run({"PERSIST", "nope"}), Int(0));
  EXPECT_EQ(Run({"TTL", "k"}), Int(-1));
  // A time in the past deletes the key at once (and replies 1).
  EXPECT_EQ(Run({"EXPIRE", "k", "-1"}), Int(1));
  EXPECT_EQ(Run({"EXISTS", "k"}), Int(0));
  Run({"SET", "k", "v"});
  EXPECT_EQ(Run({"EXPIREAT", "k", "1"}), Int(1));
  EXPECT_EQ(Run({"EXISTS", "k"}), Int(0));
}

TEST_F(KeysFamilyTest, ExpireConditions) {
  Run({"SET", "k", "v"});
  EXPECT_EQ(Run({"EXPIRE", "k", "100", "XX"}), Int(0));
  EXPECT_EQ(Run({"EXPIRE", "k", "100", "GT"}), Int(0));  // no TTL counts as infinite
  EXPECT_EQ(Run({"EXPIRE", "k", "100", "NX"}), Int(1));
  EXPECT_EQ(Run({"EXPIRE", "k", "200", "NX"}), Int(0));
  EXPECT_EQ(Run({"EXPIRE", "k", "50", "GT"}), Int(0));
  EXPECT_EQ(Run({"EXPIRE", "k", "200", "gt"}), Int(1));
  EXPECT_EQ(Run({"EXPIRE", "k", "300", "LT"}), Int(0));
  EXPECT_EQ(Run({"EXPIRE", "k", "150", "lt"}), Int(1));
  EXPECT_EQ(Run({"EXPIRE", "k", "150", "XX"}), Int(1));
  EXPECT_EQ(Run({"TTL", "k"}), Int(150));
  Run({"SET", "p", "v"});
  EXPECT_EQ(Run({"EXPIRE", "p", "100", "LT"}), Int(1));  // LT on no TTL sets it
  EXPECT_EQ(Run({"EXPIRE", "k", "10", "NX", "XX"}),
            Err("ERR NX and XX, GT or LT options at the same time are not compatible"));
  EXPECT_EQ(Run({"EXPIRE", "k", "10", "GT", "LT"}),
            Err("ERR GT and LT options at the same time are not compatible"));
  EXPECT_EQ(Run({"EXPIRE", "k", "10", "foo"}), Err("ERR Unsupported option foo"));
  EXPECT_EQ(Run({"EXPIRE", "k", "abc"}), Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(Run({"EXPIRE", "k", "9223372036854775807"}),
            Err("ERR invalid expire time in 'expire' command"));
  EXPECT_EQ(Run({"PEXPIRE", "k", "9223372036854775807"}),
            Err("ERR invalid expire time in 'pexpire' command"));
}

TEST_F(KeysFamilyTest, ObjectSubcommands) {
  Run({"SET", "n", "100"});
  Run({"SET", "big", "10000"});
  Run({"SET", "s", "abc"});
  EXPECT_EQ(Run({"OBJECT", "REFCOUNT", "n"}), Int(2147483647));
  EXPECT_EQ(Run({"OBJECT", "REFCOUNT", "big"}), Int(1));
  EXPECT_EQ(Run({"OBJECT", "REFCOUNT", "s"}), Int(1));
  EXPECT_EQ(Run({"object", "encoding", "s"}), Bulk("embstr"));
  EXPECT_EQ(Run({"OBJECT", "IDLETIME", "s"}), Int(0));
  Advance(5000);
  EXPECT_EQ(Run({"OBJECT", "IDLETIME", "s"}), Int(5));
  Run({"GET", "s"});
  EXPECT_EQ(Run({"OBJECT", "IDLETIME", "s"}), Int(0));
  EXPECT_EQ(Run({"OBJECT", "FREQ", "s"}),
            Err("ERR An LFU maxmemory policy is not selected, access frequency not tracked. "
                "Please note that when switching between policies at runtime LRU and LFU data "
                "will take some time to adjust."));
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "nope"}), kNil);
  EXPECT_EQ(Run({"OBJECT", "FOO", "s"}), Err("ERR unknown subcommand 'FOO'. Try OBJECT HELP."));
  EXPECT_EQ(Run({"OBJECT"}), Err("ERR wrong number of arguments for 'object' command"));
  EXPECT_EQ(Run({"OBJECT", "ENCODING"}),
            Err("ERR wrong number of arguments for 'object|encoding' command"));
  std::string help = Run({"OBJECT", "HELP"});
  EXPECT_EQ(help.substr(0, 5), "*15\r\n");
  EXPECT_NE(help.find("+OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n"),
            std::string::npos);
}

}  // namespace
}  // namespace stockd::engine::testing
