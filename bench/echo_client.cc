// echo_client — the one load generator for the TCP echo comparison in
// bench/runtime-vs-go.sh. It drives stockd's runtime_echo_server and Go's
// `gobench -echo-server` identically, so the difference is the server's.
//
// Shape: `--conns` connections, each with exactly one `--size`-byte message in
// flight (send, wait for the whole echo, send again). A single thread multiplexes
// them with epoll: a client of 50 blocking threads would spend most of this
// 2-core machine on its own thread switches and measure the kernel's scheduler
// more than the server; one epoll thread costs at most one core and the same
// for both servers.
//
// Output (stdout): "round_trips_per_sec<TAB>x" and "ns_per_round_trip<TAB>y",
// where y = 1e9 / x is the cost the comparison table uses. With --server-pid,
// also "server_cpu_ns_per_round_trip<TAB>z": the server's user+system CPU time
// (/proc/PID/stat) over the measured window divided by its round trips — the
// server's own cost, which stays meaningful when other tenants of the machine
// take CPU away from both client and server. Every echoed byte is checked; a
// mismatch, a short connection or a timeout exits non-zero.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

struct Options {
  std::string host = "127.0.0.1";
  int port = 0;
  int conns = 50;
  int size = 32;
  double seconds = 5.0;
  double warmup = 0.5;
  int server_pid = 0;  // 0 = do not measure the server's CPU
};

struct Connection {
  int fd = -1;
  std::string message;  // what was sent; the echo must match it
  size_t received = 0;  // bytes of the current echo received so far
};

[[noreturn]] void Die(const char* what) {
  std::fprintf(stderr, "echo_client: %s: %s\n", what, std::strerror(errno));
  std::exit(1);
}

bool ParseArgs(int argc, char** argv, Options* o) {
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    const char* v = argv[i + 1];
    if (flag == "--host") o->host = v;
    else if (flag == "--port") o->port = std::atoi(v);
    else if (flag == "--conns") o->conns = std::atoi(v);
    else if (flag == "--size") o->size = std::atoi(v);
    else if (flag == "--seconds") o->seconds = std::atof(v);
    else if (flag == "--warmup") o->warmup = std::atof(v);
    else if (flag == "--server-pid") o->server_pid = std::atoi(v);
    else return false;
  }
  return argc % 2 == 1 && o->port > 0 && o->conns > 0 && o->size > 0 && o->seconds > 0;
}

int ConnectTo(const Options& o) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) Die("socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(o.port));
  if (inet_pton(AF_INET, o.host.c_str(), &addr.sin_addr) != 1) Die("inet_pton");
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) Die("connect");
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

// User + system CPU seconds consumed so far by process `pid`, or -1.
double ProcessCpuSeconds(int pid) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/stat", pid);
  FILE* f = std::fopen(path, "r");
  if (f == nullptr) return -1;
  char buf[1024];
  size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  buf[n] = '\0';
  // Fields after the command name (which may contain spaces) start after ')';
  // utime and stime are fields 14 and 15 of the line, 12 and 13 after ')'.
  const char* p = std::strrchr(buf, ')');
  if (p == nullptr) return -1;
  unsigned long long utime = 0, stime = 0;
  if (std::sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) != 2) {
    return -1;
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// Messages are small (< socket buffer), so one send() writes them whole.
void SendMessage(Connection& c) {
  ssize_t n = send(c.fd, c.message.data(), c.message.size(), MSG_NOSIGNAL);
  if (n != static_cast<ssize_t>(c.message.size())) Die("send (short or failed)");
  c.received = 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!ParseArgs(argc, argv, &o)) {
    std::fprintf(stderr,
                 "usage: echo_client --port P [--host 127.0.0.1] [--conns 50] [--size 32] "
                 "[--seconds 5] [--warmup 0.5] [--server-pid PID]\n");
    return 2;
  }
  int ep = epoll_create1(0);
  if (ep < 0) Die("epoll_create1");
  std::vector<Connection> conns(o.conns);
  for (int i = 0; i < o.conns; ++i) {
    Connection& c = conns[i];
    c.fd = ConnectTo(o);
    c.message.assign(o.size, static_cast<char>('a' + i % 26));
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u32 = static_cast<uint32_t>(i);
    if (epoll_ctl(ep, EPOLL_CTL_ADD, c.fd, &ev) != 0) Die("epoll_ctl");
  }
  for (Connection& c : conns) SendMessage(c);

  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  const auto measure_from = start + std::chrono::duration<double>(o.warmup);
  const auto end = measure_from + std::chrono::duration<double>(o.seconds);
  uint64_t counted = 0;
  bool window_open = false;
  double server_cpu_start = -1, server_cpu_end = -1;
  std::vector<epoll_event> events(o.conns);
  std::vector<char> buf(o.size);
  for (;;) {
    int n = epoll_wait(ep, events.data(), o.conns, 2000);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) Die("epoll_wait");
    if (n == 0) {
      std::fprintf(stderr, "echo_client: no echo for 2 s\n");
      return 1;
    }
    const auto now = Clock::now();
    if (now >= end) break;
    if (!window_open && now >= measure_from) {
      window_open = true;
      if (o.server_pid > 0) server_cpu_start = ProcessCpuSeconds(o.server_pid);
    }
    for (int k = 0; k < n; ++k) {
      Connection& c = conns[events[k].data.u32];
      ssize_t r = recv(c.fd, buf.data(), c.message.size() - c.received, 0);
      if (r < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      if (r <= 0) Die("recv (server closed or failed)");
      if (std::memcmp(buf.data(), c.message.data() + c.received, r) != 0) {
        std::fprintf(stderr, "echo_client: echoed bytes differ\n");
        return 1;
      }
      c.received += static_cast<size_t>(r);
      if (c.received == c.message.size()) {
        if (now >= measure_from) ++counted;
        SendMessage(c);
      }
    }
  }
  if (o.server_pid > 0) server_cpu_end = ProcessCpuSeconds(o.server_pid);
  for (Connection& c : conns) close(c.fd);
  close(ep);
  const double rate = static_cast<double>(counted) / o.seconds;
  std::printf("round_trips_per_sec\t%.0f\n", rate);
  std::printf("ns_per_round_trip\t%.1f\n", rate > 0 ? 1e9 / rate : 0.0);
  if (server_cpu_start >= 0 && server_cpu_end >= server_cpu_start && counted > 0) {
    std::printf("server_cpu_ns_per_round_trip\t%.1f\n",
                (server_cpu_end - server_cpu_start) * 1e9 / static_cast<double>(counted));
  }
  return counted > 0 ? 0 : 1;
}
