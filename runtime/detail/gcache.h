// runtime/detail/gcache.h — free lists of dead G records and of stacks, and
// goroutine ids (Go's gfput/gfget and the per-P goid batches). Internal.
//
// Invariants:
//  * Two levels: an unlocked per-P cache (P::gfree, P::stackfree, goid
//    batch), touched only by the owner of the P, and the global lists
//    (Sched::gfree/stackfree) under Sched::gfree_mu. Caches move half their
//    capacity at a time between the levels, so gfree_mu is taken once per
//    batch, not once per fiber.
//  * The lists are arrays of pointers, not chains through the records: moving
//    a batch touches no record (a chain made every refill a walk of cold
//    records, one cache miss after another).
//  * A record on a free list is dead: no queue, no M and no Fiber handle
//    references it.
//  * `p` arguments are the caller's own P, or null off-P (a plain thread, a
//    Blocking() section, another runtime's M): then only the global level is used.
#pragma once

#include <cstdint>

#include "runtime/detail/proc.h"
#include "runtime/detail/sched.h"

namespace stockd::runtime::detail {

// Owner of p only; a full per-P cache moves half of itself to the global list.
void GFreePut(P* p, G* g);
// Any thread: pushes g on the global list under gfree_mu.
void GFreePutGlobal(Sched* s, G* g);
// A dead record to reuse, or null (the caller allocates one).
G* GFreeGet(Sched* s, P* p);
void StackPut(Sched* s, P* p, Stack st);
// A cached stack, else a new one (empty on allocation failure).
Stack StackGet(Sched* s, P* p);
uint64_t NextGoid(Sched* s, P* p);

}  // namespace stockd::runtime::detail
