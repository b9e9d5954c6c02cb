// engine/command.h — the command table: every command is declared once, as a
// row (name, arity, flags, key positions, handler, group, since, deprecation),
// and checked centrally before its handler runs (as Redis's struct
// redisCommand does). Its summary, complexity and arguments are its
// CommandDoc (engine/command_docs.h).
//
// Contract:
//  * Arity follows Redis: N > 0 means exactly N arguments, -N means at least N,
//    both counting the command name (and, for a subcommand, counting the
//    container and the subcommand name: OBJECT ENCODING key has arity 3).
//  * A row's keys are given by these specs, any or all:
//     - Redis's legacy (first_key, last_key, key_step) triple, indexes into
//       argv: last_key -1 is the last argument, -2 the one before it;
//       first_key 0 means "none". COMMAND INFO prints it as is.
//     - numkeys_at > 0 (Redis's "keynum" key spec, for commands whose keys
//       follow a count: ZUNION, ZUNIONSTORE's sources, SINTERCARD, ZMPOP,
//       BZMPOP, EVAL ...): argv[numkeys_at] is the count N and the N arguments
//       after it are keys. N is read as Redis's key specs read it (string2ll,
//       as the handlers' ParseInt64Arg: so the keys locked are the keys the
//       handler touches); when it is not a valid count within 1 .. argc -
//       numkeys_at - 1 the call has no numkeys keys, and the handler must
//       reply its error without touching a key. COMMAND GETKEYS alone reads
//       it as Redis's getkeys procs do (atoi: "+2", "2x" count 2). Such rows
//       are "movablekeys" in COMMAND INFO.
//     - key_scan (Redis's getkeys procs for a key after a keyword anywhere:
//       SORT ... STORE dst): a function that scans the call's arguments and
//       reports further key indexes. Such rows are "movablekeys" too.
//     - streams_keyword_from (Redis's keyword key spec of XREAD/XREADGROUP):
//       the keys are the first half of the arguments after STREAMS.
//    Command::ForEachKeyIndex enumerates a call's keys (triple first, then the
//    scanned keys, then the numkeys or streams keys) and is the only place
//    that interprets these fields: the dispatcher (Engine::Execute /
//    ExecuteHeld: script key checks), EXEC's lock plan, a woken blocked
//    command's re-lock, COMMAND GETKEYS and ACL key checks all walk it. The
//    dispatcher hashes exactly these arguments to find and lock the command's
//    shards; a handler touches no other key unless its row carries kNoKeyLock
//    and it locks through CommandContext (a kNoKeyLock row's key specs then
//    only describe it: EVAL's keys, COPY ... DB), or the call reads keys no
//    argument names (reads_unnamed_keys: SORT's BY/GET patterns), for which
//    the dispatcher locks the session's whole database.
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
#include "absl/functional/function_ref.h"
#include "engine/key_hash.h"
#include "engine/latency_histogram.h"

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
  kNoAsyncLoading = 1u << 17,   // refused while a replica loads asynchronously ("no_async_loading"; shown only)
  kAsking = 1u << 18,           // a cluster-migration command served during ASKING ("asking"; shown only: RESTORE-ASKING)
  // stockd-specific (not printed by COMMAND INFO):
  // The dispatcher does not lock the key positions' shards: the handler locks
  // what it needs through CommandContext (LockKeys / LockDb / LockAll /
  // ForEachShard) — for commands that touch other databases (MOVE, COPY ... DB,
  // SWAPDB, FLUSHALL) or walk a whole database (KEYS, SCAN, DBSIZE).
  kNoKeyLock = 1u << 24,
  // Dispatched through engine/blocking.h like a kBlocking row (it may park the
  // client, CLIENT UNBLOCK ends the wait, CLIENT LIST shows flag b), for a
  // command Redis does not flag "blocking" (WAIT).
  kMayBlock = 1u << 25,
  // The legacy triple names channels, not keys (Redis's NOT_KEY key spec:
  // SSUBSCRIBE, SUNSUBSCRIBE, SPUBLISH): COMMAND INFO prints it, and nothing
  // else (locking, ACL key checks, COMMAND GETKEYS, scripts, client tracking)
  // sees keys in such a row.
  kNotKey = 1u << 26,
};

// The Redis names of the flags set in `flags` ("write", "denyoom", ...), in
// the order Redis 7.0 prints them (COMMAND INFO), plus "movablekeys" in its
// place when movable_keys (Command::movable_keys: derived, not a flag bit).
// Like Redis, "may_replicate" is never printed.
std::vector<std::string_view> FlagNames(uint32_t flags, bool movable_keys = false);

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
  std::string_view group;  // "string", "generic", "server", "connection", ...
  std::string_view since;  // "1.0.0" (the summary, arguments ...: engine/command_docs.h)
  // Keys counted by an argument (see the file comment): argv[numkeys_at] is
  // the count, that many keys follow it. 0 = none. Last, so rows written with
  // positional initializers stay valid.
  int numkeys_at = 0;
  // COMMAND DOCS' doc_flags and deprecation, as Redis 7.0 documents them:
  // the version that deprecated the command and what replaces it (empty for
  // a current command); syscmd marks a system command (DEBUG).
  std::string_view deprecated_since = {};
  std::string_view replaced_by = {};
  bool syscmd = false;
  // XREAD / XREADGROUP (Redis's keyword key spec): when > 0, the first
  // argument at or after this index that is STREAMS (any case) starts the
  // keys, which are the first half (rounded down) of the arguments after it.
  // No keys when there is no STREAMS. Such rows are "movablekeys" and
  // dispatched like numkeys rows; a handler whose parse disagrees (an odd
  // count, ...) replies its error before touching a key.
  int streams_keyword_from = 0;
  // Keys found by scanning the arguments, as Redis's getkeys procs find a key
  // that follows a keyword anywhere in the call (SORT ... STORE dst; the same
  // fits GEORADIUS ... STORE/STOREDIST dst): when set, ForEachKeyIndex calls
  // it after the triple with the call's argc and an accessor of its
  // arguments, and it reports each further key's argv index through `key`.
  // Such rows are "movablekeys" and dispatched like numkeys rows; the
  // handler's parse must name the same keys.
  using KeyScan = void (*)(int argc, absl::FunctionRef<std::string_view(int)> arg,
                           absl::FunctionRef<void(int)> key);
  KeyScan key_scan = nullptr;
  // Whether a call reads keys no argument names (SORT's BY/GET patterns look
  // keys up from the elements). Such a call needs every shard of the
  // session's database: the dispatcher locks them all instead of the call's
  // keys, EXEC plans every shard, and a script runs it only while holding
  // every shard (lua-allow-undeclared-keys yes). nullptr: never.
  using ReadsUnnamedKeys = bool (*)(int argc, absl::FunctionRef<std::string_view(int)> arg);
  ReadsUnnamedKeys reads_unnamed_keys = nullptr;
};

// Per-command counters for INFO commandstats, updated by the dispatcher after
// each call, read by INFO, zeroed by CONFIG RESETSTAT. Striped: each thread
// adds to one of kCells cache lines (relaxed), so two cores running the same
// command do not bounce one line at every call; a read sums the cells.
class CommandStats {
 public:
  enum Field {
    kCalls,
    // Microseconds in the handler (locks included). Exact while latency
    // tracking or the latency monitor is on (every call is timed, as Redis);
    // with both off, one kFast call in 8 is timed and counted 8 times (reading
    // the clock is a large part of an O(1) command): an unbiased estimate.
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

  // How a numkeys count is read (see the file comment): kStrict as Redis's
  // key specs and the handlers (canonical decimal only), kAtoi as Redis's
  // getkeys procs behind COMMAND GETKEYS.
  enum class CountParse : uint8_t { kStrict, kAtoi };

  // Calls fn(i) for the index into argv of each key of this call: the legacy
  // triple's (bounded by argc), then the numkeys keys (see the file comment).
  // Returns false when the row counts keys by numkeys and argv[numkeys_at] is
  // not a valid count (no numkeys keys were enumerated); true otherwise.
  // Argv: a span or vector of string_view / string. REQUIRES: ArityOk(argc).
  template <typename Argv, typename Fn>
  bool ForEachKeyIndex(const Argv& argv, Fn&& fn, CountParse parse = CountParse::kStrict) const {
    const int argc = static_cast<int>(argv.size());
    if (spec_.first_key > 0 && !(spec_.flags & kNotKey)) {
      const int last = LastKeyIndex(argc);
      const int step = spec_.key_step > 0 ? spec_.key_step : 1;
      for (int i = spec_.first_key; i <= last && i < argc; i += step) fn(i);
    }
    if (spec_.key_scan != nullptr) {
      spec_.key_scan(argc, [&](int i) { return std::string_view(argv[static_cast<size_t>(i)]); },
                     [&](int i) { fn(i); });
    }
    if (spec_.streams_keyword_from > 0) {
      int first = 0;
      const int n = StreamsKeys(
          spec_.streams_keyword_from, argc, [&](int i) { return std::string_view(argv[static_cast<size_t>(i)]); },
          &first);
      for (int i = 0; i < n; ++i) fn(first + i);
      return n > 0;
    }
    const int at = spec_.numkeys_at;
    if (at <= 0) return true;
    const int n = at < argc ? NumKeys(std::string_view(argv[static_cast<size_t>(at)]), argc, parse) : 0;
    for (int i = 1; i <= n; ++i) fn(at + i);
    return n > 0;
  }
  // CommandSpec::reads_unnamed_keys of this call (false when the row has none).
  template <typename Argv>
  bool ReadsUnnamedKeys(const Argv& argv) const {
    return spec_.reads_unnamed_keys != nullptr &&
           spec_.reads_unnamed_keys(static_cast<int>(argv.size()),
                                    [&](int i) { return std::string_view(argv[static_cast<size_t>(i)]); });
  }
  // The number of numkeys keys of a call with argc arguments whose
  // argv[numkeys_at] is `count`, or 0 when it is not a valid count within
  // 1 .. argc - numkeys_at - 1 (or the row has no numkeys spec).
  int NumKeys(std::string_view count, int argc, CountParse parse = CountParse::kStrict) const;
  // The keys of a streams_keyword_from call of argc arguments: their count,
  // and *first the index of the first one.
  static int StreamsKeys(int from, int argc, absl::FunctionRef<std::string_view(int)> arg, int* first);
  // The legacy triple's last key index in a call of argc arguments (a
  // negative last_key counts from the end).
  int LastKeyIndex(int argc) const { return spec_.last_key < 0 ? argc + spec_.last_key : spec_.last_key; }
  // The index of the call's one key when the triple names exactly one that
  // argv holds, else -1: the dispatcher's single-key path (and the pipelined
  // look-ahead, Engine::LookaheadKey, which must agree with it).
  int SingleKeyIndex(int argc) const {
    return spec_.first_key > 0 && LastKeyIndex(argc) == spec_.first_key && spec_.first_key < argc ? spec_.first_key : -1;
  }
  // True when the row has keys (any spec).
  bool has_keys() const {
    return (spec_.first_key > 0 && !(spec_.flags & kNotKey)) || spec_.numkeys_at > 0 || spec_.streams_keyword_from > 0 || spec_.key_scan != nullptr;
  }
  // Redis's "movablekeys": a call's key positions depend on its arguments.
  bool movable_keys() const {
    return spec_.numkeys_at > 0 || spec_.streams_keyword_from > 0 || spec_.key_scan != nullptr;
  }

  // How the dispatcher locks this row's keys (derived from the spec, so the
  // single-key path tests one byte): kNone for a row without keys or with
  // kNoKeyLock, kTriple when only the legacy triple gives keys, kNumKeys when
  // the row has a numkeys spec.
  enum class DispatchKeys : uint8_t { kNone, kTriple, kNumKeys };
  DispatchKeys dispatch_keys() const { return dispatch_keys_; }

  CommandStats& stats() const { return stats_; }
  // Per-call durations (INFO latencystats, LATENCY HISTOGRAM), recorded by the dispatcher.
  LatencyHistogram& latency() const { return latency_; }

 private:
  friend class CommandTable;
  void SetSpec(const CommandSpec& spec);
  CommandSpec spec_;
  DispatchKeys dispatch_keys_ = DispatchKeys::kNone;
  std::string full_name_;
  Command* parent_;
  absl::flat_hash_map<std::string, std::unique_ptr<Command>, KeyHasher, KeyEq> subcommands_;
  std::vector<const Command*> ordered_subcommands_;
  mutable CommandStats stats_;
  mutable LatencyHistogram latency_;
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

  // Zeroes every row's CommandStats and LatencyHistogram (CONFIG RESETSTAT).
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
