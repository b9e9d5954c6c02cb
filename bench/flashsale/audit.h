// bench/flashsale/audit.h — the flash-sale audit: did the sale oversell, lose or
// duplicate an order, or let a user past the limit?
//
// Audit() is a pure function of what the clients saw (SaleRecord) and what the server
// reports afterwards (ServerView), so it is tested without a server. It checks:
//   1. sold == acknowledged: initial - remaining == the units acknowledged to clients;
//   2. remaining >= 0 (no oversell below zero);
//   3. every order id acknowledged is distinct;
//   4. the server's order log (when read) holds exactly the acknowledged orders,
//      user by user;
//   5. the server's per-user counts (when read) equal the acknowledged units, user by
//      user, and no user (client or server view) is above the limit;
//   6. no unexpected reply: anything but a buy, SOLDOUT, LIMIT or BUSY (an error, a
//      dropped connection) leaves the outcome of that buy unknown to the client.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace stockd::bench {

// What the clients saw. Users are numbered 0..N-1.
struct SaleRecord {
  int64_t initial = 0;                  // the stock when the sale started
  int64_t limit = 0;                    // per-user limit in units, 0 = none
  std::vector<int64_t> units_by_user;   // units acknowledged to each user (size N)
  struct Order {
    std::string id;
    int64_t user = 0;
    int64_t qty = 1;
  };
  std::vector<Order> orders;            // every successful buy's reply
  int64_t unexpected = 0;               // replies/failures other than buy, SOLDOUT, LIMIT, BUSY
};

// What the server reports after the sale. The optional parts are checked when present.
struct ServerView {
  int64_t remaining = 0;
  std::optional<std::vector<int64_t>> units_by_user;         // STOCK.BOUGHT / the count hash
  std::optional<std::vector<int64_t>> logged_units_by_user;  // from the server's order log
  std::optional<int64_t> logged_orders;                      // orders in the server's log
};

struct AuditReport {
  bool ok = true;
  int64_t sold = 0;                // initial - remaining
  int64_t acknowledged_units = 0;  // Σ qty of acknowledged orders
  int64_t orders = 0;              // acknowledged orders
  int64_t max_user_units = 0;      // the most any user got
  std::vector<std::string> failures;  // one line per violated check (capped at ~20)
};

AuditReport Audit(const SaleRecord& sale, const ServerView& server);

}  // namespace stockd::bench
