#include "config/config.h"

#include <fstream>
#include <sstream>

#include <unistd.h>

#include "gtest/gtest.h"

namespace stockd::config {
namespace {

bool Exact(std::string_view pattern, std::string_view s) { return pattern == s; }

std::string GetOne(const Config& c, std::string_view name) {
  auto v = c.Get([&](std::string_view n) { return Exact(name, n); });
  return v.size() == 1 ? v[0].second : "<missing>";
}

TEST(ConfigTest, Defaults) {
  Config c;
  EXPECT_EQ(c.options().port, 6379);
  EXPECT_EQ(c.options().databases, 16);
  EXPECT_EQ(c.options().dir, "./data");
  EXPECT_EQ(c.options().order_fsync, "always");
  EXPECT_EQ(GetOne(c, "bind"), "127.0.0.1 -::1");
  EXPECT_EQ(GetOne(c, "appendonly"), "no");
  EXPECT_EQ(GetOne(c, "save"), "3600 1 300 100 60 10000");
}

TEST(ConfigTest, ShippedFileLoadsAndDocumentsEveryDirective) {
  std::string path = std::string(STOCKD_SOURCE_DIR) + "/config/stockd.conf";
  Config c;
  ASSERT_TRUE(c.LoadFile(path).ok());
  EXPECT_EQ(c.options().port, 6379);
  EXPECT_EQ(c.options().stack_size, 64 * 1024);
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  for (const auto& name : Config::DirectiveNames())
    EXPECT_NE(ss.str().find(name), std::string::npos) << name << " is not documented in stockd.conf";
}

TEST(ConfigTest, BadDirectiveNamesFileLineAndReason) {
  Config c;
  absl::Status s = c.LoadText("port 7000\n# comment\nfrobnicate 1\n", "my.conf");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("my.conf"), std::string::npos);
  EXPECT_NE(s.message().find("line 3"), std::string::npos);
  EXPECT_NE(s.message().find(">>> 'frobnicate 1'"), std::string::npos);
  EXPECT_NE(s.message().find("Bad directive"), std::string::npos);
}

TEST(ConfigTest, BadValues) {
  Config c;
  EXPECT_FALSE(c.LoadText("port seventy", "x").ok());
  EXPECT_FALSE(c.LoadText("port 70000", "x").ok());
  EXPECT_FALSE(c.LoadText("protected-mode maybe", "x").ok());
  EXPECT_FALSE(c.LoadText("order-fsync sometimes", "x").ok());
  EXPECT_FALSE(c.LoadText("shards 3", "x").ok());
  EXPECT_FALSE(c.LoadText("requirepass \"unterminated", "x").ok());
  EXPECT_FALSE(c.LoadText("maxmemory 12zz", "x").ok());
}

TEST(ConfigTest, CommandLineOverridesFile) {
  std::string path = ::testing::TempDir() + "/cmdline.conf";
  {
    std::ofstream out(path);
    out << "port 7000\ndatabases 4\n";
  }
  const char* argv[] = {"stockd", path.c_str(), "--port", "7001", "--bind", "127.0.0.1", "::1", "--requirepass", "a b"};
  Config c;
  ASSERT_TRUE(c.LoadCommandLine(9, argv).ok());
  EXPECT_EQ(c.options().port, 7001);
  EXPECT_EQ(c.options().databases, 4);
  EXPECT_EQ(c.options().bind, (std::vector<std::string>{"127.0.0.1", "::1"}));
  EXPECT_EQ(c.options().requirepass, "a b");
}

TEST(ConfigTest, MemoryUnits) {
  int64_t v;
  ASSERT_TRUE(ParseMemory("1k", &v));
  EXPECT_EQ(v, 1000);
  ASSERT_TRUE(ParseMemory("1KB", &v));
  EXPECT_EQ(v, 1024);
  ASSERT_TRUE(ParseMemory("512mb", &v));
  EXPECT_EQ(v, 512LL << 20);
  ASSERT_TRUE(ParseMemory("2g", &v));
  EXPECT_EQ(v, 2000000000LL);
  ASSERT_TRUE(ParseMemory("123", &v));
  EXPECT_EQ(v, 123);
  EXPECT_FALSE(ParseMemory("mb", &v));
  EXPECT_FALSE(ParseMemory("-1mb", &v));
}

TEST(ConfigTest, SplitArgsQuoting) {
  std::vector<std::string> a;
  ASSERT_TRUE(SplitArgs(R"(set "a\x41\n" 'b c' d)", &a));
  EXPECT_EQ(a, (std::vector<std::string>{"set", "aA\n", "b c", "d"}));
  EXPECT_FALSE(SplitArgs(R"(x "abc)", &a));
  EXPECT_FALSE(SplitArgs(R"(x 'abc)", &a));
  EXPECT_FALSE(SplitArgs(R"(x "abc"def)", &a));
  ASSERT_TRUE(SplitArgs(R"(x "")", &a));
  EXPECT_EQ(a, (std::vector<std::string>{"x", ""}));
}

TEST(ConfigTest, RuntimeSetUpdatesLiveAndRejectsImmutable) {
  Config c;
  std::vector<std::string> changed;
  c.OnChange([&](std::string_view n) { changed.emplace_back(n); });
  ASSERT_TRUE(c.SetAtRuntime("timeout", "30").ok());
  EXPECT_EQ(c.live().timeout.load(), 30);
  EXPECT_EQ(GetOne(c, "timeout"), "30");
  ASSERT_TRUE(c.SetAtRuntime("lua-time-limit", "100").ok());
  EXPECT_EQ(GetOne(c, "busy-reply-threshold"), "100");
  EXPECT_EQ(GetOne(c, "lua-time-limit"), "100");
  EXPECT_EQ(changed, (std::vector<std::string>{"timeout", "busy-reply-threshold"}));
  absl::Status s = c.SetAtRuntime("port", "1");
  EXPECT_EQ(s.message(), "ERR CONFIG SET failed (possibly related to argument 'port') - can't set immutable config");
  s = c.SetAtRuntime("nosuch", "1");
  EXPECT_EQ(s.message(), "ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'");
  s = c.SetAtRuntime("timeout", "abc");
  EXPECT_EQ(s.message(),
            "ERR CONFIG SET failed (possibly related to argument 'timeout') - argument couldn't be parsed into an integer");
}

TEST(ConfigTest, EncodingKnobsRoundTrip) {
  Config c;
  EXPECT_EQ(GetOne(c, "hash-max-listpack-entries"), "512");
  ASSERT_TRUE(c.SetAtRuntime("hash-max-listpack-entries", "256").ok());
  EXPECT_EQ(GetOne(c, "hash-max-listpack-entries"), "256");
  ASSERT_TRUE(c.LoadText("list-max-ziplist-size -3\n", "x").ok());
  EXPECT_EQ(GetOne(c, "list-max-ziplist-size"), "-3");
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string TempPath(std::string_view name) {
  return ::testing::TempDir() + "/" + std::string(name) + std::to_string(::getpid());
}

// Redis's rewriteConfig: comments and unknown lines kept, a directive's first
// line replaced in place and its other lines dropped, a directive set to its
// default left where the file has it, changed ones appended after the
// signature; loading the result gives the same values.
TEST(ConfigTest, RewriteKeepsTheFileAndAppendsWhatChanged) {
  const std::string path = TempPath("rewrite.conf");
  {
    std::ofstream out(path);
    out << "# shop config\nport 7000\n\ntimeout 0\nslowlog-max-len 10\nSLOWLOG-MAX-LEN 20\n"
           "lua-time-limit 100\ninclude-me-not-a-directive\n   # indented comment\n";
  }
  Config c;
  ASSERT_FALSE(c.LoadFile(path).ok());  // the unknown line fails loading...
  {
    std::ofstream out(path);
    out << "# shop config\nport 7000\n\ntimeout 0\nslowlog-max-len 10\nSLOWLOG-MAX-LEN 20\n"
           "lua-time-limit 100\n   # indented comment\n";
  }
  ASSERT_TRUE(c.LoadFile(path).ok()) << "...but not this one";
  ASSERT_TRUE(c.SetAtRuntime("maxclients", "200").ok());
  ASSERT_TRUE(c.SetAtRuntime("save", "").ok());
  ASSERT_TRUE(c.SetAtRuntime("requirepass", "a b\"c").ok());
  ASSERT_TRUE(c.SetAtRuntime("client-output-buffer-limit", "normal 10mb 5mb 30").ok());
  ASSERT_TRUE(c.SetAtRuntime("hash-max-listpack-entries", "64").ok());
  ASSERT_TRUE(c.Rewrite(path).ok());
  EXPECT_EQ(ReadFile(path),
            "# shop config\nport 7000\n\ntimeout 0\nslowlog-max-len 20\nbusy-reply-threshold 100\n"
            "# indented comment\n"
            "# Generated by CONFIG REWRITE\n"
            "maxclients 200\n"
            "requirepass \"a b\\\"c\"\n"
            "client-output-buffer-limit normal 10485760 5242880 30\n"
            "save \"\"\n"
            "hash-max-listpack-entries 64\n");
  Config again;
  ASSERT_TRUE(again.LoadFile(path).ok());
  auto all = [](const Config& x) { return x.Get([](std::string_view) { return true; }); };
  EXPECT_EQ(all(again), all(c));
  // A second rewrite of an unchanged config changes nothing.
  const std::string once = ReadFile(path);
  ASSERT_TRUE(again.Rewrite(path).ok());
  EXPECT_EQ(ReadFile(path), once);
  std::remove(path.c_str());
}

TEST(ConfigTest, RewriteOfDefaultsAddsNothingAndMissingDirsFail) {
  const std::string path = TempPath("defaults.conf");
  { std::ofstream(path) << "# nothing set\n"; }
  Config c;
  ASSERT_TRUE(c.LoadFile(path).ok());
  ASSERT_TRUE(c.Rewrite(path).ok());
  EXPECT_EQ(ReadFile(path), "# nothing set\n");
  std::remove(path.c_str());
  const absl::Status s = c.Rewrite("/nonexistent-dir/stockd.conf");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "No such file or directory");
}

}  // namespace
}  // namespace stockd::config
