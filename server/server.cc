#include "server/server.h"

#include <malloc.h>
#include <signal.h>

// ASan and TSan replace malloc: used memory comes from their allocator then.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define STOCKD_SANITIZER_MALLOC 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define STOCKD_SANITIZER_MALLOC 1
#endif
#endif
#ifndef STOCKD_SANITIZER_MALLOC
#define STOCKD_SANITIZER_MALLOC 0
#endif
#if STOCKD_SANITIZER_MALLOC
// From compiler-rt's <sanitizer/allocator_interface.h>, which GCC does not install.
extern "C" size_t __sanitizer_get_current_allocated_bytes();
#endif
// jemalloc's control interface, when the binary is linked with it (server/CMakeLists.txt);
// weak, so the tests that link this library without jemalloc see nullptr.
extern "C" int mallctl(const char* name, void* oldp, size_t* oldlenp, void* newp, size_t newlen)
    __attribute__((weak));

#include <algorithm>
#include <chrono>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "engine/blocking.h"
#include "engine/order_log.h"
#include "runtime/fiber.h"
#include "runtime/log.h"
#include "runtime/select.h"
#include "runtime/signal.h"
#include "runtime/time.h"
#include "server/connection.h"
#include "server/families.h"

namespace stockd::server {

namespace {

std::string RandomHex(size_t n) {
  std::random_device rd;
  std::mt19937_64 gen(rd());
  static const char* kHex = "0123456789abcdef";
  std::string s(n, '0');
  for (auto& c : s) c = kHex[gen() & 15];
  return s;
}

// SLOWLOG entries for the commands EXEC and scripts run (engine.h,
// CallObserver): EXEC's under the caller's address and name, a script's
// under Redis's script client ("?:0", no name); and MONITOR, which shows a
// script's calls as "lua"'s and its own line as it starts.
class ObserverOfCalls : public engine::CallObserver {
 public:
  explicit ObserverOfCalls(Server& server) : server_(server) {}
  bool Enabled() const override {
    return server_.config().live().slowlog_log_slower_than.load(std::memory_order_relaxed) >= 0 ||
           server_.pubsub().has_monitors();
  }
  void Nested(const engine::Session& session, const engine::Command& cmd, absl::Span<const std::string_view> argv,
              int64_t duration_us, bool from_script) override {
    const auto* client = from_script ? nullptr : static_cast<const Connection*>(session.owner);
    server_.LogIfSlow(&cmd, argv, duration_us, client);
    Feed(session, cmd, argv, from_script, /*starting=*/false);
  }
  void Starting(const engine::Session& session, const engine::Command& cmd, absl::Span<const std::string_view> argv,
                bool from_script) override {
    Feed(session, cmd, argv, from_script, /*starting=*/true);
  }

 private:
  void Feed(const engine::Session& session, const engine::Command& cmd, absl::Span<const std::string_view> argv,
            bool from_script, bool starting) {
    if (!server_.pubsub().has_monitors()) return;
    const auto* c = static_cast<const Connection*>(session.owner);
    server_.pubsub().FeedMonitors(cmd, starting, session.db,
                                  from_script ? "lua" : c != nullptr ? c->remote_address() : "?:0", argv);
  }

  Server& server_;
};

// Keyspace notifications are published as PUBLISH publishes (never parks:
// the engine fires them under shard locks).
class KeyspaceEventsToPubSub : public engine::KeyspaceEvents::Sink {
 public:
  explicit KeyspaceEventsToPubSub(PubSub& pubsub) : pubsub_(pubsub) {}
  void Publish(std::string_view channel, std::string_view message) override { pubsub_.Publish(channel, message); }

 private:
  PubSub& pubsub_;
};

}  // namespace

Server::Server(config::Config& config, engine::Engine& engine, std::string config_file)
    : config_(config),
      engine_(engine),
      config_file_(std::move(config_file)),
      start_ms_(absl::ToUnixMillis(absl::Now())),
      run_id_(RandomHex(40)),
      tracking_(engine.keyspace_events(), [this](uint64_t id) {
        absl::MutexLock lock(&clients_mu_);
        return clients_.contains(id);
      }) {
  engine_.keyspace_events().SetTracker(&tracking_);
  // requirepass is the ACL default user's password, as in Redis.
  acl_.SetRequirePass(config_.options().requirepass);
  // Latency tracking and monitor (server/latency_family.cc): the engine times calls.
  auto apply_latency = [this] {
    engine_.SetLatencyTracking(config_.live().latency_tracking.load(std::memory_order_relaxed));
    engine_.SetLatencyMonitorThreshold(config_.live().latency_monitor_threshold.load(std::memory_order_relaxed));
  };
  apply_latency();
  config_.OnChange([this, apply_latency](std::string_view name) {
    if (name == "latency-tracking" || name == "latency-monitor-threshold") apply_latency();
    if (name == "requirepass") {
      auto v = config_.Get([](std::string_view n) { return n == "requirepass"; });
      acl_.SetRequirePass(v.empty() ? "" : v[0].second);
    }
  });
}

Server::~Server() = default;

void Server::AddShutdownHook(std::function<void()> hook) { shutdown_hooks_.push_back(std::move(hook)); }

void Server::AddInfoSection(std::string name, std::function<void(std::string&)> fn) {
  info_sections_.emplace_back(std::move(name), std::move(fn));
}

std::vector<uint16_t> Server::ports() const {
  std::vector<uint16_t> out;
  for (const auto& l : listeners_) out.push_back(l->port());
  return out;
}

void Server::ForEachClient(const std::function<void(Connection&)>& fn) {
  absl::MutexLock lock(&clients_mu_);
  for (auto& [id, c] : clients_) fn(*c);
}

int Server::KillClients(const std::function<bool(Connection&)>& pick, bool wait) {
  std::vector<runtime::Chan<int>> gone;
  ForEachClient([&](Connection& c) {
    if (!pick(c)) return;
    c.Kill();
    gone.push_back(c.gone());
  });
  const absl::Time deadline = absl::Now() + absl::Seconds(1);
  for (const runtime::Chan<int>& g : gone) {
    if (!wait || runtime::Select({runtime::RecvCase(g)}, runtime::Until(deadline)) == runtime::kSelectTimeout) break;
  }
  return static_cast<int>(gone.size());
}

void Server::Register(Connection* c) {
  absl::MutexLock lock(&clients_mu_);
  clients_.emplace(c->id(), c);
  client_count_.store(clients_.size(), std::memory_order_relaxed);
}

void Server::Unregister(Connection* c) {
  {
    absl::MutexLock lock(&clients_mu_);
    clients_.erase(c->id());
    client_count_.store(clients_.size(), std::memory_order_relaxed);
    stats_.closed_net_input_bytes.fetch_add(c->net_input_bytes(), std::memory_order_relaxed);
    stats_.closed_net_output_bytes.fetch_add(c->net_output_bytes(), std::memory_order_relaxed);
    stats_.closed_reads_processed.fetch_add(c->reads_processed(), std::memory_order_relaxed);
    stats_.closed_writes_processed.fetch_add(c->writes_processed(), std::memory_order_relaxed);
  }
  tracking_.ClientGone(c->id());  // after it left the registry (tracking.h: no lost broken redirect)
}

void Server::Shutdown() {
  bool was = shutting_down_.exchange(true, std::memory_order_acq_rel);
  if (was) return;
  int one = 1;
  shutdown_requested_.TrySend(one);
}

absl::Status Server::Serve() {
  const config::Options& opt = config_.options();
  // ACL users and the permission check (server/acl.h), now that the command
  // table is complete; a bad aclfile or `user` line fails the start.
  absl::StatusOr<std::unique_ptr<engine::Authorizer>> authorizer = StartAcl(*this);
  if (!authorizer.ok()) return authorizer.status();
  authorizer_ = std::move(*authorizer);
  engine_.SetAuthorizer(authorizer_.get());
  call_observer_ = std::make_unique<ObserverOfCalls>(*this);
  engine_.SetCallObserver(call_observer_.get());
  keyspace_events_sink_ = std::make_unique<KeyspaceEventsToPubSub>(pubsub_);
  engine_.keyspace_events().SetSink(keyspace_events_sink_.get());
  for (const std::string& raw : opt.bind) {
    bool optional = !raw.empty() && raw[0] == '-';
    std::string host = optional ? raw.substr(1) : raw;
    if (host == "*") host = "0.0.0.0";
    auto l = runtime::Listener::Listen(host, static_cast<uint16_t>(opt.port), opt.tcp_backlog);
    if (!l.ok()) {
      if (optional) {
        runtime::LogVerbose("Skipping optional bind address %s: %s", host, std::string(l.status().message()));
        continue;
      }
      return absl::UnavailableError(absl::StrCat("Could not create server TCP listening socket ", host, ":",
                                                 opt.port, ": ", l.status().message()));
    }
    listeners_.push_back(std::move(*l));
  }
  if (listeners_.empty()) return absl::UnavailableError("Failed listening on any bind address");
  runtime::LogInfo("Ready to accept connections tcp (port %d, %d listener(s))", static_cast<int>(listeners_[0]->port()),
                     static_cast<int>(listeners_.size()));

  std::vector<runtime::Fiber> acceptors;
  for (auto& l : listeners_) acceptors.push_back(runtime::Go([this, p = l.get()] { AcceptLoop(p); }));

  background_wg_.Add(1);
  runtime::Go([this] {
    ActiveExpireLoop();
    background_wg_.Done();
  }).Detach();
  SampleMemory();
  config_.OnChange([this](std::string_view name) {
    if (name == "maxmemory") SampleMemory();
    if (name == "proto-max-bulk-len")
      engine_.SetProtoMaxBulkLen(config_.live().proto_max_bulk_len.load(std::memory_order_relaxed));
    if (name == "hll-sparse-max-bytes")
      engine_.SetHllSparseMaxBytes(config_.live().hll_sparse_max_bytes.load(std::memory_order_relaxed));
    if (name == "notify-keyspace-events")
      engine_.keyspace_events().SetFlags(config_.live().notify_keyspace_events.load(std::memory_order_relaxed));
  });
  background_wg_.Add(1);
  runtime::Go([this] {
    SampleLoop();
    background_wg_.Done();
  }).Detach();
  background_wg_.Add(1);
  runtime::Go([this] {
    int sig = runtime::WaitSignal({SIGINT, SIGTERM}, &signal_cancel_);
    if (sig != 0) {
      runtime::LogWarning("Received %s scheduling shutdown...", sig == SIGINT ? "SIGINT" : "SIGTERM");
      Shutdown();
    }
    background_wg_.Done();
  }).Detach();

  shutdown_requested_.Recv();
  shutting_down_.store(true, std::memory_order_seq_cst);
  runtime::LogWarning("User requested shutdown...");
  for (auto& l : listeners_) l->Close();
  for (auto& f : acceptors) (void)f.Join();
  // Idle clients are closed now; a client in the middle of a command finishes
  // it and writes its reply first.
  ForEachClient([](Connection& c) { c.Kill(/*after_reply=*/true); });
  engine_.order_log().StopBlockingReads();  // parked ORDER.READ ... BLOCK answer now
  engine_.blocking().UnblockAll(engine::UnblockMode::kTimeout);  // parked BLPOP & co. too
  connections_wg_.Wait();
  // A SHUTDOWN command (not a signal) leaves the signal fiber parked: end it,
  // so no fiber outlives the runtime (LeakSanitizer saw it after SHUTDOWN).
  signal_cancel_.Cancel();
  background_wg_.Wait();
  // Destroy the listeners while the runtime lives: their poll descriptors
  // deregister from its poller (after Run returns that is a use-after-free
  // that corrupted the heap at exit — found by ASan).
  listeners_.clear();
  for (auto& hook : shutdown_hooks_) hook();
  runtime::LogWarning("stockd is now ready to exit, bye bye...");
  return absl::OkStatus();
}

void Server::AcceptLoop(runtime::Listener* listener) {
  while (!shutting_down()) {
    auto conn = listener->Accept();
    if (!conn.ok()) {
      if (absl::IsCancelled(conn.status()) || shutting_down()) return;
      runtime::LogWarning("Accepting client connection: %s", std::string(conn.status().message()));
      runtime::Sleep(absl::Milliseconds(10));  // e.g. EMFILE: back off instead of spinning
      continue;
    }
    stats_.total_connections_received.fetch_add(1, std::memory_order_relaxed);
    connections_wg_.Add(1);
    runtime::Go([this, c = std::move(*conn)]() mutable {
      ServeConnection(std::move(c));
      connections_wg_.Done();
    }).Detach();
  }
}

void Server::ServeConnection(std::unique_ptr<runtime::Conn> conn) {
  config::LiveOptions& live = config_.live();
  if (static_cast<int64_t>(connected_clients()) >= live.maxclients.load(std::memory_order_relaxed)) {
    stats_.rejected_connections.fetch_add(1, std::memory_order_relaxed);
    (void)conn->Write("-ERR max number of clients reached\r\n", absl::Now() + absl::Seconds(1));
    conn->Close();
    return;
  }
  if (live.protected_mode.load(std::memory_order_relaxed) && !auth_required() && !conn->RemoteIsLoopback()) {
    stats_.rejected_connections.fetch_add(1, std::memory_order_relaxed);
    (void)conn->Write(
        "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for "
        "the default user. In this mode connections are only accepted from the loopback interface. If you want to "
        "connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable "
        "protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by "
        "connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly "
        "accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) "
        "Alternatively you can just disable the protected mode by editing the Redis configuration file, and "
        "setting the protected mode option to 'no', and then restarting the server. 3) If you started the server "
        "manually just for testing, restart it with the '--protected-mode no' option. 4) Setup a an "
        "authentication password for the default user. NOTE: You only need to do one of the above things in "
        "order for the server to start accepting connections from the outside.\r\n",
        absl::Now() + absl::Seconds(1));
    conn->Close();
    return;
  }
  (void)conn->SetNoDelay(true);
  if (int64_t ka = live.tcp_keepalive.load(std::memory_order_relaxed); ka > 0) (void)conn->SetKeepAlive(static_cast<int>(ka));
  auto c = std::make_unique<Connection>(*this, std::move(conn), next_client_id_.fetch_add(1, std::memory_order_relaxed));
  Register(c.get());
  if (shutting_down()) c->Kill();
  // A panic (an exception out of a command) ends this client only: the
  // connection answers an error and closes, and is unregistered as always.
  try {
    c->Serve();
  } catch (const std::exception& e) {
    c->Panicked(e.what());
  } catch (...) {
    c->Panicked("unknown exception");
  }
  Unregister(c.get());
  const runtime::Chan<int> gone = c->gone();
  c.reset();
  gone.Close();
}

void Server::ActiveExpireLoop() {
  while (!shutting_down()) {
    int hz = std::max(1, config_.options().hz);
    runtime::Sleep(absl::Milliseconds(1000 / hz));
    if (shutting_down()) break;
    if (client_pause_.paused()) continue;  // as Redis: a paused server's keys stay put
    // Redis spends at most 25% of a cycle's period on active expiry.
    engine_.ActiveExpireCycle(absl::Milliseconds(250 / hz));
    if (engine_.keyspace_events().tracking()) tracking_.AfterCommand(0);  // BCAST batches of expired keys
  }
}

uint64_t AllocatedBytes() {
#if STOCKD_SANITIZER_MALLOC
  return __sanitizer_get_current_allocated_bytes();  // glibc's counters stay near 0 under a sanitizer
#else
  if (mallctl != nullptr) {
    uint64_t epoch = 1;  // refreshes jemalloc's statistics
    size_t len = sizeof(epoch);
    mallctl("epoch", &epoch, &len, &epoch, len);
    size_t allocated = 0;
    len = sizeof(allocated);
    if (mallctl("stats.allocated", &allocated, &len, nullptr, 0) == 0) return allocated;
  }
  struct mallinfo2 mi = mallinfo2();
  return mi.uordblks + mi.hblkhd;
#endif
}

std::string AllocatorName() {
#if !STOCKD_SANITIZER_MALLOC
  const char* version = nullptr;
  size_t len = sizeof(version);
  if (mallctl != nullptr && mallctl("version", &version, &len, nullptr, 0) == 0 && version != nullptr) {
    std::string v(version);
    return "jemalloc-" + v.substr(0, v.find('-'));  // as Redis: jemalloc-5.3.0
  }
#endif
  return "libc";
}

void Server::SampleMemory() {
  const int64_t max = config_.live().maxmemory.load(std::memory_order_relaxed);
  if (max <= 0) {  // no limit: no sampling cost (INFO memory reads mallinfo2 itself)
    engine_.SetOverMaxmemory(false);
    return;
  }
  const uint64_t used = AllocatedBytes();
  used_memory_.store(used, std::memory_order_relaxed);
  engine_.SetOverMaxmemory(used > static_cast<uint64_t>(max));
}

void Server::SampleLoop() {
  while (!shutting_down()) {
    runtime::Sleep(absl::Milliseconds(100));
    SampleMemory();
    SampleInstantaneous();
  }
}

void Server::LogIfSlow(const engine::Command* cmd, absl::Span<const std::string_view> argv, int64_t duration_us,
                       const Connection* client) {
  const config::LiveOptions& live = config_.live();
  const int64_t slower_than = live.slowlog_log_slower_than.load(std::memory_order_relaxed);
  if (slower_than < 0 || duration_us < slower_than) return;
  if (cmd != nullptr && cmd->has_flag(engine::kSkipSlowlog)) return;
  slowlog_.Add(argv, duration_us, client != nullptr ? client->remote_address() : "?:0",
               client != nullptr ? client->name() : "", live.slowlog_max_len.load(std::memory_order_relaxed));
}

int64_t Server::SteadyNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void Server::SampleInstantaneous() {
  const int64_t now_ms = SteadyNowMs();
  const NetTotals net = Net();
  size_t in_max = 0, out_max = 0;
  ForEachClient([&](Connection& c) {
    in_max = std::max(in_max, c.query_buffer());
    out_max = std::max(out_max, c.output_buffer());
  });
  recent_input_.Sample(now_ms, in_max);
  recent_output_.Sample(now_ms, out_max);
  inst_ops_.Sample(now_ms, engine_.counters().total_commands);
  inst_input_.Sample(now_ms, net.input_bytes);
  inst_output_.Sample(now_ms, net.output_bytes);
}

NetTotals Server::Net() {
  NetTotals t;
  t.input_bytes = stats_.closed_net_input_bytes.load(std::memory_order_relaxed);
  t.output_bytes = stats_.closed_net_output_bytes.load(std::memory_order_relaxed);
  t.reads = stats_.closed_reads_processed.load(std::memory_order_relaxed);
  t.writes = stats_.closed_writes_processed.load(std::memory_order_relaxed);
  ForEachClient([&](Connection& c) {
    t.input_bytes += c.net_input_bytes();
    t.output_bytes += c.net_output_bytes();
    t.reads += c.reads_processed();
    t.writes += c.writes_processed();
  });
  return t;
}

}  // namespace stockd::server
