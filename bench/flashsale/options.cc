// bench/flashsale/options.cc — see options.h.
#include "bench/flashsale/options.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace stockd::bench {
namespace {

absl::Status Bad(absl::string_view flag, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(flag, ": ", why));
}

absl::Status ParseInt(absl::string_view flag, absl::string_view text, int64_t min, int64_t max,
                      int64_t* out) {
  int64_t v;
  if (!absl::SimpleAtoi(text, &v)) return Bad(flag, absl::StrCat("not an integer: '", text, "'"));
  if (v < min || v > max) return Bad(flag, absl::StrCat(v, " is out of range [", min, ", ", max, "]"));
  *out = v;
  return absl::OkStatus();
}

}  // namespace

const char* Usage() {
  return "usage: flashsale --host H --port P --users N --stock S --sku K\n"
         "                 [--mode buy|eval] [--limit m] [--duration s] [--connections c]\n"
         "                 [--procs n] [--quiet]\n"
         "  N virtual users (fibers) buy 1 unit at a time from SKU K, which starts with\n"
         "  S units, until it is sold out, every user is at its limit, or s seconds pass\n"
         "  (default 30). --mode buy (default) sends STOCK.BUY to stockd; --mode eval runs\n"
         "  the Lua check-limit-and-decrement script with EVAL (redis-server or stockd).\n"
         "  --connections c shares c connections among the users (default: one each).\n"
         "  Prints ops/s, sold and remaining once a second, then throughput, latency\n"
         "  percentiles and an audit; exits 1 if the audit fails, 2 on a usage error.\n";
}

absl::StatusOr<FlashOptions> ParseOptions(int argc, const char* const* argv) {
  FlashOptions o;
  bool have_port = false, have_users = false, have_stock = false, have_sku = false;
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      o.help = true;
      return o;
    }
    if (arg == "--quiet") {
      o.quiet = true;
      continue;
    }
    if (arg.substr(0, 2) != "--") return Bad(arg, "unexpected argument");
    absl::string_view flag = arg, value;
    if (size_t eq = arg.find('='); eq != absl::string_view::npos) {
      flag = arg.substr(0, eq);
      value = arg.substr(eq + 1);
    } else {
      if (i + 1 >= argc) return Bad(flag, "needs a value");
      value = argv[++i];
    }
    int64_t n = 0;
    if (flag == "--host") {
      if (value.empty()) return Bad(flag, "empty");
      o.host = std::string(value);
    } else if (flag == "--port") {
      if (auto s = ParseInt(flag, value, 1, 65535, &n); !s.ok()) return s;
      o.port = static_cast<uint16_t>(n);
      have_port = true;
    } else if (flag == "--users") {
      if (auto s = ParseInt(flag, value, 1, 1000000, &o.users); !s.ok()) return s;
      have_users = true;
    } else if (flag == "--stock") {
      if (auto s = ParseInt(flag, value, 0, INT64_MAX / 2, &o.stock); !s.ok()) return s;
      have_stock = true;
    } else if (flag == "--sku") {
      if (value.empty()) return Bad(flag, "empty");
      o.sku = std::string(value);
      have_sku = true;
    } else if (flag == "--mode") {
      if (value == "buy") {
        o.mode = BuyMode::kBuy;
      } else if (value == "eval") {
        o.mode = BuyMode::kEval;
      } else {
        return Bad(flag, absl::StrCat("'", value, "' is not buy or eval"));
      }
    } else if (flag == "--limit") {
      if (auto s = ParseInt(flag, value, 0, INT64_MAX / 2, &o.limit); !s.ok()) return s;
    } else if (flag == "--duration") {
      double seconds;
      if (!absl::SimpleAtod(value, &seconds) || !(seconds > 0) || seconds > 86400) {
        return Bad(flag, absl::StrCat("'", value, "' is not a number of seconds in (0, 86400]"));
      }
      o.duration = absl::Seconds(seconds);
    } else if (flag == "--connections") {
      if (auto s = ParseInt(flag, value, 0, 1000000, &o.connections); !s.ok()) return s;
    } else if (flag == "--procs") {
      if (auto s = ParseInt(flag, value, 0, 1024, &n); !s.ok()) return s;
      o.procs = static_cast<int>(n);
    } else {
      return Bad(flag, "unknown flag");
    }
  }
  if (!have_port) return Bad("--port", "required");
  if (!have_users) return Bad("--users", "required");
  if (!have_stock) return Bad("--stock", "required");
  if (!have_sku) return Bad("--sku", "required");
  return o;
}

}  // namespace stockd::bench
