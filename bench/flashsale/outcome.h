// bench/flashsale/outcome.h — what one buy's reply means, the same way for STOCK.BUY
// (stockd) and the EVAL script (bench/scripts/flash_buy_limit.lua): both answer a buy
// with [order-id, remaining] and refuse with -SOLDOUT / -LIMIT / -BUSY errors.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "protocol/reply_decoder.h"

namespace stockd::bench {

enum class BuyOutcome {
  kBought,      // a 2-element array: order id (bulk string or integer), remaining (integer)
  kSoldOut,     // -SOLDOUT ...
  kLimit,       // -LIMIT ...
  kBusy,        // -BUSY ... (rate limited, or a Redis script running too long): retry
  kUnexpected,  // anything else: the buy's outcome is unknown to the client
};

struct ClassifiedReply {
  BuyOutcome outcome = BuyOutcome::kUnexpected;
  std::string order_id;   // kBought only
  int64_t remaining = 0;  // kBought only
};

ClassifiedReply ClassifyBuyReply(const protocol::Reply& reply);

// Drops the whole-line "--" comments of a Lua script and joins its lines with single
// spaces: the form sent with EVAL (less to send and to hash per call). REQUIRES: the
// script has no trailing comments after code and no multi-line strings.
std::string CompactLua(std::string_view script);

}  // namespace stockd::bench
