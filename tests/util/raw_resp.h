// tests/util/raw_resp.h — RESP over a raw socket, for tests that compare
// replies byte for byte: hiredis 0.14 parses RESP2 only (a RESP3 reply is a
// protocol error to it) and renders $-1 and *-1 alike.
#pragma once

#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "tests/util/raw_socket.h"

namespace stockd::testing {

// The end of the RESP2/RESP3 reply starting at pos in b, or npos when b does
// not hold all of it yet.
inline size_t ReplyEnd(const std::string& b, size_t pos) {
  if (pos >= b.size()) return std::string::npos;
  const size_t eol = b.find("\r\n", pos);
  if (eol == std::string::npos) return std::string::npos;
  const char type = b[pos];
  const std::string line = b.substr(pos + 1, eol - pos - 1);
  size_t next = eol + 2;
  switch (type) {
    case '$': case '!': case '=': {
      const long long n = std::stoll(line);
      if (n < 0) return next;
      return b.size() < next + static_cast<size_t>(n) + 2 ? std::string::npos : next + static_cast<size_t>(n) + 2;
    }
    case '*': case '~': case '>': case '%': {
      long long n = std::stoll(line);
      if (type == '%') n *= 2;
      for (long long i = 0; i < n; ++i) {
        next = ReplyEnd(b, next);
        if (next == std::string::npos) return next;
      }
      return next;
    }
    default:  // + - : _ , # (
      return next;
  }
}

// The bulk strings of a flat RESP array reply (a pub/sub message or
// pmessage: ["pmessage", pattern, channel, payload]).
inline std::vector<std::string> BulkStrings(const std::string& reply) {
  std::vector<std::string> out;
  size_t pos = reply.find("\r\n");
  if (pos == std::string::npos) return out;
  pos += 2;
  while (pos < reply.size() && reply[pos] == '$') {
    const size_t eol = reply.find("\r\n", pos);
    const size_t n = std::stoul(reply.substr(pos + 1, eol - pos - 1));
    out.push_back(reply.substr(eol + 2, n));
    pos = eol + 2 + n + 2;
  }
  return out;
}

// A RESP connection over a raw socket: one request, one reply's exact bytes.
class RawResp {
 public:
  explicit RawResp(int port, int receive_buffer = 0) : fd_(DialLoopback(port, receive_buffer)) {
    timeval tv{10, 0};
    if (fd_ >= 0) ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  }
  ~RawResp() {
    if (fd_ >= 0) ::close(fd_);
  }
  void Send(const std::vector<std::string>& argv) {
    std::string req = "*" + std::to_string(argv.size()) + "\r\n";
    for (const auto& a : argv) req += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
    for (size_t off = 0; fd_ >= 0 && off < req.size();) {
      const ssize_t n = ::send(fd_, req.data() + off, req.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return;
      off += static_cast<size_t>(n);
    }
  }
  std::string Read() {
    for (;;) {
      const size_t end = ReplyEnd(buf_, 0);
      if (end != std::string::npos) {
        std::string r = buf_.substr(0, end);
        buf_.erase(0, end);
        return r;
      }
      char tmp[4096];
      const ssize_t n = fd_ < 0 ? -1 : ::recv(fd_, tmp, sizeof(tmp), 0);
      if (n <= 0) return "(io) " + buf_;
      buf_.append(tmp, static_cast<size_t>(n));
    }
  }
  std::string Do(const std::vector<std::string>& argv) {
    Send(argv);
    return Read();
  }

 private:
  int fd_ = -1;
  std::string buf_;
};

}  // namespace stockd::testing
