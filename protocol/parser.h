// protocol/parser.h — incremental, zero-copy parser of client requests.
//
// Input is UNTRUSTED: any byte sequence gives kCommand, kNeedMore or kError,
// never a crash, an unbounded allocation or superlinear work. The limits and
// error texts are Redis 7.0's (networking.c, processMultibulkBuffer and
// processInlineBuffer); the server replies "-ERR " + error() and closes.
//
// Requests:
//  * Multibulk (first byte '*'): "*<n>\r\n" then n times "$<len>\r\n<bytes>\r\n".
//    n <= 0 is an empty command and is skipped (as Redis does). As in Redis,
//    the byte after each '\r' of a header and the two bytes after a bulk are
//    skipped without being checked.
//  * Inline (any other first byte): one line up to '\n' (a '\r' before it is
//    dropped), split as Redis's sdssplitargs: blanks separate arguments,
//    "double quotes" understand \n \r \t \b \a \" \\ and \xHH, 'single quotes'
//    understand \' only; a closing quote must be followed by a blank or the end
//    of the line, else "unbalanced quotes in request". A NUL byte ends the
//    arguments of its line. Empty (or blank) lines are skipped.
//
// Resumption and consumption (see protocol/input_buffer.h for the read loop):
//  * Next() parses the command at the front of `in`. On kCommand it has
//    consumed exactly that command (plus any skipped empty commands before
//    it) from `in`, and `argv` holds its arguments.
//  * On kNeedMore the incomplete command stays unconsumed in `in`; the parser
//    remembers how far it got (arguments already found, where the line search
//    stopped), so the next call after more bytes were committed continues there
//    without rescanning: total work is linear in the input. `in` may be
//    compacted or grown between calls. `argv` is empty.
//  * On kError nothing more is parsed: every later call returns kError.
//  * REQUIRES: the same InputBuffer on every call (the parser keeps offsets
//    into it while a command is incomplete).
//  * The result does not depend on how the bytes were split into reads, except
//    for the "too big ..." limits, which (as in Redis) look at what is buffered
//    when Next() runs.
//  * `argv` views point into `in` and stay valid until the next
//    in.WritableSpace() or in.Compact(). Multibulk arguments are never copied.
//    Inline arguments with escapes are decoded in place, in the consumed bytes.
//    A large bulk (>= kBigArg) is received in place: the parser asks `in` for
//    contiguous room (InputBuffer::ExpectContiguous), so it grows in place
//    (geometrically, bounded by the announced size) instead of being copied
//    once per read.
//
// Known deviation from Redis: Redis searches lines with strchr, so a NUL byte
// in an inline line or a "*n"/"$n" header makes it wait for more input (until
// the 64 KiB limit); here the line ends at its '\n' / first '\r' regardless:
// an inline line's arguments end at the NUL, a header's length is invalid.
//
// Not thread-safe; one Parser per connection.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/input_buffer.h"

namespace stockd::protocol {

struct ParserLimits {
  // proto-max-bulk-len: a longer bulk is "invalid bulk length".
  int64_t max_bulk_len = 512LL << 20;
  // Redis 7.0 accepts up to INT_MAX arguments ("invalid multibulk length").
  int64_t max_multibulk_len = std::numeric_limits<int32_t>::max();
  // PROTO_INLINE_MAX_SIZE: more than this many bytes buffered without the end
  // of an inline line, or of a "*n" / "$n" header line, is a protocol error.
  size_t max_inline_len = 64 << 10;
  // While the client is not authenticated (SetAuthenticated(false), used when
  // requirepass is set), Redis limits requests to 10 arguments of 16 KiB.
  int64_t unauth_max_multibulk_len = 10;
  int64_t unauth_max_bulk_len = 16384;
};

class Parser {
 public:
  enum class Result { kCommand, kNeedMore, kError };
  // Bulks of at least this size are received in place (PROTO_MBULK_BIG_ARG).
  static constexpr int64_t kBigArg = 32 * 1024;

  explicit Parser(ParserLimits limits = {});

  // Parses the next complete command from `in`; see the contract above.
  // REQUIRES: argv != nullptr. `argv` is cleared first.
  Result Next(InputBuffer& in, std::vector<std::string_view>* argv);

  // After kError: Redis's text without "ERR ", e.g.
  // "Protocol error: invalid multibulk length". Empty otherwise.
  std::string_view error() const { return error_; }

  // Whether the last command returned came as an inline line.
  bool inline_command() const { return inline_; }

  // False applies the unauthenticated limits to the commands parsed next.
  // A command already partly parsed keeps the limits it was checked against.
  void SetAuthenticated(bool authenticated) { authenticated_ = authenticated; }
  bool authenticated() const { return authenticated_; }

  // True while a command is partly parsed (bytes of it are in `in`).
  bool in_progress() const { return state_ != State::kStart && state_ != State::kError; }

  const ParserLimits& limits() const { return limits_; }

 private:
  enum class State : uint8_t { kStart, kInline, kMultibulkCount, kBulkLen, kBulkData, kError };
  struct ArgPos {
    size_t off;
    size_t len;
  };

  Result Fail(std::string msg);
  void ResetCommand();
  Result ParseInline(InputBuffer& in, std::vector<std::string_view>* argv, bool* skipped);

  ParserLimits limits_;
  bool authenticated_ = true;
  bool inline_ = false;
  State state_ = State::kStart;
  size_t pos_ = 0;             // next unparsed byte, from in.data()
  size_t scan_ = 0;            // where the search for the end of line resumes
  int64_t multibulk_left_ = 0;
  int64_t bulk_len_ = 0;
  // Arguments of the multibulk command in progress, as offsets from in.data()
  // (`in` may move between calls); turned into views once it is complete.
  std::vector<ArgPos> args_;
  std::string error_;
};

}  // namespace stockd::protocol
