// server/connection_family.cc — commands about the client's own connection:
// PING, ECHO, QUIT, RESET, HELLO, AUTH and CLIENT.
#include <algorithm>
#include <cctype>
#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "engine/blocking.h"
#include "engine/engine.h"
#include "server/connection.h"
#include "server/families.h"
#include "server/server.h"

namespace stockd::server {

using engine::CommandContext;
using engine::CommandSpec;

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string UpperName(std::string_view s) { return absl::AsciiStrToUpper(A(s)); }

Connection* RequireConnection(CommandContext& ctx) {
  Connection* c = ConnectionOf(ctx);
  if (c == nullptr) ctx.Error("ERR This command is only available on a client connection");
  return c;
}

namespace {

void CmdPing(CommandContext& ctx) {
  if (ctx.argv.size() > 2) {
    ctx.Error("ERR wrong number of arguments for 'ping' command");
    return;
  }
  if (ctx.session.subscribed && ctx.session.resp == 2) {  // as a pub/sub message: ["pong", arg or ""]
    ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk("pong");
    ctx.reply.Bulk(ctx.argv.size() == 2 ? ctx.argv[1] : std::string_view());
    return;
  }
  if (ctx.argv.size() == 1) ctx.reply.SimpleString("PONG");
  else ctx.reply.Bulk(ctx.argv[1]);
}

void CmdEcho(CommandContext& ctx) { ctx.reply.Bulk(ctx.argv[1]); }

void CmdQuit(CommandContext& ctx) {
  ctx.reply.Ok();
  if (Connection* c = ConnectionOf(ctx)) c->CloseAfterReply();
}

void CmdReset(CommandContext& ctx) {
  if (Connection* c = ConnectionOf(ctx)) c->Reset();
  else ctx.session.db = 0;
  ctx.reply.SimpleString("RESET");
}

void CmdAuth(CommandContext& ctx) {
  Connection* c = RequireConnection(ctx);
  if (c == nullptr) return;
  if (ctx.argv.size() > 3) {
    ctx.Error("ERR syntax error");
    return;
  }
  std::string_view user = ctx.argv.size() == 3 ? ctx.argv[1] : std::string_view("default");
  std::string_view pass = ctx.argv.back();
  std::shared_ptr<const acl::User> def = c->server().acl().Get("default");
  if (ctx.argv.size() == 2 && def != nullptr && def->nopass) {
    ctx.Error(
        "ERR AUTH <password> called without any password configured for the default user. Are you sure your "
        "configuration is correct?");
    return;
  }
  // ACL users (server/acl.h); a nopass user accepts any password.
  if (!AuthenticateConnection(*c, user, pass, ctx.argv[0])) {
    ctx.Error("WRONGPASS invalid username-password pair or user is disabled.");
    return;
  }
  ctx.reply.Ok();
}

bool ValidClientName(std::string_view name) {
  for (unsigned char ch : name)
    if (ch < '!' || ch > '~') return false;  // Redis: no spaces, newlines or special characters
  return true;
}

void CmdHello(CommandContext& ctx) {
  Connection* c = RequireConnection(ctx);
  if (c == nullptr) return;
  int proto = c->session().resp;
  size_t i = 1;
  if (ctx.argv.size() >= 2) {
    int64_t v;
    if (!absl::SimpleAtoi(A(ctx.argv[1]), &v)) {
      ctx.Error("ERR Protocol version is not an integer or out of range");
      return;
    }
    if (v < 2 || v > 3) {
      ctx.Error("NOPROTO unsupported protocol version");
      return;
    }
    proto = static_cast<int>(v);
    i = 2;
  }
  std::string_view user, pass, name;
  bool has_auth = false, has_name = false;
  for (; i < ctx.argv.size(); ++i) {
    size_t left = ctx.argv.size() - i - 1;
    if (EqualsIgnoreCase(ctx.argv[i], "AUTH") && left >= 2) {
      user = ctx.argv[i + 1];
      pass = ctx.argv[i + 2];
      has_auth = true;
      i += 2;
    } else if (EqualsIgnoreCase(ctx.argv[i], "SETNAME") && left >= 1) {
      name = ctx.argv[i + 1];
      has_name = true;
      i += 1;
    } else {
      ctx.Error(absl::StrCat("ERR Syntax error in HELLO option '", A(ctx.argv[i]), "'"));
      return;
    }
  }
  if (has_auth) {
    if (!AuthenticateConnection(*c, user, pass, ctx.argv[0])) {
      ctx.Error("WRONGPASS invalid username-password pair or user is disabled.");
      return;
    }
  }
  if (!c->authenticated()) {
    ctx.Error(
        "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> "
        "option can be used to authenticate the client and select the RESP protocol version at the same time");
    return;
  }
  if (has_name) {
    if (!ValidClientName(name)) {
      ctx.Error("ERR Client names cannot contain spaces, newlines or special characters.");
      return;
    }
    c->SetName(std::string(name));
  }
  c->SetResp(proto);
  ctx.reply.MapHeader(7);
  ctx.reply.Bulk("server");
  ctx.reply.Bulk("redis");
  ctx.reply.Bulk("version");
  ctx.reply.Bulk("7.0.15");
  ctx.reply.Bulk("proto");
  ctx.reply.Integer(proto);
  ctx.reply.Bulk("id");
  ctx.reply.Integer(static_cast<int64_t>(c->id()));
  ctx.reply.Bulk("mode");
  ctx.reply.Bulk("standalone");
  ctx.reply.Bulk("role");
  ctx.reply.Bulk("master");
  ctx.reply.Bulk("modules");
  ctx.reply.ArrayHeader(0);
}

// --- CLIENT ---

void CmdClientId(CommandContext& ctx) { ctx.reply.Integer(static_cast<int64_t>(ctx.session.client_id)); }

void CmdClientSetName(CommandContext& ctx) {
  Connection* c = RequireConnection(ctx);
  if (c == nullptr) return;
  if (!ValidClientName(ctx.argv[2])) {
    ctx.Error("ERR Client names cannot contain spaces, newlines or special characters.");
    return;
  }
  c->SetName(std::string(ctx.argv[2]));
  ctx.reply.Ok();
}

void CmdClientGetName(CommandContext& ctx) {
  Connection* c = RequireConnection(ctx);
  if (c == nullptr) return;
  std::string n = c->name();
  if (n.empty()) ctx.reply.Null();
  else ctx.reply.Bulk(n);
}

void CmdClientInfo(CommandContext& ctx) {
  Connection* c = RequireConnection(ctx);
  if (c == nullptr) return;
  ctx.reply.Verbatim("txt", absl::StrCat(c->Describe(absl::ToUnixMillis(absl::Now())), "\n"));
}

void CmdClientList(CommandContext& ctx) {
  Connection* self = RequireConnection(ctx);
  if (self == nullptr) return;
  // Redis 7.0's forms: no argument, TYPE <type> alone, or ID <id>...
  std::vector<int64_t> ids;
  bool filter_ids = false;
  enum { kTypeAny, kTypeNormal, kTypePubSub, kTypeNone } type_filter = kTypeAny;
  const size_t argc = ctx.argv.size();
  if (argc == 4 && EqualsIgnoreCase(ctx.argv[2], "TYPE")) {
    std::string_view t = ctx.argv[3];
    if (!EqualsIgnoreCase(t, "normal") && !EqualsIgnoreCase(t, "master") && !EqualsIgnoreCase(t, "replica") &&
        !EqualsIgnoreCase(t, "slave") && !EqualsIgnoreCase(t, "pubsub")) {
      ctx.Error(absl::StrCat("ERR Unknown client type '", A(t), "'"));
      return;
    }
    // No replicas or masters here: a client is normal or (with subscriptions) pubsub.
    type_filter = EqualsIgnoreCase(t, "normal") ? kTypeNormal : EqualsIgnoreCase(t, "pubsub") ? kTypePubSub : kTypeNone;
  } else if (argc > 3 && EqualsIgnoreCase(ctx.argv[2], "ID")) {
    filter_ids = true;
    for (size_t i = 3; i < argc; ++i) {
      int64_t id;
      if (!absl::SimpleAtoi(A(ctx.argv[i]), &id)) {
        ctx.Error("ERR Invalid client ID");
        return;
      }
      ids.push_back(id);
    }
  } else if (argc != 2) {
    ctx.Error("ERR syntax error");
    return;
  }
  int64_t now = absl::ToUnixMillis(absl::Now());
  std::vector<std::pair<uint64_t, std::string>> lines;
  self->server().ForEachClient([&](Connection& c) {
    if (filter_ids && std::find(ids.begin(), ids.end(), static_cast<int64_t>(c.id())) == ids.end()) return;
    if (type_filter == kTypeNone || (type_filter == kTypeNormal && c.is_pubsub()) ||
        (type_filter == kTypePubSub && !c.is_pubsub()))
      return;
    lines.emplace_back(c.id(), c.Describe(now));
  });
  std::sort(lines.begin(), lines.end());
  std::string out;
  for (auto& [id, line] : lines) absl::StrAppend(&out, line, "\n");
  ctx.reply.Verbatim("txt", out);
}

void CmdClientKill(CommandContext& ctx) {
  Connection* self = RequireConnection(ctx);
  if (self == nullptr) return;
  Server& server = self->server();
  if (ctx.argv.size() == 3) {  // old form: CLIENT KILL addr:port
    std::string_view addr = ctx.argv[2];
    if (self->remote_address() == addr) {
      self->CloseAfterReply();
      ctx.reply.Ok();
      return;
    }
    if (server.KillClients([&](Connection& c) { return c.remote_address() == addr; }, !ctx.holds_shards()) == 0) {
      ctx.Error("ERR No such client");
      return;
    }
    ctx.reply.Ok();
    return;
  }
  if (ctx.argv.size() % 2 != 0) {
    ctx.Error("ERR syntax error");
    return;
  }
  uint64_t id = 0;
  std::string addr, laddr, user;
  bool skipme = true, by_type = false, type_normal = false, type_pubsub = false;
  for (size_t i = 2; i + 1 < ctx.argv.size(); i += 2) {
    std::string_view opt = ctx.argv[i], val = ctx.argv[i + 1];
    if (EqualsIgnoreCase(opt, "ID")) {
      if (!absl::SimpleAtoi(A(val), &id) || id == 0) {
        ctx.Error("ERR client-id should be greater than 0");
        return;
      }
    } else if (EqualsIgnoreCase(opt, "ADDR")) {
      addr = std::string(val);
    } else if (EqualsIgnoreCase(opt, "LADDR")) {
      laddr = std::string(val);
    } else if (EqualsIgnoreCase(opt, "USER")) {
      user = std::string(val);
      if (server.acl().Get(user) == nullptr) {
        ctx.Error(absl::StrCat("ERR No such user '", user, "'"));
        return;
      }
    } else if (EqualsIgnoreCase(opt, "TYPE")) {
      by_type = true;
      if (EqualsIgnoreCase(val, "normal")) type_normal = true;
      else if (EqualsIgnoreCase(val, "pubsub")) type_pubsub = true;
      else if (!EqualsIgnoreCase(val, "master") && !EqualsIgnoreCase(val, "replica") && !EqualsIgnoreCase(val, "slave")) {
        ctx.Error(absl::StrCat("ERR Unknown client type '", A(val), "'"));
        return;
      }
    } else if (EqualsIgnoreCase(opt, "SKIPME")) {
      if (EqualsIgnoreCase(val, "yes")) skipme = true;
      else if (EqualsIgnoreCase(val, "no")) skipme = false;
      else {
        ctx.Error("ERR syntax error");
        return;
      }
    } else {
      ctx.Error("ERR syntax error");
      return;
    }
  }
  bool kill_self = false;
  int64_t n = server.KillClients(
      [&](Connection& c) {
        if (id != 0 && c.id() != id) return false;
        if (!addr.empty() && c.remote_address() != addr) return false;
        if (!laddr.empty() && c.local_address() != laddr) return false;
        if (!user.empty() && c.acl_user().name() != user) return false;
        if (by_type && !(type_normal && !c.is_pubsub()) && !(type_pubsub && c.is_pubsub())) return false;
        if (&c == self) {
          kill_self = !skipme;
          return false;
        }
        return true;
      },
      /*wait=*/!ctx.holds_shards());
  if (kill_self) {
    self->CloseAfterReply();
    ++n;
  }
  ctx.reply.Integer(n);
}

// CLIENT UNBLOCK id [TIMEOUT|ERROR]: 1 when that client was blocked and is now released.
void CmdClientUnblock(CommandContext& ctx) {
  uint64_t id;
  if (!absl::SimpleAtoi(A(ctx.argv[2]), &id)) {
    ctx.Error("ERR value is not an integer or out of range");
    return;
  }
  engine::UnblockMode mode = engine::UnblockMode::kTimeout;
  if (ctx.argv.size() == 4) {
    if (EqualsIgnoreCase(ctx.argv[3], "ERROR")) mode = engine::UnblockMode::kError;
    else if (!EqualsIgnoreCase(ctx.argv[3], "TIMEOUT")) {
      ctx.Error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
      return;
    }
  } else if (ctx.argv.size() > 4) {
    ctx.Error("ERR syntax error");
    return;
  }
  ctx.reply.Integer(ctx.engine.blocking().Unblock(id, mode) ? 1 : 0);
}

void CmdClientNoEvict(CommandContext& ctx) {
  const bool on = EqualsIgnoreCase(ctx.argv[2], "on");
  if (!on && !EqualsIgnoreCase(ctx.argv[2], "off")) {
    ctx.Error("ERR syntax error");
    return;
  }
  if (Connection* c = ConnectionOf(ctx)) c->SetNoEvict(on);
  ctx.reply.Ok();
}

// CLIENT PAUSE timeout-ms [WRITE|ALL] (server/client_pause.h): Redis's checks,
// the mode first, then the timeout.
void CmdClientPause(CommandContext& ctx) {
  if (ctx.argv.size() > 4) {
    return ctx.Error(absl::StrCat("ERR unknown subcommand or wrong number of arguments for '",
                                  A(ctx.argv[1].substr(0, 128)), "'. Try CLIENT HELP."));
  }
  ClientPause::Kind kind = ClientPause::Kind::kAll;
  if (ctx.argv.size() == 4) {
    if (EqualsIgnoreCase(ctx.argv[3], "write")) kind = ClientPause::Kind::kWrite;
    else if (!EqualsIgnoreCase(ctx.argv[3], "all")) return ctx.Error("ERR CLIENT PAUSE mode must be WRITE or ALL");
  }
  int64_t ms;
  if (!absl::SimpleAtoi(A(ctx.argv[2]), &ms)) return ctx.Error("ERR timeout is not an integer or out of range");
  if (ms < 0) return ctx.Error("ERR timeout is negative");
  // As Redis 7.0: the end wraps past INT64_MAX (into the past: no pause).
  const int64_t now = absl::ToUnixMillis(absl::Now());
  const int64_t end = ms > 0 ? static_cast<int64_t>(static_cast<uint64_t>(now) + static_cast<uint64_t>(ms)) : 0;
  Connection* c = ConnectionOf(ctx);
  if (c != nullptr) c->server().client_pause().Pause(end, kind);
  ctx.reply.Ok();
}

void CmdClientUnpause(CommandContext& ctx) {
  if (Connection* c = ConnectionOf(ctx)) c->server().client_pause().Unpause();
  ctx.reply.Ok();
}

// CLIENT REPLY ON|OFF|SKIP: only ON replies (+OK); OFF and SKIP say nothing.
void CmdClientReply(CommandContext& ctx) {
  Connection* c = ConnectionOf(ctx);
  Connection::Replies mode;
  if (EqualsIgnoreCase(ctx.argv[2], "on")) {
    mode = Connection::Replies::kOn;
  } else if (EqualsIgnoreCase(ctx.argv[2], "off")) {
    mode = Connection::Replies::kOff;
  } else if (EqualsIgnoreCase(ctx.argv[2], "skip")) {
    mode = Connection::Replies::kSkipNext;
  } else {
    return ctx.Error("ERR syntax error");
  }
  if (c != nullptr) c->SetReplies(mode);
  if (mode == Connection::Replies::kOn) ctx.reply.Ok();
}

void CmdClientHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CACHING (YES|NO)",
      "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
      "GETREDIR",
      "    Return the client ID we are redirecting to when tracking is enabled.",
      "GETNAME",
      "    Return the name of the current connection.",
      "ID",
      "    Return the ID of the current connection.",
      "INFO",
      "    Return information about the current client connection.",
      "KILL <ip:port>",
      "    Kill connection made from <ip:port>.",
      "KILL <option> <value> [<option> <value> [...]]",
      "    Kill connections. Options are: ID <client-id>, ADDR <ip:port>, LADDR <ip:port>, TYPE normal|master|replica|pubsub, USER <username>, SKIPME yes|no.",
      "LIST [options ...]",
      "    Return information about client connections. Options: TYPE (normal|master|replica|pubsub), ID <client-id> [...].",
      "NO-EVICT (ON|OFF)",
      "    Accepted for compatibility; stockd never evicts clients.",
      "UNPAUSE",
      "    Stop the current client pause, resuming traffic.",
      "PAUSE <timeout> [WRITE|ALL]",
      "    Suspend all, or just write, clients for <timeout> milliseconds.",
      "REPLY (ON|OFF|SKIP)",
      "    Control the replies sent to the current connection.",
      "SETNAME <name>",
      "    Assign the name <name> to the current connection.",
      "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
      "         [OPTIN] [OPTOUT] [NOLOOP]",
      "    Control server assisted client side caching.",
      "TRACKINGINFO",
      "    Report tracking status for the current connection.",
      "HELP",
      "    Print this help.",
  };
  ctx.reply.ArrayHeader(std::size(kLines));
  for (auto l : kLines) ctx.reply.SimpleString(l);
}

constexpr uint32_t kConnFlags = engine::kNoScript | engine::kLoading | engine::kStale;

}  // namespace

void RegisterConnectionFamily(engine::CommandTable& t) {
  t.Register({.name = "ping", .arity = -1, .flags = engine::kFast, .handler = CmdPing,
              .acl_categories = "@fast @connection", .group = "connection", .since = "1.0.0"});
  t.Register({.name = "echo", .arity = 2, .flags = engine::kFast | engine::kLoading | engine::kStale, .handler = CmdEcho,
              .acl_categories = "@fast @connection", .group = "connection", .since = "1.0.0"});
  t.Register({.name = "quit", .arity = -1, .flags = engine::kAllowBusy | engine::kNoAuth | kConnFlags | engine::kFast,
              .handler = CmdQuit, .acl_categories = "@fast @connection", .group = "connection", .since = "1.0.0"});
  t.Register({.name = "reset", .arity = 1, .flags = kConnFlags | engine::kNoAuth | engine::kFast | engine::kAllowBusy,
              .handler = CmdReset, .acl_categories = "@fast @connection", .group = "connection", .since = "6.2.0"});
  t.Register({.name = "auth", .arity = -2, .flags = kConnFlags | engine::kNoAuth | engine::kFast | engine::kAllowBusy,
              .handler = CmdAuth, .acl_categories = "@fast @connection", .group = "connection", .since = "1.0.0"});
  t.Register({.name = "hello", .arity = -1, .flags = kConnFlags | engine::kNoAuth | engine::kFast | engine::kAllowBusy,
              .handler = CmdHello, .acl_categories = "@fast @connection", .group = "connection", .since = "6.0.0"});
  engine::Command* client = t.Register({.name = "client", .arity = -2, .acl_categories = "@slow",
                                        .group = "connection", .since = "2.4.0"});
  auto sub = [&](std::string_view name, int arity, uint32_t flags, engine::Handler h,
                 std::string_view since) {
    t.RegisterSubcommand(client, {.name = name, .arity = arity, .flags = flags | kConnFlags, .handler = h,
                                  .acl_categories = "@slow @connection", .group = "connection", .since = since});
  };
  sub("id", 2, 0, CmdClientId, "5.0.0");
  sub("setname", 3, 0, CmdClientSetName, "2.6.9");
  sub("getname", 2, 0, CmdClientGetName, "2.6.9");
  sub("info", 2, 0, CmdClientInfo, "6.2.0");
  sub("list", -2, engine::kAdmin, CmdClientList, "2.4.0");
  sub("kill", -3, engine::kAdmin, CmdClientKill, "2.4.0");
  sub("no-evict", 3, engine::kAdmin, CmdClientNoEvict, "7.0.0");
  sub("reply", 3, 0, CmdClientReply, "3.2.0");
  sub("pause", -3, engine::kAdmin, CmdClientPause, "2.9.50");
  sub("unpause", 2, engine::kAdmin, CmdClientUnpause, "6.2.0");
  sub("unblock", -3, engine::kAdmin, CmdClientUnblock, "5.0.0");
  RegisterClientTracking(t, client);
  t.RegisterSubcommand(client, {.name = "help", .arity = 2, .flags = engine::kLoading | engine::kStale,
                                .handler = CmdClientHelp, .acl_categories = "@slow @connection", .group = "connection",
                                .since = "5.0.0"});
}

}  // namespace stockd::server
