// Tests for protocol/parser.h: the RESP spec's request examples, every Redis
// 7 protocol error, the limits, and resumption over partial input.
#include "protocol/parser.h"

#include <chrono>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/protocol/parser_test_util.h"

namespace stockd::protocol {
namespace {

using ::stockd::protocol::testing::Parsed;
using ::stockd::protocol::testing::ParseChunks;
using ::stockd::protocol::testing::ParseWhole;
using ::testing::ElementsAre;
using Cmds = std::vector<std::vector<std::string>>;

TEST(ParserTest, SpecExamples) {
  EXPECT_EQ(ParseWhole("*1\r\n$4\r\nPING\r\n").commands, Cmds({{"PING"}}));
  EXPECT_EQ(ParseWhole("*2\r\n$4\r\nECHO\r\n$3\r\nhey\r\n").commands, Cmds({{"ECHO", "hey"}}));
  EXPECT_EQ(ParseWhole("*2\r\n$4\r\nLLEN\r\n$6\r\nmylist\r\n").commands, Cmds({{"LLEN", "mylist"}}));
  EXPECT_EQ(ParseWhole("*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n").commands,
            Cmds({{"SET", "key", "value"}}));
}

TEST(ParserTest, BulksAreBinarySafe) {
  std::string value("a\r\n\0b", 5);
  Parsed p = ParseWhole("*2\r\n$3\r\nGET\r\n$5\r\n" + value + "\r\n*1\r\n$0\r\n\r\n");
  ASSERT_EQ(p.commands.size(), 2u);
  EXPECT_EQ(p.commands[0][1], value);
  EXPECT_EQ(p.commands[1], std::vector<std::string>{""});
  EXPECT_THAT(p.inline_flags, ElementsAre(false, false));
}

TEST(ParserTest, ArgumentsAreViewsIntoTheInputBuffer) {
  InputBuffer in;
  in.Append("*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n");
  const char* lo = in.data();
  const char* hi = in.data() + in.size();
  Parser parser;
  std::vector<std::string_view> argv;
  ASSERT_EQ(parser.Next(in, &argv), Parser::Result::kCommand);
  ASSERT_EQ(argv.size(), 2u);
  for (std::string_view a : argv) {
    EXPECT_GE(a.data(), lo);
    EXPECT_LE(a.data() + a.size(), hi);
  }
  EXPECT_TRUE(in.empty());
  EXPECT_EQ(parser.Next(in, &argv), Parser::Result::kNeedMore);
  EXPECT_TRUE(argv.empty());
}

TEST(ParserTest, EmptyCommandsAreSkipped) {
  EXPECT_EQ(ParseWhole("*0\r\n*-1\r\n*-100\r\n*1\r\n$4\r\nPING\r\n").commands, Cmds({{"PING"}}));
  EXPECT_EQ(ParseWhole("\r\n\n   \r\n \t \nPING\r\n").commands, Cmds({{"PING"}}));
}

TEST(ParserTest, PipelineYieldsEveryCompleteCommand) {
  std::string bytes;
  for (int i = 0; i < 500; ++i) bytes += "*2\r\n$4\r\nINCR\r\n$1\r\n" + std::to_string(i % 10) + "\r\n";
  bytes += "*2\r\n$4\r\nINCR\r\n$1";  // partial tail
  Parser parser;
  InputBuffer in;
  in.Append(bytes);
  std::vector<std::string_view> argv;
  int n = 0;
  while (parser.Next(in, &argv) == Parser::Result::kCommand) ++n;
  EXPECT_EQ(n, 500);
  EXPECT_TRUE(parser.in_progress());
  in.Append("\r\nx\r\n");
  ASSERT_EQ(parser.Next(in, &argv), Parser::Result::kCommand);
  EXPECT_THAT(argv, ElementsAre("INCR", "x"));
  EXPECT_FALSE(parser.in_progress());
}

// ---- errors: the texts of Redis 7.0's networking.c ----

std::string ErrorOf(const std::string& bytes, ParserLimits limits = {}, bool auth = true) {
  return ParseChunks({bytes}, limits, auth).error;
}

TEST(ParserErrorTest, InvalidMultibulkLength) {
  for (const char* bad : {"*abc\r\n", "*01\r\n", "*+1\r\n", "* 1\r\n", "*1 \r\n", "*-0\r\n", "*\r\n",
                          "*2147483648\r\n", "*99999999999999999999\r\n", "*1x\r\n"}) {
    EXPECT_EQ(ErrorOf(bad), "Protocol error: invalid multibulk length") << bad;
  }
  // INT_MAX itself is accepted (Redis 7.0 removed the old 1M limit).
  Parsed p = ParseWhole("*2147483647\r\n$3\r\nfoo\r\n");
  EXPECT_EQ(p.error, "");
  EXPECT_TRUE(p.commands.empty());
}

TEST(ParserErrorTest, InvalidBulkLength) {
  for (const char* bad : {"*1\r\n$-1\r\n", "*1\r\n$abc\r\n", "*1\r\n$01\r\n", "*1\r\n$\r\n",
                          "*1\r\n$536870913\r\n", "*1\r\n$1 \r\n", "*2\r\n$1\r\nx\r\n$-5\r\n"}) {
    EXPECT_EQ(ErrorOf(bad), "Protocol error: invalid bulk length") << bad;
  }
  EXPECT_EQ(ErrorOf("*1\r\n$536870912\r\n"), "");  // proto-max-bulk-len itself is fine
  ParserLimits small;
  small.max_bulk_len = 10;
  EXPECT_EQ(ErrorOf("*1\r\n$11\r\n", small), "Protocol error: invalid bulk length");
  EXPECT_EQ(ErrorOf("*1\r\n$10\r\n", small), "");
}

TEST(ParserErrorTest, ExpectedDollar) {
  EXPECT_EQ(ErrorOf("*1\r\nfoo\r\n"), "Protocol error: expected '$', got 'f'");
  EXPECT_EQ(ErrorOf("*2\r\n$3\r\nGET\r\n:1\r\n"), "Protocol error: expected '$', got ':'");
  // An empty line: Redis's error path turns the '\r' into a space.
  EXPECT_EQ(ErrorOf("*1\r\n\r\n"), "Protocol error: expected '$', got ' '");
}

TEST(ParserErrorTest, TooBigInlineRequest) {
  std::string line(64 * 1024, 'a');
  EXPECT_EQ(ErrorOf(line), "");  // exactly the limit, still waiting for '\n'
  EXPECT_EQ(ErrorOf(line + "a"), "Protocol error: too big inline request");
  // Redis checks only while the newline is missing: a longer complete line is fine.
  Parsed p = ParseWhole("ECHO " + line + "\r\n");
  ASSERT_EQ(p.commands.size(), 1u);
  EXPECT_EQ(p.commands[0][1], line);
}

TEST(ParserErrorTest, TooBigCountStrings) {
  std::string digits(64 * 1024, '1');
  EXPECT_EQ(ErrorOf("*" + digits), "Protocol error: too big mbulk count string");
  EXPECT_EQ(ErrorOf("*1\r\n$" + digits), "Protocol error: too big bulk count string");
  EXPECT_EQ(ErrorOf("*" + digits.substr(1)), "");  // 64 KiB exactly: waits
  // With its '\r' the over-long number is simply invalid.
  EXPECT_EQ(ErrorOf("*" + digits + "\r\n"), "Protocol error: invalid multibulk length");
}

TEST(ParserErrorTest, UnbalancedQuotes) {
  for (const char* bad : {"SET k \"abc\r\n", "SET k 'abc\r\n", "SET k \"a\"b\r\n", "SET k 'a'b\r\n",
                          "ECHO \"\\\"\r\n", "ECHO \"a\"\"b\"\n"}) {
    EXPECT_EQ(ErrorOf(bad), "Protocol error: unbalanced quotes in request") << bad;
  }
}

TEST(ParserErrorTest, UnauthenticatedLimits) {
  EXPECT_EQ(ErrorOf("*11\r\n", {}, false), "Protocol error: unauthenticated multibulk length");
  EXPECT_EQ(ErrorOf("*10\r\n", {}, false), "");
  EXPECT_EQ(ErrorOf("*1\r\n$16385\r\n", {}, false), "Protocol error: unauthenticated bulk length");
  EXPECT_EQ(ErrorOf("*1\r\n$16384\r\n", {}, false), "");
  EXPECT_EQ(ErrorOf("*11\r\n", {}, true), "");
  // Lifting the limits (after AUTH) applies to the next command.
  Parser parser;
  parser.SetAuthenticated(false);
  InputBuffer in;
  in.Append("*2\r\n$4\r\nAUTH\r\n$1\r\np\r\n*12\r\n");
  std::vector<std::string_view> argv;
  ASSERT_EQ(parser.Next(in, &argv), Parser::Result::kCommand);
  parser.SetAuthenticated(true);
  EXPECT_EQ(parser.Next(in, &argv), Parser::Result::kNeedMore);
}

TEST(ParserErrorTest, ErrorIsStickyAndCommandsBeforeItAreReturned) {
  Parser parser;
  InputBuffer in;
  in.Append("*1\r\n$4\r\nPING\r\n*x\r\n*1\r\n$4\r\nPING\r\n");
  std::vector<std::string_view> argv;
  ASSERT_EQ(parser.Next(in, &argv), Parser::Result::kCommand);
  EXPECT_EQ(parser.error(), "");
  ASSERT_EQ(parser.Next(in, &argv), Parser::Result::kError);
  EXPECT_EQ(parser.error(), "Protocol error: invalid multibulk length");
  EXPECT_EQ(parser.Next(in, &argv), Parser::Result::kError);
  EXPECT_TRUE(argv.empty());
}

// Redis does not check the two bytes after a header's '\r' or after a bulk.
TEST(ParserTest, TerminatorsAreSkippedUncheckedAsRedisDoes) {
  EXPECT_EQ(ParseWhole("*1\rX$4\rYPINGzz").commands, Cmds({{"PING"}}));
}

// ---- inline commands ----

Cmds Inline(const std::string& line) { return ParseWhole(line).commands; }

TEST(ParserInlineTest, SplitsOnBlanks) {
  EXPECT_EQ(Inline("SET key value\r\n"), Cmds({{"SET", "key", "value"}}));
  EXPECT_EQ(Inline("  SET\tkey   value  \n"), Cmds({{"SET", "key", "value"}}));
  EXPECT_EQ(Inline("PING\nPING\r\n"), Cmds({{"PING"}, {"PING"}}));
  EXPECT_TRUE(ParseWhole("PING\r\n").inline_flags[0]);
  // \v and \f separate only between arguments, not inside one (sdssplitargs).
  EXPECT_EQ(Inline("\va\vb\r\n"), Cmds({{"a\vb"}}));
  // A '\r' inside the line is a separator; only the last one is dropped.
  EXPECT_EQ(Inline("a\rb\r\r\n"), Cmds({{"a", "b"}}));
}

TEST(ParserInlineTest, DoubleQuotes) {
  EXPECT_EQ(Inline("SET k \"hello world\"\r\n"), Cmds({{"SET", "k", "hello world"}}));
  EXPECT_EQ(Inline("ECHO \"\\x41\\x4a\\x4B\"\r\n"), Cmds({{"ECHO", "AJK"}}));
  EXPECT_EQ(Inline("ECHO \"\\n\\r\\t\\b\\a\"\r\n"), Cmds({{"ECHO", "\n\r\t\b\a"}}));
  EXPECT_EQ(Inline("ECHO \"\\q\\\\\\\"\"\r\n"), Cmds({{"ECHO", "q\\\""}}));
  EXPECT_EQ(Inline("ECHO \"\\x4g\"\r\n"), Cmds({{"ECHO", "x4g"}}));
  EXPECT_EQ(Inline("ECHO \"\\x00\"\r\n"), Cmds({{"ECHO", std::string(1, '\0')}}));
  EXPECT_EQ(Inline("ECHO \"it's\"\r\n"), Cmds({{"ECHO", "it's"}}));
  EXPECT_EQ(Inline("ECHO \"\" x\r\n"), Cmds({{"ECHO", "", "x"}}));
  EXPECT_EQ(Inline("ECHO a\"b c\"\r\n"), Cmds({{"ECHO", "ab c"}}));
}

TEST(ParserInlineTest, SingleQuotes) {
  EXPECT_EQ(Inline("ECHO 'a b'\r\n"), Cmds({{"ECHO", "a b"}}));
  EXPECT_EQ(Inline("ECHO 'it\\'s'\r\n"), Cmds({{"ECHO", "it's"}}));
  EXPECT_EQ(Inline("ECHO 'a\\nb'\r\n"), Cmds({{"ECHO", "a\\nb"}}));
  EXPECT_EQ(Inline("ECHO '\"'\r\n"), Cmds({{"ECHO", "\""}}));
  EXPECT_EQ(Inline("ECHO ''\r\n"), Cmds({{"ECHO", ""}}));
}

TEST(ParserInlineTest, NulEndsTheArguments) {
  EXPECT_EQ(Inline(std::string("PING\0garbage\r\nECHO x\r\n", 22)), Cmds({{"PING"}, {"ECHO", "x"}}));
}

// ---- large bulks and memory ----

TEST(ParserTest, LargeBulkIsReceivedInPlaceAndMemoryIsReturned) {
  std::string value(1 << 20, 'v');
  for (size_t i = 0; i < value.size(); i += 4099) value[i] = static_cast<char>('a' + i % 26);
  std::string bytes = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$" + std::to_string(value.size()) + "\r\n" + value +
                      "\r\n*1\r\n$4\r\nPING\r\n";
  Parser parser;
  InputBuffer in;
  std::vector<std::string_view> argv;
  std::vector<std::vector<std::string>> got;
  size_t max_cap = 0;
  for (size_t off = 0; off < bytes.size(); off += 16 * 1024) {
    size_t n = std::min<size_t>(16 * 1024, bytes.size() - off);
    std::span<char> w = in.WritableSpace(n);
    std::memcpy(w.data(), bytes.data() + off, n);
    in.Commit(n);
    max_cap = std::max(max_cap, in.capacity());
    Parser::Result r;
    while ((r = parser.Next(in, &argv)) == Parser::Result::kCommand) got.emplace_back(argv.begin(), argv.end());
    ASSERT_EQ(r, Parser::Result::kNeedMore);
  }
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0][2], value);
  EXPECT_EQ(got[1][0], "PING");
  // Grown towards the announced size, not beyond: less than 2x the command.
  EXPECT_LT(max_cap, 2 * bytes.size());
  in.WritableSpace(1024);
  EXPECT_EQ(in.capacity(), InputBuffer::kInitialCapacity);
}

TEST(ParserTest, ClaimedHugeBulkAllocatesOnlyAsBytesArrive) {
  Parser parser;
  InputBuffer in;
  in.Append("*1\r\n$536870912\r\n");
  std::vector<std::string_view> argv;
  ASSERT_EQ(parser.Next(in, &argv), Parser::Result::kNeedMore);
  for (int i = 0; i < 20; ++i) {  // a trickle of tiny reads must not double the array each time
    std::span<char> w = in.WritableSpace(16);
    w[0] = 'x';
    in.Commit(1);
    ASSERT_EQ(parser.Next(in, &argv), Parser::Result::kNeedMore);
  }
  EXPECT_LE(in.capacity(), 64u * 1024);
}

// Resuming never rescans: a 100k-argument command fed 7 bytes at a time
// would take minutes if each call rebuilt what was already parsed.
TEST(ParserTest, ResumeIsLinear) {
  const int kArgs = 100000;
  std::string bytes = "*" + std::to_string(kArgs) + "\r\n";
  for (int i = 0; i < kArgs; ++i) bytes += "$1\r\nx\r\n";
  auto start = std::chrono::steady_clock::now();
  Parser parser;
  InputBuffer in;
  std::vector<std::string_view> argv;
  int commands = 0;
  for (size_t off = 0; off < bytes.size(); off += 7) {
    in.Append(std::string_view(bytes).substr(off, 7));
    if (parser.Next(in, &argv) == Parser::Result::kCommand) ++commands;
  }
  EXPECT_EQ(commands, 1);
  EXPECT_EQ(argv.size(), static_cast<size_t>(kArgs));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
}

TEST(ParserTest, LongInlineLineFedByteByByteIsLinear) {
  std::string line = "ECHO " + std::string(60000, 'y') + "\r\n";
  auto start = std::chrono::steady_clock::now();
  Parser parser;
  InputBuffer in;
  std::vector<std::string_view> argv;
  int commands = 0;
  for (char c : line) {
    in.Append(std::string_view(&c, 1));
    if (parser.Next(in, &argv) == Parser::Result::kCommand) ++commands;
  }
  EXPECT_EQ(commands, 1);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

}  // namespace
}  // namespace stockd::protocol
