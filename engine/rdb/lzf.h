// engine/rdb/lzf.h — LZF, the compression of RDB strings (Redis's lzf_c.c /
// lzf_d.c; Debian's redis-server links the system liblzf 3.6).
//
// Contract:
//  * LzfCompressor::Compress is a port of liblzf 3.6's lzf_compress as
//    Debian's liblzf1 computes it (HLOG 16, VERY_FAST with its shift-and-
//    subtract hash, 32-bit hash slots holding offsets), so its output is byte for byte
//    redis-server's for the same input and the same hash table.
//  * The table: liblzf leaves it uninitialised on the stack (INIT_HTAB 0),
//    so a call sees the slots the previous call at the same stack depth left
//    — offsets into another input, which still produce matches when the bytes
//    there happen to agree. Within one DUMP, Redis compresses the nodes of a
//    list or stream one after the other from the same frame, so each sees
//    the previous one's table. A compressor object keeps its table across
//    calls the same way (zeroed when created): one per payload reproduces
//    Redis's bytes. (What the first compression of a DUMP inherits from
//    earlier commands in redis-server is unknowable; zeros match it whenever
//    the stale slots find no match, the common case.)
//  * Compress returns 0 when the result would not fit in out_len bytes
//    (Redis then stores the string verbatim).
//  * Decompress never reads or writes out of bounds and succeeds only when
//    the input decodes to exactly out_len bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace stockd::engine::rdb {

class LzfCompressor {
 public:
  LzfCompressor();
  ~LzfCompressor();
  LzfCompressor(const LzfCompressor&) = delete;
  LzfCompressor& operator=(const LzfCompressor&) = delete;
  size_t Compress(std::string_view in, char* out, size_t out_len);

 private:
  uint32_t* table_;  // 1 << 16 slots
};

bool LzfDecompress(std::string_view in, char* out, size_t out_len);

}  // namespace stockd::engine::rdb
