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
//  * ReserveSlot()/FillSlot() leave a hole of up to kSlotSize bytes to be
//    filled later (an aggregate header whose length is known only after its
//    elements were written, Redis's addReplyDeferredLen). REQUIRES: every slot
//    is filled before FillIovec() is called; an unfilled slot counts as empty.
//  * Not thread-safe; owned by one connection.
//
// Layout: a list of chunks, each a window [begin, end) of a 16 KiB allocation
// (an append larger than that gets an allocation of its own size, so a large
// bulk is copied once and sent as one iovec). A slot splits the open chunk in
// three windows of the same allocation: before, the slot, after.
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace stockd::protocol {

class OutputBuffer {
 public:
  static constexpr size_t kChunkSize = 16 * 1024;
  static constexpr size_t kSlotSize = 24;  // "*" + 20 digits + "\r\n" fits

  // Names a reserved slot; valid until the slot is filled.
  struct Slot {
    uint64_t chunk_seq = 0;
  };

  OutputBuffer() = default;
  OutputBuffer(const OutputBuffer&) = delete;
  OutputBuffer& operator=(const OutputBuffer&) = delete;
  OutputBuffer(OutputBuffer&&) = default;
  OutputBuffer& operator=(OutputBuffer&&) = default;

  void Append(std::string_view bytes);
  // Appends one byte; the hot path for type prefixes.
  void Append(char c) { Append(std::string_view(&c, 1)); }

  // Reserves a slot at the current end; later appends go after it.
  Slot ReserveSlot();
  // Fills the slot. REQUIRES: bytes.size() <= kSlotSize; the slot not filled yet.
  void FillSlot(Slot slot, std::string_view bytes);

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  // Fills up to max_iov iovecs with the pending bytes, in order; returns how
  // many were filled (0 when empty).
  int FillIovec(struct iovec* iov, int max_iov) const;

  // Drops the first n pending bytes. REQUIRES: n <= size().
  void Consume(size_t n);

  // Drops everything pending (including unfilled slots).
  void Clear();

  // Copies the pending bytes into one string (tests, debugging).
  std::string ToString() const;

 private:
  struct Chunk {
    std::unique_ptr<char[]> owned;  // null for a window into a later chunk's allocation
    char* data = nullptr;
    size_t alloc = 0;  // size of `owned`
    size_t cap = 0;    // appends may extend `end` up to cap; cap == end when sealed
    size_t begin = 0;  // first unsent byte
    size_t end = 0;    // one past the last appended byte
  };
  Chunk NewChunk(size_t min_cap);
  void Recycle(Chunk& c);
  void DropConsumedChunks();

  std::vector<Chunk> chunks_;  // front = oldest; only the back is appended to
  size_t head_ = 0;            // index of the first live chunk in chunks_
  uint64_t base_seq_ = 0;      // sequence number of chunks_[0]
  size_t size_ = 0;            // pending bytes
  Chunk spare_;                // a recycled standard allocation
};

}  // namespace stockd::protocol
