// tests/compat/collection_compat_util.h — comparing replies of commands whose
// element order Redis itself leaves unspecified (SMEMBERS, SINTER, HGETALL of
// a hashtable, ...), and a seeded random command generator over a small key
// space for the collection compat tests.
#pragma once

#include <algorithm>
#include <chrono>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "tests/compat/compat_util.h"
#include "tests/util/raw_resp.h"

namespace stockd::testing {

// The reply's top-level elements, as rendered strings, grouped in runs of
// `group` (2 = field/value pairs) and sorted; a non-array renders as itself.
inline std::vector<std::string> SortedElements(const redisReply* r, size_t group = 1) {
  std::vector<std::string> out;
  if (r == nullptr || r->type != REDIS_REPLY_ARRAY) {  // (hiredis 0.14: RESP2 only)
    out.push_back(Render(r));
    return out;
  }
  for (size_t i = 0; i + group <= r->elements; i += group) {
    std::string g;
    for (size_t j = 0; j < group; ++j) g += Render(r->element[i + j]) + "|";
    out.push_back(g);
  }
  std::sort(out.begin(), out.end());
  return out;
}

class CollectionCompatTest : public CompatTest {
 protected:
  // Same reply up to the order of top-level elements (groups of `group`).
  void SameUnordered(const std::vector<std::string>& argv, size_t group = 1) {
    Reply a = s_->Command(argv), b = r_->Command(argv);
    std::string cmd;
    for (const auto& x : argv) cmd += x + " ";
    ASSERT_TRUE(a && b) << cmd;
    EXPECT_EQ(a->type, b->type) << cmd;
    EXPECT_EQ(a->elements, b->elements) << cmd;
    EXPECT_EQ(SortedElements(a.get(), group), SortedElements(b.get(), group)) << cmd;
  }
  // Both servers' encodings of key agree, and name it.
  std::string SameEncoding(const std::string& key) { return Same({"OBJECT", "ENCODING", key}); }

  // For replies hiredis 0.14 cannot tell apart (RESP3; $-1 vs *-1): a raw
  // connection pair (stockd, redis-server), RESP3 after HELLO 3 when asked,
  // compared byte for byte.
  struct Pair {
    std::unique_ptr<RawResp> s, r;
  };
  Pair Open(bool resp3) {
    Pair p{std::make_unique<RawResp>(stockd_.port()), std::make_unique<RawResp>(redis_.port())};
    if (resp3) {  // the HELLO replies name each server: not compared
      EXPECT_EQ(p.s->Do({"HELLO", "3"}).substr(0, 1), "%");
      EXPECT_EQ(p.r->Do({"HELLO", "3"}).substr(0, 1), "%");
    }
    return p;
  }
  // Sends argv on both; expects the same bytes; returns stockd's.
  std::string Exact(Pair& p, const std::vector<std::string>& argv) {
    const std::string a = p.s->Do(argv), b = p.r->Do(argv);
    std::string cmd;
    for (const auto& x : argv) cmd += x + " ";
    EXPECT_EQ(a, b) << "command: " << cmd;
    return a;
  }
  void ExactAll(Pair& p, const std::vector<std::vector<std::string>>& script) {
    for (const auto& argv : script) Exact(p, argv);
  }
  // Waits until both servers report n blocked clients.
  void AwaitBlocked(int n) {
    const std::string want = "blocked_clients:" + std::to_string(n) + "\r";
    for (int i = 0; i < 500; ++i) {
      if (s_->Do({"INFO", "clients"}).find(want) != std::string::npos &&
          r_->Do({"INFO", "clients"}).find(want) != std::string::npos) {
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ADD_FAILURE() << "not " << n << " blocked clients";
  }
};

// A seeded source of arguments over a small key space.
class RandomArgs {
 public:
  explicit RandomArgs(uint32_t seed) : rng_(seed) {}
  int Int(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  std::string Key() { return "k" + std::to_string(Int(0, 3)); }
  // Small ints (intset material), short words, sometimes a long value.
  std::string Member() {
    switch (Int(0, 9)) {
      case 0: return std::string(static_cast<size_t>(Int(60, 70)), 'x');
      case 1: case 2: case 3: return std::to_string(Int(-5, 20));
      default: return "m" + std::to_string(Int(0, 15));
    }
  }
  std::string Index() { return std::to_string(Int(-6, 6)); }

 private:
  std::mt19937 rng_;
};

}  // namespace stockd::testing
