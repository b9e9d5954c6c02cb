// Client-side caching end to end against the real binary: many writers on
// many connections (plain writes, MULTI/EXEC, scripts) racing over keys that
// several RESP3 trackers read — each tracker is sent exactly one
// invalidation per key per read-then-write round; trackers that disconnect
// leave the tracking state (clients, prefixes, and lazily their keys); a
// REDIRECT target that disconnects while invalidations stream to it breaks
// the redirect cleanly (tracking-redir-broken, flag R), nothing else; and
// STOCK.* buys, which announce no keyspace event, invalidate too.
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "tests/util/raw_resp.h"
#include "tests/util/server_process.h"
#include "tests/util/stockd_fixture.h"

namespace stockd::testing {
namespace {

class TrackingTest : public StockdFixture {
 protected:
  int64_t Info(Client& c, const std::string& field) {
    Reply r = c.Command({"INFO", "everything"});
    const std::string info(r->str, r->len);
    const size_t at = info.find(field + ":");
    return at == std::string::npos ? -1 : std::atoll(info.c_str() + at + field.size() + 1);
  }
  bool Eventually(Client& c, const std::string& field, int64_t want) {
    for (int i = 0; i < 1000; ++i) {
      if (Info(c, field) == want) return true;
      usleep(10000);
    }
    return false;
  }
  static std::unique_ptr<RawResp> Tracker(int port, const std::vector<std::string>& tracking) {
    auto r = std::make_unique<RawResp>(port);
    (void)r->Do({"HELLO", "3"});
    EXPECT_EQ(r->Do(tracking), "+OK\r\n");
    return r;
  }
};

std::string Key(int i) { return "key:" + std::to_string(i); }

TEST_F(TrackingTest, ConcurrentWritersInvalidateEachReadKeyExactlyOnce) {
  StartStockd();
  constexpr int kKeys = 40, kTrackers = 6, kWriters = 6, kRounds = 5;
  std::vector<std::unique_ptr<RawResp>> trackers;
  for (int t = 0; t < kTrackers; ++t) trackers.push_back(Tracker(server_.port(), {"CLIENT", "TRACKING", "ON"}));
  auto control = server_.Connect();
  for (int round = 0; round < kRounds; ++round) {
    // Tracker t reads every key k with k % kTrackers != t (so each key has
    // several trackers, and each tracker misses some keys).
    std::vector<std::vector<std::string>> read(kTrackers);
    for (int t = 0; t < kTrackers; ++t) {
      std::vector<std::string> mget = {"MGET"};
      for (int k = 0; k < kKeys; ++k) {
        if (k % kTrackers != t) mget.push_back(Key(k));
      }
      read[t].assign(mget.begin() + 1, mget.end());
      const std::string reply = trackers[t]->Do(mget);
      ASSERT_EQ(reply[0], '*') << reply;
    }
    // Writers on other connections, each writing every key several times, by
    // SET, MULTI/EXEC and scripts, all at once.
    std::vector<std::thread> writers;
    std::atomic<int> failures{0};
    for (int w = 0; w < kWriters; ++w) {
      writers.emplace_back([&, w] {
        auto c = server_.Connect();
        for (int rep = 0; rep < 3; ++rep) {
          for (int k = 0; k < kKeys; ++k) {
            const std::string key = Key((k + w * 7) % kKeys), v = std::to_string(round * 100 + rep);
            std::string r;
            switch ((k + w + rep) % 3) {
              case 0:
                r = c->Do({"SET", key, v});
                break;
              case 1:
                c->Do({"MULTI"});
                c->Do({"INCR", key + ":n"});
                c->Do({"SET", key, v});
                r = c->Do({"EXEC"});
                r = r.find("OK") != std::string::npos ? "\"OK\"" : r;
                break;
              default:
                r = c->Do({"EVAL", "return redis.call('set', KEYS[1], ARGV[1])", "1", key, v});
            }
            if (r != "\"OK\"") failures.fetch_add(1);
          }
        }
      });
    }
    for (auto& th : writers) th.join();
    ASSERT_EQ(failures.load(), 0);
    // Each tracker: one invalidation per key it read, then PING's reply.
    for (int t = 0; t < kTrackers; ++t) {
      trackers[t]->Send({"PING"});
      std::map<std::string, int> got;
      for (;;) {
        const std::string m = trackers[t]->Read();
        if (m == "+PONG\r\n") break;
        ASSERT_EQ(m.rfind(">2\r\n$10\r\ninvalidate\r\n*1\r\n", 0), 0u) << m;
        const std::vector<std::string> parts = BulkStrings(m.substr(m.find("*1\r\n")));
        ASSERT_EQ(parts.size(), 1u) << m;
        ++got[parts[0]];
      }
      ASSERT_EQ(got.size(), read[t].size()) << "tracker " << t << " round " << round;
      for (const std::string& k : read[t]) EXPECT_EQ(got[k], 1) << k << " tracker " << t << " round " << round;
    }
    // Every read key was forgotten once invalidated (the ":n" counters were never read).
    EXPECT_EQ(Info(*control, "tracking_total_keys"), 0);
    EXPECT_EQ(Info(*control, "tracking_total_items"), 0);
  }
  EXPECT_EQ(Info(*control, "tracking_clients"), kTrackers);
}

TEST_F(TrackingTest, BcastTrackersSeeEveryConcurrentWriteOfTheirPrefix) {
  StartStockd();
  constexpr int kWriters = 4, kWrites = 300;
  auto t = Tracker(server_.port(), {"CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "w0:", "PREFIX", "w1:"});
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      auto c = server_.Connect();
      for (int i = 0; i < kWrites; ++i) c->Do({"SET", "w" + std::to_string(w) + ":" + std::to_string(i), "v"});
    });
  }
  for (auto& th : writers) th.join();
  t->Send({"PING"});
  std::map<std::string, int> got;
  for (;;) {
    const std::string m = t->Read();
    if (m == "+PONG\r\n") break;
    ASSERT_EQ(m.rfind(">2\r\n$10\r\ninvalidate\r\n*", 0), 0u) << m;
    for (const std::string& k : BulkStrings(m.substr(m.find("\r\n*") + 2))) ++got[k];
  }
  // Every key of w0 and w1 once (each SET its own batch), none of w2 or w3.
  EXPECT_EQ(got.size(), 2u * kWrites);
  for (const auto& [k, n] : got) {
    EXPECT_TRUE(k.rfind("w0:", 0) == 0 || k.rfind("w1:", 0) == 0) << k;
    EXPECT_EQ(n, 1) << k;
  }
}

// STOCK.* announce no keyspace event, but change the key GET reads: a
// client caching the stock level is told of every buy (one invalidation per
// read), concurrent buyers or not.
TEST_F(TrackingTest, StockBuysInvalidateACachedStockLevel) {
  StartStockd();
  auto admin = server_.Connect();
  ASSERT_EQ(admin->Do({"STOCK.SET", "stock:sku", "1000"}), "\"OK\"");
  auto t = Tracker(server_.port(), {"CLIENT", "TRACKING", "ON"});
  for (int round = 0; round < 20; ++round) {
    const std::string level = t->Do({"GET", "stock:sku"});
    ASSERT_EQ(level[0], '$') << level;
    std::vector<std::thread> buyers;
    for (int b = 0; b < 3; ++b) {
      buyers.emplace_back([&, b] {
        auto c = server_.Connect();
        c->Do({"STOCK.BUY", "stock:sku", "u" + std::to_string(round) + "-" + std::to_string(b)});
      });
    }
    for (auto& th : buyers) th.join();
    EXPECT_EQ(t->Read(), ">2\r\n$10\r\ninvalidate\r\n*1\r\n$9\r\nstock:sku\r\n") << round;
    EXPECT_EQ(t->Do({"PING"}), "+PONG\r\n") << round;  // once per read, not per buy
  }
}

TEST_F(TrackingTest, DisconnectedTrackersLeaveTheTable) {
  StartStockd();
  auto control = server_.Connect();
  {
    std::vector<std::unique_ptr<RawResp>> trackers;
    for (int i = 0; i < 10; ++i) {
      trackers.push_back(Tracker(server_.port(), {"CLIENT", "TRACKING", "ON"}));
      ASSERT_EQ(trackers.back()->Do({"GET", Key(i)}), "_\r\n");
    }
    for (int i = 0; i < 5; ++i) {
      trackers.push_back(
          Tracker(server_.port(), {"CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "p" + std::to_string(i)}));
    }
    EXPECT_EQ(Info(*control, "tracking_clients"), 15);
    EXPECT_EQ(Info(*control, "tracking_total_keys"), 10);
    EXPECT_EQ(Info(*control, "tracking_total_prefixes"), 5);
  }
  ASSERT_TRUE(Eventually(*control, "tracking_clients", 0));
  EXPECT_EQ(Info(*control, "tracking_total_prefixes"), 0);
  // As Redis, their ids leave the key table lazily: when the keys change.
  EXPECT_EQ(Info(*control, "tracking_total_keys"), 10);
  for (int i = 0; i < 10; ++i) control->Do({"SET", Key(i), "x"});
  EXPECT_EQ(Info(*control, "tracking_total_keys"), 0);
  EXPECT_EQ(Info(*control, "tracking_total_items"), 0);
  // A killed tracker too (CLIENT KILL replies after it is gone).
  auto t = Tracker(server_.port(), {"CLIENT", "TRACKING", "ON", "BCAST"});
  const std::string id = t->Do({"CLIENT", "ID"});
  EXPECT_EQ(Info(*control, "tracking_clients"), 1);
  EXPECT_EQ(control->Do({"CLIENT", "KILL", "ID", id.substr(1, id.size() - 3)}), ":1");
  ASSERT_TRUE(Eventually(*control, "tracking_clients", 0));
  EXPECT_EQ(Info(*control, "tracking_total_prefixes"), 0);
  EXPECT_EQ(control->Do({"SET", "after", "1"}), "\"OK\"");
}

TEST_F(TrackingTest, RedirectTargetDisconnectingWhileWritesStream) {
  StartStockd();
  auto control = server_.Connect();
  for (int round = 0; round < 5; ++round) {
    auto target = std::make_unique<RawResp>(server_.port());
    const std::string tid = target->Do({"CLIENT", "ID"});
    const std::string target_id = tid.substr(1, tid.size() - 3);
    ASSERT_EQ(target->Do({"SUBSCRIBE", "__redis__:invalidate"}),
              "*3\r\n$9\r\nsubscribe\r\n$20\r\n__redis__:invalidate\r\n:1\r\n");
    auto t = Tracker(server_.port(), {"CLIENT", "TRACKING", "ON", "BCAST", "REDIRECT", target_id});
    std::atomic<bool> stop{false};
    std::vector<std::thread> writers;
    for (int w = 0; w < 3; ++w) {
      writers.emplace_back([&, w] {
        auto c = server_.Connect();
        for (int i = 0; !stop.load(); ++i) c->Do({"SET", "r" + std::to_string(w) + ":" + std::to_string(i % 50), "v"});
      });
    }
    // The target gets invalidations as pub/sub messages, then leaves mid-stream.
    const std::string first = target->Read();
    EXPECT_EQ(first.rfind("*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n*", 0), 0u) << first;
    usleep(20000);
    target.reset();
    ASSERT_TRUE(Eventually(*control, "pubsub_channels", 0));
    usleep(20000);
    stop.store(true);
    for (auto& th : writers) th.join();
    // The tracker (RESP3) is told its redirect broke, and CLIENT LIST shows R.
    control->Do({"SET", "r0:0", "w"});
    t->Send({"PING"});
    bool broken = false;
    for (;;) {
      const std::string m = t->Read();
      if (m == "+PONG\r\n") break;
      ASSERT_EQ(m, ">2\r\n$21\r\ntracking-redir-broken\r\n:" + target_id + "\r\n");
      broken = true;
    }
    EXPECT_TRUE(broken);
    const std::string info = t->Do({"CLIENT", "TRACKINGINFO"});
    EXPECT_NE(info.find("broken_redirect"), std::string::npos) << info;
    const std::string list = t->Do({"CLIENT", "INFO"});
    EXPECT_NE(list.find("flags=tRB "), std::string::npos) << list;
    EXPECT_NE(list.find(" redir=" + target_id + " "), std::string::npos) << list;
  }
  EXPECT_EQ(control->Do({"PING"}), "\"PONG\"");
}

}  // namespace
}  // namespace stockd::testing
