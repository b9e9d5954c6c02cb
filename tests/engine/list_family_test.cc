// tests/engine/list_family_test.cc — engine/list_family.cc, reply by reply
// (expected bytes checked against redis-server 7.0.15).
#include <mutex>

#include "engine/lua/scripting.h"
#include "engine/types/list.h"
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


// --- LMPOP / BLMPOP (expected bytes checked against redis-server 7.0.15) ---

// [key, [elements...]]: LMPOP/BLMPOP's reply.
std::string KeyAndElems(std::string_view key, const std::vector<std::string>& elems) {
  return Arr({Bulk(key), BulkArr(elems)});
}

TEST_F(ListFamilyTest, LMPopServesTheFirstNonEmptyList) {
  Run({"RPUSH", "b", "1", "2", "3", "4", "5"});
  Run({"RPUSH", "c", "x"});
  EXPECT_EQ(Run({"LMPOP", "3", "a", "b", "c", "LEFT"}), KeyAndElems("b", {"1"}));
  EXPECT_EQ(Run({"LMPOP", "3", "a", "b", "c", "right"}), KeyAndElems("b", {"5"}));
  EXPECT_EQ(Run({"LMPOP", "2", "b", "c", "RIGHT", "COUNT", "2"}), KeyAndElems("b", {"4", "3"}));
  // COUNT above the length pops what there is; the emptied list is deleted.
  EXPECT_EQ(Run({"LMPOP", "2", "b", "c", "LEFT", "count", "10"}), KeyAndElems("b", {"2"}));
  EXPECT_EQ(Run({"EXISTS", "b"}), Int(0));
  EXPECT_EQ(Run({"LMPOP", "2", "b", "c", "LEFT", "COUNT", "9223372036854775807"}), KeyAndElems("c", {"x"}));
  EXPECT_EQ(Run({"EXISTS", "c"}), Int(0));
  // Nothing to pop: the null array (RESP3 null).
  EXPECT_EQ(Run({"LMPOP", "2", "b", "c", "LEFT"}), kNullArray);
  EXPECT_EQ(Run({"LMPOP", "1", "b", "LEFT", "COUNT", "3"}), kNullArray);
  // The same key twice.
  Run({"RPUSH", "d", "p", "q"});
  EXPECT_EQ(Run({"LMPOP", "2", "d", "d", "LEFT", "COUNT", "5"}), KeyAndElems("d", {"p", "q"}));
  session_.resp = 3;
  EXPECT_EQ(Run({"LMPOP", "2", "d", "d", "LEFT"}), "_\r\n");
  Run({"RPUSH", "d", "z"});
  EXPECT_EQ(Run({"LMPOP", "1", "d", "RIGHT"}), KeyAndElems("d", {"z"}));
}

TEST_F(ListFamilyTest, LMPopErrorsInRedisOrder) {
  Run({"RPUSH", "l", "a"});
  Run({"SET", "s", "v"});
  const std::string kNumkeys = Err("ERR numkeys should be greater than 0");
  const std::string kCount = Err("ERR count should be greater than 0");
  const std::string kSyntax = Err("ERR syntax error");
  for (const char* n : {"0", "-1", "x", "1.5", "", "9223372036854775808", "+1"}) {
    EXPECT_EQ(Run({"LMPOP", n, "l", "LEFT"}), kNumkeys) << n;
  }
  EXPECT_EQ(Run({"LMPOP", "0", "l", "UP"}), kNumkeys);  // numkeys is checked first
  // numkeys beyond the arguments (no room for LEFT|RIGHT after the keys).
  EXPECT_EQ(Run({"LMPOP", "2", "l", "LEFT"}), kSyntax);
  EXPECT_EQ(Run({"LMPOP", "3", "l", "LEFT"}), kSyntax);
  EXPECT_EQ(Run({"LMPOP", "9223372036854775807", "l", "LEFT"}), kSyntax);
  EXPECT_EQ(Run({"LMPOP", "1", "l", "UP"}), kSyntax);
  EXPECT_EQ(Run({"LMPOP", "1", "s", "UP"}), kSyntax);  // syntax before WRONGTYPE
  EXPECT_EQ(Run({"LMPOP", "1", "l", "LEFT", "COUNT"}), kSyntax);
  EXPECT_EQ(Run({"LMPOP", "1", "l", "LEFT", "FOO"}), kSyntax);
  EXPECT_EQ(Run({"LMPOP", "1", "l", "LEFT", "COUNT", "1", "COUNT", "2"}), kSyntax);
  EXPECT_EQ(Run({"LMPOP", "1", "l", "LEFT", "COUNT", "1", "FOO"}), kSyntax);
  for (const char* c : {"0", "-1", "x", "9223372036854775808"}) {
    EXPECT_EQ(Run({"LMPOP", "1", "l", "LEFT", "COUNT", c}), kCount) << c;
  }
  EXPECT_EQ(Run({"LMPOP", "1", "l", "LEFT", "COUNT", "0", "FOO"}), kCount);  // count before what follows
  EXPECT_EQ(Run({"LMPOP", "1", "l"}), Err("ERR wrong number of arguments for 'lmpop' command"));
  EXPECT_EQ(Run({"LMPOP", "1"}), Err("ERR wrong number of arguments for 'lmpop' command"));
  // WRONGTYPE: the first existing key decides, even before a list with data.
  EXPECT_EQ(Run({"LMPOP", "2", "s", "l", "LEFT"}), kWrongType);
  EXPECT_EQ(Run({"LMPOP", "3", "nope", "s", "l", "LEFT"}), kWrongType);
  EXPECT_EQ(Run({"LRANGE", "l", "0", "-1"}), BulkArr({"a"}));  // errors popped nothing
  EXPECT_EQ(Run({"LMPOP", "2", "l", "s", "LEFT"}), KeyAndElems("l", {"a"}));
}

TEST_F(ListFamilyTest, BLMPopErrorsAndDataOffAFiber) {
  // Off a fiber BLMPOP answers at once, as LMPOP does.
  Run({"RPUSH", "l", "a", "b", "c"});
  Run({"SET", "s", "v"});
  EXPECT_EQ(Run({"BLMPOP", "0", "2", "nope", "l", "RIGHT", "COUNT", "2"}), KeyAndElems("l", {"c", "b"}));
  EXPECT_EQ(Run({"BLMPOP", "0.5", "1", "l", "LEFT"}), KeyAndElems("l", {"a"}));
  EXPECT_EQ(Run({"EXISTS", "l"}), Int(0));
  EXPECT_EQ(Run({"BLMPOP", "0", "1", "l", "LEFT"}), kNullArray);
  EXPECT_EQ(Run({"BLMPOP", "0", "2", "s", "l", "LEFT"}), kWrongType);
  // Timeout errors, after the other arguments' (as redis-server).
  EXPECT_EQ(Run({"BLMPOP", "x", "1", "l", "LEFT"}), Err("ERR timeout is not a float or out of range"));
  EXPECT_EQ(Run({"BLMPOP", "nan", "1", "l", "LEFT"}), Err("ERR timeout is not a float or out of range"));
  EXPECT_EQ(Run({"BLMPOP", "-1", "1", "l", "LEFT"}), Err("ERR timeout is negative"));
  EXPECT_EQ(Run({"BLMPOP", "1e20", "1", "l", "LEFT"}), Err("ERR timeout is negative"));
  EXPECT_EQ(Run({"BLMPOP", "9223372036854775", "1", "l", "LEFT"}), Err("ERR timeout is out of range"));
  EXPECT_EQ(Run({"BLMPOP", "-1", "1", "s", "LEFT"}), Err("ERR timeout is negative"));
  EXPECT_EQ(Run({"BLMPOP", "x", "0", "l", "LEFT"}), Err("ERR numkeys should be greater than 0"));
  EXPECT_EQ(Run({"BLMPOP", "x", "3", "l", "LEFT"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"BLMPOP", "x", "9223372036854775807", "l", "LEFT"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"BLMPOP", "x", "1", "l", "UP"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"BLMPOP", "x", "1", "l", "LEFT", "COUNT"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"BLMPOP", "x", "1", "l", "LEFT", "COUNT", "0"}), Err("ERR count should be greater than 0"));
  EXPECT_EQ(Run({"BLMPOP", "0", "1", "l"}), Err("ERR wrong number of arguments for 'blmpop' command"));
  session_.resp = 3;
  EXPECT_EQ(Run({"BLMPOP", "0", "1", "l", "LEFT"}), "_\r\n");
}

TEST_F(ListFamilyTest, MPopRecordsItsChanges) {
  // The change observer (persistence, WATCH) sees the popped key, and a
  // persisted list's pops are tracked position by position (PopFront/PopBack),
  // not as a whole rewrite.
  Run({"RPUSH", "l", "a", "b", "c", "d", "e"});
  std::vector<std::string> seen;
  engine_.SetChangeObserver([&](const ChangeSet& cs) {
    for (const KeyChange& c : cs.changes) seen.emplace_back(c.key);
  });
  Shard& shard = engine_.ShardFor(0, "l");
  auto rows = [&]() -> const ListObject::RowState& {
    std::lock_guard<SpinLock> lock(shard.lock());
    return static_cast<const ListObject*>(shard.Peek("l", KeyHash("l"))->value.object())->rows;
  };
  {
    std::lock_guard<SpinLock> lock(shard.lock());
    static_cast<const ListObject*>(shard.Peek("l", KeyHash("l"))->value.object())->rows.Written();
  }
  EXPECT_EQ(Run({"LMPOP", "1", "l", "LEFT", "COUNT", "2"}), KeyAndElems("l", {"a", "b"}));
  EXPECT_EQ(Run({"BLMPOP", "0", "1", "l", "RIGHT"}), KeyAndElems("l", {"e"}));
  EXPECT_EQ(seen, (std::vector<std::string>{"l", "l"}));
  const ListObject::RowState& r = rows();
  ASSERT_FALSE(r.whole());
  EXPECT_EQ(r.changes->head_hi - r.changes->head_lo, 2);
  EXPECT_EQ(r.changes->tail_hi - r.changes->tail_lo, 1);
  EXPECT_EQ(r.head_pos, 2);
  // A failed or empty pop changes nothing.
  seen.clear();
  Run({"LMPOP", "1", "nope", "LEFT"});
  Run({"LMPOP", "1", "l", "LEFT", "COUNT", "0"});
  EXPECT_TRUE(seen.empty());
  // Emptying the list deletes the key, which is reported.
  EXPECT_EQ(Run({"LMPOP", "1", "l", "LEFT", "COUNT", "5"}), KeyAndElems("l", {"c", "d"}));
  EXPECT_EQ(seen, std::vector<std::string>{"l"});
  EXPECT_EQ(Run({"EXISTS", "l"}), Int(0));
}

TEST_F(ListFamilyTest, MPopAbortsAWatchingTransaction) {
  Run({"RPUSH", "l", "a", "b"});
  Run({"RPUSH", "m", "a", "b"});
  Session other;
  EXPECT_EQ(Run({"WATCH", "l"}), kOk);
  EXPECT_EQ(engine_.Execute(other, {"LMPOP", "2", "nope", "l", "LEFT"}), KeyAndElems("l", {"a"}));
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"LLEN", "l"}), Status("QUEUED"));
  EXPECT_EQ(Run({"EXEC"}), kNullArray);
  EXPECT_EQ(Run({"WATCH", "m"}), kOk);
  EXPECT_EQ(engine_.Execute(other, {"BLMPOP", "0", "1", "m", "RIGHT", "COUNT", "2"}), KeyAndElems("m", {"b", "a"}));
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"LLEN", "m"}), Status("QUEUED"));
  EXPECT_EQ(Run({"EXEC"}), kNullArray);
}

TEST_F(ListFamilyTest, MPopInsideMultiNeverBlocks) {
  Run({"RPUSH", "l", "a", "b", "c"});
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"LMPOP", "2", "nope", "l", "LEFT", "COUNT", "2"}), Status("QUEUED"));
  EXPECT_EQ(Run({"BLMPOP", "0", "1", "l", "RIGHT"}), Status("QUEUED"));
  EXPECT_EQ(Run({"BLMPOP", "0", "1", "l", "RIGHT"}), Status("QUEUED"));
  EXPECT_EQ(Run({"LMPOP", "1", "l", "LEFT"}), Status("QUEUED"));
  EXPECT_EQ(Run({"LMPOP", "0", "l", "LEFT"}), Status("QUEUED"));  // a run-time error, as Redis
  EXPECT_EQ(Run({"EXEC"}), "*5\r\n" + KeyAndElems("l", {"a", "b"}) + KeyAndElems("l", {"c"}) + kNullArray +
                               kNullArray + Err("ERR numkeys should be greater than 0"));
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"LMPOP", "1", "l"}), Err("ERR wrong number of arguments for 'lmpop' command"));
  EXPECT_EQ(Run({"EXEC"}), Err("EXECABORT Transaction discarded because of previous errors."));
}

TEST_F(ListFamilyTest, MPopFromLua) {
  Run({"RPUSH", "l", "a", "b", "c"});
  // LMPOP's keys are checked against KEYS as any command's (its row's
  // numkeys spec), under the default config.
  EXPECT_EQ(Run({"EVAL", "return redis.call('lmpop', 2, KEYS[1], KEYS[2], 'RIGHT', 'COUNT', 2)", "2", "nope", "l"}),
            KeyAndElems("l", {"c", "b"}));
  EXPECT_EQ(Run({"EVAL", "return redis.call('lmpop', 1, KEYS[1], 'RIGHT')", "1", "l"}), KeyAndElems("l", {"a"}));
  EXPECT_EQ(Run({"EVAL", "return redis.call('lmpop', 1, KEYS[1], 'RIGHT')", "1", "l"}), kNil);
  Run({"SET", "s", "v"});
  EXPECT_EQ(Run({"EVAL", "return redis.pcall('lmpop', 1, KEYS[1], 'RIGHT')", "1", "s"}), kWrongType);
  EXPECT_EQ(Run({"EXISTS", "l"}), Int(0));
  const std::string undeclared = Run({"EVAL", "return redis.call('lmpop', 2, KEYS[1], 'other', 'LEFT')", "1", "l"});
  EXPECT_EQ(undeclared.rfind("-ERR Script attempted to access key 'other' not declared in KEYS", 0), 0u) << undeclared;
  // BLMPOP runs as LMPOP from a script (never blocks), as in Redis 7.0.
  Run({"RPUSH", "l", "x", "y"});
  EXPECT_EQ(Run({"EVAL", "return redis.call('blmpop', 0, 2, KEYS[1], KEYS[2], 'LEFT')", "2", "nope", "l"}),
            KeyAndElems("l", {"x"}));
  EXPECT_EQ(Run({"EVAL", "return redis.call('blmpop', 0, 1, KEYS[1], 'LEFT')", "1", "nope"}), kNil);
  EXPECT_EQ(Run({"EVAL", "return redis.pcall('blmpop', 0, 0, KEYS[1], 'LEFT')", "1", "l"}),
            Err("ERR numkeys should be greater than 0"));
}

}  // namespace
}  // namespace stockd::engine::testing
