// tests/engine/dump_family_test.cc — engine/dump_family.cc and the RDB value
// codec (engine/rdb/): DUMP bytes against payloads read from redis-server
// 7.0.15, round trips of every type and encoding, the old encodings RESTORE
// must still read (ziplist, zipmap, intset, quicklist 1, streams 1), TTL and
// option semantics, Redis's error texts, and corrupted payloads — flipped,
// truncated, absurd lengths, random bytes under a valid CRC — which must
// give an error, never a crash.
#include <random>
#include <string>
#include <vector>

#include "engine/errors.h"
#include "engine/rdb/crc64.h"
#include "engine/rdb/listpack.h"
#include "engine/rdb/rdb_io.h"
#include "tests/engine/engine_test_util.h"

namespace stockd::engine::testing {
namespace {

std::string FromHex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  return out;
}

// body (type byte + object) + RDB version + CRC64: a payload RESTORE verifies.
std::string WithFooter(std::string body, uint16_t version = 10) {
  body.push_back(static_cast<char>(version & 0xff));
  body.push_back(static_cast<char>(version >> 8));
  const uint64_t crc = rdb::Crc64(0, body);
  for (int i = 0; i < 8; ++i) body.push_back(static_cast<char>((crc >> (8 * i)) & 0xff));
  return body;
}
std::string Body(const std::string& payload) { return payload.substr(0, payload.size() - 10); }

const std::string kBadFormat = Err("ERR Bad data format");
const std::string kBadPayload = Err("ERR DUMP payload version or checksum are wrong");

class DumpTest : public EngineTest {
 protected:
  // DUMP's payload (the bulk's bytes); "" for nil.
  std::string Dump(std::string_view key) {
    std::string r = Run({"DUMP", key});
    if (r == kNil) return "";
    size_t nl = r.find("\r\n");
    return r.substr(nl + 2, r.size() - nl - 4);
  }
  std::string Restore(std::string_view key, std::string_view payload, std::string_view ttl = "0") {
    return Run({"RESTORE", key, ttl, payload});
  }
  // DUMP a, RESTORE it as b: b's DUMP (unless a hashtable's iteration order
  // may change when rebuilt) and OBJECT ENCODING (but for a short raw string,
  // which comes back embstr as in Redis) must equal a's.
  void RoundTrip(std::string_view a, std::string_view b, bool same_bytes = true) {
    std::string p = Dump(a);
    ASSERT_FALSE(p.empty()) << a;
    ASSERT_EQ(Run({"RESTORE", b, "0", p, "REPLACE"}), kOk) << a;
    if (same_bytes) {
      EXPECT_TRUE(Dump(b) == p) << a;
    }
    if (Run({"TYPE", a}) != Status("string")) {
      EXPECT_EQ(Run({"OBJECT", "ENCODING", b}), Run({"OBJECT", "ENCODING", a})) << a;
    }
    EXPECT_EQ(Run({"TYPE", b}), Run({"TYPE", a})) << a;
  }
  // Every read a type has, so a restored value's invariants are exercised.
  void ReadAll(std::string_view k) {
    Run({"TYPE", k});
    Run({"OBJECT", "ENCODING", k});
    Run({"GET", k});
    Run({"LRANGE", k, "0", "-1"});
    Run({"SMEMBERS", k});
    Run({"HGETALL", k});
    Run({"ZRANGE", k, "0", "-1", "WITHSCORES"});
    Run({"XRANGE", k, "-", "+"});
    Run({"XINFO", "STREAM", k, "FULL"});
    Run({"DUMP", k});
  }
};

// Payloads read from redis-server 7.0.15 (DUMP after the same commands).
TEST_F(DumpTest, BytesEqualRedis) {
  Run({"SET", "s1", "hello"});
  EXPECT_EQ(Dump("s1"), FromHex("000568656c6c6f0a006372df766534200a"));
  Run({"SET", "s2", "12345"});
  EXPECT_EQ(Dump("s2"), FromHex("00c139300a009d94ea2793fc08b9"));
  Run({"SET", "s3", std::string(50, 'a')});  // LZF
  EXPECT_EQ(Dump("s3"), FromHex("00c30932016161e025000161610a0009ac48b9ab15fbc9"));
  Run({"SET", "s4", "-9223372036854775808"});
  EXPECT_EQ(Dump("s4"), FromHex("00142d393232333337323033363835343737353830380a00ede2b956eb709e81"));
  Run({"RPUSH", "l1", "a", "b", "1", "300"});
  EXPECT_EQ(Dump("l1"), FromHex("120102121200000004008161028162020101c12c02ff0a008c3329e5019a61e5"));
  Run({"SADD", "st1", "1", "2", "70000"});
  EXPECT_EQ(Dump("st1"), FromHex("0b1404000000030000000100000002000000701101000a0085d5c1065b1dd055"));
  Run({"HSET", "h1", "f", "v", "n", "12"});
  EXPECT_EQ(Dump("h1"), FromHex("1012120000000400816602817602816e020c01ff0a0001369481d35b8974"));
  Run({"ZADD", "z1", "1.5", "a", "2", "b", "-0.1", "c"});
  EXPECT_EQ(Dump("z1"), FromHex("11c3242d0e2d0000000600816302942d302e3130e005000f311581610283312e35048162020201ff0a00bb463c9e4a62f34f"));
  Run({"XADD", "x1", "1-1", "f", "v"});
  EXPECT_EQ(Dump("x1"), FromHex("130110000000000000000100000000000000011d1d0000000a0001010001010181660200010201000100018176020401ff0101010101000001000a00ff55ab626ac035db"));
  EXPECT_EQ(Run({"DUMP", "missing"}), kNil);
}

TEST_F(DumpTest, RoundTripsEveryTypeAndEncoding) {
  Run({"SET", "int", "-42"});
  Run({"SET", "embstr", "hello world"});
  Run({"SET", "raw", std::string(100, 'x') + "y"});
  Run({"SET", "empty", ""});
  Run({"SET", "big", std::string(70000, 'q')});
  std::string noise;
  std::mt19937 rng(7);
  for (int i = 0; i < 3000; ++i) noise.push_back(static_cast<char>(rng()));
  Run({"SET", "noise", noise});  // incompressible: stored verbatim
  Run({"PFADD", "hll", "a", "b", "c"});
  for (int i = 0; i < 1000; ++i) Run({"RPUSH", "list", i % 3 ? "element-" + std::to_string(i) : std::to_string(i * 1000)});
  Run({"RPUSH", "list", std::string(20000, 'L')});  // bigger than a node
  Run({"RPUSH", "list", "tail"});
  Run({"SADD", "intset", "5", "-3", "100000", "1"});
  for (int i = 0; i < 600; ++i) Run({"SADD", "bigintset", std::to_string(i * 7)});
  Run({"SADD", "strset", "a", "b", "c", "1"});
  Run({"HSET", "smallhash", "a", "1", "b", "two", "c", "3.5"});
  Run({"HSET", "longhash", "f", std::string(100, 'v')});
  for (int i = 0; i < 600; ++i) Run({"HSET", "bighash", "f" + std::to_string(i), "v" + std::to_string(i)});
  Run({"ZADD", "smallz", "1", "a", "-2.5", "b", "inf", "c", "-inf", "d", "3e100", "e"});
  for (int i = 0; i < 300; ++i) Run({"ZADD", "bigz", std::to_string(i * 0.37), "m" + std::to_string(i)});
  Run({"ZADD", "longz", "1", std::string(80, 'm')});
  for (const char* k : {"int", "embstr", "raw", "empty", "big", "noise", "hll", "list", "intset", "bigintset",
                        "strset", "smallhash", "longhash", "smallz", "bigz", "longz"}) {
    RoundTrip(k, std::string(k) + ":copy");
  }
  RoundTrip("bighash", "bighash:copy", false);
  for (int i = 0; i < 600; i += 37) {
    EXPECT_EQ(Run({"HGET", "bighash:copy", "f" + std::to_string(i)}), Bulk("v" + std::to_string(i)));
  }
  EXPECT_EQ(Run({"HLEN", "bighash:copy"}), Int(600));
  EXPECT_TRUE(Run({"LRANGE", "list:copy", "0", "-1"}) == Run({"LRANGE", "list", "0", "-1"}));
  EXPECT_TRUE(Run({"ZRANGE", "bigz:copy", "0", "-1", "WITHSCORES"}) == Run({"ZRANGE", "bigz", "0", "-1", "WITHSCORES"}));
  EXPECT_TRUE(Run({"SMEMBERS", "bigintset:copy"}) == Run({"SMEMBERS", "bigintset"}));
  EXPECT_EQ(Run({"PFCOUNT", "hll:copy"}), Int(3));
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "int:copy"}), Bulk("int"));
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "bigz:copy"}), Bulk("skiplist"));
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "bighash:copy"}), Bulk("hashtable"));
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "bigintset:copy"}), Bulk("hashtable"));
}

TEST_F(DumpTest, StreamsWithGroupsRoundTrip) {
  for (int i = 1; i <= 250; ++i) {
    Run({"XADD", "s", std::to_string(i) + "-1", "f", std::to_string(i), "g", "x"});
    if (i % 50 == 0) Run({"XADD", "s", std::to_string(i) + "-2", "other", "fields"});
  }
  Run({"XDEL", "s", "3-1", "120-1"});
  Run({"XGROUP", "CREATE", "s", "g1", "0"});
  Run({"XGROUP", "CREATE", "s", "g2", "$"});
  Run({"XREADGROUP", "GROUP", "g1", "alice", "COUNT", "5", "STREAMS", "s", ">"});
  Advance(1000);
  Run({"XREADGROUP", "GROUP", "g1", "bob", "COUNT", "3", "STREAMS", "s", ">"});
  Run({"XACK", "s", "g1", "1-1"});
  Run({"XGROUP", "CREATECONSUMER", "s", "g2", "carol"});
  std::string p = Dump("s");
  ASSERT_EQ(Restore("s2", p), kOk);
  EXPECT_EQ(Dump("s2"), p);
  EXPECT_EQ(Run({"XRANGE", "s2", "-", "+"}), Run({"XRANGE", "s", "-", "+"}));
  EXPECT_EQ(Run({"XINFO", "STREAM", "s2", "FULL"}), Run({"XINFO", "STREAM", "s", "FULL"}));
  EXPECT_EQ(Run({"XPENDING", "s2", "g1", "-", "+", "100"}), Run({"XPENDING", "s", "g1", "-", "+", "100"}));
  EXPECT_EQ(Run({"XINFO", "GROUPS", "s2"}), Run({"XINFO", "GROUPS", "s"}));
  // The node layout survives: approximate trimming removes the same nodes.
  EXPECT_EQ(Run({"XTRIM", "s2", "MAXLEN", "~", "120"}), Run({"XTRIM", "s", "MAXLEN", "~", "120"}));
  EXPECT_EQ(Run({"XRANGE", "s2", "-", "+"}), Run({"XRANGE", "s", "-", "+"}));
  // An empty stream with a last ID (XDEL everything).
  Run({"XADD", "e", "5-5", "a", "b"});
  Run({"XDEL", "e", "5-5"});
  RoundTrip("e", "e2");
  EXPECT_EQ(Run({"XINFO", "STREAM", "e2"}), Run({"XINFO", "STREAM", "e"}));
}

TEST_F(DumpTest, TtlAndOptions) {
  Run({"SET", "k", "v"});
  const std::string p = Dump("k");
  EXPECT_EQ(Restore("a", p, "5000"), kOk);
  EXPECT_EQ(Run({"PTTL", "a"}), Int(5000));
  const std::string abs = std::to_string(kStartMs + 7000);
  EXPECT_EQ(Run({"RESTORE", "b", abs, p, "ABSTTL"}), kOk);
  EXPECT_EQ(Run({"PTTL", "b"}), Int(7000));
  // Already expired: OK, nothing created.
  EXPECT_EQ(Run({"RESTORE", "c", std::to_string(kStartMs - 1), p, "ABSTTL"}), kOk);
  EXPECT_EQ(Run({"EXISTS", "c"}), Int(0));
  // ... and with REPLACE the old key goes.
  Run({"SET", "d", "old"});
  EXPECT_EQ(Run({"RESTORE", "d", "1", p, "REPLACE", "ABSTTL"}), kOk);
  EXPECT_EQ(Run({"EXISTS", "d"}), Int(0));
  EXPECT_EQ(Run({"RESTORE", "k", "0", p}), Err("BUSYKEY Target key name already exists."));
  Run({"EXPIRE", "k", "100"});
  EXPECT_EQ(Run({"RESTORE", "k", "0", p, "replace"}), kOk);
  EXPECT_EQ(Run({"TTL", "k"}), Int(-1));
  EXPECT_EQ(Run({"RESTORE", "i", "0", p, "IDLETIME", "1000"}), kOk);
  EXPECT_EQ(Run({"OBJECT", "IDLETIME", "i"}), Int(1000));
  EXPECT_EQ(Run({"RESTORE", "f", "0", p, "FREQ", "10"}), kOk);
  // A wrapped relative TTL is in the past (Redis 7.0 adds without a check).
  EXPECT_EQ(Restore("w", p, "9223372036854775807"), kOk);
  EXPECT_EQ(Run({"EXISTS", "w"}), Int(0));
}

TEST_F(DumpTest, ErrorsAsRedis) {
  Run({"SET", "k", "v"});
  const std::string p = Dump("k");
  EXPECT_EQ(Run({"RESTORE", "x", "-1", p}), Err("ERR Invalid TTL value, must be >= 0"));
  EXPECT_EQ(Run({"RESTORE", "x", "abc", p}), Err(errors::kNotInteger));
  EXPECT_EQ(Run({"RESTORE", "x", "0", p, "BOGUS"}), Err(errors::kSyntax));
  EXPECT_EQ(Run({"RESTORE", "x", "0", p, "IDLETIME"}), Err(errors::kSyntax));
  EXPECT_EQ(Run({"RESTORE", "x", "0", p, "IDLETIME", "-1"}), Err("ERR Invalid IDLETIME value, must be >= 0"));
  EXPECT_EQ(Run({"RESTORE", "x", "0", p, "IDLETIME", "x"}), Err(errors::kNotInteger));
  EXPECT_EQ(Run({"RESTORE", "x", "0", p, "FREQ", "256"}), Err("ERR Invalid FREQ value, must be >= 0 and <= 255"));
  EXPECT_EQ(Run({"RESTORE", "x", "0", p, "FREQ", "1", "IDLETIME", "1"}), Err(errors::kSyntax));
  EXPECT_EQ(Run({"RESTORE", "x", "0", p, "IDLETIME", "1", "FREQ", "1"}), Err(errors::kSyntax));
  // Options are checked before the key, the key before the TTL, the TTL before the payload.
  EXPECT_EQ(Run({"RESTORE", "k", "-1", "junk", "BOGUS"}), Err(errors::kSyntax));
  EXPECT_EQ(Run({"RESTORE", "k", "-1", "junk"}), Err("BUSYKEY Target key name already exists."));
  EXPECT_EQ(Run({"RESTORE", "x", "-1", "junk"}), Err("ERR Invalid TTL value, must be >= 0"));
  EXPECT_EQ(Restore("x", "junk"), kBadPayload);
  EXPECT_EQ(Restore("x", ""), kBadPayload);
  std::string bad_crc = p;
  bad_crc.back() ^= 1;
  EXPECT_EQ(Restore("x", bad_crc), kBadPayload);
  EXPECT_EQ(Restore("x", WithFooter(Body(p), 11)), kBadPayload);  // newer RDB version
  EXPECT_EQ(Restore("x", WithFooter(Body(p), 9)), kOk);            // older ones are fine
  EXPECT_EQ(Restore("y", WithFooter("\x06")), kBadFormat);          // module
  EXPECT_EQ(Restore("y", WithFooter("\x08")), kBadFormat);          // no such type
  EXPECT_EQ(Restore("y", WithFooter("\x14\x01")), kBadFormat);      // 7.2's listpack set: not 7.0's
  EXPECT_EQ(Run({"DUMP"}), Err(errors::WrongArity("dump")));
  EXPECT_EQ(Run({"RESTORE", "a", "0"}), Err(errors::WrongArity("restore")));
  EXPECT_EQ(Run({"RESTORE-ASKING", "ra", "0", p}), kOk);
  EXPECT_EQ(Run({"GET", "ra"}), Bulk("v"));
  EXPECT_EQ(Run({"EXISTS", "y"}), Int(0));
}

// Absurd declared sizes are errors, not allocations.
TEST_F(DumpTest, HugeLengthsAreErrors) {
  EXPECT_EQ(Restore("h", WithFooter(FromHex("0081000001000000000061"))), kBadFormat);        // 1 TiB string
  EXPECT_EQ(Restore("h", WithFooter(FromHex("0080ffffffff61"))), kBadFormat);                 // 4 GiB string
  EXPECT_EQ(Restore("h", WithFooter(FromHex("00c3020fffffffff2061"))), kBadFormat);           // LZF of 4 GiB
  EXPECT_EQ(Restore("h", WithFooter(FromHex("02810000100000000000016101"))), kBadFormat);     // set of 2^44
  EXPECT_EQ(Restore("h", WithFooter(FromHex("0581000010000000000001610000000000000000"))), kBadFormat);
  EXPECT_EQ(Restore("h", WithFooter(FromHex("12810000100000000000"))), kBadFormat);           // quicklist nodes
  EXPECT_EQ(Restore("h", WithFooter(FromHex("1381000010000000000000"))), kBadFormat);         // stream nodes
  // Empty aggregates are corrupt too.
  EXPECT_EQ(Restore("h", WithFooter(FromHex("0200"))), kBadFormat);
  EXPECT_EQ(Restore("h", WithFooter(FromHex("1200"))), kBadFormat);
  EXPECT_EQ(Run({"EXISTS", "h"}), Int(0));
}

// Payloads of Redis's tests/integration/corrupt-dump.tcl (valid CRC, corrupt body).
TEST_F(DumpTest, RedisCorruptPayloads) {
  const char* hex[] = {
      // #7445: quicklist 1 with a broken ziplist
      "0e011d1d000000160000000300000443434343060442424242063f41414141ff090088a5caa8c541f435",
      // hash ziplist, invalid entry len
      "0d1b1b00000016000000040000026100040262000414630004026400ff0900d910549215f55f52",
      // invalid zlbytes
      "0d1b2500000016000000040000026100040262000402630004026400ff0900b7f76e9f434314c6",
      // duplicate hash fields
      "0d1b1b00000016000000040000026100040262000402610004026400ff0900a1983678cc8e932e",
      // quicklist with a small ziplist prev len
      "0e0113130000000e00000002000002610002026200ff0900c77103970775b063",
      // stream with duplicate consumers
      "0f000000000107 6d7967726f7570000000 02046e616d652a4caa9a7d01000000046e616d652b4caa9a7d010000000a00cced8ca762eec7c8",
  };
  for (const char* h : hex) {
    std::string clean;
    for (const char* c = h; *c; ++c) if (*c != ' ') clean.push_back(*c);
    std::string p = FromHex(clean);
    EXPECT_EQ(Restore("c", p), kBadFormat) << clean;
    EXPECT_EQ(Run({"EXISTS", "c"}), Int(0));
  }
}

// ---- old encodings (what Redis 2.6 – 6.2 wrote) ----

std::string Ziplist(const std::vector<std::string>& items) {
  std::string body;
  size_t prevlen = 0, last = 10;
  for (const std::string& s : items) {
    last = 10 + body.size();
    std::string e(1, static_cast<char>(prevlen));
    int64_t v;
    if (ParseStrictInt64(s, &v) && v >= 0 && v <= 12) {
      e.push_back(static_cast<char>(0xF1 + v));
    } else if (ParseStrictInt64(s, &v) && v >= INT16_MIN && v <= INT16_MAX) {
      e.push_back(static_cast<char>(0xC0));
      e.push_back(static_cast<char>(v & 0xff));
      e.push_back(static_cast<char>((v >> 8) & 0xff));
    } else {
      e.push_back(static_cast<char>(s.size()));  // < 64 bytes
      e += s;
    }
    prevlen = e.size();
    body += e;
  }
  std::string zl;
  auto put = [&](uint64_t v, int n) { for (int i = 0; i < n; ++i) zl.push_back(static_cast<char>((v >> (8 * i)) & 0xff)); };
  put(10 + body.size() + 1, 4);
  put(last, 4);
  put(items.size(), 2);
  return zl + body + "\xff";
}

std::string Str(std::string_view s) {
  rdb::RdbWriter w;
  w.String(s);
  return w.out();
}

TEST_F(DumpTest, RestoresOldEncodings) {
  // RDB_TYPE_LIST_ZIPLIST
  EXPECT_EQ(Restore("zl", WithFooter("\x0a" + Str(Ziplist({"a", "7", "-300", "hello"})))), kOk);
  EXPECT_EQ(Run({"LRANGE", "zl", "0", "-1"}), BulkArr({"a", "7", "-300", "hello"}));
  // RDB_TYPE_LIST_QUICKLIST (v1): two ziplist nodes
  EXPECT_EQ(Restore("ql", WithFooter("\x0e\x02" + Str(Ziplist({"a", "b"})) + Str(Ziplist({"c"})))), kOk);
  EXPECT_EQ(Run({"LRANGE", "ql", "0", "-1"}), BulkArr({"a", "b", "c"}));
  // RDB_TYPE_LIST (linked list)
  EXPECT_EQ(Restore("ll", WithFooter(std::string("\x01\x02", 2) + Str("x") + Str("12"))), kOk);
  EXPECT_EQ(Run({"LRANGE", "ll", "0", "-1"}), BulkArr({"x", "12"}));
  // RDB_TYPE_HASH_ZIPLIST, RDB_TYPE_HASH_ZIPMAP
  EXPECT_EQ(Restore("hz", WithFooter("\x0d" + Str(Ziplist({"f", "1", "g", "two"})))), kOk);
  EXPECT_EQ(Run({"HGETALL", "hz"}), BulkArr({"f", "1", "g", "two"}));
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "hz"}), Bulk("listpack"));
  std::string zipmap = std::string("\x02\x01" "f" "\x01\x00" "1" "\x01" "g" "\x03\x01" "two" "X" "\xff", 15);
  EXPECT_EQ(Restore("hm", WithFooter("\x09" + Str(zipmap))), kOk);
  EXPECT_EQ(Run({"HGETALL", "hm"}), BulkArr({"f", "1", "g", "two"}));
  // RDB_TYPE_ZSET_ZIPLIST, RDB_TYPE_ZSET (text scores)
  EXPECT_EQ(Restore("zz", WithFooter("\x0c" + Str(Ziplist({"a", "1", "b", "2.5"})))), kOk);
  EXPECT_EQ(Run({"ZRANGE", "zz", "0", "-1", "WITHSCORES"}), BulkArr({"a", "1", "b", "2.5"}));
  EXPECT_EQ(Restore("z1", WithFooter(std::string("\x03\x02", 2) + Str("a") + "\x03" "1.5" + Str("b") + "\xfe")), kOk);
  EXPECT_EQ(Run({"ZRANGE", "z1", "0", "-1", "WITHSCORES"}), BulkArr({"a", "1.5", "b", "inf"}));
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "z1"}), Bulk("listpack"));
  // RDB_TYPE_SET_INTSET in a 64-bit encoding; RDB_TYPE_SET of integers becomes an intset
  std::string intset = std::string("\x08\x00\x00\x00\x02\x00\x00\x00", 8) + std::string("\x01\0\0\0\0\0\0\0", 8) +
                       std::string("\0\0\0\0\0\0\0\x40", 8);
  EXPECT_EQ(Restore("is", WithFooter("\x0b" + Str(intset))), kOk);
  EXPECT_EQ(Run({"SMEMBERS", "is"}), BulkArr({"1", "4611686018427387904"}));
  EXPECT_EQ(Restore("st", WithFooter(std::string("\x02\x02", 2) + Str("3") + Str("1"))), kOk);
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "st"}), Bulk("intset"));
  EXPECT_EQ(Run({"SMEMBERS", "st"}), BulkArr({"1", "3"}));
  // Unsorted or duplicate intset members are corrupt.
  std::string unsorted = std::string("\x02\x00\x00\x00\x02\x00\x00\x00\x05\x00\x01\x00", 12);
  EXPECT_EQ(Restore("bad", WithFooter("\x0b" + Str(unsorted))), kBadFormat);
}

TEST_F(DumpTest, RestoresVersion1Streams) {
  rdb::ListpackBuilder lp;
  for (int64_t v : {2, 0, 1}) lp.AppendInt(v);
  lp.AppendString("f");
  lp.AppendInt(0);
  for (int seq : {0, 1}) {  // two entries with the master's fields: 5-0, 5-1
    lp.AppendInt(2), lp.AppendInt(0), lp.AppendInt(seq), lp.AppendString("v" + std::to_string(seq)), lp.AppendInt(4);
  }
  rdb::RdbWriter w;
  w.Byte(15);
  w.Len(1);
  w.String(std::string("\0\0\0\0\0\0\0\x05\0\0\0\0\0\0\0\0", 16));
  w.String(lp.Finish());
  w.Len(2), w.Len(5), w.Len(1);  // length, last ID
  w.Len(1);                      // one group
  w.String("g"), w.Len(5), w.Len(0);
  w.Len(1), w.Raw(std::string("\0\0\0\0\0\0\0\x05\0\0\0\0\0\0\0\0", 16)), w.Millis(kStartMs - 5000), w.Len(3);
  w.Len(1), w.String("alice"), w.Millis(kStartMs - 5000), w.Len(1), w.Raw(std::string("\0\0\0\0\0\0\0\x05\0\0\0\0\0\0\0\0", 16));
  ASSERT_EQ(Restore("s", WithFooter(w.out(), 9)), kOk);
  EXPECT_EQ(Run({"XLEN", "s"}), Int(2));
  EXPECT_EQ(Run({"XRANGE", "s", "-", "+"}),
            Arr({Arr({Bulk("5-0"), BulkArr({"f", "v0"})}), Arr({Bulk("5-1"), BulkArr({"f", "v1"})})}));
  EXPECT_EQ(Run({"XPENDING", "s", "g", "-", "+", "10"}), Arr({Arr({Bulk("5-0"), Bulk("alice"), Int(5000), Int(3)})}));
  // v1 has no entries_read: estimated from the stream (the group is at its first entry).
  std::string groups = Run({"XINFO", "GROUPS", "s"});
  EXPECT_NE(groups.find("entries-read\r\n:1\r\n"), std::string::npos) << groups;
}

// Flipped bytes and truncations of real payloads: errors (or values that read
// back), never a crash. With a recomputed CRC the decoder itself is exercised.
TEST_F(DumpTest, CorruptedPayloadsNeverCrash) {
  Run({"SET", "s", std::string(60, 'a') + "b"});
  Run({"SET", "i", "123456"});
  for (int i = 0; i < 300; ++i) Run({"RPUSH", "l", "e" + std::to_string(i % 17)});
  Run({"SADD", "is", "1", "2", "3"});
  Run({"SADD", "hs", "a", "b", "c"});
  Run({"HSET", "h", "a", "1", "b", "2"});
  for (int i = 0; i < 200; ++i) Run({"HSET", "bh", "f" + std::to_string(i), "v"});
  Run({"ZADD", "z", "1", "a", "2.5", "b"});
  for (int i = 0; i < 150; ++i) Run({"ZADD", "bz", std::to_string(i), "m" + std::to_string(i)});
  for (int i = 1; i <= 30; ++i) Run({"XADD", "x", std::to_string(i) + "-0", "f", "v", i % 7 ? "g" : "h", "w"});
  Run({"XGROUP", "CREATE", "x", "g", "0"});
  Run({"XREADGROUP", "GROUP", "g", "c", "COUNT", "4", "STREAMS", "x", ">"});
  std::mt19937 rng(12345);
  int ok = 0, errors = 0;
  for (const char* k : {"s", "i", "l", "is", "hs", "h", "bh", "z", "bz", "x"}) {
    const std::string p = Dump(k);
    const std::string body = Body(p);
    // Every truncation, with and without a fixed-up CRC.
    for (size_t n = 0; n < body.size(); n += 1 + body.size() / 200) {
      EXPECT_EQ(Run({"RESTORE", "t", "0", p.substr(0, n + 10), "REPLACE"}), kBadPayload);
      std::string r = Run({"RESTORE", "t", "0", WithFooter(body.substr(0, n)), "REPLACE"});
      EXPECT_TRUE(r == kBadFormat || r == kOk) << k << " " << n;
      if (r == kOk) ReadAll("t"), Run({"DEL", "t"});
    }
    // Random mutations under a valid CRC.
    for (int it = 0; it < 400; ++it) {
      std::string m = body;
      const int flips = 1 + static_cast<int>(rng() % 4);
      for (int f = 0; f < flips; ++f) {
        const size_t at = 1 + rng() % (m.size() - 1);
        switch (rng() % 3) {
          case 0: m[at] = static_cast<char>(rng()); break;
          case 1: m[at] ^= static_cast<char>(1 << (rng() % 8)); break;
          default: m.insert(at, 1, static_cast<char>(rng())); break;
        }
      }
      std::string r = Run({"RESTORE", "t", "0", WithFooter(m), "REPLACE"});
      if (r == kOk) {
        ++ok;
        ReadAll("t");
        RoundTrip("t", "t2");  // what was accepted dumps and restores again
      } else {
        ++errors;
        EXPECT_EQ(r, kBadFormat) << k;
      }
    }
  }
  EXPECT_GT(errors, 0);
  // Random bodies behind every known type byte.
  for (int it = 0; it < 20000; ++it) {
    static constexpr uint8_t kTypes[] = {0, 1, 2, 3, 4, 5, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19};
    std::string m(1, static_cast<char>(kTypes[rng() % std::size(kTypes)]));
    const size_t len = rng() % 64;
    for (size_t i = 0; i < len; ++i) m.push_back(static_cast<char>(rng() % 4 == 0 ? rng() % 8 : rng()));
    std::string r = Run({"RESTORE", "r", "0", WithFooter(m), "REPLACE"});
    if (r == kOk) {
      ++ok;
      ReadAll("r");
    } else {
      EXPECT_EQ(r, kBadFormat);
    }
  }
  EXPECT_GT(ok, 0);
}

// RESTORE-ASKING carries Redis's "asking" flag (the restore event itself is
// checked against redis-server in tests/compat/dump_compat_test.cc).
TEST_F(DumpTest, RestoreAskingIsFlaggedAsking) {
  Run({"SET", "k", "v"});
  const std::string p = Dump("k");
  Run({"CONFIG", "SET", "notify-keyspace-events", "KEA"});
  EXPECT_EQ(Restore("n", p), kOk);
  EXPECT_EQ(Run({"GET", "n"}), Bulk("v"));
  EXPECT_EQ(Run({"COMMAND", "INFO", "restore-asking"}).find("asking") != std::string::npos, true);
}

// FUNCTION DUMP / RESTORE speak Redis's payload (RDB_OPCODE_FUNCTION2 + code,
// version, CRC64): the bytes below are redis-server 7.0.15's.
TEST_F(DumpTest, FunctionDumpIsRedisPayload) {
  const std::string lib = "#!lua name=mylib\nredis.register_function('f1', function(keys, args) return 1 end)";
  const std::string redis_payload = FromHex(
      "f5405123216c7561206e616d653d6d796c69620a72656469732e72656769737465725f66756e6374696f6e28276631272c2066756e63"
      "74696f6e286b6579732c2061726773292072657475726e203120656e64290a00cd77d9f896393468");
  EXPECT_EQ(Run({"FUNCTION", "LOAD", lib}), Bulk("mylib"));
  EXPECT_EQ(Run({"FUNCTION", "DUMP"}), Bulk(redis_payload));
  EXPECT_EQ(Run({"FUNCTION", "FLUSH"}), kOk);
  EXPECT_EQ(Run({"FUNCTION", "RESTORE", redis_payload}), kOk);
  EXPECT_EQ(Run({"FCALL", "f1", "0"}), Int(1));
  EXPECT_EQ(Run({"FUNCTION", "RESTORE", "junk"}), kBadPayload);
  EXPECT_EQ(Run({"FUNCTION", "RESTORE", WithFooter("\x05")}), Err("ERR given type is not a function"));
  EXPECT_EQ(Run({"FUNCTION", "RESTORE", WithFooter("\xf6")}), Err("ERR Failed loading library name"));
  EXPECT_EQ(Run({"FUNCTION", "RESTORE", WithFooter("\xf6\x01" "a")}), Err("ERR Failed loading engine name"));
  EXPECT_EQ(Run({"FUNCTION", "RESTORE", WithFooter("\xf6\x01" "a\x03" "LUA")}), Err("ERR Failed loading library blob"));
  EXPECT_EQ(Run({"FUNCTION", "RESTORE", WithFooter("\xf5\x40")}), Err("ERR Failed loading library payload"));
  EXPECT_EQ(Run({"FUNCTION", "RESTORE", WithFooter(""), "FLUSH"}), kOk);  // no libraries: flushes
  EXPECT_EQ(Run({"FCALL", "f1", "0"}), Err("ERR Function not found"));
}

}  // namespace
}  // namespace stockd::engine::testing
