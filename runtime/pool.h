// runtime/pool.h — Pool<T>, a cache of reusable objects (Go's sync.Pool).
//
//   Pool<std::string> bufs([] { return std::make_unique<std::string>(); });
//   auto b = bufs.Get();  ... use ...;  b->clear();  bufs.Put(std::move(b));
//
// Guarantees:
//  * Get() returns an object from the pool if it has one, else make()'s. It
//    never returns null (unless make() does).
//  * Each P has its own bounded free list (indexed by
//    detail::CurrentProcIndex()), so Get/Put on a fiber touch P-local memory:
//    a Put followed by a Get on the same P, with no park in between, returns
//    the same object (LIFO). Get falls back to a shared list, then to the
//    other Ps' lists, then to make().
//  * Off the runtime (CurrentProcIndex() == -1) only the shared list is used.
//  * Bounded: at most max_per_proc objects per P and in the shared list; a
//    Put beyond that destroys the object. Nothing is ever freed otherwise
//    (there is no GC to empty the pool; the pool's destructor frees all).
//  * Objects come back as they were Put: reset them before Put (as in Go).
//
// Which calls may park: none. make() is called without any lock held.
//
// Thread-safety: Get and Put may be called concurrently from any fiber or
// thread; make() may then run concurrently with itself and must be
// thread-safe. Each list has a tiny spin lock, uncontended in the common
// case (only the P's own M touches its list, except when stealing).
#pragma once

#include <cstddef>
#include <memory>
#include <thread>
#include <utility>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "runtime/detail/park.h"
#include "runtime/detail/spinlock.h"

namespace stockd::runtime {

template <class T>
class Pool {
 public:
  explicit Pool(absl::AnyInvocable<std::unique_ptr<T>()> make, size_t max_per_proc = 128)
      : make_(std::move(make)), max_per_proc_(max_per_proc), nshards_(ShardCount()),
        shards_(new Shard[nshards_ + 1]) {}
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // Never parks.
  std::unique_ptr<T> Get() {
    const size_t home = HomeShard();
    if (auto v = shards_[home].Pop()) return v;
    if (home != kShared) {
      if (auto v = shards_[kShared].Pop()) return v;
      // Steal from the other Ps before allocating.
      for (size_t i = 1; i <= nshards_; ++i) {
        if (i == home) continue;
        if (auto v = shards_[i].Pop()) return v;
      }
    }
    return make_();
  }

  // Never parks. Ignores null.
  void Put(std::unique_ptr<T> v) {
    if (!v) return;
    const size_t home = HomeShard();
    if (shards_[home].Push(v, max_per_proc_)) return;
    if (home != kShared) shards_[kShared].Push(v, max_per_proc_);
    // Still ours if both were full: destroyed here, outside any lock.
  }

  // Objects currently cached (all lists), for tests and stats.
  size_t cached() const {
    size_t n = 0;
    for (size_t i = 0; i <= nshards_; ++i) n += shards_[i].size();
    return n;
  }

 private:
  static constexpr size_t kShared = 0;  // shards_[0]; P i uses shards_[1 + i % nshards_]

  struct alignas(64) Shard {
    detail::SpinLock lock;
    std::vector<std::unique_ptr<T>> items;  // guarded by lock

    std::unique_ptr<T> Pop() {
      detail::SpinLockGuard g(lock);
      if (items.empty()) return nullptr;
      std::unique_ptr<T> v = std::move(items.back());
      items.pop_back();
      return v;
    }
    // Moves v in and returns true unless the list holds `max` already.
    bool Push(std::unique_ptr<T>& v, size_t max) {
      detail::SpinLockGuard g(lock);
      if (items.size() >= max) return false;
      items.push_back(std::move(v));
      return true;
    }
    size_t size() const {
      detail::SpinLockGuard g(const_cast<detail::SpinLock&>(lock));
      return items.size();
    }
  };

  static size_t ShardCount() {
    // Enough for every P of any runtime this process is likely to start; a
    // larger runtime shares lists modulo this count (still correct).
    int procs = detail::NumProcs();
    size_t hw = std::thread::hardware_concurrency();
    size_t n = procs > 0 ? static_cast<size_t>(procs) : 0;
    if (hw > n) n = hw;
    return n < 2 ? 2 : n;
  }

  size_t HomeShard() const {
    const int p = detail::CurrentProcIndex();
    return p < 0 ? kShared : 1 + static_cast<size_t>(p) % nshards_;
  }

  absl::AnyInvocable<std::unique_ptr<T>()> make_;  // called concurrently: must be thread-safe
  const size_t max_per_proc_;
  const size_t nshards_;
  std::unique_ptr<Shard[]> shards_;
};

}  // namespace stockd::runtime
