#include "runtime/detail/timers.h"

#include "absl/time/clock.h"

#include <sched.h>
#include <time.h>

namespace stockd::runtime::detail {

int64_t MonoNowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

int64_t MonoFromTime(absl::Time t) {
  if (t == absl::InfiniteFuture()) return Timers::kNever;
  const absl::Duration d = t - absl::Now();
  const absl::Duration kCentury = absl::Hours(24 * 365 * 100);
  if (d >= kCentury) return Timers::kNever;
  if (d <= -kCentury) return 0;
  const int64_t r = MonoNowNs() + absl::ToInt64Nanoseconds(d);
  return r < 0 ? 0 : r;
}

uint64_t Timers::Add(int64_t when, void (*fn)(void*), void* arg, bool* earliest) {
  std::lock_guard<std::mutex> l(mu_);
  uint32_t slot;
  if (!free_.empty()) {
    slot = free_.back();
    free_.pop_back();
  } else {
    slot = static_cast<uint32_t>(nodes_.size());
    nodes_.emplace_back();
  }
  Node& n = nodes_[slot];
  n.when = when;
  n.fn = fn;
  n.arg = arg;
  n.state = kPending;
  heap_.push_back(slot);
  n.heap_idx = static_cast<int32_t>(heap_.size() - 1);
  SiftUp(heap_.size() - 1);
  const bool first = heap_[0] == slot;
  if (first) PublishNext();
  if (earliest) *earliest = first;
  return (uint64_t{n.gen} << 32) | slot;
}

bool Timers::Cancel(uint64_t id) {
  const uint32_t slot = static_cast<uint32_t>(id);
  const uint32_t gen = static_cast<uint32_t>(id >> 32);
  for (;;) {
    {
      std::lock_guard<std::mutex> l(mu_);
      if (slot >= nodes_.size()) return false;
      Node& n = nodes_[slot];
      if (n.gen != gen || n.state == kFree) return false;
      if (n.state == kPending) {
        RemoveAt(static_cast<size_t>(n.heap_idx));
        n.state = kFree;
        ++n.gen;
        free_.push_back(slot);
        PublishNext();
        return true;
      }
      // Running: a callback cancelling its own timer must not wait for itself.
      if (n.runner == std::this_thread::get_id()) return false;
    }
    sched_yield();  // callbacks are short and never park
  }
}

int Timers::RunDue(int64_t now) {
  int ran = 0;
  std::unique_lock<std::mutex> l(mu_);
  while (!heap_.empty() && nodes_[heap_[0]].when <= now) {
    const uint32_t slot = heap_[0];
    RemoveAt(0);
    PublishNext();
    Node& n = nodes_[slot];
    n.state = kRunning;
    n.runner = std::this_thread::get_id();
    void (*fn)(void*) = n.fn;
    void* arg = n.arg;
    l.unlock();
    fn(arg);
    ++ran;
    l.lock();
    Node& m = nodes_[slot];  // nodes_ may have grown meanwhile
    m.state = kFree;
    m.runner = {};
    ++m.gen;
    free_.push_back(slot);
  }
  return ran;
}

size_t Timers::Pending() {
  std::lock_guard<std::mutex> l(mu_);
  return heap_.size();
}

void Timers::SiftUp(size_t i) {
  const uint32_t slot = heap_[i];
  while (i > 0) {
    const size_t parent = (i - 1) / 2;
    if (!(nodes_[slot].when < nodes_[heap_[parent]].when)) break;
    Place(i, heap_[parent]);
    i = parent;
  }
  Place(i, slot);
}

void Timers::SiftDown(size_t i) {
  const uint32_t slot = heap_[i];
  const size_t n = heap_.size();
  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= n) break;
    if (c + 1 < n && Less(heap_[c + 1], heap_[c])) ++c;
    if (!(nodes_[heap_[c]].when < nodes_[slot].when)) break;
    Place(i, heap_[c]);
    i = c;
  }
  Place(i, slot);
}

void Timers::RemoveAt(size_t i) {
  nodes_[heap_[i]].heap_idx = -1;
  const uint32_t last = heap_.back();
  heap_.pop_back();
  if (i == heap_.size()) return;
  Place(i, last);
  SiftDown(i);
  SiftUp(static_cast<size_t>(nodes_[last].heap_idx));
}

}  // namespace stockd::runtime::detail
