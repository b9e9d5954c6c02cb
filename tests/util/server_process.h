// tests/util/server_process.h — start a real server binary (stockd or
// redis-server) on a free loopback port for integration, compatibility and
// crash tests, and talk to it with hiredis.
//
// Contract: ServerProcess::Start forks/execs the binary with the given
// arguments plus `--port <free port>`, then waits (bounded) until PING answers.
// The destructor SIGKILLs a server that is still running, so a failing test
// never leaves a process behind. Not thread-safe; one owner.
#pragma once

#include <hiredis/hiredis.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace stockd::testing {

// A free TCP port on 127.0.0.1 (bind to port 0, read it, close).
int FreePort();

// A fresh temporary directory (removed by the caller if it wants).
std::string MakeTempDir(const std::string& prefix);

// Path of the built stockd binary (STOCKD_BINARY compile definition or env).
std::string StockdBinary();
// Path of redis-server, or "" if it is not installed.
std::string RedisServerBinary();

// Runs a shell command and returns what it wrote to stdout (redis-cli runs).
std::string RunCapture(const std::string& shell_command);
// Raises this process's soft limit on open files to the hard one (tests that
// hold a thousand connections); returns the soft limit now in force.
size_t RaiseOpenFileLimit();

struct RedisReplyDeleter {
  void operator()(redisReply* r) const { if (r) freeReplyObject(r); }
};
using Reply = std::unique_ptr<redisReply, RedisReplyDeleter>;

// A hiredis connection with helpers that turn replies into comparable text.
class Client {
 public:
  Client(const std::string& host, int port, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  bool ok() const { return ctx_ != nullptr && ctx_->err == 0; }
  std::string error() const;
  redisContext* raw() { return ctx_; }

  // Sends argv and reads one reply.
  Reply Command(const std::vector<std::string>& argv);
  // The reply rendered as text: strings as "s", integers as ":n", errors as
  // "(error) ...", nil as "(nil)", arrays as "[a, b]". Transport errors as "(io) ...".
  std::string Do(const std::vector<std::string>& argv);
  // Pipelining: append many, then read them.
  void Append(const std::vector<std::string>& argv);
  Reply Read();

 private:
  redisContext* ctx_ = nullptr;
};

std::string Render(const redisReply* r);

class ServerProcess {
 public:
  ServerProcess() = default;
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // Starts `binary args... --port P` (P chosen free unless `port` > 0) and waits until it answers PING.
  // `ping_args` are extra argv sent before PING (e.g. AUTH) — leave empty normally.
  bool Start(const std::string& binary, std::vector<std::string> args, int port = 0,
             std::chrono::milliseconds wait = std::chrono::seconds(15));
  // Sends `sig`, waits up to `wait` for exit; returns the exit status as from waitpid (or -1).
  int Stop(int sig = 15, std::chrono::milliseconds wait = std::chrono::seconds(15));
  void Kill9();
  bool Running();

  int port() const { return port_; }
  int pid() const { return pid_; }
  const std::string& log_path() const { return log_path_; }
  std::string Log() const;  // the server's stdout+stderr so far
  std::unique_ptr<Client> Connect() const;

 private:
  int pid_ = -1;
  int port_ = 0;
  std::string log_path_;
};

}  // namespace stockd::testing
