// runtime/detail/timers.h — the runtime's timer heap (one per runtime).
//
// Timers are kept on a monotonic clock: AddTimer converts its absl::Time to
// "monotonic now + (when - wall now)", so wall-clock jumps do not fire or stall
// them. Any M runs due timers: an M with a P checks in every scheduling round
// (one relaxed load when nothing is due), and the netpoll M sleeps until the
// earliest one. Callbacks run on scheduler stacks, never on a fiber.
//
// Cancel is synchronous (like del_timer_sync): when it returns false, the
// callback is not running any more and will not run again. This lets a waiter
// record live on a fiber's stack: cancel the timer, then return.
#pragma once

#include <atomic>
#include <cstdint>
#include <limits>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/time/time.h"

namespace stockd::runtime::detail {

int64_t MonoNowNs();
// The monotonic deadline for a wall-clock deadline (saturating).
int64_t MonoFromTime(absl::Time t);

class Timers {
 public:
  static constexpr int64_t kNever = std::numeric_limits<int64_t>::max();

  // Returns the id and whether the new timer is now the earliest one.
  uint64_t Add(int64_t when_mono, void (*fn)(void*), void* arg, bool* earliest);
  bool Cancel(uint64_t id);
  // Runs every timer due at `now` (callbacks without the lock held). Returns
  // the number run.
  int RunDue(int64_t now);
  // The earliest pending deadline, or kNever. Lock-free.
  int64_t NextWhen() const { return next_when_.load(std::memory_order_seq_cst); }
  size_t Pending();

 private:
  enum State : uint8_t { kFree, kPending, kRunning };
  struct Node {
    int64_t when = 0;
    void (*fn)(void*) = nullptr;
    void* arg = nullptr;
    uint32_t gen = 0;
    int32_t heap_idx = -1;
    State state = kFree;
    std::thread::id runner;
  };
  bool Less(uint32_t a, uint32_t b) const { return nodes_[a].when < nodes_[b].when; }
  void SiftUp(size_t i);
  void SiftDown(size_t i);
  void RemoveAt(size_t i);
  void Place(size_t i, uint32_t slot) { heap_[i] = slot; nodes_[slot].heap_idx = static_cast<int32_t>(i); }
  void PublishNext() { next_when_.store(heap_.empty() ? kNever : nodes_[heap_[0]].when, std::memory_order_seq_cst); }

  std::mutex mu_;
  std::vector<Node> nodes_;
  std::vector<uint32_t> free_;
  std::vector<uint32_t> heap_;
  std::atomic<int64_t> next_when_{kNever};
};

}  // namespace stockd::runtime::detail
