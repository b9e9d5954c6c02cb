// Tests of bench/flashsale/options.h: the documented flags parse, defaults hold, and
// every bad command line is an InvalidArgument naming the flag.
#include "bench/flashsale/options.h"

#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace stockd::bench {
namespace {

using ::testing::HasSubstr;

absl::StatusOr<FlashOptions> Parse(std::vector<const char*> args) {
  args.insert(args.begin(), "flashsale");
  return ParseOptions(static_cast<int>(args.size()), args.data());
}

TEST(FlashOptions, AllFlags) {
  auto o = Parse({"--host", "10.0.0.1", "--port", "7000", "--users", "500", "--stock", "1000",
                  "--sku", "stock:hot", "--mode", "eval", "--limit", "2", "--duration", "2.5",
                  "--connections=20", "--procs", "1", "--quiet"});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->host, "10.0.0.1");
  EXPECT_EQ(o->port, 7000);
  EXPECT_EQ(o->users, 500);
  EXPECT_EQ(o->stock, 1000);
  EXPECT_EQ(o->sku, "stock:hot");
  EXPECT_EQ(o->mode, BuyMode::kEval);
  EXPECT_EQ(o->limit, 2);
  EXPECT_EQ(o->duration, absl::Milliseconds(2500));
  EXPECT_EQ(o->connections, 20);
  EXPECT_EQ(o->procs, 1);
  EXPECT_TRUE(o->quiet);
}

TEST(FlashOptions, Defaults) {
  auto o = Parse({"--port", "1", "--users", "1", "--stock", "0", "--sku", "k"});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->host, "127.0.0.1");
  EXPECT_EQ(o->mode, BuyMode::kBuy);
  EXPECT_EQ(o->limit, 0);
  EXPECT_EQ(o->duration, absl::Seconds(30));
  EXPECT_EQ(o->connections, 0);
  EXPECT_FALSE(o->quiet);
}

TEST(FlashOptions, HelpNeedsNothingElse) {
  auto o = Parse({"--help"});
  ASSERT_TRUE(o.ok());
  EXPECT_TRUE(o->help);
}

TEST(FlashOptions, BadCommandLines) {
  struct Case {
    std::vector<const char*> args;
    const char* mentions;
  };
  const char* p[] = {"--port", "1", "--users", "1", "--stock", "5", "--sku", "k"};
  auto with = [&](std::vector<const char*> extra) {
    std::vector<const char*> a(std::begin(p), std::end(p));
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  };
  std::vector<Case> cases = {
      {{"--users", "1", "--stock", "5", "--sku", "k"}, "--port: required"},
      {{"--port", "1", "--stock", "5", "--sku", "k"}, "--users: required"},
      {{"--port", "1", "--users", "1", "--sku", "k"}, "--stock: required"},
      {{"--port", "1", "--users", "1", "--stock", "5"}, "--sku: required"},
      {with({"--port", "70000"}), "--port"},
      {with({"--users", "0"}), "--users"},
      {with({"--stock", "-1"}), "--stock"},
      {with({"--mode", "lua"}), "--mode"},
      {with({"--limit", "x"}), "--limit: not an integer"},
      {with({"--duration", "0"}), "--duration"},
      {with({"--bogus", "1"}), "--bogus: unknown flag"},
      {with({"--limit"}), "--limit: needs a value"},
      {with({"stray"}), "unexpected argument"},
  };
  for (const auto& c : cases) {
    auto o = Parse(c.args);
    ASSERT_FALSE(o.ok()) << c.mentions;
    EXPECT_EQ(o.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(o.status().message(), HasSubstr(c.mentions));
  }
}

}  // namespace
}  // namespace stockd::bench
