// tests/engine/geo_family_test.cc — the GEO commands through the engine: the
// scores GEOADD stores (Redis's 52-bit geohashes), the coordinate, distance
// and geohash texts (values taken from redis-server 7.0), RESP3 forms, the
// searches' filters, sorts and COUNT [ANY], the STORE forms and their events,
// the errors, the STORE key among the row's keys, and the geohash math.
#include <string>
#include <utility>
#include <vector>

#include "engine/keyspace_events.h"
#include "engine/types/geohash.h"
#include "tests/engine/engine_test_util.h"

namespace stockd::engine::testing {
namespace {

class RecordingSink : public KeyspaceEvents::Sink {
 public:
  void Publish(std::string_view channel, std::string_view message) override {
    events.emplace_back(std::string(channel), std::string(message));
  }
  std::vector<std::pair<std::string, std::string>> events;
};

class GeoFamilyTest : public EngineTest {
 protected:
  void AddSicily() {
    ASSERT_EQ(Run({"GEOADD", "Sicily", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania"}),
              Int(2));
  }
};

const std::string kPalermoCoord = Arr({Bulk("13.36138933897018433"), Bulk("38.11555639549629859")});
const std::string kCataniaCoord = Arr({Bulk("15.08726745843887329"), Bulk("37.50266842333162032")});

TEST_F(GeoFamilyTest, GeoAddStoresRedisGeohashScoresInASortedSet) {
  AddSicily();
  EXPECT_EQ(Run({"TYPE", "Sicily"}), Status("zset"));
  EXPECT_EQ(Run({"ZRANGE", "Sicily", "0", "-1", "WITHSCORES"}),
            BulkArr({"Palermo", "3479099956230698", "Catania", "3479447370796909"}));
  EXPECT_EQ(Run({"ZSCORE", "Sicily", "Palermo"}), Bulk("3479099956230698"));
}

TEST_F(GeoFamilyTest, GeoAddOptionsAreZAdds) {
  EXPECT_EQ(Run({"GEOADD", "g", "1", "1", "a", "2", "2", "b"}), Int(2));
  EXPECT_EQ(Run({"GEOADD", "g", "NX", "5", "5", "a", "3", "3", "c"}), Int(1));  // a untouched
  EXPECT_EQ(Run({"GEOADD", "g", "XX", "5", "5", "a", "4", "4", "d"}), Int(0));  // a moved, d not added
  EXPECT_EQ(Run({"GEOADD", "g", "XX", "CH", "6", "6", "a", "4", "4", "d"}), Int(1));
  EXPECT_EQ(Run({"GEOADD", "g", "CH", "6", "6", "a"}), Int(0));  // same position: no change
  EXPECT_EQ(Run({"ZCARD", "g"}), Int(3));
  EXPECT_EQ(Run({"GEOADD", "none", "XX", "1", "1", "a"}), Int(0));
  EXPECT_EQ(Run({"EXISTS", "none"}), Int(0));
  EXPECT_EQ(Run({"GEOADD", "g", "NX", "XX", "1", "1", "a"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"GEOADD", "g", "1", "1", "a", "2"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"GEOADD", "g", "nx", "ch", "ch"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"GEOADD", "g", "200", "0", "x"}), Err("ERR invalid longitude,latitude pair 200.000000,0.000000"));
  EXPECT_EQ(Run({"GEOADD", "g", "0", "86", "x"}), Err("ERR invalid longitude,latitude pair 0.000000,86.000000"));
  EXPECT_EQ(Run({"GEOADD", "g", "x", "0", "x"}), Err("ERR value is not a valid float"));
  EXPECT_EQ(Run({"GEOADD", "g", "1e400", "0", "x"}), Err("ERR value is not a valid float"));
  EXPECT_EQ(Run({"GEOADD", "g", "1", "1", "ok", "1000", "1", "bad"}),
            Err("ERR invalid longitude,latitude pair 1000.000000,1.000000"));
  EXPECT_EQ(Run({"ZSCORE", "g", "ok"}), kNil);  // nothing added
  Run({"SET", "str", "v"});
  EXPECT_EQ(Run({"GEOADD", "str", "1", "1", "a"}),
            Err("WRONGTYPE Operation against a key holding the wrong kind of value"));
}

TEST_F(GeoFamilyTest, GeoPosGeoHashGeoDistAsRedis) {
  AddSicily();
  EXPECT_EQ(Run({"GEOPOS", "Sicily", "Palermo", "nope", "Catania"}),
            Arr({kPalermoCoord, "*-1\r\n", kCataniaCoord}));
  EXPECT_EQ(Run({"GEOPOS", "nokey", "a"}), Arr({"*-1\r\n"}));
  EXPECT_EQ(Run({"GEOHASH", "Sicily", "Palermo", "Catania", "nope"}),
            Arr({Bulk("sqc8b49rny0"), Bulk("sqdtr74hyu0"), kNil}));
  EXPECT_EQ(Run({"GEODIST", "Sicily", "Palermo", "Catania"}), Bulk("166274.1516"));
  EXPECT_EQ(Run({"GEODIST", "Sicily", "Palermo", "Catania", "km"}), Bulk("166.2742"));
  EXPECT_EQ(Run({"GEODIST", "Sicily", "Palermo", "Catania", "MI"}), Bulk("103.3182"));
  EXPECT_EQ(Run({"GEODIST", "Sicily", "Palermo", "nope"}), kNil);
  // 34663441.28914999961 ft exactly, but d * 10^4 rounds to ...91.5 in binary:
  // Redis's fixedpoint rounding says .2892 where printf's "%.4f" says .2891.
  Run({"GEOADD", "far", "100.06574839353561401", "59.34202364044645606", "a", "0.00978201627731323",
       "0.13646558513706708", "b"});
  EXPECT_EQ(Run({"GEODIST", "far", "a", "b", "ft"}), Bulk("34663441.2892"));
  EXPECT_EQ(Run({"GEODIST", "far", "a", "a"}), Bulk("0.0000"));
  EXPECT_EQ(Run({"GEODIST", "nokey", "a", "b"}), kNil);
  EXPECT_EQ(Run({"GEODIST", "nokey", "a", "b", "yd"}),
            Err("ERR unsupported unit provided. please use M, KM, FT, MI"));
  EXPECT_EQ(Run({"GEODIST", "Sicily", "a", "b", "km", "x"}), Err("ERR syntax error"));
}

TEST_F(GeoFamilyTest, Resp3Forms) {
  AddSicily();
  session_.resp = 3;
  EXPECT_EQ(Run({"GEOPOS", "Sicily", "Palermo", "nope"}),
            "*2\r\n*2\r\n,13.36138933897018433\r\n,38.11555639549629859\r\n_\r\n");
  EXPECT_EQ(Run({"GEODIST", "Sicily", "Palermo", "Catania"}), Bulk("166274.1516"));
  EXPECT_EQ(Run({"GEODIST", "Sicily", "Palermo", "nope"}), "_\r\n");
  EXPECT_EQ(Run({"GEORADIUS", "Sicily", "15", "37", "200", "km", "WITHDIST", "WITHCOORD", "WITHHASH"}),
            "*2\r\n*4\r\n$7\r\nPalermo\r\n$8\r\n190.4424\r\n:3479099956230698\r\n*2\r\n,13.36138933897018433\r\n,"
            "38.11555639549629859\r\n*4\r\n$7\r\nCatania\r\n$7\r\n56.4413\r\n:3479447370796909\r\n*2\r\n,"
            "15.08726745843887329\r\n,37.50266842333162032\r\n");
}

TEST_F(GeoFamilyTest, RadiusSearchFiltersSortsAndCounts) {
  AddSicily();
  // Unsorted: the boxes' order; both in range.
  EXPECT_EQ(Run({"GEORADIUS", "Sicily", "15", "37", "200", "km", "WITHDIST", "WITHCOORD", "WITHHASH"}),
            Arr({Arr({Bulk("Palermo"), Bulk("190.4424"), Int(3479099956230698), kPalermoCoord}),
                 Arr({Bulk("Catania"), Bulk("56.4413"), Int(3479447370796909), kCataniaCoord})}));
  EXPECT_EQ(Run({"GEORADIUS", "Sicily", "15", "37", "100", "km"}), BulkArr({"Catania"}));
  EXPECT_EQ(Run({"GEORADIUS", "Sicily", "15", "37", "200", "km", "DESC"}), BulkArr({"Palermo", "Catania"}));
  EXPECT_EQ(Run({"GEORADIUS", "Sicily", "15", "37", "200", "km", "COUNT", "1"}), BulkArr({"Catania"}));
  EXPECT_EQ(Run({"GEORADIUS", "Sicily", "15", "37", "200", "km", "COUNT", "1", "ANY", "DESC"}),
            BulkArr({"Palermo"}));  // ANY: the first found, not the nearest
  EXPECT_EQ(Run({"GEORADIUS_RO", "Sicily", "15", "37", "200", "km", "ASC", "WITHDIST"}),
            Arr({Arr({Bulk("Catania"), Bulk("56.4413")}), Arr({Bulk("Palermo"), Bulk("190.4424")})}));
  EXPECT_EQ(Run({"GEORADIUSBYMEMBER", "Sicily", "Palermo", "100", "km"}), BulkArr({"Palermo"}));
  EXPECT_EQ(Run({"GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYBOX", "400", "400", "km", "ASC"}),
            BulkArr({"Catania", "Palermo"}));
  EXPECT_EQ(Run({"GEOSEARCH", "Sicily", "FROMMEMBER", "Catania", "BYRADIUS", "10", "km", "WITHDIST"}),
            Arr({Arr({Bulk("Catania"), Bulk("0.0000")})}));
  EXPECT_EQ(Run({"GEORADIUS", "Sicily", "15", "37", "1", "km"}), "*0\r\n");
  EXPECT_EQ(Run({"GEORADIUS", "nokey", "15", "37", "1", "km"}), "*0\r\n");
}

TEST_F(GeoFamilyTest, EqualDistancesKeepTheirFoundOrderWhenAllAreReturned) {
  // Three members at one position: a full sort is stable (glibc's qsort).
  Run({"GEOADD", "g", "2.3522", "48.8566", "b", "2.3522", "48.8566", "a", "2.3522", "48.8566", "c"});
  EXPECT_EQ(Run({"GEORADIUS", "g", "2", "48", "200", "km", "ASC"}), BulkArr({"a", "b", "c"}));
  EXPECT_EQ(Run({"GEORADIUS", "g", "2", "48", "200", "km", "DESC"}), BulkArr({"a", "b", "c"}));
}

TEST_F(GeoFamilyTest, CountCutsWithRedisPartialSortOrderingTies) {
  // Eleven members on six positions (c and e tie, so do b f i): COUNT 5 of
  // 11 takes Redis's pqsort, which leaves e before c; without the cut, the
  // stable sort keeps c first. Both orders are redis-server 7.0.15's.
  Run({"GEOADD", "t", "1.02", "1.01", "a", "1.01", "1.0", "b", "1.0", "1.01", "c", "1.02", "1.0", "d", "1.0", "1.01",
       "e", "1.01", "1.0", "f", "1.0", "1.0", "g", "1.02", "1.01", "h", "1.01", "1.0", "i", "1.02", "1.0", "j",
       "1.02", "1.0", "k"});
  EXPECT_EQ(Run({"GEORADIUS", "t", "1", "1", "100", "km", "ASC", "COUNT", "5"}), BulkArr({"g", "b", "f", "i", "e"}));
  EXPECT_EQ(Run({"GEORADIUS", "t", "1", "1", "100", "km", "ASC"}),
            BulkArr({"g", "b", "f", "i", "c", "e", "d", "j", "k", "a", "h"}));
}

TEST_F(GeoFamilyTest, StoreFormsWriteSortedSetsAndAnnounceThem) {
  RecordingSink sink;
  engine_.keyspace_events().SetSink(&sink);
  engine_.keyspace_events().SetFlags(notify::kAll | notify::kKeyevent);
  AddSicily();
  EXPECT_EQ(Run({"GEORADIUS", "Sicily", "15", "37", "200", "km", "STORE", "d"}), Int(2));
  EXPECT_EQ(Run({"ZRANGE", "d", "0", "-1", "WITHSCORES"}),
            BulkArr({"Palermo", "3479099956230698", "Catania", "3479447370796909"}));
  EXPECT_EQ(Run({"GEORADIUS", "Sicily", "15", "37", "200", "km", "STOREDIST", "d"}), Int(2));
  EXPECT_EQ(Run({"ZRANGE", "d", "0", "-1", "WITHSCORES"}),
            BulkArr({"Catania", "56.441257870158204", "Palermo", "190.44242984775784"}));
  EXPECT_EQ(Run({"GEOSEARCHSTORE", "e", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "100", "km"}), Int(1));
  EXPECT_EQ(Run({"GEORADIUS", "Sicily", "15", "37", "1", "km", "STORE", "d"}), Int(0));
  EXPECT_EQ(Run({"EXISTS", "d"}), Int(0));
  EXPECT_EQ(Run({"GEORADIUSBYMEMBER", "nokey", "x", "1", "km", "STORE", "e"}), Int(0));
  EXPECT_EQ(Run({"EXISTS", "e"}), Int(0));
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"__keyevent@0__:zadd", "Sicily"},
      {"__keyevent@0__:georadiusstore", "d"},
      {"__keyevent@0__:georadiusstore", "d"},
      {"__keyevent@0__:geosearchstore", "e"},
      {"__keyevent@0__:del", "d"},
      {"__keyevent@0__:del", "e"},
  };
  EXPECT_EQ(sink.events, expected);
  engine_.keyspace_events().SetFlags(0);
}

TEST_F(GeoFamilyTest, ErrorsAsRedis) {
  AddSicily();
  Run({"SET", "str", "v"});
  EXPECT_EQ(Run({"GEORADIUS", "str", "1000", "0", "1", "km"}),
            Err("WRONGTYPE Operation against a key holding the wrong kind of value"));
  EXPECT_EQ(Run({"GEORADIUS", "Sicily", "15", "37", "200", "km", "STORE", "d", "WITHDIST"}),
            Err("ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD options"));
  EXPECT_EQ(Run({"GEOSEARCHSTORE", "d", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "1", "km", "WITHHASH"}),
            Err("ERR GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and WITHCOORD options"));
  EXPECT_EQ(Run({"GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "ASC", "DESC"}),
            Err("ERR exactly one of BYRADIUS and BYBOX can be specified for GEOSEARCH"));
  EXPECT_EQ(Run({"geosearch", "Sicily", "BYRADIUS", "1", "km", "ASC", "DESC"}),
            Err("ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for geosearch"));
  EXPECT_EQ(Run({"GEORADIUSBYMEMBER", "Sicily", "nope", "1", "km"}),
            Err("ERR could not decode requested zset member"));
  EXPECT_EQ(Run({"GEORADIUS", "Sicily", "15", "37", "-1", "km"}), Err("ERR radius cannot be negative"));
  EXPECT_EQ(Run({"GEORADIUS", "Sicily", "15", "37", "x", "km"}), Err("ERR need numeric radius"));
  EXPECT_EQ(Run({"GEORADIUS", "Sicily", "15", "37", "1", "km", "COUNT", "0"}), Err("ERR COUNT must be > 0"));
  EXPECT_EQ(Run({"GEORADIUS", "Sicily", "15", "37", "1", "km", "ANY"}),
            Err("ERR the ANY argument requires COUNT argument"));
  EXPECT_EQ(Run({"GEORADIUS_RO", "Sicily", "15", "37", "1", "km", "STORE", "d"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"GEOSEARCH", "Sicily", "FROMLONLAT", "0", "0", "BYBOX", "1", "-1", "km"}),
            Err("ERR height or width cannot be negative"));
  EXPECT_EQ(Run({"GEOSEARCH", "Sicily", "FROMLONLAT", "0", "0", "BYBOX", "1", "x", "km"}),
            Err("ERR need numeric height"));
}

TEST_F(GeoFamilyTest, TheStoreKeyIsAmongTheRowsKeys) {
  const Command* cmd = engine_.commands().Find("georadius");
  ASSERT_NE(cmd, nullptr);
  EXPECT_TRUE(cmd->movable_keys());
  auto keys = [&](const std::vector<std::string>& argv) {
    std::vector<std::string> out;
    cmd->ForEachKeyIndex(argv, [&](int i) { out.push_back(argv[static_cast<size_t>(i)]); });
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(keys({"georadius", "k", "0", "0", "1", "km"}), V({"k"}));
  EXPECT_EQ(keys({"georadius", "k", "0", "0", "1", "km", "STORE", "d"}), V({"k", "d"}));
  EXPECT_EQ(keys({"georadius", "k", "0", "0", "1", "km", "storedist", "b", "store", "a"}), V({"k", "a", "b"}));
  // A repeated keyword: the handler writes the last one, so it is a key too.
  EXPECT_EQ(keys({"georadius", "k", "0", "0", "1", "km", "STORE", "a", "STORE", "b"}), V({"k", "a", "b"}));
  EXPECT_EQ(keys({"georadius", "k", "0", "0", "1", "km", "COUNT", "1", "STORE"}), V({"k"}));
  const Command* bymember = engine_.commands().Find("georadiusbymember");
  ASSERT_NE(bymember, nullptr);
  std::vector<std::string> argv = {"georadiusbymember", "k", "store", "1", "km", "STORE", "d"};
  std::vector<std::string> out;
  bymember->ForEachKeyIndex(argv, [&](int i) { out.push_back(argv[static_cast<size_t>(i)]); });
  EXPECT_EQ(out, V({"k", "d"}));
  // And the destination in another shard is written (the dispatcher locked it).
  AddSicily();
  for (int i = 0; i < 32; ++i) {
    const std::string dst = "dst" + std::to_string(i);
    EXPECT_EQ(Run({"GEORADIUS", "Sicily", "15", "37", "200", "km", "STORE", dst}), Int(2));
    EXPECT_EQ(Run({"ZCARD", dst}), Int(2));
  }
}

TEST(GeohashTest, EncodeDecodeAndDistanceAsRedis) {
  EXPECT_EQ(geo::ScoreOf(13.361389, 38.115556), 3479099956230698u);
  double xy[2];
  ASSERT_TRUE(geo::DecodeScore(3479099956230698.0, xy));
  EXPECT_DOUBLE_EQ(xy[0], 13.36138933897018433);
  EXPECT_DOUBLE_EQ(xy[1], 38.11555639549629859);
  // Decoding a score re-encodes to the same cell.
  for (double lon = -179.5; lon < 180; lon += 37.3) {
    for (double lat = -85; lat < 85; lat += 11.7) {
      const uint64_t s = geo::ScoreOf(lon, lat);
      ASSERT_TRUE(geo::DecodeScore(static_cast<double>(s), xy));
      EXPECT_EQ(geo::ScoreOf(xy[0], xy[1]), s);
      EXPECT_NEAR(xy[0], lon, 1e-5);
      EXPECT_NEAR(xy[1], lat, 1e-5);
    }
  }
  EXPECT_EQ(geo::Distance(0, 0, 0, 0), 0);
  // Half the earth's circumference along the equator, with Redis's radius.
  EXPECT_DOUBLE_EQ(geo::Distance(0, 0, 180, 0), geo::kEarthRadiusMeters * M_PI);
  EXPECT_EQ(geo::EstimateStepsByRadius(0, 0), 26);
  EXPECT_EQ(geo::EstimateStepsByRadius(1e9, 0), 1);
}

}  // namespace
}  // namespace stockd::engine::testing
