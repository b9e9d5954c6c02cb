// engine/replication_family.cc — WAIT. stockd has no replicas (ROLE says
// master with none), so no write is ever acknowledged by one: WAIT replies 0
// at once when it asks for no more than that (numreplicas <= 0), inside
// MULTI/EXEC, or when it may not block; otherwise it parks the client, as
// Redis's WAIT without replicas does, until its timeout (milliseconds, 0 =
// forever) or CLIENT UNBLOCK, and then replies 0 (the unblock ERROR form
// replies Redis's -UNBLOCKED error).
#include <cstdint>
#include <limits>

#include "engine/args.h"
#include "engine/blocking.h"
#include "engine/command_context.h"
#include "engine/engine.h"

namespace stockd::engine {
namespace {

constexpr int64_t kAcknowledgingReplicas = 0;

void ReplyAcknowledged(CommandContext& ctx) { ctx.reply.Integer(kAcknowledgingReplicas); }

void CmdWait(CommandContext& ctx) {
  int64_t replicas, timeout_ms;
  // Redis's getLongFromObjectOrReply, then getTimeoutFromObjectOrReply in milliseconds.
  if (!ParseInt64Arg(ctx.argv[1], &replicas)) {
    return ctx.Error("ERR value is not an integer or out of range");
  }
  if (!ParseInt64Arg(ctx.argv[2], &timeout_ms)) {
    return ctx.Error("ERR timeout is not an integer or out of range");
  }
  if (timeout_ms < 0) return ctx.Error("ERR timeout is negative");
  if (kAcknowledgingReplicas >= replicas) return ReplyAcknowledged(ctx);
  // A deadline past int64 is forever (redis-server 7.0 blocks then too).
  const bool forever = timeout_ms == 0 || timeout_ms > std::numeric_limits<int64_t>::max() - ctx.now_ms;
  const int64_t deadline_ms = forever ? 0 : ctx.now_ms + timeout_ms;
  if (BlockUntil(ctx, deadline_ms, ReplyAcknowledged)) return;
  ReplyAcknowledged(ctx);  // MULTI/EXEC: Redis's CLIENT_DENY_BLOCKING
}

}  // namespace

void RegisterReplicationFamily(CommandTable& t) {
  t.Register({"wait", 3, kNoScript | kMayBlock, 0, 0, 0, CmdWait, "@slow @connection", "generic", "3.0.0"});
}

}  // namespace stockd::engine
