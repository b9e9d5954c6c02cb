// server/server.h — the stockd server: listeners, connection fibers, the
// client registry, server-wide statistics and graceful shutdown.
//
// Lifecycle (all on the runtime, inside Serve()):
//   1. listen on every `bind` address ("-addr" = optional);
//   2. one accept fiber per listener; one fiber per client connection;
//      background fibers: active expiry (hz), signal watcher (SIGINT/SIGTERM);
//   3. Shutdown() (signal or SHUTDOWN): stop accepting, let commands in flight
//      finish and flush their replies, close idle clients, wait for every
//      connection fiber (WaitGroup), run the shutdown hooks (storage drains and
//      syncs there), and return from Serve().
//
// Thread-safety: the registry is guarded by clients_mu_ (held only for short
// map operations, never across a park). Counters are relaxed atomics.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "config/config.h"
#include "engine/engine.h"
#include "runtime/chan.h"
#include "runtime/signal.h"
#include "runtime/net.h"
#include "runtime/waitgroup.h"
#include "server/acl.h"
#include "server/instantaneous_metric.h"
#include "server/client_pause.h"
#include "server/pubsub.h"
#include "server/tracking.h"
#include "server/slowlog.h"

namespace stockd::server {

class Connection;

// Network totals of every connection, closed and live, since the start or the
// last CONFIG RESETSTAT.
struct NetTotals {
  uint64_t input_bytes = 0;
  uint64_t output_bytes = 0;
  uint64_t reads = 0;
  uint64_t writes = 0;
};

// Server-wide counters for INFO stats/clients.
struct ServerStats {
  std::atomic<uint64_t> total_connections_received{0};
  std::atomic<uint64_t> rejected_connections{0};
  // Totals of connections already closed; live ones are summed at INFO time.
  std::atomic<uint64_t> closed_net_input_bytes{0};
  std::atomic<uint64_t> closed_net_output_bytes{0};
  std::atomic<uint64_t> closed_reads_processed{0};
  std::atomic<uint64_t> closed_writes_processed{0};
  std::atomic<uint64_t> unexpected_error_replies{0};
  // Limits (issue 10): clients closed by client-query-buffer-limit and by
  // client-output-buffer-limit; connection fibers ended by a panic.
  std::atomic<uint64_t> client_query_buffer_limit_disconnections{0};
  std::atomic<uint64_t> client_output_buffer_limit_disconnections{0};
  std::atomic<uint64_t> fiber_panics{0};
};

class Server {
 public:
  Server(config::Config& config, engine::Engine& engine, std::string config_file);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Runs the server until shutdown; call on a runtime fiber. Returns an error
  // when no listener could be opened (the process then exits 1).
  absl::Status Serve();
  // Any fiber/thread: begin a graceful shutdown (idempotent).
  void Shutdown();
  bool shutting_down() const { return shutting_down_.load(std::memory_order_acquire); }
  // Called after all clients are gone, in registration order (storage drains here).
  void AddShutdownHook(std::function<void()> hook);
  // Extra INFO sections contributed by other layers, e.g. "persistence", "stock".
  // fn appends "field:value\r\n" lines.
  void AddInfoSection(std::string name, std::function<void(std::string&)> fn);

  config::Config& config() { return config_; }
  engine::Engine& engine() { return engine_; }
  ServerStats& stats() { return stats_; }
  SlowLog& slowlog() { return slowlog_; }
  // Adds a command that ran for duration_us to the SLOWLOG when the live
  // slowlog-log-slower-than says so and its row is not skip_slowlog. client:
  // whose address and name the entry shows; null for a script's calls
  // (Redis's script client, "?:0"). cmd may be null (an unknown command).
  void LogIfSlow(const engine::Command* cmd, absl::Span<const std::string_view> argv, int64_t duration_us,
                 const Connection* client);
  const std::string& config_file() const { return config_file_; }
  int64_t start_ms() const { return start_ms_; }
  const std::string& run_id() const { return run_id_; }
  // Allocated bytes (glibc mallinfo2), sampled every 100 ms by a background
  // fiber while maxmemory is set, and at each CONFIG SET maxmemory; the
  // command path reads only the engine's over-maxmemory flag, never mallinfo.
  uint64_t used_memory() const { return used_memory_.load(std::memory_order_relaxed); }
  // Samples used memory now and sets the engine's over-maxmemory flag.
  void SampleMemory();
  // DEBUG PERSISTER-STALL: how to stall the persister's writes (main.cc
  // installs it before serving; empty without storage).
  void SetPersisterStall(std::function<void(absl::Duration)> fn) { persister_stall_ = std::move(fn); }
  const std::function<void(absl::Duration)>& persister_stall() const { return persister_stall_; }
  std::vector<uint16_t> ports() const;

  // True when AUTH is needed before other commands: the ACL default user is
  // off or has passwords (requirepass sets them).
  bool auth_required() const { return acl_.default_requires_auth(); }
  // ACL users, the permission check, ACL LOG (server/acl.h).
  acl::AclStore& acl() { return acl_; }
  // Channels and patterns: who is subscribed to what (server/pubsub.h).
  PubSub& pubsub() { return pubsub_; }
  // CLIENT TRACKING: client-side caching's table (server/tracking.h).
  Tracking& tracking() { return tracking_; }
  // CLIENT PAUSE / UNPAUSE (server/client_pause.h).
  ClientPause& client_pause() { return client_pause_; }

  // --- the client registry ---
  size_t connected_clients() const { return client_count_.load(std::memory_order_relaxed); }
  // Calls fn for every live connection (under the registry lock: fn must not park).
  void ForEachClient(const std::function<void(Connection&)>& fn);
  // CLIENT KILL, ACL DELUSER: kills every connection `pick` chooses (Kill(),
  // under the registry lock: pick must not park) and returns how many. Redis
  // frees a killed client before it replies, so nothing of it — its CLIENT
  // LIST line, its subscriptions, its WATCHes — outlives the command; here
  // the victims end on their own fibers, and when `wait` the caller parks
  // until they have all left (at most a second: a victim paused by CLIENT
  // PAUSE notices within 100 ms). A caller holding shard locks (EXEC) must
  // not wait: a victim may be waiting for one of them.
  int KillClients(const std::function<bool(Connection&)>& pick, bool wait);
  NetTotals Net();
  // INFO's instantaneous_ops_per_sec, _input_kbps, _output_kbps (sampled every 100 ms).
  InstantaneousMetric& instantaneous_ops() { return inst_ops_; }
  InstantaneousMetric& instantaneous_input_bytes() { return inst_input_; }
  InstantaneousMetric& instantaneous_output_bytes() { return inst_output_; }
  // INFO client_recent_max_input_buffer / _output_buffer: the largest query
  // and output buffers of any client over the last 8 seconds (as Redis).
  size_t recent_max_input_buffer() const { return recent_input_.Max(SteadyNowMs()); }
  size_t recent_max_output_buffer() const { return recent_output_.Max(SteadyNowMs()); }
  // INFO section builders, shared by INFO and tests.
  std::vector<std::pair<std::string, std::function<void(std::string&)>>>& info_sections() { return info_sections_; }

 private:
  void AcceptLoop(runtime::Listener* listener);
  void ServeConnection(std::unique_ptr<runtime::Conn> conn);
  void ActiveExpireLoop();
  // Every 100 ms: used memory (for maxmemory) and the instantaneous metrics.
  void SampleLoop();
  void SampleInstantaneous();
  void Register(Connection* c);
  void Unregister(Connection* c);

  config::Config& config_;
  engine::Engine& engine_;
  std::string config_file_;
  const int64_t start_ms_;
  std::string run_id_;
  ServerStats stats_;
  SlowLog slowlog_;
  std::atomic<uint64_t> used_memory_{0};
  static int64_t SteadyNowMs();  // the samplers' monotonic clock
  InstantaneousMetric inst_ops_, inst_input_, inst_output_;
  RecentPeak recent_input_, recent_output_;  // clients' largest query / output buffers
  std::function<void(absl::Duration)> persister_stall_;

  std::vector<std::unique_ptr<runtime::Listener>> listeners_;
  std::atomic<bool> shutting_down_{false};
  runtime::Chan<int> shutdown_requested_{1};
  runtime::WaitGroup connections_wg_;
  runtime::WaitGroup background_wg_;
  runtime::SignalCancel signal_cancel_;  // ends the signal fiber at shutdown
  std::vector<std::function<void()>> shutdown_hooks_;
  std::vector<std::pair<std::string, std::function<void(std::string&)>>> info_sections_;

  acl::AclStore acl_;
  PubSub pubsub_;
  Tracking tracking_;  // (never takes clients_mu_ under its lock: see tracking.h)
  ClientPause client_pause_;
  std::unique_ptr<engine::Authorizer> authorizer_;
  std::unique_ptr<engine::CallObserver> call_observer_;  // EXEC's and scripts' calls for SLOWLOG and MONITOR
  std::unique_ptr<engine::KeyspaceEvents::Sink> keyspace_events_sink_;  // notify-keyspace-events → pub/sub

  absl::Mutex clients_mu_;
  absl::flat_hash_map<uint64_t, Connection*> clients_;
  std::atomic<size_t> client_count_{0};
  std::atomic<uint64_t> next_client_id_{1};
};

// Bytes the process has allocated (INFO used_memory, the maxmemory check):
// jemalloc's stats.allocated when stockd is linked with it, else glibc's
// mallinfo2 (in-use arena chunks + mmapped blocks); under ASan/TSan, which
// replace malloc, the sanitizer allocator's count. Walks the arenas:
// not for the command path (Server::SampleMemory caches it).
uint64_t AllocatedBytes();
// INFO memory's mem_allocator: "jemalloc-5.3.0" or "libc".
std::string AllocatorName();

// Registers the server's own commands (connection, server, info, config
// families) into the engine's command table. REQUIRES: before serving.
void RegisterServerCommands(engine::CommandTable& table);

}  // namespace stockd::server
