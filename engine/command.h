// engine/command.h — the command table: every command is declared once, as a
// row (name, arity, flags, key positions, handler, documentation), and checked
// centrally before its handler runs (as Redis's struct redisCommand does).
//
// Contract:
//  * Arity follows Redis: N > 0 means exactly N arguments, -N means at least N,
//    both counting the command name (and, for a subcommand, counting the
//    container and the subcommand name: OBJECT ENCODING key has arity 3).
//  * Key positions follow Redis's legacy (first_key, last_key, key_step) triple,
//    indexes into argv: last_key -1 is the last argument, -2 the one before it.
//    first_key 0 means "no keys". The dispatcher hashes exactly these arguments
//    to find and lock the command's shards; a handler touches no other key
//    unless its row carries kNoKeyLock and it locks through CommandContext.
//  * Names are stored lowercase; Find() is case-insensitive and does not
//    allocate (it is on every command's path).
//  * A container command (OBJECT, CLIENT, CONFIG, ...) is a row without a
//    handler whose subcommands are rows registered with RegisterSubcommand; the
//    dispatcher resolves argv[1] among them (case-insensitively) and replies
//    "ERR unknown subcommand 'x'. Try OBJECT HELP." when there is none.
//  * Thread-safety: Register* happen before the engine serves commands (the
//    table is then read-only); Find and iteration are safe from any thread.
//    Per-command statistics are striped relaxed atomics (CommandStats).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "engine/key_hash.h"

namespace stockd::engine {

class CommandContext;

// A command handler: parses ctx.argv, runs against the locked keyspace and
// replies exactly once through ctx.reply (errors through ctx.Error). It never
// parks the fiber (shard locks are held while it runs).
using Handler = void (*)(CommandContext&);

// Command flags. Each is explained once here; the names follow Redis 7's
// command flags so COMMAND INFO can print them (see FlagNames()).
enum CommandFlag : uint32_t {
  kWrite = 1u << 0,          // may modify the keyspace ("write")
  kReadOnly = 1u << 1,       // only reads data ("readonly")
  kDenyOom = 1u << 2,        // may grow memory: refused when over maxmemory ("denyoom")
  kAdmin = 1u << 3,          // administrative, dangerous for users ("admin")
  kPubSub = 1u << 4,         // a pub/sub command ("pubsub")
  kNoScript = 1u << 5,       // not allowed from scripts ("noscript")
  kBlocking = 1u << 6,       // may block the client, e.g. BLPOP ("blocking")
  kLoading = 1u << 7,        // allowed while the dataset is being loaded ("loading")
  kStale = 1u << 8,          // allowed on a replica with stale data ("stale")
  kSkipMonitor = 1u << 9,    // not shown to MONITOR ("skip_monitor")
  kSkipSlowlog = 1u << 10,   // not recorded in the slow log ("skip_slowlog")
  kFast = 1u << 11,          // O(1) or O(log N) ("fast")
  kNoAuth = 1u << 12,        // allowed before AUTH ("no_auth")
  kMayReplicate = 1u << 13,  // may produce replication traffic ("may_replicate")
  kNoMulti = 1u << 14,       // not allowed inside MULTI ("no_multi")
  kAllowBusy = 1u << 15,     // allowed while a script is busy ("allow_busy")
  kNoMandatoryKeys = 1u << 16,  // key positions may be empty ("no_mandatory_keys")
  // stockd-specific (not printed by COMMAND INFO):
  // The dispatcher does not lock the key positions' shards: the handler locks
  // what it needs through CommandContext (LockKeys / LockDb / LockAll /
  // ForEachShard) — for commands that touch other databases (MOVE, COPY ... DB,
  // SWAPDB, FLUSHALL) or walk a whole database (KEYS, SCAN, DBSIZE).
  kNoKeyLock = 1u << 24,
};

// The Redis names of the flags set in `flags` ("write", "denyoom", ...), in
// the order Redis prints them.
std::vector<std::string_view> FlagNames(uint32_t flags);

// One row of the table, as a family declares it. String fields must outlive
// the table (string literals in practice).
struct CommandSpec {
  std::string_view name;  // lowercase, e.g. "get"; for a subcommand "encoding"
  int arity = 0;          // Redis convention (see the file comment)
  uint32_t flags = 0;     // CommandFlag bits
  int first_key = 0;      // 0 = no keys
  int last_key = 0;       // -1 = last argument
  int key_step = 0;
  Handler handler = nullptr;  // nullptr for a container command
  std::string_view acl_categories;  // "@string @fast" (the @write/@read/... implied by
                                    // flags are added by COMMAND INFO, as in Redis)
  std::string_view group;    // "string", "generic", "server", "connection", ...
  std::string_view summary;  // one line, as `COMMAND DOCS`
  std::string_view since;    // "1.0.0"
};

// Per-command counters for INFO commandstats, updated by the dispatcher after
// each call, read by INFO, zeroed by CONFIG RESETSTAT. Striped: each thread
// adds to one of kCells cache lines (relaxed), so two cores running the same
// command do not bounce one line at every call; a read sums the cells.
class CommandStats {
 public:
  enum Field {
    kCalls,
    // Microseconds in the handler (locks included). For kFast rows one call in
    // 8 is timed and counted 8 times: reading the clock is a large part of an
    // O(1) command, so their total is an unbiased estimate, not an exact sum.
    kUsec,
    kRejectedCalls,  // refused before the handler ran (arity, ...)
    kFailedCalls,    // the handler replied an error
    kFields
  };
  void Add(Field f, uint64_t n) { cells_[CellIndex()].v[f].fetch_add(n, std::memory_order_relaxed); }
  uint64_t Get(Field f) const;
  void Reset();

 private:
  static constexpr size_t kCells = 4;
  struct alignas(64) Cell {
    std::atomic<uint64_t> v[kFields] = {};
  };
  // This thread's cell (threads are numbered as they first count).
  static size_t CellIndex();
  Cell cells_[kCells];
};

// A registered row: the spec plus what the table derives from it.
class Command {
 public:
  Command(const CommandSpec& spec, Command* parent);
  Command(const Command&) = delete;
  Command& operator=(const Command&) = delete;

  const CommandSpec& spec() const { return spec_; }
  std::string_view name() const { return spec_.name; }
  // "get"; for a subcommand "object|encoding" (as Redis 7 names it everywhere).
  std::string_view full_name() const { return full_name_; }
  const Command* parent() const { return parent_; }
  bool is_container() const { return !subcommands_.empty(); }
  bool has_flag(uint32_t flag) const { return (spec_.flags & flag) != 0; }

  // Case-insensitive, no allocation; nullptr when unknown.
  const Command* FindSubcommand(std::string_view name) const;
  // Subcommands in registration order.
  const std::vector<const Command*>& subcommands() const { return ordered_subcommands_; }

  // True when argc satisfies the arity.
  bool ArityOk(size_t argc) const {
    return spec_.arity >= 0 ? argc == static_cast<size_t>(spec_.arity)
                            : argc >= static_cast<size_t>(-spec_.arity);
  }

  CommandStats& stats() const { return stats_; }

 private:
  friend class CommandTable;
  CommandSpec spec_;
  std::string full_name_;
  Command* parent_;
  absl::flat_hash_map<std::string, std::unique_ptr<Command>, KeyHasher, KeyEq> subcommands_;
  std::vector<const Command*> ordered_subcommands_;
  mutable CommandStats stats_;
};

class CommandTable {
 public:
  CommandTable();
  CommandTable(const CommandTable&) = delete;
  CommandTable& operator=(const CommandTable&) = delete;

  // Adds a top-level row; returns it (for RegisterSubcommand). Registering a
  // name twice replaces the earlier row's spec (so the server can override a
  // builtin), keeping its subcommands. REQUIRES: before serving.
  Command* Register(const CommandSpec& spec);
  // Adds a subcommand row under `parent` (a container, or a command that also
  // has subcommands). spec.name is the bare subcommand name ("encoding").
  Command* RegisterSubcommand(Command* parent, const CommandSpec& spec);

  // Case-insensitive lookup of a top-level command; no allocation. nullptr
  // when unknown (including names longer than kMaxNameLength).
  const Command* Find(std::string_view name) const;
  Command* FindMutable(std::string_view name);

  // Top-level commands in registration order (COMMAND, COMMAND COUNT/LIST/INFO).
  const std::vector<const Command*>& commands() const { return ordered_; }
  size_t size() const { return ordered_.size(); }

  // Zeroes every row's CommandStats (CONFIG RESETSTAT).
  void ResetStats();

  static constexpr size_t kMaxNameLength = 64;

 private:
  // Identifies this table's current contents for the per-thread lookup cache
  // in Find (a fresh id per table and per registration, never reused).
  uint64_t generation_;

  absl::flat_hash_map<std::string, std::unique_ptr<Command>, KeyHasher, KeyEq> by_name_;
  std::vector<const Command*> ordered_;
};

}  // namespace stockd::engine
