// Tests of bench/flashsale/audit.h: a clean sale passes, and each kind of violation
// (oversell, a lost or phantom unit, a duplicate order id, an order-log or per-user
// mismatch, a user above the limit, an unknown outcome) fails with a line naming it.
#include "bench/flashsale/audit.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace stockd::bench {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

// 3 users; stock 10; users got 2, 0, 3 units in orders 1..5.
SaleRecord CleanSale() {
  SaleRecord s;
  s.initial = 10;
  s.limit = 3;
  s.units_by_user = {2, 0, 3};
  s.orders = {{"1", 0, 1}, {"2", 2, 1}, {"3", 0, 1}, {"4", 2, 1}, {"5", 2, 1}};
  return s;
}
ServerView CleanServer() {
  ServerView v;
  v.remaining = 5;
  v.units_by_user = std::vector<int64_t>{2, 0, 3};
  v.logged_units_by_user = std::vector<int64_t>{2, 0, 3};
  v.logged_orders = 5;
  return v;
}
std::string Joined(const AuditReport& r) {
  std::string all;
  for (const auto& f : r.failures) all += f + "\n";
  return all;
}

TEST(Audit, CleanSalePasses) {
  AuditReport r = Audit(CleanSale(), CleanServer());
  EXPECT_TRUE(r.ok) << Joined(r);
  EXPECT_THAT(r.failures, IsEmpty());
  EXPECT_EQ(r.sold, 5);
  EXPECT_EQ(r.acknowledged_units, 5);
  EXPECT_EQ(r.orders, 5);
  EXPECT_EQ(r.max_user_units, 3);
}

TEST(Audit, ServerPartsAreOptional) {
  ServerView v;
  v.remaining = 5;
  EXPECT_TRUE(Audit(CleanSale(), v).ok);
}

TEST(Audit, UnitSoldButNotAcknowledgedFails) {
  ServerView v = CleanServer();
  v.remaining = 4;  // the server sold one more than the clients were told
  AuditReport r = Audit(CleanSale(), v);
  EXPECT_FALSE(r.ok);
  EXPECT_THAT(Joined(r), HasSubstr("units sold"));
}

TEST(Audit, NegativeRemainingIsOversell) {
  SaleRecord s = CleanSale();
  s.initial = 4;
  ServerView v = CleanServer();
  v.remaining = -1;
  AuditReport r = Audit(s, v);
  EXPECT_FALSE(r.ok);
  EXPECT_THAT(Joined(r), HasSubstr("oversold"));
}

TEST(Audit, DuplicateOrderIdFails) {
  SaleRecord s = CleanSale();
  s.orders[3].id = "2";
  AuditReport r = Audit(s, CleanServer());
  EXPECT_FALSE(r.ok);
  EXPECT_THAT(Joined(r), HasSubstr("order id 2 acknowledged twice"));
}

TEST(Audit, OrderLogMismatchFails) {
  ServerView v = CleanServer();
  v.logged_orders = 4;
  v.logged_units_by_user = std::vector<int64_t>{2, 1, 2};
  AuditReport r = Audit(CleanSale(), v);
  EXPECT_FALSE(r.ok);
  EXPECT_THAT(Joined(r), HasSubstr("order log has 4 orders"));
  EXPECT_THAT(Joined(r), HasSubstr("order log: user 1 has 1"));
}

TEST(Audit, PerUserCountMismatchFails) {
  ServerView v = CleanServer();
  v.units_by_user = std::vector<int64_t>{2, 0, 2};
  AuditReport r = Audit(CleanSale(), v);
  EXPECT_FALSE(r.ok);
  EXPECT_THAT(Joined(r), HasSubstr("per-user count: user 2 has 2"));
}

TEST(Audit, UserAboveLimitFails) {
  SaleRecord s = CleanSale();
  s.limit = 2;
  AuditReport r = Audit(s, CleanServer());
  EXPECT_FALSE(r.ok);
  EXPECT_THAT(Joined(r), HasSubstr("user 2 got 3 units, limit 2"));
  EXPECT_THAT(Joined(r), HasSubstr("user 2 holds 3 units on the server, limit 2"));
}

TEST(Audit, NoLimitMeansAnyCount) {
  SaleRecord s = CleanSale();
  s.limit = 0;
  EXPECT_TRUE(Audit(s, CleanServer()).ok);
}

TEST(Audit, UnexpectedRepliesFail) {
  SaleRecord s = CleanSale();
  s.unexpected = 2;
  AuditReport r = Audit(s, CleanServer());
  EXPECT_FALSE(r.ok);
  EXPECT_THAT(Joined(r), HasSubstr("2 unexpected replies"));
}

TEST(Audit, ClientBookkeepingMustAddUp) {
  SaleRecord s = CleanSale();
  s.units_by_user = {2, 1, 3};
  ServerView v;
  v.remaining = 5;
  AuditReport r = Audit(s, v);
  EXPECT_FALSE(r.ok);
  EXPECT_THAT(Joined(r), HasSubstr("per-user units sum to 6"));
}

}  // namespace
}  // namespace stockd::bench
