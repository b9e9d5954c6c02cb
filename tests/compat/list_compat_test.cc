// Lists: stockd must answer exactly as redis-server (replies, errors, the
// deletion of emptied keys), including seeded random command sequences.
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <thread>

#include "tests/compat/collection_compat_util.h"
#include "tests/util/raw_resp.h"

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


// --- LMPOP / BLMPOP, compared byte for byte ---
//
// hiredis 0.14 parses RESP2 only and renders $-1 and *-1 alike, so these
// tests talk RESP over raw sockets and compare each reply's exact bytes, in
// RESP2 and (after HELLO 3) RESP3.

class MPopCompat : public ListCompat {};

// Replies, nil, deletion of emptied keys, in both protocols.
const std::vector<std::vector<std::string>> kMPopReplies = {
    {"DEL", "a", "b", "c"}, {"RPUSH", "b", "1", "2", "3", "4", "5"}, {"RPUSH", "c", "x"},
    {"LMPOP", "3", "a", "b", "c", "LEFT"}, {"LMPOP", "3", "a", "b", "c", "right"},
    {"LMPOP", "2", "b", "c", "RIGHT", "COUNT", "2"}, {"LMPOP", "2", "b", "c", "LEFT", "count", "10"},
    {"EXISTS", "b"}, {"LMPOP", "2", "b", "c", "LEFT", "COUNT", "9223372036854775807"}, {"EXISTS", "c"},
    {"LMPOP", "2", "b", "c", "LEFT"}, {"LMPOP", "1", "b", "LEFT", "COUNT", "3"}, {"RPUSH", "d", "p", "q"},
    {"LMPOP", "2", "d", "d", "LEFT", "COUNT", "5"}, {"RPUSH", "b", "v1", "v2", "v3"},
    {"BLMPOP", "0", "2", "a", "b", "LEFT"}, {"BLMPOP", "0.5", "2", "a", "b", "RIGHT", "COUNT", "5"},
    {"BLMPOP", "0.01", "2", "a", "b", "LEFT"}, {"BLMPOP", "0.01", "1", "a", "RIGHT", "COUNT", "2"},
    {"LPOP", "a", "2"}, {"LPOP", "a"},
};

// Every error, in Redis's order of checks.
const std::vector<std::vector<std::string>> kMPopErrors = {
    {"DEL", "l", "s"}, {"RPUSH", "l", "a", "b", "c"}, {"SET", "s", "v"},
    {"LMPOP", "0", "l", "LEFT"}, {"LMPOP", "-1", "l", "LEFT"}, {"LMPOP", "x", "l", "LEFT"},
    {"LMPOP", "1.5", "l", "LEFT"}, {"LMPOP", "", "l", "LEFT"}, {"LMPOP", "+1", "l", "LEFT"},
    {"LMPOP", "01", "l", "LEFT"}, {"LMPOP", "9223372036854775808", "l", "LEFT"}, {"LMPOP", "0", "l", "UP"},
    {"LMPOP", "2", "l", "LEFT"}, {"LMPOP", "3", "l", "LEFT"}, {"LMPOP", "9223372036854775807", "l", "LEFT"},
    {"LMPOP", "1", "l", "UP"}, {"LMPOP", "1", "s", "UP"}, {"LMPOP", "1", "l", "LEFT", "COUNT"},
    {"LMPOP", "1", "l", "LEFT", "FOO"}, {"LMPOP", "1", "l", "LEFT", "COUNT", "1", "COUNT", "2"},
    {"LMPOP", "1", "l", "LEFT", "COUNT", "1", "FOO"}, {"LMPOP", "1", "l", "LEFT", "COUNT", "0"},
    {"LMPOP", "1", "l", "LEFT", "COUNT", "-1"}, {"LMPOP", "1", "l", "LEFT", "COUNT", "x"},
    {"LMPOP", "1", "l", "LEFT", "COUNT", "+1"}, {"LMPOP", "1", "l", "LEFT", "COUNT", "0", "FOO"},
    {"LMPOP", "1", "l", "LEFT", "COUNT", "9223372036854775808"}, {"LMPOP", "1", "l"}, {"LMPOP", "1"},
    {"LMPOP"}, {"LMPOP", "2", "s", "l", "LEFT"}, {"LMPOP", "3", "nope", "s", "l", "LEFT"},
    {"LRANGE", "l", "0", "-1"}, {"LMPOP", "2", "l", "s", "LEFT"},
    {"BLMPOP", "x", "1", "l", "LEFT"}, {"BLMPOP", "nan", "1", "l", "LEFT"}, {"BLMPOP", "-1", "1", "l", "LEFT"},
    {"BLMPOP", "1e20", "1", "l", "LEFT"}, {"BLMPOP", "-inf", "1", "l", "LEFT"},
    {"BLMPOP", "-1", "1", "s", "LEFT"}, {"BLMPOP", "0", "2", "s", "l", "LEFT"}, {"BLMPOP", "x", "0", "l", "LEFT"},
    {"BLMPOP", "x", "3", "l", "LEFT"}, {"BLMPOP", "x", "9223372036854775807", "l", "LEFT"},
    {"BLMPOP", "x", "1", "l", "UP"}, {"BLMPOP", "x", "1", "l", "LEFT", "COUNT"},
    {"BLMPOP", "x", "1", "l", "LEFT", "COUNT", "0"}, {"BLMPOP", "0", "1", "l"}, {"BLMPOP", "1", "0", "x"},
    {"BLMPOP", "0", "1", "nope", "LEFT", "COUNT"}, {"LRANGE", "l", "0", "-1"},
};

TEST_F(MPopCompat, RepliesResp2) {
  Pair p = Open(false);
  ExactAll(p, kMPopReplies);
}

TEST_F(MPopCompat, RepliesResp3) {
  Pair p = Open(true);
  ExactAll(p, kMPopReplies);
}

TEST_F(MPopCompat, ErrorsResp2) {
  Pair p = Open(false);
  ExactAll(p, kMPopErrors);
}

TEST_F(MPopCompat, ErrorsResp3) {
  Pair p = Open(true);
  ExactAll(p, kMPopErrors);
}

TEST_F(MPopCompat, MultiExecNeverBlocks) {
  for (bool resp3 : {false, true}) {
    Pair p = Open(resp3);
    ExactAll(p, {
        {"DEL", "l"}, {"RPUSH", "l", "a", "b", "c"}, {"MULTI"}, {"LMPOP", "2", "nope", "l", "LEFT", "COUNT", "2"},
        {"BLMPOP", "0", "1", "l", "RIGHT"}, {"BLMPOP", "0", "1", "l", "RIGHT", "COUNT", "3"},
        {"LMPOP", "1", "l", "LEFT"}, {"LMPOP", "0", "l", "LEFT"}, {"BLMPOP", "x", "1", "l", "LEFT"}, {"EXEC"},
        {"MULTI"}, {"LMPOP", "1", "l"}, {"EXEC"},
        // WATCH sees the pop of another connection.
        {"RPUSH", "w", "1", "2"}, {"WATCH", "w"},
    });
    Same({"LMPOP", "1", "w", "LEFT"});  // (hiredis connections: another client)
    ExactAll(p, {{"MULTI"}, {"LLEN", "w"}, {"EXEC"}, {"WATCH", "w"}});
    Same({"BLMPOP", "0", "1", "w", "RIGHT", "COUNT", "2"});
    ExactAll(p, {{"MULTI"}, {"LLEN", "w"}, {"EXEC"}, {"EXISTS", "w"}});
  }
}

TEST_F(MPopCompat, Lua) {
  // Under stockd's default config: the numkeys keys are checked against KEYS
  // (all declared here). BLMPOP runs as LMPOP from a script, as in Redis.
  for (bool resp3 : {false, true}) {
    Pair p = Open(resp3);
    ExactAll(p, {
        {"DEL", "l", "s"}, {"RPUSH", "l", "a", "b", "c", "d"}, {"SET", "s", "v"},
        {"EVAL", "return redis.call('lmpop', 2, KEYS[1], KEYS[2], 'RIGHT', 'COUNT', 2)", "2", "nope", "l"},
        {"EVAL", "return redis.call('lmpop', 1, KEYS[1], 'LEFT', 'COUNT', 5)", "1", "l"},
        {"EVAL", "return redis.pcall('lmpop', 1, KEYS[1], 'RIGHT')", "1", "s"},
        {"EVAL", "return redis.pcall('lmpop', 0, KEYS[1], 'RIGHT')", "1", "s"},
        {"EVAL", "return redis.pcall('lmpop', 1, KEYS[1], 'UP')", "1", "s"},
        {"EVAL", "return redis.pcall('lmpop', 1, KEYS[1], 'LEFT', 'COUNT', 0)", "1", "s"},
        {"RPUSH", "m", "x", "y"},
        {"EVAL", "return redis.call('blmpop', 0, 2, KEYS[1], KEYS[2], 'RIGHT')", "2", "nope", "m"},
        {"EVAL", "return redis.pcall('blmpop', 0, 0, KEYS[1], 'RIGHT')", "1", "m"},
        {"EVAL", "return redis.pcall('blmpop', 'x', 1, KEYS[1], 'RIGHT')", "1", "m"},
        {"DEL", "m"},
        {"EXISTS", "l"},
    });
  }
  // Nothing to pop: the script sees false. (RESP2 only: a script's false
  // reaches a RESP3 client as #f from stockd, as null from redis-server, for
  // every command.)
  Pair p = Open(false);
  ExactAll(p, {
      {"EVAL", "return redis.call('lmpop', 1, KEYS[1], 'RIGHT')", "1", "l"},
      {"EVAL", "return redis.call('lmpop', 1, KEYS[1], 'RIGHT') == false", "1", "l"},
  });
}

TEST_F(MPopCompat, BlockedClientWokenByPushes) {
  for (bool resp3 : {false, true}) {
    Pair w1 = Open(resp3), w2 = Open(resp3), w3 = Open(resp3), pusher = Open(false);
    Exact(pusher, {"DEL", "q", "r"});
    // Three waiters in arrival order, BLPOP among them (one queue per key).
    w1.s->Send({"BLMPOP", "0", "2", "r", "q", "LEFT", "COUNT", "2"});
    w1.r->Send({"BLMPOP", "0", "2", "r", "q", "LEFT", "COUNT", "2"});
    AwaitBlocked(1);
    w2.s->Send({"BLPOP", "q", "0"});
    w2.r->Send({"BLPOP", "q", "0"});
    AwaitBlocked(2);
    w3.s->Send({"BLMPOP", "0", "1", "q", "RIGHT", "COUNT", "5"});
    w3.r->Send({"BLMPOP", "0", "1", "q", "RIGHT", "COUNT", "5"});
    AwaitBlocked(3);
    Exact(pusher, {"RPUSH", "q", "e1", "e2", "e3", "e4", "e5", "e6"});
    EXPECT_EQ(w1.s->Read(), w1.r->Read());
    EXPECT_EQ(w2.s->Read(), w2.r->Read());
    EXPECT_EQ(w3.s->Read(), w3.r->Read());
    Exact(pusher, {"EXISTS", "q"});
    // LPUSH wakes a RIGHT pop; a key of another type does not serve it.
    w1.s->Send({"BLMPOP", "0", "2", "q", "r", "RIGHT", "COUNT", "3"});
    w1.r->Send({"BLMPOP", "0", "2", "q", "r", "RIGHT", "COUNT", "3"});
    AwaitBlocked(1);
    Exact(pusher, {"SET", "q", "str"});
    Exact(pusher, {"LPUSH", "r", "x", "y"});
    EXPECT_EQ(w1.s->Read(), w1.r->Read());
    Exact(pusher, {"DEL", "q"});
    // A timeout.
    EXPECT_EQ(w2.s->Do({"BLMPOP", "0.05", "2", "q", "r", "LEFT"}), w2.r->Do({"BLMPOP", "0.05", "2", "q", "r", "LEFT"}));
    AwaitBlocked(0);
  }
}

// Seeded random LMPOP/BLMPOP among the list commands, compared byte for byte.
TEST_F(MPopCompat, RandomSequences) {
  Pair p = Open(false);
  RandomArgs g(20260301);
  auto end = [&] { return std::string(g.Int(0, 1) ? "LEFT" : "RIGHT"); };
  for (int step = 0; step < 2000; ++step) {
    switch (g.Int(0, 7)) {
      case 0: Exact(p, {"RPUSH", g.Key(), g.Member(), g.Member(), g.Member()}); break;
      case 1: Exact(p, {"LPUSH", g.Key(), g.Member()}); break;
      case 2: Exact(p, {"LMPOP", "2", g.Key(), g.Key(), end()}); break;
      case 3: Exact(p, {"LMPOP", "3", g.Key(), g.Key(), g.Key(), end(), "COUNT", std::to_string(g.Int(1, 4))}); break;
      case 4:  // (a timeout costs redis-server up to a cron tick: a few only)
        if (g.Int(0, 3) == 0) {
          Exact(p, {"BLMPOP", "0.001", "2", g.Key(), g.Key(), end(), "COUNT", std::to_string(g.Int(1, 3))});
        } else {
          Exact(p, {"LMPOP", "1", g.Key(), end(), "COUNT", std::to_string(g.Int(1, 3))});
        }
        break;
      case 5: Exact(p, {"LMPOP", std::to_string(g.Int(0, 3)), g.Key(), end(), "COUNT", std::to_string(g.Int(-1, 2))}); break;
      case 6: Exact(p, {"LRANGE", g.Key(), "0", "-1"}); break;
      case 7: if (g.Int(0, 15) == 0) Exact(p, {"SET", g.Key(), "str"}); else Exact(p, {"DEL", g.Key()}); break;
    }
    if (HasFailure()) FAIL() << "diverged at step " << step;
  }
}

}  // namespace
}  // namespace stockd::testing
