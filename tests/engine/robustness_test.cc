// tests/engine/robustness_test.cc — every registered command (and subcommand)
// called with random arguments drawn from a pool of awkward values: each call
// must produce exactly one well-formed RESP reply and never crash (run it
// under -DSTOCKD_SANITIZER=address to catch undefined behaviour too).
#include <random>

#include "protocol/reply_decoder.h"
#include "tests/engine/engine_test_util.h"

namespace stockd::engine::testing {
namespace {

class RobustnessTest : public ::testing::Test {
 protected:
  RobustnessTest() : engine_(Options()) {}
  static EngineOptions Options() {
    EngineOptions o;
    o.databases = 4;
    o.shards_per_db = 4;
    o.proto_max_bulk_len = 1 << 20;  // keeps SETRANGE-style allocations small
    o.clock = [] { return int64_t{1700000000000}; };
    return o;
  }
  Engine engine_;
};

TEST_F(RobustnessTest, RandomArgumentsAlwaysGetOneWellFormedReply) {
  const std::vector<std::string> pool = {
      "k", "k2", "", "0", "1", "-1", "2", "3", "100", "1000000", "-1000000",
      "9223372036854775807", "-9223372036854775808", "9223372036854775808", "1.5", "-0.5",
      "1e308", "inf", "-inf", "nan", "abc", "*", "k*", "[", "\\", "EX", "PX", "EXAT", "PXAT",
      "NX", "XX", "GT", "LT", "GET", "KEEPTTL", "PERSIST", "REPLACE", "DB", "MATCH", "COUNT",
      "TYPE", "SAMPLES", "ASYNC", "SYNC", "string", std::string(100, 'x'), std::string("a\0b", 3),
      "BLOCK", "WITHSCORES", "LIMIT"};
  std::mt19937 rng(7);
  std::vector<const Command*> rows;
  for (const Command* c : engine_.commands().commands()) {
    if (c->is_container()) {
      for (const Command* s : c->subcommands()) rows.push_back(s);
    } else {
      rows.push_back(c);
    }
  }
  Session session;
  session.no_block = true;  // a blocking command must answer at once
  int calls = 0;
  for (int round = 0; round < 300; ++round) {
    for (const Command* row : rows) {
      if (row->has_flag(kBlocking)) continue;
      // PFSELFTEST takes no argument and runs ~0.2 s of HLL self-checks each
      // time (tests/engine/hyperloglog_family_test.cc covers it).
      if (row->name() == "pfselftest") continue;
      std::vector<std::string> argv;
      if (row->parent() != nullptr) argv.push_back(std::string(row->parent()->name()));
      argv.push_back(std::string(row->name()));
      const int extra = static_cast<int>(rng() % 7);
      for (int i = 0; i < extra; ++i) argv.push_back(pool[rng() % pool.size()]);
      std::string bytes = engine_.Execute(session, argv);
      protocol::ReplyDecoder decoder;
      decoder.Feed(bytes);
      protocol::Reply reply;
      ASSERT_EQ(decoder.Next(&reply), protocol::ReplyDecoder::Result::kReply)
          << row->full_name() << " replied " << bytes.substr(0, 200);
      ASSERT_EQ(decoder.buffered(), 0u) << row->full_name() << " replied more than once";
      ++calls;
      if (session.db != 0 && rng() % 4 == 0) session.db = 0;
    }
  }
  EXPECT_GT(calls, 1000);
}

}  // namespace
}  // namespace stockd::engine::testing
