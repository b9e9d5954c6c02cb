// engine/types/set.cc — see set.h.
#include "engine/types/set.h"

#include <algorithm>

namespace stockd::engine {

size_t SetObject::MemoryUsage() const {
  size_t bytes = sizeof(*this) + ints_.capacity() * sizeof(int64_t);
  for (const std::string* s : dense_) {
    bytes += 48 + sizeof(std::string) + (s->capacity() > 15 ? s->capacity() + 1 : 0);
  }
  return bytes;
}

std::unique_ptr<Object> SetObject::Clone() const {
  auto copy = std::make_unique<SetObject>();
  copy->big_ = big_;
  copy->ints_ = ints_;
  if (big_) {
    copy->index_.reserve(dense_.size());
    copy->dense_.reserve(dense_.size());
    for (const std::string* s : dense_) copy->Add(*s);
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

bool SetObject::Add(std::string_view member) {
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
  auto [it, inserted] = index_.try_emplace(member, static_cast<uint32_t>(dense_.size()));
  if (inserted) dense_.push_back(&it->first);
  return inserted;
}

bool SetObject::Remove(std::string_view member) {
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
  RemoveDense(it->second);
  return true;
}

std::string_view SetObject::At(size_t i, char (&buf)[kIntBufferSize]) const {
  if (!big_) return FormatInt64(ints_[i], buf);
  return *dense_[i];
}

void SetObject::RemoveAt(size_t i) {
  if (!big_) {
    ints_.erase(ints_.begin() + static_cast<ptrdiff_t>(i));
    return;
  }
  RemoveDense(i);
}

void SetObject::RemoveDense(size_t i) {
  const std::string* victim = dense_[i];
  const size_t last = dense_.size() - 1;
  if (i != last) {
    dense_[i] = dense_[last];
    index_.find(*dense_[i])->second = static_cast<uint32_t>(i);
  }
  dense_.pop_back();
  index_.erase(index_.find(*victim));
}

void SetObject::ForEach(absl::FunctionRef<void(std::string_view)> fn) const {
  if (big_) {
    for (const std::string* s : dense_) fn(*s);
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
  for (int64_t v : ints_) {
    auto [it, inserted] = index_.try_emplace(FormatInt64(v, buf), static_cast<uint32_t>(dense_.size()));
    dense_.push_back(&it->first);
  }
  ints_.clear();
  ints_.shrink_to_fit();
}

}  // namespace stockd::engine
