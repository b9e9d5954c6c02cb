// engine/rdb/listpack.h — Redis's listpack (listpack.c), the blob inside
// every small hash, small zset, quicklist node and stream node of a DUMP.
//
// Contract:
//  * ListpackBuilder appends elements exactly as lpAppend does: a string that
//    is the canonical decimal form of an int64 (lpStringToInt64 = string2ll)
//    is stored as the smallest integer encoding, anything else with a 6, 12
//    or 32-bit length; each element is followed by its back-length. Finish()
//    writes the header (total bytes, element count saturated at 65535) and
//    the 0xFF terminator, so equal element sequences give redis-server's
//    bytes.
//  * ParseListpack validates the whole blob (Redis's deep
//    lpValidateIntegrity: header total equals the blob size, every encoding
//    within bounds, every back-length consistent, the terminator last, the
//    count matching the header unless saturated) before handing out any
//    element; on failure it returns false and the output is unspecified.
//    Views point into the blob.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace stockd::engine::rdb {

struct LpEntry {
  bool is_int = false;
  int64_t ival = 0;
  std::string_view str;  // when !is_int
  // The element as Redis returns it to a client: an integer in decimal.
  std::string ToString() const { return is_int ? std::to_string(ival) : std::string(str); }
};

class ListpackBuilder {
 public:
  ListpackBuilder();
  void AppendString(std::string_view s);
  void AppendInt(int64_t v);
  size_t count() const { return count_; }
  // Bytes the listpack has now, header and terminator included (lpBytes).
  size_t bytes() const { return body_.size() + 1; }
  std::string Finish();

 private:
  void AppendEncoded(const char* enc, size_t len);
  std::string body_;  // header placeholder + elements
  size_t count_ = 0;
};

bool ParseListpack(std::string_view lp, std::vector<LpEntry>* out);

}  // namespace stockd::engine::rdb
