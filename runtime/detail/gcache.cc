// runtime/detail/gcache.cc — free lists of G records and stacks, goid
// batches. Invariants: see gcache.h (owner-only per-P level, global level
// under gfree_mu, batches of half a cache).
#include "runtime/detail/gcache.h"

#include <algorithm>
#include <cstddef>
#include <mutex>
#include <vector>

#include "runtime/detail/runq.h"

namespace stockd::runtime::detail {
namespace {

constexpr int kGCacheMax = 64;     // per-P dead Gs before half go global
constexpr int kStackCacheMax = 64;
constexpr uint64_t kGoidBatch = 16;

}  // namespace

// Moves the last (at most) n Gs of `from` to the end of `to`.
static void MoveLast(std::vector<G*>& from, std::vector<G*>& to, size_t n) {
  const size_t keep = from.size() - std::min(from.size(), n);
  to.insert(to.end(), from.begin() + static_cast<std::ptrdiff_t>(keep), from.end());
  from.resize(keep);
}

// Owner of p only (the per-P cache is unlocked); overflow goes global under gfree_mu.
void GFreePut(P* p, G* g) {
  AssertOwner(p);
  p->gfree.push_back(g);
  if (p->gfree.size() < static_cast<size_t>(kGCacheMax)) return;
  Sched* s = p->sched;
  std::lock_guard<std::mutex> l(s->gfree_mu);
  // The older half goes: the newest records have the hottest stacks.
  const size_t half = kGCacheMax / 2;
  s->gfree.insert(s->gfree.end(), p->gfree.begin(), p->gfree.begin() + half);
  p->gfree.erase(p->gfree.begin(), p->gfree.begin() + half);
}

void GFreePutGlobal(Sched* s, G* g) {
  std::lock_guard<std::mutex> l(s->gfree_mu);
  s->gfree.push_back(g);
}

// p: the caller's own P, or null off-P (then only the global cache is used).
G* GFreeGet(Sched* s, P* p) {
  if (p) {
    if (p->gfree.empty()) {
      std::lock_guard<std::mutex> l(s->gfree_mu);
      MoveLast(s->gfree, p->gfree, kGCacheMax / 2);
    }
    if (p->gfree.empty()) return nullptr;
    G* g = p->gfree.back();
    p->gfree.pop_back();
    // The next spawn's record: its fields are written right away.
    if (!p->gfree.empty()) __builtin_prefetch(p->gfree.back(), 1);
    return g;
  }
  std::lock_guard<std::mutex> l(s->gfree_mu);
  if (s->gfree.empty()) return nullptr;
  G* g = s->gfree.back();
  s->gfree.pop_back();
  return g;
}

// p: the caller's own P or null. Like GFreePut: a full per-P cache moves half
// of itself to the global list under one lock, so gfree_mu is taken once per
// kStackCacheMax/2 stacks, not once per fiber, when more fibers are in flight
// than the cache holds.
void StackPut(Sched* s, P* p, Stack st) {
  if (p) {
    p->stackfree.push_back(st);
    if (p->stackfree.size() < static_cast<size_t>(kStackCacheMax)) return;
    std::lock_guard<std::mutex> l(s->gfree_mu);
    while (p->stackfree.size() > static_cast<size_t>(kStackCacheMax / 2)) {
      s->stackfree.push_back(p->stackfree.back());
      p->stackfree.pop_back();
    }
    return;
  }
  std::lock_guard<std::mutex> l(s->gfree_mu);
  s->stackfree.push_back(st);
}

// Like GFreeGet: an empty per-P cache is refilled to half from the global
// list under one lock.
Stack StackGet(Sched* s, P* p) {
  if (p && p->stackfree.empty()) {
    std::lock_guard<std::mutex> l(s->gfree_mu);
    while (!s->stackfree.empty() && p->stackfree.size() < static_cast<size_t>(kStackCacheMax / 2)) {
      p->stackfree.push_back(s->stackfree.back());
      s->stackfree.pop_back();
    }
  }
  if (p && !p->stackfree.empty()) {
    Stack st = p->stackfree.back();
    p->stackfree.pop_back();
    return st;
  }
  if (!p) {
    std::lock_guard<std::mutex> l(s->gfree_mu);
    if (!s->stackfree.empty()) {
      Stack st = s->stackfree.back();
      s->stackfree.pop_back();
      return st;
    }
  }
  return AllocateStack(s->stack_size);
}

// p: the caller's own P (ids are handed out in per-P batches) or null.
uint64_t NextGoid(Sched* s, P* p) {
  if (!p) return s->goid_gen.fetch_add(1, std::memory_order_relaxed) + 1;
  if (p->goid_next == p->goid_end) {
    p->goid_next = s->goid_gen.fetch_add(kGoidBatch, std::memory_order_relaxed) + 1;
    p->goid_end = p->goid_next + kGoidBatch;
  }
  return p->goid_next++;
}

}  // namespace stockd::runtime::detail
