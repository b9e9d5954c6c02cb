// storage/big_values.cc — see big_values.h.
#include "storage/big_values.h"

#include <algorithm>
#include <memory>

#include "storage/store.h"

namespace stockd::storage {

namespace {

// A big list's element rows: only those its RowState says changed when
// `changed_only` (the rows on disk under this key are this object's, as of
// its last write), else all of them after dropping what is there.
size_t WriteListRows(const engine::ListObject& l, std::string_view prefix, bool changed_only, bool had_rows,
                     rocksdb::ColumnFamilyHandle* cf, rocksdb::WriteBatch* batch) {
  engine::ListObject::RowState& st = l.rows;
  const int64_t lo = st.head_pos, hi = st.head_pos + static_cast<int64_t>(l.size());
  size_t n = 0;
  auto put = [&](int64_t p) {
    batch->Put(cf, ElementRow(prefix, p), l.at(static_cast<size_t>(p - lo)));
    ++n;
  };
  auto drop = [&](int64_t from, int64_t to) {  // [from, to)
    if (from >= to) return;
    batch->DeleteRange(cf, ElementRow(prefix, from), ElementRow(prefix, to));
    ++n;
  };
  if (!changed_only) {
    if (had_rows) {
      batch->DeleteRange(cf, std::string(prefix), PrefixEnd(prefix));
      ++n;
    }
    for (int64_t p = lo; p < hi; ++p) put(p);
    return n;
  }
  // Every position pushed or popped since the last write is in one of the
  // two intervals; the others still hold what is on disk.
  auto rewrite = [&](int64_t from, int64_t to) {
    if (from >= to) return;
    const int64_t in_from = std::max(from, lo), in_to = std::min(to, hi);
    if (in_from >= in_to) return drop(from, to);
    drop(from, in_from);
    for (int64_t p = in_from; p < in_to; ++p) put(p);
    drop(in_to, to);
  };
  const engine::ListObject::Changes& c = *st.changes;
  rewrite(c.head_lo, c.head_hi);
  rewrite(c.tail_lo, c.tail_hi);
  for (int64_t p : c.set) {
    if (p >= lo && p < hi) put(p);
  }
  return n;
}

// A big hash's, set's or sorted set's member rows: only the members its
// MemberRows says changed when `changed_only`, else all of them after
// dropping what is there. for_each(fn) calls fn(member, row value) for every
// member; value_of(member, &out) is false when the member is gone.
template <class Obj, class ForEachFn, class ValueOfFn>
size_t WriteMemberRows(const Obj& o, std::string_view prefix, bool changed_only, bool had_rows,
                       rocksdb::ColumnFamilyHandle* cf, rocksdb::WriteBatch* batch, ForEachFn for_each,
                       ValueOfFn value_of) {
  size_t n = 0;
  std::string row, value;
  if (!changed_only) {
    if (had_rows) {
      batch->DeleteRange(cf, std::string(prefix), PrefixEnd(prefix));
      ++n;
    }
    for_each([&](std::string_view member, std::string_view v) {
      row = MemberRow(prefix, member);
      batch->Put(cf, row, v);
      ++n;
    });
    return n;
  }
  for (const std::string& member : o.rows.dirty()) {
    row = MemberRow(prefix, member);
    value.clear();
    if (value_of(member, &value)) {
      batch->Put(cf, row, value);
    } else {
      batch->Delete(cf, row);
    }
    ++n;
  }
  return n;
}

std::string Score(double s) {
  std::string out;
  PutScore(&out, s);
  return out;
}

}  // namespace

// Element rows pay per element (a memtable entry, an SST entry, compaction):
// they win when a batch changes few of a value's elements, as under `always`
// (one batch per fsync). When a batch changes many — a list filled by
// millions of pushes within one of `no`'s one-second windows — one row per
// batch costs less. Where the line lies depends on how often batches come:
// at a few thousand a second (`always`, `everysec`'s 5 ms windows) a quarter
// of the elements; at one a second (`no`) a 32nd. (At a quarter, `no` turned
// the 1.2M-element list of redis-benchmark's LPUSH/LPOP into rows every time
// it was drained — LPOP -P1 5.2 against 4.8 µs; at a 32nd, `always` wrote
// lists and sets growing to 100K as one row per fsync — LPUSH 469K against
// 893K ops/s.)
BigWrite PlanBigWrite(const engine::Object& obj, uint64_t rows_of, size_t one_row_share) {
  BigWrite plan = BigWrite::kSmall;
  VisitAggregate(obj, [&](const auto& o) {
    const size_t size = o.size();
    const bool rows_are_its = rows_of == o.rows.id;
    if (size < kRowsKeep || (size < kRowsMin && !rows_are_its)) {
      plan = BigWrite::kSmall;
    } else if (o.rows.whole()) {  // changes unknown
      plan = rows_are_its ? BigWrite::kRowsAll : BigWrite::kOneRow;
    } else if (o.rows.changed() > size / one_row_share) {
      plan = BigWrite::kOneRow;
    } else {
      plan = rows_are_its ? BigWrite::kRowsChanged : BigWrite::kRowsAll;
    }
    if (plan == BigWrite::kSmall) o.rows.SetWhole();
    if (plan == BigWrite::kOneRow) o.rows.Written();  // the next batch decides on what changes meanwhile
  });
  return plan;
}

size_t WriteRows(const engine::Entry& e, BigWrite plan, std::string_view prefix, const std::string& key_row,
                 bool had_rows, rocksdb::ColumnFamilyHandle* keys, rocksdb::ColumnFamilyHandle* elements,
                 rocksdb::WriteBatch* batch) {
  const engine::Object& obj = *e.value.object();
  const bool changed_only = plan == BigWrite::kRowsChanged;
  size_t n = 0;
  std::string header;
  switch (obj.type()) {
    case engine::ValueType::kList: {
      const auto& l = static_cast<const engine::ListObject&>(obj);
      n = WriteListRows(l, prefix, changed_only, had_rows, elements, batch);
      EncodeListRowsHeader(e.expire_at_ms, l.rows.head_pos, l.size(), &header);
      l.rows.Written();
      break;
    }
    case engine::ValueType::kHash: {
      const auto& h = static_cast<const engine::HashObject&>(obj);
      n = WriteMemberRows(
          h, prefix, changed_only, had_rows, elements, batch,
          [&](auto fn) { h.ForEachField([&](std::string_view f, const std::string& v) { fn(f, v); }); },
          [&](std::string_view f, std::string* out) {
            const std::string* v = h.Find(f);
            if (v != nullptr) *out = *v;
            return v != nullptr;
          });
      EncodeRowsHeader(ValueTag::kHashRows, e.expire_at_ms, h.size(), &header);
      h.rows.Written();
      break;
    }
    case engine::ValueType::kSet: {
      const auto& s = static_cast<const engine::SetObject&>(obj);
      n = WriteMemberRows(
          s, prefix, changed_only, had_rows, elements, batch,
          [&](auto fn) { s.ForEach([&](std::string_view m) { fn(m, std::string_view()); }); },
          [&](std::string_view m, std::string*) { return s.Contains(m); });
      EncodeRowsHeader(ValueTag::kSetRows, e.expire_at_ms, s.size(), &header);
      s.rows.Written();
      break;
    }
    default: {
      const auto& z = static_cast<const engine::ZSetObject&>(obj);
      n = WriteMemberRows(
          z, prefix, changed_only, had_rows, elements, batch,
          [&](auto fn) { z.ForEach([&](std::string_view m, double s) { fn(m, Score(s)); }); },
          [&](std::string_view m, std::string* out) {
            double s;
            if (!z.Score(m, &s)) return false;
            PutScore(out, s);
            return true;
          });
      EncodeRowsHeader(ValueTag::kZSetRows, e.expire_at_ms, z.size(), &header);
      z.rows.Written();
      break;
    }
  }
  batch->Put(keys, key_row, header);
  return n + 1;
}

bool IsBigValueHeader(std::string_view row_value) {
  int64_t expire, head;
  uint64_t count;
  ValueTag tag;
  return ParseListRowsHeader(row_value, &expire, &head, &count) ||
         ParseRowsHeader(row_value, &tag, &expire, &count);
}

namespace {

// The elements of a big list at head .. head + count - 1.
absl::StatusOr<engine::Value> ReadListRows(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf,
                                           const std::string& prefix, int64_t head, uint64_t count) {
  rocksdb::ReadOptions ro;
  ro.fill_cache = false;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro, cf));
  auto l = std::make_unique<engine::ListObject>();
  int64_t want = head;
  for (it->Seek(ElementRow(prefix, head)); it->Valid() && l->size() < count; it->Next()) {
    rocksdb::Slice k = it->key(), v = it->value();
    int64_t pos;
    if (!ParseElementRow(std::string_view(k.data(), k.size()), prefix, &pos) || pos != want) break;
    l->PushBack(std::string_view(v.data(), v.size()));
    ++want;
  }
  if (!it->status().ok()) return FromRocks(it->status());
  if (l->size() != count) return absl::DataLossError("a big list's element rows are missing");
  l->rows.head_pos = head;
  l->rows.Written();  // what is in memory is what is on disk
  return engine::Value::FromObject(std::move(l));
}

// The `count` members of a big hash, set or sorted set.
absl::StatusOr<engine::Value> ReadMemberRows(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf,
                                             const std::string& prefix, ValueTag tag, uint64_t count) {
  rocksdb::ReadOptions ro;
  ro.fill_cache = false;
  const std::string end = PrefixEnd(prefix);
  rocksdb::Slice upper(end);
  if (!end.empty()) ro.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro, cf));
  std::unique_ptr<engine::HashObject> h;
  std::unique_ptr<engine::SetObject> set;
  std::unique_ptr<engine::ZSetObject> z;
  if (tag == ValueTag::kHashRows) h = std::make_unique<engine::HashObject>();
  if (tag == ValueTag::kZSetRows) z = std::make_unique<engine::ZSetObject>();
  uint64_t n = 0;
  for (it->Seek(prefix); it->Valid(); it->Next(), ++n) {
    std::string_view k(it->key().data(), it->key().size()), v(it->value().data(), it->value().size());
    if (k.substr(0, prefix.size()) != prefix) break;
    const std::string_view member = k.substr(prefix.size());
    if (h) {
      h->Set(member, v);
    } else if (z) {
      double score;
      if (!GetScore(&v, &score) || !v.empty()) return absl::DataLossError("corrupt sorted set member row");
      z->Add(member, score);
    } else if (set == nullptr) {
      set = engine::SetObject::ForFirst(member);
      set->Add(member);
    } else {
      set->Add(member);
    }
  }
  if (!it->status().ok()) return FromRocks(it->status());
  if (n != count) return absl::DataLossError("a big value's member rows are missing");
  // What is in memory is what is on disk.
  if (h) {
    h->rows.Written();
    return engine::Value::FromObject(std::move(h));
  }
  if (z) {
    z->rows.Written();
    return engine::Value::FromObject(std::move(z));
  }
  if (set == nullptr) return absl::DataLossError("a big set without members");
  set->rows.Written();
  return engine::Value::FromObject(std::move(set));
}

}  // namespace

absl::StatusOr<DecodedValue> ReadBigValue(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* elements,
                                          const std::string& prefix, std::string_view row_value) {
  int64_t expire, head;
  uint64_t count;
  ValueTag tag;
  absl::StatusOr<engine::Value> v;
  if (ParseListRowsHeader(row_value, &expire, &head, &count)) {
    v = ReadListRows(db, elements, prefix, head, count);
  } else if (ParseRowsHeader(row_value, &tag, &expire, &count)) {
    v = ReadMemberRows(db, elements, prefix, tag, count);
  } else {
    return absl::DataLossError("corrupt big value header");
  }
  if (!v.ok()) return v.status();
  return DecodedValue{std::move(*v), expire};
}

}  // namespace stockd::storage
