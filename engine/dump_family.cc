// engine/dump_family.cc — DUMP, RESTORE and RESTORE-ASKING (Redis 7.0's
// cluster.c dumpCommand / restoreCommand), over the RDB value codec in
// engine/rdb/ (rdb_value.h; the bytes are described in rdb/FORMAT.md).
//
// Contract:
//  * DUMP key: nil when the key is missing, else Redis 7.0's payload for the
//    value (RDB version 10, CRC64). Every key stockd has is one of Redis's
//    types (a STOCK.* SKU is an integer string; orders live in the order log,
//    not in keys), so no stockd-private type byte exists.
//  * RESTORE key ttl payload [REPLACE] [ABSTTL] [IDLETIME s] [FREQ f]: checks
//    in Redis's order — options (syntax error, IDLETIME / FREQ ranges; IDLETIME
//    and FREQ exclude each other as a syntax error), then BUSYKEY when the key
//    exists without REPLACE, then the TTL (an integer >= 0), then the payload
//    (version and CRC64: "DUMP payload version or checksum are wrong"; any
//    decoding failure: "Bad data format"). Nothing is changed before all of
//    them pass. ttl 0 means no expiry; otherwise relative ms, or a unix-ms
//    time with ABSTTL. A TTL already in the past creates nothing and replies
//    OK (with REPLACE the old key is deleted: a "del" event). Otherwise the key
//    is created, "restore" is announced (generic class) and blocked clients
//    of the key are woken. IDLETIME sets OBJECT IDLETIME's clock; FREQ is
//    accepted and ignored (stockd has no LFU policy, as Redis without one).
//  * RESTORE-ASKING is RESTORE (Redis's cluster-migration twin, flag "asking").
#include <string>

#include "engine/args.h"
#include "engine/blocking.h"
#include "engine/command_context.h"
#include "engine/engine.h"
#include "engine/errors.h"
#include "engine/rdb/rdb_value.h"
#include "engine/types/list.h"
#include "engine/types/zset.h"

namespace stockd::engine {
namespace {

constexpr std::string_view kErrBusyKey = "BUSYKEY Target key name already exists.";
constexpr std::string_view kErrTtl = "ERR Invalid TTL value, must be >= 0";
constexpr std::string_view kErrPayload = "ERR DUMP payload version or checksum are wrong";
constexpr std::string_view kErrBadFormat = "ERR Bad data format";
constexpr std::string_view kErrIdle = "ERR Invalid IDLETIME value, must be >= 0";
constexpr std::string_view kErrFreq = "ERR Invalid FREQ value, must be >= 0 and <= 255";

void CmdDump(CommandContext& ctx) {
  KeyLoc loc = ctx.Locate(ctx.argv[1]);
  const Entry* e = loc->FindRead(ctx.argv[1], loc.hash, ctx.now_ms);
  if (e == nullptr) return ctx.reply.Null();
  ctx.reply.Bulk(rdb::DumpPayload(e->value));
}

// Wakes clients blocked on the new key (Redis's dbAdd → signalKeyAsReady).
void SignalRestored(CommandContext& ctx, const KeyLoc& loc, std::string_view key, const Value& v) {
  if (v.is_string()) return;
  switch (v.type()) {
    case ValueType::kList:
      SignalKeyReady(ctx, loc, key, static_cast<const ListObject*>(v.object())->size());
      break;
    case ValueType::kZSet:
      SignalKeyReady(ctx, loc, key, static_cast<const ZSetObject*>(v.object())->size());
      break;
    case ValueType::kStream: SignalKeyReadyAll(ctx, loc, key); break;
    default: break;
  }
}

void CmdRestore(CommandContext& ctx) {
  bool replace = false, absttl = false;
  int64_t idle = -1, freq = -1;
  for (size_t j = 4; j < ctx.argv.size(); ++j) {
    const size_t additional = ctx.argv.size() - j - 1;
    std::string_view opt = ctx.argv[j];
    if (EqualsIgnoreCase(opt, "replace")) {
      replace = true;
    } else if (EqualsIgnoreCase(opt, "absttl")) {
      absttl = true;
    } else if (EqualsIgnoreCase(opt, "idletime") && additional >= 1 && freq == -1) {
      if (!ParseInt64Arg(ctx.argv[j + 1], &idle)) return ctx.Error(errors::kNotInteger);
      if (idle < 0) return ctx.Error(kErrIdle);
      ++j;
    } else if (EqualsIgnoreCase(opt, "freq") && additional >= 1 && idle == -1) {
      if (!ParseInt64Arg(ctx.argv[j + 1], &freq)) return ctx.Error(errors::kNotInteger);
      if (freq < 0 || freq > 255) return ctx.Error(kErrFreq);
      ++j;
    } else {
      return ctx.Error(errors::kSyntax);
    }
  }
  std::string_view key = ctx.argv[1];
  KeyLoc loc = ctx.Locate(key);
  if (!replace && loc->FindWrite(key, loc.hash, ctx.now_ms) != nullptr) return ctx.Error(kErrBusyKey);
  int64_t ttl;
  if (!ParseInt64Arg(ctx.argv[2], &ttl)) return ctx.Error(errors::kNotInteger);
  if (ttl < 0) return ctx.Error(kErrTtl);
  std::string_view payload = ctx.argv[3];
  if (!rdb::VerifyPayload(payload)) return ctx.Error(kErrPayload);
  Value value;
  if (!rdb::LoadPayload(payload, &value)) return ctx.Error(kErrBadFormat);

  const bool deleted = replace && loc->Delete(key, loc.hash, ctx.now_ms);
  // As Redis 7.0: a relative TTL is added to the clock without an overflow
  // check (a wrapped, negative time is simply already expired).
  if (ttl != 0 && !absttl) ttl = static_cast<int64_t>(static_cast<uint64_t>(ttl) + static_cast<uint64_t>(ctx.now_ms));
  if (ttl != 0 && ttl <= ctx.now_ms) {
    if (deleted) ctx.Notify(notify::kGeneric, "del", key);
    return ctx.reply.Ok();
  }
  Entry* e = loc->Set(key, loc.hash, std::move(value), ctx.now_ms);
  if (ttl != 0) loc->SetExpire(key, e, ttl);
  if (idle >= 0) {
    const int64_t at = ctx.now_ms / 1000 - idle;
    e->access_time_s = at > 0 ? static_cast<uint32_t>(at) : 0;
  }
  SignalRestored(ctx, loc, key, e->value);
  ctx.Notify(notify::kGeneric, "restore", key);
  ctx.reply.Ok();
}

}  // namespace

void RegisterDumpFamily(CommandTable& t) {
  t.Register({"dump", 2, kReadOnly, 1, 1, 1, CmdDump, "@keyspace @read @slow", "generic", "2.6.0"});
  t.Register({"restore", -4, kWrite | kDenyOom, 1, 1, 1, CmdRestore, "@keyspace @write @slow @dangerous",
              "generic", "2.6.0"});
  t.Register({"restore-asking", -4, kWrite | kDenyOom | kAsking, 1, 1, 1, CmdRestore,
              "@keyspace @write @slow @dangerous", "server", "3.0.0", 0, {}, {}, true});
}

}  // namespace stockd::engine
