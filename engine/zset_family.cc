// engine/zset_family.cc — the sorted set commands (Redis's t_zset.c): ZADD
// ZINCRBY ZSCORE ZMSCORE ZCARD ZCOUNT ZLEXCOUNT ZRANK ZREVRANK ZRANGE
// ZREVRANGE ZRANGEBYSCORE ZREVRANGEBYSCORE ZRANGEBYLEX ZREVRANGEBYLEX
// ZRANGESTORE ZREM ZREMRANGEBYRANK/SCORE/LEX ZPOPMIN ZPOPMAX BZPOPMIN
// BZPOPMAX ZUNION ZINTER ZDIFF ZUNIONSTORE ZINTERSTORE ZDIFFSTORE ZINTERCARD
// ZRANDMEMBER ZMPOP BZMPOP ZSCAN.
//
// Sorted sets are engine/types/zset.h. A set emptied by a removal is deleted;
// a *STORE with an empty result deletes its destination. Scores go out
// through ReplyWriter::Double (RESP2: "%.17g" bulk strings, as Redis 7.0);
// RESP3 WITHSCORES replies are arrays of [member, score] pairs, as Redis's.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "engine/args.h"
#include "engine/blocking.h"
#include "engine/command_context.h"
#include "engine/engine.h"
#include "engine/errors.h"
#include "engine/types/scan.h"
#include "engine/types/set.h"
#include "engine/types/zset.h"

namespace stockd::engine {
namespace {

constexpr std::string_view kMinMaxNotFloat = "ERR min or max is not a float";
constexpr std::string_view kLexRangeError = "ERR min or max not valid string range item";
constexpr std::string_view kNaNScore = "ERR resulting score is not a number (NaN)";

// Redis's getDoubleFromObject: strtod over the whole text, no leading space,
// not NaN. Integer scores (redis-benchmark's) skip strtod: it was ~3% of ZADD.
bool ParseDouble(std::string_view s, double* out) {
  if (ParseSmallIntegerAsDouble(s, out)) return true;
  if (s.empty() || s.size() > 256 || std::isspace(static_cast<unsigned char>(s[0]))) return false;
  char buf[257];
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = '\0';
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(buf, &end);
  if (end != buf + s.size() || std::isnan(v)) return false;
  *out = v;
  return true;
}

// Redis's zslParseRange: "(1.5" exclusive, "-inf"/"+inf".
bool ParseScoreBound(std::string_view s, double* v, bool* ex) {
  *ex = !s.empty() && s[0] == '(';
  if (*ex) s.remove_prefix(1);
  return ParseDouble(s, v);
}

bool ParseScoreRange(std::string_view min, std::string_view max, ScoreRange* r) {
  return ParseScoreBound(min, &r->min, &r->minex) && ParseScoreBound(max, &r->max, &r->maxex);
}

// Redis's zslParseLexRangeItem.
bool ParseLexBound(std::string_view s, std::string* out, bool* ex, bool* inf, char inf_char) {
  if (s.empty()) return false;
  if (s.size() == 1 && (s[0] == '+' || s[0] == '-')) {
    if (s[0] != inf_char) return false;  // "+" as a min / "-" as a max: an empty range below
    *inf = true;
    return true;
  }
  if (s[0] != '(' && s[0] != '[') return false;
  *ex = s[0] == '(';
  out->assign(s.substr(1));
  return true;
}

// An impossible "+" min or "-" max gives an empty range, as in Redis.
bool ParseLexRange(std::string_view min, std::string_view max, LexRange* r, bool* empty) {
  *empty = false;
  if (min == "+" || max == "-") {
    *empty = (min == "+" || min == "-" || min[0] == '(' || min[0] == '[') &&
             (max == "+" || max == "-" || max[0] == '(' || max[0] == '[');
    return *empty;
  }
  return ParseLexBound(min, &r->min, &r->minex, &r->min_neg_inf, '-') &&
         ParseLexBound(max, &r->max, &r->maxex, &r->max_pos_inf, '+');
}

bool EmptyScoreRange(const ScoreRange& r) { return r.min > r.max || (r.min == r.max && (r.minex || r.maxex)); }

// The sorted set at key: nullptr when missing; *wrong when another type.
ZSetObject* FindZSet(const KeyLoc& loc, std::string_view key, int64_t now_ms, bool read, bool* wrong) {
  Entry* e = read ? loc->FindRead(key, loc.hash, now_ms) : loc->FindWrite(key, loc.hash, now_ms);
  *wrong = false;
  if (e == nullptr) return nullptr;
  ZSetObject* z = AsZSet(e->value);
  if (z == nullptr) *wrong = true;
  return z;
}

ZSetObject* ReadZSet(CommandContext& ctx, std::string_view key, bool* wrong) {
  KeyLoc loc = ctx.Locate(key);
  ZSetObject* z = FindZSet(loc, key, ctx.now_ms, true, wrong);
  if (*wrong) ctx.Error(errors::kWrongType);
  return z;
}

// After removals by `event` ("zrem", "zpopmin", ...): deletes the emptied key
// or records the change, then announces the event and, for an emptied key,
// "del" (Redis's order).
void AfterRemove(CommandContext& ctx, const KeyLoc& loc, std::string_view key, ZSetObject* z,
                 std::string_view event) {
  const bool emptied = z->empty();
  if (emptied) loc->Delete(key, loc.hash, ctx.now_ms);
  else loc->NoteChanged(key, loc.hash);
  ctx.Notify(notify::kZSet, event, key);
  if (emptied) ctx.Notify(notify::kGeneric, "del", key);
}

// Replies a list of (member, score) as Redis: flat in RESP2 (scores only
// with WITHSCORES), pairs in RESP3.
class RangeReply {
 public:
  RangeReply(CommandContext& ctx, bool withscores) : ctx_(ctx), withscores_(withscores) {}
  void Add(std::string_view m, double s) { items_.emplace_back(std::string(m), s); }
  void Send() {
    auto& r = ctx_.reply;
    if (!withscores_) {
      r.ArrayHeader(items_.size());
      for (auto& [m, s] : items_) r.Bulk(m);
    } else if (r.resp() >= 3) {
      r.ArrayHeader(items_.size());
      for (auto& [m, s] : items_) {
        r.ArrayHeader(2);
        r.Bulk(m);
        r.Double(s);
      }
    } else {
      r.ArrayHeader(items_.size() * 2);
      for (auto& [m, s] : items_) {
        r.Bulk(m);
        r.Double(s);
      }
    }
  }
  std::vector<std::pair<std::string, double>>& items() { return items_; }

 private:
  CommandContext& ctx_;
  bool withscores_;
  std::vector<std::pair<std::string, double>> items_;
};

// ---- ZADD / ZINCRBY ----

enum ZAddFlag : int { kNX = 1, kXX = 2, kGT = 4, kLT = 8, kCH = 16, kIncr = 32 };

void ZAddGeneric(CommandContext& ctx, int flags, size_t scoreidx) {
  const size_t elements = ctx.argv.size() - scoreidx;
  if (elements == 0 || elements % 2 != 0) return ctx.Error(errors::kSyntax);
  if ((flags & kIncr) && elements > 2) return ctx.Error("ERR INCR option supports a single increment-element pair");
  if ((flags & kNX) && (flags & kXX)) return ctx.Error("ERR XX and NX options at the same time are not compatible");
  if (((flags & kGT) && (flags & kNX)) || ((flags & kLT) && (flags & kNX)) || ((flags & kGT) && (flags & kLT)))
    return ctx.Error("ERR GT, LT, and/or NX options at the same time are not compatible");
  absl::InlinedVector<double, 4> scores(elements / 2);
  for (size_t i = 0; i < scores.size(); ++i)
    if (!ParseDouble(ctx.argv[scoreidx + 2 * i], &scores[i])) return ctx.Error(errors::kNotFloat);
  std::string_view key = ctx.argv[1];
  KeyLoc loc = ctx.Locate(key);
  bool wrong;
  ZSetObject* z = FindZSet(loc, key, ctx.now_ms, false, &wrong);
  if (wrong) return ctx.Error(errors::kWrongType);
  std::unique_ptr<ZSetObject> fresh;
  if (z == nullptr) {
    if (flags & kXX) return (flags & kIncr) ? ctx.reply.Null() : ctx.reply.Integer(0);
    fresh = std::make_unique<ZSetObject>();
    z = fresh.get();
  }
  int64_t added = 0, updated = 0;
  bool processed = false;
  double last_score = 0;
  for (size_t i = 0; i < scores.size(); ++i) {
    std::string_view member = ctx.argv[scoreidx + 2 * i + 1];
    double score = scores[i];
    if (ZSetObject::Node* node = z->Find(member)) {
      const double cur = ZSetObject::ScoreOf(node);
      if (flags & kNX) continue;
      if (flags & kIncr) {
        score += cur;
        if (std::isnan(score)) {
          if (fresh == nullptr && (added + updated) > 0) loc->NoteChanged(key, loc.hash);
          return ctx.Error(kNaNScore);
        }
      }
      if (((flags & kGT) && score <= cur) || ((flags & kLT) && score >= cur)) continue;
      last_score = score;
      processed = true;
      if (score != cur) {
        z->Update(node, score);
        ++updated;
      }
    } else {
      if (flags & kXX) continue;
      z->Add(member, score);
      last_score = score;
      processed = true;
      ++added;
    }
  }
  if (fresh) {
    if (!fresh->empty()) {
      size_t n = fresh->size();
      loc->Set(key, loc.hash, Value::FromObject(std::move(fresh)));
      SignalKeyReady(ctx, loc, key, n);
    }
  } else if (added + updated > 0) {
    loc->NoteChanged(key, loc.hash);
    if (added > 0) SignalKeyReady(ctx, loc, key, static_cast<size_t>(added));
  }
  if (added + updated > 0) ctx.Notify(notify::kZSet, (flags & kIncr) ? "zincr" : "zadd", key);
  if (flags & kIncr) {
    if (processed) ctx.reply.Double(last_score);
    else ctx.reply.Null();
    return;
  }
  ctx.reply.Integer((flags & kCH) ? added + updated : added);
}

void CmdZAdd(CommandContext& ctx) {
  int flags = 0;
  size_t i = 2;
  for (; i < ctx.argv.size(); ++i) {
    std::string_view a = ctx.argv[i];
    if (EqualsIgnoreCase(a, "nx")) flags |= kNX;
    else if (EqualsIgnoreCase(a, "xx")) flags |= kXX;
    else if (EqualsIgnoreCase(a, "gt")) flags |= kGT;
    else if (EqualsIgnoreCase(a, "lt")) flags |= kLT;
    else if (EqualsIgnoreCase(a, "ch")) flags |= kCH;
    else if (EqualsIgnoreCase(a, "incr")) flags |= kIncr;
    else break;
  }
  ZAddGeneric(ctx, flags, i);
}

void CmdZIncrBy(CommandContext& ctx) { ZAddGeneric(ctx, kIncr, 2); }

// ---- reads ----

void CmdZScore(CommandContext& ctx) {
  bool wrong;
  ZSetObject* z = ReadZSet(ctx, ctx.argv[1], &wrong);
  if (wrong) return;
  double s;
  if (z != nullptr && z->Score(ctx.argv[2], &s)) ctx.reply.Double(s);
  else ctx.reply.Null();
}

void CmdZMScore(CommandContext& ctx) {
  bool wrong;
  ZSetObject* z = ReadZSet(ctx, ctx.argv[1], &wrong);
  if (wrong) return;
  ctx.reply.ArrayHeader(ctx.argv.size() - 2);
  for (size_t i = 2; i < ctx.argv.size(); ++i) {
    double s;
    if (z != nullptr && z->Score(ctx.argv[i], &s)) ctx.reply.Double(s);
    else ctx.reply.Null();
  }
}

void CmdZCard(CommandContext& ctx) {
  bool wrong;
  ZSetObject* z = ReadZSet(ctx, ctx.argv[1], &wrong);
  if (wrong) return;
  ctx.reply.Integer(z == nullptr ? 0 : static_cast<int64_t>(z->size()));
}

void CmdZCount(CommandContext& ctx) {
  ScoreRange r;
  if (!ParseScoreRange(ctx.argv[2], ctx.argv[3], &r)) return ctx.Error(kMinMaxNotFloat);
  bool wrong;
  ZSetObject* z = ReadZSet(ctx, ctx.argv[1], &wrong);
  if (wrong) return;
  ctx.reply.Integer(z == nullptr || EmptyScoreRange(r) ? 0 : static_cast<int64_t>(z->CountScore(r)));
}

void CmdZLexCount(CommandContext& ctx) {
  LexRange r;
  bool empty;
  if (!ParseLexRange(ctx.argv[2], ctx.argv[3], &r, &empty)) return ctx.Error(kLexRangeError);
  bool wrong;
  ZSetObject* z = ReadZSet(ctx, ctx.argv[1], &wrong);
  if (wrong) return;
  ctx.reply.Integer(z == nullptr || empty ? 0 : static_cast<int64_t>(z->CountLex(r)));
}

void RankGeneric(CommandContext& ctx, bool reverse) {
  bool wrong;
  ZSetObject* z = ReadZSet(ctx, ctx.argv[1], &wrong);
  if (wrong) return;
  int64_t r = z == nullptr ? -1 : z->Rank(ctx.argv[2], reverse);
  if (r < 0) ctx.reply.Null();
  else ctx.reply.Integer(r);
}
void CmdZRank(CommandContext& ctx) { RankGeneric(ctx, false); }
void CmdZRevRank(CommandContext& ctx) { RankGeneric(ctx, true); }

// ---- the range family: ZRANGE and its older forms, ZRANGESTORE ----

enum class RangeBy { kRank, kScore, kLex };

struct RangeSpec {
  RangeBy by = RangeBy::kRank;
  bool rev = false;
  bool withscores = false;
  bool has_limit = false;
  int64_t offset = 0, limit = -1;
  std::string_view min, max;  // as given (for REV forms already swapped to min, max)
};

// Collects the range's (member, score) into out. Replies errors itself and
// returns false on a bad argument.
bool CollectRange(CommandContext& ctx, ZSetObject* z, const RangeSpec& spec,
                  std::vector<std::pair<std::string, double>>* out) {
  auto add = [&](std::string_view m, double s) { out->emplace_back(std::string(m), s); };
  if (spec.by == RangeBy::kRank) {
    int64_t start, end;
    if (!ParseInt64Arg(spec.min, &start) || !ParseInt64Arg(spec.max, &end)) {
      ctx.Error(errors::kNotInteger);
      return false;
    }
    if (z == nullptr) return true;
    int64_t len = static_cast<int64_t>(z->size());
    if (start < 0) start += len;
    if (end < 0) end += len;
    if (start < 0) start = 0;
    if (start > end || start >= len) return true;
    if (end >= len) end = len - 1;
    z->ForRankRange(static_cast<size_t>(start), static_cast<size_t>(end), spec.rev, add);
    return true;
  }
  if (spec.by == RangeBy::kScore) {
    ScoreRange r;
    if (!ParseScoreRange(spec.min, spec.max, &r)) {
      ctx.Error(kMinMaxNotFloat);
      return false;
    }
    if (z == nullptr || EmptyScoreRange(r) || spec.offset < 0) return true;
    z->ForScoreRange(r, spec.rev, spec.offset, spec.limit, add);
    return true;
  }
  LexRange r;
  bool empty;
  if (!ParseLexRange(spec.min, spec.max, &r, &empty)) {
    ctx.Error(kLexRangeError);
    return false;
  }
  if (z == nullptr || empty || spec.offset < 0) return true;
  z->ForLexRange(r, spec.rev, spec.offset, spec.limit, add);
  return true;
}

// Parses ZRANGE-style options from argv[from..]. `store` = ZRANGESTORE (no WITHSCORES).
bool ParseRangeOptions(CommandContext& ctx, size_t from, bool store, RangeSpec* spec) {
  for (size_t i = from; i < ctx.argv.size(); ++i) {
    std::string_view a = ctx.argv[i];
    size_t left = ctx.argv.size() - i - 1;
    if (!store && EqualsIgnoreCase(a, "withscores")) {
      spec->withscores = true;
    } else if (EqualsIgnoreCase(a, "limit") && left >= 2) {
      if (!ParseInt64Arg(ctx.argv[i + 1], &spec->offset) || !ParseInt64Arg(ctx.argv[i + 2], &spec->limit)) {
        ctx.Error(errors::kNotInteger);
        return false;
      }
      spec->has_limit = true;
      i += 2;
    } else if (EqualsIgnoreCase(a, "byscore")) {
      spec->by = RangeBy::kScore;
    } else if (EqualsIgnoreCase(a, "bylex")) {
      spec->by = RangeBy::kLex;
    } else if (EqualsIgnoreCase(a, "rev")) {
      spec->rev = true;
    } else {
      ctx.Error(errors::kSyntax);
      return false;
    }
  }
  if (spec->has_limit && spec->by == RangeBy::kRank) {
    ctx.Error("ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
    return false;
  }
  if (spec->withscores && spec->by == RangeBy::kLex) {
    ctx.Error("ERR syntax error, WITHSCORES not supported in combination with BYLEX");
    return false;
  }
  return true;
}

void RangeCommand(CommandContext& ctx, RangeSpec spec, size_t key_index) {
  bool wrong;
  ZSetObject* z = ReadZSet(ctx, ctx.argv[key_index], &wrong);
  if (wrong) return;
  RangeReply reply(ctx, spec.withscores);
  if (!CollectRange(ctx, z, spec, &reply.items())) return;
  reply.Send();
}

void CmdZRange(CommandContext& ctx) {
  RangeSpec spec;
  if (!ParseRangeOptions(ctx, 4, false, &spec)) return;
  spec.min = ctx.argv[2];
  spec.max = ctx.argv[3];
  if (spec.rev && spec.by != RangeBy::kRank) std::swap(spec.min, spec.max);
  RangeCommand(ctx, spec, 1);
}

void CmdZRevRange(CommandContext& ctx) {
  RangeSpec spec;
  spec.rev = true;
  if (ctx.argv.size() == 5) {
    if (!EqualsIgnoreCase(ctx.argv[4], "withscores")) return ctx.Error(errors::kSyntax);
    spec.withscores = true;
  } else if (ctx.argv.size() > 5) {
    return ctx.Error(errors::kSyntax);
  }
  spec.min = ctx.argv[2];
  spec.max = ctx.argv[3];
  RangeCommand(ctx, spec, 1);
}

// ZRANGEBYSCORE key min max / ZREVRANGEBYSCORE key max min [WITHSCORES] [LIMIT o c];
// the BYLEX forms without WITHSCORES.
void ByGeneric(CommandContext& ctx, RangeBy by, bool rev) {
  RangeSpec spec;
  spec.by = by;
  spec.rev = rev;
  for (size_t i = 4; i < ctx.argv.size(); ++i) {
    std::string_view a = ctx.argv[i];
    if (EqualsIgnoreCase(a, "withscores")) {
      if (by == RangeBy::kLex) return ctx.Error("ERR syntax error, WITHSCORES not supported in combination with BYLEX");
      spec.withscores = true;
    } else if (EqualsIgnoreCase(a, "limit") && ctx.argv.size() - i - 1 >= 2) {
      if (!ParseInt64Arg(ctx.argv[i + 1], &spec.offset) || !ParseInt64Arg(ctx.argv[i + 2], &spec.limit))
        return ctx.Error(errors::kNotInteger);
      i += 2;
    } else {
      return ctx.Error(errors::kSyntax);
    }
  }
  spec.min = rev ? ctx.argv[3] : ctx.argv[2];
  spec.max = rev ? ctx.argv[2] : ctx.argv[3];
  RangeCommand(ctx, spec, 1);
}
void CmdZRangeByScore(CommandContext& ctx) { ByGeneric(ctx, RangeBy::kScore, false); }
void CmdZRevRangeByScore(CommandContext& ctx) { ByGeneric(ctx, RangeBy::kScore, true); }
void CmdZRangeByLex(CommandContext& ctx) { ByGeneric(ctx, RangeBy::kLex, false); }
void CmdZRevRangeByLex(CommandContext& ctx) { ByGeneric(ctx, RangeBy::kLex, true); }

// Stores items as a sorted set at dst (deleting dst when empty); replies its
// size. `event` names the command to keyspace notifications.
void StoreResult(CommandContext& ctx, std::string_view dst, const std::vector<std::pair<std::string, double>>& items,
                 std::string_view event) {
  KeyLoc loc = ctx.Locate(dst);
  if (items.empty()) {
    if (loc->Delete(dst, loc.hash, ctx.now_ms)) ctx.Notify(notify::kGeneric, "del", dst);
    return ctx.reply.Integer(0);
  }
  auto z = std::make_unique<ZSetObject>();
  for (const auto& [m, s] : items) z->Set(m, s);
  z->ShrinkIfSmall();
  size_t n = z->size();
  loc->Set(dst, loc.hash, Value::FromObject(std::move(z)));
  SignalKeyReady(ctx, loc, dst, n);
  ctx.Notify(notify::kZSet, event, dst);
  ctx.reply.Integer(static_cast<int64_t>(n));
}

void CmdZRangeStore(CommandContext& ctx) {
  RangeSpec spec;
  if (!ParseRangeOptions(ctx, 5, true, &spec)) return;
  spec.min = ctx.argv[3];
  spec.max = ctx.argv[4];
  if (spec.rev && spec.by != RangeBy::kRank) std::swap(spec.min, spec.max);
  bool wrong;
  ZSetObject* z = ReadZSet(ctx, ctx.argv[2], &wrong);
  if (wrong) return;
  std::vector<std::pair<std::string, double>> items;
  if (!CollectRange(ctx, z, spec, &items)) return;
  StoreResult(ctx, ctx.argv[1], items, "zrangestore");
}

// ---- removals ----

void CmdZRem(CommandContext& ctx) {
  std::string_view key = ctx.argv[1];
  KeyLoc loc = ctx.Locate(key);
  bool wrong;
  ZSetObject* z = FindZSet(loc, key, ctx.now_ms, false, &wrong);
  if (wrong) return ctx.Error(errors::kWrongType);
  if (z == nullptr) return ctx.reply.Integer(0);
  int64_t removed = 0;
  for (size_t i = 2; i < ctx.argv.size() && !z->empty(); ++i) removed += z->Remove(ctx.argv[i]) ? 1 : 0;
  if (removed > 0) AfterRemove(ctx, loc, key, z, "zrem");
  ctx.reply.Integer(removed);
}

void RemRangeGeneric(CommandContext& ctx, RangeBy by) {
  RangeSpec spec;
  spec.by = by;
  spec.min = ctx.argv[2];
  spec.max = ctx.argv[3];
  std::string_view key = ctx.argv[1];
  // Arguments are checked before the key, as in Redis.
  if (by == RangeBy::kRank) {
    int64_t a, b;
    if (!ParseInt64Arg(spec.min, &a) || !ParseInt64Arg(spec.max, &b)) return ctx.Error(errors::kNotInteger);
  } else if (by == RangeBy::kScore) {
    ScoreRange r;
    if (!ParseScoreRange(spec.min, spec.max, &r)) return ctx.Error(kMinMaxNotFloat);
  } else {
    LexRange r;
    bool empty;
    if (!ParseLexRange(spec.min, spec.max, &r, &empty)) return ctx.Error(kLexRangeError);
  }
  KeyLoc loc = ctx.Locate(key);
  bool wrong;
  ZSetObject* z = FindZSet(loc, key, ctx.now_ms, false, &wrong);
  if (wrong) return ctx.Error(errors::kWrongType);
  std::vector<std::pair<std::string, double>> items;
  if (!CollectRange(ctx, z, spec, &items)) return;
  for (const auto& [m, s] : items) z->Remove(m);
  if (!items.empty()) {
    constexpr std::string_view kEvents[] = {"zremrangebyrank", "zremrangebyscore", "zremrangebylex"};  // by RangeBy
    AfterRemove(ctx, loc, key, z, kEvents[static_cast<int>(by)]);
  }
  ctx.reply.Integer(static_cast<int64_t>(items.size()));
}
void CmdZRemRangeByRank(CommandContext& ctx) { RemRangeGeneric(ctx, RangeBy::kRank); }
void CmdZRemRangeByScore(CommandContext& ctx) { RemRangeGeneric(ctx, RangeBy::kScore); }
void CmdZRemRangeByLex(CommandContext& ctx) { RemRangeGeneric(ctx, RangeBy::kLex); }

// ---- pops ----

// Pops up to count from the low (or high) end of key's set; nullptr/empty when none.
std::vector<std::pair<std::string, double>> PopSome(CommandContext& ctx, const KeyLoc& loc, std::string_view key,
                                                    ZSetObject* z, bool highest, int64_t count) {
  std::vector<std::pair<std::string, double>> out;
  while (count-- > 0 && !z->empty()) {
    z->PopEdge(highest, [&](std::string_view m, double s) { out.emplace_back(std::string(m), s); });
  }
  if (!out.empty()) AfterRemove(ctx, loc, key, z, highest ? "zpopmax" : "zpopmin");
  return out;
}

void PopGeneric(CommandContext& ctx, bool highest) {
  if (ctx.argv.size() > 3) return ctx.Error(errors::kSyntax);
  const bool has_count = ctx.argv.size() == 3;
  int64_t count = 1;
  if (has_count) {
    if (!ParseInt64Arg(ctx.argv[2], &count)) return ctx.Error(errors::kNotInteger);
    if (count < 0) return ctx.Error(errors::kOutOfRangePositive);
  }
  std::string_view key = ctx.argv[1];
  KeyLoc loc = ctx.Locate(key);
  bool wrong;
  ZSetObject* z = FindZSet(loc, key, ctx.now_ms, false, &wrong);
  if (wrong) return ctx.Error(errors::kWrongType);
  std::vector<std::pair<std::string, double>> items;
  if (z != nullptr) items = PopSome(ctx, loc, key, z, highest, count);
  auto& r = ctx.reply;
  if (has_count && r.resp() >= 3) {  // RESP3 with a count: pairs
    r.ArrayHeader(items.size());
    for (auto& [m, s] : items) {
      r.ArrayHeader(2);
      r.Bulk(m);
      r.Double(s);
    }
    return;
  }
  r.ArrayHeader(items.size() * 2);
  for (auto& [m, s] : items) {
    r.Bulk(m);
    r.Double(s);
  }
}
void CmdZPopMin(CommandContext& ctx) { PopGeneric(ctx, false); }
void CmdZPopMax(CommandContext& ctx) { PopGeneric(ctx, true); }

// [key, [[member, score], ...]] in RESP2 and RESP3 alike, as Redis 7.0.
void ReplyMPop(CommandContext& ctx, std::string_view key, const std::vector<std::pair<std::string, double>>& items) {
  auto& r = ctx.reply;
  r.ArrayHeader(2);
  r.Bulk(key);
  r.ArrayHeader(items.size());
  for (const auto& [m, s] : items) {
    r.ArrayHeader(2);
    r.Bulk(m);
    r.Double(s);
  }
}

// How a pop from one of several keys replies: BZPOPMIN's [key, member,
// score] (count 1) or ZMPOP's [key, [[member, score], ...]].
enum class PopReply { kKeyMemberScore, kKeyAndItems };

// Pops from the first of `keys` holding a sorted set (after the woken key,
// when a blocked client reruns); with a deadline, blocks (BlockOn) while none
// does; else replies the null array. A key of another type is an error,
// except on a rerun: a blocked client is only served from a sorted set.
void PopFirstOrBlock(CommandContext& ctx, absl::Span<const std::string_view> keys, bool highest,
                     size_t count, PopReply shape, std::optional<int64_t> deadline) {
  const std::string_view woken = deadline ? WokenKey(ctx) : std::string_view();
  const bool rerun = !woken.empty();
  auto try_key = [&](std::string_view key) -> bool {  // true when it replied
    KeyLoc loc = ctx.Locate(key);
    bool wrong;
    ZSetObject* z = FindZSet(loc, key, ctx.now_ms, false, &wrong);
    if (wrong) {
      if (rerun) return false;
      ctx.Error(errors::kWrongType);
      return true;
    }
    if (z == nullptr) return false;
    auto items = PopSome(ctx, loc, key, z, highest, count);
    if (shape == PopReply::kKeyAndItems) {
      ReplyMPop(ctx, key, items);
    } else {
      ctx.reply.ArrayHeader(3);
      ctx.reply.Bulk(key);
      ctx.reply.Bulk(items[0].first);
      ctx.reply.Double(items[0].second);
    }
    if (rerun) {  // more left: the next waiter's turn
      bool w2;
      if (FindZSet(loc, key, ctx.now_ms, true, &w2) != nullptr) SignalKeyReady(ctx, loc, key, 1);
    }
    return true;
  };
  if (rerun && try_key(woken)) return;
  for (std::string_view key : keys)
    if (try_key(key)) return;
  if (deadline && BlockOn(ctx, keys, *deadline)) return;
  ctx.reply.NullArray();
}

// BZPOPMIN/BZPOPMAX key [key ...] timeout → [key, member, score].
void BlockingPop(CommandContext& ctx, bool highest) {
  int64_t deadline;
  if (!ParseBlockTimeout(ctx, ctx.argv.back(), &deadline)) return;
  PopFirstOrBlock(ctx, ctx.argv.subspan(1, ctx.argv.size() - 2), highest, 1, PopReply::kKeyMemberScore, deadline);
}
void CmdBZPopMin(CommandContext& ctx) { BlockingPop(ctx, false); }
void CmdBZPopMax(CommandContext& ctx) { BlockingPop(ctx, true); }

// ---- ZUNION ZINTER ZDIFF, their STORE forms, ZINTERCARD ----
//
// One parser and one computation for all seven (Redis's
// zunionInterDiffGenericCommand): the inputs are read (and WRONGTYPE
// answered) before the options are parsed, as in Redis; sets count as sorted
// sets whose members score 1.

enum class SetOp { kUnion, kInter, kDiff };
enum class Aggregate { kSum, kMin, kMax };

// Redis's zunionInterAggregate: a NaN sum (inf + -inf) becomes 0; MIN/MAX keep
// the target when val is NaN (a 0 * inf weight).
void AggregateInto(Aggregate agg, double* target, double val) {
  switch (agg) {
    case Aggregate::kSum:
      *target += val;
      if (std::isnan(*target)) *target = 0.0;
      return;
    case Aggregate::kMin: *target = val < *target ? val : *target; return;
    case Aggregate::kMax: *target = val > *target ? val : *target; return;
  }
}

// An input: a sorted set, or a set (every member scores 1), or missing (empty).
struct SetOpInput {
  const ZSetObject* z = nullptr;
  const SetObject* s = nullptr;
  double weight = 1.0;
  size_t size() const { return z ? z->size() : s ? s->size() : 0; }
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    if (z) z->ForEach([&](std::string_view m, double sc) { fn(m, sc); });
    else if (s) s->ForEach([&](std::string_view m) { fn(m, 1.0); });
  }
  bool Score(std::string_view m, double* out) const {
    if (z) return z->Score(m, out);
    if (s && s->Contains(m)) return *out = 1.0, true;
    return false;
  }
};

struct SetOpSpec {
  SetOp op = SetOp::kUnion;
  bool store = false;      // argv[1] is the destination (the *STORE forms)
  bool card_only = false;  // ZINTERCARD
};

// The members of the result with their scores, in no particular order; for
// card_only only *card is computed (stopping at limit when limit > 0).
void ComputeSetOp(SetOp op, std::vector<SetOpInput> in, Aggregate agg, bool card_only, int64_t limit,
                  std::vector<std::pair<std::string, double>>* out, int64_t* card) {
  *card = 0;
  if (op == SetOp::kDiff) {  // the first input's members found in no other, with their own scores
    in[0].ForEach([&](std::string_view m, double s) {
      double ignored;
      for (size_t k = 1; k < in.size(); ++k)
        if (in[k].Score(m, &ignored)) return;
      out->emplace_back(std::string(m), s);
    });
    return;
  }
  // Smallest first, as Redis orders them (so sums add up in Redis's order).
  std::stable_sort(in.begin(), in.end(),
                   [](const SetOpInput& a, const SetOpInput& b) { return a.size() < b.size(); });
  if (op == SetOp::kInter) {
    if (in[0].size() == 0) return;
    bool stop = false;
    in[0].ForEach([&](std::string_view m, double s0) {
      if (stop) return;
      double score = in[0].weight * s0;
      if (std::isnan(score)) score = 0;
      for (size_t k = 1; k < in.size(); ++k) {
        double v;
        if (!in[k].Score(m, &v)) return;
        AggregateInto(agg, &score, v * in[k].weight);
      }
      if (card_only) {
        ++*card;
        if (limit > 0 && *card >= limit) stop = true;
        return;
      }
      out->emplace_back(std::string(m), score);
    });
    return;
  }
  absl::flat_hash_map<std::string, double> acc;
  for (const SetOpInput& input : in) {
    input.ForEach([&](std::string_view m, double s) {
      double v = input.weight * s;
      if (std::isnan(v)) v = 0;
      auto [it, inserted] = acc.emplace(std::string(m), v);
      if (!inserted) AggregateInto(agg, &it->second, v);
    });
  }
  out->assign(std::make_move_iterator(acc.begin()), std::make_move_iterator(acc.end()));
}

// ZUNION/ZINTER/ZDIFF numkeys key... [WEIGHTS w...] [AGGREGATE SUM|MIN|MAX] [WITHSCORES],
// ZUNIONSTORE/ZINTERSTORE/ZDIFFSTORE dst numkeys key... [...], ZINTERCARD numkeys key... [LIMIT n].
// The rows' numkeys spec (command.h) has the dispatcher lock the keys when
// numkeys is a valid count; otherwise the checks below reply before any key
// is touched.
void SetOpGeneric(CommandContext& ctx, SetOpSpec spec) {
  const size_t numkeys_idx = spec.store ? 2 : 1;
  int64_t numkeys;
  if (!ParseInt64Arg(ctx.argv[numkeys_idx], &numkeys)) return ctx.Error(errors::kNotInteger);
  if (numkeys < 1) {
    return ctx.Error("ERR at least 1 input key is needed for '" + std::string(ctx.command.full_name()) +
                     "' command");
  }
  if (numkeys > static_cast<int64_t>(ctx.argv.size() - numkeys_idx - 1)) return ctx.Error(errors::kSyntax);
  const size_t n = static_cast<size_t>(numkeys);
  auto keys = ctx.argv.subspan(numkeys_idx + 1, n);

  std::vector<SetOpInput> inputs(n);
  for (size_t k = 0; k < n; ++k) {
    KeyLoc loc = ctx.Locate(keys[k]);
    // As Redis 7.0 (keyspace hits/misses, keymiss events), the STORE forms too.
    Entry* e = loc->FindRead(keys[k], loc.hash, ctx.now_ms);
    if (e == nullptr) continue;
    if (ZSetObject* z = AsZSet(e->value)) inputs[k].z = z;
    else if (SetObject* s = AsSet(e->value)) inputs[k].s = s;
    else return ctx.Error(errors::kWrongType);
  }

  Aggregate agg = Aggregate::kSum;
  bool withscores = false;
  int64_t limit = 0;
  const bool weighable = spec.op != SetOp::kDiff && !spec.card_only;
  for (size_t i = numkeys_idx + 1 + n; i < ctx.argv.size(); ++i) {
    const size_t remaining = ctx.argv.size() - i;
    std::string_view a = ctx.argv[i];
    if (weighable && remaining >= n + 1 && EqualsIgnoreCase(a, "weights")) {
      for (size_t k = 0; k < n; ++k)
        if (!ParseDouble(ctx.argv[i + 1 + k], &inputs[k].weight)) return ctx.Error("ERR weight value is not a float");
      i += n;
    } else if (weighable && remaining >= 2 && EqualsIgnoreCase(a, "aggregate")) {
      std::string_view v = ctx.argv[++i];
      if (EqualsIgnoreCase(v, "sum")) agg = Aggregate::kSum;
      else if (EqualsIgnoreCase(v, "min")) agg = Aggregate::kMin;
      else if (EqualsIgnoreCase(v, "max")) agg = Aggregate::kMax;
      else return ctx.Error(errors::kSyntax);
    } else if (!spec.store && !spec.card_only && EqualsIgnoreCase(a, "withscores")) {
      withscores = true;
    } else if (spec.card_only && remaining >= 2 && EqualsIgnoreCase(a, "limit")) {
      if (!ParseInt64Arg(ctx.argv[++i], &limit) || limit < 0) return ctx.Error("ERR LIMIT can't be negative");
    } else {
      return ctx.Error(errors::kSyntax);
    }
  }

  std::vector<std::pair<std::string, double>> items;
  int64_t card = 0;
  ComputeSetOp(spec.op, std::move(inputs), agg, spec.card_only, limit, &items, &card);
  if (spec.card_only) return ctx.reply.Integer(card);
  if (spec.store) {
    constexpr std::string_view kEvents[] = {"zunionstore", "zinterstore", "zdiffstore"};
    return StoreResult(ctx, ctx.argv[1], items, kEvents[static_cast<int>(spec.op)]);
  }
  // In the set's own order: by score, then member bytes.
  std::sort(items.begin(), items.end(), [](const auto& a, const auto& b) {
    return a.second < b.second || (a.second == b.second && a.first < b.first);
  });
  RangeReply reply(ctx, withscores);
  reply.items() = std::move(items);
  reply.Send();
}
void CmdZUnion(CommandContext& ctx) { SetOpGeneric(ctx, {SetOp::kUnion, false, false}); }
void CmdZInter(CommandContext& ctx) { SetOpGeneric(ctx, {SetOp::kInter, false, false}); }
void CmdZDiff(CommandContext& ctx) { SetOpGeneric(ctx, {SetOp::kDiff, false, false}); }
void CmdZUnionStore(CommandContext& ctx) { SetOpGeneric(ctx, {SetOp::kUnion, true, false}); }
void CmdZInterStore(CommandContext& ctx) { SetOpGeneric(ctx, {SetOp::kInter, true, false}); }
void CmdZDiffStore(CommandContext& ctx) { SetOpGeneric(ctx, {SetOp::kDiff, true, false}); }
void CmdZInterCard(CommandContext& ctx) { SetOpGeneric(ctx, {SetOp::kInter, false, true}); }

// ---- ZRANDMEMBER ----

// ZRANDMEMBER key [count [WITHSCORES]] (Redis's zrandmemberWithCountCommand):
// a negative count may repeat members; a count reaching the set's size
// answers the whole set, highest first (Redis walks it from the tail).
void CmdZRandMember(CommandContext& ctx) {
  auto& r = ctx.reply;
  if (ctx.argv.size() == 2) {
    bool wrong;
    ZSetObject* z = ReadZSet(ctx, ctx.argv[1], &wrong);
    if (wrong) return;
    if (z == nullptr) return r.Null();
    const size_t rank = ctx.engine.Random() % z->size();
    z->ForRankRange(rank, rank, false, [&](std::string_view m, double) { r.Bulk(m); });
    return;
  }
  int64_t count;
  if (!ParseInt64Arg(ctx.argv[2], &count)) return ctx.Error(errors::kNotInteger);
  if (count == INT64_MIN) return ctx.Error(errors::kOutOfRangeLong);
  bool withscores = false;
  if (ctx.argv.size() > 4 || (ctx.argv.size() == 4 && !EqualsIgnoreCase(ctx.argv[3], "withscores")))
    return ctx.Error(errors::kSyntax);
  if (ctx.argv.size() == 4) {
    withscores = true;
    if (count < -INT64_MAX / 2 || count > INT64_MAX / 2) return ctx.Error(errors::kOutOfRange);
  }
  bool wrong;
  ZSetObject* z = ReadZSet(ctx, ctx.argv[1], &wrong);
  if (wrong) return;
  if (z == nullptr || count == 0) return r.EmptyArray();
  const bool pairs3 = withscores && r.resp() >= 3;
  auto header = [&](size_t k) { r.ArrayHeader(withscores && !pairs3 ? 2 * k : k); };
  auto emit = [&](std::string_view m, double s) {
    if (pairs3) r.ArrayHeader(2);
    r.Bulk(m);
    if (withscores) r.Double(s);
  };
  const size_t size = z->size();
  if (count < -kMaxRepeatedCount) return ctx.Error(errors::kOutOfRange);  // see args.h
  if (count > 0 && static_cast<uint64_t>(count) >= size) {  // the whole set
    header(size);
    z->ForRankRange(0, size - 1, true, emit);
    return;
  }
  // A snapshot of the members (views into the set, which nothing changes meanwhile).
  std::vector<std::pair<std::string_view, double>> all;
  all.reserve(size);
  z->ForEach([&](std::string_view m, double s) { all.emplace_back(m, s); });
  if (count < 0) {  // with repetitions
    const uint64_t k = static_cast<uint64_t>(-count);
    header(k);
    for (uint64_t i = 0; i < k; ++i) {
      const auto& [m, s] = all[ctx.engine.Random() % size];
      emit(m, s);
    }
    return;
  }
  // Distinct members: a partial Fisher-Yates shuffle.
  const size_t k = static_cast<size_t>(count);
  header(k);
  for (size_t i = 0; i < k; ++i) {
    std::swap(all[i], all[i + ctx.engine.Random() % (size - i)]);
    emit(all[i].first, all[i].second);
  }
}

// ---- ZMPOP / BZMPOP ----

// ZMPOP numkeys key... MIN|MAX [COUNT n]: pops from the first key that exists
// (WRONGTYPE when that one is not a sorted set); the null array when none does.
void CmdZMPop(CommandContext& ctx) {
  MPopArgs args;
  std::string_view error;
  if (!ParseMPopArgs(ctx.argv, 1, "min", "max", &args, &error)) return ctx.Error(error);
  // The keys are locked by the dispatcher (numkeys spec).
  PopFirstOrBlock(ctx, args.keys, args.second, args.count, PopReply::kKeyAndItems, std::nullopt);
}

// BZMPOP timeout numkeys key... MIN|MAX [COUNT n]: ZMPOP that blocks (as
// BZPOPMIN does) while none of the keys exists. The timeout is checked after
// the other arguments, as in Redis.
void CmdBZMPop(CommandContext& ctx) {
  MPopArgs args;
  std::string_view error;
  if (!ParseMPopArgs(ctx.argv, 2, "min", "max", &args, &error)) return ctx.Error(error);
  int64_t deadline;
  if (!ParseBlockTimeout(ctx, ctx.argv[1], &deadline)) return;
  PopFirstOrBlock(ctx, args.keys, args.second, args.count, PopReply::kKeyAndItems, deadline);
}

// ---- ZSCAN ----

std::string FormatScore(double d) {
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  char buf[64];
  int n = std::snprintf(buf, sizeof(buf), "%.17g", d);
  return std::string(buf, static_cast<size_t>(n));
}

void CmdZScan(CommandContext& ctx) {
  ScanArgs args;
  if (!ParseScanArgs(ctx, &args)) return;
  bool wrong;
  ZSetObject* z = ReadZSet(ctx, ctx.argv[1], &wrong);
  if (wrong) return;
  std::vector<std::pair<uint64_t, std::pair<std::string, double>>> items;
  uint64_t next = 0;
  if (z != nullptr) {
    const bool whole = z->encoding() == Encoding::kListpack;
    z->ForEach([&](std::string_view m, double s) {
      uint64_t pos = whole ? 0 : ScanPosition(m);
      if (whole || pos >= args.cursor) items.push_back({pos, {std::string(m), s}});
    });
    if (!whole) next = SelectScanWindow(items, args.count);
  }
  size_t matched = 0;
  for (const auto& it : items) matched += ScanMatches(args, it.second.first) ? 1 : 0;
  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(std::to_string(next));
  ctx.reply.ArrayHeader(matched * 2);
  for (const auto& it : items) {
    if (!ScanMatches(args, it.second.first)) continue;
    ctx.reply.Bulk(it.second.first);
    ctx.reply.Bulk(FormatScore(it.second.second));
  }
}

}  // namespace

void RegisterZSetFamily(CommandTable& t) {
  constexpr uint32_t kW = kWrite | kDenyOom;
  constexpr uint32_t kR = kReadOnly;
  t.Register({"zadd", -4, kW | kFast, 1, 1, 1, CmdZAdd, "@write @sortedset @fast", "sorted-set", "1.2.0"});
  t.Register({"zincrby", 4, kW | kFast, 1, 1, 1, CmdZIncrBy, "@write @sortedset @fast", "sorted-set", "1.2.0"});
  t.Register({"zscore", 3, kR | kFast, 1, 1, 1, CmdZScore, "@read @sortedset @fast", "sorted-set", "1.2.0"});
  t.Register({"zmscore", -3, kR | kFast, 1, 1, 1, CmdZMScore, "@read @sortedset @fast", "sorted-set", "6.2.0"});
  t.Register({"zcard", 2, kR | kFast, 1, 1, 1, CmdZCard, "@read @sortedset @fast", "sorted-set", "1.2.0"});
  t.Register({"zcount", 4, kR | kFast, 1, 1, 1, CmdZCount, "@read @sortedset @fast", "sorted-set", "2.0.0"});
  t.Register({"zlexcount", 4, kR | kFast, 1, 1, 1, CmdZLexCount, "@read @sortedset @fast", "sorted-set", "2.8.9"});
  t.Register({"zrank", 3, kR | kFast, 1, 1, 1, CmdZRank, "@read @sortedset @fast", "sorted-set", "2.0.0"});
  t.Register({"zrevrank", 3, kR | kFast, 1, 1, 1, CmdZRevRank, "@read @sortedset @fast", "sorted-set", "2.0.0"});
  t.Register({"zrange", -4, kR, 1, 1, 1, CmdZRange, "@read @sortedset @slow", "sorted-set", "1.2.0"});
  t.Register({"zrevrange", -4, kR, 1, 1, 1, CmdZRevRange, "@read @sortedset @slow", "sorted-set", "1.2.0", 0, "6.2.0",
              "`ZRANGE` with the `REV` argument"});
  t.Register({"zrangebyscore", -4, kR, 1, 1, 1, CmdZRangeByScore, "@read @sortedset @slow", "sorted-set",
              "1.0.5", 0, "6.2.0",
              "`ZRANGE` with the `BYSCORE` argument"});
  t.Register({"zrevrangebyscore", -4, kR, 1, 1, 1, CmdZRevRangeByScore, "@read @sortedset @slow", "sorted-set",
              "2.2.0", 0, "6.2.0",
              "`ZRANGE` with the `REV` and `BYSCORE` arguments"});
  t.Register({"zrangebylex", -4, kR, 1, 1, 1, CmdZRangeByLex, "@read @sortedset @slow", "sorted-set",
              "2.8.9", 0, "6.2.0",
              "`ZRANGE` with the `BYLEX` argument"});
  t.Register({"zrevrangebylex", -4, kR, 1, 1, 1, CmdZRevRangeByLex, "@read @sortedset @slow", "sorted-set",
              "2.8.9", 0, "6.2.0",
              "`ZRANGE` with the `REV` and `BYLEX` arguments"});
  t.Register({"zrangestore", -5, kW, 1, 2, 1, CmdZRangeStore, "@write @sortedset @slow", "sorted-set", "6.2.0"});
  t.Register({"zrem", -3, kWrite | kFast, 1, 1, 1, CmdZRem, "@write @sortedset @fast", "sorted-set", "1.2.0"});
  t.Register({"zremrangebyrank", 4, kWrite, 1, 1, 1, CmdZRemRangeByRank, "@write @sortedset @slow", "sorted-set",
              "2.0.0"});
  t.Register({"zremrangebyscore", 4, kWrite, 1, 1, 1, CmdZRemRangeByScore, "@write @sortedset @slow", "sorted-set",
              "1.2.0"});
  t.Register({"zremrangebylex", 4, kWrite, 1, 1, 1, CmdZRemRangeByLex, "@write @sortedset @slow", "sorted-set",
              "2.8.9"});
  t.Register({"zpopmin", -2, kWrite | kFast, 1, 1, 1, CmdZPopMin, "@write @sortedset @fast", "sorted-set", "5.0.0"});
  t.Register({"zpopmax", -2, kWrite | kFast, 1, 1, 1, CmdZPopMax, "@write @sortedset @fast", "sorted-set", "5.0.0"});
  t.Register({"bzpopmin", -3, kWrite | kNoScript | kFast | kBlocking, 1, -2, 1, CmdBZPopMin,
              "@write @sortedset @fast @blocking", "sorted-set", "5.0.0"});
  t.Register({"bzpopmax", -3, kWrite | kNoScript | kFast | kBlocking, 1, -2, 1, CmdBZPopMax,
              "@write @sortedset @fast @blocking", "sorted-set", "5.0.0"});
  // Keys counted by numkeys (the last field: argv[numkeys_at] counts the keys
  // after it; command.h): as Redis, the triple is 0 0 0, or the destination
  // only, and COMMAND INFO says "movablekeys". The dispatcher locks them all.
  t.Register({"zunionstore", -4, kW, 1, 1, 1, CmdZUnionStore, "@write @sortedset @slow", "sorted-set", "2.0.0", 2});
  t.Register({"zinterstore", -4, kW, 1, 1, 1, CmdZInterStore, "@write @sortedset @slow", "sorted-set", "2.0.0", 2});
  t.Register({"zunion", -3, kR, 0, 0, 0, CmdZUnion, "@read @sortedset @slow", "sorted-set", "6.2.0", 1});
  t.Register({"zinter", -3, kR, 0, 0, 0, CmdZInter, "@read @sortedset @slow", "sorted-set", "6.2.0", 1});
  t.Register({"zdiff", -3, kR, 0, 0, 0, CmdZDiff, "@read @sortedset @slow", "sorted-set", "6.2.0", 1});
  t.Register({"zdiffstore", -4, kW, 1, 1, 1, CmdZDiffStore, "@write @sortedset @slow", "sorted-set", "6.2.0", 2});
  t.Register({"zintercard", -3, kR, 0, 0, 0, CmdZInterCard, "@read @sortedset @slow", "sorted-set", "7.0.0", 1});
  t.Register({"zrandmember", -2, kR, 1, 1, 1, CmdZRandMember, "@read @sortedset @slow", "sorted-set", "6.2.0"});
  t.Register({"zmpop", -4, kWrite, 0, 0, 0, CmdZMPop, "@write @sortedset @slow", "sorted-set", "7.0.0", 1});
  // A woken blocked client is re-run with the same keys locked (blocking.cc
  // walks the row's key specs too).
  t.Register({"bzmpop", -5, kWrite | kBlocking, 0, 0, 0, CmdBZMPop, "@write @sortedset @slow @blocking",
              "sorted-set", "7.0.0", 2});
  t.Register({"zscan", -3, kR, 1, 1, 1, CmdZScan, "@read @sortedset @slow", "sorted-set", "2.8.0"});
}

}  // namespace stockd::engine
