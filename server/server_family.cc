// server/server_family.cc — commands about the server: COMMAND, TIME,
// SHUTDOWN, SLOWLOG, MONITOR, DEBUG.
#include <algorithm>
#include <bit>
#include <span>
#include <stdexcept>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "engine/command_docs.h"
#include "engine/engine.h"
#include "runtime/time.h"
#include "server/acl.h"
#include "server/connection.h"
#include "server/families.h"
#include "server/server.h"

namespace stockd::server {

using engine::Command;
using engine::CommandContext;

namespace {

// ACL categories of a command as COMMAND INFO prints them: in Redis's
// category order (acl::CategoryNames).
std::vector<std::string> AclCategories(const Command& c) {
  std::vector<std::string> cats;
  const uint64_t bits = acl::CommandCategories(c);
  const auto& names = acl::CategoryNames();
  for (size_t i = 0; i < names.size(); ++i) {
    if (bits & (uint64_t{1} << i)) cats.push_back(absl::StrCat("@", A(names[i])));
  }
  return cats;
}

// COMMAND INFO's key specifications, as Redis 7.0 prints them
// (addReplyCommandKeySpecs): a set of maps {notes?, flags, begin_search:
// {type, spec}, find_keys: {type, spec}}, each spec a map of its type's fields.
void ReplyKeySpecs(protocol::ReplyWriter& r, std::span<const engine::KeySpec> specs) {
  using engine::KeyBegin;
  using engine::KeyFind;
  auto field = [&r](std::string_view name, int64_t value) {
    r.Bulk(name);
    r.Integer(value);
  };
  // begin_search / find_keys: {type, spec: {the type's fields}}.
  auto search = [&r](std::string_view part, std::string_view type, size_t fields) {
    r.Bulk(part);
    r.MapHeader(2);
    r.Bulk("type");
    r.Bulk(type);
    r.Bulk("spec");
    r.MapHeader(fields);
  };
  r.SetHeader(specs.size());
  for (const engine::KeySpec& k : specs) {
    r.MapHeader(3 + !k.notes.empty());
    if (!k.notes.empty()) {
      r.Bulk("notes");
      r.Bulk(k.notes);
    }
    r.Bulk("flags");
    const auto names = engine::KeySpecFlagNames();
    r.SetHeader(std::popcount(k.flags));
    for (size_t i = 0; i < names.size(); ++i) {
      if (k.flags & (1u << i)) r.SimpleString(names[i]);
    }
    switch (k.begin) {
      case KeyBegin::kUnknown:
        search("begin_search", "unknown", 0);
        break;
      case KeyBegin::kIndex:
        search("begin_search", "index", 1);
        field("index", k.index);
        break;
      case KeyBegin::kKeyword:
        search("begin_search", "keyword", 2);
        r.Bulk("keyword");
        r.Bulk(k.keyword);
        field("startfrom", k.startfrom);
        break;
    }
    switch (k.find) {
      case KeyFind::kUnknown:
        search("find_keys", "unknown", 0);
        break;
      case KeyFind::kRange:
        search("find_keys", "range", 3);
        field("lastkey", k.lastkey);
        field("keystep", k.keystep);
        field("limit", k.limit);
        break;
      case KeyFind::kKeynum:
        search("find_keys", "keynum", 3);
        field("keynumidx", k.keynumidx);
        field("firstkey", k.firstkey);
        field("keystep", k.keystep);
        break;
    }
  }
}

void ReplyCommandInfo(CommandContext& ctx, const Command& c) {
  const engine::CommandSpec& s = c.spec();
  auto& r = ctx.reply;
  r.ArrayHeader(10);
  r.Bulk(c.full_name());
  r.Integer(s.arity);
  auto flags = engine::FlagNames(s.flags, c.movable_keys());
  r.SetHeader(flags.size());
  for (auto f : flags) r.SimpleString(f);
  r.Integer(s.first_key);
  r.Integer(s.last_key);
  r.Integer(s.key_step);
  auto cats = AclCategories(c);
  r.SetHeader(cats.size());
  for (const auto& cat : cats) r.SimpleString(cat);
  // Tips and key specs are the command's doc (engine/command_docs.h: Redis's
  // own for a command Redis has), printed as addReplyCommandInfo does.
  const engine::CommandDoc* doc = engine::FindCommandDoc(c.full_name());
  const auto tips = doc != nullptr ? doc->tips : std::span<const std::string_view>{};
  r.SetHeader(tips.size());
  for (auto tip : tips) r.Bulk(tip);
  ReplyKeySpecs(r, doc != nullptr ? doc->key_specs : std::span<const engine::KeySpec>{});
  // Redis: an empty set without subcommands, else an array.
  if (c.subcommands().empty()) {
    r.SetHeader(0);
    return;
  }
  r.ArrayHeader(c.subcommands().size());
  for (const Command* sub : c.subcommands()) ReplyCommandInfo(ctx, *sub);
}

// COMMAND DOCS' "arguments": each argument a map, fields in Redis 7.0's
// order (addReplyCommandArgList), absent ones omitted.
void ReplyCommandArgs(protocol::ReplyWriter& r, std::span<const engine::CommandArg> args) {
  r.ArrayHeader(args.size());
  for (const engine::CommandArg& a : args) {
    const bool nested = a.type == engine::ArgType::kOneOf || a.type == engine::ArgType::kBlock;
    const int flags = std::popcount(a.flags);
    r.MapHeader(2 + (a.key_spec_index >= 0) + !a.token.empty() + !a.summary.empty() + !a.since.empty() +
                !a.deprecated_since.empty() + (flags != 0) + nested);
    r.Bulk("name");
    r.Bulk(a.name);
    r.Bulk("type");
    r.Bulk(engine::ArgTypeName(a.type));
    if (a.key_spec_index >= 0) {
      r.Bulk("key_spec_index");
      r.Integer(a.key_spec_index);
    }
    for (const auto& [field, value] : {std::pair<std::string_view, std::string_view>{"token", a.token},
                                       {"summary", a.summary},
                                       {"since", a.since},
                                       {"deprecated_since", a.deprecated_since}}) {
      if (value.empty()) continue;
      r.Bulk(field);
      r.Bulk(value);
    }
    if (flags != 0) {
      r.Bulk("flags");
      r.SetHeader(flags);
      if (a.flags & engine::kArgOptional) r.SimpleString("optional");
      if (a.flags & engine::kArgMultiple) r.SimpleString("multiple");
      if (a.flags & engine::kArgMultipleToken) r.SimpleString("multiple_token");
    }
    if (nested) {
      r.Bulk("arguments");
      ReplyCommandArgs(r, a.args);
    }
  }
}

// One command's COMMAND DOCS entry, fields in Redis 7.0's order
// (addReplyCommandDocs): the row's since, group and deprecation, the rest
// from its CommandDoc (engine/command_docs.h).
void ReplyCommandDocs(CommandContext& ctx, const Command& c) {
  const engine::CommandSpec& s = c.spec();
  static constexpr engine::CommandDoc kNoDoc{};
  const engine::CommandDoc* found = engine::FindCommandDoc(c.full_name());
  const engine::CommandDoc& d = found != nullptr ? *found : kNoDoc;
  auto& r = ctx.reply;
  const bool subs = !c.subcommands().empty();
  const bool deprecated = !s.deprecated_since.empty();
  const size_t doc_flags = (deprecated ? 1 : 0) + (s.syscmd ? 1 : 0);
  r.MapHeader(3 + !d.complexity.empty() + (doc_flags != 0) + (deprecated ? 2 : 0) + !d.history.empty() +
              !d.args.empty() + subs);
  r.Bulk("summary");
  r.Bulk(d.summary);
  r.Bulk("since");
  r.Bulk(s.since.empty() ? "1.0.0" : s.since);
  r.Bulk("group");
  r.Bulk(s.group.empty() ? "generic" : s.group);
  if (!d.complexity.empty()) {
    r.Bulk("complexity");
    r.Bulk(d.complexity);
  }
  if (doc_flags != 0) {  // Redis's order: deprecated, then syscmd
    r.Bulk("doc_flags");
    r.SetHeader(doc_flags);
    if (deprecated) r.SimpleString("deprecated");
    if (s.syscmd) r.SimpleString("syscmd");
  }
  if (deprecated) {
    r.Bulk("deprecated_since");
    r.Bulk(s.deprecated_since);
    r.Bulk("replaced_by");
    r.Bulk(s.replaced_by);
  }
  if (!d.history.empty()) {
    r.Bulk("history");
    r.SetHeader(d.history.size());
    for (const engine::CommandHistory& h : d.history) {
      r.ArrayHeader(2);
      r.Bulk(h.version);
      r.Bulk(h.change);
    }
  }
  if (!d.args.empty()) {
    r.Bulk("arguments");
    ReplyCommandArgs(r, d.args);
  }
  if (subs) {
    r.Bulk("subcommands");
    r.MapHeader(c.subcommands().size());
    for (const Command* sub : c.subcommands()) {
      r.Bulk(sub->full_name());
      ReplyCommandDocs(ctx, *sub);
    }
  }
}

void CmdCommand(CommandContext& ctx) {
  const auto& all = ctx.engine.commands().commands();
  ctx.reply.ArrayHeader(all.size());
  for (const Command* c : all) ReplyCommandInfo(ctx, *c);
}

void CmdCommandCount(CommandContext& ctx) { ctx.reply.Integer(static_cast<int64_t>(ctx.engine.commands().size())); }

// "get" or "client|list"
const Command* FindByFullName(engine::CommandTable& t, std::string_view name) {
  size_t bar = name.find('|');
  if (bar == std::string_view::npos) return t.Find(name);
  const Command* parent = t.Find(name.substr(0, bar));
  return parent ? parent->FindSubcommand(name.substr(bar + 1)) : nullptr;
}

void CmdCommandInfo(CommandContext& ctx) {
  auto& t = ctx.engine.commands();
  if (ctx.argv.size() == 2) {
    CmdCommand(ctx);
    return;
  }
  ctx.reply.ArrayHeader(ctx.argv.size() - 2);
  for (size_t i = 2; i < ctx.argv.size(); ++i) {
    const Command* c = FindByFullName(t, ctx.argv[i]);
    if (c) ReplyCommandInfo(ctx, *c);
    else ctx.reply.NullArray();
  }
}

void CmdCommandDocs(CommandContext& ctx) {
  auto& t = ctx.engine.commands();
  std::vector<const Command*> list;
  if (ctx.argv.size() == 2) {
    list = t.commands();
  } else {
    for (size_t i = 2; i < ctx.argv.size(); ++i)
      if (const Command* c = FindByFullName(t, ctx.argv[i])) list.push_back(c);
  }
  ctx.reply.MapHeader(list.size());
  for (const Command* c : list) {
    ctx.reply.Bulk(c->full_name());
    ReplyCommandDocs(ctx, *c);
  }
}

void CmdCommandList(CommandContext& ctx) {
  std::string_view aclcat;
  bool by_cat = false;
  if (ctx.argv.size() == 5 && EqualsIgnoreCase(ctx.argv[2], "FILTERBY") && EqualsIgnoreCase(ctx.argv[3], "ACLCAT")) {
    aclcat = ctx.argv[4];
    by_cat = true;
  } else if (ctx.argv.size() != 2) {
    ctx.Error("ERR syntax error");
    return;
  }
  std::vector<std::string_view> names;
  for (const Command* c : ctx.engine.commands().commands()) {
    auto consider = [&](const Command& x) {
      if (by_cat) {
        auto cats = AclCategories(x);
        std::string want = absl::StrCat("@", absl::AsciiStrToLower(A(aclcat)));
        if (std::find(cats.begin(), cats.end(), want) == cats.end()) return;
      }
      names.push_back(x.full_name());
    };
    consider(*c);
    for (const Command* s : c->subcommands()) consider(*s);
  }
  ctx.reply.ArrayHeader(names.size());
  for (auto n : names) ctx.reply.Bulk(n);
}

void CmdCommandGetKeys(CommandContext& ctx) {
  std::vector<std::string_view> args(ctx.argv.begin() + 2, ctx.argv.end());
  const Command* c = ctx.engine.commands().Find(args[0]);
  if (c && c->is_container() && args.size() > 1) {
    if (const Command* s = c->FindSubcommand(args[1])) c = s;
  }
  // Redis 7.0's commandGetKeys, checks in its order.
  if (c == nullptr) {
    ctx.Error("ERR Invalid command specified");
    return;
  }
  if (!c->has_keys()) {
    ctx.Error("ERR The command has no key arguments");
    return;
  }
  if (!c->ArityOk(args.size())) {
    ctx.Error("ERR Invalid number of arguments specified for command");
    return;
  }
  std::vector<std::string_view> keys;
  // The count read as Redis's getkeys procs read it (atoi), which COMMAND
  // GETKEYS falls back to when the key spec's strict reading fails.
  const bool counted = c->ForEachKeyIndex(
      args, [&](int i) { keys.push_back(args[static_cast<size_t>(i)]); }, Command::CountParse::kAtoi);
  // A bad numkeys count: no keys at all (even ZUNIONSTORE's destination).
  if (!counted || keys.empty()) {
    if (c->has_flag(engine::kNoMandatoryKeys)) {
      ctx.reply.ArrayHeader(0);
    } else {
      ctx.Error("ERR Invalid arguments specified for command");
    }
    return;
  }
  ctx.reply.ArrayHeader(keys.size());
  for (auto k : keys) ctx.reply.Bulk(k);
}

void CmdCommandHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "(no subcommand)",
      "    Return details about all commands.",
      "COUNT",
      "    Return the total number of commands in this server.",
      "LIST",
      "    Return a list of all commands in this server.",
      "INFO [<command-name> ...]",
      "    Return details about multiple commands.",
      "DOCS [<command-name> ...]",
      "    Return documentation details about multiple commands.",
      "GETKEYS <full-command>",
      "    Return the keys from a full command.",
      "HELP",
      "    Print this help.",
  };
  ctx.reply.ArrayHeader(std::size(kLines));
  for (auto l : kLines) ctx.reply.SimpleString(l);
}

void CmdTime(CommandContext& ctx) {
  int64_t us = absl::ToUnixMicros(absl::Now());
  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(absl::StrCat(us / 1000000));
  ctx.reply.Bulk(absl::StrCat(us % 1000000));
}

// ROLE: stockd has no replication, so it is a master at replication offset 0
// with no replicas, as INFO replication says.
// MONITOR: the connection is sent a line per command the server runs
// (server/pubsub.h PubSub::FeedMonitors). A second MONITOR gets no reply, as
// in Redis; inside EXEC it is refused (a transaction wants one reply per command).
void CmdMonitor(CommandContext& ctx) {
  Connection* c = RequireConnection(ctx);
  if (c == nullptr) return;
  if (ctx.session.no_block) {
    ctx.Error("ERR MONITOR isn't allowed for DENY BLOCKING client");
    return;
  }
  if (c->StartMonitor()) ctx.reply.Ok();
}

void CmdRole(CommandContext& ctx) {
  ctx.reply.ArrayHeader(3);
  ctx.reply.Bulk("master");
  ctx.reply.Integer(0);
  ctx.reply.ArrayHeader(0);
}

void CmdShutdown(CommandContext& ctx) {
  Connection* c = RequireConnection(ctx);
  if (c == nullptr) return;
  // Redis 7.0's shutdownCommand: known words only, and neither NOSAVE with
  // SAVE nor ABORT with anything else.
  bool nosave = false, save = false, other = false, abort = false;
  for (size_t i = 1; i < ctx.argv.size(); ++i) {
    std::string_view a = ctx.argv[i];
    if (EqualsIgnoreCase(a, "NOSAVE")) nosave = true;
    else if (EqualsIgnoreCase(a, "SAVE")) save = true;
    else if (EqualsIgnoreCase(a, "NOW") || EqualsIgnoreCase(a, "FORCE")) other = true;
    else if (EqualsIgnoreCase(a, "ABORT")) abort = true;
    else {
      ctx.Error("ERR syntax error");
      return;
    }
  }
  if ((abort && (nosave || save || other)) || (nosave && save)) {
    ctx.Error("ERR syntax error");
    return;
  }
  if (abort) {  // a shutdown here never waits for replicas, so none is ever in progress
    ctx.Error("ERR No shutdown in progress.");
    return;
  }
  // Every acknowledged write is already in the log: SAVE and NOSAVE both shut
  // down cleanly (storage drains and syncs in its shutdown hook). The client
  // gets no reply: its connection closes when the server exits, as in Redis.
  c->CloseAfterReply();
  c->server().Shutdown();
}

void CmdSlowlogGet(CommandContext& ctx) {
  Connection* c = RequireConnection(ctx);
  if (c == nullptr) return;
  int64_t count = 10;
  if (ctx.argv.size() == 3) {
    if (!absl::SimpleAtoi(A(ctx.argv[2]), &count) || count < -1) {
      ctx.Error("ERR count should be greater than or equal to -1");
      return;
    }
    if (count == -1) count = INT64_MAX;
  } else if (ctx.argv.size() > 3) {  // Redis's addReplySubcommandSyntaxError
    ctx.Error(absl::StrCat("ERR unknown subcommand or wrong number of arguments for '", A(ctx.argv[1].substr(0, 128)),
                           "'. Try SLOWLOG HELP."));
    return;
  }
  auto entries = c->server().slowlog().Get(static_cast<size_t>(count));
  ctx.reply.ArrayHeader(entries.size());
  for (const auto& e : entries) {
    ctx.reply.ArrayHeader(6);
    ctx.reply.Integer(static_cast<int64_t>(e.id));
    ctx.reply.Integer(e.unix_time);
    ctx.reply.Integer(e.duration_us);
    ctx.reply.ArrayHeader(e.argv.size());
    for (const auto& a : e.argv) ctx.reply.Bulk(a);
    ctx.reply.Bulk(e.client_addr);
    ctx.reply.Bulk(e.client_name);
  }
}

void CmdSlowlogLen(CommandContext& ctx) {
  if (Connection* c = RequireConnection(ctx)) ctx.reply.Integer(static_cast<int64_t>(c->server().slowlog().Len()));
}

void CmdSlowlogReset(CommandContext& ctx) {
  if (Connection* c = RequireConnection(ctx)) {
    c->server().slowlog().Reset();
    ctx.reply.Ok();
  }
}

void CmdSlowlogHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      // Redis 7.0's text, line for line (tests/compat/command_compat_test.cc).
      "SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "GET [<count>]",
      "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
      "    Entries are made of:",
      "    id, timestamp, time in microseconds, arguments array, client IP and port,",
      "    client name",
      "LEN",
      "    Return the length of the slowlog.",
      "RESET",
      "    Reset the slowlog.",
      "HELP",
      "    Prints this help.",
  };
  ctx.reply.ArrayHeader(std::size(kLines));
  for (auto l : kLines) ctx.reply.SimpleString(l);
}

bool DebugAllowed(CommandContext& ctx, Connection* c) {
  const std::string& mode = c->server().config().options().enable_debug_command;
  if (mode == "yes" || (mode == "local" && c->remote_is_loopback())) return true;
  ctx.Error(
      "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from "
      "a local connection, otherwise you need to set this option in the configuration file, and then restart the "
      "server.");
  return false;
}

void CmdDebug(CommandContext& ctx) {
  Connection* c = RequireConnection(ctx);
  if (c == nullptr || !DebugAllowed(ctx, c)) return;
  std::string_view sub = ctx.argv[1];
  if (EqualsIgnoreCase(sub, "SLEEP") && ctx.argv.size() == 3) {
    double seconds;
    if (!absl::SimpleAtod(A(ctx.argv[2]), &seconds) || seconds < 0) {
      ctx.Error("ERR value is not a valid float");
      return;
    }
    // Parks only this client's fiber (no shard lock is held: DEBUG has no
    // keys); in Redis the whole server sleeps.
    runtime::Sleep(absl::Microseconds(static_cast<int64_t>(seconds * 1e6)));
    ctx.reply.Ok();
    return;
  }
  if (EqualsIgnoreCase(sub, "PANIC-FIBER") && ctx.argv.size() == 2) {
    // Fault injection: a panic (exception) in this connection's fiber. The
    // server drops this client with an error and serves everyone else
    // (Server::ServeConnection). Not inside EXEC: shard locks may be held there.
    if (ctx.session.no_block) {
      ctx.Error("ERR DEBUG PANIC-FIBER is not allowed inside MULTI/EXEC or scripts");
      return;
    }
    throw std::runtime_error("DEBUG PANIC-FIBER");
  }
  if (EqualsIgnoreCase(sub, "PERSISTER-STALL") && ctx.argv.size() == 3) {
    int64_t ms;
    if (!absl::SimpleAtoi(A(ctx.argv[2]), &ms) || ms < 0 || ms > 600000) {
      ctx.Error("ERR value is out of range, must be between 0 and 600000 (milliseconds)");
      return;
    }
    const auto& stall = c->server().persister_stall();
    if (!stall) {
      ctx.Error("ERR no persister to stall");
      return;
    }
    stall(absl::Milliseconds(ms));
    ctx.reply.Ok();
    return;
  }
  if (EqualsIgnoreCase(sub, "HELP")) {
    static constexpr std::string_view kLines[] = {
        "DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "SLEEP <seconds>",
        "    Stop the calling client for <seconds> (the rest of the server keeps serving).",
        "PANIC-FIBER",
        "    Throw inside this connection's fiber: this client is dropped with an error, the server goes on.",
        "PERSISTER-STALL <milliseconds>",
        "    Simulate a slow disk: the persister's writes wait that long (writers park, nothing is lost).",
        "HELP",
        "    Print this help.",
    };
    ctx.reply.ArrayHeader(std::size(kLines));
    for (auto l : kLines) ctx.reply.SimpleString(l);
    return;
  }
  ctx.Error(absl::StrCat("ERR unknown subcommand '", A(sub.substr(0, 128)), "'. Try DEBUG HELP."));
}

}  // namespace

void RegisterServerFamily(engine::CommandTable& t) {
  constexpr uint32_t kLS = engine::kLoading | engine::kStale;
  Command* command = t.Register({.name = "command", .arity = -1, .flags = kLS, .handler = CmdCommand,
                                 .acl_categories = "@slow @connection", .group = "server", .since = "2.8.13"});
  auto sub = [&](Command* parent, std::string_view name, int arity, uint32_t flags, engine::Handler h,
                 std::string_view cats, std::string_view since) {
    t.RegisterSubcommand(parent, {.name = name, .arity = arity, .flags = flags, .handler = h,
                                  .acl_categories = cats, .group = "server", .since = since});
  };
  sub(command, "count", 2, kLS, CmdCommandCount, "@slow @connection", "2.8.13");
  sub(command, "info", -2, kLS, CmdCommandInfo, "@slow @connection", "2.8.13");
  sub(command, "docs", -2, kLS, CmdCommandDocs, "@slow @connection", "7.0.0");
  sub(command, "list", -2, kLS, CmdCommandList, "@slow @connection", "7.0.0");
  sub(command, "getkeys", -4, kLS, CmdCommandGetKeys, "@slow @connection", "2.8.13");
  sub(command, "help", 2, kLS, CmdCommandHelp, "@slow @connection", "5.0.0");

  t.Register({.name = "time", .arity = 1, .flags = kLS | engine::kFast, .handler = CmdTime,
              .acl_categories = "@fast", .group = "server", .since = "2.6.0"});
  t.Register({.name = "monitor", .arity = 1, .flags = engine::kAdmin | engine::kNoScript | kLS, .handler = CmdMonitor,
              .acl_categories = "@admin @slow @dangerous", .group = "server", .since = "1.0.0"});
  t.Register({.name = "role", .arity = 1, .flags = engine::kNoScript | kLS | engine::kFast, .handler = CmdRole,
              .acl_categories = "@admin @fast @dangerous", .group = "server", .since = "2.8.12"});
  t.Register({.name = "shutdown", .arity = -1,
              .flags = engine::kAdmin | engine::kNoScript | kLS | engine::kNoMulti | engine::kAllowBusy,
              .handler = CmdShutdown, .acl_categories = "", .group = "server", .since = "1.0.0"});
  Command* slowlog = t.Register({.name = "slowlog", .arity = -2, .acl_categories = "@slow", .group = "server",
                                 .since = "2.2.12"});
  sub(slowlog, "get", -2, engine::kAdmin | kLS, CmdSlowlogGet, "", "2.2.12");
  sub(slowlog, "len", 2, engine::kAdmin | kLS, CmdSlowlogLen, "", "2.2.12");
  sub(slowlog, "reset", 2, engine::kAdmin | kLS, CmdSlowlogReset, "", "2.2.12");
  sub(slowlog, "help", 2, kLS, CmdSlowlogHelp, "@slow", "6.2.0");
  t.Register({.name = "debug", .arity = -2, .flags = engine::kAdmin | engine::kNoScript | kLS, .handler = CmdDebug,
              .acl_categories = "", .group = "server", .since = "1.0.0",
              .syscmd = true});
}

}  // namespace stockd::server
