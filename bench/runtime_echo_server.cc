// runtime_echo_server — a TCP echo server on stockd's runtime, the twin of
// `gobench -echo-server` (bench/anchors/go/echo.go): one fiber per connection
// that reads up to 4 KiB and writes it back, TCP_NODELAY on (Go's default).
// Prints "PORT <n>" on stdout once listening; runs until killed.
//
// Usage: runtime_echo_server [--port 0] [--procs 0]   (procs 0 = one per core)
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "runtime/fiber.h"
#include "runtime/net.h"
#include "runtime/scheduler.h"

namespace {

void Serve(std::unique_ptr<stockd::runtime::Conn> conn) {
  (void)conn->SetNoDelay(true);
  char buf[4096];
  for (;;) {
    absl::StatusOr<size_t> n = conn->Read(buf, sizeof buf);
    if (!n.ok() || *n == 0) break;
    if (!conn->Write(std::string_view(buf, *n)).ok()) break;
  }
  conn->Close();
}

}  // namespace

int main(int argc, char** argv) {
  int port = 0;
  stockd::runtime::Options options;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--port") == 0) {
      port = std::atoi(argv[i + 1]);
    } else if (std::strcmp(argv[i], "--procs") == 0) {
      options.procs = std::atoi(argv[i + 1]);
    } else {
      std::fprintf(stderr, "usage: runtime_echo_server [--port 0] [--procs 0]\n");
      return 2;
    }
  }
  stockd::runtime::Runtime rt(options);
  absl::Status status = rt.Run([port]() -> void {
    auto listener = stockd::runtime::Listener::Listen("127.0.0.1", static_cast<uint16_t>(port));
    if (!listener.ok()) {
      std::fprintf(stderr, "listen: %s\n", std::string(listener.status().message()).c_str());
      return;
    }
    std::printf("PORT %d\n", (*listener)->port());
    std::fflush(stdout);
    for (;;) {
      auto conn = (*listener)->Accept();
      if (!conn.ok()) break;
      stockd::runtime::Go([c = std::move(*conn)]() mutable { Serve(std::move(c)); }).Detach();
    }
  });
  if (!status.ok()) {
    std::fprintf(stderr, "runtime: %s\n", std::string(status.message()).c_str());
    return 1;
  }
  return 1;  // Accept failed: the listener died
}
