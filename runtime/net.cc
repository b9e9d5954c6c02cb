#include "runtime/net.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "runtime/blocking.h"
#include "runtime/detail/pollfd.h"
#include "runtime/detail/proc.h"

namespace stockd::runtime {
namespace {

using detail::PollDesc;
using detail::PollDir;

std::shared_ptr<PollDesc> MakePollDesc(int fd) {
  detail::Sched* s = detail::DefaultSched();
  return std::make_shared<PollDesc>(s, fd);
}

std::string FormatAddr(const sockaddr_storage& ss) {
  char ip[INET6_ADDRSTRLEN] = {0};
  if (ss.ss_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&ss);
    inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip));
    return absl::StrCat(ip, ":", ntohs(a->sin_port));
  }
  if (ss.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&ss);
    inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof(ip));
    return absl::StrCat("[", ip, "]:", ntohs(a->sin6_port));
  }
  return "?:0";
}

// Parses a literal address (or "localhost", "", "*", "::") into ss.
bool ParseHost(std::string_view host, uint16_t port, sockaddr_storage* ss, socklen_t* len) {
  std::memset(ss, 0, sizeof(*ss));
  std::string h(host);
  if (h.empty() || h == "*") h = "0.0.0.0";
  if (h == "localhost") h = "127.0.0.1";
  auto* a4 = reinterpret_cast<sockaddr_in*>(ss);
  if (inet_pton(AF_INET, h.c_str(), &a4->sin_addr) == 1) {
    a4->sin_family = AF_INET;
    a4->sin_port = htons(port);
    *len = sizeof(sockaddr_in);
    return true;
  }
  if (h.size() > 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  auto* a6 = reinterpret_cast<sockaddr_in6*>(ss);
  if (inet_pton(AF_INET6, h.c_str(), &a6->sin6_addr) == 1) {
    a6->sin6_family = AF_INET6;
    a6->sin6_port = htons(port);
    *len = sizeof(sockaddr_in6);
    return true;
  }
  return false;
}

// Debian's abseil has its own string_view (not std's): convert explicitly.
absl::string_view AV(std::string_view s) { return absl::string_view(s.data(), s.size()); }

absl::Status Errno(int err, std::string_view what) { return absl::ErrnoToStatus(err, AV(what)); }

// A fiber may resume on another thread after it parks, and errno lives in
// thread-local storage behind __errno_location(), a const function the
// compiler may hoist out of a loop that parks. So the syscalls of the loops
// below go through these non-inlined wrappers, which return -errno on failure.
[[gnu::noinline]] ssize_t SysRead(int fd, char* buf, size_t len) {
  const ssize_t n = ::read(fd, buf, len);
  return n < 0 ? -errno : n;
}
[[gnu::noinline]] ssize_t SysSendmsg(int fd, const msghdr* msg) {
  const ssize_t n = ::sendmsg(fd, msg, MSG_NOSIGNAL);
  return n < 0 ? -errno : n;
}
[[gnu::noinline]] int SysAccept(int fd) {
  const int r = ::accept4(fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  return r < 0 ? -errno : r;
}
[[gnu::noinline]] int SysSocket(int family) {
  const int r = ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  return r < 0 ? -errno : r;
}
[[gnu::noinline]] int SysConnect(int fd, const sockaddr_storage& ss, socklen_t len) {
  return ::connect(fd, reinterpret_cast<const sockaddr*>(&ss), len) == 0 ? 0 : -errno;
}

}  // namespace

// ---------------------------------------------------------------------------
// Conn

Conn::Conn(int fd) : pd_(MakePollDesc(fd)) {}

Conn::~Conn() { Close(); }

int Conn::fd() const { return pd_->fd(); }

void Conn::Close() { pd_->Close(); }

absl::StatusOr<size_t> Conn::Read(char* buf, size_t len, absl::Time deadline) {
  // Unless the peer hung up: its EOF (or error) is reported by a read, and
  // the edge that announced it may already have been spent on the data.
  if (drained_ && !pd_->hung_up()) {
    drained_ = false;
    absl::Status st = pd_->Wait(PollDir::kRead, deadline);  // at once if an edge came meanwhile
    if (!st.ok()) return st;
  }
  for (;;) {
    if (pd_->closed()) return absl::CancelledError("connection closed");
    const ssize_t n = SysRead(pd_->fd(), buf, len);
    if (n >= 0) {
      drained_ = n > 0 && static_cast<size_t>(n) < len;
      return static_cast<size_t>(n);
    }
    if (n == -EINTR) continue;
    if (n != -EAGAIN && n != -EWOULDBLOCK) return Errno(static_cast<int>(-n), "read");
    absl::Status st = pd_->Wait(PollDir::kRead, deadline);
    if (!st.ok()) return st;
  }
}

absl::Status Conn::Write(std::string_view data, absl::Time deadline) {
  iovec iov{const_cast<char*>(data.data()), data.size()};
  return Writev(&iov, 1, deadline);
}

absl::Status Conn::Writev(const struct iovec* iov_in, int iovcnt, absl::Time deadline) {
  // Copy the (small) iovec array so partial writes can advance it.
  constexpr int kMaxIov = 64;
  iovec local[kMaxIov];
  while (iovcnt > 0) {
    const int n = iovcnt < kMaxIov ? iovcnt : kMaxIov;
    std::memcpy(local, iov_in, sizeof(iovec) * n);
    iovec* iov = local;
    int cnt = n;
    while (cnt > 0 && iov->iov_len == 0) { ++iov; --cnt; }
    while (cnt > 0) {
      if (pd_->closed()) return absl::CancelledError("connection closed");
      msghdr msg{};
      msg.msg_iov = iov;
      msg.msg_iovlen = static_cast<size_t>(cnt);
      const ssize_t w = SysSendmsg(pd_->fd(), &msg);
      if (w < 0) {
        if (w == -EINTR) continue;
        if (w != -EAGAIN && w != -EWOULDBLOCK) return Errno(static_cast<int>(-w), "write");
        absl::Status st = pd_->Wait(PollDir::kWrite, deadline);
        if (!st.ok()) return st;
        continue;
      }
      size_t left = static_cast<size_t>(w);
      while (cnt > 0 && left >= iov->iov_len) {
        left -= iov->iov_len;
        ++iov;
        --cnt;
      }
      if (cnt > 0) {
        iov->iov_base = static_cast<char*>(iov->iov_base) + left;
        iov->iov_len -= left;
        while (cnt > 0 && iov->iov_len == 0) { ++iov; --cnt; }
      }
    }
    iov_in += n;
    iovcnt -= n;
  }
  return absl::OkStatus();
}

std::string Conn::RemoteAddress() const {
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  if (getpeername(pd_->fd(), reinterpret_cast<sockaddr*>(&ss), &len) != 0) return "?:0";
  return FormatAddr(ss);
}

std::string Conn::LocalAddress() const {
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  if (getsockname(pd_->fd(), reinterpret_cast<sockaddr*>(&ss), &len) != 0) return "?:0";
  return FormatAddr(ss);
}

bool Conn::RemoteIsLoopback() const {
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  if (getpeername(pd_->fd(), reinterpret_cast<sockaddr*>(&ss), &len) != 0) return false;
  if (ss.ss_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&ss);
    return (ntohl(a->sin_addr.s_addr) >> 24) == 127;
  }
  if (ss.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&ss);
    if (IN6_IS_ADDR_LOOPBACK(&a->sin6_addr)) return true;
    return IN6_IS_ADDR_V4MAPPED(&a->sin6_addr) && a->sin6_addr.s6_addr[12] == 127;
  }
  return false;
}

absl::Status Conn::SetNoDelay(bool on) {
  const int v = on ? 1 : 0;
  if (setsockopt(pd_->fd(), IPPROTO_TCP, TCP_NODELAY, &v, sizeof(v)) != 0) return Errno(errno, "TCP_NODELAY");
  return absl::OkStatus();
}

absl::Status Conn::SetKeepAlive(int seconds) {
  const int fd = pd_->fd();
  int v = seconds > 0 ? 1 : 0;
  if (setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &v, sizeof(v)) != 0) return Errno(errno, "SO_KEEPALIVE");
  if (seconds <= 0) return absl::OkStatus();
  // As Redis' anetKeepAlive: idle `seconds`, then probes every seconds/3, 3 probes.
  v = seconds;
  if (setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &v, sizeof(v)) != 0) return Errno(errno, "TCP_KEEPIDLE");
  v = seconds / 3 > 0 ? seconds / 3 : 1;
  if (setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &v, sizeof(v)) != 0) return Errno(errno, "TCP_KEEPINTVL");
  v = 3;
  if (setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &v, sizeof(v)) != 0) return Errno(errno, "TCP_KEEPCNT");
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------
// Listener

absl::StatusOr<std::unique_ptr<Listener>> Listener::Listen(std::string_view host, uint16_t port, int backlog) {
  if (detail::DefaultSched() == nullptr) return absl::FailedPreconditionError("no runtime");
  sockaddr_storage ss;
  socklen_t len;
  if (!ParseHost(host, port, &ss, &len)) {
    return absl::InvalidArgumentError(absl::StrCat("not an IP address: ", AV(host)));
  }
  const int fd = ::socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Errno(errno, "socket");
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (ss.ss_family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
  if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 || ::listen(fd, backlog) != 0) {
    const int err = errno;
    ::close(fd);
    return Errno(err, absl::StrCat("bind/listen ", AV(host), ":", port));
  }
  sockaddr_storage bound{};
  socklen_t blen = sizeof(bound);
  getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &blen);
  const uint16_t actual = bound.ss_family == AF_INET6
                              ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
                              : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  return std::unique_ptr<Listener>(new Listener(MakePollDesc(fd), actual));
}

Listener::~Listener() { Close(); }

int Listener::fd() const { return pd_->fd(); }

void Listener::Close() { pd_->Close(); }

absl::StatusOr<std::unique_ptr<Conn>> Listener::Accept(absl::Time deadline) {
  for (;;) {
    if (pd_->closed()) return absl::CancelledError("listener closed");
    const int fd = SysAccept(pd_->fd());
    if (fd >= 0) return std::make_unique<Conn>(fd);
    const int err = -fd;
    if (err == EINTR || err == ECONNABORTED) continue;
    if (err == EAGAIN || err == EWOULDBLOCK) {
      absl::Status st = pd_->Wait(PollDir::kRead, deadline);
      if (!st.ok()) return st;
      continue;
    }
    if (pd_->closed()) return absl::CancelledError("listener closed");
    return Errno(err, "accept");
  }
}

// ---------------------------------------------------------------------------
// Dial

absl::StatusOr<std::unique_ptr<Conn>> Dial(std::string_view host, uint16_t port, absl::Time deadline) {
  if (detail::DefaultSched() == nullptr) return absl::FailedPreconditionError("no runtime");
  sockaddr_storage ss;
  socklen_t len;
  if (!ParseHost(host, port, &ss, &len)) {
    const std::string name(host);
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    const int rc = Blocking([&] { return getaddrinfo(name.c_str(), nullptr, &hints, &res); });
    if (rc != 0 || res == nullptr) {
      return absl::NotFoundError(absl::StrCat("resolve ", AV(host), ": ", gai_strerror(rc)));
    }
    std::memcpy(&ss, res->ai_addr, res->ai_addrlen);
    len = res->ai_addrlen;
    freeaddrinfo(res);
    if (ss.ss_family == AF_INET) reinterpret_cast<sockaddr_in*>(&ss)->sin_port = htons(port);
    else reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port = htons(port);
  }
  const int fd = SysSocket(ss.ss_family);
  if (fd < 0) return Errno(-fd, "socket");
  auto conn = std::make_unique<Conn>(fd);
  int rc;
  do {
    rc = SysConnect(fd, ss, len);
  } while (rc == -EINTR);
  if (rc != 0) {
    if (rc != -EINPROGRESS) return Errno(-rc, absl::StrCat("connect ", AV(host), ":", port));
    absl::Status st = conn->pd_->Wait(PollDir::kWrite, deadline);
    if (!st.ok()) return st;
    int err = 0;
    socklen_t elen = sizeof(err);
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen);
    if (err != 0) return Errno(err, absl::StrCat("connect ", AV(host), ":", port));
  }
  return conn;
}

}  // namespace stockd::runtime
