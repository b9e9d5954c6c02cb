#include "protocol/parser.h"

#include <algorithm>
#include <cstring>

#include "protocol/inline_split.h"
#include "protocol/number.h"

namespace stockd::protocol {
namespace {

// Fast path for a well-formed header line "<digits>\r?" starting at p:
// positive number without leading zero, at most 18 digits, followed by '\r'
// and at least one more byte. Returns the offset of '\r' from p, or 0 when
// the fast path does not apply (the caller takes the exact slow path).
inline size_t FastHeaderNumber(const char* p, const char* end, int64_t* out) {
  const char* q = p;
  if (q >= end || *q < '1' || *q > '9') return 0;
  int64_t v = 0;
  while (q < end && *q >= '0' && *q <= '9' && q - p < 18) {
    v = v * 10 + (*q - '0');
    ++q;
  }
  if (end - q < 2 || *q != '\r') return 0;
  *out = v;
  return static_cast<size_t>(q - p);
}

}  // namespace

Parser::Parser(ParserLimits limits) : limits_(limits) {}

void Parser::ResetCommand() {
  state_ = State::kStart;
  pos_ = 0;
  scan_ = 0;
  multibulk_left_ = 0;
  bulk_len_ = 0;
  args_.clear();
}

Parser::Result Parser::Fail(std::string msg) {
  error_ = std::move(msg);
  state_ = State::kError;
  args_.clear();
  return Result::kError;
}

Parser::Result Parser::ParseInline(InputBuffer& in, std::vector<std::string_view>* argv,
                                   bool* skipped) {
  const char* base = in.data();
  size_t n = in.size();
  const void* nl_ptr = scan_ < n ? std::memchr(base + scan_, '\n', n - scan_) : nullptr;
  if (nl_ptr == nullptr) {
    if (n > limits_.max_inline_len) return Fail("Protocol error: too big inline request");
    scan_ = n;
    return Result::kNeedMore;
  }
  size_t nl = static_cast<size_t>(static_cast<const char*>(nl_ptr) - base);
  size_t line_len = (nl > 0 && base[nl - 1] == '\r') ? nl - 1 : nl;
  if (!SplitInlineArgs(in.mutable_data(), line_len, argv)) {
    return Fail("Protocol error: unbalanced quotes in request");
  }
  in.Consume(nl + 1);
  ResetCommand();
  *skipped = argv->empty();
  return Result::kCommand;
}

Parser::Result Parser::Next(InputBuffer& in, std::vector<std::string_view>* argv) {
  argv->clear();
  if (state_ == State::kError) return Result::kError;
  for (;;) {
    const char* base = in.data();
    const char* end = base + in.size();
    size_t n = in.size();
    switch (state_) {
      case State::kStart: {
        if (n == 0) return Result::kNeedMore;
        pos_ = 0;
        scan_ = 0;
        if (base[0] != '*') {
          state_ = State::kInline;
          break;
        }
        state_ = State::kMultibulkCount;
        [[fallthrough]];
      }
      case State::kMultibulkCount: {
        int64_t count;
        size_t cr = FastHeaderNumber(base + 1, end, &count);
        if (cr != 0) {
          cr += 1;  // offset from base
        } else {
          const void* p = scan_ < n ? std::memchr(base + scan_, '\r', n - scan_) : nullptr;
          if (p == nullptr) {
            if (n > limits_.max_inline_len) return Fail("Protocol error: too big mbulk count string");
            scan_ = n;
            return Result::kNeedMore;
          }
          cr = static_cast<size_t>(static_cast<const char*>(p) - base);
          if (cr + 2 > n) {  // the byte after '\r' has not arrived
            scan_ = cr;
            return Result::kNeedMore;
          }
          if (!StringToInt64(base + 1, cr - 1, &count)) {
            return Fail("Protocol error: invalid multibulk length");
          }
        }
        if (count > limits_.max_multibulk_len) return Fail("Protocol error: invalid multibulk length");
        if (!authenticated_ && count > limits_.unauth_max_multibulk_len) {
          return Fail("Protocol error: unauthenticated multibulk length");
        }
        pos_ = cr + 2;
        if (count <= 0) {  // an empty command: skipped, as Redis does
          in.Consume(pos_);
          ResetCommand();
          break;
        }
        multibulk_left_ = count;
        args_.reserve(static_cast<size_t>(std::min<int64_t>(count, 1024)));
        scan_ = pos_;
        state_ = State::kBulkLen;
        [[fallthrough]];
      }
      case State::kBulkLen: {
      bulk_len:
        int64_t len;
        size_t cr = 0;
        if (pos_ < n && base[pos_] == '$') cr = FastHeaderNumber(base + pos_ + 1, end, &len);
        if (cr != 0) {
          cr += pos_ + 1;
        } else {
          const void* p = scan_ < n ? std::memchr(base + scan_, '\r', n - scan_) : nullptr;
          if (p == nullptr) {
            if (n - pos_ > limits_.max_inline_len) {
              return Fail("Protocol error: too big bulk count string");
            }
            scan_ = n;
            return Result::kNeedMore;
          }
          cr = static_cast<size_t>(static_cast<const char*>(p) - base);
          if (cr + 2 > n) {
            scan_ = cr;
            return Result::kNeedMore;
          }
          if (base[pos_] != '$') {
            // Redis formats the byte with %c; its error path turns CR/LF into spaces.
            char got = (base[pos_] == '\r' || base[pos_] == '\n') ? ' ' : base[pos_];
            return Fail(std::string("Protocol error: expected '$', got '") + got + "'");
          }
          if (!StringToInt64(base + pos_ + 1, cr - pos_ - 1, &len) || len < 0) {
            return Fail("Protocol error: invalid bulk length");
          }
        }
        if (len > limits_.max_bulk_len) return Fail("Protocol error: invalid bulk length");
        if (!authenticated_ && len > limits_.unauth_max_bulk_len) {
          return Fail("Protocol error: unauthenticated bulk length");
        }
        pos_ = cr + 2;
        bulk_len_ = len;
        state_ = State::kBulkData;
        if (len >= kBigArg) in.ExpectContiguous(pos_ + static_cast<size_t>(len) + 2);
        [[fallthrough]];
      }
      case State::kBulkData: {
        size_t need = static_cast<size_t>(bulk_len_) + 2;
        if (n - pos_ < need) return Result::kNeedMore;
        args_.push_back(ArgPos{pos_, static_cast<size_t>(bulk_len_)});
        pos_ += need;
        if (--multibulk_left_ > 0) {
          scan_ = pos_;
          state_ = State::kBulkLen;
          goto bulk_len;
        }
        // Offsets become views only now: `in` may have moved between calls.
        argv->resize(args_.size());
        for (size_t i = 0; i < args_.size(); ++i) {
          (*argv)[i] = std::string_view(base + args_[i].off, args_[i].len);
        }
        in.Consume(pos_);
        ResetCommand();
        inline_ = false;
        return Result::kCommand;
      }
      case State::kInline: {
        bool skipped = false;
        Result r = ParseInline(in, argv, &skipped);
        if (r != Result::kCommand) return r;
        if (skipped) break;  // an empty line: look at what follows
        inline_ = true;
        return Result::kCommand;
      }
      case State::kError:
        return Result::kError;
    }
  }
}

}  // namespace stockd::protocol
