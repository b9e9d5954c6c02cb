// engine/list_family.cc — the list commands (Redis's t_list.c): LPUSH RPUSH
// LPUSHX RPUSHX LPOP RPOP LLEN LRANGE LINDEX LSET LREM LTRIM LINSERT LPOS LMOVE
// RPOPLPUSH LMPOP and the blocking BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP.
//
// Lists are deques (engine/types/list.h). A list emptied by a pop or removal
// is deleted; every push signals the key's blocked clients (engine/blocking.h).
// Ops are shard-local and reply nothing; Cmds parse, call them, and reply.
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "engine/args.h"
#include "engine/blocking.h"
#include "engine/command_context.h"
#include "engine/engine.h"
#include "engine/errors.h"
#include "engine/op_status.h"
#include "engine/types/list.h"

namespace stockd::engine {
namespace {

enum class End { kLeft, kRight };

// The list at key for writing: nullptr when missing; *wrong when not a list.
ListObject* FindList(const KeyLoc& loc, std::string_view key, int64_t now_ms, bool read,
                     bool* wrong) {
  Entry* e = read ? loc->FindRead(key, loc.hash, now_ms) : loc->FindWrite(key, loc.hash, now_ms);
  *wrong = false;
  if (e == nullptr) return nullptr;
  ListObject* l = AsList(e->value);
  if (l == nullptr) *wrong = true;
  return l;
}

// After removing elements by `event` ("lpop", "lrem", ...): deletes the key
// when the list became empty, otherwise records the in-place change; then
// announces the event, and "del" for an emptied key, as Redis does.
void AfterRemove(CommandContext& ctx, const KeyLoc& loc, std::string_view key, ListObject* l,
                 std::string_view event) {
  const bool emptied = l->empty();
  if (emptied) {
    loc->Delete(key, loc.hash, ctx.now_ms);
  } else {
    loc->NoteChanged(key, loc.hash);
  }
  ctx.Notify(notify::kList, event, key);
  if (emptied) ctx.Notify(notify::kGeneric, "del", key);
}

std::string_view PopEvent(End end) { return end == End::kLeft ? "lpop" : "rpop"; }
std::string_view PushEvent(End end) { return end == End::kLeft ? "lpush" : "rpush"; }

// Parses LEFT/RIGHT (Redis's getListPositionFromObjectOrReply).
bool ParseEnd(CommandContext& ctx, std::string_view arg, End* end) {
  if (EqualsIgnoreCase(arg, "left")) {
    *end = End::kLeft;
  } else if (EqualsIgnoreCase(arg, "right")) {
    *end = End::kRight;
  } else {
    ctx.Error(errors::kSyntax);
    return false;
  }
  return true;
}

// --- Ops ---

// Pushes argv-style elements; creates the list unless `only_existing`.
// Returns the new length (0 when only_existing and missing).
OpResult<int64_t> OpPush(CommandContext& ctx, std::string_view key,
                         absl::Span<const std::string_view> elems, End end, bool only_existing) {
  KeyLoc loc = ctx.Locate(key);
  bool wrong;
  ListObject* l = FindList(loc, key, ctx.now_ms, false, &wrong);
  if (wrong) return OpStatus::kWrongType;
  if (l == nullptr) {
    if (only_existing) return int64_t{0};
    auto fresh = std::make_unique<ListObject>();
    l = fresh.get();
    for (std::string_view v : elems) {
      if (end == End::kLeft) {
        l->PushFront(v);
      } else {
        l->PushBack(v);
      }
    }
    loc->Set(key, loc.hash, Value::FromObject(std::move(fresh)));
  } else {
    for (std::string_view v : elems) {
      if (end == End::kLeft) {
        l->PushFront(v);
      } else {
        l->PushBack(v);
      }
    }
    loc->NoteChanged(key, loc.hash);
  }
  SignalKeyReady(ctx, loc, key, elems.size());
  return static_cast<int64_t>(l->size());
}

std::string PopOne(ListObject* l, End end) {
  return end == End::kLeft ? l->PopFront() : l->PopBack();
}

// Pops up to `count` (> 0) elements of the non-empty list l at key and replies
// them as an array (LPOP/RPOP key count; the inner array of LMPOP/BLMPOP);
// deletes the key when emptied.
void PopRange(CommandContext& ctx, const KeyLoc& loc, std::string_view key, ListObject* l, End end,
              size_t count) {
  const size_t n = std::min(count, l->size());
  ctx.reply.ArrayHeader(n);
  for (size_t i = 0; i < n; ++i) ctx.reply.Bulk(PopOne(l, end));
  AfterRemove(ctx, loc, key, l, PopEvent(end));
}

// LMOVE's core after the source was found non-empty and the destination
// checked: moves one element, signals the destination. Redis's order: the
// destination's push (and its events), then the source's pop.
std::string MoveOne(CommandContext& ctx, const KeyLoc& sloc, std::string_view src, ListObject* s,
                    const KeyLoc& dloc, std::string_view dst, ListObject* d, End from, End to) {
  std::string v = PopOne(s, from);
  if (d == nullptr) {
    auto fresh = std::make_unique<ListObject>();
    fresh->PushBack(v);
    dloc->Set(dst, dloc.hash, Value::FromObject(std::move(fresh)));
  } else {
    if (to == End::kLeft) {
      d->PushFront(v);
    } else {
      d->PushBack(v);
    }
    dloc->NoteChanged(dst, dloc.hash);
  }
  ctx.Notify(notify::kList, PushEvent(to), dst);
  AfterRemove(ctx, sloc, src, s, PopEvent(from));
  SignalKeyReady(ctx, dloc, dst, 1);
  return v;
}

// --- push / pop ---

void PushGeneric(CommandContext& ctx, End end, bool only_existing) {
  auto r = OpPush(ctx, ctx.argv[1], ctx.argv.subspan(2), end, only_existing);
  if (!r.ok()) return ctx.Error(OpStatusError(r.status));
  if (r.value > 0) ctx.Notify(notify::kList, PushEvent(end), ctx.argv[1]);
  ctx.reply.Integer(r.value);
}
void CmdLPush(CommandContext& ctx) { PushGeneric(ctx, End::kLeft, false); }
void CmdRPush(CommandContext& ctx) { PushGeneric(ctx, End::kRight, false); }
void CmdLPushX(CommandContext& ctx) { PushGeneric(ctx, End::kLeft, true); }
void CmdRPushX(CommandContext& ctx) { PushGeneric(ctx, End::kRight, true); }

// Redis's getPositiveLongFromObjectOrReply: one text for both failures.
bool ParsePositive(CommandContext& ctx, std::string_view arg, int64_t* out) {
  if (!ParseInt64Arg(arg, out) || *out < 0) {
    ctx.Error(errors::kOutOfRangePositive);
    return false;
  }
  return true;
}

void PopGeneric(CommandContext& ctx, End end) {
  if (ctx.argv.size() > 3) return ctx.Error(errors::WrongArity(ctx.command.full_name()));
  const bool has_count = ctx.argv.size() == 3;
  int64_t count = 1;
  if (has_count && !ParsePositive(ctx, ctx.argv[2], &count)) return;
  std::string_view key = ctx.argv[1];
  KeyLoc loc = ctx.Locate(key);
  bool wrong;
  ListObject* l = FindList(loc, key, ctx.now_ms, false, &wrong);
  if (l == nullptr && !wrong) return has_count ? ctx.reply.NullArray() : ctx.reply.Null();
  if (wrong) return ctx.Error(errors::kWrongType);
  if (!has_count) {
    std::string v = PopOne(l, end);
    ctx.reply.Bulk(v);
    AfterRemove(ctx, loc, key, l, PopEvent(end));
    return;
  }
  if (count == 0) return ctx.reply.EmptyArray();
  PopRange(ctx, loc, key, l, end, static_cast<size_t>(count));
}
void CmdLPop(CommandContext& ctx) { PopGeneric(ctx, End::kLeft); }
void CmdRPop(CommandContext& ctx) { PopGeneric(ctx, End::kRight); }

// --- reads ---

// The list for a read command; replies `missing` (via the callback) or WRONGTYPE.
ListObject* ReadList(CommandContext& ctx, std::string_view key, bool* replied,
                     void (*missing)(CommandContext&)) {
  KeyLoc loc = ctx.Locate(key);
  bool wrong;
  ListObject* l = FindList(loc, key, ctx.now_ms, true, &wrong);
  *replied = false;
  if (wrong) {
    ctx.Error(errors::kWrongType);
    *replied = true;
  } else if (l == nullptr) {
    missing(ctx);
    *replied = true;
  }
  return l;
}

void ReplyZero(CommandContext& ctx) { ctx.reply.Integer(0); }
void ReplyNull(CommandContext& ctx) { ctx.reply.Null(); }
void ReplyEmptyArray(CommandContext& ctx) { ctx.reply.EmptyArray(); }

void CmdLLen(CommandContext& ctx) {
  bool replied;
  ListObject* l = ReadList(ctx, ctx.argv[1], &replied, ReplyZero);
  if (!replied) ctx.reply.Integer(static_cast<int64_t>(l->size()));
}

// Resolves a Redis list index (negative from the tail); false when outside.
bool ResolveIndex(int64_t index, size_t size, size_t* out) {
  const int64_t n = static_cast<int64_t>(size);
  if (index < 0) index += n;
  if (index < 0 || index >= n) return false;
  *out = static_cast<size_t>(index);
  return true;
}

void CmdLIndex(CommandContext& ctx) {
  int64_t index;
  if (!ParseInt64Arg(ctx.argv[2], &index)) return ctx.Error(errors::kNotInteger);
  bool replied;
  ListObject* l = ReadList(ctx, ctx.argv[1], &replied, ReplyNull);
  if (replied) return;
  size_t i;
  if (!ResolveIndex(index, l->size(), &i)) return ctx.reply.Null();
  ctx.reply.Bulk(l->items()[i]);
}

// Redis's start/end clamping of LRANGE/LTRIM: returns false for an empty range.
bool ClampRange(int64_t start, int64_t end, size_t size, size_t* from, size_t* to) {
  const int64_t n = static_cast<int64_t>(size);
  if (start < 0) start += n;
  if (end < 0) end += n;
  if (start < 0) start = 0;
  if (start > end || start >= n) return false;
  if (end >= n) end = n - 1;
  *from = static_cast<size_t>(start);
  *to = static_cast<size_t>(end);
  return true;
}

void CmdLRange(CommandContext& ctx) {
  int64_t start, end;
  if (!ParseInt64Arg(ctx.argv[2], &start) || !ParseInt64Arg(ctx.argv[3], &end)) {
    return ctx.Error(errors::kNotInteger);
  }
  bool replied;
  ListObject* l = ReadList(ctx, ctx.argv[1], &replied, ReplyEmptyArray);
  if (replied) return;
  size_t from, to;
  if (!ClampRange(start, end, l->size(), &from, &to)) return ctx.reply.EmptyArray();
  ctx.reply.ArrayHeader(to - from + 1);
  auto it = l->items().begin() + static_cast<ptrdiff_t>(from);
  for (size_t i = from; i <= to; ++i, ++it) ctx.reply.Bulk(*it);
}

void CmdLPos(CommandContext& ctx) {
  int64_t rank = 1, count = -1, maxlen = 0;
  for (size_t i = 3; i < ctx.argv.size(); i += 2) {
    std::string_view opt = ctx.argv[i];
    const bool has_value = i + 1 < ctx.argv.size();
    if (!has_value) return ctx.Error(errors::kSyntax);
    int64_t v;
    if (EqualsIgnoreCase(opt, "rank")) {
      if (!ParseInt64Arg(ctx.argv[i + 1], &v)) return ctx.Error(errors::kNotInteger);
      if (v == 0) {
        return ctx.Error(
            "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... "
            "or use negative to start from the end of the list");
      }
      rank = v;
    } else if (EqualsIgnoreCase(opt, "count")) {
      if (!ParseInt64Arg(ctx.argv[i + 1], &v)) return ctx.Error(errors::kNotInteger);
      if (v < 0) return ctx.Error("ERR COUNT can't be negative");
      count = v;
    } else if (EqualsIgnoreCase(opt, "maxlen")) {
      if (!ParseInt64Arg(ctx.argv[i + 1], &v)) return ctx.Error(errors::kNotInteger);
      if (v < 0) return ctx.Error("ERR MAXLEN can't be negative");
      maxlen = v;
    } else {
      return ctx.Error(errors::kSyntax);
    }
  }
  const bool has_count = count >= 0;
  bool replied;
  ListObject* l = ReadList(ctx, ctx.argv[1], &replied, has_count ? ReplyEmptyArray : ReplyNull);
  if (replied) return;
  std::string_view elem = ctx.argv[2];
  const int64_t n = static_cast<int64_t>(l->size());
  const bool forward = rank > 0;
  // Skip |rank|-1 matches. rank == INT64_MIN behaves as in Redis 7.0: -rank
  // overflows and stays negative, so its "matches >= rank" holds at once (as
  // rank -1).
  int64_t skip = rank > 0 ? rank - 1 : (rank == INT64_MIN ? 0 : -rank - 1);
  std::vector<int64_t> found;
  const int64_t want = has_count ? (count == 0 ? INT64_MAX : count) : 1;
  int64_t scanned = 0;
  for (int64_t k = 0; k < n && static_cast<int64_t>(found.size()) < want; ++k) {
    if (maxlen != 0 && scanned >= maxlen) break;
    ++scanned;
    const int64_t idx = forward ? k : n - 1 - k;
    if (l->items()[static_cast<size_t>(idx)] != elem) continue;
    if (skip > 0) {
      --skip;
      continue;
    }
    found.push_back(idx);
  }
  if (!has_count) {
    if (found.empty()) return ctx.reply.Null();
    return ctx.reply.Integer(found[0]);
  }
  ctx.reply.ArrayHeader(found.size());
  for (int64_t idx : found) ctx.reply.Integer(idx);
}

// --- in-place edits ---

void CmdLSet(CommandContext& ctx) {
  int64_t index;
  if (!ParseInt64Arg(ctx.argv[2], &index)) return ctx.Error(errors::kNotInteger);
  std::string_view key = ctx.argv[1];
  KeyLoc loc = ctx.Locate(key);
  bool wrong;
  ListObject* l = FindList(loc, key, ctx.now_ms, false, &wrong);
  if (wrong) return ctx.Error(errors::kWrongType);
  if (l == nullptr) return ctx.Error(errors::kNoSuchKey);
  size_t i;
  if (!ResolveIndex(index, l->size(), &i)) return ctx.Error("ERR index out of range");
  l->Set(i, ctx.argv[3]);
  loc->NoteChanged(key, loc.hash);
  ctx.Notify(notify::kList, "lset", key);
  ctx.reply.Ok();
}

void CmdLRem(CommandContext& ctx) {
  int64_t count;
  if (!ParseInt64Arg(ctx.argv[2], &count)) return ctx.Error(errors::kNotInteger);
  std::string_view key = ctx.argv[1], elem = ctx.argv[3];
  KeyLoc loc = ctx.Locate(key);
  bool wrong;
  ListObject* l = FindList(loc, key, ctx.now_ms, false, &wrong);
  if (wrong) return ctx.Error(errors::kWrongType);
  if (l == nullptr) return ctx.reply.Integer(0);
  if (std::find(l->items().begin(), l->items().end(), elem) == l->items().end()) return ctx.reply.Integer(0);
  auto& items = l->Edit();
  int64_t removed = 0;
  const int64_t limit = count == 0 ? INT64_MAX : (count < 0 ? -(count + 1) + 1 : count);
  if (count >= 0) {
    auto out = items.begin();
    for (auto it = items.begin(); it != items.end(); ++it) {
      if (removed < limit && *it == elem) {
        ++removed;
        continue;
      }
      if (out != it) *out = std::move(*it);
      ++out;
    }
    items.erase(out, items.end());
  } else {
    auto out = items.rbegin();
    for (auto it = items.rbegin(); it != items.rend(); ++it) {
      if (removed < limit && *it == elem) {
        ++removed;
        continue;
      }
      if (out != it) *out = std::move(*it);
      ++out;
    }
    items.erase(items.begin(), items.begin() + (items.rend() - out));
  }
  if (removed > 0) AfterRemove(ctx, loc, key, l, "lrem");
  ctx.reply.Integer(removed);
}

void CmdLTrim(CommandContext& ctx) {
  int64_t start, end;
  if (!ParseInt64Arg(ctx.argv[2], &start) || !ParseInt64Arg(ctx.argv[3], &end)) {
    return ctx.Error(errors::kNotInteger);
  }
  std::string_view key = ctx.argv[1];
  KeyLoc loc = ctx.Locate(key);
  bool wrong;
  ListObject* l = FindList(loc, key, ctx.now_ms, false, &wrong);
  if (wrong) return ctx.Error(errors::kWrongType);
  if (l == nullptr) return ctx.reply.Ok();
  size_t from, to;
  if (!ClampRange(start, end, l->size(), &from, &to)) {
    l->Edit().clear();
  } else {
    // From the ends, so a big list's persisted rows change only there.
    while (l->size() > to + 1) (void)l->PopBack();
    for (size_t i = 0; i < from; ++i) (void)l->PopFront();
  }
  AfterRemove(ctx, loc, key, l, "ltrim");
  ctx.reply.Ok();
}

void CmdLInsert(CommandContext& ctx) {
  bool after;
  if (EqualsIgnoreCase(ctx.argv[2], "after")) {
    after = true;
  } else if (EqualsIgnoreCase(ctx.argv[2], "before")) {
    after = false;
  } else {
    return ctx.Error(errors::kSyntax);
  }
  std::string_view key = ctx.argv[1], pivot = ctx.argv[3], elem = ctx.argv[4];
  KeyLoc loc = ctx.Locate(key);
  bool wrong;
  ListObject* l = FindList(loc, key, ctx.now_ms, false, &wrong);
  if (wrong) return ctx.Error(errors::kWrongType);
  if (l == nullptr) return ctx.reply.Integer(0);
  const size_t at = static_cast<size_t>(std::find(l->items().begin(), l->items().end(), pivot) - l->items().begin());
  if (at == l->size()) return ctx.reply.Integer(-1);
  std::deque<std::string>& items = l->Edit();
  items.emplace(items.begin() + static_cast<ptrdiff_t>(after ? at + 1 : at), elem);
  loc->NoteChanged(key, loc.hash);
  SignalKeyReady(ctx, loc, key, 1);
  ctx.Notify(notify::kList, "linsert", key);
  ctx.reply.Integer(static_cast<int64_t>(l->size()));
}

// --- moves ---

// LMOVE/RPOPLPUSH/BLMOVE/BRPOPLPUSH's core. Replies nothing; returns the
// moved element, nullopt when the source is missing, or a status.
OpResult<std::optional<std::string>> OpMove(CommandContext& ctx, std::string_view src,
                                            std::string_view dst, End from, End to,
                                            bool treat_wrong_as_missing) {
  KeyLoc sloc = ctx.Locate(src);
  bool wrong;
  ListObject* s = FindList(sloc, src, ctx.now_ms, false, &wrong);
  if (wrong) {
    if (treat_wrong_as_missing) return std::optional<std::string>();
    return OpStatus::kWrongType;
  }
  if (s == nullptr) return std::optional<std::string>();
  KeyLoc dloc = ctx.Locate(dst);
  ListObject* d = FindList(dloc, dst, ctx.now_ms, false, &wrong);
  if (wrong) return OpStatus::kWrongType;
  return std::optional<std::string>(MoveOne(ctx, sloc, src, s, dloc, dst, d, from, to));
}

void MoveGeneric(CommandContext& ctx, End from, End to) {
  auto r = OpMove(ctx, ctx.argv[1], ctx.argv[2], from, to, false);
  if (!r.ok()) return ctx.Error(OpStatusError(r.status));
  if (!r.value) return ctx.reply.Null();
  ctx.reply.Bulk(*r.value);
}

void CmdLMove(CommandContext& ctx) {
  End from, to;
  if (!ParseEnd(ctx, ctx.argv[3], &from) || !ParseEnd(ctx, ctx.argv[4], &to)) return;
  MoveGeneric(ctx, from, to);
}
void CmdRPopLPush(CommandContext& ctx) { MoveGeneric(ctx, End::kRight, End::kLeft); }

// --- blocking ---

// Serves a multi-key pop from one key, when it holds a list: replies
// [key, element] (count 0: BLPOP/BRPOP) or [key, [up to count elements]]
// (LMPOP/BLMPOP) and deletes the emptied key. A key of another type replies
// WRONGTYPE, or counts as empty when `wrong_as_empty` (a woken blocked client
// is only served from a list, as in Redis). True when it replied.
bool ServeFromKey(CommandContext& ctx, std::string_view key, End end, size_t count,
                  bool wrong_as_empty) {
  KeyLoc loc = ctx.Locate(key);
  bool wrong;
  ListObject* l = FindList(loc, key, ctx.now_ms, false, &wrong);
  if (wrong) {
    if (wrong_as_empty) return false;
    ctx.Error(errors::kWrongType);
    return true;
  }
  if (l == nullptr) return false;
  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(key);
  if (count > 0) {
    PopRange(ctx, loc, key, l, end, count);
  } else {
    ctx.reply.Bulk(PopOne(l, end));
    AfterRemove(ctx, loc, key, l, PopEvent(end));
  }
  return true;
}

// BLPOP/BRPOP/BLMPOP, and LMPOP (deadline nullopt: never blocks): serves from
// the first key holding a list (after a wake-up the woken key first), else
// blocks until a push, else (LMPOP, or no blocking allowed: MULTI, scripts)
// replies the null array.
void PopFirstOrBlock(CommandContext& ctx, absl::Span<const std::string_view> keys, End end,
                     size_t count, std::optional<int64_t> deadline) {
  const std::string_view woken = deadline ? WokenKey(ctx) : std::string_view();
  const bool rerun = !woken.empty();
  if (rerun && ServeFromKey(ctx, woken, end, count, true)) return;
  for (std::string_view key : keys) {
    if (ServeFromKey(ctx, key, end, count, rerun)) return;
  }
  if (deadline && BlockOn(ctx, keys, *deadline)) return;
  ctx.reply.NullArray();
}

// BLPOP/BRPOP: keys argv[1..n-2], timeout argv[n-1].
void BlockingPop(CommandContext& ctx, End end) {
  int64_t deadline;
  if (!ParseBlockTimeout(ctx, ctx.argv.back(), &deadline)) return;
  PopFirstOrBlock(ctx, ctx.argv.subspan(1, ctx.argv.size() - 2), end, 0, deadline);
}
void CmdBLPop(CommandContext& ctx) { BlockingPop(ctx, End::kLeft); }
void CmdBRPop(CommandContext& ctx) { BlockingPop(ctx, End::kRight); }

// LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]. Its keys are locked
// by the dispatcher through the row's numkeys spec (engine/command.h) when
// numkeys is a valid count; ParseMPopArgs (args.h) fails before any key
// otherwise.
void CmdLMPop(CommandContext& ctx) {
  MPopArgs a;
  std::string_view error;
  if (!ParseMPopArgs(ctx.argv, 1, "left", "right", &a, &error)) return ctx.Error(error);
  PopFirstOrBlock(ctx, a.keys, a.second ? End::kRight : End::kLeft, a.count, std::nullopt);
}

// BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]: the timeout
// is checked after the rest, as Redis does. Its keys are locked as LMPOP's
// (numkeys spec), also when a woken waiter is re-run (engine/blocking.cc).
void CmdBLMPop(CommandContext& ctx) {
  MPopArgs a;
  std::string_view error;
  if (!ParseMPopArgs(ctx.argv, 2, "left", "right", &a, &error)) return ctx.Error(error);
  int64_t deadline;
  if (!ParseBlockTimeout(ctx, ctx.argv[1], &deadline)) return;
  PopFirstOrBlock(ctx, a.keys, a.second ? End::kRight : End::kLeft, a.count, deadline);
}

void BlockingMove(CommandContext& ctx, End from, End to, std::string_view timeout) {
  int64_t deadline;
  if (!ParseBlockTimeout(ctx, timeout, &deadline)) return;
  const bool rerun = !WokenKey(ctx).empty();
  std::string_view src = ctx.argv[1], dst = ctx.argv[2];
  auto r = OpMove(ctx, src, dst, from, to, rerun);
  if (!r.ok()) return ctx.Error(OpStatusError(r.status));
  if (r.value) {
    ctx.reply.Bulk(*r.value);
    return;
  }
  if (BlockOn(ctx, ctx.argv.subspan(1, 1), deadline)) return;
  ctx.reply.Null();  // Redis: the non-blocking form's nil (inside MULTI / a script)
}

void CmdBLMove(CommandContext& ctx) {
  End from, to;
  if (!ParseEnd(ctx, ctx.argv[3], &from) || !ParseEnd(ctx, ctx.argv[4], &to)) return;
  BlockingMove(ctx, from, to, ctx.argv[5]);
}
void CmdBRPopLPush(CommandContext& ctx) {
  BlockingMove(ctx, End::kRight, End::kLeft, ctx.argv[3]);
}

}  // namespace

void RegisterListFamily(CommandTable& t) {
  constexpr uint32_t kW = kWrite | kDenyOom;
  t.Register({"lpush", -3, kW | kFast, 1, 1, 1, CmdLPush, "@write @list @fast", "list", "1.0.0"});
  t.Register({"rpush", -3, kW | kFast, 1, 1, 1, CmdRPush, "@write @list @fast", "list", "1.0.0"});
  t.Register({"lpushx", -3, kW | kFast, 1, 1, 1, CmdLPushX, "@write @list @fast", "list", "2.2.0"});
  t.Register({"rpushx", -3, kW | kFast, 1, 1, 1, CmdRPushX, "@write @list @fast", "list", "2.2.0"});
  t.Register({"lpop", -2, kWrite | kFast, 1, 1, 1, CmdLPop, "@write @list @fast", "list", "1.0.0"});
  t.Register({"rpop", -2, kWrite | kFast, 1, 1, 1, CmdRPop, "@write @list @fast", "list", "1.0.0"});
  // Redis's key positions are (0, 0, 0) with a numkeys key spec: argv[1]
  // counts the keys after it (the last field; engine/command.h).
  t.Register({"lmpop", -4, kWrite, 0, 0, 0, CmdLMPop, "@write @list @slow", "list", "7.0.0", 1});
  t.Register({"llen", 2, kReadOnly | kFast, 1, 1, 1, CmdLLen, "@read @list @fast", "list", "1.0.0"});
  t.Register({"lrange", 4, kReadOnly, 1, 1, 1, CmdLRange, "@read @list @slow", "list", "1.0.0"});
  t.Register({"lindex", 3, kReadOnly, 1, 1, 1, CmdLIndex, "@read @list @slow", "list", "1.0.0"});
  t.Register({"lset", 4, kW, 1, 1, 1, CmdLSet, "@write @list @slow", "list", "1.0.0"});
  t.Register({"lrem", 4, kWrite, 1, 1, 1, CmdLRem, "@write @list @slow", "list", "1.0.0"});
  t.Register({"ltrim", 4, kWrite, 1, 1, 1, CmdLTrim, "@write @list @slow", "list", "1.0.0"});
  t.Register({"linsert", 5, kW, 1, 1, 1, CmdLInsert, "@write @list @slow", "list", "2.2.0"});
  t.Register({"lpos", -3, kReadOnly, 1, 1, 1, CmdLPos, "@read @list @slow", "list", "6.0.6"});
  t.Register({"lmove", 5, kW, 1, 2, 1, CmdLMove, "@write @list @slow", "list", "6.2.0"});
  t.Register({"rpoplpush", 3, kW, 1, 2, 1, CmdRPopLPush, "@write @list @slow", "list", "1.2.0", 0, "6.2.0",
              "`LMOVE` with the `RIGHT` and `LEFT` arguments"});
  t.Register({"blpop", -3, kWrite | kNoScript | kBlocking, 1, -2, 1, CmdBLPop,
              "@write @list @slow @blocking", "list", "2.0.0"});
  t.Register({"brpop", -3, kWrite | kNoScript | kBlocking, 1, -2, 1, CmdBRPop,
              "@write @list @slow @blocking", "list", "2.0.0"});
  // As LMPOP, with the count at argv[2]: a woken blocked client is re-run
  // with the same keys locked (engine/blocking.cc walks the key specs too).
  // Not noscript, unlike BLPOP and BLMOVE (as in Redis 7.0): scripts run it
  // without blocking.
  t.Register({"blmpop", -5, kWrite | kBlocking, 0, 0, 0, CmdBLMPop,
              "@write @list @slow @blocking", "list", "7.0.0", 2});
  t.Register({"blmove", 6, kW | kNoScript | kBlocking, 1, 2, 1, CmdBLMove, "@write @list @slow @blocking",
              "list", "6.2.0"});
  t.Register({"brpoplpush", 4, kW | kNoScript | kBlocking, 1, 2, 1, CmdBRPopLPush,
              "@write @list @slow @blocking", "list", "2.2.0", 0, "6.2.0",
              "`BLMOVE` with the `RIGHT` and `LEFT` arguments"});
}

}  // namespace stockd::engine
