// Tests for protocol/reply_decoder.h: RESP2/RESP3 spec examples, round trips
// of the ReplyWriter's output in both versions, incremental feeding at every
// byte boundary, and rejection of malformed or hostile input.
#include "protocol/reply_decoder.h"

#include <cmath>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "protocol/reply_writer.h"

namespace stockd::protocol {
namespace {

// Decodes all replies in `bytes`; fails the test on a decoder error.
std::vector<Reply> DecodeAll(const std::string& bytes) {
  ReplyDecoder d;
  d.Feed(bytes);
  std::vector<Reply> out;
  Reply r;
  ReplyDecoder::Result res;
  while ((res = d.Next(&r)) == ReplyDecoder::Result::kReply) out.push_back(r);
  EXPECT_EQ(res, ReplyDecoder::Result::kNeedMore) << d.error();
  EXPECT_EQ(d.buffered(), 0u);
  return out;
}

std::string One(const std::string& bytes) {
  std::vector<Reply> v = DecodeAll(bytes);
  EXPECT_EQ(v.size(), 1u) << bytes;
  return v.empty() ? "" : ToString(v[0]);
}

std::string ErrorOf(const std::string& bytes, DecoderLimits limits = {}) {
  ReplyDecoder d(limits);
  d.Feed(bytes);
  Reply r;
  while (d.Next(&r) == ReplyDecoder::Result::kReply) {
  }
  return std::string(d.error());
}

TEST(ReplyDecoderTest, Resp2Examples) {
  EXPECT_EQ(One("+OK\r\n"), "OK");
  EXPECT_EQ(One("-ERR unknown command 'foobar'\r\n"), "(error) ERR unknown command 'foobar'");
  EXPECT_EQ(One(":1000\r\n"), "1000");
  EXPECT_EQ(One(":-5\r\n"), "-5");
  EXPECT_EQ(One("$5\r\nhello\r\n"), "\"hello\"");
  EXPECT_EQ(One("$0\r\n\r\n"), "\"\"");
  EXPECT_EQ(One("$-1\r\n"), "nil");
  EXPECT_EQ(One("*-1\r\n"), "nil");
  EXPECT_EQ(One("*0\r\n"), "[]");
  EXPECT_EQ(One("*2\r\n$5\r\nhello\r\n$5\r\nworld\r\n"), "[\"hello\", \"world\"]");
  EXPECT_EQ(One("*3\r\n:1\r\n:2\r\n:3\r\n"), "[1, 2, 3]");
  EXPECT_EQ(One("*2\r\n*3\r\n:1\r\n:2\r\n:3\r\n*2\r\n+Hello\r\n-World\r\n"),
            "[[1, 2, 3], [Hello, (error) World]]");
  EXPECT_EQ(One("*3\r\n$5\r\nhello\r\n$-1\r\n$5\r\nworld\r\n"), "[\"hello\", nil, \"world\"]");
  EXPECT_EQ(One("$4\r\na\r\n\x01\r\n"), "\"a\\r\\n\\x01\"");
}

TEST(ReplyDecoderTest, Resp3Examples) {
  EXPECT_EQ(One("_\r\n"), "nil");
  EXPECT_EQ(One(",1.23\r\n"), "(double) 1.23");
  EXPECT_EQ(One(",inf\r\n"), "(double) inf");
  EXPECT_EQ(One(",-inf\r\n"), "(double) -inf");
  EXPECT_EQ(One("#t\r\n"), "true");
  EXPECT_EQ(One("#f\r\n"), "false");
  EXPECT_EQ(One("!21\r\nSYNTAX invalid syntax\r\n"), "(blob error) \"SYNTAX invalid syntax\"");
  EXPECT_EQ(One("=15\r\ntxt:Some string\r\n"), "(txt) \"Some string\"");
  EXPECT_EQ(One("(3492890328409238509324850943850943825024385\r\n"),
            "(big) 3492890328409238509324850943850943825024385");
  EXPECT_EQ(One("%2\r\n+first\r\n:1\r\n+second\r\n:2\r\n"), "{first => 1, second => 2}");
  EXPECT_EQ(One("~5\r\n+orange\r\n+apple\r\n#t\r\n:100\r\n:999\r\n"), "~[orange, apple, true, 100, 999]");
  EXPECT_EQ(One(">3\r\n+message\r\n+somechannel\r\n+this is the message\r\n"),
            ">[message, somechannel, this is the message]");
  // Attributes decorate the following reply and do not count as an element.
  EXPECT_EQ(One("|1\r\n+key-popularity\r\n%2\r\n$1\r\na\r\n,0.1923\r\n$1\r\nb\r\n,0.0012\r\n"
                "*2\r\n:2039123\r\n:9543892\r\n"),
            "|{key-popularity => {\"a\" => (double) 0.1923, \"b\" => (double) 0.0012}} [2039123, 9543892]");
  EXPECT_EQ(One("*2\r\n:1\r\n|1\r\n+ttl\r\n:3600\r\n:2\r\n"), "[1, |{ttl => 3600} 2]");
}

TEST(ReplyDecoderTest, TypedFields) {
  std::vector<Reply> v = DecodeAll(":42\r\n,2.5\r\n=8\r\nmkd:# hi\r\n$-1\r\n*-1\r\n_\r\n");
  ASSERT_EQ(v.size(), 6u);
  EXPECT_EQ(v[0].type, ReplyType::kInteger);
  EXPECT_EQ(v[0].integer, 42);
  EXPECT_EQ(v[1].type, ReplyType::kDouble);
  EXPECT_EQ(v[1].dbl, 2.5);
  EXPECT_EQ(v[2].format, "mkd");
  EXPECT_EQ(v[2].str, "# hi");
  EXPECT_EQ(v[3].null_prefix, '$');
  EXPECT_EQ(v[4].null_prefix, '*');
  EXPECT_EQ(v[5].null_prefix, '_');
  EXPECT_EQ(ReplyTypeName(v[2].type), "verbatim");
}

// Writes the same logical reply in RESP2 and RESP3 and checks each decodes to
// the expected shape: the RESP3 type, or its documented RESP2 downgrade.
struct Case {
  const char* name;
  void (*write)(ReplyWriter&);
  const char* resp2;
  const char* resp3;
};

const Case kCases[] = {
    {"ok", [](ReplyWriter& w) { w.Ok(); }, "OK", "OK"},
    {"error", [](ReplyWriter& w) { w.Error("WRONGTYPE x\ny"); }, "(error) WRONGTYPE x y", "(error) WRONGTYPE x y"},
    {"integer", [](ReplyWriter& w) { w.Integer(-123456789012); }, "-123456789012", "-123456789012"},
    {"bulk", [](ReplyWriter& w) { w.Bulk(std::string_view("a\0b", 3)); }, "\"a\\x00b\"", "\"a\\x00b\""},
    {"null", [](ReplyWriter& w) { w.Null(); }, "nil", "nil"},
    {"null-array", [](ReplyWriter& w) { w.NullArray(); }, "nil", "nil"},
    {"map",
     [](ReplyWriter& w) {
       w.MapHeader(2);
       w.Bulk("a");
       w.Integer(1);
       w.Bulk("b");
       w.Double(0.5);
     },
     "[\"a\", 1, \"b\", \"0.5\"]", "{\"a\" => 1, \"b\" => (double) 0.5}"},
    {"set",
     [](ReplyWriter& w) {
       w.SetHeader(2);
       w.Bulk("x");
       w.Bulk("y");
     },
     "[\"x\", \"y\"]", "~[\"x\", \"y\"]"},
    {"push",
     [](ReplyWriter& w) {
       w.PushHeader(3);
       w.Bulk("message");
       w.Bulk("ch");
       w.Bulk("hi");
     },
     "[\"message\", \"ch\", \"hi\"]", ">[\"message\", \"ch\", \"hi\"]"},
    {"double", [](ReplyWriter& w) { w.Double(0.1); }, "\"0.10000000000000001\"", "(double) 0.10000000000000001"},
    {"inf", [](ReplyWriter& w) { w.Double(-INFINITY); }, "\"-inf\"", "(double) -inf"},
    {"boolean", [](ReplyWriter& w) { w.Boolean(true); }, "1", "true"},
    {"bignum", [](ReplyWriter& w) { w.BigNumber("-123456789012345678901234567890"); },
     "\"-123456789012345678901234567890\"", "(big) -123456789012345678901234567890"},
    {"verbatim", [](ReplyWriter& w) { w.Verbatim("txt", "line1\nline2"); }, "\"line1\\nline2\"",
     "(txt) \"line1\\nline2\""},
    {"nested",
     [](ReplyWriter& w) {
       w.ArrayHeader(3);
       w.SetHeader(0);
       w.MapHeader(1);
       w.SimpleString("k");
       w.ArrayHeader(1);
       w.Boolean(false);
       w.Null();
     },
     "[[], [k, [0]], nil]", "[~[], {k => [false]}, nil]"},
};

TEST(ReplyDecoderTest, RoundTripsTheWritersOutputInBothVersions) {
  for (const Case& c : kCases) {
    for (int resp : {2, 3}) {
      SCOPED_TRACE(std::string(c.name) + " resp" + std::to_string(resp));
      OutputBuffer out;
      ReplyWriter w(&out, resp);
      c.write(w);
      EXPECT_EQ(One(out.ToString()), resp == 2 ? c.resp2 : c.resp3);
    }
  }
}

TEST(ReplyDecoderTest, Resp2OutputContainsNoResp3Type) {
  for (const Case& c : kCases) {
    OutputBuffer out;
    ReplyWriter w(&out, 2);
    c.write(w);
    std::vector<Reply> v = DecodeAll(out.ToString());
    ASSERT_EQ(v.size(), 1u);
    std::vector<const Reply*> todo = {&v[0]};
    while (!todo.empty()) {
      const Reply* r = todo.back();
      todo.pop_back();
      EXPECT_TRUE(r->type == ReplyType::kSimpleString || r->type == ReplyType::kError ||
                  r->type == ReplyType::kInteger || r->type == ReplyType::kBulk ||
                  r->type == ReplyType::kArray || (r->type == ReplyType::kNull && r->null_prefix != '_'))
          << c.name << ": " << ReplyTypeName(r->type);
      for (const Reply& e : r->elements) todo.push_back(&e);
    }
  }
}

TEST(ReplyDecoderTest, EveryByteSplitGivesTheSameReplies) {
  std::string all;
  for (int resp : {2, 3}) {
    for (const Case& c : kCases) {
      OutputBuffer out;
      ReplyWriter w(&out, resp);
      c.write(w);
      all += out.ToString();
    }
  }
  all += "|1\r\n+a\r\n:1\r\n*1\r\n:2\r\n";
  std::vector<std::string> expect;
  for (const Reply& r : DecodeAll(all)) expect.push_back(ToString(r));
  ASSERT_EQ(expect.size(), 2 * std::size(kCases) + 1);
  for (size_t cut = 0; cut <= all.size(); ++cut) {
    ReplyDecoder d;
    std::vector<std::string> got;
    Reply r;
    d.Feed(all.substr(0, cut));
    while (d.Next(&r) == ReplyDecoder::Result::kReply) got.push_back(ToString(r));
    d.Feed(all.substr(cut));
    while (d.Next(&r) == ReplyDecoder::Result::kReply) got.push_back(ToString(r));
    ASSERT_EQ(got, expect) << "cut at " << cut;
    EXPECT_EQ(d.error(), "");
  }
}

TEST(ReplyDecoderTest, BufferedCountsPartialReplies) {
  ReplyDecoder d;
  Reply r;
  d.Feed("*2\r\n:1\r\n:");
  EXPECT_EQ(d.Next(&r), ReplyDecoder::Result::kNeedMore);
  EXPECT_EQ(d.buffered(), 9u);
  d.Feed("2\r\n");
  EXPECT_EQ(d.Next(&r), ReplyDecoder::Result::kReply);
  EXPECT_EQ(d.buffered(), 0u);
}

TEST(ReplyDecoderTest, RejectsMalformedInput) {
  EXPECT_EQ(ErrorOf("+OK\n"), "line not terminated by CRLF");
  EXPECT_EQ(ErrorOf("\n"), "line not terminated by CRLF");
  EXPECT_EQ(ErrorOf("+OK\r\n\r\n"), "unknown reply type byte 0x0d");  // found by the fuzzer
  EXPECT_EQ(ErrorOf(":12a\r\n"), "invalid integer");
  EXPECT_EQ(ErrorOf(":\r\n"), "invalid integer");
  EXPECT_EQ(ErrorOf("$3\r\nabcd\r\n"), "bulk not terminated by CRLF");
  EXPECT_EQ(ErrorOf("$-2\r\n"), "invalid bulk length");
  EXPECT_EQ(ErrorOf("*-2\r\n"), "invalid aggregate length");
  EXPECT_EQ(ErrorOf("#x\r\n"), "invalid boolean");
  EXPECT_EQ(ErrorOf(",abc\r\n"), "invalid double");
  EXPECT_EQ(ErrorOf("(12a\r\n"), "invalid big number");
  EXPECT_EQ(ErrorOf("_x\r\n"), "invalid null");
  EXPECT_EQ(ErrorOf("=2\r\nab\r\n"), "invalid verbatim string");
  EXPECT_EQ(ErrorOf("$?\r\n"), "streamed RESP3 types are not supported");
  EXPECT_EQ(ErrorOf("?x\r\n"), "unknown reply type byte 0x3f");
  DecoderLimits small;
  small.max_bulk_len = 4;
  EXPECT_EQ(ErrorOf("$5\r\n", small), "invalid bulk length");
}

TEST(ReplyDecoderTest, DepthAndSizeLimits) {
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += "*1\r\n";
  EXPECT_EQ(ErrorOf(deep), "reply nested too deeply");
  std::string ok;
  for (int i = 0; i < 64; ++i) ok += "*1\r\n";
  ok += ":1\r\n";
  EXPECT_EQ(ErrorOf(ok), "");
  // A huge declared count costs nothing until its elements arrive.
  ReplyDecoder d;
  Reply r;
  d.Feed("*4000000000\r\n");
  EXPECT_EQ(d.Next(&r), ReplyDecoder::Result::kNeedMore);
}

TEST(ReplyDecoderTest, ErrorIsSticky) {
  ReplyDecoder d;
  Reply r;
  d.Feed("+OK\r\n!x\r\n+OK\r\n");
  EXPECT_EQ(d.Next(&r), ReplyDecoder::Result::kReply);
  EXPECT_EQ(d.Next(&r), ReplyDecoder::Result::kError);
  EXPECT_EQ(d.Next(&r), ReplyDecoder::Result::kError);
}

}  // namespace
}  // namespace stockd::protocol
