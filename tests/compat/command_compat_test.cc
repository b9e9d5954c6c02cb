// tests/compat/command_compat_test.cc — COMMAND against redis-server 7.0:
// GETKEYS and INFO's key description for the commands whose keys follow a
// numkeys argument (engine/command.h: numkeys_at) and a few with the legacy
// key triple only; INFO (tips and key specs included) and DOCS (whole) of
// every command both servers have; key specs name the keys dispatch locks;
// the HELP text of the containers stockd fully supports.
#include <strings.h>

#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "tests/compat/compat_util.h"
#include "tests/util/raw_resp.h"

namespace stockd::testing {
namespace {

using CommandCompat = CompatTest;

TEST_F(CommandCompat, GetKeysOfNumkeysCommands) {
  SameAll({
      {"COMMAND", "GETKEYS", "zunion", "2", "a", "b", "WEIGHTS", "1", "2"},
      {"COMMAND", "GETKEYS", "zinter", "1", "a", "WITHSCORES"},
      {"COMMAND", "GETKEYS", "zdiff", "2", "a", "a"},
      {"COMMAND", "GETKEYS", "zinterstore", "d", "2", "a", "b", "AGGREGATE", "MAX"},
      {"COMMAND", "GETKEYS", "zunionstore", "d", "1", "a"},
      {"COMMAND", "GETKEYS", "zdiffstore", "d", "2", "a", "b"},
      {"COMMAND", "GETKEYS", "zintercard", "2", "a", "b", "LIMIT", "3"},
      {"COMMAND", "GETKEYS", "zmpop", "2", "a", "b", "MIN", "COUNT", "2"},
      {"COMMAND", "GETKEYS", "zmpop", "3", "a", "b", "MIN"},  // MIN counted as a key, as Redis
      {"COMMAND", "GETKEYS", "bzmpop", "0", "2", "a", "b", "MAX"},
      {"COMMAND", "GETKEYS", "sintercard", "2", "a", "b", "LIMIT", "1"},
      {"COMMAND", "GETKEYS", "lmpop", "2", "a", "b", "LEFT", "COUNT", "3"},
      {"COMMAND", "GETKEYS", "blmpop", "0", "1", "a", "RIGHT"},
      {"COMMAND", "GETKEYS", "eval", "return 1", "2", "a", "b", "arg"},
      {"COMMAND", "GETKEYS", "evalsha", "abc", "1", "a", "arg"},
      {"COMMAND", "GETKEYS", "eval_ro", "return 1", "1", "a"},
      {"COMMAND", "GETKEYS", "fcall", "f", "1", "a", "b"},
      {"COMMAND", "GETKEYS", "fcall_ro", "f", "2", "a", "b"},
  });
}

TEST_F(CommandCompat, GetKeysWithABadCount) {
  // Redis reads the count with atoi (genericGetKeys): a bad one means no keys
  // at all, an error unless the command may have none (EVAL: an empty array).
  SameAll({
      {"COMMAND", "GETKEYS", "zunion", "0", "a"},
      {"COMMAND", "GETKEYS", "zunion", "-1", "a"},
      {"COMMAND", "GETKEYS", "zunion", "x", "a"},
      {"COMMAND", "GETKEYS", "zunion", "3", "a", "b"},
      {"COMMAND", "GETKEYS", "zunion", "99999999999999999999", "a"},
      {"COMMAND", "GETKEYS", "zunion", "4294967297", "a"},  // atoi's int truncation: 1
      {"COMMAND", "GETKEYS", "zunion", "+1", "a"},
      {"COMMAND", "GETKEYS", "zunion", "01", "a"},
      {"COMMAND", "GETKEYS", "zunion", " 1", "a"},
      {"COMMAND", "GETKEYS", "zunion", "1x", "a"},
      {"COMMAND", "GETKEYS", "zunionstore", "d", "3", "a", "b"},  // not even the destination
      {"COMMAND", "GETKEYS", "zinterstore", "d", "x", "a"},
      {"COMMAND", "GETKEYS", "zintercard", "3", "a", "b"},
      {"COMMAND", "GETKEYS", "zmpop", "0", "a", "MIN"},
      {"COMMAND", "GETKEYS", "bzmpop", "0", "0", "a", "MIN"},
      {"COMMAND", "GETKEYS", "sintercard", "0", "a"},
      {"COMMAND", "GETKEYS", "lmpop", "x", "a", "LEFT"},
      {"COMMAND", "GETKEYS", "blmpop", "0", "5", "a", "LEFT"},
      {"COMMAND", "GETKEYS", "sintercard", "3", "a", "b"},
      {"COMMAND", "GETKEYS", "eval", "return 1", "0"},
      {"COMMAND", "GETKEYS", "eval", "return 1", "3", "a", "b"},
      {"COMMAND", "GETKEYS", "eval", "return 1", "x", "a"},
      {"COMMAND", "GETKEYS", "fcall_ro", "f", "0"},
  });
}

TEST_F(CommandCompat, GetKeysChecksInRedisOrder) {
  SameAll({
      {"COMMAND", "GETKEYS", "zunion", "1"},          // arity of the command
      {"COMMAND", "GETKEYS", "ping", "a", "b", "c"},  // no keys, before its arity
      {"COMMAND", "GETKEYS", "nosuch", "a"},
      {"COMMAND", "GETKEYS", "get"},  // COMMAND GETKEYS' own arity
      {"COMMAND", "GETKEYS", "get", "a"},
      {"COMMAND", "GETKEYS", "mset", "a", "1", "b", "2"},
      {"COMMAND", "GETKEYS", "bzpopmin", "a", "b", "0"},
      {"COMMAND", "GETKEYS", "zrangestore", "d", "s", "0", "-1"},
  });
}

// COMMAND INFO's name, arity, flags and legacy (first, last, step): the
// numkeys rows print "movablekeys" and Redis's triple (0 0 0, or the
// destination only). The rest of the entry (ACL categories, key specs' flags)
// is not compared here.
TEST_F(CommandCompat, InfoFlagsAndKeyPositions) {
  auto head = [](Client& c, const std::string& name) {
    Reply r = c.Command({"COMMAND", "INFO", name});
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 1 || r->element[0]->type != REDIS_REPLY_ARRAY ||
        r->element[0]->elements < 6) {
      return "(unexpected) " + (r ? Render(r.get()) : std::string("(io)"));
    }
    std::string out;
    for (size_t i = 0; i < 6; ++i) out += Render(r->element[0]->element[i]) + " ";
    return out;
  };
  for (const char* name : {"zunion", "zinter", "zdiff", "zunionstore", "zinterstore", "zdiffstore", "zintercard",
                           "zmpop", "bzmpop", "sintercard", "lmpop", "blmpop", "eval", "evalsha", "eval_ro", "evalsha_ro", "fcall",
                           "fcall_ro", "get", "mset", "zadd", "zrangestore", "blpop", "brpop", "blmove",
                           "brpoplpush", "bzpopmin", "bzpopmax"}) {
    EXPECT_EQ(head(*s_, name), head(*r_, name)) << name;
  }
  EXPECT_NE(head(*s_, "zunionstore").find("\"movablekeys\""), std::string::npos);
}

// A RESP2 or RESP3 reply as a tree (hiredis 0.14 refuses redis-server's
// COMMAND DOCS: its argument lists nest deeper than 7). A RESP3 map's kids
// are its keys and values in turn.
struct RespNode {
  char type = 0;
  std::string text;  // a string's bytes, an integer's digits
  std::vector<RespNode> kids;
};

RespNode ParseResp(const std::string& b, size_t& pos) {
  RespNode n;
  const size_t eol = b.find("\r\n", pos);
  n.type = b[pos];
  const std::string line = b.substr(pos + 1, eol - pos - 1);
  pos = eol + 2;
  if (n.type == '$') {
    const long long len = std::stoll(line);
    if (len >= 0) {
      n.text = b.substr(pos, static_cast<size_t>(len));
      pos += static_cast<size_t>(len) + 2;
    }
  } else if (n.type == '*' || n.type == '~' || n.type == '%') {
    const long long len = std::stoll(line) * (n.type == '%' ? 2 : 1);
    for (long long i = 0; i < len; ++i) n.kids.push_back(ParseResp(b, pos));
  } else {
    n.text = line;
  }
  return n;
}

// COMMAND <sub> (DOCS, INFO) of every command, as a tree, in RESP2 or RESP3.
RespNode CommandReply(int port, const std::string& sub, bool resp3 = false) {
  RawResp c(port);
  if (resp3) {
    c.Send({"HELLO", "3"});
    c.Read();
  }
  c.Send({"COMMAND", sub});
  const std::string raw = c.Read();
  size_t pos = 0;
  return raw.empty() || (raw[0] != '*' && raw[0] != '%') ? RespNode{} : ParseResp(raw, pos);
}

// A whole reply tree as one line: each node's RESP type, text and kids.
std::string RenderTree(const RespNode& n) {
  std::string out(1, n.type);
  out += n.text;
  if (!n.kids.empty() || n.type == '*' || n.type == '~' || n.type == '%') {
    out += "[";
    for (const RespNode& k : n.kids) out += RenderTree(k) + " ";
    out += "]";
  }
  return out;
}

// name ("client|id" for a subcommand) -> its whole COMMAND DOCS entry but the
// subcommands (each is an entry of its own: Redis lists them in its hash
// order, and stockd has fewer of them).
std::map<std::string, std::string> DocsOfAll(int port, bool resp3) {
  std::map<std::string, std::string> out;
  auto add = [&](const RespNode& list, auto& self) -> void {
    for (size_t i = 0; i + 1 < list.kids.size(); i += 2) {
      const RespNode& doc = list.kids[i + 1];
      std::string& line = out[list.kids[i].text];
      line = std::string(1, doc.type);
      for (size_t f = 0; f + 1 < doc.kids.size(); f += 2) {
        const std::string& field = doc.kids[f].text;
        if (field == "subcommands") {
          self(doc.kids[f + 1], self);
          continue;
        }
        line += field + "=" + RenderTree(doc.kids[f + 1]) + "\n";
      }
    }
  };
  add(CommandReply(port, "DOCS", resp3), add);
  return out;
}

// Expects ours[name] == redis[name] for each name both have (but `skip`);
// there must be over 200 of them.
void ExpectSameWhereBothHave(const std::map<std::string, std::string>& ours,
                             const std::map<std::string, std::string>& redis, const std::string& skip = "") {
  ASSERT_GT(ours.size(), 200u);
  ASSERT_GT(redis.size(), 200u);
  size_t compared = 0;
  for (const auto& [name, value] : ours) {
    auto it = redis.find(name);
    if (it == redis.end() || name == skip) continue;  // STOCK.*, ORDER.*, CL.THROTTLE
    EXPECT_EQ(value, it->second) << name;
    ++compared;
  }
  EXPECT_GT(compared, 200u);
}

// COMMAND DOCS of every command and subcommand both servers have, whole
// (summary, since, group, complexity, doc_flags, deprecation, history and the
// argument trees, field by field in Redis's order), in RESP2 and RESP3 (where
// maps and sets show): redis-cli builds its hints from the arguments.
TEST_F(CommandCompat, DocsOfEveryCommandBothHave) {
  ExpectSameWhereBothHave(DocsOfAll(stockd_.port(), false), DocsOfAll(redis_.port(), false));
  ExpectSameWhereBothHave(DocsOfAll(stockd_.port(), true), DocsOfAll(redis_.port(), true));
}

// stockd's own commands are documented as Redis's are (engine/command_docs.cc):
// every command and subcommand has a summary and a complexity, and STOCK.BUY
// its argument tree.
TEST_F(CommandCompat, StockdOnlyCommandsHaveDocs) {
  const std::map<std::string, std::string> docs = DocsOfAll(stockd_.port(), false);
  ASSERT_GT(docs.size(), 200u);
  for (const auto& [name, doc] : docs) {
    EXPECT_EQ(doc.find("summary=$\n"), std::string::npos) << name;
    if (name == "monitor") continue;  // Redis 7.0 documents no complexity for it
    EXPECT_NE(doc.find("complexity=$"), std::string::npos) << name;
  }
  ASSERT_EQ(docs.count("stock.buy"), 1u);
  EXPECT_EQ(docs.at("stock.buy"),
            "*summary=$Buy atomically: rate limit, per-user limit, stock, order\n"
            "since=$0.1.0\n"
            "group=$stock\n"
            "complexity=$O(1)\n"
            "arguments=*["
            "*[$name $key $type $key $key_spec_index :0 ] "
            "*[$name $user $type $string ] "
            "*[$name $quantity $type $integer $token $QTY $flags *[+optional ] ] "
            "*[$name $limit $type $integer $token $LIMIT $flags *[+optional ] ] "
            "*[$name $request-id $type $string $token $REQID $flags *[+optional ] ] "
            "]\n");
}

// COMMAND INFO of every command (and subcommand) as a tree, in RESP2 or
// RESP3: name -> its entry's elements [first, last) rendered. head() renders
// flat (elements 1-6: types differ by design only where Redis's do), whole()
// recursively with RESP types (tips, key specs: maps and sets show in RESP3).
std::map<std::string, std::string> InfoOfAll(int port, bool resp3, size_t first, size_t last, bool whole) {
  std::map<std::string, std::string> out;
  auto flat = [](const RespNode& n) {
    std::string r = n.text;
    for (const RespNode& k : n.kids) r += k.text + " ";
    return r;
  };
  auto add = [&](const RespNode& list, auto& self) -> void {
    for (const RespNode& e : list.kids) {
      if (e.kids.size() < last) continue;
      std::string line;
      for (size_t i = first; i < last; ++i) line += "[" + (whole ? RenderTree(e.kids[i]) : flat(e.kids[i])) + "]";
      out[e.kids[0].text] = line;
      if (e.kids.size() > 9) self(e.kids[9], self);
    }
  };
  add(CommandReply(port, "INFO", resp3), add);
  return out;
}

// COMMAND INFO's name, arity, flags, legacy key triple and ACL categories of
// every command and subcommand both servers have, in Redis's order.
// Known difference: WATCH lacks allow_busy (stockd's WATCH needs its keys'
// shard locks, which a busy script holds; it answers -BUSY instead).
TEST_F(CommandCompat, InfoOfEveryCommandBothHave) {
  ExpectSameWhereBothHave(InfoOfAll(stockd_.port(), false, 1, 7, false), InfoOfAll(redis_.port(), false, 1, 7, false),
                          "watch");
}

// COMMAND INFO's tips and key specifications (notes, flags, begin_search,
// find_keys with every spec field) of every command and subcommand both
// servers have, whole, in RESP2 and RESP3: cluster-aware clients route by
// them (engine/command_docs.h; generated from redis-server's own reply).
TEST_F(CommandCompat, InfoTipsAndKeySpecsOfEveryCommandBothHave) {
  for (bool resp3 : {false, true}) {
    SCOPED_TRACE(resp3 ? "RESP3" : "RESP2");
    ExpectSameWhereBothHave(InfoOfAll(stockd_.port(), resp3, 7, 9, true),
                            InfoOfAll(redis_.port(), resp3, 7, 9, true));
  }
}

// Every command with keys (a legacy triple or movablekeys) reports key specs,
// stockd's own included (engine/command_docs.cc), and STOCK.BUY's is RW on
// argv[1].
TEST_F(CommandCompat, EveryCommandWithKeysHasKeySpecs) {
  const auto head = InfoOfAll(stockd_.port(), false, 2, 4, false);  // flags, first key
  const auto specs = InfoOfAll(stockd_.port(), false, 8, 9, true);
  ASSERT_GT(head.size(), 200u);
  for (const auto& [name, h] : head) {
    const bool has_keys = h.find("[0]") == std::string::npos || h.find("movablekeys ") != std::string::npos;
    if (has_keys) EXPECT_NE(specs.at(name), "[*[]]") << name;
  }
  for (const char* name : {"stock.buy", "stock.set", "stock.get", "stock.bought", "cl.throttle"}) {
    EXPECT_NE(specs.at(name), "[*[]]") << name;
  }
  EXPECT_EQ(specs.at("stock.buy"),
            "[*[*[$flags *[+RW +access +update ] $begin_search *[$type $index $spec *[$index :1 ] ] "
            "$find_keys *[$type $range $spec *[$lastkey :0 $keystep :1 $limit :0 ] ] ] ]]");
}

// A RESP2 map's value by key (nullptr when absent).
const RespNode* Field(const RespNode& map, const std::string& key) {
  for (size_t i = 0; i + 1 < map.kids.size(); i += 2) {
    if (map.kids[i].text == key) return &map.kids[i + 1];
  }
  return nullptr;
}

// The argv indexes a call of argc arguments names by these (RESP2) key specs,
// as Redis's getKeysUsingKeySpecs walks index/range/keynum specs; -1 in the
// result: a spec this walk does not know (keyword, unknown).
std::set<int> KeysBySpecs(const RespNode& specs, const std::vector<std::string>& argv) {
  std::set<int> keys;
  const int argc = static_cast<int>(argv.size());
  auto num = [](const RespNode* spec, const char* f) { return std::stoi(Field(*spec, f)->text); };
  for (const RespNode& k : specs.kids) {
    // A NOT_KEY spec (SPUBLISH's channel) names no key (getKeysUsingKeySpecs).
    bool not_key = false;
    if (const RespNode* flags = Field(k, "flags")) {
      for (const RespNode& f : flags->kids) not_key = not_key || f.text == "not_key";
    }
    if (not_key) continue;
    const RespNode* bs = Field(k, "begin_search");
    const RespNode* fk = Field(k, "find_keys");
    const std::string bs_type = Field(*bs, "type")->text;
    if ((bs_type != "index" && bs_type != "keyword") || Field(*fk, "type")->text == "unknown") {
      keys.insert(-1);
      continue;
    }
    int first = 0;
    if (bs_type == "index") {
      first = num(Field(*bs, "spec"), "index");
    } else {  // Redis's getKeysUsingKeySpecs: the keys follow the keyword, if it is there
      const std::string keyword = Field(*Field(*bs, "spec"), "keyword")->text;
      const int from = num(Field(*bs, "spec"), "startfrom");
      const int start = from > 0 ? from : argc + from, end = from > 0 ? argc - 1 : 0, step = from > 0 ? 1 : -1;
      for (int i = start; i != end && i >= 1 && i < argc; i += step) {
        if (strcasecmp(argv[static_cast<size_t>(i)].c_str(), keyword.c_str()) == 0) {
          first = i + 1;
          break;
        }
      }
      if (first == 0) continue;
    }
    if (first >= argc) continue;
    const RespNode* spec = Field(*fk, "spec");
    if (Field(*fk, "type")->text == "range") {
      const int lastkey = num(spec, "lastkey"), limit = num(spec, "limit");
      const int last = lastkey >= 0 ? first + lastkey
                       : limit == 0 ? argc + lastkey
                                    : first + (argc - first) / limit + lastkey;
      for (int i = first; i <= last && i < argc; i += num(spec, "keystep")) keys.insert(i);
    } else {
      const int at = first + num(spec, "keynumidx");
      const int n = at < argc ? std::atoi(argv[static_cast<size_t>(at)].c_str()) : 0;
      const int firstkey = first + num(spec, "firstkey");
      if (n <= 0 || firstkey + (n - 1) * num(spec, "keystep") >= argc) continue;  // Redis: an invalid spec
      for (int j = 0; j < n; ++j) keys.insert(firstkey + j * num(spec, "keystep"));
    }
  }
  return keys;
}

// For every command and subcommand of stockd (its own included), its dispatch keys
// (what COMMAND GETKEYS reports: Command::ForEachKeyIndex, which the
// dispatcher locks by) of sample calls are the keys its reported key specs
// name. Sample calls: arity .. arity + 3 arguments, each "a<i>" but "1" at a
// keynum spec's count (so one key follows it).
TEST_F(CommandCompat, DispatchKeysAreTheKeySpecsKeys) {
  const RespNode info = CommandReply(stockd_.port(), "INFO");
  Client& c = *s_;
  size_t compared = 0;
  auto check = [&](const RespNode& e, std::vector<std::string> prefix, auto& self) -> void {
    const std::string name = e.kids[0].text;
    if (e.kids[9].kids.empty()) {
      const int arity = std::stoi(e.kids[1].text);
      std::set<int> counts;
      for (const RespNode& k : e.kids[8].kids) {
        if (Field(*Field(k, "find_keys"), "type")->text == "keynum") {
          counts.insert(std::stoi(Field(*Field(*Field(k, "begin_search"), "spec"), "index")->text) +
                        std::stoi(Field(*Field(*Field(k, "find_keys"), "spec"), "keynumidx")->text));
        }
      }
      const int min = std::abs(arity);
      for (int argc = min; argc <= (arity < 0 ? min + 3 : min); ++argc) {
        std::vector<std::string> argv = prefix;
        for (int i = static_cast<int>(argv.size()); i < argc; ++i) {
          argv.push_back(counts.count(i) ? "1" : "a" + std::to_string(i));
        }
        std::vector<std::string> cmd = {"COMMAND", "GETKEYS"};
        cmd.insert(cmd.end(), argv.begin(), argv.end());
        Reply r = c.Command(cmd);
        std::set<int> dispatch;
        if (r && r->type == REDIS_REPLY_ARRAY) {
          for (size_t i = 0; i < r->elements; ++i) {
            const std::string key(r->element[i]->str, r->element[i]->len);
            dispatch.insert(key == "1" ? *counts.begin() + 1 : std::stoi(key.substr(1)));
          }
        }
        const std::set<int> by_specs = KeysBySpecs(e.kids[8], argv);
        if (by_specs.count(-1) != 0) continue;  // a spec the keys cannot be read from (SORT's BY/GET)
        EXPECT_EQ(dispatch, by_specs) << name << " argc " << argc << " " << (r ? Render(r.get()) : "(io)");
        ++compared;
      }
    }
    for (const RespNode& sub : e.kids[9].kids) {
      const std::string sub_name = sub.kids[0].text.substr(sub.kids[0].text.find('|') + 1);
      self(sub, {name, sub_name}, self);
    }
  };
  for (const RespNode& e : info.kids) check(e, {e.kids[0].text}, check);
  EXPECT_GT(compared, 400u);
}

// BGSAVE has no no_multi flag (SAVE has): inside EXEC it is deferred.
TEST_F(CommandCompat, BgsaveInsideMultiIsScheduledAndSaveIsRefused) {
  SameAll({{"MULTI"}, {"BGSAVE"}, {"EXEC"}, {"MULTI"}, {"SAVE"}, {"EXEC"}});
}

// HELP of every container whose subcommands stockd all has is Redis's text,
// line for line (CLIENT, CONFIG, MEMORY and COMMAND list subcommands stockd
// does not have, so their HELP lists fewer).
TEST_F(CommandCompat, HelpOfFullySupportedContainers) {
  for (const char* container : {"SCRIPT", "FUNCTION", "SLOWLOG", "OBJECT", "ACL"}) Same({container, "HELP"});
}

}  // namespace
}  // namespace stockd::testing
