// engine/types/rows.h — what changed in a hash, set or sorted set since the
// persister last wrote it, so that a big one is written a member at a time
// rather than whole at every batch (storage/FORMAT.md "Big values").
//
// Contract:
//  * Every mutator of the three types calls Touch(member) for each member it
//    adds, removes or changes. While `whole` is set (a value the persister
//    writes whole: small, never written as rows, or too many changes) Touch
//    records nothing.
//  * `id` is unique per object (NewRowsId), so the persister can tell whether
//    the member rows under a key are this object's: RENAME, COPY or a type
//    change put another object under the same name.
//  * Guarded by the shard lock of the key, like the value itself; the
//    persister reads and resets it (Written) under that lock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_set.h"

namespace stockd::engine {

// A fresh object identity for the persister (never 0).
uint64_t NewRowsId();

struct MemberRows {
  // Past this many changed members the next write is a whole one.
  static constexpr size_t kMaxDirty = 1 << 16;

  uint64_t id = NewRowsId();

  // Written whole next time: nothing is recorded (the state of every value
  // the persister writes whole, so small ones pay one null pointer).
  bool whole() const { return dirty_ == nullptr; }
  void SetWhole() { dirty_.reset(); }
  void Touch(std::string_view member) {
    if (dirty_ == nullptr) return;
    if (dirty_->size() >= kMaxDirty) {
      dirty_.reset();
      return;
    }
    dirty_->emplace(member);
  }
  // REQUIRES: !whole().
  const absl::flat_hash_set<std::string>& dirty() const { return *dirty_; }
  // How many members changed (REQUIRES: !whole()).
  size_t changed() const { return dirty_->size(); }
  // The persister wrote the value: record changes from now on.
  void Written() {
    if (dirty_ == nullptr) {
      dirty_ = std::make_unique<absl::flat_hash_set<std::string>>();
    } else {
      dirty_->clear();
    }
  }

 private:
  std::unique_ptr<absl::flat_hash_set<std::string>> dirty_;
};

}  // namespace stockd::engine
