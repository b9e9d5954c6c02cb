// runtime/log.h — Redis-style log lines on stderr:
//
//   12345:M 26 Nov 2026 10:00:00.123 * Ready to accept connections
//
// `pid:role day month year time.ms level-mark message`, with Redis' marks:
// '.' debug, '-' verbose, '*' notice (LogInfo), '#' warning. Lines below the
// level set by SetLogLevel() are dropped before formatting. Thread-safe; one
// write(2) per line, so lines from different threads never interleave. Never
// parks (safe on scheduler stacks and in timer callbacks).
#pragma once

#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"

namespace stockd::runtime {

enum class LogLevel { kDebug = 0, kVerbose = 1, kNotice = 2, kWarning = 3 };

void SetLogLevel(LogLevel level);
// Appends log lines to `path` instead of stderr ("" = back to stderr), like
// Redis' `logfile` directive. The file is opened O_APPEND|O_CREAT (0644).
absl::Status SetLogFile(std::string_view path);
LogLevel GetLogLevel();
// Parses Redis' names: debug, verbose, notice, warning. False if unknown.
bool ParseLogLevel(std::string_view name, LogLevel* out);

// Writes one formatted line (no trailing newline needed).
void LogLine(LogLevel level, std::string_view message);

template <typename... Args>
void LogDebug(const absl::FormatSpec<Args...>& format, const Args&... args) {
  if (GetLogLevel() <= LogLevel::kDebug) LogLine(LogLevel::kDebug, absl::StrFormat(format, args...));
}
template <typename... Args>
void LogVerbose(const absl::FormatSpec<Args...>& format, const Args&... args) {
  if (GetLogLevel() <= LogLevel::kVerbose) LogLine(LogLevel::kVerbose, absl::StrFormat(format, args...));
}
template <typename... Args>
void LogInfo(const absl::FormatSpec<Args...>& format, const Args&... args) {
  if (GetLogLevel() <= LogLevel::kNotice) LogLine(LogLevel::kNotice, absl::StrFormat(format, args...));
}
template <typename... Args>
void LogWarning(const absl::FormatSpec<Args...>& format, const Args&... args) {
  LogLine(LogLevel::kWarning, absl::StrFormat(format, args...));
}

}  // namespace stockd::runtime
