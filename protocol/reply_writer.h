// protocol/reply_writer.h — the only way command code produces replies.
//
// Contract:
//  * Every method appends exactly one RESP element (or an aggregate header
//    announcing how many elements follow) to the OutputBuffer given at
//    construction. The caller writes the announced number of elements after
//    a header; the writer does not track nesting.
//  * RESP2 vs RESP3 is decided here and nowhere else: resp() is 2 or 3 and is
//    changed by HELLO through SetResp(). RESP3-only types are downgraded the
//    way Redis 7 downgrades them for RESP2 clients:
//        Null        RESP3 "_"          RESP2 "$-1"
//        NullArray   RESP3 "_"          RESP2 "*-1"
//        Map(n)      RESP3 "%n"         RESP2 "*2n"
//        Set(n)      RESP3 "~n"         RESP2 "*n"
//        Push(n)     RESP3 ">n"         RESP2 "*n"
//        Double      RESP3 ",d"         RESP2 bulk "d"
//        Boolean     RESP3 "#t"/"#f"    RESP2 ":1"/":0"
//        BigNumber   RESP3 "(n"         RESP2 bulk "n"
//        Verbatim    RESP3 "=len fmt:txt" RESP2 bulk "txt"
//  * Doubles are formatted as Redis 7.0's addReplyDouble: "inf", "-inf",
//    otherwise printf("%.17g") (so 0.1 is "0.10000000000000001", nan "nan").
//  * Error(msg): msg carries its own code ("ERR ...", "WRONGTYPE ..."); "\r"
//    and "\n" inside are replaced by spaces (as Redis's addReplyErrorLength
//    does) so the reply stays one line. A leading '-' in msg is not doubled;
//    an empty msg is written as "-ERR". errors_written() counts errors.
//  * Common replies (+OK, :0, :1, $-1, small integers 0..9999, headers of
//    small aggregates) are copied from static tables: no formatting and no
//    allocation beyond the output buffer's chunk.
//  * Not thread-safe; one writer per connection (cheap to construct).
#pragma once

#include <cstdint>
#include <string_view>

#include "absl/types/span.h"
#include "protocol/output_buffer.h"

namespace stockd::protocol {

class ReplyWriter {
 public:
  // REQUIRES: out outlives the writer; resp is 2 or 3.
  explicit ReplyWriter(OutputBuffer* out, int resp = 2) : out_(out), resp_(resp) {}

  void SetResp(int resp) { resp_ = resp; }
  int resp() const { return resp_; }
  OutputBuffer* buffer() const { return out_; }
  // Writes into `out` from now on (CLIENT REPLY OFF points it at a buffer
  // that is thrown away). REQUIRES: out outlives the writer.
  void SetBuffer(OutputBuffer* out) { out_ = out; }

  void SimpleString(std::string_view s);  // +s   (s must not contain CR/LF)
  void Ok();                              // +OK
  void Error(std::string_view msg);       // -msg
  void Integer(int64_t v);                // :v
  void Bulk(std::string_view s);          // $len\r\ns\r\n
  void Null();                            // RESP2 $-1, RESP3 _
  void NullArray();                       // RESP2 *-1, RESP3 _
  void ArrayHeader(size_t n);             // *n
  void MapHeader(size_t pairs);           // RESP3 %n, RESP2 *2n
  void SetHeader(size_t n);               // RESP3 ~n, RESP2 *n
  void PushHeader(size_t n);              // RESP3 >n, RESP2 *n
  void Double(double d);                  // RESP3 ,d  RESP2 bulk ("%.17g")
  // A double its caller formatted (Redis's other texts, e.g. GEOPOS's
  // addReplyHumanLongDouble): RESP3 ,text  RESP2 bulk.
  void DoubleText(std::string_view text);
  void Boolean(bool b);                   // RESP3 #t/#f, RESP2 :1/:0
  void BigNumber(std::string_view digits);  // RESP3 (n, RESP2 bulk
  // RESP3 "=len\r\nfmt:text\r\n" (format3 is exactly 3 bytes, e.g. "txt",
  // "mkd"; REQUIRES format3.size() == 3), RESP2 bulk of text.
  void Verbatim(std::string_view format3, std::string_view text);
  // *n followed by n bulks.
  void BulkArray(absl::Span<const std::string_view> items);
  void EmptyArray() { ArrayHeader(0); }  // *0

  // Aggregates whose length is known only after their elements are written
  // (Redis's addReplyDeferredLen): DeferLength() leaves room for the header,
  // the elements follow, then one SetDeferred*Len() writes the header in place.
  // REQUIRES: resolved before the output buffer is flushed.
  struct Deferred {
    OutputBuffer::Slot slot;
  };
  Deferred DeferLength() { return Deferred{out_->ReserveSlot()}; }
  void SetDeferredArrayLen(Deferred d, size_t n);     // *n
  void SetDeferredMapLen(Deferred d, size_t pairs);   // RESP3 %n, RESP2 *2n
  void SetDeferredSetLen(Deferred d, size_t n);       // RESP3 ~n, RESP2 *n

  // Appends already-encoded RESP bytes verbatim. For the server only (e.g.
  // replaying a cached reply); command code must use the typed methods.
  void Raw(std::string_view resp_bytes);

  uint64_t errors_written() const { return errors_written_; }

 private:
  void Header(char prefix, uint64_t n);
  void FillDeferred(Deferred d, char prefix, uint64_t n);

  OutputBuffer* out_;
  int resp_;
  uint64_t errors_written_ = 0;
};

}  // namespace stockd::protocol
