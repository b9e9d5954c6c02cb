// Fuzzes the config loader (config/config.cc) with untrusted directive text.
//
// Input: byte 0 picks the entry point, the rest is the text:
//   even: Config::LoadText(text) — a stockd.conf body;
//   odd:  Config::LoadCommandLine — the text split at '\0' into argv (the
//         first argument forced to start with "--", so no file is opened).
// Inputs naming the `include` directive are skipped: it reads arbitrary
// files (/dev/zero, /dev/stdin), which is the file system, not the parser.
// Checked properties, beyond "no crash, no leak, no UB" (ASan/UBSan):
//  * loading is deterministic: the same input on a fresh Config gives the same
//    status and the same CONFIG GET * output;
//  * a failed load says where: the message names the line (file loads);
//  * what CONFIG GET prints, CONFIG SET accepts: every runtime-settable value
//    of a loaded config, set on a fresh Config, succeeds and reads back equal
//    (CONFIG GET / CONFIG SET round trip, as redis-cli scripts rely on);
//  * SplitArgs never yields an argument for an all-blank line.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "config/config.h"

namespace {

using stockd::config::Config;

void Check(bool ok) {
  if (!ok) std::abort();
}

std::vector<std::pair<std::string, std::string>> All(const Config& c) {
  return c.Get([](std::string_view) { return true; });
}

absl::Status Load(Config& c, bool command_line, std::string_view text) {
  if (!command_line) return c.LoadText(text, "fuzz.conf");
  std::vector<std::string> args = {"stockd"};
  size_t start = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == '\0') {
      args.emplace_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  if (args[1].substr(0, 2) != "--") args[1] = "--" + args[1];
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  return c.LoadCommandLine(static_cast<int>(argv.size()), argv.data());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1 || size > 4096) return 0;
  const bool command_line = (data[0] & 1) != 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (absl::AsciiStrToLower(absl::string_view(text.data(), text.size())).find("include") != std::string::npos) return 0;

  Config a;
  const absl::Status sa = Load(a, command_line, text);
  Config b;
  const absl::Status sb = Load(b, command_line, text);
  Check(sa == sb);
  Check(All(a) == All(b));
  if (!sa.ok()) {
    Check(!sa.message().empty());
    Check(absl::StrContains(sa.message(), "at line "));
    return 0;
  }

  // CONFIG GET -> CONFIG SET round trip on a fresh config.
  Config fresh;
  for (const auto& kv : All(a)) {
    const std::string& name = kv.first;
    const std::string& value = kv.second;
    absl::Status s = fresh.SetAtRuntime(name, value);
    if (!s.ok()) {
      Check(absl::StrContains(s.message(), "can't set immutable config"));
      continue;
    }
    bool found = false;
    for (const auto& [n2, v2] : fresh.Get([&](std::string_view n) { return n == name; })) {
      if (n2 == name) {
        found = true;
        Check(v2 == value);
      }
    }
    Check(found);
  }

  // Blank lines never split into arguments.
  std::vector<std::string> out;
  if (stockd::config::SplitArgs("  \t ", &out)) Check(out.empty());
  return 0;
}
