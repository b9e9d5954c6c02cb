#include "protocol/input_buffer.h"

#include <algorithm>
#include <cassert>
#include <cstring>

namespace stockd::protocol {

void InputBuffer::Reallocate(size_t new_cap) {
  std::unique_ptr<char[]> nb(new char[new_cap]);
  size_t n = size();
  if (n > 0) std::memcpy(nb.get(), buf_.get() + begin_, n);
  buf_ = std::move(nb);
  cap_ = new_cap;
  begin_ = 0;
  end_ = n;
}

std::span<char> InputBuffer::WritableSpace(size_t min_free) {
  if (!buf_) Reallocate(kInitialCapacity);  // never hand out a null span
  size_t n = size();
  if (n == 0) {
    begin_ = end_ = 0;  // nothing to keep: free the whole array for this read
    if (cap_ > kShrinkAbove) Reallocate(kInitialCapacity);
  }
  // Room the command in progress asks for beyond the bytes held, but never
  // more than we hold: a claimed bulk length costs memory only as its bytes
  // arrive (memory <= ~2x the bytes received).
  size_t extra = expect_ > n ? expect_ - n : 0;
  size_t want = std::max(min_free, std::min(extra, n));
  if (cap_ - end_ >= want) return std::span<char>(buf_.get() + end_, cap_ - end_);
  if (begin_ > 0 && cap_ - n >= want) {
    Compact();
  } else {
    // Grow geometrically (linear total copying), but not past the announced
    // size, so a 512 MiB bulk ends in a ~512 MiB array, not 1 GiB.
    size_t new_cap = std::max(n + want, std::max(kInitialCapacity, cap_ * 2));
    if (extra > 0) new_cap = std::max(n + want, std::min(new_cap, n + std::max(extra, min_free)));
    Reallocate(new_cap);
  }
  return std::span<char>(buf_.get() + end_, cap_ - end_);
}

void InputBuffer::Commit(size_t n) {
  assert(end_ + n <= cap_);
  end_ += n;
}

void InputBuffer::Append(std::string_view bytes) {
  std::span<char> w = WritableSpace(bytes.size());
  std::memcpy(w.data(), bytes.data(), bytes.size());
  Commit(bytes.size());
}

void InputBuffer::Consume(size_t n) {
  assert(n <= size());
  begin_ += n;
  expect_ = 0;  // the command it described is complete
}

void InputBuffer::Compact() {
  size_t n = size();
  if (cap_ > kShrinkAbove && n < kInitialCapacity / 2 && expect_ <= n) {
    Reallocate(kInitialCapacity);  // a large command is gone: give memory back
    return;
  }
  if (begin_ == 0) return;
  if (n > 0) std::memmove(buf_.get(), buf_.get() + begin_, n);
  begin_ = 0;
  end_ = n;
}

}  // namespace stockd::protocol
