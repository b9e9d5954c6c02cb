// server/slowlog.h — SLOWLOG: the most recent commands slower than
// `slowlog-log-slower-than` microseconds, at most `slowlog-max-len` entries.
// Thread-safe (a mutex held only to push or copy entries).
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"

namespace stockd::server {

struct SlowLogEntry {
  uint64_t id;
  int64_t unix_time;
  int64_t duration_us;
  std::vector<std::string> argv;  // at most 32 args, each at most 128 bytes, as Redis
  std::string client_addr;
  std::string client_name;
};

class SlowLog {
 public:
  void Add(absl::Span<const std::string_view> argv, int64_t duration_us, std::string client_addr,
           std::string client_name, size_t max_len);
  std::vector<SlowLogEntry> Get(size_t count) const;  // newest first
  size_t Len() const;
  void Reset();
  void Trim(size_t max_len);

 private:
  mutable absl::Mutex mu_;
  std::deque<SlowLogEntry> entries_;  // newest at the front
  uint64_t next_id_ = 0;
};

}  // namespace stockd::server
