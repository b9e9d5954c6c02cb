// tests/storage/storage_test_util.h — a temporary directory per test, a
// fresh engine loaded from a store directory, and a persister run over it.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "engine/engine.h"
#include "gtest/gtest.h"
#include "runtime/scheduler.h"
#include "storage/persister.h"
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

// The rows of one column family.
inline size_t CountRows(Store& store, Cf cf) {
  std::unique_ptr<rocksdb::Iterator> it(store.db()->NewIterator(rocksdb::ReadOptions(), store.cf(cf)));
  size_t n = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++n;
  return n;
}

// Runs fn on a runtime with a persister attached to an engine loaded from the
// store in dir (its load stats in *loaded, if given); waits for durability,
// stops the persister and closes the store afterwards.
inline PersisterStats RunWithPersister(const std::string& dir, PersisterOptions popt,
                                       const std::function<void(engine::Engine&, Persister&)>& fn,
                                       engine::EngineOptions eopt = {}, LoadStats* loaded = nullptr,
                                       int procs = 2) {
  Loaded l = LoadFrom(dir, eopt);
  PersisterStats st;
  if (l.store == nullptr) return st;
  if (loaded != nullptr) *loaded = l.stats;
  Persister p(*l.store, *l.engine, popt);
  p.Attach();
  runtime::Runtime rt(runtime::Options{.procs = procs});
  absl::Status ran = rt.Run([&] {
    p.Start();
    fn(*l.engine, p);
    p.AwaitDurable();
    st = p.stats();
    EXPECT_TRUE(p.Stop().ok());
  });
  EXPECT_TRUE(ran.ok()) << ran;
  EXPECT_TRUE(l.store->Close().ok());
  return st;
}

}  // namespace stockd::storage::testing
