// bench/storage_restart_bench.cc — restart time and memory of a store with N
// keys and M orders (issue 7's target: 1M keys + 1M orders load in <= 2 s).
//
//   storage_restart_bench [--keys N] [--orders M] [--users U] [--dir D]
//
// Writes the store directly through storage's encoders (every order with a
// REQID, U users per SKU spread over 100 SKUs), then times Store::Open + Load
// into a fresh Engine, and prints the load time and the process's RSS before
// and after. The directory is removed afterwards unless --dir was given.
#include <stdlib.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "absl/time/clock.h"
#include "engine/engine.h"
#include "engine/order_log.h"
#include "storage/format.h"
#include "storage/store.h"

namespace {

long RssKb() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return -1;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace stockd;
  long keys = 1000000, orders = 1000000, users = 10000;
  std::string dir;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--keys")) keys = std::atol(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--orders")) orders = std::atol(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--users")) users = std::atol(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--dir")) dir = argv[i + 1];
  }
  const bool keep = !dir.empty();
  if (dir.empty()) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "stockd-restart-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) return 1;
    dir = tmpl;
  }
  const int spd = engine::EngineOptions().shards_per_db;
  {
    engine::Engine probe;  // for shard indexes
    auto st = storage::Store::Open(dir);
    if (!st.ok()) {
      std::fprintf(stderr, "open: %s\n", std::string(st.status().message()).c_str());
      return 1;
    }
    storage::Store& store = **st;
    const absl::Time w0 = absl::Now();
    rocksdb::WriteBatch b;
    auto flush = [&] {
      if (b.Count() == 0) return;
      if (!store.Write(&b, false).ok()) std::exit(1);
      b.Clear();
    };
    for (long i = 0; i < keys; ++i) {
      std::string key = "key:" + std::to_string(i);
      const uint32_t id = probe.ShardId(0, engine::KeyHash(key));
      std::string v;
      (void)storage::EncodeValue(i % 2 ? engine::Value::Int(i) : engine::Value::String("value-" + std::to_string(i)),
                                 0, &v);
      b.Put(store.cf(storage::Cf::kKeys), storage::KeyRow(0, static_cast<int>(id % spd), key), v);
      if (b.Count() >= 10000) flush();
    }
    // As the persister writes them: the orders of a batch (here 1,000) as
    // one segment row, and a row of its own for each cancelled order (1 %).
    constexpr long kSegment = 1000;
    std::string segment;
    long first = 1;
    for (long i = 1; i <= orders; ++i) {
      engine::Order o;
      o.id = static_cast<uint64_t>(i);
      o.key = "sku:" + std::to_string(i % 100);
      o.user = "user:" + std::to_string(i % users);
      o.qty = 1;
      o.created_ms = 1795690541000 + i;
      o.reqid = "req-" + std::to_string(i);
      storage::AppendSegmentOrder(o, &segment);
      if (i % 100 == 0) {
        o.status = engine::OrderStatus::kCancelled;
        std::string v;
        storage::EncodeOrder(o, &v);
        b.Put(store.cf(storage::Cf::kOrders), storage::OrderRow(o.id), v);
      }
      if (i % kSegment == 0 || i == orders) {
        b.Put(store.cf(storage::Cf::kOrders),
              storage::OrderSegmentRow(static_cast<uint64_t>(first), static_cast<uint64_t>(i)), segment);
        segment.clear();
        first = i + 1;
        if (b.Count() >= 100) flush();
      }
    }
    std::string c;
    storage::PutFixed64(&c, static_cast<uint64_t>(orders));
    b.Put(store.cf(storage::Cf::kMeta), storage::kMetaOrderCounter, c);
    flush();
    if (!store.SyncWal().ok() || !store.Close().ok()) return 1;
    std::printf("wrote %ld keys, %ld orders in %.2f s\n", keys, orders, absl::ToDoubleSeconds(absl::Now() - w0));
  }
  const long rss0 = RssKb();
  engine::Engine e;
  const absl::Time t0 = absl::Now();
  auto st = storage::Store::Open(dir);
  if (!st.ok()) return 1;
  storage::LoadStats ls;
  absl::Status s = (*st)->Load(e, &ls);
  const double secs = absl::ToDoubleSeconds(absl::Now() - t0);
  if (!s.ok()) {
    std::fprintf(stderr, "load: %s\n", std::string(s.message()).c_str());
    return 1;
  }
  const long rss1 = RssKb();
  std::printf("restart: open+load %.3f s (Load %lld ms: keys %lld ms, side state %lld ms): %llu keys, %llu orders, %llu user counts, %llu reqids\n",
              secs, static_cast<long long>(ls.load_ms), static_cast<long long>(ls.keys_ms),
              static_cast<long long>(ls.side_ms), static_cast<unsigned long long>(ls.keys),
              static_cast<unsigned long long>(ls.orders), static_cast<unsigned long long>(ls.user_counts),
              static_cast<unsigned long long>(ls.reqids));
  std::printf("rss: %.1f MB before, %.1f MB after (+%.1f MB)\n", rss0 / 1024.0, rss1 / 1024.0,
              (rss1 - rss0) / 1024.0);
  std::printf("check: DBSIZE %s", e.Execute({"DBSIZE"}).c_str());
  (void)(*st)->Close();
  if (!keep) {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  return 0;
}
