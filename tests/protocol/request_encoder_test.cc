// Tests for protocol/request_encoder.h: the encoding is the RESP request form,
// and the parser reads back exactly the arguments encoded.
#include "protocol/request_encoder.h"

#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "protocol/parser.h"

namespace stockd::protocol {
namespace {

TEST(RequestEncoderTest, SpecForm) {
  EXPECT_EQ(EncodeCommand({"SET", "key", "value"}), "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n");
  EXPECT_EQ(EncodeCommand({"ECHO", ""}), "*2\r\n$4\r\nECHO\r\n$0\r\n\r\n");
}

TEST(RequestEncoderTest, ParserReadsBackRandomArguments) {
  std::mt19937 rng(7);
  std::string wire;
  std::vector<std::vector<std::string>> sent;
  for (int c = 0; c < 200; ++c) {
    std::vector<std::string> args(1 + rng() % 5);
    for (std::string& a : args) {
      a.resize(rng() % (c % 50 == 0 ? 70000 : 20));
      for (char& ch : a) ch = static_cast<char>(rng() % 256);
    }
    std::vector<std::string_view> views(args.begin(), args.end());
    AppendCommand(&wire, views);
    sent.push_back(std::move(args));
  }
  Parser parser;
  InputBuffer in;
  in.Append(wire);
  std::vector<std::string_view> argv;
  for (const std::vector<std::string>& expect : sent) {
    ASSERT_EQ(parser.Next(in, &argv), Parser::Result::kCommand);
    ASSERT_EQ(std::vector<std::string>(argv.begin(), argv.end()), expect);
  }
  EXPECT_EQ(parser.Next(in, &argv), Parser::Result::kNeedMore);
  EXPECT_TRUE(in.empty());
}

}  // namespace
}  // namespace stockd::protocol
