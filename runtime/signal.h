// runtime/signal.h — waiting for POSIX signals from a fiber (Go's signal.Notify
// with one receive), on the runtime's Asio io_context (asio::signal_set).
//
//   int sig = runtime::WaitSignal({SIGINT, SIGTERM});   // parks; returns the signal
//
// While a WaitSignal call is pending, the listed signals are caught by Asio's
// handler (so SIGTERM does not kill the process) and delivered to it; between
// calls their disposition is whatever it was before (default: terminate), so a
// server keeps one fiber in WaitSignal for its whole life. A signal that arrives
// after the call registered but before it parked is not lost. Off-fiber it
// blocks the calling thread. REQUIRES: a Runtime exists.
#pragma once

#include <initializer_list>

namespace stockd::runtime {

int WaitSignal(std::initializer_list<int> signals);

}  // namespace stockd::runtime
