// bench/flashsale/resp_conn.h — a minimal RESP client on stockd's runtime: one
// runtime::Conn, commands encoded as RESP arrays of bulk strings, replies decoded by
// protocol::ReplyDecoder.
//
// Contract:
//  * Call() sends one command and parks the calling fiber until its reply arrives;
//    Pipeline() sends many in one write and then reads their replies in order.
//  * An error REPLY (-ERR, -SOLDOUT, ...) is a successful call: a Reply with
//    is_error(). A Status error means the connection is unusable afterwards: an I/O
//    error, the peer closing, a deadline passing (DeadlineExceeded) or a malformed
//    reply (DataLoss) — and for a write command, its outcome is then unknown.
//  * One fiber at a time may use a RespConn (it is a request/response pipe); it is
//    not thread-safe. Destroy it before the Runtime it was dialed on.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "protocol/reply_decoder.h"
#include "runtime/net.h"

namespace stockd::bench {

// Appends `args` to *out as a RESP array of bulk strings (the request form every
// Redis-compatible server accepts).
void AppendCommand(std::string* out, const std::vector<std::string>& args);

class RespConn {
 public:
  // Connects with TCP_NODELAY. REQUIRES: on a fiber.
  static absl::StatusOr<std::unique_ptr<RespConn>> Dial(const std::string& host, uint16_t port,
                                                        absl::Time deadline);

  absl::StatusOr<protocol::Reply> Call(const std::vector<std::string>& args,
                                       absl::Time deadline = absl::InfiniteFuture());
  absl::StatusOr<std::vector<protocol::Reply>> Pipeline(
      const std::vector<std::vector<std::string>>& commands,
      absl::Time deadline = absl::InfiniteFuture());

  void Close() { conn_->Close(); }

 private:
  explicit RespConn(std::unique_ptr<runtime::Conn> conn) : conn_(std::move(conn)) {}
  absl::Status ReadReply(protocol::Reply* out, absl::Time deadline);

  std::unique_ptr<runtime::Conn> conn_;
  protocol::ReplyDecoder decoder_;
  std::string out_;  // the encoded request, reused
  std::vector<char> in_ = std::vector<char>(16 * 1024);
};

// Helpers for reading replies.
// The integer in an integer reply or in a bulk/simple string holding one.
absl::StatusOr<int64_t> ReplyInt(const protocol::Reply& r);
// The text of a bulk/simple string, or an integer's decimal form.
absl::StatusOr<std::string> ReplyText(const protocol::Reply& r);

}  // namespace stockd::bench
