// The real redis-server is the oracle: raw request bytes are sent to it over a
// socket, and what it answers (up to closing the connection) must equal what
// stockd's parser + reply writer produce for the same bytes. Commands used are
// those whose reply needs no engine: PING, ECHO and QUIT.
// Skipped (GTEST_SKIP) when redis-server is not installed.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "protocol/parser.h"
#include "protocol/reply_writer.h"

namespace stockd::protocol {
namespace {

const char* const kRedisServer = "/usr/bin/redis-server";

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(fd);
    return -1;
  }
  close(fd);
  return ntohs(addr.sin_port);
}

int Connect(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return -1;
  }
  timeval tv{3, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  return fd;
}

// Sends `bytes` and returns everything received until the server closes the
// connection (or 3 s pass without data).
std::string Exchange(int port, const std::string& bytes) {
  int fd = Connect(port);
  if (fd < 0) return "(connect failed)";
  size_t off = 0;
  while (off < bytes.size()) {
    ssize_t n = send(fd, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may close early after a protocol error
    off += static_cast<size_t>(n);
  }
  std::string got;
  char buf[4096];
  for (;;) {
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    got.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return got;
}

// What stockd answers: replies for PING/ECHO/QUIT/AUTH, then the protocol
// error (if any) as "-ERR <text>", as the server layer does.
std::string Ours(const std::string& bytes, bool authenticated = true) {
  Parser parser;
  parser.SetAuthenticated(authenticated);
  InputBuffer in;
  in.Append(bytes);
  OutputBuffer out;
  ReplyWriter w(&out);
  std::vector<std::string_view> argv;
  for (;;) {
    Parser::Result r = parser.Next(in, &argv);
    if (r == Parser::Result::kNeedMore) break;
    if (r == Parser::Result::kError) {
      w.Error("ERR " + std::string(parser.error()));
      break;
    }
    std::string cmd(argv[0]);
    for (char& c : cmd) c = static_cast<char>(toupper(static_cast<unsigned char>(c)));
    if (cmd == "PING") {
      w.SimpleString("PONG");
    } else if (cmd == "ECHO" && argv.size() == 2) {
      w.Bulk(argv[1]);
    } else if (cmd == "QUIT") {
      w.Ok();
      break;
    } else {
      w.Error("ERR test does not know " + cmd);
    }
  }
  return out.ToString();
}

class RedisOracleTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (access(kRedisServer, X_OK) != 0) return;
    port_ = FreePort();
    std::string port = std::to_string(port_);
    pid_ = fork();
    if (pid_ == 0) {
      freopen("/dev/null", "w", stdout);
      execl(kRedisServer, kRedisServer, "--port", port.c_str(), "--bind", "127.0.0.1", "--save", "",
            "--appendonly", "no", "--daemonize", "no", "--dir", "/tmp", static_cast<char*>(nullptr));
      _exit(127);
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      int fd = Connect(port_);
      if (fd >= 0) {
        close(fd);
        ready_ = true;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  static void TearDownTestSuite() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
  }
  void SetUp() override {
    if (access(kRedisServer, X_OK) != 0) GTEST_SKIP() << "redis-server is not installed";
    ASSERT_TRUE(ready_) << "redis-server did not start on port " << port_;
  }

  void ExpectSame(const std::string& bytes) {
    std::string redis = Exchange(port_, bytes);
    EXPECT_EQ(Ours(bytes), redis) << "request: " << ::testing::PrintToString(bytes.substr(0, 80));
  }

  static inline int port_ = -1;
  static inline pid_t pid_ = -1;
  static inline bool ready_ = false;
};

TEST_F(RedisOracleTest, MultibulkErrors) {
  ExpectSame("*1\r\nfoo\r\n");
  ExpectSame("*1\r\n:1\r\n");
  ExpectSame("PING\r\n*1\r\n\r\n");
  ExpectSame("*abc\r\n");
  ExpectSame("*01\r\n");
  ExpectSame("*2147483648\r\n");
  ExpectSame("*1\r\n$-1\r\n");
  ExpectSame("*1\r\n$01\r\n");
  ExpectSame("*1\r\n$536870913\r\n");
  ExpectSame("*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\n*1\r\n$x\r\n");
}

TEST_F(RedisOracleTest, TooBigLines) {
  ExpectSame(std::string(65600, 'a'));
  ExpectSame("*" + std::string(65600, '1'));
  ExpectSame("*1\r\n$" + std::string(65600, '1'));
}

TEST_F(RedisOracleTest, InlineQuoting) {
  ExpectSame("ECHO \"\\x41\\x4a\\n\\r\\t\\b\\a\\q\\\\\"\r\nQUIT\r\n");
  ExpectSame("ECHO 'it\\'s'\r\nECHO 'a\\nb'\r\nQUIT\r\n");
  ExpectSame("ECHO a\"b c\"\r\nECHO \"\"\r\nQUIT\r\n");
  ExpectSame("  ECHO\t  x  \nECHO \"\\x4g\"\nQUIT\n");
  ExpectSame("ECHO \"abc\r\n");
  ExpectSame("ECHO 'a'b\r\n");
  ExpectSame("ECHO \"a\"\"b\"\r\n");
}

TEST_F(RedisOracleTest, EmptyCommandsAreSkipped) {
  ExpectSame("*0\r\n*-1\r\n\r\n   \r\nPING\r\n*1\r\n$4\r\nQUIT\r\n");
}

TEST_F(RedisOracleTest, PipelineOfMixedForms) {
  std::string bytes;
  for (int i = 0; i < 200; ++i) {
    bytes += (i % 2) ? "*2\r\n$4\r\nECHO\r\n$" + std::to_string(std::to_string(i).size()) + "\r\n" +
                           std::to_string(i) + "\r\n"
                     : "ECHO " + std::to_string(i) + "\r\n";
  }
  bytes += "QUIT\r\n";
  ExpectSame(bytes);
}

TEST_F(RedisOracleTest, UnauthenticatedLimits) {
  // Turn on requirepass, run the cases, and turn it off again.
  ASSERT_EQ(Exchange(port_, "CONFIG SET requirepass oraclepw\r\nQUIT\r\n"), "+OK\r\n+OK\r\n");
  for (const std::string& bytes : {std::string("*11\r\n"), std::string("*1\r\n$16385\r\n")}) {
    std::string redis = Exchange(port_, bytes);
    EXPECT_EQ(Ours(bytes, /*authenticated=*/false), redis) << bytes;
  }
  EXPECT_EQ(Exchange(port_, "AUTH oraclepw\r\nCONFIG SET requirepass \"\"\r\nQUIT\r\n"), "+OK\r\n+OK\r\n+OK\r\n");
}

}  // namespace
}  // namespace stockd::protocol
