#include "protocol/request_encoder.h"

#include "absl/strings/str_cat.h"

namespace stockd::protocol {

void AppendCommand(std::string* out, absl::Span<const std::string_view> argv) {
  absl::StrAppend(out, "*", argv.size(), "\r\n");
  for (std::string_view a : argv) {
    absl::StrAppend(out, "$", a.size(), "\r\n");
    out->append(a);
    out->append("\r\n");
  }
}

}  // namespace stockd::protocol
