// engine/bitmap_family.cc — the bit commands on strings (Redis's bitops.c):
// SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD BITFIELD_RO.
//
// A string is a bit array, bit 0 the most significant bit of its first byte;
// bits past its end read as 0. Writes grow it with zero bytes up to the
// highest byte they touch, as Redis does (even a BITFIELD write refused by
// OVERFLOW FAIL), and turn an "int" string raw. Offsets are limited to
// proto-max-bulk-len bytes. Ranges (BITCOUNT, BITPOS) are resolved here in
// bits — BYTE ranges are whole bytes of bits — which gives Redis's results
// without its byte-and-mask walk.
#include <algorithm>
#include <bit>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "engine/args.h"
#include "engine/command_context.h"
#include "engine/engine.h"
#include "engine/errors.h"

namespace stockd::engine {
namespace {

constexpr std::string_view kBitOffsetError = "ERR bit offset is not an integer or out of range";
constexpr std::string_view kBitValueError = "ERR bit is not an integer or out of range";
constexpr std::string_view kBitfieldTypeError =
    "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.";

uint8_t ByteAt(std::string_view s, uint64_t i) { return i < s.size() ? static_cast<uint8_t>(s[i]) : 0; }

// Redis's getBitOffsetFromArgument: a non-negative integer below
// proto-max-bulk-len * 8; with `bits` > 0, "#n" means n * bits.
bool ParseBitOffset(CommandContext& ctx, std::string_view arg, int bits, uint64_t* out) {
  const bool hash = bits > 0 && !arg.empty() && arg[0] == '#';
  int64_t v;
  if (!ParseInt64Arg(hash ? arg.substr(1) : arg, &v)) return ctx.Error(kBitOffsetError), false;
  if (hash) v *= bits;
  if (v < 0 || (v >> 3) >= ctx.engine.proto_max_bulk_len()) return ctx.Error(kBitOffsetError), false;
  *out = static_cast<uint64_t>(v);
  return true;
}

// The string at key for reading: nullopt after a WRONGTYPE reply; "" when missing.
std::optional<std::string_view> ReadBits(CommandContext& ctx, std::string_view key, char (&buf)[kIntBufferSize],
                                         bool* missing) {
  KeyLoc loc = ctx.Locate(key);
  const Entry* e = loc->FindRead(key, loc.hash, ctx.now_ms);
  *missing = e == nullptr;
  if (e == nullptr) return std::string_view();
  if (!e->value.is_string()) {
    ctx.Error(errors::kWrongType);
    return std::nullopt;
  }
  return e->value.StringView(buf);
}

// Redis's lookupStringForBitCommand: the string at key grown with zero bytes
// to hold bit `max_bit` (created when missing); nullptr after WRONGTYPE.
// *grown: the key was created or lengthened.
Entry* GrowBits(CommandContext& ctx, std::string_view key, uint64_t max_bit, bool* grown) {
  KeyLoc loc = ctx.Locate(key);
  const size_t need = static_cast<size_t>(max_bit >> 3) + 1;
  Entry* e = loc->FindWrite(key, loc.hash, ctx.now_ms);
  if (e == nullptr) {
    Value v = Value::RawString("");
    v.SetRange(need - 1, std::string_view("\0", 1));
    *grown = true;
    return loc->Set(key, loc.hash, std::move(v), ctx.now_ms);
  }
  if (!e->value.is_string()) {
    ctx.Error(errors::kWrongType);
    return nullptr;
  }
  // Redis's dbUnshareStringValue: the string turns "raw" even when unchanged.
  if (e->value.encoding() != Encoding::kRaw) {
    char buf[kIntBufferSize];
    e->value = Value::RawString(e->value.StringView(buf));
  }
  *grown = e->value.StringLength() < need;
  if (*grown) e->value.SetRange(need - 1, std::string_view("\0", 1));
  return e;
}

// --- SETBIT / GETBIT -------------------------------------------------------

void CmdSetBit(CommandContext& ctx) {
  uint64_t offset;
  if (!ParseBitOffset(ctx, ctx.argv[2], 0, &offset)) return;
  int64_t on;
  if (!ParseInt64Arg(ctx.argv[3], &on) || (on & ~int64_t{1}) != 0) return ctx.Error(kBitValueError);
  bool grown;
  Entry* e = GrowBits(ctx, ctx.argv[1], offset, &grown);
  if (e == nullptr) return;
  char buf[kIntBufferSize];
  const uint8_t byte = ByteAt(e->value.StringView(buf), offset >> 3);
  const uint8_t mask = static_cast<uint8_t>(1u << (7 - (offset & 7)));
  const bool was = (byte & mask) != 0;
  if (grown || was != (on == 1)) {
    const char updated = static_cast<char>(on ? (byte | mask) : (byte & ~mask));
    e->value.SetRange(offset >> 3, std::string_view(&updated, 1));
    ctx.Locate(ctx.argv[1])->NoteChanged(ctx.argv[1], e);
    ctx.Notify(notify::kString, "setbit", ctx.argv[1]);
  }
  ctx.reply.Integer(was ? 1 : 0);
}

void CmdGetBit(CommandContext& ctx) {
  uint64_t offset;
  if (!ParseBitOffset(ctx, ctx.argv[2], 0, &offset)) return;
  char buf[kIntBufferSize];
  bool missing;
  const std::optional<std::string_view> s = ReadBits(ctx, ctx.argv[1], buf, &missing);
  if (!s) return;
  ctx.reply.Integer((ByteAt(*s, offset >> 3) >> (7 - (offset & 7))) & 1);
}

// --- BITCOUNT / BITPOS -----------------------------------------------------

uint64_t CountOnes(std::string_view s, uint64_t first_bit, uint64_t last_bit) {
  uint64_t n = 0;
  uint64_t i = first_bit;
  for (; i <= last_bit && (i & 7) != 0; ++i) n += (ByteAt(s, i >> 3) >> (7 - (i & 7))) & 1;
  for (; i + 64 <= last_bit + 1; i += 64) {  // whole 8-byte words
    uint64_t w;
    std::memcpy(&w, s.data() + (i >> 3), 8);
    n += static_cast<uint64_t>(std::popcount(w));
  }
  for (; i + 7 <= last_bit; i += 8) n += static_cast<uint64_t>(std::popcount(ByteAt(s, i >> 3)));
  for (; i <= last_bit; ++i) n += (ByteAt(s, i >> 3) >> (7 - (i & 7))) & 1;
  return n;
}

// A [start, end] range as BITCOUNT and BITPOS read it (negative from the
// end, clamped to the string), in bits. False: the range is empty.
bool ResolveRange(int64_t start, int64_t end, bool in_bits, uint64_t len_bytes, uint64_t* first, uint64_t* last) {
  const int64_t total = static_cast<int64_t>(in_bits ? len_bytes * 8 : len_bytes);
  if (start < 0) start += total;
  if (end < 0) end += total;
  start = std::max<int64_t>(start, 0);
  end = std::max<int64_t>(end, 0);
  end = std::min<int64_t>(end, total - 1);
  if (start > end) return false;
  *first = in_bits ? static_cast<uint64_t>(start) : static_cast<uint64_t>(start) * 8;
  *last = in_bits ? static_cast<uint64_t>(end) : static_cast<uint64_t>(end) * 8 + 7;
  return true;
}

// "BYTE" or "BIT" at argv[i]; false after a syntax error reply.
bool ParseUnit(CommandContext& ctx, size_t i, bool* in_bits) {
  if (EqualsIgnoreCase(ctx.argv[i], "bit")) *in_bits = true;
  else if (EqualsIgnoreCase(ctx.argv[i], "byte")) *in_bits = false;
  else return ctx.Error(errors::kSyntax), false;
  return true;
}

// BITCOUNT key [start end [BYTE|BIT]]
void CmdBitCount(CommandContext& ctx) {
  char buf[kIntBufferSize];
  bool missing;
  const std::optional<std::string_view> s = ReadBits(ctx, ctx.argv[1], buf, &missing);
  if (!s) return;
  if (missing) return ctx.reply.Integer(0);  // before the arguments, as Redis
  const size_t argc = ctx.argv.size();
  if (argc == 2) return ctx.reply.Integer(static_cast<int64_t>(s->empty() ? 0 : CountOnes(*s, 0, s->size() * 8 - 1)));
  if (argc != 4 && argc != 5) return ctx.Error(errors::kSyntax);
  int64_t start, end;
  if (!ParseInt64Arg(ctx.argv[2], &start) || !ParseInt64Arg(ctx.argv[3], &end)) return ctx.Error(errors::kNotInteger);
  bool in_bits = false;
  if (argc == 5 && !ParseUnit(ctx, 4, &in_bits)) return;
  if (start < 0 && end < 0 && start > end) return ctx.reply.Integer(0);
  uint64_t first, last;
  if (!ResolveRange(start, end, in_bits, s->size(), &first, &last)) return ctx.reply.Integer(0);
  ctx.reply.Integer(static_cast<int64_t>(CountOnes(*s, first, last)));
}

// BITPOS key bit [start [end [BYTE|BIT]]]: without an end the string counts
// as padded with zeros on the right, so a clear bit is found just past it.
void CmdBitPos(CommandContext& ctx) {
  int64_t bit;
  if (!ParseInt64Arg(ctx.argv[2], &bit)) return ctx.Error(errors::kNotInteger);
  if (bit != 0 && bit != 1) return ctx.Error("ERR The bit argument must be 1 or 0.");
  char buf[kIntBufferSize];
  bool missing;
  const std::optional<std::string_view> s = ReadBits(ctx, ctx.argv[1], buf, &missing);
  if (!s) return;
  if (missing) return ctx.reply.Integer(bit ? -1 : 0);
  const size_t argc = ctx.argv.size();
  if (argc > 6) return ctx.Error(errors::kSyntax);
  int64_t start = 0, end = -1;
  bool in_bits = false, end_given = false;
  if (argc >= 4 && !ParseInt64Arg(ctx.argv[3], &start)) return ctx.Error(errors::kNotInteger);
  if (argc == 6 && !ParseUnit(ctx, 5, &in_bits)) return;
  if (argc >= 5) {
    if (!ParseInt64Arg(ctx.argv[4], &end)) return ctx.Error(errors::kNotInteger);
    end_given = true;
  }
  uint64_t first, last;
  if (!ResolveRange(start, end, in_bits, s->size(), &first, &last)) return ctx.reply.Integer(-1);
  const uint8_t skip = bit ? 0x00 : 0xff;  // bytes that cannot hold the bit sought
  uint64_t i = first;
  while (i <= last) {
    if ((i & 7) == 0 && i + 7 <= last && ByteAt(*s, i >> 3) == skip) {
      i += 8;
      continue;
    }
    if (static_cast<int64_t>((ByteAt(*s, i >> 3) >> (7 - (i & 7))) & 1) == bit) {
      return ctx.reply.Integer(static_cast<int64_t>(i));
    }
    ++i;
  }
  if (bit == 1 || end_given) return ctx.reply.Integer(-1);
  ctx.reply.Integer(static_cast<int64_t>(last + 1));
}

// --- BITOP -----------------------------------------------------------------

// BITOP AND|OR|XOR|NOT destkey key [key ...]: missing keys are empty strings,
// shorter ones padded with zero bytes; an empty result deletes destkey.
void CmdBitOp(CommandContext& ctx) {
  enum { kAnd, kOr, kXor, kNot } op;
  const std::string_view name = ctx.argv[1];
  if (EqualsIgnoreCase(name, "and")) op = kAnd;
  else if (EqualsIgnoreCase(name, "or")) op = kOr;
  else if (EqualsIgnoreCase(name, "xor")) op = kXor;
  else if (EqualsIgnoreCase(name, "not")) op = kNot;
  else return ctx.Error(errors::kSyntax);
  const size_t nsrc = ctx.argv.size() - 3;
  if (op == kNot && nsrc != 1) return ctx.Error("ERR BITOP NOT must be called with a single source key.");
  std::vector<std::string> src;
  src.reserve(nsrc);
  size_t maxlen = 0;
  for (size_t j = 3; j < ctx.argv.size(); ++j) {
    char buf[kIntBufferSize];
    bool missing;
    const std::optional<std::string_view> s = ReadBits(ctx, ctx.argv[j], buf, &missing);
    if (!s) return;
    src.emplace_back(*s);
    maxlen = std::max(maxlen, s->size());
  }
  std::string out(maxlen, '\0');
  for (size_t i = 0; i < maxlen; ++i) {
    auto at = [&](size_t k) { return static_cast<uint8_t>(i < src[k].size() ? src[k][i] : 0); };
    uint8_t v = at(0);
    if (op == kNot) v = static_cast<uint8_t>(~v);
    for (size_t k = 1; k < nsrc; ++k) {
      v = op == kAnd ? (v & at(k)) : op == kOr ? (v | at(k)) : (v ^ at(k));
    }
    out[i] = static_cast<char>(v);
  }
  const std::string_view dest = ctx.argv[2];
  KeyLoc loc = ctx.Locate(dest);
  if (maxlen > 0) {
    loc->Set(dest, loc.hash, Value::RawString(out), ctx.now_ms);
    ctx.Notify(notify::kString, "set", dest);
  } else if (loc->Delete(dest, loc.hash, ctx.now_ms)) {
    ctx.Notify(notify::kGeneric, "del", dest);
  }
  ctx.reply.Integer(static_cast<int64_t>(maxlen));
}

// --- BITFIELD --------------------------------------------------------------

enum class Overflow { kWrap, kSat, kFail };

struct FieldOp {
  enum Kind { kGet, kSet, kIncrBy } kind;
  bool is_signed;
  int bits;
  uint64_t offset;
  int64_t arg;  // SET's value, INCRBY's increment
  Overflow overflow;
};

template <typename ByteAtFn>
uint64_t GetField(const ByteAtFn& byte_at, uint64_t offset, int bits) {
  uint64_t v = 0;
  for (int j = 0; j < bits; ++j) {
    const uint64_t i = offset + static_cast<uint64_t>(j);
    v = (v << 1) | ((byte_at(i >> 3) >> (7 - (i & 7))) & 1);
  }
  return v;
}

int64_t SignExtend(uint64_t v, int bits) {
  if (bits < 64 && (v & (uint64_t{1} << (bits - 1)))) v |= ~uint64_t{0} << bits;
  return static_cast<int64_t>(v);
}

// Redis's checkUnsignedBitfieldOverflow / checkSignedBitfieldOverflow: 0, or
// +1/-1 with *limit the wrapped or saturated result.
int UnsignedOverflow(uint64_t value, int64_t incr, int bits, Overflow ow, uint64_t* limit) {
  const uint64_t max = bits == 64 ? UINT64_MAX : (uint64_t{1} << bits) - 1;
  const int64_t maxincr = static_cast<int64_t>(max - value);
  const int64_t minincr = static_cast<int64_t>(-value);
  auto wrap = [&] { *limit = (value + static_cast<uint64_t>(incr)) & ~(~uint64_t{0} << bits); };
  if (value > max || (incr > 0 && incr > maxincr)) {
    if (ow == Overflow::kWrap) wrap();
    else if (ow == Overflow::kSat) *limit = max;
    return 1;
  }
  if (incr < 0 && incr < minincr) {
    if (ow == Overflow::kWrap) wrap();
    else if (ow == Overflow::kSat) *limit = 0;
    return -1;
  }
  return 0;
}

int SignedOverflow(int64_t value, int64_t incr, int bits, Overflow ow, int64_t* limit) {
  const int64_t max = bits == 64 ? INT64_MAX : (int64_t{1} << (bits - 1)) - 1;
  const int64_t min = -max - 1;
  const int64_t maxincr = static_cast<int64_t>(static_cast<uint64_t>(max) - static_cast<uint64_t>(value));
  const int64_t minincr = static_cast<int64_t>(static_cast<uint64_t>(min) - static_cast<uint64_t>(value));
  auto wrap = [&] {
    uint64_t c = static_cast<uint64_t>(value) + static_cast<uint64_t>(incr);
    if (bits < 64) {
      const uint64_t mask = ~uint64_t{0} << bits;
      c = (c & (uint64_t{1} << (bits - 1))) ? (c | mask) : (c & ~mask);
    }
    *limit = static_cast<int64_t>(c);
  };
  if (value > max || (bits != 64 && incr > maxincr) || (value >= 0 && incr > 0 && incr > maxincr)) {
    if (ow == Overflow::kWrap) wrap();
    else if (ow == Overflow::kSat) *limit = max;
    return 1;
  }
  if (value < min || (bits != 64 && incr < minincr) || (value < 0 && incr < 0 && incr < minincr)) {
    if (ow == Overflow::kWrap) wrap();
    else if (ow == Overflow::kSat) *limit = min;
    return -1;
  }
  return 0;
}

// Parses BITFIELD's operations (all before any runs, as Redis); false after an error reply.
bool ParseFieldOps(CommandContext& ctx, bool read_only, std::vector<FieldOp>* ops) {
  Overflow overflow = Overflow::kWrap;
  const size_t argc = ctx.argv.size();
  for (size_t j = 2; j < argc; ++j) {
    const size_t rest = argc - j - 1;
    const std::string_view sub = ctx.argv[j];
    FieldOp op{};
    if (EqualsIgnoreCase(sub, "get") && rest >= 2) {
      op.kind = FieldOp::kGet;
    } else if (EqualsIgnoreCase(sub, "set") && rest >= 3) {
      op.kind = FieldOp::kSet;
    } else if (EqualsIgnoreCase(sub, "incrby") && rest >= 3) {
      op.kind = FieldOp::kIncrBy;
    } else if (EqualsIgnoreCase(sub, "overflow") && rest >= 1) {
      const std::string_view type = ctx.argv[++j];
      if (EqualsIgnoreCase(type, "wrap")) overflow = Overflow::kWrap;
      else if (EqualsIgnoreCase(type, "sat")) overflow = Overflow::kSat;
      else if (EqualsIgnoreCase(type, "fail")) overflow = Overflow::kFail;
      else return ctx.Error("ERR Invalid OVERFLOW type specified"), false;
      continue;
    } else {
      return ctx.Error(errors::kSyntax), false;
    }
    // The type: i1..i64 or u1..u63 (lowercase, as Redis).
    const std::string_view type = ctx.argv[j + 1];
    int64_t bits = 0;
    if (type.empty() || (type[0] != 'i' && type[0] != 'u') || !ParseInt64Arg(type.substr(1), &bits) || bits < 1 ||
        bits > (type[0] == 'i' ? 64 : 63)) {
      return ctx.Error(kBitfieldTypeError), false;
    }
    op.is_signed = type[0] == 'i';
    op.bits = static_cast<int>(bits);
    if (!ParseBitOffset(ctx, ctx.argv[j + 2], op.bits, &op.offset)) return false;
    if (op.kind != FieldOp::kGet) {
      if (read_only) return ctx.Error("ERR BITFIELD_RO only supports the GET subcommand"), false;
      if (!ParseInt64Arg(ctx.argv[j + 3], &op.arg)) return ctx.Error(errors::kNotInteger), false;
    }
    op.overflow = overflow;
    ops->push_back(op);
    j += op.kind == FieldOp::kGet ? 2 : 3;
  }
  return true;
}

void BitfieldGeneric(CommandContext& ctx, bool read_only) {
  std::vector<FieldOp> ops;
  if (!ParseFieldOps(ctx, read_only, &ops)) return;
  const std::string_view key = ctx.argv[1];
  uint64_t lo = UINT64_MAX, hi = 0;  // the bytes the writes touch
  for (const FieldOp& op : ops) {
    if (op.kind == FieldOp::kGet) continue;
    lo = std::min(lo, op.offset >> 3);
    hi = std::max(hi, (op.offset + static_cast<uint64_t>(op.bits) - 1) >> 3);
  }
  const bool writes = lo != UINT64_MAX;
  char buf[kIntBufferSize];
  std::string_view current;
  Entry* e = nullptr;
  bool grown = false;
  if (writes) {
    e = GrowBits(ctx, key, hi * 8, &grown);
    if (e == nullptr) return;
    current = e->value.StringView(buf);
  } else {
    bool missing;
    const std::optional<std::string_view> s = ReadBits(ctx, key, buf, &missing);
    if (!s) return;
    current = *s;
  }
  // Writes go to a copy of the bytes they touch; reads see it there.
  std::string window = writes ? std::string(current.substr(lo, hi - lo + 1)) : std::string();
  auto byte_at = [&](uint64_t i) -> uint8_t {
    if (writes && i >= lo && i <= hi) return static_cast<uint8_t>(window[i - lo]);
    return ByteAt(current, i);
  };
  auto set_field = [&](uint64_t offset, int bits, uint64_t v) {
    for (int j = 0; j < bits; ++j) {
      const uint64_t i = offset + static_cast<uint64_t>(j);
      const uint8_t mask = static_cast<uint8_t>(1u << (7 - (i & 7)));
      char& b = window[(i >> 3) - lo];
      if ((v >> (bits - 1 - j)) & 1) b = static_cast<char>(static_cast<uint8_t>(b) | mask);
      else b = static_cast<char>(static_cast<uint8_t>(b) & ~mask);
    }
  };
  bool changed = grown;
  ctx.reply.ArrayHeader(ops.size());
  for (const FieldOp& op : ops) {
    const uint64_t raw = GetField(byte_at, op.offset, op.bits);
    if (op.kind == FieldOp::kGet) {
      ctx.reply.Integer(op.is_signed ? SignExtend(raw, op.bits) : static_cast<int64_t>(raw));
      continue;
    }
    int overflow;
    int64_t reply;
    uint64_t stored;
    if (op.is_signed) {
      const int64_t old = SignExtend(raw, op.bits);
      int64_t limit = 0, value;
      if (op.kind == FieldOp::kIncrBy) {
        overflow = SignedOverflow(old, op.arg, op.bits, op.overflow, &limit);
        value = overflow ? limit : static_cast<int64_t>(static_cast<uint64_t>(old) + static_cast<uint64_t>(op.arg));
        reply = value;
      } else {
        overflow = SignedOverflow(op.arg, 0, op.bits, op.overflow, &limit);
        value = overflow ? limit : op.arg;
        reply = old;
      }
      stored = static_cast<uint64_t>(value);
      changed = changed || (value != old && !(overflow && op.overflow == Overflow::kFail));
    } else {
      uint64_t limit = 0, value;
      if (op.kind == FieldOp::kIncrBy) {
        overflow = UnsignedOverflow(raw, op.arg, op.bits, op.overflow, &limit);
        value = overflow ? limit : raw + static_cast<uint64_t>(op.arg);
        reply = static_cast<int64_t>(value);
      } else {
        overflow = UnsignedOverflow(static_cast<uint64_t>(op.arg), 0, op.bits, op.overflow, &limit);
        value = overflow ? limit : static_cast<uint64_t>(op.arg);
        reply = static_cast<int64_t>(raw);
      }
      stored = value;
      changed = changed || (value != raw && !(overflow && op.overflow == Overflow::kFail));
    }
    if (overflow && op.overflow == Overflow::kFail) {
      ctx.reply.Null();
      continue;
    }
    set_field(op.offset, op.bits, stored);
    ctx.reply.Integer(reply);
  }
  if (writes && changed) {
    e->value.SetRange(lo, window);
    ctx.Locate(key)->NoteChanged(key, e);
    ctx.Notify(notify::kString, "setbit", key);
  }
}

void CmdBitField(CommandContext& ctx) { BitfieldGeneric(ctx, false); }
void CmdBitFieldRo(CommandContext& ctx) { BitfieldGeneric(ctx, true); }

}  // namespace

void RegisterBitmapFamily(CommandTable& t) {
  constexpr uint32_t kW = kWrite | kDenyOom;
  t.Register({"setbit", 4, kW, 1, 1, 1, CmdSetBit, "@write @bitmap @slow", "bitmap", "2.2.0"});
  t.Register({"getbit", 3, kReadOnly | kFast, 1, 1, 1, CmdGetBit, "@read @bitmap @fast", "bitmap", "2.2.0"});
  t.Register({"bitcount", -2, kReadOnly, 1, 1, 1, CmdBitCount, "@read @bitmap @slow", "bitmap", "2.6.0"});
  t.Register({"bitpos", -3, kReadOnly, 1, 1, 1, CmdBitPos, "@read @bitmap @slow", "bitmap", "2.8.7"});
  t.Register({"bitop", -4, kW, 2, -1, 1, CmdBitOp, "@write @bitmap @slow", "bitmap", "2.6.0"});
  t.Register({"bitfield", -2, kW, 1, 1, 1, CmdBitField, "@write @bitmap @slow", "bitmap", "3.2.0"});
  t.Register({"bitfield_ro", -2, kReadOnly | kFast, 1, 1, 1, CmdBitFieldRo, "@read @bitmap @fast", "bitmap",
              "6.0.0"});
}

}  // namespace stockd::engine
