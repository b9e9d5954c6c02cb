// bench/flashsale/sale.h — one flash sale: N virtual users (fibers) buying one unit at
// a time from one SKU until it is sold out, every user is at its limit, or time is up;
// then the server's view of the result, for the audit.
//
// Modes (FlashOptions::mode):
//   buy   STOCK.SET sku S, then `STOCK.BUY sku user [LIMIT m]`; the server view is
//         STOCK.GET, STOCK.BOUGHT per user and ORDER.GET per acknowledged order.
//   eval  SET sku S and DEL sku:orders sku:users, then EVAL of
//         bench/scripts/flash_buy_limit.lua; the server view is GET, the count hash
//         sku:users and the order list sku:orders.
// Users are named "u<run-id>:<index>" with a fresh run id, so a previous run's counts
// never mix into this one.
// A user stops at its first SOLDOUT (and tells all others to stop: with one unit per
// buy, SOLDOUT means the stock is gone), at LIMIT, at an unexpected reply or failed
// call (counted; the audit fails), or when the duration is over. BUSY (rate limited)
// is retried after 1 ms.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "bench/flashsale/audit.h"
#include "bench/flashsale/histogram.h"
#include "bench/flashsale/options.h"

namespace stockd::bench {

struct SaleOutcome {
  SaleRecord record;         // what the clients were told
  ServerView server;         // what the server says afterwards
  std::vector<std::string> notes;  // checks that could not be made, and why
  int64_t connections = 0;
  int64_t requests = 0;      // replies received (any kind)
  int64_t soldout = 0, limited = 0, busy = 0;
  std::vector<std::string> unexpected_samples;  // the first few unexpected replies
  absl::Duration elapsed;    // from the first request to the last reply
  bool sold_out = false;     // some user was told SOLDOUT
};

// Runs the sale. Latencies (ns, request written to reply decoded) go to *latency;
// a progress line goes to `progress` once a second unless it is nullptr.
// A Status error means the sale could not be set up or its result could not be read
// (no connection, the set-up command refused); the audit is then impossible.
// REQUIRES: called on a fiber of a running runtime.
absl::StatusOr<SaleOutcome> RunSale(const FlashOptions& options, Histogram* latency,
                                    FILE* progress);

}  // namespace stockd::bench
