// tests/compat/latency_compat_test.cc — Redis 7's latency monitor (LATENCY
// LATEST/HISTORY/GRAPH/DOCTOR/RESET/HELP) and latency tracking (INFO
// latencystats, LATENCY HISTOGRAM, latency-tracking*, CONFIG RESETSTAT)
// against redis-server 7.0. Times and durations differ between the servers, so
// replies that carry them are compared with every number masked ("N"): the
// shapes, texts and the counts that do not depend on timing must be equal.
#include <cctype>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/compat/compat_util.h"
#include "tests/util/raw_resp.h"

namespace stockd::testing {
namespace {

// Both servers with DEBUG enabled (DEBUG SLEEP makes "command" latency spikes).
class LatencyCompat : public CompatTest {
 protected:
  void SetUp() override {
    if (RedisServerBinary().empty()) GTEST_SKIP() << "redis-server is not installed";
    stockd_dir_ = MakeTempDir("stockd-compat-");
    redis_dir_ = MakeTempDir("redis-compat-");
    ASSERT_TRUE(stockd_.Start(StockdBinary(), {"--dir", stockd_dir_, "--bind", "127.0.0.1", "--enable-debug-command",
                                               "yes"}))
        << stockd_.Log();
    ASSERT_TRUE(redis_.Start(RedisServerBinary(), {"--dir", redis_dir_, "--bind", "127.0.0.1", "--save", "",
                                                   "--appendonly", "no", "--enable-debug-command", "yes"}))
        << redis_.Log();
    s_ = stockd_.Connect();
    r_ = redis_.Connect();
  }

  // Sends argv to both and expects the same reply once numbers are masked.
  std::string SameShape(const std::vector<std::string>& argv) {
    const std::string a = Mask(s_->Do(argv)), b = Mask(r_->Do(argv));
    std::string cmd;
    for (const auto& x : argv) cmd += x + " ";
    EXPECT_EQ(a, b) << "command: " << cmd;
    return a;
  }
  // The same on raw connections (RESP3 after HELLO 3 when resp == 3).
  void SameShapeRaw(int resp, const std::vector<std::vector<std::string>>& script) {
    RawResp s(stockd_.port()), r(redis_.port());
    if (resp == 3) {
      s.Do({"HELLO", "3"});
      r.Do({"HELLO", "3"});
    }
    for (const auto& argv : script) {
      std::string cmd;
      for (const auto& x : argv) cmd += x + " ";
      EXPECT_EQ(Mask(s.Do(argv)), Mask(r.Do(argv))) << "RESP" << resp << " command: " << cmd;
    }
  }
  void Both(const std::vector<std::string>& argv) {
    s_->Do(argv);
    r_->Do(argv);
  }

  static std::string Mask(const std::string& s) {
    std::string out;
    for (size_t i = 0; i < s.size();) {
      if (std::isdigit(static_cast<unsigned char>(s[i]))) {
        while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
        out += 'N';
      } else {
        out += s[i++];
      }
    }
    return out;
  }

  // INFO latencystats as name -> the line's value part.
  static std::map<std::string, std::string> LatencyStats(Client& c) {
    std::map<std::string, std::string> out;
    std::string info = c.Do({"INFO", "latencystats"});
    std::istringstream in(info);
    std::string line;
    while (std::getline(in, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      const std::string prefix = "latency_percentiles_usec_";
      if (line.rfind(prefix, 0) != 0) continue;
      const size_t colon = line.find(':');
      out[line.substr(prefix.size(), colon - prefix.size())] = line.substr(colon + 1);
    }
    return out;
  }

  // LATENCY HISTOGRAM as command -> (calls, [(usec, cumulative)]), over RESP2.
  struct Cdf {
    long long calls = -1;
    std::vector<std::pair<long long, long long>> buckets;
  };
  static std::map<std::string, Cdf> Histogram(Client& c, const std::vector<std::string>& argv) {
    std::map<std::string, Cdf> out;
    Reply r = c.Command(argv);
    EXPECT_TRUE(r != nullptr && r->type == REDIS_REPLY_ARRAY);
    if (r == nullptr || r->type != REDIS_REPLY_ARRAY) return out;
    for (size_t i = 0; i + 1 < r->elements; i += 2) {
      Cdf cdf;
      const redisReply* m = r->element[i + 1];
      EXPECT_EQ(m->type, REDIS_REPLY_ARRAY);
      EXPECT_EQ(m->elements, 4u);
      if (m->elements != 4) continue;
      EXPECT_EQ(std::string(m->element[0]->str), "calls");
      EXPECT_EQ(std::string(m->element[2]->str), "histogram_usec");
      cdf.calls = m->element[1]->integer;
      const redisReply* h = m->element[3];
      for (size_t j = 0; j + 1 < h->elements; j += 2)
        cdf.buckets.emplace_back(h->element[j]->integer, h->element[j + 1]->integer);
      out[r->element[i]->str] = cdf;
    }
    return out;
  }
};

TEST_F(LatencyCompat, HelpErrorsAndEmptyMonitor) {
  SameAll({
      {"LATENCY", "HELP"},
      {"LATENCY", "help"},
      {"LATENCY"},
      {"LATENCY", "FOO"},
      {"LATENCY", "HISTORY"},
      {"LATENCY", "HISTORY", "a", "b"},
      {"LATENCY", "LATEST", "x"},
      {"LATENCY", "DOCTOR", "x"},
      {"LATENCY", "GRAPH"},
      {"LATENCY", "HELP", "x"},
      {"LATENCY", "LATEST"},
      {"LATENCY", "HISTORY", "command"},
      {"LATENCY", "GRAPH", "command"},
      {"LATENCY", "RESET"},
      {"LATENCY", "RESET", "command", "expire-cycle"},
      // Monitoring off and never on: the "can't do that" text.
      {"LATENCY", "DOCTOR"},
      {"CONFIG", "SET", "latency-monitor-threshold", "100"},
      {"CONFIG", "GET", "latency-monitor-threshold"},
      // On, but nothing observed.
      {"LATENCY", "DOCTOR"},
      {"CONFIG", "SET", "latency-monitor-threshold", "0"},
  });
}

TEST_F(LatencyCompat, CommandSpikesFromDebugSleep) {
  SameAll({{"CONFIG", "SET", "latency-monitor-threshold", "1"}});
  // Below the threshold: nothing.
  SameAll({{"DEBUG", "SLEEP", "0"}, {"LATENCY", "LATEST"}});
  SameAll({{"DEBUG", "SLEEP", "0.02"}});
  const std::string latest = SameShape({"LATENCY", "LATEST"});
  EXPECT_EQ(latest, "[[\"command\", :N, :N, :N]]");
  SameShape({"LATENCY", "HISTORY", "command"});
  SameAll({{"LATENCY", "HISTORY", "COMMAND"}});  // lookups are case-sensitive
  SameShape({"LATENCY", "GRAPH", "command"});
  SameShape({"LATENCY", "DOCTOR"});
  // The DOCTOR's advice follows the slowlog setting.
  SameAll({{"CONFIG", "SET", "slowlog-log-slower-than", "-1"}});
  SameShape({"LATENCY", "DOCTOR"});
  SameAll({{"CONFIG", "SET", "slowlog-log-slower-than", "1000"}});
  SameShape({"LATENCY", "DOCTOR"});
  SameShapeRaw(3, {{"LATENCY", "DOCTOR"}, {"LATENCY", "GRAPH", "command"}, {"LATENCY", "LATEST"},
                   {"LATENCY", "HISTORY", "command"}});
  // Two spikes a second apart: two samples in the history.
  SameAll({{"DEBUG", "SLEEP", "1.1"}});
  const std::string history = SameShape({"LATENCY", "HISTORY", "command"});
  EXPECT_EQ(history, "[[:N, :N], [:N, :N]]");
  SameShape({"LATENCY", "GRAPH", "command"});
  SameShape({"LATENCY", "DOCTOR"});
  // RESET names ignore case and count each event once.
  SameAll({
      {"LATENCY", "RESET", "COMMAND", "nothing", "command"},
      {"LATENCY", "LATEST"},
      {"LATENCY", "HISTORY", "command"},
      {"LATENCY", "GRAPH", "command"},
  });
  // Off again: no new samples.
  SameAll({{"CONFIG", "SET", "latency-monitor-threshold", "0"}, {"DEBUG", "SLEEP", "0.02"}, {"LATENCY", "LATEST"}});
}

TEST_F(LatencyCompat, InfoLatencystatsAfterTheSameWorkload) {
  const std::vector<std::vector<std::string>> workload = {
      {"CONFIG", "RESETSTAT"},  {"SET", "k", "v"},          {"GET", "k"},
      {"GET", "missing"},       {"INCR", "n"},               {"CLIENT", "LIST"},
      {"CONFIG", "GET", "maxmemory"}, {"LPUSH", "l", "a"}, {"LRANGE", "l", "0", "-1"},
      {"HSET", "h", "f", "v"},  {"OBJECT", "ENCODING", "k"},
  };
  for (const auto& argv : workload) Both(argv);
  const auto s = LatencyStats(*s_), r = LatencyStats(*r_);
  std::set<std::string> sn, rn;
  for (const auto& [k, v] : s) sn.insert(k);
  for (const auto& [k, v] : r) rn.insert(k);
  EXPECT_EQ(sn, rn);
  EXPECT_TRUE(sn.count("client|list") && sn.count("config|resetstat") && sn.count("object|encoding")) << sn.size();
  const std::regex line(R"(p50=\d+\.\d{3},p99=\d+\.\d{3},p99\.9=\d+\.\d{3})");
  for (const auto& [k, v] : s) EXPECT_TRUE(std::regex_match(v, line)) << k << ":" << v;
  for (const auto& [k, v] : r) EXPECT_TRUE(std::regex_match(v, line)) << k << ":" << v;
  // The section is not in the default INFO, is in ALL, and sits after errorstats.
  for (Client* c : {s_.get(), r_.get()}) {
    EXPECT_EQ(c->Do({"INFO"}).find("# Latencystats"), std::string::npos);
    const std::string all = c->Do({"INFO", "ALL"});
    EXPECT_NE(all.find("# Errorstats"), std::string::npos);
    EXPECT_LT(all.find("# Errorstats"), all.find("# Latencystats"));
    EXPECT_LT(all.find("# Latencystats"), all.find("# Keyspace"));
  }
}

TEST_F(LatencyCompat, HistogramStructureAndCalls) {
  Both({"CONFIG", "RESETSTAT"});
  for (int i = 0; i < 5; ++i) Both({"SET", "k", std::to_string(i)});
  for (int i = 0; i < 3; ++i) Both({"GET", "k"});
  Both({"CLIENT", "LIST"});
  Both({"CLIENT", "ID"});
  for (const std::vector<std::string>& argv :
       std::vector<std::vector<std::string>>{{"LATENCY", "HISTOGRAM", "set", "GET", "client", "nosuch", "hset"},
                                             {"LATENCY", "HISTOGRAM", "client|list"},
                                             {"LATENCY", "HISTOGRAM", "client|nosuch"},
                                             {"LATENCY", "HISTOGRAM"}}) {
    const auto s = Histogram(*s_, argv), r = Histogram(*r_, argv);
    std::set<std::string> sn, rn;
    for (const auto& [k, v] : s) sn.insert(k);
    for (const auto& [k, v] : r) rn.insert(k);
    EXPECT_EQ(sn, rn) << argv.size();
    for (const auto& [name, cdf] : s) {
      if (!r.count(name)) continue;
      if (name.rfind("config|", 0) != 0 && name != "latency|histogram") {
        EXPECT_EQ(cdf.calls, r.at(name).calls) << name;
      }
      // Buckets: hdr's power-of-two levels, cumulative counts growing to calls.
      long long prev = 0;
      for (const auto& [usec, cumulative] : cdf.buckets) {
        bool level = false;
        for (int k = 10; k < 31; ++k) {
          const long long v = (1LL << k) + (1LL << (k - 7)) - 1;  // the level's highest equivalent value
          level = level || usec == v / 1000;
        }
        EXPECT_TRUE(level) << name << " " << usec;
        EXPECT_GT(cumulative, prev) << name;
        prev = cumulative;
      }
      EXPECT_EQ(prev, cdf.calls) << name;
    }
  }
  const auto s = Histogram(*s_, {"LATENCY", "HISTOGRAM", "set", "get", "client"});
  ASSERT_TRUE(s.count("set") && s.count("get") && s.count("client|list") && s.count("client|id"));
  EXPECT_EQ(s.at("set").calls, 5);
  EXPECT_EQ(s.at("get").calls, 3);
  // One call: one bucket, so the replies are equal byte for byte once masked, in RESP2 and RESP3.
  Both({"CONFIG", "RESETSTAT"});
  Both({"INCR", "x"});
  SameShapeRaw(2, {{"LATENCY", "HISTOGRAM", "incr"}, {"LATENCY", "HISTOGRAM", "nosuch"}});
  SameShapeRaw(3, {{"LATENCY", "HISTOGRAM", "incr"}, {"LATENCY", "HISTOGRAM", "nosuch"}});
}

TEST_F(LatencyCompat, ConfigOptionsAndErrors) {
  SameAll({
      {"CONFIG", "GET", "latency-tracking"},
      {"CONFIG", "GET", "latency-tracking-info-percentiles"},
      {"CONFIG", "GET", "latency-monitor-threshold"},
      {"CONFIG", "SET", "latency-tracking", "maybe"},
      {"CONFIG", "SET", "latency-monitor-threshold", "-1"},
      {"CONFIG", "SET", "latency-monitor-threshold", "abc"},
      {"CONFIG", "SET", "latency-monitor-threshold", "99999999999999999999"},
      {"CONFIG", "SET", "latency-tracking-info-percentiles", "abc"},
      {"CONFIG", "SET", "latency-tracking-info-percentiles", "101"},
      {"CONFIG", "SET", "latency-tracking-info-percentiles", "-1"},
      {"CONFIG", "SET", "latency-tracking-info-percentiles", "inf"},
      {"CONFIG", "SET", "latency-tracking-info-percentiles", "nan"},
      {"CONFIG", "SET", "latency-tracking-info-percentiles", "50  99"},
      {"CONFIG", "SET", "latency-tracking-info-percentiles", "50 "},
      {"CONFIG", "SET", "latency-tracking-info-percentiles", "1,2"},
      // A failed set keeps the old value.
      {"CONFIG", "GET", "latency-tracking-info-percentiles"},
      {"CONFIG", "SET", "latency-tracking-info-percentiles", "50 99.9 99.99 0 100 0x10 12.3456789 1e1"},
      {"CONFIG", "GET", "latency-tracking-info-percentiles"},
      {"CONFIG", "SET", "latency-tracking-info-percentiles", ""},
      {"CONFIG", "GET", "latency-tracking-info-percentiles"},
      {"CONFIG", "SET", "latency-tracking-info-percentiles", "99.9"},
      {"CONFIG", "GET", "latency-tracking-info-percentiles"},
      {"CONFIG", "SET", "latency-monitor-threshold", "9223372036854775807"},
      {"CONFIG", "GET", "latency-monitor-threshold"},
      {"CONFIG", "SET", "latency-monitor-threshold", "0"},
      {"CONFIG", "SET", "latency-tracking", "no"},
      {"CONFIG", "GET", "latency-tracking"},
      {"CONFIG", "SET", "latency-tracking", "yes"},
  });
  // The percentile names in INFO follow the option, numbers masked.
  Both({"CONFIG", "SET", "latency-tracking-info-percentiles", "0 12.3456789 100"});
  Both({"GET", "k"});
  EXPECT_EQ(Mask(LatencyStats(*s_)["get"]), Mask(LatencyStats(*r_)["get"]));
  EXPECT_EQ(Mask(LatencyStats(*s_)["get"]), "pN=N.N,pN.N=N.N,pN=N.N");
  // No percentiles: the name and nothing after it.
  Both({"CONFIG", "SET", "latency-tracking-info-percentiles", ""});
  EXPECT_EQ(LatencyStats(*s_)["get"], "");
  EXPECT_EQ(LatencyStats(*r_)["get"], "");
}

TEST_F(LatencyCompat, ResetstatAndTrackingOff) {
  Both({"SET", "k", "v"});
  Both({"GET", "k"});
  Both({"CONFIG", "RESETSTAT"});
  // Only the RESETSTAT itself was recorded since.
  EXPECT_EQ(LatencyStats(*s_).size(), 1u);
  EXPECT_EQ(LatencyStats(*r_).size(), 1u);
  EXPECT_TRUE(LatencyStats(*s_).count("config|resetstat"));
  EXPECT_TRUE(Histogram(*s_, {"LATENCY", "HISTOGRAM", "get", "set"}).empty());
  // Off: nothing is recorded, and INFO latencystats is its title only.
  SameAll({{"CONFIG", "SET", "latency-tracking", "no"}, {"CONFIG", "RESETSTAT"}, {"GET", "k"}, {"SET", "k", "w"}});
  SameAll({{"INFO", "latencystats"}, {"LATENCY", "HISTOGRAM"}});
  SameAll({{"CONFIG", "SET", "latency-tracking", "yes"}, {"GET", "k"}, {"LATENCY", "HISTOGRAM", "set"}});
  EXPECT_EQ(Histogram(*s_, {"LATENCY", "HISTOGRAM", "get"})["get"].calls, 1);
  EXPECT_EQ(Histogram(*r_, {"LATENCY", "HISTOGRAM", "get"})["get"].calls, 1);
}

}  // namespace
}  // namespace stockd::testing
