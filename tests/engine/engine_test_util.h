// tests/engine/engine_test_util.h — a fixture that runs argv commands through
// an Engine with a clock the test moves, and helpers that spell RESP replies.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "engine/engine.h"
#include "protocol/output_buffer.h"
#include "protocol/reply_writer.h"

namespace stockd::engine::testing {

inline const std::string kOk = "+OK\r\n";
inline const std::string kNil = "$-1\r\n";

inline std::string Bulk(std::string_view s) {
  return "$" + std::to_string(s.size()) + "\r\n" + std::string(s) + "\r\n";
}
inline std::string Int(int64_t v) { return ":" + std::to_string(v) + "\r\n"; }
inline std::string Err(std::string_view msg) { return "-" + std::string(msg) + "\r\n"; }
inline std::string Status(std::string_view s) { return "+" + std::string(s) + "\r\n"; }
// An array of already-encoded elements.
inline std::string Arr(std::initializer_list<std::string> elems) {
  std::string out = "*" + std::to_string(elems.size()) + "\r\n";
  for (const auto& e : elems) out += e;
  return out;
}
inline std::string BulkArr(const std::vector<std::string>& items) {
  std::string out = "*" + std::to_string(items.size()) + "\r\n";
  for (const auto& e : items) out += Bulk(e);
  return out;
}

class EngineTest : public ::testing::Test {
 protected:
  static constexpr int64_t kStartMs = 1700000000000;  // 2023-11-14, a fixed "now"

  explicit EngineTest(int databases = 16, int shards = 16)
      : engine_(MakeOptions(databases, shards)) {}

  EngineOptions MakeOptions(int databases, int shards) {
    EngineOptions o;
    o.databases = databases;
    o.shards_per_db = shards;
    o.clock = [this] { return now_ms_; };
    return o;
  }

  // Runs one command in session_ and returns the RESP reply bytes.
  std::string Run(std::initializer_list<std::string_view> argv) {
    std::vector<std::string_view> v(argv);
    protocol::OutputBuffer out;
    protocol::ReplyWriter writer(&out, session_.resp);
    engine_.Execute(session_, absl::MakeConstSpan(v), writer);
    return out.ToString();
  }
  std::string Run(const std::vector<std::string>& argv) { return engine_.Execute(session_, argv); }

  void Advance(int64_t ms) { now_ms_ += ms; }

  // A stand-in aggregate (until issue 9 brings real lists) to test WRONGTYPE.
  struct FakeList : Object {
    ValueType type() const override { return ValueType::kList; }
    Encoding encoding() const override { return Encoding::kQuicklist; }
    size_t MemoryUsage() const override { return 64; }
    std::unique_ptr<Object> Clone() const override { return std::make_unique<FakeList>(); }
  };
  void PlantList(std::string_view key, int db = 0) {
    Shard& shard = engine_.ShardFor(db, key);
    std::lock_guard<SpinLock> lock(shard.lock());
    shard.Set(key, KeyHash(key), Value::FromObject(std::make_unique<FakeList>()), now_ms_);
  }

  int64_t now_ms_ = kStartMs;
  Engine engine_;
  Session session_;
};

}  // namespace stockd::engine::testing
