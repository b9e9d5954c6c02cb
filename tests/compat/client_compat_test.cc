// tests/compat/client_compat_test.cc — CLIENT subcommands that change what a
// connection is sent, against redis-server 7.0 byte for byte: CLIENT REPLY
// ON/OFF/SKIP with pipelines, transactions, RESET, errors and pub/sub.
#include <chrono>
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
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
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

}  // namespace
}  // namespace stockd::testing
