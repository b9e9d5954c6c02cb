// engine/types/list.h — the list value (Redis's quicklist type).
//
// Contract:
//  * A deque of byte strings: O(1) push/pop at both ends and O(1) index, so
//    LPUSH/RPOP/LINDEX and LRANGE of a window stay allocation-light (one
//    std::string per element, inline for <= 15 bytes).
//  * OBJECT ENCODING reports "quicklist" for every list, as Redis 7.0 does
//    (the "listpack" encoding for small lists came with Redis 7.2).
//  * Never stored empty: a command that removes the last element deletes the
//    key (the families check empty() after each removal).
//  * Every change goes through a mutator, which keeps `rows` — what changed
//    since the persister last wrote the list — so that a big list is
//    persisted a few elements at a time, not whole per batch (storage/
//    FORMAT.md, "Big values"). Pushes and pops at the ends and LSET are
//    tracked element by element; any other change goes through Edit(), after
//    which the persister rewrites the whole list once.
//  * Not thread-safe: guarded by the lock of the shard holding the key.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/value.h"

namespace stockd::engine {

class ListObject final : public Object {
 public:
  ListObject();
  ValueType type() const override { return ValueType::kList; }
  Encoding encoding() const override { return Encoding::kQuicklist; }
  size_t MemoryUsage() const override;
  std::unique_ptr<Object> Clone() const override;

  const std::deque<std::string>& items() const { return items_; }
  size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  const std::string& at(size_t i) const { return items_[i]; }

  void PushFront(std::string_view v);
  void PushBack(std::string_view v);
  std::string PopFront();
  std::string PopBack();
  void Set(size_t i, std::string_view v);
  // Any other change (an insert or removal away from the ends, a trim):
  // the caller edits the deque, and the next write is a whole one.
  std::deque<std::string>& Edit();

  // What the persister needs to write only what changed. Each element has a
  // row position: items()[i] is at head_pos + i; a push at the front takes
  // head_pos - 1, a push at the back head_pos + size(). `id` tells the
  // persister whether the rows it wrote were this object's (a RENAME or MOVE
  // brings another list under the same name). Since the last write as rows,
  // `changes` holds every position pushed or popped at the front
  // [head_lo, head_hi) and at the back [tail_lo, tail_hi), and the positions
  // LSET changed; null: write the list whole (never written as rows, written
  // whole since, or an Edit()).
  struct Changes {
    int64_t head_lo = 0, head_hi = 0;
    int64_t tail_lo = 0, tail_hi = 0;
    std::vector<int64_t> set;
  };
  struct RowState {
    uint64_t id = 0;
    int64_t head_pos = 0;
    std::unique_ptr<Changes> changes;
    bool whole() const { return changes == nullptr; }
    void SetWhole() { changes.reset(); }
    // The persister wrote the list: record changes from now on.
    void Written() { changes = std::make_unique<Changes>(); }
    // How many positions changed, at most (REQUIRES: !whole()).
    size_t changed() const {
      return static_cast<size_t>((changes->head_hi - changes->head_lo) + (changes->tail_hi - changes->tail_lo)) +
             changes->set.size();
    }
  };
  // Mutable: bookkeeping the persister updates under the shard lock while it
  // reads the list through a const Entry.
  mutable RowState rows;

 private:
  void Touch(int64_t pos, bool front);
  std::deque<std::string> items_;
};

// The list at v, or nullptr when v holds another type.
inline ListObject* AsList(Value& v) {
  if (v.is_string() || v.object()->type() != ValueType::kList) return nullptr;
  return static_cast<ListObject*>(v.object());
}

}  // namespace stockd::engine
