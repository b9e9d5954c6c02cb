// engine/function_family.cc — Redis 7 functions: FUNCTION LOAD [REPLACE],
// DELETE, FLUSH, LIST [WITHCODE] [LIBRARYNAME p], KILL, STATS, DUMP, RESTORE,
// FCALL, FCALL_RO (the catalog and runs are engine/lua/scripting.h's).
// FUNCTION DUMP's payload is Redis 7.0's (functionDumpCommand): per library
// RDB_OPCODE_FUNCTION2 (245) + its code as an RDB string, then the RDB version
// and the CRC64 (engine/rdb/), so a payload from redis-server restores here
// and one from here restores on redis-server.
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "engine/command_context.h"
#include "engine/engine.h"
#include "engine/glob.h"
#include "engine/lua/scripting.h"
#include "engine/rdb/crc64.h"
#include "engine/rdb/rdb_io.h"
#include "engine/rdb/rdb_value.h"

namespace stockd::engine {
namespace {

// rdb.h's opcodes of a function library (PRE_GA: the 7.0 release candidates').
constexpr uint8_t kOpcodeFunction2 = 245;
constexpr uint8_t kOpcodeFunctionPreGa = 246;

std::string Upper(std::string_view s) {
  std::string u(s);
  for (char& c : u) c = absl::ascii_toupper(c);
  return u;
}

void FCallCmd(CommandContext& ctx) { ctx.engine.scripting().FCall(ctx, false); }
void FCallRoCmd(CommandContext& ctx) { ctx.engine.scripting().FCall(ctx, true); }

void FunctionLoadCmd(CommandContext& ctx) {
  bool replace = false;
  size_t i = 2;
  for (; i + 1 < ctx.argv.size(); ++i) {
    if (Upper(ctx.argv[i]) == "REPLACE") {
      replace = true;
    } else {
      ctx.Error("ERR Unknown option given: " + std::string(ctx.argv[i]));
      return;
    }
  }
  if (i >= ctx.argv.size()) {
    ctx.Error("ERR Function code is missing");
    return;
  }
  std::string name;
  std::string error;
  if (!ctx.engine.scripting().LoadLibrary(ctx.argv[i], replace, &name, &error)) {
    ctx.Error(error);
    return;
  }
  ctx.reply.Bulk(name);
}

void FunctionDeleteCmd(CommandContext& ctx) {
  if (!ctx.engine.scripting().DeleteLibrary(ctx.argv[2])) {
    ctx.Error("ERR Library not found");
    return;
  }
  ctx.reply.Ok();
}

void FunctionFlushCmd(CommandContext& ctx) {
  if (ctx.argv.size() > 3 ||
      (ctx.argv.size() == 3 && Upper(ctx.argv[2]) != "SYNC" && Upper(ctx.argv[2]) != "ASYNC")) {
    ctx.Error("ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
    return;
  }
  ctx.engine.scripting().FlushLibraries();
  ctx.reply.Ok();
}

void FunctionKillCmd(CommandContext& ctx) {
  std::string err = ctx.engine.scripting().Kill(true);
  if (err.empty()) {
    ctx.reply.Ok();
  } else {
    ctx.Error(err);
  }
}

void WriteFlags(protocol::ReplyWriter& w, uint32_t flags) {
  static constexpr std::pair<uint32_t, std::string_view> kNames[] = {
      {lua::kNoWrites, "no-writes"},         {lua::kAllowOom, "allow-oom"},
      {lua::kAllowStale, "allow-stale"},     {lua::kNoCluster, "no-cluster"},
      {lua::kAllowCrossSlotKeys, "allow-cross-slot-keys"}};
  size_t n = 0;
  for (const auto& [f, name] : kNames) n += (flags & f) ? 1 : 0;
  w.SetHeader(n);
  for (const auto& [f, name] : kNames) {
    if (flags & f) w.Bulk(name);
  }
}

void FunctionListCmd(CommandContext& ctx) {
  bool with_code = false;
  std::string pattern;
  bool has_pattern = false;
  for (size_t i = 2; i < ctx.argv.size(); ++i) {
    const std::string opt = Upper(ctx.argv[i]);
    if (opt == "WITHCODE" && !with_code) {
      with_code = true;
    } else if (opt == "LIBRARYNAME" && !has_pattern && i + 1 < ctx.argv.size()) {
      pattern = std::string(ctx.argv[++i]);
      has_pattern = true;
    } else {
      ctx.Error("ERR Unknown argument " + std::string(ctx.argv[i]));
      return;
    }
  }
  std::vector<lua::LibraryInfo> libs = ctx.engine.scripting().Libraries();
  std::vector<const lua::LibraryInfo*> shown;
  for (const auto& lib : libs) {
    if (!has_pattern || GlobMatch(pattern, lib.name, false)) shown.push_back(&lib);
  }
  protocol::ReplyWriter& w = ctx.reply;
  w.ArrayHeader(shown.size());
  for (const lua::LibraryInfo* lib : shown) {
    w.MapHeader(with_code ? 4 : 3);
    w.Bulk("library_name");
    w.Bulk(lib->name);
    w.Bulk("engine");
    w.Bulk(lib->engine);
    w.Bulk("functions");
    w.ArrayHeader(lib->functions.size());
    for (const auto& f : lib->functions) {
      w.MapHeader(3);
      w.Bulk("name");
      w.Bulk(f.name);
      w.Bulk("description");
      w.Null();
      w.Bulk("flags");
      WriteFlags(w, f.flags);
    }
    if (with_code) {
      w.Bulk("library_code");
      w.Bulk(lib->code);
    }
  }
}

void FunctionStatsCmd(CommandContext& ctx) {
  protocol::ReplyWriter& w = ctx.reply;
  auto running = ctx.engine.scripting().RunningScripts();
  auto libs = ctx.engine.scripting().Libraries();
  size_t functions = 0;
  for (const auto& l : libs) functions += l.functions.size();
  w.MapHeader(2);
  w.Bulk("running_script");
  if (running.empty()) {
    w.Null();
  } else {
    w.MapHeader(3);
    w.Bulk("name");
    w.Bulk(running[0].first);
    w.Bulk("command");
    w.ArrayHeader(1);
    w.Bulk(running[0].first);
    w.Bulk("duration_ms");
    w.Integer(running[0].second);
  }
  w.Bulk("engines");
  w.MapHeader(1);
  w.Bulk("LUA");
  w.MapHeader(2);
  w.Bulk("libraries_count");
  w.Integer(static_cast<int64_t>(libs.size()));
  w.Bulk("functions_count");
  w.Integer(static_cast<int64_t>(functions));
}

void FunctionDumpCmd(CommandContext& ctx) {
  rdb::RdbWriter w;
  for (const auto& lib : ctx.engine.scripting().Libraries()) {
    w.Byte(kOpcodeFunction2);
    w.String(lib.code);
  }
  std::string out = std::move(w.out());
  out.push_back(static_cast<char>(rdb::kRdbVersion & 0xff));
  out.push_back(static_cast<char>(rdb::kRdbVersion >> 8));
  const uint64_t crc = rdb::Crc64(0, out);
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((crc >> (8 * i)) & 0xff));
  ctx.reply.Bulk(out);
}

void FunctionRestoreCmd(CommandContext& ctx) {
  lua::Scripting::RestorePolicy policy = lua::Scripting::RestorePolicy::kAppend;
  if (ctx.argv.size() > 4) {
    ctx.Error("ERR syntax error");
    return;
  }
  if (ctx.argv.size() == 4) {
    const std::string p = Upper(ctx.argv[3]);
    if (p == "APPEND") {
      policy = lua::Scripting::RestorePolicy::kAppend;
    } else if (p == "REPLACE") {
      policy = lua::Scripting::RestorePolicy::kReplace;
    } else if (p == "FLUSH") {
      policy = lua::Scripting::RestorePolicy::kFlush;
    } else {
      ctx.Error("ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.");
      return;
    }
  }
  std::string_view payload = ctx.argv[2];
  if (!rdb::VerifyPayload(payload)) {
    ctx.Error("ERR DUMP payload version or checksum are wrong");  // redis-server 7.0.15's text
    return;
  }
  // functionRestoreCommand: opcode + code until the 10-byte footer.
  rdb::RdbReader r(payload.substr(0, payload.size() - 10));
  std::vector<std::string> codes;
  while (r.remaining() > 0) {
    uint8_t type;
    r.Byte(&type);
    std::string code;
    if (type == kOpcodeFunctionPreGa) {
      // The 7.0 release candidates' layout: name, engine, [description],
      // body; redis-server 7.0.15 loads it as "#!lua name=<name>\n" + body.
      std::string name, engine, desc;
      uint64_t has_desc;
      if (!r.String(&name)) return ctx.Error("ERR Failed loading library name");
      if (!r.String(&engine)) return ctx.Error("ERR Failed loading engine name");
      if (!r.Len(&has_desc)) return ctx.Error("ERR Failed loading library blob");
      if (has_desc != 0 && !r.String(&desc)) return ctx.Error("ERR Failed loading library description");
      if (!r.String(&code)) return ctx.Error("ERR Failed loading library blob");
      if (Upper(engine) != "LUA") return ctx.Error("ERR Engine '" + engine + "' not found");
      code = "#!lua name=" + name + "\n" + code;
    } else if (type != kOpcodeFunction2) {
      return ctx.Error("ERR given type is not a function");
    } else if (!r.String(&code)) {
      return ctx.Error("ERR Failed loading library payload");
    }
    codes.push_back(std::move(code));
  }
  std::string error;
  if (!ctx.engine.scripting().RestoreLibraries(codes, policy, &error)) {
    ctx.Error(error);
    return;
  }
  ctx.reply.Ok();
}

void FunctionHelpCmd(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      // Redis 7.0's text, line for line (tests/compat/command_compat_test.cc).
      "FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "LOAD [REPLACE] <FUNCTION CODE>",
      "    Create a new library with the given library name and code.",
      "DELETE <LIBRARY NAME>",
      "    Delete the given library.",
      "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
      "    Return general information on all the libraries:",
      "    * Library name",
      "    * The engine used to run the Library",
      "    * Library description",
      "    * Functions list",
      "    * Library code (if WITHCODE is given)",
      "    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
      "STATS",
      "    Return information about the current function running:",
      "    * Function name",
      "    * Command used to run the function",
      "    * Duration in MS that the function is running",
      "    If no function is running, return nil",
      "    In addition, returns a list of available engines.",
      "KILL",
      "    Kill the current running function.",
      "FLUSH [ASYNC|SYNC]",
      "    Delete all the libraries.",
      "    When called without the optional mode argument, the behavior is determined by the",
      "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
      "    * ASYNC: Asynchronously flush the libraries.",
      "    * SYNC: Synchronously flush the libraries.",
      "DUMP",
      "    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
      "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
      "    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
      "    control how to handle existing libraries (default APPEND):",
      "    * FLUSH: delete all existing libraries.",
      "    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
      "    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
      "      libraries with the new libraries (notice that even on this option there is a chance of failure",
      "      in case of functions name collision with another library).",
      "HELP",
      "    Prints this help.",
  };
  ctx.reply.ArrayHeader(std::size(kLines));
  for (std::string_view l : kLines) ctx.reply.SimpleString(l);
}

constexpr uint32_t kFcallFlags = kNoScript | kSkipMonitor | kMayReplicate | kNoMandatoryKeys |
                                 kStale | kNoKeyLock;

}  // namespace

void RegisterFunctionFamily(CommandTable& t) {
  t.Register({.name = "fcall", .arity = -3, .flags = kFcallFlags, .handler = FCallCmd,
              .acl_categories = "@slow @scripting", .group = "scripting", .since = "7.0.0", .numkeys_at = 2});
  t.Register({.name = "fcall_ro", .arity = -3, .flags = (kFcallFlags & ~kMayReplicate) | kReadOnly,
              .handler = FCallRoCmd, .acl_categories = "@slow @scripting", .group = "scripting",
              .since = "7.0.0", .numkeys_at = 2});
  Command* fn = t.Register({.name = "function", .arity = -2, .flags = 0,
                            .acl_categories = "@slow", .group = "scripting", .since = "7.0.0"});
  constexpr uint32_t kSub = kNoScript | kNoKeyLock;
  struct Row {
    std::string_view name;
    int arity;
    uint32_t flags;
    Handler handler;
  };
  const Row rows[] = {
      {"load", -3, kSub | kWrite | kDenyOom, FunctionLoadCmd},
      {"delete", 3, kSub | kWrite, FunctionDeleteCmd},
      {"flush", -2, kSub | kWrite, FunctionFlushCmd},
      {"list", -2, kSub, FunctionListCmd},
      {"kill", 2, kSub | kAllowBusy, FunctionKillCmd},
      {"stats", 2, kSub | kAllowBusy, FunctionStatsCmd},
      {"dump", 2, kSub, FunctionDumpCmd},
      {"restore", -3, kSub | kWrite | kDenyOom, FunctionRestoreCmd},
      {"help", 2, kLoading | kStale, FunctionHelpCmd},
  };
  for (const Row& r : rows) {
    t.RegisterSubcommand(fn, {.name = r.name, .arity = r.arity, .flags = r.flags, .handler = r.handler,
                              .acl_categories = "@slow @scripting", .group = "scripting", .since = "7.0.0"});
  }
}

}  // namespace stockd::engine
