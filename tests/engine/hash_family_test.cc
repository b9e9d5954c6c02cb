// tests/engine/hash_family_test.cc — engine/hash_family.cc, reply by reply
// (expected bytes checked against redis-server 7.0.15).
#include <map>
#include <random>
#include <set>

#include "engine/args.h"
#include "engine/types/hash.h"
#include "tests/engine/engine_test_util.h"

namespace stockd::engine::testing {
namespace {

using HashFamilyTest = EngineTest;
const std::string kWrongType = Err("WRONGTYPE Operation against a key holding the wrong kind of value");

TEST_F(HashFamilyTest, SetGetDelete) {
  EXPECT_EQ(Run({"HSET", "h", "a", "1", "b", "2"}), Int(2));
  EXPECT_EQ(Run({"HSET", "h", "a", "10", "c", "3"}), Int(1));
  EXPECT_EQ(Run({"HSETNX", "h", "a", "x"}), Int(0));
  EXPECT_EQ(Run({"HSETNX", "h", "d", "4"}), Int(1));
  EXPECT_EQ(Run({"HMSET", "h", "e", "5"}), kOk);
  EXPECT_EQ(Run({"HGET", "h", "a"}), Bulk("10"));
  EXPECT_EQ(Run({"HGET", "h", "zz"}), kNil);
  EXPECT_EQ(Run({"HGET", "nope", "a"}), kNil);
  EXPECT_EQ(Run({"HMGET", "h", "a", "zz", "b"}), Arr({Bulk("10"), kNil, Bulk("2")}));
  EXPECT_EQ(Run({"HMGET", "nope", "a"}), Arr({kNil}));
  // Listpack keeps insertion order; an update keeps its place.
  EXPECT_EQ(Run({"HGETALL", "h"}),
            BulkArr({"a", "10", "b", "2", "c", "3", "d", "4", "e", "5"}));
  EXPECT_EQ(Run({"HKEYS", "h"}), BulkArr({"a", "b", "c", "d", "e"}));
  EXPECT_EQ(Run({"HVALS", "h"}), BulkArr({"10", "2", "3", "4", "5"}));
  EXPECT_EQ(Run({"HLEN", "h"}), Int(5));
  EXPECT_EQ(Run({"HEXISTS", "h", "a"}), Int(1));
  EXPECT_EQ(Run({"HEXISTS", "h", "zz"}), Int(0));
  EXPECT_EQ(Run({"HSTRLEN", "h", "a"}), Int(2));
  EXPECT_EQ(Run({"HSTRLEN", "h", "zz"}), Int(0));
  EXPECT_EQ(Run({"HDEL", "h", "a", "zz", "b"}), Int(2));
  EXPECT_EQ(Run({"HKEYS", "h"}), BulkArr({"c", "d", "e"}));
  EXPECT_EQ(Run({"HDEL", "h", "c", "d", "e"}), Int(3));
  EXPECT_EQ(Run({"EXISTS", "h"}), Int(0));
  EXPECT_EQ(Run({"HGETALL", "h"}), "*0\r\n");
  EXPECT_EQ(Run({"HDEL", "h", "a"}), Int(0));
  EXPECT_EQ(Run({"HLEN", "h"}), Int(0));
}

TEST_F(HashFamilyTest, ArityAndWrongType) {
  EXPECT_EQ(Run({"HSET", "h", "a"}), Err("ERR wrong number of arguments for 'hset' command"));
  EXPECT_EQ(Run({"HSET", "h", "a", "1", "b"}), Err("ERR wrong number of arguments for 'hset' command"));
  EXPECT_EQ(Run({"HMSET", "h", "a", "1", "b"}), Err("ERR wrong number of arguments for 'hmset' command"));
  EXPECT_EQ(Run({"EXISTS", "h"}), Int(0));
  Run({"SET", "s", "v"});
  for (auto cmd : std::vector<std::vector<std::string>>{
           {"HSET", "s", "a", "1"}, {"HSETNX", "s", "a", "1"}, {"HGET", "s", "a"},
           {"HMGET", "s", "a"}, {"HGETALL", "s"}, {"HDEL", "s", "a"}, {"HEXISTS", "s", "a"},
           {"HLEN", "s"}, {"HKEYS", "s"}, {"HVALS", "s"}, {"HSTRLEN", "s", "a"},
           {"HINCRBY", "s", "a", "1"}, {"HINCRBYFLOAT", "s", "a", "1"}, {"HRANDFIELD", "s"},
           {"HSCAN", "s", "0"}}) {
    EXPECT_EQ(Run(cmd), kWrongType) << cmd[0];
  }
}

TEST_F(HashFamilyTest, Increments) {
  EXPECT_EQ(Run({"HINCRBY", "h", "n", "5"}), Int(5));
  EXPECT_EQ(Run({"HINCRBY", "h", "n", "-7"}), Int(-2));
  EXPECT_EQ(Run({"HINCRBY", "h", "n", "x"}), Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(Run({"HINCRBY", "h", "n", "9223372036854775807"}), Int(9223372036854775805));
  EXPECT_EQ(Run({"HINCRBY", "h", "n", "3"}), Err("ERR increment or decrement would overflow"));
  Run({"HSET", "h", "s", "abc", "f", "1.5"});
  EXPECT_EQ(Run({"HINCRBY", "h", "s", "1"}), Err("ERR hash value is not an integer"));
  EXPECT_EQ(Run({"HINCRBY", "h", "f", "1"}), Err("ERR hash value is not an integer"));
  EXPECT_EQ(Run({"HINCRBYFLOAT", "h", "f", "1"}), Bulk("2.5"));
  EXPECT_EQ(Run({"HINCRBYFLOAT", "h", "g", "0.1"}), Bulk("0.1"));
  EXPECT_EQ(Run({"HINCRBYFLOAT", "h", "s", "1"}), Err("ERR hash value is not a float"));
  EXPECT_EQ(Run({"HINCRBYFLOAT", "h", "f", "x"}), Err("ERR value is not a valid float"));
  EXPECT_EQ(Run({"HINCRBYFLOAT", "h", "f", "inf"}), Err("ERR value is NaN or Infinity"));
  Run({"HSET", "h", "huge", "1e4932"});
  EXPECT_EQ(Run({"HINCRBYFLOAT", "h", "huge", "1e4932"}), Err("ERR increment would produce NaN or Infinity"));
  EXPECT_EQ(Run({"HGET", "h", "f"}), Bulk("2.5"));
  EXPECT_EQ(Run({"HINCRBYFLOAT", "h2", "f", "3"}), Bulk("3"));
  EXPECT_EQ(Run({"HINCRBYFLOAT", "h3", "f", "x"}), Err("ERR value is not a valid float"));
  EXPECT_EQ(Run({"EXISTS", "h3"}), Int(0));
}

TEST_F(HashFamilyTest, EncodingThresholds) {
  Run({"HSET", "h", "a", std::string(64, 'v')});
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "h"}), Bulk("listpack"));
  Run({"HSET", "h", "b", std::string(65, 'v')});
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "h"}), Bulk("hashtable"));
  Run({"HDEL", "h", "b"});
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "h"}), Bulk("hashtable"));  // never converts back
  for (int i = 0; i < 512; ++i) Run({"HSET", "big", "f" + std::to_string(i), "v"});
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "big"}), Bulk("listpack"));
  Run({"HSET", "big", "f512", "v"});
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "big"}), Bulk("hashtable"));
  EXPECT_EQ(Run({"HLEN", "big"}), Int(513));
  EXPECT_EQ(Run({"HGET", "big", "f77"}), Bulk("v"));
  EXPECT_EQ(Run({"TYPE", "big"}), Status("hash"));
}

TEST_F(HashFamilyTest, Resp3Map) {
  Run({"HSET", "h", "a", "1"});
  session_.resp = 3;
  EXPECT_EQ(Run({"HGETALL", "h"}), "%1\r\n" + Bulk("a") + Bulk("1"));
  EXPECT_EQ(Run({"HGETALL", "nope"}), "%0\r\n");
  EXPECT_EQ(Run({"HRANDFIELD", "h", "1", "WITHVALUES"}), "*1\r\n*2\r\n" + Bulk("a") + Bulk("1"));
  EXPECT_EQ(Run({"HRANDFIELD", "h", "-2", "WITHVALUES"}),
            "*2\r\n*2\r\n" + Bulk("a") + Bulk("1") + "*2\r\n" + Bulk("a") + Bulk("1"));
}

// See SetFamilyTest.RandomMemberRefusesUnboundedRepetitions.
TEST_F(HashFamilyTest, RandFieldRefusesUnboundedRepetitions) {
  EXPECT_EQ(Run({"HRANDFIELD", "h", "-4611686018427387905"}), "*0\r\n");
  Run({"HSET", "h", "a", "1"});
  ASSERT_EQ(Run({"HRANDFIELD", "h", std::to_string(-kMaxRepeatedCount - 1), "WITHVALUES"}),
            Err("ERR value is out of range"));  // the bound first (see the set test)
  EXPECT_EQ(Run({"HRANDFIELD", "h", "-4611686018427387905"}), Err("ERR value is out of range"));
  EXPECT_EQ(Run({"HRANDFIELD", "h", "-3", "WITHVALUES"}), BulkArr({"a", "1", "a", "1", "a", "1"}));
}

TEST_F(HashFamilyTest, RandField) {
  EXPECT_EQ(Run({"HRANDFIELD", "h"}), kNil);
  EXPECT_EQ(Run({"HRANDFIELD", "h", "3"}), "*0\r\n");
  Run({"HSET", "h", "a", "1", "b", "2", "c", "3"});
  const std::string one = Run({"HRANDFIELD", "h"});
  EXPECT_TRUE(one == Bulk("a") || one == Bulk("b") || one == Bulk("c")) << one;
  EXPECT_EQ(Run({"HRANDFIELD", "h", "0"}), "*0\r\n");
  EXPECT_EQ(Run({"HRANDFIELD", "h", "5"}), BulkArr({"a", "b", "c"}));  // whole hash, in order
  EXPECT_EQ(Run({"HRANDFIELD", "h", "5", "WITHVALUES"}), BulkArr({"a", "1", "b", "2", "c", "3"}));
  const std::string two = Run({"HRANDFIELD", "h", "2"});
  EXPECT_EQ(two.substr(0, 4), "*2\r\n");
  EXPECT_NE(two.substr(4, 7), two.substr(11, 7)) << "distinct fields";
  const std::string rep = Run({"HRANDFIELD", "h", "-10"});
  EXPECT_EQ(rep.substr(0, 5), "*10\r\n");
  EXPECT_EQ(Run({"HRANDFIELD", "h", "-2", "WITHVALUES"}).substr(0, 4), "*4\r\n");
  EXPECT_EQ(Run({"HRANDFIELD", "h", "1", "FOO"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"HRANDFIELD", "h", "x"}), Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(Run({"HRANDFIELD", "h", "-9223372036854775808"}),
            Err("ERR value is out of range, value must between -9223372036854775807 and "
                "9223372036854775807"));
  EXPECT_EQ(Run({"HRANDFIELD", "h", "-4611686018427387904", "WITHVALUES"}),
            Err("ERR value is out of range"));
}

TEST_F(HashFamilyTest, RandFieldOnHashtable) {
  for (int i = 0; i < 600; ++i) Run({"HSET", "big", "f" + std::to_string(i), "v" + std::to_string(i)});
  ASSERT_EQ(Run({"OBJECT", "ENCODING", "big"}), Bulk("hashtable"));
  for (const char* count : {"-7", "5"}) {
    std::string r = Run({"HRANDFIELD", "big", count, "WITHVALUES"});
    const size_t n = static_cast<size_t>(std::abs(std::stoi(count)));
    ASSERT_EQ(r.substr(0, r.find("\r\n")), "*" + std::to_string(2 * n));
    // Every (field, value) pair belongs together: fN with vN.
    size_t q = r.find("\r\n") + 2;
    for (size_t i = 0; i < n; ++i) {
      std::string pair[2];
      for (auto& part : pair) {
        size_t len_end = r.find("\r\n", q);
        size_t len = std::stoul(r.substr(q + 1, len_end - q - 1));
        part = r.substr(len_end + 2, len);
        q = len_end + 2 + len + 2;
      }
      EXPECT_EQ("v" + pair[0].substr(1), pair[1]);
    }
  }
}

TEST_F(HashFamilyTest, ScanSmallAndBig) {
  Run({"HSET", "h", "a", "1", "b", "2"});
  EXPECT_EQ(Run({"HSCAN", "h", "0"}), Arr({Bulk("0"), BulkArr({"a", "1", "b", "2"})}));
  EXPECT_EQ(Run({"HSCAN", "h", "0", "MATCH", "b*"}), Arr({Bulk("0"), BulkArr({"b", "2"})}));
  EXPECT_EQ(Run({"HSCAN", "nope", "0"}), Arr({Bulk("0"), "*0\r\n"}));
  EXPECT_EQ(Run({"HSCAN", "h", "x"}), Err("ERR invalid cursor"));
  EXPECT_EQ(Run({"HSCAN", "h", "0", "COUNT", "0"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"HSCAN", "h", "0", "FOO"}), Err("ERR syntax error"));
  // A hashtable scanned with COUNT 7 while fields come and go: every field
  // present throughout is returned exactly once.
  for (int i = 0; i < 600; ++i) Run({"HSET", "big", "f" + std::to_string(i), "v"});
  std::multiset<std::string> seen;
  std::string cursor = "0";
  int calls = 0, extra = 0;
  do {
    std::string r = Run({"HSCAN", "big", cursor, "COUNT", "7"});
    // Parse: *2\r\n$n\r\ncursor\r\n*m\r\n then m bulks.
    size_t p = r.find("\r\n", 4);
    p = r.find("\r\n", p + 2);
    size_t start = r.find("\r\n", 4) + 2;
    cursor = r.substr(start, p - start);
    size_t q = r.find("\r\n", p + 2) + 2;
    for (bool field = true; q < r.size(); field = !field) {
      size_t len_end = r.find("\r\n", q);
      size_t len = std::stoul(r.substr(q + 1, len_end - q - 1));
      if (field) seen.insert(r.substr(len_end + 2, len));
      q = len_end + 2 + len + 2;
    }
    Run({"HSET", "big", "new" + std::to_string(extra++), "v"});  // grow (rehash) mid-scan
    ASSERT_LT(++calls, 1000);
  } while (cursor != "0");
  for (int i = 0; i < 600; ++i) EXPECT_EQ(seen.count("f" + std::to_string(i)), 1u) << i;
}

// HashObject against a std::map, with field lengths on both sides of the
// KeyString inline limit (31 bytes) and of the listpack limit (64): every
// read API sees exactly the model's pairs, through and after the conversion.
TEST(HashObjectTest, MatchesAMapModelAcrossFieldLengths) {
  HashObject h;
  std::map<std::string, std::string> model;
  std::mt19937 rng(11);
  auto field_of = [&](int i) {
    static const size_t kLens[] = {0, 1, 15, 16, 30, 31, 32, 33, 63, 64, 65, 100};
    std::string f = "f" + std::to_string(i);
    f.resize(kLens[i % 12], static_cast<char>('a' + i % 26));
    return f.size() < 8 ? f : std::to_string(i) + f.substr(std::to_string(i).size());
  };
  auto check = [&] {
    ASSERT_EQ(h.size(), model.size());
    std::map<std::string, std::string> seen;
    h.ForEachField([&](std::string_view f, const std::string& v) { seen.emplace(std::string(f), v); });
    EXPECT_EQ(seen, model);
    std::map<std::string, std::string> seen_compat;  // the const std::string& form
    h.ForEach([&](const std::string& f, const std::string& v) { seen_compat.emplace(f, v); });
    EXPECT_EQ(seen_compat, model);
    std::map<std::string, std::string> by_pos;
    for (size_t i = 0; i < h.size(); ++i) {
      auto [f, v] = h.At(i);
      by_pos.emplace(std::string(f), *v);
    }
    EXPECT_EQ(by_pos, model);
  };
  for (int step = 0; step < 3000; ++step) {
    const int i = static_cast<int>(rng() % 200);
    const std::string f = field_of(i);
    switch (rng() % 4) {
      case 0:
      case 1: {
        std::string v = std::to_string(rng() % 1000);
        EXPECT_EQ(h.Set(f, v), model.count(f) == 0) << f;
        model[f] = v;
        break;
      }
      case 2:
        EXPECT_EQ(h.Erase(f), model.erase(f) == 1) << f;
        break;
      default: {
        const std::string* got = h.Find(f);
        auto it = model.find(f);
        ASSERT_EQ(got != nullptr, it != model.end()) << f;
        if (got != nullptr) {
          EXPECT_EQ(*got, it->second);
        }
      }
    }
    if (step % 500 == 0) check();
  }
  check();
  EXPECT_FALSE(h.is_listpack());  // fields over 64 bytes converted it
  std::unique_ptr<Object> copy = h.Clone();
  std::map<std::string, std::string> copied;
  static_cast<HashObject&>(*copy).ForEachField(
      [&](std::string_view f, const std::string& v) { copied.emplace(std::string(f), v); });
  EXPECT_EQ(copied, model);
}

}  // namespace
}  // namespace stockd::engine::testing
