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
//  * Not thread-safe: guarded by the lock of the shard holding the key.
#pragma once

#include <deque>
#include <memory>
#include <string>

#include "engine/value.h"

namespace stockd::engine {

class ListObject final : public Object {
 public:
  ValueType type() const override { return ValueType::kList; }
  Encoding encoding() const override { return Encoding::kQuicklist; }
  size_t MemoryUsage() const override;
  std::unique_ptr<Object> Clone() const override;

  std::deque<std::string> items;
};

// The list at v, or nullptr when v holds another type.
inline ListObject* AsList(Value& v) {
  if (v.is_string() || v.object()->type() != ValueType::kList) return nullptr;
  return static_cast<ListObject*>(v.object());
}

}  // namespace stockd::engine
