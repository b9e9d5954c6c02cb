// engine/keyspace_events.h — Redis's keyspace notifications
// (notify-keyspace-events): the event classes, their flags string, and the one
// place a change to a key is announced.
//
// Contract:
//  * Fire(cls, event, key, db) publishes, when the class `cls` is enabled,
//    "__keyspace@<db>__:<key>" → event (flag K) and "__keyevent@<db>__:<event>"
//    → key (flag E), through the sink the server installs (pub/sub), as
//    Redis's notifyKeyspaceEvent. With the class off it costs one relaxed load.
//  * Commands fire after their change, in Redis's order, with Redis's event
//    names; the shard fires "new" (a key added), "expired" (lazy and active
//    expiry) and "keymiss" (a read of a missing key) itself.
//  * Fire runs under shard locks: the sink must never park nor take a shard
//    lock (the server's pub/sub appends to outboxes, PUBLISH-like).
//  * Client-side caching (CLIENT TRACKING, server/tracking.h) is told of
//    every changed key by the shard (Shard::Record, the point every write
//    passes, WATCH's too: STOCK.* changes included, which announce no event)
//    through the KeyTracker installed here, while tracking() is on — one
//    relaxed load of a bit of flags_ otherwise — and of flushes by Flushed.
//  * The class constants are Redis's bit values; ParseKeyspaceEventFlags and
//    FormatKeyspaceEventFlags are its keyspaceEventsStringToFlags /
//    FlagsToString (header-only: the config layer validates with them).
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "absl/types/span.h"

namespace stockd::engine {

struct Session;
class Command;

namespace notify {
inline constexpr uint32_t kKeyspace = 1u << 0;   // K
inline constexpr uint32_t kKeyevent = 1u << 1;   // E
inline constexpr uint32_t kGeneric = 1u << 2;    // g: del, expire, rename, ...
inline constexpr uint32_t kString = 1u << 3;     // $
inline constexpr uint32_t kList = 1u << 4;       // l
inline constexpr uint32_t kSet = 1u << 5;        // s
inline constexpr uint32_t kHash = 1u << 6;       // h
inline constexpr uint32_t kZSet = 1u << 7;       // z
inline constexpr uint32_t kExpired = 1u << 8;    // x
inline constexpr uint32_t kEvicted = 1u << 9;    // e
inline constexpr uint32_t kStream = 1u << 10;    // t
inline constexpr uint32_t kKeyMiss = 1u << 11;   // m
inline constexpr uint32_t kModule = 1u << 13;    // d
inline constexpr uint32_t kNew = 1u << 14;       // n
// A: every class but m and n.
inline constexpr uint32_t kAll =
    kGeneric | kString | kList | kSet | kHash | kZSet | kExpired | kEvicted | kStream | kModule;
}  // namespace notify

// The flags a notify-keyspace-events string sets; -1 on a character Redis
// does not know.
inline int64_t ParseKeyspaceEventFlags(std::string_view classes) {
  uint32_t flags = 0;
  for (char c : classes) {
    switch (c) {
      case 'A': flags |= notify::kAll; break;
      case 'g': flags |= notify::kGeneric; break;
      case '$': flags |= notify::kString; break;
      case 'l': flags |= notify::kList; break;
      case 's': flags |= notify::kSet; break;
      case 'h': flags |= notify::kHash; break;
      case 'z': flags |= notify::kZSet; break;
      case 'x': flags |= notify::kExpired; break;
      case 'e': flags |= notify::kEvicted; break;
      case 'K': flags |= notify::kKeyspace; break;
      case 'E': flags |= notify::kKeyevent; break;
      case 't': flags |= notify::kStream; break;
      case 'm': flags |= notify::kKeyMiss; break;
      case 'd': flags |= notify::kModule; break;
      case 'n': flags |= notify::kNew; break;
      default: return -1;
    }
  }
  return flags;
}

// CONFIG GET's form. As Redis's: with every class of A on, "A" stands for
// them and `n` is not shown.
inline std::string FormatKeyspaceEventFlags(uint32_t flags) {
  std::string s;
  if ((flags & notify::kAll) == notify::kAll) {
    s += 'A';
  } else {
    constexpr std::pair<uint32_t, char> kClasses[] = {
        {notify::kGeneric, 'g'}, {notify::kString, '$'}, {notify::kList, 'l'},    {notify::kSet, 's'},
        {notify::kHash, 'h'},    {notify::kZSet, 'z'},   {notify::kExpired, 'x'}, {notify::kEvicted, 'e'},
        {notify::kStream, 't'},  {notify::kModule, 'd'}, {notify::kNew, 'n'}};
    for (auto [bit, c] : kClasses)
      if (flags & bit) s += c;
  }
  if (flags & notify::kKeyspace) s += 'K';
  if (flags & notify::kKeyevent) s += 'E';
  if (flags & notify::kKeyMiss) s += 'm';
  return s;
}

// Client-side caching's view of the keyspace (server/tracking.h). Every call
// may run under shard locks: none parks or takes a shard lock.
class KeyTracker {
 public:
  virtual ~KeyTracker() = default;
  // A key changed. by_client: the client whose command changed it (0:
  // outside a command, e.g. active expiry).
  virtual void Modified(uint64_t by_client, std::string_view key) = 0;
  // FLUSHDB / FLUSHALL: every key is invalid.
  virtual void Flushed(const Session* by) = 0;
  // A read-only command of a tracking session ran (Redis's trackingRememberKeys).
  virtual void Read(const Session& s, const Command& cmd, absl::Span<const std::string_view> argv) = 0;
};

class KeyspaceEvents {
 public:
  // Where notifications go (the server's pub/sub). Never parks.
  class Sink {
   public:
    virtual ~Sink() = default;
    virtual void Publish(std::string_view channel, std::string_view message) = 0;
  };

  // REQUIRES: before serving.
  void SetSink(Sink* sink) { sink_ = sink; }
  void SetFlags(uint32_t flags) {
    uint32_t old = flags_.load(std::memory_order_relaxed);
    while (!flags_.compare_exchange_weak(old, (flags & ~kTracking) | (old & kTracking), std::memory_order_relaxed)) {
    }
  }
  uint32_t flags() const { return flags_.load(std::memory_order_relaxed) & ~kTracking; }
  // REQUIRES: before serving.
  void SetTracker(KeyTracker* tracker) { tracker_ = tracker; }
  KeyTracker* tracker() const { return tracker_; }
  // The tracker: on while some client tracks keys (or its table still holds some).
  void SetTracking(bool on) {
    if (on) flags_.fetch_or(kTracking, std::memory_order_relaxed);
    else flags_.fetch_and(~kTracking, std::memory_order_relaxed);
  }
  bool tracking() const { return (flags_.load(std::memory_order_relaxed) & kTracking) != 0; }

  // Whether an event of class `cls` would be published now: for a caller that
  // must work to learn whether the event happened (did the pop empty the key?).
  bool Wants(uint32_t cls) const {
    const uint32_t f = flags_.load(std::memory_order_relaxed);
    return (f & cls) != 0 && (f & (notify::kKeyspace | notify::kKeyevent)) != 0 && sink_ != nullptr;
  }
  void Fire(uint32_t cls, std::string_view event, std::string_view key, int db) const {
    if (Wants(cls)) Publish(event, key, db);
  }
  // FLUSHDB / FLUSHALL (only while some client tracks).
  void Flushed(const Session* by) const {
    if (tracking()) tracker_->Flushed(by);
  }

 private:
  void Publish(std::string_view event, std::string_view key, int db) const;

  static constexpr uint32_t kTracking = 1u << 31;  // not a Redis class bit
  std::atomic<uint32_t> flags_{0};
  Sink* sink_ = nullptr;
  KeyTracker* tracker_ = nullptr;
};

}  // namespace stockd::engine
