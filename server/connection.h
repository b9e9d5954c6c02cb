// server/connection.h — one client connection, served by one fiber.
//
// The loop (Serve): read what the socket has, parse every complete pipelined
// command, execute each through the engine (replies accumulate in the output
// buffer), then flush all replies with one writev. A protocol error is
// answered with "-ERR Protocol error: ..." and the connection is closed.
// Once the client subscribes (server/pubsub.h), replies go out through the
// subscription's outbox, shared with the messages published to it, and a
// second fiber of the connection sends what arrives while this one waits.
//
// Thread-safety: the connection's own fiber owns the parser, buffers and
// session. Other fibers (CLIENT LIST/KILL, shutdown) only read the atomics and
// the name (under name_mu_) and call Kill(). The Connection object lives until
// its fiber has left Serve() and unregistered it.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "engine/clock.h"
#include "engine/engine.h"
#include "engine/session.h"
#include "protocol/input_buffer.h"
#include "protocol/output_buffer.h"
#include "protocol/parser.h"
#include "protocol/reply_writer.h"
#include "runtime/chan.h"
#include "runtime/net.h"
#include "server/acl.h"
#include "server/pubsub.h"

namespace stockd::engine {
class Command;
}

namespace stockd::server {

class Server;

class Connection {
 public:
  Connection(Server& server, std::unique_ptr<runtime::Conn> conn, uint64_t id);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Serves the client until it leaves, is killed, or the server shuts down.
  // Runs on the connection's fiber.
  void Serve();

  // Any fiber: ends the connection. The reply of a command being executed is
  // still written when `after_reply` (the connection is marked closing and its
  // socket closed only if it is waiting for input); otherwise the socket is
  // closed at once.
  void Kill(bool after_reply = false);
  // On the connection's fiber, after an exception escaped Serve() (a panic in
  // a command, e.g. DEBUG PANIC-FIBER): logs it, drops the pending replies
  // (one may be half-written), answers "-ERR ..." and closes the socket. The
  // caller then unregisters the connection as usual; no other client notices.
  void Panicked(std::string_view what);
  // False once the connection is closing or the peer has hung up (a
  // non-blocking poll for POLLRDHUP).
  bool PeerAlive() const;
  // Closed once this connection has left the registry and is destroyed
  // (Server::KillClients waits on it).
  runtime::Chan<int> gone() const { return gone_; }

  // --- for command handlers running on this connection's fiber ---
  Server& server() { return server_; }
  engine::Session& session() { return session_; }
  protocol::ReplyWriter& writer() { return writer_; }
  protocol::Parser& parser() { return parser_; }
  // Reply, then close (QUIT).
  void CloseAfterReply() { close_after_reply_ = true; }
  // CLIENT REPLY: kOn sends replies again (from this command's on), kOff
  // drops every reply until kOn, kSkipNext drops the next command's (Redis's
  // CLIENT_REPLY_OFF / _SKIP_NEXT). Pub/sub messages are sent regardless.
  enum class Replies { kOn, kOff, kSkipNext };
  void SetReplies(Replies mode);
  // Where replies go when they are sent: pushes (a subscription's
  // confirmation) are written here even while CLIENT REPLY drops replies
  // (Redis's CLIENT_PUSHING).
  protocol::OutputBuffer* sent_output() { return &out_; }
  // CLIENT NO-EVICT on|off: only shown in CLIENT LIST (stockd never evicts clients).
  void SetNoEvict(bool on) { no_evict_.store(on, std::memory_order_relaxed); }
  bool authenticated() const { return authenticated_.load(std::memory_order_relaxed); }
  void SetAuthenticated(bool yes);
  void SetResp(int resp);
  void SetName(std::string name);
  // RESET: back to a fresh connection's state (db 0, RESP2, no name, auth as at connect).
  void Reset();
  // The ACL user this connection runs as (server/acl.h).
  acl::ClientUser& acl_user() { return acl_user_; }
  // Its channels and patterns (server/pubsub.h), set up at the first call:
  // from then on every reply goes out through the subscription's outbox.
  ClientPubSub& pubsub();
  ClientPubSub* pubsub_if_any() { return pubsub_.get(); }
  // After (P|S)(UN)SUBSCRIBE changed the sets: the session's subscribed flag
  // and CLIENT LIST's counts follow.
  void SubscriptionsChanged();
  // CLIENT TRACKING (server/tracking.h): on / off for this connection (the
  // session's bits, CLIENT LIST's flags t and B and redir=). On gives it an
  // outbox (pubsub()), where invalidations arrive.
  void TrackingOn(uint8_t session_bits, int64_t redirect);
  void TrackingOff();
  // Any fiber (the tracking table, under its lock): CLIENT LIST's flag R.
  void SetTrackingBroken(bool broken) { tracking_broken_.store(broken, std::memory_order_relaxed); }
  // MONITOR: from now on every command the server runs is sent here too
  // (false when already monitoring: Redis then replies nothing).
  bool StartMonitor();

  // --- read by CLIENT LIST / INFO from any fiber ---
  uint64_t id() const { return id_; }
  // Has channel, pattern or shard channel subscriptions (CLIENT LIST/KILL TYPE pubsub, flag P).
  bool is_pubsub() const {
    return sub_count_.load(std::memory_order_relaxed) + psub_count_.load(std::memory_order_relaxed) +
               ssub_count_.load(std::memory_order_relaxed) > 0;
  }
  std::string name() const;
  std::string Describe(int64_t now_ms) const;  // one CLIENT LIST line (no newline)
  const std::string& remote_address() const { return remote_address_; }
  const std::string& local_address() const { return local_address_; }
  bool remote_is_loopback() const { return remote_is_loopback_; }
  uint64_t net_input_bytes() const { return net_input_bytes_.load(std::memory_order_relaxed); }
  uint64_t net_output_bytes() const { return net_output_bytes_.load(std::memory_order_relaxed); }
  // Bytes of unparsed input and of replies waiting to be sent (CLIENT LIST qbuf, omem).
  size_t query_buffer() const { return qbuf_.load(std::memory_order_relaxed); }
  size_t output_buffer() const { return omem_.load(std::memory_order_relaxed); }
  uint64_t reads_processed() const { return reads_processed_.load(std::memory_order_relaxed); }
  uint64_t writes_processed() const { return writes_processed_.load(std::memory_order_relaxed); }
  // CONFIG RESETSTAT: the four counters above start again from 0.
  void ResetNetStats();

 private:
  enum State : int { kReading, kExecuting, kDone };
  void Execute(std::vector<std::string_view>& argv);
  void AwaitClientPause(const engine::Command& cmd);
  bool Flush();  // writes all pending replies; false when the client is gone
  // A subscribed connection: moves the replies in out_ to the outbox (after
  // the durability wait Flush would do).
  void CommitReplies();
  // client-output-buffer-limit normal: the write deadline while more than the
  // soft limit is pending (InfiniteFuture otherwise), and the hard-limit check
  // after each command; a disconnection is logged and counted.
  absl::Time OutputDeadline();
  bool OverOutputHardLimit();
  void OutputLimitReached(std::string_view which);

  Server& server_;
  std::unique_ptr<runtime::Conn> conn_;
  const uint64_t id_;
  const int64_t created_ms_;
  std::string remote_address_;
  std::string local_address_;
  bool remote_is_loopback_ = false;

  engine::Session session_;
  engine::DispatchClock clock_;  // one clock read per pipelined command (engine.h)
  protocol::InputBuffer in_;
  protocol::OutputBuffer out_;
  protocol::ReplyWriter writer_;
  // CLIENT REPLY OFF / SKIP: the writer points here and it is emptied after
  // each command. skipping_: the running command's reply is dropped (SKIP).
  protocol::OutputBuffer dropped_;
  bool replies_off_ = false;
  bool skip_next_ = false;
  bool skipping_ = false;
  protocol::Parser parser_;
  bool close_after_reply_ = false;
  absl::Time soft_since_ = absl::InfiniteFuture();  // pending output above the soft limit since
  uint32_t since_yield_ = 0;  // commands run since the fiber last yielded its P
  size_t reply_start_ = 0;    // out_.size() when the current command began (Panicked)
  // Look-ahead (LookAhead): up to two pipelined commands after the running
  // one, parsed early so their keys' cache lines load while earlier commands
  // work. Serve takes them, in order, before parsing anything new.
  struct Ahead {
    protocol::Parser::Result result{};
    std::vector<std::string_view> argv;
    bool keyed = false;  // one key: Engine::LookaheadKey has seen it
    engine::Engine::Lookahead key;
  };
  static constexpr size_t kAhead = 2;
  void LookAhead();
  bool TakeAhead(std::vector<std::string_view>* argv, protocol::Parser::Result* result);
  Ahead ahead_[kAhead];
  size_t ahead_first_ = 0;
  size_t ahead_count_ = 0;
  // The running command's look-ahead, when it was parsed ahead and names one key.
  bool running_keyed_ = false;
  engine::Engine::Lookahead running_key_;

  const runtime::Chan<int> gone_;
  std::atomic<int> state_{kReading};
  std::atomic<bool> closing_{false};
  std::atomic<bool> authenticated_{false};
  std::atomic<int> db_{0};
  // For CLIENT LIST, written by this connection's fiber: commands queued in
  // MULTI (-1 outside it), a blocking command running (flag b), NO-EVICT (e).
  std::atomic<int> multi_{-1};
  std::atomic<bool> blocking_{false};
  std::atomic<bool> no_evict_{false};
  std::atomic<int> resp_{2};
  std::atomic<int64_t> last_interaction_ms_;
  std::atomic<const engine::Command*> last_command_{nullptr};
  std::atomic<uint64_t> net_input_bytes_{0};
  std::atomic<uint64_t> net_output_bytes_{0};
  std::atomic<uint64_t> reads_processed_{0};   // reads that returned data
  std::atomic<uint64_t> writes_processed_{0};  // writes of replies
  std::atomic<size_t> qbuf_{0};
  std::atomic<size_t> omem_{0};

  std::unique_ptr<ClientPubSub> pubsub_;
  std::atomic<int> sub_count_{0};   // CLIENT LIST sub=
  std::atomic<int> psub_count_{0};  // CLIENT LIST psub=
  std::atomic<int> ssub_count_{0};  // CLIENT LIST ssub=
  std::atomic<bool> monitor_{false};  // CLIENT LIST flag O
  std::atomic<uint8_t> tracking_{0};        // CLIENT LIST flags t, B (engine::tracking bits)
  std::atomic<bool> tracking_broken_{false};  // flag R
  std::atomic<int64_t> tracking_redirect_{-1};  // redir=

  mutable absl::Mutex name_mu_;
  std::string name_;
  acl::ClientUser acl_user_;
};

}  // namespace stockd::server
