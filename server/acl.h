// server/acl.h — ACL users and the permission check (Redis 7 ACLs).
//
// Invariant (what every command relies on): a connection runs a command only
// if its user — the snapshot it holds, refreshed whenever the store changed —
// allows that command (or subcommand) by its bit in the user's command bitmap
// and every key the command names matches one of the user's key patterns with
// the needed read/write permission. Commands flagged no_auth (AUTH, HELLO,
// QUIT, RESET) are always allowed, as in Redis. A user is never mutated in
// place: ACL SETUSER builds a new User from a copy, applying every modifier or
// none, and swaps it in; so a check reads an immutable User without a lock.
//
// The pieces:
//  * CommandIndex — every row of the command table (subcommands included)
//    with a dense id and its ACL category bits (declared + implied by flags,
//    as COMMAND INFO shows them). Built once, after every family registered.
//  * User — on/off, passwords as SHA-256 hex digests, nopass, the command
//    bitmap (plus "started from +@all"), key patterns (~, %R~, %W~), channel
//    patterns (&; stored and shown — stockd has no pub/sub).
//  * AclStore — the users by name (thread-safe: a mutex around the map, a
//    generation counter bumped on every change), authentication with a
//    constant-time compare, ACL LOG, the aclfile's LOAD/SAVE format.
//  * ClientUser — a connection's binding to its user (owned by the
//    connection's fiber; name() readable by any fiber for CLIENT LIST).
//
// Texts follow Redis 7.0.15 (the installed oracle), including its way of
// describing command rules (ACL LIST / GETUSER: best-fitting categories, then
// single commands).
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "engine/command.h"

namespace stockd::server::acl {

// Key permission bits of a key pattern and of a key access.
enum KeyPerm : uint8_t { kKeyRead = 1, kKeyWrite = 2, kKeyAll = 3 };

// Redis 7's ACL categories, in ACL CAT order, then stockd's own "stock"
// (STOCK.*, ORDER.*, CL.THROTTLE).
const std::vector<std::string_view>& CategoryNames();
// Bit of a category name (case-insensitive, without '@'), or -1.
int CategoryBit(std::string_view name);
// A command's categories as bits of CategoryNames(): the declared ones plus
// those its flags imply (Redis's setImplicitACLCategories). ACL checks and
// COMMAND INFO both read them.
uint64_t CommandCategories(const engine::Command& c);

class CommandIndex {
 public:
  explicit CommandIndex(const engine::CommandTable& table);
  size_t size() const { return commands_.size(); }
  // -1 when the command is not in the table the index was built from.
  int Id(const engine::Command* c) const;
  const engine::Command* command(int id) const { return commands_[static_cast<size_t>(id)]; }
  uint64_t categories(int id) const { return categories_[static_cast<size_t>(id)]; }
  // "get" or "config|get" (case-insensitive); nullptr when unknown.
  const engine::Command* Find(std::string_view full_name) const;
  const engine::CommandTable& table() const { return table_; }

 private:
  const engine::CommandTable& table_;
  std::vector<const engine::Command*> commands_;  // by id: depth-first, table order
  std::vector<uint64_t> categories_;
  absl::flat_hash_map<const engine::Command*, int> ids_;
};

// The read/write permissions a command needs on its keys: Redis derives them
// from key specs; stockd's rows carry legacy key positions, so it is read for
// readonly rows, write for write rows, and read+write for the write commands
// that also return what they read (GETSET, INCR, LPOP, SET ... GET, ...).
uint8_t KeyPermsNeeded(const engine::Command& cmd, absl::Span<const std::string_view> argv);

// The keys an ACL check looks at: (argv index, permissions needed). The row's
// legacy positions, except where Redis finds keys another way — numkeys
// commands (EVAL/FCALL, ZUNIONSTORE, LMPOP, SINTERCARD, ...) — or needs
// different permissions per key (COPY src/dst, SINTERSTORE dst/srcs, ...).
struct KeyRef {
  size_t pos;
  uint8_t perms;
};
// Inline storage: no allocation for commands with up to 8 keys (the check runs per command).
using KeyRefs = absl::InlinedVector<KeyRef, 8>;
KeyRefs AclKeys(const engine::Command& cmd, absl::Span<const std::string_view> argv);

struct KeyPattern {
  std::string pattern;
  uint8_t perms = kKeyAll;
  bool operator==(const KeyPattern&) const = default;
};

struct User {
  std::string name;
  bool enabled = false;
  bool nopass = false;
  bool sanitize_payload = false;        // set by "reset" (shown in flags, no effect here)
  std::vector<std::string> passwords;   // SHA-256 hex digests, in the order added
  bool all_future_commands = false;     // the rules start from +@all (ACL LIST shows "+@all ...")
  std::vector<bool> allowed;            // by CommandIndex id
  bool all_keys = false;
  std::vector<KeyPattern> keys;
  bool all_channels = false;
  std::vector<std::string> channels;
  // Derived at commit: every command, key and channel allowed — the fast path.
  bool unrestricted = false;
};

// Why a check failed (ACL LOG "reason").
enum class Denial { kNone, kCommand, kKey, kChannel, kAuth };

// One ACL LOG entry (Redis 7.2's fields included: entry-id and timestamps).
struct LogEntry {
  uint64_t count = 1;
  std::string reason;   // "auth" | "command" | "key" | "channel"
  std::string context;  // "toplevel" | "multi" | "lua"
  std::string object;   // the command, key, or "AUTH"/"HELLO"
  std::string username;
  int64_t created_ms = 0;
  int64_t updated_ms = 0;
  uint64_t entry_id = 0;
  std::string client_info;  // a CLIENT LIST line
};

// SHA-256 of s as 64 lowercase hex characters.
std::string Sha256Hex(std::string_view s);
// 64 lowercase hex characters?
bool IsPasswordHash(std::string_view s);

class AclStore {
 public:
  AclStore();
  AclStore(const AclStore&) = delete;
  AclStore& operator=(const AclStore&) = delete;

  // Builds the command index; the default user then gets its bits. Call once,
  // after every command family registered and before serving.
  void Init(const engine::CommandTable& table);
  bool initialized() const { return index_ != nullptr; }
  const CommandIndex& index() const { return *index_; }

  // ACL SETUSER name op...: creates the user if needed; every op applies or
  // none. Errors carry Redis's text without "ERR ", e.g. "Error in ACL SETUSER
  // modifier 'foo': Syntax error".
  absl::Status SetUser(std::string_view name, absl::Span<const std::string_view> ops);
  std::shared_ptr<const User> Get(std::string_view name) const;
  // Removes the users that exist; returns their names. "default" is refused
  // by the caller.
  std::vector<std::string> Delete(absl::Span<const std::string_view> names);
  // All users, sorted by name.
  std::vector<std::shared_ptr<const User>> Users() const;
  // requirepass: the default user gets this password ("" = nopass), as Redis.
  void SetRequirePass(std::string_view pass);
  // True when new connections start unauthenticated (default user off or with passwords).
  bool default_requires_auth() const { return default_requires_auth_.load(std::memory_order_relaxed); }
  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

  // The user if name/pass are valid and the user is on, else nullptr. Every
  // stored digest is compared in full (see the .cc for why).
  std::shared_ptr<const User> Authenticate(std::string_view name, std::string_view pass) const;

  // The permission check: kNone, or why and at which argv index (the key).
  Denial Check(const User& u, const engine::Command& cmd, absl::Span<const std::string_view> argv,
               size_t* where) const;

  // "on #hash ~key resetchannels -@all +get" (ACL LIST without "user name ").
  std::string Describe(const User& u) const;
  std::string DescribeCommands(const User& u) const;
  std::string DescribeKeys(const User& u) const;
  std::string DescribeChannels(const User& u) const;

  // --- the aclfile ---
  // Replaces every user with the file's (all or nothing). Errors name
  // "path:line: reason". A file without "default" gets a fresh default user.
  absl::Status LoadFile(const std::string& path);
  absl::Status SaveFile(const std::string& path) const;
  // Users given as `user name op...` lines of the config file (at start).
  absl::Status LoadConfigUsers(const std::vector<std::vector<std::string>>& users);

  // --- ACL LOG ---
  void Log(Denial reason, std::string_view context, std::string_view object, std::string_view username,
           std::string client_info);
  std::vector<LogEntry> LogEntries(size_t count) const;  // newest first
  void ResetLog();

 private:
  absl::Status ApplyOp(User& u, std::string_view op) const;
  absl::Status ApplyOps(User& u, absl::Span<const std::string_view> ops) const;
  void SetCommandBit(User& u, const engine::Command* c, bool on) const;
  void SetCategory(User& u, int bit, bool on) const;
  void Finish(User& u) const;
  std::shared_ptr<User> NewDefaultUser() const;
  void CommitLocked(std::shared_ptr<User> u) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void UpdateDefaultLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  std::unique_ptr<CommandIndex> index_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::shared_ptr<const User>, engine::KeyHasher, engine::KeyEq> users_
      ABSL_GUARDED_BY(mu_);
  std::atomic<uint64_t> generation_{1};
  std::atomic<bool> default_requires_auth_{false};

  mutable absl::Mutex log_mu_;
  std::deque<LogEntry> log_ ABSL_GUARDED_BY(log_mu_);  // newest at the front
  uint64_t next_entry_id_ ABSL_GUARDED_BY(log_mu_) = 0;
};

// A connection's user. Bind/Current run on the connection's fiber only;
// name() from any fiber.
class ClientUser {
 public:
  void Bind(std::shared_ptr<const User> user, uint64_t generation);
  // The user as the store has it now (refreshed when the store changed), or
  // nullptr when the user was deleted (its connection is being closed).
  const User* Current(const AclStore& store);
  std::string name() const;

 private:
  std::shared_ptr<const User> user_;
  uint64_t generation_ = 0;
  mutable absl::Mutex name_mu_;
  std::string name_ ABSL_GUARDED_BY(name_mu_) = "default";
};

}  // namespace stockd::server::acl
