// engine/types/list.cc — see list.h.
#include "engine/types/list.h"

namespace stockd::engine {

size_t ListObject::MemoryUsage() const {
  size_t bytes = sizeof(*this);
  for (const std::string& s : items) {
    bytes += sizeof(std::string) + (s.capacity() > 15 ? s.capacity() + 1 : 0);
  }
  return bytes;
}

std::unique_ptr<Object> ListObject::Clone() const {
  auto copy = std::make_unique<ListObject>();
  copy->items = items;
  return copy;
}

}  // namespace stockd::engine
