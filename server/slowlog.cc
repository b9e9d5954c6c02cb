#include "server/slowlog.h"

#include <ctime>

#include "absl/strings/str_cat.h"

namespace stockd::server {

namespace {
constexpr size_t kMaxArgs = 32;
constexpr size_t kMaxArgLen = 128;
}  // namespace

void SlowLog::Add(absl::Span<const std::string_view> argv, int64_t duration_us, std::string client_addr,
                  std::string client_name, size_t max_len) {
  SlowLogEntry e;
  e.unix_time = static_cast<int64_t>(std::time(nullptr));
  e.duration_us = duration_us;
  size_t n = std::min(argv.size(), kMaxArgs);
  for (size_t i = 0; i < n; ++i) {
    if (i == kMaxArgs - 1 && argv.size() > kMaxArgs) {
      e.argv.push_back(absl::StrCat("... (", argv.size() - kMaxArgs + 1, " more arguments)"));
      break;
    }
    std::string_view a = argv[i];
    if (a.size() > kMaxArgLen) {
      e.argv.push_back(absl::StrCat(absl::string_view(a.data(), kMaxArgLen), "... (", a.size() - kMaxArgLen,
                                    " more bytes)"));
    } else {
      e.argv.emplace_back(a);
    }
  }
  e.client_addr = std::move(client_addr);
  e.client_name = std::move(client_name);
  absl::MutexLock lock(&mu_);
  e.id = next_id_++;
  entries_.push_front(std::move(e));
  while (entries_.size() > max_len) entries_.pop_back();
}

std::vector<SlowLogEntry> SlowLog::Get(size_t count) const {
  absl::MutexLock lock(&mu_);
  count = std::min(count, entries_.size());
  return std::vector<SlowLogEntry>(entries_.begin(), entries_.begin() + count);
}

size_t SlowLog::Len() const {
  absl::MutexLock lock(&mu_);
  return entries_.size();
}

void SlowLog::Reset() {
  absl::MutexLock lock(&mu_);
  entries_.clear();
}

void SlowLog::Trim(size_t max_len) {
  absl::MutexLock lock(&mu_);
  while (entries_.size() > max_len) entries_.pop_back();
}

}  // namespace stockd::server
