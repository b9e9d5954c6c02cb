// engine/hash_family.cc — the hash commands (Redis's t_hash.c): HSET HSETNX
// HMSET HGET HMGET HGETALL HDEL HEXISTS HLEN HKEYS HVALS HSTRLEN HINCRBY
// HINCRBYFLOAT HRANDFIELD HSCAN.
//
// Hashes are engine/types/hash.h (listpack / hashtable as Redis 7.0). A hash
// emptied by HDEL is deleted. Replies follow Redis 7.0, RESP3 included:
// HGETALL is a map, HRANDFIELD ... WITHVALUES an array of [field, value]
// pairs under RESP3 (flat under RESP2).
#include <cmath>
#include <string>
#include <vector>

#include "engine/args.h"
#include "engine/command_context.h"
#include "engine/engine.h"
#include "engine/errors.h"
#include "engine/op_status.h"
#include "engine/types/hash.h"
#include "engine/types/scan.h"

namespace stockd::engine {
namespace {

// The hash at key: nullptr when missing; *wrong when another type.
HashObject* FindHash(const KeyLoc& loc, std::string_view key, int64_t now_ms, bool read,
                     bool* wrong) {
  Entry* e = read ? loc->FindRead(key, loc.hash, now_ms) : loc->FindWrite(key, loc.hash, now_ms);
  *wrong = false;
  if (e == nullptr) return nullptr;
  HashObject* h = AsHash(e->value);
  if (h == nullptr) *wrong = true;
  return h;
}

// The hash at key for a write, created when missing (committed to the
// keyspace only by Commit, so a failing command leaves no empty hash).
class HashForWrite {
 public:
  HashForWrite(CommandContext& ctx, std::string_view key)
      : ctx_(ctx), key_(key), loc_(ctx.Locate(key)) {
    hash_ = FindHash(loc_, key, ctx.now_ms, false, &wrong_);
    if (hash_ == nullptr && !wrong_) {
      fresh_ = std::make_unique<HashObject>();
      hash_ = fresh_.get();
    }
  }
  bool wrong_type() const { return wrong_; }
  HashObject* operator->() { return hash_; }
  HashObject& operator*() { return *hash_; }
  // Records the write (stores a new hash).
  void Commit() {
    if (fresh_) {
      if (!fresh_->empty()) loc_->Set(key_, loc_.hash, Value::FromObject(std::move(fresh_)));
    } else {
      loc_->NoteChanged(key_, loc_.hash);
    }
  }

 private:
  CommandContext& ctx_;
  std::string_view key_;
  KeyLoc loc_;
  bool wrong_ = false;
  HashObject* hash_ = nullptr;
  std::unique_ptr<HashObject> fresh_;
};

// The hash for a read command: replies WRONGTYPE and sets *replied, or
// returns nullptr (missing) for the caller's own empty reply.
HashObject* ReadHash(CommandContext& ctx, std::string_view key, bool* wrong) {
  KeyLoc loc = ctx.Locate(key);
  HashObject* h = FindHash(loc, key, ctx.now_ms, true, wrong);
  if (*wrong) ctx.Error(errors::kWrongType);
  return h;
}

void HSetGeneric(CommandContext& ctx, bool reply_ok) {
  if (ctx.argv.size() % 2 != 0) return ctx.Error(errors::WrongArity(ctx.command.full_name()));
  HashForWrite h(ctx, ctx.argv[1]);
  if (h.wrong_type()) return ctx.Error(errors::kWrongType);
  // Redis's hashTypeTryConversion: look at every argument before inserting.
  for (size_t i = 2; i < ctx.argv.size(); i += 2) h->PrepareFor(ctx.argv[i].size(), ctx.argv[i + 1].size());
  int64_t created = 0;
  for (size_t i = 2; i < ctx.argv.size(); i += 2) {
    if (h->Set(ctx.argv[i], ctx.argv[i + 1])) ++created;
  }
  h.Commit();
  ctx.Notify(notify::kHash, "hset", ctx.argv[1]);
  if (reply_ok) return ctx.reply.Ok();
  ctx.reply.Integer(created);
}
void CmdHSet(CommandContext& ctx) { HSetGeneric(ctx, false); }
void CmdHMSet(CommandContext& ctx) { HSetGeneric(ctx, true); }

void CmdHSetNx(CommandContext& ctx) {
  HashForWrite h(ctx, ctx.argv[1]);
  if (h.wrong_type()) return ctx.Error(errors::kWrongType);
  if (h->Find(ctx.argv[2]) != nullptr) return ctx.reply.Integer(0);
  h->Set(ctx.argv[2], ctx.argv[3]);
  h.Commit();
  ctx.Notify(notify::kHash, "hset", ctx.argv[1]);
  ctx.reply.Integer(1);
}

void CmdHGet(CommandContext& ctx) {
  bool wrong;
  HashObject* h = ReadHash(ctx, ctx.argv[1], &wrong);
  if (wrong) return;
  const std::string* v = h == nullptr ? nullptr : h->Find(ctx.argv[2]);
  if (v == nullptr) return ctx.reply.Null();
  ctx.reply.Bulk(*v);
}

void CmdHMGet(CommandContext& ctx) {
  bool wrong;
  HashObject* h = ReadHash(ctx, ctx.argv[1], &wrong);
  if (wrong) return;
  ctx.reply.ArrayHeader(ctx.argv.size() - 2);
  for (size_t i = 2; i < ctx.argv.size(); ++i) {
    const std::string* v = h == nullptr ? nullptr : h->Find(ctx.argv[i]);
    if (v == nullptr) {
      ctx.reply.Null();
    } else {
      ctx.reply.Bulk(*v);
    }
  }
}

enum GetAllWhat { kKeys = 1, kVals = 2, kBoth = 3 };

void GetAllGeneric(CommandContext& ctx, int what) {
  bool wrong;
  HashObject* h = ReadHash(ctx, ctx.argv[1], &wrong);
  if (wrong) return;
  const size_t n = h == nullptr ? 0 : h->size();
  if (what == kBoth) {
    ctx.reply.MapHeader(n);
  } else {
    ctx.reply.ArrayHeader(n);
  }
  if (h == nullptr) return;
  h->ForEachField([&](std::string_view f, const std::string& v) {
    if (what & kKeys) ctx.reply.Bulk(f);
    if (what & kVals) ctx.reply.Bulk(v);
  });
}
void CmdHGetAll(CommandContext& ctx) { GetAllGeneric(ctx, kBoth); }
void CmdHKeys(CommandContext& ctx) { GetAllGeneric(ctx, kKeys); }
void CmdHVals(CommandContext& ctx) { GetAllGeneric(ctx, kVals); }

void CmdHDel(CommandContext& ctx) {
  std::string_view key = ctx.argv[1];
  KeyLoc loc = ctx.Locate(key);
  bool wrong;
  HashObject* h = FindHash(loc, key, ctx.now_ms, false, &wrong);
  if (wrong) return ctx.Error(errors::kWrongType);
  if (h == nullptr) return ctx.reply.Integer(0);
  int64_t deleted = 0;
  for (size_t i = 2; i < ctx.argv.size(); ++i) {
    if (h->Erase(ctx.argv[i])) ++deleted;
    if (h->empty()) break;
  }
  if (deleted > 0) {
    const bool emptied = h->empty();
    if (emptied) {
      loc->Delete(key, loc.hash, ctx.now_ms);
    } else {
      loc->NoteChanged(key, loc.hash);
    }
    ctx.Notify(notify::kHash, "hdel", key);
    if (emptied) ctx.Notify(notify::kGeneric, "del", key);
  }
  ctx.reply.Integer(deleted);
}

void CmdHExists(CommandContext& ctx) {
  bool wrong;
  HashObject* h = ReadHash(ctx, ctx.argv[1], &wrong);
  if (wrong) return;
  ctx.reply.Integer(h != nullptr && h->Find(ctx.argv[2]) != nullptr ? 1 : 0);
}

void CmdHLen(CommandContext& ctx) {
  bool wrong;
  HashObject* h = ReadHash(ctx, ctx.argv[1], &wrong);
  if (wrong) return;
  ctx.reply.Integer(h == nullptr ? 0 : static_cast<int64_t>(h->size()));
}

void CmdHStrLen(CommandContext& ctx) {
  bool wrong;
  HashObject* h = ReadHash(ctx, ctx.argv[1], &wrong);
  if (wrong) return;
  const std::string* v = h == nullptr ? nullptr : h->Find(ctx.argv[2]);
  ctx.reply.Integer(v == nullptr ? 0 : static_cast<int64_t>(v->size()));
}

void CmdHIncrBy(CommandContext& ctx) {
  int64_t incr;
  if (!ParseInt64Arg(ctx.argv[3], &incr)) return ctx.Error(errors::kNotInteger);
  HashForWrite h(ctx, ctx.argv[1]);
  if (h.wrong_type()) return ctx.Error(errors::kWrongType);
  int64_t value = 0;
  if (const std::string* cur = h->Find(ctx.argv[2])) {
    if (!ParseStrictInt64(*cur, &value)) return ctx.Error("ERR hash value is not an integer");
  }
  if ((incr < 0 && value < 0 && incr < INT64_MIN - value) ||
      (incr > 0 && value > 0 && incr > INT64_MAX - value)) {
    return ctx.Error(errors::kOverflow);
  }
  value += incr;
  char buf[kIntBufferSize];
  h->Set(ctx.argv[2], FormatInt64(value, buf));
  h.Commit();
  ctx.Notify(notify::kHash, "hincrby", ctx.argv[1]);
  ctx.reply.Integer(value);
}

void CmdHIncrByFloat(CommandContext& ctx) {
  long double incr;
  if (!ParseLongDoubleArg(ctx.argv[3], &incr)) return ctx.Error(errors::kNotFloat);
  if (std::isnan(incr) || std::isinf(incr)) return ctx.Error("ERR value is NaN or Infinity");
  HashForWrite h(ctx, ctx.argv[1]);
  if (h.wrong_type()) return ctx.Error(errors::kWrongType);
  long double value = 0;
  if (const std::string* cur = h->Find(ctx.argv[2])) {
    if (!ParseLongDoubleArg(*cur, &value)) return ctx.Error("ERR hash value is not a float");
  }
  value += incr;
  if (std::isnan(value) || std::isinf(value)) return ctx.Error(errors::kNanOrInf);
  char out[5 * 1024 + 64];
  const int len = FormatLongDoubleHuman(value, out, sizeof(out));
  if (len == 0) return ctx.Error(errors::kNanOrInf);
  std::string_view text(out, static_cast<size_t>(len));
  h->Set(ctx.argv[2], text);
  h.Commit();
  ctx.Notify(notify::kHash, "hincrbyfloat", ctx.argv[1]);
  ctx.reply.Bulk(text);
}

// HRANDFIELD key [count [WITHVALUES]] (Redis's hrandfieldWithCountCommand).
void CmdHRandField(CommandContext& ctx) {
  if (ctx.argv.size() > 4) return ctx.Error(errors::kSyntax);
  const bool has_count = ctx.argv.size() >= 3;
  int64_t count = 0;
  bool with_values = false;
  if (has_count) {
    if (!ParseInt64Arg(ctx.argv[2], &count)) return ctx.Error(errors::kNotInteger);
    if (count == INT64_MIN) return ctx.Error(errors::kOutOfRangeLong);
    if (ctx.argv.size() == 4) {
      if (!EqualsIgnoreCase(ctx.argv[3], "withvalues")) return ctx.Error(errors::kSyntax);
      with_values = true;
      // Redis: field + value count must fit a long, either sign.
      if (count < -INT64_MAX / 2 || count > INT64_MAX / 2) return ctx.Error(errors::kOutOfRange);
    }
  }
  bool wrong;
  HashObject* h = ReadHash(ctx, ctx.argv[1], &wrong);
  if (wrong) return;
  if (!has_count) {
    if (h == nullptr) return ctx.reply.Null();
    return ctx.reply.Bulk(h->At(ctx.engine.Random() % h->size()).first);
  }
  if (h == nullptr || count == 0) return ctx.reply.EmptyArray();
  const bool pairs3 = with_values && ctx.reply.resp() == 3;
  auto emit = [&](std::string_view f, const std::string& v) {
    if (pairs3) ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk(f);
    if (with_values) ctx.reply.Bulk(v);
  };
  const size_t size = h->size();
  if (count < 0) {  // with repetitions
    if (count < -kMaxRepeatedCount) return ctx.Error(errors::kOutOfRange);
    const size_t n = static_cast<size_t>(-count);
    ctx.reply.ArrayHeader(pairs3 ? n : (with_values ? 2 * n : n));
    if (h->is_listpack()) {  // O(1) positions
      for (size_t i = 0; i < n; ++i) {
        auto [f, v] = h->At(ctx.engine.Random() % size);
        emit(f, *v);
      }
      return;
    }
    std::vector<std::pair<std::string_view, const std::string*>> all;  // one O(size) walk
    all.reserve(size);
    h->ForEachField([&](std::string_view f, const std::string& v) { all.emplace_back(f, &v); });
    for (size_t i = 0; i < n; ++i) {
      auto [f, v] = all[ctx.engine.Random() % size];
      emit(f, *v);
    }
    return;
  }
  const size_t n = static_cast<size_t>(count);
  if (n >= size) {  // the whole hash
    ctx.reply.ArrayHeader(pairs3 ? size : (with_values ? 2 * size : size));
    h->ForEachField(emit);
    return;
  }
  // Distinct fields: a partial Fisher-Yates shuffle of positions.
  std::vector<std::string_view> fields;
  std::vector<const std::string*> values;
  fields.reserve(size);
  values.reserve(size);
  h->ForEachField([&](std::string_view f, const std::string& v) {
    fields.push_back(f);
    values.push_back(&v);
  });
  ctx.reply.ArrayHeader(pairs3 ? n : (with_values ? 2 * n : n));
  for (size_t i = 0; i < n; ++i) {
    const size_t j = i + ctx.engine.Random() % (size - i);
    std::swap(fields[i], fields[j]);
    std::swap(values[i], values[j]);
    emit(fields[i], *values[i]);
  }
}

void CmdHScan(CommandContext& ctx) {
  ScanArgs args;
  if (!ParseScanArgs(ctx, &args)) return;
  bool wrong;
  HashObject* h = ReadHash(ctx, ctx.argv[1], &wrong);
  if (wrong) return;
  std::vector<std::pair<uint64_t, std::pair<std::string_view, const std::string*>>> items;
  uint64_t next = 0;
  if (h != nullptr) {
    h->ForEachField([&](std::string_view f, const std::string& v) {
      if (h->is_listpack()) {
        items.push_back({0, {f, &v}});
        return;
      }
      const uint64_t pos = ScanPosition(f);
      if (pos >= args.cursor) items.push_back({pos, {f, &v}});
    });
    if (!h->is_listpack()) next = SelectScanWindow(items, args.count);
  }
  size_t matched = 0;
  for (const auto& it : items) matched += ScanMatches(args, it.second.first) ? 1 : 0;
  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(std::to_string(next));
  ctx.reply.ArrayHeader(2 * matched);
  for (const auto& it : items) {
    if (!ScanMatches(args, it.second.first)) continue;
    ctx.reply.Bulk(it.second.first);
    ctx.reply.Bulk(*it.second.second);
  }
}

}  // namespace

void RegisterHashFamily(CommandTable& t) {
  constexpr uint32_t kW = kWrite | kDenyOom;
  t.Register({"hset", -4, kW | kFast, 1, 1, 1, CmdHSet, "@write @hash @fast", "hash", "2.0.0"});
  t.Register({"hsetnx", 4, kW | kFast, 1, 1, 1, CmdHSetNx, "@write @hash @fast", "hash", "2.0.0"});
  t.Register({"hmset", -4, kW | kFast, 1, 1, 1, CmdHMSet, "@write @hash @fast", "hash", "2.0.0", 0, "4.0.0",
              "`HSET` with multiple field-value pairs"});
  t.Register({"hget", 3, kReadOnly | kFast, 1, 1, 1, CmdHGet, "@read @hash @fast", "hash", "2.0.0"});
  t.Register({"hmget", -3, kReadOnly | kFast, 1, 1, 1, CmdHMGet, "@read @hash @fast", "hash", "2.0.0"});
  t.Register({"hgetall", 2, kReadOnly, 1, 1, 1, CmdHGetAll, "@read @hash @slow", "hash", "2.0.0"});
  t.Register({"hdel", -3, kWrite | kFast, 1, 1, 1, CmdHDel, "@write @hash @fast", "hash", "2.0.0"});
  t.Register({"hexists", 3, kReadOnly | kFast, 1, 1, 1, CmdHExists, "@read @hash @fast", "hash", "2.0.0"});
  t.Register({"hlen", 2, kReadOnly | kFast, 1, 1, 1, CmdHLen, "@read @hash @fast", "hash", "2.0.0"});
  t.Register({"hkeys", 2, kReadOnly, 1, 1, 1, CmdHKeys, "@read @hash @slow", "hash", "2.0.0"});
  t.Register({"hvals", 2, kReadOnly, 1, 1, 1, CmdHVals, "@read @hash @slow", "hash", "2.0.0"});
  t.Register({"hstrlen", 3, kReadOnly | kFast, 1, 1, 1, CmdHStrLen, "@read @hash @fast", "hash", "3.2.0"});
  t.Register({"hincrby", 4, kW | kFast, 1, 1, 1, CmdHIncrBy, "@write @hash @fast", "hash", "2.0.0"});
  t.Register({"hincrbyfloat", 4, kW | kFast, 1, 1, 1, CmdHIncrByFloat, "@write @hash @fast",
              "hash", "2.6.0"});
  t.Register({"hrandfield", -2, kReadOnly, 1, 1, 1, CmdHRandField, "@read @hash @slow", "hash", "6.2.0"});
  t.Register({"hscan", -3, kReadOnly, 1, 1, 1, CmdHScan, "@read @hash @slow", "hash", "2.8.0"});
}

}  // namespace stockd::engine
