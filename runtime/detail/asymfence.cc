// runtime/detail/asymfence.cc — membarrier(2) behind asymfence.h.
#include "runtime/detail/asymfence.h"

#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdlib>
#include <mutex>

namespace stockd::runtime::detail {
namespace {

long Membarrier(int cmd) { return syscall(__NR_membarrier, cmd, 0, 0); }

}  // namespace

int8_t InitAsymmetricFence() {
  static std::once_flag once;
  std::call_once(once, [] {
    int8_t state = -1;
#if !defined(STOCKD_TSAN)
    const long cmds = Membarrier(MEMBARRIER_CMD_QUERY);
    if (cmds > 0 && (cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED) &&
        Membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) == 0) {
      state = 1;
    }
#endif
    g_asym_fence_state.store(state, std::memory_order_release);
  });
  return g_asym_fence_state.load(std::memory_order_acquire);
}

void AsymmetricHeavyFence() {
  // Registered and queried above: it cannot fail afterwards; if it ever did,
  // the light side's guarantee would be gone, so stop rather than corrupt.
  if (Membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) != 0) std::abort();
}

}  // namespace stockd::runtime::detail
