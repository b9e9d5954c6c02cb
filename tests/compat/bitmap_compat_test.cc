// tests/compat/bitmap_compat_test.cc — SETBIT GETBIT BITCOUNT BITPOS BITOP
// BITFIELD BITFIELD_RO against redis-server 7.0: the edge cases by hand
// (errors and their order, ranges, BYTE/BIT units, growth, overflow modes,
// "int" strings), then seeded random sequences over a few keys whose values
// are compared byte for byte after every write.
#include <random>
#include <string>
#include <vector>

#include "tests/compat/compat_util.h"

namespace stockd::testing {
namespace {

using BitmapCompat = CompatTest;

TEST_F(BitmapCompat, SetBitGetBitAndErrors) {
  SameAll({{"SETBIT", "b", "7", "1"},      {"SETBIT", "b", "7", "1"},   {"SETBIT", "b", "7", "0"},
           {"SETBIT", "b", "100", "1"},    {"GET", "b"},                {"STRLEN", "b"},
           {"GETBIT", "b", "100"},         {"GETBIT", "b", "101"},      {"GETBIT", "b", "100000"},
           {"GETBIT", "missing", "3"},     {"SETBIT", "b", "-1", "1"},  {"SETBIT", "b", "x", "1"},
           {"SETBIT", "b", "1", "2"},      {"SETBIT", "b", "1", "-1"},  {"SETBIT", "b", "1", "x"},
           {"SETBIT", "b", "4294967296", "1"}, {"GETBIT", "b", "-1"},   {"GETBIT", "b", "4294967296"},
           {"SET", "n", "255"},            {"GETBIT", "n", "2"},        {"SETBIT", "n", "7", "0"},
           {"GET", "n"},                   {"OBJECT", "ENCODING", "n"}, {"SETBIT", "n", "6", "0"},
           {"OBJECT", "ENCODING", "b"},    {"LPUSH", "l", "x"},         {"SETBIT", "l", "0", "1"},
           {"GETBIT", "l", "0"},           {"SET", "e", "v", "EX", "100"}, {"SETBIT", "e", "0", "1"},
           {"TTL", "e"},                   {"CONFIG", "SET", "proto-max-bulk-len", "1048576"},
           {"SETBIT", "b", "8388608", "1"}, {"SETBIT", "b", "8388607", "1"}, {"STRLEN", "b"},
           {"CONFIG", "SET", "proto-max-bulk-len", "536870912"}});
}

TEST_F(BitmapCompat, BitCountAndBitPosRanges) {
  SameAll({{"SET", "s", "foobar"}, {"SET", "z", std::string("\x00\x00\xff\xf0", 4)}, {"SET", "f", "\xff\xff"},
           {"SET", "empty", ""}});
  for (const char* key : {"s", "z", "f", "empty", "missing"}) {
    Same({"BITCOUNT", key});
    for (const char* bit : {"0", "1"}) Same({"BITPOS", key, bit});
    for (const auto& range : std::vector<std::vector<std::string>>{
             {"0", "0"}, {"1", "1"}, {"0", "-1"}, {"-2", "-1"}, {"-1", "-2"}, {"-100", "100"}, {"5", "2"},
             {"2", "100"}, {"100", "200"}, {"-3", "-5"}, {"0", "0", "BIT"}, {"5", "30", "BIT"}, {"-5", "-1", "bit"},
             {"17", "17", "BIT"}, {"3", "12", "BIT"}, {"0", "-1", "BYTE"}, {"1", "2", "byte"}, {"8", "7", "BIT"}}) {
      std::vector<std::string> count = {"BITCOUNT", key};
      count.insert(count.end(), range.begin(), range.end());
      Same(count);
      for (const char* bit : {"0", "1"}) {
        std::vector<std::string> pos = {"BITPOS", key, bit};
        pos.insert(pos.end(), range.begin(), range.end());
        Same(pos);
        if (range.size() == 2) Same({"BITPOS", key, bit, range[0]});  // no end: padded with zeros
      }
    }
  }
  SameAll({{"BITCOUNT", "s", "0"},           {"BITCOUNT", "s", "0", "1", "BITS"}, {"BITCOUNT", "s", "a", "1"},
           {"BITCOUNT", "s", "0", "1", "BIT", "x"}, {"BITCOUNT", "missing", "0"}, {"BITPOS", "s", "2"},
           {"BITPOS", "s", "x"},             {"BITPOS", "s", "1", "a"},          {"BITPOS", "s", "1", "0", "b"},
           {"BITPOS", "s", "1", "0", "1", "BITS"}, {"BITPOS", "s", "1", "0", "1", "BIT", "x"},
           {"BITPOS", "missing", "1", "x"},   {"BITPOS", "missing", "0", "1", "2"}, {"LPUSH", "l", "x"},
           {"BITCOUNT", "l"},                {"BITPOS", "l", "1"},               {"BITPOS", "l", "3"},
           {"SET", "i", "12345"},            {"BITCOUNT", "i"},                  {"BITPOS", "i", "1", "2", "3"}});
}

TEST_F(BitmapCompat, BitOp) {
  SameAll({{"SET", "a", "foobar"},
           {"SET", "b", "abcdef0123"},
           {"SET", "c", "1"},
           {"BITOP", "AND", "d", "a", "b"},
           {"GET", "d"},
           {"BITOP", "or", "d", "a", "b", "c"},
           {"GET", "d"},
           {"BITOP", "XOR", "d", "a", "b", "missing"},
           {"GET", "d"},
           {"BITOP", "NOT", "d", "a"},
           {"GET", "d"},
           {"OBJECT", "ENCODING", "d"},
           {"BITOP", "NOT", "d", "a", "b"},
           {"BITOP", "NAND", "d", "a"},
           {"BITOP", "AND", "d", "missing", "missing2"},
           {"EXISTS", "d"},
           {"SET", "t", "x", "EX", "100"},
           {"BITOP", "OR", "t", "a"},
           {"TTL", "t"},
           {"BITOP", "AND", "a", "a", "c"},
           {"GET", "a"},
           {"LPUSH", "l", "x"},
           {"BITOP", "OR", "d", "a", "l"},
           {"BITOP", "OR", "l", "a"},
           {"TYPE", "l"},
           {"BITOP", "AND", "d"}});
}

TEST_F(BitmapCompat, BitField) {
  SameAll({{"BITFIELD", "f", "SET", "i8", "0", "-100", "GET", "u4", "0", "INCRBY", "u2", "100", "1", "OVERFLOW",
            "FAIL", "INCRBY", "i8", "0", "-100", "GET", "i16", "#1"},
           {"GET", "f"},
           {"BITFIELD", "f", "GET", "i64", "0", "GET", "u63", "1", "GET", "i1", "5", "GET", "u1", "999999"},
           {"BITFIELD", "f", "OVERFLOW", "SAT", "INCRBY", "u8", "#3", "300", "INCRBY", "i8", "#3", "-300",
            "SET", "u4", "0", "17", "SET", "i4", "4", "-9", "OVERFLOW", "WRAP", "INCRBY", "u8", "#5", "300",
            "INCRBY", "i8", "#6", "-300", "SET", "i4", "#7", "9"},
           {"GET", "f"},
           {"BITFIELD", "f", "OVERFLOW", "FAIL", "SET", "u8", "#20", "256", "INCRBY", "i64", "0",
            "9223372036854775807", "INCRBY", "u63", "#1", "-1"},
           {"STRLEN", "f"},  // grown even though every write failed
           {"BITFIELD", "f", "INCRBY", "i64", "64", "9223372036854775807", "INCRBY", "i64", "64", "1",
            "OVERFLOW", "SAT", "INCRBY", "i64", "64", "1", "INCRBY", "i64", "64", "-9223372036854775808",
            "INCRBY", "i64", "64", "-9223372036854775808", "OVERFLOW", "WRAP", "INCRBY", "u63", "200",
            "-9223372036854775808"},
           {"BITFIELD", "g"},
           {"EXISTS", "g"},
           {"BITFIELD", "g", "GET", "u8", "0"},
           {"EXISTS", "g"},
           {"BITFIELD_RO", "f", "GET", "i8", "0", "GET", "u8", "#100"},
           {"BITFIELD_RO", "f", "GET", "i8", "0", "SET", "i8", "0", "1"},
           {"BITFIELD_RO", "f", "INCRBY", "x8", "0", "1"},
           {"BITFIELD", "f", "GET", "u64", "0"},
           {"BITFIELD", "f", "GET", "i65", "0"},
           {"BITFIELD", "f", "GET", "I8", "0"},
           {"BITFIELD", "f", "GET", "i0", "0"},
           {"BITFIELD", "f", "GET", "i8", "-1"},
           {"BITFIELD", "f", "GET", "i8", "#-1"},
           {"BITFIELD", "f", "GET", "i8", "x"},
           {"BITFIELD", "f", "SET", "i8", "0", "x"},
           {"BITFIELD", "f", "SET", "i8", "0"},
           {"BITFIELD", "f", "GET", "i8"},
           {"BITFIELD", "f", "OVERFLOW", "BAD", "GET", "i8", "0"},
           {"BITFIELD", "f", "OVERFLOW"},
           {"BITFIELD", "f", "NOPE", "i8", "0"},
           {"BITFIELD", "f", "GET", "i8", "0", "SET", "bad", "0", "1"},
           {"SET", "n", "1234"},
           {"BITFIELD", "n", "GET", "u8", "0", "SET", "u8", "#1", "65"},
           {"GET", "n"},
           {"LPUSH", "l", "x"},
           {"BITFIELD", "l", "GET", "u8", "0"},
           {"BITFIELD", "l", "SET", "u8", "0", "1"},
           {"BITFIELD", "l"},
           {"BITFIELD_RO", "l", "GET", "u8", "0"}});
}

// Seeded random sequences over three keys: every write's reply and the
// resulting values compared (GET shows every byte).
TEST_F(BitmapCompat, RandomSequences) {
  std::mt19937 rng(20261127);
  auto pick = [&](std::vector<std::string> v) { return v[rng() % v.size()]; };
  auto num = [&](int lo, int hi) { return std::to_string(lo + static_cast<int>(rng() % (hi - lo + 1))); };
  const std::vector<std::string> keys = {"k1", "k2", "k3"};
  auto type = [&] {
    const bool sign = rng() % 2;
    return std::string(sign ? "i" : "u") + std::to_string(1 + rng() % (sign ? 64 : 63));
  };
  for (int i = 0; i < 1500; ++i) {
    std::vector<std::string> cmd;
    switch (rng() % 8) {
      case 0: cmd = {"SETBIT", pick(keys), num(0, 200), num(0, 1)}; break;
      case 1: cmd = {"GETBIT", pick(keys), num(0, 220)}; break;
      case 2:
        cmd = {"BITCOUNT", pick(keys), num(-30, 30), num(-30, 30)};
        if (rng() % 2) cmd.push_back(pick({"BIT", "BYTE"}));
        break;
      case 3:
        cmd = {"BITPOS", pick(keys), num(0, 1)};
        if (rng() % 4) cmd.push_back(num(-30, 30));
        if (cmd.size() == 4 && rng() % 2) cmd.push_back(num(-30, 30));
        if (cmd.size() == 5 && rng() % 2) cmd.push_back(pick({"BIT", "BYTE"}));
        break;
      case 4: cmd = {"BITOP", pick({"AND", "OR", "XOR"}), pick(keys), pick(keys), pick(keys)}; break;
      case 5: cmd = {"BITOP", "NOT", pick(keys), pick(keys)}; break;
      case 6: {
        cmd = {"BITFIELD", pick(keys)};
        for (int n = 1 + static_cast<int>(rng() % 4); n > 0; --n) {
          switch (rng() % 4) {
            case 0: cmd.insert(cmd.end(), {"GET", type(), num(0, 150)}); break;
            case 1: cmd.insert(cmd.end(), {"SET", type(), num(0, 150), num(-1000, 1000)}); break;
            case 2: cmd.insert(cmd.end(), {"INCRBY", type(), num(0, 150), num(-100000, 100000)}); break;
            default: cmd.insert(cmd.end(), {"OVERFLOW", pick({"WRAP", "SAT", "FAIL"})}); break;
          }
        }
        break;
      }
      default: cmd = {"SET", pick(keys), pick({"", "a", "foobar", "12345", std::string(40, '\xff')})}; break;
    }
    Same(cmd);
    if (cmd[0] != "GETBIT" && cmd[0] != "BITCOUNT" && cmd[0] != "BITPOS") {
      for (const std::string& k : keys) Same({"GET", k});
    }
  }
}

}  // namespace
}  // namespace stockd::testing
