// tests/compat/command_compat_test.cc — COMMAND GETKEYS and COMMAND INFO's
// key description against redis-server 7.0, for the commands whose keys
// follow a numkeys argument (engine/command.h: numkeys_at) and a few with the
// legacy key triple only.
#include <string>
#include <vector>

#include "tests/compat/compat_util.h"

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

}  // namespace
}  // namespace stockd::testing
