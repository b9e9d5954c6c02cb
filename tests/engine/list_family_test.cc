// tests/engine/list_family_test.cc — engine/list_family.cc, reply by reply
// (expected bytes checked against redis-server 7.0.15).
#include "tests/engine/engine_test_util.h"

namespace stockd::engine::testing {
namespace {

using ListFamilyTest = EngineTest;
const std::string kWrongType = Err("WRONGTYPE Operation against a key holding the wrong kind of value");
const std::string kNullArray = "*-1\r\n";

TEST_F(ListFamilyTest, PushPopOrder) {
  EXPECT_EQ(Run({"LPUSH", "l", "a", "b", "c"}), Int(3));
  EXPECT_EQ(Run({"RPUSH", "l", "x", "y"}), Int(5));
  EXPECT_EQ(Run({"LRANGE", "l", "0", "-1"}), BulkArr({"c", "b", "a", "x", "y"}));
  EXPECT_EQ(Run({"LPOP", "l"}), Bulk("c"));
  EXPECT_EQ(Run({"RPOP", "l"}), Bulk("y"));
  EXPECT_EQ(Run({"LPOP", "l", "2"}), BulkArr({"b", "a"}));
  EXPECT_EQ(Run({"RPOP", "l", "0"}), "*0\r\n");
  EXPECT_EQ(Run({"RPOP", "l", "5"}), BulkArr({"x"}));
  // The emptied list is gone.
  EXPECT_EQ(Run({"EXISTS", "l"}), Int(0));
  EXPECT_EQ(Run({"LPOP", "l"}), kNil);
  EXPECT_EQ(Run({"LPOP", "l", "2"}), kNullArray);
  EXPECT_EQ(Run({"LPOP", "l", "-1"}), Err("ERR value is out of range, must be positive"));
  EXPECT_EQ(Run({"LPOP", "l", "x"}), Err("ERR value is out of range, must be positive"));
  EXPECT_EQ(Run({"LPOP", "l", "1", "2"}), Err("ERR wrong number of arguments for 'lpop' command"));
}

TEST_F(ListFamilyTest, PushXAndWrongType) {
  EXPECT_EQ(Run({"LPUSHX", "l", "a"}), Int(0));
  EXPECT_EQ(Run({"RPUSHX", "l", "a"}), Int(0));
  EXPECT_EQ(Run({"EXISTS", "l"}), Int(0));
  Run({"RPUSH", "l", "a"});
  EXPECT_EQ(Run({"LPUSHX", "l", "b", "c"}), Int(3));
  EXPECT_EQ(Run({"RPUSHX", "l", "d"}), Int(4));
  EXPECT_EQ(Run({"LRANGE", "l", "0", "-1"}), BulkArr({"c", "b", "a", "d"}));
  Run({"SET", "s", "v"});
  for (auto cmd : std::vector<std::vector<std::string>>{{"LPUSH", "s", "a"},
                                                         {"RPUSHX", "s", "a"},
                                                         {"LPOP", "s"},
                                                         {"LLEN", "s"},
                                                         {"LRANGE", "s", "0", "1"},
                                                         {"LINDEX", "s", "0"},
                                                         {"LSET", "s", "0", "x"},
                                                         {"LREM", "s", "0", "x"},
                                                         {"LTRIM", "s", "0", "1"},
                                                         {"LINSERT", "s", "BEFORE", "a", "b"},
                                                         {"LPOS", "s", "a"},
                                                         {"LMOVE", "s", "l", "LEFT", "LEFT"},
                                                         {"LMOVE", "l", "s", "LEFT", "LEFT"},
                                                         {"BLPOP", "s", "0"}}) {
    EXPECT_EQ(Run(cmd), kWrongType) << cmd[0];
  }
  EXPECT_EQ(Run({"TYPE", "l"}), Status("list"));
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "l"}), Bulk("quicklist"));
}

TEST_F(ListFamilyTest, IndexRangeTrim) {
  Run({"RPUSH", "l", "a", "b", "c", "d", "e"});
  EXPECT_EQ(Run({"LLEN", "l"}), Int(5));
  EXPECT_EQ(Run({"LLEN", "nope"}), Int(0));
  EXPECT_EQ(Run({"LINDEX", "l", "0"}), Bulk("a"));
  EXPECT_EQ(Run({"LINDEX", "l", "-1"}), Bulk("e"));
  EXPECT_EQ(Run({"LINDEX", "l", "5"}), kNil);
  EXPECT_EQ(Run({"LINDEX", "l", "-6"}), kNil);
  EXPECT_EQ(Run({"LINDEX", "l", "x"}), Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(Run({"LRANGE", "l", "1", "2"}), BulkArr({"b", "c"}));
  EXPECT_EQ(Run({"LRANGE", "l", "-100", "100"}), BulkArr({"a", "b", "c", "d", "e"}));
  EXPECT_EQ(Run({"LRANGE", "l", "3", "1"}), "*0\r\n");
  EXPECT_EQ(Run({"LRANGE", "l", "5", "10"}), "*0\r\n");
  EXPECT_EQ(Run({"LRANGE", "nope", "0", "-1"}), "*0\r\n");
  EXPECT_EQ(Run({"LSET", "l", "1", "B"}), kOk);
  EXPECT_EQ(Run({"LSET", "l", "-1", "E"}), kOk);
  EXPECT_EQ(Run({"LSET", "l", "9", "x"}), Err("ERR index out of range"));
  EXPECT_EQ(Run({"LSET", "nope", "0", "x"}), Err("ERR no such key"));
  EXPECT_EQ(Run({"LTRIM", "l", "1", "-2"}), kOk);
  EXPECT_EQ(Run({"LRANGE", "l", "0", "-1"}), BulkArr({"B", "c", "d"}));
  EXPECT_EQ(Run({"LTRIM", "l", "5", "1"}), kOk);
  EXPECT_EQ(Run({"EXISTS", "l"}), Int(0));
}

TEST_F(ListFamilyTest, RemInsertPos) {
  Run({"RPUSH", "l", "a", "b", "a", "c", "a"});
  EXPECT_EQ(Run({"LREM", "l", "-2", "a"}), Int(2));
  EXPECT_EQ(Run({"LRANGE", "l", "0", "-1"}), BulkArr({"a", "b", "c"}));
  Run({"RPUSH", "l", "a", "a"});
  EXPECT_EQ(Run({"LREM", "l", "1", "a"}), Int(1));
  EXPECT_EQ(Run({"LRANGE", "l", "0", "-1"}), BulkArr({"b", "c", "a", "a"}));
  EXPECT_EQ(Run({"LREM", "l", "0", "a"}), Int(2));
  EXPECT_EQ(Run({"LREM", "l", "0", "zz"}), Int(0));
  EXPECT_EQ(Run({"LINSERT", "l", "BEFORE", "c", "x"}), Int(3));
  EXPECT_EQ(Run({"LINSERT", "l", "after", "c", "y"}), Int(4));
  EXPECT_EQ(Run({"LINSERT", "l", "after", "zz", "y"}), Int(-1));
  EXPECT_EQ(Run({"LINSERT", "nope", "after", "zz", "y"}), Int(0));
  EXPECT_EQ(Run({"LINSERT", "l", "middle", "c", "y"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"LRANGE", "l", "0", "-1"}), BulkArr({"b", "x", "c", "y"}));
  Run({"DEL", "l"});
  Run({"RPUSH", "l", "a", "b", "c", "1", "2", "3", "c", "c"});
  EXPECT_EQ(Run({"LPOS", "l", "c"}), Int(2));
  EXPECT_EQ(Run({"LPOS", "l", "c", "RANK", "2"}), Int(6));
  EXPECT_EQ(Run({"LPOS", "l", "c", "RANK", "-1"}), Int(7));
  EXPECT_EQ(Run({"LPOS", "l", "c", "COUNT", "2"}), Arr({Int(2), Int(6)}));
  EXPECT_EQ(Run({"LPOS", "l", "c", "COUNT", "0"}), Arr({Int(2), Int(6), Int(7)}));
  EXPECT_EQ(Run({"LPOS", "l", "c", "RANK", "-1", "COUNT", "2"}), Arr({Int(7), Int(6)}));
  EXPECT_EQ(Run({"LPOS", "l", "c", "COUNT", "0", "MAXLEN", "3"}), Arr({Int(2)}));
  EXPECT_EQ(Run({"LPOS", "l", "zz"}), kNil);
  EXPECT_EQ(Run({"LPOS", "l", "zz", "COUNT", "1"}), "*0\r\n");
  EXPECT_EQ(Run({"LPOS", "nope", "zz"}), kNil);
  EXPECT_EQ(Run({"LPOS", "l", "c", "RANK", "0"}),
            Err("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second "
                "... or use negative to start from the end of the list"));
  EXPECT_EQ(Run({"LPOS", "l", "c", "COUNT", "-1"}), Err("ERR COUNT can't be negative"));
  EXPECT_EQ(Run({"LPOS", "l", "c", "MAXLEN", "-1"}), Err("ERR MAXLEN can't be negative"));
  EXPECT_EQ(Run({"LPOS", "l", "c", "RANK"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"LPOS", "l", "c", "FOO", "1"}), Err("ERR syntax error"));
}

TEST_F(ListFamilyTest, MoveAndRotate) {
  Run({"RPUSH", "a", "1", "2", "3"});
  EXPECT_EQ(Run({"LMOVE", "a", "b", "LEFT", "RIGHT"}), Bulk("1"));
  EXPECT_EQ(Run({"LMOVE", "a", "b", "RIGHT", "LEFT"}), Bulk("3"));
  EXPECT_EQ(Run({"LRANGE", "b", "0", "-1"}), BulkArr({"3", "1"}));
  EXPECT_EQ(Run({"RPOPLPUSH", "a", "b"}), Bulk("2"));
  EXPECT_EQ(Run({"EXISTS", "a"}), Int(0));
  EXPECT_EQ(Run({"RPOPLPUSH", "a", "b"}), kNil);
  EXPECT_EQ(Run({"LRANGE", "b", "0", "-1"}), BulkArr({"2", "3", "1"}));
  // Same key: rotation.
  EXPECT_EQ(Run({"LMOVE", "b", "b", "LEFT", "RIGHT"}), Bulk("2"));
  EXPECT_EQ(Run({"LRANGE", "b", "0", "-1"}), BulkArr({"3", "1", "2"}));
  EXPECT_EQ(Run({"LMOVE", "b", "b", "UP", "RIGHT"}), Err("ERR syntax error"));
  Run({"RPUSH", "one", "x"});
  EXPECT_EQ(Run({"LMOVE", "one", "one", "RIGHT", "LEFT"}), Bulk("x"));
  EXPECT_EQ(Run({"LRANGE", "one", "0", "-1"}), BulkArr({"x"}));
}

TEST_F(ListFamilyTest, BlockingFormsWithDataOrNoFiber) {
  // Off a fiber (this test's thread) blocking commands answer at once, as in MULTI.
  Run({"RPUSH", "b", "v1", "v2"});
  EXPECT_EQ(Run({"BLPOP", "a", "b", "0"}), BulkArr({"b", "v1"}));
  EXPECT_EQ(Run({"BRPOP", "a", "b", "0"}), BulkArr({"b", "v2"}));
  EXPECT_EQ(Run({"BLPOP", "a", "b", "0"}), kNullArray);
  EXPECT_EQ(Run({"BLMOVE", "a", "c", "LEFT", "LEFT", "0"}), kNil);
  EXPECT_EQ(Run({"BRPOPLPUSH", "a", "c", "0"}), kNil);
  Run({"RPUSH", "a", "z"});
  EXPECT_EQ(Run({"BRPOPLPUSH", "a", "c", "1.5"}), Bulk("z"));
  EXPECT_EQ(Run({"LRANGE", "c", "0", "-1"}), BulkArr({"z"}));
  EXPECT_EQ(Run({"BLPOP", "a", "-1"}), Err("ERR timeout is negative"));
  EXPECT_EQ(Run({"BLPOP", "a", "x"}), Err("ERR timeout is not a float or out of range"));
  EXPECT_EQ(Run({"BLPOP", "a", "1e20"}), Err("ERR timeout is negative"));
  EXPECT_EQ(Run({"BLPOP", "a", "nan"}), Err("ERR timeout is not a float or out of range"));
  EXPECT_EQ(Run({"BLPOP", "a", "9223372036854775"}), Err("ERR timeout is out of range"));
  EXPECT_EQ(Run({"BLMOVE", "a", "c", "UP", "LEFT", "x"}), Err("ERR syntax error"));
  session_.resp = 3;
  EXPECT_EQ(Run({"BLPOP", "a", "0"}), "_\r\n");
}

}  // namespace
}  // namespace stockd::engine::testing
