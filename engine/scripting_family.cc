// engine/scripting_family.cc — EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT
// (Redis 7.0 semantics; the runs themselves are engine/lua/scripting.h's).
// The rows declare their keys by numkeys (argv[2]; command.h), for COMMAND
// GETKEYS / INFO and ACLs, but carry kNoKeyLock: the script locks its keys
// itself, for its whole run (engine/lua/scripting.h).
#include <string>

#include "absl/strings/ascii.h"
#include "engine/command_context.h"
#include "engine/engine.h"
#include "engine/lua/scripting.h"

namespace stockd::engine {
namespace {

void EvalCmd(CommandContext& ctx) { ctx.engine.scripting().Eval(ctx, false, false); }
void EvalShaCmd(CommandContext& ctx) { ctx.engine.scripting().Eval(ctx, true, false); }
void EvalRoCmd(CommandContext& ctx) { ctx.engine.scripting().Eval(ctx, false, true); }
void EvalShaRoCmd(CommandContext& ctx) { ctx.engine.scripting().Eval(ctx, true, true); }

void ScriptLoadCmd(CommandContext& ctx) {
  std::string sha;
  std::string error;
  if (!ctx.engine.scripting().LoadScript(ctx.argv[2], &sha, &error)) {
    ctx.Error(error);
    return;
  }
  ctx.reply.Bulk(sha);
}

void ScriptExistsCmd(CommandContext& ctx) {
  ctx.reply.ArrayHeader(ctx.argv.size() - 2);
  for (size_t i = 2; i < ctx.argv.size(); ++i) {
    ctx.reply.Integer(ctx.engine.scripting().ScriptExists(ctx.argv[i]) ? 1 : 0);
  }
}

void ScriptFlushCmd(CommandContext& ctx) {
  if (ctx.argv.size() > 3) {
    ctx.Error("ERR SCRIPT FLUSH only support SYNC|ASYNC option");
    return;
  }
  if (ctx.argv.size() == 3) {
    std::string mode(ctx.argv[2]);
    for (char& c : mode) c = absl::ascii_toupper(c);
    if (mode != "SYNC" && mode != "ASYNC") {
      ctx.Error("ERR SCRIPT FLUSH only support SYNC|ASYNC option");
      return;
    }
  }
  ctx.engine.scripting().FlushScripts();
  ctx.reply.Ok();
}

void ScriptKillCmd(CommandContext& ctx) {
  std::string err = ctx.engine.scripting().Kill(false);
  if (err.empty()) {
    ctx.reply.Ok();
  } else {
    ctx.Error(err);
  }
}

void ScriptHelpCmd(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "DEBUG (YES|SYNC|NO)",
      "    Set the debug mode for subsequent scripts executed.",
      "EXISTS <sha1> [<sha1> ...]",
      "    Return information about the existence of the scripts in the script cache.",
      "FLUSH [ASYNC|SYNC]",
      "    Flush the Lua scripts cache. Very dangerous on replicas.",
      "    When called without the optional mode argument, the behavior is determined by the",
      "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
      "    * ASYNC: Asynchronously flush the scripts cache.",
      "    * SYNC: Synchronously flush the scripts cache.",
      "KILL",
      "    Kill the currently executing Lua script.",
      "LOAD <script>",
      "    Load a script into the scripts cache without executing it.",
      "HELP",
      "    Prints this help.",
  };
  ctx.reply.ArrayHeader(std::size(kLines));
  for (std::string_view l : kLines) ctx.reply.SimpleString(l);
}

constexpr uint32_t kEvalFlags = kNoScript | kSkipMonitor | kMayReplicate | kNoMandatoryKeys |
                                kStale | kNoKeyLock;

}  // namespace

void RegisterScriptingFamily(CommandTable& t) {
  t.Register({.name = "eval", .arity = -3, .flags = kEvalFlags, .handler = EvalCmd,
              .acl_categories = "@slow @scripting", .group = "scripting", .since = "2.6.0", .numkeys_at = 2});
  t.Register({.name = "evalsha", .arity = -3, .flags = kEvalFlags, .handler = EvalShaCmd,
              .acl_categories = "@slow @scripting", .group = "scripting", .since = "2.6.0", .numkeys_at = 2});
  t.Register({.name = "eval_ro", .arity = -3, .flags = (kEvalFlags & ~kMayReplicate) | kReadOnly, .handler = EvalRoCmd,
              .acl_categories = "@slow @scripting", .group = "scripting", .since = "7.0.0", .numkeys_at = 2});
  t.Register({.name = "evalsha_ro", .arity = -3, .flags = (kEvalFlags & ~kMayReplicate) | kReadOnly,
              .handler = EvalShaRoCmd, .acl_categories = "@slow @scripting", .group = "scripting",
              .since = "7.0.0", .numkeys_at = 2});
  Command* script = t.Register({.name = "script", .arity = -2, .flags = 0,
                                .acl_categories = "@slow", .group = "scripting", .since = "2.6.0"});
  constexpr uint32_t kSub = kNoScript | kNoKeyLock;
  t.RegisterSubcommand(script, {.name = "load", .arity = 3, .flags = kSub | kStale,
                                .handler = ScriptLoadCmd, .acl_categories = "@slow @scripting",
                                .group = "scripting", .since = "2.6.0"});
  t.RegisterSubcommand(script, {.name = "exists", .arity = -3, .flags = kSub,
                                .handler = ScriptExistsCmd, .acl_categories = "@slow @scripting",
                                .group = "scripting", .since = "2.6.0"});
  t.RegisterSubcommand(script, {.name = "flush", .arity = -2, .flags = kSub,
                                .handler = ScriptFlushCmd, .acl_categories = "@slow @scripting",
                                .group = "scripting", .since = "2.6.0"});
  t.RegisterSubcommand(script, {.name = "kill", .arity = 2, .flags = kSub | kAllowBusy,
                                .handler = ScriptKillCmd, .acl_categories = "@slow @scripting",
                                .group = "scripting", .since = "2.6.0"});
  t.RegisterSubcommand(script, {.name = "help", .arity = 2, .flags = kStale | kLoading,
                                .handler = ScriptHelpCmd, .acl_categories = "@slow @scripting",
                                .group = "scripting", .since = "5.0.0"});
}

}  // namespace stockd::engine
