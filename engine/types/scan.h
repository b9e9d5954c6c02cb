// engine/types/scan.h — HSCAN/SSCAN (and ZSCAN) over one collection: argument
// parsing with Redis's texts, and a cursor that survives rehashing.
//
// Contract:
//  * Small encodings (listpack, intset) are returned whole with cursor 0, as
//    Redis does (COUNT is only a hint and is ignored for them).
//  * Hashtable encodings: the cursor is a position in a fixed order — each
//    element's position is a hash of its bytes alone (ScanPosition), so no
//    insertion, deletion or rehash between calls moves an element across the
//    cursor. A call returns the elements with the COUNT smallest positions >=
//    cursor (ties included) and the next cursor; hence every element present
//    for the whole scan is returned exactly once. Cost O(n) per call.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

namespace stockd::engine {

class CommandContext;

struct ScanArgs {
  uint64_t cursor = 0;
  int64_t count = 10;
  std::optional<std::string_view> pattern;  // unset for "*" (matches everything)
};

// Parses argv[2] (cursor) and MATCH/COUNT options from argv[3..] as Redis's
// scanGenericCommand. On error replies it through ctx and returns false.
bool ParseScanArgs(CommandContext& ctx, ScanArgs* out);

// An element's position in scan order, in [1, 2^63].
uint64_t ScanPosition(std::string_view element);

// True when `element` passes the MATCH pattern.
bool ScanMatches(const ScanArgs& args, std::string_view element);

// Given candidates (position, item) with position >= cursor, keeps those with
// the `count` smallest positions (plus ties of the largest kept) sorted by
// position, and returns the next cursor (0 when none remain).
template <class T>
uint64_t SelectScanWindow(std::vector<std::pair<uint64_t, T>>& cands, int64_t count) {
  auto by_pos = [](const auto& a, const auto& b) { return a.first < b.first; };
  if (count < 1) count = 1;
  if (cands.size() <= static_cast<size_t>(count)) {
    std::sort(cands.begin(), cands.end(), by_pos);
    return 0;
  }
  auto nth = cands.begin() + (count - 1);
  std::nth_element(cands.begin(), nth, cands.end(), by_pos);
  const uint64_t threshold = nth->first;
  auto keep_end = std::partition(cands.begin(), cands.end(),
                                 [threshold](const auto& c) { return c.first <= threshold; });
  const bool more = keep_end != cands.end();
  cands.erase(keep_end, cands.end());
  std::sort(cands.begin(), cands.end(), by_pos);
  return more ? threshold + 1 : 0;
}

}  // namespace stockd::engine
