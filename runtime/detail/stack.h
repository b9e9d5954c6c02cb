// runtime/detail/stack.h — fiber stacks: mmap'd, lazily committed, guarded.
//
// A stack is one mapping of `size + page` bytes with MAP_NORESERVE; the lowest
// page is a guard page (MADV_GUARD_INSTALL, else PROT_NONE within a VMA budget,
// see stack.cc) so an overflow faults instead of corrupting a neighbour.
// Pages are committed by the kernel on first touch only, so a 64 KiB stack of a
// fiber that parks shallow costs one or two resident pages. Stacks are never
// unmapped on the hot path: the scheduler caches them per P (sched.h) and only
// FreeStack()s them when the runtime shuts down.
#pragma once

#include <cstddef>

namespace stockd::runtime::detail {

struct Stack {
  char* base = nullptr;  // start of the mapping (the guard page)
  size_t size = 0;       // usable bytes above the guard page
  bool empty() const { return base == nullptr; }
  char* top() const { return base + PageSize() + size; }   // highest address (stack grows down)
  char* bottom() const { return base + PageSize(); }       // lowest usable address
  static size_t PageSize();
};

// Maps a new stack of at least `size` usable bytes (rounded up to pages).
// Returns an empty Stack when the kernel refuses (ENOMEM).
Stack AllocateStack(size_t size);
void FreeStack(Stack& s);

}  // namespace stockd::runtime::detail
