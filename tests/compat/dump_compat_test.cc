// tests/compat/dump_compat_test.cc — DUMP / RESTORE against redis-server
// 7.0: the same data built on both servers DUMPs to the same bytes wherever
// the encodings agree (strings with and without LZF, quicklists built by
// RPUSH, intsets of every width, listpack hashes and zsets, skiplist zsets,
// HyperLogLogs, streams without deletions); payloads cross over in both
// directions for every type, big values included (hashtable sets and hashes,
// multi-node lists, streams with groups, consumers and pending entries) and
// read back the same; error replies are identical.
#include <random>
#include <string>
#include <vector>

#include "tests/compat/collection_compat_util.h"

namespace stockd::testing {
namespace {

class DumpCompat : public CollectionCompatTest {
 protected:
  // Runs argv on both servers (replies compared).
  void Both(const std::vector<std::string>& argv) { Same(argv); }
  static std::string Payload(Client& c, const std::string& key) {
    Reply r = c.Command({"DUMP", key});
    if (!r || r->type != REDIS_REPLY_STRING) return "";
    return std::string(r->str, r->len);
  }
  static std::string Payload2(Client& c) {
    Reply r = c.Command({"FUNCTION", "DUMP"});
    return r && r->type == REDIS_REPLY_STRING ? std::string(r->str, r->len) : "";
  }
  // Every read of the key's type, rendered; `sorted` for unordered replies.
  std::vector<std::vector<std::string>> Reads(const std::string& k) {
    return {{"TYPE", k},
            {"OBJECT", "ENCODING", k},
            {"GET", k},
            {"LRANGE", k, "0", "-1"},
            {"SCARD", k},
            {"HLEN", k},
            {"ZRANGE", k, "0", "-1", "WITHSCORES"},
            {"XRANGE", k, "-", "+"},
            {"XINFO", "GROUPS", k},
            {"XPENDING", k, "g1"},
            {"PTTL", k}};
  }
  void SameContents(const std::string& k) {
    for (const auto& argv : Reads(k)) Same(argv);
    SameUnordered({"SMEMBERS", k});
    SameUnordered({"HGETALL", k}, 2);
  }
};

// Identical scripts for both servers.
std::vector<std::vector<std::string>> BuildScript() {
  std::vector<std::vector<std::string>> s;
  s.push_back({"SET", "str:int", "-123456789"});
  s.push_back({"SET", "str:int64", "9223372036854775807"});
  s.push_back({"SET", "str:short", "hello"});
  s.push_back({"SET", "str:digits11", "12345678901"});
  s.push_back({"SET", "str:lzf", std::string(300, 'a') + "bcdefbcdef" + std::string(100, 'z')});
  std::string text;
  for (int i = 0; i < 400; ++i) text += "word" + std::to_string(i * 7919 % 1000) + " ";
  s.push_back({"SET", "str:text", text});
  std::mt19937 rng(3);
  std::string noise;
  for (int i = 0; i < 500; ++i) noise.push_back(static_cast<char>(rng()));
  s.push_back({"SET", "str:noise", noise});
  s.push_back({"SET", "str:big", std::string(100000, 'x')});
  s.push_back({"SET", "str:21", "abcabcabcabcabcabcabc"});
  s.push_back({"PFADD", "hll", "a", "b", "c", "d"});
  std::vector<std::string> list = {"RPUSH", "list:big"};
  for (int i = 0; i < 2000; ++i) {
    list.push_back(i % 5 == 0 ? std::to_string(i * 31 - 5000) : "item:" + std::to_string(i) + std::string(i % 90, 'p'));
  }
  s.push_back(list);
  s.push_back({"RPUSH", "list:small", "a", "1", "-1", "300", "70000", "5000000000", "x"});
  s.push_back({"RPUSH", "list:huge", "head", std::string(9000, 'H'), "mid", std::string(20000, 'G'), "tail"});
  s.push_back({"SADD", "set:16", "1", "-5", "300"});
  s.push_back({"SADD", "set:32", "1", "100000", "-100000"});
  s.push_back({"SADD", "set:64", "1", "5000000000"});
  std::vector<std::string> bigint = {"SADD", "set:bigint"};
  for (int i = 0; i < 500; ++i) bigint.push_back(std::to_string(i * 13));
  s.push_back(bigint);
  std::vector<std::string> ht = {"SADD", "set:ht"};
  for (int i = 0; i < 700; ++i) ht.push_back("m" + std::to_string(i));
  s.push_back(ht);
  s.push_back({"HSET", "hash:lp", "name", "stock", "qty", "100", "price", "9.99", "neg", "-7"});
  std::vector<std::string> bh = {"HSET", "hash:ht"};
  for (int i = 0; i < 1000; ++i) bh.insert(bh.end(), {"field" + std::to_string(i), "value" + std::to_string(i)});
  s.push_back(bh);
  s.push_back({"HSET", "hash:long", "f", std::string(200, 'v')});
  s.push_back({"ZADD", "zset:lp", "1", "a", "2.5", "b", "-0.1", "c", "1e20", "d", "inf", "e", "-inf", "f", "0", "g",
               "4503599627370496", "h", "3.14159", "i"});
  std::vector<std::string> bz = {"ZADD", "zset:sl"};
  for (int i = 0; i < 300; ++i) bz.insert(bz.end(), {std::to_string(i * 1.25 - 100), "member" + std::to_string(i)});
  s.push_back(bz);
  for (int i = 1; i <= 320; ++i) {
    s.push_back({"XADD", "stream:plain", std::to_string(1000 + i) + "-" + std::to_string(i % 3), "sku", std::to_string(i),
                 i % 40 == 0 ? "note" : "qty", "x" + std::to_string(i % 7)});
  }
  s.push_back({"XADD", "stream:grp", "1-1", "a", "1"});
  s.push_back({"XADD", "stream:grp", "2-1", "a", "2"});
  s.push_back({"XGROUP", "CREATE", "stream:grp", "g1", "0"});
  s.push_back({"XGROUP", "CREATE", "stream:grp", "g2", "$"});
  return s;
}

TEST_F(DumpCompat, BytesEqualWhereEncodingsAgree) {
  SameAll(BuildScript());
  for (const char* k : {"str:int", "str:int64", "str:short", "str:digits11", "str:lzf", "str:text", "str:noise",
                        "str:big", "str:21", "hll", "list:big", "list:small", "list:huge", "set:16", "set:32",
                        "set:64", "set:bigint", "hash:lp", "hash:long", "zset:lp", "zset:sl", "stream:plain",
                        "stream:grp"}) {
    SameEncoding(k);
    const std::string a = Payload(*s_, k), b = Payload(*r_, k);
    ASSERT_FALSE(b.empty()) << k;
    EXPECT_EQ(a.size(), b.size()) << k;
    EXPECT_TRUE(a == b) << k;
  }
  Same({"DUMP", "nokey"});
}

TEST_F(DumpCompat, PayloadsCrossOverBothWays) {
  SameAll(BuildScript());
  // Pending entries and consumers (their times differ between the servers,
  // so these are compared by contents only).
  Same({"XREADGROUP", "GROUP", "g1", "alice", "COUNT", "1", "STREAMS", "stream:grp", ">"});
  Same({"XREADGROUP", "GROUP", "g1", "bob", "COUNT", "1", "STREAMS", "stream:grp", ">"});
  Same({"XACK", "stream:grp", "g1", "1-1"});
  Same({"XGROUP", "CREATECONSUMER", "stream:grp", "g2", "carol"});
  Same({"XDEL", "stream:plain", "1005-2", "1200-2"});
  // A list whose quicklist Redis built from the head.
  std::vector<std::string> lp = {"LPUSH", "list:lpush"};
  for (int i = 0; i < 1500; ++i) lp.push_back("left" + std::to_string(i));
  Same(lp);
  for (int i = 0; i < 300; ++i) Same({"LPOP", "list:big"});
  for (int i = 0; i < 400; ++i) Same({"SREM", "set:ht", "m" + std::to_string(i)});
  const std::vector<std::string> keys = {
      "str:int", "str:int64", "str:short", "str:lzf", "str:text", "str:noise", "str:big", "hll", "list:big",
      "list:small", "list:huge", "list:lpush", "set:16", "set:64", "set:bigint", "set:ht", "hash:lp", "hash:ht",
      "hash:long", "zset:lp", "zset:sl", "stream:plain", "stream:grp"};
  for (const std::string& k : keys) {
    const std::string from_redis = Payload(*r_, k), from_stockd = Payload(*s_, k);
    ASSERT_FALSE(from_redis.empty()) << k;
    ASSERT_FALSE(from_stockd.empty()) << k;
    const std::string x = "x:" + k;
    EXPECT_EQ(s_->Do({"RESTORE", x, "0", from_redis}), "\"OK\"") << k;
    EXPECT_EQ(r_->Do({"RESTORE", x, "0", from_stockd}), "\"OK\"") << k;
    SameContents(x);
    SameContents(k);
    // The copy reads as its original on each server (errors name the key;
    // a short string loads as embstr on both, whatever it was).
    const bool is_string = s_->Do({"TYPE", k}) == "\"string\"";
    for (const auto& argv : Reads(k)) {
      if (is_string && argv[0] == "OBJECT") continue;
      std::vector<std::string> copy = argv;
      copy[argv[0] == "OBJECT" ? 2 : argv[0] == "XINFO" ? 2 : 1] = x;
      const std::string orig = s_->Do(argv);
      if (orig.rfind("(error)", 0) == 0) continue;
      EXPECT_EQ(s_->Do(copy), orig) << k;
      EXPECT_EQ(r_->Do(copy), r_->Do(argv)) << k;
    }
  }
  Same({"XPENDING", "x:stream:grp", "g1", "-", "+", "10", "alice"});
  Same({"XINFO", "STREAM", "x:stream:plain"});
  // Approximate trimming removes the same nodes after a round trip.
  Same({"XTRIM", "x:stream:plain", "MAXLEN", "~", "150"});
  Same({"XRANGE", "x:stream:plain", "-", "+"});
}

TEST_F(DumpCompat, TtlSemantics) {
  Same({"SET", "k", "v"});
  const std::string p = Payload(*r_, "k");
  Same({"RESTORE", "a", "100000", p});
  Same({"TTL", "a"});
  Same({"RESTORE", "b", "1", p, "ABSTTL"});  // 1 ms after the epoch: already expired
  Same({"EXISTS", "b"});
  Same({"SET", "c", "old"});
  Same({"RESTORE", "c", "1", p, "ABSTTL", "REPLACE"});
  Same({"EXISTS", "c"});
  Same({"RESTORE", "d", "99999999999999", p, "ABSTTL"});
  Same({"PEXPIRETIME", "d"});
  Same({"RESTORE", "e", "0", p, "IDLETIME", "500"});
  Same({"OBJECT", "IDLETIME", "e"});
  Same({"RESTORE", "f", "0", p, "FREQ", "5"});
  Same({"RESTORE", "w", "9223372036854775807", p});
  Same({"EXISTS", "w"});
}

TEST_F(DumpCompat, ErrorsAreRedis) {
  Same({"SET", "k", "v"});
  const std::string p = Payload(*r_, "k");
  std::string bad_crc = p;
  bad_crc[bad_crc.size() - 1] ^= 0x55;
  std::string v11 = p;
  v11[v11.size() - 10] = 11;
  SameAll({{"RESTORE", "k", "0", p},
           {"RESTORE", "n", "-1", p},
           {"RESTORE", "n", "1.5", p},
           {"RESTORE", "n", "0", p, "REPLACE", "NOPE"},
           {"RESTORE", "n", "0", p, "IDLETIME"},
           {"RESTORE", "n", "0", p, "IDLETIME", "-5"},
           {"RESTORE", "n", "0", p, "IDLETIME", "abc"},
           {"RESTORE", "n", "0", p, "FREQ", "-1"},
           {"RESTORE", "n", "0", p, "FREQ", "256"},
           {"RESTORE", "n", "0", p, "FREQ", "1", "IDLETIME", "1"},
           {"RESTORE", "n", "0", p, "IDLETIME", "1", "FREQ", "1"},
           {"RESTORE", "k", "-1", "x", "BAD"},
           {"RESTORE", "k", "-1", "x"},
           {"RESTORE", "n", "-1", "x"},
           {"RESTORE", "n", "0", "x"},
           {"RESTORE", "n", "0", ""},
           {"RESTORE", "n", "0", bad_crc},
           {"RESTORE", "n", "0", v11},
           {"RESTORE", "n", "0"},
           {"RESTORE-ASKING", "k", "0", p},
           {"RESTORE-ASKING", "ra", "0", p},
           {"GET", "ra"},
           {"DUMP"},
           {"DUMP", "a", "b"},
           {"EXISTS", "n"}});
  // Payloads from Redis's corrupt-dump.tcl (valid CRCs, corrupt bodies).
  const char* corrupt[] = {
      "\x0E\x01\x1D\x1D\x00\x00\x00\x16\x00\x00\x00\x03\x00\x00\x04\x43\x43\x43\x43\x06\x04\x42\x42\x42\x42\x06\x3F"
      "\x41\x41\x41\x41\xFF\x09\x00\x88\xA5\xCA\xA8\xC5\x41\xF4\x35",
      "\x0D\x1B\x1B\x00\x00\x00\x16\x00\x00\x00\x04\x00\x00\x02\x61\x00\x04\x02\x62\x00\x04\x02\x61\x00\x04\x02\x64"
      "\x00\xFF\x09\x00\xA1\x98\x36\x78\xCC\x8E\x93\x2E",
      "\x0F\x00\x00\x00\x00\x01\x07\x6D\x79\x67\x72\x6F\x75\x70\x00\x00\x00\x02\x04\x6E\x61\x6D\x65\x2A\x4C\xAA\x9A"
      "\x7D\x01\x00\x00\x00\x04\x6E\x61\x6D\x65\x2B\x4C\xAA\x9A\x7D\x01\x00\x00\x00\x0A\x00\xCC\xED\x8C\xA7\x62\xEE"
      "\xC7\xC8",
  };
  const size_t lens[] = {42, 40, 56};
  for (size_t i = 0; i < 3; ++i) Same({"RESTORE", "c", "0", std::string(corrupt[i], lens[i])});
  Same({"EXISTS", "c"});
}

TEST_F(DumpCompat, RestoreFiresTheRestoreEvent) {
  Same({"SET", "k", "v"});
  const std::string p = Payload(*r_, "k");
  Same({"CONFIG", "SET", "notify-keyspace-events", "Eg"});
  auto ss = stockd_.Connect(), rs = redis_.Connect();
  EXPECT_EQ(ss->Do({"SUBSCRIBE", "__keyevent@0__:restore"}), rs->Do({"SUBSCRIBE", "__keyevent@0__:restore"}));
  Same({"RESTORE", "ev", "0", p});
  Reply a = ss->Read(), b = rs->Read();
  ASSERT_TRUE(a && b);
  EXPECT_EQ(Render(a.get()), Render(b.get()));
}

// The DUMP footer (RDB version 10 + CRC64 Jones, bitwise), for payloads
// built by hand.
std::string WithFooter(std::string body) {
  body += std::string("\x0a\x00", 2);
  uint64_t crc = 0;
  for (unsigned char b : body) {
    crc ^= b;
    for (int k = 0; k < 8; ++k) crc = (crc & 1) ? (crc >> 1) ^ 0x95ac9329ac4bc9b5ULL : crc >> 1;
  }
  for (int i = 0; i < 8; ++i) body.push_back(static_cast<char>((crc >> (8 * i)) & 0xff));
  return body;
}

// FUNCTION DUMP / RESTORE use Redis's payload: it crosses over both ways,
// byte for byte for one library, with Redis's errors.
TEST_F(DumpCompat, FunctionDumpAndRestore) {
  const std::string lib = "#!lua name=mylib\nredis.register_function('f1', function(keys, args) return 1 end)";
  Same({"FUNCTION", "LOAD", lib});
  const std::string a = Payload2(*s_), b = Payload2(*r_);
  EXPECT_TRUE(a == b);
  Same({"FUNCTION", "FLUSH"});
  EXPECT_EQ(s_->Do({"FUNCTION", "RESTORE", b}), "\"OK\"");
  EXPECT_EQ(r_->Do({"FUNCTION", "RESTORE", a}), "\"OK\"");
  Same({"FCALL", "f1", "0"});
  Same({"FUNCTION", "RESTORE", a});  // APPEND: the library exists
  Same({"FUNCTION", "RESTORE", a, "REPLACE"});
  Same({"FUNCTION", "RESTORE", a, "BOGUS"});
  Same({"FUNCTION", "RESTORE", "junk"});
  Same({"FUNCTION", "RESTORE", WithFooter("\x05")});
  Same({"FUNCTION", "RESTORE", WithFooter("\xf5\x40")});
  Same({"FUNCTION", "RESTORE", WithFooter("\xf6")});
  Same({"FUNCTION", "RESTORE", WithFooter(std::string("\xf6\x01" "a\x03" "LUA", 7))});
  Same({"FUNCTION", "RESTORE", WithFooter(std::string("\xf6\x01" "a\x03" "LUA\x01", 8))});
  Same({"FUNCTION", "RESTORE", WithFooter(std::string("\xf6\x01" "a\x03" "XYZ\x00\x01" "x", 10))});
  // A 7.0 release candidate's library (pre-GA layout: name, engine, no description, body).
  const std::string body = "redis.register_function('pg', function() return 7 end)";  // < 64 bytes
  Same({"FUNCTION", "RESTORE",
        WithFooter(std::string("\xf6\x02" "pg\x03" "LUA\x00", 9) + static_cast<char>(body.size()) + body)});
  Same({"FCALL", "pg", "0"});
  Same({"FUNCTION", "RESTORE", WithFooter(""), "FLUSH"});
  Same({"FUNCTION", "LIST"});
}

}  // namespace
}  // namespace stockd::testing
