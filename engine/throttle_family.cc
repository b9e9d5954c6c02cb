// engine/throttle_family.cc — CL.THROTTLE, redis-cell compatible (issue 6).
//
//   CL.THROTTLE key max_burst count_per_period period [quantity]
//   → [limited (0/1), limit, remaining, retry-after s (-1 if allowed), reset-after s]
//
// The key holds the GCRA's theoretical arrival time (unix ns, an integer
// string) with a TTL of the time until the bucket is full again, exactly as
// redis-cell stores it, so the state is an ordinary key (persisted, deleted
// by DEL, expiring by itself). The clock is the engine's (CommandContext::now_ms).
#include "engine/args.h"
#include "engine/command_context.h"
#include "engine/engine.h"
#include "engine/errors.h"
#include "engine/gcra.h"

namespace stockd::engine {
namespace {

constexpr std::string_view kErrZeroRate = "ERR zero rates are not supported";
constexpr std::string_view kErrTooLarge = "ERR max_burst or quantity is too large for the rate";
constexpr std::string_view kErrNegative = "ERR max_burst and quantity must not be negative";

void CmdThrottle(CommandContext& ctx) {
  if (ctx.argv.size() > 6) return ctx.Error(errors::WrongArity(ctx.command.full_name()));
  GcraParams p;
  if (!ParseInt64Arg(ctx.argv[2], &p.max_burst) || !ParseInt64Arg(ctx.argv[3], &p.count) ||
      !ParseInt64Arg(ctx.argv[4], &p.period_s) ||
      (ctx.argv.size() == 6 && !ParseInt64Arg(ctx.argv[5], &p.quantity))) {
    return ctx.Error(errors::kNotInteger);
  }
  if (p.max_burst < 0 || p.quantity < 0) return ctx.Error(kErrNegative);
  // Overflow guards: the tolerance is interval * (max_burst + 1) in ns.
  if (p.count <= 0 || p.period_s <= 0 || p.period_s > INT64_MAX / 1'000'000'000 || !GcraValid(p)) {
    return ctx.Error(kErrZeroRate);
  }
  if (!GcraInRange(p)) return ctx.Error(kErrTooLarge);
  const std::string_view key = ctx.argv[1];
  KeyLoc loc = ctx.Locate(key);
  Entry* e = loc->FindWrite(key, loc.hash, ctx.now_ms);
  std::optional<int64_t> tat;
  if (e != nullptr) {
    if (!e->value.is_string()) return ctx.Error(errors::kWrongType);
    int64_t v;
    if (!e->value.GetInt64(&v)) return ctx.Error(errors::kNotInteger);
    tat = v;
  }
  const int64_t now_ns = ctx.now_ms * 1'000'000;
  GcraDecision d = Gcra(p, tat, now_ns);
  if (d.store) {
    // Expire when the TAT passes (ms, rounded up so the key outlives it).
    const int64_t ttl_ms = (d.ttl_ns + 999'999) / 1'000'000;
    if (ttl_ms <= 0) {
      if (e != nullptr) loc->Delete(key, loc.hash, ctx.now_ms);
    } else {
      Entry* ne = loc->Set(key, loc.hash, Value::Int(d.new_tat_ns));
      loc->SetExpire(key, ne, ctx.now_ms + ttl_ms);
    }
  }
  ctx.reply.ArrayHeader(5);
  ctx.reply.Integer(d.limited ? 1 : 0);
  ctx.reply.Integer(d.limit);
  ctx.reply.Integer(d.remaining);
  ctx.reply.Integer(ToReplySeconds(d.retry_after_ns));
  ctx.reply.Integer(ToReplySeconds(d.reset_after_ns));
}

}  // namespace

void RegisterThrottleFamily(CommandTable& t) {
  t.Register({.name = "cl.throttle", .arity = -5, .flags = kWrite | kDenyOom | kFast, .first_key = 1,
              .last_key = 1, .key_step = 1, .handler = CmdThrottle, .acl_categories = "@fast",
              .group = "stock", .since = "0.1.0"});
}

}  // namespace stockd::engine
