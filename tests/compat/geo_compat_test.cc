// tests/compat/geo_compat_test.cc — the GEO commands against redis-server 7.0,
// byte for byte over raw sockets (RESP2 and RESP3): hand-picked positions
// (poles of the Mercator range, the antimeridian, the equator, duplicates),
// every unit, every option and their combinations, the errors and their
// order, then a few thousand seeded random points and queries (radius and
// box, COUNT, ANY, ASC/DESC, WITH*, STORE/STOREDIST) with every reply and
// ZRANGE WITHSCORES of the geo keys and the STORE destinations compared;
// keyspace events of the writes, COMMAND GETKEYS of the STORE forms.
#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "tests/compat/compat_util.h"
#include "tests/util/raw_resp.h"

namespace stockd::testing {
namespace {

using Script = std::vector<std::vector<std::string>>;

std::string Printable(const std::string& s) {
  std::string out;
  for (char c : s) out += c == '\r' ? std::string("\\r") : c == '\n' ? std::string("\\n") : std::string(1, c);
  return out;
}

std::string Join(const std::vector<std::string>& argv) {
  std::string s;
  for (const auto& a : argv) s += a + " ";
  return s;
}

// Where two long replies part: a little context from each.
std::string FirstDifference(const std::string& a, const std::string& b) {
  size_t i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
  const size_t from = i < 60 ? 0 : i - 60;
  return "at byte " + std::to_string(i) + ": stockd ..." + Printable(a.substr(from, 120)) + "... redis ..." +
         Printable(b.substr(from, 120)) + "...";
}

// A raw connection to each server; every reply compared as bytes.
class Twin {
 public:
  Twin(int stockd_port, int redis_port) : s_(stockd_port), r_(redis_port) {}
  std::string Same(const std::vector<std::string>& argv) {
    const std::string a = s_.Do(argv), b = r_.Do(argv);
    EXPECT_EQ(Printable(a), Printable(b)) << "command: " << Join(argv) << "\nfirst difference: " << FirstDifference(a, b);
    EXPECT_NE(a.rfind("(io)", 0), 0u) << "no reply to: " << Join(argv);  // not two dead connections
    if (a != b) ++mismatches_;
    if (a.size() > 4 && a[0] == '*' && a != "*0\r\n") ++nonempty_arrays_;
    return a;
  }
  void SameAll(const Script& script) {
    for (const auto& argv : script) Same(argv);
  }
  // Both replies, not compared (HELLO: the client ids differ).
  void Skip(const std::vector<std::string>& argv) {
    (void)s_.Do(argv);
    (void)r_.Do(argv);
  }
  int mismatches() const { return mismatches_; }
  // Replies that were non-empty arrays (the comparisons compared results).
  int nonempty_arrays() const { return nonempty_arrays_; }

 private:
  RawResp s_, r_;
  int mismatches_ = 0;
  int nonempty_arrays_ = 0;
};

class GeoCompat : public CompatTest {
 protected:
  Twin NewTwin() { return Twin(stockd_.port(), redis_.port()); }
};

// The positions of the hand-picked tests.
const Script kPoints = {
    {"GEOADD", "Sicily", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania"},
    {"GEOADD", "Sicily", "12.758489", "38.788135", "edge1", "17.241510", "38.788135", "edge2"},
    {"GEOADD", "world", "0", "0", "origin", "180", "0", "east-edge", "-180", "0", "west-edge"},
    {"GEOADD", "world", "179.9999", "10", "am1", "-179.9999", "10", "am2", "180", "85.05112878", "ne-corner"},
    {"GEOADD", "world", "-180", "-85.05112878", "sw-corner", "0", "85.05112878", "north", "0", "-85.05112878",
     "south"},
    {"GEOADD", "world", "2.3522", "48.8566", "paris", "-0.1276", "51.5072", "london", "139.6917", "35.6895",
     "tokyo", "-74.0060", "40.7128", "nyc", "151.2093", "-33.8688", "sydney"},
    {"GEOADD", "world", "2.3522", "48.8566", "paris-twin", "2.3522", "48.8566", "paris-triplet"},  // ties
    {"GEOADD", "world", "0.0000001", "0.0000001", "near-origin", "-0.0000001", "-0.0000001", "near-origin2"},
};

TEST_F(GeoCompat, AddPosHashDistAndTheScoresTheyStore) {
  Twin t = NewTwin();
  t.SameAll(kPoints);
  t.SameAll({
      {"ZRANGE", "Sicily", "0", "-1", "WITHSCORES"},
      {"ZRANGE", "world", "0", "-1", "WITHSCORES"},
      {"TYPE", "world"},
      {"OBJECT", "ENCODING", "world"},
      {"GEOPOS", "world", "origin", "east-edge", "west-edge", "am1", "am2", "ne-corner", "sw-corner", "north",
       "south", "paris", "nope", "near-origin", "near-origin2"},
      {"GEOPOS", "Sicily", "Palermo", "Catania", "edge1", "edge2"},
      {"GEOPOS", "nokey", "a", "b"},
      {"GEOHASH", "world", "origin", "east-edge", "west-edge", "am1", "am2", "ne-corner", "sw-corner", "north",
       "south", "paris", "nope", "london", "tokyo", "nyc", "sydney"},
      {"GEOHASH", "Sicily", "Palermo", "Catania"},
      {"GEOHASH", "nokey", "a"},
      {"GEODIST", "Sicily", "Palermo", "Catania"},
      {"GEODIST", "Sicily", "Palermo", "Catania", "m"},
      {"GEODIST", "Sicily", "Palermo", "Catania", "km"},
      {"GEODIST", "Sicily", "Palermo", "Catania", "KM"},
      {"GEODIST", "Sicily", "Palermo", "Catania", "ft"},
      {"GEODIST", "Sicily", "Palermo", "Catania", "Mi"},
      {"GEODIST", "Sicily", "Palermo", "Catania", "yd"},
      {"GEODIST", "Sicily", "Palermo", "nope"},
      {"GEODIST", "Sicily", "Palermo", "Palermo"},
      {"GEODIST", "nokey", "a", "b"},
      {"GEODIST", "nokey", "a", "b", "parsec"},  // the unit is checked first
      {"GEODIST", "Sicily", "a", "b", "km", "extra"},
      {"GEODIST", "world", "east-edge", "west-edge"},
      {"GEODIST", "world", "am1", "am2", "km"},
      {"GEODIST", "world", "north", "south", "mi"},
      {"GEODIST", "world", "paris", "sydney", "km"},
      {"GEODIST", "world", "near-origin", "near-origin2"},
      // A distance whose 4th decimal printf and Redis's fixed-point rounding disagree on.
      {"GEOADD", "far", "100.06574839353561401", "59.34202364044645606", "a", "0.00978201627731323",
       "0.13646558513706708", "b"},
      {"GEODIST", "far", "a", "b", "ft"},
      {"GEORADIUSBYMEMBER", "far", "a", "20000", "km", "WITHDIST"},
      // One meridian: Redis's shortcut distance (its last bits show in STOREDIST).
      {"GEOADD", "meridian", "10", "10", "a", "10", "60", "b", "10", "-80", "c", "180", "1", "d", "180", "-70", "e"},
      {"GEODIST", "meridian", "a", "b"},
      {"GEODIST", "meridian", "b", "c", "km"},
      {"GEODIST", "meridian", "d", "e", "mi"},
      {"GEORADIUS", "meridian", "10", "0", "20000", "km", "STOREDIST", "meridian-dist"},
      {"ZRANGE", "meridian-dist", "0", "-1", "WITHSCORES"},
      {"GEOSEARCHSTORE", "meridian-dist", "meridian", "FROMLONLAT", "180", "0", "BYBOX", "100", "20000", "km",
       "STOREDIST"},
      {"ZRANGE", "meridian-dist", "0", "-1", "WITHSCORES"},
      // GEOADD is ZADD: NX, XX, CH and their replies.
      {"GEOADD", "g", "1", "1", "a", "2", "2", "b"},
      {"GEOADD", "g", "NX", "1", "1", "a", "3", "3", "c"},
      {"GEOADD", "g", "XX", "5", "5", "a", "4", "4", "d"},
      {"GEOADD", "g", "XX", "CH", "6", "6", "a", "4", "4", "d"},
      {"GEOADD", "g", "CH", "6", "6", "a", "7", "7", "b", "8", "8", "e"},
      {"GEOADD", "g", "ch", "nx", "9", "9", "a", "9", "9", "f"},
      {"GEOADD", "g", "CH", "6", "6", "a"},  // same position: nothing changes
      {"GEOADD", "newkey", "XX", "1", "1", "a"},
      {"EXISTS", "newkey"},
      {"ZRANGE", "g", "0", "-1", "WITHSCORES"},
      // Errors.
      {"GEOADD", "g", "NX", "XX", "1", "1", "a"},
      {"GEOADD", "g", "GT", "1", "1", "a"},
      {"GEOADD", "g", "1", "1", "a", "2"},
      {"GEOADD", "g", "1", "1"},
      {"GEOADD", "g", "nx", "ch", "ch"},
      {"GEOADD", "g", "200", "0", "x"},
      {"GEOADD", "g", "0", "86", "x"},
      {"GEOADD", "g", "-180.0000001", "0", "x"},
      {"GEOADD", "g", "0", "-85.05112879", "x"},
      {"GEOADD", "g", "abc", "0", "x"},
      {"GEOADD", "g", "0", "", "x"},
      {"GEOADD", "g", " 1", "0", "x"},
      {"GEOADD", "g", "1e400", "0", "x"},
      {"GEOADD", "g", "nan", "0", "x"},
      {"GEOADD", "g", "inf", "0", "x"},
      {"GEOADD", "g", "1", "1", "ok", "1000", "1", "bad"},  // nothing added
      {"ZCARD", "g"},
      {"SET", "str", "x"},
      {"GEOADD", "str", "1", "1", "a"},
      {"GEOADD", "str", "1000", "1", "a"},  // the position is checked first
      {"GEOPOS", "str", "a"},
      {"GEOHASH", "str", "a"},
      {"GEODIST", "str", "a", "b"},
      {"GEODIST", "str", "a", "b", "km"},
      // Members whose scores GEOADD did not write.
      {"ZADD", "odd", "0", "zero", "-1", "minus-one", "4503599627370495", "max52", "4503599627370496", "2^52",
       "1e30", "big", "-inf", "minf", "inf", "pinf", "0.5", "half", "123456789.75", "frac"},
      {"GEOPOS", "odd", "zero", "minus-one", "max52", "2^52", "big", "minf", "pinf", "half", "frac"},
      {"GEOHASH", "odd", "zero", "minus-one", "max52", "2^52", "half", "frac"},
      {"GEODIST", "odd", "zero", "max52"},
      {"GEODIST", "odd", "zero", "half", "km"},
      {"GEORADIUS", "odd", "0", "0", "100", "km", "WITHHASH", "WITHCOORD", "WITHDIST"},
  });
  EXPECT_EQ(t.mismatches(), 0);
}

// Every combination of the reply options, the sorts and COUNT [ANY].
Script OptionCombinations(const std::vector<std::string>& query) {
  Script script;
  const std::vector<std::vector<std::string>> sorts = {{}, {"ASC"}, {"DESC"}};
  const std::vector<std::vector<std::string>> counts = {{}, {"COUNT", "1"}, {"COUNT", "2", "ANY"}, {"COUNT", "3"},
                                                        {"count", "100", "any"}};
  for (int with = 0; with < 8; ++with) {
    for (const auto& sort : sorts) {
      for (const auto& count : counts) {
        std::vector<std::string> argv = query;
        if (with & 1) argv.push_back("WITHCOORD");
        if (with & 2) argv.push_back("WITHDIST");
        if (with & 4) argv.push_back("WITHHASH");
        argv.insert(argv.end(), sort.begin(), sort.end());
        argv.insert(argv.end(), count.begin(), count.end());
        script.push_back(argv);
      }
    }
  }
  return script;
}

TEST_F(GeoCompat, SearchesWithEveryOptionCombination) {
  Twin t = NewTwin();
  t.SameAll(kPoints);
  const std::vector<std::vector<std::string>> queries = {
      {"GEORADIUS", "Sicily", "15", "37", "200", "km"},
      {"GEORADIUS_RO", "Sicily", "15", "37", "100", "mi"},
      {"GEORADIUSBYMEMBER", "Sicily", "Palermo", "300", "KM"},
      {"GEORADIUSBYMEMBER_RO", "world", "paris", "400", "km"},
      {"GEOSEARCH", "world", "FROMLONLAT", "0", "0", "BYRADIUS", "20040", "km"},
      {"GEOSEARCH", "world", "FROMMEMBER", "paris", "BYBOX", "1000", "800", "km"},
      {"GEOSEARCH", "world", "frommember", "origin", "bybox", "40000", "40000", "km"},
      {"GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYBOX", "400", "400", "km"},
  };
  for (const auto& q : queries) t.SameAll(OptionCombinations(q));
  EXPECT_EQ(t.mismatches(), 0);
}

TEST_F(GeoCompat, SearchEdgesUnitsAndRadii) {
  Twin t = NewTwin();
  t.SameAll(kPoints);
  Script script;
  for (const std::string unit : {"m", "km", "ft", "mi", "M", "Km", "FT", "mI"}) {
    for (const std::string radius : {"0", "0.0001", "1", "10", "1000", "100000", "5000000", "1e9", "inf"}) {
      script.push_back({"GEORADIUS", "world", "0", "0", radius, unit, "WITHDIST", "WITHCOORD", "ASC"});
      script.push_back({"GEORADIUS", "world", "180", "0", radius, unit, "WITHDIST"});
      script.push_back({"GEORADIUS", "world", "-180", "10", radius, unit, "WITHDIST", "DESC"});
      script.push_back({"GEORADIUS", "world", "0", "85.05112878", radius, unit, "WITHHASH"});
      script.push_back({"GEORADIUS", "world", "0", "-85.05112878", radius, unit, "WITHDIST"});
      script.push_back({"GEORADIUSBYMEMBER", "world", "paris", radius, unit, "WITHDIST", "COUNT", "2"});
      script.push_back({"GEOSEARCH", "world", "FROMLONLAT", "179.99", "0", "BYBOX", radius, radius, unit,
                        "WITHDIST", "ASC"});
      script.push_back({"GEOSEARCH", "world", "FROMMEMBER", "north", "BYBOX", radius, "1", unit, "WITHCOORD"});
      script.push_back({"GEOSEARCH", "world", "FROMMEMBER", "south", "BYRADIUS", radius, unit, "WITHDIST"});
    }
  }
  t.SameAll(script);
  EXPECT_EQ(t.mismatches(), 0);
}

TEST_F(GeoCompat, StoreFormsAndTheirDestinations) {
  Twin t = NewTwin();
  t.SameAll(kPoints);
  t.SameAll({
      {"GEORADIUS", "world", "0", "0", "10000", "km", "STORE", "d1"},
      {"ZRANGE", "d1", "0", "-1", "WITHSCORES"},
      {"GEORADIUS", "world", "0", "0", "10000", "km", "STOREDIST", "d2"},
      {"ZRANGE", "d2", "0", "-1", "WITHSCORES"},
      {"GEORADIUS", "world", "2", "48", "1000", "mi", "STORE", "d3", "COUNT", "2", "DESC"},
      {"ZRANGE", "d3", "0", "-1", "WITHSCORES"},
      {"GEORADIUS", "world", "2", "48", "1000", "mi", "STORE", "x", "STOREDIST", "d4"},  // the last one wins
      {"EXISTS", "x"},
      {"ZRANGE", "d4", "0", "-1", "WITHSCORES"},
      {"GEORADIUS", "world", "2", "48", "1000", "mi", "STOREDIST", "x", "STORE", "d5", "COUNT", "1", "ANY"},
      {"ZRANGE", "d5", "0", "-1", "WITHSCORES"},
      {"GEORADIUSBYMEMBER", "world", "tokyo", "1", "km", "STORE", "d6"},
      {"ZRANGE", "d6", "0", "-1", "WITHSCORES"},
      {"GEORADIUSBYMEMBER", "world", "tokyo", "1", "km", "STOREDIST", "d7"},
      {"ZRANGE", "d7", "0", "-1", "WITHSCORES"},
      {"GEOSEARCHSTORE", "d8", "world", "FROMMEMBER", "paris", "BYRADIUS", "500", "km"},
      {"ZRANGE", "d8", "0", "-1", "WITHSCORES"},
      {"GEOSEARCHSTORE", "d9", "world", "FROMMEMBER", "paris", "BYBOX", "3000", "3000", "km", "STOREDIST",
       "DESC", "COUNT", "3"},
      {"ZRANGE", "d9", "0", "-1", "WITHSCORES"},
      {"OBJECT", "ENCODING", "d9"},
      {"SET", "d10", "a string"},
      {"PEXPIRE", "d10", "100000"},
      {"GEOSEARCHSTORE", "d10", "world", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "m"},  // nothing: deleted
      {"EXISTS", "d10"},
      {"SET", "d11", "a string"},
      {"PEXPIRE", "d11", "100000"},
      {"GEORADIUS", "world", "0", "0", "1", "km", "STORE", "d11"},  // overwrites any type, drops the TTL
      {"TYPE", "d11"},
      {"TTL", "d11"},
      {"GEORADIUS", "nokey", "0", "0", "1", "km", "STORE", "d11"},  // a missing source deletes too
      {"EXISTS", "d11"},
      {"GEORADIUSBYMEMBER", "nokey", "m", "1", "km", "STORE", "d1"},
      {"EXISTS", "d1"},
      {"GEORADIUSBYMEMBER", "nokey", "m", "1", "km"},
      {"GEOSEARCHSTORE", "d2", "nokey", "FROMMEMBER", "m", "BYRADIUS", "1", "km"},
      {"EXISTS", "d2"},
      {"GEOSEARCHSTORE", "world", "world", "FROMMEMBER", "paris", "BYRADIUS", "1", "km"},  // onto itself
      {"ZRANGE", "world", "0", "-1", "WITHSCORES"},
      {"GEOSEARCHSTORE", "d12", "str", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km"},
  });
  EXPECT_EQ(t.mismatches(), 0);
}

TEST_F(GeoCompat, ErrorsAndTheirOrder) {
  Twin t = NewTwin();
  t.SameAll(kPoints);
  t.SameAll({
      {"SET", "str", "x"},
      {"GEORADIUS", "str", "1000", "0", "1", "km"},  // WRONGTYPE first
      {"GEOSEARCH", "str", "FROMLONLAT", "0", "0", "BYRADIUS", "-1", "km"},
      {"GEORADIUS", "world", "1000", "0", "1", "km"},
      {"GEORADIUS", "world", "x", "0", "1", "km"},
      {"GEORADIUS", "world", "0", "0", "-1", "km"},
      {"GEORADIUS", "world", "0", "0", "x", "km"},
      {"GEORADIUS", "world", "0", "0", "1e400", "km"},
      {"GEORADIUS", "world", "0", "0", "1", "parsec"},
      {"GEORADIUS", "world", "0", "0", "1", "km", "COUNT"},
      {"GEORADIUS", "world", "0", "0", "1", "km", "COUNT", "0"},
      {"GEORADIUS", "world", "0", "0", "1", "km", "COUNT", "-3"},
      {"GEORADIUS", "world", "0", "0", "1", "km", "COUNT", "x"},
      {"GEORADIUS", "world", "0", "0", "1", "km", "ANY"},
      {"GEORADIUS", "world", "0", "0", "1", "km", "STORE"},
      {"GEORADIUS", "world", "0", "0", "1", "km", "STORE", "d", "WITHDIST"},
      {"GEORADIUS", "world", "0", "0", "1", "km", "WITHHASH", "STOREDIST", "d"},
      {"GEORADIUS", "world", "0", "0", "1", "km", "foo"},
      {"GEORADIUS", "world", "0", "0", "1", "km", "FROMLONLAT", "0", "0"},
      {"GEORADIUS_RO", "world", "0", "0", "1", "km", "STORE", "d"},
      {"GEORADIUSBYMEMBER", "world", "nope", "1", "km"},
      {"GEORADIUSBYMEMBER", "world", "nope", "x", "km"},
      {"GEORADIUSBYMEMBER", "world", "paris", "x", "km"},
      {"GEORADIUSBYMEMBER", "nokey", "nope", "1", "km", "foo"},
      {"GEORADIUSBYMEMBER", "nokey", "nope", "1", "km", "STORE", "d", "WITHCOORD"},
      {"GEORADIUSBYMEMBER_RO", "world", "paris", "1", "km", "STOREDIST", "d"},
      {"GEOSEARCH", "world", "BYRADIUS", "1", "km", "ASC"},
      {"GEOSEARCH", "world", "FROMLONLAT", "0", "0", "ASC"},
      {"GEOSEARCH", "world", "FROMLONLAT", "0", "0", "asc", "desc"},
      {"geosearch", "world", "byradius", "1", "km", "asc", "desc"},
      {"GeoSearchStore", "d", "world", "fromlonlat", "0", "0", "asc", "desc"},
      {"GEOSEARCH", "world", "FROMLONLAT", "0", "0", "FROMMEMBER", "paris", "BYRADIUS", "1", "km"},
      {"GEOSEARCH", "world", "FROMMEMBER", "paris", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km"},
      {"GEOSEARCH", "world", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km", "BYBOX", "1", "1", "km"},
      {"GEOSEARCH", "world", "FROMLONLAT", "0", "0", "BYBOX", "1", "1", "km", "BYRADIUS", "1", "km"},
      {"GEOSEARCH", "world", "FROMMEMBER", "nope", "BYRADIUS", "1", "km"},
      {"GEOSEARCH", "nokey", "FROMMEMBER", "nope", "BYRADIUS", "1", "km"},
      {"GEOSEARCH", "nokey", "FROMMEMBER", "nope", "ASC", "DESC"},
      {"GEOSEARCH", "world", "FROMLONLAT", "0", "91", "BYRADIUS", "1", "km"},
      {"GEOSEARCH", "world", "FROMLONLAT", "0", "0", "BYBOX", "-1", "1", "km"},
      {"GEOSEARCH", "world", "FROMLONLAT", "0", "0", "BYBOX", "1", "x", "km"},
      {"GEOSEARCH", "world", "FROMLONLAT", "0", "0", "BYBOX", "x", "1", "km"},
      {"GEOSEARCH", "world", "FROMLONLAT", "0", "0", "BYBOX", "1", "1", "au"},
      {"GEOSEARCH", "world", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km", "STORE", "d"},
      {"GEOSEARCH", "world", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km", "STOREDIST"},
      {"GEOSEARCH", "world", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km", "ANY"},
      {"GEOSEARCH", "world", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km", "COUNT", "1", "WITHDIST", "ANY"},
      {"GEOSEARCHSTORE", "d", "world", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km", "WITHDIST"},
      {"GEOSEARCHSTORE", "d", "world", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km", "STORE", "e"},
      {"GEOSEARCH", "world", "FROMLONLAT", "0", "0"},
      {"GEOSEARCHSTORE", "d", "world", "FROMLONLAT", "0", "0"},
      {"GEORADIUS", "world", "0", "0", "1"},
      {"GEORADIUSBYMEMBER", "world", "paris", "1"},
      {"GEOPOS"},
      {"GEOHASH"},
      {"GEODIST", "world", "a"},
  });
  EXPECT_EQ(t.mismatches(), 0);
}

TEST_F(GeoCompat, Resp3Replies) {
  Twin t = NewTwin();
  t.Skip({"HELLO", "3"});
  t.SameAll(kPoints);
  t.SameAll({
      {"GEOPOS", "world", "paris", "nope", "origin", "east-edge", "sw-corner"},
      {"GEOPOS", "nokey", "a"},
      {"GEOHASH", "world", "paris", "nope"},
      {"GEODIST", "world", "paris", "london", "km"},
      {"GEODIST", "world", "paris", "nope"},
      {"GEODIST", "nokey", "a", "b"},
      {"GEORADIUS", "nokey", "0", "0", "1", "km"},
      {"GEORADIUS", "world", "0", "0", "1", "km"},
      {"ZRANGE", "world", "0", "-1", "WITHSCORES"},
  });
  t.SameAll(OptionCombinations({"GEOSEARCH", "world", "FROMMEMBER", "paris", "BYRADIUS", "2000", "km"}));
  t.SameAll(OptionCombinations({"GEORADIUS", "world", "0", "0", "20000", "km"}));
  EXPECT_EQ(t.mismatches(), 0);
}

// Random points and queries from a fixed seed: clusters (many points within
// one search), exact duplicates (distance ties, for the sorts and COUNT),
// points all over the Mercator range.
TEST_F(GeoCompat, SeededRandomPointsAndQueries) {
  Twin t = NewTwin();
  std::mt19937_64 rng(20260727);
  auto uniform = [&](double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng); };
  auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };
  auto num = [](double v) {
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%.9g", v);
    return std::string(buf);
  };
  const std::vector<std::pair<double, double>> centers = {
      {13.36, 38.11}, {0, 0}, {179.9, -20}, {-179.95, 45}, {2.35, 84.9}, {-70, -84.99}, {100, 60}, {-45.5, 10.25},
      {180, 0}, {-180, 10}, {0, 85.05}};
  const std::vector<std::string> keys = {"r1", "r2", "r3"};
  std::vector<std::pair<double, double>> placed;
  for (const auto& key : keys) {
    for (int batch = 0; batch < 12; ++batch) {
      std::vector<std::string> argv = {"GEOADD", key};
      for (int i = 0; i < 25; ++i) {
        double lon, lat;
        const size_t kind = pick(10);
        if (kind < 5) {  // a cluster
          const auto& c = centers[pick(centers.size())];
          const double spread = std::pow(10.0, uniform(-4, 0.5));
          lon = std::fmax(-180, std::fmin(180, c.first + uniform(-spread, spread)));
          lat = std::fmax(-85.05112878, std::fmin(85.05112878, c.second + uniform(-spread, spread)));
        } else if (kind < 7 && !placed.empty()) {  // an exact duplicate position
          std::tie(lon, lat) = placed[pick(placed.size())];
        } else {
          lon = uniform(-180, 180);
          lat = uniform(-85.05112878, 85.05112878);
        }
        placed.emplace_back(lon, lat);
        argv.push_back(num(lon));
        argv.push_back(num(lat));
        argv.push_back("m" + std::to_string(batch * 25 + i));
      }
      t.Same(argv);
    }
    t.Same({"ZRANGE", key, "0", "-1", "WITHSCORES"});
  }
  const std::vector<std::string> units = {"m", "km", "ft", "mi"};
  int queries = 0;
  for (int q = 0; q < 3000; ++q) {
    const std::string& key = keys[pick(keys.size())];
    const std::string unit = units[pick(units.size())];
    double lon, lat;
    if (pick(2) == 0) {
      const auto& c = centers[pick(centers.size())];
      lon = std::fmax(-180, std::fmin(180, c.first + uniform(-0.5, 0.5)));
      lat = std::fmax(-85.05112878, std::fmin(85.05112878, c.second + uniform(-0.5, 0.5)));
    } else {
      std::tie(lon, lat) = placed[pick(placed.size())];
    }
    const double meters = std::pow(10.0, uniform(-1, 7.3));
    const double per_unit = unit == "m" ? 1 : unit == "km" ? 1000 : unit == "ft" ? 0.3048 : 1609.34;
    const std::string radius = num(meters / per_unit);
    const std::string member = "m" + std::to_string(pick(300));
    std::vector<std::string> argv;
    const size_t form = pick(7);
    std::string store;
    switch (form) {
      case 0: argv = {"GEORADIUS", key, num(lon), num(lat), radius, unit}; break;
      case 1: argv = {"GEORADIUS_RO", key, num(lon), num(lat), radius, unit}; break;
      case 2: argv = {"GEORADIUSBYMEMBER", key, member, radius, unit}; break;
      case 3: argv = {"GEOSEARCH", key, "FROMLONLAT", num(lon), num(lat), "BYRADIUS", radius, unit}; break;
      case 4:
        argv = {"GEOSEARCH", key, "FROMMEMBER", member, "BYBOX", radius,
                num(std::pow(10.0, uniform(-1, 7.3)) / per_unit), unit};
        break;
      case 5:
        argv = {"GEOSEARCH", key, "FROMLONLAT", num(lon), num(lat), "BYBOX", radius,
                num(std::pow(10.0, uniform(-1, 7.3)) / per_unit), unit};
        break;
      default:
        store = "dst" + std::to_string(pick(3));
        argv = {"GEOSEARCHSTORE", store, key, "FROMLONLAT", num(lon), num(lat), "BYRADIUS", radius, unit};
        if (pick(2)) argv.push_back("STOREDIST");
        break;
    }
    if (store.empty() && form == 0 && pick(4) == 0) {
      store = "dst" + std::to_string(pick(3));
      argv.push_back(pick(2) ? "STORE" : "STOREDIST");
      argv.push_back(store);
    }
    if (store.empty()) {
      if (pick(2)) argv.push_back("WITHDIST");
      if (pick(3) == 0) argv.push_back("WITHCOORD");
      if (pick(3) == 0) argv.push_back("WITHHASH");
    }
    const size_t sort = pick(3);
    if (sort == 1) argv.push_back("ASC");
    if (sort == 2) argv.push_back("DESC");
    if (pick(2)) {
      argv.push_back("COUNT");
      argv.push_back(std::to_string(1 + pick(pick(2) ? 5 : 60)));
      if (pick(3) == 0) argv.push_back("ANY");
    }
    t.Same(argv);
    if (!store.empty()) t.Same({"ZRANGE", store, "0", "-1", "WITHSCORES"});
    ++queries;
    if (q % 500 == 0) {  // distances between random members
      for (int i = 0; i < 20; ++i) {
        t.Same({"GEODIST", key, "m" + std::to_string(pick(300)), "m" + std::to_string(pick(300)), unit});
        t.Same({"GEOPOS", key, "m" + std::to_string(pick(300)), "m" + std::to_string(pick(300))});
        t.Same({"GEOHASH", key, "m" + std::to_string(pick(300))});
      }
    }
  }
  EXPECT_EQ(queries, 3000);
  EXPECT_GT(t.nonempty_arrays(), 1500);  // most queries found members
  EXPECT_EQ(t.mismatches(), 0);
}

TEST_F(GeoCompat, GetKeysOfTheStoreForms) {
  Twin t = NewTwin();
  t.SameAll({
      {"COMMAND", "GETKEYS", "GEORADIUS", "k", "0", "0", "1", "km"},
      {"COMMAND", "GETKEYS", "GEORADIUS", "k", "0", "0", "1", "km", "STORE", "d"},
      {"COMMAND", "GETKEYS", "GEORADIUS", "k", "0", "0", "1", "km", "storedist", "d"},
      {"COMMAND", "GETKEYS", "GEORADIUS", "k", "0", "0", "1", "km", "STORE", "a", "STOREDIST", "b"},
      {"COMMAND", "GETKEYS", "GEORADIUS", "k", "0", "0", "1", "km", "STOREDIST", "b", "STORE", "a"},
      {"COMMAND", "GETKEYS", "GEORADIUS", "k", "0", "0", "1", "km", "COUNT", "3", "STORE"},
      {"COMMAND", "GETKEYS", "GEORADIUSBYMEMBER", "k", "store", "1", "km"},
      {"COMMAND", "GETKEYS", "GEORADIUSBYMEMBER", "k", "m", "1", "km", "STORE", "d"},
      {"COMMAND", "GETKEYS", "GEORADIUS_RO", "k", "0", "0", "1", "km"},
      {"COMMAND", "GETKEYS", "GEOSEARCHSTORE", "d", "s", "FROMMEMBER", "m", "BYRADIUS", "1", "km"},
      {"COMMAND", "GETKEYS", "GEOADD", "k", "1", "1", "m"},
  });
  // The destination is locked and written like any key (another shard's).
  t.SameAll(kPoints);
  for (int i = 0; i < 20; ++i) {
    const std::string dst = "dest-" + std::to_string(i);
    t.Same({"GEORADIUS", "world", "0", "0", "20000", "km", "STORE", dst, "COUNT", std::to_string(i + 1)});
    t.Same({"ZRANGE", dst, "0", "-1", "WITHSCORES"});
  }
  EXPECT_EQ(t.mismatches(), 0);
}

// The events the writes announce, as redis-server announces them.
TEST_F(GeoCompat, KeyspaceEvents) {
  auto events = [](int port) {
    RawResp client(port), sub(port);
    client.Do({"CONFIG", "SET", "notify-keyspace-events", "KEA"});
    sub.Do({"PSUBSCRIBE", "__key*__:*"});
    const Script script = {
        {"GEOADD", "g", "1", "1", "a", "2", "2", "b"},
        {"GEOADD", "g", "NX", "1", "1", "a"},  // no change: no event
        {"GEOADD", "g", "XX", "3", "3", "a"},
        {"GEORADIUS", "g", "1", "1", "1000", "km", "STORE", "s1"},
        {"GEORADIUS", "g", "1", "1", "1000", "km", "STOREDIST", "s1"},
        {"GEORADIUSBYMEMBER", "g", "a", "10", "km", "STORE", "s1"},
        {"GEOSEARCHSTORE", "s2", "g", "FROMMEMBER", "a", "BYRADIUS", "1000", "km"},
        {"GEORADIUS", "g", "50", "50", "1", "km", "STORE", "s1"},  // empty: del
        {"GEOSEARCHSTORE", "s2", "g", "FROMLONLAT", "50", "50", "BYRADIUS", "1", "km"},
        {"GEOSEARCHSTORE", "s2", "g", "FROMLONLAT", "50", "50", "BYRADIUS", "1", "km"},  // nothing to delete
        {"GEOSEARCHSTORE", "s3", "nokey", "FROMLONLAT", "50", "50", "BYRADIUS", "1", "km"},
        {"PUBLISH", "__keymark__:end", "."},
    };
    for (const auto& argv : script) client.Do(argv);
    std::vector<std::string> out;
    for (;;) {
      const std::string m = sub.Read();
      out.push_back(Printable(m));
      if (m.find("__keymark__:end") != std::string::npos || m.rfind("(io)", 0) == 0) break;
    }
    return out;
  };
  const std::vector<std::string> s = events(stockd_.port());
  const std::vector<std::string> r = events(redis_.port());
  EXPECT_EQ(s, r);
  EXPECT_GE(r.size(), 10u);
}

}  // namespace
}  // namespace stockd::testing
