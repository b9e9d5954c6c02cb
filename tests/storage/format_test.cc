// Encoding round-trips of every value type that has a codec, orders, user
// counts and REQIDs; malformed input is an error, never a crash.
#include "storage/format.h"

#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "engine/types/hash.h"
#include "engine/types/list.h"
#include "engine/types/set.h"
#include "engine/types/zset.h"
#include "gtest/gtest.h"

namespace stockd::storage {
namespace {

using engine::Encoding;
using engine::Value;

std::string Str(const Value& v) {
  char buf[engine::kIntBufferSize];
  return std::string(v.StringView(buf));
}

DecodedValue RoundTrip(const Value& v, int64_t expire) {
  std::string enc;
  absl::Status s = EncodeValue(v, expire, &enc);
  EXPECT_TRUE(s.ok()) << s;
  absl::StatusOr<DecodedValue> d = DecodeValue(enc);
  EXPECT_TRUE(d.ok()) << d.status();
  return std::move(*d);
}

TEST(FormatTest, IntRoundTripKeepsIntEncoding) {
  for (int64_t n : {int64_t{0}, int64_t{1}, int64_t{-1}, INT64_MAX, INT64_MIN, int64_t{1000}}) {
    DecodedValue d = RoundTrip(Value::Int(n), 0);
    ASSERT_TRUE(d.value.is_int());
    EXPECT_EQ(d.value.int_value(), n);
    EXPECT_EQ(d.expire_at_ms, 0);
  }
}

TEST(FormatTest, StringRoundTrips) {
  const std::string binary("a\0b\r\n\xff", 6);
  const std::string big(100000, 'x');
  for (const std::string& s : {std::string(), std::string("hello"), binary, big, std::string("012")}) {
    DecodedValue d = RoundTrip(Value::String(s), 1795690541000);
    ASSERT_TRUE(d.value.is_string());
    EXPECT_EQ(Str(d.value), s);
    EXPECT_EQ(d.expire_at_ms, 1795690541000);
  }
  // The encoding after a restart is the one SET would pick for the bytes.
  EXPECT_EQ(RoundTrip(Value::String("short"), 0).value.encoding(), Encoding::kEmbStr);
  EXPECT_EQ(RoundTrip(Value::String(big), 0).value.encoding(), Encoding::kRaw);
  // A string holding digits but not int encoded (INCRBYFLOAT result) stays a string with those bytes.
  DecodedValue f = RoundTrip(Value::PlainString("10.5"), 0);
  EXPECT_EQ(Str(f.value), "10.5");
}

TEST(FormatTest, MalformedValuesAreErrors) {
  EXPECT_FALSE(DecodeValue("").ok());
  EXPECT_FALSE(DecodeValue(std::string(1, '\x01')).ok());                   // no expiry
  EXPECT_FALSE(DecodeValue(std::string("\x01", 1) + std::string(8, '\0') + "abc").ok());  // int of 3 bytes
  EXPECT_FALSE(DecodeValue(std::string("\x7f", 1) + std::string(8, '\0')).ok());         // unknown tag
}

TEST(FormatTest, HashRoundTrip) {
  for (int n : {1, 3, 600}) {  // listpack and hashtable encodings
    auto h = std::make_unique<engine::HashObject>();
    for (int i = 0; i < n; ++i) h->Set("f" + std::to_string(i), std::string("v\0", 2) + std::to_string(i));
    Value v = Value::FromObject(std::move(h));
    DecodedValue d = RoundTrip(v, 42);
    EXPECT_EQ(d.expire_at_ms, 42);
    ASSERT_EQ(d.value.type(), engine::ValueType::kHash);
    EXPECT_EQ(d.value.encoding(), v.encoding()) << n;
    auto* out = static_cast<engine::HashObject*>(d.value.object());
    ASSERT_EQ(out->size(), static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) {
      const std::string* got = out->Find("f" + std::to_string(i));
      ASSERT_NE(got, nullptr);
      EXPECT_EQ(*got, std::string("v\0", 2) + std::to_string(i));
    }
  }
}

TEST(FormatTest, ListRoundTripKeepsOrder) {
  auto l = std::make_unique<engine::ListObject>();
  for (const char* s : {"c", "", "a", "b"}) l->PushBack(s);
  DecodedValue d = RoundTrip(Value::FromObject(std::move(l)), 0);
  ASSERT_EQ(d.value.type(), engine::ValueType::kList);
  auto* out = static_cast<engine::ListObject*>(d.value.object());
  EXPECT_EQ(std::vector<std::string>(out->items().begin(), out->items().end()),
            (std::vector<std::string>{"c", "", "a", "b"}));
}

TEST(FormatTest, SetRoundTripKeepsEncoding) {
  for (const std::vector<std::string>& members :
       {std::vector<std::string>{"1", "2", "300"}, std::vector<std::string>{"x", "1", "y"}}) {
    std::unique_ptr<engine::SetObject> st = engine::SetObject::ForFirst(members[0]);
    for (const auto& m : members) st->Add(m);
    Value v = Value::FromObject(std::move(st));
    DecodedValue d = RoundTrip(v, 0);
    ASSERT_EQ(d.value.type(), engine::ValueType::kSet);
    EXPECT_EQ(d.value.encoding(), v.encoding());
    auto* out = static_cast<engine::SetObject*>(d.value.object());
    EXPECT_EQ(out->size(), members.size());
    for (const auto& m : members) EXPECT_TRUE(out->Contains(m)) << m;
  }
}

TEST(FormatTest, ZSetRoundTripKeepsScores) {
  auto z = std::make_unique<engine::ZSetObject>();
  z->Set("a", 1.5);
  z->Set("b", -0.25);
  z->Set("c", 1e300);
  z->Set("d", -std::numeric_limits<double>::infinity());
  DecodedValue d = RoundTrip(Value::FromObject(std::move(z)), 0);
  ASSERT_EQ(d.value.type(), engine::ValueType::kZSet);
  auto* out = static_cast<engine::ZSetObject*>(d.value.object());
  double s;
  ASSERT_TRUE(out->Score("a", &s));
  EXPECT_EQ(s, 1.5);
  ASSERT_TRUE(out->Score("b", &s));
  EXPECT_EQ(s, -0.25);
  ASSERT_TRUE(out->Score("c", &s));
  EXPECT_EQ(s, 1e300);
  ASSERT_TRUE(out->Score("d", &s));
  EXPECT_EQ(s, -std::numeric_limits<double>::infinity());
  EXPECT_EQ(out->size(), 4u);
}

TEST(FormatTest, KeyRowsSortByDbShardKey) {
  int db, shard;
  std::string_view key;
  std::string row = KeyRow(3, 17, std::string("k\0ey", 4));
  ASSERT_TRUE(ParseKeyRow(row, &db, &shard, &key));
  EXPECT_EQ(db, 3);
  EXPECT_EQ(shard, 17);
  EXPECT_EQ(key, std::string_view("k\0ey", 4));
  EXPECT_LT(KeyRow(0, 1, "zzz"), KeyRow(0, 2, "a"));
  EXPECT_LT(KeyRow(0, 65535, "zzz"), KeyRow(1, 0, "a"));
  EXPECT_EQ(ShardPrefix(3, 17), row.substr(0, 4));
  // The end of the last shard of a db is the start of the next db.
  EXPECT_EQ(ShardPrefix(0, 16), KeyRow(0, 16, "").substr(0, 4));
  EXPECT_FALSE(ParseKeyRow("abc", &db, &shard, &key));
}

TEST(FormatTest, OrderRoundTrip) {
  engine::Order o;
  o.id = 123456789;
  o.db = 2;
  o.key = "stock:sku";
  o.user = std::string("u\0ser", 5);
  o.qty = 3;
  o.status = engine::OrderStatus::kCancelled;
  o.created_ms = 1795690541123;
  o.reqid = "req-1";
  std::string row = OrderRow(o.id), enc;
  EncodeOrder(o, &enc);
  uint64_t id;
  ASSERT_TRUE(ParseOrderRow(row, &id));
  absl::StatusOr<engine::Order> d = DecodeOrder(id, enc);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->id, o.id);
  EXPECT_EQ(d->db, o.db);
  EXPECT_EQ(d->key, o.key);
  EXPECT_EQ(d->user, o.user);
  EXPECT_EQ(d->qty, o.qty);
  EXPECT_EQ(d->status, o.status);
  EXPECT_EQ(d->created_ms, o.created_ms);
  EXPECT_EQ(d->reqid, o.reqid);
  EXPECT_LT(OrderRow(9), OrderRow(10));  // id order on disk
  EXPECT_LT(OrderRow(255), OrderRow(256));
  EXPECT_FALSE(DecodeOrder(1, enc.substr(0, enc.size() - 1)).ok());
  EXPECT_FALSE(DecodeOrder(1, "").ok());
}

TEST(FormatTest, OrderSegmentHoldsEveryOrderOfItsBatch) {
  std::vector<engine::Order> placed(3);
  for (size_t i = 0; i < placed.size(); ++i) {
    placed[i].id = 41 + i;
    placed[i].db = static_cast<int>(i);
    placed[i].key = "stock:sku";
    placed[i].user = "user:" + std::to_string(i);
    placed[i].qty = static_cast<int64_t>(i + 1);
    placed[i].created_ms = 1795690541000 + static_cast<int64_t>(i);
    placed[i].reqid = i == 1 ? std::string("r\0q", 3) : "";
  }
  std::string segment;
  for (const engine::Order& o : placed) AppendSegmentOrder(o, &segment);
  const std::string row = OrderSegmentRow(41, 43);
  EXPECT_EQ(row.size(), 16u);
  std::vector<engine::Order> read;
  ASSERT_TRUE(ForEachOrderInRow(row, segment, [&](engine::Order&& o) { read.push_back(std::move(o)); }).ok());
  ASSERT_EQ(read.size(), placed.size());
  for (size_t i = 0; i < placed.size(); ++i) {
    EXPECT_EQ(read[i].id, placed[i].id);
    EXPECT_EQ(read[i].db, placed[i].db);
    EXPECT_EQ(read[i].user, placed[i].user);
    EXPECT_EQ(read[i].qty, placed[i].qty);
    EXPECT_EQ(read[i].created_ms, placed[i].created_ms);
    EXPECT_EQ(read[i].reqid, placed[i].reqid);
    EXPECT_EQ(read[i].status, engine::OrderStatus::kPlaced);
  }
  // A single order's row reads through the same call.
  std::string one;
  EncodeOrder(placed[0], &one);
  read.clear();
  ASSERT_TRUE(ForEachOrderInRow(OrderRow(41), one, [&](engine::Order&& o) { read.push_back(std::move(o)); }).ok());
  ASSERT_EQ(read.size(), 1u);
  EXPECT_EQ(read[0].id, 41u);
  // Malformed: a cut segment, a row key of neither length.
  auto count = [](std::string_view k, std::string_view v) {
    size_t n = 0;
    absl::Status s = ForEachOrderInRow(k, v, [&](engine::Order&&) { ++n; });
    return s.ok() ? static_cast<int>(n) : -1;
  };
  EXPECT_EQ(count(row, segment.substr(0, segment.size() - 1)), -1);
  EXPECT_EQ(count(row, segment.substr(0, 10)), -1);
  EXPECT_EQ(count(row.substr(0, 12), segment), -1);
  EXPECT_EQ(count(row, ""), 0);
}

}  // namespace
}  // namespace stockd::storage
