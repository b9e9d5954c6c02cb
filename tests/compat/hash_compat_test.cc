// Hashes: stockd must answer exactly as redis-server — small hashes keep
// Redis's listpack order, so HGETALL/HKEYS/HVALS compare exactly until the
// hash turns "hashtable" (then as unordered pairs) — including seeded random
// command sequences over a small key space.
#include "tests/compat/collection_compat_util.h"

namespace stockd::testing {
namespace {

using HashCompat = CollectionCompatTest;

TEST_F(HashCompat, Basics) {
  SameAll({
      {"HSET", "h", "a", "1", "b", "2"}, {"HSET", "h", "a", "10", "c", "3"}, {"HSETNX", "h", "a", "x"},
      {"HSETNX", "h", "d", "4"}, {"HMSET", "h", "e", "5"}, {"HGET", "h", "a"}, {"HGET", "h", "zz"},
      {"HGET", "no", "a"}, {"HMGET", "h", "a", "zz", "b"}, {"HMGET", "no", "a"}, {"HGETALL", "h"},
      {"HKEYS", "h"}, {"HVALS", "h"}, {"HLEN", "h"}, {"HEXISTS", "h", "a"}, {"HEXISTS", "h", "zz"},
      {"HSTRLEN", "h", "a"}, {"HSTRLEN", "h", "zz"}, {"HDEL", "h", "a", "zz", "b"}, {"HKEYS", "h"},
      {"HDEL", "h", "c", "d", "e"}, {"EXISTS", "h"}, {"HGETALL", "h"}, {"HDEL", "h", "a"}, {"HLEN", "h"},
      {"HSET", "h", "a"}, {"HSET", "h", "a", "1", "b"}, {"HMSET", "h", "a", "1", "b"}, {"HSETNX", "h", "a"},
      {"HSET", "h", "f", "v"}, {"OBJECT", "ENCODING", "h"}, {"TYPE", "h"},
      {"HSET", "h", "long", std::string(65, 'x')}, {"OBJECT", "ENCODING", "h"},
  });
}

TEST_F(HashCompat, IncrementsAndErrors) {
  SameAll({
      {"HINCRBY", "h", "n", "5"}, {"HINCRBY", "h", "n", "-7"}, {"HINCRBY", "h", "n", "x"},
      {"HINCRBY", "h", "n", "9223372036854775807"}, {"HINCRBY", "h", "n", "3"}, {"HSET", "h", "s", "abc", "f", "1.5"},
      {"HINCRBY", "h", "s", "1"}, {"HINCRBY", "h", "f", "1"}, {"HINCRBYFLOAT", "h", "f", "1"},
      {"HINCRBYFLOAT", "h", "g", "0.1"}, {"HINCRBYFLOAT", "h", "g", "0.2"}, {"HINCRBYFLOAT", "h", "s", "1"},
      {"HINCRBYFLOAT", "h", "f", "x"}, {"HINCRBYFLOAT", "h", "f", "inf"}, {"HINCRBYFLOAT", "h", "f", "1e308"},
      {"HINCRBYFLOAT", "h", "f", "-2.5e-3"}, {"OBJECT", "ENCODING", "h"}, {"HINCRBYFLOAT", "h3", "f", "x"},
      {"EXISTS", "h3"},
      {"SET", "str", "v"}, {"HSET", "str", "a", "1"}, {"HGET", "str", "a"}, {"HGETALL", "str"},
      {"HINCRBY", "str", "a", "1"}, {"HRANDFIELD", "str"}, {"HSCAN", "str", "0"}, {"HLEN", "str"},
  });
  SameUnordered({"HGETALL", "h"}, 2);  // a 309-byte value made it a hashtable
}

TEST_F(HashCompat, RandFieldShapes) {
  SameAll({{"HRANDFIELD", "h"}, {"HRANDFIELD", "h", "3"}, {"HRANDFIELD", "h", "3", "WITHVALUES"},
           {"HSET", "h", "a", "1", "b", "2", "c", "3"}, {"HRANDFIELD", "h", "0"}, {"HRANDFIELD", "h", "1", "FOO"},
           {"HRANDFIELD", "h", "x"}, {"HRANDFIELD", "h", "-9223372036854775808"},
           {"HRANDFIELD", "h", "-4611686018427387904", "WITHVALUES"}, {"HRANDFIELD", "h", "1", "WITHVALUES", "x"},
           {"HRANDFIELD", "h", "4611686018427387904", "WITHVALUES"},
           {"HRANDFIELD", "h", "9223372036854775807", "WITHVALUES"}, {"HRANDFIELD", "nohash", "-4611686018427387905"}});
  // Whole-hash answers are deterministic; random ones are checked for shape.
  SameUnordered({"HRANDFIELD", "h", "5"});
  SameUnordered({"HRANDFIELD", "h", "5", "WITHVALUES"}, 2);
  for (const char* count : {"2", "-5"}) {
    Reply a = s_->Command({"HRANDFIELD", "h", count, "WITHVALUES"});
    ASSERT_TRUE(a);
    ASSERT_EQ(a->type, REDIS_REPLY_ARRAY);
    EXPECT_EQ(a->elements, 2u * static_cast<size_t>(std::abs(std::stoi(count))));
    for (size_t i = 0; i + 1 < a->elements; i += 2) {
      std::string f(a->element[i]->str, a->element[i]->len), v(a->element[i + 1]->str, a->element[i + 1]->len);
      EXPECT_EQ(s_->Do({"HGET", "h", f}), "\"" + v + "\"");
    }
  }
}

TEST_F(HashCompat, BigHashAndScan) {
  for (int i = 0; i < 600; ++i) Same({"HSET", "big", "f" + std::to_string(i), std::to_string(i)});
  SameEncoding("big");
  Same({"HLEN", "big"});
  SameUnordered({"HGETALL", "big"}, 2);
  SameUnordered({"HKEYS", "big"});
  SameUnordered({"HVALS", "big"});
  Same({"HSET", "small", "a", "1"});
  SameAll({{"HSCAN", "small", "0"}, {"HSCAN", "small", "0", "MATCH", "a*"}, {"HSCAN", "no", "0"},
           {"HSCAN", "small", "x"}, {"HSCAN", "small", "0", "COUNT", "0"}, {"HSCAN", "small", "0", "FOO"},
           {"HSCAN", "small", "0", "COUNT", "x"}, {"HSCAN", "small", "0", "MATCH"}});
  // A full HSCAN of the hashtable returns every field exactly once on both.
  for (auto* c : {s_.get(), r_.get()}) {
    std::vector<std::string> fields;
    std::string cursor = "0";
    int calls = 0;
    do {
      Reply r = c->Command({"HSCAN", "big", cursor, "COUNT", "50"});
      ASSERT_TRUE(r && r->type == REDIS_REPLY_ARRAY && r->elements == 2);
      cursor.assign(r->element[0]->str, r->element[0]->len);
      for (size_t i = 0; i < r->element[1]->elements; i += 2) fields.emplace_back(r->element[1]->element[i]->str);
      ASSERT_LT(++calls, 1000);
    } while (cursor != "0");
    std::sort(fields.begin(), fields.end());
    fields.erase(std::unique(fields.begin(), fields.end()), fields.end());
    EXPECT_EQ(fields.size(), 600u);
  }
}

TEST_F(HashCompat, RandomSequences) {
  RandomArgs g(777);
  for (int step = 0; step < 3000; ++step) {
    const std::string k = g.Key();
    switch (g.Int(0, 13)) {
      case 0: case 1: Same({"HSET", k, g.Member(), g.Member()}); break;
      case 2: Same({"HSETNX", k, g.Member(), g.Member()}); break;
      case 3: Same({"HMSET", k, g.Member(), g.Member(), g.Member(), g.Member()}); break;
      case 4: Same({"HGET", k, g.Member()}); break;
      case 5: Same({"HMGET", k, g.Member(), g.Member()}); break;
      case 6: Same({"HDEL", k, g.Member(), g.Member()}); break;
      case 7: Same({"HEXISTS", k, g.Member()}); break;
      case 8: Same({"HLEN", k}); break;
      case 9: Same({"HSTRLEN", k, g.Member()}); break;
      case 10: Same({"HINCRBY", k, g.Member(), std::to_string(g.Int(-3, 3))}); break;
      case 11: Same({"HINCRBYFLOAT", k, g.Member(), g.Int(0, 1) ? "0.5" : "-1.25"}); break;
      case 12: {
        const std::string enc = Same({"OBJECT", "ENCODING", k});
        const char* what = g.Int(0, 2) == 0 ? "HGETALL" : (g.Int(0, 1) ? "HKEYS" : "HVALS");
        if (enc == "\"hashtable\"") {
          SameUnordered({what, k}, std::string(what) == "HGETALL" ? 2 : 1);
        } else {
          Same({what, k});
        }
        break;
      }
      case 13: if (g.Int(0, 30) == 0) Same({"SET", k, "str"}); else Same({"TYPE", k}); break;
    }
    if (HasFailure()) FAIL() << "diverged at step " << step;
  }
}

}  // namespace
}  // namespace stockd::testing
