// bench/flashsale/outcome.cc — see outcome.h.
#include "bench/flashsale/outcome.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace stockd::bench {

ClassifiedReply ClassifyBuyReply(const protocol::Reply& r) {
  using protocol::ReplyType;
  ClassifiedReply c;
  if (r.is_error()) {
    absl::string_view msg = r.str;
    if (absl::StartsWith(msg, "SOLDOUT")) {
      c.outcome = BuyOutcome::kSoldOut;
    } else if (absl::StartsWith(msg, "LIMIT")) {
      c.outcome = BuyOutcome::kLimit;
    } else if (absl::StartsWith(msg, "BUSY")) {
      c.outcome = BuyOutcome::kBusy;
    }
    return c;
  }
  if (r.type != ReplyType::kArray || r.elements.size() != 2) return c;
  const protocol::Reply& id = r.elements[0];
  const protocol::Reply& remaining = r.elements[1];
  if (remaining.type != ReplyType::kInteger) return c;
  if (id.type == ReplyType::kBulk && !id.str.empty()) {
    c.order_id = id.str;
  } else if (id.type == ReplyType::kInteger) {
    c.order_id = absl::StrCat(id.integer);
  } else {
    return c;
  }
  c.remaining = remaining.integer;
  c.outcome = BuyOutcome::kBought;
  return c;
}

std::string CompactLua(std::string_view script) {
  std::string out;
  for (absl::string_view line : absl::StrSplit(absl::string_view(script.data(), script.size()), '\n')) {
    absl::string_view code = absl::StripAsciiWhitespace(line);
    if (code.empty() || absl::StartsWith(code, "--")) continue;
    if (!out.empty()) out += ' ';
    out.append(code.data(), code.size());
  }
  return out;
}

}  // namespace stockd::bench
