// engine/types/list.cc — see list.h.
#include "engine/types/list.h"

#include "engine/types/rows.h"

namespace stockd::engine {

namespace {
// LSET positions remembered one by one; past this many, one whole write.
constexpr size_t kMaxSetPositions = 256;
}  // namespace

ListObject::ListObject() { rows.id = NewRowsId(); }

size_t ListObject::MemoryUsage() const {
  size_t bytes = sizeof(*this);
  for (const std::string& s : items_) {
    bytes += sizeof(std::string) + (s.capacity() > 15 ? s.capacity() + 1 : 0);
  }
  return bytes;
}

std::unique_ptr<Object> ListObject::Clone() const {
  auto copy = std::make_unique<ListObject>();  // a new id, written whole
  copy->items_ = items_;
  return copy;
}

void ListObject::Touch(int64_t pos, bool front) {
  Changes* c = rows.changes.get();
  if (c == nullptr) return;
  int64_t& lo = front ? c->head_lo : c->tail_lo;
  int64_t& hi = front ? c->head_hi : c->tail_hi;
  if (lo >= hi) {
    lo = pos;
    hi = pos + 1;
    return;
  }
  if (pos < lo) lo = pos;
  if (pos + 1 > hi) hi = pos + 1;
}

void ListObject::PushFront(std::string_view v) {
  items_.emplace_front(v);
  --rows.head_pos;
  Touch(rows.head_pos, true);
}

void ListObject::PushBack(std::string_view v) {
  items_.emplace_back(v);
  Touch(rows.head_pos + static_cast<int64_t>(items_.size()) - 1, false);
}

std::string ListObject::PopFront() {
  std::string v = std::move(items_.front());
  items_.pop_front();
  Touch(rows.head_pos, true);
  ++rows.head_pos;
  return v;
}

std::string ListObject::PopBack() {
  std::string v = std::move(items_.back());
  items_.pop_back();
  Touch(rows.head_pos + static_cast<int64_t>(items_.size()), false);
  return v;
}

void ListObject::Set(size_t i, std::string_view v) {
  items_[i].assign(v.data(), v.size());
  Changes* c = rows.changes.get();
  if (c == nullptr) return;
  if (c->set.size() >= kMaxSetPositions) {
    rows.SetWhole();
    return;
  }
  c->set.push_back(rows.head_pos + static_cast<int64_t>(i));
}

std::deque<std::string>& ListObject::Edit() {
  rows.SetWhole();
  return items_;
}

}  // namespace stockd::engine
