#include "protocol/reply_decoder.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "protocol/number.h"

namespace stockd::protocol {

std::string_view ReplyTypeName(ReplyType t) {
  switch (t) {
    case ReplyType::kSimpleString: return "simple-string";
    case ReplyType::kError: return "error";
    case ReplyType::kInteger: return "integer";
    case ReplyType::kBulk: return "bulk";
    case ReplyType::kNull: return "null";
    case ReplyType::kArray: return "array";
    case ReplyType::kMap: return "map";
    case ReplyType::kSet: return "set";
    case ReplyType::kPush: return "push";
    case ReplyType::kDouble: return "double";
    case ReplyType::kBoolean: return "boolean";
    case ReplyType::kBigNumber: return "big-number";
    case ReplyType::kVerbatim: return "verbatim";
    case ReplyType::kBlobError: return "blob-error";
  }
  return "?";
}

namespace {

void AppendQuoted(std::string* out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      default:
        if (c >= 0x20 && c < 0x7f) {
          out->push_back(static_cast<char>(c));
        } else {
          out->append("\\x");
          out->push_back(kHex[c >> 4]);
          out->push_back(kHex[c & 15]);
        }
    }
  }
  out->push_back('"');
}

void AppendReply(std::string* out, const Reply& r) {
  if (!r.attributes.empty()) {
    out->append("|{");
    for (size_t i = 0; i + 1 < r.attributes.size(); i += 2) {
      if (i > 0) out->append(", ");
      AppendReply(out, r.attributes[i]);
      out->append(" => ");
      AppendReply(out, r.attributes[i + 1]);
    }
    out->append("} ");
  }
  switch (r.type) {
    case ReplyType::kSimpleString: out->append(r.str); break;
    case ReplyType::kError: absl::StrAppend(out, "(error) ", r.str); break;
    case ReplyType::kInteger: absl::StrAppend(out, r.integer); break;
    case ReplyType::kBulk: AppendQuoted(out, r.str); break;
    case ReplyType::kNull: out->append("nil"); break;
    case ReplyType::kDouble: absl::StrAppend(out, "(double) ", r.str); break;
    case ReplyType::kBoolean: out->append(r.integer ? "true" : "false"); break;
    case ReplyType::kBigNumber: absl::StrAppend(out, "(big) ", r.str); break;
    case ReplyType::kVerbatim:
      absl::StrAppend(out, "(", r.format, ") ");
      AppendQuoted(out, r.str);
      break;
    case ReplyType::kBlobError:
      out->append("(blob error) ");
      AppendQuoted(out, r.str);
      break;
    case ReplyType::kMap:
      out->push_back('{');
      for (size_t i = 0; i + 1 < r.elements.size(); i += 2) {
        if (i > 0) out->append(", ");
        AppendReply(out, r.elements[i]);
        out->append(" => ");
        AppendReply(out, r.elements[i + 1]);
      }
      out->push_back('}');
      break;
    case ReplyType::kArray:
    case ReplyType::kSet:
    case ReplyType::kPush:
      if (r.type == ReplyType::kSet) out->push_back('~');
      if (r.type == ReplyType::kPush) out->push_back('>');
      out->push_back('[');
      for (size_t i = 0; i < r.elements.size(); ++i) {
        if (i > 0) out->append(", ");
        AppendReply(out, r.elements[i]);
      }
      out->push_back(']');
      break;
  }
}

bool ParseDouble(std::string_view text, double* out) {
  if (text.empty() || text.size() > 400) return false;
  std::string s(text);
  char* end = nullptr;
  *out = std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size();
}

bool IsBigNumber(std::string_view s) {
  if (!s.empty() && s[0] == '-') s.remove_prefix(1);
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

std::string ToString(const Reply& r) {
  std::string s;
  AppendReply(&s, r);
  return s;
}

void ReplyDecoder::Feed(std::string_view bytes) {
  // Drop decoded bytes once they are the larger part of the buffer.
  if (pos_ > 0 && (pos_ == buf_.size() || (pos_ >= 4096 && pos_ * 2 >= buf_.size()))) {
    buf_.erase(0, pos_);
    scan_ -= std::min(scan_, pos_);
    pos_ = 0;
  }
  buf_.append(bytes);
}

ReplyDecoder::Result ReplyDecoder::Fail(std::string msg) {
  failed_ = true;
  error_ = std::move(msg);
  return Result::kError;
}

ReplyDecoder::Step ReplyDecoder::DecodeElement(Reply* out, int64_t* aggregate_len, bool* is_attribute) {
  *aggregate_len = -1;
  *is_attribute = false;
  if (pos_ >= buf_.size()) return Step::kNeedMore;
  const char* base = buf_.data();
  size_t from = std::max(scan_, pos_);
  const void* nl_ptr = from < buf_.size() ? std::memchr(base + from, '\n', buf_.size() - from) : nullptr;
  if (nl_ptr == nullptr) {
    scan_ = buf_.size();
    return Step::kNeedMore;
  }
  size_t nl = static_cast<size_t>(static_cast<const char*>(nl_ptr) - base);
  scan_ = nl;
  auto fail = [this](std::string msg) {
    Fail(std::move(msg));
    return Step::kError;
  };
  if (nl == pos_ || base[nl - 1] != '\r') return fail("line not terminated by CRLF");
  if (nl == pos_ + 1) return fail("unknown reply type byte 0x0d");  // "\r\n" has no type byte
  const char type = base[pos_];
  std::string_view line(base + pos_ + 1, nl - 1 - (pos_ + 1));
  if (line.find('\r') != std::string_view::npos) return fail("CR inside a line");
  size_t next = nl + 1;
  switch (type) {
    case '+':
      out->type = ReplyType::kSimpleString;
      out->str.assign(line);
      break;
    case '-':
      out->type = ReplyType::kError;
      out->str.assign(line);
      break;
    case ':':
      out->type = ReplyType::kInteger;
      if (!StringToInt64(line, &out->integer)) return fail("invalid integer");
      break;
    case ',':
      out->type = ReplyType::kDouble;
      out->str.assign(line);
      if (!ParseDouble(line, &out->dbl)) return fail("invalid double");
      break;
    case '#':
      out->type = ReplyType::kBoolean;
      if (line != "t" && line != "f") return fail("invalid boolean");
      out->integer = line == "t";
      break;
    case '(':
      out->type = ReplyType::kBigNumber;
      if (!IsBigNumber(line)) return fail("invalid big number");
      out->str.assign(line);
      break;
    case '_':
      if (!line.empty()) return fail("invalid null");
      out->type = ReplyType::kNull;
      out->null_prefix = '_';
      break;
    case '$':
    case '=':
    case '!': {
      if (line == "?") return fail("streamed RESP3 types are not supported");
      int64_t len;
      if (!StringToInt64(line, &len)) return fail("invalid bulk length");
      if (type == '$' && len == -1) {
        out->type = ReplyType::kNull;
        out->null_prefix = '$';
        break;
      }
      if (len < 0 || len > limits_.max_bulk_len) return fail("invalid bulk length");
      size_t n = static_cast<size_t>(len);
      if (buf_.size() - next < n + 2) return Step::kNeedMore;
      if (base[next + n] != '\r' || base[next + n + 1] != '\n') return fail("bulk not terminated by CRLF");
      std::string_view data(base + next, n);
      if (type == '$') {
        out->type = ReplyType::kBulk;
        out->str.assign(data);
      } else if (type == '!') {
        out->type = ReplyType::kBlobError;
        out->str.assign(data);
      } else {
        if (n < 4 || data[3] != ':') return fail("invalid verbatim string");
        out->type = ReplyType::kVerbatim;
        out->format.assign(data.substr(0, 3));
        out->str.assign(data.substr(4));
      }
      next += n + 2;
      break;
    }
    case '*':
    case '%':
    case '~':
    case '>':
    case '|': {
      if (line == "?") return fail("streamed RESP3 types are not supported");
      int64_t count;
      if (!StringToInt64(line, &count)) return fail("invalid aggregate length");
      if (type == '*' && count == -1) {
        out->type = ReplyType::kNull;
        out->null_prefix = '*';
        break;
      }
      if (count < 0 || count > limits_.max_elements) return fail("invalid aggregate length");
      bool pairs = type == '%' || type == '|';
      out->type = type == '*'   ? ReplyType::kArray
                  : type == '~' ? ReplyType::kSet
                  : type == '>' ? ReplyType::kPush
                                : ReplyType::kMap;
      *aggregate_len = pairs ? count * 2 : count;
      *is_attribute = type == '|';
      break;
    }
    default:
      return fail(absl::StrCat("unknown reply type byte 0x",
                               absl::Hex(static_cast<unsigned char>(type), absl::kZeroPad2)));
  }
  pos_ = next;
  scan_ = next;
  return Step::kDone;
}

bool ReplyDecoder::Attach(Reply&& value, Reply* result) {
  Reply v = std::move(value);
  for (;;) {
    std::vector<Reply>& pending = stack_.empty() ? pending_attributes_ : stack_.back().pending_attributes;
    if (!pending.empty()) {
      v.attributes = std::move(pending);
      pending.clear();
    }
    if (stack_.empty()) {
      *result = std::move(v);
      return true;
    }
    Frame& top = stack_.back();
    top.node.elements.push_back(std::move(v));
    if (--top.remaining > 0) return false;
    Frame done = std::move(top);
    stack_.pop_back();
    if (done.is_attribute) {
      std::vector<Reply>& target = stack_.empty() ? pending_attributes_ : stack_.back().pending_attributes;
      target = std::move(done.node.elements);
      return false;
    }
    v = std::move(done.node);
  }
}

ReplyDecoder::Result ReplyDecoder::Next(Reply* out) {
  if (failed_) return Result::kError;
  for (;;) {
    Reply element;
    int64_t aggregate_len;
    bool is_attribute;
    size_t start = pos_;
    Step step = DecodeElement(&element, &aggregate_len, &is_attribute);
    if (step == Step::kNeedMore) return Result::kNeedMore;
    if (step == Step::kError) return Result::kError;
    size_t used = pos_ - start;
    if (aggregate_len > 0) {
      if (static_cast<int>(stack_.size()) >= limits_.max_depth) return Fail("reply nested too deeply");
      element.elements.reserve(static_cast<size_t>(std::min<int64_t>(aggregate_len, 1024)));
      stack_.push_back(Frame{std::move(element), aggregate_len, is_attribute, {}});
      partial_bytes_ += used;
      continue;
    }
    if (is_attribute) {  // "|0": an empty attribute decorates nothing
      partial_bytes_ += used;
      continue;
    }
    if (Attach(std::move(element), out)) {
      partial_bytes_ = 0;
      return Result::kReply;
    }
    partial_bytes_ += used;
  }
}

}  // namespace stockd::protocol
