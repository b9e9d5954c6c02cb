// engine/string_family.cc — the string commands (Redis's t_string.c):
// GET SET SETNX SETEX PSETEX MGET MSET MSETNX GETSET GETDEL GETEX APPEND STRLEN
// GETRANGE SUBSTR SETRANGE INCR DECR INCRBY DECRBY INCRBYFLOAT.
//
// Each command is an Op (shard-local, returns a value or an OpStatus, replies
// nothing) and a Cmd (parses argv, calls the Op, maps the result to a reply).
// Integers stay "int" encoded, so INCR/DECRBY are an add on the stored int64.
#include <cmath>
#include <optional>
#include <string>

#include "engine/args.h"
#include "engine/command_context.h"
#include "engine/engine.h"
#include "engine/errors.h"
#include "engine/op_status.h"

namespace stockd::engine {
namespace {

// ---------------------------------------------------------------------------
// Options of SET and GETEX (Redis's parseExtendedStringArgumentsOrReply).

enum class ExpireUnit { kNone, kEx, kPx, kExAt, kPxAt };

struct StringOptions {
  bool nx = false, xx = false, get = false, keep_ttl = false, persist = false;
  ExpireUnit unit = ExpireUnit::kNone;
  std::string_view expire_arg;
};

enum class StringCommand { kSet, kGetEx };

// Parses argv[first..]; false (and a syntax error reply) on a bad option or
// combination, exactly as Redis accepts them.
bool ParseStringOptions(CommandContext& ctx, size_t first, StringCommand kind,
                        StringOptions* o) {
  const auto& argv = ctx.argv;
  const bool set = kind == StringCommand::kSet;
  for (size_t j = first; j < argv.size(); ++j) {
    std::string_view opt = argv[j];
    const bool has_next = j + 1 < argv.size();
    const bool any_expire = o->unit != ExpireUnit::kNone;
    if (set && EqualsIgnoreCase(opt, "nx") && !o->xx) {
      o->nx = true;
    } else if (set && EqualsIgnoreCase(opt, "xx") && !o->nx) {
      o->xx = true;
    } else if (set && EqualsIgnoreCase(opt, "get")) {
      o->get = true;
    } else if (set && EqualsIgnoreCase(opt, "keepttl") && !o->persist && !any_expire) {
      o->keep_ttl = true;
    } else if (!set && EqualsIgnoreCase(opt, "persist") && !any_expire && !o->keep_ttl) {
      o->persist = true;
    } else if (has_next && !o->keep_ttl && !o->persist &&
               ((EqualsIgnoreCase(opt, "ex") &&
                 (o->unit == ExpireUnit::kNone || o->unit == ExpireUnit::kEx)) ||
                (EqualsIgnoreCase(opt, "px") &&
                 (o->unit == ExpireUnit::kNone || o->unit == ExpireUnit::kPx)) ||
                (EqualsIgnoreCase(opt, "exat") &&
                 (o->unit == ExpireUnit::kNone || o->unit == ExpireUnit::kExAt)) ||
                (EqualsIgnoreCase(opt, "pxat") &&
                 (o->unit == ExpireUnit::kNone || o->unit == ExpireUnit::kPxAt)))) {
      const char c0 = static_cast<char>(opt[0] | 0x20);
      const bool at = opt.size() == 4;
      o->unit = c0 == 'e' ? (at ? ExpireUnit::kExAt : ExpireUnit::kEx)
                          : (at ? ExpireUnit::kPxAt : ExpireUnit::kPx);
      o->expire_arg = argv[++j];
    } else {
      ctx.Error(errors::kSyntax);
      return false;
    }
  }
  return true;
}

// Redis's getExpireMillisecondsOrReply: the absolute unix-ms deadline.
std::optional<int64_t> ExpireDeadline(CommandContext& ctx, ExpireUnit unit,
                                      std::string_view arg) {
  int64_t v;
  if (!ParseInt64Arg(arg, &v)) {
    ctx.Error(errors::kNotInteger);
    return std::nullopt;
  }
  const bool seconds = unit == ExpireUnit::kEx || unit == ExpireUnit::kExAt;
  if (v <= 0 || (seconds && v > INT64_MAX / 1000)) {
    ctx.Error(errors::InvalidExpire(ctx.command.full_name()));
    return std::nullopt;
  }
  if (seconds) v *= 1000;
  if (unit == ExpireUnit::kEx || unit == ExpireUnit::kPx) {
    if (v > INT64_MAX - ctx.now_ms) {
      ctx.Error(errors::InvalidExpire(ctx.command.full_name()));
      return std::nullopt;
    }
    v += ctx.now_ms;
  }
  return v;
}

// ---------------------------------------------------------------------------
// Ops.

// SET's core. old (when requested) receives the previous string value.
// Returns kOk, kSkipped (NX/XX condition failed) or kWrongType (GET on a
// non-string).
OpStatus OpSet(const KeyLoc& loc, std::string_view key, std::string_view value,
               const StringOptions& o, int64_t when_ms, int64_t now_ms,
               std::optional<std::string>* old) {
  Shard& shard = *loc.shard;
  Entry* e = (o.get || o.nx || o.xx || o.keep_ttl) ? shard.FindWrite(key, loc.hash, now_ms)
                                                   : nullptr;
  if (o.get && e != nullptr) {
    if (!e->value.is_string()) return OpStatus::kWrongType;
    *old = e->value.ToString();
  }
  if ((o.nx && e != nullptr) || (o.xx && e == nullptr)) return OpStatus::kSkipped;
  Entry* ne = shard.Set(key, loc.hash, Value::String(value), now_ms, o.keep_ttl);
  if (when_ms > 0) shard.SetExpire(key, ne, when_ms);
  return OpStatus::kOk;
}

// INCRBY's core: the new value, keeping the key's TTL.
OpResult<int64_t> OpIncrBy(const KeyLoc& loc, std::string_view key, int64_t incr, int64_t now_ms) {
  auto [e, inserted] = loc->FindOrInsert(key, loc.hash, now_ms);
  int64_t value = 0;
  if (!inserted) {
    if (!e->value.is_string()) return OpStatus::kWrongType;
    if (!e->value.GetInt64(&value)) return OpStatus::kNotInteger;
    if ((incr < 0 && value < 0 && incr < INT64_MIN - value) ||
        (incr > 0 && value > 0 && incr > INT64_MAX - value)) {
      return OpStatus::kOverflow;
    }
  }
  value += incr;
  e->value = Value::Int(value);
  loc->NoteChanged(key, e);
  return value;
}

// INCRBYFLOAT's core: the new value's text (Redis's long-double formatting).
OpResult<std::string> OpIncrByFloat(const KeyLoc& loc, std::string_view key, long double incr,
                                    int64_t now_ms) {
  Entry* e = loc->FindWrite(key, loc.hash, now_ms);
  long double value = 0;
  if (e != nullptr) {
    if (!e->value.is_string()) return OpStatus::kWrongType;
    if (e->value.is_int()) {
      value = static_cast<long double>(e->value.int_value());
    } else {
      char buf[kIntBufferSize];
      if (!ParseLongDoubleArg(e->value.StringView(buf), &value)) return OpStatus::kNotFloat;
    }
  }
  value += incr;
  if (std::isnan(value) || std::isinf(value)) return OpStatus::kNanOrInf;
  char out[5 * 1024 + 64];
  int len = FormatLongDoubleHuman(value, out, sizeof(out));
  if (len == 0) return OpStatus::kNanOrInf;
  std::string text(out, static_cast<size_t>(len));
  // Stored as a plain string (Redis's createStringObjectFromLongDouble), TTL kept.
  Value v = Value::PlainString(text);
  if (e == nullptr) {
    loc->Set(key, loc.hash, std::move(v), now_ms);
  } else {
    e->value = std::move(v);
    loc->NoteChanged(key, loc.hash);
  }
  return text;
}

// APPEND's core: the new length.
OpResult<int64_t> OpAppend(const KeyLoc& loc, std::string_view key, std::string_view tail,
                           int64_t now_ms, int64_t max_len) {
  Entry* e = loc->FindWrite(key, loc.hash, now_ms);
  if (e == nullptr) {
    loc->Set(key, loc.hash, Value::String(tail), now_ms);
    return static_cast<int64_t>(tail.size());
  }
  if (!e->value.is_string()) return OpStatus::kWrongType;
  const size_t len = e->value.StringLength();
  if (static_cast<int64_t>(len + tail.size()) > max_len) return OpStatus::kMaxBulk;
  const size_t new_len = e->value.Append(tail);
  loc->NoteChanged(key, loc.hash);
  return static_cast<int64_t>(new_len);
}

// SETRANGE's core: the new length.
OpResult<int64_t> OpSetRange(const KeyLoc& loc, std::string_view key, int64_t offset,
                             std::string_view value, int64_t now_ms, int64_t max_len) {
  Entry* e = loc->FindWrite(key, loc.hash, now_ms);
  if (e == nullptr) {
    if (value.empty()) return int64_t{0};
    if (offset > max_len - static_cast<int64_t>(value.size())) return OpStatus::kMaxBulk;
    Value v = Value::RawString("");
    v.SetRange(static_cast<size_t>(offset), value);
    loc->Set(key, loc.hash, std::move(v), now_ms);
    return offset + static_cast<int64_t>(value.size());
  }
  if (!e->value.is_string()) return OpStatus::kWrongType;
  const int64_t olen = static_cast<int64_t>(e->value.StringLength());
  if (value.empty()) return olen;
  if (offset > max_len - static_cast<int64_t>(value.size())) return OpStatus::kMaxBulk;
  const size_t new_len = e->value.SetRange(static_cast<size_t>(offset), value);
  loc->NoteChanged(key, loc.hash);
  return static_cast<int64_t>(new_len);
}

// ---------------------------------------------------------------------------
// Cmds.

void ReplyStatus(CommandContext& ctx, OpStatus s) { ctx.Error(OpStatusError(s)); }

// Looks a key up for reading and checks it is a string. Returns nullptr after
// replying WRONGTYPE; *missing tells the caller to send its own "nil" reply.
const Entry* ReadString(CommandContext& ctx, std::string_view key, bool* missing) {
  KeyLoc loc = ctx.Locate(key);
  const Entry* e = loc->FindRead(key, loc.hash, ctx.now_ms);
  *missing = e == nullptr;
  if (e != nullptr && !e->value.is_string()) {
    ctx.Error(errors::kWrongType);
    return nullptr;
  }
  return e;
}

void CmdGet(CommandContext& ctx) {
  bool missing;
  const Entry* e = ReadString(ctx, ctx.argv[1], &missing);
  if (missing) return ctx.reply.Null();
  if (e == nullptr) return;
  char buf[kIntBufferSize];
  ctx.reply.Bulk(e->value.StringView(buf));
}

// SET, SETNX, SETEX, PSETEX share this; `o` is already parsed.
void SetGeneric(CommandContext& ctx, std::string_view key, std::string_view value,
                const StringOptions& o, bool reply_int) {
  int64_t when = 0;
  if (o.unit != ExpireUnit::kNone) {
    auto w = ExpireDeadline(ctx, o.unit, o.expire_arg);
    if (!w) return;
    when = *w;
  }
  std::optional<std::string> old;
  OpStatus s = OpSet(ctx.Locate(key), key, value, o, when, ctx.now_ms, &old);
  if (s == OpStatus::kWrongType) return ReplyStatus(ctx, s);
  if (s == OpStatus::kOk) {
    ctx.Notify(notify::kString, "set", key);
    if (when > 0) ctx.Notify(notify::kGeneric, "expire", key);
  }
  if (reply_int) return ctx.reply.Integer(s == OpStatus::kOk ? 1 : 0);
  if (o.get) return old ? ctx.reply.Bulk(*old) : ctx.reply.Null();
  if (s == OpStatus::kSkipped) return ctx.reply.Null();
  ctx.reply.Ok();
}

void CmdSet(CommandContext& ctx) {
  StringOptions o;
  if (!ParseStringOptions(ctx, 3, StringCommand::kSet, &o)) return;
  SetGeneric(ctx, ctx.argv[1], ctx.argv[2], o, false);
}

void CmdSetNx(CommandContext& ctx) {
  StringOptions o;
  o.nx = true;
  SetGeneric(ctx, ctx.argv[1], ctx.argv[2], o, true);
}

void CmdSetEx(CommandContext& ctx) {
  StringOptions o;
  o.unit = ExpireUnit::kEx;
  o.expire_arg = ctx.argv[2];
  SetGeneric(ctx, ctx.argv[1], ctx.argv[3], o, false);
}

void CmdPSetEx(CommandContext& ctx) {
  StringOptions o;
  o.unit = ExpireUnit::kPx;
  o.expire_arg = ctx.argv[2];
  SetGeneric(ctx, ctx.argv[1], ctx.argv[3], o, false);
}

void CmdGetSet(CommandContext& ctx) {
  StringOptions o;
  o.get = true;
  SetGeneric(ctx, ctx.argv[1], ctx.argv[2], o, false);
}

void CmdGetDel(CommandContext& ctx) {
  std::string_view key = ctx.argv[1];
  bool missing;
  const Entry* e = ReadString(ctx, key, &missing);
  if (missing) return ctx.reply.Null();
  if (e == nullptr) return;
  char buf[kIntBufferSize];
  ctx.reply.Bulk(e->value.StringView(buf));
  KeyLoc loc = ctx.Locate(key);
  loc->Delete(key, loc.hash, ctx.now_ms);
  ctx.Notify(notify::kGeneric, "del", key);
}

void CmdGetEx(CommandContext& ctx) {
  StringOptions o;
  if (!ParseStringOptions(ctx, 2, StringCommand::kGetEx, &o)) return;
  std::string_view key = ctx.argv[1];
  KeyLoc loc = ctx.Locate(key);
  Entry* e = loc->FindRead(key, loc.hash, ctx.now_ms);
  if (e == nullptr) return ctx.reply.Null();
  if (!e->value.is_string()) return ctx.Error(errors::kWrongType);
  int64_t when = 0;
  if (o.unit != ExpireUnit::kNone) {
    auto w = ExpireDeadline(ctx, o.unit, o.expire_arg);
    if (!w) return;
    when = *w;
  }
  char buf[kIntBufferSize];
  ctx.reply.Bulk(e->value.StringView(buf));
  if ((o.unit == ExpireUnit::kExAt || o.unit == ExpireUnit::kPxAt) && when <= ctx.now_ms) {
    loc->Delete(key, loc.hash, ctx.now_ms);  // a deadline in the past deletes the key
    ctx.Notify(notify::kGeneric, "del", key);
  } else if (o.unit != ExpireUnit::kNone) {
    loc->SetExpire(key, e, when);
    ctx.Notify(notify::kGeneric, "expire", key);
  } else if (o.persist && e->expire_at_ms != 0) {
    loc->SetExpire(key, e, 0);
    ctx.Notify(notify::kGeneric, "persist", key);
  }
}

void CmdMGet(CommandContext& ctx) {
  ctx.reply.ArrayHeader(ctx.argv.size() - 1);
  for (size_t i = 1; i < ctx.argv.size(); ++i) {
    KeyLoc loc = ctx.Locate(ctx.argv[i]);
    const Entry* e = loc->FindRead(ctx.argv[i], loc.hash, ctx.now_ms);
    if (e == nullptr || !e->value.is_string()) {
      ctx.reply.Null();
      continue;
    }
    char buf[kIntBufferSize];
    ctx.reply.Bulk(e->value.StringView(buf));
  }
}

void CmdMSet(CommandContext& ctx) {
  if (ctx.argv.size() % 2 == 0) return ctx.Error(errors::WrongArity(ctx.command.full_name()));
  for (size_t i = 1; i < ctx.argv.size(); i += 2) {
    KeyLoc loc = ctx.Locate(ctx.argv[i]);
    loc->Set(ctx.argv[i], loc.hash, Value::String(ctx.argv[i + 1]), ctx.now_ms);
    ctx.Notify(notify::kString, "set", ctx.argv[i]);
  }
  ctx.reply.Ok();
}

void CmdMSetNx(CommandContext& ctx) {
  if (ctx.argv.size() % 2 == 0) return ctx.Error(errors::WrongArity(ctx.command.full_name()));
  for (size_t i = 1; i < ctx.argv.size(); i += 2) {
    KeyLoc loc = ctx.Locate(ctx.argv[i]);
    if (loc->FindWrite(ctx.argv[i], loc.hash, ctx.now_ms) != nullptr) {
      return ctx.reply.Integer(0);
    }
  }
  for (size_t i = 1; i < ctx.argv.size(); i += 2) {
    KeyLoc loc = ctx.Locate(ctx.argv[i]);
    loc->Set(ctx.argv[i], loc.hash, Value::String(ctx.argv[i + 1]), ctx.now_ms);
    ctx.Notify(notify::kString, "set", ctx.argv[i]);
  }
  ctx.reply.Integer(1);
}

void CmdAppend(CommandContext& ctx) {
  auto r = OpAppend(ctx.Locate(ctx.argv[1]), ctx.argv[1], ctx.argv[2], ctx.now_ms,
                    ctx.engine.proto_max_bulk_len());
  if (!r.ok()) return ReplyStatus(ctx, r.status);
  ctx.Notify(notify::kString, "append", ctx.argv[1]);
  ctx.reply.Integer(r.value);
}

void CmdStrLen(CommandContext& ctx) {
  bool missing;
  const Entry* e = ReadString(ctx, ctx.argv[1], &missing);
  if (missing) return ctx.reply.Integer(0);
  if (e == nullptr) return;
  ctx.reply.Integer(static_cast<int64_t>(e->value.StringLength()));
}

void CmdGetRange(CommandContext& ctx) {
  int64_t start, end;
  if (!ParseInt64Arg(ctx.argv[2], &start) || !ParseInt64Arg(ctx.argv[3], &end)) {
    return ctx.Error(errors::kNotInteger);
  }
  bool missing;
  const Entry* e = ReadString(ctx, ctx.argv[1], &missing);
  if (missing) return ctx.reply.Bulk("");
  if (e == nullptr) return;
  char buf[kIntBufferSize];
  std::string_view s = e->value.StringView(buf);
  const int64_t len = static_cast<int64_t>(s.size());
  if (start < 0 && end < 0 && start > end) return ctx.reply.Bulk("");
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= len) end = len - 1;
  if (start > end || len == 0) return ctx.reply.Bulk("");
  ctx.reply.Bulk(s.substr(static_cast<size_t>(start), static_cast<size_t>(end - start + 1)));
}

void CmdSetRange(CommandContext& ctx) {
  int64_t offset;
  if (!ParseInt64Arg(ctx.argv[2], &offset)) return ctx.Error(errors::kNotInteger);
  if (offset < 0) return ctx.Error(errors::kOffsetRange);
  auto r = OpSetRange(ctx.Locate(ctx.argv[1]), ctx.argv[1], offset, ctx.argv[3], ctx.now_ms,
                      ctx.engine.proto_max_bulk_len());
  if (!r.ok()) return ReplyStatus(ctx, r.status);
  if (!ctx.argv[3].empty()) ctx.Notify(notify::kString, "setrange", ctx.argv[1]);
  ctx.reply.Integer(r.value);
}

void IncrGeneric(CommandContext& ctx, int64_t incr) {
  auto r = OpIncrBy(ctx.Locate(ctx.argv[1]), ctx.argv[1], incr, ctx.now_ms);
  if (!r.ok()) return ReplyStatus(ctx, r.status);
  ctx.Notify(notify::kString, "incrby", ctx.argv[1]);
  ctx.reply.Integer(r.value);
}

void CmdIncr(CommandContext& ctx) { IncrGeneric(ctx, 1); }
void CmdDecr(CommandContext& ctx) { IncrGeneric(ctx, -1); }

void CmdIncrBy(CommandContext& ctx) {
  int64_t incr;
  if (!ParseInt64Arg(ctx.argv[2], &incr)) return ctx.Error(errors::kNotInteger);
  IncrGeneric(ctx, incr);
}

void CmdDecrBy(CommandContext& ctx) {
  int64_t incr;
  if (!ParseInt64Arg(ctx.argv[2], &incr)) return ctx.Error(errors::kNotInteger);
  if (incr == INT64_MIN) return ctx.Error("ERR decrement would overflow");
  IncrGeneric(ctx, -incr);
}

void CmdIncrByFloat(CommandContext& ctx) {
  long double incr;
  std::string_view key = ctx.argv[1];
  KeyLoc loc = ctx.Locate(key);
  // Redis checks the stored value's type before parsing the increment.
  if (const Entry* e = loc->FindWrite(key, loc.hash, ctx.now_ms);
      e != nullptr && !e->value.is_string()) {
    return ctx.Error(errors::kWrongType);
  }
  if (!ParseLongDoubleArg(ctx.argv[2], &incr)) return ctx.Error(errors::kNotFloat);
  auto r = OpIncrByFloat(loc, key, incr, ctx.now_ms);
  if (!r.ok()) return ReplyStatus(ctx, r.status);
  ctx.Notify(notify::kString, "incrbyfloat", key);
  ctx.reply.Bulk(r.value);
}

// LCS a b [LEN] [IDX] [MINMATCHLEN n] [WITHMATCHLEN]: Redis 7.0's lcsCommand,
// the same dynamic-programming table and the same walk back through it, so
// that ties resolve alike and IDX lists the same ranges in the same order.
void CmdLcs(CommandContext& ctx) {
  KeyLoc la = ctx.Locate(ctx.argv[1]);
  const Entry* ea = la->FindRead(ctx.argv[1], la.hash, ctx.now_ms);
  KeyLoc lb = ctx.Locate(ctx.argv[2]);
  const Entry* eb = lb->FindRead(ctx.argv[2], lb.hash, ctx.now_ms);
  if ((ea != nullptr && !ea->value.is_string()) || (eb != nullptr && !eb->value.is_string()))
    return ctx.Error("ERR The specified keys must contain string values");
  bool getlen = false, getidx = false, withmatchlen = false;
  int64_t minmatchlen = 0;
  for (size_t j = 3; j < ctx.argv.size(); ++j) {
    std::string_view opt = ctx.argv[j];
    if (EqualsIgnoreCase(opt, "idx")) {
      getidx = true;
    } else if (EqualsIgnoreCase(opt, "len")) {
      getlen = true;
    } else if (EqualsIgnoreCase(opt, "withmatchlen")) {
      withmatchlen = true;
    } else if (EqualsIgnoreCase(opt, "minmatchlen") && j + 1 < ctx.argv.size()) {
      if (!ParseInt64Arg(ctx.argv[++j], &minmatchlen)) return ctx.Error(errors::kNotInteger);
      if (minmatchlen < 0) minmatchlen = 0;
    } else {
      return ctx.Error(errors::kSyntax);
    }
  }
  if (getidx && getlen) return ctx.Error("ERR If you want both the length and indexes, please just use IDX.");
  char buf_a[kIntBufferSize], buf_b[kIntBufferSize];
  const std::string_view a = ea != nullptr ? ea->value.StringView(buf_a) : std::string_view();
  const std::string_view b = eb != nullptr ? eb->value.StringView(buf_b) : std::string_view();
  if (a.size() >= UINT32_MAX - 1 || b.size() >= UINT32_MAX - 1) return ctx.Error("ERR String too long for LCS");
  const uint64_t alen = a.size(), blen = b.size();
  const uint64_t cells = (alen + 1) * (blen + 1);
  if (cells * sizeof(uint32_t) > static_cast<uint64_t>(ctx.engine.proto_max_bulk_len()))
    return ctx.Error("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len");
  std::vector<uint32_t> lcs(cells);
  const auto at = [&](uint64_t i, uint64_t j) -> uint32_t& { return lcs[j + i * (blen + 1)]; };
  for (uint64_t i = 1; i <= alen; ++i) {
    for (uint64_t j = 1; j <= blen; ++j) {
      at(i, j) = a[i - 1] == b[j - 1] ? at(i - 1, j - 1) + 1 : std::max(at(i - 1, j), at(i, j - 1));
    }
  }
  const uint32_t total = at(alen, blen);
  struct Range {
    uint64_t a_start, a_end, b_start, b_end;
  };
  std::vector<Range> ranges;
  std::string result(total, '\0');
  uint64_t idx = total;
  // No range in progress while a_start == alen (Redis's marker).
  uint64_t a_start = alen, a_end = 0, b_start = 0, b_end = 0;
  uint64_t i = alen, j = blen;
  while ((getidx || !getlen) && i > 0 && j > 0) {
    bool emit = false;
    if (a[i - 1] == b[j - 1]) {
      result[idx - 1] = a[i - 1];
      if (a_start == alen) {
        a_start = a_end = i - 1;
        b_start = b_end = j - 1;
      } else if (a_start == i && b_start == j) {  // contiguous: extend backwards
        --a_start;
        --b_start;
      } else {
        emit = true;
      }
      if (a_start == 0 || b_start == 0) emit = true;
      --idx;
      --i;
      --j;
    } else {
      if (at(i - 1, j) > at(i, j - 1)) {
        --i;
      } else {
        --j;
      }
      if (a_start != alen) emit = true;
    }
    if (emit) {
      const uint64_t match_len = a_end - a_start + 1;
      if (minmatchlen == 0 || match_len >= static_cast<uint64_t>(minmatchlen))
        ranges.push_back({a_start, a_end, b_start, b_end});
      a_start = alen;
    }
  }
  if (getidx) {
    ctx.reply.MapHeader(2);
    ctx.reply.Bulk("matches");
    ctx.reply.ArrayHeader(ranges.size());
    for (const Range& r : ranges) {
      ctx.reply.ArrayHeader(withmatchlen ? 3 : 2);
      ctx.reply.ArrayHeader(2);
      ctx.reply.Integer(static_cast<int64_t>(r.a_start));
      ctx.reply.Integer(static_cast<int64_t>(r.a_end));
      ctx.reply.ArrayHeader(2);
      ctx.reply.Integer(static_cast<int64_t>(r.b_start));
      ctx.reply.Integer(static_cast<int64_t>(r.b_end));
      if (withmatchlen) ctx.reply.Integer(static_cast<int64_t>(r.a_end - r.a_start + 1));
    }
    ctx.reply.Bulk("len");
    ctx.reply.Integer(total);
  } else if (getlen) {
    ctx.reply.Integer(total);
  } else {
    ctx.reply.Bulk(result);
  }
}

}  // namespace

void RegisterStringFamily(CommandTable& t) {
  constexpr uint32_t kW = kWrite | kDenyOom;
  t.Register({"get", 2, kReadOnly | kFast, 1, 1, 1, CmdGet, "@read @string @fast", "string", "1.0.0"});
  t.Register({"set", -3, kW, 1, 1, 1, CmdSet, "@write @string @slow", "string", "1.0.0"});
  t.Register({"setnx", 3, kW | kFast, 1, 1, 1, CmdSetNx, "@write @string @fast", "string", "1.0.0"});
  t.Register({"setex", 4, kW, 1, 1, 1, CmdSetEx, "@write @string @slow", "string", "2.0.0"});
  t.Register({"psetex", 4, kW, 1, 1, 1, CmdPSetEx, "@write @string @slow", "string", "2.6.0"});
  t.Register({"getset", 3, kW | kFast, 1, 1, 1, CmdGetSet, "@write @string @fast", "string", "1.0.0", 0, "6.2.0",
              "`SET` with the `!GET` argument"});
  t.Register({"getdel", 2, kWrite | kFast, 1, 1, 1, CmdGetDel, "@write @string @fast", "string", "6.2.0"});
  t.Register({"getex", -2, kWrite | kFast, 1, 1, 1, CmdGetEx, "@write @string @fast", "string", "6.2.0"});
  t.Register({"mget", -2, kReadOnly | kFast, 1, -1, 1, CmdMGet, "@read @string @fast", "string", "1.0.0"});
  t.Register({"mset", -3, kW, 1, -1, 2, CmdMSet, "@write @string @slow", "string", "1.0.1"});
  t.Register({"msetnx", -3, kW, 1, -1, 2, CmdMSetNx, "@write @string @slow", "string", "1.0.1"});
  t.Register({"append", 3, kW | kFast, 1, 1, 1, CmdAppend, "@write @string @fast", "string", "2.0.0"});
  t.Register({"strlen", 2, kReadOnly | kFast, 1, 1, 1, CmdStrLen, "@read @string @fast",
              "string", "2.2.0"});
  t.Register({"getrange", 4, kReadOnly, 1, 1, 1, CmdGetRange, "@read @string @slow", "string", "2.4.0"});
  t.Register({"substr", 4, kReadOnly, 1, 1, 1, CmdGetRange, "@read @string @slow", "string", "1.0.0", 0, "2.0.0",
              "`GETRANGE`"});
  t.Register({"setrange", 4, kW, 1, 1, 1, CmdSetRange, "@write @string @slow", "string", "2.2.0"});
  t.Register({"incr", 2, kW | kFast, 1, 1, 1, CmdIncr, "@write @string @fast", "string", "1.0.0"});
  t.Register({"decr", 2, kW | kFast, 1, 1, 1, CmdDecr, "@write @string @fast", "string", "1.0.0"});
  t.Register({"incrby", 3, kW | kFast, 1, 1, 1, CmdIncrBy, "@write @string @fast", "string", "1.0.0"});
  t.Register({"decrby", 3, kW | kFast, 1, 1, 1, CmdDecrBy, "@write @string @fast", "string", "1.0.0"});
  t.Register({"incrbyfloat", 3, kW | kFast, 1, 1, 1, CmdIncrByFloat, "@write @string @fast",
              "string", "2.6.0"});
  t.Register({"lcs", -3, kReadOnly, 1, 2, 1, CmdLcs, "@read @string @slow", "string", "7.0.0"});
}

}  // namespace stockd::engine
