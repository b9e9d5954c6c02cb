// engine/types/geohash.h — Redis's geohash math (geohash.c, geohash_helper.c
// of Redis 7.0), bit for bit: the 52-bit interleaved scores GEOADD stores in
// a sorted set, their decoding to a cell's centre, the 9-box cover of a
// search shape (geohashCalculateAreasByShapeWGS84) and Redis's haversine
// distance with its earth radius.
//
// Contract:
//  * Every function computes what its Redis namesake computes, in the same
//    floating-point order, so scores, coordinates, distances and the boxes a
//    search visits are identical to redis-server's (the compat tests compare
//    replies byte for byte).
//  * Latitudes are limited to ±85.05112878 (Web Mercator), longitudes to
//    ±180, as Redis (kGeoLatMax, kGeoLongMax).
//  * Pure functions, no state: thread-safe.
#pragma once

#include <cstdint>

namespace stockd::engine::geo {

inline constexpr double kGeoLatMin = -85.05112878;
inline constexpr double kGeoLatMax = 85.05112878;
inline constexpr double kGeoLongMin = -180;
inline constexpr double kGeoLongMax = 180;
inline constexpr int kGeoStepMax = 26;  // 26 * 2 = 52 bits: exact in a double score
inline constexpr double kEarthRadiusMeters = 6372797.560856;

struct HashBits {
  uint64_t bits = 0;
  uint8_t step = 0;
  // Redis's HASHISZERO: a neighbour excluded from the search.
  bool IsZero() const { return bits == 0 && step == 0; }
};

struct Range {
  double min = 0, max = 0;
};

struct Area {
  HashBits hash;
  Range longitude, latitude;
};

struct Neighbors {
  HashBits north, east, west, south, north_east, south_east, north_west, south_west;
};

// A search shape (Redis's GeoShape): a circle of `radius` or a width x height
// box, both in the unit whose size in meters is `conversion`, around xy.
struct Shape {
  enum Type { kCircle, kBox } type = kCircle;
  double xy[2] = {0, 0};  // longitude, latitude
  double conversion = 1;
  double radius = 0;
  double width = 0, height = 0;
  double bounds[4] = {0, 0, 0, 0};  // min lon, min lat, max lon, max lat (set by AreasByShape)
};

// The 9 boxes covering a shape (Redis's GeoHashRadius).
struct Radius {
  HashBits hash;
  Area area;
  Neighbors neighbors;
};

// geohashEncode: false when out of range (then *hash is untouched or zero, as Redis).
bool Encode(const Range& long_range, const Range& lat_range, double longitude, double latitude, uint8_t step,
            HashBits* hash);
bool EncodeWGS84(double longitude, double latitude, uint8_t step, HashBits* hash);
// geohashDecode / geohashDecodeToLongLatWGS84.
bool Decode(const Range& long_range, const Range& lat_range, const HashBits& hash, Area* area);
bool DecodeToLongLatWGS84(const HashBits& hash, double* xy);
void GetNeighbors(const HashBits& hash, Neighbors* neighbors);
// geohashAlign52Bits: the hash as a 52-bit score.
uint64_t Align52Bits(const HashBits& hash);
// Redis's decodeGeohash: a sorted set score (any double, cast as Redis's C
// cast does on x86-64) to longitude, latitude.
bool DecodeScore(double score, double* xy);
// The 52-bit score GEOADD stores for a valid position.
uint64_t ScoreOf(double longitude, double latitude);

uint8_t EstimateStepsByRadius(double range_meters, double lat);
void BoundingBox(Shape* shape, double* bounds);
Radius AreasByShapeWGS84(Shape* shape);

// Haversine distance in meters (geohashGetDistance).
double Distance(double lon1d, double lat1d, double lon2d, double lat2d);
// geohashGetDistanceIfInRadiusWGS84 / geohashGetDistanceIfInRectangle.
bool DistanceIfInRadius(double x1, double y1, double x2, double y2, double radius, double* distance);
bool DistanceIfInRectangle(double width_m, double height_m, double x1, double y1, double x2, double y2,
                           double* distance);

}  // namespace stockd::engine::geo
