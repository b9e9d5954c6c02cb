// Tests of the Redis-style log lines.
#include "runtime/log.h"

#include <unistd.h>

#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include "gtest/gtest.h"

namespace stockd::runtime {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

TEST(Log, RedisStyleLinesAndLevels) {
  const std::string path = testing::TempDir() + "/stockd_log_test.log";
  ::unlink(path.c_str());
  ASSERT_TRUE(SetLogFile(path).ok());
  SetLogLevel(LogLevel::kNotice);
  LogDebug("hidden %d", 1);
  LogVerbose("hidden %d", 2);
  LogInfo("Ready to accept connections on port %d", 6380);
  LogWarning("disk %s", "slow");
  SetLogLevel(LogLevel::kDebug);
  LogDebug("shown %d", 3);
  SetLogLevel(LogLevel::kWarning);
  LogInfo("hidden %d", 4);
  ASSERT_TRUE(SetLogFile("").ok());
  SetLogLevel(LogLevel::kNotice);

  const std::string out = ReadFile(path);
  const std::string pid = std::to_string(getpid());
  // pid:M DD Mon YYYY HH:MM:SS.mmm <mark> message
  const std::regex line("^" + pid + R"(:M \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d\.\d{3} ([.\-*#]) (.*)$)");
  std::istringstream in(out);
  std::string l;
  std::vector<std::string> got;
  while (std::getline(in, l)) {
    std::smatch m;
    ASSERT_TRUE(std::regex_match(l, m, line)) << l;
    got.push_back(m[1].str() + " " + m[2].str());
  }
  EXPECT_EQ(got, (std::vector<std::string>{"* Ready to accept connections on port 6380", "# disk slow",
                                           ". shown 3"}));
  ::unlink(path.c_str());
}

TEST(Log, ParseLevelNames) {
  LogLevel l;
  ASSERT_TRUE(ParseLogLevel("debug", &l));
  EXPECT_EQ(l, LogLevel::kDebug);
  ASSERT_TRUE(ParseLogLevel("verbose", &l));
  EXPECT_EQ(l, LogLevel::kVerbose);
  ASSERT_TRUE(ParseLogLevel("notice", &l));
  EXPECT_EQ(l, LogLevel::kNotice);
  ASSERT_TRUE(ParseLogLevel("warning", &l));
  EXPECT_EQ(l, LogLevel::kWarning);
  EXPECT_FALSE(ParseLogLevel("loud", &l));
}

TEST(Log, SetLogFileFailsOnBadPath) {
  EXPECT_FALSE(SetLogFile("/nonexistent-dir/x.log").ok());
}

}  // namespace
}  // namespace stockd::runtime
