// engine/keys_family.cc — the generic key commands (Redis's db.c / expire.c /
// object.c): DEL UNLINK EXISTS TYPE RENAME RENAMENX COPY MOVE KEYS SCAN
// RANDOMKEY TOUCH EXPIRE PEXPIRE EXPIREAT PEXPIREAT TTL PTTL EXPIRETIME
// PEXPIRETIME PERSIST OBJECT (ENCODING REFCOUNT IDLETIME FREQ HELP).
#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "engine/args.h"
#include "engine/blocking.h"
#include "engine/command_context.h"
#include "engine/engine.h"
#include "engine/errors.h"
#include "engine/glob.h"
#include "engine/op_status.h"

namespace stockd::engine {
namespace {

bool IsExpiredAt(const Entry& e, int64_t now_ms) {
  return e.expire_at_ms != 0 && now_ms > e.expire_at_ms;
}

// ---------------------------------------------------------------------------
// Ops.

// Moves or copies `key` (db src) to `dst_key` (db dst). Returns kNotFound when
// the source is missing, kSkipped when the destination exists and !replace.
OpStatus OpCopy(CommandContext& ctx, int src_db, std::string_view key, int dst_db,
                std::string_view dst_key, bool replace, bool remove_source) {
  KeyLoc src = ctx.Locate(src_db, key);
  // As Redis: COPY reads its source (hit/miss counted, keymiss announced);
  // RENAME and MOVE look it up for a write.
  Entry* e = remove_source ? src->FindWrite(key, src.hash, ctx.now_ms) : src->FindRead(key, src.hash, ctx.now_ms);
  if (e == nullptr) return OpStatus::kNotFound;
  KeyLoc dst = ctx.Locate(dst_db, dst_key);
  if (dst->FindWrite(dst_key, dst.hash, ctx.now_ms) != nullptr) {
    if (!replace) return OpStatus::kSkipped;
    dst->Delete(dst_key, dst.hash, ctx.now_ms);
    // The delete may have rehashed the source's table if both share it.
    e = src->FindWrite(key, src.hash, ctx.now_ms);
  }
  const int64_t expire = e->expire_at_ms;
  Value v = remove_source ? std::move(e->value) : e->value.Clone();
  if (remove_source) src->Delete(key, src.hash, ctx.now_ms);
  Entry* ne = dst->Set(dst_key, dst.hash, std::move(v), ctx.now_ms);
  if (expire != 0) dst->SetExpire(dst_key, ne, expire);
  SignalKeyReady(ctx, dst_db, dst, dst_key, 1);  // clients blocked on dst_key (BLPOP, ...)
  return OpStatus::kOk;
}

// ---------------------------------------------------------------------------
// Cmds.

void CmdDel(CommandContext& ctx) {
  int64_t n = 0;
  for (size_t i = 1; i < ctx.argv.size(); ++i) {
    KeyLoc loc = ctx.Locate(ctx.argv[i]);
    if (loc->Delete(ctx.argv[i], loc.hash, ctx.now_ms)) {
      ++n;
      ctx.Notify(notify::kGeneric, "del", ctx.argv[i]);
    }
  }
  ctx.reply.Integer(n);
}

void CmdExists(CommandContext& ctx) {
  int64_t n = 0;
  for (size_t i = 1; i < ctx.argv.size(); ++i) {
    KeyLoc loc = ctx.Locate(ctx.argv[i]);
    if (loc->FindRead(ctx.argv[i], loc.hash, ctx.now_ms) != nullptr) ++n;
  }
  ctx.reply.Integer(n);
}

void CmdTouch(CommandContext& ctx) { CmdExists(ctx); }

void CmdType(CommandContext& ctx) {
  KeyLoc loc = ctx.Locate(ctx.argv[1]);
  const Entry* e = loc->FindRead(ctx.argv[1], loc.hash, ctx.now_ms);
  ctx.reply.SimpleString(e == nullptr ? "none" : TypeName(e->value.type()));
}

void RenameGeneric(CommandContext& ctx, bool nx) {
  std::string_view key = ctx.argv[1], dst_key = ctx.argv[2];
  KeyLoc src = ctx.Locate(key);
  if (src->FindWrite(key, src.hash, ctx.now_ms) == nullptr) return ctx.Error(errors::kNoSuchKey);
  if (key == dst_key) return nx ? ctx.reply.Integer(0) : ctx.reply.Ok();
  OpStatus s = OpCopy(ctx, ctx.session.db, key, ctx.session.db, dst_key, !nx, true);
  if (s == OpStatus::kSkipped) return ctx.reply.Integer(0);
  ctx.Notify(notify::kGeneric, "rename_from", key);
  ctx.Notify(notify::kGeneric, "rename_to", dst_key);
  nx ? ctx.reply.Integer(1) : ctx.reply.Ok();
}

void CmdRename(CommandContext& ctx) { RenameGeneric(ctx, false); }
void CmdRenameNx(CommandContext& ctx) { RenameGeneric(ctx, true); }

std::optional<int> ParseDbIndex(CommandContext& ctx, std::string_view arg) {
  int db;
  std::string_view error;
  if (!engine::ParseDbIndex(arg, ctx.engine.databases(), &db, &error)) {
    ctx.Error(error);
    return std::nullopt;
  }
  return db;
}

void CmdCopy(CommandContext& ctx) {  // kNoKeyLock: the destination may be in another db
  int dst_db = ctx.session.db;
  bool replace = false;
  for (size_t j = 3; j < ctx.argv.size(); ++j) {
    if (EqualsIgnoreCase(ctx.argv[j], "replace")) {
      replace = true;
    } else if (EqualsIgnoreCase(ctx.argv[j], "db") && j + 1 < ctx.argv.size()) {
      auto db = ParseDbIndex(ctx, ctx.argv[++j]);
      if (!db) return;
      dst_db = *db;
    } else {
      return ctx.Error(errors::kSyntax);
    }
  }
  std::string_view key = ctx.argv[1], dst_key = ctx.argv[2];
  if (dst_db == ctx.session.db && key == dst_key) return ctx.Error(errors::kSameObject);
  const KeyRef refs[] = {{ctx.session.db, key}, {dst_db, dst_key}};
  ctx.LockKeys(refs);
  OpStatus s = OpCopy(ctx, ctx.session.db, key, dst_db, dst_key, replace, false);
  if (s == OpStatus::kOk) ctx.Notify(notify::kGeneric, "copy_to", dst_key, dst_db);
  ctx.reply.Integer(s == OpStatus::kOk ? 1 : 0);
}

void CmdMove(CommandContext& ctx) {  // kNoKeyLock
  auto db = ParseDbIndex(ctx, ctx.argv[2]);
  if (!db) return;
  if (*db == ctx.session.db) return ctx.Error(errors::kSameObject);
  std::string_view key = ctx.argv[1];
  const KeyRef refs[] = {{ctx.session.db, key}, {*db, key}};
  ctx.LockKeys(refs);
  OpStatus s = OpCopy(ctx, ctx.session.db, key, *db, key, false, true);
  if (s == OpStatus::kOk) {
    ctx.Notify(notify::kGeneric, "move_from", key);
    ctx.Notify(notify::kGeneric, "move_to", key, *db);
  }
  ctx.reply.Integer(s == OpStatus::kOk ? 1 : 0);
}

void CmdKeys(CommandContext& ctx) {  // kNoKeyLock: walks the db shard by shard
  std::string_view pattern = ctx.argv[1];
  const bool all = pattern == "*";
  std::vector<std::string> keys;
  ctx.ForEachShard(ctx.session.db, [&](Shard& shard) {
    shard.ForEach(ctx.now_ms, [&](std::string_view k, const Entry&) {
      if (all || GlobMatch(pattern, k)) keys.emplace_back(k);
    });
  });
  ctx.reply.ArrayHeader(keys.size());
  for (const std::string& k : keys) ctx.reply.Bulk(k);
}

// SCAN's cursor names a position p = shard * kScanSlots + slot in the db; a
// call returns every key of whole slots from p on, so a key present for the
// whole scan is returned exactly once (a slot never rehashes into another).
void CmdScan(CommandContext& ctx) {  // kNoKeyLock
  // Redis's parseScanCursorOrReply: strtoul over the whole argument, so "-1"
  // wraps to a huge cursor (an immediate end) and "" is cursor 0.
  uint64_t cursor;
  {
    std::string c(ctx.argv[1]);
    char* end = nullptr;
    errno = 0;
    cursor = strtoull(c.c_str(), &end, 10);
    if ((!c.empty() && std::isspace(static_cast<unsigned char>(c[0]))) || *end != '\0' ||
        errno == ERANGE) {
      return ctx.Error(errors::kInvalidCursor);
    }
  }
  int64_t count = 10;
  std::optional<std::string_view> pattern, type;
  for (size_t i = 2; i < ctx.argv.size();) {
    const bool has_value = i + 1 < ctx.argv.size();
    if (EqualsIgnoreCase(ctx.argv[i], "count") && has_value) {
      if (!ParseInt64Arg(ctx.argv[i + 1], &count)) return ctx.Error(errors::kNotInteger);
      if (count < 1) return ctx.Error(errors::kSyntax);
      i += 2;
    } else if (EqualsIgnoreCase(ctx.argv[i], "match") && has_value) {
      pattern = ctx.argv[i + 1];
      if (*pattern == "*") pattern.reset();
      i += 2;
    } else if (EqualsIgnoreCase(ctx.argv[i], "type") && has_value) {
      type = ctx.argv[i + 1];
      i += 2;
    } else {
      return ctx.Error(errors::kSyntax);
    }
  }
  const uint64_t shards = static_cast<uint64_t>(ctx.engine.shards_per_db());
  const uint64_t end = shards * Shard::kScanSlots;
  std::vector<std::string> keys;
  uint64_t pos = cursor;
  // As Redis: stop once `count` keys were gathered (before filtering) or
  // after visiting count*10 positions.
  int64_t budget = count > INT64_MAX / 10 ? INT64_MAX : count * 10;
  size_t gathered = 0;
  while (pos < end && static_cast<int64_t>(gathered) < count && budget-- > 0) {
    Shard& shard = ctx.engine.shard(static_cast<uint32_t>(
        static_cast<uint64_t>(ctx.session.db) * shards + pos / Shard::kScanSlots));
    std::lock_guard<SpinLock> lock(shard.lock());
    // Visit the rest of this shard's slots under one lock acquisition.
    do {
      shard.ForEachInSlot(static_cast<int>(pos % Shard::kScanSlots), ctx.now_ms,
                          [&](std::string_view k, const Entry& e) {
                            ++gathered;
                            if (pattern && !GlobMatch(*pattern, k)) return;
                            if (type && !EqualsIgnoreCase(*type, TypeName(e.value.type()))) {
                              return;  // TYPE compares case-insensitively with the name
                            }
                            keys.emplace_back(k);
                          });
      ++pos;
    } while (pos < end && pos % Shard::kScanSlots != 0 &&
             static_cast<int64_t>(gathered) < count && budget-- > 0);
  }
  const uint64_t next = pos >= end ? 0 : pos;
  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(std::to_string(next));
  ctx.reply.ArrayHeader(keys.size());
  for (const std::string& k : keys) ctx.reply.Bulk(k);
}

void CmdRandomKey(CommandContext& ctx) {  // kNoKeyLock
  const int n = ctx.engine.shards_per_db();
  const uint32_t start = static_cast<uint32_t>(ctx.engine.Random() % static_cast<uint64_t>(n));
  std::string key;
  for (int i = 0; i < n; ++i) {
    Shard& shard = ctx.engine.shard(static_cast<uint32_t>(ctx.session.db * n) +
                                    (start + static_cast<uint32_t>(i)) % static_cast<uint32_t>(n));
    if (shard.size() == 0) continue;
    std::lock_guard<SpinLock> lock(shard.lock());
    if (shard.RandomKey(ctx.engine.Random(), ctx.now_ms, &key)) return ctx.reply.Bulk(key);
  }
  ctx.reply.Null();
}

// EXPIRE family (Redis's expireGenericCommand). basetime is now for relative
// forms, 0 for the *AT forms.
void ExpireGeneric(CommandContext& ctx, bool relative, bool seconds) {
  enum { kNx = 1, kXx = 2, kGt = 4, kLt = 8 };
  int flags = 0;
  for (size_t j = 3; j < ctx.argv.size(); ++j) {
    std::string_view opt = ctx.argv[j];
    if (EqualsIgnoreCase(opt, "nx")) flags |= kNx;
    else if (EqualsIgnoreCase(opt, "xx")) flags |= kXx;
    else if (EqualsIgnoreCase(opt, "gt")) flags |= kGt;
    else if (EqualsIgnoreCase(opt, "lt")) flags |= kLt;
    else return ctx.Error("ERR Unsupported option " + std::string(opt));
  }
  if ((flags & kNx) && (flags & (kXx | kGt | kLt))) {
    return ctx.Error("ERR NX and XX, GT or LT options at the same time are not compatible");
  }
  if ((flags & kGt) && (flags & kLt)) {
    return ctx.Error("ERR GT and LT options at the same time are not compatible");
  }
  int64_t when;
  if (!ParseInt64Arg(ctx.argv[2], &when)) return ctx.Error(errors::kNotInteger);
  if (seconds) {
    if (when > INT64_MAX / 1000 || when < INT64_MIN / 1000) {
      return ctx.Error(errors::InvalidExpire(ctx.command.full_name()));
    }
    when *= 1000;
  }
  const int64_t base = relative ? ctx.now_ms : 0;
  if (when > INT64_MAX - base) return ctx.Error(errors::InvalidExpire(ctx.command.full_name()));
  when += base;
  std::string_view key = ctx.argv[1];
  KeyLoc loc = ctx.Locate(key);
  Entry* e = loc->FindWrite(key, loc.hash, ctx.now_ms);
  if (e == nullptr) return ctx.reply.Integer(0);
  const int64_t current = e->expire_at_ms;  // 0 = none (Redis: -1)
  if ((flags & kNx) && current != 0) return ctx.reply.Integer(0);
  if ((flags & kXx) && current == 0) return ctx.reply.Integer(0);
  if ((flags & kGt) && (current == 0 || when <= current)) return ctx.reply.Integer(0);
  if ((flags & kLt) && current != 0 && when >= current) return ctx.reply.Integer(0);
  if (when <= ctx.now_ms) {
    loc->Delete(key, loc.hash, ctx.now_ms);  // already in the past: the key goes now
    ctx.Notify(notify::kGeneric, "del", key);
  } else {
    loc->SetExpire(key, e, when);
    ctx.Notify(notify::kGeneric, "expire", key);
  }
  ctx.reply.Integer(1);
}

void CmdExpire(CommandContext& ctx) { ExpireGeneric(ctx, true, true); }
void CmdPExpire(CommandContext& ctx) { ExpireGeneric(ctx, true, false); }
void CmdExpireAt(CommandContext& ctx) { ExpireGeneric(ctx, false, true); }
void CmdPExpireAt(CommandContext& ctx) { ExpireGeneric(ctx, false, false); }

// TTL family (Redis's ttlGenericCommand).
void TtlGeneric(CommandContext& ctx, bool ms, bool absolute) {
  KeyLoc loc = ctx.Locate(ctx.argv[1]);
  const Entry* e = loc->FindRead(ctx.argv[1], loc.hash, ctx.now_ms);
  if (e == nullptr) return ctx.reply.Integer(-2);
  if (e->expire_at_ms == 0) return ctx.reply.Integer(-1);
  int64_t ttl = absolute ? e->expire_at_ms : e->expire_at_ms - ctx.now_ms;
  if (ttl < 0) ttl = 0;
  ctx.reply.Integer(ms ? ttl : (ttl + 500) / 1000);
}

void CmdTtl(CommandContext& ctx) { TtlGeneric(ctx, false, false); }
void CmdPTtl(CommandContext& ctx) { TtlGeneric(ctx, true, false); }
void CmdExpireTime(CommandContext& ctx) { TtlGeneric(ctx, false, true); }
void CmdPExpireTime(CommandContext& ctx) { TtlGeneric(ctx, true, true); }

void CmdPersist(CommandContext& ctx) {
  KeyLoc loc = ctx.Locate(ctx.argv[1]);
  Entry* e = loc->FindWrite(ctx.argv[1], loc.hash, ctx.now_ms);
  if (e == nullptr || e->expire_at_ms == 0) return ctx.reply.Integer(0);
  loc->SetExpire(ctx.argv[1], e, 0);
  ctx.Notify(notify::kGeneric, "persist", ctx.argv[1]);
  ctx.reply.Integer(1);
}

// OBJECT subcommands look without touching (no access-time update, no delete).
const Entry* ObjectLookup(CommandContext& ctx) {
  KeyLoc loc = ctx.Locate(ctx.argv[2]);
  const Entry* e = loc->Peek(ctx.argv[2], loc.hash);
  if (e == nullptr || IsExpiredAt(*e, ctx.now_ms)) {
    ctx.reply.Null();
    return nullptr;
  }
  return e;
}

void CmdObjectEncoding(CommandContext& ctx) {
  if (const Entry* e = ObjectLookup(ctx)) ctx.reply.Bulk(EncodingName(e->value.encoding()));
}

void CmdObjectRefcount(CommandContext& ctx) {
  const Entry* e = ObjectLookup(ctx);
  if (e == nullptr) return;
  // Redis shares the integers 0..9999 (OBJ_SHARED_INTEGERS) with refcount INT_MAX.
  const bool shared = e->value.is_int() && e->value.int_value() >= 0 && e->value.int_value() < 10000;
  ctx.reply.Integer(shared ? INT_MAX : 1);
}

void CmdObjectIdletime(CommandContext& ctx) {
  const Entry* e = ObjectLookup(ctx);
  if (e == nullptr) return;
  int64_t idle = ctx.now_ms / 1000 - static_cast<int64_t>(e->access_time_s);
  ctx.reply.Integer(idle < 0 ? 0 : idle);
}

void CmdObjectFreq(CommandContext& ctx) {
  if (ObjectLookup(ctx) == nullptr) return;
  ctx.Error(
      "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note "
      "that when switching between policies at runtime LRU and LFU data will take some time to "
      "adjust.");
}

void CmdObjectHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "ENCODING <key>",
      "    Return the kind of internal representation used in order to store the value",
      "    associated with a <key>.",
      "FREQ <key>",
      "    Return the access frequency index of the <key>. The returned integer is",
      "    proportional to the logarithm of the recent access frequency of the key.",
      "IDLETIME <key>",
      "    Return the idle time of the <key>, that is the approximated number of",
      "    seconds elapsed since the last access to the key.",
      "REFCOUNT <key>",
      "    Return the number of references of the value associated with the specified",
      "    <key>.",
      "HELP",
      "    Prints this help.",
  };
  ctx.reply.ArrayHeader(std::size(kLines));
  for (std::string_view l : kLines) ctx.reply.SimpleString(l);
}

}  // namespace

void RegisterKeysFamily(CommandTable& t) {
  t.Register({"del", -2, kWrite, 1, -1, 1, CmdDel, "@keyspace @write @slow", "generic", "1.0.0"});
  t.Register({"unlink", -2, kWrite | kFast, 1, -1, 1, CmdDel, "@keyspace @write @fast",
              "generic", "4.0.0"});
  t.Register({"exists", -2, kReadOnly | kFast, 1, -1, 1, CmdExists, "@keyspace @read @fast",
              "generic", "1.0.0"});
  t.Register({"touch", -2, kReadOnly | kFast, 1, -1, 1, CmdTouch, "@keyspace @read @fast",
              "generic", "3.2.1"});
  t.Register({"type", 2, kReadOnly | kFast, 1, 1, 1, CmdType, "@keyspace @read @fast", "generic", "1.0.0"});
  t.Register({"rename", 3, kWrite, 1, 2, 1, CmdRename, "@keyspace @write @slow", "generic", "1.0.0"});
  t.Register({"renamenx", 3, kWrite | kFast, 1, 2, 1, CmdRenameNx, "@keyspace @write @fast",
              "generic", "1.0.0"});
  t.Register({"copy", -3, kWrite | kDenyOom | kNoKeyLock, 1, 2, 1, CmdCopy,
              "@keyspace @write @slow", "generic", "6.2.0"});
  t.Register({"move", 3, kWrite | kFast | kNoKeyLock, 1, 1, 1, CmdMove, "@keyspace @write @fast",
              "generic", "1.0.0"});
  t.Register({"keys", 2, kReadOnly | kNoKeyLock, 0, 0, 0, CmdKeys,
              "@keyspace @read @slow @dangerous", "generic", "1.0.0"});
  t.Register({"scan", -2, kReadOnly | kNoKeyLock, 0, 0, 0, CmdScan, "@keyspace @read @slow",
              "generic", "2.8.0"});
  t.Register({"randomkey", 1, kReadOnly | kNoKeyLock, 0, 0, 0, CmdRandomKey,
              "@keyspace @read @slow", "generic", "1.0.0"});
  t.Register({"expire", -3, kWrite | kFast, 1, 1, 1, CmdExpire, "@keyspace @write @fast",
              "generic", "1.0.0"});
  t.Register({"pexpire", -3, kWrite | kFast, 1, 1, 1, CmdPExpire, "@keyspace @write @fast",
              "generic", "2.6.0"});
  t.Register({"expireat", -3, kWrite | kFast, 1, 1, 1, CmdExpireAt, "@keyspace @write @fast",
              "generic", "1.2.0"});
  t.Register({"pexpireat", -3, kWrite | kFast, 1, 1, 1, CmdPExpireAt, "@keyspace @write @fast",
              "generic", "2.6.0"});
  t.Register({"ttl", 2, kReadOnly | kFast, 1, 1, 1, CmdTtl, "@keyspace @read @fast", "generic", "1.0.0"});
  t.Register({"pttl", 2, kReadOnly | kFast, 1, 1, 1, CmdPTtl, "@keyspace @read @fast", "generic", "2.6.0"});
  t.Register({"expiretime", 2, kReadOnly | kFast, 1, 1, 1, CmdExpireTime,
              "@keyspace @read @fast", "generic", "7.0.0"});
  t.Register({"pexpiretime", 2, kReadOnly | kFast, 1, 1, 1, CmdPExpireTime,
              "@keyspace @read @fast", "generic", "7.0.0"});
  t.Register({"persist", 2, kWrite | kFast, 1, 1, 1, CmdPersist, "@keyspace @write @fast",
              "generic", "2.2.0"});

  Command* object = t.Register({"object", -2, 0, 0, 0, 0, nullptr, "@slow", "generic", "2.2.3"});
  t.RegisterSubcommand(object, {"encoding", 3, kReadOnly, 2, 2, 1, CmdObjectEncoding,
                                "@keyspace @read @slow", "generic", "2.2.3"});
  t.RegisterSubcommand(object, {"freq", 3, kReadOnly, 2, 2, 1, CmdObjectFreq,
                                "@keyspace @read @slow", "generic", "4.0.0"});
  t.RegisterSubcommand(object, {"idletime", 3, kReadOnly, 2, 2, 1, CmdObjectIdletime,
                                "@keyspace @read @slow", "generic", "2.2.3"});
  t.RegisterSubcommand(object, {"refcount", 3, kReadOnly, 2, 2, 1, CmdObjectRefcount,
                                "@keyspace @read @slow", "generic", "2.2.3"});
  t.RegisterSubcommand(object, {"help", 2, kLoading | kStale, 0, 0, 0, CmdObjectHelp,
                                "@keyspace @slow", "generic", "6.2.0"});
}

}  // namespace stockd::engine
