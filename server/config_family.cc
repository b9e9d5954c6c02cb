// server/config_family.cc — CONFIG GET / SET / RESETSTAT / HELP over the
// directive table in config/config.h.
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "engine/engine.h"
#include "engine/glob.h"
#include "runtime/log.h"
#include "server/connection.h"
#include "server/families.h"
#include "server/server.h"

namespace stockd::server {

using engine::CommandContext;

namespace {

void CmdConfigGet(CommandContext& ctx) {
  Connection* c = RequireConnection(ctx);
  if (c == nullptr) return;
  std::vector<std::pair<std::string, std::string>> found;
  for (size_t i = 2; i < ctx.argv.size(); ++i) {
    std::string_view pattern = ctx.argv[i];
    for (auto& kv : c->server().config().Get(
             [&](std::string_view name) { return engine::GlobMatch(pattern, name, /*nocase=*/true); })) {
      bool dup = false;
      for (const auto& f : found) dup |= f.first == kv.first;
      if (!dup) found.push_back(std::move(kv));
    }
  }
  ctx.reply.MapHeader(found.size());
  for (const auto& [k, v] : found) {
    ctx.reply.Bulk(k);
    ctx.reply.Bulk(v);
  }
}

void CmdConfigSet(CommandContext& ctx) {
  Connection* c = RequireConnection(ctx);
  if (c == nullptr) return;
  if (ctx.argv.size() % 2 != 0) {
    ctx.Error("ERR wrong number of arguments for 'config|set' command");
    return;
  }
  config::Config& cfg = c->server().config();
  // Redis 7 applies several pairs atomically: on a failure, restore the
  // values already changed.
  std::vector<std::pair<std::string, std::string>> previous;
  for (size_t i = 2; i + 1 < ctx.argv.size(); i += 2) {
    std::string name = absl::AsciiStrToLower(A(ctx.argv[i]));
    for (size_t j = 2; j < i; j += 2) {
      if (absl::AsciiStrToLower(A(ctx.argv[j])) == name) {
        ctx.Error(absl::StrCat("ERR CONFIG SET failed (possibly related to argument '", name, "') - duplicate parameter"));
        return;
      }
    }
    auto old = cfg.Get([&](std::string_view n) { return n == name; });
    absl::Status s = cfg.SetAtRuntime(ctx.argv[i], ctx.argv[i + 1]);
    if (!s.ok()) {
      for (auto it = previous.rbegin(); it != previous.rend(); ++it) (void)cfg.SetAtRuntime(it->first, it->second);
      ctx.Error(std::string(s.message()));
      return;
    }
    if (!old.empty()) previous.push_back(old[0]);
  }
  ctx.reply.Ok();
}

void CmdConfigResetStat(CommandContext& ctx) {
  Connection* c = RequireConnection(ctx);
  if (c == nullptr) return;
  Server& s = c->server();
  s.engine().ResetStats();
  s.stats().total_connections_received = 0;
  s.stats().rejected_connections = 0;
  s.stats().closed_net_input_bytes = 0;
  s.stats().closed_net_output_bytes = 0;
  s.stats().closed_reads_processed = 0;
  s.stats().closed_writes_processed = 0;
  s.ForEachClient([](Connection& live) { live.ResetNetStats(); });
  s.instantaneous_ops().Reset();
  s.instantaneous_input_bytes().Reset();
  s.instantaneous_output_bytes().Reset();
  s.stats().unexpected_error_replies = 0;
  s.stats().client_query_buffer_limit_disconnections = 0;
  s.stats().client_output_buffer_limit_disconnections = 0;
  ctx.reply.Ok();
}

// CONFIG REWRITE: the file the server was started with (config/config.h: Rewrite).
void CmdConfigRewrite(CommandContext& ctx) {
  Connection* c = RequireConnection(ctx);
  if (c == nullptr) return;
  Server& s = c->server();
  if (s.config_file().empty()) return ctx.Error("ERR The server is running without a config file");
  if (absl::Status st = s.config().Rewrite(s.config_file()); !st.ok()) {
    runtime::LogWarning("CONFIG REWRITE failed: %s", std::string(st.message()));
    return ctx.Error(absl::StrCat("ERR Rewriting config file: ", st.message()));
  }
  runtime::LogInfo("CONFIG REWRITE executed with success.");
  ctx.reply.Ok();
}

void CmdConfigHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "GET <pattern>",
      "    Return parameters matching the glob-like <pattern> and their values.",
      "SET <directive> <value>",
      "    Set the configuration <directive> to <value>.",
      "RESETSTAT",
      "    Reset statistics reported by the INFO command.",
      "REWRITE",
      "    Rewrite the configuration file.",
      "HELP",
      "    Prints this help.",
  };
  ctx.reply.ArrayHeader(std::size(kLines));
  for (auto l : kLines) ctx.reply.SimpleString(l);
}

}  // namespace

void RegisterConfigFamily(engine::CommandTable& t) {
  engine::Command* config = t.Register({.name = "config", .arity = -2, .acl_categories = "@slow", .group = "server",
                                        .since = "2.0.0"});
  constexpr uint32_t kF = engine::kAdmin | engine::kNoScript | engine::kLoading | engine::kStale;
  t.RegisterSubcommand(config, {.name = "get", .arity = -3, .flags = kF, .handler = CmdConfigGet, .acl_categories = "@slow",
                                .group = "server", .since = "2.0.0"});
  t.RegisterSubcommand(config, {.name = "set", .arity = -4, .flags = kF, .handler = CmdConfigSet,
                                .acl_categories = "@slow", .group = "server", .since = "2.0.0"});
  t.RegisterSubcommand(config, {.name = "resetstat", .arity = 2, .flags = kF, .handler = CmdConfigResetStat,
                                .acl_categories = "@slow", .group = "server", .since = "2.0.0"});
  t.RegisterSubcommand(config, {.name = "rewrite", .arity = 2, .flags = kF, .handler = CmdConfigRewrite,
                                .acl_categories = "@slow", .group = "server", .since = "2.8.0"});
  t.RegisterSubcommand(config, {.name = "help", .arity = 2, .flags = engine::kLoading | engine::kStale,
                                .handler = CmdConfigHelp, .acl_categories = "@slow", .group = "server",
                                .since = "5.0.0"});
}

void RegisterServerCommands(engine::CommandTable& table) {
  RegisterConnectionFamily(table);
  RegisterServerFamily(table);
  RegisterInfoFamily(table);
  RegisterConfigFamily(table);
  RegisterAclFamily(table);
  RegisterPubSubFamily(table);
  RegisterLatencyFamily(table);
}

}  // namespace stockd::server
