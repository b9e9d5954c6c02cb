// tests/util/raw_socket.h — a plain blocking TCP socket to a loopback port,
// for tests that must send bytes no RESP client library would (partial
// frames, garbage) or must not read.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>

namespace stockd::testing {

// A connected socket to 127.0.0.1:port, or -1 when the connect fails.
// receive_buffer > 0: SO_RCVBUF set before connecting (a tiny window: a
// client that stops reading stalls the server's writes to it quickly).
inline int DialLoopback(int port, int receive_buffer = 0) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  if (receive_buffer > 0) ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof(receive_buffer));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace stockd::testing
