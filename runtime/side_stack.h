// runtime/side_stack.h — running a function on a large stack of its own.
//
// Fiber stacks are small (64 KiB by default, scheduler.h): enough for the
// server's own code, whose depth it controls. Code whose C recursion depth is
// in a user's hands — the Lua interpreter: nested pcall, a deep table
// constructor, cjson.decode of deeply nested input — gets a SideStack: one
// mapping of several MiB, committed by the kernel only as it is touched, with
// a guard page below it (detail/stack.h), the depth Redis's main thread has.
//
// Contract:
//  * Run(fn) switches the calling thread to the side stack, runs fn there and
//    switches back when fn returns; an exception escaping fn is rethrown on
//    the caller's stack. Lua's own errors (longjmp) stay inside fn as long as
//    the protected call is made within fn.
//  * fn must not park (no Chan, Mutex, Sleep, net call, Yield) and must not
//    call Run on the same SideStack: the side stack holds one call at a time,
//    and a parked fiber must not be resumed with it by another thread.
//  * Not thread-safe: one caller at a time (the owner's lease serialises it).
//  * Switches are annotated for ASan and TSan, as fiber switches are.
#pragma once

#include <cstddef>

#include "absl/functional/function_ref.h"
#include "runtime/detail/stack.h"

namespace stockd::runtime {

class SideStack {
 public:
  // size: usable bytes (rounded up to pages). Throws std::bad_alloc when the
  // kernel refuses the mapping.
  explicit SideStack(size_t size = 8 << 20);
  ~SideStack();
  SideStack(const SideStack&) = delete;
  SideStack& operator=(const SideStack&) = delete;

  void Run(absl::FunctionRef<void()> fn);

 private:
  detail::Stack stack_;
  void* tsan_fiber_ = nullptr;  // this stack's TSan fiber (STOCKD_TSAN builds)
};

}  // namespace stockd::runtime
