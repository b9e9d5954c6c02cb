// server/pubsub_family.cc — SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE,
// PUBLISH and PUBSUB, with Redis 7.0's replies (the registry and delivery:
// server/pubsub.h), and the shard channels (SSUBSCRIBE, SUNSUBSCRIBE,
// SPUBLISH, PUBSUB SHARDCHANNELS/SHARDNUMSUB) as Redis 7.0 has them with
// cluster mode off: a namespace of their own with a count of their own. Their
// channel arguments are NOT_KEY key specs in Redis (engine::kNotKey): COMMAND
// INFO prints the triple; nothing locks, ACL-checks or tracks them as keys.
// Not here: keyspace notifications.
#include <optional>
#include <string>

#include "engine/command_context.h"
#include "server/connection.h"
#include "server/families.h"
#include "server/server.h"

namespace stockd::server {

using engine::CommandContext;

namespace {

// A (un)subscription's confirmation: [verb, name or nil, subscriptions left],
// a push in RESP3, sent even under CLIENT REPLY OFF/SKIP (as Redis).
void Confirm(CommandContext& ctx, std::string_view verb, const std::string_view* name, size_t count) {
  protocol::OutputBuffer* const target = ctx.reply.buffer();
  Connection* c = ConnectionOf(ctx);
  if (c != nullptr && &ctx.reply == &c->writer()) ctx.reply.SetBuffer(c->sent_output());
  ctx.reply.PushHeader(3);
  ctx.reply.Bulk(verb);
  if (name != nullptr) ctx.reply.Bulk(*name);
  else ctx.reply.Null();
  ctx.reply.Integer(static_cast<int64_t>(count));
  ctx.reply.SetBuffer(target);
}

// The count a confirmation carries: channels + patterns, or the shard
// channels alone (Redis's clientSubscriptionsCount / clientShardSubscriptionsCount).
size_t CountOf(const ClientPubSub* subs, SubKind kind) {
  if (subs == nullptr) return 0;
  return kind == SubKind::kShardChannel ? subs->count(kind) : subs->total();
}

void Subscribe(CommandContext& ctx, SubKind kind, std::string_view verb) {
  Connection* c = RequireConnection(ctx);
  if (c == nullptr) return;
  // Redis 7.0 refuses SSUBSCRIBE in EXEC (SUBSCRIBE is let through there).
  if (kind == SubKind::kShardChannel && ctx.session.no_block) {
    ctx.Error("ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client");
    return;
  }
  ClientPubSub& subs = c->pubsub();
  for (size_t i = 1; i < ctx.argv.size(); ++i) {
    subs.Add(kind, ctx.argv[i]);
    Confirm(ctx, verb, &ctx.argv[i], CountOf(&subs, kind));
  }
  c->SubscriptionsChanged();
}

// Without names: every subscription of that kind (one reply with a nil name
// when there is none).
void Unsubscribe(CommandContext& ctx, SubKind kind, std::string_view verb) {
  Connection* c = RequireConnection(ctx);
  if (c == nullptr) return;
  ClientPubSub* subs = c->pubsub_if_any();
  if (ctx.argv.size() == 1) {
    const std::vector<std::string> names = subs != nullptr ? subs->Names(kind) : std::vector<std::string>();
    for (const std::string& n : names) {
      subs->Remove(kind, n);
      const std::string_view name = n;
      Confirm(ctx, verb, &name, CountOf(subs, kind));
    }
    if (names.empty()) Confirm(ctx, verb, nullptr, CountOf(subs, kind));
  } else {
    for (size_t i = 1; i < ctx.argv.size(); ++i) {
      if (subs != nullptr) subs->Remove(kind, ctx.argv[i]);
      Confirm(ctx, verb, &ctx.argv[i], CountOf(subs, kind));
    }
  }
  c->SubscriptionsChanged();
}

void CmdSubscribe(CommandContext& ctx) { Subscribe(ctx, SubKind::kChannel, "subscribe"); }
void CmdPSubscribe(CommandContext& ctx) { Subscribe(ctx, SubKind::kPattern, "psubscribe"); }
void CmdUnsubscribe(CommandContext& ctx) { Unsubscribe(ctx, SubKind::kChannel, "unsubscribe"); }
void CmdPUnsubscribe(CommandContext& ctx) { Unsubscribe(ctx, SubKind::kPattern, "punsubscribe"); }
void CmdSSubscribe(CommandContext& ctx) { Subscribe(ctx, SubKind::kShardChannel, "ssubscribe"); }
void CmdSUnsubscribe(CommandContext& ctx) { Unsubscribe(ctx, SubKind::kShardChannel, "sunsubscribe"); }

// Embedded use (no server) has no subscribers: 0 receivers.
void CmdPublish(CommandContext& ctx) {
  Connection* c = ConnectionOf(ctx);
  ctx.reply.Integer(c != nullptr ? c->server().pubsub().Publish(ctx.argv[1], ctx.argv[2]) : 0);
}

void CmdSPublish(CommandContext& ctx) {
  Connection* c = ConnectionOf(ctx);
  ctx.reply.Integer(c != nullptr ? c->server().pubsub().PublishShard(ctx.argv[1], ctx.argv[2]) : 0);
}

PubSub* RegistryOf(CommandContext& ctx) {
  Connection* c = RequireConnection(ctx);
  return c != nullptr ? &c->server().pubsub() : nullptr;
}

void PubsubChannels(CommandContext& ctx, bool shard) {
  if (ctx.argv.size() > 3) {
    ctx.Error(std::string("ERR unknown subcommand or wrong number of arguments for '")
                  .append(ctx.argv[1])
                  .append("'. Try PUBSUB HELP."));
    return;
  }
  PubSub* ps = RegistryOf(ctx);
  if (ps == nullptr) return;
  const auto pattern = ctx.argv.size() == 3 ? std::optional<std::string_view>(ctx.argv[2]) : std::nullopt;
  const std::vector<std::string> channels = shard ? ps->ShardChannels(pattern) : ps->Channels(pattern);
  ctx.reply.ArrayHeader(channels.size());
  for (const std::string& ch : channels) ctx.reply.Bulk(ch);
}

void PubsubNumsub(CommandContext& ctx, bool shard) {
  PubSub* ps = RegistryOf(ctx);
  if (ps == nullptr) return;
  ctx.reply.ArrayHeader(2 * (ctx.argv.size() - 2));  // pairs, a flat array in RESP3 too (as Redis 7.0)
  for (size_t i = 2; i < ctx.argv.size(); ++i) {
    ctx.reply.Bulk(ctx.argv[i]);
    ctx.reply.Integer(shard ? ps->ShardNumSub(ctx.argv[i]) : ps->NumSub(ctx.argv[i]));
  }
}

void CmdPubsubChannels(CommandContext& ctx) { PubsubChannels(ctx, false); }
void CmdPubsubShardChannels(CommandContext& ctx) { PubsubChannels(ctx, true); }
void CmdPubsubNumsub(CommandContext& ctx) { PubsubNumsub(ctx, false); }
void CmdPubsubShardNumsub(CommandContext& ctx) { PubsubNumsub(ctx, true); }

void CmdPubsubNumpat(CommandContext& ctx) {
  if (PubSub* ps = RegistryOf(ctx)) ctx.reply.Integer(ps->NumPat());
}

void CmdPubsubHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      // Redis 7.0's text.
      "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CHANNELS [<pattern>]",
      "    Return the currently active channels matching a <pattern> (default: '*').",
      "NUMPAT",
      "    Return number of subscriptions to patterns.",
      "NUMSUB [<channel> ...]",
      "    Return the number of subscribers for the specified channels, excluding",
      "    pattern subscriptions(default: no channels).",
      "SHARDCHANNELS [<pattern>]",
      "    Return the currently active shard level channels matching a <pattern> (default: '*').",
      "SHARDNUMSUB [<shardchannel> ...]",
      "    Return the number of subscribers for the specified shard level channel(s)",
      "HELP",
      "    Prints this help.",
  };
  ctx.reply.ArrayHeader(std::size(kLines));
  for (auto l : kLines) ctx.reply.SimpleString(l);
}

}  // namespace

void RegisterPubSubFamily(engine::CommandTable& t) {
  constexpr uint32_t kSub = engine::kPubSub | engine::kNoScript | engine::kLoading | engine::kStale;
  constexpr uint32_t kRead = engine::kPubSub | engine::kLoading | engine::kStale;
  t.Register({.name = "subscribe", .arity = -2, .flags = kSub, .handler = CmdSubscribe,
              .acl_categories = "@pubsub @slow", .group = "pubsub", .since = "2.0.0"});
  t.Register({.name = "unsubscribe", .arity = -1, .flags = kSub, .handler = CmdUnsubscribe,
              .acl_categories = "@pubsub @slow", .group = "pubsub", .since = "2.0.0"});
  t.Register({.name = "psubscribe", .arity = -2, .flags = kSub, .handler = CmdPSubscribe,
              .acl_categories = "@pubsub @slow", .group = "pubsub", .since = "2.0.0"});
  t.Register({.name = "punsubscribe", .arity = -1, .flags = kSub, .handler = CmdPUnsubscribe,
              .acl_categories = "@pubsub @slow", .group = "pubsub", .since = "2.0.0"});
  t.Register({.name = "publish", .arity = 3, .flags = kRead | engine::kFast | engine::kMayReplicate, .handler = CmdPublish,
              .acl_categories = "@pubsub @fast", .group = "pubsub", .since = "2.0.0"});
  // The shard channels: Redis's triple 1 -1 1 / 1 1 1 over NOT_KEY key specs.
  t.Register({.name = "ssubscribe", .arity = -2, .flags = kSub | engine::kNotKey, .first_key = 1, .last_key = -1,
              .key_step = 1, .handler = CmdSSubscribe, .acl_categories = "@pubsub @slow", .group = "pubsub",
              .since = "7.0.0"});
  t.Register({.name = "sunsubscribe", .arity = -1, .flags = kSub | engine::kNotKey, .first_key = 1, .last_key = -1,
              .key_step = 1, .handler = CmdSUnsubscribe, .acl_categories = "@pubsub @slow", .group = "pubsub",
              .since = "7.0.0"});
  t.Register({.name = "spublish", .arity = 3, .flags = kRead | engine::kFast | engine::kMayReplicate | engine::kNotKey,
              .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdSPublish,
              .acl_categories = "@pubsub @fast", .group = "pubsub", .since = "7.0.0"});
  engine::Command* pubsub =
      t.Register({.name = "pubsub", .arity = -2, .acl_categories = "@slow", .group = "pubsub", .since = "2.8.0"});
  t.RegisterSubcommand(pubsub, {.name = "channels", .arity = -2, .flags = kRead, .handler = CmdPubsubChannels,
                                .acl_categories = "@pubsub @slow", .group = "pubsub", .since = "2.8.0"});
  t.RegisterSubcommand(pubsub, {.name = "numsub", .arity = -2, .flags = kRead, .handler = CmdPubsubNumsub,
                                .acl_categories = "@pubsub @slow", .group = "pubsub", .since = "2.8.0"});
  t.RegisterSubcommand(pubsub, {.name = "numpat", .arity = 2, .flags = kRead, .handler = CmdPubsubNumpat,
                                .acl_categories = "@pubsub @slow", .group = "pubsub", .since = "2.8.0"});
  t.RegisterSubcommand(pubsub, {.name = "shardchannels", .arity = -2, .flags = kRead, .handler = CmdPubsubShardChannels,
                                .acl_categories = "@pubsub @slow", .group = "pubsub", .since = "7.0.0"});
  t.RegisterSubcommand(pubsub, {.name = "shardnumsub", .arity = -2, .flags = kRead, .handler = CmdPubsubShardNumsub,
                                .acl_categories = "@pubsub @slow", .group = "pubsub", .since = "7.0.0"});
  t.RegisterSubcommand(pubsub, {.name = "help", .arity = 2, .flags = engine::kLoading | engine::kStale,
                                .handler = CmdPubsubHelp, .acl_categories = "@slow", .group = "pubsub",
                                .since = "6.2.0"});
}

}  // namespace stockd::server
