// server/client_pause.h — CLIENT PAUSE / CLIENT UNPAUSE (Redis 7.0): while a
// pause lasts, the commands it holds wait before they run, each on its own
// parked fiber; nobody else notices.
//
// Contract:
//  * A pause holds every command (ALL) or only those that write or may
//    replicate (WRITE: kWrite or kMayReplicate rows, EXEC of such a queue).
//    Pausing again keeps the later end and the stronger kind (Redis's
//    pauseClients); UNPAUSE ends it at once and wakes every waiter.
//  * Blocks() is one relaxed load when no pause is on (every command asks).
//  * Await parks until the pause no longer holds the command, or `gone()`
//    says the client went away (checked every 100 ms).
//  * The active expiry cycle is skipped while a pause is on (as Redis, so
//    that a paused server's data does not change under it).
#pragma once

#include <atomic>
#include <cstdint>

#include "absl/functional/function_ref.h"
#include "absl/synchronization/mutex.h"
#include "runtime/chan.h"

namespace stockd::server {

class ClientPause {
 public:
  enum class Kind : int { kNone = 0, kWrite = 1, kAll = 2 };

  void Pause(int64_t end_ms, Kind kind);
  void Unpause();
  // Whether a command (`writes`: it writes or may replicate) must wait now.
  bool Blocks(bool writes) const {
    const Kind k = static_cast<Kind>(kind_.load(std::memory_order_relaxed));
    return k != Kind::kNone && (k == Kind::kAll || writes) && Holds(writes);
  }
  // On the caller's fiber: parks while Blocks(writes) or until gone().
  void Await(bool writes, absl::FunctionRef<bool()> gone);
  // A pause of any kind is on now (active expiry).
  bool paused() const { return Blocks(true); }

 private:
  bool Holds(bool writes) const;  // the slow path: checks the end time, ends an expired pause

  mutable absl::Mutex mu_;
  mutable std::atomic<int> kind_{0};  // a Kind; Holds ends a pause that ran out
  int64_t end_ms_ ABSL_GUARDED_BY(mu_) = 0;
  // Closed (and replaced) by Unpause: wakes every waiter at once.
  runtime::Chan<int> over_ ABSL_GUARDED_BY(mu_);
};

}  // namespace stockd::server
