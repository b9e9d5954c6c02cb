// runtime/detail/gcache.cc — free lists of G records and stacks, goid
// batches. Invariants: see gcache.h (owner-only per-P level, global level
// under gfree_mu, batches of half a cache).
#include "runtime/detail/gcache.h"

#include <mutex>

#include "runtime/detail/runq.h"

namespace stockd::runtime::detail {
namespace {

constexpr int kGCacheMax = 64;     // per-P dead Gs before half go global
constexpr int kStackCacheMax = 64;
constexpr uint64_t kGoidBatch = 16;

}  // namespace

// Owner of p only (the per-P cache is unlocked); overflow goes global under gfree_mu.
void GFreePut(P* p, G* g) {
  AssertOwner(p);
  g->schedlink = p->gfree;
  p->gfree = g;
  if (++p->ngfree < kGCacheMax) return;
  Sched* s = p->sched;
  std::lock_guard<std::mutex> l(s->gfree_mu);
  while (p->ngfree > kGCacheMax / 2) {
    G* x = p->gfree;
    p->gfree = x->schedlink;
    --p->ngfree;
    x->schedlink = s->gfree;
    s->gfree = x;
    ++s->ngfree;
  }
}


void GFreePutGlobal(Sched* s, G* g) {
  std::lock_guard<std::mutex> l(s->gfree_mu);
  g->schedlink = s->gfree;
  s->gfree = g;
  ++s->ngfree;
}

// p: the caller's own P, or null off-P (then only the global cache is used).
G* GFreeGet(Sched* s, P* p) {
  if (p && p->gfree == nullptr) {
    std::lock_guard<std::mutex> l(s->gfree_mu);
    while (s->gfree && p->ngfree < kGCacheMax / 2) {
      G* x = s->gfree;
      s->gfree = x->schedlink;
      --s->ngfree;
      x->schedlink = p->gfree;
      p->gfree = x;
      ++p->ngfree;
    }
  }
  if (p && p->gfree) {
    G* g = p->gfree;
    p->gfree = g->schedlink;
    --p->ngfree;
    g->schedlink = nullptr;
    return g;
  }
  if (!p) {
    std::lock_guard<std::mutex> l(s->gfree_mu);
    if (G* g = s->gfree) {
      s->gfree = g->schedlink;
      --s->ngfree;
      g->schedlink = nullptr;
      return g;
    }
  }
  return nullptr;
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
