// tests/engine/stream_family_test.cc — the stream commands through the engine
// (engine/stream_family.cc): exact RESP bytes on a fixed clock, node-wise
// `~` trimming, the generic commands on a stream, and XREAD BLOCK with
// clients as fibers of a real runtime (every reader woken by one XADD, `$`
// fixed when the reader blocked, timeouts, MULTI, CLIENT UNBLOCK).
#include <atomic>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "engine/blocking.h"
#include "engine/session.h"
#include "runtime/fiber.h"
#include "runtime/time.h"
#include "tests/engine/blocking_test_util.h"
#include "tests/engine/engine_test_util.h"

namespace stockd::engine::testing {
namespace {

// One stream entry as XRANGE replies it.
std::string EntryReply(const std::string& id, const std::vector<std::string>& fields) {
  return "*2\r\n" + Bulk(id) + BulkArr(fields);
}
std::string Entries(const std::vector<std::string>& entries) {
  std::string out = "*" + std::to_string(entries.size()) + "\r\n";
  for (const auto& e : entries) out += e;
  return out;
}

using StreamTest = EngineTest;

TEST_F(StreamTest, AddExplicitIdsAndRange) {
  EXPECT_EQ(Run({"XADD", "s", "1-1", "a", "1"}), Bulk("1-1"));
  EXPECT_EQ(Run({"XADD", "s", "1-*", "b", "2"}), Bulk("1-2"));
  EXPECT_EQ(Run({"XADD", "s", "5", "c", "3", "d", "4"}), Bulk("5-0"));
  EXPECT_EQ(Run({"XLEN", "s"}), Int(3));
  EXPECT_EQ(Run({"TYPE", "s"}), Status("stream"));
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "s"}), Bulk("stream"));
  const std::string e11 = EntryReply("1-1", {"a", "1"}), e12 = EntryReply("1-2", {"b", "2"}),
                    e50 = EntryReply("5-0", {"c", "3", "d", "4"});
  EXPECT_EQ(Run({"XRANGE", "s", "-", "+"}), Entries({e11, e12, e50}));
  EXPECT_EQ(Run({"XREVRANGE", "s", "+", "-"}), Entries({e50, e12, e11}));
  EXPECT_EQ(Run({"XRANGE", "s", "-", "+", "COUNT", "2"}), Entries({e11, e12}));
  EXPECT_EQ(Run({"XRANGE", "s", "(1-1", "+"}), Entries({e12, e50}));
  EXPECT_EQ(Run({"XRANGE", "s", "1", "1"}), Entries({e11, e12}));  // incomplete IDs: 1-0 .. 1-max
  EXPECT_EQ(Run({"XRANGE", "s", "-", "(5-0"}), Entries({e11, e12}));
  EXPECT_EQ(Run({"XRANGE", "s", "-", "(5"}), Entries({e11, e12, e50}));  // (5 is below 5-max
  EXPECT_EQ(Run({"XREVRANGE", "s", "(5-0", "-", "COUNT", "1"}), Entries({e12}));
  EXPECT_EQ(Run({"XRANGE", "s", "5", "1"}), "*0\r\n");
  EXPECT_EQ(Run({"XRANGE", "s", "-", "+", "COUNT", "0"}), "*-1\r\n");
  EXPECT_EQ(Run({"XRANGE", "nokey", "-", "+", "COUNT", "0"}), "*0\r\n");
  EXPECT_EQ(Run({"XRANGE", "s", "(18446744073709551615-18446744073709551615", "+"}),
            Err("ERR invalid start ID for the interval"));
  EXPECT_EQ(Run({"XRANGE", "s", "-", "(0-0"}), Err("ERR invalid end ID for the interval"));
  EXPECT_EQ(Run({"XRANGE", "s", "(-", "+"}), Err("ERR Invalid stream ID specified as stream command argument"));
  EXPECT_EQ(Run({"XRANGE", "s", "-", "+", "COUNT"}), Err("ERR syntax error"));
}

TEST_F(StreamTest, AddErrors) {
  EXPECT_EQ(Run({"XADD", "s", "0-0", "a", "1"}), Err("ERR The ID specified in XADD must be greater than 0-0"));
  EXPECT_EQ(Run({"EXISTS", "s"}), Int(0));
  EXPECT_EQ(Run({"XADD", "s", "3-3", "a", "1"}), Bulk("3-3"));
  EXPECT_EQ(Run({"XADD", "s", "3-3", "a", "1"}),
            Err("ERR The ID specified in XADD is equal or smaller than the target stream top item"));
  EXPECT_EQ(Run({"XADD", "s", "2-*", "a", "1"}),
            Err("ERR The ID specified in XADD is equal or smaller than the target stream top item"));
  EXPECT_EQ(Run({"XADD", "s", "x-1", "a", "1"}), Err("ERR Invalid stream ID specified as stream command argument"));
  EXPECT_EQ(Run({"XADD", "s", "4-1", "a"}), Err("ERR wrong number of arguments for 'xadd' command"));
  EXPECT_EQ(Run({"XADD", "nokey", "NOMKSTREAM", "1-1", "a", "1"}), kNil);
  EXPECT_EQ(Run({"EXISTS", "nokey"}), Int(0));
  EXPECT_EQ(Run({"XADD", "s", "MAXLEN", "-1", "9-1", "a", "1"}), Err("ERR The MAXLEN argument must be >= 0."));
  EXPECT_EQ(Run({"XADD", "s", "MAXLEN", "1", "MINID", "1", "9-1", "a", "1"}),
            Err("ERR syntax error, MAXLEN and MINID options at the same time are not compatible"));
  EXPECT_EQ(Run({"XADD", "s", "MAXLEN", "1", "LIMIT", "1", "9-1", "a", "1"}),
            Err("ERR syntax error, LIMIT cannot be used without the special ~ option"));
  EXPECT_EQ(Run({"XADD", "s", "LIMIT", "1", "9-1", "a", "1"}),
            Err("ERR syntax error, LIMIT cannot be used without specifying a trimming strategy"));
  EXPECT_EQ(Run({"SET", "str", "v"}), kOk);
  EXPECT_EQ(Run({"XADD", "str", "1-1", "a", "1"}).substr(0, 10), "-WRONGTYPE");
  EXPECT_EQ(Run({"XSETID", "s", "18446744073709551615-18446744073709551615"}), kOk);
  EXPECT_EQ(Run({"XADD", "s", "*", "a", "1"}),
            Err("ERR The stream has exhausted the last possible ID, unable to add more items"));
}

TEST_F(StreamTest, AutoIdsFollowTheCommandClock) {
  const std::string ms = std::to_string(kStartMs);
  EXPECT_EQ(Run({"XADD", "s", "*", "a", "1"}), Bulk(ms + "-0"));
  EXPECT_EQ(Run({"XADD", "s", "*", "a", "1"}), Bulk(ms + "-1"));
  EXPECT_EQ(Run({"XADD", "s", ms + "-*", "a", "1"}), Bulk(ms + "-2"));
  Advance(5);
  EXPECT_EQ(Run({"XADD", "s", "*", "a", "1"}), Bulk(std::to_string(kStartMs + 5) + "-0"));
  // A last ID ahead of the clock: * continues from it.
  EXPECT_EQ(Run({"XADD", "t", "99999999999999-7", "a", "1"}), Bulk("99999999999999-7"));
  EXPECT_EQ(Run({"XADD", "t", "*", "a", "1"}), Bulk("99999999999999-8"));
}

TEST_F(StreamTest, DelTrimAndSetId) {
  for (int i = 1; i <= 5; ++i) Run({"XADD", "s", std::to_string(i) + "-0", "f", "v"});
  EXPECT_EQ(Run({"XDEL", "s", "2-0", "9-0", "2-0"}), Int(1));
  EXPECT_EQ(Run({"XDEL", "s", "bad"}), Err("ERR Invalid stream ID specified as stream command argument"));
  EXPECT_EQ(Run({"XDEL", "nokey", "bad"}), Int(0));
  EXPECT_EQ(Run({"XTRIM", "s", "MAXLEN", "3"}), Int(1));
  EXPECT_EQ(Run({"XRANGE", "s", "-", "+"}),
            Entries({EntryReply("3-0", {"f", "v"}), EntryReply("4-0", {"f", "v"}), EntryReply("5-0", {"f", "v"})}));
  EXPECT_EQ(Run({"XTRIM", "s", "MINID", "5"}), Int(2));
  EXPECT_EQ(Run({"XTRIM", "s", "MAXLEN", "0"}), Int(1));
  EXPECT_EQ(Run({"XLEN", "s"}), Int(0));
  EXPECT_EQ(Run({"EXISTS", "s"}), Int(1));  // an empty stream stays
  EXPECT_EQ(Run({"XTRIM", "s", "FOO", "1"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"XTRIM", "nokey", "FOO", "1"}), Err("ERR syntax error"));  // parsed before the lookup
  EXPECT_EQ(Run({"XTRIM", "nokey", "MAXLEN", "1"}), Int(0));
  EXPECT_EQ(Run({"XTRIM", "s", "LIMIT", "5"}),
            Err("ERR syntax error, LIMIT cannot be used without specifying a trimming strategy"));
  EXPECT_EQ(Run({"XTRIM", "s", "LIMIT", "0"}), Err("ERR syntax error, XTRIM must be called with a trimming strategy"));
  // XSETID
  EXPECT_EQ(Run({"XADD", "s", "10-0", "f", "v"}), Bulk("10-0"));
  EXPECT_EQ(Run({"XSETID", "s", "9-0"}), Err("ERR The ID specified in XSETID is smaller than the target stream top item"));
  EXPECT_EQ(Run({"XSETID", "s", "20-0", "ENTRIESADDED", "0"}),
            Err("ERR The entries_added specified in XSETID is smaller than the target stream length"));
  EXPECT_EQ(Run({"XSETID", "s", "20-0", "ENTRIESADDED", "-1"}), Err("ERR entries_added must be positive"));
  EXPECT_EQ(Run({"XSETID", "s", "20-0", "MAXDELETEDID", "30"}),
            Err("ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id"));
  EXPECT_EQ(Run({"XSETID", "nokey", "1"}), Err("ERR no such key"));
  EXPECT_EQ(Run({"XSETID", "s", "20-0", "ENTRIESADDED", "50", "MAXDELETEDID", "15"}), kOk);
  EXPECT_EQ(Run({"XADD", "s", "20-*", "f", "v"}), Bulk("20-1"));
  EXPECT_EQ(Run({"XADD", "s", "19-5", "f", "v"}),
            Err("ERR The ID specified in XADD is equal or smaller than the target stream top item"));
}

TEST_F(StreamTest, ApproximateTrimRemovesWholeNodes) {
  // 250 small entries: nodes of 100, 100, 50 (stream-node-max-entries).
  for (int i = 1; i <= 250; ++i) Run({"XADD", "s", std::to_string(i) + "-0", "f", "v"});
  EXPECT_EQ(Run({"XTRIM", "s", "MAXLEN", "~", "180"}), Int(0));  // removing a node would leave 150
  EXPECT_EQ(Run({"XTRIM", "s", "MAXLEN", "~", "120"}), Int(100));
  EXPECT_EQ(Run({"XTRIM", "s", "MAXLEN", "~", "0", "LIMIT", "50"}), Int(0));  // a node is 100 > LIMIT
  EXPECT_EQ(Run({"XTRIM", "s", "MINID", "~", "250"}), Int(100));  // the node 101..200 ends below 250
  EXPECT_EQ(Run({"XLEN", "s"}), Int(50));
  // The 50-entry node has room: 300-0 joins it, and ~ cannot remove it.
  EXPECT_EQ(Run({"XADD", "s", "MAXLEN", "~", "10", "300-0", "f", "v"}), Bulk("300-0"));
  EXPECT_EQ(Run({"XLEN", "s"}), Int(51));
  EXPECT_EQ(Run({"XTRIM", "s", "MAXLEN", "=", "5"}), Int(46));
  EXPECT_EQ(Run({"XRANGE", "s", "-", "+", "COUNT", "1"}), Entries({EntryReply("247-0", {"f", "v"})}));
  // Big entries open a node once the listpack would reach 4096 bytes (four
  // 1000-byte values fill one): ~ removes the first node only. (Numbers
  // checked against redis-server 7.0.15.)
  const std::string big(1000, 'x');
  for (int i = 1; i <= 6; ++i) Run({"XADD", "b", std::to_string(i) + "-0", "f", big});
  EXPECT_EQ(Run({"XTRIM", "b", "MAXLEN", "~", "1"}), Int(4));
  EXPECT_EQ(Run({"XLEN", "b"}), Int(2));
}

TEST_F(StreamTest, GenericCommandsOnStreams) {
  Run({"XADD", "s", "1-1", "a", "1"});
  EXPECT_EQ(Run({"COPY", "s", "c"}), Int(1));
  EXPECT_EQ(Run({"XADD", "c", "2-1", "b", "2"}), Bulk("2-1"));
  EXPECT_EQ(Run({"XLEN", "s"}), Int(1));  // a deep copy
  EXPECT_EQ(Run({"XLEN", "c"}), Int(2));
  EXPECT_EQ(Run({"RENAME", "c", "d"}), kOk);
  EXPECT_EQ(Run({"XLEN", "d"}), Int(2));
  EXPECT_EQ(Run({"SCAN", "0", "COUNT", "1000", "TYPE", "stream"}).find("$1\r\ns\r\n") != std::string::npos, true);
  EXPECT_EQ(Run({"SET", "str", "v"}), kOk);
  EXPECT_EQ(Run({"SCAN", "0", "COUNT", "1000", "TYPE", "stream"}).find("str") == std::string::npos, true);
  EXPECT_EQ(Run({"XLEN", "str"}).substr(0, 10), "-WRONGTYPE");
  EXPECT_EQ(Run({"LPUSH", "s", "x"}).substr(0, 10), "-WRONGTYPE");
  EXPECT_EQ(Run({"DEL", "s", "d"}), Int(2));
  EXPECT_EQ(Run({"XLEN", "s"}), Int(0));
}

TEST_F(StreamTest, ReadWithoutBlock) {
  Run({"XADD", "a", "1-1", "f", "1"});
  Run({"XADD", "a", "2-1", "f", "2"});
  Run({"XADD", "b", "3-1", "g", "3"});
  const std::string a11 = EntryReply("1-1", {"f", "1"}), a21 = EntryReply("2-1", {"f", "2"}),
                    b31 = EntryReply("3-1", {"g", "3"});
  EXPECT_EQ(Run({"XREAD", "STREAMS", "a", "b", "0", "0"}),
            "*2\r\n*2\r\n" + Bulk("a") + Entries({a11, a21}) + "*2\r\n" + Bulk("b") + Entries({b31}));
  EXPECT_EQ(Run({"XREAD", "COUNT", "1", "STREAMS", "a", "b", "1-1", "0"}),
            "*2\r\n*2\r\n" + Bulk("a") + Entries({a21}) + "*2\r\n" + Bulk("b") + Entries({b31}));
  EXPECT_EQ(Run({"XREAD", "STREAMS", "a", "nokey", "$", "0"}), "*-1\r\n");
  EXPECT_EQ(Run({"XREAD", "STREAMS", "a", "b", "0"}),
            Err("ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified."));
  EXPECT_EQ(Run({"XREAD", "STREAMS", "a", ">"}),
            Err("ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> "
                "option."));
  EXPECT_EQ(Run({"XREAD", "BLOCK", "x", "STREAMS", "a", "0"}), Err("ERR timeout is not an integer or out of range"));
  EXPECT_EQ(Run({"XREAD", "BLOCK", "-1", "STREAMS", "a", "0"}), Err("ERR timeout is negative"));
  EXPECT_EQ(Run({"XREAD", "COUNT", "1", "a", "0"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"XREAD", "GROUP", "g", "c", "STREAMS", "a", "0"}),
            Err("ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead."));
  session_.resp = 3;
  EXPECT_EQ(Run({"XREAD", "STREAMS", "a", "b", "1-1", "0"}),
            "%2\r\n" + Bulk("a") + Entries({a21}) + Bulk("b") + Entries({b31}));
  EXPECT_EQ(Run({"XREAD", "STREAMS", "a", "$"}), "_\r\n");
  // BLOCK off a blocking dispatch (here: no runtime fiber) answers as without it.
  EXPECT_EQ(Run({"XREAD", "BLOCK", "10", "STREAMS", "a", "$"}), "_\r\n");
}

TEST_F(StreamTest, GroupsReadAckPending) {
  Run({"XADD", "s", "1-1", "a", "1"});
  Run({"XADD", "s", "2-1", "b", "2"});
  Run({"XADD", "s", "3-1", "c", "3"});
  const std::string e1 = EntryReply("1-1", {"a", "1"}), e2 = EntryReply("2-1", {"b", "2"}),
                    e3 = EntryReply("3-1", {"c", "3"});
  EXPECT_EQ(Run({"XGROUP", "CREATE", "s", "g", "0"}), kOk);
  EXPECT_EQ(Run({"XGROUP", "CREATE", "s", "g", "0"}), Err("BUSYGROUP Consumer Group name already exists"));
  EXPECT_EQ(Run({"XGROUP", "CREATE", "nokey", "g", "$"}),
            Err("ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the "
                "MKSTREAM option to create an empty stream automatically."));
  EXPECT_EQ(Run({"XREADGROUP", "GROUP", "g", "alice", "COUNT", "2", "STREAMS", "s", ">"}),
            "*1\r\n*2\r\n" + Bulk("s") + Entries({e1, e2}));
  Advance(100);
  EXPECT_EQ(Run({"XREADGROUP", "GROUP", "g", "bob", "STREAMS", "s", ">"}), "*1\r\n*2\r\n" + Bulk("s") + Entries({e3}));
  EXPECT_EQ(Run({"XREADGROUP", "GROUP", "g", "bob", "STREAMS", "s", ">"}), "*-1\r\n");  // nothing new
  Advance(50);
  // Summary, then the extended form with idle times from the command clock.
  EXPECT_EQ(Run({"XPENDING", "s", "g"}), "*4\r\n:3\r\n" + Bulk("1-1") + Bulk("3-1") + "*2\r\n*2\r\n" +
                                             Bulk("alice") + Bulk("2") + "*2\r\n" + Bulk("bob") + Bulk("1"));
  EXPECT_EQ(Run({"XPENDING", "s", "g", "-", "+", "10"}),
            "*3\r\n*4\r\n" + Bulk("1-1") + Bulk("alice") + Int(150) + Int(1) + "*4\r\n" + Bulk("2-1") +
                Bulk("alice") + Int(150) + Int(1) + "*4\r\n" + Bulk("3-1") + Bulk("bob") + Int(50) + Int(1));
  EXPECT_EQ(Run({"XPENDING", "s", "g", "IDLE", "100", "-", "+", "10", "alice"}),
            "*2\r\n*4\r\n" + Bulk("1-1") + Bulk("alice") + Int(150) + Int(1) + "*4\r\n" + Bulk("2-1") +
                Bulk("alice") + Int(150) + Int(1));
  // History: alice's own pending entries, each delivery counted.
  EXPECT_EQ(Run({"XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "0"}),
            "*1\r\n*2\r\n" + Bulk("s") + Entries({e1, e2}));
  EXPECT_EQ(Run({"XACK", "s", "g", "1-1", "9-9", "1-1"}), Int(1));
  EXPECT_EQ(Run({"XACK", "s", "g", "bad"}), Err("ERR Invalid stream ID specified as stream command argument"));
  EXPECT_EQ(Run({"XDEL", "s", "2-1"}), Int(1));
  // A pending entry deleted from the stream: its ID with a null array.
  EXPECT_EQ(Run({"XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "0"}),
            "*1\r\n*2\r\n" + Bulk("s") + "*1\r\n*2\r\n" + Bulk("2-1") + "*-1\r\n");
  EXPECT_EQ(Run({"XINFO", "GROUPS", "s"}), "*1\r\n*12\r\n" + Bulk("name") + Bulk("g") + Bulk("consumers") + Int(2) +
                                               Bulk("pending") + Int(2) + Bulk("last-delivered-id") + Bulk("3-1") +
                                               Bulk("entries-read") + Int(3) + Bulk("lag") + Int(0));
  EXPECT_EQ(Run({"XINFO", "CONSUMERS", "s", "g"}), "*2\r\n*6\r\n" + Bulk("name") + Bulk("alice") + Bulk("pending") +
                                                       Int(1) + Bulk("idle") + Int(0) + "*6\r\n" + Bulk("name") +
                                                       Bulk("bob") + Bulk("pending") + Int(1) + Bulk("idle") + Int(50));
  EXPECT_EQ(Run({"XREADGROUP", "GROUP", "nog", "c", "STREAMS", "s", ">"}),
            Err("NOGROUP No such key 's' or consumer group 'nog' in XREADGROUP with GROUP option"));
  EXPECT_EQ(Run({"XGROUP", "DELCONSUMER", "s", "g", "alice"}), Int(1));
  EXPECT_EQ(Run({"XPENDING", "s", "g"}),
            "*4\r\n:1\r\n" + Bulk("3-1") + Bulk("3-1") + "*1\r\n*2\r\n" + Bulk("bob") + Bulk("1"));
  EXPECT_EQ(Run({"XGROUP", "DESTROY", "s", "g"}), Int(1));
  EXPECT_EQ(Run({"XPENDING", "s", "g"}), Err("NOGROUP No such key 's' or consumer group 'g'"));
}

TEST_F(StreamTest, ClaimAndAutoClaim) {
  for (int i = 1; i <= 4; ++i) Run({"XADD", "s", std::to_string(i) + "-0", "f", std::to_string(i)});
  Run({"XGROUP", "CREATE", "s", "g", "0"});
  Run({"XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", ">"});
  Advance(1000);
  // Only entries idle for 1000 ms or more move; JUSTID does not count a delivery.
  EXPECT_EQ(Run({"XCLAIM", "s", "g", "bob", "1000", "1-0", "2-0", "JUSTID"}), BulkArr({"1-0", "2-0"}));
  EXPECT_EQ(Run({"XCLAIM", "s", "g", "carol", "1000", "1-0", "3-0"}),
            Entries({EntryReply("3-0", {"f", "3"})}));  // 1-0 was just claimed: idle 0
  EXPECT_EQ(Run({"XCLAIM", "s", "g", "carol", "0", "1-0", "IDLE", "500", "RETRYCOUNT", "9", "JUSTID"}),
            BulkArr({"1-0"}));
  EXPECT_EQ(Run({"XPENDING", "s", "g", "-", "+", "10"}),
            "*4\r\n*4\r\n" + Bulk("1-0") + Bulk("carol") + Int(500) + Int(9) + "*4\r\n" + Bulk("2-0") + Bulk("bob") +
                Int(0) + Int(1) + "*4\r\n" + Bulk("3-0") + Bulk("carol") + Int(0) + Int(2) + "*4\r\n" + Bulk("4-0") +
                Bulk("alice") + Int(1000) + Int(1));
  EXPECT_EQ(Run({"XCLAIM", "s", "g", "bob", "0", "4-0", "TIME", std::to_string(kStartMs + 200), "JUSTID"}),
            BulkArr({"4-0"}));
  EXPECT_EQ(Run({"XCLAIM", "s", "g", "bob", "0", "4-0", "FOO"}), Err("ERR Unrecognized XCLAIM option 'FOO'"));
  EXPECT_EQ(Run({"XCLAIM", "s", "g", "bob", "x", "4-0"}), Err("ERR Invalid min-idle-time argument for XCLAIM"));
  EXPECT_EQ(Run({"XCLAIM", "s", "nog", "bob", "0", "4-0"}), Err("NOGROUP No such key 's' or consumer group 'nog'"));
  // XAUTOCLAIM: the cursor, the claimed entries, the IDs deleted meanwhile.
  EXPECT_EQ(Run({"XDEL", "s", "2-0"}), Int(1));
  Advance(10);
  EXPECT_EQ(Run({"XAUTOCLAIM", "s", "g", "dave", "0", "0", "COUNT", "2"}),
            "*3\r\n" + Bulk("3-0") + Entries({EntryReply("1-0", {"f", "1"})}) + BulkArr({"2-0"}));
  EXPECT_EQ(Run({"XAUTOCLAIM", "s", "g", "dave", "0", "3-0", "JUSTID"}),
            "*3\r\n" + Bulk("0-0") + BulkArr({"3-0", "4-0"}) + "*0\r\n");
  EXPECT_EQ(Run({"XAUTOCLAIM", "s", "g", "dave", "0", "0", "COUNT", "0"}), Err("ERR COUNT must be > 0"));
  EXPECT_EQ(Run({"XPENDING", "s", "g"}),
            "*4\r\n:3\r\n" + Bulk("1-0") + Bulk("4-0") + "*1\r\n*2\r\n" + Bulk("dave") + Bulk("3"));
  // XCLAIM ... FORCE creates a NACK for an entry nobody was delivered.
  EXPECT_EQ(Run({"XGROUP", "CREATE", "s", "g2", "$"}), kOk);
  EXPECT_EQ(Run({"XCLAIM", "s", "g2", "eve", "0", "3-0", "9-9", "FORCE", "JUSTID", "LASTID", "4-0"}),
            BulkArr({"3-0"}));
  EXPECT_EQ(Run({"XINFO", "GROUPS", "s"}).find(Bulk("g2") + Bulk("consumers") + Int(1) + Bulk("pending") + Int(1)) !=
                std::string::npos,
            true);
}

TEST_F(StreamTest, InfoStream) {
  EXPECT_EQ(Run({"XINFO", "STREAM", "nokey"}), Err("ERR no such key"));
  Run({"XADD", "s", "1-1", "a", "1"});
  Run({"XADD", "s", "2-1", "b", "2"});
  Run({"XDEL", "s", "1-1"});
  Run({"XGROUP", "CREATE", "s", "g", "0"});
  EXPECT_EQ(Run({"XINFO", "STREAM", "s"}),
            "*20\r\n" + Bulk("length") + Int(1) + Bulk("radix-tree-keys") + Int(1) + Bulk("radix-tree-nodes") + Int(2) +
                Bulk("last-generated-id") + Bulk("2-1") + Bulk("max-deleted-entry-id") + Bulk("1-1") +
                Bulk("entries-added") + Int(2) + Bulk("recorded-first-entry-id") + Bulk("2-1") + Bulk("groups") +
                Int(1) + Bulk("first-entry") + EntryReply("2-1", {"b", "2"}) + Bulk("last-entry") +
                EntryReply("2-1", {"b", "2"}));
  // The lag is estimated from entries_added while no deleted entry lies
  // after the group's last ID, unknown (null) once one does.
  const std::string group_head = "*1\r\n*12\r\n" + Bulk("name") + Bulk("g") + Bulk("consumers") + Int(0) +
                                 Bulk("pending") + Int(0) + Bulk("last-delivered-id") + Bulk("0-0") +
                                 Bulk("entries-read") + kNil + Bulk("lag");
  EXPECT_EQ(Run({"XINFO", "GROUPS", "s"}), group_head + Int(1));
  Run({"XADD", "s", "3-1", "b", "2"});
  Run({"XDEL", "s", "3-1"});
  EXPECT_EQ(Run({"XINFO", "GROUPS", "s"}), group_head + kNil);
  Run({"XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"});
  const std::string full = Run({"XINFO", "STREAM", "s", "FULL"});
  EXPECT_EQ(full.substr(0, 5), "*18\r\n");
  EXPECT_NE(full.find(Bulk("seen-time") + Int(kStartMs)), std::string::npos);
  EXPECT_EQ(Run({"XINFO", "STREAM", "s", "FULL", "COUNT"}),
            Err("ERR unknown subcommand or wrong number of arguments for 'STREAM'. Try XINFO HELP."));
  EXPECT_EQ(Run({"XINFO", "CONSUMERS", "s", "nog"}), Err("NOGROUP No such consumer group 'nog' for key name 's'"));
  EXPECT_EQ(Run({"XINFO", "HELP"}).substr(0, 4), "*9\r\n");
  EXPECT_EQ(Run({"XGROUP", "HELP"}).substr(0, 5), "*17\r\n");
}

class StreamBlockingTest : public RuntimeEngineTest {
 protected:
  struct Client {
    Session session;
    std::string Run(Engine& e, const std::vector<std::string>& argv) { return e.Execute(session, argv); }
  };
};

TEST_F(StreamBlockingTest, OneAddWakesEveryReader) {
  constexpr int kReaders = 12;
  InRuntime([&] {
    engine_.Execute({"XADD", "s", "1-1", "f", "old"});
    std::vector<std::string> replies(kReaders);
    std::vector<runtime::Fiber> fibers;
    for (int i = 0; i < kReaders; ++i) {
      fibers.push_back(runtime::Go([&, i] {
        Client c;
        // Half wait after `$` (1-1 when they blocked), half after an explicit ID.
        replies[static_cast<size_t>(i)] =
            c.Run(engine_, {"XREAD", "BLOCK", "0", "STREAMS", "other", "s", "0", i % 2 ? "$" : "1-1"});
      }));
    }
    AwaitBlocked(kReaders);
    EXPECT_EQ(engine_.Execute({"XADD", "s", "2-1", "f", "new"}), Bulk("2-1"));
    for (auto& f : fibers) ASSERT_TRUE(f.Join().ok());
    const std::string want = "*1\r\n*2\r\n" + Bulk("s") + Entries({EntryReply("2-1", {"f", "new"})});
    for (int i = 0; i < kReaders; ++i) EXPECT_EQ(replies[static_cast<size_t>(i)], want) << i;
    EXPECT_EQ(engine_.blocking().blocked_clients(), 0u);
  });
}

TEST_F(StreamBlockingTest, DollarIsTheLastIdWhenBlocking) {
  InRuntime([&] {
    std::string reply;
    runtime::Fiber f = runtime::Go([&] {
      Client c;
      c.session.resp = 3;
      reply = c.Run(engine_, {"XREAD", "BLOCK", "0", "STREAMS", "s", "$"});
    });
    AwaitBlocked(1);
    // A write that is not an XADD (the key appears through XADD only) and an
    // entry at or below the waited-after ID do not serve the reader.
    engine_.Execute({"XADD", "s", "5-1", "f", "a"});
    ASSERT_TRUE(f.Join().ok());
    EXPECT_EQ(reply, "%1\r\n" + Bulk("s") + Entries({EntryReply("5-1", {"f", "a"})}));

    // Blocked after an explicit ID above the next entry: stays blocked.
    std::string reply2;
    runtime::Fiber g = runtime::Go([&] {
      Client c;
      reply2 = c.Run(engine_, {"XREAD", "COUNT", "1", "BLOCK", "0", "STREAMS", "s", "7-0"});
    });
    AwaitBlocked(1);
    engine_.Execute({"XADD", "s", "6-1", "f", "b"});
    runtime::Sleep(absl::Milliseconds(20));
    EXPECT_EQ(engine_.blocking().blocked_clients(), 1u);
    engine_.Execute({"XADD", "s", "7-1", "f", "c"});
    engine_.Execute({"XADD", "s", "7-2", "f", "d"});
    ASSERT_TRUE(g.Join().ok());
    EXPECT_EQ(reply2.substr(0, 4), "*1\r\n");
    EXPECT_NE(reply2.find("7-1"), std::string::npos);
  });
}

TEST_F(StreamBlockingTest, TimeoutMultiAndUnblock) {
  InRuntime([&] {
    Client c;
    const absl::Time start = absl::Now();
    EXPECT_EQ(c.Run(engine_, {"XREAD", "BLOCK", "50", "STREAMS", "s", "$"}), "*-1\r\n");
    EXPECT_GE(absl::Now() - start, absl::Milliseconds(45));
    c.session.resp = 3;
    EXPECT_EQ(c.Run(engine_, {"XREAD", "BLOCK", "10", "STREAMS", "s", "0"}), "_\r\n");
    c.session.resp = 2;
    // Inside MULTI: answers at once, as without BLOCK.
    EXPECT_EQ(c.Run(engine_, {"MULTI"}), "+OK\r\n");
    EXPECT_EQ(c.Run(engine_, {"XREAD", "BLOCK", "0", "STREAMS", "s", "$"}), "+QUEUED\r\n");
    EXPECT_EQ(c.Run(engine_, {"EXEC"}), "*1\r\n*-1\r\n");
    // CLIENT UNBLOCK (the engine's side): timeout and error.
    std::string r1, r2;
    runtime::Fiber f = runtime::Go([&] {
      Client b;
      b.session.client_id = 77;
      r1 = b.Run(engine_, {"XREAD", "BLOCK", "0", "STREAMS", "s", "$"});
    });
    AwaitBlocked(1);
    EXPECT_TRUE(engine_.blocking().Unblock(77, UnblockMode::kTimeout));
    ASSERT_TRUE(f.Join().ok());
    runtime::Fiber g = runtime::Go([&] {
      Client b;
      b.session.client_id = 78;
      r2 = b.Run(engine_, {"XREAD", "BLOCK", "0", "STREAMS", "s", "$"});
    });
    AwaitBlocked(1);
    EXPECT_TRUE(engine_.blocking().Unblock(78, UnblockMode::kError));
    ASSERT_TRUE(g.Join().ok());
    EXPECT_EQ(r1, "*-1\r\n");
    EXPECT_EQ(r2, "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n");
  });
}

TEST_F(StreamBlockingTest, ReadGroupWakesOnAddAndFailsOnDestroy) {
  InRuntime([&] {
    engine_.Execute({"XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"});
    std::string r1, r2;
    std::atomic<bool> r1_set{false};  // r1 is read before the fiber ends (it may run on another thread)
    runtime::Fiber f = runtime::Go([&] {
      Client c;
      r1 = c.Run(engine_, {"XREADGROUP", "GROUP", "g", "alice", "BLOCK", "0", "STREAMS", "s", ">"});
      r1_set.store(true, std::memory_order_release);
      r2 = c.Run(engine_, {"XREADGROUP", "GROUP", "g", "alice", "BLOCK", "0", "STREAMS", "s", ">"});
    });
    AwaitBlocked(1);
    engine_.Execute({"XADD", "s", "1-1", "f", "v"});
    for (int i = 0; i < 2000 && !r1_set.load(std::memory_order_acquire); ++i) runtime::Sleep(absl::Milliseconds(1));
    EXPECT_EQ(r1, "*1\r\n*2\r\n" + Bulk("s") + Entries({EntryReply("1-1", {"f", "v"})}));
    AwaitBlocked(1);
    EXPECT_EQ(engine_.Execute({"XGROUP", "DESTROY", "s", "g"}), Int(1));
    ASSERT_TRUE(f.Join().ok());
    EXPECT_EQ(r2, "-NOGROUP the consumer group this client was blocked on no longer exists\r\n");
    EXPECT_EQ(engine_.blocking().blocked_clients(), 0u);
  });
}

TEST_F(StreamBlockingTest, ReadGroupFailsWhenTheStreamGoes) {
  InRuntime([&] {
    for (const char* remover : {"DEL", "SET", "RENAME"}) {
      engine_.Execute({"XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"});
      std::string reply, plain;
      std::atomic<bool> replied{false};  // polled before the fiber is joined (another thread, maybe)
      runtime::Fiber f = runtime::Go([&] {
        Client c;
        c.session.client_id = 99;
        reply = c.Run(engine_, {"XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">"});
        replied.store(true, std::memory_order_release);
      });
      // An XREAD on the same key is not failed: it waits on.
      runtime::Fiber g = runtime::Go([&] {
        Client c;
        plain = c.Run(engine_, {"XREAD", "BLOCK", "0", "STREAMS", "s", "$"});
      });
      AwaitBlocked(2);
      if (std::string(remover) == "DEL") engine_.Execute({"DEL", "s"});
      if (std::string(remover) == "SET") engine_.Execute({"SET", "s", "v"});
      if (std::string(remover) == "RENAME") engine_.Execute({"RENAME", "s", "elsewhere"});
      for (int i = 0; i < 2000 && !replied.load(std::memory_order_acquire); ++i) runtime::Sleep(absl::Milliseconds(1));
      if (!replied.load(std::memory_order_acquire)) {  // still blocked: fail, and end the wait
        ADD_FAILURE() << remover << " did not wake the XREADGROUP";
        engine_.blocking().Unblock(99, UnblockMode::kTimeout);
      }
      ASSERT_TRUE(f.Join().ok());
      EXPECT_EQ(reply, "-UNBLOCKED the stream key no longer exists\r\n") << remover;
      AwaitBlocked(1);
      engine_.Execute({"DEL", "s", "elsewhere"});
      engine_.Execute({"XADD", "s", "1-1", "f", "v"});
      ASSERT_TRUE(g.Join().ok());
      EXPECT_EQ(plain, "*1\r\n*2\r\n" + Bulk("s") + Entries({EntryReply("1-1", {"f", "v"})})) << remover;
      engine_.Execute({"DEL", "s"});
    }
  });
}

}  // namespace
}  // namespace stockd::engine::testing
