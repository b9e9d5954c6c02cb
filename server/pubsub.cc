#include "server/pubsub.h"

#include <sys/time.h>
#include <sys/uio.h>

#include <cctype>
#include <cstdio>

#include <algorithm>

#include "absl/time/clock.h"
#include "engine/args.h"
#include "engine/glob.h"
#include "protocol/reply_writer.h"

namespace stockd::server {
namespace {
// (Debian's Abseil has its own string_view: heterogeneous lookups take that.)
absl::string_view A(std::string_view s) { return absl::string_view(s.data(), s.size()); }
}  // namespace

// --- Subscriber ---

void Subscriber::Deliver(const std::string* pattern, std::string_view channel, std::string_view payload) {
  {
    absl::MutexLock lock(&mu_);
    if (over_limit_.load(std::memory_order_relaxed)) return;
    protocol::ReplyWriter w(&outbox_, resp_.load(std::memory_order_relaxed));
    w.PushHeader(pattern != nullptr ? 4 : 3);
    w.Bulk(pattern != nullptr ? "pmessage" : "message");
    if (pattern != nullptr) w.Bulk(*pattern);
    w.Bulk(channel);
    w.Bulk(payload);
    CheckLimitsLocked();
  }
  Wake();
}

void Subscriber::DeliverShard(std::string_view channel, std::string_view payload) {
  {
    absl::MutexLock lock(&mu_);
    if (over_limit_.load(std::memory_order_relaxed)) return;
    protocol::ReplyWriter w(&outbox_, resp_.load(std::memory_order_relaxed));
    w.PushHeader(3);
    w.Bulk("smessage");
    w.Bulk(channel);
    w.Bulk(payload);
    CheckLimitsLocked();
  }
  Wake();
}

void Subscriber::DeliverRaw(std::string_view resp) {
  {
    absl::MutexLock lock(&mu_);
    if (over_limit_.load(std::memory_order_relaxed)) return;
    outbox_.Append(resp);
    CheckLimitsLocked();
  }
  Wake();
}

void Subscriber::AppendRepliesLocked(protocol::OutputBuffer& out) {
  if (!over_limit_.load(std::memory_order_relaxed)) {
    struct iovec iov[64];
    while (!out.empty()) {
      const int n = out.FillIovec(iov, 64);
      size_t bytes = 0;
      for (int i = 0; i < n; ++i) {
        outbox_.Append(std::string_view(static_cast<const char*>(iov[i].iov_base), iov[i].iov_len));
        bytes += iov[i].iov_len;
      }
      out.Consume(bytes);
    }
    CheckLimitsLocked();
  }
  out.Clear();
}

void Subscriber::CheckLimitsLocked() {
  const int64_t size = static_cast<int64_t>(outbox_.size());
  pending_.store(outbox_.size(), std::memory_order_relaxed);
  const int64_t hard = live_.obuf_pubsub_hard.load(std::memory_order_relaxed);
  const int64_t soft = live_.obuf_pubsub_soft.load(std::memory_order_relaxed);
  bool over = hard > 0 && size > hard;
  if (!over && soft > 0 && size > soft) {
    const absl::Time now = absl::Now();
    if (soft_since_ == absl::InfiniteFuture()) {
      soft_since_ = now;
    } else {
      over = now - soft_since_ > absl::Seconds(live_.obuf_pubsub_soft_seconds.load(std::memory_order_relaxed));
    }
  } else if (!over) {
    soft_since_ = absl::InfiniteFuture();
  }
  if (!over) return;
  // As Redis: the client is closed without what it has not read. Closing the
  // socket wakes its reader (which then leaves and logs) and its writer.
  outbox_.Clear();
  pending_.store(0, std::memory_order_relaxed);
  over_limit_.store(true, std::memory_order_release);
  conn_->Close();
}

protocol::OutputBuffer Subscriber::Take() {
  absl::MutexLock lock(&mu_);
  protocol::OutputBuffer taken = std::move(outbox_);
  outbox_ = protocol::OutputBuffer();
  pending_.store(0, std::memory_order_relaxed);
  return taken;
}

// --- PubSub ---

int64_t PubSub::Publish(std::string_view channel, std::string_view message) {
  absl::ReaderMutexLock lock(&mu_);
  int64_t receivers = 0;
  if (auto it = channels_.find(A(channel)); it != channels_.end()) {
    for (Subscriber* s : it->second) s->Deliver(nullptr, channel, message);
    receivers += static_cast<int64_t>(it->second.size());
  }
  for (const auto& [pattern, subscribers] : patterns_) {
    if (!engine::GlobMatch(pattern, channel)) continue;
    for (Subscriber* s : subscribers) s->Deliver(&pattern, channel, message);
    receivers += static_cast<int64_t>(subscribers.size());
  }
  return receivers;
}

std::vector<std::string> PubSub::Channels(std::optional<std::string_view> pattern) const {
  absl::ReaderMutexLock lock(&mu_);
  std::vector<std::string> out;
  for (const auto& [channel, subscribers] : channels_) {
    if (!pattern || engine::GlobMatch(*pattern, channel)) out.push_back(channel);
  }
  return out;
}

int64_t PubSub::NumSub(std::string_view channel) const {
  absl::ReaderMutexLock lock(&mu_);
  auto it = channels_.find(A(channel));
  return it == channels_.end() ? 0 : static_cast<int64_t>(it->second.size());
}

int64_t PubSub::NumPat() const {
  absl::ReaderMutexLock lock(&mu_);
  return static_cast<int64_t>(patterns_.size());
}

int64_t PubSub::NumChannels() const {
  absl::ReaderMutexLock lock(&mu_);
  return static_cast<int64_t>(channels_.size());
}

int64_t PubSub::PublishShard(std::string_view channel, std::string_view message) {
  absl::ReaderMutexLock lock(&mu_);
  auto it = shard_channels_.find(A(channel));
  if (it == shard_channels_.end()) return 0;
  for (Subscriber* s : it->second) s->DeliverShard(channel, message);
  return static_cast<int64_t>(it->second.size());
}

std::vector<std::string> PubSub::ShardChannels(std::optional<std::string_view> pattern) const {
  absl::ReaderMutexLock lock(&mu_);
  std::vector<std::string> out;
  for (const auto& [channel, subscribers] : shard_channels_) {
    if (!pattern || engine::GlobMatch(*pattern, channel)) out.push_back(channel);
  }
  return out;
}

int64_t PubSub::ShardNumSub(std::string_view channel) const {
  absl::ReaderMutexLock lock(&mu_);
  auto it = shard_channels_.find(A(channel));
  return it == shard_channels_.end() ? 0 : static_cast<int64_t>(it->second.size());
}

int64_t PubSub::NumShardChannels() const {
  absl::ReaderMutexLock lock(&mu_);
  return static_cast<int64_t>(shard_channels_.size());
}

namespace {

// Redis's sdscatrepr: the argument quoted, with C escapes for what is not printable.
void AppendRepr(std::string& out, std::string_view s) {
  static const char* kHex = "0123456789abcdef";
  out.push_back('"');
  for (char ch : s) {
    switch (ch) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\a': out += "\\a"; break;
      case '\b': out += "\\b"; break;
      default:
        if (std::isprint(static_cast<unsigned char>(ch))) {
          out.push_back(ch);
        } else {
          const auto u = static_cast<unsigned char>(ch);
          out += "\\x";
          out.push_back(kHex[u >> 4]);
          out.push_back(kHex[u & 15]);
        }
    }
  }
  out.push_back('"');
}

}  // namespace

void PubSub::FeedMonitors(const engine::Command& cmd, bool starting, int db, std::string_view client,
                          absl::Span<const std::string_view> argv) {
  if (!has_monitors() || argv.empty() || cmd.has_flag(engine::kAdmin) ||
      cmd.has_flag(engine::kSkipMonitor) != starting) {
    return;
  }
  struct timeval tv;
  gettimeofday(&tv, nullptr);
  char head[64];
  std::snprintf(head, sizeof(head), "+%ld.%06ld [%d ", static_cast<long>(tv.tv_sec), static_cast<long>(tv.tv_usec), db);
  std::string line = head;
  line.append(client).append("] ");
  // Secrets never reach a monitor: AUTH's arguments, HELLO's after AUTH (as Redis 7).
  const bool auth = engine::EqualsIgnoreCase(argv[0], "auth");
  size_t redact_from = auth ? 1 : argv.size(), redact_to = argv.size();
  if (engine::EqualsIgnoreCase(argv[0], "hello")) {  // HELLO protover [AUTH user pass] [SETNAME name]
    for (size_t i = 2; i < argv.size(); ++i) {
      if (engine::EqualsIgnoreCase(argv[i], "auth") && i + 2 < argv.size()) {
        redact_from = i + 1;
        redact_to = i + 3;
        break;
      }
      if (engine::EqualsIgnoreCase(argv[i], "setname")) ++i;
    }
  }
  for (size_t i = 0; i < argv.size(); ++i) {
    if (i > 0) line.push_back(' ');
    if (i >= redact_from && i < redact_to) line += "\"(redacted)\"";
    else AppendRepr(line, argv[i]);
  }
  line += "\r\n";
  absl::ReaderMutexLock lock(&mu_);
  for (Subscriber* s : monitors_) s->DeliverRaw(line);
}

void PubSub::ApplyLocked(Subscriber* s, const Change& c) {
  if (c.kind == SubKind::kMonitor) {
    if (c.add) monitors_.insert(s);
    else monitors_.erase(s);
    monitors_count_.store(static_cast<int>(monitors_.size()), std::memory_order_relaxed);
    return;
  }
  auto& map = c.kind == SubKind::kChannel ? channels_ : c.kind == SubKind::kShardChannel ? shard_channels_ : patterns_;
  if (c.add) {
    map[c.name].insert(s);
    return;
  }
  auto it = map.find(c.name);
  if (it == map.end()) return;
  it->second.erase(s);
  if (it->second.empty()) map.erase(it);  // PUBSUB CHANNELS lists only channels someone listens to
}

// --- ClientPubSub ---

ClientPubSub::ClientPubSub(PubSub& registry, config::LiveOptions& live, runtime::Conn* conn, int resp,
                           std::atomic<uint64_t>* written_bytes, std::atomic<uint64_t>* writes)
    : registry_(registry),
      conn_(conn),
      written_bytes_(written_bytes),
      writes_(writes),
      sub_(live, conn, resp) {
  pusher_ = runtime::Go([this] { PusherLoop(); });
}

ClientPubSub::~ClientPubSub() = default;

bool ClientPubSub::Add(SubKind kind, std::string_view name) {
  if (!Set(kind).emplace(name).second) return false;
  changes_.push_back({kind, true, std::string(name)});
  return true;
}

bool ClientPubSub::Remove(SubKind kind, std::string_view name) {
  auto& set = Set(kind);
  auto it = set.find(A(name));
  if (it == set.end()) return false;
  set.erase(it);
  changes_.push_back({kind, false, std::string(name)});
  return true;
}

void ClientPubSub::SetMonitor(bool on) {
  if (monitor_ == on) return;
  monitor_ = on;
  changes_.push_back({SubKind::kMonitor, on, std::string()});
}

std::vector<std::string> ClientPubSub::Names(SubKind kind) const {
  const auto& set = Set(kind);
  return std::vector<std::string>(set.begin(), set.end());
}

void ClientPubSub::Commit(protocol::OutputBuffer& out) {
  if (changes_.empty()) {
    if (out.empty()) return;
    absl::MutexLock lock(&sub_.mu_);
    sub_.AppendRepliesLocked(out);
    return;
  }
  absl::MutexLock registry_lock(&registry_.mu_);
  absl::MutexLock lock(&sub_.mu_);
  sub_.AppendRepliesLocked(out);
  for (const PubSub::Change& c : changes_) registry_.ApplyLocked(&sub_, c);
  changes_.clear();
}

bool ClientPubSub::Drain() {
  runtime::MutexLock writer(write_mu_);
  for (;;) {
    if (sub_.over_limit()) return false;
    protocol::OutputBuffer batch = sub_.Take();
    if (batch.empty()) return true;
    while (!batch.empty()) {
      struct iovec iov[64];
      const int n = batch.FillIovec(iov, 64);
      size_t bytes = 0;
      for (int i = 0; i < n; ++i) bytes += iov[i].iov_len;
      if (!conn_->Writev(iov, n).ok()) return false;
      batch.Consume(bytes);
      written_bytes_->fetch_add(bytes, std::memory_order_relaxed);
      writes_->fetch_add(1, std::memory_order_relaxed);
    }
  }
}

void ClientPubSub::PusherLoop() {
  while (sub_.wake().Recv()) {
    if (!Drain()) {
      conn_->Close();  // the client is gone (or over its limit): its reader leaves too
      return;
    }
  }
}

void ClientPubSub::Stop() {
  if (stopped_) return;
  stopped_ = true;
  {
    absl::MutexLock registry_lock(&registry_.mu_);
    for (const std::string& c : channels_) registry_.ApplyLocked(&sub_, {SubKind::kChannel, false, c});
    for (const std::string& p : patterns_) registry_.ApplyLocked(&sub_, {SubKind::kPattern, false, p});
    for (const std::string& c : shard_channels_) registry_.ApplyLocked(&sub_, {SubKind::kShardChannel, false, c});
    for (const PubSub::Change& c : changes_) registry_.ApplyLocked(&sub_, {c.kind, false, c.name});
    registry_.ApplyLocked(&sub_, {SubKind::kMonitor, false, std::string()});
  }
  changes_.clear();
  sub_.wake().Close();
  (void)pusher_.Join();
}

}  // namespace stockd::server
