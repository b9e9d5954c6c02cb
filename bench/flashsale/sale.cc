// bench/flashsale/sale.cc — see sale.h.
#include "bench/flashsale/sale.h"

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "bench/flashsale/flash_script.h"
#include "bench/flashsale/outcome.h"
#include "bench/flashsale/resp_conn.h"
#include "runtime/chan.h"
#include "runtime/fiber.h"
#include "runtime/mutex.h"
#include "runtime/time.h"
#include "runtime/waitgroup.h"

namespace stockd::bench {
namespace {

constexpr absl::Duration kDialTimeout = absl::Seconds(5);
// How long a request may still take once the sale's time is up.
constexpr absl::Duration kGrace = absl::Seconds(10);
constexpr size_t kBatch = 1000;        // commands per pipelined batch when reading back
constexpr size_t kMaxSamples = 5;

// Counters the user fibers share; everything else a user touches is its own.
struct Shared {
  std::atomic<bool> stop{false};
  std::atomic<int64_t> requests{0}, sold{0}, soldout{0}, limited{0}, busy{0}, unexpected{0};
  runtime::Mutex mu;
  std::vector<std::string> samples;  // guarded by mu

  void Unexpected(std::string what) {
    unexpected.fetch_add(1, std::memory_order_relaxed);
    runtime::MutexLock lock(mu);
    if (samples.size() < kMaxSamples) samples.push_back(std::move(what));
  }
};

// Per user: what it was acknowledged. Written only by its own fiber, read after Join.
struct UserState {
  int64_t units = 0;
  std::vector<std::string> order_ids;
};

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// "u<run>:<i>" -> i, or -1 when the name is not one of this run's users.
int64_t UserIndex(absl::string_view name, absl::string_view prefix, int64_t users) {
  if (name.size() <= prefix.size() || name.substr(0, prefix.size()) != prefix) return -1;
  int64_t i;
  if (!absl::SimpleAtoi(name.substr(prefix.size()), &i) || i < 0 || i >= users) return -1;
  return i;
}

class Sale {
 public:
  Sale(const FlashOptions& o, Histogram* latency, FILE* progress)
      : o_(o), latency_(latency), progress_(progress),
        prefix_(absl::StrCat("u", absl::ToUnixMillis(absl::Now()), ":")),
        users_(o.users) {}

  absl::StatusOr<SaleOutcome> Run() {
    auto admin = RespConn::Dial(o_.host, o_.port, absl::Now() + kDialTimeout);
    if (!admin.ok()) {
      return absl::UnavailableError(absl::StrCat("cannot connect to ", o_.host, ":", o_.port, ": ",
                                                 admin.status().message()));
    }
    admin_ = std::move(*admin);
    if (auto s = SetUp(); !s.ok()) return s;
    if (auto s = Buy(); !s.ok()) return s;
    if (auto s = ReadBack(); !s.ok()) return s;
    return std::move(out_);
  }

 private:
  absl::Status Expect(const std::vector<std::string>& cmd, absl::string_view what) {
    auto r = admin_->Call(cmd, absl::Now() + kDialTimeout);
    if (!r.ok()) return r.status();
    if (r->is_error()) {
      return absl::FailedPreconditionError(absl::StrCat(what, " failed: ", protocol::ToString(*r)));
    }
    return absl::OkStatus();
  }

  absl::Status SetUp() {
    const std::string stock = absl::StrCat(o_.stock);
    if (o_.mode == BuyMode::kBuy) {
      if (auto s = Expect({"STOCK.SET", o_.sku, stock}, "STOCK.SET"); !s.ok()) return s;
    } else {
      if (auto s = Expect({"SET", o_.sku, stock}, "SET"); !s.ok()) return s;
      if (auto s = Expect({"DEL", OrdersKey(), UsersKey()}, "DEL"); !s.ok()) return s;
    }
    return absl::OkStatus();
  }

  std::string OrdersKey() const { return absl::StrCat(o_.sku, ":orders"); }
  std::string UsersKey() const { return absl::StrCat(o_.sku, ":users"); }

  std::vector<std::string> BuyCommand(int64_t u) const {
    std::string user = absl::StrCat(prefix_, u);
    if (o_.mode == BuyMode::kBuy) {
      std::vector<std::string> cmd = {"STOCK.BUY", o_.sku, std::move(user)};
      if (o_.limit > 0) {
        cmd.push_back("LIMIT");
        cmd.push_back(absl::StrCat(o_.limit));
      }
      return cmd;
    }
    return {"EVAL", script_, "3", o_.sku, OrdersKey(), UsersKey(), std::move(user), "1",
            absl::StrCat(o_.limit)};
  }

  // Spawns the users, lets them buy, prints progress, waits for all of them.
  absl::Status Buy() {
    // The shared pool, when asked for: dialed up front, handed out through a channel.
    std::vector<std::unique_ptr<RespConn>> pool_conns;
    std::optional<runtime::Chan<RespConn*>> pool;
    if (o_.connections > 0) {
      pool.emplace(static_cast<size_t>(o_.connections));
      for (int64_t i = 0; i < o_.connections; ++i) {
        auto c = RespConn::Dial(o_.host, o_.port, absl::Now() + kDialTimeout);
        if (!c.ok()) return c.status();
        pool_conns.push_back(std::move(*c));
        RespConn* raw = pool_conns.back().get();
        pool->TrySend(raw);
      }
      out_.connections = o_.connections;
    } else {
      out_.connections = o_.users;
    }

    runtime::WaitGroup ready;
    runtime::Chan<bool> go;  // closed at the start: every user's Recv returns then
    ready.Add(o_.users);
    std::vector<runtime::Fiber> fibers;
    fibers.reserve(static_cast<size_t>(o_.users));
    for (int64_t u = 0; u < o_.users; ++u) {
      fibers.push_back(runtime::Go([this, u, &ready, &go, &pool] {
        User(u, ready, go, pool ? &*pool : nullptr);
      }));
    }
    ready.Wait();  // every user has its connection (or has failed to get one)
    const int64_t start_ns = NowNs();
    end_ = absl::Now() + o_.duration;
    go.Close();

    std::atomic<bool> finished{false};
    runtime::Fiber progress;
    if (progress_ != nullptr) {
      progress = runtime::Go([this, start_ns, &finished] { Progress(start_ns, finished); });
    }
    absl::Status first_panic;
    for (auto& f : fibers) {
      if (auto s = f.Join(); !s.ok() && first_panic.ok()) first_panic = s;
    }
    out_.elapsed = absl::Nanoseconds(NowNs() - start_ns);
    finished.store(true);
    if (progress_ != nullptr) (void)progress.Join();
    if (!first_panic.ok()) return first_panic;

    out_.requests = shared_.requests.load();
    out_.soldout = shared_.soldout.load();
    out_.limited = shared_.limited.load();
    out_.busy = shared_.busy.load();
    out_.sold_out = out_.soldout > 0;
    out_.record.initial = o_.stock;
    out_.record.limit = o_.limit;
    out_.record.unexpected = shared_.unexpected.load();
    {
      runtime::MutexLock lock(shared_.mu);
      out_.unexpected_samples = shared_.samples;
    }
    out_.record.units_by_user.resize(users_.size());
    for (size_t u = 0; u < users_.size(); ++u) {
      out_.record.units_by_user[u] = users_[u].units;
      for (auto& id : users_[u].order_ids) {
        out_.record.orders.push_back({std::move(id), static_cast<int64_t>(u), 1});
      }
    }
    return absl::OkStatus();
  }

  void User(int64_t u, runtime::WaitGroup& ready, runtime::Chan<bool>& go,
            runtime::Chan<RespConn*>* pool) {
    std::unique_ptr<RespConn> own;
    if (pool == nullptr) {
      auto c = RespConn::Dial(o_.host, o_.port, absl::Now() + kDialTimeout);
      if (!c.ok()) {
        shared_.Unexpected(absl::StrCat("user ", u, ": ", c.status().ToString()));
        ready.Done();
        return;
      }
      own = std::move(*c);
    }
    const std::vector<std::string> cmd = BuyCommand(u);
    UserState& me = users_[static_cast<size_t>(u)];
    ready.Done();
    (void)go.Recv();  // the start gate

    while (!shared_.stop.load(std::memory_order_relaxed) && absl::Now() < end_) {
      RespConn* conn = own.get();
      if (conn == nullptr) {
        std::optional<RespConn*> c = pool->Recv();
        if (!c) return;  // the pool was closed: a connection failed, the sale is over
        conn = *c;
        // The wait for a connection may have outlasted the sale.
        if (shared_.stop.load(std::memory_order_relaxed) || absl::Now() >= end_) {
          pool->TrySend(conn);
          return;
        }
      }
      const int64_t t0 = NowNs();
      auto reply = conn->Call(cmd, end_ + kGrace);
      latency_->Record(static_cast<uint64_t>(NowNs() - t0));
      if (!reply.ok()) {
        // The connection is unusable and this buy's outcome unknown: end the sale.
        shared_.Unexpected(absl::StrCat("user ", u, ": ", reply.status().ToString()));
        shared_.stop.store(true);
        if (pool != nullptr) pool->Close();
        return;
      }
      if (pool != nullptr) pool->TrySend(conn);  // capacity == connections: never full
      shared_.requests.fetch_add(1, std::memory_order_relaxed);
      ClassifiedReply c = ClassifyBuyReply(*reply);
      switch (c.outcome) {
        case BuyOutcome::kBought:
          me.units += 1;
          me.order_ids.push_back(std::move(c.order_id));
          shared_.sold.fetch_add(1, std::memory_order_relaxed);
          break;
        case BuyOutcome::kSoldOut:
          shared_.soldout.fetch_add(1, std::memory_order_relaxed);
          shared_.stop.store(true, std::memory_order_relaxed);  // one unit per buy: none left
          return;
        case BuyOutcome::kLimit:
          shared_.limited.fetch_add(1, std::memory_order_relaxed);
          return;
        case BuyOutcome::kBusy:
          shared_.busy.fetch_add(1, std::memory_order_relaxed);
          runtime::Sleep(absl::Milliseconds(1));
          break;
        case BuyOutcome::kUnexpected:
          shared_.Unexpected(absl::StrCat("user ", u, ": ", protocol::ToString(*reply)));
          return;
      }
    }
  }

  // Once a second: requests per second over the last second, units sold, and the
  // remaining stock as the server reports it.
  void Progress(int64_t start_ns, const std::atomic<bool>& finished) {
    int64_t last_requests = 0, last_ns = start_ns;
    const std::vector<std::string> get = {o_.mode == BuyMode::kBuy ? "STOCK.GET" : "GET", o_.sku};
    for (;;) {
      for (int i = 0; i < 20; ++i) {
        if (finished.load()) return;
        runtime::Sleep(absl::Milliseconds(50));
      }
      const int64_t now = NowNs(), requests = shared_.requests.load();
      std::string remaining = "?";
      if (auto r = admin_->Call(get, absl::Now() + absl::Seconds(2)); r.ok()) {
        if (auto v = ReplyInt(*r); v.ok()) remaining = absl::StrCat(*v);
      }
      fprintf(progress_, "[%6.1fs] %9.0f ops/s  sold %lld  remaining %s\n", (now - start_ns) / 1e9,
              (requests - last_requests) * 1e9 / static_cast<double>(now - last_ns),
              static_cast<long long>(shared_.sold.load()), remaining.c_str());
      fflush(progress_);
      last_requests = requests;
      last_ns = now;
    }
  }

  // Pipelined in batches on the admin connection.
  absl::StatusOr<std::vector<protocol::Reply>> Batched(
      const std::vector<std::vector<std::string>>& cmds) {
    std::vector<protocol::Reply> all;
    all.reserve(cmds.size());
    for (size_t i = 0; i < cmds.size(); i += kBatch) {
      std::vector<std::vector<std::string>> batch(
          cmds.begin() + static_cast<long>(i),
          cmds.begin() + static_cast<long>(std::min(cmds.size(), i + kBatch)));
      auto r = admin_->Pipeline(batch, absl::Now() + absl::Seconds(30));
      if (!r.ok()) return r.status();
      for (auto& x : *r) all.push_back(std::move(x));
    }
    return all;
  }

  absl::Status ReadBack() {
    ServerView& v = out_.server;
    auto remaining = admin_->Call({o_.mode == BuyMode::kBuy ? "STOCK.GET" : "GET", o_.sku},
                                  absl::Now() + kDialTimeout);
    if (!remaining.ok()) return remaining.status();
    auto rem = ReplyInt(*remaining);
    if (!rem.ok()) return absl::FailedPreconditionError(absl::StrCat("reading the stock: ", rem.status().message()));
    v.remaining = *rem;
    return o_.mode == BuyMode::kBuy ? ReadBackBuy() : ReadBackEval();
  }

  absl::Status ReadBackBuy() {
    ServerView& v = out_.server;
    // Per-user counts: STOCK.BOUGHT for every user.
    std::vector<std::vector<std::string>> cmds;
    for (int64_t u = 0; u < o_.users; ++u) cmds.push_back({"STOCK.BOUGHT", o_.sku, absl::StrCat(prefix_, u)});
    auto bought = Batched(cmds);
    if (!bought.ok()) return bought.status();
    std::vector<int64_t> counts(static_cast<size_t>(o_.users));
    std::string why;
    for (size_t u = 0; u < counts.size() && why.empty(); ++u) {
      auto n = ReplyInt((*bought)[u]);
      if (n.ok()) counts[u] = *n; else why = protocol::ToString((*bought)[u]);
    }
    if (why.empty()) v.units_by_user = std::move(counts);
    else out_.notes.push_back(absl::StrCat("per-user counts not checked: STOCK.BOUGHT replied ", why));

    // The order log: ORDER.GET of every acknowledged order.
    cmds.clear();
    for (const auto& o : out_.record.orders) cmds.push_back({"ORDER.GET", o.id});
    auto orders = Batched(cmds);
    if (!orders.ok()) return orders.status();
    std::vector<int64_t> logged(static_cast<size_t>(o_.users));
    int64_t found = 0;
    why.clear();
    for (const protocol::Reply& r : *orders) {
      if (r.is_error()) { why = protocol::ToString(r); break; }
      if (r.type == protocol::ReplyType::kNull) continue;  // unknown id: not logged
      // RESP2: id key user qty status created-ms as a flat field/value array.
      absl::flat_hash_map<std::string, const protocol::Reply*> f;
      for (size_t i = 0; i + 1 < r.elements.size(); i += 2) f[r.elements[i].str] = &r.elements[i + 1];
      if (!f.contains("user") || !f.contains("key") || !f.contains("status") || !f.contains("qty")) {
        why = absl::StrCat("an order without its fields: ", protocol::ToString(r));
        break;
      }
      int64_t u = UserIndex(f["user"]->str, prefix_, o_.users);
      auto qty = ReplyInt(*f["qty"]);
      // An order of another key, user or status does not count as this sale's.
      if (u < 0 || f["key"]->str != o_.sku || f["status"]->str != "placed" || !qty.ok()) continue;
      ++found;
      logged[static_cast<size_t>(u)] += *qty;
    }
    if (why.empty()) {
      v.logged_orders = found;
      v.logged_units_by_user = std::move(logged);
    } else {
      out_.notes.push_back(absl::StrCat("order log not checked: ORDER.GET replied ", why));
    }
    return absl::OkStatus();
  }

  absl::Status ReadBackEval() {
    ServerView& v = out_.server;
    auto hash = admin_->Call({"HGETALL", UsersKey()}, absl::Now() + absl::Seconds(30));
    if (!hash.ok()) return hash.status();
    std::vector<int64_t> counts(static_cast<size_t>(o_.users));
    int64_t foreign = 0;
    for (size_t i = 0; i + 1 < hash->elements.size(); i += 2) {
      int64_t u = UserIndex(hash->elements[i].str, prefix_, o_.users);
      auto n = ReplyInt(hash->elements[i + 1]);
      if (u < 0 || !n.ok()) { ++foreign; continue; }
      counts[static_cast<size_t>(u)] = *n;
    }
    v.units_by_user = std::move(counts);

    auto list = admin_->Call({"LRANGE", OrdersKey(), "0", "-1"}, absl::Now() + absl::Seconds(30));
    if (!list.ok()) return list.status();
    std::vector<int64_t> logged(static_cast<size_t>(o_.users));
    int64_t entries = 0;
    for (const protocol::Reply& e : list->elements) {
      ++entries;
      absl::string_view s = e.str;  // "<user>:<qty>"
      size_t colon = s.rfind(':');
      int64_t qty;
      int64_t u = colon == absl::string_view::npos ? -1 : UserIndex(s.substr(0, colon), prefix_, o_.users);
      if (u < 0 || !absl::SimpleAtoi(s.substr(colon + 1), &qty)) { ++foreign; continue; }
      logged[static_cast<size_t>(u)] += qty;
    }
    v.logged_orders = entries;
    v.logged_units_by_user = std::move(logged);
    if (foreign > 0) out_.notes.push_back(absl::StrCat(foreign, " entries of other users in ", UsersKey(), "/", OrdersKey()));
    return absl::OkStatus();
  }

  const FlashOptions o_;
  Histogram* const latency_;
  FILE* const progress_;
  const std::string prefix_;
  const std::string script_ = CompactLua(kFlashBuyLimitLua);
  std::unique_ptr<RespConn> admin_;
  std::vector<UserState> users_;
  Shared shared_;
  absl::Time end_;
  SaleOutcome out_;
};

}  // namespace

absl::StatusOr<SaleOutcome> RunSale(const FlashOptions& options, Histogram* latency,
                                    FILE* progress) {
  Sale sale(options, latency, progress);
  return sale.Run();
}

}  // namespace stockd::bench
