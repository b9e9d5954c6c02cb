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

#include <cstdlib>
#include <string>
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

}  // namespace stockd::testing
