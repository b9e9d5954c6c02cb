// server/info_family.cc — INFO: Redis 7's sections and the fields clients and
// tools read, plus sections contributed by other layers (Server::AddInfoSection).
#include <algorithm>
#include <malloc.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <fstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "engine/blocking.h"
#include "engine/engine.h"
#include "runtime/scheduler.h"
#include "server/connection.h"
#include "server/families.h"
#include "server/server.h"

namespace stockd::server {

using engine::CommandContext;

namespace {

constexpr const char* kRedisVersion = "7.0.15";  // clients gate RESP3 and commands on it
constexpr const char* kStockdVersion = "0.1.0";

void Line(std::string& out, std::string_view field, const auto& value) {
  absl::StrAppend(&out, A(field), ":", value, "\r\n");
}

std::string Human(uint64_t bytes) {
  double b = static_cast<double>(bytes);
  if (b < 1024) return absl::StrCat(bytes, "B");
  if (b < 1024.0 * 1024) return absl::StrFormat("%.2fK", b / 1024);
  if (b < 1024.0 * 1024 * 1024) return absl::StrFormat("%.2fM", b / (1024.0 * 1024));
  return absl::StrFormat("%.2fG", b / (1024.0 * 1024 * 1024));
}

uint64_t RssBytes() {
  std::ifstream in("/proc/self/statm");
  uint64_t size = 0, resident = 0;
  in >> size >> resident;
  return resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

uint64_t UsedMemory() { return AllocatedBytes(); }  // server.h

void SectionServer(Server& s, std::string& out) {
  struct utsname u;
  uname(&u);
  int64_t now = absl::ToUnixMillis(absl::Now());
  int64_t uptime = (now - s.start_ms()) / 1000;
  std::string port = s.ports().empty() ? "0" : absl::StrCat(s.ports()[0]);
  Line(out, "redis_version", kRedisVersion);
  Line(out, "stockd_version", kStockdVersion);
  Line(out, "redis_git_sha1", "00000000");
  Line(out, "redis_git_dirty", 0);
  Line(out, "redis_build_id", "0");
  Line(out, "redis_mode", "standalone");
  Line(out, "os", absl::StrCat(u.sysname, " ", u.release, " ", u.machine));
  Line(out, "arch_bits", 64);
  Line(out, "monotonic_clock", "POSIX clock_gettime");
  Line(out, "multiplexing_api", "epoll");
  Line(out, "gcc_version", absl::StrCat(__GNUC__, ".", __GNUC_MINOR__, ".", __GNUC_PATCHLEVEL__));
  Line(out, "process_id", getpid());
  Line(out, "process_supervised", "no");
  Line(out, "run_id", s.run_id());
  Line(out, "tcp_port", port);
  Line(out, "server_time_usec", absl::ToUnixMicros(absl::Now()));
  Line(out, "uptime_in_seconds", uptime);
  Line(out, "uptime_in_days", uptime / 86400);
  Line(out, "hz", s.config().options().hz);
  Line(out, "configured_hz", s.config().options().hz);
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  Line(out, "executable", n > 0 ? std::string(exe, static_cast<size_t>(n)) : std::string());
  Line(out, "config_file", s.config_file());
}

void SectionClients(Server& s, std::string& out) {
  Line(out, "connected_clients", s.connected_clients());
  Line(out, "cluster_connections", 0);
  Line(out, "maxclients", s.config().live().maxclients.load());
  Line(out, "client_recent_max_input_buffer", s.recent_max_input_buffer());
  Line(out, "client_recent_max_output_buffer", s.recent_max_output_buffer());
  Line(out, "blocked_clients", s.engine().blocking().blocked_clients());
  Line(out, "tracking_clients", s.tracking().clients());
  Line(out, "clients_in_timeout_table", 0);
}

void SectionMemory(Server& s, std::string& out) {
  uint64_t used = UsedMemory(), rss = RssBytes();
  Line(out, "used_memory", used);
  Line(out, "used_memory_human", Human(used));
  Line(out, "used_memory_rss", rss);
  Line(out, "used_memory_rss_human", Human(rss));
  Line(out, "used_memory_peak", std::max(used, rss));
  Line(out, "maxmemory", s.config().options().maxmemory);
  Line(out, "maxmemory_human", Human(static_cast<uint64_t>(s.config().options().maxmemory)));
  Line(out, "maxmemory_policy", s.config().options().maxmemory_policy);
  Line(out, "mem_fragmentation_ratio", absl::StrFormat("%.2f", used ? static_cast<double>(rss) / used : 0.0));
  Line(out, "mem_allocator", AllocatorName());
}

void SectionPersistenceDefault(Server& s, std::string& out) {
  Line(out, "loading", 0);
  Line(out, "async_loading", 0);
  Line(out, "rdb_changes_since_last_save", 0);
  Line(out, "rdb_bgsave_in_progress", 0);
  Line(out, "rdb_last_save_time", s.start_ms() / 1000);
  Line(out, "rdb_last_bgsave_status", "ok");
  Line(out, "aof_enabled", 0);
  Line(out, "aof_rewrite_in_progress", 0);
  Line(out, "aof_last_write_status", "ok");
}

void SectionStats(Server& s, std::string& out) {
  engine::EngineCounters ec = s.engine().counters();
  const NetTotals net = s.Net();
  uint64_t rejected_calls = 0;
  for (const engine::Command* c : s.engine().commands().commands()) {
    rejected_calls += c->stats().Get(engine::CommandStats::kRejectedCalls);
    for (const engine::Command* sub : c->subcommands())
      rejected_calls += sub->stats().Get(engine::CommandStats::kRejectedCalls);
  }
  runtime::Stats rs = runtime::GetStats();
  Line(out, "total_connections_received", s.stats().total_connections_received.load());
  // As Redis's stat_numcommands: the calls that ran (EXEC's and scripts'
  // included), not those refused or queued by MULTI; CONFIG RESETSTAT zeroes it.
  Line(out, "total_commands_processed", ec.total_commands);
  Line(out, "instantaneous_ops_per_sec", s.instantaneous_ops().PerSecond());
  Line(out, "total_net_input_bytes", net.input_bytes);
  Line(out, "total_net_output_bytes", net.output_bytes);
  Line(out, "total_net_repl_input_bytes", 0);  // no replication
  Line(out, "total_net_repl_output_bytes", 0);
  const auto kbps = [](int64_t bytes_per_second) {
    return absl::StrFormat("%.2f", static_cast<double>(bytes_per_second) / 1024);
  };
  Line(out, "instantaneous_input_kbps", kbps(s.instantaneous_input_bytes().PerSecond()));
  Line(out, "instantaneous_output_kbps", kbps(s.instantaneous_output_bytes().PerSecond()));
  Line(out, "instantaneous_input_repl_kbps", "0.00");
  Line(out, "instantaneous_output_repl_kbps", "0.00");
  Line(out, "rejected_connections", s.stats().rejected_connections.load());
  Line(out, "expired_keys", ec.expired_keys);
  Line(out, "evicted_keys", 0);
  Line(out, "keyspace_hits", ec.keyspace_hits);
  Line(out, "keyspace_misses", ec.keyspace_misses);
  Line(out, "pubsub_channels", s.pubsub().NumChannels());
  Line(out, "pubsub_patterns", s.pubsub().NumPat());
  Line(out, "pubsubshard_channels", s.pubsub().NumShardChannels());
  Line(out, "tracking_total_keys", s.tracking().total_keys());
  Line(out, "tracking_total_items", s.tracking().total_items());
  Line(out, "tracking_total_prefixes", s.tracking().total_prefixes());
  Line(out, "total_error_replies", ec.total_error_replies);
  Line(out, "unexpected_error_replies", s.stats().unexpected_error_replies.load());
  Line(out, "total_reads_processed", net.reads);
  Line(out, "total_writes_processed", net.writes);
  Line(out, "rejected_calls", rejected_calls);
  Line(out, "client_query_buffer_limit_disconnections", s.stats().client_query_buffer_limit_disconnections.load());
  Line(out, "client_output_buffer_limit_disconnections", s.stats().client_output_buffer_limit_disconnections.load());
  Line(out, "fiber_panics", s.stats().fiber_panics.load());
  Line(out, "fibers_alive", rs.fibers_alive);
  Line(out, "fibers_runnable", rs.fibers_runnable);
  Line(out, "fibers_spawned", rs.fibers_spawned);
  Line(out, "fiber_steals", rs.steals);
  Line(out, "fiber_parks", rs.parks);
  Line(out, "blocking_handoffs", rs.blocking_handoffs);
  Line(out, "runtime_threads", rs.threads);
}

void SectionReplication(Server& s, std::string& out) {
  Line(out, "role", "master");
  Line(out, "connected_slaves", 0);
  Line(out, "master_failover_state", "no-failover");
  Line(out, "master_replid", s.run_id());
  Line(out, "master_replid2", std::string(40, '0'));
  Line(out, "master_repl_offset", 0);
  Line(out, "second_repl_offset", -1);
  Line(out, "repl_backlog_active", 0);
  Line(out, "repl_backlog_size", 1048576);
  Line(out, "repl_backlog_first_byte_offset", 0);
  Line(out, "repl_backlog_histlen", 0);
}

void SectionCpu(Server& s, std::string& out) {
  struct rusage self, children;
  getrusage(RUSAGE_SELF, &self);
  getrusage(RUSAGE_CHILDREN, &children);
  auto secs = [](const timeval& tv) { return absl::StrFormat("%.6f", tv.tv_sec + tv.tv_usec / 1e6); };
  Line(out, "used_cpu_sys", secs(self.ru_stime));
  Line(out, "used_cpu_user", secs(self.ru_utime));
  Line(out, "used_cpu_sys_children", secs(children.ru_stime));
  Line(out, "used_cpu_user_children", secs(children.ru_utime));
}

void SectionCommandStats(Server& s, std::string& out) {
  auto one = [&](const engine::Command& c) {
    const auto& st = c.stats();
    using S = engine::CommandStats;
    const uint64_t calls = st.Get(S::kCalls), usec = st.Get(S::kUsec), rej = st.Get(S::kRejectedCalls),
                   failed = st.Get(S::kFailedCalls);
    if (calls == 0 && rej == 0 && failed == 0) return;
    absl::StrAppend(&out, "cmdstat_", A(c.full_name()), ":calls=", calls, ",usec=", usec, ",usec_per_call=",
                    absl::StrFormat("%.2f", calls ? static_cast<double>(usec) / calls : 0.0), ",rejected_calls=", rej,
                    ",failed_calls=", failed, "\r\n");
  };
  for (const engine::Command* c : s.engine().commands().commands()) {
    one(*c);
    for (const engine::Command* sub : c->subcommands()) one(*sub);
  }
}

void SectionErrorStats(Server& s, std::string& out) {
  auto stats = s.engine().ErrorStats();
  std::sort(stats.begin(), stats.end());  // Redis keeps them in a radix tree: in name order
  for (const auto& [prefix, count] : stats)
    absl::StrAppend(&out, "errorstat_", prefix, ":count=", count, "\r\n");
}

void SectionKeyspace(Server& s, std::string& out) {
  for (int db = 0; db < s.engine().databases(); ++db) {
    engine::KeyspaceInfo k = s.engine().GetKeyspaceInfo(db);
    if (k.keys == 0) continue;
    absl::StrAppend(&out, "db", db, ":keys=", k.keys, ",expires=", k.expires, ",avg_ttl=", k.avg_ttl_ms, "\r\n");
  }
}

struct Builtin {
  const char* name;   // lowercase section name
  const char* title;  // "# Server"
  void (*fn)(Server&, std::string&);
  bool in_default;
};

constexpr Builtin kBuiltins[] = {
    {"server", "Server", SectionServer, true},
    {"clients", "Clients", SectionClients, true},
    {"memory", "Memory", SectionMemory, true},
    {"persistence", "Persistence", SectionPersistenceDefault, true},
    {"stats", "Stats", SectionStats, true},
    {"replication", "Replication", SectionReplication, true},
    {"cpu", "CPU", SectionCpu, true},
    {"modules", "Modules", nullptr, true},
    {"commandstats", "Commandstats", SectionCommandStats, false},
    {"errorstats", "Errorstats", SectionErrorStats, true},
    {"latencystats", "Latencystats", SectionLatencyStats, false},
    {"cluster", "Cluster", nullptr, true},
    {"keyspace", "Keyspace", SectionKeyspace, true},
};

std::string Title(std::string_view name) {
  std::string t(name);
  if (!t.empty()) t[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(t[0])));
  return t;
}

}  // namespace

std::string BuildInfo(Server& s, const std::vector<std::string>& requested) {
  bool all = false, everything = false, dflt = requested.empty();
  for (const auto& r : requested) {
    if (r == "all") all = true;
    else if (r == "everything") everything = true;
    else if (r == "default") dflt = true;
  }
  auto wanted = [&](std::string_view name, bool in_default) {
    if (everything) return true;
    if (all && name != "modules") return true;
    if (dflt && in_default) return true;
    return std::find(requested.begin(), requested.end(), name) != requested.end();
  };
  std::string out;
  auto emit = [&](std::string_view title, auto&& body) {
    if (!out.empty()) out += "\r\n";
    absl::StrAppend(&out, "# ", A(title), "\r\n");
    body(out);
  };
  auto& extra = s.info_sections();
  for (const Builtin& b : kBuiltins) {
    if (!wanted(b.name, b.in_default)) continue;
    // A layer may provide a builtin section (storage provides "persistence").
    auto it = std::find_if(extra.begin(), extra.end(), [&](const auto& e) { return e.first == b.name; });
    emit(b.title, [&](std::string& o) {
      if (it != extra.end()) it->second(o);
      else if (b.fn) b.fn(s, o);
    });
  }
  for (auto& [name, fn] : extra) {
    bool builtin = std::any_of(std::begin(kBuiltins), std::end(kBuiltins), [&](const Builtin& b) { return name == b.name; });
    if (builtin || !wanted(name, true)) continue;
    emit(Title(name), [&](std::string& o) { fn(o); });
  }
  return out;
}

namespace {

void CmdInfo(CommandContext& ctx) {
  Connection* c = RequireConnection(ctx);
  if (c == nullptr) return;
  std::vector<std::string> sections;
  for (size_t i = 1; i < ctx.argv.size(); ++i) sections.push_back(absl::AsciiStrToLower(A(ctx.argv[i])));
  ctx.reply.Verbatim("txt", BuildInfo(c->server(), sections));
}

}  // namespace

void RegisterInfoFamily(engine::CommandTable& t) {
  t.Register({.name = "info", .arity = -1, .flags = engine::kLoading | engine::kStale, .handler = CmdInfo,
              .acl_categories = "@slow @dangerous", .group = "server", .since = "1.0.0"});
}

}  // namespace stockd::server
