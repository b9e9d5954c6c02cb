// bench/flashsale/main.cc — the flash-sale load generator (issue 5).
//
//   flashsale --host H --port P --users N --stock S --sku K [--mode buy|eval]
//             [--limit m] [--duration s] [--connections c] [--procs n] [--quiet]
//
// N virtual users — fibers on stockd's own runtime — buy one unit at a time from SKU
// K until it is sold out, every user is at its limit, or the time is up. Once a second
// a progress line (ops/s, sold, remaining); at the end throughput, latency percentiles
// and the audit (bench/flashsale/audit.h). The same tool measures stockd (--mode buy,
// STOCK.BUY) and redis-server (--mode eval, the Lua script in bench/scripts).
// Exit status: 0 audit passed, 1 audit failed, 2 usage error or the sale could not run.
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bench/flashsale/audit.h"
#include "bench/flashsale/histogram.h"
#include "bench/flashsale/options.h"
#include "bench/flashsale/sale.h"
#include "runtime/scheduler.h"

namespace stockd::bench {
namespace {

double Ms(uint64_t ns) { return static_cast<double>(ns) / 1e6; }

int Report(const FlashOptions& o, const SaleOutcome& s, const Histogram& lat) {
  const double secs = absl::ToDoubleSeconds(s.elapsed);
  const int64_t bought = static_cast<int64_t>(s.record.orders.size());
  const char* how = s.sold_out                      ? "sold out"
                    : s.limited == o.users            ? "every user at the limit"
                    : s.record.unexpected > 0         ? "stopped by unexpected replies"
                                                      : "time up";
  printf("result: %s after %.2f s\n", how, secs);
  printf("requests: %lld in %.2f s = %.0f ops/s (bought %lld = %.0f/s, SOLDOUT %lld, LIMIT %lld, "
         "BUSY %lld, unexpected %lld) on %lld connections\n",
         static_cast<long long>(s.requests), secs, secs > 0 ? s.requests / secs : 0.0,
         static_cast<long long>(bought), secs > 0 ? bought / secs : 0.0,
         static_cast<long long>(s.soldout), static_cast<long long>(s.limited),
         static_cast<long long>(s.busy), static_cast<long long>(s.record.unexpected),
         static_cast<long long>(s.connections));
  printf("latency ms: p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f  (mean %.3f, %llu samples)\n",
         Ms(lat.Percentile(0.5)), Ms(lat.Percentile(0.9)), Ms(lat.Percentile(0.99)),
         Ms(lat.Percentile(0.999)), Ms(lat.max()), lat.mean() / 1e6,
         static_cast<unsigned long long>(lat.count()));
  for (const auto& u : s.unexpected_samples) printf("unexpected: %s\n", u.c_str());

  AuditReport a = Audit(s.record, s.server);
  printf("audit: units sold %lld (initial %lld - remaining %lld) %s acknowledged %lld in %lld orders",
         static_cast<long long>(a.sold), static_cast<long long>(o.stock),
         static_cast<long long>(s.server.remaining), a.sold == a.acknowledged_units ? "==" : "!=",
         static_cast<long long>(a.acknowledged_units),
         static_cast<long long>(a.orders));
  if (s.server.logged_orders) printf(", order log %lld", static_cast<long long>(*s.server.logged_orders));
  printf("; most per user %lld%s\n", static_cast<long long>(a.max_user_units),
         o.limit > 0 ? absl::StrCat(" (limit ", o.limit, ")").c_str() : "");
  for (const auto& n : s.notes) printf("audit note: %s\n", n.c_str());
  for (const auto& f : a.failures) printf("audit FAILED: %s\n", f.c_str());
  printf("audit: %s\n", a.ok ? "PASS" : "FAIL");
  return a.ok ? 0 : 1;
}

int Main(int argc, char** argv) {
  auto parsed = ParseOptions(argc, argv);
  if (!parsed.ok()) {
    fprintf(stderr, "flashsale: %s\n%s", std::string(parsed.status().message()).c_str(), Usage());
    return 2;
  }
  const FlashOptions o = *parsed;
  if (o.help) {
    printf("%s", Usage());
    return 0;
  }
  printf("flashsale: %s, %lld users, %s, stock %lld of %s, limit %s, at most %.1f s, %s:%u\n",
         o.mode == BuyMode::kBuy ? "STOCK.BUY" : "EVAL (Lua)", static_cast<long long>(o.users),
         o.connections > 0 ? absl::StrCat(o.connections, " shared connections").c_str()
                           : "one connection each",
         static_cast<long long>(o.stock), o.sku.c_str(),
         o.limit > 0 ? absl::StrCat(o.limit).c_str() : "none", absl::ToDoubleSeconds(o.duration),
         o.host.c_str(), o.port);
  fflush(stdout);

  Histogram latency;
  int rc = 2;
  runtime::Runtime rt(runtime::Options{.procs = o.procs});
  absl::Status status = rt.Run([&] {
    auto outcome = RunSale(o, &latency, o.quiet ? nullptr : stdout);
    if (!outcome.ok()) {
      fprintf(stderr, "flashsale: %s\n", outcome.status().ToString().c_str());
      rc = 2;
      return;
    }
    rc = Report(o, *outcome, latency);
  });
  if (!status.ok()) {
    fprintf(stderr, "flashsale: %s\n", status.ToString().c_str());
    return 2;
  }
  return rc;
}

}  // namespace
}  // namespace stockd::bench

int main(int argc, char** argv) { return stockd::bench::Main(argc, argv); }
