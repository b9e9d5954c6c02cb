// engine/command_docs.cc — FindCommandDoc, Redis's docs, tips and key specs
// (generated into command_docs_data.inc) and the hand-written ones of stockd's
// own commands, in the same format (see command_docs.h for the invariant).
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

// Key specs: each keyed command names one key, argv[1] (its row's first key),
// flagged by what the handler does with it, in Redis's terms. STOCK.CANCEL
// and ORDER.* name no key in argv (the order log finds the SKU): none.
// GET-like: the value is returned.
constexpr KeySpec kReadKey[] = {{.flags = kKeyRO | kKeyAccess, .index = 1}};
// STOCK.SET replaces the value whatever it was (SET without GET).
constexpr KeySpec kOverwriteKey[] = {{.flags = kKeyOW | kKeyUpdate, .index = 1}};
// STOCK.BUY decrements the stock and replies the remaining units; CL.THROTTLE
// updates its GCRA state and replies what remains (INCRBY's flags).
constexpr KeySpec kUpdateKey[] = {{.flags = kKeyRW | kKeyAccess | kKeyUpdate, .index = 1}};

// Sorted by name, as kRedisDocs.
constexpr CommandDoc kStockdDocs[] = {
    {.name = "cl.throttle", .summary = "Rate limit with GCRA (redis-cell compatible)", .complexity = "O(1)",
     .args = kThrottleArgs,
     .key_specs = kUpdateKey},
    {.name = "order.get", .summary = "Get an order by id", .complexity = "O(1)", .args = kOrderIdArg},
    {.name = "order.last", .summary = "The highest order id", .complexity = "O(1)"},
    {.name = "order.read",
     .summary = "Read orders after an id, optionally blocking until one arrives",
     .complexity = "O(M) where M is the number of orders returned.",
     .args = kOrderReadArgs},
    {.name = "stock.bought", .summary = "Units of a SKU a user holds (placed, not cancelled)", .complexity = "O(1)",
     .args = kKeyUserArgs,
     .key_specs = kReadKey},
    {.name = "stock.buy", .summary = "Buy atomically: rate limit, per-user limit, stock, order", .complexity = "O(1)",
     .args = kStockBuyArgs,
     .key_specs = kUpdateKey},
    {.name = "stock.cancel", .summary = "Cancel an order and return its units to the stock", .complexity = "O(1)",
     .args = kOrderIdArg},
    {.name = "stock.get", .summary = "Get the remaining stock of a SKU", .complexity = "O(1)", .args = kKeyArg,
     .key_specs = kReadKey},
    {.name = "stock.set", .summary = "Set the stock of a SKU and, optionally, its admission rate",
     .complexity = "O(1)", .args = kStockSetArgs,
     .key_specs = kOverwriteKey},
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

std::span<const std::string_view> KeySpecFlagNames() {
  static constexpr std::string_view kNames[] = {"RO",     "RW",     "OW",     "RM",         "access",        "update",
                                                "insert", "delete", "not_key", "incomplete", "variable_flags"};
  return kNames;
}

const CommandDoc* FindCommandDoc(std::string_view full_name) {
  const CommandDoc* d = Find(kRedisDocs, full_name);
  return d != nullptr ? d : Find(kStockdDocs, full_name);
}

}  // namespace stockd::engine
