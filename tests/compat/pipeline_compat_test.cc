// Pipelines: many commands in one write, so the server reads and parses them
// together. stockd parses the commands after a one-key command before it runs
// (server/connection.cc, LookAhead); the replies must be redis-server's anyway,
// around SELECT, MULTI/EXEC, AUTH, type errors and commands of several keys.
#include <algorithm>
#include <random>

#include "tests/compat/compat_util.h"

namespace stockd::testing {
namespace {

std::string Describe(const std::vector<std::string>& argv) {
  std::string s;
  for (const auto& a : argv) s += a + " ";
  return s;
}

// Sends `script` to both servers in pipelines of random lengths and compares
// every reply.
void SamePipelined(Client& stockd, Client& redis, const std::vector<std::vector<std::string>>& script,
                   std::mt19937& rng) {
  size_t i = 0;
  while (i < script.size()) {
    const size_t end = std::min(script.size(), i + 1 + rng() % 300);
    for (size_t j = i; j < end; ++j) {
      stockd.Append(script[j]);
      redis.Append(script[j]);
    }
    for (size_t j = i; j < end; ++j) {
      const std::string a = Render(stockd.Read().get());
      const std::string b = Render(redis.Read().get());
      ASSERT_EQ(a, b) << "command " << j << ": " << Describe(script[j]);
    }
    i = end;
  }
}

TEST_F(CompatTest, PipelinedMixedCommands) {
  std::mt19937 rng(20261127);
  auto key = [&] { return "k" + std::to_string(rng() % 10); };
  auto num = [&] { return std::to_string(rng() % 50); };
  std::vector<std::vector<std::string>> script;
  for (int i = 0; i < 6000; ++i) {
    switch (rng() % 22) {
      case 0: script.push_back({"SET", key(), num()}); break;
      case 1: script.push_back({"GET", key()}); break;
      case 2: script.push_back({"INCR", key()}); break;
      case 3: script.push_back({"APPEND", key(), "x"}); break;
      case 4: script.push_back({"DEL", key()}); break;
      case 5: script.push_back({"LPUSH", key(), num()}); break;
      case 6: script.push_back({"RPOP", key()}); break;
      case 7: script.push_back({"HSET", key(), "f" + num(), num()}); break;
      case 8: script.push_back({"HGET", key(), "f" + num()}); break;
      case 9: script.push_back({"SADD", key(), num()}); break;
      case 10: script.push_back({"SCARD", key()}); break;
      case 11: script.push_back({"ZADD", key(), num(), "m" + num()}); break;
      case 12: script.push_back({"ZSCORE", key(), "m" + num()}); break;
      case 13: script.push_back({"EXISTS", key(), key()}); break;
      case 14: script.push_back({"MSET", key(), num(), key(), num()}); break;
      case 15: script.push_back({"MGET", key(), key(), key()}); break;
      case 16: script.push_back({"SELECT", std::to_string(rng() % 3)}); break;
      case 17:
        script.push_back({"MULTI"});
        script.push_back({"INCR", key()});
        script.push_back({"GET", key()});
        script.push_back({"EXEC"});
        break;
      case 18: script.push_back({"TYPE", key()}); break;
      case 19: script.push_back({"STRLEN", key()}); break;
      case 20: script.push_back({"ECHO", num()}); break;
      case 21: script.push_back({"GET", key(), "extra"}); break;  // arity error
    }
  }
  // Runs of one hot key, as redis-benchmark's LPUSH and a flash sale's buys send.
  for (int i = 0; i < 500; ++i) script.push_back({i % 7 == 6 ? "LPOP" : "LPUSH", "hot", num()});
  SamePipelined(*s_, *r_, script, rng);
}

// An unauthenticated client pipelines AUTH and then a command longer than
// Redis allows before AUTH (10 arguments): it is parsed after AUTH ran, as
// redis-server does, so it is accepted.
TEST_F(CompatTest, PipelinedCommandsAfterAuth) {
  Same({"CONFIG", "SET", "requirepass", "pw"});
  std::unique_ptr<Client> s = stockd_.Connect(), r = redis_.Connect();
  std::vector<std::vector<std::string>> script = {
      {"GET", "a"}, {"SET", "a", "1"}, {"AUTH", "pw"}, {"MSET", "a", "1", "b", "2", "c", "3", "d", "4", "e", "5", "f", "6"},
      {"GET", "a"}, {"GET", "f"}};
  for (const auto& argv : script) {
    s->Append(argv);
    r->Append(argv);
  }
  for (const auto& argv : script) {
    const std::string a = Render(s->Read().get());
    EXPECT_EQ(a, Render(r->Read().get())) << Describe(argv);
  }
  EXPECT_EQ(s->Do({"GET", "f"}), "\"6\"");
}

}  // namespace
}  // namespace stockd::testing
