// engine/set_family.cc — the set commands (Redis's t_set.c): SADD SREM
// SISMEMBER SMISMEMBER SMEMBERS SCARD SPOP SRANDMEMBER SMOVE SINTER SUNION
// SDIFF SINTERSTORE SUNIONSTORE SDIFFSTORE SINTERCARD SSCAN.
//
// Sets are engine/types/set.h (intset / hashtable as Redis 7.0). A set
// emptied by SREM/SPOP/SMOVE is deleted; a *STORE with an empty result
// deletes its destination. RESP3: SMEMBERS, SINTER/SUNION/SDIFF and SPOP with
// a count reply sets; SRANDMEMBER with a count replies an array (as Redis).
#include <algorithm>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "engine/args.h"
#include "engine/command_context.h"
#include "engine/engine.h"
#include "engine/errors.h"
#include "engine/op_status.h"
#include "engine/types/scan.h"
#include "engine/types/set.h"

namespace stockd::engine {
namespace {


// The set at key: nullptr when missing; *wrong when another type.
SetObject* FindSet(const KeyLoc& loc, std::string_view key, int64_t now_ms, bool read, bool* wrong) {
  Entry* e = read ? loc->FindRead(key, loc.hash, now_ms) : loc->FindWrite(key, loc.hash, now_ms);
  *wrong = false;
  if (e == nullptr) return nullptr;
  SetObject* s = AsSet(e->value);
  if (s == nullptr) *wrong = true;
  return s;
}

// After removals by `event` ("srem", "spop"): deletes the key when the set
// became empty, else records it; then announces the event, and "del" for an
// emptied key, as Redis does.
void AfterRemove(CommandContext& ctx, const KeyLoc& loc, std::string_view key, SetObject* s,
                 std::string_view event) {
  const bool emptied = s->empty();
  if (emptied) {
    loc->Delete(key, loc.hash, ctx.now_ms);
  } else {
    loc->NoteChanged(key, loc.hash);
  }
  ctx.Notify(notify::kSet, event, key);
  if (emptied) ctx.Notify(notify::kGeneric, "del", key);
}

void CmdSAdd(CommandContext& ctx) {
  std::string_view key = ctx.argv[1];
  KeyLoc loc = ctx.Locate(key);
  bool wrong;
  SetObject* s = FindSet(loc, key, ctx.now_ms, false, &wrong);
  if (wrong) return ctx.Error(errors::kWrongType);
  std::unique_ptr<SetObject> fresh;
  if (s == nullptr) {
    fresh = SetObject::ForFirst(ctx.argv[2]);
    s = fresh.get();
  }
  int64_t added = 0;
  for (size_t i = 2; i < ctx.argv.size(); ++i) added += s->Add(ctx.argv[i]) ? 1 : 0;
  if (fresh) {
    loc->Set(key, loc.hash, Value::FromObject(std::move(fresh)));
  } else if (added > 0) {
    loc->NoteChanged(key, loc.hash);
  }
  if (added > 0) ctx.Notify(notify::kSet, "sadd", key);
  ctx.reply.Integer(added);
}

void CmdSRem(CommandContext& ctx) {
  std::string_view key = ctx.argv[1];
  KeyLoc loc = ctx.Locate(key);
  bool wrong;
  SetObject* s = FindSet(loc, key, ctx.now_ms, false, &wrong);
  if (wrong) return ctx.Error(errors::kWrongType);
  if (s == nullptr) return ctx.reply.Integer(0);
  int64_t removed = 0;
  for (size_t i = 2; i < ctx.argv.size() && !s->empty(); ++i) removed += s->Remove(ctx.argv[i]) ? 1 : 0;
  if (removed > 0) AfterRemove(ctx, loc, key, s, "srem");
  ctx.reply.Integer(removed);
}

// The set for a read command; replies WRONGTYPE (then *wrong is set).
SetObject* ReadSet(CommandContext& ctx, std::string_view key, bool* wrong) {
  KeyLoc loc = ctx.Locate(key);
  SetObject* s = FindSet(loc, key, ctx.now_ms, true, wrong);
  if (*wrong) ctx.Error(errors::kWrongType);
  return s;
}

void CmdSIsMember(CommandContext& ctx) {
  bool wrong;
  SetObject* s = ReadSet(ctx, ctx.argv[1], &wrong);
  if (wrong) return;
  ctx.reply.Integer(s != nullptr && s->Contains(ctx.argv[2]) ? 1 : 0);
}

void CmdSMIsMember(CommandContext& ctx) {
  bool wrong;
  SetObject* s = ReadSet(ctx, ctx.argv[1], &wrong);
  if (wrong) return;
  ctx.reply.ArrayHeader(ctx.argv.size() - 2);
  for (size_t i = 2; i < ctx.argv.size(); ++i) {
    ctx.reply.Integer(s != nullptr && s->Contains(ctx.argv[i]) ? 1 : 0);
  }
}

void CmdSCard(CommandContext& ctx) {
  bool wrong;
  SetObject* s = ReadSet(ctx, ctx.argv[1], &wrong);
  if (wrong) return;
  ctx.reply.Integer(s == nullptr ? 0 : static_cast<int64_t>(s->size()));
}

void CmdSMembers(CommandContext& ctx) {
  bool wrong;
  SetObject* s = ReadSet(ctx, ctx.argv[1], &wrong);
  if (wrong) return;
  ctx.reply.SetHeader(s == nullptr ? 0 : s->size());
  if (s != nullptr) s->ForEach([&](std::string_view m) { ctx.reply.Bulk(m); });
}

void CmdSPop(CommandContext& ctx) {
  if (ctx.argv.size() > 3) return ctx.Error(errors::kSyntax);
  const bool has_count = ctx.argv.size() == 3;
  int64_t count = 1;
  if (has_count && (!ParseInt64Arg(ctx.argv[2], &count) || count < 0)) {
    return ctx.Error(errors::kOutOfRangePositive);
  }
  std::string_view key = ctx.argv[1];
  KeyLoc loc = ctx.Locate(key);
  bool wrong;
  SetObject* s = FindSet(loc, key, ctx.now_ms, false, &wrong);
  if (wrong) return ctx.Error(errors::kWrongType);
  if (s == nullptr) return has_count ? ctx.reply.SetHeader(0) : ctx.reply.Null();
  char buf[kIntBufferSize];
  if (!has_count) {
    const size_t i = ctx.engine.Random() % s->size();
    ctx.reply.Bulk(s->At(i, buf));
    s->RemoveAt(i);
    AfterRemove(ctx, loc, key, s, "spop");
    return;
  }
  if (count == 0) return ctx.reply.SetHeader(0);
  if (static_cast<uint64_t>(count) >= s->size()) {  // the whole set, then the key goes
    ctx.reply.SetHeader(s->size());
    s->ForEach([&](std::string_view m) { ctx.reply.Bulk(m); });
    loc->Delete(key, loc.hash, ctx.now_ms);
    ctx.Notify(notify::kSet, "spop", key);
    ctx.Notify(notify::kGeneric, "del", key);
    return;
  }
  ctx.reply.SetHeader(static_cast<size_t>(count));
  for (int64_t k = 0; k < count; ++k) {
    const size_t i = ctx.engine.Random() % s->size();
    ctx.reply.Bulk(s->At(i, buf));
    s->RemoveAt(i);
  }
  loc->NoteChanged(key, loc.hash);
  ctx.Notify(notify::kSet, "spop", key);
}

void CmdSRandMember(CommandContext& ctx) {
  if (ctx.argv.size() > 3) return ctx.Error(errors::kSyntax);
  const bool has_count = ctx.argv.size() == 3;
  int64_t count = 0;
  if (has_count) {
    if (!ParseInt64Arg(ctx.argv[2], &count)) return ctx.Error(errors::kNotInteger);
    if (count == INT64_MIN) return ctx.Error(errors::kOutOfRangeLong);
  }
  bool wrong;
  SetObject* s = ReadSet(ctx, ctx.argv[1], &wrong);
  if (wrong) return;
  char buf[kIntBufferSize];
  if (!has_count) {
    if (s == nullptr) return ctx.reply.Null();
    return ctx.reply.Bulk(s->At(ctx.engine.Random() % s->size(), buf));
  }
  if (s == nullptr || count == 0) return ctx.reply.EmptyArray();
  const size_t size = s->size();
  if (count < 0) {  // with repetitions
    if (count < -kMaxRepeatedCount) return ctx.Error(errors::kOutOfRange);
    const size_t n = static_cast<size_t>(-count);
    ctx.reply.ArrayHeader(n);
    for (size_t i = 0; i < n; ++i) ctx.reply.Bulk(s->At(ctx.engine.Random() % size, buf));
    return;
  }
  const size_t n = static_cast<size_t>(count);
  if (n >= size) {
    ctx.reply.ArrayHeader(size);
    s->ForEach([&](std::string_view m) { ctx.reply.Bulk(m); });
    return;
  }
  ctx.reply.ArrayHeader(n);
  if (n * 3 < size) {
    // Few of many (Redis's case 4): draw positions, rejecting repeats; O(n).
    absl::flat_hash_set<size_t> chosen;
    chosen.reserve(n);
    while (chosen.size() < n) {
      const size_t i = ctx.engine.Random() % size;
      if (chosen.insert(i).second) ctx.reply.Bulk(s->At(i, buf));
    }
    return;
  }
  // Most of them: a partial Fisher-Yates shuffle of positions.
  std::vector<uint32_t> pos(size);
  for (size_t i = 0; i < size; ++i) pos[i] = static_cast<uint32_t>(i);
  for (size_t i = 0; i < n; ++i) {
    const size_t j = i + ctx.engine.Random() % (size - i);
    std::swap(pos[i], pos[j]);
    ctx.reply.Bulk(s->At(pos[i], buf));
  }
}

void CmdSMove(CommandContext& ctx) {
  std::string_view src = ctx.argv[1], dst = ctx.argv[2], member = ctx.argv[3];
  KeyLoc sloc = ctx.Locate(src), dloc = ctx.Locate(dst);
  bool wrong;
  SetObject* s = FindSet(sloc, src, ctx.now_ms, false, &wrong);
  if (wrong) return ctx.Error(errors::kWrongType);
  if (s == nullptr) return ctx.reply.Integer(0);
  SetObject* d = FindSet(dloc, dst, ctx.now_ms, false, &wrong);
  if (wrong) return ctx.Error(errors::kWrongType);
  if (src == dst) return ctx.reply.Integer(s->Contains(member) ? 1 : 0);
  if (!s->Remove(member)) return ctx.reply.Integer(0);
  // Redis's order: the source's removal (and its events), then the destination.
  // d is heap-owned by dst's Value, so deleting src left it valid.
  AfterRemove(ctx, sloc, src, s, "srem");
  bool added = true;
  if (d == nullptr) {
    auto fresh = SetObject::ForFirst(member);
    fresh->Add(member);
    dloc->Set(dst, dloc.hash, Value::FromObject(std::move(fresh)));
  } else if ((added = d->Add(member))) {
    dloc->NoteChanged(dst, dloc.hash);
  }
  if (added) ctx.Notify(notify::kSet, "sadd", dst);
  ctx.reply.Integer(1);
}

// --- algebra ---

enum class Algebra { kInter, kUnion, kDiff };

// Looks up argv[first..last] as sets (missing = nullptr). False after
// replying WRONGTYPE (Redis checks every key first).
bool LoadSets(CommandContext& ctx, size_t first, size_t last, std::vector<const SetObject*>* sets) {
  for (size_t i = first; i <= last; ++i) {
    bool wrong;
    KeyLoc loc = ctx.Locate(ctx.argv[i]);
    SetObject* s = FindSet(loc, ctx.argv[i], ctx.now_ms, true, &wrong);
    if (wrong) {
      ctx.Error(errors::kWrongType);
      return false;
    }
    sets->push_back(s);
  }
  return true;
}

// The members of the result, in Redis's order where Redis has one (SINTER
// walks the smallest set; SUNION/SDIFF their first sets).
std::vector<std::string> Compute(Algebra op, std::vector<const SetObject*> sets, size_t limit = 0) {
  std::vector<std::string> out;
  if (op == Algebra::kInter) {
    for (const SetObject* s : sets) {
      if (s == nullptr) return out;
    }
    std::stable_sort(sets.begin(), sets.end(),
                     [](const SetObject* a, const SetObject* b) { return a->size() < b->size(); });
    sets[0]->ForEach([&](std::string_view m) {
      if (limit != 0 && out.size() >= limit) return;
      for (size_t i = 1; i < sets.size(); ++i) {
        if (!sets[i]->Contains(m)) return;
      }
      out.emplace_back(m);
    });
    return out;
  }
  if (op == Algebra::kUnion) {
    absl::flat_hash_set<std::string, KeyHasher, KeyEq> seen;
    for (const SetObject* s : sets) {
      if (s == nullptr) continue;
      s->ForEach([&](std::string_view m) {
        if (seen.emplace(m).second) out.emplace_back(m);
      });
    }
    return out;
  }
  if (sets[0] == nullptr) return out;
  sets[0]->ForEach([&](std::string_view m) {
    for (size_t i = 1; i < sets.size(); ++i) {
      if (sets[i] != nullptr && sets[i]->Contains(m)) return;
    }
    out.emplace_back(m);
  });
  return out;
}

void AlgebraCmd(CommandContext& ctx, Algebra op) {
  std::vector<const SetObject*> sets;
  if (!LoadSets(ctx, 1, ctx.argv.size() - 1, &sets)) return;
  std::vector<std::string> out = Compute(op, std::move(sets));
  ctx.reply.SetHeader(out.size());
  for (const std::string& m : out) ctx.reply.Bulk(m);
}
void CmdSInter(CommandContext& ctx) { AlgebraCmd(ctx, Algebra::kInter); }
void CmdSUnion(CommandContext& ctx) { AlgebraCmd(ctx, Algebra::kUnion); }
void CmdSDiff(CommandContext& ctx) { AlgebraCmd(ctx, Algebra::kDiff); }

void AlgebraStoreCmd(CommandContext& ctx, Algebra op) {
  std::vector<const SetObject*> sets;
  if (!LoadSets(ctx, 2, ctx.argv.size() - 1, &sets)) return;
  std::vector<std::string> out = Compute(op, std::move(sets));
  std::string_view dst = ctx.argv[1];
  KeyLoc loc = ctx.Locate(dst);
  if (out.empty()) {
    if (loc->Delete(dst, loc.hash, ctx.now_ms)) ctx.Notify(notify::kGeneric, "del", dst);
    return ctx.reply.Integer(0);
  }
  // Redis builds the result from an empty intset, so it converts exactly
  // when an element or the size asks for it.
  auto result = std::make_unique<SetObject>();
  for (const std::string& m : out) result->Add(m);
  loc->Set(dst, loc.hash, Value::FromObject(std::move(result)));
  constexpr std::string_view kEvents[] = {"sinterstore", "sunionstore", "sdiffstore"};
  ctx.Notify(notify::kSet, kEvents[static_cast<int>(op)], dst);
  ctx.reply.Integer(static_cast<int64_t>(out.size()));
}
void CmdSInterStore(CommandContext& ctx) { AlgebraStoreCmd(ctx, Algebra::kInter); }
void CmdSUnionStore(CommandContext& ctx) { AlgebraStoreCmd(ctx, Algebra::kUnion); }
void CmdSDiffStore(CommandContext& ctx) { AlgebraStoreCmd(ctx, Algebra::kDiff); }

// SINTERCARD numkeys key [key ...] [LIMIT limit]
void CmdSInterCard(CommandContext& ctx) {
  int64_t numkeys;
  if (!ParseInt64Arg(ctx.argv[1], &numkeys) || numkeys <= 0) {
    return ctx.Error("ERR numkeys should be greater than 0");
  }
  if (numkeys > static_cast<int64_t>(ctx.argv.size()) - 2) {
    return ctx.Error("ERR Number of keys can't be greater than number of args");
  }
  int64_t limit = 0;
  for (size_t i = 2 + static_cast<size_t>(numkeys); i < ctx.argv.size(); i += 2) {
    if (EqualsIgnoreCase(ctx.argv[i], "limit") && i + 1 < ctx.argv.size()) {
      if (!ParseInt64Arg(ctx.argv[i + 1], &limit) || limit < 0) {
        return ctx.Error("ERR LIMIT can't be negative");
      }
    } else {
      return ctx.Error(errors::kSyntax);
    }
  }
  std::vector<const SetObject*> sets;
  if (!LoadSets(ctx, 2, 1 + static_cast<size_t>(numkeys), &sets)) return;
  ctx.reply.Integer(static_cast<int64_t>(
      Compute(Algebra::kInter, std::move(sets), static_cast<size_t>(limit)).size()));
}

void CmdSScan(CommandContext& ctx) {
  ScanArgs args;
  if (!ParseScanArgs(ctx, &args)) return;
  bool wrong;
  SetObject* s = ReadSet(ctx, ctx.argv[1], &wrong);
  if (wrong) return;
  std::vector<std::pair<uint64_t, std::string>> items;
  uint64_t next = 0;
  if (s != nullptr) {
    const bool whole = s->is_intset();
    s->ForEach([&](std::string_view m) {
      if (whole) {
        items.push_back({0, std::string(m)});
        return;
      }
      const uint64_t pos = ScanPosition(m);
      if (pos >= args.cursor) items.push_back({pos, std::string(m)});
    });
    if (!whole) next = SelectScanWindow(items, args.count);
  }
  size_t matched = 0;
  for (const auto& it : items) matched += ScanMatches(args, it.second) ? 1 : 0;
  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(std::to_string(next));
  ctx.reply.ArrayHeader(matched);
  for (const auto& it : items) {
    if (ScanMatches(args, it.second)) ctx.reply.Bulk(it.second);
  }
}

}  // namespace

void RegisterSetFamily(CommandTable& t) {
  constexpr uint32_t kW = kWrite | kDenyOom;
  t.Register({"sadd", -3, kW | kFast, 1, 1, 1, CmdSAdd, "@write @set @fast", "set", "1.0.0"});
  t.Register({"srem", -3, kWrite | kFast, 1, 1, 1, CmdSRem, "@write @set @fast", "set", "1.0.0"});
  t.Register({"sismember", 3, kReadOnly | kFast, 1, 1, 1, CmdSIsMember, "@read @set @fast", "set", "1.0.0"});
  t.Register({"smismember", -3, kReadOnly | kFast, 1, 1, 1, CmdSMIsMember, "@read @set @fast",
              "set", "6.2.0"});
  t.Register({"smembers", 2, kReadOnly, 1, 1, 1, CmdSMembers, "@read @set @slow", "set", "1.0.0"});
  t.Register({"scard", 2, kReadOnly | kFast, 1, 1, 1, CmdSCard, "@read @set @fast", "set", "1.0.0"});
  t.Register({"spop", -2, kWrite | kFast, 1, 1, 1, CmdSPop, "@write @set @fast", "set", "1.0.0"});
  t.Register({"srandmember", -2, kReadOnly, 1, 1, 1, CmdSRandMember, "@read @set @slow", "set", "1.0.0"});
  t.Register({"smove", 4, kWrite | kFast, 1, 2, 1, CmdSMove, "@write @set @fast", "set", "1.0.0"});
  t.Register({"sinter", -2, kReadOnly, 1, -1, 1, CmdSInter, "@read @set @slow", "set", "1.0.0"});
  t.Register({"sunion", -2, kReadOnly, 1, -1, 1, CmdSUnion, "@read @set @slow", "set", "1.0.0"});
  t.Register({"sdiff", -2, kReadOnly, 1, -1, 1, CmdSDiff, "@read @set @slow", "set", "1.0.0"});
  t.Register({"sinterstore", -3, kW, 1, -1, 1, CmdSInterStore, "@write @set @slow", "set", "1.0.0"});
  t.Register({"sunionstore", -3, kW, 1, -1, 1, CmdSUnionStore, "@write @set @slow", "set", "1.0.0"});
  t.Register({"sdiffstore", -3, kW, 1, -1, 1, CmdSDiffStore, "@write @set @slow", "set", "1.0.0"});
  // Its keys follow numkeys (argv[1]; command.h): 0 0 0 and movablekeys, as Redis.
  t.Register({"sintercard", -3, kReadOnly, 0, 0, 0, CmdSInterCard, "@read @set @slow", "set", "7.0.0", 1});
  t.Register({"sscan", -3, kReadOnly, 1, 1, 1, CmdSScan, "@read @set @slow", "set", "2.8.0"});
}

}  // namespace stockd::engine
