// tests/engine/blocking_test_util.h — a fixture for blocking commands: an
// Engine whose clients are fibers of a real two-processor runtime.
#pragma once

#include <gtest/gtest.h>

#include <cstddef>

#include "absl/functional/any_invocable.h"
#include "absl/time/clock.h"
#include "engine/blocking.h"
#include "engine/engine.h"
#include "runtime/scheduler.h"
#include "runtime/time.h"

namespace stockd::engine::testing {

class RuntimeEngineTest : public ::testing::Test {
 protected:
  // Runs body as the main fiber of a 2-proc runtime.
  void InRuntime(absl::AnyInvocable<void()> body) {
    runtime::Options o;
    o.procs = 2;
    runtime::Runtime rt(o);
    ASSERT_TRUE(rt.Run(std::move(body)).ok());
  }

  // Parks until `n` clients are blocked (bounded).
  void AwaitBlocked(size_t n) {
    for (int i = 0; i < 2000 && engine_.blocking().blocked_clients() != n; ++i) {
      runtime::Sleep(absl::Milliseconds(1));
    }
    ASSERT_EQ(engine_.blocking().blocked_clients(), n);
  }

  Engine engine_;
};

}  // namespace stockd::engine::testing
