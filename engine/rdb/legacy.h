// engine/rdb/legacy.h — the other blobs RDB payloads carry: intset (sets of
// integers, still written by Redis 7.0), and the encodings only older Redis
// versions wrote and RESTORE must still read: ziplist (Redis 3.2–6.2 lists,
// hashes and zsets) and zipmap (hashes before 2.6).
//
// Contract: every parser validates the whole blob (sizes, bounds, Redis's
// deep-integrity rules: ziplist prevlen chain and tail offset, intset
// encoding and strict ascending order) and returns false on any
// inconsistency, never reading out of bounds. Elements are returned as
// Redis's clients see them (integers in decimal).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace stockd::engine::rdb {

// intset.c: encoding (2, 4 or 8, little endian u32), length (u32), values.
bool ParseIntset(std::string_view blob, std::vector<int64_t>* out);
// The intset of ascending, distinct values, in the narrowest encoding that
// holds them all (what intsetAdd gives for members added in any order).
std::string BuildIntset(const std::vector<int64_t>& ascending);

bool ParseZiplist(std::string_view blob, std::vector<std::string>* out);
// Field, value, field, value ...
bool ParseZipmap(std::string_view blob, std::vector<std::string>* out);

}  // namespace stockd::engine::rdb
