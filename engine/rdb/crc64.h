// engine/rdb/crc64.h — Redis's CRC64 (crc64.c): the Jones polynomial
// 0xad93d23594c935a9, reflected input and output, initial value 0, no final
// xor ("123456789" → 0xe9c6d914c4b8d9ca). A DUMP payload ends with the CRC64
// of everything before it, as 8 little-endian bytes.
#pragma once

#include <cstdint>
#include <string_view>

namespace stockd::engine::rdb {

// Continues `crc` over bytes (start with 0).
uint64_t Crc64(uint64_t crc, std::string_view bytes);

}  // namespace stockd::engine::rdb
