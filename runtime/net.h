// runtime/net.h — TCP on the runtime's netpoller: blocking-style calls that
// park the fiber, never the thread (Go's net.Conn / net.Listener).
//
// Every call first tries the syscall (read, sendmsg, accept4, connect) on a
// non-blocking socket; only on EAGAIN does the fiber park until the reactor
// (the runtime's epoll, polled by the scheduler's Ms) reports readiness, its
// deadline passes, or Close() is called. So a busy connection costs one
// syscall per call and no reactor round trip.
//
// Errors are values: DeadlineExceeded when `deadline` passes before the call
// could make progress (data already available is still returned); Cancelled
// once Close() has been called (also for a call parked at that moment);
// otherwise the errno as an absl::Status (e.g. a reset connection is
// Unavailable via ErrnoToStatus(ECONNRESET)). Called off-fiber, the same calls
// block the calling thread in poll(2).
//
// Thread-safety: one reader fiber and one writer fiber may use a Conn at once;
// one fiber at a time may Accept on a Listener. Close() may be called from any
// fiber or thread at any time, concurrently with those. Conn and Listener must
// be destroyed before the Runtime; destroying one closes it (the descriptor is
// released once no reactor wait refers to it any more, i.e. at once or within
// one poll).
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace stockd::runtime {

namespace detail {
class PollDesc;
}

// A TCP connection.
class Conn {
 public:
  // Adopts a connected, non-blocking socket. REQUIRES: a Runtime exists.
  explicit Conn(int fd);
  ~Conn();
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  // Reads up to len bytes; returns how many (0 = the peer closed its side).
  absl::StatusOr<size_t> Read(char* buf, size_t len, absl::Time deadline = absl::InfiniteFuture());
  // Writes all of data or fails (a deadline may leave a prefix written).
  absl::Status Write(std::string_view data, absl::Time deadline = absl::InfiniteFuture());
  absl::Status Writev(const struct iovec* iov, int iovcnt, absl::Time deadline = absl::InfiniteFuture());
  // Thread-safe, idempotent; wakes parked Read/Write with Cancelled and sends
  // FIN. Later calls return Cancelled.
  void Close();

  int fd() const;
  std::string RemoteAddress() const;  // "ip:port", IPv6 as "[ip]:port"
  std::string LocalAddress() const;
  bool RemoteIsLoopback() const;
  absl::Status SetNoDelay(bool on);
  // SO_KEEPALIVE with the first probe after `seconds` idle (Redis' tcp-keepalive).
  absl::Status SetKeepAlive(int seconds);

 private:
  friend absl::StatusOr<std::unique_ptr<Conn>> Dial(std::string_view, uint16_t, absl::Time);
  std::shared_ptr<detail::PollDesc> pd_;
  // The last read returned less than asked: the socket was drained then, and
  // any later data raises an edge, so the next Read waits for it first
  // instead of spending a read(2) on EAGAIN (one reader at a time).
  bool drained_ = false;
};

class Listener {
 public:
  // Binds and listens. host: an IPv4 or IPv6 literal, "localhost", or "" / "*"
  // for every IPv4 address ("::" for every IPv6 one). Port 0 picks a free port.
  // Sets SO_REUSEADDR (and IPV6_V6ONLY for IPv6, as Redis does).
  static absl::StatusOr<std::unique_ptr<Listener>> Listen(std::string_view host, uint16_t port,
                                                          int backlog = 511);
  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  // Parks until a connection arrives. The new Conn is non-blocking, close-on-exec.
  absl::StatusOr<std::unique_ptr<Conn>> Accept(absl::Time deadline = absl::InfiniteFuture());
  uint16_t port() const { return port_; }
  int fd() const;
  void Close();  // thread-safe, idempotent; wakes a parked Accept with Cancelled

 private:
  Listener(std::shared_ptr<detail::PollDesc> pd, uint16_t port) : pd_(std::move(pd)), port_(port) {}
  std::shared_ptr<detail::PollDesc> pd_;
  uint16_t port_;
};

// Connects to host:port (a literal or "localhost"; other names are resolved
// with getaddrinfo inside Blocking()). Parks until connected, refused, or the deadline.
absl::StatusOr<std::unique_ptr<Conn>> Dial(std::string_view host, uint16_t port,
                                           absl::Time deadline = absl::InfiniteFuture());

}  // namespace stockd::runtime
