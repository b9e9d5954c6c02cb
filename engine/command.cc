// engine/command.cc — the command table (see command.h).
#include "engine/command.h"

#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include "engine/value.h"

namespace stockd::engine {
namespace {

// Lowercases name into buf; false when it does not fit (no such command).
bool LowerInto(std::string_view name, char* buf, size_t cap, std::string_view* out) {
  if (name.size() > cap) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    buf[i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c;
  }
  *out = std::string_view(buf, name.size());
  return true;
}

std::atomic<uint64_t> next_generation{1};

// A thread's recent successful lookups (pipelined clients repeat the same
// command, so most lookups are one short memcmp), by the name exactly as the
// client spelled it, by the name exactly as the client spelled it:
// a script's redis.call names (GET, DECR, RPUSH...) alternate with the
// EVALSHA that runs it, so one entry always missed; sixteen slots, chosen by
// a hash of the first eight letters (either case) and the length, hold a
// script's names and the commands around it.
struct LastLookup {
  uint64_t generation = 0;
  size_t len = 0;
  char name[16];
  const Command* command = nullptr;
};
constexpr int kLookupSlotBits = 4;
thread_local LastLookup last_lookups[1 << kLookupSlotBits];

LastLookup& LookupSlot(std::string_view name) {
  uint64_t w = name.size();
  for (size_t i = 0; i < name.size() && i < 8; ++i) {
    w ^= static_cast<uint64_t>(static_cast<unsigned char>(name[i]) | 0x20) << (8 * i);
  }
  return last_lookups[(w * 0x9E3779B97F4A7C15ULL) >> (64 - kLookupSlotBits)];
}

}  // namespace

CommandTable::CommandTable() : generation_(next_generation.fetch_add(1)) {}

std::vector<std::string_view> FlagNames(uint32_t flags, bool movable_keys) {
  // Redis 7.0's addReplyCommandFlags order; may_replicate is hidden there.
  static constexpr struct {
    uint32_t flag;
    std::string_view name;
  } kNames[] = {
      {kWrite, "write"},         {kReadOnly, "readonly"},     {kDenyOom, "denyoom"},
      {kAdmin, "admin"},         {kPubSub, "pubsub"},         {kNoScript, "noscript"},
      {kBlocking, "blocking"},   {kLoading, "loading"},       {kStale, "stale"},
      {kSkipMonitor, "skip_monitor"}, {kSkipSlowlog, "skip_slowlog"}, {kAsking, "asking"}, {kFast, "fast"},
      {kNoAuth, "no_auth"},      {kNoMandatoryKeys, "no_mandatory_keys"},
      {kNoAsyncLoading, "no_async_loading"}, {kNoMulti, "no_multi"},
  };
  std::vector<std::string_view> out;
  for (const auto& n : kNames) {
    if (flags & n.flag) out.push_back(n.name);
  }
  if (movable_keys) out.push_back("movablekeys");
  if (flags & kAllowBusy) out.push_back("allow_busy");
  return out;
}

size_t CommandStats::CellIndex() {
  static std::atomic<size_t> next{0};
  thread_local const size_t index = next.fetch_add(1, std::memory_order_relaxed) % kCells;
  return index;
}

uint64_t CommandStats::Get(Field f) const {
  uint64_t sum = 0;
  for (const Cell& c : cells_) sum += c.v[f].load(std::memory_order_relaxed);
  return sum;
}

void CommandStats::Reset() {
  for (Cell& c : cells_)
    for (auto& v : c.v) v.store(0, std::memory_order_relaxed);
}

Command::Command(const CommandSpec& spec, Command* parent) : parent_(parent) {
  SetSpec(spec);
  full_name_ = parent ? std::string(parent->name()) + "|" + std::string(spec.name)
                      : std::string(spec.name);
}

void Command::SetSpec(const CommandSpec& spec) {
  spec_ = spec;
  const bool movable = spec.numkeys_at > 0 || spec.streams_keyword_from > 0 || spec.key_scan != nullptr;
  if ((spec.flags & kNoKeyLock) || ((spec.first_key <= 0 || (spec.flags & kNotKey)) && !movable)) {
    dispatch_keys_ = DispatchKeys::kNone;
  } else {
    dispatch_keys_ = movable ? DispatchKeys::kNumKeys : DispatchKeys::kTriple;
  }
}

int Command::StreamsKeys(int from, int argc, absl::FunctionRef<std::string_view(int)> arg, int* first) {
  for (int i = from; i < argc; ++i) {
    const std::string_view a = arg(i);
    if (a.size() != 7) continue;
    bool match = true;
    for (size_t j = 0; j < 7 && match; ++j) match = std::tolower(static_cast<unsigned char>(a[j])) == "streams"[j];
    if (!match) continue;
    *first = i + 1;
    return (argc - i - 1) / 2;
  }
  return 0;
}

int Command::NumKeys(std::string_view s, int argc, CountParse parse) const {
  const int at = spec_.numkeys_at;
  if (at <= 0 || at >= argc) return 0;
  const int room = argc - at - 1;
  if (parse == CountParse::kStrict) {
    int64_t v;
    return ParseStrictInt64(s, &v) && v >= 1 && v <= room ? static_cast<int>(v) : 0;
  }
  // As Redis's genericGetKeys reads numkeys: atoi, i.e. (int)strtol(s, NULL,
  // 10): leading space, a sign, the digits up to the first other byte,
  // saturated to the long range, then truncated to int. (COMMAND GETKEYS
  // only: off the hot path, so the NUL-terminated copy is fine.)
  const std::string text(s);
  const int n = static_cast<int>(std::strtol(text.c_str(), nullptr, 10));  // modular, as the C cast
  return n >= 1 && n <= room ? n : 0;
}

const Command* Command::FindSubcommand(std::string_view name) const {
  char buf[CommandTable::kMaxNameLength];
  std::string_view lower;
  if (!LowerInto(name, buf, sizeof(buf), &lower)) return nullptr;
  auto it = subcommands_.find(lower);
  return it == subcommands_.end() ? nullptr : it->second.get();
}

Command* CommandTable::Register(const CommandSpec& spec) {
  generation_ = next_generation.fetch_add(1);
  auto it = by_name_.find(spec.name);
  if (it != by_name_.end()) {
    it->second->SetSpec(spec);
    return it->second.get();
  }
  auto cmd = std::make_unique<Command>(spec, nullptr);
  Command* raw = cmd.get();
  by_name_.emplace(std::string(spec.name), std::move(cmd));
  ordered_.push_back(raw);
  return raw;
}

Command* CommandTable::RegisterSubcommand(Command* parent, const CommandSpec& spec) {
  generation_ = next_generation.fetch_add(1);
  auto it = parent->subcommands_.find(spec.name);
  if (it != parent->subcommands_.end()) {
    it->second->SetSpec(spec);
    return it->second.get();
  }
  auto cmd = std::make_unique<Command>(spec, parent);
  Command* raw = cmd.get();
  parent->subcommands_.emplace(std::string(spec.name), std::move(cmd));
  parent->ordered_subcommands_.push_back(raw);
  return raw;
}

const Command* CommandTable::Find(std::string_view name) const {
  LastLookup& last = LookupSlot(name);
  if (last.generation == generation_ && last.len == name.size() &&
      std::memcmp(last.name, name.data(), name.size()) == 0) {
    return last.command;
  }
  char buf[kMaxNameLength];
  std::string_view lower;
  if (!LowerInto(name, buf, sizeof(buf), &lower)) return nullptr;
  auto it = by_name_.find(lower);
  if (it == by_name_.end()) return nullptr;
  if (name.size() <= sizeof(last.name)) {
    last.generation = generation_;
    last.len = name.size();
    std::memcpy(last.name, name.data(), name.size());
    last.command = it->second.get();
  }
  return it->second.get();
}

Command* CommandTable::FindMutable(std::string_view name) {
  return const_cast<Command*>(Find(name));
}

void CommandTable::ResetStats() {
  for (const Command* c : ordered_) {
    c->stats().Reset();
    c->latency().Reset();
    for (const Command* s : c->subcommands()) {
      s->stats().Reset();
      s->latency().Reset();
    }
  }
}

}  // namespace stockd::engine
