// tests/engine/hyperloglog_family_test.cc — engine/hyperloglog_family.cc and
// engine/types/hyperloglog.cc, reply by reply and byte by byte (every expected
// value below was read from redis-server 7.0.15).
#include <string>
#include <vector>

#include "engine/errors.h"
#include "engine/types/hyperloglog.h"
#include "tests/engine/engine_test_util.h"

namespace stockd::engine::testing {
namespace {

using HyperLogLogTest = EngineTest;

std::string FromHex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    if (hex[i] == ' ') {
      --i;
      continue;
    }
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

const std::string kNotHll = Err("WRONGTYPE Key is not a valid HyperLogLog string value.");
const std::string kCorrupt = Err("INVALIDOBJ Corrupted HLL object detected");

// An empty HLL: sparse, XZERO:16384, cache stale (PFADD/PFMERGE invalidate it when they create the key).
const std::string kEmptyHll = FromHex("48594c4c 01000000 00000000 00000080 7fff");

TEST_F(HyperLogLogTest, PfAddCreatesAndReportsChanges) {
  EXPECT_EQ(Run({"PFADD", "e"}), Int(1));  // no elements: the key is created all the same
  EXPECT_EQ(Run({"GET", "e"}), Bulk(kEmptyHll));
  EXPECT_EQ(Run({"PFADD", "e"}), Int(0));
  EXPECT_EQ(Run({"PFCOUNT", "e"}), Int(0));

  EXPECT_EQ(Run({"PFADD", "h", "a", "b", "c"}), Int(1));
  EXPECT_EQ(Run({"GET", "h"}), Bulk(FromHex("48594c4c 01000000 00000000 00000080 60f38050b1844bfb80425a")));
  EXPECT_EQ(Run({"PFADD", "h", "a"}), Int(0));
  EXPECT_EQ(Run({"PFADD", "h", "a", "b", "c"}), Int(0));
  EXPECT_EQ(Run({"PFDEBUG", "DECODE", "h"}), Bulk("Z:8436 v:1,1 Z:4274 v:2,1 Z:3068 v:1,1 Z:603"));
  EXPECT_EQ(Run({"PFCOUNT", "h"}), Int(3));
  // The count is cached in the header, valid bit clear.
  EXPECT_EQ(Run({"GET", "h"}), Bulk(FromHex("48594c4c 01000000 03000000 00000000 60f38050b1844bfb80425a")));
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "h"}), Bulk("raw"));
  EXPECT_EQ(Run({"PFCOUNT", "missing"}), Int(0));
  EXPECT_EQ(Run({"EXISTS", "missing"}), Int(0));
}

TEST_F(HyperLogLogTest, ErrorsAndArity) {
  Run({"SET", "s", "hello"});
  Run({"SET", "i", "5"});
  PlantList("l");
  for (const char* key : {"s", "i"}) {
    EXPECT_EQ(Run({"PFADD", key, "a"}), kNotHll) << key;
    EXPECT_EQ(Run({"PFCOUNT", key}), kNotHll) << key;
    EXPECT_EQ(Run({"PFCOUNT", "missing", key}), kNotHll) << key;
    EXPECT_EQ(Run({"PFMERGE", "d", key}), kNotHll) << key;
    EXPECT_EQ(Run({"PFDEBUG", "ENCODING", key}), kNotHll) << key;
  }
  EXPECT_EQ(Run({"PFADD", "l", "a"}), Err(errors::kWrongType));
  EXPECT_EQ(Run({"PFCOUNT", "l"}), Err(errors::kWrongType));
  EXPECT_EQ(Run({"PFMERGE", "l"}), Err(errors::kWrongType));
  EXPECT_EQ(Run({"EXISTS", "d"}), Int(0));  // a failed merge creates nothing
  EXPECT_EQ(Run({"GET", "s"}), Bulk("hello"));

  // A header naming an unknown encoding, or a dense HLL of the wrong size, is not an HLL.
  Run({"SET", "bad", FromHex("48594c4c 02000000 00000000 00000000 7fff")});
  EXPECT_EQ(Run({"PFCOUNT", "bad"}), kNotHll);
  Run({"SET", "short", FromHex("48594c4c 00000000 00000000 00000000 0000")});
  EXPECT_EQ(Run({"PFADD", "short", "a"}), kNotHll);

  EXPECT_EQ(Run({"PFADD"}), Err("ERR wrong number of arguments for 'pfadd' command"));
  EXPECT_EQ(Run({"PFCOUNT"}), Err("ERR wrong number of arguments for 'pfcount' command"));
  EXPECT_EQ(Run({"PFMERGE"}), Err("ERR wrong number of arguments for 'pfmerge' command"));
  EXPECT_EQ(Run({"PFDEBUG", "ENCODING"}), Err("ERR wrong number of arguments for 'pfdebug' command"));
  EXPECT_EQ(Run({"PFSELFTEST", "x"}), Err("ERR wrong number of arguments for 'pfselftest' command"));

  Run({"PFADD", "h", "a"});
  EXPECT_EQ(Run({"PFDEBUG", "GETREG", "nokey"}), Err("ERR The specified key does not exist"));
  EXPECT_EQ(Run({"PFDEBUG", "foo", "nokey"}), Err("ERR The specified key does not exist"));  // the key first
  EXPECT_EQ(Run({"PFDEBUG", "foo", "h"}), Err("ERR Unknown PFDEBUG subcommand 'foo'"));
  EXPECT_EQ(Run({"PFDEBUG", "encoding", "h"}), Status("sparse"));
  EXPECT_EQ(Run({"PFDEBUG", "TODENSE", "h"}), Int(1));
  EXPECT_EQ(Run({"PFDEBUG", "TODENSE", "h"}), Int(0));
  EXPECT_EQ(Run({"PFDEBUG", "ENCODING", "h"}), Status("dense"));
  EXPECT_EQ(Run({"PFDEBUG", "DECODE", "h"}), Err("ERR HLL encoding is not sparse"));
  EXPECT_EQ(Run({"STRLEN", "h"}), Int(12304));
}

TEST_F(HyperLogLogTest, CorruptSparseBodyIsInvalidObj) {
  Run({"PFADD", "h", "a", "b", "c"});
  // The body's first XZERO (Z:8436) becomes Z:1: the opcodes no longer cover 16384 registers.
  Run({"SETRANGE", "h", "16", FromHex("4000")});
  EXPECT_EQ(Run({"PFCOUNT", "h"}), kCorrupt);
  EXPECT_EQ(Run({"PFCOUNT", "h", "missing"}), kCorrupt);
  EXPECT_EQ(Run({"PFMERGE", "d", "h"}), kCorrupt);
  EXPECT_EQ(Run({"EXISTS", "d"}), Int(0));
  EXPECT_EQ(Run({"PFDEBUG", "TODENSE", "h"}), kCorrupt);
  EXPECT_EQ(Run({"PFDEBUG", "GETREG", "h"}), kCorrupt);
  // An element landing past the covered registers cannot be placed.
  bool corrupt_seen = false;
  for (int i = 0; i < 100 && !corrupt_seen; ++i) {
    corrupt_seen = Run({"PFADD", "h", "x" + std::to_string(i)}) == kCorrupt;
  }
  EXPECT_TRUE(corrupt_seen);
}

TEST_F(HyperLogLogTest, SparseBecomesDenseAtSparseMaxBytes) {
  // With the default 3000 bytes, redis-server turns this HLL dense at element 1705.
  for (int i = 1; i <= 1704; ++i) Run({"PFADD", "p", "el:" + std::to_string(i)});
  EXPECT_EQ(Run({"PFDEBUG", "ENCODING", "p"}), Status("sparse"));
  const std::string len = Run({"STRLEN", "p"});
  EXPECT_LE(std::stoi(len.substr(1)), 3000);
  EXPECT_EQ(Run({"PFADD", "p", "el:1705"}), Int(1));
  EXPECT_EQ(Run({"PFDEBUG", "ENCODING", "p"}), Status("dense"));
  EXPECT_EQ(Run({"STRLEN", "p"}), Int(12304));
  EXPECT_EQ(Run({"PFCOUNT", "p"}), Int(1697));

  // 1000 elements stay sparse: 1892 bytes, counted 999 (as redis-server).
  for (int i = 1; i <= 1000; ++i) Run({"PFADD", "s", "el:" + std::to_string(i)});
  EXPECT_EQ(Run({"STRLEN", "s"}), Int(1892));
  EXPECT_EQ(Run({"PFCOUNT", "s"}), Int(999));

  // hll-sparse-max-bytes is read on every write: 100 bytes → dense at element 28.
  engine_.SetHllSparseMaxBytes(100);
  for (int i = 1; i <= 27; ++i) Run({"PFADD", "r", "el:" + std::to_string(i)});
  EXPECT_EQ(Run({"PFDEBUG", "ENCODING", "r"}), Status("sparse"));
  Run({"PFADD", "r", "el:28"});
  EXPECT_EQ(Run({"PFDEBUG", "ENCODING", "r"}), Status("dense"));
  EXPECT_EQ(Run({"PFCOUNT", "r"}), Int(28));
}

TEST_F(HyperLogLogTest, RegisterAboveSparseMaxValuePromotes) {
  std::string h = hll::CreateEmpty();
  EXPECT_EQ(hll::Set(&h, 100, 32, 3000), 1);
  EXPECT_EQ(hll::EncodingOf(h), hll::kSparse);
  EXPECT_EQ(hll::DecodeSparse(h), "Z:100 v:32,1 Z:16283");
  EXPECT_EQ(hll::Set(&h, 100, 32, 3000), 0);
  EXPECT_EQ(hll::Set(&h, 101, 33, 3000), 1);  // not representable by VAL: dense
  EXPECT_EQ(hll::EncodingOf(h), hll::kDense);
  ASSERT_EQ(h.size(), hll::kDenseSize);
  const auto* regs = reinterpret_cast<const uint8_t*>(h.data()) + hll::kHeaderSize;
  EXPECT_EQ(hll::DenseGet(regs, 100), 32);
  EXPECT_EQ(hll::DenseGet(regs, 101), 33);
  EXPECT_EQ(hll::DenseGet(regs, 16383), 0);
  // Adjacent equal VALs merge (up to a run of 4), as Redis's step 4.
  std::string m = hll::CreateEmpty();
  for (long i : {10, 12, 11, 13, 14}) hll::Set(&m, i, 3, 3000);
  EXPECT_EQ(hll::DecodeSparse(m), "z:10 v:3,4 v:3,1 Z:16369");
}

TEST_F(HyperLogLogTest, PfMerge) {
  EXPECT_EQ(Run({"PFMERGE", "x"}), kOk);  // no sources: an empty HLL
  EXPECT_EQ(Run({"GET", "x"}), Bulk(kEmptyHll));
  Run({"PFADD", "a", "a", "b", "c"});
  Run({"PFADD", "b", "c", "d", "e"});
  EXPECT_EQ(Run({"PFMERGE", "m", "a", "b"}), kOk);
  EXPECT_EQ(Run({"PFDEBUG", "DECODE", "m"}),
            Bulk("Z:7292 v:1,1 Z:1143 v:1,1 Z:4274 v:2,1 Z:2445 v:1,1 Z:622 v:1,1 Z:603"));
  EXPECT_EQ(Run({"GET", "m"}),
            Bulk(FromHex("48594c4c 01000000 00000000 00000080 5c7b80447680 50b184498c80426d80425a")));
  EXPECT_EQ(Run({"PFCOUNT", "m"}), Int(5));
  // dest is a source too.
  EXPECT_EQ(Run({"PFMERGE", "a", "b"}), kOk);
  EXPECT_EQ(Run({"PFCOUNT", "a"}), Int(5));
  // One dense input makes the result dense.
  Run({"PFADD", "d", "x"});
  Run({"PFDEBUG", "TODENSE", "d"});
  EXPECT_EQ(Run({"PFMERGE", "m2", "b", "d"}), kOk);
  EXPECT_EQ(Run({"PFDEBUG", "ENCODING", "m2"}), Status("dense"));
  EXPECT_EQ(Run({"PFCOUNT", "m2"}), Int(4));
  // The TTL of an existing dest survives.
  Run({"EXPIRE", "m", "100"});
  EXPECT_EQ(Run({"PFMERGE", "m", "d"}), kOk);
  EXPECT_EQ(Run({"TTL", "m"}), Int(100));
}

TEST_F(HyperLogLogTest, MultiKeyCountIsTheUnionAndWritesNothing) {
  Run({"PFADD", "a", "a", "b", "c"});
  Run({"PFADD", "b", "c", "d", "e"});
  const std::string before = Run({"GET", "a"});
  EXPECT_EQ(Run({"PFCOUNT", "a", "b"}), Int(5));
  EXPECT_EQ(Run({"PFCOUNT", "a", "b", "missing"}), Int(5));
  EXPECT_EQ(Run({"PFCOUNT", "missing", "missing2"}), Int(0));
  EXPECT_EQ(Run({"GET", "a"}), before);  // the stale cache stays stale
}

// PFCOUNT of one key refreshes a stale cache in the string: a write (WATCH
// sees it, as Redis's signalModifiedKey); with a valid cache it writes nothing.
TEST_F(HyperLogLogTest, CacheRefreshIsAWrite) {
  Run({"PFADD", "h", "a", "b"});
  Session other;
  auto run_other = [&](const std::vector<std::string>& argv) { return engine_.Execute(other, argv); };

  EXPECT_EQ(Run({"WATCH", "h"}), kOk);
  EXPECT_EQ(run_other({"PFCOUNT", "h"}), Int(2));  // stale → refreshed
  EXPECT_EQ(Run({"MULTI"}), kOk);
  Run({"GET", "zz"});
  EXPECT_EQ(Run({"EXEC"}), "*-1\r\n");

  EXPECT_EQ(Run({"WATCH", "h"}), kOk);
  EXPECT_EQ(run_other({"PFCOUNT", "h"}), Int(2));  // cached: nothing written
  EXPECT_EQ(run_other({"PFADD", "h", "a"}), Int(0));  // no register grew: nothing written
  EXPECT_EQ(Run({"MULTI"}), kOk);
  Run({"GET", "zz"});
  EXPECT_EQ(Run({"EXEC"}), Arr({kNil}));

  EXPECT_EQ(Run({"WATCH", "h"}), kOk);
  EXPECT_EQ(run_other({"PFADD", "h", "zz"}), Int(1));
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"EXEC"}), "*-1\r\n");
}

// The rows mirror redis-server 7.0's table (PFCOUNT is readonly there, and
// may replicate — its cache refresh — which COMMAND INFO does not show).
TEST_F(HyperLogLogTest, CommandFlags) {
  auto flags = [&](std::string_view name) { return engine_.commands().Find(name)->spec().flags; };
  EXPECT_EQ(flags("pfadd"), kWrite | kDenyOom | kFast);
  EXPECT_EQ(flags("pfcount"), kReadOnly | kMayReplicate);
  EXPECT_EQ(flags("pfmerge"), kWrite | kDenyOom);
  EXPECT_EQ(flags("pfdebug"), kWrite | kDenyOom | kAdmin);
  EXPECT_EQ(flags("pfselftest"), kAdmin);
  EXPECT_EQ(engine_.commands().Find("pfcount")->spec().last_key, -1);
  EXPECT_EQ(engine_.commands().Find("pfdebug")->spec().first_key, 2);
}

TEST_F(HyperLogLogTest, SelfTestPasses) { EXPECT_EQ(Run({"PFSELFTEST"}), kOk); }

}  // namespace
}  // namespace stockd::engine::testing
