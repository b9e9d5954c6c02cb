// server/families.h — the server's command families (commands about
// connections and the server itself, registered into the engine's table), and
// the small helpers they share.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/engine.h"
#include "engine/command.h"
#include "engine/command_context.h"

namespace stockd::server {

class Connection;
class Server;

void RegisterConnectionFamily(engine::CommandTable& table);  // PING ECHO QUIT RESET HELLO AUTH CLIENT
void RegisterServerFamily(engine::CommandTable& table);      // COMMAND TIME SHUTDOWN SLOWLOG DEBUG LASTSAVE
void RegisterInfoFamily(engine::CommandTable& table);        // INFO
void RegisterConfigFamily(engine::CommandTable& table);      // CONFIG
void RegisterAclFamily(engine::CommandTable& table);         // ACL (server/acl_family.cc)
void RegisterPubSubFamily(engine::CommandTable& table);      // (P)(UN)SUBSCRIBE PUBLISH PUBSUB
void RegisterLatencyFamily(engine::CommandTable& table);     // LATENCY (server/latency_family.cc)
// CLIENT TRACKING CACHING GETREDIR TRACKINGINFO (server/tracking_family.cc), under `client`.
void RegisterClientTracking(engine::CommandTable& table, engine::Command* client);
// INFO latencystats (server/latency_family.cc).
void SectionLatencyStats(Server& server, std::string& out);

// Builds the ACL command index, loads `user` lines and the aclfile, and
// returns the engine's Authorizer for `server` (server/acl_family.cc).
// An error (bad aclfile / user line) fails the start.
absl::StatusOr<std::unique_ptr<engine::Authorizer>> StartAcl(Server& server);
// Authenticates connection c as user/pass: binds the user on success;
// otherwise logs the denial (object = the command, e.g. "AUTH") and returns false.
bool AuthenticateConnection(Connection& c, std::string_view user, std::string_view pass, std::string_view object);
// Binds c to the default user; authenticated when it is on and nopass (connect, RESET).
void BindDefaultUser(Connection& c);
// The connection a command runs on, or nullptr for embedded use (no server).
inline Connection* ConnectionOf(engine::CommandContext& ctx) {
  return static_cast<Connection*>(ctx.session.owner);
}

// Replies "ERR This command is only available on a client connection" and
// returns nullptr when there is none.
Connection* RequireConnection(engine::CommandContext& ctx);

inline absl::string_view A(std::string_view s) { return absl::string_view(s.data(), s.size()); }
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
// "INFO" in the "unknown subcommand ... Try X HELP." texts.
std::string UpperName(std::string_view s);

// Builds the INFO text for the given section names (lowercase; "default",
// "all", "everything" expand as in Redis).
std::string BuildInfo(Server& server, const std::vector<std::string>& sections);

}  // namespace stockd::server
