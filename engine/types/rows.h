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
  absl::flat_hash_set<std::string> dirty;
  bool whole = true;

  void Touch(std::string_view member) {
    if (whole) return;
    if (dirty.size() >= kMaxDirty) {
      whole = true;
      dirty.clear();
      return;
    }
    dirty.emplace(member);
  }
  // The persister wrote every change.
  void Written() {
    dirty.clear();
    whole = false;
  }
};

}  // namespace stockd::engine
