// engine/db_family.cc — commands about whole databases: SELECT DBSIZE FLUSHDB
// FLUSHALL SWAPDB, and MEMORY USAGE / MEMORY HELP (the server may add the
// other MEMORY subcommands to the same container).
#include <string>

#include "engine/args.h"
#include "engine/command_context.h"
#include "engine/engine.h"
#include "engine/errors.h"

namespace stockd::engine {
namespace {

void CmdSelect(CommandContext& ctx) {
  int db;
  std::string_view error;
  if (!ParseDbIndex(ctx.argv[1], ctx.engine.databases(), &db, &error)) return ctx.Error(error);
  ctx.session.db = db;
  ctx.reply.Ok();
}

void CmdDbSize(CommandContext& ctx) {
  uint64_t n = 0;
  const int shards = ctx.engine.shards_per_db();
  for (int i = 0; i < shards; ++i) {
    n += ctx.engine.shard(static_cast<uint32_t>(ctx.session.db * shards + i)).size();
  }
  ctx.reply.Integer(static_cast<int64_t>(n));
}

// FLUSHDB/FLUSHALL take an optional ASYNC|SYNC; both flush synchronously here.
bool ParseFlushMode(CommandContext& ctx) {
  if (ctx.argv.size() > 2 ||
      (ctx.argv.size() == 2 && !EqualsIgnoreCase(ctx.argv[1], "async") &&
       !EqualsIgnoreCase(ctx.argv[1], "sync"))) {
    ctx.Error(errors::kSyntax);
    return false;
  }
  return true;
}

void CmdFlushDb(CommandContext& ctx) {  // kNoKeyLock: locks the whole db
  if (!ParseFlushMode(ctx)) return;
  ctx.LockDb(ctx.session.db);
  const int shards = ctx.engine.shards_per_db();
  for (int i = 0; i < shards; ++i) {
    ctx.engine.shard(static_cast<uint32_t>(ctx.session.db * shards + i)).Clear();
  }
  ctx.engine.keyspace_events().Flushed(&ctx.session);  // client-side caching: every key invalid
  ctx.reply.Ok();
}

void CmdFlushAll(CommandContext& ctx) {  // kNoKeyLock: locks everything
  if (!ParseFlushMode(ctx)) return;
  ctx.LockAll();
  for (uint32_t i = 0; i < ctx.engine.total_shards(); ++i) ctx.engine.shard(i).Clear();
  ctx.engine.keyspace_events().Flushed(&ctx.session);  // client-side caching: every key invalid
  ctx.reply.Ok();
}

void CmdSwapDb(CommandContext& ctx) {  // kNoKeyLock: locks both dbs
  int64_t a, b;
  if (!ParseInt64Arg(ctx.argv[1], &a) || a < INT32_MIN || a > INT32_MAX) {
    return ctx.Error("ERR invalid first DB index");
  }
  if (!ParseInt64Arg(ctx.argv[2], &b) || b < INT32_MIN || b > INT32_MAX) {
    return ctx.Error("ERR invalid second DB index");
  }
  const int dbs = ctx.engine.databases();
  if (a < 0 || a >= dbs || b < 0 || b >= dbs) return ctx.Error(errors::kDbIndex);
  if (a == b) return ctx.reply.Ok();
  const uint32_t shards = static_cast<uint32_t>(ctx.engine.shards_per_db());
  absl::InlinedVector<uint32_t, 8> ids;
  for (uint32_t i = 0; i < shards; ++i) {
    ids.push_back(static_cast<uint32_t>(a) * shards + i);
    ids.push_back(static_cast<uint32_t>(b) * shards + i);
  }
  ctx.LockShardIds(std::move(ids));
  for (uint32_t i = 0; i < shards; ++i) {
    ctx.engine.shard(static_cast<uint32_t>(a) * shards + i)
        .SwapContents(ctx.engine.shard(static_cast<uint32_t>(b) * shards + i));
  }
  ctx.reply.Ok();
}

void CmdMemoryUsage(CommandContext& ctx) {
  for (size_t j = 3; j < ctx.argv.size(); ++j) {
    int64_t samples;
    if (EqualsIgnoreCase(ctx.argv[j], "samples") && j + 1 < ctx.argv.size()) {
      if (!ParseInt64Arg(ctx.argv[j + 1], &samples)) return ctx.Error(errors::kNotInteger);
      if (samples < 0) return ctx.Error(errors::kSyntax);
      ++j;  // sampling does not apply: sizes are computed exactly
    } else {
      return ctx.Error(errors::kSyntax);
    }
  }
  std::string_view key = ctx.argv[2];
  KeyLoc loc = ctx.Locate(key);
  const Entry* e = loc->Peek(key, loc.hash);
  if (e == nullptr || (e->expire_at_ms != 0 && ctx.now_ms > e->expire_at_ms)) {
    return ctx.reply.Null();
  }
  // The table slot (key + entry) and its control byte, the key's bytes when
  // they do not fit in the slot, and the value (which counts its own 16 bytes).
  size_t usage = sizeof(KeySlot) - sizeof(Value) + 1 + (key.size() > KeyString::kInline ? key.size() : 0) +
                 e->value.MemoryUsage();
  ctx.reply.Integer(static_cast<int64_t>(usage));
}

void CmdMemoryHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "USAGE <key> [SAMPLES <count>]",
      "    Return memory in bytes used by <key> and its value. Nested values are",
      "    sampled up to <count> times (default: 5, 0 means sample all).",
      "HELP",
      "    Prints this help.",
  };
  ctx.reply.ArrayHeader(std::size(kLines));
  for (std::string_view l : kLines) ctx.reply.SimpleString(l);
}

}  // namespace

void RegisterDbFamily(CommandTable& t) {
  t.Register({"select", 2, kLoading | kStale | kFast, 0, 0, 0, CmdSelect,
              "@fast @connection", "connection", "1.0.0"});
  t.Register({"dbsize", 1, kReadOnly | kFast, 0, 0, 0, CmdDbSize, "@keyspace @read @fast",
              "server", "1.0.0"});
  t.Register({"flushdb", -1, kWrite | kNoKeyLock, 0, 0, 0, CmdFlushDb,
              "@keyspace @write @slow @dangerous", "server", "1.0.0"});
  t.Register({"flushall", -1, kWrite | kNoKeyLock, 0, 0, 0, CmdFlushAll,
              "@keyspace @write @slow @dangerous", "server", "1.0.0"});
  t.Register({"swapdb", 3, kWrite | kFast | kNoKeyLock, 0, 0, 0, CmdSwapDb,
              "@keyspace @write @fast @dangerous", "server", "4.0.0"});
  Command* memory = t.Register({"memory", -2, 0, 0, 0, 0, nullptr, "@slow", "server", "4.0.0"});
  t.RegisterSubcommand(memory, {"usage", -3, kReadOnly, 2, 2, 1, CmdMemoryUsage,
                                "@read @slow", "server", "4.0.0"});
  t.RegisterSubcommand(memory, {"help", 2, kLoading | kStale, 0, 0, 0, CmdMemoryHelp, "@slow",
                                "server", "4.0.0"});
}

}  // namespace stockd::engine
