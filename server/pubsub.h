// server/pubsub.h — Redis pub/sub: which connections listen to which channels
// and patterns (PubSub, the registry), and one connection's side of it
// (ClientPubSub: its subscriptions, its outbox and the fiber that sends it).
// Shard channels (SSUBSCRIBE / SPUBLISH, kShardChannel) are a namespace of
// their own, as in Redis 7.0 with cluster mode off: "smessage" deliveries,
// their own subscription count.
// MONITOR is a subscription too, to the stream of commands the server runs:
// a monitor's outbox gets one line per command (PubSub::FeedMonitors).
//
// Delivery: once a connection subscribes, everything it is sent — its own
// replies and the messages published to it — goes through its outbox, in
// order, and a writer fiber of its own (the pusher) sends what publishers
// append while the connection's fiber waits for input. A publisher appends
// and wakes the pusher; it never parks and never touches a socket, so PUBLISH
// runs inside MULTI and scripts, and a subscriber that does not read slows
// nobody: its outbox is bounded by `client-output-buffer-limit pubsub`, past
// which it is disconnected (as Redis).
//
// Invariants:
//  * Lock order: PubSub::mu_, then a Subscriber's mu_. Publish holds the
//    registry shared while it appends; a (un)subscription holds it exclusively.
//  * Order: a connection's replies enter its outbox in command order
//    (ClientPubSub::Commit before and after each command); a message published
//    after a SUBSCRIBE took effect comes after that SUBSCRIBE's reply, and none
//    published after an UNSUBSCRIBE's reply arrives: the registry changes a
//    command made are applied in the same critical section that moves its
//    replies into the outbox.
//  * A Subscriber is in the registry only while its connection serves: the
//    connection's fiber removes it (ClientPubSub::Stop) before it ends.
//  * Only the connection's fiber changes its subscriptions; the pusher and
//    publishers touch the Subscriber only.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/types/span.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "config/config.h"
#include "engine/command.h"
#include "protocol/output_buffer.h"
#include "runtime/chan.h"
#include "runtime/fiber.h"
#include "runtime/mutex.h"
#include "runtime/net.h"

namespace stockd::server {

enum class SubKind { kChannel, kPattern, kMonitor, kShardChannel };

// What a publisher sees of a subscribed connection: its outbox.
class Subscriber {
 public:
  Subscriber(config::LiveOptions& live, runtime::Conn* conn, int resp) : live_(live), conn_(conn), resp_(resp) {}

  // RESP version of the messages (HELLO may change it).
  void SetResp(int resp) { resp_.store(resp, std::memory_order_relaxed); }
  int resp() const { return resp_.load(std::memory_order_relaxed); }
  // Any fiber, never parks: appends ("message", channel, payload), or
  // ("pmessage", *pattern, channel, payload), and wakes the pusher.
  void Deliver(const std::string* pattern, std::string_view channel, std::string_view payload);
  // The same for a shard channel: ("smessage", channel, payload).
  void DeliverShard(std::string_view channel, std::string_view payload);
  // Any fiber, never parks: appends ready-made RESP (a MONITOR line).
  void DeliverRaw(std::string_view resp);
  // Takes what is pending (the writer sends it without the lock).
  protocol::OutputBuffer Take();
  // Past client-output-buffer-limit pubsub: the outbox was dropped and the
  // socket closed; nothing more is appended.
  bool over_limit() const { return over_limit_.load(std::memory_order_acquire); }
  size_t pending() const { return pending_.load(std::memory_order_relaxed); }
  // Wakes the pusher (coalesced: one pending wake-up at most).
  void Wake() { (void)wake_.TrySend(char{0}); }
  const runtime::Chan<char>& wake() const { return wake_; }

 private:
  friend class ClientPubSub;
  // The connection's own replies (out is emptied).
  void AppendRepliesLocked(protocol::OutputBuffer& out) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // After an append: client-output-buffer-limit pubsub (hard, or soft for
  // longer than its seconds) closes the connection, as Redis.
  void CheckLimitsLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  config::LiveOptions& live_;
  runtime::Conn* const conn_;
  std::atomic<int> resp_;
  absl::Mutex mu_;
  protocol::OutputBuffer outbox_ ABSL_GUARDED_BY(mu_);
  absl::Time soft_since_ ABSL_GUARDED_BY(mu_) = absl::InfiniteFuture();
  std::atomic<size_t> pending_{0};
  std::atomic<bool> over_limit_{false};
  runtime::Chan<char> wake_{1};
};

// The registry of subscriptions. Thread-safe; no call parks.
class PubSub {
 public:
  // Delivers message to the channel's subscribers and to those of every
  // matching pattern; returns how many deliveries were made (PUBLISH's reply).
  int64_t Publish(std::string_view channel, std::string_view message);

  // PUBSUB CHANNELS [pattern]: the channels with at least one subscriber.
  std::vector<std::string> Channels(std::optional<std::string_view> pattern) const;
  int64_t NumSub(std::string_view channel) const;  // PUBSUB NUMSUB
  int64_t NumPat() const;                          // PUBSUB NUMPAT: distinct patterns
  int64_t NumChannels() const;                     // INFO pubsub_channels
  // SPUBLISH: to the shard channel's subscribers only (no patterns).
  int64_t PublishShard(std::string_view channel, std::string_view message);
  // PUBSUB SHARDCHANNELS / SHARDNUMSUB, INFO pubsubshard_channels.
  std::vector<std::string> ShardChannels(std::optional<std::string_view> pattern) const;
  int64_t ShardNumSub(std::string_view channel) const;
  int64_t NumShardChannels() const;

  // MONITOR: true while some connection monitors (one relaxed load: the
  // command path asks it after every command).
  bool has_monitors() const { return monitors_count_.load(std::memory_order_relaxed) > 0; }
  // Sends every monitor the line of a command: "+<unix time.µs> [<db>
  // <client>] "arg" ...", arguments quoted as Redis's sdscatrepr, AUTH's and
  // HELLO's secrets "(redacted)". client: "ip:port", or "lua" for a script's
  // calls. Redis's rule of what is shown, in one place: never an admin
  // command; a script (kSkipMonitor) as it starts (`starting`), every other
  // command after it ran.
  void FeedMonitors(const engine::Command& cmd, bool starting, int db, std::string_view client,
                    absl::Span<const std::string_view> argv);

  // One subscription change of a connection (ClientPubSub::Commit applies them).
  struct Change {
    SubKind kind;
    bool add;
    std::string name;
  };

 private:
  friend class ClientPubSub;
  // REQUIRES mu_ held exclusively.
  void ApplyLocked(Subscriber* s, const Change& c) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  using Subscribers = absl::flat_hash_set<Subscriber*>;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Subscribers> channels_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, Subscribers> patterns_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, Subscribers> shard_channels_ ABSL_GUARDED_BY(mu_);
  Subscribers monitors_ ABSL_GUARDED_BY(mu_);
  std::atomic<int> monitors_count_{0};
};

// One connection's pub/sub state. Created at its first (P)SUBSCRIBE; used by
// the connection's fiber only, except the Subscriber it owns.
class ClientPubSub {
 public:
  // written_bytes / writes: the connection's output counters (INFO, CLIENT LIST).
  ClientPubSub(PubSub& registry, config::LiveOptions& live, runtime::Conn* conn, int resp,
               std::atomic<uint64_t>* written_bytes, std::atomic<uint64_t>* writes);
  ~ClientPubSub();  // REQUIRES: Stop() was called
  ClientPubSub(const ClientPubSub&) = delete;
  ClientPubSub& operator=(const ClientPubSub&) = delete;

  // (P)SUBSCRIBE / (P)UNSUBSCRIBE of one name: true when it changed the set.
  // The registry follows at the next Commit.
  bool Add(SubKind kind, std::string_view name);
  bool Remove(SubKind kind, std::string_view name);
  // MONITOR on (RESET: off); the registry follows at the next Commit.
  void SetMonitor(bool on);
  // The names of one kind (UNSUBSCRIBE without arguments; unordered, as Redis's).
  std::vector<std::string> Names(SubKind kind) const;
  size_t count(SubKind kind) const { return Set(kind).size(); }
  // (UN)SUBSCRIBE's and P(UN)SUBSCRIBE's count: channels and patterns (shard
  // channels are counted apart, as Redis's clientSubscriptionsCount).
  size_t total() const { return channels_.size() + patterns_.size(); }

  void SetResp(int resp) { sub_.SetResp(resp); }
  // Its outbox, as publishers and client-side caching (server/tracking.h) see it.
  Subscriber& subscriber() { return sub_; }
  // Moves `out` into the outbox and applies the pending registry changes, in
  // one critical section (see the ordering invariant above).
  void Commit(protocol::OutputBuffer& out);
  // Sends the outbox (the connection's fiber, or the pusher); false when the
  // client is gone or over its limit.
  bool Drain();
  // Unsubscribes from everything in the registry and ends the pusher. The
  // socket must be closed first (a pusher stuck writing to a client that does
  // not read then returns).
  void Stop();
  size_t pending_output() const { return sub_.pending(); }
  bool over_limit() const { return sub_.over_limit(); }

 private:
  void PusherLoop();
  absl::flat_hash_set<std::string>& Set(SubKind kind) {
    return kind == SubKind::kChannel ? channels_ : kind == SubKind::kShardChannel ? shard_channels_ : patterns_;
  }
  const absl::flat_hash_set<std::string>& Set(SubKind kind) const {
    return kind == SubKind::kChannel ? channels_ : kind == SubKind::kShardChannel ? shard_channels_ : patterns_;
  }

  PubSub& registry_;
  runtime::Conn* const conn_;
  std::atomic<uint64_t>* const written_bytes_;
  std::atomic<uint64_t>* const writes_;
  Subscriber sub_;
  absl::flat_hash_set<std::string> channels_;
  absl::flat_hash_set<std::string> patterns_;
  absl::flat_hash_set<std::string> shard_channels_;
  bool monitor_ = false;
  std::vector<PubSub::Change> changes_;  // not yet in the registry
  runtime::Mutex write_mu_;              // one writer at a time: the fiber or the pusher
  runtime::Fiber pusher_;
  bool stopped_ = false;
};

}  // namespace stockd::server
