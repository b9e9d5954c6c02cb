// engine/stream_args.h — argument parsing and reply helpers shared by the
// stream families (stream_family.cc, stream_group_family.cc): Redis 7.0's
// stream ID grammar (streamGenericParseIDOrReply), interval IDs, and the
// entry reply shape. Internal to those two files.
#pragma once

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <string>
#include <string_view>

#include "engine/args.h"
#include "engine/command_context.h"
#include "engine/errors.h"
#include "engine/types/stream.h"

namespace stockd::engine::stream_internal {

// Concatenates (absl::StrCat here takes absl::string_view, not std's).
inline std::string Cat(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (std::string_view p : parts) out.append(p.data(), p.size());
  return out;
}

inline constexpr std::string_view kInvalidId = "ERR Invalid stream ID specified as stream command argument";

// Redis's string2ull: string2ll for non-negative values, else strtoull
// (leading spaces, '+', leading zeros are accepted; ERANGE is not).
inline bool ParseUll(const char* s, uint64_t* out) {
  int64_t ll;
  if (ParseStrictInt64(s, &ll)) {
    if (ll < 0) return false;
    *out = static_cast<uint64_t>(ll);
    return true;
  }
  errno = 0;
  char* end = nullptr;
  const unsigned long long v = std::strtoull(s, &end, 10);
  if (errno == EINVAL || errno == ERANGE || !(*s != '\0' && *end == '\0')) return false;
  *out = v;
  return true;
}

// Redis's streamGenericParseIDOrReply: "ms-seq", "ms" (seq = missing_seq),
// "-" / "+" unless strict; "ms-*" when seq_given is non-null (it is then
// cleared). The text is read up to its first NUL byte, as Redis's C string.
inline bool ParseId(std::string_view arg, uint64_t missing_seq, bool strict, bool* seq_given, StreamID* id) {
  char buf[128];
  if (arg.size() > sizeof(buf) - 1) return false;
  std::memcpy(buf, arg.data(), arg.size());
  buf[arg.size()] = '\0';
  if (strict && (buf[0] == '-' || buf[0] == '+') && buf[1] == '\0') return false;
  if (seq_given != nullptr) *seq_given = true;
  if (buf[0] == '-' && buf[1] == '\0') {
    *id = StreamID{0, 0};
    return true;
  }
  if (buf[0] == '+' && buf[1] == '\0') {
    *id = StreamID::Max();
    return true;
  }
  char* dash = std::strchr(buf, '-');
  if (dash != nullptr) *dash = '\0';
  uint64_t ms, seq;
  if (!ParseUll(buf, &ms)) return false;
  if (dash != nullptr) {
    if (seq_given != nullptr && dash[1] == '*' && dash[2] == '\0') {
      seq = 0;
      *seq_given = false;
    } else if (!ParseUll(dash + 1, &seq)) {
      return false;
    }
  } else {
    seq = missing_seq;
  }
  *id = StreamID{ms, seq};
  return true;
}

inline bool ParseStrictIdOrReply(CommandContext& ctx, std::string_view arg, uint64_t missing_seq, bool* seq_given,
                                 StreamID* id) {
  if (ParseId(arg, missing_seq, true, seq_given, id)) return true;
  ctx.Error(kInvalidId);
  return false;
}

// Redis's streamParseIntervalIDOrReply: "(id" is exclusive (strict ID).
inline bool ParseIntervalIdOrReply(CommandContext& ctx, std::string_view arg, uint64_t missing_seq, StreamID* id,
                                   bool* exclude) {
  *exclude = arg.size() > 1 && arg[0] == '(';
  const bool ok = *exclude ? ParseId(arg.substr(1), missing_seq, true, nullptr, id)
                           : ParseId(arg, missing_seq, false, nullptr, id);
  if (!ok) ctx.Error(kInvalidId);
  return ok;
}

inline bool ParseLongLongOrReply(CommandContext& ctx, std::string_view arg, int64_t* out) {
  if (ParseInt64Arg(arg, out)) return true;
  ctx.Error(errors::kNotInteger);
  return false;
}

// The stream at key: nullptr when missing; *wrong when another type.
inline StreamObject* FindStream(const KeyLoc& loc, std::string_view key, int64_t now_ms, bool read, bool* wrong) {
  Entry* e = read ? loc->FindRead(key, loc.hash, now_ms) : loc->FindWrite(key, loc.hash, now_ms);
  *wrong = false;
  if (e == nullptr) return nullptr;
  StreamObject* s = AsStream(e->value);
  if (s == nullptr) *wrong = true;
  return s;
}

inline void ReplyEntry(CommandContext& ctx, StreamID id, const StreamObject::Fields& fields) {
  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(id.ToString());
  ctx.reply.ArrayHeader(fields.size());
  for (const std::string& f : fields) ctx.reply.Bulk(f);
}

// The entries with start <= ID <= end, at most count (0: all), ascending or
// (rev) descending: Redis's streamReplyWithRange without a group.
inline void ReplyRange(CommandContext& ctx, const StreamObject& s, StreamID start, StreamID end, int64_t count,
                       bool rev) {
  const auto& entries = s.entries();
  const auto deferred = ctx.reply.DeferLength();
  size_t n = 0;
  if (start <= end) {
    if (!rev) {
      for (auto it = entries.lower_bound(start); it != entries.end() && it->first <= end; ++it) {
        if (count > 0 && n == static_cast<size_t>(count)) break;
        ReplyEntry(ctx, it->first, it->second);
        ++n;
      }
    } else {
      for (auto it = entries.upper_bound(end); it != entries.begin();) {
        --it;
        if (it->first < start) break;
        if (count > 0 && n == static_cast<size_t>(count)) break;
        ReplyEntry(ctx, it->first, it->second);
        ++n;
      }
    }
  }
  ctx.reply.SetDeferredArrayLen(deferred, n);
}

}  // namespace stockd::engine::stream_internal
