// protocol/reply_decoder.h — incremental decoder of RESP2/RESP3 replies, for
// the project's own tests, clients and load generators (the server never
// decodes replies).
//
// Contract:
//  * Feed() appends bytes (copied); Next() returns kReply with one complete
//    top-level reply, kNeedMore when the bytes so far end inside a reply, or
//    kError (sticky) for malformed input; error() says what.
//  * Resumption is element-granular: elements already decoded are kept in the
//    decoder's stack, so feeding a large nested reply in small pieces costs
//    linear time.
//  * Strict: every line must end in "\r\n", bulks must be followed by "\r\n",
//    lengths use Redis's integer syntax. Input is untrusted: nesting deeper
//    than limits.max_depth, a bulk longer than limits.max_bulk_len or an
//    aggregate longer than limits.max_elements is an error, and memory grows
//    only with the bytes fed (declared sizes are not pre-allocated).
//  * RESP3 streamed strings/aggregates ("$?", "*?") are not supported (Redis
//    never sends them) and are an error.
//  * RESP3 attributes ("|n") are attached to the reply that follows them
//    (Reply::attributes) and do not count as an element of their parent.
//  * Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace stockd::protocol {

enum class ReplyType : uint8_t {
  kSimpleString,  // +
  kError,         // -   (str holds the message without '-')
  kInteger,       // :   (integer)
  kBulk,          // $
  kNull,          // RESP2 "$-1" and "*-1", RESP3 "_"   (null_prefix says which)
  kArray,         // *
  kMap,           // %   (elements: k1, v1, k2, v2, ...)
  kSet,           // ~
  kPush,          // >
  kDouble,        // ,   (dbl; str keeps the text as sent)
  kBoolean,       // #   (integer 1 or 0)
  kBigNumber,     // (   (str holds the digits)
  kVerbatim,      // =   (format "txt"/"mkd", str the text after "fmt:")
  kBlobError,     // !   (str holds the message)
};

std::string_view ReplyTypeName(ReplyType t);

struct Reply {
  ReplyType type = ReplyType::kNull;
  std::string str;
  int64_t integer = 0;
  double dbl = 0;
  std::string format;           // kVerbatim only
  char null_prefix = '_';       // kNull only: '$', '*' or '_'
  std::vector<Reply> elements;  // aggregates
  std::vector<Reply> attributes;  // RESP3 attribute pairs (k1, v1, ...) sent before this reply

  bool is_error() const { return type == ReplyType::kError || type == ReplyType::kBlobError; }
};

// A one-line debug form, e.g. `["SET", 1, nil, {"a" => (double) 1.5}]`:
//   +OK -> OK        -ERR x -> (error) ERR x   :1 -> 1       $3 foo -> "foo" (C-escaped)
//   nil              [a, b] (array)            {k => v} (map) ~[..] (set)   >[..] (push)
//   (double) 1.5     true / false              (big) 123      (txt) "text"  (blob error) "x"
std::string ToString(const Reply& r);

struct DecoderLimits {
  int max_depth = 64;
  int64_t max_bulk_len = 512LL << 20;
  int64_t max_elements = int64_t{1} << 32;
};

class ReplyDecoder {
 public:
  enum class Result { kReply, kNeedMore, kError };

  explicit ReplyDecoder(DecoderLimits limits = {}) : limits_(limits) {}

  void Feed(std::string_view bytes);
  // REQUIRES: out != nullptr. On kReply *out is replaced.
  Result Next(Reply* out);
  std::string_view error() const { return error_; }
  // Bytes fed but not yet part of a returned reply (including partial ones).
  size_t buffered() const { return buf_.size() - pos_ + partial_bytes_; }

 private:
  struct Frame {
    Reply node;
    int64_t remaining;  // elements still expected
    bool is_attribute;
    std::vector<Reply> pending_attributes;  // for the next element of this frame
  };
  enum class Step { kDone, kNeedMore, kError };
  // Decodes one element at pos_ into `out`; sets *aggregate_len >= 0 when it
  // is an aggregate header whose elements follow.
  Step DecodeElement(Reply* out, int64_t* aggregate_len, bool* is_attribute);
  // Attaches a finished value to the innermost frame or makes it the result.
  bool Attach(Reply&& value, Reply* result);
  Result Fail(std::string msg);

  DecoderLimits limits_;
  std::string buf_;
  size_t pos_ = 0;           // first byte of the next element
  size_t scan_ = 0;          // where the search for "\r\n" resumes
  size_t partial_bytes_ = 0; // bytes of the reply in progress already decoded
  std::vector<Frame> stack_;
  std::vector<Reply> pending_attributes_;
  std::string error_;
  bool failed_ = false;
};

}  // namespace stockd::protocol
