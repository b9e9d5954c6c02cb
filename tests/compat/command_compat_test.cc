// tests/compat/command_compat_test.cc — COMMAND GETKEYS and COMMAND INFO's
// key description against redis-server 7.0, for the commands whose keys
// follow a numkeys argument (engine/command.h: numkeys_at) and a few with the
// legacy key triple only.
#include <map>
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

// A RESP2 reply as a tree (hiredis 0.14 refuses redis-server's COMMAND DOCS:
// its argument lists nest deeper than 7).
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
  } else if (n.type == '*') {
    for (long long i = 0, len = std::stoll(line); i < len; ++i) n.kids.push_back(ParseResp(b, pos));
  } else {
    n.text = line;
  }
  return n;
}

// COMMAND <sub> (DOCS, INFO) of every command, as a tree.
RespNode CommandReply(int port, const std::string& sub) {
  RawResp c(port);
  c.Send({"COMMAND", sub});
  const std::string raw = c.Read();
  size_t pos = 0;
  return raw.empty() || raw[0] != '*' ? RespNode{} : ParseResp(raw, pos);
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

// COMMAND DOCS' since, group, doc_flags, deprecated_since and replaced_by
// of every command and subcommand both servers have (clients show them; the
// summaries, complexities and argument trees are not compared).
TEST_F(CommandCompat, DocsOfEveryCommandBothHave) {
  // name ("client|id" for a subcommand) -> "since=... group=... ...".
  auto docs_of_all = [](int port) {
    std::map<std::string, std::string> out;
    auto add = [&](const RespNode& list, auto& self) -> void {
      for (size_t i = 0; i + 1 < list.kids.size(); i += 2) {
        const RespNode& doc = list.kids[i + 1];
        std::string& line = out[list.kids[i].text];
        for (size_t f = 0; f + 1 < doc.kids.size(); f += 2) {
          const std::string& field = doc.kids[f].text;
          const RespNode& value = doc.kids[f + 1];
          if (field == "subcommands") self(value, self);
          if (field != "since" && field != "group" && field != "doc_flags" && field != "deprecated_since" &&
              field != "replaced_by") {
            continue;
          }
          line += field + "=" + value.text;
          for (const RespNode& k : value.kids) line += k.text + ",";
          line += " ";
        }
      }
    };
    add(CommandReply(port, "DOCS"), add);
    return out;
  };
  ExpectSameWhereBothHave(docs_of_all(stockd_.port()), docs_of_all(redis_.port()));
}

// COMMAND INFO's name, arity, flags, legacy key triple and ACL categories of
// every command and subcommand both servers have, in Redis's order.
// Known difference: WATCH lacks allow_busy (stockd's WATCH needs its keys'
// shard locks, which a busy script holds; it answers -BUSY instead).
TEST_F(CommandCompat, InfoOfEveryCommandBothHave) {
  auto info_of_all = [](int port) {
    std::map<std::string, std::string> out;
    auto render = [](const RespNode& n) {
      std::string r = n.text;
      for (const RespNode& k : n.kids) r += k.text + " ";
      return r;
    };
    auto add = [&](const RespNode& list, auto& self) -> void {
      for (const RespNode& e : list.kids) {
        if (e.kids.size() < 7) continue;
        std::string head;
        for (size_t i = 1; i < 7; ++i) head += "[" + render(e.kids[i]) + "]";
        out[e.kids[0].text] = head;
        if (e.kids.size() > 9) self(e.kids[9], self);
      }
    };
    add(CommandReply(port, "INFO"), add);
    return out;
  };
  ExpectSameWhereBothHave(info_of_all(stockd_.port()), info_of_all(redis_.port()), "watch");
}

// BGSAVE has no no_multi flag (SAVE has): inside EXEC it is deferred.
TEST_F(CommandCompat, BgsaveInsideMultiIsScheduledAndSaveIsRefused) {
  SameAll({{"MULTI"}, {"BGSAVE"}, {"EXEC"}, {"MULTI"}, {"SAVE"}, {"EXEC"}});
}

}  // namespace
}  // namespace stockd::testing
