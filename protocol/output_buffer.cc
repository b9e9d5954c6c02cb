#include "protocol/output_buffer.h"

#include <algorithm>
#include <cassert>
#include <cstring>

namespace stockd::protocol {

OutputBuffer::Chunk OutputBuffer::NewChunk(size_t min_cap) {
  Chunk c;
  if (min_cap <= kChunkSize && spare_.owned) {
    c = std::move(spare_);
    spare_ = Chunk();
  } else {
    c.alloc = std::max(min_cap, kChunkSize);
    c.owned.reset(new char[c.alloc]);
    c.data = c.owned.get();
  }
  c.cap = c.alloc;
  c.begin = c.end = 0;
  return c;
}

void OutputBuffer::Recycle(Chunk& c) {
  if (c.owned && c.alloc == kChunkSize && !spare_.owned) {
    spare_ = std::move(c);
    c = Chunk();
  }
}

void OutputBuffer::Append(std::string_view bytes) {
  if (bytes.empty()) return;
  size_ += bytes.size();
  if (head_ < chunks_.size()) {
    Chunk& back = chunks_.back();
    size_t room = back.cap - back.end;
    if (bytes.size() <= room) {  // the common case: fits in the open chunk
      std::memcpy(back.data + back.end, bytes.data(), bytes.size());
      back.end += bytes.size();
      return;
    }
    // Fill the open chunk only for small appends; a large one gets its own
    // allocation so it is sent as one iovec.
    if (bytes.size() < kChunkSize && room > 0) {
      std::memcpy(back.data + back.end, bytes.data(), room);
      back.end += room;
      bytes.remove_prefix(room);
    }
  }
  Chunk c = NewChunk(bytes.size());
  std::memcpy(c.data, bytes.data(), bytes.size());
  c.end = bytes.size();
  chunks_.push_back(std::move(c));
}

OutputBuffer::Slot OutputBuffer::ReserveSlot() {
  if (head_ == chunks_.size() || chunks_.back().cap - chunks_.back().end < kSlotSize + 1) {
    chunks_.push_back(NewChunk(kChunkSize));
  }
  // Split the open chunk: [before | slot | after], all in its allocation,
  // which moves to the last window (the one consumed last).
  Chunk& open = chunks_.back();
  Chunk slot;
  slot.data = open.data;
  slot.begin = slot.end = slot.cap = open.end + kSlotSize;  // filled right-aligned later
  Chunk after;
  after.owned = std::move(open.owned);
  after.alloc = open.alloc;
  after.data = open.data;
  after.cap = open.cap;
  after.begin = after.end = open.end + kSlotSize;
  open.alloc = 0;
  open.cap = open.end;  // sealed
  chunks_.push_back(std::move(slot));
  chunks_.push_back(std::move(after));
  return Slot{base_seq_ + chunks_.size() - 2};
}

void OutputBuffer::FillSlot(Slot slot, std::string_view bytes) {
  assert(bytes.size() <= kSlotSize);
  assert(slot.chunk_seq >= base_seq_ + head_ && slot.chunk_seq < base_seq_ + chunks_.size());
  Chunk& c = chunks_[slot.chunk_seq - base_seq_];
  assert(c.begin == c.end);
  c.begin = c.end - bytes.size();
  std::memcpy(c.data + c.begin, bytes.data(), bytes.size());
  size_ += bytes.size();
}

int OutputBuffer::FillIovec(struct iovec* iov, int max_iov) const {
  int n = 0;
  for (size_t i = head_; i < chunks_.size() && n < max_iov; ++i) {
    const Chunk& c = chunks_[i];
    if (c.end == c.begin) continue;
    iov[n].iov_base = c.data + c.begin;
    iov[n].iov_len = c.end - c.begin;
    ++n;
  }
  return n;
}

void OutputBuffer::DropConsumedChunks() {
  if (head_ == 0) return;
  chunks_.erase(chunks_.begin(), chunks_.begin() + static_cast<ptrdiff_t>(head_));
  base_seq_ += head_;
  head_ = 0;
}

void OutputBuffer::Consume(size_t n) {
  assert(n <= size_);
  size_ -= n;
  while (n > 0) {
    Chunk& c = chunks_[head_];
    size_t avail = c.end - c.begin;
    if (n < avail) {
      c.begin += n;
      return;
    }
    n -= avail;
    Recycle(c);  // an allocation's owner is its last window: all others are sent
    ++head_;
  }
  if (size_ == 0) {
    // Everything sent: keep the open chunk's allocation as the spare.
    for (size_t i = head_; i < chunks_.size(); ++i) Recycle(chunks_[i]);
    base_seq_ += chunks_.size();
    chunks_.clear();
    head_ = 0;
  } else if (head_ >= 64 && head_ * 2 >= chunks_.size()) {
    DropConsumedChunks();
  }
}

void OutputBuffer::Clear() {
  for (size_t i = head_; i < chunks_.size(); ++i) Recycle(chunks_[i]);
  base_seq_ += chunks_.size();
  chunks_.clear();
  head_ = 0;
  size_ = 0;
}

std::string OutputBuffer::ToString() const {
  std::string s;
  s.reserve(size_);
  for (size_t i = head_; i < chunks_.size(); ++i) {
    s.append(chunks_[i].data + chunks_[i].begin, chunks_[i].end - chunks_[i].begin);
  }
  return s;
}

}  // namespace stockd::protocol
