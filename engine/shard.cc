// engine/shard.cc — one shard's keyspace: lookups with lazy expiry, mutations
// that record changes, volatile-key sampling (see shard.h).
#include "engine/shard.h"

#include "absl/container/internal/hashtable_debug_hooks.h"

#include <algorithm>

namespace stockd::engine {
struct SlotPrefetchTag {};
}  // namespace stockd::engine

// Shard::Prefetch needs where a key's slot is before it looks the key up, and
// absl's own prefetch() only fetches the first slot of the probe window (the
// key is at whichever slot of the 16 its control byte matches). absl's debug
// hook is a friend of every table; this specialization (for our tag only)
// reads the control bytes of the first probe group, as find() does.
namespace absl {
ABSL_NAMESPACE_BEGIN
namespace container_internal::hashtable_debug_internal {
template <typename Set>
struct HashtableDebugAccess<Set, stockd::engine::SlotPrefetchTag> {
  static const void* Ctrl(const Set& set) { return set.ctrl_; }
  static size_t Capacity(const Set& set) { return set.capacity_; }
  // The first probe group of hash in a table with these control bytes.
  static const void* Group(const void* ctrl, size_t capacity, size_t hash) {
    const auto* c = static_cast<const ctrl_t*>(ctrl);
    return c + probe(c, hash, capacity).offset();
  }
  // The slot of the first probe group whose control byte matches hash (where
  // the key almost always is), else the group's first free one (where an
  // insert would put it); null for an empty table.
  static const void* LikelySlot(const Set& set, size_t hash) {
    if (set.capacity_ == 0) return nullptr;
    const auto seq = probe(set.ctrl_, hash, set.capacity_);
    const container_internal::Group g{set.ctrl_ + seq.offset()};
    if (auto match = g.Match(H2(hash))) return set.slots_ + seq.offset(match.LowestBitSet());
    if (auto empty = g.MaskEmpty()) return set.slots_ + seq.offset(empty.LowestBitSet());
    return nullptr;
  }
};
}  // namespace container_internal::hashtable_debug_internal
ABSL_NAMESPACE_END
}  // namespace absl

namespace stockd::engine {
namespace {

inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

inline bool IsExpired(const Entry& e, int64_t now_ms) {
  return e.expire_at_ms != 0 && now_ms > e.expire_at_ms;
}

inline uint32_t Seconds(int64_t now_ms) { return static_cast<uint32_t>(now_ms / 1000); }

// splitmix64: decorrelates the caller's random numbers for repeated picks.
inline uint64_t Mix(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

void SpinLock::LockSlow() {
  int spins = 0;
  for (;;) {
    while (locked_.load(std::memory_order_relaxed)) {
      if (++spins < 128) {
        CpuRelax();
      } else {
        // The holder may have been descheduled: give the core away.
        std::this_thread::yield();
      }
    }
    if (!locked_.exchange(true, std::memory_order_acquire)) return;
  }
}

void Shard::Record(KeyChange::Kind kind, std::string_view key, Entry* entry) {
  ++seq_;
  if (recording_) {
    changed_ = true;
    if (!coalesce_ || entry == nullptr || !entry->persist_pending) {
      if (coalesce_ && entry != nullptr) entry->persist_pending = 1;
      changes_.push_back(PendingChange{kind, std::string(key), seq_});
    }
  }
  // kFlush touches watchers itself, before the keys go (TouchWatchedPresent).
  if (kind == KeyChange::kWrite && !watched_.empty()) TouchWatched(key);
  // Client-side caching (engine/keyspace_events.h): one relaxed load while nobody tracks.
  if (kind == KeyChange::kWrite && events_ != nullptr && events_->tracking()) {
    events_->tracker()->Modified(writer_, key);
  }
}

void Shard::TouchWatched(std::string_view key) {
  auto it = watched_.find(key);
  if (it != watched_.end()) it->second.version = seq_;
}

void Shard::TouchWatchedPresent() {
  // As Redis's touchAllWatchedKeysInDb: only keys that exist are modified.
  for (auto& [key, w] : watched_) {
    if (TableOf(KeyHash(key)).contains(key)) w.version = seq_ + 1;
  }
}

uint64_t Shard::Watch(std::string_view key) {
  auto [it, inserted] = watched_.try_emplace(key);
  ++it->second.watchers;
  return it->second.version;
}

void Shard::Unwatch(std::string_view key) {
  auto it = watched_.find(key);
  if (it == watched_.end()) return;
  if (--it->second.watchers == 0) watched_.erase(it);
}

uint64_t Shard::WatchedVersion(std::string_view key) const {
  auto it = watched_.find(key);
  return it == watched_.end() ? 0 : it->second.version;
}

void Shard::NoteChanged(std::string_view key, uint64_t hash) {
  Entry* entry = nullptr;
  if (coalesce_) {  // the entry was just touched: this lookup hits the cache
    Table& t = TableOf(hash);
    auto it = t.find(key, static_cast<size_t>(hash));
    if (it != t.end()) entry = &it->entry;
  }
  Record(KeyChange::kWrite, key, entry);
}

void Shard::set_recording(bool on, bool coalesce) {
  recording_ = on;
  if (coalesce_) {  // the marks belong to the observer being replaced
    for (Table& t : tables_) {
      for (auto& [k, e] : t) e.persist_pending = 0;
    }
  }
  coalesce_ = on && coalesce;
}

const Entry* Shard::TakePending(std::string_view key, uint64_t hash) {
  Table& t = TableOf(hash);
  auto it = t.find(key, static_cast<size_t>(hash));
  if (it == t.end()) return nullptr;
  it->entry.persist_pending = 0;
  return &it->entry;
}

void Shard::CollectChanges(std::vector<KeyChange>* out) const {
  out->clear();
  out->reserve(changes_.size());
  for (const PendingChange& c : changes_) out->push_back(KeyChange{c.kind, c.key, c.seq});
}

void Shard::AddVolatile(const std::string& key, Entry* entry) {
  entry->volatile_pos = static_cast<uint32_t>(volatile_.size());
  volatile_.push_back(key);
  expires_.store(volatile_.size(), std::memory_order_relaxed);
}

void Shard::RemoveVolatile(Entry* entry) {
  const uint32_t pos = entry->volatile_pos;
  const uint32_t last = static_cast<uint32_t>(volatile_.size() - 1);
  if (pos != last) {
    volatile_[pos] = std::move(volatile_[last]);
    const std::string& moved = volatile_[pos];
    Table& t = TableOf(KeyHash(moved));
    auto it = t.find(moved);
    if (it != t.end()) it->entry.volatile_pos = pos;
  }
  volatile_.pop_back();
  entry->expire_at_ms = 0;
  expires_.store(volatile_.size(), std::memory_order_relaxed);
}

void Shard::EraseEntry(Table& t, Table::iterator it) {
  if (it->entry.expire_at_ms != 0) RemoveVolatile(&it->entry);
  t.erase(it);
  size_.store(size_.load(std::memory_order_relaxed) - 1, std::memory_order_relaxed);
}

void Shard::ExpireEntry(Table& t, Table::iterator it) {
  Record(KeyChange::kWrite, it->key, nullptr);
  Announce(notify::kExpired, "expired", it->key.view());
  EraseEntry(t, it);
  Bump(expired_);
}

using TableAccess = absl::container_internal::hashtable_debug_internal::HashtableDebugAccess<Shard::Table, SlotPrefetchTag>;

// (The prefetches are issued here, not in the helper: GCC 12's mod-ref
// analysis takes a helper whose only effect is a prefetch for pure and drops
// the call.)
void Shard::PrefetchEarly(uint64_t hash) const {
  __builtin_prefetch(&lock_);
  __builtin_prefetch(&hits_, 1);
  __builtin_prefetch(&last_now_ms_, 1);
  const int slot = SlotOf(hash);
  __builtin_prefetch(&tables_[slot]);
  const GroupHint& hint = group_hints_[slot];
  const size_t capacity = hint.capacity.load(std::memory_order_relaxed);
  if (capacity != 0) {
    __builtin_prefetch(TableAccess::Group(hint.ctrl.load(std::memory_order_relaxed), capacity, static_cast<size_t>(hash)));
  }
}

void Shard::PrefetchSlot(uint64_t hash) {
  const int index = SlotOf(hash);
  const Table& t = tables_[index];
  if (const void* slot = TableAccess::LikelySlot(t, static_cast<size_t>(hash))) __builtin_prefetch(slot);
  GroupHint& hint = group_hints_[index];
  const void* ctrl = TableAccess::Ctrl(t);
  if (hint.ctrl.load(std::memory_order_relaxed) != ctrl) {  // rare: written after a rehash only
    hint.ctrl.store(ctrl, std::memory_order_relaxed);
    hint.capacity.store(TableAccess::Capacity(t), std::memory_order_relaxed);
  }
}

Entry* Shard::FindRead(std::string_view key, uint64_t hash, int64_t now_ms) {
  last_now_ms_ = now_ms;
  Table& t = TableOf(hash);
  auto it = t.find(key, static_cast<size_t>(hash));
  if (it == t.end()) {
    Bump(misses_);
    Announce(notify::kKeyMiss, "keymiss", key);
    return nullptr;
  }
  if (IsExpired(it->entry, now_ms)) {
    ExpireEntry(t, it);
    Bump(misses_);
    Announce(notify::kKeyMiss, "keymiss", key);
    return nullptr;
  }
  Bump(hits_);
  it->entry.access_time_s = Seconds(now_ms);
  return &it->entry;
}

Entry* Shard::FindWrite(std::string_view key, uint64_t hash, int64_t now_ms) {
  last_now_ms_ = now_ms;
  Table& t = TableOf(hash);
  auto it = t.find(key, static_cast<size_t>(hash));
  if (it == t.end()) return nullptr;
  if (IsExpired(it->entry, now_ms)) {
    ExpireEntry(t, it);
    return nullptr;
  }
  it->entry.access_time_s = Seconds(now_ms);
  return &it->entry;
}

const Entry* Shard::Peek(std::string_view key, uint64_t hash) const {
  const Table& t = TableOf(hash);
  auto it = t.find(key, static_cast<size_t>(hash));
  return it == t.end() ? nullptr : &it->entry;
}

Entry* Shard::Set(std::string_view key, uint64_t hash, Value value, int64_t now_ms,
                  bool keep_ttl) {
  Table& t = TableOf(hash);
  bool inserted = false;
  auto it = t.lazy_emplace(key, [&](const Table::constructor& ctor) {
    inserted = true;
    ctor(key);
  });
  Entry& e = it->entry;
  if (inserted) {
    size_.store(size_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    Announce(notify::kNew, "new", key);
  } else if (!keep_ttl && e.expire_at_ms != 0) {
    RemoveVolatile(&e);
  }
  e.value = std::move(value);
  e.access_time_s = Seconds(now_ms);
  Record(KeyChange::kWrite, key, &e);
  return &e;
}

std::pair<Entry*, bool> Shard::FindOrInsert(std::string_view key, uint64_t hash, int64_t now_ms) {
  last_now_ms_ = now_ms;
  Table& t = TableOf(hash);
  auto it = t.find(key, static_cast<size_t>(hash));
  if (it != t.end()) {
    if (!IsExpired(it->entry, now_ms)) {
      it->entry.access_time_s = Seconds(now_ms);
      return {&it->entry, false};
    }
    ExpireEntry(t, it);
  }
  auto nit = t.lazy_emplace(key, [&](const Table::constructor& ctor) { ctor(key); });
  size_.store(size_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  Announce(notify::kNew, "new", key);
  nit->entry.access_time_s = Seconds(now_ms);
  return {&nit->entry, true};
}

bool Shard::Delete(std::string_view key, uint64_t hash, int64_t now_ms) {
  Table& t = TableOf(hash);
  auto it = t.find(key, static_cast<size_t>(hash));
  if (it == t.end()) return false;
  if (IsExpired(it->entry, now_ms)) {
    ExpireEntry(t, it);
    return false;
  }
  Record(KeyChange::kWrite, key, nullptr);
  EraseEntry(t, it);
  return true;
}

void Shard::SetExpire(std::string_view key, Entry* entry, int64_t when_ms) {
  if (when_ms == 0) {
    if (entry->expire_at_ms != 0) RemoveVolatile(entry);
  } else {
    if (entry->expire_at_ms == 0) {
      // The vector needs the key's text; the map owns the canonical copy.
      AddVolatile(std::string(key), entry);
    }
    entry->expire_at_ms = when_ms;
  }
  Record(KeyChange::kWrite, key, entry);
}

size_t Shard::Clear() {
  const size_t n = size();
  if (!watched_.empty()) TouchWatchedPresent();
  for (Table& t : tables_) t.clear();
  volatile_.clear();
  size_.store(0, std::memory_order_relaxed);
  expires_.store(0, std::memory_order_relaxed);
  Record(KeyChange::kFlush, {}, nullptr);
  return n;
}

void Shard::SwapContents(Shard& other) {
  // Keys present before the swap are touched here, those present after it by
  // the kWrite records below.
  if (!watched_.empty()) TouchWatchedPresent();
  if (!other.watched_.empty()) other.TouchWatchedPresent();
  for (int i = 0; i < kScanSlots; ++i) tables_[i].swap(other.tables_[i]);
  volatile_.swap(other.volatile_);
  size_t s = size(), os = other.size();
  size_.store(os, std::memory_order_relaxed);
  other.size_.store(s, std::memory_order_relaxed);
  expires_.store(volatile_.size(), std::memory_order_relaxed);
  other.expires_.store(other.volatile_.size(), std::memory_order_relaxed);
  for (Shard* sh : {this, &other}) {
    sh->Record(KeyChange::kFlush, {}, nullptr);
    for (Table& t : sh->tables_) {
      for (auto& [k, e] : t) {
        // A mark came from the other shard's reports: this shard must report the key.
        e.persist_pending = 0;
        sh->Record(KeyChange::kWrite, k, &e);
      }
    }
  }
}

void Shard::ForEachInSlot(int slot, int64_t now_ms,
                          absl::FunctionRef<void(std::string_view, const Entry&)> fn) const {
  for (const auto& [k, e] : tables_[slot]) {
    if (!IsExpired(e, now_ms)) fn(k, e);
  }
}

void Shard::ForEach(int64_t now_ms,
                    absl::FunctionRef<void(std::string_view, const Entry&)> fn) const {
  for (int i = 0; i < kScanSlots; ++i) ForEachInSlot(i, now_ms, fn);
}

bool Shard::RandomKey(uint64_t random, int64_t now_ms, std::string* key) {
  if (size() == 0) return false;
  uint64_t state = random;
  // A few random picks; then a deterministic walk so a shard whose keys are
  // all logically expired still terminates.
  for (int attempt = 0; attempt < 16; ++attempt) {
    const Table& t = tables_[Mix(state) % kScanSlots];
    if (t.empty()) continue;
    size_t skip = Mix(state) % t.size();
    auto it = t.begin();
    std::advance(it, static_cast<ptrdiff_t>(skip));
    if (!IsExpired(it->entry, now_ms)) {
      *key = it->key.str();
      return true;
    }
  }
  for (const Table& t : tables_) {
    for (const auto& [k, e] : t) {
      if (!IsExpired(e, now_ms)) {
        *key = k.str();
        return true;
      }
    }
  }
  return false;
}

std::pair<int, int> Shard::ActiveExpire(int samples, int64_t now_ms, uint64_t random) {
  int sampled = 0, expired = 0;
  uint64_t state = random;
  while (sampled < samples && !volatile_.empty()) {
    ++sampled;
    const std::string& k = volatile_[Mix(state) % volatile_.size()];
    Table& t = TableOf(KeyHash(k));
    auto it = t.find(k);
    if (it != t.end() && IsExpired(it->entry, now_ms)) {
      ExpireEntry(t, it);
      ++expired;
    }
  }
  return {sampled, expired};
}

int64_t Shard::AverageTtlSample(int samples, int64_t now_ms) const {
  int64_t sum = 0;
  int n = 0;
  for (size_t i = 0; i < volatile_.size() && n < samples; ++i) {
    const Table& t = TableOf(KeyHash(volatile_[i]));
    auto it = t.find(volatile_[i]);
    if (it == t.end() || IsExpired(it->entry, now_ms)) continue;
    sum += it->entry.expire_at_ms - now_ms;
    ++n;
  }
  return n == 0 ? 0 : sum / n;
}

void Shard::ResetStats() {
  hits_.store(0, std::memory_order_relaxed);
  misses_.store(0, std::memory_order_relaxed);
  expired_.store(0, std::memory_order_relaxed);
}

}  // namespace stockd::engine
