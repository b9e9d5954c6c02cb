#include "server/connection.h"

#include <poll.h>
#include <sys/uio.h>
#include <time.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "engine/clock.h"
#include "engine/blocking.h"
#include "engine/engine.h"
#include "engine/transaction.h"
#include "runtime/fiber.h"
#include "runtime/log.h"
#include "server/families.h"
#include "server/server.h"

namespace stockd::server {

namespace {

int64_t NowMs() {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

// Read at least this much per read(); the input buffer grows for big requests.
constexpr size_t kReadChunk = 16 * 1024;
// Flush mid-pipeline once this many reply bytes are pending, so a long
// pipeline does not hold its whole reply in memory.
constexpr size_t kFlushThreshold = 64 * 1024;
constexpr int kMaxIov = 64;
// Fairness: a connection whose socket always holds more pipelined input never
// parks in Read, and the runtime does not preempt a running fiber; so it
// yields its P after this many commands and the fibers queued behind it (a
// lone PING's connection) get their turn (bench/overload.sh measures it).
constexpr uint32_t kYieldEvery = 64;

}  // namespace

Connection::Connection(Server& server, std::unique_ptr<runtime::Conn> conn, uint64_t id)
    : server_(server),
      conn_(std::move(conn)),
      id_(id),
      created_ms_(NowMs()),
      writer_(&out_, 2),
      last_interaction_ms_(created_ms_) {
  remote_address_ = conn_->RemoteAddress();
  local_address_ = conn_->LocalAddress();
  remote_is_loopback_ = conn_->RemoteIsLoopback();
  session_.client_id = id_;
  session_.owner = this;
  // Blocking commands (engine/blocking.h): flush earlier pipelined replies
  // before parking, and let a woken waiter that has gone pass its turn on.
  session_.before_block = [](engine::Session& s) { (void)static_cast<Connection*>(s.owner)->Flush(); };
  session_.client_alive = [](engine::Session& s) { return static_cast<Connection*>(s.owner)->PeerAlive(); };
  protocol::ParserLimits limits;
  limits.max_bulk_len = server_.config().live().proto_max_bulk_len.load(std::memory_order_relaxed);
  parser_ = protocol::Parser(limits);
  Reset();
}

Connection::~Connection() {
  if (pubsub_) {  // (Serve stops it; not after a panic)
    server_.tracking().Detach(id_);
    conn_->Close();
    pubsub_->Stop();
  }
}

ClientPubSub& Connection::pubsub() {
  if (!pubsub_) {
    pubsub_ = std::make_unique<ClientPubSub>(server_.pubsub(), server_.config().live(), conn_.get(), session_.resp,
                                             &net_output_bytes_, &writes_processed_);
    server_.tracking().Attach(id_, &pubsub_->subscriber(), this);  // invalidations can reach it now
  }
  return *pubsub_;
}

void Connection::TrackingOn(uint8_t session_bits, int64_t redirect) {
  session_.tracking = session_bits;
  tracking_.store(session_bits, std::memory_order_relaxed);
  tracking_redirect_.store(redirect, std::memory_order_relaxed);
}

void Connection::TrackingOff() {
  if (session_.tracking == 0) return;
  server_.tracking().Disable(id_);
  session_.tracking = 0;
  tracking_.store(0, std::memory_order_relaxed);
  tracking_redirect_.store(-1, std::memory_order_relaxed);
}

void Connection::SubscriptionsChanged() {
  const size_t channels = pubsub_ ? pubsub_->count(SubKind::kChannel) : 0;
  const size_t patterns = pubsub_ ? pubsub_->count(SubKind::kPattern) : 0;
  const size_t shard = pubsub_ ? pubsub_->count(SubKind::kShardChannel) : 0;
  session_.subscribed = channels + patterns + shard > 0;
  sub_count_.store(static_cast<int>(channels), std::memory_order_relaxed);
  psub_count_.store(static_cast<int>(patterns), std::memory_order_relaxed);
  ssub_count_.store(static_cast<int>(shard), std::memory_order_relaxed);
}

bool Connection::StartMonitor() {
  if (session_.monitor) return false;
  pubsub().SetMonitor(true);
  session_.monitor = true;
  monitor_.store(true, std::memory_order_relaxed);
  return true;
}

void Connection::CommitReplies() {
  if (!out_.empty()) {
    if (engine::WriteGate* gate = server_.engine().write_gate()) gate->AwaitDurable();
  }
  pubsub_->Commit(out_);
  reply_start_ = 0;
}

void Connection::SetAuthenticated(bool yes) {
  authenticated_.store(yes, std::memory_order_relaxed);
  parser_.SetAuthenticated(yes);
}

void Connection::SetResp(int resp) {
  session_.resp = resp;
  writer_.SetResp(resp);
  if (pubsub_) pubsub_->SetResp(resp);
  resp_.store(resp, std::memory_order_relaxed);
}

void Connection::SetName(std::string name) {
  absl::MutexLock lock(&name_mu_);
  name_ = std::move(name);
}

std::string Connection::name() const {
  absl::MutexLock lock(&name_mu_);
  return name_;
}

void Connection::SetReplies(Replies mode) {
  switch (mode) {  // Redis's clientReplyCommand
    case Replies::kOn:  // ends OFF and a running SKIP: this command's reply is sent
      replies_off_ = skipping_ = false;
      break;
    case Replies::kOff:
      replies_off_ = true;
      break;
    case Replies::kSkipNext:  // nothing while OFF
      if (!replies_off_) skip_next_ = true;
      break;
  }
  writer_.SetBuffer(replies_off_ || skipping_ ? &dropped_ : &out_);
}

void Connection::Reset() {
  SetReplies(Replies::kOn);
  skip_next_ = false;
  session_.tx.reset();  // discards MULTI and unwatches every key (engine/transaction.h)
  session_.db = 0;
  db_.store(0, std::memory_order_relaxed);
  SetResp(2);
  SetName("");
  BindDefaultUser(*this);  // ACL default user; authenticated if it is on and nopass
  if (pubsub_) {  // every subscription ends, without unsubscribe messages, and MONITOR (as Redis)
    for (SubKind kind : {SubKind::kChannel, SubKind::kPattern, SubKind::kShardChannel})
      for (const std::string& name : pubsub_->Names(kind)) pubsub_->Remove(kind, name);
    SubscriptionsChanged();
    pubsub_->SetMonitor(false);
  }
  session_.monitor = false;
  monitor_.store(false, std::memory_order_relaxed);
  TrackingOff();
}

void Connection::Kill(bool after_reply) {
  closing_.store(true, std::memory_order_seq_cst);
  if (!after_reply || state_.load(std::memory_order_seq_cst) == kReading) conn_->Close();
  // A client parked in a blocking command is ended like a timeout; its
  // connection then sees closing_ and leaves.
  if (!after_reply) server_.engine().blocking().Unblock(id_, engine::UnblockMode::kTimeout);
}

bool Connection::PeerAlive() const {
  if (closing_.load(std::memory_order_relaxed)) return false;
  struct pollfd p = {conn_->fd(), POLLRDHUP, 0};
  return ::poll(&p, 1, 0) == 0 || (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)) == 0;
}

bool Connection::Flush() {
  if (pubsub_) {  // replies and messages share the subscription's outbox
    CommitReplies();
    return pubsub_->Drain();
  }
  // Durability acks (order-fsync always): no reply leaves before everything
  // written before it is durable (storage's WriteGate; one atomic load when nothing is pending).
  if (!out_.empty()) {
    if (engine::WriteGate* gate = server_.engine().write_gate()) gate->AwaitDurable();
  }
  while (!out_.empty()) {
    struct iovec iov[kMaxIov];
    int n = out_.FillIovec(iov, kMaxIov);
    size_t bytes = 0;
    for (int i = 0; i < n; ++i) bytes += iov[i].iov_len;
    absl::Status s = conn_->Writev(iov, n, OutputDeadline());
    if (!s.ok()) {
      if (absl::IsDeadlineExceeded(s)) OutputLimitReached("soft");
      out_.Clear();
      return false;
    }
    out_.Consume(bytes);
    net_output_bytes_.fetch_add(bytes, std::memory_order_relaxed);
    writes_processed_.fetch_add(1, std::memory_order_relaxed);
  }
  soft_since_ = absl::InfiniteFuture();
  reply_start_ = 0;
  omem_.store(0, std::memory_order_relaxed);
  return true;
}

absl::Time Connection::OutputDeadline() {
  config::LiveOptions& live = server_.config().live();
  const int64_t soft = live.obuf_normal_soft.load(std::memory_order_relaxed);
  omem_.store(out_.size(), std::memory_order_relaxed);  // CLIENT LIST omem: what waits for this client
  if (soft <= 0 || static_cast<int64_t>(out_.size()) <= soft) {
    soft_since_ = absl::InfiniteFuture();
    return absl::InfiniteFuture();
  }
  if (soft_since_ == absl::InfiniteFuture()) soft_since_ = absl::Now();
  return soft_since_ + absl::Seconds(live.obuf_normal_soft_seconds.load(std::memory_order_relaxed));
}

bool Connection::OverOutputHardLimit() {
  const int64_t hard = server_.config().live().obuf_normal_hard.load(std::memory_order_relaxed);
  if (hard <= 0 || static_cast<int64_t>(out_.size()) <= hard) return false;
  OutputLimitReached("hard");
  out_.Clear();  // as Redis: the client is closed without the replies
  return true;
}

void Connection::OutputLimitReached(std::string_view which) {
  server_.stats().client_output_buffer_limit_disconnections.fetch_add(1, std::memory_order_relaxed);
  runtime::LogWarning(
      "Client id=%d addr=%s scheduled to be closed ASAP for overcoming of output buffer limits (%s limit, omem=%d).",
      id_, remote_address_, std::string(which), out_.size());
}

void Connection::Panicked(std::string_view what) {
  server_.stats().fiber_panics.fetch_add(1, std::memory_order_relaxed);
  runtime::LogWarning("Panic in the fiber of client id=%d addr=%s: %s (client dropped, server goes on)", id_,
                      remote_address_, std::string(what));
  if (pubsub_) {  // its writer fiber must not race the error line below: a subscriber is just closed
    server_.tracking().Detach(id_);
    conn_->Close();
    pubsub_->Stop();
  }
  // Replies of the commands before the panicking one are complete and go out
  // (their effects happened); a reply begun by it may be half-written: then
  // nothing pending can be sent (the buffer cannot be cut).
  if (out_.size() > reply_start_) out_.Clear();
  std::string line = "-ERR internal error in this connection (";
  for (char ch : what.substr(0, 200)) line.push_back(ch == '\r' || ch == '\n' ? ' ' : ch);
  line.append("); closing it\r\n");
  out_.Append(line);
  if (engine::WriteGate* gate = server_.engine().write_gate()) gate->AwaitDurable();
  const absl::Time deadline = absl::Now() + absl::Milliseconds(200);  // a client that does not read is not waited for
  while (!out_.empty()) {
    struct iovec iov[kMaxIov];
    int n = out_.FillIovec(iov, kMaxIov);
    size_t bytes = 0;
    for (int i = 0; i < n; ++i) bytes += iov[i].iov_len;
    if (!conn_->Writev(iov, n, deadline).ok()) break;
    out_.Consume(bytes);
  }
  out_.Clear();
  state_.store(kDone, std::memory_order_seq_cst);
  conn_->Close();
}

void Connection::Execute(std::vector<std::string_view>& argv) {
  // A subscriber's earlier replies go before what this command may publish to it.
  if (pubsub_) CommitReplies();
  reply_start_ = out_.size();  // see Panicked
  engine::Engine& engine = server_.engine();
  const engine::Command* cmd = running_keyed_ ? running_key_.command : engine.commands().Find(argv[0]);
  if (cmd != nullptr && cmd->is_container() && argv.size() > 1) {
    if (const engine::Command* sub = cmd->FindSubcommand(argv[1])) cmd = sub;
  }
  last_command_.store(cmd, std::memory_order_relaxed);
  if (!authenticated_.load(std::memory_order_relaxed)) {
    if (cmd == nullptr || !cmd->has_flag(engine::kNoAuth)) {
      writer_.Error("NOAUTH Authentication required.");
      engine.CountError("NOAUTH");
      return;
    }
  }
  if (cmd != nullptr && cmd->ArityOk(argv.size())) AwaitClientPause(*cmd);
  // Client-side caching: the table within tracking-table-max-keys (Redis's processCommand).
  if (engine.keyspace_events().tracking()) {
    server_.tracking().LimitKeys(server_.config().live().tracking_table_max_keys.load(std::memory_order_relaxed));
  }
  // (Not around a command that may park: what is sent to a blocked client
  // reaches it while it waits, as in Redis.)
  const bool tracking = session_.tracking & engine::tracking::kOn;
  if (tracking && !(cmd != nullptr && cmd->has_flag(engine::kBlocking | engine::kMayBlock))) {
    server_.tracking().BeforeCommand(id_);
  }
  if (cmd != nullptr && cmd->dispatch_keys() == engine::Command::DispatchKeys::kTriple) LookAhead();
  const bool blocking = cmd != nullptr && cmd->has_flag(engine::kBlocking | engine::kMayBlock);
  if (blocking) blocking_.store(true, std::memory_order_relaxed);
  engine.Execute(session_, argv, writer_, &clock_, running_keyed_ ? &running_key_ : nullptr);
  if (blocking) blocking_.store(false, std::memory_order_relaxed);
  const int multi = engine::InMulti(session_) ? static_cast<int>(session_.tx->queue.size()) : -1;
  if (multi != multi_.load(std::memory_order_relaxed)) multi_.store(multi, std::memory_order_relaxed);
  // Read after the command, as Redis does: a CONFIG SET of the threshold is
  // itself logged under the new one.
  const int64_t slower_than = server_.config().live().slowlog_log_slower_than.load(std::memory_order_relaxed);
  // Rejected and MULTI-queued commands did not run (used_start_ns == 0): as in
  // Redis, they are not slowlog candidates.
  int64_t end_ns = clock_.end_ns;
  if (end_ns == 0 && slower_than >= 0 && clock_.used_start_ns != 0) end_ns = engine::RealtimeNs();
  // The next pipelined command starts now (0: it reads the clock itself).
  clock_.start_ns = end_ns;
  if (slower_than >= 0 && clock_.used_start_ns != 0) {
    // (The wall clock may step back: clamp.)
    server_.LogIfSlow(cmd, argv, std::max<int64_t>(0, end_ns - clock_.used_start_ns) / 1000, this);
  }
  if (session_.db != db_.load(std::memory_order_relaxed)) db_.store(session_.db, std::memory_order_relaxed);
  // CLIENT REPLY: a skipped reply is over; SKIP's command-to-skip is next.
  if (writer_.buffer() == &dropped_ || skip_next_) {
    dropped_.Clear();
    skipping_ = skip_next_;
    skip_next_ = false;
    writer_.SetBuffer(replies_off_ || skipping_ ? &dropped_ : &out_);
  }
  // Its replies, with the subscriptions it changed (pubsub.h: the order).
  if (pubsub_) CommitReplies();
  // Client-side caching: CLIENT CACHING yes|no lasts one command or
  // transaction (but CLIENT's subcommands, as Redis's resetClient); then the
  // invalidations held back until after this reply, and BCAST's batches.
  if (session_.tracking & engine::tracking::kCaching) {
    const bool client_cmd = cmd != nullptr && cmd->parent() != nullptr && cmd->parent()->name() == "client";
    if (!client_cmd && !engine::InMulti(session_)) session_.tracking &= ~engine::tracking::kCaching;
  }
  if (tracking || (engine.keyspace_events().tracking() && server_.tracking().bcast_pending())) {
    server_.tracking().AfterCommand(id_);
  }
  // MONITOR sees what ran, after it ran (and after its reply: a monitor's own PING).
  if (clock_.used_start_ns != 0 && cmd != nullptr && server_.pubsub().has_monitors()) {
    server_.pubsub().FeedMonitors(*cmd, /*starting=*/false, session_.db, remote_address_, argv);
  }
}

// CLIENT PAUSE: a command the pause holds waits here, after the earlier
// pipelined replies went out, shown as blocked (flag b). Redis's processCommand:
// WRITE holds commands that write or may replicate, and EXEC of a queue
// holding one (queueing such a command in MULTI waits too).
void Connection::AwaitClientPause(const engine::Command& cmd) {
  ClientPause& pause = server_.client_pause();
  if (!pause.Blocks(true)) return;
  constexpr uint32_t kWrites = engine::kWrite | engine::kMayReplicate;
  bool writes = cmd.has_flag(kWrites);
  if (!writes && cmd.name() == "exec" && session_.tx != nullptr) {
    for (const auto& q : session_.tx->queue) writes = writes || q.command->has_flag(kWrites);
  }
  if (!pause.Blocks(writes)) return;
  if (!Flush()) return;
  blocking_.store(true, std::memory_order_relaxed);
  pause.Await(writes, [this] { return !PeerAlive(); });
  blocking_.store(false, std::memory_order_relaxed);
}

// Called before a command with declared keys runs (it cannot change how the
// next command parses, as AUTH or HELLO can). Parses up to kAhead pipelined
// commands beyond it, never past one that does not name exactly one key;
// each new one's shard lock and probe group start loading (LookaheadKey), and
// the next one's table slot too (PrefetchSlot, one command before it runs):
// those cache misses then overlap this command's work instead of stalling
// theirs. A key equal to the one before it is hot already and is skipped.
void Connection::LookAhead() {
  engine::Engine& engine = server_.engine();
  while (ahead_count_ < kAhead && in_.size() != 0) {
    uint64_t previous = running_keyed_ ? running_key_.hash : 0;
    if (ahead_count_ > 0) {
      const Ahead& last = ahead_[(ahead_first_ + ahead_count_ - 1) % kAhead];
      if (!last.keyed) break;
      previous = last.key.hash;
    }
    Ahead& a = ahead_[(ahead_first_ + ahead_count_) % kAhead];
    a.result = parser_.Next(in_, &a.argv);
    a.keyed = a.result == protocol::Parser::Result::kCommand &&
              engine.LookaheadKey(session_.db, a.argv, previous, &a.key);
    ++ahead_count_;
  }
  if (ahead_count_ > 0 && ahead_[ahead_first_].keyed) engine.PrefetchSlot(ahead_[ahead_first_].key);
}

bool Connection::TakeAhead(std::vector<std::string_view>* argv, protocol::Parser::Result* result) {
  if (ahead_count_ == 0) return false;
  Ahead& a = ahead_[ahead_first_];
  argv->swap(a.argv);
  *result = a.result;
  running_keyed_ = a.keyed;
  running_key_ = a.key;
  ahead_first_ = (ahead_first_ + 1) % kAhead;
  --ahead_count_;
  return true;
}

void Connection::Serve() {
  std::vector<std::string_view> argv;
  config::LiveOptions& live = server_.config().live();
  while (!closing_.load(std::memory_order_seq_cst)) {
    int64_t timeout_s = live.timeout.load(std::memory_order_relaxed);
    absl::Time deadline = timeout_s > 0 ? absl::Now() + absl::Seconds(timeout_s) : absl::InfiniteFuture();
    std::span<char> space = in_.WritableSpace(kReadChunk);
    absl::StatusOr<size_t> n = conn_->Read(space.data(), space.size(), deadline);
    if (!n.ok() || *n == 0) {
      if (!n.ok() && absl::IsDeadlineExceeded(n.status()))
        runtime::LogVerbose("Closing idle client id=%d addr=%s", id_, remote_address_);
      break;
    }
    state_.store(kExecuting, std::memory_order_seq_cst);
    in_.Commit(*n);
    clock_.start_ns = 0;  // the read parked: the first command reads the clock
    net_input_bytes_.fetch_add(*n, std::memory_order_relaxed);
    reads_processed_.fetch_add(1, std::memory_order_relaxed);

    bool close = false;
    for (;;) {
      protocol::Parser::Result r;
      if (!TakeAhead(&argv, &r)) {
        r = parser_.Next(in_, &argv);
        running_keyed_ = false;
      }
      if (r == protocol::Parser::Result::kNeedMore) break;
      if (r == protocol::Parser::Result::kError) {
        runtime::LogVerbose("Protocol error (%s) from client id=%d addr=%s", std::string(parser_.error()), id_,
                            remote_address_);
        writer_.Error(absl::StrCat("ERR ", absl::string_view(parser_.error().data(), parser_.error().size())));
        server_.engine().CountError("ERR");
        close = true;
        break;
      }
      Execute(argv);
      if (OverOutputHardLimit()) {
        close = true;
        break;
      }
      if (++since_yield_ >= kYieldEvery) {
        since_yield_ = 0;
        runtime::Yield();  // fairness (see kYieldEvery)
        clock_.start_ns = 0;
      }
      if (close_after_reply_) {
        close = true;
        break;
      }
      if ((out_.size() >= kFlushThreshold || (pubsub_ && pubsub_->pending_output() >= kFlushThreshold)) &&
          !Flush()) {
        close = true;
        break;
      }
    }
    // The last command's end is a fresh reading: no clock read of its own.
    last_interaction_ms_.store(clock_.start_ns != 0 ? clock_.start_ns / 1000000 : NowMs(), std::memory_order_relaxed);
    size_t pending = in_.size();
    qbuf_.store(pending, std::memory_order_relaxed);
    int64_t qlimit = live.client_query_buffer_limit.load(std::memory_order_relaxed);
    if (!close && static_cast<int64_t>(pending) > qlimit) {
      runtime::LogWarning("Closing client that reached max query buffer length: id=%d addr=%s qbuf=%d", id_,
                          remote_address_, pending);
      server_.stats().client_query_buffer_limit_disconnections.fetch_add(1, std::memory_order_relaxed);
      close = true;
    }
    if (!Flush() || close) break;
    state_.store(kReading, std::memory_order_seq_cst);
  }
  state_.store(kDone, std::memory_order_seq_cst);
  conn_->Close();
  if (pubsub_) {
    if (pubsub_->over_limit()) OutputLimitReached("pubsub");
    server_.tracking().Detach(id_);  // before its outbox goes
    pubsub_->Stop();
  }
}

void Connection::ResetNetStats() {
  net_input_bytes_.store(0, std::memory_order_relaxed);
  net_output_bytes_.store(0, std::memory_order_relaxed);
  reads_processed_.store(0, std::memory_order_relaxed);
  writes_processed_.store(0, std::memory_order_relaxed);
}

std::string Connection::Describe(int64_t now_ms) const {
  const engine::Command* cmd = last_command_.load(std::memory_order_relaxed);
  int64_t age = (now_ms - created_ms_) / 1000;
  int64_t idle = (now_ms - last_interaction_ms_.load(std::memory_order_relaxed)) / 1000;
  std::string cmd_name = cmd ? std::string(cmd->full_name()) : "NULL";
  const int multi = multi_.load(std::memory_order_relaxed);
  std::string flags;  // in Redis's order of the letters stockd has
  if (monitor_.load(std::memory_order_relaxed)) flags += 'O';
  if (is_pubsub()) flags += 'P';
  if (multi >= 0) flags += 'x';
  if (blocking_.load(std::memory_order_relaxed)) flags += 'b';
  const uint8_t tracking = tracking_.load(std::memory_order_relaxed);
  if (tracking & engine::tracking::kOn) flags += 't';
  if (tracking_broken_.load(std::memory_order_relaxed)) flags += 'R';
  if (tracking & engine::tracking::kBcast) flags += 'B';
  if (no_evict_.load(std::memory_order_relaxed)) flags += 'e';
  if (flags.empty()) flags.push_back('N');  // (not = "N": GCC 12 warns, -Wrestrict, wrongly)
  return absl::StrCat("id=", id_, " addr=", remote_address_, " laddr=", local_address_, " fd=", conn_->fd(),
                      " name=", name(), " age=", age, " idle=", idle, " flags=", flags,
                      " db=", db_.load(std::memory_order_relaxed), " sub=", sub_count_.load(std::memory_order_relaxed),
                      " psub=", psub_count_.load(std::memory_order_relaxed),
                      " ssub=", ssub_count_.load(std::memory_order_relaxed), " multi=", multi,
                      " qbuf=", qbuf_.load(std::memory_order_relaxed),
                      " qbuf-free=0 argv-mem=0 multi-mem=0 rbs=16384 rbp=0 obl=0 oll=0 omem=", omem_.load(std::memory_order_relaxed),
                      " tot-mem=0 events=r cmd=",
                      cmd_name, " user=", acl_user_.name(),
                      " redir=", tracking_redirect_.load(std::memory_order_relaxed),
                      " resp=", resp_.load(std::memory_order_relaxed));
}

}  // namespace stockd::server
