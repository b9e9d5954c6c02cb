// config/config.h — stockd's configuration: `stockd.conf` plus `--directive value`
// flags, in redis.conf syntax, turned into typed options.
//
// Contract:
//  * Every directive is declared once, in the table in config.cc: name, aliases,
//    type, default, whether CONFIG SET may change it at runtime. CONFIG GET,
//    CONFIG SET, the loader and the documented file (config/stockd.conf) all
//    follow that table; a test checks that the file documents every directive.
//  * Loading is all-or-nothing: the first bad line fails with the file, line and
//    reason (the caller prints it and exits 1), like redis-server.
//  * Thread-safety: Load*/ApplyArgs run before the server starts. After that,
//    Get/Set are safe from any thread (an internal mutex); hot-path readers use
//    the atomic mirrors in LiveOptions, which Set updates.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"

namespace stockd::config {

// The typed options. Read them after loading; for the few that CONFIG SET can
// change while serving, read LiveOptions instead.
struct Options {
  // network
  int port = 6379;
  std::vector<std::string> bind = {"127.0.0.1", "-::1"};  // "-" = optional address
  bool protected_mode = true;
  int tcp_backlog = 511;
  int64_t timeout = 0;          // seconds of idleness before a client is closed; 0 = never
  int64_t tcp_keepalive = 300;  // seconds; 0 = off
  // general
  std::string dir = "./data";
  std::string loglevel = "notice";
  std::string logfile;          // empty = stderr
  int databases = 16;
  int procs = 0;                // 0 = hardware threads
  int shards = 16;              // per database, power of two
  int64_t stack_size = 64 * 1024;
  int hz = 10;
  // clients and limits
  int64_t maxclients = 10000;
  std::string requirepass;
  std::string aclfile;                       // ACL users file (ACL LOAD/SAVE); empty = none
  std::vector<std::vector<std::string>> users;  // `user name op...` lines: {name, op...}
  std::string enable_debug_command = "no";  // yes | no | local
  int64_t proto_max_bulk_len = 512LL * 1024 * 1024;
  int64_t hll_sparse_max_bytes = 3000;  // a larger sparse HyperLogLog turns dense
  int64_t client_query_buffer_limit = 1LL * 1024 * 1024 * 1024;
  int64_t maxmemory = 0;
  std::string maxmemory_policy = "noeviction";
  // client-output-buffer-limit <class> <hard> <soft> <soft-seconds>, per class
  // as Redis (0 = no limit). Only `normal` applies: stockd has no pub/sub or
  // replica clients yet; the other classes are accepted and round-trip.
  struct OutputBufferLimit {
    int64_t hard = 0;
    int64_t soft = 0;
    int64_t soft_seconds = 0;
  };
  OutputBufferLimit obuf_normal;
  OutputBufferLimit obuf_replica{256LL << 20, 64LL << 20, 60};
  OutputBufferLimit obuf_pubsub{32LL << 20, 8LL << 20, 60};
  int64_t slowlog_log_slower_than = 10000;  // microseconds; -1 disables, 0 logs all
  int64_t slowlog_max_len = 128;
  // latency monitor and tracking (server/latency_family.cc)
  int64_t latency_monitor_threshold = 0;  // ms; 0 = off
  bool latency_tracking = true;
  // client-side caching: keys in the tracking table (0 = no limit; server/tracking.h)
  int64_t tracking_table_max_keys = 1000000;
  std::vector<double> latency_tracking_info_percentiles = {50.0, 99.0, 99.9};
  // persistence
  std::string order_fsync = "always";  // always | everysec | no
  std::string save = "3600 1 300 100 60 10000";
  bool appendonly = false;
  // scripting
  int64_t busy_reply_threshold = 5000;  // ms (alias lua-time-limit)
  bool lua_allow_undeclared_keys = false;
  // keyspace notifications: engine/keyspace_events.h's notify:: flags
  int64_t notify_keyspace_events = 0;
};

// Options that connection fibers read on every request or accept; CONFIG SET
// updates them without locks on the read side.
struct LiveOptions {
  std::atomic<int64_t> timeout{0};
  std::atomic<int64_t> maxclients{10000};
  std::atomic<bool> protected_mode{true};
  std::atomic<int64_t> proto_max_bulk_len{512LL * 1024 * 1024};
  std::atomic<int64_t> hll_sparse_max_bytes{3000};
  std::atomic<int64_t> client_query_buffer_limit{1LL * 1024 * 1024 * 1024};
  std::atomic<int64_t> slowlog_log_slower_than{10000};
  std::atomic<int64_t> slowlog_max_len{128};
  std::atomic<int64_t> latency_monitor_threshold{0};
  std::atomic<bool> latency_tracking{true};
  std::atomic<int64_t> tracking_table_max_keys{1000000};
  std::atomic<int64_t> tcp_keepalive{300};
  std::atomic<int64_t> maxmemory{0};
  std::atomic<int64_t> notify_keyspace_events{0};
  // client-output-buffer-limit normal <hard> <soft> <soft-seconds>
  std::atomic<int64_t> obuf_normal_hard{0};
  std::atomic<int64_t> obuf_normal_soft{0};
  std::atomic<int64_t> obuf_normal_soft_seconds{0};
  std::atomic<int64_t> obuf_pubsub_hard{32LL << 20};
  std::atomic<int64_t> obuf_pubsub_soft{8LL << 20};
  std::atomic<int64_t> obuf_pubsub_soft_seconds{60};
};

class Config {
 public:
  struct Directive;  // one row of the table in config.cc

  Config();
  ~Config();
  Config(const Config&) = delete;
  Config& operator=(const Config&) = delete;

  // redis-server style command line: `[config-file] [--directive value ...]`
  // (argv[0] is the program). A lone "-" as config file reads stdin. Errors
  // name the file, line and reason.
  absl::Status LoadCommandLine(int argc, const char* const* argv);
  // Parses a whole file in redis.conf syntax; `origin` names it in errors.
  absl::Status LoadText(std::string_view text, std::string_view origin);
  absl::Status LoadFile(const std::string& path);

  // CONFIG GET: every (name, value) whose name (or alias) `matches` accepts, in
  // table order, each directive once, reported under the name that matched as
  // Redis does. The server passes the engine's glob matcher.
  std::vector<std::pair<std::string, std::string>> Get(
      const std::function<bool(std::string_view name)>& matches) const;
  // CONFIG SET of one directive at runtime. Errors carry Redis's texts:
  // "Unknown option or number of arguments for CONFIG SET - 'x'",
  // "can't set immutable config", "argument couldn't be parsed into an integer".
  absl::Status SetAtRuntime(std::string_view name, std::string_view value);

  // CONFIG REWRITE (Redis's rewriteConfig): rewrites the file at `path` so
  // that loading it gives today's values. Comments, blank lines, unknown and
  // `include`/`user` lines stay as they are; a directive's first line is
  // replaced in place (its further lines are dropped); a directive the file
  // does not name is appended after "# Generated by CONFIG REWRITE" only
  // when its value differs from the default. Written to a temporary file in
  // the same directory, fsynced, then renamed over the old one. Errors carry
  // the reason (errno's text).
  absl::Status Rewrite(const std::string& path) const;

  const Options& options() const { return options_; }
  // latency-tracking-info-percentiles now (a copy, under the lock: INFO reads it).
  std::vector<double> LatencyPercentiles() const;
  LiveOptions& live() { return live_; }
  // The directive names in table order (for docs/tests).
  static std::vector<std::string> DirectiveNames();
  // Called after every successful SetAtRuntime with the canonical name.
  void OnChange(std::function<void(std::string_view name)> fn);

 private:
  absl::Status Apply(const Directive& d, const std::vector<std::string>& args);
  const Directive* Find(std::string_view name) const;
  void SyncLive();

  mutable absl::Mutex mu_;
  Options options_;
  LiveOptions live_;
  std::vector<std::pair<std::string, std::string>> passthrough_;  // encoding knobs: accepted, no effect
  std::vector<std::function<void(std::string_view)>> on_change_;
};

// Splits one config line into arguments with redis.conf quoting rules
// (sdssplitargs: "double" with \n \r \t \b \a \xHH escapes, 'single'); returns
// false on unbalanced quotes.
bool SplitArgs(std::string_view line, std::vector<std::string>* out);

// Redis's memory units: 1k=1000 1kb=1024 1m 1mb 1g 1gb, case-insensitive.
bool ParseMemory(std::string_view s, int64_t* out);

}  // namespace stockd::config
