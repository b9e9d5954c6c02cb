#include "runtime/side_stack.h"

#include <exception>
#include <new>

#include "runtime/detail/switch.h"

#if defined(STOCKD_TSAN)
#include <sanitizer/tsan_interface.h>
#endif
#if defined(STOCKD_ASAN)
#include <sanitizer/common_interface_defs.h>
#endif

namespace stockd::runtime {
namespace {

using detail::fcontext_t;
using detail::transfer_t;

// What the side stack's entry needs, on the caller's stack.
struct Call {
  absl::FunctionRef<void()>* fn;
  std::exception_ptr error;
  fcontext_t back = nullptr;
  void* tsan_caller = nullptr;
  const void* asan_caller_bottom = nullptr;
  size_t asan_caller_size = 0;
};

[[noreturn]] void SideEntry(transfer_t t) {
  Call* call = static_cast<Call*>(t.data);
  call->back = t.fctx;
#if defined(STOCKD_ASAN)
  __sanitizer_finish_switch_fiber(nullptr, &call->asan_caller_bottom, &call->asan_caller_size);
#endif
  try {
    (*call->fn)();
  } catch (...) {
    call->error = std::current_exception();
  }
  // Back to the caller; this context is never resumed (the next Run makes a new one).
#if defined(STOCKD_TSAN)
  __tsan_switch_to_fiber(call->tsan_caller, 0);
#endif
#if defined(STOCKD_ASAN)
  __sanitizer_start_switch_fiber(nullptr, call->asan_caller_bottom, call->asan_caller_size);
#endif
  detail::Jump(call->back, nullptr);
  __builtin_unreachable();
}

}  // namespace

SideStack::SideStack(size_t size) : stack_(detail::AllocateStack(size)) {
  if (stack_.empty()) throw std::bad_alloc();
#if defined(STOCKD_TSAN)
  tsan_fiber_ = __tsan_create_fiber(0);
#endif
}

SideStack::~SideStack() {
#if defined(STOCKD_TSAN)
  if (tsan_fiber_ != nullptr) __tsan_destroy_fiber(tsan_fiber_);
#endif
  detail::FreeStack(stack_);
}

void SideStack::Run(absl::FunctionRef<void()> fn) {
  Call call{&fn};
  const fcontext_t ctx = detail::MakeContext(stack_.top(), stack_.size, SideEntry);
#if defined(STOCKD_TSAN)
  call.tsan_caller = __tsan_get_current_fiber();
  __tsan_switch_to_fiber(tsan_fiber_, 0);
#endif
#if defined(STOCKD_ASAN)
  void* fake = nullptr;
  __sanitizer_start_switch_fiber(&fake, stack_.bottom(), stack_.size);
#endif
  detail::Jump(ctx, &call);
#if defined(STOCKD_ASAN)
  __sanitizer_finish_switch_fiber(fake, nullptr, nullptr);
#endif
  if (call.error) std::rethrow_exception(call.error);
}

}  // namespace stockd::runtime
