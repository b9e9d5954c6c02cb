// server/acl_family.cc — the ACL command family and the server's glue to the
// ACL store (server/acl.h): the engine's Authorizer (the per-command check
// and its ACL LOG entries), authentication of a connection, and start-up
// (aclfile / `user` lines).
#include <sys/random.h>

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "engine/engine.h"
#include "engine/transaction.h"
#include "runtime/log.h"
#include "server/acl.h"
#include "server/connection.h"
#include "server/families.h"
#include "server/server.h"

namespace stockd::server {

using engine::CommandContext;

namespace {

int64_t NowMs() { return absl::ToUnixMillis(absl::Now()); }

// Closes every connection authenticated as one of `names` (ACL DELUSER, ACL
// LOAD), as Redis does; the calling connection closes after its reply.
void KillClientsOf(CommandContext& ctx, Connection* self, const std::vector<std::string>& names) {
  if (names.empty()) return;
  self->server().KillClients(
      [&](Connection& c) {
        if (std::find(names.begin(), names.end(), c.acl_user().name()) == names.end()) return false;
        if (&c == self) c.CloseAfterReply();
        return &c != self;
      },
      /*wait=*/!ctx.holds_shards());
}

// The engine's hook: runs on the connection's fiber before each command.
class AclAuthorizer : public engine::Authorizer {
 public:
  explicit AclAuthorizer(Server& server) : server_(server) {}

  bool MayReadEveryKey(engine::Session& session) override {
    auto* c = static_cast<Connection*>(session.owner);
    if (c == nullptr) return true;
    const acl::User* u = c->acl_user().Current(server_.acl());
    if (u == nullptr) return false;
    if (u->unrestricted || u->all_keys) return true;
    return std::any_of(u->keys.begin(), u->keys.end(),
                       [](const acl::KeyPattern& p) { return p.pattern == "*" && (p.perms & acl::kKeyRead); });
  }

  bool Allow(engine::Session& session, const engine::Command& cmd, absl::Span<const std::string_view> argv,
             Context where, std::string* error) override {
    auto* c = static_cast<Connection*>(session.owner);
    if (c == nullptr) return true;  // embedded use: no connection, no user
    acl::AclStore& store = server_.acl();
    const acl::User* u = c->acl_user().Current(store);
    if (u != nullptr && u->unrestricted) return true;  // the common case: one load, one branch
    size_t pos = 0;
    acl::Denial d = u == nullptr ? acl::Denial::kCommand : store.Check(*u, cmd, argv, &pos);
    if (d == acl::Denial::kNone) return true;
    const char* context = where == Context::kScript ? "lua"
                          : (where == Context::kTopLevel ? "toplevel" : "multi");
    const bool key = d == acl::Denial::kKey, channel = d == acl::Denial::kChannel;
    std::string_view object = key || channel ? argv[pos] : cmd.full_name();
    store.Log(d, context, object, c->acl_user().name(), c->Describe(NowMs()));
    switch (where) {
      case Context::kTopLevel:
      case Context::kMulti:
        *error = key       ? std::string("NOPERM this user has no permissions to access one of the keys used as arguments")
                 : channel ? std::string("NOPERM this user has no permissions to access one of the channels used as arguments")
                           : absl::StrCat("NOPERM this user has no permissions to run the '",
                                          absl::string_view(cmd.full_name().data(), cmd.full_name().size()), "' command");
        break;
      case Context::kExec:
        *error = absl::StrCat(
            "NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. This "
            "command is no longer allowed for the following reason: ",
            key       ? "no permission to touch the specified keys"
            : channel ? "no permission to access one of the channels used as arguments"
                      : "no permission to execute the command or subcommand");
        break;
      case Context::kScript:
        *error = key       ? std::string("ERR The user executing the script can't access at least one of the keys "
                                         "mentioned in the command arguments")
                 : channel ? std::string("ERR The user executing the script can't publish to the channel mentioned in "
                                         "the command")
                           : std::string("ERR The user executing the script can't run this command or subcommand");
        break;
    }
    return false;
  }

 private:
  Server& server_;
};

void ReplyUser(CommandContext& ctx, const acl::AclStore& store, const acl::User& u) {
  auto& r = ctx.reply;
  r.MapHeader(6);
  r.Bulk("flags");
  std::vector<std::string_view> flags = {u.enabled ? "on" : "off"};
  if (u.nopass) flags.push_back("nopass");
  if (u.sanitize_payload) flags.push_back("sanitize-payload");
  r.SetHeader(flags.size());
  for (auto f : flags) r.Bulk(f);
  r.Bulk("passwords");
  r.ArrayHeader(u.passwords.size());
  for (const auto& p : u.passwords) r.Bulk(p);
  r.Bulk("commands");
  r.Bulk(store.DescribeCommands(u));
  r.Bulk("keys");
  r.Bulk(store.DescribeKeys(u));
  r.Bulk("channels");
  r.Bulk(store.DescribeChannels(u));
  r.Bulk("selectors");
  r.ArrayHeader(0);
}

acl::AclStore* StoreOf(CommandContext& ctx, Connection** conn = nullptr) {
  Connection* c = RequireConnection(ctx);
  if (c == nullptr) return nullptr;
  if (conn != nullptr) *conn = c;
  return &c->server().acl();
}

void CmdAclSetUser(CommandContext& ctx) {
  acl::AclStore* store = StoreOf(ctx);
  if (store == nullptr) return;
  std::vector<std::string_view> ops(ctx.argv.begin() + 3, ctx.argv.end());
  absl::Status s = store->SetUser(ctx.argv[2], ops);
  if (!s.ok()) return ctx.Error(absl::StrCat("ERR ", s.message()));
  ctx.reply.Ok();
}

void CmdAclGetUser(CommandContext& ctx) {
  acl::AclStore* store = StoreOf(ctx);
  if (store == nullptr) return;
  std::shared_ptr<const acl::User> u = store->Get(ctx.argv[2]);
  if (u == nullptr) return ctx.reply.Null();
  ReplyUser(ctx, *store, *u);
}

void CmdAclDelUser(CommandContext& ctx) {
  Connection* self = nullptr;
  acl::AclStore* store = StoreOf(ctx, &self);
  if (store == nullptr) return;
  std::vector<std::string_view> names(ctx.argv.begin() + 2, ctx.argv.end());
  for (std::string_view n : names) {
    if (n == "default") return ctx.Error("ERR The 'default' user cannot be removed");
  }
  std::vector<std::string> deleted = store->Delete(names);
  KillClientsOf(ctx, self, deleted);
  ctx.reply.Integer(static_cast<int64_t>(deleted.size()));
}

void CmdAclList(CommandContext& ctx) {
  acl::AclStore* store = StoreOf(ctx);
  if (store == nullptr) return;
  auto users = store->Users();
  ctx.reply.ArrayHeader(users.size());
  for (const auto& u : users) ctx.reply.Bulk(absl::StrCat("user ", u->name, " ", store->Describe(*u)));
}

void CmdAclUsers(CommandContext& ctx) {
  acl::AclStore* store = StoreOf(ctx);
  if (store == nullptr) return;
  auto users = store->Users();
  ctx.reply.ArrayHeader(users.size());
  for (const auto& u : users) ctx.reply.Bulk(u->name);
}

void CmdAclWhoAmI(CommandContext& ctx) {
  Connection* c = RequireConnection(ctx);
  if (c == nullptr) return;
  ctx.reply.Bulk(c->acl_user().name());
}

void CmdAclCat(CommandContext& ctx) {
  acl::AclStore* store = StoreOf(ctx);
  if (store == nullptr) return;
  if (ctx.argv.size() == 2) {
    const auto& names = acl::CategoryNames();
    ctx.reply.ArrayHeader(names.size());
    for (auto n : names) ctx.reply.Bulk(n);
    return;
  }
  if (ctx.argv.size() > 3) return ctx.Error("ERR wrong number of arguments for 'acl|cat' command");
  int bit = acl::CategoryBit(ctx.argv[2]);
  if (bit < 0) return ctx.Error(absl::StrCat("ERR Unknown category '", A(ctx.argv[2]), "'"));
  const acl::CommandIndex& index = store->index();
  std::vector<std::string_view> out;
  for (size_t id = 0; id < index.size(); ++id) {
    if (index.categories(static_cast<int>(id)) & (uint64_t{1} << bit))
      out.push_back(index.command(static_cast<int>(id))->full_name());
  }
  ctx.reply.ArrayHeader(out.size());
  for (auto n : out) ctx.reply.Bulk(n);
}

void CmdAclLog(CommandContext& ctx) {
  acl::AclStore* store = StoreOf(ctx);
  if (store == nullptr) return;
  if (ctx.argv.size() > 3) return ctx.Error("ERR syntax error");
  size_t count = 10;
  if (ctx.argv.size() == 3) {
    if (EqualsIgnoreCase(ctx.argv[2], "reset")) {
      store->ResetLog();
      return ctx.reply.Ok();
    }
    int64_t n;
    if (!absl::SimpleAtoi(A(ctx.argv[2]), &n)) return ctx.Error("ERR value is not an integer or out of range");
    count = n < 0 ? 0 : static_cast<size_t>(n);
  }
  const int64_t now = NowMs();
  std::vector<acl::LogEntry> entries = store->LogEntries(count);
  auto& r = ctx.reply;
  r.ArrayHeader(entries.size());
  for (const auto& e : entries) {
    r.MapHeader(10);
    r.Bulk("count");
    r.Integer(static_cast<int64_t>(e.count));
    r.Bulk("reason");
    r.Bulk(e.reason);
    r.Bulk("context");
    r.Bulk(e.context);
    r.Bulk("object");
    r.Bulk(e.object);
    r.Bulk("username");
    r.Bulk(e.username);
    r.Bulk("age-seconds");
    r.Double(static_cast<double>(now - e.created_ms) / 1000.0);
    r.Bulk("client-info");
    r.Bulk(e.client_info);
    // Redis 7.2's fields: a stable id and the first/last time of the denial.
    r.Bulk("entry-id");
    r.Integer(static_cast<int64_t>(e.entry_id));
    r.Bulk("timestamp-created");
    r.Integer(e.created_ms);
    r.Bulk("timestamp-last-updated");
    r.Integer(e.updated_ms);
  }
}

void CmdAclGenPass(CommandContext& ctx) {
  int64_t bits = 256;
  if (ctx.argv.size() == 3 && !absl::SimpleAtoi(A(ctx.argv[2]), &bits)) {
    return ctx.Error("ERR value is not an integer or out of range");
  }
  if (bits <= 0 || bits > 4096) {
    return ctx.Error(
        "ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096");
  }
  if (ctx.argv.size() > 3) return ctx.Error("ERR syntax error");
  const size_t chars = static_cast<size_t>((bits + 3) / 4);
  unsigned char raw[1024];
  size_t need = (chars + 1) / 2, got = 0;
  while (got < need) {
    ssize_t n = getrandom(raw + got, need - got, 0);
    if (n <= 0) return ctx.Error("ERR can't read random bytes");
    got += static_cast<size_t>(n);
  }
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < chars; ++i) out.push_back(kHex[(raw[i / 2] >> ((i % 2) ? 0 : 4)) & 15]);
  ctx.reply.Bulk(out);
}

void CmdAclDryRun(CommandContext& ctx) {
  acl::AclStore* store = StoreOf(ctx);
  if (store == nullptr) return;
  std::shared_ptr<const acl::User> u = store->Get(ctx.argv[2]);
  if (u == nullptr) return ctx.Error(absl::StrCat("ERR User '", A(ctx.argv[2]), "' not found"));
  absl::Span<const std::string_view> argv = absl::MakeConstSpan(ctx.argv).subspan(3);
  const engine::Command* cmd = store->index().table().Find(argv[0]);
  if (cmd != nullptr && cmd->is_container()) cmd = argv.size() >= 2 ? cmd->FindSubcommand(argv[1]) : nullptr;
  if (cmd == nullptr || cmd->spec().handler == nullptr) {
    return ctx.Error(absl::StrCat("ERR Command '", A(argv[0]), "' not found"));
  }
  if (!cmd->ArityOk(argv.size())) {
    return ctx.Error(absl::StrCat("ERR wrong number of arguments for '", A(cmd->full_name()), "' command"));
  }
  size_t pos = 0;
  acl::Denial d = store->Check(*u, *cmd, argv, &pos);
  if (d == acl::Denial::kNone) return ctx.reply.Ok();
  if (d == acl::Denial::kKey) {
    return ctx.reply.Bulk(absl::StrCat("This user has no permissions to access the '", A(argv[pos]), "' key"));
  }
  if (d == acl::Denial::kChannel) {
    return ctx.reply.Bulk(absl::StrCat("This user has no permissions to access the '", A(argv[pos]), "' channel"));
  }
  ctx.reply.Bulk(absl::StrCat("This user has no permissions to run the '", A(cmd->full_name()), "' command"));
}

constexpr std::string_view kNoAclFile =
    "ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL "
    "SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order "
    "to store users in the Redis configuration.";

void CmdAclLoad(CommandContext& ctx) {
  Connection* self = nullptr;
  acl::AclStore* store = StoreOf(ctx, &self);
  if (store == nullptr) return;
  const std::string& path = self->server().config().options().aclfile;
  if (path.empty()) return ctx.Error(kNoAclFile);
  std::vector<std::string> before;
  for (const auto& u : store->Users())
    if (u->name != "default") before.push_back(u->name);
  if (absl::Status s = store->LoadFile(path); !s.ok()) return ctx.Error(absl::StrCat("ERR ", s.message()));
  // Redis 7.0 frees every non-default user of the old set, with its clients.
  KillClientsOf(ctx, self, before);
  ctx.reply.Ok();
}

void CmdAclSave(CommandContext& ctx) {
  Connection* self = nullptr;
  acl::AclStore* store = StoreOf(ctx, &self);
  if (store == nullptr) return;
  const std::string& path = self->server().config().options().aclfile;
  if (path.empty()) return ctx.Error(kNoAclFile);
  if (absl::Status s = store->SaveFile(path); !s.ok()) {
    runtime::LogWarning("ACL SAVE: %s", std::string(s.message()));
    return ctx.Error("ERR There was an error trying to save the ACLs. Please check the server logs for more information");
  }
  ctx.reply.Ok();
}

void CmdAclHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CAT [<category>]",
      "    List all commands that belong to <category>, or all command categories",
      "    when no category is specified.",
      "DELUSER <username> [<username> ...]",
      "    Delete a list of users.",
      "DRYRUN <username> <command> [<arg> ...]",
      "    Returns whether the user can execute the given command without executing the command.",
      "GETUSER <username>",
      "    Get the user's details.",
      "GENPASS [<bits>]",
      "    Generate a secure 256-bit user password. The optional `bits` argument can",
      "    be used to specify a different size.",
      "LIST",
      "    Show users details in config file format.",
      "LOAD",
      "    Reload users from the ACL file.",
      "LOG [<count> | RESET]",
      "    Show the ACL log entries.",
      "SAVE",
      "    Save the current config to the ACL file.",
      "SETUSER <username> <attribute> [<attribute> ...]",
      "    Create or modify a user with the specified attributes.",
      "USERS",
      "    List all the registered usernames.",
      "WHOAMI",
      "    Return the current connection username.",
      "HELP",
      "    Prints this help.",
  };
  ctx.reply.ArrayHeader(std::size(kLines));
  for (auto l : kLines) ctx.reply.SimpleString(l);
}

}  // namespace

bool AuthenticateConnection(Connection& c, std::string_view user, std::string_view pass, std::string_view object) {
  acl::AclStore& store = c.server().acl();
  std::shared_ptr<const acl::User> u = store.Authenticate(user, pass);
  if (u == nullptr) {
    const bool multi = c.session().tx != nullptr && engine::InMulti(c.session());
    store.Log(acl::Denial::kAuth, multi ? "multi" : "toplevel", object, user, c.Describe(NowMs()));
    return false;
  }
  c.acl_user().Bind(std::move(u), store.generation());
  c.SetAuthenticated(true);
  return true;
}

void BindDefaultUser(Connection& c) {
  acl::AclStore& store = c.server().acl();
  // Read the generation first: a change after it is seen at the next check.
  const uint64_t gen = store.generation();
  std::shared_ptr<const acl::User> u = store.Get("default");
  c.acl_user().Bind(u, gen);
  c.SetAuthenticated(u != nullptr && u->enabled && u->nopass);
}

absl::StatusOr<std::unique_ptr<engine::Authorizer>> StartAcl(Server& server) {
  acl::AclStore& store = server.acl();
  store.Init(server.engine().commands());
  const config::Options& opt = server.config().options();
  if (!opt.aclfile.empty() && !opt.users.empty()) {
    return absl::InvalidArgumentError(
        "Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is invalid. "
        "This setup is very likely to lead to configuration errors and security holes, please define either an ACL "
        "file or declare users directly in your redis.conf, but not both.");
  }
  if (absl::Status s = store.LoadConfigUsers(opt.users); !s.ok()) return s;
  if (!opt.aclfile.empty()) {
    if (absl::Status s = store.LoadFile(opt.aclfile); !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("Aborting Redis startup because of ACL errors: ", s.message()));
    }
  }
  return std::unique_ptr<engine::Authorizer>(new AclAuthorizer(server));
}

void RegisterAclFamily(engine::CommandTable& t) {
  constexpr uint32_t kBase = engine::kNoScript | engine::kLoading | engine::kStale;
  engine::Command* aclc = t.Register({.name = "acl", .arity = -2, .acl_categories = "@slow", .group = "server",
                                      .since = "6.0.0"});
  auto sub = [&](std::string_view name, int arity, uint32_t flags, engine::Handler h,
                 std::string_view since = "6.0.0") {
    t.RegisterSubcommand(aclc, {.name = name, .arity = arity, .flags = flags | kBase, .handler = h,
                                .acl_categories = "@slow", .group = "server", .since = since});
  };
  sub("setuser", -3, engine::kAdmin, CmdAclSetUser);
  sub("getuser", 3, engine::kAdmin, CmdAclGetUser);
  sub("deluser", -3, engine::kAdmin, CmdAclDelUser);
  sub("list", 2, engine::kAdmin, CmdAclList);
  sub("users", 2, engine::kAdmin, CmdAclUsers);
  sub("whoami", 2, 0, CmdAclWhoAmI);
  sub("cat", -2, 0, CmdAclCat);
  sub("log", -2, engine::kAdmin, CmdAclLog);
  sub("genpass", -2, 0, CmdAclGenPass);
  sub("dryrun", -4, engine::kAdmin, CmdAclDryRun, "7.0.0");
  sub("load", 2, engine::kAdmin, CmdAclLoad);
  sub("save", 2, engine::kAdmin, CmdAclSave);
  t.RegisterSubcommand(aclc, {.name = "help", .arity = 2, .flags = engine::kLoading | engine::kStale, .handler = CmdAclHelp,
                              .acl_categories = "@slow", .group = "server", .since = "6.0.0"});
}

}  // namespace stockd::server
