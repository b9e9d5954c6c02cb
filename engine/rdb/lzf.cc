// engine/rdb/lzf.cc — see lzf.h. The format: 000LLLLL + L+1 literal octets;
// LLLooooo oooooooo, a back reference of L+2 octets at offset o+1; 111ooooo
// LLLLLLLL oooooooo, a back reference of L+9 octets.
#include "engine/rdb/lzf.h"

#include <cstdint>
#include <cstring>
#include <memory>

namespace stockd::engine::rdb {
namespace {

constexpr int kHlog = 16;
constexpr uint32_t kHsize = 1u << kHlog;
constexpr uint32_t kMaxLit = 1u << 5;
constexpr uint64_t kMaxOff = 1u << 13;
constexpr uint32_t kMaxRef = (1u << 8) + (1u << 3);

inline uint32_t First(const uint8_t* p) { return (uint32_t{p[0]} << 8) | p[1]; }
inline uint32_t Next(uint32_t v, const uint8_t* p) { return (v << 8) | p[2]; }
// VERY_FAST's hash over the unsigned int hval (its top byte included), as
// the liblzf redis-server links computes it: checked against
// /lib/x86_64-linux-gnu/liblzf.so.1 on inputs up to 20 KB with a zeroed table.
inline uint32_t Idx(uint32_t h) { return ((h >> (3 * 8 - kHlog)) - h * 5) & (kHsize - 1); }

}  // namespace

LzfCompressor::LzfCompressor() : table_(new uint32_t[kHsize]()) {}
LzfCompressor::~LzfCompressor() { delete[] table_; }

size_t LzfCompressor::Compress(std::string_view in_sv, char* out_data, size_t out_len) {
  const size_t in_len = in_sv.size();
  if (in_len == 0 || out_len == 0) return 0;
  // liblzf's LZF_HSLOT: 32-bit offsets from the input's start (0 never
  // matches: a reference must lie strictly after in_data). Slots left by an
  // earlier input are used as they are (see lzf.h).
  uint32_t* const htab = table_;
  const uint8_t* const in = reinterpret_cast<const uint8_t*>(in_sv.data());
  const uint8_t* ip = in;
  uint8_t* op = reinterpret_cast<uint8_t*>(out_data);
  uint8_t* const out_start = op;
  const uint8_t* const in_end = ip + in_len;
  uint8_t* const out_end = op + out_len;
  int lit = 0;
  ++op;  // start run
  // Lengths of 1 or 2 never enter the loop (ip < in_end - 2).
  uint32_t hval = in_len >= 2 ? First(ip) : 0;
  while (in_len > 2 && ip < in_end - 2) {
    hval = Next(hval, ip);
    uint32_t* hslot = &htab[Idx(hval)];
    const uint64_t slot = *hslot;
    *hslot = static_cast<uint32_t>(ip - in);
    // A stale offset may lie past this input: only one before ip can match.
    const uint8_t* ref = in + (slot < static_cast<uint64_t>(ip - in) ? slot : 0);
    uint64_t off;
    if (ref < ip && (off = static_cast<uint64_t>(ip - ref - 1)) < kMaxOff && ref > in && ref[2] == ip[2] &&
        ref[0] == ip[0] && ref[1] == ip[1]) {
      unsigned int len = 2;
      unsigned int maxlen = static_cast<unsigned int>(in_end - ip) - len;
      maxlen = maxlen > kMaxRef ? kMaxRef : maxlen;
      if (op + 3 + 1 >= out_end && op - !lit + 3 + 1 >= out_end) return 0;
      op[-lit - 1] = static_cast<uint8_t>(lit - 1);  // stop run
      op -= !lit;                                    // undo run if length is zero
      // liblzf's unrolled loop and this one stop at the same len.
      bool stopped = false;
      if (maxlen > 16) {
        for (int k = 0; k < 16; ++k) {
          ++len;
          if (ref[len] != ip[len]) {
            stopped = true;
            break;
          }
        }
      }
      if (!stopped) {
        do {
          ++len;
        } while (len < maxlen && ref[len] == ip[len]);
      }
      len -= 2;  // len is now #octets - 1
      ++ip;
      if (len < 7) {
        *op++ = static_cast<uint8_t>((off >> 8) + (len << 5));
      } else {
        *op++ = static_cast<uint8_t>((off >> 8) + (7 << 5));
        *op++ = static_cast<uint8_t>(len - 7);
      }
      *op++ = static_cast<uint8_t>(off);
      lit = 0;
      ++op;  // start run
      ip += len + 1;
      if (ip >= in_end - 2) break;
      // VERY_FAST: hash the last two positions of the match.
      ip -= 2;
      hval = First(ip);
      hval = Next(hval, ip);
      htab[Idx(hval)] = static_cast<uint32_t>(ip - in);
      ++ip;
      hval = Next(hval, ip);
      htab[Idx(hval)] = static_cast<uint32_t>(ip - in);
      ++ip;
    } else {
      if (op >= out_end) return 0;
      ++lit;
      *op++ = *ip++;
      if (lit == static_cast<int>(kMaxLit)) {
        op[-lit - 1] = static_cast<uint8_t>(lit - 1);
        lit = 0;
        ++op;
      }
    }
  }
  if (op + 3 > out_end) return 0;  // at most 3 bytes can be missing here
  while (ip < in_end) {
    ++lit;
    *op++ = *ip++;
    if (lit == static_cast<int>(kMaxLit)) {
      op[-lit - 1] = static_cast<uint8_t>(lit - 1);
      lit = 0;
      ++op;
    }
  }
  op[-lit - 1] = static_cast<uint8_t>(lit - 1);  // end run
  op -= !lit;
  return static_cast<size_t>(op - out_start);
}

bool LzfDecompress(std::string_view in_sv, char* out_data, size_t out_len) {
  const uint8_t* ip = reinterpret_cast<const uint8_t*>(in_sv.data());
  const uint8_t* const in_end = ip + in_sv.size();
  uint8_t* op = reinterpret_cast<uint8_t*>(out_data);
  uint8_t* const out_start = op;
  uint8_t* const out_end = op + out_len;
  while (ip < in_end) {
    unsigned int ctrl = *ip++;
    if (ctrl < (1 << 5)) {  // literal run
      ++ctrl;
      if (static_cast<size_t>(out_end - op) < ctrl || static_cast<size_t>(in_end - ip) < ctrl) return false;
      std::memcpy(op, ip, ctrl);
      op += ctrl;
      ip += ctrl;
    } else {  // back reference
      unsigned int len = ctrl >> 5;
      if (len == 7) {
        if (ip >= in_end) return false;
        len += *ip++;
      }
      if (ip >= in_end) return false;
      const size_t back = ((ctrl & 0x1f) << 8) + *ip++ + 1;
      len += 2;
      if (static_cast<size_t>(out_end - op) < len) return false;
      if (static_cast<size_t>(op - out_start) < back) return false;
      const uint8_t* ref = op - back;
      for (unsigned int i = 0; i < len; ++i) *op++ = *ref++;  // may overlap: byte by byte
    }
  }
  return op == out_end;
}

}  // namespace stockd::engine::rdb
