// Lists: stockd must answer exactly as redis-server (replies, errors, the
// deletion of emptied keys), including seeded random command sequences.
#include "tests/compat/collection_compat_util.h"

namespace stockd::testing {
namespace {

using ListCompat = CollectionCompatTest;

TEST_F(ListCompat, PushPopRange) {
  SameAll({
      {"LPUSH", "l", "a", "b", "c"}, {"RPUSH", "l", "x", "y"}, {"LRANGE", "l", "0", "-1"},
      {"LRANGE", "l", "-3", "2"}, {"LRANGE", "l", "3", "1"}, {"LRANGE", "l", "-100", "100"},
      {"LRANGE", "l", "x", "1"}, {"LPOP", "l"}, {"RPOP", "l"}, {"LPOP", "l", "2"}, {"RPOP", "l", "0"},
      {"RPOP", "l", "9"}, {"EXISTS", "l"}, {"LPOP", "l"}, {"LPOP", "l", "3"}, {"LPOP", "l", "-1"},
      {"LPOP", "l", "x"}, {"LPOP", "l", "1", "2"}, {"LPUSHX", "l", "a"}, {"RPUSHX", "l", "a"},
      {"RPUSH", "l", "a"}, {"LPUSHX", "l", "b", "c"}, {"RPUSHX", "l", "d"}, {"LLEN", "l"}, {"LLEN", "no"},
      {"LPUSH", "l"}, {"OBJECT", "ENCODING", "l"}, {"TYPE", "l"},
  });
}

TEST_F(ListCompat, EditsAndSearch) {
  SameAll({
      {"RPUSH", "l", "a", "b", "a", "c", "a", "1", "2"}, {"LINDEX", "l", "0"}, {"LINDEX", "l", "-1"},
      {"LINDEX", "l", "99"}, {"LINDEX", "l", "x"}, {"LSET", "l", "1", "B"}, {"LSET", "l", "-1", "Z"},
      {"LSET", "l", "99", "x"}, {"LSET", "no", "0", "x"}, {"LREM", "l", "-1", "a"}, {"LRANGE", "l", "0", "-1"},
      {"LREM", "l", "1", "a"}, {"LREM", "l", "0", "a"}, {"LREM", "l", "x", "a"}, {"LRANGE", "l", "0", "-1"},
      {"LINSERT", "l", "BEFORE", "c", "n"}, {"LINSERT", "l", "AFTER", "c", "m"}, {"LINSERT", "l", "AFTER", "q", "m"},
      {"LINSERT", "no", "AFTER", "q", "m"}, {"LINSERT", "l", "UP", "c", "m"}, {"LRANGE", "l", "0", "-1"},
      {"DEL", "l"}, {"RPUSH", "l", "a", "b", "c", "1", "2", "3", "c", "c"}, {"LPOS", "l", "c"},
      {"LPOS", "l", "c", "RANK", "2"}, {"LPOS", "l", "c", "RANK", "-1"}, {"LPOS", "l", "c", "RANK", "-4"},
      {"LPOS", "l", "c", "COUNT", "2"}, {"LPOS", "l", "c", "COUNT", "0"}, {"LPOS", "l", "c", "RANK", "-1", "COUNT", "2"},
      {"LPOS", "l", "c", "COUNT", "0", "MAXLEN", "3"}, {"LPOS", "l", "c", "RANK", "-1", "MAXLEN", "1"},
      {"LPOS", "l", "c", "RANK", "-9223372036854775808"}, {"LPOS", "l", "c", "RANK", "9223372036854775807"},
      {"LPOS", "l", "zz"}, {"LPOS", "l", "zz", "COUNT", "1"}, {"LPOS", "no", "a"}, {"LPOS", "no", "a", "COUNT", "0"},
      {"LPOS", "l", "c", "RANK", "0"}, {"LPOS", "l", "c", "COUNT", "-1"}, {"LPOS", "l", "c", "MAXLEN", "-1"},
      {"LPOS", "l", "c", "RANK"}, {"LPOS", "l", "c", "FOO", "1"}, {"LPOS", "l", "c", "RANK", "x"},
      {"LTRIM", "l", "1", "-2"}, {"LRANGE", "l", "0", "-1"}, {"LTRIM", "l", "5", "1"}, {"EXISTS", "l"},
      {"LTRIM", "no", "0", "1"}, {"LTRIM", "l", "x", "1"},
  });
}

TEST_F(ListCompat, MovesAndWrongType) {
  SameAll({
      {"RPUSH", "a", "1", "2", "3"}, {"LMOVE", "a", "b", "LEFT", "RIGHT"}, {"LMOVE", "a", "b", "RIGHT", "LEFT"},
      {"LRANGE", "b", "0", "-1"}, {"RPOPLPUSH", "a", "b"}, {"EXISTS", "a"}, {"RPOPLPUSH", "a", "b"},
      {"LMOVE", "b", "b", "LEFT", "RIGHT"}, {"LRANGE", "b", "0", "-1"}, {"LMOVE", "b", "b", "UP", "RIGHT"},
      {"SET", "s", "v"}, {"LMOVE", "b", "s", "LEFT", "LEFT"}, {"LMOVE", "s", "b", "LEFT", "LEFT"},
      {"LMOVE", "no", "s", "LEFT", "LEFT"}, {"LPUSH", "s", "x"}, {"RPUSHX", "s", "x"}, {"LPOP", "s"},
      {"LLEN", "s"}, {"LRANGE", "s", "0", "1"}, {"LINDEX", "s", "0"}, {"LSET", "s", "0", "x"},
      {"LREM", "s", "0", "x"}, {"LTRIM", "s", "0", "1"}, {"LINSERT", "s", "BEFORE", "a", "b"}, {"LPOS", "s", "a"},
      {"BLPOP", "s", "0"}, {"BLPOP", "b", "s", "0"}, {"LRANGE", "b", "0", "-1"},
  });
}

TEST_F(ListCompat, BlockingFormsWithData) {
  SameAll({
      {"RPUSH", "b", "v1", "v2", "v3"}, {"BLPOP", "a", "b", "0"}, {"BRPOP", "a", "b", "0.5"},
      {"BLMOVE", "b", "c", "LEFT", "RIGHT", "0"}, {"BRPOPLPUSH", "c", "b", "0"}, {"LRANGE", "b", "0", "-1"},
      {"BLPOP", "a", "-1"}, {"BLPOP", "a", "x"}, {"BLPOP", "a", "1e20"}, {"BLPOP", "a", "nan"},
      {"BLPOP", "a", "-inf"}, {"BLMOVE", "a", "c", "UP", "LEFT", "x"}, {"BLMOVE", "a", "c", "LEFT", "LEFT", "x"},
      {"BRPOPLPUSH", "a", "c", "-1"}, {"BLPOP", "a"}, {"BLPOP", "a", "0.01"}, {"BRPOP", "a", "b", "0.01"},
      {"BLMOVE", "a", "c", "LEFT", "LEFT", "0.01"}, {"BRPOPLPUSH", "a", "c", "0.01"},
  });
}

// The generic key commands on every collection type (one key per type, so
// SCAN's order is deterministic on both servers).
TEST_F(ListCompat, GenericCommandsOnCollections) {
  SameAll({
      {"RPUSH", "l", "a", "b"}, {"HSET", "h", "f", "v"}, {"SADD", "s", "1", "x"}, {"TYPE", "l"}, {"TYPE", "h"},
      {"TYPE", "s"}, {"SCAN", "0", "COUNT", "1000", "TYPE", "list"}, {"SCAN", "0", "COUNT", "1000", "TYPE", "hash"},
      {"SCAN", "0", "COUNT", "1000", "TYPE", "set"}, {"COPY", "l", "l2"}, {"COPY", "h", "h2"}, {"COPY", "s", "s2"},
      {"RPUSH", "l2", "c"}, {"LRANGE", "l", "0", "-1"}, {"LRANGE", "l2", "0", "-1"}, {"HGETALL", "h2"},
      {"OBJECT", "ENCODING", "h2"}, {"OBJECT", "ENCODING", "s2"}, {"SREM", "s2", "x"}, {"SCARD", "s"},
      {"RENAME", "l2", "l3"}, {"LRANGE", "l3", "0", "-1"}, {"RENAMENX", "h2", "h"}, {"EXPIRE", "s", "100"},
      {"TTL", "s"}, {"RENAME", "s", "s3"}, {"TTL", "s3"}, {"DEL", "l", "h", "s3", "l3", "h2", "s2"}, {"DBSIZE"},
  });
}

TEST_F(ListCompat, RandomSequences) {
  RandomArgs g(20240611);
  for (int step = 0; step < 3000; ++step) {
    const std::string k = g.Key();
    switch (g.Int(0, 16)) {
      case 0: Same({"LPUSH", k, g.Member(), g.Member()}); break;
      case 1: Same({"RPUSH", k, g.Member()}); break;
      case 2: Same({g.Int(0, 1) ? "LPUSHX" : "RPUSHX", k, g.Member()}); break;
      case 3: Same({g.Int(0, 1) ? "LPOP" : "RPOP", k}); break;
      case 4: Same({g.Int(0, 1) ? "LPOP" : "RPOP", k, std::to_string(g.Int(0, 3))}); break;
      case 5: Same({"LRANGE", k, g.Index(), g.Index()}); break;
      case 6: Same({"LINDEX", k, g.Index()}); break;
      case 7: Same({"LSET", k, g.Index(), g.Member()}); break;
      case 8: Same({"LREM", k, std::to_string(g.Int(-2, 2)), g.Member()}); break;
      case 9: Same({"LTRIM", k, g.Index(), g.Index()}); break;
      case 10: Same({"LINSERT", k, g.Int(0, 1) ? "BEFORE" : "AFTER", g.Member(), g.Member()}); break;
      case 11: Same({"LPOS", k, g.Member(), "RANK", std::to_string(g.Int(1, 2) * (g.Int(0, 1) ? 1 : -1)),
                     "COUNT", std::to_string(g.Int(0, 3))}); break;
      case 12: Same({"LMOVE", k, g.Key(), g.Int(0, 1) ? "LEFT" : "RIGHT", g.Int(0, 1) ? "LEFT" : "RIGHT"}); break;
      case 13: Same({"RPOPLPUSH", k, g.Key()}); break;
      case 14: Same({"LLEN", k}); break;
      case 15: Same({"BLPOP", k, g.Key(), "0.001"}); break;
      case 16: if (g.Int(0, 20) == 0) Same({"SET", k, "str"}); else Same({"EXISTS", k}); break;
    }
    if (HasFailure()) FAIL() << "diverged at step " << step;
  }
  for (int i = 0; i < 4; ++i) Same({"LRANGE", "k" + std::to_string(i), "0", "-1"});
}

}  // namespace
}  // namespace stockd::testing
