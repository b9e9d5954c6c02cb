#include "runtime/detail/stack.h"

#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <mutex>

#include "runtime/log.h"

// Linux 6.13+: guard pages as page-table markers, without splitting the VMA.
#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102
#endif

namespace stockd::runtime::detail {
namespace {

// A PROT_NONE guard page splits the mapping into two VMAs, and the kernel caps
// VMAs per process (vm.max_map_count, 65530 by default): 100k fibers with
// mprotect'ed guards would fail to spawn. So guards are installed with
// MADV_GUARD_INSTALL where the kernel has it (then adjacent stacks even merge
// into one VMA); elsewhere with mprotect for as many stacks as a quarter of
// max_map_count allows, and beyond that stacks go unguarded (logged once).
std::atomic<int> g_madvise_guard{-1};  // -1 unknown, 0 unsupported, 1 works
std::atomic<long> g_mprotect_guards{0};

long MprotectBudget() {
  static const long budget = [] {
    long max = 65530;
    if (FILE* f = std::fopen("/proc/sys/vm/max_map_count", "r")) {
      if (std::fscanf(f, "%ld", &max) != 1) max = 65530;
      std::fclose(f);
    }
    return max / 4;
  }();
  return budget;
}

void InstallGuard(void* p, size_t page) {
  if (g_madvise_guard.load(std::memory_order_relaxed) != 0) {
    if (madvise(p, page, MADV_GUARD_INSTALL) == 0) {
      g_madvise_guard.store(1, std::memory_order_relaxed);
      return;
    }
    g_madvise_guard.store(0, std::memory_order_relaxed);
  }
  if (g_mprotect_guards.fetch_add(1, std::memory_order_relaxed) < MprotectBudget()) {
    mprotect(p, page, PROT_NONE);
    return;
  }
  static std::atomic<bool> warned{false};
  if (!warned.exchange(true)) {
    LogWarning("fiber stacks: vm.max_map_count too low for more guard pages; new stacks are unguarded");
  }
}

}  // namespace

size_t Stack::PageSize() {
  static const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  return page;
}

Stack AllocateStack(size_t size) {
  const size_t page = Stack::PageSize();
  size = (size + page - 1) / page * page;
  if (size < 4 * page) size = 4 * page;
  const size_t span = size + page;
  // Stacks are carved from slabs of kSlab (one mmap instead of kSlab); each is
  // still unmapped on its own by FreeStack.
  constexpr int kSlab = 16;
  static std::mutex mu;
  static char* next = nullptr;
  static int left = 0;
  static size_t slab_span = 0;
  auto single = [&]() -> Stack {
    void* m = mmap(nullptr, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK,
                   -1, 0);
    if (m == MAP_FAILED) return {};
    InstallGuard(m, page);
    return Stack{static_cast<char*>(m), size};
  };
  char* p = nullptr;
  {
    std::lock_guard<std::mutex> l(mu);
    // Slabs serve the fibers' size (the first size asked for); another size
    // (a SideStack's) gets a mapping of its own and leaves the slab alone.
    if (slab_span != 0 && slab_span != span) return single();
    if (left == 0) {
      void* m = mmap(nullptr, span * kSlab, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
      if (m == MAP_FAILED) return single();
      next = static_cast<char*>(m);
      left = kSlab;
      slab_span = span;
    }
    p = next;
    next += span;
    --left;
  }
  InstallGuard(p, page);
  return Stack{p, size};
}

void FreeStack(Stack& s) {
  if (s.base) munmap(s.base, s.size + Stack::PageSize());
  s = {};
}

}  // namespace stockd::runtime::detail
