// runtime/signal.h — waiting for POSIX signals from a fiber (Go's signal.Notify
// with one receive): a handler writes the signal to a pipe the runtime's
// poller watches.
//
//   int sig = runtime::WaitSignal({SIGINT, SIGTERM});   // parks; returns the signal
//
// While a WaitSignal call is pending, the listed signals are caught by our
// handler (so SIGTERM does not kill the process) and delivered to it; between
// calls their disposition is whatever it was before (default: terminate), so a
// server keeps one fiber in WaitSignal for its whole life. A signal that arrives
// after the call registered but before it parked is not lost. Off-fiber it
// blocks the calling thread. REQUIRES: a Runtime exists.
//
// A SignalCancel ends a wait early (e.g. a server shut down by a command, so
// its signal fiber can finish before the runtime goes): Cancel() makes the
// pending WaitSignal given that token return 0, and any later one return 0 at
// once. Cancel and the wait's registration are ordered by the token's mutex,
// so a Cancel racing with a WaitSignal that has not parked yet is not lost.
#pragma once

#include <functional>
#include <initializer_list>
#include <mutex>

#include <initializer_list>

namespace stockd::runtime {

class SignalCancel {
 public:
  void Cancel();

 private:
  friend int WaitSignal(std::initializer_list<int>, SignalCancel*);
  std::mutex mu_;
  bool cancelled_ = false;
  std::function<void()> abort_;  // aborts the registered wait, when one is
};

// Returns the signal that arrived, or 0 when cancelled (or without a runtime).
int WaitSignal(std::initializer_list<int> signals, SignalCancel* cancel = nullptr);

}  // namespace stockd::runtime
