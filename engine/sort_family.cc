// engine/sort_family.cc — SORT and SORT_RO, as Redis 7.0's sort.c
// (sortCommandGeneric, lookupKeyByPattern, sortCompare, sortGetKeys).
//
// Contract:
//  * SORT key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC]
//    [ALPHA] [STORE destination]; SORT_RO the same without STORE. Options are
//    parsed in Redis's order and with its errors ("ERR syntax error", "ERR
//    value is not an integer or out of range"), before any key is read; then
//    the source (a list, set or sorted set; a missing key sorts as an empty
//    list; any other type is WRONGTYPE); then the weights; a weight that is
//    not a double is "ERR One or more scores can't be converted into double"
//    (nothing is stored then).
//  * Patterns: the first '*' is replaced by the element; "->field" after the
//    '*' reads a hash field; "#" is the element itself; a pattern without '*'
//    names no key (GET replies nil; BY then means "do not sort", keeping the
//    list's or sorted set's order — DESC reverses it and LIMIT takes the range
//    directly, as Redis does). A set is never left unsorted when the result is
//    stored or the caller is a script: it is then sorted ALPHA (Redis's rule,
//    so replicas and scripts see one order).
//  * Comparisons: numeric by the weight's strtod value, ties broken by the
//    elements' bytes; ALPHA compares bytes — as C strings (up to a zero byte)
//    when replying, as Redis's strcoll does in the C locale stockd runs in,
//    and as whole binary strings when storing (Redis's compareStringObjects).
//    The sort is stable. Redis sorts with glibc's qsort (a stable merge sort)
//    but BY with a LIMIT range uses its pqsort, which is not: elements whose
//    ALPHA BY weights are equal (or both missing) may come out in another
//    order than Redis's there. Sets (and sorted sets when sorted) are walked in
//    stockd's own member order, so ties among them are in that order.
//  * STORE writes the result (GET values, "" for a missing one) as a list,
//    replacing any value and TTL, announces "sortstore" and wakes clients
//    blocked on the destination; an empty result deletes the destination
//    ("del" when it existed). The reply is the stored length.
//
// Locking. The dispatcher locks the source and the STORE destination (the
// key specs below), or, when a BY or GET pattern may name a key (it contains
// '*' and is not "#": SortReadsPatternKeys, CommandSpec::reads_unnamed_keys),
// the whole database: such keys are computed from the elements and live in
// any shard. Simple and always correct; the cost is that SORT ... BY/GET
// pattern excludes the database's other commands while it runs, as Redis's
// single thread does. A script runs `SORT KEYS[1] ...` like any command on
// its declared keys; with a key-reading BY/GET pattern it needs every shard
// (lua-allow-undeclared-keys yes; then it behaves exactly as Redis's, which
// lets scripts read BY/GET keys they did not declare), otherwise the
// dispatcher refuses it with its "may touch any key" error (Redis runs it).
// EXEC locks every shard for such a call, so SORT in MULTI behaves as Redis's.
//
// ACL: as Redis, BY with a pattern and GET need read access to every key
// (Engine::MayReadEveryKey): they read keys no argument names.
//
// Known differences from redis-server 7.0 (besides the ties noted above):
//  * Redis does not clear errno before its strtod, so after one out-of-range
//    weight its later numeric SORTs may fail spuriously; stockd's do not.
//
// Key specs (for COMMAND GETKEYS / INFO, ACL key checks): the source is the
// triple (1 1 1); SORT's STORE destination is found by SortStoreKeyScan, a
// CommandSpec::key_scan walking the arguments as Redis's sortGetKeys does.
// Both rows are "movablekeys", as in Redis (their BY/GET keys are unknown).
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "engine/args.h"
#include "engine/blocking.h"
#include "engine/command_context.h"
#include "engine/engine.h"
#include "engine/errors.h"
#include "engine/keyspace_events.h"
#include "engine/types/hash.h"
#include "engine/types/list.h"
#include "engine/types/set.h"
#include "engine/types/zset.h"

namespace stockd::engine {
namespace {

constexpr std::string_view kScoreConversionError = "ERR One or more scores can't be converted into double";

// The part of s before its first zero byte: what Redis's C string functions
// (strchr, strstr, strcoll) see of an sds.
std::string_view CString(std::string_view s) { return s.substr(0, s.find('\0')); }

// Redis's `spat[0] == '#' && spat[1] == '\0'`.
bool IsElementPattern(std::string_view pattern) {
  return !pattern.empty() && pattern[0] == '#' && (pattern.size() == 1 || pattern[1] == '\0');
}

// Whether looking pattern up may read a key (else it yields the element or
// nothing): decides how much the handler locks.
bool PatternReadsKeys(std::string_view pattern) {
  return !IsElementPattern(pattern) && CString(pattern).find('*') != std::string_view::npos;
}

struct SortOptions {
  bool desc = false;
  bool alpha = false;
  // BY pattern without '*': nothing to sort by (sticky, as in Redis: a later
  // BY with '*' does not undo it).
  bool dont_sort = false;
  int64_t limit_start = 0;
  int64_t limit_count = -1;
  std::optional<std::string_view> by;
  std::optional<std::string_view> store;
  std::vector<std::string_view> gets;
};

// Parses argv[2..] as Redis's sortCommandGeneric; on error replies it and
// returns false.
bool ParseSortOptions(CommandContext& ctx, bool read_only, SortOptions* o) {
  const size_t argc = ctx.argv.size();
  for (size_t j = 2; j < argc; ++j) {
    const std::string_view arg = ctx.argv[j];
    const size_t left = argc - j - 1;
    if (EqualsIgnoreCase(arg, "asc")) {
      o->desc = false;
    } else if (EqualsIgnoreCase(arg, "desc")) {
      o->desc = true;
    } else if (EqualsIgnoreCase(arg, "alpha")) {
      o->alpha = true;
    } else if (EqualsIgnoreCase(arg, "limit") && left >= 2) {
      if (!ParseInt64Arg(ctx.argv[j + 1], &o->limit_start) || !ParseInt64Arg(ctx.argv[j + 2], &o->limit_count)) {
        ctx.Error(errors::kNotInteger);
        return false;
      }
      j += 2;
    } else if (!read_only && EqualsIgnoreCase(arg, "store") && left >= 1) {
      o->store = ctx.argv[++j];
    } else if (EqualsIgnoreCase(arg, "by") && left >= 1) {
      o->by = ctx.argv[++j];
      if (CString(*o->by).find('*') == std::string_view::npos) {
        o->dont_sort = true;
      } else if (!ctx.engine.MayReadEveryKey(ctx.session)) {  // the pattern reads keys ACLs never saw
        ctx.Error("ERR BY option of SORT denied due to insufficient ACL permissions.");
        return false;
      }
    } else if (EqualsIgnoreCase(arg, "get") && left >= 1) {
      if (!ctx.engine.MayReadEveryKey(ctx.session)) {
        ctx.Error("ERR GET option of SORT denied due to insufficient ACL permissions.");
        return false;
      }
      o->gets.push_back(ctx.argv[++j]);
    } else {
      ctx.Error(errors::kSyntax);
      return false;
    }
  }
  return true;
}

// Redis's lookupKeyByPattern: the string the pattern names for `element`
// (a string key's value or a hash field), the element itself for "#", or
// nullopt (no '*', missing key or field, wrong type). Reads count as keyspace
// hits/misses and expire lazily, as lookupKeyRead.
std::optional<std::string> LookupByPattern(CommandContext& ctx, std::string_view pattern, std::string_view element) {
  if (IsElementPattern(pattern)) return std::string(element);
  const std::string_view c_pattern = CString(pattern);
  const size_t star = c_pattern.find('*');
  if (star == std::string_view::npos) return std::nullopt;
  // "->field" after the '*', with a non-empty field, dereferences a hash.
  std::string_view field;
  const size_t arrow = c_pattern.find("->", star + 1);
  const bool has_field = arrow != std::string_view::npos && arrow + 2 < c_pattern.size();
  if (has_field) field = pattern.substr(arrow + 2);
  const size_t postfix_len = pattern.size() - (star + 1) - (has_field ? field.size() + 2 : 0);
  std::string key;
  key.reserve(pattern.size() + element.size());
  key.append(pattern.substr(0, star)).append(element).append(pattern.substr(star + 1, postfix_len));

  const KeyLoc loc = ctx.Locate(key);
  Entry* e = loc->FindRead(key, loc.hash, ctx.now_ms);
  if (e == nullptr) return std::nullopt;
  if (has_field) {
    HashObject* h = e->value.is_string() ? nullptr : AsHash(e->value);
    if (h == nullptr) return std::nullopt;
    const std::string* v = std::as_const(*h).Find(field);
    if (v == nullptr) return std::nullopt;
    return *v;
  }
  if (!e->value.is_string()) return std::nullopt;
  return e->value.ToString();
}

// One element being sorted (Redis's redisSortObject).
struct SortItem {
  std::string element;
  double score = 0;                // numeric sort: the weight (0 when missing)
  std::optional<std::string> by;   // ALPHA BY: the weight (nullopt when missing)
};

// strcoll in the C locale: bytes as unsigned, up to the first zero byte.
int CompareCStrings(std::string_view a, std::string_view b) {
  return CString(a).compare(CString(b));
}

// Redis's sortCompare (its server.sort_* globals are the arguments here).
int CompareItems(const SortItem& a, const SortItem& b, bool alpha, bool by_pattern, bool storing) {
  if (!alpha) {
    if (a.score > b.score) return 1;
    if (a.score < b.score) return -1;
    return a.element.compare(b.element);  // deterministic ties: binary order
  }
  if (by_pattern) {
    if (!a.by.has_value() || !b.by.has_value()) {
      if (a.by.has_value() == b.by.has_value()) return 0;
      return a.by.has_value() ? 1 : -1;  // a missing weight sorts first
    }
    return storing ? a.by->compare(*b.by) : CompareCStrings(*a.by, *b.by);
  }
  return storing ? a.element.compare(b.element) : CompareCStrings(a.element, b.element);
}

// Redis's numeric weight: strtod over the whole C string, no overflow, no NaN.
bool ParseWeight(const std::string& s, double* out) {
  char* end = nullptr;
  errno = 0;
  *out = std::strtod(s.c_str(), &end);
  return *end == '\0' && errno != ERANGE && !std::isnan(*out);
}

void SortGeneric(CommandContext& ctx, bool read_only) {
  SortOptions o;
  if (!ParseSortOptions(ctx, read_only, &o)) return;
  const std::string_view src = ctx.argv[1];

  const KeyLoc src_loc = ctx.Locate(src);
  Entry* e = src_loc->FindRead(src, src_loc.hash, ctx.now_ms);
  const ValueType type = e == nullptr ? ValueType::kList : e->value.type();
  if (type != ValueType::kList && type != ValueType::kSet && type != ValueType::kZSet) {
    return ctx.Error(errors::kWrongType);
  }

  // Unsorted set output would depend on the set's layout: stored results and
  // scripts get it sorted ALPHA instead (Redis's rule).
  bool dont_sort = o.dont_sort;
  bool alpha = o.alpha;
  std::optional<std::string_view> by = o.by;
  if (dont_sort && type == ValueType::kSet && (o.store.has_value() || ctx.session.in_script)) {
    dont_sort = false;
    alpha = true;
    by.reset();
  }

  int64_t length = 0;
  if (e != nullptr) {
    switch (type) {
      case ValueType::kList: length = static_cast<int64_t>(AsList(e->value)->size()); break;
      case ValueType::kSet: length = static_cast<int64_t>(AsSet(e->value)->size()); break;
      default: length = static_cast<int64_t>(AsZSet(e->value)->size()); break;
    }
  }

  // LIMIT, clamped as Redis 7.0 does: [start, end] of the sorted vector.
  int64_t start = std::min(std::max<int64_t>(o.limit_start, 0), length);
  const int64_t count = std::min(std::max<int64_t>(o.limit_count, -1), length);
  int64_t end = count < 0 ? length - 1 : start + count - 1;
  if (start >= length) {
    start = length - 1;
    end = length - 2;
  }
  if (end >= length) end = length - 1;

  // Unsorted lists and sorted sets load only the LIMIT range, in their own
  // order (reversed by DESC); the output then starts at 0.
  int64_t vector_len = length;
  const bool ordered_source = type == ValueType::kList || type == ValueType::kZSet;
  if (ordered_source && dont_sort && (start != 0 || end != length - 1)) vector_len = end - start + 1;

  std::vector<SortItem> items;
  items.reserve(static_cast<size_t>(std::max<int64_t>(vector_len, 0)));
  auto add = [&](std::string_view element) { items.push_back(SortItem{std::string(element), 0, std::nullopt}); };
  if (e == nullptr) {
    // A missing key: an empty list.
  } else if (type == ValueType::kList) {
    const ListObject* list = AsList(e->value);
    if (dont_sort) {
      if (end >= start) {
        const int64_t n = static_cast<int64_t>(list->size());
        for (int64_t k = 0; k < vector_len; ++k) {
          const int64_t index = o.desc ? n - start - 1 - k : start + k;
          if (index < 0 || index >= n) break;
          add(list->at(static_cast<size_t>(index)));
        }
        end -= start;
        start = 0;
      }
    } else {
      for (const std::string& v : list->items()) add(v);
    }
  } else if (type == ValueType::kSet) {
    AsSet(e->value)->ForEach([&](std::string_view member) { add(member); });
  } else {
    const ZSetObject* zset = AsZSet(e->value);
    if (dont_sort) {
      if (vector_len > 0) {
        zset->ForRankRange(static_cast<size_t>(start), static_cast<size_t>(start + vector_len - 1), o.desc,
                           [&](std::string_view member, double) { add(member); });
      }
      end -= start;
      start = 0;
    } else {
      zset->ForEach([&](std::string_view member, double) { add(member); });
    }
  }

  bool conversion_error = false;
  if (!dont_sort) {
    for (SortItem& item : items) {
      std::optional<std::string> looked_up;
      if (by) {
        looked_up = LookupByPattern(ctx, *by, item.element);
        if (!looked_up) continue;  // missing weight: 0, or "missing" for ALPHA
      }
      const std::string& weight = by ? *looked_up : item.element;
      if (alpha) {
        if (by) item.by = std::move(*looked_up);
      } else if (!ParseWeight(weight, &item.score)) {
        conversion_error = true;
      }
    }
    const bool storing = o.store.has_value();
    const bool by_pattern = by.has_value();
    std::stable_sort(items.begin(), items.end(), [&](const SortItem& a, const SortItem& b) {
      const int cmp = CompareItems(a, b, alpha, by_pattern, storing);
      return (o.desc ? -cmp : cmp) < 0;
    });
  }
  if (conversion_error) return ctx.Error(kScoreConversionError);

  const int64_t rows = end - start + 1;
  const int64_t output_len = o.gets.empty() ? rows : static_cast<int64_t>(o.gets.size()) * rows;
  if (!o.store) {
    ctx.reply.ArrayHeader(static_cast<size_t>(output_len));
    for (int64_t j = start; j <= end; ++j) {
      const std::string& element = items[static_cast<size_t>(j)].element;
      if (o.gets.empty()) ctx.reply.Bulk(element);
      for (std::string_view pattern : o.gets) {
        std::optional<std::string> v = LookupByPattern(ctx, pattern, element);
        if (v) {
          ctx.reply.Bulk(*v);
        } else {
          ctx.reply.Null();
        }
      }
    }
    return;
  }

  const std::string_view dst = *o.store;
  const KeyLoc dst_loc = ctx.Locate(dst);
  if (output_len > 0) {
    auto list = std::make_unique<ListObject>();
    for (int64_t j = start; j <= end; ++j) {
      const std::string& element = items[static_cast<size_t>(j)].element;
      if (o.gets.empty()) list->PushBack(element);
      for (std::string_view pattern : o.gets) {
        std::optional<std::string> v = LookupByPattern(ctx, pattern, element);
        list->PushBack(v ? std::string_view(*v) : std::string_view());
      }
    }
    dst_loc->Set(dst, dst_loc.hash, Value::FromObject(std::move(list)), ctx.now_ms);
    ctx.Notify(notify::kList, "sortstore", dst);
    SignalKeyReady(ctx, dst_loc, dst, static_cast<size_t>(output_len));
  } else if (dst_loc->Delete(dst, dst_loc.hash, ctx.now_ms)) {
    ctx.Notify(notify::kGeneric, "del", dst);
  }
  ctx.reply.Integer(output_len);
}

void CmdSort(CommandContext& ctx) { SortGeneric(ctx, false); }
void CmdSortRo(CommandContext& ctx) { SortGeneric(ctx, true); }

// Redis's sortGetKeys: the argument after the last STORE, skipping LIMIT's two
// arguments and BY's and GET's one (so "BY store" names no key).
void SortStoreKeyScan(int argc, absl::FunctionRef<std::string_view(int)> arg, absl::FunctionRef<void(int)> key) {
  int store = -1;
  for (int i = 2; i < argc; ++i) {
    const std::string_view a = arg(i);
    if (EqualsIgnoreCase(a, "limit")) {
      i += 2;
    } else if (EqualsIgnoreCase(a, "get") || EqualsIgnoreCase(a, "by")) {
      i += 1;
    } else if (EqualsIgnoreCase(a, "store") && i + 1 < argc) {
      store = i + 1;
    }
  }
  if (store > 0) key(store);
}

// CommandSpec::reads_unnamed_keys: whether a BY or GET pattern of the call
// may read keys, walking the options as ParseSortOptions does (so when the
// handler looks pattern keys up, the dispatcher locked the whole db).
bool SortReadsPatternKeys(int argc, absl::FunctionRef<std::string_view(int)> arg) {
  for (int j = 2; j < argc; ++j) {
    const std::string_view a = arg(j);
    const int left = argc - j - 1;
    if (EqualsIgnoreCase(a, "limit") && left >= 2) {
      j += 2;
    } else if (EqualsIgnoreCase(a, "store") && left >= 1) {
      j += 1;
    } else if ((EqualsIgnoreCase(a, "by") || EqualsIgnoreCase(a, "get")) && left >= 1) {
      if (PatternReadsKeys(arg(++j))) return true;
    }
  }
  return false;
}

// SORT_RO declares no key beyond its source; its scan exists so the row is
// "movablekeys" like Redis's (whose BY/GET key spec is "unknown").
void SortRoKeyScan(int, absl::FunctionRef<std::string_view(int)>, absl::FunctionRef<void(int)>) {}

}  // namespace

void RegisterSortFamily(CommandTable& t) {
  t.Register({.name = "sort", .arity = -2, .flags = kWrite | kDenyOom, .first_key = 1, .last_key = 1,
              .key_step = 1, .handler = CmdSort, .acl_categories = "@write @set @sortedset @list @slow @dangerous",
              .group = "generic", .since = "1.0.0", .key_scan = SortStoreKeyScan,
              .reads_unnamed_keys = SortReadsPatternKeys});
  t.Register({.name = "sort_ro", .arity = -2, .flags = kReadOnly, .first_key = 1, .last_key = 1,
              .key_step = 1, .handler = CmdSortRo, .acl_categories = "@read @set @sortedset @list @slow @dangerous",
              .group = "generic", .since = "7.0.0", .key_scan = SortRoKeyScan,
              .reads_unnamed_keys = SortReadsPatternKeys});
}

}  // namespace stockd::engine
