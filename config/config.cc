// config/config.cc — the directive table and the redis.conf-syntax loader.
#include "config/config.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <limits>
#include <sstream>

#include <unistd.h>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "engine/keyspace_events.h"  // header-only: the flags string

namespace stockd::config {

using Args = std::vector<std::string>;

// Debian's abseil has its own string_view (ABSL_OPTION_USE_STD_STRING_VIEW 0).
inline absl::string_view A(std::string_view s) { return absl::string_view(s.data(), s.size()); }
inline std::string Lower(std::string_view s) { return absl::AsciiStrToLower(A(s)); }

// One row of the directive table. `set` parses and stores; `get` renders the
// value as CONFIG GET shows it.
struct Config::Directive {
  std::string name;
  std::vector<std::string> aliases;
  bool runtime_settable;
  std::function<absl::Status(Options&, const Args&)> set;
  std::function<std::string(const Options&)> get;
};

namespace {

absl::Status Bad(std::string_view why) { return absl::InvalidArgumentError(A(why)); }

bool ParseBool(std::string_view s, bool* out) {
  std::string v = Lower(s);
  if (v == "yes") return *out = true, true;
  if (v == "no") return *out = false, true;
  return false;
}

absl::Status OneArg(const Args& a) {
  return a.size() == 1 ? absl::OkStatus() : Bad("wrong number of arguments");
}

using D = Config::Directive;

// Redis 7's bounds where its config table has them (INT_MAX, UINT_MAX).
constexpr int64_t kIntMax = std::numeric_limits<int32_t>::max();
constexpr int64_t kUintMax = std::numeric_limits<uint32_t>::max();

template <class T>
using Field = T Options::*;

D Int(std::string name, Field<int64_t> f, int64_t lo, int64_t hi, bool rt,
      std::vector<std::string> aliases = {}) {
  return D{std::move(name), std::move(aliases), rt,
           [f, lo, hi](Options& o, const Args& a) -> absl::Status {
             if (auto s = OneArg(a); !s.ok()) return s;
             int64_t v;
             if (!absl::SimpleAtoi(a[0], &v)) return Bad("argument couldn't be parsed into an integer");
             if (v < lo || v > hi) return Bad(absl::StrCat("argument must be between ", lo, " and ", hi, " inclusive"));
             o.*f = v;
             return absl::OkStatus();
           },
           [f](const Options& o) { return absl::StrCat(o.*f); }};
}

D SmallInt(std::string name, Field<int> f, int lo, int hi, bool rt) {
  return D{std::move(name), {}, rt,
           [f, lo, hi](Options& o, const Args& a) -> absl::Status {
             if (auto s = OneArg(a); !s.ok()) return s;
             int64_t v;  // as Redis: a number out of range is a range error, not a parse error
             if (!absl::SimpleAtoi(a[0], &v)) return Bad("argument couldn't be parsed into an integer");
             if (v < lo || v > hi) return Bad(absl::StrCat("argument must be between ", lo, " and ", hi, " inclusive"));
             o.*f = static_cast<int>(v);
             return absl::OkStatus();
           },
           [f](const Options& o) { return absl::StrCat(o.*f); }};
}

D Memory(std::string name, Field<int64_t> f, int64_t lo, bool rt) {
  return D{std::move(name), {}, rt,
           [f, lo](Options& o, const Args& a) -> absl::Status {
             if (auto s = OneArg(a); !s.ok()) return s;
             int64_t v;
             // Redis's memtoull: a negative number is not a memory value.
             if (!ParseMemory(a[0], &v) || v < 0) return Bad("argument must be a memory value");
             if (v < lo)
               return Bad(absl::StrCat("argument must be between ", lo, " and ", std::numeric_limits<int64_t>::max(),
                                       " inclusive"));
             o.*f = v;
             return absl::OkStatus();
           },
           [f](const Options& o) { return absl::StrCat(o.*f); }};
}

D Bool(std::string name, Field<bool> f, bool rt) {
  return D{std::move(name), {}, rt,
           [f](Options& o, const Args& a) -> absl::Status {
             if (auto s = OneArg(a); !s.ok()) return s;
             if (!ParseBool(a[0], &(o.*f))) return Bad("argument must be 'yes' or 'no'");
             return absl::OkStatus();
           },
           [f](const Options& o) { return std::string(o.*f ? "yes" : "no"); }};
}

D Str(std::string name, Field<std::string> f, bool rt) {
  return D{std::move(name), {}, rt,
           [f](Options& o, const Args& a) -> absl::Status {
             if (a.size() > 1) return Bad("wrong number of arguments");
             o.*f = a.empty() ? "" : a[0];
             return absl::OkStatus();
           },
           [f](const Options& o) { return o.*f; }};
}

D Enum(std::string name, Field<std::string> f, std::vector<std::string> allowed, bool rt) {
  return D{std::move(name), {}, rt,
           [f, allowed](Options& o, const Args& a) -> absl::Status {
             if (auto s = OneArg(a); !s.ok()) return s;
             std::string v = Lower(a[0]);
             if (std::find(allowed.begin(), allowed.end(), v) == allowed.end())
               return Bad(absl::StrCat("argument(s) must be one of the following: ", absl::StrJoin(allowed, ", ")));
             o.*f = v;
             return absl::OkStatus();
           },
           [f](const Options& o) { return o.*f; }};
}

// Redis's encoding-tuning parameters: accepted and round-tripped so tools that
// save and restore them work; they have no effect on stockd's encodings. The
// defaults are redis-server 7.0's built-in ones (what CONFIG GET shows with no
// config file; hashes: 512 entries, as stockd's HashObject), not redis.conf's.
struct Passthrough {
  const char* name;
  const char* def;
};
constexpr Passthrough kPassthrough[] = {
    {"list-max-ziplist-size", "-2"},        {"list-max-listpack-size", "-2"},
    {"list-compress-depth", "0"},           {"hash-max-ziplist-entries", "512"},
    {"hash-max-ziplist-value", "64"},       {"hash-max-listpack-entries", "512"},
    {"hash-max-listpack-value", "64"},      {"zset-max-ziplist-entries", "128"},
    {"zset-max-ziplist-value", "64"},       {"zset-max-listpack-entries", "128"},
    {"zset-max-listpack-value", "64"},      {"set-max-intset-entries", "512"},
    {"stream-node-max-bytes", "4096"},      {"stream-node-max-entries", "100"},
    {"activerehashing", "yes"},             {"lazyfree-lazy-eviction", "no"},
    {"lazyfree-lazy-expire", "no"},         {"lazyfree-lazy-server-del", "no"},
    {"lazyfree-lazy-user-del", "no"},       {"lazyfree-lazy-user-flush", "no"},
    {"maxmemory-samples", "5"},
    {"active-expire-effort", "1"},
};

// client-output-buffer-limit: groups of <class> <hard> <soft> <soft-seconds>
// (one line may set several classes; a class not named keeps its value).
// Error texts and the CONFIG GET rendering ("slave" for replica) are Redis 7's.
D ClientOutputBufferLimit() {
  return D{"client-output-buffer-limit", {}, true,
           [](Options& o, const Args& raw) -> absl::Status {
             // One quoted argument ("normal 1mb 0 0", CONFIG SET, --flag) is split, as Redis does.
             Args a = raw;
             if (raw.size() == 1) {
               a.clear();
               for (auto p : absl::StrSplit(raw[0], ' ', absl::SkipEmpty())) a.emplace_back(p);
             }
             if (a.empty() || a.size() % 4 != 0) return Bad("Wrong number of arguments in buffer limit configuration.");
             Options::OutputBufferLimit parsed[3] = {o.obuf_normal, o.obuf_replica, o.obuf_pubsub};
             for (size_t i = 0; i < a.size(); i += 4) {
               std::string cls = Lower(a[i]);
               int k = cls == "normal" ? 0 : (cls == "replica" || cls == "slave") ? 1 : cls == "pubsub" ? 2 : -1;
               if (k < 0) return Bad("Invalid client class specified in buffer limit configuration.");
               Options::OutputBufferLimit l;
               if (!ParseMemory(a[i + 1], &l.hard) || !ParseMemory(a[i + 2], &l.soft) ||
                   !absl::SimpleAtoi(a[i + 3], &l.soft_seconds) || l.hard < 0 || l.soft < 0 || l.soft_seconds < 0)
                 return Bad("Error in hard, soft or soft_seconds setting in buffer limit configuration.");
               parsed[k] = l;
             }
             o.obuf_normal = parsed[0];
             o.obuf_replica = parsed[1];
             o.obuf_pubsub = parsed[2];
             return absl::OkStatus();
           },
           [](const Options& o) {
             auto one = [](const char* cls, const Options::OutputBufferLimit& l) {
               return absl::StrCat(cls, " ", l.hard, " ", l.soft, " ", l.soft_seconds);
             };
             return absl::StrCat(one("normal", o.obuf_normal), " ", one("slave", o.obuf_replica), " ",
                                 one("pubsub", o.obuf_pubsub));
           }};
}

// latency-tracking-info-percentiles: Redis's multi-argument option. One
// argument (CONFIG SET) is split at every single space (so "50  99" holds an
// empty, invalid, percentile); a lone "" is the empty list. Each is a strtod
// number (hex and exponents too, nan refused) in [0, 100]. Shown as "%f" with
// the trailing zeros trimmed, as Redis does.
D LatencyTrackingInfoPercentiles() {
  return D{"latency-tracking-info-percentiles", {}, true,
           [](Options& o, const Args& raw) -> absl::Status {
             Args a = raw;
             if (raw.size() == 1) {
               a.clear();
               if (!raw[0].empty())
                 for (auto p : absl::StrSplit(raw[0], ' ')) a.emplace_back(p);
             }
             std::vector<double> parsed;
             for (const std::string& x : a) {
               errno = 0;
               char* end = nullptr;
               const double v = x.empty() || std::isspace(static_cast<unsigned char>(x[0]))
                                    ? std::nan("")
                                    : std::strtod(x.c_str(), &end);
               if (std::isnan(v) || end != x.c_str() + x.size() || (errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL || v == 0)))
                 return Bad("Invalid latency-tracking-info-percentiles parameters");
               if (v > 100.0 || v < 0.0) return Bad("latency-tracking-info-percentiles parameters should sit between [0.0,100.0]");
               parsed.push_back(v);
             }
             o.latency_tracking_info_percentiles = std::move(parsed);
             return absl::OkStatus();
           },
           [](const Options& o) {
             std::vector<std::string> parts;
             for (double p : o.latency_tracking_info_percentiles) {
               char buf[400];  // "%f" of up to 100.0
               std::snprintf(buf, sizeof(buf), "%f", p);
               std::string s = buf;
               while (s.find('.') != std::string::npos && (s.back() == '0' || s.back() == '.')) {
                 const bool dot = s.back() == '.';
                 s.pop_back();
                 if (dot) break;
               }
               parts.push_back(std::move(s));
             }
             return absl::StrJoin(parts, " ");
           }};
}

std::vector<D> BuildTable() {
  std::vector<D> t;
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  t.push_back(SmallInt("port", &Options::port, 0, 65535, false));
  t.push_back(D{"bind", {}, false,
                [](Options& o, const Args& a) -> absl::Status {
                  if (a.empty()) return Bad("wrong number of arguments");
                  o.bind = a;
                  return absl::OkStatus();
                },
                [](const Options& o) { return absl::StrJoin(o.bind, " "); }});
  t.push_back(Bool("protected-mode", &Options::protected_mode, true));
  t.push_back(SmallInt("tcp-backlog", &Options::tcp_backlog, 0, 65535, false));
  t.push_back(Int("timeout", &Options::timeout, 0, kIntMax, true));
  t.push_back(Int("tcp-keepalive", &Options::tcp_keepalive, 0, kIntMax, true));
  t.push_back(Str("dir", &Options::dir, false));
  t.push_back(Enum("loglevel", &Options::loglevel, {"debug", "verbose", "notice", "warning", "nothing"}, true));
  t.push_back(Str("logfile", &Options::logfile, false));
  t.push_back(SmallInt("databases", &Options::databases, 1, 100000, false));
  t.push_back(SmallInt("procs", &Options::procs, 0, 1024, false));
  t.push_back(D{"shards", {}, false,
                [](Options& o, const Args& a) -> absl::Status {
                  if (auto s = OneArg(a); !s.ok()) return s;
                  int v;
                  if (!absl::SimpleAtoi(a[0], &v)) return Bad("argument couldn't be parsed into an integer");
                  if (v < 1 || v > 4096 || (v & (v - 1)) != 0) return Bad("argument must be a power of two between 1 and 4096");
                  o.shards = v;
                  return absl::OkStatus();
                },
                [](const Options& o) { return absl::StrCat(o.shards); }});
  t.push_back(Memory("stack-size", &Options::stack_size, 16 * 1024, false));
  // As Redis: any 0..INT_MAX is taken and capped to 1..500 (a hint, not a contract).
  t.push_back(D{"hz", {}, true,
                [](Options& o, const Args& a) -> absl::Status {
                  if (auto s = OneArg(a); !s.ok()) return s;
                  int64_t v;
                  if (!absl::SimpleAtoi(a[0], &v)) return Bad("argument couldn't be parsed into an integer");
                  if (v < 0 || v > kIntMax) return Bad(absl::StrCat("argument must be between 0 and ", kIntMax, " inclusive"));
                  o.hz = static_cast<int>(std::clamp<int64_t>(v, 1, 500));
                  return absl::OkStatus();
                },
                [](const Options& o) { return absl::StrCat(o.hz); }});
  t.push_back(Int("maxclients", &Options::maxclients, 1, kUintMax, true));
  t.push_back(Str("requirepass", &Options::requirepass, true));
  t.push_back(Str("aclfile", &Options::aclfile, false));
  t.push_back(Enum("enable-debug-command", &Options::enable_debug_command, {"yes", "no", "local"}, false));
  t.push_back(Memory("proto-max-bulk-len", &Options::proto_max_bulk_len, 1024 * 1024, true));
  t.push_back(Memory("client-query-buffer-limit", &Options::client_query_buffer_limit, 1024 * 1024, true));
  t.push_back(Memory("maxmemory", &Options::maxmemory, 0, true));
  t.push_back(Memory("hll-sparse-max-bytes", &Options::hll_sparse_max_bytes, 0, true));
  t.push_back(Enum("maxmemory-policy", &Options::maxmemory_policy, {"noeviction"}, true));
  t.push_back(ClientOutputBufferLimit());
  t.push_back(Int("slowlog-log-slower-than", &Options::slowlog_log_slower_than, -1, kMax, true));
  t.push_back(Int("slowlog-max-len", &Options::slowlog_max_len, 0, kMax, true));
  t.push_back(Int("tracking-table-max-keys", &Options::tracking_table_max_keys, 0, kMax, true));
  t.push_back(Int("latency-monitor-threshold", &Options::latency_monitor_threshold, 0, kMax, true));
  t.push_back(Bool("latency-tracking", &Options::latency_tracking, true));
  t.push_back(LatencyTrackingInfoPercentiles());
  t.push_back(Enum("order-fsync", &Options::order_fsync, {"always", "everysec", "no"}, true));
  t.push_back(D{"save", {}, true,
                [](Options& o, const Args& a) -> absl::Status {
                  // "save <seconds> <changes> [...]" or `save ""`; pairs of integers.
                  std::vector<std::string> parts;
                  for (const auto& x : a)
                    for (auto p : absl::StrSplit(x, ' ', absl::SkipEmpty())) parts.emplace_back(p);
                  if (parts.size() % 2 != 0) return Bad("Invalid save parameters");
                  for (const auto& p : parts) {
                    int64_t v;
                    if (!absl::SimpleAtoi(p, &v) || v < 0) return Bad("Invalid save parameters");
                  }
                  o.save = absl::StrJoin(parts, " ");
                  return absl::OkStatus();
                },
                [](const Options& o) { return o.save; }});
  t.push_back(Bool("appendonly", &Options::appendonly, true));
  t.push_back(Int("busy-reply-threshold", &Options::busy_reply_threshold, 0, kMax, true, {"lua-time-limit"}));
  t.push_back(Bool("lua-allow-undeclared-keys", &Options::lua_allow_undeclared_keys, true));
  t.push_back(D{"notify-keyspace-events", {}, true,
                [](Options& o, const Args& a) -> absl::Status {
                  if (a.size() > 1) return Bad("wrong number of arguments");
                  const int64_t flags = engine::ParseKeyspaceEventFlags(a.empty() ? "" : a[0]);
                  if (flags < 0) return Bad("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
                  o.notify_keyspace_events = flags;
                  return absl::OkStatus();
                },
                [](const Options& o) {
                  return engine::FormatKeyspaceEventFlags(static_cast<uint32_t>(o.notify_keyspace_events));
                }});
  return t;
}

const std::vector<D>& Table() {
  static const std::vector<D>* table = new std::vector<D>(BuildTable());
  return *table;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool SplitArgs(std::string_view line, std::vector<std::string>* out) {
  out->clear();
  size_t i = 0, n = line.size();
  while (true) {
    while (i < n && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
    if (i >= n) return true;
    std::string cur;
    bool inq = false, insq = false, done = false;
    while (!done) {
      if (inq) {
        if (i >= n) return false;  // unterminated quotes
        if (line[i] == '\\' && i + 3 < n && line[i + 1] == 'x' && HexDigit(line[i + 2]) >= 0 &&
            HexDigit(line[i + 3]) >= 0) {
          cur.push_back(static_cast<char>(HexDigit(line[i + 2]) * 16 + HexDigit(line[i + 3])));
          i += 3;
        } else if (line[i] == '\\' && i + 1 < n) {
          char c = line[++i];
          switch (c) {
            case 'n': cur.push_back('\n'); break;
            case 'r': cur.push_back('\r'); break;
            case 't': cur.push_back('\t'); break;
            case 'b': cur.push_back('\b'); break;
            case 'a': cur.push_back('\a'); break;
            default: cur.push_back(c); break;
          }
        } else if (line[i] == '"') {
          // closing quote must be followed by a space or nothing
          if (i + 1 < n && !std::isspace(static_cast<unsigned char>(line[i + 1]))) return false;
          done = true;
        } else {
          cur.push_back(line[i]);
        }
      } else if (insq) {
        if (i >= n) return false;
        if (line[i] == '\\' && i + 1 < n && line[i + 1] == '\'') {
          ++i;
          cur.push_back('\'');
        } else if (line[i] == '\'') {
          if (i + 1 < n && !std::isspace(static_cast<unsigned char>(line[i + 1]))) return false;
          done = true;
        } else {
          cur.push_back(line[i]);
        }
      } else {
        if (i >= n) {
          done = true;
          break;
        }
        char c = line[i];
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\0') {
          done = true;
        } else if (c == '"') {
          inq = true;
        } else if (c == '\'') {
          insq = true;
        } else {
          cur.push_back(c);
        }
      }
      if (i < n) ++i;
    }
    out->push_back(std::move(cur));
  }
}

bool ParseMemory(std::string_view s, int64_t* out) {
  std::string v = Lower(s);
  int64_t mul = 1;
  auto ends = [&](std::string_view suf) {
    return v.size() > suf.size() && v.compare(v.size() - suf.size(), suf.size(), suf) == 0;
  };
  size_t cut = 0;
  if (ends("gb")) mul = 1LL << 30, cut = 2;
  else if (ends("mb")) mul = 1LL << 20, cut = 2;
  else if (ends("kb")) mul = 1LL << 10, cut = 2;
  else if (ends("g")) mul = 1000LL * 1000 * 1000, cut = 1;
  else if (ends("m")) mul = 1000LL * 1000, cut = 1;
  else if (ends("k")) mul = 1000, cut = 1;
  else if (ends("b")) mul = 1, cut = 1;
  int64_t n;
  if (!absl::SimpleAtoi(A(std::string_view(v).substr(0, v.size() - cut)), &n)) return false;
  if (n < 0 && mul != 1) return false;
  if (mul != 1 && n > std::numeric_limits<int64_t>::max() / mul) return false;
  *out = n * mul;
  return true;
}

Config::Config() { SyncLive(); }

std::vector<double> Config::LatencyPercentiles() const {
  absl::MutexLock lock(&mu_);
  return options_.latency_tracking_info_percentiles;
}
Config::~Config() = default;

std::vector<std::string> Config::DirectiveNames() {
  std::vector<std::string> names;
  for (const auto& d : Table()) names.push_back(d.name);
  for (const auto& p : kPassthrough) names.push_back(p.name);
  return names;
}

const Config::Directive* Config::Find(std::string_view name) const {
  std::string n = Lower(name);
  for (const auto& d : Table()) {
    if (d.name == n) return &d;
    for (const auto& a : d.aliases)
      if (a == n) return &d;
  }
  return nullptr;
}

absl::Status Config::Apply(const Directive& d, const Args& args) {
  absl::Status s = d.set(options_, args);
  if (s.ok()) SyncLive();
  return s;
}

void Config::SyncLive() {
  live_.timeout = options_.timeout;
  live_.maxclients = options_.maxclients;
  live_.protected_mode = options_.protected_mode;
  live_.proto_max_bulk_len = options_.proto_max_bulk_len;
  live_.hll_sparse_max_bytes = options_.hll_sparse_max_bytes;
  live_.client_query_buffer_limit = options_.client_query_buffer_limit;
  live_.slowlog_log_slower_than = options_.slowlog_log_slower_than;
  live_.slowlog_max_len = options_.slowlog_max_len;
  live_.latency_monitor_threshold = options_.latency_monitor_threshold;
  live_.latency_tracking = options_.latency_tracking;
  live_.tracking_table_max_keys = options_.tracking_table_max_keys;
  live_.tcp_keepalive = options_.tcp_keepalive;
  live_.maxmemory = options_.maxmemory;
  live_.notify_keyspace_events = options_.notify_keyspace_events;
  live_.obuf_normal_hard = options_.obuf_normal.hard;
  live_.obuf_normal_soft = options_.obuf_normal.soft;
  live_.obuf_normal_soft_seconds = options_.obuf_normal.soft_seconds;
  live_.obuf_pubsub_hard = options_.obuf_pubsub.hard;
  live_.obuf_pubsub_soft = options_.obuf_pubsub.soft;
  live_.obuf_pubsub_soft_seconds = options_.obuf_pubsub.soft_seconds;
}

absl::Status Config::LoadText(std::string_view text, std::string_view origin) {
  absl::MutexLock lock(&mu_);
  int lineno = 0;
  for (absl::string_view raw : absl::StrSplit(A(text), '\n')) {
    ++lineno;
    absl::string_view aline = absl::StripAsciiWhitespace(raw);
    std::string_view line(aline.data(), aline.size());
    if (line.empty() || line[0] == '#') continue;
    auto fail = [&](std::string_view why) {
      return absl::InvalidArgumentError(absl::StrCat("*** FATAL CONFIG FILE ERROR ***\nReading the configuration file ",
                                                     A(origin), ", at line ", lineno, "\n>>> '", A(line), "'\n", A(why)));
    };
    Args args;
    if (!SplitArgs(line, &args)) return fail("Unbalanced quotes in configuration line");
    if (args.empty()) continue;
    std::string name = Lower(args[0]);
    args.erase(args.begin());
    if (name == "include") {
      if (args.size() != 1) return fail("Bad directive or wrong number of arguments");
      std::ifstream in(args[0]);
      if (!in) return fail(absl::StrCat("Can't open the include file: ", args[0]));
      std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      mu_.Unlock();
      absl::Status s = LoadText(body, args[0]);
      mu_.Lock();
      if (!s.ok()) return s;
      continue;
    }
    if (name == "user") {  // an ACL user, as Redis allows in the config file (checked at start)
      if (args.empty()) return fail("wrong number of arguments");
      options_.users.push_back(args);
      continue;
    }
    if (const Directive* d = Find(name)) {
      if (absl::Status s = Apply(*d, args); !s.ok()) return fail(std::string(s.message()));
      continue;
    }
    bool known_passthrough = false;
    for (const auto& p : kPassthrough) {
      if (name == p.name) {
        if (args.size() != 1) return fail("wrong number of arguments");
        auto it = std::find_if(passthrough_.begin(), passthrough_.end(),
                               [&](const auto& kv) { return kv.first == name; });
        if (it == passthrough_.end()) passthrough_.emplace_back(name, args[0]);
        else it->second = args[0];
        known_passthrough = true;
      }
    }
    if (!known_passthrough) return fail("Bad directive or wrong number of arguments");
  }
  return absl::OkStatus();
}

absl::Status Config::LoadFile(const std::string& path) {
  std::string body;
  if (path == "-") {
    body.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    std::ifstream in(path);
    if (!in) return absl::NotFoundError(absl::StrCat("Fatal error, can't open config file '", path, "': ", std::strerror(errno)));
    body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return LoadText(body, path == "-" ? "(stdin)" : path);
}

absl::Status Config::LoadCommandLine(int argc, const char* const* argv) {
  int i = 1;
  if (i < argc && (std::string_view(argv[i]).substr(0, 2) != "--")) {
    if (absl::Status s = LoadFile(argv[i]); !s.ok()) return s;
    ++i;
  }
  // The rest are `--directive value [value...]`, joined into config lines as
  // redis-server does, then parsed like a file.
  std::string text;
  for (; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a.substr(0, 2) == "--" && a.size() > 2) {
      if (!text.empty()) text.push_back('\n');
      text.append(a.substr(2));
    } else {
      // quote each value so spaces inside survive SplitArgs
      text.append(" \"");
      for (char c : a) {
        if (c == '"' || c == '\\') text.push_back('\\');
        if (c == '\n') { text.append("\\n"); continue; }
        text.push_back(c);
      }
      text.push_back('"');
    }
  }
  return LoadText(text, "(command line)");
}

std::vector<std::pair<std::string, std::string>> Config::Get(
    const std::function<bool(std::string_view)>& matches) const {
  absl::MutexLock lock(&mu_);
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& d : Table()) {
    if (matches(d.name)) {
      out.emplace_back(d.name, d.get(options_));
      continue;
    }
    for (const auto& a : d.aliases) {
      if (matches(a)) {
        out.emplace_back(a, d.get(options_));
        break;
      }
    }
  }
  for (const auto& p : kPassthrough) {
    if (!matches(p.name)) continue;
    auto it = std::find_if(passthrough_.begin(), passthrough_.end(),
                           [&](const auto& kv) { return kv.first == p.name; });
    out.emplace_back(p.name, it == passthrough_.end() ? p.def : it->second);
  }
  return out;
}

absl::Status Config::SetAtRuntime(std::string_view name, std::string_view value) {
  std::string canonical;
  {
    absl::MutexLock lock(&mu_);
    std::string n = Lower(name);
    const Directive* d = Find(n);
    if (d == nullptr) {
      for (const auto& p : kPassthrough) {
        if (n == p.name) {
          auto it = std::find_if(passthrough_.begin(), passthrough_.end(),
                                 [&](const auto& kv) { return kv.first == n; });
          if (it == passthrough_.end()) passthrough_.emplace_back(n, std::string(value));
          else it->second = std::string(value);
          return absl::OkStatus();
        }
      }
      return absl::InvalidArgumentError(
          absl::StrCat("ERR Unknown option or number of arguments for CONFIG SET - '", A(name), "'"));
    }
    if (!d->runtime_settable)
      return absl::InvalidArgumentError(
          absl::StrCat("ERR CONFIG SET failed (possibly related to argument '", A(name), "') - can't set immutable config"));
    Args args;
    if (d->name == "save" || d->name == "bind" || d->name == "client-output-buffer-limit") {
      for (auto p : absl::StrSplit(A(value), ' ', absl::SkipEmpty())) args.emplace_back(p);
      if (d->name == "save" && args.empty()) args.emplace_back("");
    } else {
      args.emplace_back(value);
    }
    if (absl::Status s = Apply(*d, args); !s.ok())
      return absl::InvalidArgumentError(
          absl::StrCat("ERR CONFIG SET failed (possibly related to argument '", A(name), "') - ", s.message()));
    canonical = d->name;
  }
  for (auto& fn : on_change_) fn(canonical);
  return absl::OkStatus();
}

void Config::OnChange(std::function<void(std::string_view)> fn) { on_change_.push_back(std::move(fn)); }

namespace {

constexpr std::string_view kRewriteSignature = "# Generated by CONFIG REWRITE";

// One argument as a config line needs it: bare when SplitArgs reads it back
// unchanged, else double-quoted with redis.conf escapes (sdscatrepr).
std::string ConfigArg(std::string_view a) {
  const bool bare = !a.empty() && std::all_of(a.begin(), a.end(), [](char c) {
    return std::isgraph(static_cast<unsigned char>(c)) && c != '"' && c != '\'' && c != '\\';
  });
  if (bare) return std::string(a);
  std::string out = "\"";
  for (char c : a) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (std::isprint(static_cast<unsigned char>(c))) out.push_back(c);
        else absl::StrAppend(&out, "\\x", absl::string_view(&"0123456789abcdef"[(c >> 4) & 15], 1),
                             absl::string_view(&"0123456789abcdef"[c & 15], 1));
    }
  }
  return out + "\"";
}

// The config lines that set directive d to its value in o (several for save
// and client-output-buffer-limit, as Redis writes them).
std::vector<std::string> DirectiveLines(const Config::Directive& d, const Options& o) {
  const std::string value = d.get(o);
  std::vector<std::string> parts = absl::StrSplit(value, ' ', absl::SkipEmpty());
  std::vector<std::string> lines;
  if (d.name == "save") {
    if (parts.empty()) lines.push_back("save \"\"");
    for (size_t i = 0; i + 1 < parts.size(); i += 2) lines.push_back(absl::StrCat("save ", parts[i], " ", parts[i + 1]));
  } else if (d.name == "client-output-buffer-limit") {
    for (size_t i = 0; i + 3 < parts.size(); i += 4) {
      lines.push_back(absl::StrCat(d.name, " ", parts[i], " ", parts[i + 1], " ", parts[i + 2], " ", parts[i + 3]));
    }
  } else if (d.name == "bind") {
    std::string line = d.name;
    for (const auto& p : parts) absl::StrAppend(&line, " ", ConfigArg(p));
    lines.push_back(line);
  } else {
    lines.push_back(absl::StrCat(d.name, " ", ConfigArg(value)));
  }
  return lines;
}

}  // namespace

absl::Status Config::Rewrite(const std::string& path) const {
  std::string old;
  {
    std::ifstream in(path);
    if (in) {
      old.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    } else if (errno != ENOENT) {
      return absl::InternalError(std::strerror(errno));
    }
  }
  // Redis's rewriteConfigReadOldFile: every line kept; each directive's lines
  // remembered by canonical name, in file order.
  std::vector<std::string> lines;
  std::vector<std::pair<std::string, std::vector<size_t>>> by_name;
  bool has_tail = false;
  auto slots = [&](std::string_view name) -> std::vector<size_t>& {
    for (auto& [n, v] : by_name)
      if (n == name) return v;
    return by_name.emplace_back(std::string(name), std::vector<size_t>{}).second;
  };
  if (!old.empty() && old.back() == '\n') old.pop_back();
  if (!old.empty()) {
    for (absl::string_view raw : absl::StrSplit(old, '\n')) {
      const absl::string_view line = absl::StripAsciiWhitespace(raw);
      lines.emplace_back(line);
      if (line.empty() || line[0] == '#') {
        has_tail = has_tail || line == A(kRewriteSignature);
        continue;
      }
      Args args;
      if (!SplitArgs(std::string_view(line.data(), line.size()), &args) || args.empty()) continue;
      const std::string name = Lower(args[0]);
      const Directive* d = Find(name);
      slots(d != nullptr ? d->name : name).push_back(lines.size() - 1);
    }
  }
  // Redis's rewriteConfigRewriteLine: reuse the directive's next old line, or
  // append one (after the signature) when the value is not the default.
  std::vector<bool> keep(lines.size(), true);
  // want: each line and whether it sets a non-default value.
  auto rewrite = [&](std::string_view name, const std::vector<std::pair<std::string, bool>>& want) {
    std::vector<size_t>& at = slots(name);
    size_t used = 0;
    for (const auto& [l, non_default] : want) {
      if (used < at.size()) {
        lines[at[used++]] = l;
      } else if (non_default) {
        if (!has_tail) {
          lines.emplace_back(kRewriteSignature);
          keep.push_back(true);
          has_tail = true;
        }
        lines.push_back(l);
        keep.push_back(true);
      }
    }
    for (; used < at.size(); ++used) keep[at[used]] = false;  // rewriteConfigRemoveOrphaned
  };
  {
    absl::MutexLock lock(&mu_);
    const Options defaults;
    for (const Directive& d : Table()) {
      const std::vector<std::string> now = DirectiveLines(d, options_), was = DirectiveLines(d, defaults);
      const bool changed = now != was;
      std::vector<std::pair<std::string, bool>> want;
      for (size_t i = 0; i < now.size(); ++i) {
        // Each client class is its own line (Redis forces only a changed
        // class); the lines of other directives only make sense together.
        const bool line_changed = d.name == "client-output-buffer-limit" ? i >= was.size() || now[i] != was[i] : changed;
        want.emplace_back(now[i], line_changed);
      }
      rewrite(d.name, want);
    }
    for (const auto& p : kPassthrough) {
      auto it = std::find_if(passthrough_.begin(), passthrough_.end(), [&](const auto& kv) { return kv.first == p.name; });
      const std::string value = it == passthrough_.end() ? p.def : it->second;
      rewrite(p.name, {{absl::StrCat(p.name, " ", ConfigArg(value)), value != p.def}});
    }
  }
  std::string text;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (keep[i]) absl::StrAppend(&text, lines[i], "\n");
  }
  const std::string tmp = absl::StrCat(path, ".rewrite-", ::getpid(), ".tmp");
  FILE* f = std::fopen(tmp.c_str(), "w");
  if (f == nullptr) return absl::InternalError(std::strerror(errno));
  const bool written = std::fwrite(text.data(), 1, text.size(), f) == text.size() && std::fflush(f) == 0 &&
                       ::fsync(::fileno(f)) == 0;
  const int write_errno = errno;
  if (std::fclose(f) != 0 || !written) {
    std::remove(tmp.c_str());
    return absl::InternalError(std::strerror(written ? errno : write_errno));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int e = errno;
    std::remove(tmp.c_str());
    return absl::InternalError(std::strerror(e));
  }
  return absl::OkStatus();
}

}  // namespace stockd::config
