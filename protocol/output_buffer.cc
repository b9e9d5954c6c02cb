#include "protocol/output_buffer.h"

#include <algorithm>
#include <cassert>
#include <cstring>

namespace stockd::protocol {

OutputBuffer::Chunk OutputBuffer::NewChunk(size_t min_cap) {
  if (min_cap <= kChunkSize && spare_.data) {
    Chunk c = std::move(spare_);
    spare_ = Chunk();
    c.begin = c.end = 0;
    return c;
  }
  Chunk c;
  c.cap = std::max(min_cap, kChunkSize);
  c.data.reset(new char[c.cap]);
  return c;
}

void OutputBuffer::Append(std::string_view bytes) {
  if (bytes.empty()) return;
  size_ += bytes.size();
  if (head_ < chunks_.size()) {
    Chunk& back = chunks_.back();
    size_t room = back.cap - back.end;
    if (bytes.size() <= room) {  // the common case: fits in the open chunk
      std::memcpy(back.data.get() + back.end, bytes.data(), bytes.size());
      back.end += bytes.size();
      return;
    }
    // Fill the open chunk only for small appends; a large one gets its own
    // chunk so it is sent as one iovec.
    if (bytes.size() < kChunkSize && room > 0) {
      std::memcpy(back.data.get() + back.end, bytes.data(), room);
      back.end += room;
      bytes.remove_prefix(room);
    }
  }
  Chunk c = NewChunk(bytes.size());
  std::memcpy(c.data.get(), bytes.data(), bytes.size());
  c.end = bytes.size();
  chunks_.push_back(std::move(c));
}

int OutputBuffer::FillIovec(struct iovec* iov, int max_iov) const {
  int n = 0;
  for (size_t i = head_; i < chunks_.size() && n < max_iov; ++i) {
    const Chunk& c = chunks_[i];
    if (c.end == c.begin) continue;
    iov[n].iov_base = c.data.get() + c.begin;
    iov[n].iov_len = c.end - c.begin;
    ++n;
  }
  return n;
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
    if (c.cap == kChunkSize && !spare_.data) spare_ = std::move(c);
    ++head_;
  }
  // Drop dead chunk slots; a fully sent standard chunk went to spare_ above.
  if (size_ == 0 && head_ > 0) {
    if (head_ == chunks_.size()) {
      chunks_.clear();
    } else {
      chunks_.erase(chunks_.begin(), chunks_.begin() + static_cast<ptrdiff_t>(head_));
    }
    head_ = 0;
  } else if (head_ >= 64 && head_ * 2 >= chunks_.size()) {
    chunks_.erase(chunks_.begin(), chunks_.begin() + static_cast<ptrdiff_t>(head_));
    head_ = 0;
  }
}

void OutputBuffer::Clear() {
  for (size_t i = head_; i < chunks_.size(); ++i) {
    if (chunks_[i].cap == kChunkSize && !spare_.data) spare_ = std::move(chunks_[i]);
  }
  chunks_.clear();
  head_ = 0;
  size_ = 0;
}

std::string OutputBuffer::ToString() const {
  std::string s;
  s.reserve(size_);
  for (size_t i = head_; i < chunks_.size(); ++i) {
    s.append(chunks_[i].data.get() + chunks_[i].begin, chunks_[i].end - chunks_[i].begin);
  }
  return s;
}

}  // namespace stockd::protocol
