// engine/geo_family.cc — the geospatial commands (Redis 7.0's geo.c): GEOADD
// GEOPOS GEODIST GEOHASH GEORADIUS GEORADIUSBYMEMBER GEORADIUS_RO
// GEORADIUSBYMEMBER_RO GEOSEARCH GEOSEARCHSTORE.
//
// Contract:
//  * A geo set is a sorted set (TYPE zset) whose members score the 52-bit
//    interleaved geohash of their position (engine/types/geohash.h), so the
//    Z* commands work on it and GEOADD behaves as the ZADD it is in Redis
//    (NX, XX, CH; the "zadd" event).
//  * Replies are Redis 7.0's byte for byte: coordinates as Redis's
//    addReplyHumanLongDouble ("%.17Lf" with trailing zeros cut: a bulk string
//    in RESP2, a RESP3 double carrying that same text), distances with 4
//    decimals (Redis's fixedpoint_d2string rounding) as bulk strings,
//    WITHHASH the score as an integer, a missing member as the null
//    (GEOHASH, GEODIST) or null array (GEOPOS).
//  * Searches follow Redis's georadiusGeneric: the 9 geohash boxes of
//    geohashCalculateAreasByShapeWGS84 visited in Redis's order (centre, N,
//    S, E, W, NE, NW, SE, SW), each box's score range in set order, the
//    haversine filter, then Redis's sorts: glibc's stable qsort when every
//    result is returned, Redis's pqsort (a partial, unstable quicksort) when
//    COUNT cuts them — so ties come out in Redis's order, COUNT ANY too.
//  * Errors and their order are Redis's (WRONGTYPE before argument errors;
//    for a missing source key the options are still checked).
//  * The STORE / STOREDIST destination of GEORADIUS and GEORADIUSBYMEMBER is
//    found by the rows' key_scan (command.h), as Redis's keyword key specs:
//    the first STORE and first STOREDIST key, plus the last one of either
//    (the one the handler stores into, when a keyword repeats) so it is
//    locked too. The *STORE forms write a sorted set ("georadiusstore" /
//    "geosearchstore"), or delete the destination when nothing matched ("del").
#include <algorithm>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/args.h"
#include "engine/blocking.h"
#include "engine/command_context.h"
#include "engine/engine.h"
#include "engine/errors.h"
#include "engine/types/geohash.h"
#include "engine/types/zset.h"

namespace stockd::engine {
namespace {

constexpr std::string_view kUnknownMember = "ERR could not decode requested zset member";

// Redis's string2d (getDoubleFromObject): strtod over the whole text, no
// leading space, no overflow to ±HUGE_VAL nor underflow to 0, not NaN.
bool ParseRedisDouble(std::string_view s, double* out) {
  if (s.empty() || std::isspace(static_cast<unsigned char>(s[0]))) return false;
  std::string text(s);
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size()) return false;
  if (errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL || std::fpclassify(v) == FP_ZERO)) return false;
  if (std::isnan(v)) return false;
  *out = v;
  return true;
}

// Redis's extractUnitOrReply: meters per unit, or -1 after replying.
double ParseUnit(CommandContext& ctx, std::string_view unit) {
  if (EqualsIgnoreCase(unit, "m")) return 1;
  if (EqualsIgnoreCase(unit, "km")) return 1000;
  if (EqualsIgnoreCase(unit, "ft")) return 0.3048;
  if (EqualsIgnoreCase(unit, "mi")) return 1609.34;
  ctx.Error("ERR unsupported unit provided. please use M, KM, FT, MI");
  return -1;
}

// Redis's extractLongLatOrReply: argv[at], argv[at + 1] as longitude, latitude.
bool ParseLonLat(CommandContext& ctx, size_t at, double* xy) {
  for (size_t i = 0; i < 2; ++i) {
    if (!ParseRedisDouble(ctx.argv[at + i], &xy[i])) {
      ctx.Error(errors::kNotFloat);
      return false;
    }
  }
  if (xy[0] < geo::kGeoLongMin || xy[0] > geo::kGeoLongMax || xy[1] < geo::kGeoLatMin || xy[1] > geo::kGeoLatMax) {
    char buf[800];
    std::snprintf(buf, sizeof(buf), "ERR invalid longitude,latitude pair %f,%f", xy[0], xy[1]);
    ctx.Error(buf);
    return false;
  }
  return true;
}

// Redis's extractDistanceOrReply: radius (in its unit) and the unit.
bool ParseRadius(CommandContext& ctx, size_t at, geo::Shape* shape) {
  double radius;
  if (!ParseRedisDouble(ctx.argv[at], &radius)) {
    ctx.Error("ERR need numeric radius");
    return false;
  }
  if (radius < 0) {
    ctx.Error("ERR radius cannot be negative");
    return false;
  }
  shape->radius = radius;
  const double to_meters = ParseUnit(ctx, ctx.argv[at + 1]);
  if (to_meters < 0) return false;
  shape->conversion = to_meters;
  return true;
}

// Redis's extractBoxOrReply: width height unit.
bool ParseBox(CommandContext& ctx, size_t at, geo::Shape* shape) {
  double w, h;
  if (!ParseRedisDouble(ctx.argv[at], &w)) {
    ctx.Error("ERR need numeric width");
    return false;
  }
  if (!ParseRedisDouble(ctx.argv[at + 1], &h)) {
    ctx.Error("ERR need numeric height");
    return false;
  }
  if (h < 0 || w < 0) {
    ctx.Error("ERR height or width cannot be negative");
    return false;
  }
  shape->width = w;
  shape->height = h;
  const double to_meters = ParseUnit(ctx, ctx.argv[at + 2]);
  if (to_meters < 0) return false;
  shape->conversion = to_meters;
  return true;
}

// Redis's ld2string(LD_STR_HUMAN): "%.17Lf" without trailing zeros (nor a
// trailing dot); "-0" becomes "0". The long double holds the double exactly,
// so "%.17f" of the double prints the same digits.
std::string HumanDouble(double d) {
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  char buf[512];
  int len = std::snprintf(buf, sizeof(buf), "%.17f", d);
  if (len < 0 || static_cast<size_t>(len) >= sizeof(buf)) return std::string();  // Redis: no room
  if (std::memchr(buf, '.', static_cast<size_t>(len)) != nullptr) {
    while (buf[len - 1] == '0') --len;
    if (buf[len - 1] == '.') --len;
  }
  if (len == 2 && buf[0] == '-' && buf[1] == '0') {
    buf[0] = '0';
    len = 1;
  }
  return std::string(buf, static_cast<size_t>(len));
}

// addReplyHumanLongDouble: a bulk string in RESP2, a RESP3 double with the
// same text (not ReplyWriter::Double's "%.17g").
void ReplyCoordinate(CommandContext& ctx, double d) { ctx.reply.DoubleText(HumanDouble(d)); }

// addReplyDoubleDistance: Redis 7.0.15's fixedpoint_d2string(d, 4), a bulk
// string in both protocols. It rounds d * 10^4 to an integer (llround) and
// places the dot: not printf's "%.4f", whose exact decimal rounding differs
// when d * 10^4 lands on .5 in binary (34663441.28915 ft: Redis says .2892).
std::string FormatDistance(double d) {
  if (d == 0) return "0.0000";
  const long long scaled = std::llround(d * 10000.0);
  const bool negative = scaled < 0;
  const unsigned long long magnitude =
      negative ? (scaled == LLONG_MIN ? static_cast<unsigned long long>(LLONG_MAX) + 1
                                      : static_cast<unsigned long long>(-scaled))
               : static_cast<unsigned long long>(scaled);
  std::string digits = std::to_string(magnitude);
  if (digits.size() < 5) digits.insert(0, 5 - digits.size(), '0');  // "0.000x"
  digits.insert(digits.size() - 4, 1, '.');
  return negative ? "-" + digits : digits;
}

// C's (long long)score as x86-64 computes it (out of range: INT64_MIN).
int64_t ScoreAsInteger(double score) {
  constexpr double kTwo63 = 9223372036854775808.0;
  if (!(score >= -kTwo63 && score < kTwo63)) return INT64_MIN;
  return static_cast<int64_t>(score);
}

// The sorted set at key for reading; *wrong (after replying WRONGTYPE) when
// the key holds another type.
ZSetObject* ReadGeoSet(CommandContext& ctx, std::string_view key, bool* wrong) {
  KeyLoc loc = ctx.Locate(key);
  Entry* e = loc->FindRead(key, loc.hash, ctx.now_ms);
  *wrong = false;
  if (e == nullptr) return nullptr;
  ZSetObject* z = AsZSet(e->value);
  if (z == nullptr) {
    *wrong = true;
    ctx.Error(errors::kWrongType);
  }
  return z;
}

// ---- GEOADD ----

// GEOADD key [NX|XX] [CH] lon lat member [...]: Redis turns it into ZADD with
// the positions' scores (so ZADD's checks, reply and "zadd" event).
void CmdGeoAdd(CommandContext& ctx) {
  bool nx = false, xx = false, ch = false;
  size_t longidx = 2;
  for (; longidx < ctx.argv.size(); ++longidx) {
    std::string_view opt = ctx.argv[longidx];
    if (EqualsIgnoreCase(opt, "nx")) nx = true;
    else if (EqualsIgnoreCase(opt, "xx")) xx = true;
    else if (EqualsIgnoreCase(opt, "ch")) ch = true;
    else break;
  }
  if ((ctx.argv.size() - longidx) % 3 != 0 || (xx && nx)) return ctx.Error(errors::kSyntax);
  const size_t elements = (ctx.argv.size() - longidx) / 3;
  std::vector<double> scores(elements);
  for (size_t i = 0; i < elements; ++i) {
    double xy[2];
    if (!ParseLonLat(ctx, longidx + 3 * i, xy)) return;
    scores[i] = static_cast<double>(geo::ScoreOf(xy[0], xy[1]));
  }
  if (elements == 0) return ctx.Error(errors::kSyntax);  // ZADD's "no score-member pairs"

  std::string_view key = ctx.argv[1];
  KeyLoc loc = ctx.Locate(key);
  Entry* e = loc->FindWrite(key, loc.hash, ctx.now_ms);
  ZSetObject* z = nullptr;
  if (e != nullptr) {
    z = AsZSet(e->value);
    if (z == nullptr) return ctx.Error(errors::kWrongType);
  }
  std::unique_ptr<ZSetObject> fresh;
  if (z == nullptr) {
    if (xx) return ctx.reply.Integer(0);
    fresh = std::make_unique<ZSetObject>();
    z = fresh.get();
  }
  int64_t added = 0, updated = 0;
  for (size_t i = 0; i < elements; ++i) {
    std::string_view member = ctx.argv[longidx + 3 * i + 2];
    if (ZSetObject::Node* node = z->Find(member)) {
      if (nx) continue;
      if (ZSetObject::ScoreOf(node) != scores[i]) {
        z->Update(node, scores[i]);
        ++updated;
      }
    } else {
      if (xx) continue;
      z->Add(member, scores[i]);
      ++added;
    }
  }
  if (fresh) {
    if (!fresh->empty()) {
      const size_t n = fresh->size();
      loc->Set(key, loc.hash, Value::FromObject(std::move(fresh)));
      SignalKeyReady(ctx, loc, key, n);
    }
  } else if (added + updated > 0) {
    loc->NoteChanged(key, loc.hash);
    if (added > 0) SignalKeyReady(ctx, loc, key, static_cast<size_t>(added));
  }
  if (added + updated > 0) ctx.Notify(notify::kZSet, "zadd", key);
  ctx.reply.Integer(ch ? added + updated : added);
}

// ---- GEOPOS GEOHASH GEODIST ----

void CmdGeoPos(CommandContext& ctx) {
  bool wrong;
  ZSetObject* z = ReadGeoSet(ctx, ctx.argv[1], &wrong);
  if (wrong) return;
  ctx.reply.ArrayHeader(ctx.argv.size() - 2);
  for (size_t j = 2; j < ctx.argv.size(); ++j) {
    double score, xy[2];
    if (z == nullptr || !z->Score(ctx.argv[j], &score) || !geo::DecodeScore(score, xy)) {
      ctx.reply.NullArray();
      continue;
    }
    ctx.reply.ArrayHeader(2);
    ReplyCoordinate(ctx, xy[0]);
    ReplyCoordinate(ctx, xy[1]);
  }
}

// The standard 11-character geohash: Redis decodes its own (±85° latitude)
// hash and re-encodes the position over ±90°, 52 bits, the 11th character 0.
void CmdGeoHash(CommandContext& ctx) {
  static constexpr char kAlphabet[] = "0123456789bcdefghjkmnpqrstuvwxyz";
  bool wrong;
  ZSetObject* z = ReadGeoSet(ctx, ctx.argv[1], &wrong);
  if (wrong) return;
  ctx.reply.ArrayHeader(ctx.argv.size() - 2);
  for (size_t j = 2; j < ctx.argv.size(); ++j) {
    double score, xy[2];
    if (z == nullptr || !z->Score(ctx.argv[j], &score) || !geo::DecodeScore(score, xy)) {
      ctx.reply.Null();
      continue;
    }
    const geo::Range lon_range{-180, 180}, lat_range{-90, 90};
    geo::HashBits hash;
    geo::Encode(lon_range, lat_range, xy[0], xy[1], 26, &hash);
    char buf[11];
    for (int i = 0; i < 11; ++i) {
      const int idx = i == 10 ? 0 : static_cast<int>((hash.bits >> (52 - ((i + 1) * 5))) & 0x1f);
      buf[i] = kAlphabet[idx];
    }
    ctx.reply.Bulk(std::string_view(buf, 11));
  }
}

// GEODIST key member1 member2 [unit]: the unit is checked before the key.
void CmdGeoDist(CommandContext& ctx) {
  double to_meter = 1;
  if (ctx.argv.size() == 5) {
    to_meter = ParseUnit(ctx, ctx.argv[4]);
    if (to_meter < 0) return;
  } else if (ctx.argv.size() > 5) {
    return ctx.Error(errors::kSyntax);
  }
  bool wrong;
  ZSetObject* z = ReadGeoSet(ctx, ctx.argv[1], &wrong);
  if (wrong) return;
  double score1, score2, xyxy[4];
  if (z == nullptr || !z->Score(ctx.argv[2], &score1) || !z->Score(ctx.argv[3], &score2) ||
      !geo::DecodeScore(score1, xyxy) || !geo::DecodeScore(score2, xyxy + 2)) {
    return ctx.reply.Null();
  }
  ctx.reply.Bulk(FormatDistance(geo::Distance(xyxy[0], xyxy[1], xyxy[2], xyxy[3]) / to_meter));
}

// ---- the searches ----

// Redis's geoPoint, in the layout its sorts move around.
struct GeoPoint {
  double longitude = 0;
  double latitude = 0;
  double dist = 0;
  double score = 0;
  std::string member;
};

// Redis's sort_gp_asc / sort_gp_desc (qsort-style comparators).
int CompareAsc(const GeoPoint& a, const GeoPoint& b) {
  if (a.dist > b.dist) return 1;
  if (a.dist == b.dist) return 0;
  return -1;
}

// Redis 7.0's pqsort (pqsort.c: NetBSD's Bentley-McIlroy qsort that only
// sorts the partitions overlapping [lrange, rrange]; 7.0's has no switch to
// insertion sort on an already partitioned range, later versions do), over
// element indexes. Kept step for step: it is not stable, and the order it
// leaves equal distances in is part of the reply.
class PartialQuickSort {
 public:
  PartialQuickSort(std::vector<GeoPoint>& v, int sign) : v_(v), sign_(sign) {}
  void Sort(size_t lrange, size_t rrange) {
    // Redis passes byte pointers: lrange at the element's start, rrange at
    // the last byte of element rrange. With indexes, a partition [l, r]
    // (elements) is skipped when both bounds lie on one side of it.
    Run(0, v_.size(), lrange, rrange);
  }

 private:
  int Cmp(size_t a, size_t b) const { return sign_ * CompareAsc(v_[a], v_[b]); }
  void Swap(size_t a, size_t b) { std::swap(v_[a], v_[b]); }
  void VecSwap(size_t a, size_t b, size_t n) {
    for (size_t i = 0; i < n; ++i) Swap(a + i, b + i);
  }
  size_t Med3(size_t a, size_t b, size_t c) const {
    return Cmp(a, b) < 0 ? (Cmp(b, c) < 0 ? b : (Cmp(a, c) < 0 ? c : a))
                         : (Cmp(b, c) > 0 ? b : (Cmp(a, c) < 0 ? a : c));
  }
  void InsertionSort(size_t a, size_t n) {
    for (size_t pm = a + 1; pm < a + n; ++pm)
      for (size_t pl = pm; pl > a && Cmp(pl - 1, pl) > 0; --pl) Swap(pl, pl - 1);
  }
  // True when the partition of elements [first, first + count) holds some of
  // [lrange, rrange] (Redis compares byte addresses: the same test).
  static bool Overlaps(size_t first, size_t count, size_t lrange, size_t rrange) {
    const size_t last = first + count - 1;
    return !((lrange < first && rrange < first) || (lrange > last && rrange > last));
  }
  void Run(size_t a, size_t n, size_t lrange, size_t rrange) {
    for (;;) {
      if (n < 7) {
        InsertionSort(a, n);
        return;
      }
      size_t pm = a + n / 2;
      if (n > 7) {
        size_t pl = a;
        size_t pn = a + n - 1;
        if (n > 40) {
          const size_t d = n / 8;
          pl = Med3(pl, pl + d, pl + 2 * d);
          pm = Med3(pm - d, pm, pm + d);
          pn = Med3(pn - 2 * d, pn - d, pn);
        }
        pm = Med3(pl, pm, pn);
      }
      Swap(a, pm);
      size_t pa = a + 1, pb = a + 1;
      // pc / pd may step below a + 1 (pc to a): signed positions.
      int64_t pc = static_cast<int64_t>(a + n - 1), pd = pc;
      for (;;) {
        int r;
        while (static_cast<int64_t>(pb) <= pc && (r = Cmp(pb, a)) <= 0) {
          if (r == 0) {
            Swap(pa, pb);
            ++pa;
          }
          ++pb;
        }
        while (static_cast<int64_t>(pb) <= pc && (r = Cmp(static_cast<size_t>(pc), a)) >= 0) {
          if (r == 0) {
            Swap(static_cast<size_t>(pc), static_cast<size_t>(pd));
            --pd;
          }
          --pc;
        }
        if (static_cast<int64_t>(pb) > pc) break;
        Swap(pb, static_cast<size_t>(pc));
        ++pb;
        --pc;
      }
      const size_t pn = a + n;
      size_t r = std::min(pa - a, pb - pa);
      VecSwap(a, pb - r, r);
      r = std::min(static_cast<size_t>(pd - pc), pn - static_cast<size_t>(pd) - 1);
      VecSwap(pb, pn - r, r);
      if ((r = pb - pa) > 1) {
        if (Overlaps(a, r, lrange, rrange)) Run(a, r, lrange, rrange);
      }
      if ((r = static_cast<size_t>(pd - pc)) > 1) {
        a = pn - r;
        n = r;
        if (Overlaps(a, n, lrange, rrange)) continue;
      }
      return;
    }
  }

  std::vector<GeoPoint>& v_;
  int sign_;
};

// Redis's geoWithinShape: the member's position and distance when inside.
bool WithinShape(const geo::Shape& shape, double score, double* xy, double* distance) {
  if (!geo::DecodeScore(score, xy)) return false;
  if (shape.type == geo::Shape::kCircle) {
    return geo::DistanceIfInRadius(shape.xy[0], shape.xy[1], xy[0], xy[1], shape.radius * shape.conversion,
                                   distance);
  }
  return geo::DistanceIfInRectangle(shape.width * shape.conversion, shape.height * shape.conversion, shape.xy[0],
                                    shape.xy[1], xy[0], xy[1], distance);
}

// Redis's membersOfAllNeighbors: the members of the 9 boxes inside the shape,
// in Redis's visiting order; with limit > 0 (COUNT ANY), stops at limit.
void MembersOfAllNeighbors(const ZSetObject& z, const geo::Radius& n, const geo::Shape& shape, size_t limit,
                           std::vector<GeoPoint>* out) {
  const geo::HashBits boxes[9] = {n.hash,
                                  n.neighbors.north,
                                  n.neighbors.south,
                                  n.neighbors.east,
                                  n.neighbors.west,
                                  n.neighbors.north_east,
                                  n.neighbors.north_west,
                                  n.neighbors.south_east,
                                  n.neighbors.south_west};
  size_t last_processed = 0;
  for (size_t i = 0; i < 9; ++i) {
    if (boxes[i].IsZero()) continue;
    // Huge radii make adjacent neighbours equal: skip a box equal to the one
    // processed just before (Redis's test, which never compares with box 0).
    if (last_processed != 0 && boxes[i].bits == boxes[last_processed].bits &&
        boxes[i].step == boxes[last_processed].step)
      continue;
    if (limit != 0 && out->size() >= limit) break;
    // scoresOfGeoHashBox: [min, max) over the box's 52-bit prefix.
    geo::HashBits next = boxes[i];
    next.bits++;
    ScoreRange range;
    range.min = static_cast<double>(geo::Align52Bits(boxes[i]));
    range.max = static_cast<double>(geo::Align52Bits(next));
    range.minex = false;
    range.maxex = true;
    bool full = false;
    z.ForScoreRange(range, false, 0, -1, [&](std::string_view member, double score) {
      if (full) return;
      double xy[2], distance = 0;
      if (WithinShape(shape, score, xy, &distance)) {
        out->push_back(GeoPoint{xy[0], xy[1], distance, score, std::string(member)});
      }
      if (!out->empty() && limit != 0 && out->size() >= limit) full = true;
    });
    last_processed = i;
  }
}

enum SearchFlags : int {
  kRadiusCoords = 1,    // GEORADIUS: lon lat radius unit
  kRadiusMember = 2,    // GEORADIUSBYMEMBER: member radius unit
  kRadiusNoStore = 4,   // the _RO forms
  kGeoSearch = 8,       // GEOSEARCH: FROMMEMBER|FROMLONLAT BYRADIUS|BYBOX
  kGeoSearchStore = 16  // GEOSEARCHSTORE dst src ...
};

enum class Sort { kNone, kAsc, kDesc };

// Redis's georadiusGeneric, for all six search commands.
void GeoSearchGeneric(CommandContext& ctx, size_t src_key_index, int flags) {
  std::string_view store_key;
  bool has_store = false;
  bool storedist = false;
  bool wrong;
  ZSetObject* z = ReadGeoSet(ctx, ctx.argv[src_key_index], &wrong);
  if (wrong) return;

  size_t base_args;
  geo::Shape shape;
  if (flags & kRadiusCoords) {
    base_args = 6;
    shape.type = geo::Shape::kCircle;
    if (!ParseLonLat(ctx, 2, shape.xy)) return;
    if (!ParseRadius(ctx, base_args - 2, &shape)) return;
  } else if ((flags & kRadiusMember) && z == nullptr) {
    // No source: the options are still parsed, to choose the reply (STORE or not).
    base_args = 5;
  } else if (flags & kRadiusMember) {
    base_args = 5;
    shape.type = geo::Shape::kCircle;
    double score;
    if (!z->Score(ctx.argv[2], &score) || !geo::DecodeScore(score, shape.xy)) return ctx.Error(kUnknownMember);
    if (!ParseRadius(ctx, base_args - 2, &shape)) return;
  } else {  // GEOSEARCH, GEOSEARCHSTORE
    base_args = 2;
    if (flags & kGeoSearchStore) {
      base_args = 3;
      store_key = ctx.argv[1];
      has_store = true;
    }
  }

  bool withdist = false, withhash = false, withcoords = false;
  bool frommember = false, fromloc = false, byradius = false, bybox = false;
  Sort sort = Sort::kNone;
  bool any = false;
  int64_t count = 0;
  const size_t remaining = ctx.argv.size() > base_args ? ctx.argv.size() - base_args : 0;
  for (size_t i = 0; i < remaining; ++i) {
    std::string_view arg = ctx.argv[base_args + i];
    const bool search = (flags & kGeoSearch) != 0;
    const bool radius_store = !(flags & kRadiusNoStore) && !search;
    if (EqualsIgnoreCase(arg, "withdist")) {
      withdist = true;
    } else if (EqualsIgnoreCase(arg, "withhash")) {
      withhash = true;
    } else if (EqualsIgnoreCase(arg, "withcoord")) {
      withcoords = true;
    } else if (EqualsIgnoreCase(arg, "any")) {
      any = true;
    } else if (EqualsIgnoreCase(arg, "asc")) {
      sort = Sort::kAsc;
    } else if (EqualsIgnoreCase(arg, "desc")) {
      sort = Sort::kDesc;
    } else if (EqualsIgnoreCase(arg, "count") && i + 1 < remaining) {
      if (!ParseInt64Arg(ctx.argv[base_args + i + 1], &count)) return ctx.Error(errors::kNotInteger);
      if (count <= 0) return ctx.Error("ERR COUNT must be > 0");
      ++i;
    } else if (EqualsIgnoreCase(arg, "store") && i + 1 < remaining && radius_store) {
      store_key = ctx.argv[base_args + i + 1];
      has_store = true;
      storedist = false;
      ++i;
    } else if (EqualsIgnoreCase(arg, "storedist") && i + 1 < remaining && radius_store) {
      store_key = ctx.argv[base_args + i + 1];
      has_store = true;
      storedist = true;
      ++i;
    } else if (EqualsIgnoreCase(arg, "storedist") && search && (flags & kGeoSearchStore)) {
      storedist = true;
    } else if (EqualsIgnoreCase(arg, "frommember") && i + 1 < remaining && search && !fromloc) {
      // Without a source the member is not looked up: the error comes after parsing.
      if (z != nullptr) {
        double score;
        if (!z->Score(ctx.argv[base_args + i + 1], &score) || !geo::DecodeScore(score, shape.xy))
          return ctx.Error(kUnknownMember);
      }
      frommember = true;
      ++i;
    } else if (EqualsIgnoreCase(arg, "fromlonlat") && i + 2 < remaining && search && !frommember) {
      if (!ParseLonLat(ctx, base_args + i + 1, shape.xy)) return;
      fromloc = true;
      i += 2;
    } else if (EqualsIgnoreCase(arg, "byradius") && i + 2 < remaining && search && !bybox) {
      if (!ParseRadius(ctx, base_args + i + 1, &shape)) return;
      shape.type = geo::Shape::kCircle;
      byradius = true;
      i += 2;
    } else if (EqualsIgnoreCase(arg, "bybox") && i + 3 < remaining && search && !byradius) {
      if (!ParseBox(ctx, base_args + i + 1, &shape)) return;
      shape.type = geo::Shape::kBox;
      bybox = true;
      i += 3;
    } else {
      return ctx.Error(errors::kSyntax);
    }
  }

  if (has_store && (withdist || withhash || withcoords)) {
    return ctx.Error(std::string("ERR ") +
                     ((flags & kGeoSearchStore) ? "GEOSEARCHSTORE" : "STORE option in GEORADIUS") +
                     " is not compatible with WITHDIST, WITHHASH and WITHCOORD options");
  }
  // Redis names the command as the client spelled it here.
  if ((flags & kGeoSearch) && !(frommember || fromloc)) {
    return ctx.Error("ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for " +
                     std::string(ctx.argv[0]));
  }
  if ((flags & kGeoSearch) && !(byradius || bybox)) {
    return ctx.Error("ERR exactly one of BYRADIUS and BYBOX can be specified for " + std::string(ctx.argv[0]));
  }
  if (any && count == 0) return ctx.Error("ERR the ANY argument requires COUNT argument");

  if (z == nullptr) {
    if (has_store) {
      KeyLoc loc = ctx.Locate(store_key);
      if (loc->Delete(store_key, loc.hash, ctx.now_ms)) ctx.Notify(notify::kGeneric, "del", store_key);
      return ctx.reply.Integer(0);
    }
    return ctx.reply.EmptyArray();
  }

  // COUNT needs the nearest first (ANY takes whatever is found first).
  if (count != 0 && sort == Sort::kNone && !any) sort = Sort::kAsc;

  const geo::Radius areas = geo::AreasByShapeWGS84(&shape);
  std::vector<GeoPoint> points;
  MembersOfAllNeighbors(*z, areas, shape, any ? static_cast<size_t>(count) : 0, &points);

  if (points.empty() && !has_store) return ctx.reply.EmptyArray();

  const size_t result_length = points.size();
  const size_t returned_items =
      (count == 0 || result_length < static_cast<uint64_t>(count)) ? result_length : static_cast<size_t>(count);
  if (sort != Sort::kNone) {
    const int sign = sort == Sort::kAsc ? 1 : -1;
    if (returned_items == result_length) {
      // glibc's qsort (Debian 12, redis-server's libc) is a stable merge sort.
      std::stable_sort(points.begin(), points.end(),
                       [sign](const GeoPoint& a, const GeoPoint& b) { return sign * CompareAsc(a, b) < 0; });
    } else {
      PartialQuickSort(points, sign).Sort(0, returned_items - 1);
    }
  }

  if (!has_store) {
    const size_t option_length = (withdist ? 1 : 0) + (withcoords ? 1 : 0) + (withhash ? 1 : 0);
    auto& r = ctx.reply;
    r.ArrayHeader(returned_items);
    for (size_t i = 0; i < returned_items; ++i) {
      GeoPoint& gp = points[i];
      gp.dist /= shape.conversion;
      if (option_length) r.ArrayHeader(option_length + 1);
      r.Bulk(gp.member);
      if (withdist) r.Bulk(FormatDistance(gp.dist));
      if (withhash) r.Integer(ScoreAsInteger(gp.score));
      if (withcoords) {
        r.ArrayHeader(2);
        ReplyCoordinate(ctx, gp.longitude);
        ReplyCoordinate(ctx, gp.latitude);
      }
    }
    return;
  }

  KeyLoc loc = ctx.Locate(store_key);
  if (returned_items == 0) {
    if (loc->Delete(store_key, loc.hash, ctx.now_ms)) ctx.Notify(notify::kGeneric, "del", store_key);
    return ctx.reply.Integer(0);
  }
  auto stored = std::make_unique<ZSetObject>();
  for (size_t i = 0; i < returned_items; ++i) {
    GeoPoint& gp = points[i];
    gp.dist /= shape.conversion;
    stored->Set(gp.member, storedist ? gp.dist : gp.score);
  }
  stored->ShrinkIfSmall();
  const size_t n = stored->size();
  loc->Set(store_key, loc.hash, Value::FromObject(std::move(stored)));
  SignalKeyReady(ctx, loc, store_key, n);
  ctx.Notify(notify::kZSet, (flags & kGeoSearch) ? "geosearchstore" : "georadiusstore", store_key);
  ctx.reply.Integer(static_cast<int64_t>(returned_items));
}

void CmdGeoRadius(CommandContext& ctx) { GeoSearchGeneric(ctx, 1, kRadiusCoords); }
void CmdGeoRadiusRo(CommandContext& ctx) { GeoSearchGeneric(ctx, 1, kRadiusCoords | kRadiusNoStore); }
void CmdGeoRadiusByMember(CommandContext& ctx) { GeoSearchGeneric(ctx, 1, kRadiusMember); }
void CmdGeoRadiusByMemberRo(CommandContext& ctx) { GeoSearchGeneric(ctx, 1, kRadiusMember | kRadiusNoStore); }
void CmdGeoSearch(CommandContext& ctx) { GeoSearchGeneric(ctx, 1, kGeoSearch); }
void CmdGeoSearchStore(CommandContext& ctx) { GeoSearchGeneric(ctx, 2, kGeoSearch | kGeoSearchStore); }

// The STORE / STOREDIST destination of GEORADIUS (options from argv[6]) and
// GEORADIUSBYMEMBER (from argv[5]): Redis's two keyword key specs (the first
// STORE and the first STOREDIST followed by an argument), then the last such
// key when it is neither — the handler stores into the last one.
template <int kOptionsFrom>
void StoreKeyScan(int argc, absl::FunctionRef<std::string_view(int)> arg, absl::FunctionRef<void(int)> key) {
  int first_store = -1, first_storedist = -1, last = -1;
  for (int i = kOptionsFrom; i < argc - 1; ++i) {
    const std::string_view a = arg(i);
    const bool store = EqualsIgnoreCase(a, "store");
    const bool storedist = EqualsIgnoreCase(a, "storedist");
    if (!store && !storedist) continue;
    if (store && first_store < 0) first_store = i + 1;
    if (storedist && first_storedist < 0) first_storedist = i + 1;
    last = i + 1;
  }
  if (first_store > 0) key(first_store);
  if (first_storedist > 0) key(first_storedist);
  if (last > 0 && last != first_store && last != first_storedist) key(last);
}

}  // namespace

void RegisterGeoFamily(CommandTable& t) {
  constexpr uint32_t kW = kWrite | kDenyOom;
  constexpr uint32_t kR = kReadOnly;
  t.Register({"geoadd", -5, kW, 1, 1, 1, CmdGeoAdd, "@write @geo @slow", "geo", "3.2.0"});
  t.Register({"geodist", -4, kR, 1, 1, 1, CmdGeoDist, "@read @geo @slow", "geo", "3.2.0"});
  t.Register({"geohash", -2, kR, 1, 1, 1, CmdGeoHash, "@read @geo @slow", "geo", "3.2.0"});
  t.Register({"geopos", -2, kR, 1, 1, 1, CmdGeoPos, "@read @geo @slow", "geo", "3.2.0"});
  // The STORE destination follows a keyword anywhere among the options
  // (key_scan: "movablekeys", locked by the dispatcher).
  t.Register({.name = "georadius", .arity = -6, .flags = kW, .first_key = 1, .last_key = 1, .key_step = 1,
              .handler = CmdGeoRadius, .acl_categories = "@write @geo @slow", .group = "geo", .since = "3.2.0",
              .deprecated_since = "6.2.0",
              .replaced_by = "`GEOSEARCH` and `GEOSEARCHSTORE` with the `BYRADIUS` argument",
              .key_scan = StoreKeyScan<6>});
  t.Register({.name = "georadiusbymember", .arity = -5, .flags = kW, .first_key = 1, .last_key = 1, .key_step = 1,
              .handler = CmdGeoRadiusByMember, .acl_categories = "@write @geo @slow", .group = "geo",
              .since = "3.2.0", .deprecated_since = "6.2.0",
              .replaced_by = "`GEOSEARCH` and `GEOSEARCHSTORE` with the `BYRADIUS` and `FROMMEMBER` arguments",
              .key_scan = StoreKeyScan<5>});
  t.Register({"georadius_ro", -6, kR, 1, 1, 1, CmdGeoRadiusRo, "@read @geo @slow", "geo", "3.2.10", 0, "6.2.0",
              "`GEOSEARCH` with the `BYRADIUS` argument"});
  t.Register({"georadiusbymember_ro", -5, kR, 1, 1, 1, CmdGeoRadiusByMemberRo, "@read @geo @slow", "geo", "3.2.10", 0,
              "6.2.0", "`GEOSEARCH` with the `BYRADIUS` and `FROMMEMBER` arguments"});
  t.Register({"geosearch", -7, kR, 1, 1, 1, CmdGeoSearch, "@read @geo @slow", "geo", "6.2.0"});
  t.Register({"geosearchstore", -8, kW, 1, 2, 1, CmdGeoSearchStore, "@write @geo @slow", "geo", "6.2.0"});
}

}  // namespace stockd::engine
