// Fuzzes protocol::ReplyDecoder with untrusted reply bytes, and round-trips
// what it decodes through protocol::ReplyWriter.
//
// Checked properties, beyond "no crash, no leak, no UB" (ASan/UBSan):
//  * decoding is independent of how the bytes are fed (one shot vs pieces):
//    same replies, same error;
//  * every decoded reply the writer can express, written again with the
//    writer in RESP3 and decoded, is equivalent to the original (doubles by
//    value; attributes and blob errors, which the writer does not produce,
//    are skipped); written in RESP2 it decodes to RESP2 types only. Some
//    aggregates are written with deferred lengths (ReplyWriter::DeferLength).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/reply_decoder.h"
#include "protocol/reply_writer.h"

namespace {

using stockd::protocol::DecoderLimits;
using stockd::protocol::OutputBuffer;
using stockd::protocol::Reply;
using stockd::protocol::ReplyDecoder;
using stockd::protocol::ReplyType;
using stockd::protocol::ReplyWriter;

void Check(bool ok) {
  if (!ok) std::abort();
}

struct Outcome {
  std::vector<Reply> replies;
  std::string error;
};

DecoderLimits Limits() {
  DecoderLimits l;
  l.max_depth = 16;
  l.max_bulk_len = 1 << 16;
  l.max_elements = 1 << 16;
  return l;
}

Outcome Decode(std::string_view data, size_t piece) {
  ReplyDecoder d(Limits());
  Outcome out;
  Reply r;
  for (size_t off = 0; off < data.size(); off += piece) {
    d.Feed(data.substr(off, piece));
    ReplyDecoder::Result res;
    while ((res = d.Next(&r)) == ReplyDecoder::Result::kReply) out.replies.push_back(r);
    if (res == ReplyDecoder::Result::kError) {
      out.error = std::string(d.error());
      break;
    }
  }
  return out;
}

// Whether the writer can reproduce r (and all it contains).
bool Writable(const Reply& r) {
  if (!r.attributes.empty() || r.type == ReplyType::kBlobError) return false;
  if (r.type == ReplyType::kError && (r.str.empty() || r.str[0] == '-')) return false;
  for (const Reply& e : r.elements) {
    if (!Writable(e)) return false;
  }
  return true;
}

void Write(const Reply& r, ReplyWriter& w) {
  switch (r.type) {
    case ReplyType::kSimpleString: w.SimpleString(r.str); break;
    case ReplyType::kError: w.Error(r.str); break;
    case ReplyType::kInteger: w.Integer(r.integer); break;
    case ReplyType::kBulk: w.Bulk(r.str); break;
    case ReplyType::kNull:
      if (r.null_prefix == '*') {
        w.NullArray();
      } else {
        w.Null();
      }
      break;
    case ReplyType::kArray:
    case ReplyType::kMap:
    case ReplyType::kSet:
      if (r.elements.size() % 2 == 1 || r.type == ReplyType::kMap) {
        // Exercise deferred lengths: header written after the elements.
        ReplyWriter::Deferred d = w.DeferLength();
        for (const Reply& e : r.elements) Write(e, w);
        if (r.type == ReplyType::kArray) w.SetDeferredArrayLen(d, r.elements.size());
        if (r.type == ReplyType::kMap) w.SetDeferredMapLen(d, r.elements.size() / 2);
        if (r.type == ReplyType::kSet) w.SetDeferredSetLen(d, r.elements.size());
        return;
      }
      if (r.type == ReplyType::kArray) w.ArrayHeader(r.elements.size());
      if (r.type == ReplyType::kSet) w.SetHeader(r.elements.size());
      break;
    case ReplyType::kPush: w.PushHeader(r.elements.size()); break;
    case ReplyType::kDouble: w.Double(r.dbl); break;
    case ReplyType::kBoolean: w.Boolean(r.integer != 0); break;
    case ReplyType::kBigNumber: w.BigNumber(r.str); break;
    case ReplyType::kVerbatim: w.Verbatim(r.format, r.str); break;
    case ReplyType::kBlobError: break;
  }
  for (const Reply& e : r.elements) Write(e, w);
}

bool Equivalent(const Reply& a, const Reply& b) {
  if (a.type != b.type || a.elements.size() != b.elements.size()) return false;
  switch (a.type) {
    case ReplyType::kDouble:
      if (std::isnan(a.dbl)) return std::isnan(b.dbl);
      return a.dbl == b.dbl;
    case ReplyType::kInteger:
    case ReplyType::kBoolean:
      return a.integer == b.integer;
    case ReplyType::kNull:
      return true;
    case ReplyType::kVerbatim:
      return a.format == b.format && a.str == b.str;
    default:
      break;
  }
  if (a.str != b.str) return false;
  for (size_t i = 0; i < a.elements.size(); ++i) {
    if (!Equivalent(a.elements[i], b.elements[i])) return false;
  }
  return true;
}

bool OnlyResp2(const Reply& r) {
  switch (r.type) {
    case ReplyType::kSimpleString:
    case ReplyType::kError:
    case ReplyType::kInteger:
    case ReplyType::kBulk:
      return true;
    case ReplyType::kNull:
      return r.null_prefix != '_';
    case ReplyType::kArray:
      for (const Reply& e : r.elements) {
        if (!OnlyResp2(e)) return false;
      }
      return true;
    default:
      return false;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
  if (size < 1) return 0;
  const size_t piece = 1 + bytes[0] % 17;
  std::string_view data(reinterpret_cast<const char*>(bytes) + 1, size - 1);

  Outcome whole = Decode(data, data.size() + 1);
  Outcome pieces = Decode(data, piece);
  Check(whole.error == pieces.error);
  Check(whole.replies.size() == pieces.replies.size());
  for (size_t i = 0; i < whole.replies.size(); ++i) {
    Check(ToString(whole.replies[i]) == ToString(pieces.replies[i]));
  }

  for (const Reply& r : whole.replies) {
    if (!Writable(r)) continue;
    for (int resp : {3, 2}) {
      OutputBuffer out;
      ReplyWriter w(&out, resp);
      Write(r, w);
      Outcome again = Decode(out.ToString(), out.size() + 1);
      Check(again.error.empty());
      Check(again.replies.size() == 1);
      if (resp == 3) {
        Check(Equivalent(r, again.replies[0]));
      } else {
        Check(OnlyResp2(again.replies[0]));
      }
    }
  }
  return 0;
}
