// The parser's result must not depend on how the bytes arrive: a pipeline
// split at every byte boundary (and in random multi-way splits) parses to the
// same commands, and errors after valid commands are reported the same way.
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "protocol/parser.h"
#include "tests/protocol/parser_test_util.h"

namespace stockd::protocol {
namespace {

using ::stockd::protocol::testing::Parsed;
using ::stockd::protocol::testing::ParseChunks;
using ::stockd::protocol::testing::ParseWhole;
using ::stockd::protocol::testing::SplitAt;

std::string MixedPipeline() {
  std::string s;
  s += "*3\r\n$3\r\nSET\r\n$5\r\nkey:1\r\n$16\r\n0123456789abcdef\r\n";
  s += "*0\r\n";
  s += "GET \"key:\\x31\" 'a b'\r\n";
  s += "\r\n";
  s += "*2\r\n$4\r\nECHO\r\n$6\r\na\r\n";
  s += '\0';
  s += "bc\r\n";
  s += "PING\n";
  s += "*1\r\n$0\r\n\r\n";
  s += "*-1\r\n";
  s += "*2\r\n$3\r\nGET\r\n$40000\r\n" + std::string(40000, 'L') + "\r\n";  // >= kBigArg
  s += "  SET  k  \"v w\"  \r\n";
  s += "*1\r\n$4\r\nPING\r\n";
  return s;
}

TEST(ParserSplitTest, ExpectedCommands) {
  Parsed p = ParseWhole(MixedPipeline());
  EXPECT_EQ(p.error, "");
  ASSERT_EQ(p.commands.size(), 8u);
  EXPECT_EQ(p.commands[1], (std::vector<std::string>{"GET", "key:1", "a b"}));
  EXPECT_EQ(p.commands[2][1], std::string("a\r\n\0bc", 6));
  EXPECT_EQ(p.commands[5][1].size(), 40000u);
  EXPECT_EQ(p.commands[6], (std::vector<std::string>{"SET", "k", "v w"}));
  EXPECT_EQ(p.inline_flags, (std::vector<bool>{false, true, false, true, false, false, true, false}));
}

TEST(ParserSplitTest, EveryTwoWaySplitGivesTheSameCommands) {
  const std::string bytes = MixedPipeline();
  const Parsed whole = ParseWhole(bytes);
  // Every cut point inside the small commands; inside the big bulk, every
  // 97th byte plus its boundaries.
  size_t big_begin = bytes.find("$40000");
  size_t big_end = big_begin + 40000 + 10;
  for (size_t cut = 0; cut <= bytes.size(); ++cut) {
    if (cut > big_begin + 16 && cut < big_end - 16 && cut % 97 != 0) continue;
    Parsed p = ParseChunks(SplitAt(bytes, {cut}));
    ASSERT_EQ(p, whole) << "cut at " << cut;
  }
}

TEST(ParserSplitTest, ByteByByte) {
  const std::string bytes = MixedPipeline();
  std::vector<std::string> chunks;
  for (char c : bytes) chunks.emplace_back(1, c);
  EXPECT_EQ(ParseChunks(chunks), ParseWhole(bytes));
}

TEST(ParserSplitTest, RandomMultiWaySplits) {
  const std::string bytes = MixedPipeline();
  const Parsed whole = ParseWhole(bytes);
  std::mt19937 rng(42);
  for (int round = 0; round < 300; ++round) {
    std::vector<size_t> cuts;
    int k = 1 + static_cast<int>(rng() % 12);
    for (int i = 0; i < k; ++i) cuts.push_back(rng() % (bytes.size() + 1));
    std::sort(cuts.begin(), cuts.end());
    ASSERT_EQ(ParseChunks(SplitAt(bytes, cuts)), whole) << "round " << round;
  }
}

TEST(ParserSplitTest, ErrorsDoNotDependOnSplits) {
  const std::string prefix = "*1\r\n$4\r\nPING\r\nECHO 'x'\r\n";
  for (const char* bad :
       {"*1\r\nfoo\r\n", "*1\r\n$-3\r\n", "*abc\r\n", "ECHO \"abc\r\n", "*2\r\n$3\r\nGET\r\n$x\r\n"}) {
    const std::string bytes = prefix + bad;
    const Parsed whole = ParseWhole(bytes);
    ASSERT_FALSE(whole.error.empty()) << bad;
    ASSERT_EQ(whole.commands.size(), 2u);
    for (size_t cut = 0; cut <= bytes.size(); ++cut) {
      ASSERT_EQ(ParseChunks(SplitAt(bytes, {cut})), whole) << bad << " cut at " << cut;
    }
  }
}

}  // namespace
}  // namespace stockd::protocol
