// engine/types/hash.cc — see hash.h.
#include "engine/types/hash.h"

#include <iterator>

namespace stockd::engine {
namespace {

size_t StringBytes(const std::string& s) {
  return sizeof(std::string) + (s.capacity() > 15 ? s.capacity() + 1 : 0);
}

}  // namespace

size_t HashObject::MemoryUsage() const {
  size_t bytes = sizeof(*this);
  if (big_) {
    for (const auto& [f, v] : map_) {
      bytes += sizeof(KeyString) + (f.is_inline() ? 0 : f.size() + 1) + StringBytes(v);
    }
    bytes += map_.capacity();  // control bytes
  } else {
    for (const auto& [f, v] : pairs_) bytes += StringBytes(f) + StringBytes(v);
  }
  return bytes;
}

std::unique_ptr<Object> HashObject::Clone() const {
  auto copy = std::make_unique<HashObject>();
  copy->big_ = big_;
  copy->pairs_ = pairs_;
  copy->map_ = map_;
  return copy;
}

const std::string* HashObject::Find(std::string_view field) const {
  if (big_) {
    auto it = map_.find(field);
    return it == map_.end() ? nullptr : &it->second;
  }
  for (const auto& [f, v] : pairs_) {
    if (f == field) return &v;
  }
  return nullptr;
}

std::string* HashObject::Find(std::string_view field) {
  return const_cast<std::string*>(static_cast<const HashObject*>(this)->Find(field));
}

void HashObject::PrepareFor(size_t field_len, size_t value_len) {
  if (!big_ && (field_len > kMaxListpackValue || value_len > kMaxListpackValue)) Convert();
}

bool HashObject::Set(std::string_view field, std::string_view value) {
  rows.Touch(field);
  PrepareFor(field.size(), value.size());
  if (big_) {
    auto [it, inserted] = map_.try_emplace(field);
    it->second.assign(value.data(), value.size());
    return inserted;
  }
  if (std::string* v = Find(field)) {
    v->assign(value.data(), value.size());
    return false;
  }
  pairs_.emplace_back(std::string(field), std::string(value));
  if (pairs_.size() > kMaxListpackEntries) Convert();
  return true;
}

bool HashObject::Erase(std::string_view field) {
  if (big_) {
    auto it = map_.find(field);
    if (it == map_.end()) return false;
    map_.erase(it);
    rows.Touch(field);
    return true;
  }
  for (auto it = pairs_.begin(); it != pairs_.end(); ++it) {
    if (it->first == field) {
      pairs_.erase(it);
      rows.Touch(field);
      return true;
    }
  }
  return false;
}

void HashObject::ForEachField(absl::FunctionRef<void(std::string_view, const std::string&)> fn) const {
  if (big_) {
    for (const auto& [f, v] : map_) fn(f.view(), v);
  } else {
    for (const auto& [f, v] : pairs_) fn(f, v);
  }
}

std::pair<std::string_view, const std::string*> HashObject::At(size_t i) const {
  if (!big_) return {pairs_[i].first, &pairs_[i].second};
  auto it = map_.begin();
  std::advance(it, static_cast<ptrdiff_t>(i));
  return {it->first.view(), &it->second};
}

void HashObject::Convert() {
  map_.reserve(pairs_.size() + 1);
  for (auto& [f, v] : pairs_) map_.try_emplace(std::string_view(f), std::move(v));
  pairs_.clear();
  pairs_.shrink_to_fit();
  big_ = true;
}

}  // namespace stockd::engine
