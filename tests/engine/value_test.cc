// A Value's three string representations (an integer, a short string inline,
// a heap string) behave alike: same bytes, same encodings as Redis names
// them, moves and clones keep them, in-place edits turn them raw.
#include "engine/value.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>

#include "engine/shard.h"

namespace stockd::engine {
namespace {

std::string Bytes(const Value& v) { return v.ToString(); }

TEST(ValueTest, OneSlotIsOneCacheLine) {
  EXPECT_EQ(sizeof(Value), 16u);
  EXPECT_EQ(sizeof(KeySlot), 64u);
  EXPECT_EQ(alignof(KeySlot), 64u);
}

TEST(ValueTest, StringsKeepTheirBytesAndEncodingAcrossTheInlineLimit) {
  for (size_t len : {0, 1, 13, 14, 15, 16, 44, 45, 1000}) {
    const std::string s(len, 'a');
    Value v = Value::String(s);
    EXPECT_TRUE(v.is_string());
    EXPECT_FALSE(v.is_int());
    EXPECT_EQ(Bytes(v), s) << len;
    EXPECT_EQ(v.StringLength(), len);
    EXPECT_EQ(v.type(), ValueType::kString);
    EXPECT_EQ(v.encoding(), len <= kEmbStrMaxLength ? Encoding::kEmbStr : Encoding::kRaw) << len;
    int64_t i;
    EXPECT_FALSE(v.GetInt64(&i));
  }
  EXPECT_EQ(Value::RawString("ab").encoding(), Encoding::kRaw);
  EXPECT_EQ(Value::PlainString("12").encoding(), Encoding::kEmbStr);
  std::string binary("a\0b\r\n", 5);
  EXPECT_EQ(Bytes(Value::String(binary)), binary);
}

TEST(ValueTest, IntegersAreHeldAsIntegersOnlyInCanonicalForm) {
  Value v = Value::String("-9223372036854775808");
  ASSERT_TRUE(v.is_int());
  EXPECT_EQ(v.int_value(), INT64_MIN);
  EXPECT_EQ(v.encoding(), Encoding::kInt);
  EXPECT_EQ(Bytes(v), "-9223372036854775808");
  for (const char* s : {"012", "+1", " 1", "-0", "9223372036854775808"}) EXPECT_FALSE(Value::String(s).is_int()) << s;
  // A non-int-encoded string with integer text still reads as an integer.
  int64_t i = 0;
  EXPECT_TRUE(Value::PlainString("42").GetInt64(&i));
  EXPECT_EQ(i, 42);
}

TEST(ValueTest, MovesLeaveTheSourceAnEmptyIntegerAndClonesAreDeep) {
  for (size_t len : {3, 30}) {
    Value a = Value::String(std::string(len, 'x'));
    Value b = std::move(a);
    EXPECT_EQ(Bytes(b), std::string(len, 'x'));
    EXPECT_TRUE(a.is_int());  // NOLINT(bugprone-use-after-move): the moved-from state is specified
    Value c = b.Clone();
    c.Append("y");
    EXPECT_EQ(Bytes(b), std::string(len, 'x'));
    EXPECT_EQ(Bytes(c), std::string(len, 'x') + "y");
    b = std::move(c);  // frees b's old string (ASan checks)
    EXPECT_EQ(b.StringLength(), len + 1);
  }
}

TEST(ValueTest, AppendTurnsAnyStringRawAndGrows) {
  Value v = Value::String("12");
  EXPECT_EQ(v.Append("3"), 3u);
  EXPECT_FALSE(v.is_int());
  EXPECT_EQ(v.encoding(), Encoding::kRaw);
  std::string expect = "123";
  for (int i = 0; i < 100; ++i) {  // through the inline limit and several regrowths
    expect += "abcdefg";
    EXPECT_EQ(v.Append("abcdefg"), expect.size());
  }
  EXPECT_EQ(Bytes(v), expect);
  EXPECT_GE(v.MemoryUsage(), sizeof(Value) + expect.size());
}

TEST(ValueTest, ABigStringReservesAtMostOneMegabyteBeyondItsLength) {
  Value v = Value::String("x");
  const std::string chunk(64 << 10, 'y');
  size_t len = 1;
  while (len < (5u << 20)) len = v.Append(chunk);
  EXPECT_EQ(v.StringLength(), len);
  EXPECT_GE(v.MemoryUsage(), len);
  EXPECT_LE(v.MemoryUsage(), len + (1u << 20) + 64);
  Value w = Value::RawString("");
  EXPECT_EQ(w.SetRange((5u << 20) - 1, "z"), 5u << 20);
  EXPECT_LE(w.MemoryUsage(), (6u << 20) + 64);
}

TEST(ValueTest, SetRangePadsWithZeroBytesAndOverwritesInPlace) {
  Value v = Value::String("hello");
  EXPECT_EQ(v.SetRange(1, "EL"), 5u);
  EXPECT_EQ(Bytes(v), "hELlo");
  EXPECT_EQ(v.encoding(), Encoding::kRaw);
  EXPECT_EQ(v.SetRange(8, "!"), 9u);
  EXPECT_EQ(Bytes(v), std::string("hELlo\0\0\0!", 9));
  Value n = Value::Int(7);
  EXPECT_EQ(n.SetRange(0, "8"), 1u);
  EXPECT_EQ(Bytes(n), "8");
  Value empty = Value::RawString("");
  EXPECT_EQ(empty.SetRange(20, "z"), 21u);
  EXPECT_EQ(Bytes(empty), std::string(20, '\0') + "z");
}

}  // namespace
}  // namespace stockd::engine
