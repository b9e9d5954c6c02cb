// Tests of bench/flashsale/outcome.h: STOCK.BUY's and the EVAL script's replies are
// classified alike, anything else is unexpected, and CompactLua keeps the code only.
#include "bench/flashsale/outcome.h"

#include <string>

#include "gtest/gtest.h"

namespace stockd::bench {
namespace {

using protocol::Reply;
using protocol::ReplyType;

Reply Int(int64_t v) { Reply r; r.type = ReplyType::kInteger; r.integer = v; return r; }
Reply Bulk(std::string s) { Reply r; r.type = ReplyType::kBulk; r.str = std::move(s); return r; }
Reply Err(std::string s) { Reply r; r.type = ReplyType::kError; r.str = std::move(s); return r; }
Reply Arr(std::vector<Reply> e) { Reply r; r.type = ReplyType::kArray; r.elements = std::move(e); return r; }

TEST(ClassifyBuyReply, StockBuySuccess) {
  ClassifiedReply c = ClassifyBuyReply(Arr({Bulk("1042"), Int(17)}));
  EXPECT_EQ(c.outcome, BuyOutcome::kBought);
  EXPECT_EQ(c.order_id, "1042");
  EXPECT_EQ(c.remaining, 17);
}

TEST(ClassifyBuyReply, EvalScriptSuccessHasAnIntegerId) {
  ClassifiedReply c = ClassifyBuyReply(Arr({Int(5), Int(0)}));
  EXPECT_EQ(c.outcome, BuyOutcome::kBought);
  EXPECT_EQ(c.order_id, "5");
  EXPECT_EQ(c.remaining, 0);
}

TEST(ClassifyBuyReply, Refusals) {
  EXPECT_EQ(ClassifyBuyReply(Err("SOLDOUT not enough stock")).outcome, BuyOutcome::kSoldOut);
  EXPECT_EQ(ClassifyBuyReply(Err("LIMIT user limit reached")).outcome, BuyOutcome::kLimit);
  EXPECT_EQ(ClassifyBuyReply(Err("BUSY rate limited")).outcome, BuyOutcome::kBusy);
  Reply blob = Err("SOLDOUT not enough stock");
  blob.type = ReplyType::kBlobError;
  EXPECT_EQ(ClassifyBuyReply(blob).outcome, BuyOutcome::kSoldOut);
}

TEST(ClassifyBuyReply, EverythingElseIsUnexpected) {
  for (const Reply& r : {Err("ERR unknown command 'STOCK.BUY'"), Err("WRONGTYPE Operation"),
                         Err("ERR Error running script"), Int(1), Bulk("OK"), Reply{},
                         Arr({Bulk("1")}), Arr({Bulk("1"), Int(2), Int(3)}),
                         Arr({Bulk("1"), Bulk("2")}), Arr({Bulk(""), Int(2)}),
                         Arr({Arr({}), Int(2)})}) {
    EXPECT_EQ(ClassifyBuyReply(r).outcome, BuyOutcome::kUnexpected) << protocol::ToString(r);
  }
}

TEST(CompactLua, DropsCommentLinesAndJoins) {
  EXPECT_EQ(CompactLua("-- header\n  -- indented comment\nlocal a = 1\n\n  if a then\n"
                       "    return a\n  end\n"),
            "local a = 1 if a then return a end");
  EXPECT_EQ(CompactLua(""), "");
  EXPECT_EQ(CompactLua("return 1"), "return 1");
}

}  // namespace
}  // namespace stockd::bench
