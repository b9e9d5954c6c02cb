// engine/types/rows.cc — see rows.h.
#include "engine/types/rows.h"

#include <atomic>

namespace stockd::engine {

uint64_t NewRowsId() {
  static std::atomic<uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace stockd::engine
