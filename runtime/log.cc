#include "runtime/log.h"

#include <fcntl.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <ctime>
#include <string>

namespace stockd::runtime {
namespace {
std::atomic<int> g_level{static_cast<int>(LogLevel::kNotice)};
std::atomic<int> g_fd{STDERR_FILENO};
}  // namespace

absl::Status SetLogFile(std::string_view path) {
  int fd = STDERR_FILENO;
  if (!path.empty()) {
    const std::string p(path);
    fd = ::open(p.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return absl::ErrnoToStatus(errno, "open log file");
  }
  const int old = g_fd.exchange(fd);
  // The old descriptor is left open: a concurrent LogLine may still write to it.
  (void)old;
  return absl::OkStatus();
}

void SetLogLevel(LogLevel level) { g_level.store(static_cast<int>(level), std::memory_order_relaxed); }
LogLevel GetLogLevel() { return static_cast<LogLevel>(g_level.load(std::memory_order_relaxed)); }

bool ParseLogLevel(std::string_view name, LogLevel* out) {
  if (name == "debug") *out = LogLevel::kDebug;
  else if (name == "verbose") *out = LogLevel::kVerbose;
  else if (name == "notice") *out = LogLevel::kNotice;
  else if (name == "warning") *out = LogLevel::kWarning;
  else return false;
  return true;
}

void LogLine(LogLevel level, std::string_view message) {
  if (level < GetLogLevel()) return;
  static const char kMarks[] = {'.', '-', '*', '#'};
  timeval tv;
  gettimeofday(&tv, nullptr);
  tm t;
  localtime_r(&tv.tv_sec, &t);
  char stamp[64];
  const size_t n = strftime(stamp, sizeof(stamp), "%d %b %Y %H:%M:%S", &t);
  std::string line = absl::StrFormat("%d:M %s.%03d %c ", static_cast<int>(getpid()),
                                     std::string_view(stamp, n), static_cast<int>(tv.tv_usec / 1000),
                                     kMarks[static_cast<int>(level)]);
  line.append(message.data(), message.size());
  line.push_back('\n');
  const int fd = g_fd.load(std::memory_order_relaxed);
  size_t off = 0;
  while (off < line.size()) {
    const ssize_t w = ::write(fd, line.data() + off, line.size() - off);
    if (w <= 0) break;
    off += static_cast<size_t>(w);
  }
}

}  // namespace stockd::runtime
