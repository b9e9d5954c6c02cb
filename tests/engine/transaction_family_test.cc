// tests/engine/transaction_family_test.cc — MULTI/EXEC/DISCARD/WATCH/UNWATCH
// through Engine::Execute with exact RESP replies: queueing, EXECABORT,
// run-time errors inside EXEC, WATCH invalidation (other sessions, expiry,
// FLUSHDB/FLUSHALL), kNoMulti, blocking commands, SELECT, scripts, the write
// gate and the change observer, and EXEC's atomicity under concurrency.
#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "engine/transaction.h"
#include "tests/engine/engine_test_util.h"

namespace stockd::engine::testing {
namespace {

const std::string kQueued = "+QUEUED\r\n";

class TransactionTest : public EngineTest {
 protected:
  std::string RunIn(Session& s, std::initializer_list<std::string_view> argv) {
    std::vector<std::string> v(argv.begin(), argv.end());
    return engine_.Execute(s, v);
  }
  // Counts the watchers of this one key: other keys may share its shard.
  int Watchers(std::string_view key, int db = 0) {
    Shard& shard = engine_.ShardFor(db, key);
    std::lock_guard<SpinLock> lock(shard.lock());
    return shard.watchers(key);
  }
};

TEST_F(TransactionTest, QueuesAndExecutesInOrder) {
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"SET", "a", "1"}), kQueued);
  EXPECT_EQ(Run({"INCR", "a"}), kQueued);
  EXPECT_EQ(Run({"GET", "a"}), kQueued);
  // Nothing ran yet: another session sees no key.
  EXPECT_EQ(engine_.Execute({"GET", "a"}), kNil);
  EXPECT_EQ(Run({"EXEC"}), Arr({kOk, Int(2), Bulk("2")}));
  EXPECT_EQ(Run({"GET", "a"}), Bulk("2"));
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"EXEC"}), "*0\r\n");
}

TEST_F(TransactionTest, ControlErrorsUseRedisTexts) {
  EXPECT_EQ(Run({"EXEC"}), Err("ERR EXEC without MULTI"));
  EXPECT_EQ(Run({"DISCARD"}), Err("ERR DISCARD without MULTI"));
  EXPECT_EQ(Run({"MULTI"}), kOk);
  // Neither a nested MULTI nor WATCH inside MULTI discards the transaction.
  EXPECT_EQ(Run({"MULTI"}), Err("ERR MULTI calls can not be nested"));
  EXPECT_EQ(Run({"WATCH", "a"}), Err("ERR WATCH inside MULTI is not allowed"));
  EXPECT_EQ(Run({"SET", "a", "1"}), kQueued);
  EXPECT_EQ(Run({"EXEC"}), Arr({kOk}));
  EXPECT_EQ(Run({"EXEC"}), Err("ERR EXEC without MULTI"));
  EXPECT_EQ(Run({"MULTI", "x"}), Err("ERR wrong number of arguments for 'multi' command"));
}

TEST_F(TransactionTest, RefusedExecAbortsTheTransaction) {
  // As Redis's rejectCommand → execCommandAbort, inside MULTI or not.
  const std::string abort =
      Err("EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command");
  EXPECT_EQ(Run({"EXEC", "x"}), abort);
  EXPECT_EQ(Run({"WATCH", "w"}), kOk);
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"SET", "a", "1"}), kQueued);
  EXPECT_EQ(Run({"EXEC", "x"}), abort);
  EXPECT_EQ(Watchers("w"), 0);
  EXPECT_EQ(Run({"EXEC"}), Err("ERR EXEC without MULTI"));
  EXPECT_EQ(Run({"GET", "a"}), kNil);
}

TEST_F(TransactionTest, QueueTimeErrorsAbortExec) {
  for (auto bad : {std::vector<std::string>{"NOSUCH", "x"}, std::vector<std::string>{"SET", "a"},
                   std::vector<std::string>{"OBJECT", "nosuch"}}) {
    EXPECT_EQ(Run({"MULTI"}), kOk);
    EXPECT_EQ(Run({"SET", "a", "1"}), kQueued);
    EXPECT_EQ(Run(bad).substr(0, 5), "-ERR ") << bad[0];
    EXPECT_EQ(Run({"SET", "b", "1"}), kQueued);  // still queued after the error
    EXPECT_EQ(Run({"EXEC"}), Err("EXECABORT Transaction discarded because of previous errors."));
    EXPECT_EQ(Run({"EXISTS", "a", "b"}), Int(0));
  }
  EXPECT_EQ(Run({"EXEC"}), Err("ERR EXEC without MULTI"));  // EXECABORT ended it
  EXPECT_EQ(Run({"NOSUCH"}).substr(0, 5), "-ERR ");        // outside MULTI: no state
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"EXEC"}), "*0\r\n");
}

TEST_F(TransactionTest, RunTimeErrorsAreReportedPerCommand) {
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"SET", "a", "x"}), kQueued);
  EXPECT_EQ(Run({"INCR", "a"}), kQueued);
  EXPECT_EQ(Run({"LPUSH", "a", "1"}), kQueued);
  EXPECT_EQ(Run({"SET", "b", "2"}), kQueued);
  EXPECT_EQ(Run({"EXEC"}),
            Arr({kOk, Err("ERR value is not an integer or out of range"),
                 Err("WRONGTYPE Operation against a key holding the wrong kind of value"), kOk}));
  EXPECT_EQ(Run({"GET", "b"}), Bulk("2"));
}

TEST_F(TransactionTest, DiscardDropsTheQueueAndWatches) {
  EXPECT_EQ(Run({"WATCH", "w"}), kOk);
  EXPECT_EQ(Watchers("w"), 1);
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"SET", "a", "1"}), kQueued);
  EXPECT_EQ(Run({"DISCARD"}), kOk);
  EXPECT_EQ(Watchers("w"), 0);
  EXPECT_EQ(Run({"GET", "a"}), kNil);
  EXPECT_EQ(Run({"EXEC"}), Err("ERR EXEC without MULTI"));
}

TEST_F(TransactionTest, WatchedKeyWrittenByAnotherSessionFailsExec) {
  Session other;
  EXPECT_EQ(Run({"SET", "w", "1"}), kOk);
  EXPECT_EQ(Run({"WATCH", "w"}), kOk);
  EXPECT_EQ(RunIn(other, {"INCR", "w"}), Int(2));
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"SET", "a", "1"}), kQueued);
  EXPECT_EQ(Run({"EXEC"}), "*-1\r\n");
  EXPECT_EQ(Run({"GET", "a"}), kNil);
  EXPECT_EQ(Watchers("w"), 0);  // EXEC unwatches, also when it fails
  // The next transaction is not affected.
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"SET", "a", "1"}), kQueued);
  EXPECT_EQ(Run({"EXEC"}), Arr({kOk}));
}

TEST_F(TransactionTest, DirtyExecIsRespThreeNull) {
  session_.resp = 3;
  EXPECT_EQ(Run({"WATCH", "w"}), kOk);
  engine_.Execute({"SET", "w", "1"});
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"EXEC"}), "_\r\n");
}

TEST_F(TransactionTest, UntouchedWatchesLetExecRun) {
  EXPECT_EQ(Run({"SET", "w", "1"}), kOk);
  EXPECT_EQ(Run({"WATCH", "w", "missing", "w"}), kOk);
  EXPECT_EQ(Watchers("w"), 1);
  engine_.Execute({"SET", "unrelated", "1"});
  engine_.Execute({"GET", "w"});  // reads do not count
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"SET", "w", "2"}), kQueued);  // its own write inside EXEC is fine
  EXPECT_EQ(Run({"EXEC"}), Arr({kOk}));
  EXPECT_EQ(Watchers("w"), 0);
  EXPECT_EQ(Watchers("missing"), 0);
}

TEST_F(TransactionTest, OwnWriteAfterWatchFailsExec) {
  EXPECT_EQ(Run({"WATCH", "w"}), kOk);
  EXPECT_EQ(Run({"SET", "w", "1"}), kOk);
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"EXEC"}), "*-1\r\n");
}

TEST_F(TransactionTest, UnwatchForgetsWatches) {
  EXPECT_EQ(Run({"WATCH", "w"}), kOk);
  EXPECT_EQ(Run({"UNWATCH"}), kOk);
  EXPECT_EQ(Watchers("w"), 0);
  engine_.Execute({"SET", "w", "1"});
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"UNWATCH"}), kQueued);  // queued inside MULTI, as in Redis
  EXPECT_EQ(Run({"EXEC"}), Arr({kOk}));
  EXPECT_EQ(Run({"UNWATCH"}), kOk);  // without any watch
}

TEST_F(TransactionTest, TwoSessionsWatchingOneKey) {
  Session other;
  EXPECT_EQ(Run({"WATCH", "w"}), kOk);
  EXPECT_EQ(RunIn(other, {"WATCH", "w"}), kOk);
  EXPECT_EQ(Watchers("w"), 2);  // one registry entry, two watchers
  EXPECT_EQ(RunIn(other, {"UNWATCH"}), kOk);
  EXPECT_EQ(Watchers("w"), 1);
  engine_.Execute({"SET", "w", "1"});
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"EXEC"}), "*-1\r\n");
  EXPECT_EQ(Watchers("w"), 0);
}

TEST_F(TransactionTest, ExpiryInvalidatesWatch) {
  EXPECT_EQ(Run({"SET", "w", "1", "PX", "100"}), kOk);
  EXPECT_EQ(Run({"WATCH", "w"}), kOk);
  Advance(200);  // logically expired, not yet deleted
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"EXEC"}), "*-1\r\n");

  // Deleted by active expiry between WATCH and EXEC.
  EXPECT_EQ(Run({"SET", "w", "1", "PX", "100"}), kOk);
  EXPECT_EQ(Run({"WATCH", "w"}), kOk);
  Advance(200);
  engine_.ActiveExpireCycle(absl::Milliseconds(50));
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"EXEC"}), "*-1\r\n");

  // A volatile key that is still alive at EXEC does not fail it.
  EXPECT_EQ(Run({"SET", "w", "1", "PX", "1000"}), kOk);
  EXPECT_EQ(Run({"WATCH", "w"}), kOk);
  Advance(10);
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"EXEC"}), "*0\r\n");
}

TEST_F(TransactionTest, KeyAlreadyExpiredAtWatchIsNoChange) {
  EXPECT_EQ(Run({"SET", "w", "1", "PX", "100"}), kOk);
  Advance(200);
  EXPECT_EQ(Run({"WATCH", "w"}), kOk);
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"EXEC"}), "*0\r\n");
}

TEST_F(TransactionTest, FlushInvalidatesExistingWatchedKeys) {
  for (std::string_view flush : {"FLUSHDB", "FLUSHALL"}) {
    EXPECT_EQ(Run({"SET", "w", "1"}), kOk);
    EXPECT_EQ(Run({"WATCH", "w"}), kOk);
    engine_.Execute({std::string(flush)});
    EXPECT_EQ(Run({"MULTI"}), kOk);
    EXPECT_EQ(Run({"EXEC"}), "*-1\r\n") << flush;
    // As Redis: flushing a database where the watched key does not exist
    // modifies nothing the client watches.
    EXPECT_EQ(Run({"WATCH", "w"}), kOk);
    engine_.Execute({"SET", "other", "1"});
    engine_.Execute({std::string(flush)});
    EXPECT_EQ(Run({"MULTI"}), kOk);
    EXPECT_EQ(Run({"EXEC"}), "*0\r\n") << flush;
  }
}

TEST_F(TransactionTest, WatchIsPerDatabase) {
  EXPECT_EQ(Run({"WATCH", "w"}), kOk);
  Session other;
  EXPECT_EQ(RunIn(other, {"SELECT", "1"}), kOk);
  EXPECT_EQ(RunIn(other, {"SET", "w", "1"}), kOk);
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"EXEC"}), "*0\r\n");
  EXPECT_EQ(Run({"WATCH", "w"}), kOk);
  EXPECT_EQ(RunIn(other, {"SWAPDB", "0", "1"}), kOk);  // w now exists in db 0
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"EXEC"}), "*-1\r\n");
}

TEST_F(TransactionTest, SessionEndDropsItsWatches) {
  {
    Session s;
    EXPECT_EQ(RunIn(s, {"WATCH", "w", "v"}), kOk);
    EXPECT_EQ(Watchers("w"), 1);
  }
  EXPECT_EQ(Watchers("w"), 0);
  EXPECT_EQ(Watchers("v"), 0);
}

TEST_F(TransactionTest, NoMultiCommandsAreRefused) {
  engine_.commands().Register({"nomulti", 1, kNoMulti, 0, 0, 0,
                               [](CommandContext& ctx) { ctx.reply.Ok(); }, "", "test", ""});
  EXPECT_EQ(Run({"NOMULTI"}), kOk);
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"NOMULTI"}), Err("ERR Command not allowed inside a transaction"));
  EXPECT_EQ(Run({"EXEC"}), Err("EXECABORT Transaction discarded because of previous errors."));
}

TEST_F(TransactionTest, BlockingCommandsDoNotBlockInsideExec) {
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"BLPOP", "empty", "0"}), kQueued);
  EXPECT_EQ(Run({"RPUSH", "l", "x"}), kQueued);
  EXPECT_EQ(Run({"BLPOP", "l", "0"}), kQueued);
  EXPECT_EQ(Run({"EXEC"}), Arr({"*-1\r\n", Int(1), BulkArr({"l", "x"})}));
  EXPECT_FALSE(session_.no_block);
}

TEST_F(TransactionTest, SelectMovesLaterCommandsToItsDatabase) {
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"SELECT", "1"}), kQueued);
  EXPECT_EQ(Run({"SET", "k", "v"}), kQueued);
  EXPECT_EQ(Run({"DBSIZE"}), kQueued);
  EXPECT_EQ(Run({"EXEC"}), Arr({kOk, kOk, Int(1)}));
  EXPECT_EQ(session_.db, 1);
  EXPECT_EQ(engine_.Execute({"GET", "k"}), kNil);  // db 0
  EXPECT_EQ(Run({"GET", "k"}), Bulk("v"));
}

TEST_F(TransactionTest, KeylessAndWholeDbCommandsRunInsideExec) {
  engine_.Execute({"SET", "x", "1"});
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"KEYS", "*"}), kQueued);
  EXPECT_EQ(Run({"RENAME", "x", "y"}), kQueued);
  EXPECT_EQ(Run({"FLUSHDB"}), kQueued);
  EXPECT_EQ(Run({"DBSIZE"}), kQueued);
  EXPECT_EQ(Run({"EXEC"}), Arr({BulkArr({"x"}), kOk, kOk, Int(0)}));
}

TEST_F(TransactionTest, ScriptsRunInsideExec) {
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"EVAL", "return redis.call('INCRBY', KEYS[1], ARGV[1])", "1", "s", "5"}), kQueued);
  EXPECT_EQ(Run({"INCR", "s"}), kQueued);
  EXPECT_EQ(Run({"EXEC"}), Arr({Int(5), Int(6)}));
}

TEST_F(TransactionTest, ExecHandsEveryChangeToTheObserver) {
  std::mutex mu;
  std::vector<std::string> seen;
  engine_.SetChangeObserver([&](const ChangeSet& cs) {
    std::lock_guard<std::mutex> lock(mu);
    for (const KeyChange& c : cs.changes) seen.emplace_back(c.key);
  });
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"SET", "a", "1"}), kQueued);
  EXPECT_EQ(Run({"SET", "b", "1"}), kQueued);
  EXPECT_EQ(Run({"INCR", "a"}), kQueued);
  EXPECT_EQ(Run({"EXEC"}), Arr({kOk, kOk, Int(2)}));
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, (std::vector<std::string>{"a", "a", "b"}));
}

// Counts reservations; Reserve refuses while `refuse` is set.
class CountingGate : public WriteGate {
 public:
  bool Reserve(std::string* error) override {
    if (refuse) {
      *error = "MISCONF test";
      return false;
    }
    ++reserved;
    return true;
  }
  void Release() override { ++released; }
  void AwaitDurable() override {}
  int reserved = 0, released = 0;
  bool refuse = false;
};

TEST_F(TransactionTest, ExecReservesTheWriteGateOnce) {
  CountingGate gate;
  engine_.SetWriteGate(&gate);
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"SET", "a", "1"}), kQueued);
  EXPECT_EQ(Run({"SET", "b", "1"}), kQueued);
  EXPECT_EQ(gate.reserved, 0);  // queueing reserves nothing
  EXPECT_EQ(Run({"EXEC"}), Arr({kOk, kOk}));
  EXPECT_EQ(gate.reserved, 1);
  EXPECT_EQ(gate.released, 1);
  // A read-only transaction does not reserve.
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"GET", "a"}), kQueued);
  EXPECT_EQ(Run({"EXEC"}), Arr({Bulk("1")}));
  EXPECT_EQ(gate.reserved, 1);
  // A script may write: reserved once too (inside EXEC it reserves nothing itself).
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"EVAL", "return redis.call('SET', KEYS[1], '1')", "1", "a"}), kQueued);
  EXPECT_EQ(Run({"EXEC"}), Arr({kOk}));
  EXPECT_EQ(gate.reserved, 2);
  EXPECT_EQ(gate.released, 2);
  // A refused reservation aborts the transaction, as Redis's MISCONF on EXEC.
  gate.refuse = true;
  EXPECT_EQ(Run({"WATCH", "a"}), kOk);
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"SET", "a", "2"}), kQueued);
  EXPECT_EQ(Run({"EXEC"}), Err("EXECABORT Transaction discarded because of: MISCONF test"));
  EXPECT_EQ(Watchers("a"), 0);
  EXPECT_EQ(Run({"EXEC"}), Err("ERR EXEC without MULTI"));
  EXPECT_EQ(Run({"GET", "a"}), Bulk("1"));
  EXPECT_EQ(gate.released, 2);
  engine_.SetWriteGate(nullptr);
}

// EXEC locks the shards of its commands' keys, numkeys keys included
// (Command::ForEachKeyIndex), not every shard: a shard locked elsewhere does
// not hold it up unless one of ZUNIONSTORE's sources lives there.
TEST_F(TransactionTest, ExecLocksOnlyTheNumkeysCommandsShards) {
  EXPECT_EQ(Run({"ZADD", "a", "1", "x"}), Int(1));
  EXPECT_EQ(Run({"ZADD", "b", "2", "x", "5", "y"}), Int(2));
  std::string other;
  for (int i = 0; other.empty(); ++i) {
    std::string k = "other" + std::to_string(i);
    const uint32_t id = engine_.ShardId(0, KeyHash(k));
    bool clash = false;
    for (const char* key : {"a", "b", "d"}) clash = clash || id == engine_.ShardId(0, KeyHash(key));
    if (!clash) other = k;
  }
  // Runs a transaction in its own session and thread while `held`'s shard is
  // locked here (for up to wait_ms); true when it finished meanwhile.
  auto exec_while_held = [&](std::string_view held, int wait_ms, const std::vector<std::vector<std::string>>& cmds,
                             std::string* reply) {
    SpinLock& lock = engine_.ShardFor(0, held).lock();
    lock.lock();
    std::atomic<bool> done{false};
    std::thread t([&] {
      Session s;
      engine_.Execute(s, {"MULTI"});
      for (const auto& c : cmds) engine_.Execute(s, c);
      *reply = engine_.Execute(s, {"EXEC"});
      done.store(true);
    });
    for (int i = 0; i < wait_ms / 5 && !done.load(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    const bool finished_while_held = done.load();
    lock.unlock();
    t.join();
    return finished_while_held;
  };
  std::string reply;
  EXPECT_TRUE(exec_while_held(other, 20000,
                              {{"ZUNIONSTORE", "d", "2", "a", "b", "WEIGHTS", "1", "2"},
                               {"ZINTERCARD", "2", "a", "d"},
                               {"ZUNION", "0", "a"},  // a bad count: its error, in place
                               {"ZRANGE", "d", "0", "-1", "WITHSCORES"}},
                              &reply));
  EXPECT_EQ(reply, Arr({Int(2), Int(1), Err("ERR at least 1 input key is needed for 'zunion' command"),
                        BulkArr({"x", "5", "y", "10"})}));
  // With b's shard held the transaction waits for it (up to the release).
  EXPECT_FALSE(exec_while_held("b", 200, {{"ZUNIONSTORE", "d", "2", "a", "b"}}, &reply));
  EXPECT_EQ(reply, Arr({Int(2)}));
  EXPECT_EQ(Run({"ZRANGE", "d", "0", "-1", "WITHSCORES"}), BulkArr({"x", "3", "y", "5"}));
}

// Writers move one point from a to b inside MULTI/EXEC; readers sum a and b
// with ZUNIONSTORE inside EXEC and with a plain ZUNION (dispatcher-locked):
// the total never changes if both hold every source shard for the call.
TEST(TransactionConcurrencyTest, NumkeysCommandsSeeAtomicState) {
  Engine engine;
  std::string a = "a", b = "b";
  for (int i = 0; engine.ShardId(0, KeyHash(a)) == engine.ShardId(0, KeyHash(b)); ++i) {
    b = "b" + std::to_string(i);
  }
  engine.Execute({"ZADD", a, "1000000", "m"});
  engine.Execute({"ZADD", b, "0", "m"});
  const std::string total = "1000000";
  constexpr int kMoves = 3000;
  std::atomic<bool> stop{false};
  std::atomic<int> torn{0}, reads{0};
  std::thread writer([&] {
    while (reads.load() < 2) std::this_thread::yield();
    Session s;
    for (int i = 0; i < kMoves; ++i) {
      engine.Execute(s, {"MULTI"});
      engine.Execute(s, {"ZINCRBY", a, "-1", "m"});
      engine.Execute(s, {"ZINCRBY", b, "1", "m"});
      if (engine.Execute(s, {"EXEC"}).rfind("*2\r\n", 0) != 0) torn.fetch_add(1000000);
    }
  });
  auto reader = [&](bool in_exec) {
    Session s;
    const std::string dst = "sum{" + std::to_string(in_exec) + "}";
    while (!stop.load()) {
      std::string r;
      if (in_exec) {
        engine.Execute(s, {"MULTI"});
        engine.Execute(s, {"ZUNIONSTORE", dst, "2", a, b});
        engine.Execute(s, {"ZSCORE", dst, "m"});
        r = engine.Execute(s, {"EXEC"});
        if (r != "*2\r\n:1\r\n" + Bulk(total)) torn.fetch_add(1);
      } else {
        r = engine.Execute(s, {"ZUNION", "2", a, b, "WITHSCORES"});
        if (r != Arr({Bulk("m"), Bulk(total)})) torn.fetch_add(1);
      }
      reads.fetch_add(1);
    }
  };
  std::thread r1(reader, true), r2(reader, false);
  writer.join();
  stop.store(true);
  r1.join();
  r2.join();
  EXPECT_EQ(torn.load(), 0);
  EXPECT_EQ(engine.Execute({"ZSCORE", b, "m"}), Bulk(std::to_string(kMoves)));
}

TEST(TransactionConcurrencyTest, ExecIsAtomicAcrossShards) {
  Engine engine;
  // Two keys on different shards, so EXEC must hold both locks at once.
  std::string a = "a", b = "b";
  for (int i = 0; engine.ShardId(0, KeyHash(a)) == engine.ShardId(0, KeyHash(b)); ++i) {
    b = "b" + std::to_string(i);
  }
  constexpr int kWriters = 2, kPerWriter = 3000;
  std::atomic<bool> stop{false};
  std::atomic<int> torn{0}, reads{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kWriters; ++t) {
    threads.emplace_back([&] {
      // Start once both readers are reading: on a loaded machine the writers
      // could otherwise finish before a reader thread ever ran.
      while (reads.load() < 2) std::this_thread::yield();
      Session s;
      for (int i = 0; i < kPerWriter; ++i) {
        engine.Execute(s, {"MULTI"});
        engine.Execute(s, {"INCR", a});
        engine.Execute(s, {"INCR", b});
        const std::string r = engine.Execute(s, {"EXEC"});
        if (r.rfind("*2\r\n", 0) != 0) torn.fetch_add(1000000);
      }
    });
  }
  auto reader = [&](bool use_multi) {
    Session s;
    while (!stop.load()) {
      std::string r;
      if (use_multi) {
        engine.Execute(s, {"MULTI"});
        engine.Execute(s, {"GET", a});
        engine.Execute(s, {"GET", b});
        r = engine.Execute(s, {"EXEC"});
        r = r.substr(4);  // drop "*2\r\n"
      } else {
        r = engine.Execute(s, {"MGET", a, b});
        r = r.substr(4);
      }
      // Both elements must be identical bulk strings (or both nil).
      const size_t half = r.size() / 2;
      if (r.size() % 2 != 0 || r.substr(0, half) != r.substr(half)) torn.fetch_add(1);
      reads.fetch_add(1);
    }
  };
  std::thread r1(reader, true), r2(reader, false);
  for (auto& th : threads) th.join();
  stop.store(true);
  r1.join();
  r2.join();
  EXPECT_EQ(torn.load(), 0);
  EXPECT_GT(reads.load(), 0);
  const std::string total = Bulk(std::to_string(kWriters * kPerWriter));
  EXPECT_EQ(engine.Execute({"GET", a}), total);
  EXPECT_EQ(engine.Execute({"GET", b}), total);
}

TEST(TransactionConcurrencyTest, WatchRetryLoopNeverLosesAnUpdate) {
  // The optimistic-locking pattern: WATCH, read, MULTI, SET, EXEC, retry on nil.
  Engine engine;
  constexpr int kThreads = 3, kPer = 500;
  std::vector<std::thread> threads;
  std::atomic<int> retries{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      Session s;
      for (int i = 0; i < kPer; ++i) {
        for (;;) {
          engine.Execute(s, {"WATCH", "n"});
          std::string v = engine.Execute(s, {"GET", "n"});
          int64_t n = 0;
          if (v != kNil) n = std::stoll(v.substr(v.find("\r\n") + 2));
          engine.Execute(s, {"MULTI"});
          engine.Execute(s, {"SET", "n", std::to_string(n + 1)});
          if (engine.Execute(s, {"EXEC"}) != "*-1\r\n") break;
          retries.fetch_add(1);
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(engine.Execute({"GET", "n"}), Bulk(std::to_string(kThreads * kPer)));
}

}  // namespace
}  // namespace stockd::engine::testing
