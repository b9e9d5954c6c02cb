// engine/rdb/rdb_save.cc — DumpPayload and VerifyPayload (rdb_value.h):
// rdbSaveObjectType + rdbSaveObject of Redis 7.0 for strings, lists, sets,
// hashes and sorted sets (streams: rdb_stream.cc), then the footer.
#include <cmath>
#include <cstdio>
#include <vector>

#include "engine/rdb/crc64.h"
#include "engine/rdb/legacy.h"
#include "engine/rdb/listpack.h"
#include "engine/rdb/rdb_io.h"
#include "engine/rdb/rdb_value.h"
#include "engine/types/hash.h"
#include "engine/types/list.h"
#include "engine/types/set.h"
#include "engine/types/stream.h"
#include "engine/types/zset.h"

namespace stockd::engine::rdb {
namespace {

// quicklist.h: node containers.
constexpr uint64_t kContainerPlain = 1;
constexpr uint64_t kContainerPacked = 2;
// list-max-listpack-size -2: listpack nodes up to 8 KiB (optimization_level[1]).
constexpr size_t kNodeMaxBytes = 8192;
// quicklist's packed_threshold: an element this big gets a PLAIN node.
constexpr size_t kPlainThreshold = size_t{1} << 30;

// redis-server 7.0.15's _quicklistNodeAllowInsert for fill -2: the node's
// listpack bytes plus the element's length plus SIZE_ESTIMATE_OVERHEAD (8)
// must stay within 8 KiB (checked against redis-server's node boundaries by
// tests/compat/dump_compat_test.cc).
bool NodeAllowsInsert(size_t node_bytes, size_t sz) { return node_bytes + sz + 8 <= kNodeMaxBytes; }

// The quicklist a list built by RPUSH alone has (Redis's layout depends on
// how the list was built; FORMAT.md): nodes filled greedily from the head.
void SaveList(RdbWriter& w, const ListObject& l) {
  std::vector<std::pair<uint64_t, std::string>> nodes;
  ListpackBuilder lp;
  bool open = false;
  auto flush = [&] {
    if (open) nodes.emplace_back(kContainerPacked, lp.Finish());
    open = false;
  };
  for (const std::string& e : l.items()) {
    if (e.size() >= kPlainThreshold) {
      flush();
      nodes.emplace_back(kContainerPlain, e);
      continue;
    }
    if (open && !NodeAllowsInsert(lp.bytes(), e.size())) flush();
    open = true;
    lp.AppendString(e);
  }
  flush();
  w.Len(nodes.size());
  for (const auto& [container, blob] : nodes) {
    w.Len(container);
    w.String(blob);
  }
}

void SaveSet(RdbWriter& w, const SetObject& s) {
  if (s.is_intset()) {
    std::vector<int64_t> ints;
    ints.reserve(s.size());
    s.ForEach([&](std::string_view m) {
      int64_t v = 0;
      ParseStrictInt64(m, &v);
      ints.push_back(v);
    });
    w.String(BuildIntset(ints));  // ForEach is ascending for an intset
    return;
  }
  w.Len(s.size());
  s.ForEach([&](std::string_view m) { w.String(m); });
}

void SaveHash(RdbWriter& w, const HashObject& h) {
  if (h.is_listpack()) {
    ListpackBuilder lp;
    h.ForEachField([&](std::string_view f, const std::string& v) {
      lp.AppendString(f);
      lp.AppendString(v);
    });
    w.String(lp.Finish());
    return;
  }
  w.Len(h.size());
  h.ForEachField([&](std::string_view f, const std::string& v) {
    w.String(f);
    w.String(v);
  });
}

// Redis 7.0's d2string: integral values in (-2^52, 2^52) as integers, the
// rest "%.17g" (a listpack zset stores its scores as these strings).
std::string ScoreString(double d) {
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  if (d == 0) return std::signbit(d) ? "-0" : "0";
  if (d > -4503599627370495.0 && d < 4503599627370496.0 && d == static_cast<double>(static_cast<long long>(d))) {
    return std::to_string(static_cast<long long>(d));
  }
  char buf[64];
  int n = std::snprintf(buf, sizeof(buf), "%.17g", d);
  return std::string(buf, n);
}

void SaveZSet(RdbWriter& w, const ZSetObject& z) {
  if (z.encoding() == Encoding::kListpack) {
    ListpackBuilder lp;
    z.ForEach([&](std::string_view m, double score) {
      lp.AppendString(m);
      lp.AppendString(ScoreString(score));
    });
    w.String(lp.Finish());
    return;
  }
  // RDB_TYPE_ZSET_2: from the greatest to the smallest, so that loading
  // inserts at the skiplist's head.
  w.Len(z.size());
  if (z.size() == 0) return;
  z.ForRankRange(0, z.size() - 1, true, [&](std::string_view m, double score) {
    w.String(m);
    w.BinaryDouble(score);
  });
}

uint8_t TypeByte(const Value& v) {
  switch (v.type()) {
    case ValueType::kString: return kTypeString;
    case ValueType::kList: return kTypeListQuicklist2;
    case ValueType::kSet: return v.encoding() == Encoding::kIntset ? kTypeSetIntset : kTypeSet;
    case ValueType::kHash: return v.encoding() == Encoding::kListpack ? kTypeHashListpack : kTypeHash;
    case ValueType::kZSet: return v.encoding() == Encoding::kListpack ? kTypeZSetListpack : kTypeZSet2;
    case ValueType::kStream: return kTypeStreamListpacks2;
  }
  return kTypeString;
}

}  // namespace

std::string DumpPayload(const Value& v) {
  RdbWriter w;
  w.Byte(TypeByte(v));
  if (v.is_string()) {
    if (v.is_int()) {
      w.Int(v.int_value());
    } else {
      char buf[kIntBufferSize];
      w.String(v.StringView(buf));
    }
  } else {
    const Object* o = v.object();
    switch (v.type()) {
      case ValueType::kList: SaveList(w, *static_cast<const ListObject*>(o)); break;
      case ValueType::kSet: SaveSet(w, *static_cast<const SetObject*>(o)); break;
      case ValueType::kHash: SaveHash(w, *static_cast<const HashObject*>(o)); break;
      case ValueType::kZSet: SaveZSet(w, *static_cast<const ZSetObject*>(o)); break;
      case ValueType::kStream: SaveStream(w, *static_cast<const StreamObject*>(o)); break;
      case ValueType::kString: break;
    }
  }
  w.Byte(kRdbVersion & 0xff);
  w.Byte(kRdbVersion >> 8);
  const uint64_t crc = Crc64(0, w.out());
  for (int i = 0; i < 8; ++i) w.Byte(static_cast<uint8_t>((crc >> (8 * i)) & 0xff));
  return std::move(w.out());
}

bool VerifyPayload(std::string_view p) {
  if (p.size() < 10) return false;
  const size_t footer = p.size() - 10;
  const unsigned ver = static_cast<unsigned char>(p[footer]) | (static_cast<unsigned char>(p[footer + 1]) << 8);
  if (ver > kRdbVersion) return false;
  const uint64_t crc = Crc64(0, p.substr(0, p.size() - 8));
  for (int i = 0; i < 8; ++i) {
    if (static_cast<unsigned char>(p[footer + 2 + i]) != ((crc >> (8 * i)) & 0xff)) return false;
  }
  return true;
}

}  // namespace stockd::engine::rdb
