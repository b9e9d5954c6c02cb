// runtime/pool.h — Pool<T>, a cache of reusable objects (Go's sync.Pool).
//
//   Pool<std::string> bufs([] { return std::make_unique<std::string>(); });
//   auto b = bufs.Get();  ... use ...;  b->clear();  bufs.Put(std::move(b));
//
// Guarantees:
//  * Get() returns an object from the pool if it has one, else make()'s. It
//    never returns null (unless make() does).
//  * Each P has its own bounded cache (indexed by detail::CurrentProc()), so
//    Get/Put on a fiber touch P-local memory: a Put followed by a Get on the
//    same P, with no park in between, returns the same object (LIFO). Get
//    falls back to a shared list, then to the other Ps' lists and caches,
//    then to make(): an object is never stranded in an idle P's cache.
//  * Off the runtime (and inside Blocking()) Put uses only the shared list.
//  * Bounded: at most max_per_proc objects per P and in the shared list; a
//    Put beyond that destroys the object. Nothing is ever freed otherwise
//    (there is no GC to empty the pool; the pool's destructor frees all).
//  * Objects come back as they were Put: reset them before Put (as in Go).
//
// Which calls may park: none. make() is called without any lock held.
//
// Thread-safety: Get and Put may be called concurrently from any fiber or
// thread; make() may then run concurrently with itself and must be
// thread-safe.
//
// How (Go's poolLocal.private, widened to a few slots): each per-P shard has
// a cache of up to kLocal slots in front of its locked list. Only the owner P
// fills slots, with a plain release store and no lock (Put costs no locked
// instruction). Its Get empties a slot with plain loads and stores too, inside
// a `busy` window guarded by an asymmetric fence (detail/asymfence.h): a
// thief (another P's Get about to call make()) raises `stealing`, issues the
// heavy fence (membarrier), waits the owner's window out and takes a slot
// with an exchange; an owner that sees `stealing` uses exchanges as well. So
// an idle or busy P's cache can always be emptied by others, and the owner's
// fast path has no locked instruction (the exchange it had cost ~15 ns here).
// Without membarrier (or under TSan) every Get takes a slot with an exchange.
// It is safe because Get/Put never park: the calling
// fiber stays on the M holding that P for the whole call, and a P is held by
// one M at a time (hand-offs synchronise), so the owner's bookkeeping (which
// slots may be full) needs no atomics. A shard's cache is claimed once, with a
// CAS, by the first P that uses it; shards are indexed `p % nshards`, so a P
// that maps to a shard claimed by another P (a runtime with more Ps than
// shards, or a second runtime using the same pool) uses only the shard's
// locked list. The locked list (tiny spin lock) holds up to max_per_proc
// minus the cache's capacity.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <thread>
#include <utility>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "runtime/detail/asymfence.h"
#include "runtime/detail/park.h"
#include "runtime/detail/spinlock.h"

namespace stockd::runtime {

template <class T>
class Pool {
 public:
  explicit Pool(absl::AnyInvocable<std::unique_ptr<T>()> make, size_t max_per_proc = 128)
      : make_(std::move(make)), max_per_proc_(max_per_proc),
        local_cap_(max_per_proc < kLocal ? static_cast<uint32_t>(max_per_proc) : kLocal),
        nshards_(ShardCount()), shards_(new Shard[nshards_ + 1]) {}
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // Never parks.
  std::unique_ptr<T> Get() {
    const detail::ProcRef pr = detail::CurrentProc();
    if (pr.index >= 0) {
      Shard& sh = shards_[HomeShard(pr.index)];
      if (Owns(sh, pr.p)) {
        if (detail::AsymmetricFenceAvailable()) {
          // No locked instruction: announce the owner is in its slots, then
          // check that no thief is (asymfence.h's Dekker pair; the thief's
          // side is Shard::Steal).
          sh.busy.store(1, std::memory_order_relaxed);
          detail::AsymmetricLightFence();
          if (sh.stealing.load(std::memory_order_acquire) == 0) {
            uint32_t n = sh.nlocal;
            T* x = nullptr;
            while (n > 0) {
              --n;
              x = sh.local[n].load(std::memory_order_relaxed);
              if (x != nullptr) {
                sh.local[n].store(nullptr, std::memory_order_relaxed);
                break;
              }
            }
            sh.nlocal = n;
            sh.busy.store(0, std::memory_order_release);
            if (x != nullptr) return std::unique_ptr<T>(x);
            return GetSlow(pr.index);
          }
          sh.busy.store(0, std::memory_order_release);
        }
        // A thief is at work (or no asymmetric fence): each slot is settled
        // by an exchange. Slots at or above the owner's hint are empty; below
        // it, a thief may have emptied some.
        uint32_t n = sh.nlocal;
        while (n > 0) {
          --n;
          if (T* x = sh.local[n].exchange(nullptr, std::memory_order_acquire)) {
            sh.nlocal = n;
            return std::unique_ptr<T>(x);
          }
        }
        sh.nlocal = 0;
      }
    }
    return GetSlow(pr.index);
  }

  // Never parks. Ignores null.
  void Put(std::unique_ptr<T> v) {
    if (!v) return;
    const detail::ProcRef pr = detail::CurrentProc();
    if (pr.index >= 0) {
      Shard& sh = shards_[HomeShard(pr.index)];
      if (Owns(sh, pr.p)) {
        const uint32_t n = sh.nlocal;
        if (n < local_cap_) {
          // Only the owner fills slots, and only empty ones (slot n is), so
          // a plain release store suffices; thieves only ever empty them.
          sh.local[n].store(v.release(), std::memory_order_release);
          sh.nlocal = n + 1;
          return;
        }
      }
    }
    PutSlow(pr.index, v);
    // Still ours if every list was full: destroyed here, outside any lock.
  }

  // Objects currently cached (all lists), for tests and stats. Exact only
  // when no Get/Put runs concurrently.
  size_t cached() const {
    size_t n = 0;
    for (size_t i = 0; i <= nshards_; ++i) {
      n += shards_[i].size();
      for (const auto& slot : shards_[i].local) n += slot.load(std::memory_order_relaxed) != nullptr;
    }
    return n;
  }

 private:
  static constexpr size_t kShared = 0;  // shards_[0]; P i uses shards_[1 + i % nshards_]
  static constexpr uint32_t kLocal = 8;  // owner-only slots per shard

  struct alignas(64) Shard {
    // Locked list: any thread (the shared shard, stealing, non-owner Ps).
    detail::SpinLock lock;
    std::vector<std::unique_ptr<T>> items;  // guarded by lock

    // The owner's cache, on its own cache line so that thieves taking `lock`
    // do not bounce it. Only the owner P fills slots (plain release stores)
    // and keeps the hint nlocal; anyone may empty a slot with an exchange —
    // the owner's Get, or another P's Get before it falls back to make().
    alignas(64) std::atomic<const void*> owner{nullptr};  // the claiming P, forever
    uint32_t nlocal = 0;  // owner only: slots [nlocal, kLocal) are empty
    std::atomic<uint32_t> busy{0};      // owner: 1 while it reads/empties slots with plain ops
    std::atomic<uint32_t> stealing{0};  // thieves at work on the slots (owner then uses exchanges)
    std::atomic<T*> local[kLocal] = {};

    Shard() = default;
    ~Shard() {
      for (auto& slot : local) delete slot.load(std::memory_order_relaxed);
    }
    // Anyone: takes an object from the owner's slots. The heavy side of the
    // owner's fence: once `stealing` is visible to the owner (or the owner is
    // seen busy and waited out), the owner uses exchanges too, so each object
    // goes to exactly one taker. Costs a membarrier(2) when there is
    // something to take — only on the way to make().
    std::unique_ptr<T> Steal() {
      bool any = false;
      for (auto& slot : local) any |= slot.load(std::memory_order_relaxed) != nullptr;
      if (!any) return nullptr;
      stealing.fetch_add(1, std::memory_order_seq_cst);
      if (detail::AsymmetricFenceAvailable()) {
        detail::AsymmetricHeavyFence();
        // The owner's busy window is a few instructions (it never parks in it).
        for (int spins = 0; busy.load(std::memory_order_acquire) != 0; ++spins) {
          if (spins > 64) std::this_thread::yield();
        }
      }
      std::unique_ptr<T> got;
      for (auto& slot : local) {
        if (slot.load(std::memory_order_relaxed) == nullptr) continue;
        if (T* x = slot.exchange(nullptr, std::memory_order_acquire)) {
          got.reset(x);
          break;
        }
      }
      stealing.fetch_sub(1, std::memory_order_release);
      return got;
    }

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

  // True when P `p` owns sh's cache (claiming it if nobody has).
  static bool Owns(Shard& sh, const void* p) {
    const void* o = sh.owner.load(std::memory_order_relaxed);
    if (o == p) return true;
    if (o != nullptr) return false;
    return sh.owner.compare_exchange_strong(o, p, std::memory_order_acq_rel) || o == p;
  }

  std::unique_ptr<T> GetSlow(int index) {
    const size_t home = index < 0 ? kShared : HomeShard(index);
    if (auto v = shards_[home].Pop()) return v;
    if (home != kShared) {
      if (auto v = shards_[kShared].Pop()) return v;
      // Steal from the other Ps' locked lists before allocating.
      for (size_t i = 1; i <= nshards_; ++i) {
        if (i == home) continue;
        if (auto v = shards_[i].Pop()) return v;
      }
    }
    // Then from every P's cache (an idle P's objects are not stranded there).
    for (size_t i = 1; i <= nshards_; ++i) {
      if (auto v = shards_[i].Steal()) return v;
    }
    return make_();
  }

  void PutSlow(int index, std::unique_ptr<T>& v) {
    if (index < 0) {
      shards_[kShared].Push(v, max_per_proc_);
      return;
    }
    // The shard's cache counts in its P's bound.
    if (shards_[HomeShard(index)].Push(v, max_per_proc_ - local_cap_)) return;
    shards_[kShared].Push(v, max_per_proc_);
  }

  static size_t ShardCount() {
    // Enough for every P of any runtime this process is likely to start; a
    // larger runtime shares lists modulo this count (still correct).
    int procs = detail::NumProcs();
    size_t hw = std::thread::hardware_concurrency();
    size_t n = procs > 0 ? static_cast<size_t>(procs) : 0;
    if (hw > n) n = hw;
    return n < 2 ? 2 : n;
  }

  size_t HomeShard(int index) const {
    const size_t i = static_cast<size_t>(index);
    return 1 + (i < nshards_ ? i : i % nshards_);  // no division in the common case
  }

  absl::AnyInvocable<std::unique_ptr<T>()> make_;  // called concurrently: must be thread-safe
  const size_t max_per_proc_;
  const uint32_t local_cap_;  // min(kLocal, max_per_proc_)
  const size_t nshards_;
  std::unique_ptr<Shard[]> shards_;
};

}  // namespace stockd::runtime
