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
              "@fast @connection", "connection", "Returns the server's liveliness response.",
              "1.0.0"});
  EXPECT_EQ(Run({"PING"}), Status("PONG"));
  EXPECT_EQ(pings, 1);
  // A subcommand added to an engine container.
  t.RegisterSubcommand(t.FindMutable("memory"),
                       {"doctor", 2, 0, 0, 0, 0,
                        [](CommandContext& ctx) { ctx.reply.Verbatim("txt", "ok"); }, "@slow",
                        "server", "Outputs a memory problems report.", "4.0.0"});
  EXPECT_EQ(Run({"memory", "DOCTOR"}), Bulk("ok"));
}

TEST_F(DispatchTest, EmptyContainerIsUnknown) {
  engine_.commands().Register({"empty", -2, 0, 0, 0, 0, nullptr, "", "server", "", ""});
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

}  // namespace
}  // namespace stockd::engine::testing
