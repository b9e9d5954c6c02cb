// engine/types/geohash.cc — Redis 7.0's geohash.c and geohash_helper.c (see
// geohash.h). The arithmetic is kept in Redis's order on purpose: a
// reordered expression changes the last bits of a coordinate or a distance,
// and with them the replies.
#include "engine/types/geohash.h"

#include <cmath>

namespace stockd::engine::geo {
namespace {

constexpr double kDegToRadFactor = M_PI / 180.0;  // Redis's D_R
constexpr double kMercatorMax = 20037726.37;

double DegRad(double ang) { return ang * kDegToRadFactor; }
double RadDeg(double ang) { return ang / kDegToRadFactor; }

// Interleaves the low 32 bits of x (even positions) and y (odd positions).
uint64_t Interleave64(uint32_t xlo, uint32_t ylo) {
  static constexpr uint64_t B[] = {0x5555555555555555ULL, 0x3333333333333333ULL, 0x0F0F0F0F0F0F0F0FULL,
                                   0x00FF00FF00FF00FFULL, 0x0000FFFF0000FFFFULL};
  static constexpr unsigned S[] = {1, 2, 4, 8, 16};
  uint64_t x = xlo, y = ylo;
  for (int i = 4; i >= 0; --i) {
    x = (x | (x << S[i])) & B[i];
    y = (y | (y << S[i])) & B[i];
  }
  return x | (y << 1);
}

// The inverse: even bits to the low word, odd bits to the high word.
uint64_t Deinterleave64(uint64_t interleaved) {
  static constexpr uint64_t B[] = {0x5555555555555555ULL, 0x3333333333333333ULL, 0x0F0F0F0F0F0F0F0FULL,
                                   0x00FF00FF00FF00FFULL, 0x0000FFFF0000FFFFULL, 0x00000000FFFFFFFFULL};
  static constexpr unsigned S[] = {0, 1, 2, 4, 8, 16};
  uint64_t x = interleaved, y = interleaved >> 1;
  for (int i = 0; i < 6; ++i) {
    x = (x | (x >> S[i])) & B[i];
    y = (y | (y >> S[i])) & B[i];
  }
  return x | (y << 32);
}

void CoordRange(Range* long_range, Range* lat_range) {
  long_range->max = kGeoLongMax;
  long_range->min = kGeoLongMin;
  lat_range->max = kGeoLatMax;
  lat_range->min = kGeoLatMin;
}

void MoveX(HashBits* hash, int d) {
  if (d == 0) return;
  uint64_t x = hash->bits & 0xaaaaaaaaaaaaaaaaULL;
  const uint64_t y = hash->bits & 0x5555555555555555ULL;
  const uint64_t zz = 0x5555555555555555ULL >> (64 - hash->step * 2);
  if (d > 0) {
    x = x + (zz + 1);
  } else {
    x = x | zz;
    x = x - (zz + 1);
  }
  x &= (0xaaaaaaaaaaaaaaaaULL >> (64 - hash->step * 2));
  hash->bits = x | y;
}

void MoveY(HashBits* hash, int d) {
  if (d == 0) return;
  const uint64_t x = hash->bits & 0xaaaaaaaaaaaaaaaaULL;
  uint64_t y = hash->bits & 0x5555555555555555ULL;
  const uint64_t zz = 0xaaaaaaaaaaaaaaaaULL >> (64 - hash->step * 2);
  if (d > 0) {
    y = y + (zz + 1);
  } else {
    y = y | zz;
    y = y - (zz + 1);
  }
  y &= (0x5555555555555555ULL >> (64 - hash->step * 2));
  hash->bits = x | y;
}

// C's (uint64_t)d as gcc compiles it for x86-64 (redis-server's build), also
// for the doubles where C leaves it undefined (negative, NaN, >= 2^64): a
// score that GEOADD did not write still decodes to what Redis replies.
uint64_t CastToUint64LikeX86(double d) {
  constexpr double kTwo63 = 9223372036854775808.0;
  auto cvttsd2si = [](double v) -> uint64_t {
    // The instruction answers 0x8000000000000000 for NaN and out of range.
    if (!(v >= -kTwo63 && v < kTwo63)) return 0x8000000000000000ULL;
    return static_cast<uint64_t>(static_cast<int64_t>(v));
  };
  if (d >= kTwo63) return cvttsd2si(d - kTwo63) ^ 0x8000000000000000ULL;
  return cvttsd2si(d);
}

}  // namespace

bool Encode(const Range& long_range, const Range& lat_range, double longitude, double latitude, uint8_t step,
            HashBits* hash) {
  if (step > 32 || step == 0 || (lat_range.max == 0 && lat_range.min == 0) ||
      (long_range.max == 0 && long_range.min == 0))
    return false;
  if (longitude > kGeoLongMax || longitude < kGeoLongMin || latitude > kGeoLatMax || latitude < kGeoLatMin)
    return false;
  hash->bits = 0;
  hash->step = step;
  if (latitude < lat_range.min || latitude > lat_range.max || longitude < long_range.min ||
      longitude > long_range.max)
    return false;
  double lat_offset = (latitude - lat_range.min) / (lat_range.max - lat_range.min);
  double long_offset = (longitude - long_range.min) / (long_range.max - long_range.min);
  lat_offset *= static_cast<double>(1ULL << step);
  long_offset *= static_cast<double>(1ULL << step);
  hash->bits = Interleave64(static_cast<uint32_t>(lat_offset), static_cast<uint32_t>(long_offset));
  return true;
}

bool EncodeWGS84(double longitude, double latitude, uint8_t step, HashBits* hash) {
  Range r[2];
  CoordRange(&r[0], &r[1]);
  return Encode(r[0], r[1], longitude, latitude, step, hash);
}

bool Decode(const Range& long_range, const Range& lat_range, const HashBits& hash, Area* area) {
  if (hash.IsZero() || (lat_range.max == 0 && lat_range.min == 0) || (long_range.max == 0 && long_range.min == 0))
    return false;
  area->hash = hash;
  const uint8_t step = hash.step;
  const uint64_t hash_sep = Deinterleave64(hash.bits);
  const double lat_scale = lat_range.max - lat_range.min;
  const double long_scale = long_range.max - long_range.min;
  const uint32_t ilato = static_cast<uint32_t>(hash_sep);
  const uint32_t ilono = static_cast<uint32_t>(hash_sep >> 32);
  const double cells = static_cast<double>(1ULL << step);
  area->latitude.min = lat_range.min + (ilato * 1.0 / cells) * lat_scale;
  area->latitude.max = lat_range.min + ((ilato + 1) * 1.0 / cells) * lat_scale;
  area->longitude.min = long_range.min + (ilono * 1.0 / cells) * long_scale;
  area->longitude.max = long_range.min + ((ilono + 1) * 1.0 / cells) * long_scale;
  return true;
}

bool DecodeToLongLatWGS84(const HashBits& hash, double* xy) {
  Range r[2];
  CoordRange(&r[0], &r[1]);
  Area area;
  if (!Decode(r[0], r[1], hash, &area)) return false;
  // Clamped to the valid range (a score GEOADD did not write may decode
  // outside it), as Redis's geohashDecodeAreaToLongLat.
  xy[0] = (area.longitude.min + area.longitude.max) / 2;
  if (xy[0] > kGeoLongMax) xy[0] = kGeoLongMax;
  if (xy[0] < kGeoLongMin) xy[0] = kGeoLongMin;
  xy[1] = (area.latitude.min + area.latitude.max) / 2;
  if (xy[1] > kGeoLatMax) xy[1] = kGeoLatMax;
  if (xy[1] < kGeoLatMin) xy[1] = kGeoLatMin;
  return true;
}

void GetNeighbors(const HashBits& hash, Neighbors* n) {
  n->east = n->west = n->north = n->south = hash;
  n->south_east = n->south_west = n->north_east = n->north_west = hash;
  MoveX(&n->east, 1);
  MoveX(&n->west, -1);
  MoveY(&n->south, -1);
  MoveY(&n->north, 1);
  MoveX(&n->north_west, -1);
  MoveY(&n->north_west, 1);
  MoveX(&n->north_east, 1);
  MoveY(&n->north_east, 1);
  MoveX(&n->south_east, 1);
  MoveY(&n->south_east, -1);
  MoveX(&n->south_west, -1);
  MoveY(&n->south_west, -1);
}

uint64_t Align52Bits(const HashBits& hash) { return hash.bits << (52 - hash.step * 2); }

bool DecodeScore(double score, double* xy) {
  HashBits hash;
  hash.bits = CastToUint64LikeX86(score);
  hash.step = kGeoStepMax;
  return DecodeToLongLatWGS84(hash, xy);
}

uint64_t ScoreOf(double longitude, double latitude) {
  HashBits hash;
  EncodeWGS84(longitude, latitude, kGeoStepMax, &hash);
  return Align52Bits(hash);
}

uint8_t EstimateStepsByRadius(double range_meters, double lat) {
  if (range_meters == 0) return 26;
  int step = 1;
  while (range_meters < kMercatorMax) {
    range_meters *= 2;
    step++;
  }
  step -= 2;  // make sure the range is included in most of the base cases
  // Wider range towards the poles.
  if (lat > 66 || lat < -66) {
    step--;
    if (lat > 80 || lat < -80) step--;
  }
  if (step < 1) step = 1;
  if (step > 26) step = 26;
  return static_cast<uint8_t>(step);
}

void BoundingBox(Shape* shape, double* bounds) {
  const double longitude = shape->xy[0];
  const double latitude = shape->xy[1];
  const double height = shape->conversion * (shape->type == Shape::kCircle ? shape->radius : shape->height / 2);
  const double width = shape->conversion * (shape->type == Shape::kCircle ? shape->radius : shape->width / 2);
  const double lat_delta = RadDeg(height / kEarthRadiusMeters);
  const double long_delta_top = RadDeg(width / kEarthRadiusMeters / std::cos(DegRad(latitude + lat_delta)));
  const double long_delta_bottom = RadDeg(width / kEarthRadiusMeters / std::cos(DegRad(latitude - lat_delta)));
  // The box is wider on the side nearer the pole.
  const bool southern_hemisphere = latitude < 0;
  bounds[0] = southern_hemisphere ? longitude - long_delta_bottom : longitude - long_delta_top;
  bounds[2] = southern_hemisphere ? longitude + long_delta_bottom : longitude + long_delta_top;
  bounds[1] = latitude - lat_delta;
  bounds[3] = latitude + lat_delta;
}

Radius AreasByShapeWGS84(Shape* shape) {
  Range long_range, lat_range;
  Radius radius;
  HashBits hash;
  Neighbors neighbors;
  Area area;

  BoundingBox(shape, shape->bounds);
  const double min_lon = shape->bounds[0];
  const double min_lat = shape->bounds[1];
  const double max_lon = shape->bounds[2];
  const double max_lat = shape->bounds[3];
  const double longitude = shape->xy[0];
  const double latitude = shape->xy[1];
  // A box is covered by the circle through its corners.
  double radius_meters = shape->type == Shape::kCircle
                             ? shape->radius
                             : std::sqrt((shape->width / 2) * (shape->width / 2) + (shape->height / 2) * (shape->height / 2));
  radius_meters *= shape->conversion;

  int steps = EstimateStepsByRadius(radius_meters, latitude);
  CoordRange(&long_range, &lat_range);
  Encode(long_range, lat_range, longitude, latitude, static_cast<uint8_t>(steps), &hash);
  GetNeighbors(hash, &neighbors);
  Decode(long_range, lat_range, hash, &area);

  // Near the edge of the centre box the estimated step may be too coarse for
  // one neighbour to reach the far side of the search area: one step less.
  bool decrease_step = false;
  {
    Area north, south, east, west;
    Decode(long_range, lat_range, neighbors.north, &north);
    Decode(long_range, lat_range, neighbors.south, &south);
    Decode(long_range, lat_range, neighbors.east, &east);
    Decode(long_range, lat_range, neighbors.west, &west);
    if (north.latitude.max < max_lat) decrease_step = true;
    if (south.latitude.min > min_lat) decrease_step = true;
    if (east.longitude.max < max_lon) decrease_step = true;
    if (west.longitude.min > min_lon) decrease_step = true;
  }
  if (steps > 1 && decrease_step) {
    steps--;
    Encode(long_range, lat_range, longitude, latitude, static_cast<uint8_t>(steps), &hash);
    GetNeighbors(hash, &neighbors);
    Decode(long_range, lat_range, hash, &area);
  }

  // Exclude the neighbours the search area does not reach.
  if (steps >= 2) {
    if (area.latitude.min < min_lat) {
      neighbors.south = neighbors.south_west = neighbors.south_east = HashBits{};
    }
    if (area.latitude.max > max_lat) {
      neighbors.north = neighbors.north_east = neighbors.north_west = HashBits{};
    }
    if (area.longitude.min < min_lon) {
      neighbors.west = neighbors.south_west = neighbors.north_west = HashBits{};
    }
    if (area.longitude.max > max_lon) {
      neighbors.east = neighbors.south_east = neighbors.north_east = HashBits{};
    }
  }
  radius.hash = hash;
  radius.neighbors = neighbors;
  radius.area = area;
  return radius;
}

// geohashGetLatDistance: along a meridian, asin(sin(x)) is x.
double LatDistance(double lat1d, double lat2d) {
  return kEarthRadiusMeters * std::fabs(DegRad(lat2d) - DegRad(lat1d));
}

double Distance(double lon1d, double lat1d, double lon2d, double lat2d) {
  const double lon1r = DegRad(lon1d);
  const double lon2r = DegRad(lon2d);
  const double v = std::sin((lon2r - lon1r) / 2);
  // Same longitude: Redis 7.0 takes the meridian shortcut (its last bits
  // differ from the haversine's, and they show in STOREDIST scores).
  if (v == 0.0) return LatDistance(lat1d, lat2d);
  const double lat1r = DegRad(lat1d);
  const double lat2r = DegRad(lat2d);
  const double u = std::sin((lat2r - lat1r) / 2);
  const double a = u * u + std::cos(lat1r) * std::cos(lat2r) * v * v;
  return 2.0 * kEarthRadiusMeters * std::asin(std::sqrt(a));
}

bool DistanceIfInRadius(double x1, double y1, double x2, double y2, double radius, double* distance) {
  *distance = Distance(x1, y1, x2, y2);
  return *distance <= radius;
}

bool DistanceIfInRectangle(double width_m, double height_m, double x1, double y1, double x2, double y2,
                           double* distance) {
  // Latitude first (the cheaper test), as Redis.
  const double lat_distance = LatDistance(y2, y1);
  if (lat_distance > height_m / 2) return false;
  const double lon_distance = Distance(x2, y2, x1, y2);
  if (lon_distance > width_m / 2) return false;
  *distance = Distance(x1, y1, x2, y2);
  return true;
}

}  // namespace stockd::engine::geo
