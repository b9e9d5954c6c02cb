// engine/rdb/crc64.cc — see crc64.h. A byte-at-a-time table over the
// reflected polynomial: DUMP payloads are small enough that Redis's
// 8-table "crcspeed" variant would buy nothing here.
#include "engine/rdb/crc64.h"

#include <array>

namespace stockd::engine::rdb {
namespace {

// 0xad93d23594c935a9 with its 64 bits reversed.
constexpr uint64_t kReflectedPoly = 0x95ac9329ac4bc9b5ULL;

constexpr std::array<uint64_t, 256> MakeTable() {
  std::array<uint64_t, 256> t{};
  for (uint64_t i = 0; i < 256; ++i) {
    uint64_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ kReflectedPoly : c >> 1;
    t[i] = c;
  }
  return t;
}
constexpr std::array<uint64_t, 256> kTable = MakeTable();

}  // namespace

uint64_t Crc64(uint64_t crc, std::string_view bytes) {
  for (unsigned char b : bytes) crc = kTable[(crc ^ b) & 0xff] ^ (crc >> 8);
  return crc;
}

}  // namespace stockd::engine::rdb
