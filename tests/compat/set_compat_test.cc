// Sets: stockd must answer exactly as redis-server. Intsets iterate in order
// on both, so they compare exactly; hashtable sets compare as sorted
// multisets; SPOP/SRANDMEMBER are checked for membership and size. Includes
// seeded random command sequences over a small key space.
#include <set>

#include "tests/compat/collection_compat_util.h"

namespace stockd::testing {
namespace {

using SetCompat = CollectionCompatTest;

TEST_F(SetCompat, Basics) {
  SameAll({
      {"SADD", "s", "3", "1", "2", "1"}, {"OBJECT", "ENCODING", "s"}, {"SMEMBERS", "s"}, {"SCARD", "s"},
      {"SISMEMBER", "s", "2"}, {"SISMEMBER", "s", "02"}, {"SMISMEMBER", "s", "1", "x", "3"},
      {"SMISMEMBER", "no", "1"}, {"SADD", "s", "a"}, {"OBJECT", "ENCODING", "s"}, {"SISMEMBER", "s", "2"},
      {"SREM", "s", "1", "2", "zz"}, {"SCARD", "s"}, {"SREM", "s", "3", "a"}, {"EXISTS", "s"}, {"SREM", "s", "3"},
      {"SMEMBERS", "s"}, {"SCARD", "s"}, {"SADD", "t", "x"}, {"OBJECT", "ENCODING", "t"}, {"TYPE", "t"},
      {"SADD", "n", "-5", "9223372036854775807", "-9223372036854775808", "0"}, {"SMEMBERS", "n"},
      {"OBJECT", "ENCODING", "n"}, {"SADD", "n", "9223372036854775808"}, {"OBJECT", "ENCODING", "n"},
      {"SET", "str", "v"}, {"SADD", "str", "a"}, {"SREM", "str", "a"}, {"SISMEMBER", "str", "a"},
      {"SMISMEMBER", "str", "a"}, {"SMEMBERS", "str"}, {"SCARD", "str"}, {"SPOP", "str"}, {"SRANDMEMBER", "str"},
      {"SMOVE", "str", "t", "a"}, {"SMOVE", "t", "str", "x"}, {"SMOVE", "no", "str", "x"}, {"SINTER", "no", "str"},
      {"SUNION", "t", "str"}, {"SDIFF", "t", "str"}, {"SINTERSTORE", "d", "t", "str"}, {"SINTERCARD", "2", "t", "str"},
      {"SSCAN", "str", "0"}, {"SADD", "s"},
  });
  std::vector<std::string> add = {"SADD", "big"};
  for (int i = 0; i < 512; ++i) add.push_back(std::to_string(i * 3));
  SameAll({add, {"OBJECT", "ENCODING", "big"}, {"SADD", "big", "1"}, {"OBJECT", "ENCODING", "big"}});
  SameUnordered({"SMEMBERS", "big"});
}

TEST_F(SetCompat, PopRandMove) {
  SameAll({{"SPOP", "s"}, {"SPOP", "s", "2"}, {"SRANDMEMBER", "s"}, {"SRANDMEMBER", "s", "2"},
           {"SADD", "s", "a", "b", "c", "d", "e"}, {"SPOP", "s", "-1"}, {"SPOP", "s", "x"}, {"SPOP", "s", "1", "2"},
           {"SRANDMEMBER", "s", "x"}, {"SRANDMEMBER", "s", "-9223372036854775808"}, {"SRANDMEMBER", "s", "1", "2"},
           {"SPOP", "s", "0"}, {"SRANDMEMBER", "s", "0"}});
  SameUnordered({"SRANDMEMBER", "s", "10"});
  const std::set<std::string> members = {"\"a\"", "\"b\"", "\"c\"", "\"d\"", "\"e\""};
  Reply r = s_->Command({"SRANDMEMBER", "s", "-20"});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->elements, 20u);
  for (size_t i = 0; i < r->elements; ++i) EXPECT_TRUE(members.count(Render(r->element[i])));
  r = s_->Command({"SRANDMEMBER", "s", "3"});
  std::set<std::string> distinct;
  for (size_t i = 0; i < r->elements; ++i) distinct.insert(Render(r->element[i]));
  EXPECT_EQ(distinct.size(), 3u);
  // SPOP: both servers pop everything eventually, in their own order.
  std::set<std::string> popped;
  Reply p = s_->Command({"SPOP", "s", "2"});
  for (size_t i = 0; i < p->elements; ++i) popped.insert(Render(p->element[i]));
  Reply one = s_->Command({"SPOP", "s"});
  popped.insert(Render(one.get()));
  p = s_->Command({"SPOP", "s", "10"});
  for (size_t i = 0; i < p->elements; ++i) popped.insert(Render(p->element[i]));
  EXPECT_EQ(popped, members);
  EXPECT_EQ(s_->Do({"EXISTS", "s"}), ":0");
  SameAll({{"SADD", "a", "1", "2"}, {"SMOVE", "a", "b", "1"}, {"SMOVE", "a", "b", "9"}, {"SMOVE", "a", "a", "2"},
           {"SMOVE", "a", "a", "9"}, {"SMOVE", "a", "b", "2"}, {"EXISTS", "a"}, {"SMEMBERS", "b"},
           {"OBJECT", "ENCODING", "b"}, {"SMOVE", "b", "c", "x"}, {"SMOVE", "b", "c", "1"}});
}

TEST_F(SetCompat, Algebra) {
  SameAll({{"SADD", "a", "1", "2", "3", "4"}, {"SADD", "b", "2", "3", "5"}, {"SADD", "c", "3", "x"},
           {"SINTER", "a", "b"}, {"SINTER", "a", "nope"}, {"SDIFF", "a", "b"}, {"SDIFF", "a", "nope"},
           {"SDIFF", "nope", "a"}, {"SUNION", "a", "b"}, {"SINTERSTORE", "d", "a", "b"}, {"OBJECT", "ENCODING", "d"},
           {"SUNIONSTORE", "d", "a", "c"}, {"OBJECT", "ENCODING", "d"}, {"SDIFFSTORE", "d", "a", "a"}, {"EXISTS", "d"},
           {"SET", "d", "string"}, {"SINTERSTORE", "d", "a", "b"}, {"SINTERSTORE", "d", "a", "nope"}, {"EXISTS", "d"},
           {"SINTERSTORE", "a", "a", "b"}, {"SMEMBERS", "a"}, {"SINTERCARD", "2", "a", "b"},
           {"SINTERCARD", "2", "a", "b", "LIMIT", "1"}, {"SINTERCARD", "2", "a", "b", "LIMIT", "0"},
           {"SINTERCARD", "1", "nope"}, {"SINTERCARD", "0", "a"}, {"SINTERCARD", "x", "a"},
           {"SINTERCARD", "3", "a", "b"}, {"SINTERCARD", "1", "a", "LIMIT", "-1"}, {"SINTERCARD", "1", "a", "LIMIT"},
           {"SINTERCARD", "1", "a", "FOO", "1"}, {"SINTERCARD", "1", "a", "LIMIT", "x"}});
  SameUnordered({"SINTER", "a", "b", "c"});
  SameUnordered({"SUNION", "a", "b", "c"});
  SameUnordered({"SDIFF", "c", "a"});
}

TEST_F(SetCompat, Scan) {
  SameAll({{"SADD", "s", "1", "2", "3"}, {"SSCAN", "s", "0", "COUNT", "1"}, {"SSCAN", "s", "0", "MATCH", "2"},
           {"SSCAN", "nope", "0"}, {"SSCAN", "s", "x"}, {"SSCAN", "s", "0", "COUNT", "0"}});
  for (int i = 0; i < 300; ++i) Same({"SADD", "big", "m" + std::to_string(i)});
  for (auto* c : {s_.get(), r_.get()}) {
    std::vector<std::string> seen;
    std::string cursor = "0";
    int calls = 0;
    do {
      Reply r = c->Command({"SSCAN", "big", cursor, "COUNT", "20", "MATCH", "m1*"});
      ASSERT_TRUE(r && r->type == REDIS_REPLY_ARRAY && r->elements == 2);
      cursor.assign(r->element[0]->str, r->element[0]->len);
      for (size_t i = 0; i < r->element[1]->elements; ++i) seen.emplace_back(r->element[1]->element[i]->str);
      ASSERT_LT(++calls, 1000);
    } while (cursor != "0");
    std::sort(seen.begin(), seen.end());
    seen.erase(std::unique(seen.begin(), seen.end()), seen.end());
    EXPECT_EQ(seen.size(), 111u);  // m1, m10..m19, m100..m199
  }
}

TEST_F(SetCompat, RandomSequences) {
  RandomArgs g(4242);
  for (int step = 0; step < 3000; ++step) {
    const std::string k = g.Key();
    switch (g.Int(0, 12)) {
      case 0: case 1: Same({"SADD", k, g.Member(), g.Member()}); break;
      case 2: Same({"SREM", k, g.Member(), g.Member()}); break;
      case 3: Same({"SISMEMBER", k, g.Member()}); break;
      case 4: Same({"SMISMEMBER", k, g.Member(), g.Member()}); break;
      case 5: Same({"SCARD", k}); break;
      case 6: SameUnordered({"SMEMBERS", k}); break;
      case 7: Same({"SMOVE", k, g.Key(), g.Member()}); break;
      case 8: SameUnordered({g.Int(0, 1) ? "SINTER" : (g.Int(0, 1) ? "SUNION" : "SDIFF"), k, g.Key()}); break;
      case 9: Same({g.Int(0, 1) ? "SINTERSTORE" : (g.Int(0, 1) ? "SUNIONSTORE" : "SDIFFSTORE"), k, g.Key(), g.Key()});
        break;
      case 10: Same({"SINTERCARD", "2", k, g.Key(), "LIMIT", std::to_string(g.Int(0, 3))}); break;
      case 11: Same({"OBJECT", "ENCODING", k}); break;
      case 12: if (g.Int(0, 30) == 0) Same({"SET", k, "str"}); else Same({"TYPE", k}); break;
    }
    if (HasFailure()) FAIL() << "diverged at step " << step;
  }
}

}  // namespace
}  // namespace stockd::testing
