// tests/storage/storage_test_util.h — a temporary directory per test and a
// fresh engine loaded from a store directory.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include "engine/engine.h"
#include "gtest/gtest.h"
#include "storage/store.h"

namespace stockd::storage::testing {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "stockd-storage-XXXXXX").string();
    char* p = mkdtemp(tmpl.data());
    EXPECT_NE(p, nullptr);
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Opens the store at `dir` and loads it into a new engine.
struct Loaded {
  std::unique_ptr<engine::Engine> engine;
  std::unique_ptr<Store> store;
  LoadStats stats;
};

inline Loaded LoadFrom(const std::string& dir, engine::EngineOptions opts = {}) {
  Loaded l;
  l.engine = std::make_unique<engine::Engine>(opts);
  auto st = Store::Open(dir);
  EXPECT_TRUE(st.ok()) << st.status();
  if (!st.ok()) return l;
  l.store = std::move(*st);
  absl::Status s = l.store->Load(*l.engine, &l.stats);
  EXPECT_TRUE(s.ok()) << s;
  return l;
}

}  // namespace stockd::storage::testing
