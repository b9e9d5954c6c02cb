// The stream codec (tag 11, FORMAT.md): a round trip keeps the entries, the
// top IDs and counters, the node layout `~` trimming depends on, and the
// consumer groups with their PELs and consumers; malformed payloads are an
// error, never a crash.
#include <memory>
#include <string>

#include "engine/types/stream.h"
#include "gtest/gtest.h"
#include "storage/format.h"

namespace stockd::storage {
namespace {

using engine::StreamID;
using engine::StreamObject;
using engine::Value;

// 250 entries (three nodes), a few deleted, a group with a two-consumer PEL.
std::unique_ptr<StreamObject> Sample() {
  auto s = std::make_unique<StreamObject>();
  for (uint64_t i = 1; i <= 250; ++i) s->Append({i, 0}, {"f", std::to_string(i)});
  s->Erase({120, 0});
  s->max_deleted_entry_id = {120, 0};
  s->TrimMaxLen(240, false, 0);  // flags 1..9 deleted inside the first node
  s->last_id = {900, 1};
  s->entries_added = 1000;
  engine::StreamGroup& g = s->groups["shipping"];
  g.last_id = {20, 0};
  g.entries_read = 20;
  s->LookupOrCreateConsumer(g, "w1", 111);
  s->LookupOrCreateConsumer(g, "w2", 222);
  s->Deliver(g, {15, 0}, "w1", 333);
  s->Deliver(g, {16, 0}, "w2", 444);
  g.pel[{16, 0}].delivery_count = 5;
  s->groups["empty"].entries_read = -1;
  return s;
}

TEST(StreamFormat, RoundTripKeepsEverything) {
  std::unique_ptr<StreamObject> original = Sample();
  const Value v = Value::FromObject(Sample());
  std::string enc;
  ASSERT_TRUE(EncodeValue(v, 1234, &enc).ok());
  EXPECT_EQ(static_cast<uint8_t>(enc[0]), static_cast<uint8_t>(ValueTag::kStream));
  absl::StatusOr<DecodedValue> d = DecodeValue(enc);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->expire_at_ms, 1234);
  ASSERT_EQ(d->value.type(), engine::ValueType::kStream);
  auto& s = static_cast<StreamObject&>(*d->value.object());
  EXPECT_EQ(s.entries(), original->entries());
  EXPECT_EQ(s.size(), 240u);
  EXPECT_EQ(s.last_id, (StreamID{900, 1}));
  EXPECT_EQ(s.entries_added, 1000u);
  EXPECT_EQ(s.max_deleted_entry_id, (StreamID{120, 0}));
  ASSERT_EQ(s.nodes().size(), 3u);
  EXPECT_EQ(s.nodes().begin()->second.live, 91u);  // 10..100
  EXPECT_EQ(s.nodes().begin()->second.total, 100u);
  EXPECT_EQ(s.RaxNodes(), original->RaxNodes());
  ASSERT_EQ(s.groups.size(), 2u);
  const engine::StreamGroup& g = s.groups.at("shipping");
  EXPECT_EQ(g.last_id, (StreamID{20, 0}));
  EXPECT_EQ(g.entries_read, 20);
  ASSERT_EQ(g.pel.size(), 2u);
  EXPECT_EQ(g.pel.at({15, 0}).consumer, "w1");
  EXPECT_EQ(g.pel.at({15, 0}).delivery_time, 333);
  EXPECT_EQ(g.pel.at({16, 0}).delivery_count, 5u);
  EXPECT_EQ(g.consumers.at("w1").seen_time, 111);
  EXPECT_EQ(g.consumers.at("w2").pel.count({16, 0}), 1u);
  EXPECT_EQ(s.groups.at("empty").entries_read, -1);
  // The node layout survived: `~` removes the first node (91 live), as
  // before the round trip.
  EXPECT_EQ(s.TrimMaxLen(100, true, 10000), original->TrimMaxLen(100, true, 10000));
  EXPECT_EQ(s.size(), original->size());
}

TEST(StreamFormat, MalformedPayloadsAreErrors) {
  const Value v = Value::FromObject(Sample());
  std::string enc;
  ASSERT_TRUE(EncodeValue(v, 0, &enc).ok());
  // Every truncation fails cleanly.
  for (size_t n = 9; n < enc.size(); n += 7) EXPECT_FALSE(DecodeValue(enc.substr(0, n)).ok()) << n;
  EXPECT_FALSE(DecodeValue(enc + "x").ok());  // trailing bytes
  std::string bad_version = enc;
  bad_version[9] = 2;  // tag (1) + expiry (8), then the payload version
  EXPECT_FALSE(DecodeValue(bad_version).ok());
  // An empty stream (no entries, no nodes) is valid.
  std::string empty;
  ASSERT_TRUE(EncodeValue(Value::FromObject(std::make_unique<StreamObject>()), 0, &empty).ok());
  EXPECT_TRUE(DecodeValue(empty).ok());
}

}  // namespace
}  // namespace stockd::storage
