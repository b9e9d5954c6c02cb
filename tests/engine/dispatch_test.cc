// tests/engine/dispatch_test.cc — engine/command.cc and Engine::Execute's
// central checks: lookup, subcommands, arity, error texts, statistics.
#include "tests/engine/engine_test_util.h"

namespace stockd::engine::testing {
namespace {

using DispatchTest = EngineTest;

TEST_F(DispatchTest, FindIsCaseInsensitive) {
  const CommandTable& t = engine_.commands();
  ASSERT_NE(t.Find("get"), nullptr);
  EXPECT_EQ(t.Find("GeT"), t.Find("get"));
  EXPECT_EQ(t.Find("get")->full_name(), "get");
  EXPECT_EQ(t.Find("nosuch"), nullptr);
  EXPECT_EQ(t.Find(std::string(200, 'g')), nullptr);
  const Command* object = t.Find("OBJECT");
  ASSERT_NE(object, nullptr);
  EXPECT_TRUE(object->is_container());
  const Command* enc = object->FindSubcommand("Encoding");
  ASSERT_NE(enc, nullptr);
  EXPECT_EQ(enc->full_name(), "object|encoding");
  EXPECT_EQ(enc->parent(), object);
  EXPECT_EQ(enc->spec().first_key, 2);
}

TEST_F(DispatchTest, UnknownCommandText) {
  EXPECT_EQ(Run({"foo", "a", "b"}), Err("ERR unknown command 'foo', with args beginning with: 'a' 'b' "));
  EXPECT_EQ(Run({"foo"}), Err("ERR unknown command 'foo', with args beginning with: "));
  // Arguments are shown up to 128 bytes in total, as Redis does.
  std::string long_arg(200, 'x');
  EXPECT_EQ(Run({"FOO", "a b", long_arg}),
            Err("ERR unknown command 'FOO', with args beginning with: 'a b' '" +
                std::string(122, 'x') + "' "));
  // CR/LF inside a name cannot break the reply line.
  EXPECT_EQ(Run({"a\r\nb"}), Err("ERR unknown command 'a  b', with args beginning with: "));
}

TEST_F(DispatchTest, ArityIsCheckedBeforeTheHandler) {
  EXPECT_EQ(Run({"get"}), Err("ERR wrong number of arguments for 'get' command"));
  EXPECT_EQ(Run({"GET", "a", "b"}), Err("ERR wrong number of arguments for 'get' command"));
  EXPECT_EQ(Run({"del"}), Err("ERR wrong number of arguments for 'del' command"));
  EXPECT_EQ(Run({"MEMORY", "USAGE"}), Err("ERR wrong number of arguments for 'memory|usage' command"));
}

TEST_F(DispatchTest, EmptyArgvRepliesNothing) {
  std::vector<std::string_view> none;
  protocol::OutputBuffer out;
  protocol::ReplyWriter w(&out);
  engine_.Execute(session_, absl::MakeConstSpan(none), w);
  EXPECT_EQ(out.size(), 0u);
}

TEST_F(DispatchTest, CommandStats) {
  Run({"SET", "k", "v"});
  Run({"GET", "k"});
  Run({"GET", "k"});
  Run({"GET"});                 // rejected: arity
  Run({"INCR", "k"});           // failed: not an integer
  Run({"OBJECT", "ENCODING", "k"});
  const CommandTable& t = engine_.commands();
  EXPECT_EQ(t.Find("get")->stats().Get(engine::CommandStats::kCalls), 2u);
  EXPECT_EQ(t.Find("get")->stats().Get(engine::CommandStats::kRejectedCalls), 1u);
  EXPECT_EQ(t.Find("incr")->stats().Get(engine::CommandStats::kCalls), 1u);
  EXPECT_EQ(t.Find("incr")->stats().Get(engine::CommandStats::kFailedCalls), 1u);
  EXPECT_EQ(t.Find("object")->FindSubcommand("encoding")->stats().Get(engine::CommandStats::kCalls), 1u);
  EngineCounters c = engine_.counters();
  EXPECT_EQ(c.total_commands, 5u);
  EXPECT_EQ(c.total_error_replies, 2u);
  EXPECT_EQ(c.keyspace_hits, 2u);  // the two GETs: write lookups (INCR) do not count
  engine_.ResetStats();
  EXPECT_EQ(t.Find("get")->stats().Get(engine::CommandStats::kCalls), 0u);
  EXPECT_EQ(engine_.counters().total_error_replies, 0u);
  EXPECT_TRUE(engine_.ErrorStats().empty());
}

TEST_F(DispatchTest, ErrorStatsByPrefix) {
  PlantList("l");
  Run({"nosuch"});
  Run({"GET", "l"});
  Run({"GET", "l"});
  Run({"INCR", "l"});
  auto stats = engine_.ErrorStats();
  std::map<std::string, uint64_t> m(stats.begin(), stats.end());
  EXPECT_EQ(m["ERR"], 1u);
  EXPECT_EQ(m["WRONGTYPE"], 3u);
}

TEST_F(DispatchTest, ServerCanRegisterRowsAndSubcommands) {
  CommandTable& t = engine_.commands();
  static int pings = 0;
  t.Register({"ping", -1, kFast, 0, 0, 0,
              [](CommandContext& ctx) {
                ++pings;
                ctx.reply.SimpleString("PONG");
              },
              "@fast @connection", "connection", "1.0.0"});
  EXPECT_EQ(Run({"PING"}), Status("PONG"));
  EXPECT_EQ(pings, 1);
  // A subcommand added to an engine container.
  t.RegisterSubcommand(t.FindMutable("memory"),
                       {"doctor", 2, 0, 0, 0, 0,
                        [](CommandContext& ctx) { ctx.reply.Verbatim("txt", "ok"); }, "@slow",
                        "server", "4.0.0"});
  EXPECT_EQ(Run({"memory", "DOCTOR"}), Bulk("ok"));
}

TEST_F(DispatchTest, EmptyContainerIsUnknown) {
  engine_.commands().Register({"empty", -2, 0, 0, 0, 0, nullptr, "", "server", ""});
  EXPECT_EQ(Run({"EMPTY", "x"}), Err("ERR unknown command 'EMPTY', with args beginning with: 'x' "));
}

TEST_F(DispatchTest, FlagNames) {
  EXPECT_EQ(FlagNames(kWrite | kDenyOom | kFast | kNoKeyLock),
            (std::vector<std::string_view>{"write", "denyoom", "fast"}));
  const Command* get = engine_.commands().Find("get");
  EXPECT_TRUE(get->has_flag(kReadOnly));
  EXPECT_EQ(get->spec().arity, 2);
  EXPECT_GE(engine_.commands().size(), 49u);
}

// A row with only a name, arity, flags and key specs.
CommandSpec KeySpec(std::string_view name, int arity, uint32_t flags, int first, int last, int step, int numkeys_at) {
  CommandSpec s;
  s.name = name;
  s.arity = arity;
  s.flags = flags;
  s.first_key = first;
  s.last_key = last;
  s.key_step = step;
  s.numkeys_at = numkeys_at;
  return s;
}

// The argv indexes Command::ForEachKeyIndex yields, and its answer.
std::pair<std::vector<int>, bool> KeyIndexes(const Command& c, std::vector<std::string_view> argv,
                                             Command::CountParse parse = Command::CountParse::kStrict) {
  std::vector<int> out;
  const bool ok = c.ForEachKeyIndex(argv, [&](int i) { out.push_back(i); }, parse);
  return {out, ok};
}
using Ix = std::vector<int>;

TEST_F(DispatchTest, KeyIndexesWalkTheTripleAndTheNumkeysSpec) {
  // Triple only: MSET-like (1, -1, 2) and a fixed single key.
  const Command mset(KeySpec("t1", -3, 0, 1, -1, 2, 0), nullptr);
  EXPECT_EQ(KeyIndexes(mset, {"t1", "a", "1", "b", "2"}), std::make_pair(Ix{1, 3}, true));
  EXPECT_EQ(mset.dispatch_keys(), Command::DispatchKeys::kTriple);
  EXPECT_FALSE(mset.movable_keys());
  // Numkeys only (ZUNION): argv[1] counts the keys after it.
  const Command zunion(KeySpec("t2", -3, 0, 0, 0, 0, 1), nullptr);
  EXPECT_EQ(zunion.dispatch_keys(), Command::DispatchKeys::kNumKeys);
  EXPECT_TRUE(zunion.movable_keys());
  EXPECT_TRUE(zunion.has_keys());
  EXPECT_EQ(KeyIndexes(zunion, {"t2", "2", "a", "b", "WEIGHTS", "1", "2"}), std::make_pair(Ix{2, 3}, true));
  EXPECT_EQ(KeyIndexes(zunion, {"t2", "1", "a"}), std::make_pair(Ix{2}, true));
  // Destination by the triple, sources by numkeys (ZUNIONSTORE).
  const Command store(KeySpec("t3", -4, 0, 1, 1, 1, 2), nullptr);
  EXPECT_EQ(KeyIndexes(store, {"t3", "d", "3", "a", "b", "c", "AGGREGATE", "MAX"}),
            std::make_pair(Ix{1, 3, 4, 5}, true));
  // A bad count yields no numkeys keys (the triple's still) and false:
  // zero, negative, not a number, more keys than arguments, overflow.
  for (std::string_view bad : {"0", "-1", "x", "", "4", "99999999999999999999", "-99999999999999999999"}) {
    for (auto parse : {Command::CountParse::kStrict, Command::CountParse::kAtoi}) {
      EXPECT_EQ(KeyIndexes(store, {"t3", "d", bad, "a", "b", "c"}, parse), std::make_pair(Ix{1}, false)) << bad;
      EXPECT_EQ(KeyIndexes(zunion, {"t2", bad, "a", "b", "c"}, parse), std::make_pair(Ix{}, false)) << bad;
    }
  }
  // By default the count is read as the handlers read it (canonical decimal,
  // Redis's string2ll); COMMAND GETKEYS reads it as Redis's getkeys procs do
  // (atoi: leading blanks, a sign, trailing garbage, truncated to int).
  for (std::string_view two : {" 2", "+2", "02", "2x", "\t2.9"}) {
    EXPECT_EQ(KeyIndexes(zunion, {"t2", two, "a", "b", "c"}), std::make_pair(Ix{}, false)) << two;
    EXPECT_EQ(KeyIndexes(zunion, {"t2", two, "a", "b", "c"}, Command::CountParse::kAtoi),
              std::make_pair(Ix{2, 3}, true))
        << two;
  }
  EXPECT_EQ(KeyIndexes(zunion, {"t2", "4294967297", "a"}, Command::CountParse::kAtoi), std::make_pair(Ix{2}, true));
  EXPECT_EQ(KeyIndexes(zunion, {"t2", "4294967297", "a"}), std::make_pair(Ix{}, false));
  // A row without keys, or locking for itself, is not locked by the dispatcher.
  const Command none(KeySpec("t4", 1, 0, 0, 0, 0, 0), nullptr);
  EXPECT_EQ(none.dispatch_keys(), Command::DispatchKeys::kNone);
  EXPECT_FALSE(none.has_keys());
  EXPECT_EQ(KeyIndexes(none, {"t4"}), std::make_pair(Ix{}, true));
  const Command self(KeySpec("t5", -3, kNoKeyLock, 0, 0, 0, 2), nullptr);
  EXPECT_EQ(self.dispatch_keys(), Command::DispatchKeys::kNone);
  EXPECT_EQ(KeyIndexes(self, {"t5", "script", "1", "k"}), std::make_pair(Ix{3}, true));
}

TEST_F(DispatchTest, NumkeysRowsAreDeclaredAsRedisDeclaresThem) {
  const CommandTable& t = engine_.commands();
  struct Row {
    std::string_view name;
    int first, numkeys_at;
  };
  for (const Row& r : {Row{"zunion", 0, 1}, Row{"zinter", 0, 1}, Row{"zdiff", 0, 1}, Row{"zintercard", 0, 1},
                       Row{"zmpop", 0, 1}, Row{"bzmpop", 0, 2}, Row{"sintercard", 0, 1},
                       Row{"lmpop", 0, 1}, Row{"blmpop", 0, 2},
                       Row{"zunionstore", 1, 2}, Row{"zinterstore", 1, 2}, Row{"zdiffstore", 1, 2},
                       Row{"eval", 0, 2}, Row{"evalsha", 0, 2}, Row{"fcall", 0, 2}, Row{"fcall_ro", 0, 2}}) {
    const Command* c = t.Find(r.name);
    ASSERT_NE(c, nullptr) << r.name;
    EXPECT_EQ(c->spec().first_key, r.first) << r.name;
    EXPECT_EQ(c->spec().numkeys_at, r.numkeys_at) << r.name;
    EXPECT_TRUE(c->movable_keys()) << r.name;
    // Scripts lock their own keys; the others are locked by the dispatcher.
    EXPECT_EQ(c->has_flag(kNoKeyLock), c->spec().group == "scripting") << r.name;
  }
  EXPECT_EQ(KeyIndexes(*t.Find("zunionstore"), {"zunionstore", "d", "2", "a", "b", "WEIGHTS", "1", "2"}),
            std::make_pair(Ix{1, 3, 4}, true));
  EXPECT_EQ(KeyIndexes(*t.Find("bzmpop"), {"bzmpop", "0", "2", "a", "b", "MIN", "COUNT", "2"}),
            std::make_pair(Ix{3, 4}, true));
  EXPECT_EQ(FlagNames(kReadOnly, true), (std::vector<std::string_view>{"readonly", "movablekeys"}));
  // Redis 7.0's order (no_mandatory_keys before no_multi, movablekeys before
  // allow_busy) and may_replicate hidden.
  EXPECT_EQ(FlagNames(kNoScript | kMayReplicate | kNoMandatoryKeys | kNoMulti | kAllowBusy, true),
            (std::vector<std::string_view>{"noscript", "no_mandatory_keys", "no_multi", "movablekeys", "allow_busy"}));
}

// A key of db 0 on a shard none of `others` is on.
std::string KeyOffShards(Engine& e, std::vector<std::string> others) {
  for (int i = 0;; ++i) {
    std::string k = "other" + std::to_string(i);
    bool clash = false;
    for (const auto& o : others) clash = clash || e.ShardId(0, KeyHash(o)) == e.ShardId(0, KeyHash(k));
    if (!clash) return k;
  }
}

TEST_F(DispatchTest, DispatcherLocksExactlyTheNumkeysKeysShards) {
  // A busy shard (held by a script past busy-reply-threshold: locked and
  // marked) answers -BUSY to the commands that would lock it, and only to
  // them: so it shows which shards the dispatcher locks for a numkeys row.
  // (kNoKeyLock rows are refused while any shard is busy.)
  const std::string busy_error = "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.";
  Run({"ZADD", "a", "1", "x"});
  Run({"ZADD", "b", "2", "x"});
  Run({"SADD", "s", "m"});
  const std::string other = KeyOffShards(engine_, {"a", "b", "d", "s", "MIN"});  // "ZMPOP 2 a MIN" counts MIN
  const uint32_t other_shard[] = {engine_.ShardId(0, KeyHash(other))};
  engine_.shard(other_shard[0]).lock().lock();
  engine_.SetShardsBusy(other_shard, true);
  EXPECT_EQ(Run({"ZUNIONSTORE", "d", "2", "a", "b"}), Int(1));
  EXPECT_EQ(Run({"ZINTER", "2", "a", "b", "WITHSCORES"}), Arr({Bulk("x"), Bulk("3")}));
  EXPECT_EQ(Run({"ZINTERCARD", "2", "a", "b"}), Int(1));
  EXPECT_EQ(Run({"SINTERCARD", "1", "s"}), Int(1));
  EXPECT_EQ(Run({"ZMPOP", "1", "d", "MIN"}), Arr({Bulk("d"), Arr({Arr({Bulk("x"), Bulk("3")})})}));
  // A bad count locks no source key and replies Redis's errors.
  EXPECT_EQ(Run({"ZUNION", "0", "a"}), Err("ERR at least 1 input key is needed for 'zunion' command"));
  EXPECT_EQ(Run({"ZUNION", "x", "a"}), Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(Run({"ZUNION", "3", "a"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"ZUNIONSTORE", "d", "2", "a"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"ZMPOP", "0", "a", "MIN"}), Err("ERR numkeys should be greater than 0"));
  EXPECT_EQ(Run({"ZMPOP", "2", "a", "MIN"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"SINTERCARD", "2", "s"}), Err("ERR Number of keys can't be greater than number of args"));
  engine_.SetShardsBusy(other_shard, false);
  engine_.shard(other_shard[0]).lock().unlock();
  // A source key's shard busy: the numkeys keys are locked, so -BUSY.
  const uint32_t b_shard[] = {engine_.ShardId(0, KeyHash("b"))};
  engine_.shard(b_shard[0]).lock().lock();
  engine_.SetShardsBusy(b_shard, true);
  EXPECT_EQ(Run({"ZUNIONSTORE", other, "2", "a", "b"}), Err(busy_error));
  EXPECT_EQ(Run({"ZINTERCARD", "2", "a", "b"}), Err(busy_error));
  EXPECT_EQ(Run({"BZMPOP", "0", "2", "a", "b", "MIN"}), Err(busy_error));
  engine_.SetShardsBusy(b_shard, false);
  engine_.shard(b_shard[0]).lock().unlock();
  EXPECT_EQ(Run({"EXISTS", other}), Int(0));
}

// The look-ahead of a pipelined connection (server/connection.cc): it only
// ever names a command that has exactly one key, and running a command with
// its look-ahead gives the reply it gives without one.
TEST_F(DispatchTest, LookaheadKeyNamesOnlyOneKeyCommands) {
  auto view = [](const std::vector<std::string>& a) {
    std::vector<std::string_view> v(a.begin(), a.end());
    return v;
  };
  Engine::Lookahead ahead;
  std::vector<std::string> get = {"GET", "user:1"};
  ASSERT_TRUE(engine_.LookaheadKey(0, view(get), 0, &ahead));
  EXPECT_EQ(ahead.command, engine_.commands().Find("get"));
  EXPECT_EQ(ahead.hash, KeyHash("user:1"));
  EXPECT_TRUE(ahead.fetch);
  // The same key as the command before it: hot already, nothing to fetch.
  ASSERT_TRUE(engine_.LookaheadKey(0, view(get), KeyHash("user:1"), &ahead));
  EXPECT_FALSE(ahead.fetch);
  for (const std::vector<std::string>& other : std::vector<std::vector<std::string>>{
           {"PING"}, {"MSET", "a", "1", "b", "2"}, {"DEL", "a", "b"}, {"OBJECT", "ENCODING", "a"},
           {"EVAL", "return 1", "1", "a"}, {"nosuch", "a"}, {"GET"}}) {
    EXPECT_FALSE(engine_.LookaheadKey(0, view(other), 0, &ahead)) << other[0];
  }
  EXPECT_FALSE(engine_.LookaheadKey(-1, view(get), 0, &ahead));
  EXPECT_FALSE(engine_.LookaheadKey(16, view(get), 0, &ahead));  // databases = 16
}

TEST_F(DispatchTest, ExecuteWithItsLookaheadRepliesAsWithout) {
  auto run_ahead = [&](std::vector<std::string> a) {
    std::vector<std::string_view> v(a.begin(), a.end());
    Engine::Lookahead ahead;
    EXPECT_TRUE(engine_.LookaheadKey(session_.db, v, 0, &ahead));
    engine_.PrefetchSlot(ahead);  // also on tables that are still empty
    protocol::OutputBuffer out;
    protocol::ReplyWriter w(&out, session_.resp);
    engine_.Execute(session_, absl::MakeConstSpan(v), w, nullptr, &ahead);
    return out.ToString();
  };
  for (int i = 0; i < 200; ++i) {  // enough keys that tables grow while looked into
    const std::string k = "k" + std::to_string(i);
    EXPECT_EQ(run_ahead({"SET", k, std::to_string(i)}), "+OK\r\n");
    EXPECT_EQ(run_ahead({"INCR", k}), Int(i + 1));
  }
  for (int i = 0; i < 200; ++i) {
    const std::string k = "k" + std::to_string(i);
    const std::string v = std::to_string(i + 1);
    EXPECT_EQ(run_ahead({"GET", k}), Bulk(v));
    EXPECT_EQ(Run({"GET", k}), Bulk(v));
  }
  EXPECT_EQ(run_ahead({"GET", "missing"}), kNil);
  EXPECT_EQ(run_ahead({"LPUSH", "k1", "x"}), Err("WRONGTYPE Operation against a key holding the wrong kind of value"));
  EXPECT_EQ(run_ahead({"GET", "k1", "extra"}), Err("ERR wrong number of arguments for 'get' command"));
}

}  // namespace
}  // namespace stockd::engine::testing
