// tests/util/stockd_fixture.h — the gtest fixture shared by the integration
// tests: a real stockd process in a fresh temporary directory.
//
// Contract: StartStockd(extra) creates a temp dir (prefix from the fixture's
// constructor), starts `stockd --dir <dir> --bind 127.0.0.1 <extra...>` on a
// free port and fails the test (ASSERT) if it does not answer PING. Restart()
// starts the binary again on the same dir (after a Kill9 or Stop), e.g. to
// audit what survived a crash. TearDown SIGKILLs the server (a failing test
// never leaves a process behind) and removes the directory. Subclasses that
// override TearDown must call StockdFixture::TearDown() last.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "tests/util/server_process.h"

namespace stockd::testing {

class StockdFixture : public ::testing::Test {
 protected:
  explicit StockdFixture(std::string dir_prefix = "stockd-it-") : dir_prefix_(std::move(dir_prefix)) {}

  void StartStockd(std::vector<std::string> extra = {}) {
    dir_ = MakeTempDir(dir_prefix_);
    extra_ = std::move(extra);
    Restart();
  }
  // Starts stockd again on the same dir with the same arguments (new free port).
  void Restart() {
    std::vector<std::string> args = {"--dir", dir_, "--bind", "127.0.0.1"};
    args.insert(args.end(), extra_.begin(), extra_.end());
    ASSERT_TRUE(server_.Start(StockdBinary(), args)) << server_.Log();
  }
  void TearDown() override {
    server_.Kill9();
    if (!dir_.empty()) std::system(("rm -rf '" + dir_ + "'").c_str());
  }

  ServerProcess server_;
  std::string dir_;

 private:
  std::string dir_prefix_;
  std::vector<std::string> extra_;
};

// Integration tests with clients parked in blocking commands (BLPOP, XREAD
// BLOCK, ...): `clients_` hold the parked connections (closed before the server
// is killed), `control_` (connected by the subclass) asks INFO how many wait.
class BlockedClientsFixture : public StockdFixture {
 protected:
  using StockdFixture::StockdFixture;
  void TearDown() override {
    clients_.clear();
    StockdFixture::TearDown();
  }
  // Sends argv on c now, without reading the reply (the command blocks).
  static void Send(Client& c, const std::vector<std::string>& argv) {
    std::vector<const char*> ptrs;
    std::vector<size_t> lens;
    for (const auto& a : argv) {
      ptrs.push_back(a.data());
      lens.push_back(a.size());
    }
    ASSERT_EQ(redisAppendCommandArgv(c.raw(), static_cast<int>(argv.size()), ptrs.data(), lens.data()), REDIS_OK);
    int done = 0;
    while (!done) ASSERT_EQ(redisBufferWrite(c.raw(), &done), REDIS_OK);
  }
  // INFO clients' blocked_clients, -1 when it is not there.
  int64_t BlockedClients() {
    const std::string info = control_->Do({"INFO", "clients"});
    const size_t p = info.find("blocked_clients:");
    if (p == std::string::npos) return -1;
    return std::stoll(info.substr(p + 16));
  }
  // Waits (at most ~2 s) until the server reports n blocked clients.
  bool AwaitBlocked(int64_t n) {
    for (int i = 0; i < 10000; ++i) {
      if (BlockedClients() == n) return true;
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    return false;
  }

  std::unique_ptr<Client> control_;
  std::vector<std::unique_ptr<Client>> clients_;
};

}  // namespace stockd::testing
