// engine/order_log.cc — see order_log.h.
#include "engine/order_log.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "engine/engine.h"
#include "runtime/select.h"

namespace stockd::engine {

OrderLog::OrderLog(Engine& engine)
    : engine_(engine),
      shards_per_db_(static_cast<uint32_t>(engine.shards_per_db())),
      skus_(engine.total_shards()) {}

OrderLog::~OrderLog() = default;

OrderLog::SkuTable& OrderLog::TableOf(const Shard& shard) {
  return skus_[static_cast<size_t>(shard.db()) * shards_per_db_ + static_cast<size_t>(shard.index())];
}

SkuState* OrderLog::FindSku(Shard& shard, std::string_view key) {
  SkuTable& t = TableOf(shard);
  auto it = t.find(key);
  return it == t.end() ? nullptr : &it->second;
}

SkuState& OrderLog::GetOrCreateSku(Shard& shard, std::string_view key) {
  SkuTable& t = TableOf(shard);
  auto it = t.find(key);
  if (it != t.end()) return it->second;
  return t.emplace(std::string(key), SkuState{}).first->second;
}

void OrderLog::ConfigureSku(Shard& shard, std::string_view key, std::optional<TokenBucket> bucket) {
  SkuState& sku = GetOrCreateSku(shard, key);
  if (!sku.is_sku) {
    sku.is_sku = true;
    skus_count_.fetch_add(1, std::memory_order_relaxed);
  }
  sku.bucket = std::move(bucket);
}

void OrderLog::Emit(Shard& shard, const Order& order, int64_t units, bool with_reqid,
                    uint64_t counter) {
  if (!observer_) return;
  StockRecords r;
  r.shard_id = static_cast<uint32_t>(shard.db()) * shards_per_db_ + static_cast<uint32_t>(shard.index());
  r.shard_seq = shard.seq();
  r.order = &order;
  r.user_count = UserCountRecord{order.db, order.key, order.user, units};
  if (with_reqid) r.reqid = ReqIdRecord{order.db, order.key, order.user, order.reqid, order.id, order.qty};
  r.order_counter = counter;
  observer_(r);
}

uint64_t OrderLog::Place(Shard& shard, int db, std::string_view key, std::string_view user, int64_t qty,
                         std::string_view reqid, int64_t now_ms, UserState* buyer) {
  Order order;
  order.db = db;
  order.key = std::string(key);
  order.user = std::string(user);
  order.qty = qty;
  order.created_ms = now_ms;
  order.reqid = std::string(reqid);
  const Order* placed;
  uint64_t counter;
  std::vector<runtime::Chan<int>> ready;
  {
    std::lock_guard<std::mutex> lock(mu_);
    order.id = ++last_id_;
    // Restore may have left the table shorter than the counter (a lost tail).
    while (orders_.size() + 1 < order.id) orders_.emplace_back();
    orders_.push_back(std::move(order));
    placed = &orders_.back();
    counter = last_id_;
    if (!tracking_) {
      durable_ = last_id_;
      if (!waiters_.empty()) TakeReadyLocked(&ready);
    }
  }
  UserState& us = buyer != nullptr ? *buyer : GetOrCreateSku(shard, key).users[user];
  us.units += qty;
  if (!reqid.empty()) us.SetReqId(reqid, UserState::ReqId{placed->id, qty});
  orders_placed_.fetch_add(1, std::memory_order_relaxed);
  units_sold_.fetch_add(qty, std::memory_order_relaxed);
  // `placed` is stable (deque append) and its fields other than status are
  // immutable; status changes only under this shard's lock, which we hold.
  Emit(shard, *placed, us.units, !reqid.empty(), counter);
  Wake(ready);
  return placed->id;
}

std::optional<int64_t> OrderLog::Cancel(Shard& shard, uint64_t id) {
  Order* o;
  uint64_t counter;
  {
    std::lock_guard<std::mutex> lock(mu_);
    counter = last_id_;
    o = SlotLocked(id);
    if (o == nullptr) return std::nullopt;
    if (o->status == OrderStatus::kCancelled) return int64_t{0};
    o->status = OrderStatus::kCancelled;
  }
  SkuState& sku = GetOrCreateSku(shard, o->key);
  auto it = sku.users.find(o->user);
  int64_t units = 0;
  if (it != sku.users.end()) {
    it->second.units = std::max<int64_t>(0, it->second.units - o->qty);
    units = it->second.units;
  }
  orders_cancelled_.fetch_add(1, std::memory_order_relaxed);
  units_sold_.fetch_sub(o->qty, std::memory_order_relaxed);
  Emit(shard, *o, units, false, counter);
  return o->qty;
}

Order* OrderLog::SlotLocked(uint64_t id) {
  if (id == 0 || id > orders_.size()) return nullptr;
  Order& o = orders_[id - 1];
  return o.id == 0 ? nullptr : &o;
}

const Order* OrderLog::SlotLocked(uint64_t id) const {
  if (id == 0 || id > orders_.size()) return nullptr;
  const Order& o = orders_[id - 1];
  return o.id == 0 ? nullptr : &o;
}

std::optional<std::pair<int, std::string>> OrderLog::Locate(uint64_t id) const {
  std::lock_guard<std::mutex> lock(mu_);
  const Order* o = SlotLocked(id);
  if (o == nullptr) return std::nullopt;
  return std::make_pair(o->db, o->key);
}

std::optional<Order> OrderLog::Get(uint64_t id) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (id > durable_) return std::nullopt;
  const Order* o = SlotLocked(id);
  if (o == nullptr) return std::nullopt;
  return *o;
}

void OrderLog::ReadLocked(uint64_t after_id, size_t count, std::vector<Order>* out) const {
  for (uint64_t id = after_id + 1; id <= durable_ && count > 0; ++id) {
    const Order* o = SlotLocked(id);
    if (o == nullptr) continue;
    out->push_back(*o);
    --count;
  }
}

void OrderLog::Read(uint64_t after_id, size_t count, std::vector<Order>* out) const {
  std::lock_guard<std::mutex> lock(mu_);
  ReadLocked(after_id, count, out);
}

bool OrderLog::ParkUntil(runtime::Chan<int>& ch, absl::Time deadline) {
  if (deadline == absl::InfiniteFuture()) {
    runtime::Select({runtime::RecvCase(ch)});
    return true;
  }
  return runtime::Select({runtime::RecvCase(ch)}, runtime::Until(deadline)) != runtime::kSelectTimeout;
}

void OrderLog::RemoveWaiter(uint64_t token) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = std::find_if(waiters_.begin(), waiters_.end(), [&](const Waiter& w) { return w.token == token; });
  if (it != waiters_.end()) waiters_.erase(it);
}

void OrderLog::ReadBlocking(uint64_t after_id, size_t count, absl::Time deadline, std::vector<Order>* out) {
  for (;;) {
    runtime::Chan<int> ch(1);
    uint64_t token;
    {
      std::lock_guard<std::mutex> lock(mu_);
      ReadLocked(after_id, count, out);
      if (!out->empty() || reads_stopped_ || absl::Now() >= deadline) return;
      token = next_token_++;
      waiters_.push_back(Waiter{after_id + 1, token, /*reader=*/true, ch});
    }
    if (!ParkUntil(ch, deadline)) {
      RemoveWaiter(token);
      Read(after_id, count, out);  // one last look: an order may have raced the timer
      return;
    }
  }
}

uint64_t OrderLog::durable_id() const {
  std::lock_guard<std::mutex> lock(mu_);
  return durable_;
}

uint64_t OrderLog::last_id() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_id_;
}

void OrderLog::SetDurabilityTracking(bool on) {
  std::lock_guard<std::mutex> lock(mu_);
  tracking_ = on;
}

void OrderLog::TakeReadyLocked(std::vector<runtime::Chan<int>>* ready) {
  auto keep = std::partition(waiters_.begin(), waiters_.end(),
                             [&](const Waiter& w) { return w.need > durable_; });
  for (auto it = keep; it != waiters_.end(); ++it) ready->push_back(std::move(it->ch));
  waiters_.erase(keep, waiters_.end());
}

void OrderLog::Wake(std::vector<runtime::Chan<int>>& ready) {
  for (auto& ch : ready) {
    int one = 1;
    ch.TrySend(one);  // capacity 1, one sender: never fails, never parks
  }
}

void OrderLog::MarkDurable(uint64_t id) {
  std::vector<runtime::Chan<int>> ready;
  {
    std::lock_guard<std::mutex> lock(mu_);
    id = std::min(id, last_id_);
    if (id <= durable_) return;
    durable_ = id;
    TakeReadyLocked(&ready);
  }
  Wake(ready);
}

bool OrderLog::WaitDurable(uint64_t id, absl::Time deadline) {
  runtime::Chan<int> ch(1);
  uint64_t token;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (durable_ >= id) return true;
    token = next_token_++;
    waiters_.push_back(Waiter{id, token, /*reader=*/false, ch});
  }
  if (!ParkUntil(ch, deadline)) RemoveWaiter(token);
  std::lock_guard<std::mutex> lock(mu_);
  return durable_ >= id;
}

void OrderLog::StopBlockingReads() {
  std::vector<runtime::Chan<int>> ready;
  {
    std::lock_guard<std::mutex> lock(mu_);
    reads_stopped_ = true;
    auto keep = std::partition(waiters_.begin(), waiters_.end(), [](const Waiter& w) { return !w.reader; });
    for (auto it = keep; it != waiters_.end(); ++it) ready.push_back(std::move(it->ch));
    waiters_.erase(keep, waiters_.end());
  }
  Wake(ready);
}

// ---------------------------------------------------------------------------
// Restore.

bool OrderLog::RestoreOrder(const Order& order) {
  if (order.id == 0) return false;
  std::lock_guard<std::mutex> lock(mu_);
  while (orders_.size() < order.id) orders_.emplace_back();
  Order& slot = orders_[order.id - 1];
  const bool fresh = slot.id != order.id;
  const bool cancelled = !fresh && slot.status == OrderStatus::kCancelled;
  slot = order;
  if (cancelled) slot.status = OrderStatus::kCancelled;
  last_id_ = std::max(last_id_, order.id);
  durable_ = std::max(durable_, order.id);
  return fresh;
}

void OrderLog::RestoreOrderCounter(uint64_t last_id) {
  std::lock_guard<std::mutex> lock(mu_);
  last_id_ = std::max(last_id_, last_id);
  // The ids between the last restored order and the counter are lost (never
  // acknowledged); they become gaps and are never reused.
  durable_ = std::max(durable_, std::min(last_id_, static_cast<uint64_t>(orders_.size())));
}

OrderLog::SideCounts OrderLog::RebuildSideStateFromOrders() {
  // Restoring runs before serving, so nothing appends to orders_ meanwhile and
  // pointers into it stay valid; shard locks are not taken under mu_ (Place
  // takes them in the other order).
  std::vector<const Order*> all;
  {
    std::lock_guard<std::mutex> lock(mu_);
    all.reserve(orders_.size());
    for (const Order& o : orders_) {
      if (o.id != 0) all.push_back(&o);
    }
  }
  for (auto& table : skus_) {
    for (auto& [key, sku] : table) sku.users.clear();
  }
  SideCounts counts;
  for (const Order* o : all) {
    Shard& shard = engine_.ShardFor(o->db, o->key);
    std::lock_guard<SpinLock> lock(shard.lock());
    UserState& us = GetOrCreateSku(shard, o->key).users[o->user];
    if (o->status == OrderStatus::kPlaced) {
      if (us.units == 0 && o->qty > 0) ++counts.user_counts;
      us.units += o->qty;
    }
    if (!o->reqid.empty() && us.SetReqId(o->reqid, UserState::ReqId{o->id, o->qty})) {
      ++counts.reqids;
    }
  }
  return counts;
}

// ---------------------------------------------------------------------------
// Statistics.

StockStats OrderLog::stats() const {
  StockStats s;
  s.skus = skus_count_.load(std::memory_order_relaxed);
  s.orders_placed = orders_placed_.load(std::memory_order_relaxed);
  s.orders_cancelled = orders_cancelled_.load(std::memory_order_relaxed);
  s.units_sold = static_cast<uint64_t>(std::max<int64_t>(0, units_sold_.load(std::memory_order_relaxed)));
  s.soldout_rejects = soldout_rejects_.load(std::memory_order_relaxed);
  s.limit_rejects = limit_rejects_.load(std::memory_order_relaxed);
  s.rate_rejects = rate_rejects_.load(std::memory_order_relaxed);
  s.idempotent_replays = idempotent_replays_.load(std::memory_order_relaxed);
  return s;
}

void OrderLog::AppendInfo(std::string& out) const {
  StockStats s = stats();
  absl::StrAppend(&out, "skus:", s.skus, "\r\n", "orders_placed:", s.orders_placed, "\r\n",
                  "orders_cancelled:", s.orders_cancelled, "\r\n", "units_sold:", s.units_sold, "\r\n",
                  "soldout_rejects:", s.soldout_rejects, "\r\n", "limit_rejects:", s.limit_rejects, "\r\n",
                  "rate_rejects:", s.rate_rejects, "\r\n", "idempotent_replays:", s.idempotent_replays,
                  "\r\n");
}

}  // namespace stockd::engine
