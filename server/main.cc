// server/main.cc — `stockd [config-file] [--directive value ...]`, like redis-server.
//
// Start-up: load the configuration (a bad line prints the file, line and
// reason and exits 1), create `dir`, build the engine and the runtime, then
// serve until SIGINT/SIGTERM/SHUTDOWN, and exit 0 after a graceful shutdown.
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <algorithm>
#include <filesystem>

#include "absl/synchronization/mutex.h"
#include "config/config.h"
#include "engine/engine.h"
#include "engine/lua/scripting.h"
#include "engine/order_log.h"
#include "runtime/log.h"
#include "runtime/scheduler.h"
#include "server/server.h"
#include "storage/persister.h"
#include "storage/storage_family.h"

// jemalloc's options, read at its start-up when stockd is linked with it
// (server/CMakeLists.txt); unused otherwise. Freed memory goes back to the
// OS within about a second, by a background thread, so an idle server's RSS
// falls after a burst of clients (jemalloc's default waits 10 s, and only
// while something allocates).
extern "C" const char* malloc_conf;
const char* malloc_conf = "background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0";
#include "storage/store.h"

namespace {

void Usage() {
  std::fprintf(stderr,
               "Usage: stockd [/path/to/stockd.conf] [--directive value ...]\n"
               "       stockd -v | --version\n"
               "       stockd -h | --help\n\n"
               "Examples:\n"
               "       stockd config/stockd.conf\n"
               "       stockd --port 7777 --dir /tmp/stockd\n"
               "       stockd config/stockd.conf --loglevel verbose\n");
}

}  // namespace

int main(int argc, char** argv) {
  // Debian's abseil is built without NDEBUG, so every absl::Mutex lock would
  // feed its lock-order graph (GraphCycles), on the durable-reply path too.
  // The tests keep the detection; the server does not pay for it.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  using namespace stockd;
  if (argc == 2 && (std::strcmp(argv[1], "-v") == 0 || std::strcmp(argv[1], "--version") == 0)) {
    std::printf("stockd v=0.1.0 (Redis-compatible 7.0.15)\n");
    return 0;
  }
  if (argc == 2 && (std::strcmp(argv[1], "-h") == 0 || std::strcmp(argv[1], "--help") == 0)) {
    Usage();
    return 0;
  }
  config::Config cfg;
  if (absl::Status s = cfg.LoadCommandLine(argc, argv); !s.ok()) {
    std::fprintf(stderr, "\n%s\n", std::string(s.message()).c_str());
    return 1;
  }
  const config::Options& opt = cfg.options();
  if (!opt.logfile.empty() && std::freopen(opt.logfile.c_str(), "a", stderr) == nullptr) {
    std::fprintf(stdout, "Can't open the log file: %s\n", std::strerror(errno));
    return 1;
  }
  runtime::LogLevel level = runtime::LogLevel::kWarning;  // "nothing" logs only warnings
  if (runtime::ParseLogLevel(opt.loglevel, &level)) runtime::SetLogLevel(level);
  else runtime::SetLogLevel(runtime::LogLevel::kWarning);
  std::error_code ec;
  std::filesystem::create_directories(opt.dir, ec);
  if (ec) {
    runtime::LogWarning("Can't create the data directory '%s': %s", opt.dir, ec.message());
    return 1;
  }
  std::signal(SIGPIPE, SIG_IGN);
  // Like Redis: make room for maxclients plus our own descriptors.
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
    rlim_t want = static_cast<rlim_t>(opt.maxclients) + 64;
    if (rl.rlim_cur < want) {
      rl.rlim_cur = std::min(want, rl.rlim_max);
      setrlimit(RLIMIT_NOFILE, &rl);
    }
  }

  engine::EngineOptions eopt;
  eopt.databases = opt.databases;
  eopt.shards_per_db = opt.shards;
  eopt.proto_max_bulk_len = opt.proto_max_bulk_len;
  eopt.hll_sparse_max_bytes = opt.hll_sparse_max_bytes;
  eopt.busy_reply_threshold_ms = opt.busy_reply_threshold;
  eopt.lua_allow_undeclared_keys = opt.lua_allow_undeclared_keys;
  eopt.notify_keyspace_events = static_cast<uint32_t>(opt.notify_keyspace_events);
  engine::Engine engine(eopt);
  std::string config_file;
  if (argc > 1 && std::strncmp(argv[1], "--", 2) != 0) {
    std::error_code e2;
    auto abs = std::filesystem::absolute(argv[1], e2);
    config_file = e2 ? argv[1] : abs.string();
  }
  server::Server srv(cfg, engine, config_file);
  server::RegisterServerCommands(engine.commands());
  srv.AddInfoSection("stock", [&engine](std::string& out) { engine.order_log().AppendInfo(out); });

  // Storage: load the RocksDB store under `dir` before accepting clients, then
  // persist every write through the persister (storage/persister.h).
  absl::StatusOr<std::unique_ptr<storage::Store>> store = storage::Store::Open(opt.dir + "/rocksdb");
  if (!store.ok()) {
    runtime::LogWarning("Can't open the store in '%s': %s", opt.dir, std::string(store.status().message()));
    return 1;
  }
  storage::LoadStats load;
  if (absl::Status s = (*store)->Load(engine, &load); !s.ok()) {
    runtime::LogWarning("Can't load the store in '%s': %s", opt.dir, std::string(s.message()));
    return 1;
  }
  runtime::LogInfo("DB loaded from disk: %d keys, %d orders, %d user counts, %d reqids in %d ms (%d expired keys dropped)",
                   load.keys, load.orders, load.user_counts, load.reqids, load.load_ms, load.expired_keys);
  storage::PersisterOptions popt;
  popt.policy = storage::ParseFsyncPolicy(opt.order_fsync).value_or(storage::FsyncPolicy::kAlways);
  storage::Persister persister(**store, engine, popt);
  persister.Attach();
  storage::RegisterStorageFamily(engine.commands(), &persister, opt.dir);
  srv.AddInfoSection("persistence", [&](std::string& out) { storage::AppendPersistenceInfo(persister, load, out); });
  cfg.OnChange([&](std::string_view name) {  // scripting knobs (engine/lua/scripting.h)
    if (name != "busy-reply-threshold" && name != "lua-allow-undeclared-keys") return;
    auto v = cfg.Get([&](std::string_view n) { return n == name; });
    if (v.empty()) return;
    if (name == "busy-reply-threshold") {
      engine.scripting().set_busy_threshold_ms(std::strtoll(v[0].second.c_str(), nullptr, 10));
    } else {
      engine.scripting().set_allow_undeclared_keys(v[0].second == "yes");
    }
  });
  cfg.OnChange([&](std::string_view name) {
    if (name != "order-fsync") return;
    auto v = cfg.Get([](std::string_view n) { return n == "order-fsync"; });
    if (!v.empty()) persister.SetPolicy(storage::ParseFsyncPolicy(v[0].second).value_or(storage::FsyncPolicy::kAlways));
  });
  srv.SetPersisterStall([&](absl::Duration d) { persister.Stall(d); });  // DEBUG PERSISTER-STALL
  srv.AddShutdownHook([&] {
    if (absl::Status s = persister.Stop(); !s.ok()) runtime::LogWarning("Persister: %s", std::string(s.message()));
    if (absl::Status s = (*store)->Close(); !s.ok()) runtime::LogWarning("Closing the store: %s", std::string(s.message()));
  });

  runtime::Options ropt;
  ropt.procs = opt.procs;
  ropt.stack_size = static_cast<size_t>(opt.stack_size);
  runtime::Runtime rt(ropt);
  runtime::LogInfo("stockd 0.1.0 starting, pid=%d, procs=%d", static_cast<int>(getpid()), rt.procs());
  absl::Status served;
  absl::Status ran = rt.Run([&] {
    persister.Start();
    served = srv.Serve();
    (void)persister.Stop();  // when Serve failed before its shutdown hooks ran
  });
  if (!ran.ok()) {
    runtime::LogWarning("Server fiber failed: %s", std::string(ran.message()));
    return 1;
  }
  if (!served.ok()) {
    runtime::LogWarning("%s", std::string(served.message()));
    return 1;
  }
  return 0;
}
