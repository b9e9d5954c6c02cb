// server/client_pause.cc — see client_pause.h.
#include "server/client_pause.h"

#include <algorithm>

#include "absl/time/clock.h"
#include "runtime/select.h"

namespace stockd::server {

namespace {
int64_t NowMs() { return absl::ToUnixMillis(absl::Now()); }
}  // namespace

void ClientPause::Pause(int64_t end_ms, Kind kind) {
  absl::MutexLock lock(&mu_);
  const Kind now = static_cast<Kind>(kind_.load(std::memory_order_relaxed));
  if (now == Kind::kNone) {
    end_ms_ = end_ms;
  } else {
    end_ms_ = std::max(end_ms_, end_ms);
  }
  kind_.store(static_cast<int>(std::max(now, kind)), std::memory_order_relaxed);
}

void ClientPause::Unpause() {
  absl::MutexLock lock(&mu_);
  kind_.store(static_cast<int>(Kind::kNone), std::memory_order_relaxed);
  end_ms_ = 0;
  over_.Close();
  over_ = runtime::Chan<int>(0);
}

bool ClientPause::Holds(bool writes) const {
  absl::MutexLock lock(&mu_);
  const Kind k = static_cast<Kind>(kind_.load(std::memory_order_relaxed));
  if (k == Kind::kNone || (k == Kind::kWrite && !writes)) return false;
  if (NowMs() < end_ms_) return true;
  kind_.store(static_cast<int>(Kind::kNone), std::memory_order_relaxed);  // it ran out
  return false;
}

void ClientPause::Await(bool writes, absl::FunctionRef<bool()> gone) {
  while (Blocks(writes) && !gone()) {
    runtime::Chan<int> over;
    int64_t wait_ms;
    {
      absl::MutexLock lock(&mu_);
      over = over_;
      wait_ms = std::clamp<int64_t>(end_ms_ - NowMs(), 1, 100);
    }
    std::optional<int> ignored;
    (void)runtime::Select({runtime::RecvCase(over, &ignored)}, runtime::Timeout(absl::Milliseconds(wait_ms)));
  }
}

}  // namespace stockd::server
