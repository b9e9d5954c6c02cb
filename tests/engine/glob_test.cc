// tests/engine/glob_test.cc — engine/glob.cc against Redis's stringmatchlen cases.
#include "engine/glob.h"

#include <gtest/gtest.h>

#include <string>

namespace stockd::engine {
namespace {

TEST(GlobTest, Basics) {
  EXPECT_FALSE(GlobMatch("*", ""));  // as Redis (KEYS * special-cases "all keys")
  EXPECT_FALSE(GlobMatch("**", ""));
  EXPECT_TRUE(GlobMatch("*", "anything"));
  EXPECT_TRUE(GlobMatch("", ""));
  EXPECT_FALSE(GlobMatch("", "a"));
  EXPECT_TRUE(GlobMatch("a?c", "abc"));
  EXPECT_FALSE(GlobMatch("a?c", "ac"));
  EXPECT_TRUE(GlobMatch("a*", "a"));
  EXPECT_TRUE(GlobMatch("a**b", "axxb"));
  EXPECT_TRUE(GlobMatch("*b*", "abc"));
  EXPECT_FALSE(GlobMatch("*b*", "acd"));
}

TEST(GlobTest, Classes) {
  EXPECT_TRUE(GlobMatch("[abc]", "b"));
  EXPECT_FALSE(GlobMatch("[abc]", "d"));
  EXPECT_TRUE(GlobMatch("[^abc]", "d"));
  EXPECT_FALSE(GlobMatch("[^abc]", "a"));
  EXPECT_TRUE(GlobMatch("[a-c]x", "bx"));
  EXPECT_TRUE(GlobMatch("[c-a]x", "bx"));  // reversed ranges work
  EXPECT_FALSE(GlobMatch("[a-c]x", "dx"));
  EXPECT_TRUE(GlobMatch("[\\]]", "]"));
  EXPECT_TRUE(GlobMatch("[\\-]", "-"));
  // An unterminated class matches what it lists so far, then the pattern ends.
  EXPECT_TRUE(GlobMatch("[ab", "a"));
  EXPECT_FALSE(GlobMatch("[", "a"));
}

TEST(GlobTest, Escapes) {
  EXPECT_TRUE(GlobMatch("a\\*b", "a*b"));
  EXPECT_FALSE(GlobMatch("a\\*b", "axb"));
  EXPECT_TRUE(GlobMatch("a\\?", "a?"));
  EXPECT_TRUE(GlobMatch("\\", "\\"));  // a trailing backslash is literal
}

TEST(GlobTest, NoCase) {
  EXPECT_TRUE(GlobMatch("HeLLo", "hello", true));
  EXPECT_FALSE(GlobMatch("HeLLo", "hello", false));
  EXPECT_TRUE(GlobMatch("[A-C]", "b", true));
}

TEST(GlobTest, BinarySafe) {
  std::string s("a\0b", 3);
  EXPECT_TRUE(GlobMatch(std::string("a\0b", 3), s));
  EXPECT_TRUE(GlobMatch("a?b", s));
  EXPECT_FALSE(GlobMatch("a", s));
}

TEST(GlobTest, PathologicalPatternIsFast) {
  // Exponential without Redis's skipLongerMatches cut.
  std::string pattern;
  for (int i = 0; i < 30; ++i) pattern += "a*";
  pattern += "b";
  std::string subject(100, 'a');
  EXPECT_FALSE(GlobMatch(pattern, subject));
}

}  // namespace
}  // namespace stockd::engine
