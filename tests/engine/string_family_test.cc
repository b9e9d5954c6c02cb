// tests/engine/string_family_test.cc — engine/string_family.cc, reply by reply
// (expected bytes checked against redis-server 7.0).
#include "tests/engine/engine_test_util.h"

namespace stockd::engine::testing {
namespace {

using StringFamilyTest = EngineTest;

TEST_F(StringFamilyTest, GetSetBasics) {
  EXPECT_EQ(Run({"GET", "k"}), kNil);
  EXPECT_EQ(Run({"SET", "k", "v"}), kOk);
  EXPECT_EQ(Run({"GET", "k"}), Bulk("v"));
  EXPECT_EQ(Run({"set", "k", ""}), kOk);
  EXPECT_EQ(Run({"get", "k"}), Bulk(""));
  std::string binary("a\0b\r\n", 5);
  EXPECT_EQ(Run({"SET", "bin", binary}), kOk);
  EXPECT_EQ(Run({"GET", "bin"}), Bulk(binary));
}

TEST_F(StringFamilyTest, IntegersRoundTripExactly) {
  for (std::string v : {"0", "-1", "123", "9223372036854775807", "-9223372036854775808", "007",
                        "+5", " 5", "-0", "1e3", "9223372036854775808"}) {
    EXPECT_EQ(Run({"SET", "k", v}), kOk);
    EXPECT_EQ(Run({"GET", "k"}), Bulk(v)) << v;
  }
}

TEST_F(StringFamilyTest, Encodings) {
  Run({"SET", "i", "12345"});
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "i"}), Bulk("int"));
  Run({"SET", "z", "012"});
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "z"}), Bulk("embstr"));
  Run({"SET", "e", std::string(44, 'x')});
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "e"}), Bulk("embstr"));
  Run({"SET", "r", std::string(45, 'x')});
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "r"}), Bulk("raw"));
  Run({"APPEND", "e", "y"});
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "e"}), Bulk("raw"));
  Run({"INCR", "n"});
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "n"}), Bulk("int"));
  Run({"INCRBYFLOAT", "f", "1"});
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "f"}), Bulk("embstr"));
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "missing"}), kNil);
}

TEST_F(StringFamilyTest, SetNxXxGet) {
  EXPECT_EQ(Run({"SET", "k", "v", "XX"}), kNil);
  EXPECT_EQ(Run({"SET", "k", "v", "NX"}), kOk);
  EXPECT_EQ(Run({"SET", "k", "w", "NX"}), kNil);
  EXPECT_EQ(Run({"SET", "k", "w", "xx"}), kOk);
  EXPECT_EQ(Run({"SET", "k", "x", "GET"}), Bulk("w"));
  EXPECT_EQ(Run({"SET", "k2", "x", "GET"}), kNil);
  EXPECT_EQ(Run({"GET", "k2"}), Bulk("x"));
  // NX + GET (allowed since 7.0): replies the old value, does not set.
  EXPECT_EQ(Run({"SET", "k", "y", "NX", "GET"}), Bulk("x"));
  EXPECT_EQ(Run({"GET", "k"}), Bulk("x"));
  EXPECT_EQ(Run({"SET", "k", "v", "NX", "XX"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"SET", "k", "v", "XX", "NX"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"SET", "k", "v", "FOO"}), Err("ERR syntax error"));
}

TEST_F(StringFamilyTest, SetExpireOptions) {
  EXPECT_EQ(Run({"SET", "k", "v", "EX", "10"}), kOk);
  EXPECT_EQ(Run({"TTL", "k"}), Int(10));
  EXPECT_EQ(Run({"SET", "k", "v", "PX", "1500"}), kOk);
  EXPECT_EQ(Run({"PTTL", "k"}), Int(1500));
  EXPECT_EQ(Run({"SET", "k", "v", "EXAT", std::to_string(kStartMs / 1000 + 100)}), kOk);
  EXPECT_EQ(Run({"TTL", "k"}), Int(100));
  EXPECT_EQ(Run({"SET", "k", "v", "PXAT", std::to_string(kStartMs + 2500)}), kOk);
  EXPECT_EQ(Run({"PTTL", "k"}), Int(2500));
  EXPECT_EQ(Run({"SET", "k", "w", "KEEPTTL"}), kOk);
  EXPECT_EQ(Run({"PTTL", "k"}), Int(2500));
  EXPECT_EQ(Run({"SET", "k", "w"}), kOk);
  EXPECT_EQ(Run({"TTL", "k"}), Int(-1));
  // The last of repeated EX wins (Redis accepts the repetition).
  EXPECT_EQ(Run({"SET", "k", "v", "EX", "10", "EX", "20"}), kOk);
  EXPECT_EQ(Run({"TTL", "k"}), Int(20));
}

TEST_F(StringFamilyTest, SetExpireErrors) {
  const std::string kInvalid = Err("ERR invalid expire time in 'set' command");
  EXPECT_EQ(Run({"SET", "k", "v", "EX", "0"}), kInvalid);
  EXPECT_EQ(Run({"SET", "k", "v", "EX", "-5"}), kInvalid);
  EXPECT_EQ(Run({"SET", "k", "v", "PX", "9223372036854775807"}), kInvalid);
  EXPECT_EQ(Run({"SET", "k", "v", "EX", "9223372036854775"}), kInvalid);
  EXPECT_EQ(Run({"SET", "k", "v", "EXAT", "9223372036854775807"}), kInvalid);
  EXPECT_EQ(Run({"SET", "k", "v", "EX", "abc"}), Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(Run({"SET", "k", "v", "EX"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"SET", "k", "v", "EX", "10", "PX", "10"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"SET", "k", "v", "KEEPTTL", "EX", "10"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"SET", "k", "v", "EX", "10", "KEEPTTL"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"SET", "k", "v", "PERSIST"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"SETEX", "k", "0", "v"}), Err("ERR invalid expire time in 'setex' command"));
  EXPECT_EQ(Run({"PSETEX", "k", "-1", "v"}), Err("ERR invalid expire time in 'psetex' command"));
  EXPECT_EQ(Run({"EXISTS", "k"}), Int(0));
}

TEST_F(StringFamilyTest, SetNxSetExPSetEx) {
  EXPECT_EQ(Run({"SETNX", "k", "a"}), Int(1));
  EXPECT_EQ(Run({"SETNX", "k", "b"}), Int(0));
  EXPECT_EQ(Run({"GET", "k"}), Bulk("a"));
  EXPECT_EQ(Run({"SETEX", "k", "100", "c"}), kOk);
  EXPECT_EQ(Run({"TTL", "k"}), Int(100));
  EXPECT_EQ(Run({"PSETEX", "k", "1234", "d"}), kOk);
  EXPECT_EQ(Run({"PTTL", "k"}), Int(1234));
  EXPECT_EQ(Run({"GET", "k"}), Bulk("d"));
}

TEST_F(StringFamilyTest, WrongType) {
  PlantList("l");
  const std::string kWrong = Err("WRONGTYPE Operation against a key holding the wrong kind of value");
  for (auto argv : std::vector<std::vector<std::string>>{
           {"GET", "l"}, {"INCR", "l"}, {"DECRBY", "l", "1"}, {"APPEND", "l", "x"},
           {"STRLEN", "l"}, {"GETRANGE", "l", "0", "1"}, {"SETRANGE", "l", "0", "x"},
           {"INCRBYFLOAT", "l", "1"}, {"INCRBYFLOAT", "l", "x"}, {"GETSET", "l", "x"},
           {"GETDEL", "l"}, {"GETEX", "l"}, {"SET", "l", "x", "GET"}}) {
    EXPECT_EQ(Run(argv), kWrong) << argv[0];
  }
  EXPECT_EQ(Run({"MGET", "l"}), Arr({kNil}));
  EXPECT_EQ(Run({"TYPE", "l"}), Status("list"));
  EXPECT_EQ(Run({"SET", "l", "x"}), kOk);  // SET overwrites any type
  EXPECT_EQ(Run({"TYPE", "l"}), Status("string"));
}

TEST_F(StringFamilyTest, MGetMSetMSetNx) {
  EXPECT_EQ(Run({"MSET", "a", "1", "b", "2"}), kOk);
  EXPECT_EQ(Run({"MGET", "a", "nope", "b"}), Arr({Bulk("1"), kNil, Bulk("2")}));
  EXPECT_EQ(Run({"MSET", "a", "1", "b"}), Err("ERR wrong number of arguments for 'mset' command"));
  EXPECT_EQ(Run({"MSETNX", "c", "3", "a", "x"}), Int(0));
  EXPECT_EQ(Run({"EXISTS", "c"}), Int(0));
  EXPECT_EQ(Run({"MSETNX", "c", "3", "d", "4"}), Int(1));
  EXPECT_EQ(Run({"MGET", "c", "d"}), Arr({Bulk("3"), Bulk("4")}));
  EXPECT_EQ(Run({"MSETNX", "e", "1", "f"}),
            Err("ERR wrong number of arguments for 'msetnx' command"));
  // The same key twice: the last value wins.
  EXPECT_EQ(Run({"MSET", "x", "1", "x", "2"}), kOk);
  EXPECT_EQ(Run({"GET", "x"}), Bulk("2"));
  // MSET clears a TTL.
  Run({"SET", "t", "v", "EX", "100"});
  Run({"MSET", "t", "w"});
  EXPECT_EQ(Run({"TTL", "t"}), Int(-1));
}

TEST_F(StringFamilyTest, GetSetGetDelGetEx) {
  EXPECT_EQ(Run({"GETSET", "k", "a"}), kNil);
  EXPECT_EQ(Run({"GETSET", "k", "b"}), Bulk("a"));
  Run({"EXPIRE", "k", "100"});
  EXPECT_EQ(Run({"GETSET", "k", "c"}), Bulk("b"));
  EXPECT_EQ(Run({"TTL", "k"}), Int(-1));  // GETSET drops the TTL
  EXPECT_EQ(Run({"GETDEL", "k"}), Bulk("c"));
  EXPECT_EQ(Run({"GETDEL", "k"}), kNil);
  EXPECT_EQ(Run({"EXISTS", "k"}), Int(0));

  EXPECT_EQ(Run({"GETEX", "k"}), kNil);
  Run({"SET", "k", "v"});
  EXPECT_EQ(Run({"GETEX", "k", "EX", "50"}), Bulk("v"));
  EXPECT_EQ(Run({"TTL", "k"}), Int(50));
  EXPECT_EQ(Run({"GETEX", "k", "PX", "5000"}), Bulk("v"));
  EXPECT_EQ(Run({"PTTL", "k"}), Int(5000));
  EXPECT_EQ(Run({"GETEX", "k", "PERSIST"}), Bulk("v"));
  EXPECT_EQ(Run({"TTL", "k"}), Int(-1));
  EXPECT_EQ(Run({"GETEX", "k", "PERSIST", "EX", "10"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"GETEX", "k", "KEEPTTL"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"GETEX", "k", "EX", "0"}), Err("ERR invalid expire time in 'getex' command"));
  // An absolute deadline in the past deletes the key after replying it.
  EXPECT_EQ(Run({"GETEX", "k", "PXAT", std::to_string(kStartMs - 1)}), Bulk("v"));
  EXPECT_EQ(Run({"EXISTS", "k"}), Int(0));
}

TEST_F(StringFamilyTest, AppendStrlen) {
  EXPECT_EQ(Run({"APPEND", "k", "Hello"}), Int(5));
  EXPECT_EQ(Run({"APPEND", "k", " World"}), Int(11));
  EXPECT_EQ(Run({"GET", "k"}), Bulk("Hello World"));
  EXPECT_EQ(Run({"STRLEN", "k"}), Int(11));
  EXPECT_EQ(Run({"STRLEN", "nope"}), Int(0));
  Run({"SET", "n", "12"});
  EXPECT_EQ(Run({"APPEND", "n", "34"}), Int(4));
  EXPECT_EQ(Run({"INCR", "n"}), Int(1235));  // a raw string that reads as an integer
  EXPECT_EQ(Run({"STRLEN", "n"}), Int(4));
  EXPECT_EQ(Run({"APPEND", "n", ""}), Int(4));
}

TEST_F(StringFamilyTest, ProtoMaxBulkLen) {
  EngineOptions o;
  o.proto_max_bulk_len = 10;
  Engine small(o);
  EXPECT_EQ(small.Execute({"APPEND", "k", "12345"}), Int(5));
  EXPECT_EQ(small.Execute({"APPEND", "k", "123456"}),
            Err("ERR string exceeds maximum allowed size (proto-max-bulk-len)"));
  EXPECT_EQ(small.Execute({"SETRANGE", "k", "8", "abc"}),
            Err("ERR string exceeds maximum allowed size (proto-max-bulk-len)"));
  EXPECT_EQ(small.Execute({"SETRANGE", "k2", "10", "a"}),
            Err("ERR string exceeds maximum allowed size (proto-max-bulk-len)"));
}

TEST_F(StringFamilyTest, GetRange) {
  Run({"SET", "k", "This is a string"});
  EXPECT_EQ(Run({"GETRANGE", "k", "0", "3"}), Bulk("This"));
  EXPECT_EQ(Run({"GETRANGE", "k", "-3", "-1"}), Bulk("ing"));
  EXPECT_EQ(Run({"GETRANGE", "k", "0", "-1"}), Bulk("This is a string"));
  EXPECT_EQ(Run({"GETRANGE", "k", "10", "100"}), Bulk("string"));
  EXPECT_EQ(Run({"GETRANGE", "k", "5", "3"}), Bulk(""));
  EXPECT_EQ(Run({"GETRANGE", "k", "-1", "-5"}), Bulk(""));
  EXPECT_EQ(Run({"GETRANGE", "k", "-100", "2"}), Bulk("Thi"));
  EXPECT_EQ(Run({"GETRANGE", "nope", "0", "-1"}), Bulk(""));
  EXPECT_EQ(Run({"GETRANGE", "k", "a", "1"}), Err("ERR value is not an integer or out of range"));
  Run({"SET", "n", "123456"});
  EXPECT_EQ(Run({"GETRANGE", "n", "1", "2"}), Bulk("23"));
  EXPECT_EQ(Run({"SUBSTR", "n", "-2", "-1"}), Bulk("56"));
}

TEST_F(StringFamilyTest, SetRange) {
  Run({"SET", "k", "Hello World"});
  EXPECT_EQ(Run({"SETRANGE", "k", "6", "Redis"}), Int(11));
  EXPECT_EQ(Run({"GET", "k"}), Bulk("Hello Redis"));
  EXPECT_EQ(Run({"SETRANGE", "p", "3", "ab"}), Int(5));
  EXPECT_EQ(Run({"GET", "p"}), Bulk(std::string("\0\0\0ab", 5)));
  EXPECT_EQ(Run({"SETRANGE", "q", "3", ""}), Int(0));
  EXPECT_EQ(Run({"EXISTS", "q"}), Int(0));
  EXPECT_EQ(Run({"SETRANGE", "k", "0", ""}), Int(11));
  EXPECT_EQ(Run({"SETRANGE", "k", "-1", "x"}), Err("ERR offset is out of range"));
  EXPECT_EQ(Run({"SETRANGE", "k", "x", "x"}), Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(Run({"SETRANGE", "big", "536870912", "a"}),
            Err("ERR string exceeds maximum allowed size (proto-max-bulk-len)"));
  // offset + length must not overflow into a "small" size.
  EXPECT_EQ(Run({"SETRANGE", "big", "9223372036854775807", "ab"}),
            Err("ERR string exceeds maximum allowed size (proto-max-bulk-len)"));
  EXPECT_EQ(Run({"SETRANGE", "k", "9223372036854775807", "ab"}),
            Err("ERR string exceeds maximum allowed size (proto-max-bulk-len)"));
  Run({"SET", "n", "12"});
  EXPECT_EQ(Run({"SETRANGE", "n", "1", "9"}), Int(2));
  EXPECT_EQ(Run({"GET", "n"}), Bulk("19"));
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "n"}), Bulk("raw"));
}

TEST_F(StringFamilyTest, IncrDecr) {
  EXPECT_EQ(Run({"INCR", "k"}), Int(1));
  EXPECT_EQ(Run({"INCRBY", "k", "10"}), Int(11));
  EXPECT_EQ(Run({"DECR", "k"}), Int(10));
  EXPECT_EQ(Run({"DECRBY", "k", "3"}), Int(7));
  EXPECT_EQ(Run({"GET", "k"}), Bulk("7"));
  EXPECT_EQ(Run({"INCRBY", "k", "-10"}), Int(-3));
  EXPECT_EQ(Run({"INCRBY", "k", "x"}), Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(Run({"INCRBY", "k", " 1"}), Err("ERR value is not an integer or out of range"));
  Run({"SET", "s", "abc"});
  EXPECT_EQ(Run({"INCR", "s"}), Err("ERR value is not an integer or out of range"));
  Run({"SET", "s", "1 "});
  EXPECT_EQ(Run({"INCR", "s"}), Err("ERR value is not an integer or out of range"));
  Run({"SET", "m", "9223372036854775807"});
  EXPECT_EQ(Run({"INCR", "m"}), Err("ERR increment or decrement would overflow"));
  Run({"SET", "m", "-9223372036854775808"});
  EXPECT_EQ(Run({"DECR", "m"}), Err("ERR increment or decrement would overflow"));
  EXPECT_EQ(Run({"DECRBY", "m", "-9223372036854775808"}), Err("ERR decrement would overflow"));
  EXPECT_EQ(Run({"GET", "m"}), Bulk("-9223372036854775808"));
}

TEST_F(StringFamilyTest, IncrKeepsTtl) {
  Run({"SET", "k", "5", "EX", "100"});
  EXPECT_EQ(Run({"INCR", "k"}), Int(6));
  EXPECT_EQ(Run({"TTL", "k"}), Int(100));
  EXPECT_EQ(Run({"INCRBYFLOAT", "k", "0.5"}), Bulk("6.5"));
  EXPECT_EQ(Run({"TTL", "k"}), Int(100));
}

TEST_F(StringFamilyTest, IncrByFloat) {
  EXPECT_EQ(Run({"INCRBYFLOAT", "k", "10.5"}), Bulk("10.5"));
  EXPECT_EQ(Run({"INCRBYFLOAT", "k", "0.1"}), Bulk("10.6"));
  EXPECT_EQ(Run({"INCRBYFLOAT", "k", "-5"}), Bulk("5.6"));
  Run({"SET", "n", "5"});
  EXPECT_EQ(Run({"INCRBYFLOAT", "n", "0.1"}), Bulk("5.1"));
  EXPECT_EQ(Run({"INCRBYFLOAT", "n", "2.0e2"}), Bulk("205.10000000000000001"));  // as Redis
  Run({"SET", "z", "1"});
  EXPECT_EQ(Run({"INCRBYFLOAT", "z", "-1"}), Bulk("0"));
  Run({"SET", "w", "5.0e3"});
  EXPECT_EQ(Run({"INCRBYFLOAT", "w", "1"}), Bulk("5001"));
  EXPECT_EQ(Run({"INCRBYFLOAT", "k", "abc"}), Err("ERR value is not a valid float"));
  EXPECT_EQ(Run({"INCRBYFLOAT", "k", " 1"}), Err("ERR value is not a valid float"));
  EXPECT_EQ(Run({"INCRBYFLOAT", "k", "nan"}), Err("ERR value is not a valid float"));
  EXPECT_EQ(Run({"INCRBYFLOAT", "k", "inf"}), Err("ERR increment would produce NaN or Infinity"));
  Run({"SET", "s", "abc"});
  EXPECT_EQ(Run({"INCRBYFLOAT", "s", "1"}), Err("ERR value is not a valid float"));
}

TEST_F(StringFamilyTest, ArityErrors) {
  EXPECT_EQ(Run({"GET"}), Err("ERR wrong number of arguments for 'get' command"));
  EXPECT_EQ(Run({"GET", "a", "b"}), Err("ERR wrong number of arguments for 'get' command"));
  EXPECT_EQ(Run({"SET", "a"}), Err("ERR wrong number of arguments for 'set' command"));
  EXPECT_EQ(Run({"INCRBY", "a"}), Err("ERR wrong number of arguments for 'incrby' command"));
  EXPECT_EQ(Run({"MGET"}), Err("ERR wrong number of arguments for 'mget' command"));
}

TEST_F(StringFamilyTest, Resp3Null) {
  session_.resp = 3;
  EXPECT_EQ(Run({"GET", "nope"}), "_\r\n");
  EXPECT_EQ(Run({"MGET", "nope"}), "*1\r\n_\r\n");
}

}  // namespace
}  // namespace stockd::engine::testing
