// protocol/input_buffer.h — the bytes read from a connection, not yet parsed.
//
// Layout: one contiguous growable array  [consumed | unparsed | free].
//   data()/size() view the unparsed bytes; the Parser consumes from the front.
//
// Contract (read loop of a connection):
//     std::span<char> w = in.WritableSpace(16 * 1024);  // may move bytes
//     ssize_t n = read(fd, w.data(), w.size());
//     in.Commit(n);
//     while (parser.Next(in, &argv) == Parser::Result::kCommand) Execute(argv);
//  * Views handed out (Parser's argv) point into this buffer and stay valid
//    until the next WritableSpace() or Compact(): those are the only calls
//    that move or free bytes. Commit() and Consume() never move bytes.
//  * WritableSpace(min_free) returns at least min_free writable bytes after
//    the committed ones. It first drops consumed bytes (compaction moves only
//    the unparsed tail, which is short in the common case), and grows
//    geometrically otherwise, so total copying is linear in the bytes read.
//    When the parser announced a large bulk (ExpectContiguous) it grows
//    towards that size at most by doubling, so a client that claims a 512 MB
//    bulk but sends nothing makes us allocate nothing up front.
//  * After a large command is consumed, Compact()/WritableSpace() shrink the
//    array back to its initial capacity.
//  * Not thread-safe; owned by one connection.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string_view>

namespace stockd::protocol {

class InputBuffer {
 public:
  static constexpr size_t kInitialCapacity = 16 * 1024;
  // Above this capacity, an emptied buffer is shrunk back to kInitialCapacity.
  static constexpr size_t kShrinkAbove = 256 * 1024;

  InputBuffer() = default;
  InputBuffer(const InputBuffer&) = delete;
  InputBuffer& operator=(const InputBuffer&) = delete;

  // Space for the next read: at least min_free bytes (more when a large bulk
  // is expected). Invalidates every view into the buffer.
  std::span<char> WritableSpace(size_t min_free);
  // Marks n bytes written into the last WritableSpace() as readable input.
  // REQUIRES: n <= the size of the span WritableSpace() returned.
  void Commit(size_t n);
  // Convenience for tests and in-process callers: copies bytes in.
  void Append(std::string_view bytes);

  // Drops consumed bytes, moving the unparsed ones to the front (and shrinks
  // an oversized, now mostly empty array). Invalidates every view.
  void Compact();

  // The unparsed bytes.
  const char* data() const { return buf_.get() + begin_; }
  char* mutable_data() { return buf_.get() + begin_; }
  size_t size() const { return end_ - begin_; }
  bool empty() const { return end_ == begin_; }
  size_t capacity() const { return cap_; }

  // Marks the first n unparsed bytes as consumed. Never moves bytes.
  // REQUIRES: n <= size(). Called by the Parser.
  void Consume(size_t n);

  // Parser hint: the command in progress needs `total` unparsed bytes in one
  // piece (counted from data()); WritableSpace() will grow towards it.
  void ExpectContiguous(size_t total) { expect_ = total; }

 private:
  void Reallocate(size_t new_cap);

  std::unique_ptr<char[]> buf_;
  size_t cap_ = 0;
  size_t begin_ = 0;   // first unparsed byte
  size_t end_ = 0;     // one past the last committed byte
  size_t expect_ = 0;  // see ExpectContiguous()
};

}  // namespace stockd::protocol
