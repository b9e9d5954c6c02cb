// engine/types/set.cc — see set.h.
#include "engine/types/set.h"

#include <algorithm>
#include <cstring>

namespace stockd::engine {

SetObject::Member* SetObject::MakeMember(std::string_view s, uint32_t pos) {
  Member* m = static_cast<Member*>(::operator new(sizeof(Member) + s.size()));
  m->len = static_cast<uint32_t>(s.size());
  m->pos = pos;
  if (!s.empty()) std::memcpy(const_cast<char*>(m->data()), s.data(), s.size());
  return m;
}

void SetObject::FreeMember(Member* m) { ::operator delete(m); }

SetObject::~SetObject() {
  for (Member* m : dense_) FreeMember(m);
}

size_t SetObject::MemoryUsage() const {
  size_t bytes = sizeof(*this) + ints_.capacity() * sizeof(int64_t) + dense_.capacity() * sizeof(Member*) +
                 index_.capacity() * (sizeof(Member*) + 1);
  for (const Member* m : dense_) bytes += sizeof(Member) + m->len;
  return bytes;
}

std::unique_ptr<Object> SetObject::Clone() const {
  auto copy = std::make_unique<SetObject>();
  copy->big_ = big_;
  copy->ints_ = ints_;
  if (big_) {
    copy->index_.reserve(dense_.size());
    copy->dense_.reserve(dense_.size());
    for (const Member* m : dense_) copy->AddBig(m->view());
  }
  return copy;
}

std::unique_ptr<SetObject> SetObject::ForFirst(std::string_view member) {
  auto set = std::make_unique<SetObject>();
  int64_t v;
  if (!ParseStrictInt64(member, &v)) set->big_ = true;
  return set;
}

bool SetObject::Contains(std::string_view member) const {
  if (big_) return index_.contains(member);
  int64_t v;
  return ParseStrictInt64(member, &v) && std::binary_search(ints_.begin(), ints_.end(), v);
}

bool SetObject::AddBig(std::string_view member) {
  bool inserted = false;
  index_.lazy_emplace(member, [&](const auto& ctor) {
    Member* m = MakeMember(member, static_cast<uint32_t>(dense_.size()));
    dense_.push_back(m);
    ctor(m);
    inserted = true;
  });
  return inserted;
}

bool SetObject::Add(std::string_view member) {
  if (!AddMember(member)) return false;
  rows.Touch(member);
  return true;
}

bool SetObject::Remove(std::string_view member) {
  if (!RemoveMember(member)) return false;
  rows.Touch(member);
  return true;
}

bool SetObject::AddMember(std::string_view member) {
  if (!big_) {
    int64_t v;
    if (ParseStrictInt64(member, &v)) {
      auto it = std::lower_bound(ints_.begin(), ints_.end(), v);
      if (it != ints_.end() && *it == v) return false;
      ints_.insert(it, v);
      if (ints_.size() > kMaxIntsetEntries) Convert();
      return true;
    }
    Convert();
  }
  return AddBig(member);
}

bool SetObject::RemoveMember(std::string_view member) {
  if (!big_) {
    int64_t v;
    if (!ParseStrictInt64(member, &v)) return false;
    auto it = std::lower_bound(ints_.begin(), ints_.end(), v);
    if (it == ints_.end() || *it != v) return false;
    ints_.erase(it);
    return true;
  }
  auto it = index_.find(member);
  if (it == index_.end()) return false;
  RemoveDense((*it)->pos);
  return true;
}

std::string_view SetObject::At(size_t i, char (&buf)[kIntBufferSize]) const {
  if (!big_) return FormatInt64(ints_[i], buf);
  return dense_[i]->view();
}

void SetObject::RemoveAt(size_t i) {
  if (!rows.whole()) {
    char buf[kIntBufferSize];
    rows.Touch(At(i, buf));
  }
  if (!big_) {
    ints_.erase(ints_.begin() + static_cast<ptrdiff_t>(i));
    return;
  }
  RemoveDense(i);
}

void SetObject::RemoveDense(size_t i) {
  Member* victim = dense_[i];
  index_.erase(victim);  // before it is freed: the erase compares by its bytes
  const size_t last = dense_.size() - 1;
  if (i != last) {
    dense_[i] = dense_[last];
    dense_[i]->pos = static_cast<uint32_t>(i);
  }
  dense_.pop_back();
  FreeMember(victim);
}

void SetObject::ForEach(absl::FunctionRef<void(std::string_view)> fn) const {
  if (big_) {
    for (const Member* m : dense_) fn(m->view());
    return;
  }
  char buf[kIntBufferSize];
  for (int64_t v : ints_) fn(FormatInt64(v, buf));
}

void SetObject::Convert() {
  index_.reserve(ints_.size() + 1);
  dense_.reserve(ints_.size() + 1);
  big_ = true;
  char buf[kIntBufferSize];
  for (int64_t v : ints_) AddBig(FormatInt64(v, buf));
  ints_.clear();
  ints_.shrink_to_fit();
}

}  // namespace stockd::engine
