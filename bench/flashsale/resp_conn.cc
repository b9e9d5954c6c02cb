// bench/flashsale/resp_conn.cc — see resp_conn.h.
#include "bench/flashsale/resp_conn.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace stockd::bench {

void AppendCommand(std::string* out, const std::vector<std::string>& args) {
  absl::StrAppend(out, "*", args.size(), "\r\n");
  for (const std::string& a : args) absl::StrAppend(out, "$", a.size(), "\r\n", a, "\r\n");
}

absl::StatusOr<std::unique_ptr<RespConn>> RespConn::Dial(const std::string& host, uint16_t port,
                                                         absl::Time deadline) {
  auto conn = runtime::Dial(host, port, deadline);
  if (!conn.ok()) return conn.status();
  // Requests are small and each waits for its reply: Nagle would add 40 ms stalls.
  if (auto s = (*conn)->SetNoDelay(true); !s.ok()) return s;
  return std::unique_ptr<RespConn>(new RespConn(std::move(*conn)));
}

absl::Status RespConn::ReadReply(protocol::Reply* out, absl::Time deadline) {
  for (;;) {
    switch (decoder_.Next(out)) {
      case protocol::ReplyDecoder::Result::kReply:
        return absl::OkStatus();
      case protocol::ReplyDecoder::Result::kError:
        return absl::DataLossError(absl::StrCat("malformed reply: ", std::string(decoder_.error())));
      case protocol::ReplyDecoder::Result::kNeedMore:
        break;
    }
    auto n = conn_->Read(in_.data(), in_.size(), deadline);
    if (!n.ok()) return n.status();
    if (*n == 0) return absl::UnavailableError("the server closed the connection");
    decoder_.Feed(std::string_view(in_.data(), *n));
  }
}

absl::StatusOr<protocol::Reply> RespConn::Call(const std::vector<std::string>& args,
                                               absl::Time deadline) {
  out_.clear();
  AppendCommand(&out_, args);
  if (auto s = conn_->Write(out_, deadline); !s.ok()) return s;
  protocol::Reply reply;
  if (auto s = ReadReply(&reply, deadline); !s.ok()) return s;
  return reply;
}

absl::StatusOr<std::vector<protocol::Reply>> RespConn::Pipeline(
    const std::vector<std::vector<std::string>>& commands, absl::Time deadline) {
  out_.clear();
  for (const auto& c : commands) AppendCommand(&out_, c);
  if (auto s = conn_->Write(out_, deadline); !s.ok()) return s;
  std::vector<protocol::Reply> replies(commands.size());
  for (auto& r : replies) {
    if (auto s = ReadReply(&r, deadline); !s.ok()) return s;
  }
  return replies;
}

absl::StatusOr<int64_t> ReplyInt(const protocol::Reply& r) {
  using protocol::ReplyType;
  if (r.type == ReplyType::kInteger) return r.integer;
  int64_t v;
  if ((r.type == ReplyType::kBulk || r.type == ReplyType::kSimpleString) && absl::SimpleAtoi(r.str, &v)) {
    return v;
  }
  return absl::InvalidArgumentError(absl::StrCat("not an integer reply: ", protocol::ToString(r)));
}

absl::StatusOr<std::string> ReplyText(const protocol::Reply& r) {
  using protocol::ReplyType;
  if (r.type == ReplyType::kBulk || r.type == ReplyType::kSimpleString) return r.str;
  if (r.type == ReplyType::kInteger) return absl::StrCat(r.integer);
  return absl::InvalidArgumentError(absl::StrCat("not a string reply: ", protocol::ToString(r)));
}

}  // namespace stockd::bench
