// server/acl.cc — users, rules, the permission check, ACL LOG, the aclfile
// (see acl.h for the invariant).
#include "server/acl.h"

#include <openssl/sha.h>

#include <algorithm>
#include <cctype>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "config/config.h"
#include "engine/glob.h"

namespace stockd::server::acl {
namespace {

inline absl::string_view A(std::string_view s) { return absl::string_view(s.data(), s.size()); }

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

// ACLSetUserStringError's texts.
constexpr std::string_view kErrSyntax = "Syntax error";
constexpr std::string_view kErrUnknown = "Unknown command or category name in ACL";
constexpr std::string_view kErrKeysAfterAll =
    "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try "
    "'resetkeys' to start with an empty list of patterns";
constexpr std::string_view kErrChannelsAfterAll =
    "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. "
    "Try 'resetchannels' to start with an empty list of channels";
constexpr std::string_view kErrNoSuchPassword = "The password you are trying to remove from the user does not exist";
constexpr std::string_view kErrBadHash =
    "The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters";
constexpr std::string_view kErrSubcommandFirstArg = "Allowing first-arg of a subcommand is not supported";

absl::Status OpError(std::string_view why) { return absl::InvalidArgumentError(A(why)); }

bool HasSpaces(std::string_view s) {
  for (unsigned char c : s)
    if (std::isspace(c) || c == 0) return true;
  return false;
}

// Write commands that also read what they touch (Redis's ACCESS key flag):
// a %W~ pattern alone does not let a user run them.
const absl::flat_hash_set<std::string_view>& WritesThatRead() {
  static const auto* s = new absl::flat_hash_set<std::string_view>{
      "getset", "getdel", "getex", "incr", "incrby", "decr", "decrby", "incrbyfloat", "lpop", "rpop", "lmpop",
      "blpop", "brpop", "blmpop", "lmove", "blmove", "rpoplpush", "brpoplpush", "spop", "smove", "zpopmin",
      "zpopmax", "bzpopmin", "bzpopmax", "zmpop", "bzmpop", "hincrby", "hincrbyfloat", "zincrby", "sort",
      "stock.buy", "cl.throttle", "move"};
  return *s;
}

// Read-only commands that only look at a key's existence or metadata (no
// ACCESS flag in Redis): any matching pattern will do.
const absl::flat_hash_set<std::string_view>& MetadataOnly() {
  static const auto* s = new absl::flat_hash_set<std::string_view>{"exists", "type", "ttl", "pttl", "expiretime",
                                                                   "pexpiretime", "touch"};
  return *s;
}

}  // namespace

// --- categories ---

const std::vector<std::string_view>& CategoryNames() {
  static const auto* names = new std::vector<std::string_view>{
      "keyspace", "read",  "write",    "set",       "sortedset",  "list",        "hash",      "string",
      "bitmap",   "hyperloglog", "geo", "stream",    "pubsub",     "admin",       "fast",      "slow",
      "blocking", "dangerous", "connection", "transaction", "scripting", "stock"};
  return *names;
}

int CategoryBit(std::string_view name) {
  const auto& names = CategoryNames();
  for (size_t i = 0; i < names.size(); ++i)
    if (IEquals(names[i], name)) return static_cast<int>(i);
  return -1;
}

namespace {

uint64_t Bit(std::string_view name) {
  int b = CategoryBit(name);
  return b < 0 ? 0 : (uint64_t{1} << b);
}

}  // namespace

uint64_t CommandCategories(const engine::Command& c) {
  const engine::CommandSpec& s = c.spec();
  uint64_t cats = 0;
  std::string_view decl = s.acl_categories;
  while (!decl.empty()) {
    size_t sp = decl.find(' ');
    std::string_view tok = decl.substr(0, sp);
    decl = sp == std::string_view::npos ? std::string_view() : decl.substr(sp + 1);
    if (!tok.empty() && tok[0] == '@') cats |= Bit(tok.substr(1));
  }
  if (s.flags & engine::kWrite) cats |= Bit("write");
  if ((s.flags & engine::kReadOnly) && !(cats & Bit("scripting"))) cats |= Bit("read");
  if (s.flags & engine::kAdmin) cats |= Bit("admin") | Bit("dangerous");
  if (s.flags & engine::kPubSub) cats |= Bit("pubsub");
  if (s.flags & engine::kFast) cats |= Bit("fast");
  if (s.flags & engine::kBlocking) cats |= Bit("blocking");
  if (!(cats & Bit("fast"))) cats |= Bit("slow");
  // stockd's flash-sale commands (STOCK.*, ORDER.*, CL.THROTTLE) form @stock,
  // so a service can be given `+@stock -@write`, or `+order.read` alone.
  if (s.group == "stock") cats |= Bit("stock");
  return cats;
}

CommandIndex::CommandIndex(const engine::CommandTable& table) : table_(table) {
  auto add = [&](const engine::Command* c, uint64_t inherited) {
    ids_[c] = static_cast<int>(commands_.size());
    commands_.push_back(c);
    categories_.push_back(CommandCategories(*c) | inherited);
  };
  for (const engine::Command* c : table.commands()) {
    add(c, 0);
    for (const engine::Command* sub : c->subcommands()) add(sub, 0);
  }
}

int CommandIndex::Id(const engine::Command* c) const {
  auto it = ids_.find(c);
  return it == ids_.end() ? -1 : it->second;
}

const engine::Command* CommandIndex::Find(std::string_view full_name) const {
  size_t bar = full_name.find('|');
  const engine::Command* c = table_.Find(full_name.substr(0, bar));
  if (c == nullptr || bar == std::string_view::npos) return c;
  std::string_view sub = full_name.substr(bar + 1);
  if (sub.find('|') != std::string_view::npos) return nullptr;
  return c->FindSubcommand(sub);
}

uint8_t KeyPermsNeeded(const engine::Command& cmd, absl::Span<const std::string_view> argv) {
  const uint32_t flags = cmd.spec().flags;
  const std::string_view name = cmd.full_name();
  if (flags & engine::kWrite) {
    if (name == "set") {  // SET k v ... GET reads the old value too
      for (size_t i = 3; i < argv.size(); ++i)
        if (IEquals(argv[i], "get")) return kKeyAll;
      return kKeyWrite;
    }
    return WritesThatRead().contains(name) ? kKeyAll : kKeyWrite;
  }
  if (flags & engine::kReadOnly) return MetadataOnly().contains(name) ? 0 : kKeyRead;
  return kKeyAll;  // neither flag (EVAL's keys, ...): read and write
}

KeyRefs AclKeys(const engine::Command& cmd, absl::Span<const std::string_view> argv) {
  KeyRefs out;
  const std::string_view name = cmd.full_name();
  const engine::CommandSpec& spec = cmd.spec();
  // The keys are the row's (Command::ForEachKeyIndex: the legacy triple, then
  // the keys counted by numkeys, read as Redis reads them). Permissions:
  // `first` for the triple's first key, `rest` for its others, `counted` for
  // the numkeys keys (sources and destinations need different ones).
  uint8_t first = 0, rest = 0, counted = 0;
  if (name == "eval" || name == "evalsha" || name == "eval_ro" || name == "evalsha_ro" || name == "fcall" ||
      name == "fcall_ro" || name == "lmpop" || name == "zmpop" || name == "blmpop" || name == "bzmpop") {
    first = rest = counted = kKeyAll;
  } else if (name == "zunionstore" || name == "zinterstore" || name == "zdiffstore") {
    first = kKeyWrite, counted = kKeyRead;
  } else if (name == "copy" || name == "sort" || name == "georadius" || name == "georadiusbymember") {
    first = kKeyRead, rest = kKeyWrite;  // the source; the destination (SORT's and GEORADIUS's STORE)
  } else if (name == "rename" || name == "renamenx" || name == "smove" || name == "lmove" || name == "blmove" ||
             name == "rpoplpush" || name == "brpoplpush") {
    first = kKeyAll, rest = kKeyWrite;
  } else if (name == "sinterstore" || name == "sunionstore" || name == "sdiffstore" || name == "zrangestore" ||
             name == "geosearchstore") {
    first = kKeyWrite, rest = kKeyRead;
  } else {
    if (!cmd.has_keys()) return out;
    first = rest = counted = KeyPermsNeeded(cmd, argv);
  }
  cmd.ForEachKeyIndex(argv, [&](int i) {
    const uint8_t perms = spec.numkeys_at > 0 && i > spec.numkeys_at ? counted : i == spec.first_key ? first : rest;
    out.push_back({static_cast<size_t>(i), perms});
  });
  return out;
}

// --- hashing ---

std::string Sha256Hex(std::string_view s) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(s.data()), s.size(), digest);
  static const char* kHex = "0123456789abcdef";
  std::string out(2 * SHA256_DIGEST_LENGTH, '0');
  for (int i = 0; i < SHA256_DIGEST_LENGTH; ++i) {
    out[2 * i] = kHex[digest[i] >> 4];
    out[2 * i + 1] = kHex[digest[i] & 15];
  }
  return out;
}

bool IsPasswordHash(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

namespace {

// Compares two digests of equal length without an early exit. Why: a
// byte-by-byte compare that stops at the first difference answers faster the
// fewer leading bytes match, and over many tries that timing tells an
// attacker how much of the secret he has right. Comparing SHA-256 digests
// (always 64 hex characters) instead of the raw passwords also keeps the
// length of the stored password out of the timing.
bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;  // digests: never differs in length
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

}  // namespace

// --- the store ---

AclStore::AclStore() {
  absl::MutexLock lock(&mu_);
  users_["default"] = NewDefaultUser();  // no index yet: no bits, unrestricted
}

void AclStore::Init(const engine::CommandTable& table) {
  index_ = std::make_unique<CommandIndex>(table);
  absl::MutexLock lock(&mu_);
  // Users created before the index had no bits: give them theirs now.
  for (auto& [name, cu] : users_) {
    auto u = std::make_shared<User>(*cu);
    u->allowed.assign(index_->size(), u->all_future_commands);
    Finish(*u);
    cu = std::move(u);
  }
  generation_.fetch_add(1, std::memory_order_acq_rel);
  UpdateDefaultLocked();
}

std::shared_ptr<User> AclStore::NewDefaultUser() const {
  auto u = std::make_shared<User>();
  u->name = "default";
  u->enabled = true;
  u->nopass = true;
  u->all_keys = true;
  u->all_channels = true;
  u->all_future_commands = true;
  u->allowed.assign(index_ ? index_->size() : 0, true);
  Finish(*u);
  return u;
}

void AclStore::Finish(User& u) const {
  bool all = u.all_keys && u.all_channels;
  for (bool b : u.allowed) all = all && b;
  u.unrestricted = all;
}

void AclStore::SetCommandBit(User& u, const engine::Command* c, bool on) const {
  int id = index_->Id(c);
  if (id < 0) return;
  u.allowed[static_cast<size_t>(id)] = on;
  for (const engine::Command* sub : c->subcommands()) {
    int sid = index_->Id(sub);
    if (sid >= 0) u.allowed[static_cast<size_t>(sid)] = on;
  }
}

void AclStore::SetCategory(User& u, int bit, bool on) const {
  const uint64_t mask = uint64_t{1} << bit;
  for (size_t id = 0; id < index_->size(); ++id) {
    if (index_->categories(static_cast<int>(id)) & mask) SetCommandBit(u, index_->command(static_cast<int>(id)), on);
  }
}

absl::Status AclStore::ApplyOp(User& u, std::string_view op) const {
  if (op.empty()) return absl::OkStatus();
  if (IEquals(op, "on")) {
    u.enabled = true;
  } else if (IEquals(op, "off")) {
    u.enabled = false;
  } else if (IEquals(op, "skip-sanitize-payload") || IEquals(op, "sanitize-payload")) {
    u.sanitize_payload = IEquals(op, "sanitize-payload");
  } else if (IEquals(op, "nopass")) {
    u.nopass = true;
    u.passwords.clear();
  } else if (IEquals(op, "resetpass")) {
    u.nopass = false;
    u.passwords.clear();
  } else if (op[0] == '>' || op[0] == '#') {
    std::string hash;
    if (op[0] == '>') {
      hash = Sha256Hex(op.substr(1));
    } else {
      if (!IsPasswordHash(op.substr(1))) return OpError(kErrBadHash);
      hash = std::string(op.substr(1));
    }
    if (std::find(u.passwords.begin(), u.passwords.end(), hash) == u.passwords.end()) u.passwords.push_back(hash);
    u.nopass = false;
  } else if (op[0] == '<' || op[0] == '!') {
    std::string hash;
    if (op[0] == '<') {
      hash = Sha256Hex(op.substr(1));
    } else {
      if (!IsPasswordHash(op.substr(1))) return OpError(kErrBadHash);
      hash = std::string(op.substr(1));
    }
    auto it = std::find(u.passwords.begin(), u.passwords.end(), hash);
    if (it == u.passwords.end()) return OpError(kErrNoSuchPassword);
    u.passwords.erase(it);
  } else if (IEquals(op, "clearselectors")) {
    // stockd has no selectors beyond the root one: nothing to clear.
  } else if (IEquals(op, "reset")) {
    u.nopass = false;
    u.passwords.clear();
    u.all_keys = false;
    u.keys.clear();
    u.all_channels = false;
    u.channels.clear();
    u.enabled = false;
    u.sanitize_payload = true;
    u.all_future_commands = false;
    u.allowed.assign(index_->size(), false);
  } else if (IEquals(op, "allkeys") || op == "~*") {
    u.all_keys = true;
    u.keys.clear();
  } else if (IEquals(op, "resetkeys")) {
    u.all_keys = false;
    u.keys.clear();
  } else if (IEquals(op, "allchannels") || op == "&*") {
    u.all_channels = true;
    u.channels.clear();
  } else if (IEquals(op, "resetchannels")) {
    u.all_channels = false;
    u.channels.clear();
  } else if (IEquals(op, "allcommands") || IEquals(op, "+@all")) {
    u.allowed.assign(index_->size(), true);
    u.all_future_commands = true;
  } else if (IEquals(op, "nocommands") || IEquals(op, "-@all")) {
    u.allowed.assign(index_->size(), false);
    u.all_future_commands = false;
  } else if (op[0] == '~' || op[0] == '%') {
    if (u.all_keys) return OpError(kErrKeysAfterAll);
    uint8_t perms = 0;
    size_t offset = 1;
    if (op[0] == '%') {
      bool closed = false;
      for (; offset < op.size(); ++offset) {
        char c = static_cast<char>(std::toupper(static_cast<unsigned char>(op[offset])));
        if (c == 'R' && !(perms & kKeyRead)) {
          perms |= kKeyRead;
        } else if (c == 'W' && !(perms & kKeyWrite)) {
          perms |= kKeyWrite;
        } else if (op[offset] == '~') {
          ++offset;
          closed = true;
          break;
        } else {
          return OpError(kErrSyntax);
        }
      }
      if (!closed || perms == 0) return OpError(kErrSyntax);
    } else {
      perms = kKeyAll;
    }
    std::string_view pat = op.substr(offset);
    if (HasSpaces(pat)) return OpError(kErrSyntax);
    auto it = std::find_if(u.keys.begin(), u.keys.end(), [&](const KeyPattern& p) { return p.pattern == pat; });
    if (it == u.keys.end()) u.keys.push_back({std::string(pat), perms});
    else it->perms |= perms;
  } else if (op[0] == '&') {
    if (u.all_channels) return OpError(kErrChannelsAfterAll);
    std::string_view pat = op.substr(1);
    if (HasSpaces(pat)) return OpError(kErrSyntax);
    if (std::find(u.channels.begin(), u.channels.end(), pat) == u.channels.end()) u.channels.emplace_back(pat);
  } else if ((op[0] == '+' || op[0] == '-') && op.size() > 1 && op[1] == '@') {
    int bit = CategoryBit(op.substr(2));
    if (bit < 0) return OpError(kErrUnknown);
    SetCategory(u, bit, op[0] == '+');
  } else if (op[0] == '+' || op[0] == '-') {
    std::string_view name = op.substr(1);
    size_t bar = name.rfind('|');
    if (op[0] == '+' && bar != std::string_view::npos) {  // Redis checks the '|' form only when adding
      const engine::Command* parent = index_->Find(name.substr(0, bar));
      if (parent == nullptr) return OpError(kErrUnknown);
      if (parent->parent() != nullptr) return OpError(kErrSubcommandFirstArg);
      if (bar + 1 == name.size()) return OpError(kErrSyntax);
      // A first argument of a command without subcommands (Redis's
      // deprecated `+select|0`) is not supported: it resolves to no command.
    }
    const engine::Command* c = index_->Find(name);
    if (c == nullptr) return OpError(kErrUnknown);
    SetCommandBit(u, c, op[0] == '+');
  } else {
    return OpError(kErrSyntax);
  }
  return absl::OkStatus();
}

absl::Status AclStore::ApplyOps(User& u, absl::Span<const std::string_view> ops) const {
  for (std::string_view op : ops) {
    absl::Status s = ApplyOp(u, op);
    if (!s.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("Error in ACL SETUSER modifier '", A(op), "': ", s.message()));
    }
  }
  Finish(u);
  return absl::OkStatus();
}

absl::Status AclStore::SetUser(std::string_view name, absl::Span<const std::string_view> ops) {
  if (HasSpaces(name)) return absl::InvalidArgumentError("Usernames can't contain spaces or null characters");
  std::shared_ptr<const User> cur = Get(name);
  std::shared_ptr<User> u;
  if (cur != nullptr) {
    u = std::make_shared<User>(*cur);
  } else {
    u = std::make_shared<User>();
    u->name = std::string(name);
    u->allowed.assign(index_->size(), false);
  }
  if (absl::Status s = ApplyOps(*u, ops); !s.ok()) return s;
  absl::MutexLock lock(&mu_);
  CommitLocked(std::move(u));
  return absl::OkStatus();
}

void AclStore::CommitLocked(std::shared_ptr<User> u) {
  std::string name = u->name;
  users_[name] = std::move(u);
  generation_.fetch_add(1, std::memory_order_acq_rel);
  if (name == "default") UpdateDefaultLocked();
}

void AclStore::UpdateDefaultLocked() {
  auto it = users_.find("default");
  bool open = it != users_.end() && it->second->enabled && it->second->nopass;
  default_requires_auth_.store(!open, std::memory_order_relaxed);
}

std::shared_ptr<const User> AclStore::Get(std::string_view name) const {
  absl::MutexLock lock(&mu_);
  auto it = users_.find(name);
  return it == users_.end() ? nullptr : it->second;
}

std::vector<std::string> AclStore::Delete(absl::Span<const std::string_view> names) {
  std::vector<std::string> out;
  absl::MutexLock lock(&mu_);
  for (std::string_view n : names) {
    if (n == "default") continue;
    auto it = users_.find(n);
    if (it == users_.end()) continue;
    out.push_back(it->first);
    users_.erase(it);
  }
  if (!out.empty()) generation_.fetch_add(1, std::memory_order_acq_rel);
  return out;
}

std::vector<std::shared_ptr<const User>> AclStore::Users() const {
  std::vector<std::shared_ptr<const User>> out;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [n, u] : users_) out.push_back(u);
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a->name < b->name; });
  return out;
}

void AclStore::SetRequirePass(std::string_view pass) {
  std::string op = pass.empty() ? std::string("nopass") : absl::StrCat(">", A(pass));
  std::string_view ops[] = {"resetpass", op};
  (void)SetUser("default", ops);
}

std::shared_ptr<const User> AclStore::Authenticate(std::string_view name, std::string_view pass) const {
  std::shared_ptr<const User> u = Get(name);
  // Hash even when the user is unknown, so a wrong user name costs the same
  // as a wrong password.
  const std::string hashed = Sha256Hex(pass);
  if (u == nullptr || !u->enabled) return nullptr;
  if (u->nopass) return u;
  bool match = false;
  for (const std::string& p : u->passwords) match |= ConstantTimeEquals(hashed, p);  // no early exit
  return match ? u : nullptr;
}

Denial AclStore::Check(const User& u, const engine::Command& cmd, absl::Span<const std::string_view> argv,
                       size_t* where) const {
  if (u.unrestricted) return Denial::kNone;
  const engine::CommandSpec& spec = cmd.spec();
  if (!(spec.flags & engine::kNoAuth)) {
    int id = index_->Id(&cmd);
    if (id < 0 || !u.allowed[static_cast<size_t>(id)]) return Denial::kCommand;
  }
  if (!u.all_keys) {
    for (const KeyRef& k : AclKeys(cmd, argv)) {
      std::string_view key = argv[k.pos];
      bool ok = false;
      for (const KeyPattern& p : u.keys) {
        if ((p.perms & k.perms) == k.perms && engine::GlobMatch(p.pattern, key)) {
          ok = true;
          break;
        }
      }
      if (!ok) {
        if (where != nullptr) *where = k.pos;
        return Denial::kKey;
      }
    }
  }
  if (!u.all_channels) {
    // Redis 7.0's getChannelsFromCommand: (S)PUBLISH's channel, (S)SUBSCRIBE's
    // channels, PSUBSCRIBE's patterns (a pattern must be one the user was
    // given, literally); unsubscribing is never refused.
    const std::string_view name = cmd.full_name();
    const bool patterns = name == "psubscribe";
    size_t first = 1, last = 0;
    if (name == "publish" || name == "spublish") last = 1;
    else if (name == "subscribe" || name == "ssubscribe" || patterns) last = argv.size() - 1;
    for (size_t i = first; i <= last && i < argv.size(); ++i) {
      bool ok = false;
      for (const std::string& allowed : u.channels) {
        if (patterns ? allowed == argv[i] : engine::GlobMatch(allowed, argv[i])) {
          ok = true;
          break;
        }
      }
      if (!ok) {
        if (where != nullptr) *where = i;
        return Denial::kChannel;
      }
    }
  }
  return Denial::kNone;
}

// --- describing ---

std::string AclStore::DescribeCommands(const User& u) const {
  // Redis 7.0's ACLDescribeSelectorCommandRules: start from +@all or -@all,
  // add (or remove) the best-fitting categories one at a time, then fix the
  // remaining differences command by command. `fake` tracks what the rules
  // emitted so far allow; `rest` what is still to be explained.
  const size_t n = index_->size();
  const bool additive = !u.all_future_commands;
  std::string rules = additive ? "-@all " : "+@all ";
  std::vector<bool> fake(n, !additive);
  std::vector<bool> rest = u.allowed;
  const auto& cats = CategoryNames();
  std::vector<bool> applied(cats.size(), false);
  auto set_cat = [&](std::vector<bool>& bits, uint64_t mask, bool on) {
    for (size_t id = 0; id < n; ++id) {
      if (!(index_->categories(static_cast<int>(id)) & mask)) continue;
      const engine::Command* c = index_->command(static_cast<int>(id));
      bits[id] = on;
      for (const engine::Command* sub : c->subcommands()) bits[static_cast<size_t>(index_->Id(sub))] = on;
    }
  };
  for (;;) {
    int best = -1;
    uint64_t mindiff = INT_MAX, maxsame = 0;
    for (size_t j = 0; j < cats.size(); ++j) {
      if (applied[j]) continue;
      uint64_t on = 0, off = 0;
      for (size_t id = 0; id < n; ++id) {
        if (!(index_->categories(static_cast<int>(id)) & (uint64_t{1} << j))) continue;
        (rest[id] ? on : off)++;
      }
      uint64_t diff = additive ? off : on, same = additive ? on : off;
      if (same > diff && (diff < mindiff || (diff == mindiff && same > maxsame))) {
        best = static_cast<int>(j);
        mindiff = diff;
        maxsame = same;
      }
    }
    if (best < 0) break;
    const uint64_t mask = uint64_t{1} << best;
    set_cat(fake, mask, additive);
    set_cat(rest, mask, !additive);
    absl::StrAppend(&rules, additive ? "+@" : "-@", A(cats[static_cast<size_t>(best)]), " ");
    applied[static_cast<size_t>(best)] = true;
  }
  for (size_t id = 0; id < n; ++id) {
    if (u.allowed[id] == fake[id]) continue;
    const engine::Command* c = index_->command(static_cast<int>(id));
    absl::StrAppend(&rules, u.allowed[id] ? "+" : "-", A(c->full_name()), " ");
    fake[id] = u.allowed[id];
    for (const engine::Command* sub : c->subcommands()) fake[static_cast<size_t>(index_->Id(sub))] = u.allowed[id];
  }
  rules.pop_back();
  return rules;
}

std::string AclStore::DescribeKeys(const User& u) const {
  if (u.all_keys) return "~*";
  std::vector<std::string> parts;
  for (const KeyPattern& p : u.keys) {
    const char* prefix = p.perms == kKeyAll ? "~" : (p.perms == kKeyRead ? "%R~" : "%W~");
    parts.push_back(absl::StrCat(prefix, p.pattern));
  }
  return absl::StrJoin(parts, " ");
}

std::string AclStore::DescribeChannels(const User& u) const {
  if (u.all_channels) return "&*";
  std::vector<std::string> parts;
  for (const std::string& c : u.channels) parts.push_back(absl::StrCat("&", c));
  return absl::StrJoin(parts, " ");
}

std::string AclStore::Describe(const User& u) const {
  std::string out = u.enabled ? "on " : "off ";
  if (u.nopass) out += "nopass ";
  if (u.sanitize_payload) out += "sanitize-payload ";
  for (const std::string& p : u.passwords) absl::StrAppend(&out, "#", p, " ");
  std::string keys = DescribeKeys(u);
  if (!keys.empty()) absl::StrAppend(&out, keys, " ");
  if (u.all_channels) {
    out += "&* ";
  } else {
    out += "resetchannels ";
    std::string ch = DescribeChannels(u);
    if (!ch.empty()) absl::StrAppend(&out, ch, " ");
  }
  out += DescribeCommands(u);
  return out;
}

// --- the aclfile ---

absl::Status AclStore::LoadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("Error loading ACLs, opening file '", path, "': ", std::strerror(errno)));
  }
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  std::string errors;
  absl::flat_hash_map<std::string, std::shared_ptr<User>> loaded;
  int lineno = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view line = std::string_view(text).substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    pos = nl == std::string::npos ? text.size() + 1 : nl + 1;
    ++lineno;
    absl::string_view trimmed = absl::StripAsciiWhitespace(A(line));
    if (trimmed.empty()) continue;
    std::vector<std::string> args;
    if (!config::SplitArgs(std::string_view(trimmed.data(), trimmed.size()), &args)) {
      absl::StrAppend(&errors, path, ":", lineno, ": unbalanced quotes in acl line. ");
      continue;
    }
    if (args.size() < 2 || args[0] != "user") {
      absl::StrAppend(&errors, path, ":", lineno, " should start with user keyword followed by the username. ");
      continue;
    }
    if (HasSpaces(args[1])) {
      absl::StrAppend(&errors, "'", path, ":", lineno, ": username '", args[1], "' contains invalid characters. ");
      continue;
    }
    if (loaded.contains(args[1])) {
      absl::StrAppend(&errors, "WARNING: Duplicate user '", args[1], "' found on line ", lineno, ". ");
      continue;
    }
    auto u = std::make_shared<User>();
    u->name = args[1];
    u->allowed.assign(index_->size(), false);
    bool ok = true;
    for (size_t i = 2; i < args.size() && ok; ++i) {
      absl::Status s = ApplyOp(*u, args[i]);
      if (!s.ok()) {
        absl::StrAppend(&errors, path, ":", lineno, ": ", s.message(), ". ");
        ok = false;
      }
    }
    if (!ok) continue;
    Finish(*u);
    loaded[args[1]] = std::move(u);
  }
  if (!errors.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(errors, "WARNING: ACL errors detected, no change to the previously active ACL rules was performed"));
  }
  if (!loaded.contains("default")) loaded["default"] = NewDefaultUser();
  absl::MutexLock lock(&mu_);
  users_.clear();
  for (auto& [n, u] : loaded) users_[n] = std::move(u);
  generation_.fetch_add(1, std::memory_order_acq_rel);
  UpdateDefaultLocked();
  return absl::OkStatus();
}

absl::Status AclStore::SaveFile(const std::string& path) const {
  std::string body;
  for (const auto& u : Users()) absl::StrAppend(&body, "user ", u->name, " ", Describe(*u), "\n");
  // Write a temporary file and rename it over the old one, so a crash never
  // leaves a half-written aclfile behind.
  std::string tmp = absl::StrCat(path, ".tmp-", getpid());
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) return absl::InternalError(absl::StrCat("Opening temp ACL file for ACL SAVE: ", std::strerror(errno)));
    out << body;
    out.flush();
    if (!out) return absl::InternalError("Writing ACL file for ACL SAVE");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return absl::InternalError(absl::StrCat("Renaming ACL file for ACL SAVE: ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

absl::Status AclStore::LoadConfigUsers(const std::vector<std::vector<std::string>>& users) {
  for (const auto& line : users) {
    if (line.empty()) continue;
    std::vector<std::string_view> ops(line.begin() + 1, line.end());
    if (HasSpaces(line[0])) {
      return absl::InvalidArgumentError(absl::StrCat("Error in user declaration '", line[0], "': Usernames can't contain spaces or null characters"));
    }
    // Each declaration starts from a fresh user (as Redis's ACLAppendUserForLoading).
    auto u = std::make_shared<User>();
    u->name = line[0];
    u->allowed.assign(index_->size(), false);
    for (std::string_view op : ops) {
      if (absl::Status s = ApplyOp(*u, op); !s.ok()) {
        return absl::InvalidArgumentError(absl::StrCat("Error in user declaration '", line[0], "': ", s.message()));
      }
    }
    Finish(*u);
    absl::MutexLock lock(&mu_);
    CommitLocked(std::move(u));
  }
  return absl::OkStatus();
}

// --- ACL LOG ---

void AclStore::Log(Denial reason, std::string_view context, std::string_view object, std::string_view username,
                   std::string client_info) {
  static constexpr size_t kMaxLen = 128;            // acllog-max-len
  static constexpr int64_t kGroupingMs = 60000;     // Redis's ACL_LOG_GROUPING_MAX_TIME_DELTA
  const char* why = reason == Denial::kAuth ? "auth"
                    : reason == Denial::kKey ? "key"
                    : reason == Denial::kChannel ? "channel"
                                                 : "command";
  const int64_t now = absl::ToUnixMillis(absl::Now());
  absl::MutexLock lock(&log_mu_);
  // A denial like one of the last ten within a minute only bumps its count.
  for (size_t i = 0; i < log_.size() && i < 10; ++i) {
    LogEntry& e = log_[i];
    if (e.reason == why && e.context == context && e.object == object && e.username == username &&
        now - e.updated_ms < kGroupingMs) {
      ++e.count;
      e.updated_ms = now;
      e.client_info = std::move(client_info);
      LogEntry moved = std::move(e);
      log_.erase(log_.begin() + static_cast<std::ptrdiff_t>(i));
      log_.push_front(std::move(moved));
      return;
    }
  }
  LogEntry e;
  e.reason = why;
  e.context = std::string(context);
  e.object = std::string(object);
  e.username = std::string(username);
  e.created_ms = e.updated_ms = now;
  e.entry_id = next_entry_id_++;
  e.client_info = std::move(client_info);
  log_.push_front(std::move(e));
  while (log_.size() > kMaxLen) log_.pop_back();
}

std::vector<LogEntry> AclStore::LogEntries(size_t count) const {
  absl::MutexLock lock(&log_mu_);
  std::vector<LogEntry> out;
  for (size_t i = 0; i < log_.size() && i < count; ++i) out.push_back(log_[i]);
  return out;
}

void AclStore::ResetLog() {
  absl::MutexLock lock(&log_mu_);
  log_.clear();
}

// --- ClientUser ---

void ClientUser::Bind(std::shared_ptr<const User> user, uint64_t generation) {
  {
    absl::MutexLock lock(&name_mu_);
    name_ = user != nullptr ? user->name : "default";
  }
  user_ = std::move(user);
  generation_ = generation;
}

const User* ClientUser::Current(const AclStore& store) {
  const uint64_t gen = store.generation();
  if (gen != generation_ && user_ != nullptr) {
    user_ = store.Get(user_->name);  // nullptr: deleted
    generation_ = gen;
  }
  return user_.get();
}

std::string ClientUser::name() const {
  absl::MutexLock lock(&name_mu_);
  return name_;
}

}  // namespace stockd::server::acl
