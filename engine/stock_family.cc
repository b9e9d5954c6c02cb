// engine/stock_family.cc — the flash-sale stock commands (issue 6):
// STOCK.SET STOCK.GET STOCK.BUY STOCK.CANCEL STOCK.BOUGHT.
//
// The stock of a SKU is the integer value at its key (GET/SET/DECRBY keep
// working on it); the orders, users' counts, REQIDs and admission buckets live
// in the engine's OrderLog beside the keyspace. STOCK.BUY is one atomic step
// under the key's shard lock, checked in this order:
//   argument errors → key type (WRONGTYPE / not an integer) →
//   (1) REQID replay → (2) admission bucket (BUSY) → (3) per-user LIMIT →
//   (4) stock (SOLDOUT) → decrement + order + count + REQID + records.
// A rejected buy changes nothing — no stock, order, count, REQID, and no
// admission token either: the bucket is checked at step (2) and its token is
// taken only together with the other effects of a successful buy (a REQID
// replay takes none).
#include <optional>
#include <string>

#include "engine/args.h"
#include "engine/command_context.h"
#include "engine/engine.h"
#include "engine/errors.h"
#include "engine/order_log.h"

namespace stockd::engine {
namespace {

// The contract's error texts.
constexpr std::string_view kErrQty = "ERR QTY must be a positive integer";
constexpr std::string_view kErrLimit = "ERR LIMIT must be a positive integer";
constexpr std::string_view kErrStockQty = "ERR stock quantity must be a non-negative integer";
constexpr std::string_view kErrRate = "ERR RATE must be a positive integer";
constexpr std::string_view kErrBurst = "ERR BURST must be a positive integer";
constexpr std::string_view kErrBurstWithoutRate = "ERR BURST requires RATE";
constexpr std::string_view kErrReqIdReused = "ERR REQID reused with different arguments";
constexpr std::string_view kErrBusy = "BUSY rate limited";
constexpr std::string_view kErrLimitReached = "LIMIT user limit reached";
constexpr std::string_view kErrSoldOut = "SOLDOUT not enough stock";
constexpr std::string_view kErrNoSuchOrder = "ERR no such order";

bool ParsePositive(std::string_view s, int64_t* out) { return ParseInt64Arg(s, out) && *out > 0; }

// Reads the stock at an entry: false after replying WRONGTYPE / not-an-integer.
bool StockOf(CommandContext& ctx, const Entry* e, int64_t* stock) {
  *stock = 0;
  if (e == nullptr) return true;
  if (!e->value.is_string()) {
    ctx.Error(errors::kWrongType);
    return false;
  }
  if (!e->value.GetInt64(stock)) {
    ctx.Error(errors::kNotInteger);
    return false;
  }
  return true;
}

// STOCK.SET key qty [RATE per-second] [BURST n]
void CmdStockSet(CommandContext& ctx) {
  const std::string_view key = ctx.argv[1];
  int64_t qty;
  if (!ParseInt64Arg(ctx.argv[2], &qty) || qty < 0) return ctx.Error(kErrStockQty);
  std::optional<int64_t> rate, burst;
  for (size_t i = 3; i < ctx.argv.size(); i += 2) {
    if (i + 1 >= ctx.argv.size()) return ctx.Error(errors::kSyntax);
    int64_t v;
    if (EqualsIgnoreCase(ctx.argv[i], "rate")) {
      if (!ParsePositive(ctx.argv[i + 1], &v)) return ctx.Error(kErrRate);
      rate = v;
    } else if (EqualsIgnoreCase(ctx.argv[i], "burst")) {
      if (!ParsePositive(ctx.argv[i + 1], &v)) return ctx.Error(kErrBurst);
      burst = v;
    } else {
      return ctx.Error(errors::kSyntax);
    }
  }
  if (burst && !rate) return ctx.Error(kErrBurstWithoutRate);
  KeyLoc loc = ctx.Locate(key);
  // SET semantics: any previous value and TTL are replaced.
  loc->Set(key, loc.hash, Value::Int(qty));
  std::optional<TokenBucket> bucket;
  if (rate) bucket.emplace(*rate, burst.value_or(*rate), ctx.now_ms);
  ctx.engine.order_log().ConfigureSku(*loc.shard, key, std::move(bucket));
  ctx.reply.Ok();
}

// STOCK.GET key
void CmdStockGet(CommandContext& ctx) {
  const std::string_view key = ctx.argv[1];
  KeyLoc loc = ctx.Locate(key);
  const Entry* e = loc->FindRead(key, loc.hash, ctx.now_ms);
  if (e == nullptr) return ctx.reply.Null();
  int64_t stock;
  if (!StockOf(ctx, e, &stock)) return;
  ctx.reply.Integer(stock);
}

struct BuyArgs {
  int64_t qty = 1;
  std::optional<int64_t> limit;
  std::string_view reqid;
  bool has_reqid = false;
};

bool ParseBuyArgs(CommandContext& ctx, BuyArgs* a) {
  for (size_t i = 3; i < ctx.argv.size(); i += 2) {
    if (i + 1 >= ctx.argv.size()) {
      ctx.Error(errors::kSyntax);
      return false;
    }
    const std::string_view opt = ctx.argv[i], val = ctx.argv[i + 1];
    int64_t v;
    if (EqualsIgnoreCase(opt, "qty")) {
      if (!ParsePositive(val, &v)) {
        ctx.Error(kErrQty);
        return false;
      }
      a->qty = v;
    } else if (EqualsIgnoreCase(opt, "limit")) {
      if (!ParsePositive(val, &v)) {
        ctx.Error(kErrLimit);
        return false;
      }
      a->limit = v;
    } else if (EqualsIgnoreCase(opt, "reqid")) {
      a->reqid = val;
      a->has_reqid = true;
    } else {
      ctx.Error(errors::kSyntax);
      return false;
    }
  }
  return true;
}

void ReplyOrder(CommandContext& ctx, uint64_t order_id, int64_t remaining) {
  char buf[kIntBufferSize];
  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(FormatInt64(static_cast<int64_t>(order_id), buf));
  ctx.reply.Integer(remaining);
  if (order_id > ctx.session.ack_order_id) ctx.session.ack_order_id = order_id;
}

// STOCK.BUY key user [QTY n] [LIMIT m] [REQID id]
void CmdStockBuy(CommandContext& ctx) {
  const std::string_view key = ctx.argv[1], user = ctx.argv[2];
  BuyArgs a;
  if (!ParseBuyArgs(ctx, &a)) return;
  OrderLog& log = ctx.engine.order_log();
  KeyLoc loc = ctx.Locate(key);
  SkuState* sku = log.FindSku(*loc.shard, key);
  // A hot SKU's users table is far bigger than the cache: start loading the
  // buyer's slot now, so the miss overlaps the stock lookup below.
  if (sku != nullptr) sku->users.prefetch(user);
  Entry* e = loc->FindWrite(key, loc.hash, ctx.now_ms);
  int64_t stock;
  if (!StockOf(ctx, e, &stock)) return;
  UserState* us = nullptr;
  if (sku != nullptr) {
    auto it = sku->users.find(user);
    if (it != sku->users.end()) us = &it->second;
  }
  // (1) REQID replay: whatever the stock, limit or rate now.
  if (a.has_reqid && us != nullptr) {
    if (const UserState::ReqId* r = us->FindReqId(a.reqid)) {
      if (r->qty != a.qty) return ctx.Error(kErrReqIdReused);
      log.CountReplay();
      return ReplyOrder(ctx, r->order_id, stock);
    }
  }
  // (2) admission bucket: one token per buy request, whatever its QTY.
  if (sku != nullptr && sku->bucket && !sku->bucket->CanTake(ctx.now_ms)) {
    log.CountRate();
    return ctx.Error(kErrBusy);
  }
  // (3) per-user limit.
  const int64_t held = us != nullptr ? us->units : 0;
  if (a.limit && held > *a.limit - a.qty) {
    log.CountLimit();
    return ctx.Error(kErrLimitReached);
  }
  // (4) stock (a missing key has none).
  if (e == nullptr || stock < a.qty) {
    log.CountSoldout();
    return ctx.Error(kErrSoldOut);
  }
  if (sku != nullptr && sku->bucket) sku->bucket->Take();
  stock -= a.qty;
  e->value = Value::Int(stock);
  loc->NoteChanged(key, loc.hash);
  const uint64_t id = log.Place(*loc.shard, ctx.session.db, key, user, a.qty,
                                a.has_reqid ? a.reqid : std::string_view(), ctx.now_ms, us);
  ReplyOrder(ctx, id, stock);
}

// STOCK.CANCEL order-id — no key in argv: the order names its key, whose
// shard the handler locks itself (kNoKeyLock).
void CmdStockCancel(CommandContext& ctx) {
  int64_t id;
  OrderLog& log = ctx.engine.order_log();
  std::optional<std::pair<int, std::string>> where;
  if (ParseInt64Arg(ctx.argv[1], &id) && id > 0) where = log.Locate(static_cast<uint64_t>(id));
  if (!where) return ctx.Error(kErrNoSuchOrder);
  const int db = where->first;
  const std::string& key = where->second;
  KeyRef ref{db, key};
  ctx.LockKeys(absl::MakeConstSpan(&ref, 1));
  KeyLoc loc = ctx.Locate(db, key);
  // Check that the units can go back before changing anything.
  Entry* e = loc->FindWrite(key, loc.hash, ctx.now_ms);
  int64_t stock;
  if (!StockOf(ctx, e, &stock)) return;
  std::optional<int64_t> units = log.Cancel(*loc.shard, static_cast<uint64_t>(id));
  if (!units) return ctx.Error(kErrNoSuchOrder);  // not reachable: orders are never removed
  if (*units > 0) {
    // A DECRBY/SET may have left anything at the key; saturate rather than wrap.
    const int64_t back = stock > INT64_MAX - *units ? INT64_MAX : stock + *units;
    if (e == nullptr) {
      loc->Set(key, loc.hash, Value::Int(back));
    } else {
      e->value = Value::Int(back);
      loc->NoteChanged(key, loc.hash);
    }
  }
  ctx.reply.Integer(*units);
}

// STOCK.BOUGHT key user
void CmdStockBought(CommandContext& ctx) {
  KeyLoc loc = ctx.Locate(ctx.argv[1]);
  SkuState* sku = ctx.engine.order_log().FindSku(*loc.shard, ctx.argv[1]);
  int64_t units = 0;
  if (sku != nullptr) {
    auto it = sku->users.find(ctx.argv[2]);
    if (it != sku->users.end()) units = it->second.units;
  }
  ctx.reply.Integer(units);
}

}  // namespace

void RegisterStockFamily(CommandTable& t) {
  t.Register({.name = "stock.set", .arity = -3, .flags = kWrite | kDenyOom, .first_key = 1,
              .last_key = 1, .key_step = 1, .handler = CmdStockSet, .acl_categories = "@slow",
              .group = "stock", .since = "0.1.0"});
  t.Register({.name = "stock.get", .arity = 2, .flags = kReadOnly | kFast, .first_key = 1,
              .last_key = 1, .key_step = 1, .handler = CmdStockGet, .acl_categories = "@fast",
              .group = "stock", .since = "0.1.0"});
  // Not denyoom: over maxmemory a flash sale keeps selling what it holds (a
  // buy decrements and adds one order record, bounded by the stock set).
  t.Register({.name = "stock.buy", .arity = -3, .flags = kWrite | kFast, .first_key = 1,
              .last_key = 1, .key_step = 1, .handler = CmdStockBuy, .acl_categories = "@fast",
              .group = "stock", .since = "0.1.0"});
  t.Register({.name = "stock.cancel", .arity = 2, .flags = kWrite | kNoKeyLock | kFast,
              .handler = CmdStockCancel, .acl_categories = "@fast", .group = "stock", .since = "0.1.0"});
  t.Register({.name = "stock.bought", .arity = 3, .flags = kReadOnly | kFast, .first_key = 1,
              .last_key = 1, .key_step = 1, .handler = CmdStockBought,
              .acl_categories = "@fast", .group = "stock", .since = "0.1.0"});
}

}  // namespace stockd::engine
