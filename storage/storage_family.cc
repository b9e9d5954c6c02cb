// storage/storage_family.cc — see storage_family.h.
#include "storage/storage_family.h"

#include <atomic>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "engine/args.h"
#include "engine/command_context.h"
#include "runtime/fiber.h"
#include "runtime/log.h"

namespace stockd::storage {
namespace {

using engine::CommandContext;

// Handlers are plain function pointers: the family's state lives here.
Persister* g_persister = nullptr;
std::string* g_dir = nullptr;
std::atomic<int64_t> g_last_save{0};
std::atomic<bool> g_bgsave_running{false};
std::atomic<bool> g_last_bgsave_ok{true};
std::atomic<uint64_t> g_written_at_save{0};

absl::Status DoSave() {
  const uint64_t written = g_persister->WrittenSeq();
  absl::StatusOr<std::string> path = g_persister->Checkpoint(*g_dir);
  if (!path.ok()) {
    runtime::LogWarning("Checkpoint failed: %s", std::string(path.status().message()));
    return path.status();
  }
  g_last_save.store(absl::ToUnixSeconds(absl::Now()), std::memory_order_relaxed);
  g_written_at_save.store(written, std::memory_order_relaxed);
  runtime::LogInfo("Checkpoint saved in %s", *path);
  return absl::OkStatus();
}

void CmdSave(CommandContext& ctx) {
  if (g_bgsave_running.load()) {
    ctx.Error("ERR Background save already in progress");
    return;
  }
  absl::Status s = DoSave();
  if (!s.ok()) {
    ctx.Error(absl::StrCat("ERR ", s.message()));
    return;
  }
  ctx.reply.Ok();
}

void CmdBgsave(CommandContext& ctx) {
  // Redis 7.0: BGSAVE [SCHEDULE], nothing else.
  if (ctx.argv.size() > 2 || (ctx.argv.size() == 2 && !engine::EqualsIgnoreCase(ctx.argv[1], "schedule"))) {
    ctx.Error("ERR syntax error");
    return;
  }
  if (g_bgsave_running.exchange(true)) {
    ctx.Error("ERR Background save already in progress");
    return;
  }
  runtime::Go([] {
    g_last_bgsave_ok.store(DoSave().ok());
    g_bgsave_running.store(false);
  }).Detach();
  // Inside EXEC (the only held call BGSAVE may run in: it is noscript) Redis
  // defers the save to after the transaction and says so.
  ctx.reply.SimpleString(ctx.session.no_block ? "Background saving scheduled" : "Background saving started");
}

void CmdLastsave(CommandContext& ctx) { ctx.reply.Integer(g_last_save.load(std::memory_order_relaxed)); }

void Line(std::string& out, std::string_view name, uint64_t v) {
  absl::StrAppend(&out, absl::string_view(name.data(), name.size()), ":", v, "\r\n");
}
void Line(std::string& out, std::string_view name, std::string_view v) {
  absl::StrAppend(&out, absl::string_view(name.data(), name.size()), ":", absl::string_view(v.data(), v.size()),
                  "\r\n");
}

}  // namespace

void RegisterStorageFamily(engine::CommandTable& t, Persister* persister, std::string dir) {
  g_persister = persister;
  delete g_dir;
  g_dir = new std::string(std::move(dir));
  g_last_save.store(absl::ToUnixSeconds(absl::Now()));
  // As Redis 7.0: SAVE is refused inside MULTI, BGSAVE is not (it only starts the fiber).
  constexpr uint32_t kSaveFlags = engine::kAdmin | engine::kNoScript | engine::kNoAsyncLoading;
  t.Register({.name = "save", .arity = 1, .flags = kSaveFlags | engine::kNoMulti, .handler = CmdSave, .acl_categories = "@slow",
              .group = "server", .since = "1.0.0"});
  t.Register({.name = "bgsave", .arity = -1, .flags = kSaveFlags, .handler = CmdBgsave, .acl_categories = "@slow",
              .group = "server", .since = "1.0.0"});
  t.Register({.name = "lastsave", .arity = 1,
              .flags = engine::kLoading | engine::kStale | engine::kFast, .handler = CmdLastsave,
              .acl_categories = "@admin @dangerous @fast", .group = "server", .since = "1.0.0"});
}

void AppendPersistenceInfo(const Persister& p, const LoadStats& load, std::string& out) {
  PersisterStats st = p.stats();
  Line(out, "loading", 0);
  Line(out, "async_loading", 0);
  Line(out, "keys_loaded", load.keys);
  Line(out, "orders_loaded", load.orders);
  Line(out, "load_time_ms", static_cast<uint64_t>(load.load_ms));
  Line(out, "order_fsync", FsyncPolicyName(p.policy()));
  Line(out, "batches", st.batches);
  absl::StrAppend(&out, "avg_batch_records:",
                  absl::StrFormat("%.2f", st.batches ? static_cast<double>(st.records) / st.batches : 0.0), "\r\n");
  absl::StrAppend(&out, "avg_batch_items:",
                  absl::StrFormat("%.2f", st.batches ? static_cast<double>(st.items) / st.batches : 0.0), "\r\n");
  Line(out, "fsyncs", st.fsyncs);
  Line(out, "last_fsync_us", st.last_fsync_us);
  Line(out, "pending_records", st.pending_items);
  Line(out, "written_seq", st.written_seq);
  Line(out, "durable_seq", st.durable_seq);
  Line(out, "write_errors", st.write_errors);
  Line(out, "rdb_changes_since_last_save", st.written_seq - g_written_at_save.load(std::memory_order_relaxed));
  Line(out, "rdb_bgsave_in_progress", g_bgsave_running.load() ? 1 : 0);
  Line(out, "rdb_last_save_time", static_cast<uint64_t>(g_last_save.load(std::memory_order_relaxed)));
  Line(out, "rdb_last_bgsave_status", g_last_bgsave_ok.load() ? "ok" : "err");
  Line(out, "aof_enabled", 0);
  Line(out, "aof_rewrite_in_progress", 0);
  Line(out, "aof_last_write_status", st.last_error.empty() ? "ok" : "err");
  if (!st.last_error.empty()) Line(out, "last_write_error", st.last_error);
}

}  // namespace stockd::storage
