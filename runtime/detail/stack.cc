#include "runtime/detail/stack.h"

#include <sys/mman.h>
#include <unistd.h>

namespace stockd::runtime::detail {

size_t Stack::PageSize() {
  static const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  return page;
}

Stack AllocateStack(size_t size) {
  const size_t page = Stack::PageSize();
  size = (size + page - 1) / page * page;
  if (size < 4 * page) size = 4 * page;
  void* p = mmap(nullptr, size + page, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
  if (p == MAP_FAILED) return {};
  if (mprotect(p, page, PROT_NONE) != 0) {
    munmap(p, size + page);
    return {};
  }
  return Stack{static_cast<char*>(p), size};
}

void FreeStack(Stack& s) {
  if (s.base) munmap(s.base, s.size + Stack::PageSize());
  s = {};
}

}  // namespace stockd::runtime::detail
