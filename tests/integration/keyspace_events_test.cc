// Keyspace notifications end to end against the real binary, under
// concurrency: writers on every processor at once (their events fired under
// shard locks, published to one subscriber), keys expiring by the active
// cycle, and turning the classes on and off while writes run.
#include <unistd.h>

#include <atomic>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "tests/util/raw_resp.h"
#include "tests/util/stockd_fixture.h"

namespace stockd::testing {
namespace {

// The (channel, message) of a RESP2 pmessage; empty on anything else.
std::pair<std::string, std::string> PMessage(const std::string& reply) {
  const std::vector<std::string> bulks = BulkStrings(reply);
  if (bulks.size() != 4 || bulks[0] != "pmessage") return {};
  return {bulks[2], bulks[3]};
}

class KeyspaceEventsTest : public StockdFixture {};

TEST_F(KeyspaceEventsTest, ConcurrentWritersAndTheActiveExpiryAnnounceEveryChange) {
  StartStockd();
  RawResp admin(server_.port());
  ASSERT_EQ(admin.Do({"CONFIG", "SET", "notify-keyspace-events", "Ex$"}), "+OK\r\n");
  RawResp sub(server_.port());
  ASSERT_EQ(PMessage(sub.Do({"PSUBSCRIBE", "__keyevent@0__:*"})).first, "");  // the confirmation

  constexpr int kWriters = 8, kIncrs = 500, kExpiring = 200;
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      RawResp c(server_.port());
      for (int i = 0; i < kIncrs; ++i) c.Do({"INCR", "counter:" + std::to_string(w)});
      for (int i = w; i < kExpiring; i += kWriters) c.Do({"SET", "ttl:" + std::to_string(i), "v", "PX", "20"});
    });
  }
  for (auto& t : writers) t.join();

  // Every INCR, every SET, and (the active cycle, nobody reading) every expiry.
  std::map<std::string, int> per_event;
  std::map<std::string, int> incrs_per_key;
  const int want = kWriters * kIncrs + 2 * kExpiring;
  for (int got = 0; got < want; ++got) {
    auto [channel, key] = PMessage(sub.Read());
    ASSERT_FALSE(channel.empty()) << "after " << got << " events";
    ++per_event[channel];
    if (channel == "__keyevent@0__:incrby") ++incrs_per_key[key];
  }
  EXPECT_EQ(per_event["__keyevent@0__:incrby"], kWriters * kIncrs);
  EXPECT_EQ(per_event["__keyevent@0__:set"], kExpiring);
  EXPECT_EQ(per_event["__keyevent@0__:expired"], kExpiring);
  for (int w = 0; w < kWriters; ++w) EXPECT_EQ(incrs_per_key["counter:" + std::to_string(w)], kIncrs);
  EXPECT_EQ(admin.Do({"DBSIZE"}), ":" + std::to_string(kWriters) + "\r\n");

  // Off: writes go on, nothing more is published (a PUBLISH marker comes next).
  ASSERT_EQ(admin.Do({"CONFIG", "SET", "notify-keyspace-events", ""}), "+OK\r\n");
  for (int i = 0; i < 100; ++i) admin.Do({"INCR", "counter:0"});
  admin.Do({"PUBLISH", "__keyevent@0__:marker", "end"});
  EXPECT_EQ(PMessage(sub.Read()), std::make_pair(std::string("__keyevent@0__:marker"), std::string("end")));
}

}  // namespace
}  // namespace stockd::testing
