// server/latency_family.cc — LATENCY (Redis 7.0's latency.c) and INFO's
// latencystats section.
//
// Contract:
//  * Reply shapes and texts are redis-server 7.0.15's, byte for byte: LATEST
//    [event, time, latest ms, max ms] per event; HISTORY [time, ms] per
//    sample, oldest first (an unknown event: an empty array); GRAPH the
//    sparkline of sparkline.c (verbatim "txt"); DOCTOR latency.c's report for
//    the events stockd records (command, fast-command, expire-cycle) and the
//    THP advice; RESET the number of events reset (names ignore case);
//    HISTOGRAM a map command -> {calls, histogram_usec -> {usec: cumulative}}
//    from the per-command LatencyHistogram (engine/latency_histogram.h).
//  * Order: events in creation order, commands in registration order (Redis
//    uses its dicts' hash order, which no client may rely on).
//  * Events stockd has no equivalent of (fork, aof-*, eviction-*) are never
//    recorded, so their DOCTOR advice never appears.
#include <strings.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/engine.h"
#include "engine/latency_histogram.h"
#include "engine/latency_monitor.h"
#include "server/connection.h"
#include "server/families.h"
#include "server/server.h"

namespace stockd::server {

using engine::Command;
using engine::CommandContext;
using engine::LatencyMonitor;

namespace {

Server* ServerOf(CommandContext& ctx) {
  Connection* c = RequireConnection(ctx);
  return c != nullptr ? &c->server() : nullptr;
}

// ---- LATENCY HISTOGRAM ---------------------------------------------------

void ReplyCdf(CommandContext& ctx, const engine::LatencySnapshot& snap) {
  auto& r = ctx.reply;
  r.MapHeader(2);
  r.Bulk("calls");
  r.Integer(snap.total);
  r.Bulk("histogram_usec");
  const auto cdf = snap.Cdf();
  r.MapHeader(cdf.size());
  for (const auto& [usec, cumulative] : cdf) {
    r.Integer(usec);
    r.Integer(cumulative);
  }
}

// Appends (command, snapshot) when the command was called since the last reset.
void Collect(const Command& c, std::vector<std::pair<const Command*, engine::LatencySnapshot>>& out) {
  if (!c.latency().MayHaveData()) return;
  engine::LatencySnapshot snap = c.latency().Snapshot();
  if (snap.total > 0) out.emplace_back(&c, std::move(snap));
}

// lookupCommandBySds: "get", "client" (a container) or "client|list".
const Command* LookupByFullName(const engine::CommandTable& t, std::string_view name) {
  const size_t bar = name.find('|');
  if (bar == std::string_view::npos) return t.Find(name);
  const Command* parent = t.Find(name.substr(0, bar));
  std::string_view rest = name.substr(bar + 1);
  if (parent == nullptr || !parent->is_container() || rest.find('|') != std::string_view::npos) return nullptr;
  return parent->FindSubcommand(rest);
}

void CmdLatencyHistogram(CommandContext& ctx) {
  Server* s = ServerOf(ctx);
  if (s == nullptr) return;
  const engine::CommandTable& t = s->engine().commands();
  std::vector<std::pair<const Command*, engine::LatencySnapshot>> found;
  if (ctx.argv.size() == 2) {
    for (const Command* c : t.commands()) {
      Collect(*c, found);
      for (const Command* sub : c->subcommands()) Collect(*sub, found);
    }
  } else {
    // As latencySpecificCommandsFillCDF: unknown names are skipped, a name
    // given twice is replied twice, a container brings its subcommands.
    for (size_t i = 2; i < ctx.argv.size(); ++i) {
      const Command* c = LookupByFullName(t, ctx.argv[i]);
      if (c == nullptr) continue;
      Collect(*c, found);
      for (const Command* sub : c->subcommands()) Collect(*sub, found);
    }
  }
  ctx.reply.MapHeader(found.size());
  for (const auto& [c, snap] : found) {
    ctx.reply.Bulk(c->full_name());
    ReplyCdf(ctx, snap);
  }
}

// ---- the latency monitor -------------------------------------------------

void CmdLatencyLatest(CommandContext& ctx) {
  Server* s = ServerOf(ctx);
  if (s == nullptr) return;
  const auto all = s->engine().latency_monitor().All();
  ctx.reply.ArrayHeader(all.size());
  for (const auto& ts : all) {
    const auto& last = ts.samples[(ts.idx + LatencyMonitor::kSeriesLen - 1) % LatencyMonitor::kSeriesLen];
    ctx.reply.ArrayHeader(4);
    ctx.reply.Bulk(ts.event);
    ctx.reply.Integer(last.time);
    ctx.reply.Integer(last.latency);
    ctx.reply.Integer(ts.max);
  }
}

void CmdLatencyHistory(CommandContext& ctx) {
  Server* s = ServerOf(ctx);
  if (s == nullptr) return;
  LatencyMonitor::Series ts;
  if (!s->engine().latency_monitor().Find(ctx.argv[2], &ts)) {
    ctx.reply.ArrayHeader(0);
    return;
  }
  std::vector<LatencyMonitor::SamplePoint> points;
  for (int j = 0; j < LatencyMonitor::kSeriesLen; ++j) {
    const auto& p = ts.samples[(ts.idx + j) % LatencyMonitor::kSeriesLen];
    if (p.time != 0) points.push_back(p);
  }
  ctx.reply.ArrayHeader(points.size());
  for (const auto& p : points) {
    ctx.reply.ArrayHeader(2);
    ctx.reply.Integer(p.time);
    ctx.reply.Integer(p.latency);
  }
}

int CmdLatencyResetCount(Server& s, CommandContext& ctx) {
  LatencyMonitor& m = s.engine().latency_monitor();
  if (ctx.argv.size() == 2) return m.Reset(nullptr);
  int resets = 0;
  for (size_t i = 2; i < ctx.argv.size(); ++i) {
    const std::string event(ctx.argv[i]);
    resets += m.Reset(&event);
  }
  return resets;
}

void CmdLatencyReset(CommandContext& ctx) {
  if (Server* s = ServerOf(ctx)) ctx.reply.Integer(CmdLatencyResetCount(*s, ctx));
}

// sparkline.c: sparklineRender(seq, 80 columns, 4 rows, SPARKLINE_FILL).
struct Spark {
  double value;
  std::string label;
};

void RenderRange(std::string& out, const std::vector<Spark>& seq, double min, double max, int rows, size_t offset,
                 size_t len) {
  static constexpr char kFill[] = "_o#";
  constexpr int kCharsetLen = 3;
  constexpr int kLabelMarginTop = 1;
  bool labels = false;
  for (const Spark& s : seq) labels = labels || !s.label.empty();
  double relmax = max - min;
  if (relmax == 0) relmax = 1;
  const int steps = kCharsetLen * rows;
  int row = 0;
  std::string chars(len, ' ');
  bool loop = true;
  while (loop) {
    loop = false;
    chars.assign(len, ' ');
    for (size_t j = 0; j < len; ++j) {
      const Spark& s = seq[j + offset];
      const double relval = s.value - min;
      // (int)(relval*steps)/relmax, truncated again to int: sparkline.c's arithmetic.
      int step = static_cast<int>(static_cast<int>(relval * steps) / relmax);
      if (step < 0) step = 0;
      if (step >= steps) step = steps - 1;
      if (row < rows) {
        const int charidx = step - ((rows - row - 1) * kCharsetLen);
        loop = true;
        if (charidx >= 0 && charidx < kCharsetLen) {
          chars[j] = kFill[charidx];
        } else if (charidx >= kCharsetLen) {
          chars[j] = '|';
        }
      } else {
        if (labels && row - rows < kLabelMarginTop) {  // the blank line above the labels
          loop = true;
          break;
        }
        if (!s.label.empty()) {
          const int label_char = row - rows - kLabelMarginTop;
          if (static_cast<int>(s.label.size()) > label_char) {
            loop = true;
            chars[j] = s.label[static_cast<size_t>(label_char)];
          }
        }
      }
    }
    if (loop) {
      ++row;
      out.append(chars).append("\n");
    }
  }
}

void CmdLatencyGraph(CommandContext& ctx) {
  Server* s = ServerOf(ctx);
  if (s == nullptr) return;
  LatencyMonitor::Series ts;
  if (!s->engine().latency_monitor().Find(ctx.argv[2], &ts)) {
    ctx.Error(absl::StrCat("ERR No samples available for event '", A(ctx.argv[2]), "'"));
    return;
  }
  const int64_t now = LatencyMonitor::NowSeconds();
  std::vector<Spark> seq;
  uint64_t min = 0, max = 0;
  double vmin = 0, vmax = 0;
  for (int j = 0; j < LatencyMonitor::kSeriesLen; ++j) {
    const auto& p = ts.samples[(ts.idx + j) % LatencyMonitor::kSeriesLen];
    if (p.time == 0) continue;
    const auto lat = static_cast<uint64_t>(p.latency);
    if (seq.empty()) {
      min = max = lat;
    } else {
      max = std::max(max, lat);
      min = std::min(min, lat);
    }
    const int elapsed = static_cast<int>(now - p.time);
    std::string label;
    if (elapsed < 60) label = absl::StrCat(elapsed, "s");
    else if (elapsed < 3600) label = absl::StrCat(elapsed / 60, "m");
    else if (elapsed < 3600 * 24) label = absl::StrCat(elapsed / 3600, "h");
    else label = absl::StrCat(elapsed / (3600 * 24), "d");
    const double v = static_cast<double>(p.latency);
    // sparklineSequenceAddSample's min/max (its "else if" included).
    if (seq.empty()) {
      vmin = vmax = v;
    } else if (v < vmin) {
      vmin = v;
    } else if (v > vmax) {
      vmax = v;
    }
    seq.push_back({v, std::move(label)});
  }
  std::string graph = absl::StrFormat("%s - high %u ms, low %u ms (all time high %u ms)\n", ts.event, max, min,
                                      static_cast<uint64_t>(ts.max));
  graph.append(80, '-').append("\n");
  for (size_t j = 0; j < seq.size(); j += 80) {
    const size_t sublen = std::min<size_t>(seq.size() - j, 80);
    if (j != 0) graph.append("\n");
    RenderRange(graph, seq, vmin, vmax, 4, j, sublen);
  }
  ctx.reply.Verbatim("txt", graph);
}

// THPGetAnonHugePagesSize: this process's AnonHugePages, from smaps.
bool AnonHugePagesUsed() {
  std::ifstream in("/proc/self/smaps");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("AnonHugePages:", 0) != 0) continue;
    long kb = 0;
    if (std::sscanf(line.c_str() + 14, "%ld", &kb) == 1 && kb > 0) return true;
  }
  return false;
}

// analyzeLatencyForEvent.
struct EventStats {
  int samples = 0;
  uint64_t avg = 0, mad = 0, min = 0, max = 0;
  int64_t period = 0;
};

EventStats Analyze(const LatencyMonitor::Series& ts, int64_t now) {
  EventStats ls;
  uint64_t sum = 0;
  for (const auto& p : ts.samples) {
    if (p.time == 0) continue;
    ++ls.samples;
    const auto lat = static_cast<uint64_t>(p.latency);
    if (ls.samples == 1) {
      ls.min = ls.max = lat;
    } else {
      ls.min = std::min(ls.min, lat);
      ls.max = std::max(ls.max, lat);
    }
    sum += lat;
    if (ls.period == 0 || p.time < ls.period) ls.period = p.time;
  }
  if (ls.samples) {
    ls.avg = sum / static_cast<uint64_t>(ls.samples);
    ls.period = now - ls.period;
    if (ls.period == 0) ls.period = 1;
  }
  sum = 0;
  for (const auto& p : ts.samples) {
    if (p.time == 0) continue;
    int64_t delta = static_cast<int64_t>(ls.avg) - p.latency;
    if (delta < 0) delta = -delta;
    sum += static_cast<uint64_t>(delta);
  }
  if (ls.samples) ls.mad = sum / static_cast<uint64_t>(ls.samples);
  return ls;
}

// createLatencyReport, for the events stockd records.
std::string LatencyReport(Server& s) {
  const auto all = s.engine().latency_monitor().All();
  const int64_t threshold = s.engine().latency_monitor().threshold_ms();
  std::string report;
  if (all.empty() && threshold == 0) {
    return "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use "
           "\"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. If we weren't in a deep "
           "space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n";
  }
  const int64_t slower_than = s.config().live().slowlog_log_slower_than.load(std::memory_order_relaxed);
  bool advise_slowlog_enabled = false, advise_slowlog_tuning = false, advise_slowlog_inspect = false;
  bool advise_scheduler = false, advise_hz = false, advise_large_objects = false, advise_disable_thp = false;
  int advices = 0, eventnum = 0;
  const int64_t now = LatencyMonitor::NowSeconds();
  for (const auto& ts : all) {
    ++eventnum;
    if (eventnum == 1) {
      report +=
          "Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you "
          "Dave?\n\n";
    }
    const EventStats ls = Analyze(ts, now);
    report += absl::StrFormat(
        "%d. %s: %d latency spikes (average %lums, mean deviation %lums, period %.2f sec). Worst all time event "
        "%lums.",
        eventnum, ts.event, ls.samples, static_cast<unsigned long>(ls.avg), static_cast<unsigned long>(ls.mad),
        static_cast<double>(ls.period) / ls.samples, static_cast<unsigned long>(ts.max));
    if (strcasecmp(ts.event.c_str(), "command") == 0) {
      if (slower_than < 0) {
        advise_slowlog_enabled = true;
        ++advices;
      } else if (slower_than / 1000 > threshold) {
        advise_slowlog_tuning = true;
        ++advices;
      }
      advise_slowlog_inspect = true;
      advise_large_objects = true;
      advices += 2;
    }
    if (strcasecmp(ts.event.c_str(), "fast-command") == 0) {
      advise_scheduler = true;
      ++advices;
    }
    if (strcasecmp(ts.event.c_str(), "expire-cycle") == 0) {
      advise_hz = true;
      advise_large_objects = true;
      advices += 2;
    }
    report += "\n";
  }
  if (AnonHugePagesUsed()) {
    advise_disable_thp = true;
    ++advices;
  }
  if (eventnum == 0 && advices == 0) {
    report +=
        "Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I "
        "honestly think you ought to sit down calmly, take a stress pill, and think things over.\n";
  } else if (eventnum > 0 && advices == 0) {
    report +=
        "\nWhile there are latency events logged, I'm not able to suggest any easy fix. Please use the Redis "
        "community to get some help, providing this report in your help request.\n";
  } else {
    report += "\nI have a few advices for you:\n\n";
    const auto threshold_us = static_cast<unsigned long long>(threshold) * 1000;
    if (advise_slowlog_enabled) {
      report += absl::StrFormat(
          "- There are latency issues with potentially slow commands you are using. Try to enable the Slow Log Redis "
          "feature using the command 'CONFIG SET slowlog-log-slower-than %llu'. If the Slow log is disabled Redis is "
          "not able to log slow commands execution for you.\n",
          threshold_us);
    }
    if (advise_slowlog_tuning) {
      report += absl::StrFormat(
          "- Your current Slow Log configuration only logs events that are slower than your configured latency "
          "monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than %llu'.\n",
          threshold_us);
    }
    if (advise_slowlog_inspect) {
      report +=
          "- Check your Slow Log to understand what are the commands you are running which are too slow to execute. "
          "Please check https://redis.io/commands/slowlog for more information.\n";
    }
    if (advise_scheduler) {
      report +=
          "- The system is slow to execute Redis code paths not containing system calls. This usually means the "
          "system does not provide Redis CPU time to run for long periods. You should try to:\n"
          "  1) Lower the system load.\n"
          "  2) Use a computer / VM just for Redis if you are running other software in the same system.\n"
          "  3) Check if you have a \"noisy neighbour\" problem.\n"
          "  4) Check with 'redis-cli --intrinsic-latency 100' what is the intrinsic latency in your system.\n"
          "  5) Check if the problem is allocator-related by recompiling Redis with MALLOC=libc, if you are using "
          "Jemalloc. However this may create fragmentation problems.\n";
    }
    if (advise_hz && s.config().options().hz < 100) {
      report +=
          "- In order to make the Redis keys expiring process more incremental, try to set the 'hz' configuration "
          "parameter to 100 using 'CONFIG SET hz 100'.\n";
    }
    if (advise_large_objects) {
      report +=
          "- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. If "
          "you have very large objects that are often deleted, expired, or evicted, try to fragment those objects "
          "into multiple smaller objects.\n";
    }
    if (advise_disable_thp) {
      report +=
          "- I detected a non zero amount of anonymous huge pages used by your process. This creates very serious "
          "latency events in different conditions, especially when Redis is persisting on disk. To disable THP "
          "support use the command 'echo never > /sys/kernel/mm/transparent_hugepage/enabled', make sure to also "
          "add it into /etc/rc.local so that the command will be executed again after a reboot. Note that even if "
          "you have already disabled THP, you still need to restart the Redis process to get rid of the huge pages "
          "already created.\n";
    }
  }
  return report;
}

void CmdLatencyDoctor(CommandContext& ctx) {
  if (Server* s = ServerOf(ctx)) ctx.reply.Verbatim("txt", LatencyReport(*s));
}

void CmdLatencyHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      // Redis 7.0's text, line for line.
      "LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "DOCTOR",
      "    Return a human readable latency analysis report.",
      "GRAPH <event>",
      "    Return an ASCII latency graph for the <event> class.",
      "HISTORY <event>",
      "    Return time-latency samples for the <event> class.",
      "LATEST",
      "    Return the latest latency samples for all events.",
      "RESET [<event> ...]",
      "    Reset latency data of one or more <event> classes.",
      "    (default: reset all data for all event classes)",
      "HISTOGRAM [COMMAND ...]",
      "    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
      "    If no commands are specified then all histograms are replied.",
      "HELP",
      "    Prints this help.",
  };
  ctx.reply.ArrayHeader(std::size(kLines));
  for (auto l : kLines) ctx.reply.SimpleString(l);
}

// trimDoubleString over "%f": "99.900000" -> "99.9", "50.000000" -> "50".
std::string PercentileName(double p) {
  std::string s = absl::StrFormat("%f", p);
  if (s.find('.') != std::string::npos) {
    while (!s.empty() && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
  }
  return s;
}

}  // namespace

void SectionLatencyStats(Server& s, std::string& out) {
  if (!s.engine().latency_tracking()) return;  // Redis prints the title only
  const std::vector<double> percentiles = s.config().LatencyPercentiles();
  std::vector<std::string> names;
  for (double p : percentiles) names.push_back(PercentileName(p));
  auto one = [&](const Command& c) {
    if (!c.latency().MayHaveData()) return;
    const engine::LatencySnapshot snap = c.latency().Snapshot();
    if (snap.total == 0) return;
    absl::StrAppend(&out, "latency_percentiles_usec_", A(c.full_name()), ":");
    for (size_t j = 0; j < percentiles.size(); ++j) {
      absl::StrAppend(&out, "p", names[j], "=",
                      absl::StrFormat("%.3f", static_cast<double>(snap.ValueAtPercentile(percentiles[j])) / 1000.0));
      if (j + 1 != percentiles.size()) out += ",";
    }
    out += "\r\n";
  };
  for (const Command* c : s.engine().commands().commands()) {
    one(*c);
    for (const Command* sub : c->subcommands()) one(*sub);
  }
}

void RegisterLatencyFamily(engine::CommandTable& t) {
  constexpr uint32_t kLS = engine::kLoading | engine::kStale;
  constexpr uint32_t kA = engine::kAdmin | engine::kNoScript | kLS;
  Command* latency = t.Register({.name = "latency", .arity = -2, .acl_categories = "@slow", .group = "server",
                                 .since = "2.8.13"});
  auto sub = [&](std::string_view name, int arity, uint32_t flags, engine::Handler h, std::string_view cats,
                 std::string_view since) {
    t.RegisterSubcommand(latency, {.name = name, .arity = arity, .flags = flags, .handler = h,
                                   .acl_categories = cats, .group = "server", .since = since});
  };
  constexpr std::string_view kCats = "@admin @slow @dangerous";
  sub("doctor", 2, kA, CmdLatencyDoctor, kCats, "2.8.13");
  sub("graph", 3, kA, CmdLatencyGraph, kCats, "2.8.13");
  sub("histogram", -2, kA, CmdLatencyHistogram, kCats, "7.0.0");
  sub("history", 3, kA, CmdLatencyHistory, kCats, "2.8.13");
  sub("latest", 2, kA, CmdLatencyLatest, kCats, "2.8.13");
  sub("reset", -2, kA, CmdLatencyReset, kCats, "2.8.13");
  sub("help", 2, kLS, CmdLatencyHelp, "@slow", "2.8.13");
}

}  // namespace stockd::server
