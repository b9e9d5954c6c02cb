// runtime/detail/asymfence.h — an asymmetric fence pair (as folly's
// asymmetricLightBarrier / asymmetricHeavyBarrier): the frequent side pays a
// compiler barrier only, the rare side a membarrier(2) that makes every
// running thread of the process execute a full memory barrier.
//
// Contract: with a flag pair used Dekker-style —
//   light side: x.store(1, relaxed); AsymmetricLightFence(); r1 = y.load(acquire);
//   heavy side: y.store(1, seq_cst); AsymmetricHeavyFence(); r2 = x.load(acquire);
// — r1 == 0 && r2 == 0 is impossible, exactly as with two seq_cst fences.
// This holds only when AsymmetricFenceAvailable() is true (decided once per
// process; never changes afterwards): callers must then pick the light path
// only if it returned true, and the heavy side must then always use the heavy
// fence. Unavailable: kernels without MEMBARRIER_CMD_PRIVATE_EXPEDITED, a
// seccomp filter refusing it, and ThreadSanitizer builds (TSan does not model
// membarrier; its builds take the callers' fully atomic path instead).
#pragma once

#include <atomic>
#include <cstdint>

namespace stockd::runtime::detail {

// 1 available, -1 not, 0 not yet decided.
inline std::atomic<int8_t> g_asym_fence_state{0};
int8_t InitAsymmetricFence();  // registers with membarrier(2) once; returns the state

inline bool AsymmetricFenceAvailable() {
  int8_t s = g_asym_fence_state.load(std::memory_order_relaxed);
  if (s == 0) [[unlikely]] s = InitAsymmetricFence();
  return s > 0;
}

inline void AsymmetricLightFence() { std::atomic_signal_fence(std::memory_order_seq_cst); }

// REQUIRES: AsymmetricFenceAvailable().
void AsymmetricHeavyFence();

}  // namespace stockd::runtime::detail
