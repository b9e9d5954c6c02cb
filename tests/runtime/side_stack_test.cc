// runtime::SideStack: fn runs on the side stack (deeper than a fiber's whole
// stack), on and off a fiber, returns to the caller's stack, and an exception
// escaping fn reaches the caller.
#include "runtime/side_stack.h"

#include <stdexcept>

#include "gtest/gtest.h"
#include "runtime/fiber.h"
#include "runtime/scheduler.h"

namespace stockd::runtime {
namespace {

// Recursion that touches about `bytes` of stack (the volatile buffer defeats
// tail calls and keeps the frames).
int Deep(int bytes) {
  volatile char frame[1024];
  frame[0] = static_cast<char>(bytes);
  if (bytes <= 1024) return frame[0];
  return Deep(bytes - 1024) + (frame[0] != 0 ? 0 : 1);
}

TEST(SideStackTest, RunsOnItsOwnStackAndComesBack) {
  SideStack side(1 << 20);
  char caller_marker;
  const char* inside = nullptr;
  side.Run([&] {
    char marker;
    inside = &marker;
  });
  ASSERT_NE(inside, nullptr);
  const auto distance = inside > &caller_marker ? inside - &caller_marker : &caller_marker - inside;
  EXPECT_GT(distance, 64 * 1024);  // another mapping, not this frame's neighbourhood
  int n = 0;
  for (int i = 0; i < 1000; ++i) side.Run([&] { ++n; });  // reusable
  EXPECT_EQ(n, 1000);
}

TEST(SideStackTest, ExceptionsReachTheCaller) {
  SideStack side(1 << 20);
  EXPECT_THROW(side.Run([] { throw std::runtime_error("from the side stack"); }), std::runtime_error);
  int ran = 0;
  side.Run([&] { ran = 1; });
  EXPECT_EQ(ran, 1);
}

TEST(SideStackTest, AFiberRecursesFarDeeperThanItsOwnStack) {
  Options opt;
  opt.procs = 1;
  opt.stack_size = 64 * 1024;
  Runtime rt(opt);
  SideStack side(8 << 20);
  int result = -1;
  Fiber f = Go([&] { side.Run([&] { result = Deep(2 << 20); }); });  // 2 MiB deep on a 64 KiB fiber
  ASSERT_TRUE(f.Join().ok());
  EXPECT_GE(result, 0);
}

}  // namespace
}  // namespace stockd::runtime
