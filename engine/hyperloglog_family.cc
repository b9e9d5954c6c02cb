// engine/hyperloglog_family.cc — the HyperLogLog commands (Redis 7.0's
// hyperloglog.c): PFADD PFCOUNT PFMERGE PFDEBUG PFSELFTEST.
//
// An HLL is a plain string value holding Redis's exact bytes
// (engine/types/hyperloglog.h): string commands and persistence treat it as
// any string, and GET after any PF* sequence returns what redis-server returns. Commands copy the bytes out, change them with the
// hll:: functions and store them back "raw" (Redis's dbUnshareStringValue,
// which also turns an embstr HLL raw when nothing changes).
//
// Writes and what they record (NoteChanged: WATCH, persistence):
//  * PFADD: when a register grew or the key was created; on a corrupt sparse
//    HLL the registers already raised stay raised (as Redis, which updates in
//    place before it meets the corruption) and are recorded.
//  * PFCOUNT of one key: the refreshed cached cardinality when the cache was
//    stale — Redis calls signalModifiedKey and dirty++ there although the
//    command is flagged readonly. PFCOUNT of several keys writes nothing.
//  * PFMERGE: always (dest is created when missing, its cache invalidated).
//  * PFDEBUG GETREG / TODENSE: the sparse→dense conversion.
// Keyspace events as Redis: "pfadd" (class $) after a PFADD that changed
// something and after every PFMERGE; none for PFCOUNT's cache or PFDEBUG.
#include <array>
#include <string>
#include <string_view>

#include "engine/args.h"
#include "engine/command_context.h"
#include "engine/engine.h"
#include "engine/errors.h"
#include "engine/types/hyperloglog.h"

namespace stockd::engine {
namespace {

constexpr std::string_view kNotHllError = "WRONGTYPE Key is not a valid HyperLogLog string value.";
constexpr std::string_view kInvalidHllError = "INVALIDOBJ Corrupted HLL object detected";

enum class HllStatus { kOk, kWrongType, kNotHll, kCorrupt };

std::string_view HllError(HllStatus s) {
  switch (s) {
    case HllStatus::kWrongType: return errors::kWrongType;
    case HllStatus::kNotHll: return kNotHllError;
    default: return kInvalidHllError;
  }
}

// Redis's isHLLObjectOrReply: another type is the usual WRONGTYPE; a string
// that is not an HLL (an "int" string included) is the HLL one.
HllStatus CheckHll(const Entry& e, char (&buf)[kIntBufferSize], std::string_view* bytes) {
  if (!e.value.is_string()) return HllStatus::kWrongType;
  if (e.value.is_int()) return HllStatus::kNotHll;
  *bytes = e.value.StringView(buf);
  return hll::IsHll(*bytes) ? HllStatus::kOk : HllStatus::kNotHll;
}

size_t SparseMaxBytes(const CommandContext& ctx) {
  const int64_t v = ctx.engine.hll_sparse_max_bytes();
  return v < 0 ? 0 : static_cast<size_t>(v);
}

// dbUnshareStringValue without a change: the value becomes "raw".
void Unshare(Entry* e, std::string_view bytes) {
  if (e->value.encoding() != Encoding::kRaw) e->value = Value::RawString(bytes);
}

// Stores new bytes into an existing key (TTL kept) and records the write.
void Store(const KeyLoc& loc, std::string_view key, Entry* e, const std::string& bytes) {
  e->value = Value::RawString(bytes);
  loc->NoteChanged(key, e);
}

// --- Ops ---------------------------------------------------------------------

struct AddResult {
  HllStatus status = HllStatus::kOk;
  bool updated = false;
};

// PFADD's core: raises the registers of `elements` (creating the key).
AddResult OpPfAdd(const KeyLoc& loc, std::string_view key, absl::Span<const std::string_view> elements,
                  size_t sparse_max_bytes, int64_t now_ms) {
  Entry* e = loc->FindWrite(key, loc.hash, now_ms);
  std::string hll;
  int updated = 0;
  if (e == nullptr) {
    hll = hll::CreateEmpty();
    updated++;
  } else {
    char buf[kIntBufferSize];
    std::string_view bytes;
    if (HllStatus s = CheckHll(*e, buf, &bytes); s != HllStatus::kOk) return {s};
    hll.assign(bytes);
  }
  AddResult result;
  bool touched = false;  // some register grew (before a corruption, possibly)
  for (std::string_view element : elements) {
    const int r = hll::Add(&hll, element, sparse_max_bytes);
    if (r == -1) {
      result.status = HllStatus::kCorrupt;
      break;
    }
    if (r == 1) {
      updated++;
      touched = true;
    }
  }
  if (result.status == HllStatus::kOk && updated > 0) hll::InvalidateCache(&hll);
  result.updated = result.status == HllStatus::kOk && updated > 0;
  if (e == nullptr) {
    loc->Set(key, loc.hash, Value::RawString(hll), now_ms);
  } else if (touched) {
    Store(loc, key, e, hll);
  } else {
    char buf[kIntBufferSize];
    Unshare(e, e->value.StringView(buf));
  }
  return result;
}

struct CountResult {
  HllStatus status = HllStatus::kOk;
  uint64_t count = 0;
};

// PFCOUNT key: the cached cardinality, refreshed (and recorded) when stale.
CountResult OpPfCountOne(const KeyLoc& loc, std::string_view key, int64_t now_ms) {
  Entry* e = loc->FindRead(key, loc.hash, now_ms);
  if (e == nullptr) return {};
  char buf[kIntBufferSize];
  std::string_view bytes;
  if (HllStatus s = CheckHll(*e, buf, &bytes); s != HllStatus::kOk) return {s};
  Unshare(e, bytes);
  bytes = e->value.StringView(buf);
  if (hll::CacheValid(bytes)) return {HllStatus::kOk, hll::CachedCount(bytes)};
  bool invalid = false;
  const uint64_t count = hll::Count(bytes, &invalid);
  if (invalid) return {HllStatus::kCorrupt};
  std::string card(8, '\0');
  for (int i = 0; i < 8; ++i) card[i] = static_cast<char>((count >> (8 * i)) & 0xff);
  e->value.SetRange(8, card);  // header bytes 8..15, in place
  loc->NoteChanged(key, e);
  return {HllStatus::kOk, count};
}

// Folds the HLL at key (if any) into max; *dense: it is dense.
HllStatus MergeKey(const KeyLoc& loc, std::string_view key, int64_t now_ms, uint8_t* max, bool* dense) {
  const Entry* e = loc->FindRead(key, loc.hash, now_ms);
  if (e == nullptr) return HllStatus::kOk;  // an empty HLL
  char buf[kIntBufferSize];
  std::string_view bytes;
  if (HllStatus s = CheckHll(*e, buf, &bytes); s != HllStatus::kOk) return s;
  if (hll::EncodingOf(bytes) == hll::kDense) *dense = true;
  return hll::MergeInto(max, bytes) ? HllStatus::kOk : HllStatus::kCorrupt;
}

// --- Cmds --------------------------------------------------------------------

// PFADD key [element ...]
void CmdPfAdd(CommandContext& ctx) {
  const std::string_view key = ctx.argv[1];
  const AddResult r = OpPfAdd(ctx.Locate(key), key, ctx.argv.subspan(2), SparseMaxBytes(ctx), ctx.now_ms);
  if (r.status != HllStatus::kOk) return ctx.Error(HllError(r.status));
  if (r.updated) ctx.Notify(notify::kString, "pfadd", key);
  ctx.reply.Integer(r.updated ? 1 : 0);
}

// PFCOUNT key [key ...]: one key reads (and refreshes) its cache; several keys
// count the union of their registers, writing nothing.
void CmdPfCount(CommandContext& ctx) {
  if (ctx.argv.size() == 2) {
    const std::string_view key = ctx.argv[1];
    const CountResult r = OpPfCountOne(ctx.Locate(key), key, ctx.now_ms);
    if (r.status != HllStatus::kOk) return ctx.Error(HllError(r.status));
    return ctx.reply.Integer(static_cast<int64_t>(r.count));
  }
  std::array<uint8_t, hll::kRegisters> max{};
  bool dense = false;
  for (size_t j = 1; j < ctx.argv.size(); ++j) {
    const HllStatus s = MergeKey(ctx.Locate(ctx.argv[j]), ctx.argv[j], ctx.now_ms, max.data(), &dense);
    if (s != HllStatus::kOk) return ctx.Error(HllError(s));
  }
  ctx.reply.Integer(static_cast<int64_t>(hll::CountRaw(max.data())));
}

// PFMERGE destkey [sourcekey ...]: destkey is a source too (Redis reads
// argv[1..]); the result is dense when any input was.
void CmdPfMerge(CommandContext& ctx) {
  std::array<uint8_t, hll::kRegisters> max{};
  bool use_dense = false;
  for (size_t j = 1; j < ctx.argv.size(); ++j) {
    const HllStatus s = MergeKey(ctx.Locate(ctx.argv[j]), ctx.argv[j], ctx.now_ms, max.data(), &use_dense);
    if (s != HllStatus::kOk) return ctx.Error(HllError(s));
  }
  const std::string_view dest = ctx.argv[1];
  KeyLoc loc = ctx.Locate(dest);
  Entry* e = loc->FindWrite(dest, loc.hash, ctx.now_ms);
  std::string hll;
  if (e == nullptr) {
    hll = hll::CreateEmpty();
  } else {
    char buf[kIntBufferSize];
    hll.assign(e->value.StringView(buf));  // checked as a source above
  }
  // dest merged cleanly above (or is new), so it converts: the check is Redis's.
  if (use_dense && !hll::SparseToDense(&hll)) return ctx.Error(kInvalidHllError);
  const size_t max_bytes = SparseMaxBytes(ctx);
  for (long j = 0; j < hll::kRegisters; ++j) {
    if (max[j] != 0) hll::Set(&hll, j, max[j], max_bytes);
  }
  hll::InvalidateCache(&hll);
  if (e == nullptr) {
    loc->Set(dest, loc.hash, Value::RawString(hll), ctx.now_ms);
  } else {
    Store(loc, dest, e, hll);
  }
  ctx.Notify(notify::kString, "pfadd", dest);  // as Redis: a merge is a mass add
  ctx.reply.Ok();
}

// PFDEBUG GETREG|DECODE|ENCODING|TODENSE key
void CmdPfDebug(CommandContext& ctx) {
  const std::string_view sub = ctx.argv[1];
  const std::string_view key = ctx.argv[2];
  KeyLoc loc = ctx.Locate(key);
  Entry* e = loc->FindWrite(key, loc.hash, ctx.now_ms);
  if (e == nullptr) return ctx.Error("ERR The specified key does not exist");
  char buf[kIntBufferSize];
  std::string_view bytes;
  if (HllStatus s = CheckHll(*e, buf, &bytes); s != HllStatus::kOk) return ctx.Error(HllError(s));
  Unshare(e, bytes);
  bytes = e->value.StringView(buf);
  const bool sparse = hll::EncodingOf(bytes) == hll::kSparse;

  // GETREG and TODENSE leave the key dense.
  auto to_dense = [&]() -> bool {
    std::string hll(bytes);
    if (!hll::SparseToDense(&hll)) return false;
    Store(loc, key, e, hll);
    bytes = e->value.StringView(buf);
    return true;
  };
  if (EqualsIgnoreCase(sub, "getreg")) {
    if (sparse && !to_dense()) return ctx.Error(kInvalidHllError);
    const uint8_t* registers = reinterpret_cast<const uint8_t*>(bytes.data()) + hll::kHeaderSize;
    ctx.reply.ArrayHeader(hll::kRegisters);
    for (long j = 0; j < hll::kRegisters; ++j) ctx.reply.Integer(hll::DenseGet(registers, j));
  } else if (EqualsIgnoreCase(sub, "decode")) {
    if (!sparse) return ctx.Error("ERR HLL encoding is not sparse");
    ctx.reply.Bulk(hll::DecodeSparse(bytes));
  } else if (EqualsIgnoreCase(sub, "encoding")) {
    ctx.reply.SimpleString(sparse ? "sparse" : "dense");
  } else if (EqualsIgnoreCase(sub, "todense")) {
    if (sparse && !to_dense()) return ctx.Error(kInvalidHllError);
    ctx.reply.Integer(sparse ? 1 : 0);
  } else {
    ctx.Error("ERR Unknown PFDEBUG subcommand '" + std::string(sub) + "'");
  }
}

// PFSELFTEST: Redis's register and estimator self-test (10M additions, a few
// hundred milliseconds); touches no key.
void CmdPfSelfTest(CommandContext& ctx) {
  const std::string failure = hll::SelfTest(SparseMaxBytes(ctx));
  if (!failure.empty()) return ctx.Error(failure);
  ctx.reply.Ok();
}

}  // namespace

void RegisterHyperLogLogFamily(CommandTable& t) {
  constexpr uint32_t kW = kWrite | kDenyOom;
  t.Register({"pfadd", -2, kW | kFast, 1, 1, 1, CmdPfAdd, "@write @hyperloglog @fast", "hyperloglog", "2.8.9"});
  // readonly as in Redis, though a stale cache is refreshed in the string (see the file comment).
  t.Register({"pfcount", -2, kReadOnly | kMayReplicate, 1, -1, 1, CmdPfCount, "@read @hyperloglog @slow", "hyperloglog", "2.8.9"});
  t.Register({"pfmerge", -2, kW, 1, -1, 1, CmdPfMerge, "@write @hyperloglog @slow", "hyperloglog", "2.8.9"});
  t.Register({.name = "pfdebug", .arity = 3, .flags = kW | kAdmin, .first_key = 2, .last_key = 2, .key_step = 1,
              .handler = CmdPfDebug, .acl_categories = "@write @hyperloglog @admin @slow @dangerous",
              .group = "hyperloglog", .since = "2.8.9", .syscmd = true});
  t.Register({.name = "pfselftest", .arity = 1, .flags = kAdmin, .handler = CmdPfSelfTest,
              .acl_categories = "@hyperloglog @admin @slow @dangerous", .group = "hyperloglog", .since = "2.8.9",
              .syscmd = true});
}

}  // namespace stockd::engine
