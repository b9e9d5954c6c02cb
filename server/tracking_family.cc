// server/tracking_family.cc — CLIENT TRACKING, CACHING, GETREDIR and
// TRACKINGINFO, with Redis 7.0's checks in its order and its texts (the
// table and the invalidations: server/tracking.h). Run on the connection's
// own fiber: the session's tracking bits change only here and at RESET.
#include <string>
#include <vector>

#include "engine/args.h"
#include "engine/command_context.h"
#include "engine/errors.h"
#include "engine/session.h"
#include "server/connection.h"
#include "server/families.h"
#include "server/server.h"

namespace stockd::server {

using engine::CommandContext;
namespace bits = engine::tracking;

namespace {

// CLIENT TRACKING ON|OFF [REDIRECT id] [BCAST] [PREFIX p]... [OPTIN] [OPTOUT] [NOLOOP]
void CmdClientTracking(CommandContext& ctx) {
  Connection* c = RequireConnection(ctx);
  if (c == nullptr) return;
  Server& server = c->server();
  Tracking::Options o;
  long long redirect = 0;
  for (size_t j = 3; j < ctx.argv.size(); ++j) {
    const bool more = j + 1 < ctx.argv.size();
    const std::string_view opt = ctx.argv[j];
    if (EqualsIgnoreCase(opt, "redirect") && more) {
      ++j;
      if (redirect != 0) return ctx.Error("ERR A client can only redirect to a single other client");
      int64_t id;
      if (!engine::ParseInt64Arg(ctx.argv[j], &id)) return ctx.Error("ERR value is not an integer or out of range");
      redirect = id;
      bool exists = false;
      server.ForEachClient([&](Connection& other) { exists = exists || other.id() == static_cast<uint64_t>(id); });
      if (!exists) return ctx.Error("ERR The client ID you want redirect to does not exist");
    } else if (EqualsIgnoreCase(opt, "bcast")) {
      o.bcast = true;
    } else if (EqualsIgnoreCase(opt, "optin")) {
      o.optin = true;
    } else if (EqualsIgnoreCase(opt, "optout")) {
      o.optout = true;
    } else if (EqualsIgnoreCase(opt, "noloop")) {
      o.noloop = true;
    } else if (EqualsIgnoreCase(opt, "prefix") && more) {
      o.prefixes.emplace_back(ctx.argv[++j]);
    } else {
      return ctx.Error("ERR syntax error");
    }
  }
  const uint8_t now = ctx.session.tracking;
  if (EqualsIgnoreCase(ctx.argv[2], "on")) {
    if (!o.bcast && !o.prefixes.empty()) return ctx.Error("ERR PREFIX option requires BCAST mode to be enabled");
    if ((now & bits::kOn) && ((now & bits::kBcast) != 0) != o.bcast) {
      return ctx.Error(
          "ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it "
          "with a different mode.");
    }
    if (o.bcast && (o.optin || o.optout)) return ctx.Error("ERR OPTIN and OPTOUT are not compatible with BCAST");
    if (o.optin && o.optout) return ctx.Error("ERR You can't specify both OPTIN mode and OPTOUT mode");
    if ((o.optin && (now & bits::kOptOut)) || (o.optout && (now & bits::kOptIn))) {
      return ctx.Error(
          "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it "
          "with a different mode.");
    }
    if (o.bcast) {
      const std::string collision = server.tracking().PrefixCollision(c->id(), o.prefixes);
      if (!collision.empty()) return ctx.Error(collision);
    }
    o.redirect = static_cast<uint64_t>(redirect);
    (void)c->pubsub();  // an outbox for its invalidations (tracking.h)
    server.tracking().Enable(c->id(), o);
    // Redis's enableTracking: the mode bits are replaced, CACHING is kept.
    uint8_t b = bits::kOn | (now & bits::kCaching);
    if (o.bcast) b |= bits::kBcast;
    if (o.optin) b |= bits::kOptIn;
    if (o.optout) b |= bits::kOptOut;
    c->TrackingOn(b, redirect);
  } else if (EqualsIgnoreCase(ctx.argv[2], "off")) {
    c->TrackingOff();
  } else {
    return ctx.Error("ERR syntax error");
  }
  ctx.reply.Ok();
}

// CLIENT CACHING YES|NO: for the next command (or transaction) only.
void CmdClientCaching(CommandContext& ctx) {
  const uint8_t now = ctx.session.tracking;
  if (!(now & bits::kOn)) {
    return ctx.Error(
        "ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode "
        "enabled");
  }
  if (EqualsIgnoreCase(ctx.argv[2], "yes")) {
    if (!(now & bits::kOptIn))
      return ctx.Error("ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.");
  } else if (EqualsIgnoreCase(ctx.argv[2], "no")) {
    if (!(now & bits::kOptOut))
      return ctx.Error("ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.");
  } else {
    return ctx.Error("ERR syntax error");
  }
  ctx.session.tracking |= bits::kCaching;
  ctx.reply.Ok();
}

void CmdClientGetRedir(CommandContext& ctx) {
  Connection* c = RequireConnection(ctx);
  if (c == nullptr) return;
  ctx.reply.Integer(c->server().tracking().Get(c->id()).redirect);
}

void CmdClientTrackingInfo(CommandContext& ctx) {
  Connection* c = RequireConnection(ctx);
  if (c == nullptr) return;
  const Tracking::Info info = c->server().tracking().Get(c->id());
  const uint8_t b = ctx.session.tracking;
  std::vector<std::string_view> flags = {info.on ? "on" : "off"};
  if (info.bcast) flags.push_back("bcast");
  if (b & bits::kOptIn) {
    flags.push_back("optin");
    if (b & bits::kCaching) flags.push_back("caching-yes");
  }
  if (b & bits::kOptOut) {
    flags.push_back("optout");
    if (b & bits::kCaching) flags.push_back("caching-no");
  }
  if (info.noloop) flags.push_back("noloop");
  if (info.broken) flags.push_back("broken_redirect");
  ctx.reply.MapHeader(3);
  ctx.reply.Bulk("flags");
  ctx.reply.SetHeader(flags.size());
  for (std::string_view f : flags) ctx.reply.Bulk(f);
  ctx.reply.Bulk("redirect");
  ctx.reply.Integer(info.redirect);
  ctx.reply.Bulk("prefixes");
  ctx.reply.ArrayHeader(info.prefixes.size());
  for (const std::string& p : info.prefixes) ctx.reply.Bulk(p);
}

}  // namespace

void RegisterClientTracking(engine::CommandTable& t, engine::Command* client) {
  constexpr uint32_t kFlags = engine::kNoScript | engine::kLoading | engine::kStale;
  auto sub = [&](std::string_view name, int arity, engine::Handler h, std::string_view since) {
    t.RegisterSubcommand(client, {.name = name, .arity = arity, .flags = kFlags, .handler = h,
                                  .acl_categories = "@slow @connection", .group = "connection", .since = since});
  };
  sub("tracking", -3, CmdClientTracking, "6.0.0");
  sub("caching", 3, CmdClientCaching, "6.0.0");
  sub("getredir", 2, CmdClientGetRedir, "6.0.0");
  sub("trackinginfo", 2, CmdClientTrackingInfo, "6.2.0");
}

}  // namespace stockd::server
