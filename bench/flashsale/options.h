// bench/flashsale/options.h — the flashsale tool's command line.
//
//   flashsale --host H --port P --users N --stock S --sku K [--mode buy|eval]
//             [--limit m] [--duration s] [--connections c] [--procs n] [--quiet]
//
// ParseOptions never exits or prints: a bad command line is an InvalidArgument status
// whose message says which flag and why; --help is reported through Options::help.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace stockd::bench {

enum class BuyMode {
  kBuy,   // STOCK.BUY sku user [LIMIT m] — stockd's own command
  kEval,  // EVAL of bench/scripts/flash_buy_limit.lua — the same sale on redis-server
};

struct FlashOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;          // required
  int64_t users = 0;          // required, >= 1: virtual users, one fiber each
  int64_t stock = -1;         // required, >= 0: the stock the sale starts with
  std::string sku;            // required: the stock key
  BuyMode mode = BuyMode::kBuy;
  int64_t limit = 0;          // per-user limit in units; 0 = none
  absl::Duration duration = absl::Seconds(30);  // the sale stops when sold out or after this
  int64_t connections = 0;    // 0 = one connection per user; else a shared pool of c
  int procs = 0;              // runtime Ps; 0 = hardware threads
  bool quiet = false;         // no progress lines
  bool help = false;          // --help was given; nothing else is validated
};

// Parses argv[1..argc). Flags take their value as the next argument or after '='.
absl::StatusOr<FlashOptions> ParseOptions(int argc, const char* const* argv);

// The usage text printed for --help and after a bad command line.
const char* Usage();

}  // namespace stockd::bench
