#include "runtime/blocking.h"

#include "runtime/detail/proc.h"

namespace stockd::runtime::detail {

bool BlockingEnter() {
  M* m = CurrentM();
  if (m == nullptr || m->curg == nullptr || m->p == nullptr) return false;
  EnterBlocking();
  return true;
}

void BlockingExit() { ExitBlocking(); }

}  // namespace stockd::runtime::detail
