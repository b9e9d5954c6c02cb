// storage/format.cc — see format.h and FORMAT.md.
#include "storage/format.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "engine/types/hash.h"
#include "engine/types/list.h"
#include "engine/types/set.h"
#include "engine/types/stream.h"
#include "engine/types/zset.h"

namespace stockd::storage {
namespace {

absl::Status Corrupt(std::string_view what) {
  return absl::DataLossError(absl::StrCat("corrupt ", absl::string_view(what.data(), what.size())));
}

// ---- one encode/decode pair per value type (the extension point) ----
using EncodeFn = absl::Status (*)(const engine::Value& value, std::string* out);
using DecodeFn = absl::StatusOr<engine::Value> (*)(std::string_view payload);

absl::Status EncodeInt(const engine::Value& v, std::string* out) {
  PutFixed64(out, static_cast<uint64_t>(v.int_value()));
  return absl::OkStatus();
}
absl::StatusOr<engine::Value> DecodeInt(std::string_view p) {
  uint64_t v;
  if (!GetFixed64(&p, &v) || !p.empty()) return Corrupt("int value");
  return engine::Value::Int(static_cast<int64_t>(v));
}

absl::Status EncodeString(const engine::Value& v, std::string* out) {
  char buf[engine::kIntBufferSize];
  std::string_view s = v.StringView(buf);
  out->append(s.data(), s.size());
  return absl::OkStatus();
}
absl::StatusOr<engine::Value> DecodeString(std::string_view p) {
  // The encoding the engine picked (embstr/raw) is a function of the bytes,
  // except for strings made raw by APPEND/SETRANGE: those come back as
  // created by SET, as after a Redis restart.
  return engine::Value::PlainString(p);
}

// Aggregates: an element count (fixed32), then the elements.

absl::Status EncodeHash(const engine::Value& v, std::string* out) {
  const auto& h = static_cast<const engine::HashObject&>(*v.object());
  PutFixed32(out, static_cast<uint32_t>(h.size()));
  h.ForEachField([&](std::string_view f, const std::string& val) {
    PutLengthPrefixed(out, f);
    PutLengthPrefixed(out, val);
  });
  return absl::OkStatus();
}
absl::StatusOr<engine::Value> DecodeHash(std::string_view p) {
  uint32_t n;
  if (!GetFixed32(&p, &n)) return Corrupt("hash");
  auto h = std::make_unique<engine::HashObject>();
  for (uint32_t i = 0; i < n; ++i) {
    std::string_view f, val;
    if (!GetLengthPrefixed(&p, &f) || !GetLengthPrefixed(&p, &val)) return Corrupt("hash field");
    h->PrepareFor(f.size(), val.size());
    h->Set(f, val);
  }
  if (!p.empty()) return Corrupt("hash (trailing bytes)");
  return engine::Value::FromObject(std::move(h));
}

absl::Status EncodeList(const engine::Value& v, std::string* out) {
  const auto& l = static_cast<const engine::ListObject&>(*v.object());
  PutFixed32(out, static_cast<uint32_t>(l.size()));
  for (const std::string& item : l.items()) PutLengthPrefixed(out, item);
  return absl::OkStatus();
}
absl::StatusOr<engine::Value> DecodeList(std::string_view p) {
  uint32_t n;
  if (!GetFixed32(&p, &n)) return Corrupt("list");
  auto l = std::make_unique<engine::ListObject>();
  for (uint32_t i = 0; i < n; ++i) {
    std::string_view item;
    if (!GetLengthPrefixed(&p, &item)) return Corrupt("list item");
    l->PushBack(item);
  }
  if (!p.empty()) return Corrupt("list (trailing bytes)");
  return engine::Value::FromObject(std::move(l));
}

absl::Status EncodeSet(const engine::Value& v, std::string* out) {
  const auto& st = static_cast<const engine::SetObject&>(*v.object());
  PutFixed32(out, static_cast<uint32_t>(st.size()));
  st.ForEach([&](std::string_view m) { PutLengthPrefixed(out, m); });
  return absl::OkStatus();
}
absl::StatusOr<engine::Value> DecodeSet(std::string_view p) {
  uint32_t n;
  if (!GetFixed32(&p, &n) || n == 0) return Corrupt("set");
  std::unique_ptr<engine::SetObject> st;
  for (uint32_t i = 0; i < n; ++i) {
    std::string_view m;
    if (!GetLengthPrefixed(&p, &m)) return Corrupt("set member");
    if (st == nullptr) st = engine::SetObject::ForFirst(m);  // picks the encoding SADD would
    st->Add(m);
  }
  if (!p.empty()) return Corrupt("set (trailing bytes)");
  return engine::Value::FromObject(std::move(st));
}

absl::Status EncodeZSet(const engine::Value& v, std::string* out) {
  const auto& z = static_cast<const engine::ZSetObject&>(*v.object());
  PutFixed32(out, static_cast<uint32_t>(z.size()));
  z.ForEach([&](std::string_view m, double score) {
    PutLengthPrefixed(out, m);
    PutScore(out, score);
  });
  return absl::OkStatus();
}
absl::StatusOr<engine::Value> DecodeZSet(std::string_view p) {
  uint32_t n;
  if (!GetFixed32(&p, &n)) return Corrupt("zset");
  auto z = std::make_unique<engine::ZSetObject>();
  for (uint32_t i = 0; i < n; ++i) {
    std::string_view m;
    double score;
    if (!GetLengthPrefixed(&p, &m) || !GetScore(&p, &score)) return Corrupt("zset member");
    z->Set(m, score);
  }
  if (!p.empty()) return Corrupt("zset (trailing bytes)");
  return engine::Value::FromObject(std::move(z));
}

// Streams (FORMAT.md, tag 11): a version byte, then the whole stream —
// entries, the node layout (so `~` trimming acts the same after a restart)
// and the consumer groups with their PELs and consumers.
constexpr uint8_t kStreamPayloadVersion = 1;

void PutStreamID(std::string* out, engine::StreamID id) {
  PutFixed64(out, id.ms);
  PutFixed64(out, id.seq);
}
bool GetStreamID(std::string_view* in, engine::StreamID* id) {
  return GetFixed64(in, &id->ms) && GetFixed64(in, &id->seq);
}

absl::Status EncodeStream(const engine::Value& v, std::string* out) {
  const auto& st = static_cast<const engine::StreamObject&>(*v.object());
  out->push_back(static_cast<char>(kStreamPayloadVersion));
  PutStreamID(out, st.last_id);
  PutFixed64(out, st.entries_added);
  PutStreamID(out, st.max_deleted_entry_id);
  PutFixed32(out, static_cast<uint32_t>(st.size()));
  for (const auto& [id, fields] : st.entries()) {
    PutStreamID(out, id);
    PutFixed32(out, static_cast<uint32_t>(fields.size()));
    for (const std::string& f : fields) PutLengthPrefixed(out, f);
  }
  PutFixed32(out, static_cast<uint32_t>(st.nodes().size()));
  for (const auto& [master_id, node] : st.nodes()) {
    PutStreamID(out, master_id);
    PutFixed32(out, node.live);
    PutFixed32(out, node.total);
    PutFixed64(out, node.bytes);
    PutStreamID(out, node.last_id);
    PutFixed32(out, static_cast<uint32_t>(node.master.size()));
    for (const std::string& f : node.master) PutLengthPrefixed(out, f);
  }
  PutFixed32(out, static_cast<uint32_t>(st.groups.size()));
  for (const auto& [name, g] : st.groups) {
    PutLengthPrefixed(out, name);
    PutStreamID(out, g.last_id);
    PutFixed64(out, static_cast<uint64_t>(g.entries_read));
    PutFixed32(out, static_cast<uint32_t>(g.pel.size()));
    for (const auto& [id, nack] : g.pel) {
      PutStreamID(out, id);
      PutFixed64(out, static_cast<uint64_t>(nack.delivery_time));
      PutFixed64(out, nack.delivery_count);
      PutLengthPrefixed(out, nack.consumer);
    }
    PutFixed32(out, static_cast<uint32_t>(g.consumers.size()));
    for (const auto& [cname, c] : g.consumers) {
      PutLengthPrefixed(out, cname);
      PutFixed64(out, static_cast<uint64_t>(c.seen_time));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<engine::Value> DecodeStream(std::string_view p) {
  if (p.empty() || static_cast<uint8_t>(p[0]) != kStreamPayloadVersion) return Corrupt("stream (version)");
  p.remove_prefix(1);
  auto st = std::make_unique<engine::StreamObject>();
  engine::StreamID last_id, max_deleted;
  uint64_t entries_added;
  uint32_t n;
  if (!GetStreamID(&p, &last_id) || !GetFixed64(&p, &entries_added) || !GetStreamID(&p, &max_deleted) ||
      !GetFixed32(&p, &n)) {
    return Corrupt("stream");
  }
  engine::StreamID prev;
  for (uint32_t i = 0; i < n; ++i) {
    engine::StreamID id;
    uint32_t nf;
    if (!GetStreamID(&p, &id) || !GetFixed32(&p, &nf) || nf == 0 || nf % 2 != 0) return Corrupt("stream entry");
    if ((i > 0 && id <= prev) || id.IsZero()) return Corrupt("stream entry order");
    engine::StreamObject::Fields fields;
    fields.reserve(nf);
    for (uint32_t j = 0; j < nf; ++j) {
      std::string_view f;
      if (!GetLengthPrefixed(&p, &f)) return Corrupt("stream entry field");
      fields.emplace_back(f);
    }
    st->Append(id, std::move(fields));  // its node layout is replaced below
    prev = id;
  }
  uint32_t nodes;
  if (!GetFixed32(&p, &nodes)) return Corrupt("stream nodes");
  std::map<engine::StreamID, engine::StreamObject::Node> layout;
  uint64_t live_sum = 0;
  for (uint32_t i = 0; i < nodes; ++i) {
    engine::StreamID master;
    engine::StreamObject::Node node;
    uint64_t bytes;
    uint32_t nm;
    if (!GetStreamID(&p, &master) || !GetFixed32(&p, &node.live) || !GetFixed32(&p, &node.total) ||
        !GetFixed64(&p, &bytes) || !GetStreamID(&p, &node.last_id) || !GetFixed32(&p, &nm)) {
      return Corrupt("stream node");
    }
    node.bytes = bytes;
    for (uint32_t j = 0; j < nm; ++j) {
      std::string_view f;
      if (!GetLengthPrefixed(&p, &f)) return Corrupt("stream node field");
      node.master.emplace_back(f);
    }
    live_sum += node.live;
    layout.emplace(master, std::move(node));
  }
  if (live_sum != n) return Corrupt("stream nodes (count)");
  st->SetNodes(std::move(layout));
  if (last_id < prev) return Corrupt("stream last id");
  st->last_id = last_id;
  st->entries_added = entries_added;
  st->max_deleted_entry_id = max_deleted;
  uint32_t ngroups;
  if (!GetFixed32(&p, &ngroups)) return Corrupt("stream groups");
  for (uint32_t i = 0; i < ngroups; ++i) {
    std::string_view name;
    engine::StreamGroup g;
    uint64_t entries_read;
    uint32_t npel, nconsumers;
    if (!GetLengthPrefixed(&p, &name) || !GetStreamID(&p, &g.last_id) || !GetFixed64(&p, &entries_read) ||
        !GetFixed32(&p, &npel)) {
      return Corrupt("stream group");
    }
    g.entries_read = static_cast<int64_t>(entries_read);
    for (uint32_t j = 0; j < npel; ++j) {
      engine::StreamID id;
      engine::StreamNack nack;
      uint64_t time;
      std::string_view consumer;
      if (!GetStreamID(&p, &id) || !GetFixed64(&p, &time) || !GetFixed64(&p, &nack.delivery_count) ||
          !GetLengthPrefixed(&p, &consumer)) {
        return Corrupt("stream pending entry");
      }
      nack.delivery_time = static_cast<int64_t>(time);
      nack.consumer = std::string(consumer);
      g.pel.emplace(id, std::move(nack));
    }
    if (!GetFixed32(&p, &nconsumers)) return Corrupt("stream consumers");
    for (uint32_t j = 0; j < nconsumers; ++j) {
      std::string_view cname;
      uint64_t seen;
      if (!GetLengthPrefixed(&p, &cname) || !GetFixed64(&p, &seen)) return Corrupt("stream consumer");
      g.consumers[std::string(cname)].seen_time = static_cast<int64_t>(seen);
    }
    // Each consumer's PEL is the group's NACKs that name it.
    for (const auto& [id, nack] : g.pel) {
      auto c = g.consumers.find(nack.consumer);
      if (c == g.consumers.end()) return Corrupt("stream pending entry (no consumer)");
      c->second.pel.emplace(id, true);
    }
    st->groups.emplace(std::string(name), std::move(g));
  }
  if (!p.empty()) return Corrupt("stream (trailing bytes)");
  return engine::Value::FromObject(std::move(st));
}

struct Codec {
  ValueTag tag;
  EncodeFn encode;
  DecodeFn decode;
};

// Indexed by engine::ValueType. To persist a new aggregate type, write its
// Encode<Type>/Decode<Type> above (walking the Object subclass) and fill its row.
const Codec kCodecs[] = {
    /* kString */ {ValueTag::kString, EncodeString, DecodeString},
    /* kList   */ {ValueTag::kList, EncodeList, DecodeList},
    /* kSet    */ {ValueTag::kSet, EncodeSet, DecodeSet},
    /* kZSet   */ {ValueTag::kZSet, EncodeZSet, DecodeZSet},
    /* kHash   */ {ValueTag::kHash, EncodeHash, DecodeHash},
    /* kStream */ {ValueTag::kStream, EncodeStream, DecodeStream},
};
static_assert(std::size(kCodecs) == static_cast<size_t>(engine::ValueType::kStream) + 1,
              "every ValueType needs its codec row");

const Codec* CodecForTag(uint8_t tag) {
  for (const Codec& c : kCodecs) {
    if (static_cast<uint8_t>(c.tag) == tag && c.decode != nullptr) return &c;
  }
  return nullptr;
}

}  // namespace

void PutFixed32(std::string* out, uint32_t v) {
  char b[4];
  for (int i = 0; i < 4; ++i) b[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  out->append(b, 4);
}
void PutFixed64(std::string* out, uint64_t v) {
  char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  out->append(b, 8);
}
void PutBigEndian16(std::string* out, uint16_t v) {
  out->push_back(static_cast<char>(v >> 8));
  out->push_back(static_cast<char>(v & 0xff));
}
void PutBigEndian64(std::string* out, uint64_t v) {
  for (int i = 7; i >= 0; --i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void PutLengthPrefixed(std::string* out, std::string_view s) {
  PutFixed32(out, static_cast<uint32_t>(s.size()));
  out->append(s.data(), s.size());
}
bool GetFixed32(std::string_view* in, uint32_t* v) {
  if (in->size() < 4) return false;
  uint32_t r = 0;
  for (int i = 0; i < 4; ++i) r |= static_cast<uint32_t>(static_cast<uint8_t>((*in)[i])) << (8 * i);
  *v = r;
  in->remove_prefix(4);
  return true;
}
bool GetFixed64(std::string_view* in, uint64_t* v) {
  if (in->size() < 8) return false;
  uint64_t r = 0;
  for (int i = 0; i < 8; ++i) r |= static_cast<uint64_t>(static_cast<uint8_t>((*in)[i])) << (8 * i);
  *v = r;
  in->remove_prefix(8);
  return true;
}
bool GetLengthPrefixed(std::string_view* in, std::string_view* s) {
  uint32_t n;
  if (!GetFixed32(in, &n) || in->size() < n) return false;
  *s = in->substr(0, n);
  in->remove_prefix(n);
  return true;
}

void PutScore(std::string* out, double score) {
  uint64_t bits;
  std::memcpy(&bits, &score, sizeof bits);
  PutFixed64(out, bits);
}
bool GetScore(std::string_view* in, double* score) {
  uint64_t bits;
  if (!GetFixed64(in, &bits)) return false;
  std::memcpy(score, &bits, sizeof bits);
  return true;
}

static bool GetBigEndian16(std::string_view* in, uint16_t* v) {
  if (in->size() < 2) return false;
  *v = static_cast<uint16_t>((static_cast<uint8_t>((*in)[0]) << 8) | static_cast<uint8_t>((*in)[1]));
  in->remove_prefix(2);
  return true;
}

std::string KeyRow(int db, int shard, std::string_view key) {
  std::string r;
  r.reserve(4 + key.size());
  PutBigEndian16(&r, static_cast<uint16_t>(db));
  PutBigEndian16(&r, static_cast<uint16_t>(shard));
  r.append(key.data(), key.size());
  return r;
}

std::string ShardPrefix(int db, int shard) {
  // shard may be shards_per_db (the end of a range): carry into db.
  const uint32_t v = (static_cast<uint32_t>(db) << 16) + static_cast<uint32_t>(shard);
  std::string r;
  PutBigEndian16(&r, static_cast<uint16_t>(v >> 16));
  PutBigEndian16(&r, static_cast<uint16_t>(v & 0xffff));
  return r;
}

bool ParseKeyRow(std::string_view row, int* db, int* shard, std::string_view* key) {
  uint16_t d, s;
  if (!GetBigEndian16(&row, &d) || !GetBigEndian16(&row, &s)) return false;
  *db = d;
  *shard = s;
  *key = row;
  return true;
}

absl::Status EncodeValue(const engine::Value& value, int64_t expire_at_ms, std::string* out) {
  const Codec* codec;
  ValueTag tag;
  if (value.is_int()) {
    tag = ValueTag::kInt;
    codec = nullptr;
  } else {
    codec = &kCodecs[static_cast<size_t>(value.type())];
    tag = codec->tag;
  }
  out->push_back(static_cast<char>(tag));
  PutFixed64(out, static_cast<uint64_t>(expire_at_ms));
  return codec == nullptr ? EncodeInt(value, out) : codec->encode(value, out);
}

absl::StatusOr<DecodedValue> DecodeValue(std::string_view in) {
  if (in.empty()) return Corrupt("value (empty)");
  const uint8_t tag = static_cast<uint8_t>(in[0]);
  in.remove_prefix(1);
  uint64_t expire;
  if (!GetFixed64(&in, &expire)) return Corrupt("value (no expiry)");
  absl::StatusOr<engine::Value> v;
  if (tag == static_cast<uint8_t>(ValueTag::kInt)) {
    v = DecodeInt(in);
  } else if (const Codec* c = CodecForTag(tag)) {
    v = c->decode(in);
  } else {
    return Corrupt(absl::StrCat("value (unknown tag ", tag, ")"));
  }
  if (!v.ok()) return v.status();
  DecodedValue d;
  d.value = std::move(*v);
  d.expire_at_ms = static_cast<int64_t>(expire);
  return d;
}

std::string ElementPrefix(int db, int shard, std::string_view key) {
  std::string r = ShardPrefix(db, shard);
  const auto n = static_cast<uint32_t>(key.size());
  for (int i = 3; i >= 0; --i) r.push_back(static_cast<char>(n >> (8 * i)));
  r.append(key.data(), key.size());
  return r;
}

std::string ElementRow(std::string_view prefix, int64_t pos) {
  std::string r(prefix);
  PutBigEndian64(&r, static_cast<uint64_t>(pos) ^ (uint64_t{1} << 63));  // signed order
  return r;
}

bool ParseElementRow(std::string_view row, std::string_view prefix, int64_t* pos) {
  if (row.size() != prefix.size() + 8 || row.substr(0, prefix.size()) != prefix) return false;
  uint64_t v = 0;
  for (char c : row.substr(prefix.size())) v = (v << 8) | static_cast<uint8_t>(c);
  *pos = static_cast<int64_t>(v ^ (uint64_t{1} << 63));
  return true;
}

std::string MemberRow(std::string_view prefix, std::string_view member) {
  std::string r;
  r.reserve(prefix.size() + member.size());
  r.append(prefix.data(), prefix.size());
  r.append(member.data(), member.size());
  return r;
}

void EncodeRowsHeader(ValueTag tag, int64_t expire_at_ms, uint64_t count, std::string* out) {
  out->push_back(static_cast<char>(tag));
  PutFixed64(out, static_cast<uint64_t>(expire_at_ms));
  PutFixed64(out, count);
}

bool ParseRowsHeader(std::string_view row_value, ValueTag* tag, int64_t* expire_at_ms, uint64_t* count) {
  if (row_value.empty()) return false;
  const auto t = static_cast<ValueTag>(static_cast<uint8_t>(row_value[0]));
  if (t != ValueTag::kHashRows && t != ValueTag::kSetRows && t != ValueTag::kZSetRows) return false;
  row_value.remove_prefix(1);
  uint64_t e;
  if (!GetFixed64(&row_value, &e) || !GetFixed64(&row_value, count) || !row_value.empty()) return false;
  *tag = t;
  *expire_at_ms = static_cast<int64_t>(e);
  return true;
}

std::string PrefixEnd(std::string_view prefix) {
  std::string r(prefix);
  while (!r.empty() && static_cast<uint8_t>(r.back()) == 0xff) r.pop_back();
  if (!r.empty()) r.back() = static_cast<char>(static_cast<uint8_t>(r.back()) + 1);
  return r;  // empty: no end (every row sorts below it)
}

void EncodeListRowsHeader(int64_t expire_at_ms, int64_t head_pos, uint64_t count, std::string* out) {
  out->push_back(static_cast<char>(ValueTag::kListRows));
  PutFixed64(out, static_cast<uint64_t>(expire_at_ms));
  PutFixed64(out, static_cast<uint64_t>(head_pos));
  PutFixed64(out, count);
}

bool ParseListRowsHeader(std::string_view row_value, int64_t* expire_at_ms, int64_t* head_pos, uint64_t* count) {
  if (row_value.empty() || static_cast<uint8_t>(row_value[0]) != static_cast<uint8_t>(ValueTag::kListRows)) {
    return false;
  }
  row_value.remove_prefix(1);
  uint64_t e, h;
  if (!GetFixed64(&row_value, &e) || !GetFixed64(&row_value, &h) || !GetFixed64(&row_value, count) ||
      !row_value.empty()) {
    return false;
  }
  *expire_at_ms = static_cast<int64_t>(e);
  *head_pos = static_cast<int64_t>(h);
  return true;
}

std::string OrderRow(uint64_t id) {
  std::string r;
  PutBigEndian64(&r, id);
  return r;
}

bool ParseOrderRow(std::string_view row, uint64_t* id) {
  if (row.size() != 8) return false;
  uint64_t v = 0;
  for (char c : row) v = (v << 8) | static_cast<uint8_t>(c);
  *id = v;
  return true;
}

void EncodeOrder(const engine::Order& o, std::string* out) {
  // One allocation: this runs for every order placed (5 bytes per length prefix at most).
  out->reserve(out->size() + 1 + 4 + 8 + 8 + 3 * 5 + o.key.size() + o.user.size() + o.reqid.size());
  out->push_back(static_cast<char>(o.status));
  PutFixed32(out, static_cast<uint32_t>(o.db));
  PutFixed64(out, static_cast<uint64_t>(o.qty));
  PutFixed64(out, static_cast<uint64_t>(o.created_ms));
  PutLengthPrefixed(out, o.key);
  PutLengthPrefixed(out, o.user);
  PutLengthPrefixed(out, o.reqid);
}

std::string OrderSegmentRow(uint64_t first_id, uint64_t last_id) {
  std::string r;
  PutBigEndian64(&r, first_id);
  PutBigEndian64(&r, last_id);
  return r;
}

void AppendSegmentOrder(const engine::Order& o, std::string* segment) {
  PutFixed64(segment, o.id);
  const size_t len_at = segment->size();
  PutFixed32(segment, 0);  // the length, patched below: no temporary string
  EncodeOrder(o, segment);
  const auto len = static_cast<uint32_t>(segment->size() - len_at - 4);
  for (int i = 0; i < 4; ++i) (*segment)[len_at + i] = static_cast<char>(len >> (8 * i));
}

namespace format_internal {
absl::Status NextSegmentOrder(std::string_view* segment, engine::Order* out) {
  uint64_t id;
  std::string_view enc;
  if (!GetFixed64(segment, &id) || !GetLengthPrefixed(segment, &enc)) return Corrupt("order segment");
  absl::StatusOr<engine::Order> o = DecodeOrder(id, enc);
  if (!o.ok()) return o.status();
  *out = std::move(*o);
  return absl::OkStatus();
}
}  // namespace format_internal

absl::StatusOr<engine::Order> DecodeOrder(uint64_t id, std::string_view in) {
  engine::Order o;
  o.id = id;
  if (in.empty()) return Corrupt("order");
  const uint8_t status = static_cast<uint8_t>(in[0]);
  if (status > 1) return Corrupt("order status");
  o.status = static_cast<engine::OrderStatus>(status);
  in.remove_prefix(1);
  uint32_t db;
  uint64_t qty, created;
  std::string_view key, user, reqid;
  if (!GetFixed32(&in, &db) || !GetFixed64(&in, &qty) || !GetFixed64(&in, &created) ||
      !GetLengthPrefixed(&in, &key) || !GetLengthPrefixed(&in, &user) ||
      !GetLengthPrefixed(&in, &reqid) || !in.empty()) {
    return Corrupt("order");
  }
  o.db = static_cast<int>(db);
  o.qty = static_cast<int64_t>(qty);
  o.created_ms = static_cast<int64_t>(created);
  o.key = std::string(key);
  o.user = std::string(user);
  o.reqid = std::string(reqid);
  return o;
}

}  // namespace stockd::storage
