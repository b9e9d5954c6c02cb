// bench/flashsale/audit.cc — see audit.h.
#include "bench/flashsale/audit.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"

namespace stockd::bench {
namespace {

constexpr size_t kMaxFailures = 20;

void Fail(AuditReport& r, std::string line) {
  r.ok = false;
  if (r.failures.size() < kMaxFailures) r.failures.push_back(std::move(line));
}

// Compares a server-side per-user vector with the clients' one.
void CompareByUser(AuditReport& r, const char* what, const std::vector<int64_t>& server,
                   const std::vector<int64_t>& client) {
  if (server.size() != client.size()) {
    Fail(r, absl::StrCat(what, ": ", server.size(), " users on the server, ", client.size(),
                         " in the clients"));
    return;
  }
  int64_t mismatches = 0;
  for (size_t u = 0; u < client.size(); ++u) {
    if (server[u] == client[u]) continue;
    if (++mismatches <= 5) {
      Fail(r, absl::StrCat(what, ": user ", u, " has ", server[u], " on the server, ",
                           client[u], " acknowledged"));
    }
  }
  if (mismatches > 5) Fail(r, absl::StrCat(what, ": ", mismatches, " users differ in all"));
}

}  // namespace

AuditReport Audit(const SaleRecord& sale, const ServerView& server) {
  AuditReport r;
  r.sold = sale.initial - server.remaining;
  r.orders = static_cast<int64_t>(sale.orders.size());
  for (const auto& o : sale.orders) r.acknowledged_units += o.qty;
  for (int64_t u : sale.units_by_user) r.max_user_units = std::max(r.max_user_units, u);

  if (server.remaining < 0) Fail(r, absl::StrCat("oversold: remaining is ", server.remaining));
  if (r.sold != r.acknowledged_units) {
    Fail(r, absl::StrCat("units sold (initial ", sale.initial, " - remaining ", server.remaining,
                         " = ", r.sold, ") != units acknowledged to clients (",
                         r.acknowledged_units, ")"));
  }
  int64_t by_user_total = 0;
  for (int64_t u : sale.units_by_user) by_user_total += u;
  if (by_user_total != r.acknowledged_units) {
    Fail(r, absl::StrCat("client bookkeeping: per-user units sum to ", by_user_total, ", orders to ",
                         r.acknowledged_units));
  }

  absl::flat_hash_set<std::string> ids;
  ids.reserve(sale.orders.size());
  for (const auto& o : sale.orders) {
    if (!ids.insert(o.id).second) Fail(r, absl::StrCat("order id ", o.id, " acknowledged twice"));
  }

  if (server.logged_orders && *server.logged_orders != r.orders) {
    Fail(r, absl::StrCat("the server's order log has ", *server.logged_orders, " orders, clients got ",
                         r.orders));
  }
  if (server.logged_units_by_user) {
    CompareByUser(r, "order log", *server.logged_units_by_user, sale.units_by_user);
  }
  if (server.units_by_user) CompareByUser(r, "per-user count", *server.units_by_user, sale.units_by_user);

  if (sale.limit > 0) {
    for (size_t u = 0; u < sale.units_by_user.size(); ++u) {
      if (sale.units_by_user[u] > sale.limit) {
        Fail(r, absl::StrCat("user ", u, " got ", sale.units_by_user[u], " units, limit ", sale.limit));
      }
      if (server.units_by_user && u < server.units_by_user->size() &&
          (*server.units_by_user)[u] > sale.limit) {
        Fail(r, absl::StrCat("user ", u, " holds ", (*server.units_by_user)[u],
                             " units on the server, limit ", sale.limit));
      }
    }
  }
  if (sale.unexpected > 0) {
    Fail(r, absl::StrCat(sale.unexpected,
                         " unexpected replies or failed calls (the outcome of those buys is unknown)"));
  }
  return r;
}

}  // namespace stockd::bench
