// runtime/detail/switch.h — the stack switch under every G <-> g0 hand-off:
// Boost.Context's fcontext calling convention (make/jump, transfer_t), with
// our own x86-64 SysV implementation where we have one.
//
// Ours saves and restores exactly the callee-saved integer registers and the
// stack pointer. Boost's also saves and reloads the SSE control/status word
// (ldmxcsr) and the x87 control word (fldcw) on every jump, two slow,
// partly serialising instructions — a fifth of a spawn+join. Nothing in the
// runtime or the server changes rounding modes or FP exception masks, so a
// fiber's FP environment is its thread's (as with Boost's BOOST_USE_TSX
// builds, which drop them too). Elsewhere (other CPUs) Boost's are used.
//
// Contract (identical to boost::context::detail):
//   MakeContext(top, size, fn) prepares a context that, on its first Jump,
//     calls fn(transfer_t{caller's context, data}); fn must never return.
//   Jump(to, data) saves the current context and resumes `to`; when someone
//     jumps back, returns {their context, their data}.
#pragma once

#include <cstddef>

#include <boost/context/detail/fcontext.hpp>

namespace stockd::runtime::detail {

using boost::context::detail::fcontext_t;
using boost::context::detail::transfer_t;

#if defined(__x86_64__) && defined(__linux__)
extern "C" transfer_t stockd_jump_fcontext(fcontext_t to, void* data);
extern "C" fcontext_t stockd_make_fcontext(void* top, std::size_t size, void (*fn)(transfer_t));

inline transfer_t Jump(fcontext_t to, void* data) { return stockd_jump_fcontext(to, data); }
inline fcontext_t MakeContext(void* top, std::size_t size, void (*fn)(transfer_t)) {
  return stockd_make_fcontext(top, size, fn);
}
#else
inline transfer_t Jump(fcontext_t to, void* data) { return boost::context::detail::jump_fcontext(to, data); }
inline fcontext_t MakeContext(void* top, std::size_t size, void (*fn)(transfer_t)) {
  return boost::context::detail::make_fcontext(top, size, fn);
}
#endif

}  // namespace stockd::runtime::detail
