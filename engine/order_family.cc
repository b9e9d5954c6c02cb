// engine/order_family.cc — reading the order log (issue 6): ORDER.GET,
// ORDER.READ, ORDER.LAST. This is how downstream order services consume the
// orders, the role Kafka plays in the usual flash-sale architecture.
//
// ORDER.* name no keys, so the dispatcher holds no shard lock while they run:
// ORDER.READ ... BLOCK may park the connection fiber (on a runtime channel
// with a deadline — no lock, no thread held) until an order arrives. Inside
// MULTI/EXEC or a script (session.no_block) BLOCK answers at once instead.
// Only durable orders are shown (OrderLog::durable_id()).
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "engine/args.h"
#include "engine/command_context.h"
#include "engine/engine.h"
#include "engine/errors.h"
#include "engine/order_log.h"

namespace stockd::engine {
namespace {

constexpr size_t kDefaultCount = 100;
constexpr int64_t kMaxCount = 10000;
constexpr std::string_view kErrCount = "ERR COUNT must be between 1 and 10000";
// Redis's XREAD/BLPOP texts for a bad timeout.
constexpr std::string_view kErrTimeoutNotInteger = "ERR timeout is not an integer or out of range";
constexpr std::string_view kErrTimeoutNegative = "ERR timeout is negative";

// One order: a map (RESP3) or a flat field-value array (RESP2), fields in the
// contract's order: id key user qty status created-ms.
void WriteOrder(protocol::ReplyWriter& w, const Order& o) {
  char buf[kIntBufferSize];
  w.MapHeader(6);
  w.Bulk("id");
  w.Bulk(FormatInt64(static_cast<int64_t>(o.id), buf));
  w.Bulk("key");
  w.Bulk(o.key);
  w.Bulk("user");
  w.Bulk(o.user);
  w.Bulk("qty");
  w.Integer(o.qty);
  w.Bulk("status");
  w.Bulk(OrderStatusName(o.status));
  w.Bulk("created-ms");
  w.Integer(o.created_ms);
}

// ORDER.GET order-id
void CmdOrderGet(CommandContext& ctx) {
  int64_t id;
  std::optional<Order> o;
  if (ParseInt64Arg(ctx.argv[1], &id) && id > 0) o = ctx.engine.order_log().Get(static_cast<uint64_t>(id));
  if (!o) return ctx.reply.Null();
  WriteOrder(ctx.reply, *o);
}

// ORDER.READ after-id [COUNT n] [BLOCK ms]
void CmdOrderRead(CommandContext& ctx) {
  int64_t after;
  if (!ParseInt64Arg(ctx.argv[1], &after) || after < 0) return ctx.Error(errors::kNotInteger);
  size_t count = kDefaultCount;
  std::optional<int64_t> block_ms;
  for (size_t i = 2; i < ctx.argv.size(); i += 2) {
    if (i + 1 >= ctx.argv.size()) return ctx.Error(errors::kSyntax);
    int64_t v;
    if (EqualsIgnoreCase(ctx.argv[i], "count")) {
      if (!ParseInt64Arg(ctx.argv[i + 1], &v) || v < 1 || v > kMaxCount) return ctx.Error(kErrCount);
      count = static_cast<size_t>(v);
    } else if (EqualsIgnoreCase(ctx.argv[i], "block")) {
      if (!ParseInt64Arg(ctx.argv[i + 1], &v)) return ctx.Error(kErrTimeoutNotInteger);
      if (v < 0) return ctx.Error(kErrTimeoutNegative);
      block_ms = v;
    } else {
      return ctx.Error(errors::kSyntax);
    }
  }
  OrderLog& log = ctx.engine.order_log();
  std::vector<Order> orders;
  if (block_ms && !ctx.session.no_block) {
    const absl::Time deadline =
        *block_ms == 0 ? absl::InfiniteFuture() : absl::Now() + absl::Milliseconds(*block_ms);
    log.ReadBlocking(static_cast<uint64_t>(after), count, deadline, &orders);
  } else {
    log.Read(static_cast<uint64_t>(after), count, &orders);
  }
  ctx.reply.ArrayHeader(orders.size());
  for (const Order& o : orders) WriteOrder(ctx.reply, o);
}

// ORDER.LAST
void CmdOrderLast(CommandContext& ctx) {
  ctx.reply.Integer(static_cast<int64_t>(ctx.engine.order_log().durable_id()));
}

}  // namespace

void RegisterOrderFamily(CommandTable& t) {
  t.Register({.name = "order.get", .arity = 2, .flags = kReadOnly | kFast, .handler = CmdOrderGet,
              .acl_categories = "@fast", .group = "stock", .since = "0.1.0"});
  t.Register({.name = "order.read", .arity = -2, .flags = kReadOnly | kBlocking,
              .handler = CmdOrderRead, .acl_categories = "@slow", .group = "stock", .since = "0.1.0"});
  t.Register({.name = "order.last", .arity = 1, .flags = kReadOnly | kFast, .handler = CmdOrderLast,
              .acl_categories = "@fast", .group = "stock", .since = "0.1.0"});
}

}  // namespace stockd::engine
