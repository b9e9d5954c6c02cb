#include "tests/util/server_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

namespace stockd::testing {

int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  int port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

std::string MakeTempDir(const std::string& prefix) {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base ? base : "/tmp") + "/" + prefix + "XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  char* p = ::mkdtemp(buf.data());
  return p ? std::string(p) : std::string();
}

std::string StockdBinary() {
  if (const char* env = std::getenv("STOCKD_BINARY")) return env;
#ifdef STOCKD_BINARY
  return STOCKD_BINARY;
#else
  return "build/server/stockd";
#endif
}

std::string RedisServerBinary() {
  for (const char* p : {"/usr/bin/redis-server", "/usr/local/bin/redis-server"})
    if (::access(p, X_OK) == 0) return p;
  return "";
}

size_t RaiseOpenFileLimit() {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return 0;
  rl.rlim_cur = rl.rlim_max;
  setrlimit(RLIMIT_NOFILE, &rl);
  getrlimit(RLIMIT_NOFILE, &rl);
  return static_cast<size_t>(rl.rlim_cur);
}

std::string RunCapture(const std::string& shell_command) {
  FILE* p = ::popen(shell_command.c_str(), "r");
  if (p == nullptr) return "(popen failed)";
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  ::pclose(p);
  return out;
}

Client::Client(const std::string& host, int port, std::chrono::milliseconds timeout) {
  timeval tv{static_cast<time_t>(timeout.count() / 1000), static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
  ctx_ = redisConnectWithTimeout(host.c_str(), port, tv);
  if (ctx_ && ctx_->err == 0) redisSetTimeout(ctx_, tv);
}

Client::~Client() {
  if (ctx_) redisFree(ctx_);
}

std::string Client::error() const {
  if (!ctx_) return "no context";
  return ctx_->errstr;
}

static void ToArgv(const std::vector<std::string>& argv, std::vector<const char*>* ptrs, std::vector<size_t>* lens) {
  for (const auto& a : argv) {
    ptrs->push_back(a.data());
    lens->push_back(a.size());
  }
}

Reply Client::Command(const std::vector<std::string>& argv) {
  if (!ctx_) return nullptr;
  std::vector<const char*> ptrs;
  std::vector<size_t> lens;
  ToArgv(argv, &ptrs, &lens);
  return Reply(static_cast<redisReply*>(redisCommandArgv(ctx_, static_cast<int>(argv.size()), ptrs.data(), lens.data())));
}

void Client::Append(const std::vector<std::string>& argv) {
  std::vector<const char*> ptrs;
  std::vector<size_t> lens;
  ToArgv(argv, &ptrs, &lens);
  redisAppendCommandArgv(ctx_, static_cast<int>(argv.size()), ptrs.data(), lens.data());
}

Reply Client::Read() {
  void* r = nullptr;
  if (redisGetReply(ctx_, &r) != REDIS_OK) return nullptr;
  return Reply(static_cast<redisReply*>(r));
}

std::string Render(const redisReply* r) {
  if (r == nullptr) return "(io)";
  switch (r->type) {
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
      return "\"" + std::string(r->str, r->len) + "\"";
    case REDIS_REPLY_ERROR:
      return "(error) " + std::string(r->str, r->len);
    case REDIS_REPLY_INTEGER:
      return ":" + std::to_string(r->integer);
    case REDIS_REPLY_NIL:
      return "(nil)";
    case REDIS_REPLY_ARRAY: {
      std::string s = "[";
      for (size_t i = 0; i < r->elements; ++i) {
        if (i) s += ", ";
        s += Render(r->element[i]);
      }
      return s + "]";
    }
    default:
      return "(type " + std::to_string(r->type) + ")";
  }
}

std::string Client::Do(const std::vector<std::string>& argv) {
  Reply r = Command(argv);
  if (!r) return "(io) " + error();
  return Render(r.get());
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) Kill9();
}

bool ServerProcess::Start(const std::string& binary, std::vector<std::string> args, int port,
                          std::chrono::milliseconds wait) {
  port_ = port > 0 ? port : FreePort();
  args.push_back("--port");
  args.push_back(std::to_string(port_));
  static int counter = 0;
  log_path_ = "/tmp/stockd-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + ".log";
  pid_ = ::fork();
  if (pid_ == 0) {
    int fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(binary.c_str()));
    for (auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(binary.c_str(), argv.data());
    ::_exit(127);
  }
  auto deadline = std::chrono::steady_clock::now() + wait;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!Running()) return false;
    Client c("127.0.0.1", port_, std::chrono::milliseconds(500));
    if (c.ok()) {
      std::string r = c.Do({"PING"});
      if (r == "\"PONG\"" || r.find("NOAUTH") != std::string::npos) return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

bool ServerProcess::Running() {
  if (pid_ <= 0) return false;
  int status;
  pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    pid_ = -1;
    return false;
  }
  return true;
}

int ServerProcess::Stop(int sig, std::chrono::milliseconds wait) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, sig);
  auto deadline = std::chrono::steady_clock::now() + wait;
  while (std::chrono::steady_clock::now() < deadline) {
    int status;
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      pid_ = -1;
      return status;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  Kill9();
  return -1;
}

void ServerProcess::Kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

std::string ServerProcess::Log() const {
  std::ifstream in(log_path_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::unique_ptr<Client> ServerProcess::Connect() const {
  return std::make_unique<Client>("127.0.0.1", port_);
}

}  // namespace stockd::testing
