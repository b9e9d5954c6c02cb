// Tests for protocol/reply_writer.h: every reply type, RESP2 and RESP3, byte
// for byte, and the OutputBuffer's writev contract.
#include "protocol/reply_writer.h"

#include <sys/uio.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace stockd::protocol {
namespace {

// Runs `fn` against a writer of the given RESP version and returns the bytes.
template <typename Fn>
std::string Write(int resp, Fn fn) {
  OutputBuffer out;
  ReplyWriter w(&out, resp);
  fn(w);
  return out.ToString();
}

TEST(ReplyWriterTest, SameInBothVersions) {
  for (int resp : {2, 3}) {
    SCOPED_TRACE(resp);
    EXPECT_EQ(Write(resp, [](ReplyWriter& w) { w.SimpleString("PONG"); }), "+PONG\r\n");
    EXPECT_EQ(Write(resp, [](ReplyWriter& w) { w.Ok(); }), "+OK\r\n");
    EXPECT_EQ(Write(resp, [](ReplyWriter& w) { w.Bulk("hello"); }), "$5\r\nhello\r\n");
    EXPECT_EQ(Write(resp, [](ReplyWriter& w) { w.Bulk(""); }), "$0\r\n\r\n");
    EXPECT_EQ(Write(resp, [](ReplyWriter& w) { w.Bulk(std::string_view("a\0b\r\n", 5)); }),
              std::string("$5\r\na\0b\r\n\r\n", 11));
    EXPECT_EQ(Write(resp, [](ReplyWriter& w) { w.ArrayHeader(3); }), "*3\r\n");
    EXPECT_EQ(Write(resp, [](ReplyWriter& w) { w.EmptyArray(); }), "*0\r\n");
    EXPECT_EQ(Write(resp, [](ReplyWriter& w) { w.Error("ERR unknown command"); }),
              "-ERR unknown command\r\n");
  }
}

TEST(ReplyWriterTest, Integers) {
  EXPECT_EQ(Write(2, [](ReplyWriter& w) { w.Integer(0); }), ":0\r\n");
  EXPECT_EQ(Write(2, [](ReplyWriter& w) { w.Integer(1); }), ":1\r\n");
  EXPECT_EQ(Write(2, [](ReplyWriter& w) { w.Integer(9999); }), ":9999\r\n");
  EXPECT_EQ(Write(2, [](ReplyWriter& w) { w.Integer(10000); }), ":10000\r\n");
  EXPECT_EQ(Write(2, [](ReplyWriter& w) { w.Integer(-1); }), ":-1\r\n");
  EXPECT_EQ(Write(3, [](ReplyWriter& w) { w.Integer(std::numeric_limits<int64_t>::max()); }),
            ":9223372036854775807\r\n");
  EXPECT_EQ(Write(3, [](ReplyWriter& w) { w.Integer(std::numeric_limits<int64_t>::min()); }),
            ":-9223372036854775808\r\n");
  // Every cached value is formatted exactly as a computed one would be.
  for (int64_t v = -5; v < 10005; ++v) {
    ASSERT_EQ(Write(2, [v](ReplyWriter& w) { w.Integer(v); }), ":" + std::to_string(v) + "\r\n");
  }
}

TEST(ReplyWriterTest, AggregateHeadersAcrossTheCacheBoundary) {
  for (size_t n : {0u, 1u, 31u, 999u, 1000u, 123456u}) {
    EXPECT_EQ(Write(2, [n](ReplyWriter& w) { w.ArrayHeader(n); }), "*" + std::to_string(n) + "\r\n");
    std::string bulk(n % 2000, 'x');
    EXPECT_EQ(Write(2, [&](ReplyWriter& w) { w.Bulk(bulk); }),
              "$" + std::to_string(bulk.size()) + "\r\n" + bulk + "\r\n");
  }
}

TEST(ReplyWriterTest, ErrorsAreOneLineAndCounted) {
  OutputBuffer out;
  ReplyWriter w(&out);
  w.Error("ERR bad\r\nthing\n");
  w.Error("-WRONGTYPE Operation against a key holding the wrong kind of value");
  w.Error("");
  EXPECT_EQ(out.ToString(),
            "-ERR bad  thing \r\n"
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
            "-ERR\r\n");
  EXPECT_EQ(w.errors_written(), 3u);
  w.Ok();
  EXPECT_EQ(w.errors_written(), 3u);
}

TEST(ReplyWriterTest, Resp3Types) {
  EXPECT_EQ(Write(3, [](ReplyWriter& w) { w.Null(); }), "_\r\n");
  EXPECT_EQ(Write(3, [](ReplyWriter& w) { w.NullArray(); }), "_\r\n");
  EXPECT_EQ(Write(3, [](ReplyWriter& w) { w.MapHeader(2); }), "%2\r\n");
  EXPECT_EQ(Write(3, [](ReplyWriter& w) { w.SetHeader(4); }), "~4\r\n");
  EXPECT_EQ(Write(3, [](ReplyWriter& w) { w.PushHeader(3); }), ">3\r\n");
  EXPECT_EQ(Write(3, [](ReplyWriter& w) { w.Double(1.5); }), ",1.5\r\n");
  EXPECT_EQ(Write(3, [](ReplyWriter& w) { w.Double(0.1); }), ",0.10000000000000001\r\n");
  EXPECT_EQ(Write(3, [](ReplyWriter& w) { w.Double(-3); }), ",-3\r\n");
  EXPECT_EQ(Write(3, [](ReplyWriter& w) { w.Double(1e300); }), ",1.0000000000000001e+300\r\n");
  EXPECT_EQ(Write(3, [](ReplyWriter& w) { w.Double(INFINITY); }), ",inf\r\n");
  EXPECT_EQ(Write(3, [](ReplyWriter& w) { w.Double(-INFINITY); }), ",-inf\r\n");
  EXPECT_EQ(Write(3, [](ReplyWriter& w) { w.Boolean(true); }), "#t\r\n");
  EXPECT_EQ(Write(3, [](ReplyWriter& w) { w.Boolean(false); }), "#f\r\n");
  EXPECT_EQ(Write(3, [](ReplyWriter& w) { w.BigNumber("3492890328409238509324850943850943825024385"); }),
            "(3492890328409238509324850943850943825024385\r\n");
  EXPECT_EQ(Write(3, [](ReplyWriter& w) { w.Verbatim("txt", "Some string"); }),
            "=15\r\ntxt:Some string\r\n");
}

// Each RESP3 type downgraded for a RESP2 client, as Redis 7 does.
TEST(ReplyWriterTest, Resp2Downgrades) {
  EXPECT_EQ(Write(2, [](ReplyWriter& w) { w.Null(); }), "$-1\r\n");
  EXPECT_EQ(Write(2, [](ReplyWriter& w) { w.NullArray(); }), "*-1\r\n");
  EXPECT_EQ(Write(2, [](ReplyWriter& w) { w.MapHeader(2); }), "*4\r\n");
  EXPECT_EQ(Write(2, [](ReplyWriter& w) { w.SetHeader(4); }), "*4\r\n");
  EXPECT_EQ(Write(2, [](ReplyWriter& w) { w.PushHeader(3); }), "*3\r\n");
  EXPECT_EQ(Write(2, [](ReplyWriter& w) { w.Double(1.5); }), "$3\r\n1.5\r\n");
  EXPECT_EQ(Write(2, [](ReplyWriter& w) { w.Double(0.1); }), "$19\r\n0.10000000000000001\r\n");
  EXPECT_EQ(Write(2, [](ReplyWriter& w) { w.Double(INFINITY); }), "$3\r\ninf\r\n");
  EXPECT_EQ(Write(2, [](ReplyWriter& w) { w.Double(-INFINITY); }), "$4\r\n-inf\r\n");
  EXPECT_EQ(Write(2, [](ReplyWriter& w) { w.Boolean(true); }), ":1\r\n");
  EXPECT_EQ(Write(2, [](ReplyWriter& w) { w.Boolean(false); }), ":0\r\n");
  EXPECT_EQ(Write(2, [](ReplyWriter& w) { w.BigNumber("12345678901234567890"); }),
            "$20\r\n12345678901234567890\r\n");
  EXPECT_EQ(Write(2, [](ReplyWriter& w) { w.Verbatim("txt", "Some string"); }),
            "$11\r\nSome string\r\n");
}

TEST(ReplyWriterTest, SetRespSwitchesEncoding) {
  OutputBuffer out;
  ReplyWriter w(&out);
  EXPECT_EQ(w.resp(), 2);
  w.Null();
  w.SetResp(3);
  EXPECT_EQ(w.resp(), 3);
  w.Null();
  EXPECT_EQ(out.ToString(), "$-1\r\n_\r\n");
}

TEST(ReplyWriterTest, BulkArray) {
  std::vector<std::string_view> items = {"a", "", "ccc"};
  EXPECT_EQ(Write(2, [&](ReplyWriter& w) { w.BulkArray(items); }),
            "*3\r\n$1\r\na\r\n$0\r\n\r\n$3\r\nccc\r\n");
  EXPECT_EQ(Write(3, [](ReplyWriter& w) { w.BulkArray({}); }), "*0\r\n");
}

TEST(ReplyWriterTest, RawIsVerbatim) {
  EXPECT_EQ(Write(2, [](ReplyWriter& w) { w.Raw("+QUEUED\r\n"); }), "+QUEUED\r\n");
}

// ---- deferred lengths ----

TEST(ReplyWriterTest, DeferredLengthsEqualKnownLengths) {
  for (int resp : {2, 3}) {
    SCOPED_TRACE(resp);
    OutputBuffer deferred_out;
    OutputBuffer known_out;
    ReplyWriter d(&deferred_out, resp);
    ReplyWriter k(&known_out, resp);
    for (int i = 0; i < 300; ++i) {
      // An array of i bulks, a map of i % 5 pairs, a set of 12345 ... 0 items.
      ReplyWriter::Deferred a = d.DeferLength();
      k.ArrayHeader(static_cast<size_t>(i));
      for (int j = 0; j < i; ++j) {
        std::string v(static_cast<size_t>(j % 7) * (i % 3 == 0 ? 1000 : 1), 'a' + j % 26);
        d.Bulk(v);
        k.Bulk(v);
      }
      d.SetDeferredArrayLen(a, static_cast<size_t>(i));
      ReplyWriter::Deferred m = d.DeferLength();
      ReplyWriter::Deferred inner = d.DeferLength();  // two slots back to back
      k.MapHeader(static_cast<size_t>(i % 5) + 1);
      k.SetHeader(0);
      d.SetDeferredSetLen(inner, 0);
      d.Integer(i);
      k.Integer(i);
      for (int j = 0; j < i % 5; ++j) {
        d.Integer(j);
        k.Integer(j);
        d.Null();
        k.Null();
      }
      d.SetDeferredMapLen(m, static_cast<size_t>(i % 5) + 1);
    }
    ASSERT_EQ(deferred_out.size(), known_out.size());
    EXPECT_EQ(deferred_out.ToString(), known_out.ToString());
    // And it drains through iovecs in the same order.
    std::string sent;
    std::vector<iovec> iov(16);
    while (!deferred_out.empty()) {
      int n = deferred_out.FillIovec(iov.data(), 16);
      size_t bytes = 0;
      for (int i = 0; i < n; ++i) {
        size_t take = std::min<size_t>(iov[i].iov_len, 5000 - bytes);
        sent.append(static_cast<const char*>(iov[i].iov_base), take);
        bytes += take;
        if (bytes == 5000) break;
      }
      deferred_out.Consume(bytes);
    }
    EXPECT_EQ(sent, known_out.ToString());
  }
}

TEST(ReplyWriterTest, DeferredHeaderIsFilledInPlace) {
  OutputBuffer out;
  ReplyWriter w(&out, 3);
  w.Ok();
  ReplyWriter::Deferred d = w.DeferLength();
  w.Bulk("x");
  EXPECT_EQ(out.ToString(), "+OK\r\n$1\r\nx\r\n");  // the slot is empty until set
  w.SetDeferredMapLen(d, 12345678901234567ull);
  EXPECT_EQ(out.ToString(), "+OK\r\n%12345678901234567\r\n$1\r\nx\r\n");
}

// ---- OutputBuffer ----

std::string Gather(const OutputBuffer& out, int max_iov) {
  std::vector<iovec> iov(static_cast<size_t>(max_iov));
  int n = out.FillIovec(iov.data(), max_iov);
  std::string s;
  for (int i = 0; i < n; ++i) s.append(static_cast<const char*>(iov[i].iov_base), iov[i].iov_len);
  return s;
}

TEST(OutputBufferTest, EmptyHasNoIovecs) {
  OutputBuffer out;
  iovec iov[4];
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(out.FillIovec(iov, 4), 0);
}

TEST(OutputBufferTest, AppendsNeverMoveEarlierBytes) {
  OutputBuffer out;
  out.Append("hello");
  iovec iov[1];
  ASSERT_EQ(out.FillIovec(iov, 1), 1);
  const char* first = static_cast<const char*>(iov[0].iov_base);
  std::string big(3 * OutputBuffer::kChunkSize, 'z');
  for (int i = 0; i < 100; ++i) out.Append("0123456789");
  out.Append(big);
  ASSERT_EQ(out.FillIovec(iov, 1), 1);
  EXPECT_EQ(static_cast<const char*>(iov[0].iov_base), first);
  EXPECT_EQ(std::string(first, 5), "hello");
  EXPECT_EQ(out.size(), 5 + 1000 + big.size());
}

TEST(OutputBufferTest, PartialWritesInOrder) {
  OutputBuffer out;
  std::string expect;
  for (int i = 0; i < 5000; ++i) {
    std::string piece = std::to_string(i) + (i % 97 == 0 ? std::string(40000, 'a' + i % 26) : "") + ",";
    out.Append(piece);
    expect += piece;
  }
  ASSERT_EQ(out.size(), expect.size());
  EXPECT_EQ(Gather(out, 100000), expect);
  // Drain with writes of awkward sizes through at most 3 iovecs at a time.
  std::string sent;
  size_t step = 1;
  while (!out.empty()) {
    std::string pending = Gather(out, 3);
    ASSERT_FALSE(pending.empty());
    size_t n = std::min(pending.size(), step);
    sent.append(pending, 0, n);
    out.Consume(n);
    step = step * 7 % 65521 + 1;
  }
  EXPECT_EQ(sent, expect);
  EXPECT_EQ(out.size(), 0u);
  out.Append("again");
  EXPECT_EQ(out.ToString(), "again");
}

TEST(OutputBufferTest, ClearDropsEverything) {
  OutputBuffer out;
  out.Append(std::string(100000, 'q'));
  out.Append("tail");
  out.Clear();
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(out.ToString(), "");
  out.Append("x");
  EXPECT_EQ(out.ToString(), "x");
}

TEST(OutputBufferTest, LargeAppendIsOneIovec) {
  OutputBuffer out;
  out.Append("$100000\r\n");
  std::string big(100000, 'b');
  out.Append(big);
  iovec iov[8];
  int n = out.FillIovec(iov, 8);
  ASSERT_EQ(n, 2);
  EXPECT_EQ(iov[1].iov_len, big.size());
}

}  // namespace
}  // namespace stockd::protocol
