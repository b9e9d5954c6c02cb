// protocol/output_buffer.h — the bytes a connection has yet to send.
//
// Contract:
//  * Append() copies bytes to the end; bytes already appended never move, so a
//    writev() in flight over FillIovec()'s iovecs stays valid while more replies
//    are appended (single-threaded use: the owning connection fiber only).
//  * FillIovec() exposes the pending bytes, in order, as at most `max_iov`
//    iovecs (the rest stays pending for the next call).
//  * Consume(n) drops the first n pending bytes after a (possibly partial)
//    write; REQUIRES n <= size(). Fully sent chunks are recycled (one spare is
//    kept), so a steady request/reply loop allocates nothing.
//  * Not thread-safe; owned by one connection.
//
// Layout: a list of fixed-size chunks (16 KiB). An append larger than a chunk
// gets a chunk of its own size, so a large bulk is copied once and sent as one
// iovec.
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace stockd::protocol {

class OutputBuffer {
 public:
  static constexpr size_t kChunkSize = 16 * 1024;

  OutputBuffer() = default;
  OutputBuffer(const OutputBuffer&) = delete;
  OutputBuffer& operator=(const OutputBuffer&) = delete;
  OutputBuffer(OutputBuffer&&) = default;
  OutputBuffer& operator=(OutputBuffer&&) = default;

  void Append(std::string_view bytes);
  // Appends one byte; the hot path for type prefixes.
  void Append(char c) { Append(std::string_view(&c, 1)); }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  // Fills up to max_iov iovecs with the pending bytes, in order; returns how
  // many were filled (0 when empty).
  int FillIovec(struct iovec* iov, int max_iov) const;

  // Drops the first n pending bytes. REQUIRES: n <= size().
  void Consume(size_t n);

  // Drops everything pending.
  void Clear();

  // Copies the pending bytes into one string (tests, debugging).
  std::string ToString() const;

 private:
  struct Chunk {
    size_t cap = 0;
    size_t begin = 0;  // first unsent byte
    size_t end = 0;    // one past the last appended byte
    std::unique_ptr<char[]> data;
  };
  Chunk NewChunk(size_t min_cap);

  std::vector<Chunk> chunks_;  // front = oldest; only the back is appended to
  size_t head_ = 0;            // index of the first live chunk in chunks_
  size_t size_ = 0;            // pending bytes
  Chunk spare_;                // a recycled standard chunk (cap == kChunkSize)
};

}  // namespace stockd::protocol
