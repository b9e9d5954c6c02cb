// tests/runtime/sync_test_util.h — helpers for the runtime-sync tests.
#pragma once

#include <utility>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "runtime/scheduler.h"
#include "runtime/select.h"

namespace stockd::runtime::testing {

// Runs `main` as the main fiber of a fresh runtime with `procs` Ps and
// expects it to finish without an escaped exception.
inline void RunFibers(int procs, absl::AnyInvocable<void()> main) {
  Options options;
  options.procs = procs;
  Runtime rt(options);
  absl::Status st = rt.Run(std::move(main));
  EXPECT_TRUE(st.ok()) << st;
}

// Parks the calling fiber for `d` using only runtime-sync primitives (a
// Select with no cases and a timeout).
inline void SleepFor(absl::Duration d) {
  int r = Select({}, Timeout(d));
  EXPECT_EQ(r, kSelectTimeout);
}

}  // namespace stockd::runtime::testing
