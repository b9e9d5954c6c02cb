// server/tracking.h — client-side caching (CLIENT TRACKING), as Redis 7.0's
// tracking.c: which clients may hold which keys, and the invalidation
// messages they are sent when those keys change.
//
//  * Default mode: the keys of every read-only command a tracking client runs
//    (its key specs; OPTIN only after CLIENT CACHING yes, OPTOUT not after
//    CLIENT CACHING no; not pub/sub commands nor EVAL_RO & co. themselves)
//    are remembered in one table, key -> client ids, global to all databases.
//    A change of such a key sends each of those clients one invalidation and
//    forgets the key; FLUSHDB/FLUSHALL send a null one to every tracking
//    client and empty the table. A client that stops tracking or leaves keeps
//    its ids in the table until the keys change (Redis's lazy removal).
//  * BCAST: a change of a key matching one of a client's prefixes is sent to
//    it whatever it read; the keys are collected per prefix and sent after
//    the command that changed them (Redis: before the event loop sleeps), in
//    one message per prefix, sorted.
//  * Invalidations go through the target's outbox (server/pubsub.h): every
//    tracking client gets one at CLIENT TRACKING ON, and a redirect target has
//    one when it is subscribed (RESP2: only then does Redis send it anything)
//    or tracking itself. Those sent to a client while it runs a command are
//    held back until after that command's reply (its own writes: Redis's
//    tracking_pending_keys; another connection's, on another thread: so that
//    a read's reply never arrives after the invalidation of what it read —
//    Redis, single-threaded, gets that order for free). NOLOOP drops a
//    client's own.
//
// Locking: one mutex, mu_, guards everything here. Lock order: shard locks ->
// mu_ -> a Subscriber's mutex (DeliverRaw appends to an outbox and never
// parks). The engine's hooks (Modified, Flushed, Read) run under shard
// locks; nothing under mu_ parks, takes a shard lock or the server's client
// registry lock (client_exists is asked without mu_). With no client
// tracking and no key left in the table, a write costs the one relaxed load
// of KeyspaceEvents::Fire.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "engine/keyspace_events.h"

namespace stockd::server {

class Connection;
class Subscriber;

class Tracking : public engine::KeyTracker {
 public:
  // client_exists: whether a client id is connected (Server's registry).
  Tracking(engine::KeyspaceEvents& events, std::function<bool(uint64_t)> client_exists);

  // --- connections (their own fibers) ---
  // A connection's outbox exists (ClientPubSub created): it can be sent
  // invalidations. Detach: before the outbox stops (also ends its tracking).
  void Attach(uint64_t id, Subscriber* outbox, Connection* conn);
  void Detach(uint64_t id);
  // After the server's registry dropped the client: a redirect to it is broken.
  void ClientGone(uint64_t id);

  // CLIENT TRACKING ON (options checked by the caller, Redis's order) / OFF.
  struct Options {
    bool bcast = false, optin = false, optout = false, noloop = false;
    uint64_t redirect = 0;
    std::vector<std::string> prefixes;
  };
  void Enable(uint64_t id, const Options& o);
  void Disable(uint64_t id);
  // Redis's checkPrefixCollisionsOrReply: the error text, or empty.
  std::string PrefixCollision(uint64_t id, const std::vector<std::string>& prefixes) const;
  // CLIENT TRACKINGINFO / GETREDIR.
  struct Info {
    bool on = false, bcast = false, optin = false, optout = false, noloop = false, broken = false;
    int64_t redirect = -1;
    std::vector<std::string> prefixes;  // sorted
  };
  Info Get(uint64_t id) const;

  // Around each command of a tracking connection (BeforeCommand) and after
  // each command of any connection while some client tracks (AfterCommand,
  // once its reply is in its outbox): sends what was held back meanwhile,
  // then the BCAST batches.
  void BeforeCommand(uint64_t id);
  void AfterCommand(uint64_t id);
  // A BCAST batch waits (any connection's AfterCommand sends it).
  bool bcast_pending() const { return bcast_pending_flag_.load(std::memory_order_relaxed); }
  // tracking-table-max-keys: before each command, as Redis's processCommand
  // (trackingLimitUsedSlots): forgets keys over the limit, invalidating them.
  void LimitKeys(int64_t max_keys);

  // INFO.
  int64_t clients() const;
  int64_t total_keys() const;
  int64_t total_items() const;
  int64_t total_prefixes() const;

  // --- engine::KeyTracker (under shard locks) ---
  void Modified(uint64_t by_client, std::string_view key) override;
  void Flushed(const engine::Session* by) override;
  void Read(const engine::Session& s, const engine::Command& cmd, absl::Span<const std::string_view> argv) override;

 private:
  struct Endpoint {
    Subscriber* outbox;
    Connection* conn;
  };
  struct Client {
    bool bcast = false, noloop = false, broken = false;
    bool executing = false;  // between BeforeCommand and AfterCommand
    bool target_gone = false;  // the redirect target left (broken at the next send)
    uint64_t redirect = 0;
    std::set<std::string> prefixes;
    // Held back until after its command's reply: the payloads (keys or null).
    std::vector<std::string> pending;
  };
  struct Bcast {
    std::map<std::string, uint64_t> keys;  // changed since the last send -> who changed it last
    absl::flat_hash_set<uint64_t> clients;
  };

  void EnableLocked(uint64_t id, const Options& o);
  // Sends `payload` (the RESP of the keys: an array or a null) to client id.
  void SendLocked(uint64_t id, Client& c, std::string_view payload) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void InvalidateLocked(uint64_t by_id, std::string_view key, bool bcast) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void BroadcastLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void CountChanged() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  engine::KeyspaceEvents& events_;
  std::function<bool(uint64_t)> client_exists_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, absl::flat_hash_set<uint64_t>> keys_ ABSL_GUARDED_BY(mu_);
  int64_t total_items_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<std::string, Bcast> prefixes_ ABSL_GUARDED_BY(mu_);
  bool bcast_pending_ ABSL_GUARDED_BY(mu_) = false;
  absl::flat_hash_map<uint64_t, Client> clients_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<uint64_t, Endpoint> endpoints_ ABSL_GUARDED_BY(mu_);
  bool hooked_ ABSL_GUARDED_BY(mu_) = false;  // the engine's tracking bit (CountChanged)
  int limit_rounds_ ABSL_GUARDED_BY(mu_) = 0;  // LimitKeys calls in a row still over the limit
  std::atomic<bool> bcast_pending_flag_{false};  // bcast_pending_, for a look without mu_
  std::atomic<int64_t> key_count_{0};            // keys_.size(), for LimitKeys without mu_
};

}  // namespace stockd::server
