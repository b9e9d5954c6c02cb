// engine/command_docs.cc — FindCommandDoc, Redis's docs (generated into
// command_docs_data.inc) and the hand-written docs of stockd's own commands,
// in the same format (see command_docs.h for the invariant).
#include "engine/command_docs.h"

#include <algorithm>

namespace stockd::engine {
namespace {

#include "engine/command_docs_data.inc"

// ---- stockd's own commands (engine/stock_family.cc, order_family.cc,
// throttle_family.cc: their syntax comments are the contract) ----
constexpr CommandArg kKeyArg[] = {{.name = "key", .type = ArgType::kKey, .key_spec_index = 0}};
constexpr CommandArg kKeyUserArgs[] = {
    {.name = "key", .type = ArgType::kKey, .key_spec_index = 0},
    {.name = "user", .type = ArgType::kString},
};
constexpr CommandArg kOrderIdArg[] = {{.name = "order-id", .type = ArgType::kInteger}};
constexpr CommandArg kStockSetArgs[] = {
    {.name = "key", .type = ArgType::kKey, .key_spec_index = 0},
    {.name = "quantity", .type = ArgType::kInteger},
    {.name = "per-second", .type = ArgType::kInteger, .token = "RATE", .flags = kArgOptional},
    {.name = "burst", .type = ArgType::kInteger, .token = "BURST", .flags = kArgOptional},
};
constexpr CommandArg kStockBuyArgs[] = {
    {.name = "key", .type = ArgType::kKey, .key_spec_index = 0},
    {.name = "user", .type = ArgType::kString},
    {.name = "quantity", .type = ArgType::kInteger, .token = "QTY", .flags = kArgOptional},
    {.name = "limit", .type = ArgType::kInteger, .token = "LIMIT", .flags = kArgOptional},
    {.name = "request-id", .type = ArgType::kString, .token = "REQID", .flags = kArgOptional},
};
constexpr CommandArg kOrderReadArgs[] = {
    {.name = "after-id", .type = ArgType::kInteger},
    {.name = "count", .type = ArgType::kInteger, .token = "COUNT", .flags = kArgOptional},
    {.name = "milliseconds", .type = ArgType::kInteger, .token = "BLOCK", .flags = kArgOptional},
};
constexpr CommandArg kThrottleArgs[] = {
    {.name = "key", .type = ArgType::kKey, .key_spec_index = 0},
    {.name = "max-burst", .type = ArgType::kInteger},
    {.name = "count-per-period", .type = ArgType::kInteger},
    {.name = "period", .type = ArgType::kInteger},
    {.name = "quantity", .type = ArgType::kInteger, .flags = kArgOptional},
};

// Sorted by name, as kRedisDocs.
constexpr CommandDoc kStockdDocs[] = {
    {.name = "cl.throttle", .summary = "Rate limit with GCRA (redis-cell compatible)", .complexity = "O(1)",
     .args = kThrottleArgs},
    {.name = "order.get", .summary = "Get an order by id", .complexity = "O(1)", .args = kOrderIdArg},
    {.name = "order.last", .summary = "The highest order id", .complexity = "O(1)"},
    {.name = "order.read",
     .summary = "Read orders after an id, optionally blocking until one arrives",
     .complexity = "O(M) where M is the number of orders returned.",
     .args = kOrderReadArgs},
    {.name = "stock.bought", .summary = "Units of a SKU a user holds (placed, not cancelled)", .complexity = "O(1)",
     .args = kKeyUserArgs},
    {.name = "stock.buy", .summary = "Buy atomically: rate limit, per-user limit, stock, order", .complexity = "O(1)",
     .args = kStockBuyArgs},
    {.name = "stock.cancel", .summary = "Cancel an order and return its units to the stock", .complexity = "O(1)",
     .args = kOrderIdArg},
    {.name = "stock.get", .summary = "Get the remaining stock of a SKU", .complexity = "O(1)", .args = kKeyArg},
    {.name = "stock.set", .summary = "Set the stock of a SKU and, optionally, its admission rate",
     .complexity = "O(1)", .args = kStockSetArgs},
};

static_assert(std::ranges::is_sorted(kRedisDocs, {}, &CommandDoc::name));
static_assert(std::ranges::is_sorted(kStockdDocs, {}, &CommandDoc::name));

const CommandDoc* Find(std::span<const CommandDoc> docs, std::string_view name) {
  auto it = std::ranges::lower_bound(docs, name, {}, &CommandDoc::name);
  return it != docs.end() && it->name == name ? &*it : nullptr;
}

}  // namespace

std::string_view ArgTypeName(ArgType t) {
  switch (t) {
    case ArgType::kString: return "string";
    case ArgType::kInteger: return "integer";
    case ArgType::kDouble: return "double";
    case ArgType::kKey: return "key";
    case ArgType::kPattern: return "pattern";
    case ArgType::kUnixTime: return "unix-time";
    case ArgType::kPureToken: return "pure-token";
    case ArgType::kOneOf: return "oneof";
    case ArgType::kBlock: return "block";
  }
  return "string";
}

const CommandDoc* FindCommandDoc(std::string_view full_name) {
  const CommandDoc* d = Find(kRedisDocs, full_name);
  return d != nullptr ? d : Find(kStockdDocs, full_name);
}

}  // namespace stockd::engine
