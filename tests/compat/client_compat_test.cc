// tests/compat/client_compat_test.cc — CLIENT subcommands that change what
// connections are sent or when, against redis-server 7.0: CLIENT REPLY
// ON/OFF/SKIP byte for byte (pipelines, transactions, RESET, errors,
// pub/sub), and CLIENT PAUSE / UNPAUSE: which commands a WRITE pause holds
// (the same ones on both servers), ALL, extension, UNPAUSE, errors.
#include <chrono>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "tests/compat/compat_util.h"
#include "tests/util/raw_resp.h"

namespace stockd::testing {
namespace {

using Script = std::vector<std::vector<std::string>>;

// Runs the script on one connection of the server at `port` (PUBLISH from a
// second one), then ECHO end with replies on; returns every byte it was sent.
std::string Transcript(int port, const Script& script) {
  RawResp c(port), publisher(port);
  for (const auto& argv : script) {
    if (argv[0] == "PUBLISH") {
      // After the commands sent before it ran (their replies may be dropped).
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      (void)publisher.Do(argv);
    } else {
      c.Send(argv);
    }
  }
  c.Send({"CLIENT", "REPLY", "ON"});
  c.Send({"ECHO", "end"});
  std::string all;
  for (int i = 0; i < 1000; ++i) {
    const std::string r = c.Read();
    all += r;
    if (r == "$3\r\nend\r\n" || r.rfind("(io)", 0) == 0) break;
  }
  return all;
}

class ClientCompat : public CompatTest {
 protected:
  void SameTranscript(const Script& script) {
    const std::string s = Transcript(stockd_.port(), script), r = Transcript(redis_.port(), script);
    EXPECT_EQ(s, r);
    EXPECT_NE(r.find("end"), std::string::npos);
  }
};

TEST_F(ClientCompat, ReplyOffSkipOn) {
  SameTranscript({{"CLIENT", "REPLY", "OFF"},
                  {"SET", "a", "1"},
                  {"GET", "a"},
                  {"NOSUCH"},                    // errors are dropped too
                  {"CLIENT", "REPLY", "SKIP"},   // nothing while OFF
                  {"CLIENT", "REPLY", "ON"},     // +OK
                  {"CLIENT", "REPLY", "SKIP"},
                  {"GET", "a"},                  // skipped
                  {"GET", "a"},
                  {"CLIENT", "REPLY", "SKIP"},
                  {"CLIENT", "REPLY", "SKIP"},   // the skipped command asks to skip the next one too
                  {"GET", "a"},
                  {"GET", "a"},
                  {"ECHO", "x"},
                  {"CLIENT", "REPLY", "BAD"},
                  {"CLIENT", "REPLY"},
                  {"CLIENT", "REPLY", "OFF"},
                  {"CLIENT", "REPLY", "BAD"},
                  {"RESET"},                     // replies on again, +RESET sent
                  {"PING"},
                  {"CLIENT", "REPLY", "SKIP"},
                  {"MULTI"},
                  {"SET", "b", "2"},
                  {"EXEC"},
                  {"CLIENT", "REPLY", "SKIP"},
                  {"CLIENT", "REPLY", "ON"},     // ON ends the skip: its +OK is sent
                  {"PING", "z"},
                  {"CLIENT", "REPLY", "OFF"},
                  {"EVAL", "return redis.call('incr', KEYS[1])", "1", "n"},
                  {"CLIENT", "REPLY", "ON"},
                  {"GET", "n"}});
}

TEST_F(ClientCompat, ReplyOffStillDeliversPublishedMessages) {
  SameTranscript({{"SUBSCRIBE", "ch"},
                  {"PING"},
                  {"PUBLISH", "ch", "m1"},
                  {"CLIENT", "REPLY", "OFF"},   // refused in the subscribed context: an error reply
                  {"UNSUBSCRIBE"},
                  {"CLIENT", "REPLY", "OFF"},
                  {"SUBSCRIBE", "ch"},           // its confirmation is a push: sent
                  {"PUBLISH", "ch", "m2"},       // a message: sent
                  {"PING"},
                  {"RESET"}});
}

// How long `argv` took on a fresh connection of the server at `port` while
// `pause` (CLIENT PAUSE's arguments) was on, then UNPAUSE.
int64_t MillisUnderPause(int port, const std::vector<std::string>& pause, const std::vector<std::string>& argv) {
  RawResp admin(port), c(port);
  std::vector<std::string> cmd = {"CLIENT", "PAUSE"};
  cmd.insert(cmd.end(), pause.begin(), pause.end());
  EXPECT_EQ(admin.Do(cmd), "+OK\r\n");
  const auto start = std::chrono::steady_clock::now();
  (void)c.Do(argv);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  (void)admin.Do({"CLIENT", "UNPAUSE"});
  return ms.count();
}

TEST_F(ClientCompat, PauseErrors) {
  SameAll({{"CLIENT", "PAUSE", "abc"},
           {"CLIENT", "PAUSE", "-1"},
           {"CLIENT", "PAUSE", "10", "foo"},
           {"CLIENT", "PAUSE", "abc", "foo"},   // the mode is checked first
           {"CLIENT", "PAUSE", "10", "write", "extra"},
           {"CLIENT", "PAUSE", "9223372036854775807"},
           {"CLIENT", "UNPAUSE", "x"},
           {"CLIENT", "PAUSE", "0"},
           {"CLIENT", "UNPAUSE"},
           {"SET", "k", "v"}});
}

// A WRITE pause holds what writes or may replicate (PUBLISH, PFCOUNT, EVAL)
// and nothing else (EVAL_RO, CONFIG SET, SCRIPT FLUSH, reads): the same set
// as redis-server, told apart by whether a 500 ms pause delayed the reply
// past 250 ms (wide margins: the suite also runs under sanitizers, in parallel).
TEST_F(ClientCompat, WritePauseHoldsTheSameCommands) {
  const std::vector<std::vector<std::string>> commands = {
      {"SET", "k", "v"},          {"GET", "k"},
      {"PUBLISH", "ch", "m"},     {"PFCOUNT", "h"},
      {"EVAL", "return 1", "0"},  {"EVAL_RO", "return 1", "0"},
      {"PING"},                   {"INCR", "n"},
      {"DEL", "nokey"},           {"CONFIG", "SET", "maxclients", "10000"},
      {"FLUSHALL"},               {"MULTI"},
      {"EXPIRE", "k", "10"},      {"SCRIPT", "FLUSH"},
      {"FUNCTION", "FLUSH"},      {"PFADD", "h", "a"},
      {"SWAPDB", "0", "1"},       {"CLIENT", "UNPAUSE"},
      {"SET", "k"},               // an arity error is answered at once
  };
  for (const auto& argv : commands) {
    const bool s = MillisUnderPause(stockd_.port(), {"500", "WRITE"}, argv) >= 250;
    const bool r = MillisUnderPause(redis_.port(), {"500", "WRITE"}, argv) >= 250;
    EXPECT_EQ(s, r) << argv[0] << " " << (argv.size() > 1 ? argv[1] : "") << ": held by redis-server: " << r;
  }
  // A transaction that writes waits at EXEC (its queueing SET waited before);
  // one that only reads does not.
  for (int port : {stockd_.port(), redis_.port()}) {
    RawResp admin(port), c(port);
    EXPECT_EQ(c.Do({"MULTI"}), "+OK\r\n");
    EXPECT_EQ(c.Do({"GET", "k"}), "+QUEUED\r\n");
    EXPECT_EQ(admin.Do({"CLIENT", "PAUSE", "1000", "WRITE"}), "+OK\r\n");
    auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(c.Do({"EXEC"}).substr(0, 2), "*1");
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(500)) << port;
    EXPECT_EQ(admin.Do({"CLIENT", "UNPAUSE"}), "+OK\r\n");
  }
}

TEST_F(ClientCompat, AllPauseHoldsEverythingUnpauseEndsAWritePause) {
  for (int port : {stockd_.port(), redis_.port()}) {
    EXPECT_GE(MillisUnderPause(port, {"600", "ALL"}, {"PING"}), 300) << port;
    EXPECT_GE(MillisUnderPause(port, {"600"}, {"GET", "k"}), 300) << port;  // ALL by default
    // Pausing again keeps the stronger kind and the later end.
    RawResp admin(port), c(port);
    EXPECT_EQ(admin.Do({"CLIENT", "PAUSE", "600", "WRITE"}), "+OK\r\n");
    EXPECT_EQ(admin.Do({"CLIENT", "PAUSE", "10", "ALL"}), "+OK\r\n");  // CLIENT PAUSE does not write: not held
    auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(c.Do({"PING"}), "+PONG\r\n");
    EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(300)) << port;
    // UNPAUSE (not held by a WRITE pause) releases a held writer at once.
    EXPECT_EQ(admin.Do({"CLIENT", "PAUSE", "5000", "WRITE"}), "+OK\r\n");
    start = std::chrono::steady_clock::now();
    auto writer = std::async(std::launch::async, [&] { return c.Do({"SET", "k", "v"}); });
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    EXPECT_EQ(admin.Do({"CLIENT", "UNPAUSE"}), "+OK\r\n");
    EXPECT_EQ(writer.get(), "+OK\r\n");
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(2000)) << port;
  }
}

}  // namespace
}  // namespace stockd::testing
