// engine/rdb/rdb_load.cc — LoadPayload (rdb_value.h): Redis 7.0's
// rdbLoadObjectType + rdbLoadObject for every non-stream type, old encodings
// included, with deep validation always on. Every aggregate is rebuilt
// through the type's own mutators, so it ends in the encoding stockd (and
// Redis) picks for its contents; a duplicate member or field is an error,
// as Redis's "Duplicate ... detected" corruption reports.
#include <cmath>
#include <memory>
#include <vector>

#include "engine/rdb/legacy.h"
#include "engine/rdb/listpack.h"
#include "engine/rdb/rdb_io.h"
#include "engine/rdb/rdb_value.h"
#include "engine/types/hash.h"
#include "engine/types/list.h"
#include "engine/types/set.h"
#include "engine/types/zset.h"

namespace stockd::engine::rdb {
namespace {

// Element counts are checked against the bytes left before anything is
// reserved: every element takes at least one byte.
bool PlausibleCount(const RdbReader& r, uint64_t n) { return n <= r.remaining(); }

bool ToValue(std::unique_ptr<Object> o, Value* out) {
  *out = Value::FromObject(std::move(o));
  return true;
}

// ---- lists ----
bool FinishList(std::unique_ptr<ListObject> l, Value* out) {
  if (l->empty()) return false;  // Redis: an empty key is corrupt
  return ToValue(std::move(l), out);
}

bool LoadLinkedList(RdbReader& r, Value* out) {
  uint64_t n;
  if (!r.Len(&n) || !PlausibleCount(r, n)) return false;
  auto l = std::make_unique<ListObject>();
  std::string s;
  for (uint64_t i = 0; i < n; ++i) {
    if (!r.String(&s)) return false;
    l->PushBack(s);
  }
  return FinishList(std::move(l), out);
}

bool AppendZiplist(std::string_view blob, ListObject* l) {
  std::vector<std::string> items;
  if (!ParseZiplist(blob, &items)) return false;
  for (const std::string& s : items) l->PushBack(s);
  return true;
}

bool LoadQuicklist(RdbReader& r, int type, Value* out) {
  uint64_t nodes;
  if (!r.Len(&nodes) || !PlausibleCount(r, nodes)) return false;
  auto l = std::make_unique<ListObject>();
  std::string blob;
  std::vector<LpEntry> entries;
  for (uint64_t i = 0; i < nodes; ++i) {
    uint64_t container = 2;  // quicklist 1 nodes are all ziplists
    if (type == kTypeListQuicklist2 && !r.Len(&container)) return false;
    if (!r.String(&blob)) return false;
    if (type == kTypeListQuicklist) {
      if (!AppendZiplist(blob, l.get())) return false;
    } else if (container == 1) {  // PLAIN: the element itself
      l->PushBack(blob);
    } else if (container == 2) {  // PACKED: a listpack (empty ones are skipped, as Redis)
      if (!ParseListpack(blob, &entries)) return false;
      for (const LpEntry& e : entries) l->PushBack(e.ToString());
    } else {
      return false;
    }
  }
  return FinishList(std::move(l), out);
}

// ---- sets ----
bool LoadSet(RdbReader& r, Value* out) {
  uint64_t n;
  if (!r.Len(&n) || n == 0 || !PlausibleCount(r, n)) return false;
  std::unique_ptr<SetObject> s;
  std::string m;
  for (uint64_t i = 0; i < n; ++i) {
    if (!r.String(&m)) return false;
    if (s == nullptr) s = SetObject::ForFirst(m);
    if (!s->Add(m)) return false;  // duplicate member
  }
  return ToValue(std::move(s), out);
}

bool LoadIntset(RdbReader& r, Value* out) {
  std::string blob;
  std::vector<int64_t> ints;
  if (!r.String(&blob) || !ParseIntset(blob, &ints) || ints.empty()) return false;
  char buf[kIntBufferSize];
  auto s = SetObject::ForFirst(FormatInt64(ints[0], buf));
  for (int64_t v : ints) s->Add(FormatInt64(v, buf));
  return ToValue(std::move(s), out);
}

// ---- hashes ----
bool FinishHash(const std::vector<std::string>& kv, Value* out) {
  if (kv.empty() || kv.size() % 2 != 0) return false;
  auto h = std::make_unique<HashObject>();
  for (size_t i = 0; i < kv.size(); i += 2) {
    if (!h->Set(kv[i], kv[i + 1])) return false;  // duplicate field
  }
  return ToValue(std::move(h), out);
}

bool LoadHash(RdbReader& r, Value* out) {
  uint64_t n;
  if (!r.Len(&n) || n == 0 || !PlausibleCount(r, n)) return false;
  auto h = std::make_unique<HashObject>();
  std::string f, v;
  for (uint64_t i = 0; i < n; ++i) {
    if (!r.String(&f) || !r.String(&v)) return false;
    if (!h->Set(f, v)) return false;
  }
  return ToValue(std::move(h), out);
}

bool ListpackStrings(std::string_view blob, std::vector<std::string>* out) {
  std::vector<LpEntry> entries;
  if (!ParseListpack(blob, &entries)) return false;
  out->clear();
  out->reserve(entries.size());
  for (const LpEntry& e : entries) out->push_back(e.ToString());
  return true;
}

// ---- sorted sets ----
bool ParseScore(const std::string& s, double* d) {
  // zzlGetScore reads the listpack's text with strtod; integers come as is.
  if (s.empty()) return false;
  char* end = nullptr;
  *d = std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size() && !std::isnan(*d);
}

bool FinishZSet(std::unique_ptr<ZSetObject> z, Value* out) {
  if (z->empty()) return false;
  z->ShrinkIfSmall();  // Redis converts a small loaded skiplist to listpack
  return ToValue(std::move(z), out);
}

bool LoadZSet(RdbReader& r, int type, Value* out) {
  uint64_t n;
  if (!r.Len(&n) || n == 0 || !PlausibleCount(r, n)) return false;
  auto z = std::make_unique<ZSetObject>();
  std::string m;
  for (uint64_t i = 0; i < n; ++i) {
    double score;
    if (!r.String(&m)) return false;
    if (!(type == kTypeZSet2 ? r.BinaryDouble(&score) : r.StringDouble(&score))) return false;
    if (std::isnan(score)) return false;
    if (!z->Set(m, score)) return false;  // duplicate member
  }
  return FinishZSet(std::move(z), out);
}

bool FinishZSetPairs(const std::vector<std::string>& kv, Value* out) {
  if (kv.empty() || kv.size() % 2 != 0) return false;
  auto z = std::make_unique<ZSetObject>();
  for (size_t i = 0; i < kv.size(); i += 2) {
    double score;
    if (!ParseScore(kv[i + 1], &score)) return false;
    if (!z->Set(kv[i], score)) return false;
  }
  return FinishZSet(std::move(z), out);
}

bool LoadObject(RdbReader& r, int type, Value* out) {
  std::string blob;
  std::vector<std::string> items;
  switch (type) {
    case kTypeString:
      if (!r.String(&blob)) return false;
      *out = Value::String(blob);  // tryObjectEncoding: int / embstr / raw
      return true;
    case kTypeList: return LoadLinkedList(r, out);
    case kTypeListQuicklist:
    case kTypeListQuicklist2: return LoadQuicklist(r, type, out);
    case kTypeListZiplist: {
      if (!r.String(&blob)) return false;
      auto l = std::make_unique<ListObject>();
      if (!AppendZiplist(blob, l.get())) return false;
      return FinishList(std::move(l), out);
    }
    case kTypeSet: return LoadSet(r, out);
    case kTypeSetIntset: return LoadIntset(r, out);
    case kTypeHash: return LoadHash(r, out);
    case kTypeHashZipmap: return r.String(&blob) && ParseZipmap(blob, &items) && FinishHash(items, out);
    case kTypeHashZiplist: return r.String(&blob) && ParseZiplist(blob, &items) && FinishHash(items, out);
    case kTypeHashListpack: return r.String(&blob) && ListpackStrings(blob, &items) && FinishHash(items, out);
    case kTypeZSet:
    case kTypeZSet2: return LoadZSet(r, type, out);
    case kTypeZSetZiplist: return r.String(&blob) && ParseZiplist(blob, &items) && FinishZSetPairs(items, out);
    case kTypeZSetListpack:
      return r.String(&blob) && ListpackStrings(blob, &items) && FinishZSetPairs(items, out);
    case kTypeStreamListpacks:
    case kTypeStreamListpacks2: return LoadStream(r, type, out);
    default: return false;  // modules (6, 7) and unknown types
  }
}

}  // namespace

bool LoadPayload(std::string_view payload, Value* out) {
  if (payload.size() < 10) return false;
  RdbReader r(payload.substr(0, payload.size() - 10));
  uint8_t type;
  if (!r.Byte(&type)) return false;
  // Bytes left over after the object are ignored, as Redis's RESTORE does.
  return LoadObject(r, type, out);
}

}  // namespace stockd::engine::rdb
