// runtime/blocking.h — run a thread-blocking call from a fiber without
// stalling the other fibers of its P (Go's entersyscallblock/exitsyscall).
//
//   absl::Status s = runtime::Blocking([&] { return db->Write(opts, &batch); });
//
// Before fn runs, the calling M gives its P away: another M (woken or started)
// runs the P's other fibers. fn then runs on the calling fiber's stack and
// thread, and may block that thread as long as it likes (fsync, file I/O,
// getaddrinfo, a condvar). Afterwards the fiber takes an idle P back; if every
// P is busy it is queued on the global run queue and its M sleeps.
//
// REQUIRES: fn does not park the fiber (no Chan, Mutex, Sleep, Conn inside):
// the fiber holds no P while fn runs. Off-fiber, fn is simply called.
// Exceptions from fn propagate after the P is reacquired. The fiber may come
// back on another thread: read errno (and any thread_local) inside fn, e.g.
//   int err = Blocking([&] { return fsync(fd) == 0 ? 0 : errno; });
// Cost: two lock acquisitions and usually one thread wake-up; use it for calls
// that take microseconds or more, not for every syscall.
#pragma once

#include <type_traits>
#include <utility>

namespace stockd::runtime {

namespace detail {
bool BlockingEnter();  // false off-fiber (then nothing was handed off)
void BlockingExit();
}  // namespace detail

template <class F>
auto Blocking(F&& fn) -> std::invoke_result_t<F> {
  if (!detail::BlockingEnter()) return std::forward<F>(fn)();
  struct Exit {
    ~Exit() { detail::BlockingExit(); }
  } exit;
  return std::forward<F>(fn)();
}

}  // namespace stockd::runtime
