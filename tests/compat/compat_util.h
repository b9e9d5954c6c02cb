// tests/compat/compat_util.h — run the same commands against stockd and a real
// redis-server (both started by the fixture on free ports) and compare replies.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/util/server_process.h"

namespace stockd::testing {

class CompatTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (RedisServerBinary().empty()) GTEST_SKIP() << "redis-server is not installed";
    stockd_dir_ = MakeTempDir("stockd-compat-");
    redis_dir_ = MakeTempDir("redis-compat-");
    ASSERT_TRUE(stockd_.Start(StockdBinary(), {"--dir", stockd_dir_, "--bind", "127.0.0.1"})) << stockd_.Log();
    ASSERT_TRUE(redis_.Start(RedisServerBinary(),
                             {"--dir", redis_dir_, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"}))
        << redis_.Log();
    s_ = stockd_.Connect();
    r_ = redis_.Connect();
  }
  void TearDown() override {
    stockd_.Kill9();
    redis_.Kill9();
    std::system(("rm -rf " + stockd_dir_ + " " + redis_dir_).c_str());
  }
  // Sends argv to both; expects identical rendered replies; returns stockd's.
  std::string Same(const std::vector<std::string>& argv) {
    std::string a = s_->Do(argv), b = r_->Do(argv);
    std::string cmd;
    for (const auto& x : argv) cmd += x + " ";
    EXPECT_EQ(a, b) << "command: " << cmd;
    return a;
  }
  void SameAll(const std::vector<std::vector<std::string>>& script) {
    for (const auto& argv : script) Same(argv);
  }

  ServerProcess stockd_, redis_;
  std::string stockd_dir_, redis_dir_;
  std::unique_ptr<Client> s_, r_;
};

}  // namespace stockd::testing
