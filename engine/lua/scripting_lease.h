// engine/lua/scripting_lease.h — internal to engine/lua: how a script run
// borrows a LuaState. The caller's P has its own state (never contended on
// the runtime, since a script keeps its P until it returns); callers off the
// runtime, or a re-entrant borrow, take one from a mutex-guarded pool.
#pragma once

#include <algorithm>
#include <memory>
#include <mutex>

#include "engine/lua/scripting.h"
#include "runtime/detail/park.h"

namespace stockd::engine::lua {

struct Scripting::Slot {
  std::atomic<bool> in_use{false};
  std::once_flag once;
  std::unique_ptr<LuaState> state;
  // The run using this slot's state (KILL, FUNCTION STATS). The mutex is taken
  // twice per run by the slot's owner and by KILL/STATS only: uncontended.
  std::mutex run_mu;
  ScriptRun* run = nullptr;
};

// Borrows a state: the caller's P's own (never contended on the runtime: a
// script keeps its P), else one from the pool.
class Scripting::Lease {
 public:
  explicit Lease(Scripting& s) : s_(s) {
    const int p = runtime::detail::CurrentProcIndex();
    if (p >= 0 && p < kMaxProcs) {
      Slot& slot = s.slots_[p];
      if (!slot.in_use.exchange(true, std::memory_order_acquire)) {
        std::call_once(slot.once, [&] { slot.state = std::make_unique<LuaState>(); });
        slot_ = &slot;
        state_ = slot.state.get();
        return;
      }
    }
    {
      std::lock_guard<std::mutex> lock(s.pool_mu_);
      if (!s.pool_.empty()) {
        pooled_ = std::move(s.pool_.back());
        s.pool_.pop_back();
      }
    }
    if (pooled_ == nullptr) pooled_ = std::make_unique<LuaState>();
    state_ = pooled_.get();
  }
  ~Lease() {
    if (slot_ != nullptr) {
      slot_->in_use.store(false, std::memory_order_release);
    } else {
      std::lock_guard<std::mutex> lock(s_.pool_mu_);
      s_.pool_.push_back(std::move(pooled_));
    }
  }
  LuaState& state() { return *state_; }

  // Makes `run` visible to KILL / FUNCTION STATS while it runs.
  void Register(ScriptRun* run) {
    if (slot_ != nullptr) {
      std::lock_guard<std::mutex> lock(slot_->run_mu);
      slot_->run = run;
    } else {
      std::lock_guard<std::mutex> lock(s_.runs_mu_);
      s_.runs_.push_back(run);
    }
  }
  void Unregister(ScriptRun* run) {
    if (slot_ != nullptr) {
      std::lock_guard<std::mutex> lock(slot_->run_mu);
      slot_->run = nullptr;
    } else {
      std::lock_guard<std::mutex> lock(s_.runs_mu_);
      s_.runs_.erase(std::find(s_.runs_.begin(), s_.runs_.end(), run));
    }
  }

 private:
  Scripting& s_;
  Slot* slot_ = nullptr;
  std::unique_ptr<LuaState> pooled_;
  LuaState* state_ = nullptr;
};

}  // namespace stockd::engine::lua
