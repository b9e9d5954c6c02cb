// server/tracking.cc — client-side caching (see tracking.h).
#include "server/tracking.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "engine/command.h"
#include "engine/session.h"
#include "server/connection.h"
#include "server/pubsub.h"

namespace stockd::server {
namespace {

absl::string_view A(std::string_view s) { return absl::string_view(s.data(), s.size()); }

std::string BulkArray(std::initializer_list<std::string_view> keys) {
  std::string out = absl::StrCat("*", keys.size(), "\r\n");
  for (std::string_view k : keys) absl::StrAppend(&out, "$", k.size(), "\r\n", A(k), "\r\n");
  return out;
}

bool HasPrefix(std::string_view a, std::string_view b) {  // one is a prefix of the other
  const size_t n = std::min(a.size(), b.size());
  return a.substr(0, n) == b.substr(0, n);
}

}  // namespace

Tracking::Tracking(engine::KeyspaceEvents& events, std::function<bool(uint64_t)> client_exists)
    : events_(events), client_exists_(std::move(client_exists)) {}

// The engine calls in while someone tracks or the table still holds keys
// (their ids leave lazily, at the keys' next change, as in Redis).
void Tracking::CountChanged() {
  const bool on = !clients_.empty() || !keys_.empty();
  if (on != hooked_) {
    hooked_ = on;
    events_.SetTracking(on);
  }
}

void Tracking::Attach(uint64_t id, Subscriber* outbox, Connection* conn) {
  absl::MutexLock lock(&mu_);
  endpoints_[id] = Endpoint{outbox, conn};
}

void Tracking::Detach(uint64_t id) {
  Disable(id);
  absl::MutexLock lock(&mu_);
  endpoints_.erase(id);
}

void Tracking::ClientGone(uint64_t id) {
  absl::MutexLock lock(&mu_);
  // Redis finds out at the next invalidation (lookupClientByID fails):
  // SendLocked then marks the redirect broken.
  for (auto& entry : clients_) {
    if (entry.second.redirect == id) entry.second.target_gone = true;
  }
}

void Tracking::EnableLocked(uint64_t id, const Options& o) {
  absl::MutexLock lock(&mu_);
  Client& c = clients_[id];  // a second ON keeps its prefixes (Redis's enableTracking)
  c.bcast = o.bcast;
  c.noloop = o.noloop;
  c.broken = false;
  c.target_gone = false;
  c.redirect = o.redirect;
  if (o.bcast) {
    auto add = [&](const std::string& p) {
      if (prefixes_[p].clients.insert(id).second) c.prefixes.insert(p);
    };
    if (o.prefixes.empty()) add("");
    for (const std::string& p : o.prefixes) add(p);
  }
  if (auto ep = endpoints_.find(id); ep != endpoints_.end()) ep->second.conn->SetTrackingBroken(false);
  CountChanged();
}

void Tracking::Enable(uint64_t id, const Options& o) {
  EnableLocked(id, o);
  // The target may have left between the caller's check and the registration
  // (its ClientGone ran before it): then the redirect is broken. Asked
  // without mu_ (the registry's lock is never taken under it).
  if (o.redirect == 0 || client_exists_(o.redirect)) return;
  absl::MutexLock lock(&mu_);
  auto c = clients_.find(id);
  if (c == clients_.end() || c->second.redirect != o.redirect) return;
  c->second.target_gone = true;
}

void Tracking::Disable(uint64_t id) {
  absl::MutexLock lock(&mu_);
  auto it = clients_.find(id);
  if (it == clients_.end()) return;
  for (const std::string& p : it->second.prefixes) {
    auto b = prefixes_.find(p);
    if (b == prefixes_.end()) continue;
    b->second.clients.erase(id);
    if (b->second.clients.empty()) prefixes_.erase(b);
  }
  clients_.erase(it);
  if (auto ep = endpoints_.find(id); ep != endpoints_.end()) ep->second.conn->SetTrackingBroken(false);
  CountChanged();
}

std::string Tracking::PrefixCollision(uint64_t id, const std::vector<std::string>& prefixes) const {
  absl::MutexLock lock(&mu_);
  auto it = clients_.find(id);
  for (size_t i = 0; i < prefixes.size(); ++i) {
    if (it != clients_.end()) {
      for (const std::string& existing : it->second.prefixes) {
        if (HasPrefix(existing, prefixes[i])) {
          return absl::StrCat("ERR Prefix '", prefixes[i], "' overlaps with an existing prefix '", existing,
                              "'. Prefixes for a single client must not overlap.");
        }
      }
    }
    for (size_t j = i + 1; j < prefixes.size(); ++j) {
      if (HasPrefix(prefixes[i], prefixes[j])) {
        return absl::StrCat("ERR Prefix '", prefixes[i], "' overlaps with another provided prefix '", prefixes[j],
                            "'. Prefixes for a single client must not overlap.");
      }
    }
  }
  return "";
}

Tracking::Info Tracking::Get(uint64_t id) const {
  absl::MutexLock lock(&mu_);
  Info info;
  auto it = clients_.find(id);
  if (it == clients_.end()) return info;
  info.on = true;
  info.bcast = it->second.bcast;
  info.noloop = it->second.noloop;
  info.broken = it->second.broken;
  info.redirect = static_cast<int64_t>(it->second.redirect);
  info.prefixes.assign(it->second.prefixes.begin(), it->second.prefixes.end());
  return info;
}

int64_t Tracking::clients() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int64_t>(clients_.size());
}

int64_t Tracking::total_keys() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int64_t>(keys_.size());
}

int64_t Tracking::total_items() const {
  absl::MutexLock lock(&mu_);
  return total_items_;
}

int64_t Tracking::total_prefixes() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int64_t>(prefixes_.size());
}

// Redis's sendTrackingMessage.
void Tracking::SendLocked(uint64_t id, Client& c, std::string_view payload) {
  if (c.executing) {  // after the reply of the command it runs (tracking.h)
    c.pending.emplace_back(payload);
    return;
  }
  auto self = endpoints_.find(id);
  const Endpoint* target = nullptr;
  bool redirected = false;
  if (c.redirect != 0) {
    auto it = endpoints_.find(c.redirect);
    if (it == endpoints_.end()) {
      // Not gone: a client without an outbox — neither subscribed nor
      // tracking — which stockd cannot write to from here (Redis would push
      // to it in RESP3, and drop in RESP2), or one leaving, whose ClientGone
      // comes next. Gone: the redirect is broken from now on (as Redis
      // finds out: at an invalidation), the tracking client told in RESP3.
      if (!c.target_gone) return;
      c.broken = true;
      if (self != endpoints_.end()) {
        self->second.conn->SetTrackingBroken(true);
        if (self->second.outbox->resp() > 2) {
          self->second.outbox->DeliverRaw(
              absl::StrCat(">2\r\n$21\r\ntracking-redir-broken\r\n:", c.redirect, "\r\n"));
        }
      }
      return;
    }
    target = &it->second;
    redirected = true;
  } else {
    if (self == endpoints_.end()) return;
    target = &self->second;
  }
  std::string msg;
  if (target->outbox->resp() > 2) {
    msg = ">2\r\n$10\r\ninvalidate\r\n";
  } else if (redirected && target->conn->is_pubsub()) {
    msg = "*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n";
  } else {
    return;  // RESP2 has no pushes on the same connection
  }
  msg.append(payload);
  target->outbox->DeliverRaw(msg);
}

void Tracking::InvalidateLocked(uint64_t by_id, std::string_view key, bool bcast) {
  if (bcast && !prefixes_.empty()) {
    for (auto& [prefix, b] : prefixes_) {
      if (key.substr(0, prefix.size()) != prefix) continue;
      b.keys[std::string(key)] = by_id;
      bcast_pending_ = true;
      bcast_pending_flag_.store(true, std::memory_order_relaxed);
    }
  }
  auto it = keys_.find(A(key));
  if (it == keys_.end()) return;
  std::string payload;
  for (uint64_t id : it->second) {
    auto c = clients_.find(id);
    // Not tracking now, or switched to BCAST since: nothing (Redis's check).
    if (c == clients_.end() || c->second.bcast) continue;
    if (c->second.noloop && by_id != 0 && id == by_id) continue;
    if (payload.empty()) payload = BulkArray({key});
    SendLocked(id, c->second, payload);  // (its own write: held back, it is executing)
  }
  total_items_ -= static_cast<int64_t>(it->second.size());
  keys_.erase(it);
  key_count_.store(static_cast<int64_t>(keys_.size()), std::memory_order_relaxed);
  CountChanged();
}

void Tracking::Modified(uint64_t by_client, std::string_view key) {
  absl::MutexLock lock(&mu_);
  InvalidateLocked(by_client, key, /*bcast=*/true);
}

void Tracking::Flushed(const engine::Session* by) {
  absl::MutexLock lock(&mu_);
  for (auto& [id, c] : clients_) {
    auto self = endpoints_.find(id);
    // The null is in the tracking client's protocol (Redis: shared.null[c->resp]).
    const bool resp3 = self != endpoints_.end() && self->second.outbox->resp() > 2;
    SendLocked(id, c, resp3 ? "_\r\n" : "$-1\r\n");
  }
  keys_.clear();
  total_items_ = 0;
  key_count_.store(0, std::memory_order_relaxed);
  CountChanged();
}

void Tracking::Read(const engine::Session& s, const engine::Command& cmd, absl::Span<const std::string_view> argv) {
  namespace t = engine::tracking;
  if (!(s.tracking & t::kOn) || (s.tracking & t::kBcast)) return;
  // Redis's call(): not the read-only script commands themselves (their calls
  // count); trackingRememberKeys: not pub/sub commands (SPUBLISH's channel).
  const std::string_view name = cmd.full_name();
  if (name == "eval_ro" || name == "evalsha_ro" || name == "fcall_ro" || cmd.has_flag(engine::kPubSub)) return;
  const bool caching = (s.tracking & t::kCaching) != 0;
  if (((s.tracking & t::kOptIn) && !caching) || ((s.tracking & t::kOptOut) && caching)) return;
  absl::MutexLock lock(&mu_);
  cmd.ForEachKeyIndex(argv, [&](int i) {
    if (keys_[A(argv[static_cast<size_t>(i)])].insert(s.client_id).second) ++total_items_;
  });
  key_count_.store(static_cast<int64_t>(keys_.size()), std::memory_order_relaxed);
  CountChanged();
}

void Tracking::BroadcastLocked() {
  if (!bcast_pending_) return;
  bcast_pending_ = false;
  bcast_pending_flag_.store(false, std::memory_order_relaxed);
  for (auto& [prefix, b] : prefixes_) {
    if (b.keys.empty()) continue;
    // Redis's trackingBuildBroadcastReply: all keys, or (NOLOOP) those the
    // client did not change itself; nothing when that leaves none.
    auto build = [&](uint64_t skip) {
      size_t n = 0;
      std::string keys;
      for (const auto& [k, who] : b.keys) {
        if (skip != 0 && who == skip) continue;
        ++n;
        absl::StrAppend(&keys, "$", k.size(), "\r\n", k, "\r\n");
      }
      return n == 0 ? std::string() : absl::StrCat("*", n, "\r\n", keys);
    };
    const std::string all = build(0);
    for (uint64_t id : b.clients) {
      auto c = clients_.find(id);
      if (c == clients_.end()) continue;
      if (c->second.noloop) {
        const std::string mine = build(id);
        if (!mine.empty()) SendLocked(id, c->second, mine);
      } else {
        SendLocked(id, c->second, all);
      }
    }
    b.keys.clear();
  }
}

void Tracking::BeforeCommand(uint64_t id) {
  absl::MutexLock lock(&mu_);
  if (auto c = clients_.find(id); c != clients_.end()) c->second.executing = true;
}

void Tracking::AfterCommand(uint64_t id) {
  absl::MutexLock lock(&mu_);
  if (auto c = clients_.find(id); c != clients_.end()) {
    c->second.executing = false;
    std::vector<std::string> pending = std::move(c->second.pending);
    c->second.pending.clear();
    for (const std::string& payload : pending) SendLocked(id, c->second, payload);
  }
  BroadcastLocked();
}

void Tracking::LimitKeys(int64_t max_keys) {
  if (max_keys <= 0 || key_count_.load(std::memory_order_relaxed) <= max_keys) return;
  absl::MutexLock lock(&mu_);
  if (static_cast<int64_t>(keys_.size()) <= max_keys) {
    limit_rounds_ = 0;
    return;
  }
  // Redis's trackingLimitUsedSlots: an effort that grows while over the
  // limit; each key forgotten is invalidated as if it had changed (no BCAST).
  int effort = 100 * (limit_rounds_ + 1);
  while (effort-- > 0 && !keys_.empty()) {
    const std::string key = keys_.begin()->first;  // (the table's order: arbitrary, as a random walk)
    InvalidateLocked(0, key, /*bcast=*/false);
    if (static_cast<int64_t>(keys_.size()) <= max_keys) {
      limit_rounds_ = 0;
      return;
    }
  }
  ++limit_rounds_;
}

}  // namespace stockd::server
