// Big values as element rows (storage/FORMAT.md "Big values"): random
// commands on lists, hashes, sets and sorted sets — pushes and pops at both
// ends, LSET, LTRIM, LREM, LINSERT, LMOVE, SADD/SREM/SPOP/SMOVE, HSET/HDEL/
// HINCRBY, ZADD/ZREM/ZINCRBY/ZPOPMIN, the *STORE commands, RENAME, COPY,
// DEL, type changes, FLUSHDB, expiry — run against a persister in rounds;
// after each round a fresh engine loaded from the store must hold exactly
// what the live engine held, and the next round goes on from the loaded
// store (so incremental writes start from loaded rows too).
#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "gtest/gtest.h"
#include "storage/format.h"
#include "storage/persister.h"
#include "tests/storage/storage_test_util.h"

namespace stockd::storage {
namespace {

using testing::CountRows;
using testing::LoadFrom;
using testing::RunWithPersister;
using testing::TempDir;

// Two keys per type (list, set, hash, sorted set), so values grow big;
// RENAME, COPY and the *STORE commands cross over now and then.
const std::vector<std::string> kKeys = {"l0", "l1", "s0", "s1", "h0", "h1", "z0", "z1"};

// The bulk strings of a flat RESP2 array reply.
std::vector<std::string> Bulks(const std::string& resp) {
  std::vector<std::string> out;
  size_t i = resp.find("\r\n");
  while (i != std::string::npos && i + 2 < resp.size()) {
    i += 2;
    if (resp[i] != '$') break;
    const size_t eol = resp.find("\r\n", i);
    const size_t len = std::stoul(resp.substr(i + 1, eol - i - 1));
    out.push_back(resp.substr(eol + 2, len));
    i = eol + 2 + len;
  }
  return out;
}

// What a client sees of every key, in a canonical order: type, contents,
// whether it has a TTL.
std::string Dump(engine::Engine& e) {
  std::string out;
  for (const std::string& k : kKeys) {
    const std::string type = e.Execute({"TYPE", k});
    out += k + " " + type;
    std::vector<std::string> items;
    if (type == "+list\r\n") {
      items = Bulks(e.Execute({"LRANGE", k, "0", "-1"}));
    } else if (type == "+set\r\n") {
      items = Bulks(e.Execute({"SMEMBERS", k}));
      std::sort(items.begin(), items.end());
    } else if (type == "+hash\r\n") {
      const std::vector<std::string> flat = Bulks(e.Execute({"HGETALL", k}));
      for (size_t i = 0; i + 1 < flat.size(); i += 2) items.push_back(flat[i] + "=" + flat[i + 1]);
      std::sort(items.begin(), items.end());
    } else if (type == "+zset\r\n") {
      items = Bulks(e.Execute({"ZRANGE", k, "0", "-1", "WITHSCORES"}));
    } else {
      items.push_back(e.Execute({"GET", k}));
    }
    for (const std::string& it : items) out += it + ",";
    out += e.Execute({"TTL", k}) == ":-1\r\n" ? " no-ttl\n" : " ttl\n";
  }
  return out;
}

// The element rows on disk are exactly those of the big values' headers
// (the load checks that each header's rows are there; this, that nothing
// else is).
void ExpectNoStrayElementRows(Store& store) {
  uint64_t expected = 0;
  std::unique_ptr<rocksdb::Iterator> it(store.db()->NewIterator(rocksdb::ReadOptions(), store.cf(Cf::kKeys)));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const std::string_view v(it->value().data(), it->value().size());
    int64_t expire, head;
    uint64_t count;
    ValueTag tag;
    if (ParseListRowsHeader(v, &expire, &head, &count) || ParseRowsHeader(v, &tag, &expire, &count)) {
      expected += count;
    }
  }
  EXPECT_EQ(CountRows(store, Cf::kElements), expected);
}

class BigValuesTest : public ::testing::Test {
 protected:
  std::string Elem() { return "e" + std::to_string(next_++); }
  const std::string& AnyKey() { return kKeys[rng_() % kKeys.size()]; }
  // Mostly a key of the type (0 list, 1 set, 2 hash, 3 sorted set).
  const std::string& KeyOf(int type) {
    return rng_() % 32 == 0 ? AnyKey() : kKeys[static_cast<size_t>(2 * type) + rng_() % 2];
  }
  std::string Num(int lo, int hi) { return std::to_string(lo + static_cast<int>(rng_() % (hi - lo + 1))); }

  std::string Member() { return "m" + std::to_string(rng_() % 3000); }
  std::vector<std::string> Cmd(std::initializer_list<std::string> head, int n, bool scored = false,
                               bool pairs = false) {
    std::vector<std::string> argv(head);
    for (int i = 0; i < n; ++i) {
      if (scored) argv.push_back(Num(-100, 100));
      argv.push_back(Member());
      if (pairs) argv.push_back(Elem());
    }
    return argv;
  }
  int Many() { return rng_() % 4 == 0 ? 300 : 1 + static_cast<int>(rng_() % 20); }

  // One random command; grows values past kRowsMin now and then.
  void RandomOp(engine::Engine& e) {
    const int op = static_cast<int>(rng_() % 40);
    const std::string& k = op <= 10 ? KeyOf(0) : op <= 16 ? KeyOf(1) : op <= 21 ? KeyOf(2) : op <= 29 ? KeyOf(3) : AnyKey();
    switch (op) {
      case 0: case 1: case 2: {  // list pushes, sometimes many at once
        std::vector<std::string> argv = {rng_() % 2 ? "LPUSH" : "RPUSH", k};
        const int n = Many();
        for (int i = 0; i < n; ++i) argv.push_back(Elem());
        e.Execute(argv);
        break;
      }
      case 3: e.Execute({"LPOP", k, Num(1, 40)}); break;
      case 4: e.Execute({"RPOP", k, Num(1, 40)}); break;
      case 5: e.Execute({"LSET", k, Num(-50, 50), Elem()}); break;
      case 6: e.Execute({"LTRIM", k, Num(0, 20), Num(-20, -1)}); break;
      case 7: e.Execute({"LREM", k, Num(-2, 2), "e" + std::to_string(rng_() % (next_ + 1))}); break;
      case 8: e.Execute({"LINSERT", k, rng_() % 2 ? "BEFORE" : "AFTER", "e" + std::to_string(rng_() % (next_ + 1)), Elem()}); break;
      case 9: e.Execute({"LMOVE", k, KeyOf(0), rng_() % 2 ? "LEFT" : "RIGHT", rng_() % 2 ? "LEFT" : "RIGHT"}); break;
      case 10: e.Execute({"RPOPLPUSH", k, KeyOf(0)}); break;
      case 11: case 12: e.Execute(Cmd({"SADD", k}, Many())); break;
      case 13: e.Execute(Cmd({"SREM", k}, 1 + static_cast<int>(rng_() % 60))); break;
      case 14: e.Execute({"SPOP", k, Num(1, 30)}); break;
      case 15: e.Execute({"SMOVE", k, KeyOf(1), Member()}); break;
      case 16: if (rng_() % 4 == 0) e.Execute({rng_() % 2 ? "SUNIONSTORE" : "SINTERSTORE", k, KeyOf(1), KeyOf(1)}); break;
      case 17: case 18: e.Execute(Cmd({"HSET", k}, Many(), false, true)); break;
      case 19: e.Execute(Cmd({"HDEL", k}, 1 + static_cast<int>(rng_() % 60))); break;
      case 20: e.Execute({"HINCRBY", k, Member(), Num(-5, 5)}); break;
      case 21: e.Execute({"HSETNX", k, Member(), Elem()}); break;
      case 22: case 23: e.Execute(Cmd({"ZADD", k}, Many(), true)); break;
      case 24: e.Execute(Cmd({"ZREM", k}, 1 + static_cast<int>(rng_() % 60))); break;
      case 25: e.Execute({"ZINCRBY", k, Num(-3, 3), Member()}); break;
      case 26: e.Execute({rng_() % 2 ? "ZPOPMIN" : "ZPOPMAX", k, Num(1, 30)}); break;
      case 27: e.Execute({"ZREMRANGEBYRANK", k, Num(0, 5), Num(5, 15)}); break;
      case 28: if (rng_() % 4 == 0) e.Execute({"ZUNIONSTORE", k, "2", KeyOf(3), KeyOf(3)}); break;
      case 29: e.Execute(Cmd({"ZADD", k, rng_() % 2 ? "GT" : "XX"}, 1 + static_cast<int>(rng_() % 20), true)); break;
      case 30: case 31: if (rng_() % 4 == 0) e.Execute({"RENAME", k, AnyKey()}); break;
      case 32: if (rng_() % 8 == 0) e.Execute({"COPY", k, AnyKey(), "REPLACE"}); break;
      case 33: if (rng_() % 32 == 0) e.Execute({"DEL", k}); break;
      case 34: if (rng_() % 64 == 0) e.Execute({"SET", k, "a string now"}); break;
      case 35: if (rng_() % 8 == 0) e.Execute({"EXPIRE", k, "100000"}); break;
      case 36: if (rng_() % 8 == 0) e.Execute({"PERSIST", k}); break;
      case 37: if (rng_() % 300 == 0) e.Execute({"FLUSHDB"}); break;
      default: break;
    }
  }

  std::mt19937 rng_{20261127};
  uint64_t next_ = 0;
};

TEST_F(BigValuesTest, RandomCommandsSurviveEveryRestart) {
  TempDir dir;
  uint64_t rowed_loads = 0;
  for (int round = 0; round < 12; ++round) {
    std::string expected;
    LoadStats loaded;
    RunWithPersister(dir.path(), {}, [&](engine::Engine& e, Persister& p) {
      for (int i = 0; i < 5000; ++i) {
        RandomOp(e);
        // Batch boundaries at varying distances, so that changes coalesce
        // in different ways between two writes of a list.
        if (i % (1 + static_cast<int>(rng_() % 200)) == 0) p.AwaitDurable();
      }
      p.AwaitDurable();
      expected = Dump(e);
    }, {}, &loaded);
    rowed_loads += loaded.big_values;
    testing::Loaded back = LoadFrom(dir.path());
    ASSERT_NE(back.store, nullptr);
    ASSERT_EQ(Dump(*back.engine), expected) << "round " << round;
    ExpectNoStrayElementRows(*back.store);
    if (HasFailure()) FAIL() << "round " << round;
    ASSERT_TRUE(back.store->Close().ok());
  }
  EXPECT_GT(rowed_loads, 0u) << "no value ever grew past kRowsMin: the test exercised nothing";
}

TEST_F(BigValuesTest, ABigListIsWrittenIncrementally) {
  TempDir dir;
  PersisterStats filled, converted, changed;
  RunWithPersister(dir.path(), {}, [&](engine::Engine& e, Persister& p) {
    std::vector<std::string> argv = {"RPUSH", "q"};
    for (int i = 0; i < 5000; ++i) argv.push_back("element-" + std::to_string(i));
    e.Execute(argv);
    p.AwaitDurable();
    filled = p.stats();
    // A batch that changes few of its elements: from now on, element rows.
    e.Execute({"RPUSH", "q", "element-5000"});
    p.AwaitDurable();
    converted = p.stats();
    // One element in, one out, per batch: two element rows and the header.
    for (int i = 0; i < 100; ++i) {
      e.Execute({"LPUSH", "q", "new-" + std::to_string(i)});
      e.Execute({"RPOP", "q"});
      p.AwaitDurable();
    }
    changed = p.stats();
  });
  // Filled within one batch: one row for the whole list.
  EXPECT_LE(filled.records, 2u);
  EXPECT_GE(converted.records - filled.records, 5001u);
  const uint64_t rows = changed.records - converted.records, batches = changed.batches - converted.batches;
  ASSERT_GT(batches, 0u);
  EXPECT_LE(rows, 3 * batches) << "rewrote more than the changed elements";
  testing::Loaded back = LoadFrom(dir.path());
  EXPECT_EQ(back.stats.big_values, 1u);
  EXPECT_EQ(back.engine->Execute({"LLEN", "q"}), ":5001\r\n");
  EXPECT_EQ(back.engine->Execute({"LINDEX", "q", "0"}), "$6\r\nnew-99\r\n");
  EXPECT_EQ(back.engine->Execute({"LINDEX", "q", "-1"}), "$12\r\nelement-4900\r\n");
}

TEST_F(BigValuesTest, BigSetsHashesAndSortedSetsAreWrittenIncrementally) {
  TempDir dir;
  PersisterStats first, second;
  RunWithPersister(dir.path(), {}, [&](engine::Engine& e, Persister& p) {
    std::vector<std::string> sadd = {"SADD", "s"}, hset = {"HSET", "h"}, zadd = {"ZADD", "z"};
    for (int i = 0; i < 3000; ++i) {
      const std::string m = "member-" + std::to_string(i);
      sadd.push_back(m);
      hset.insert(hset.end(), {m, "v" + std::to_string(i)});
      zadd.insert(zadd.end(), {std::to_string(i), m});
    }
    for (const auto& argv : {sadd, hset, zadd}) e.Execute(argv);
    p.AwaitDurable();
    // A batch that changes few members of each: from now on, member rows.
    e.Execute({"SADD", "s", "x", "y"});
    e.Execute({"HSET", "h", "x", "y"});
    e.Execute({"ZADD", "z", "9999", "x"});
    p.AwaitDurable();
    first = p.stats();
    // Per batch, one member in and one out of each: six member rows and three headers.
    for (int i = 0; i < 50; ++i) {
      const std::string in = "new-" + std::to_string(i), out = "member-" + std::to_string(i);
      e.Execute({"SADD", "s", in});
      e.Execute({"SREM", "s", out});
      e.Execute({"HSET", "h", in, "x"});
      e.Execute({"HDEL", "h", out});
      e.Execute({"ZADD", "z", "-1", in});
      e.Execute({"ZREM", "z", out});
      p.AwaitDurable();
    }
    second = p.stats();
  });
  EXPECT_GE(first.records, 9000u);
  const uint64_t rows = second.records - first.records, batches = second.batches - first.batches;
  ASSERT_GT(batches, 0u);
  EXPECT_LE(rows, 9 * batches) << "rewrote more than the changed members";
  testing::Loaded back = LoadFrom(dir.path());
  EXPECT_EQ(back.stats.big_values, 3u);
  engine::Engine& e = *back.engine;
  EXPECT_EQ(e.Execute({"SCARD", "s"}), ":3002\r\n");  // with x and y
  EXPECT_EQ(e.Execute({"SISMEMBER", "s", "new-49"}), ":1\r\n");
  EXPECT_EQ(e.Execute({"SISMEMBER", "s", "member-49"}), ":0\r\n");
  EXPECT_EQ(e.Execute({"HLEN", "h"}), ":3001\r\n");
  EXPECT_EQ(e.Execute({"HGET", "h", "member-50"}), "$3\r\nv50\r\n");
  EXPECT_EQ(e.Execute({"ZCARD", "z"}), ":3001\r\n");
  EXPECT_EQ(e.Execute({"ZSCORE", "z", "member-2999"}), "$4\r\n2999\r\n");
  EXPECT_EQ(e.Execute({"ZRANK", "z", "member-50"}), ":50\r\n");  // after the 50 new ones at -1
}

TEST_F(BigValuesTest, ShardLayoutChangeKeepsBigListsAndFlushDropsTheirRows) {
  TempDir dir;
  std::string expected;
  RunWithPersister(dir.path(), {}, [&](engine::Engine& e, Persister& p) {
    for (const std::string& k : kKeys) {
      std::vector<std::string> argv = {"RPUSH", k};
      for (int i = 0; i < 700; ++i) argv.push_back(k + "-" + std::to_string(i));
      e.Execute(argv);
    }
    p.AwaitDurable();
    for (const std::string& k : kKeys) e.Execute({"RPUSH", k, "one-more"});  // to element rows
    p.AwaitDurable();
    expected = Dump(e);
  });
  engine::EngineOptions four;
  four.shards_per_db = 4;
  LoadStats loaded;
  // Then a change to every list (rows again, under the new layout).
  RunWithPersister(dir.path(), {}, [&](engine::Engine& e, Persister& p) {
    EXPECT_EQ(Dump(e), expected);
    // Two batches: one row each (their changes are counted from there),
    // then element rows under the new layout.
    for (int round = 0; round < 2; ++round) {
      for (const std::string& k : kKeys) e.Execute({"RPOP", k});
      p.AwaitDurable();
    }
    expected = Dump(e);
  }, four, &loaded);
  EXPECT_GT(loaded.moved_keys, 0u);
  // A list whose shard changed moved as one row; the others kept their rows.
  EXPECT_EQ(loaded.big_values + loaded.moved_keys, kKeys.size());
  // And a flush of all.
  RunWithPersister(dir.path(), {}, [&](engine::Engine& e, Persister&) {
    EXPECT_EQ(Dump(e), expected);
    e.Execute({"FLUSHALL"});
  }, four, &loaded);
  EXPECT_EQ(loaded.moved_keys, 0u);
  EXPECT_EQ(loaded.big_values, kKeys.size());
  testing::Loaded l = LoadFrom(dir.path(), four);
  EXPECT_EQ(l.engine->Execute({"DBSIZE"}), ":0\r\n");
  EXPECT_EQ(CountRows(*l.store, Cf::kElements), 0u);
}

}  // namespace
}  // namespace stockd::storage
