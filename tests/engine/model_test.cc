// tests/engine/model_test.cc — drives the engine and a trivially correct
// std::map model in lockstep with random commands over a small key space
// (LevelDB's db_test style), comparing every reply byte for byte.
#include <map>
#include <optional>
#include <random>

#include "tests/engine/engine_test_util.h"

namespace stockd::engine::testing {
namespace {

// Strict integer parse, independent of the engine's: canonical decimal only.
std::optional<int64_t> CanonicalInt(const std::string& s) {
  if (s.empty() || s.size() > 20) return std::nullopt;
  try {
    size_t pos = 0;
    long long v = std::stoll(s, &pos);
    if (pos != s.size() || std::to_string(v) != s) return std::nullopt;
    return v;
  } catch (...) {
    return std::nullopt;
  }
}

class Model {
 public:
  struct Item {
    std::string value;
    int64_t expire_at = 0;
  };
  int64_t now = 0;

  Item* Find(const std::string& k) {
    auto it = m_.find(k);
    if (it == m_.end()) return nullptr;
    if (it->second.expire_at != 0 && now > it->second.expire_at) {
      m_.erase(it);
      return nullptr;
    }
    return &it->second;
  }
  void Set(const std::string& k, std::string v) { m_[k] = Item{std::move(v), 0}; }
  bool Del(const std::string& k) { return Find(k) != nullptr && m_.erase(k) == 1; }
  size_t Size() const { return m_.size(); }  // includes unreclaimed expired keys, like DBSIZE

 private:
  std::map<std::string, Item> m_;
};

class ModelTest : public EngineTest, public ::testing::WithParamInterface<uint32_t> {};

TEST_P(ModelTest, RandomCommandsAgreeWithTheModel) {
  std::mt19937 rng(GetParam());
  Model model;
  model.now = now_ms_;
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<uint32_t>(n)); };
  auto key = [&] { return "k" + std::to_string(pick(8)); };
  auto value = [&]() -> std::string {
    switch (pick(4)) {
      case 0: return std::to_string(pick(200) - 100);
      case 1: return std::string(1 + pick(3), static_cast<char>('a' + pick(3)));
      case 2: return "0" + std::to_string(pick(9));  // not canonical: stays a string
      default: return std::to_string(static_cast<int64_t>(static_cast<uint64_t>(rng()) * 4000000000ULL));
    }
  };
  const std::string kNotInt = Err("ERR value is not an integer or out of range");

  for (int step = 0; step < 4000; ++step) {
    std::vector<std::string> argv;
    std::string expect;
    const int op = pick(16);
    if (op == 0) {
      std::string k = key(), v = value();
      argv = {"SET", k, v};
      model.Set(k, v);
      expect = kOk;
    } else if (op == 1) {
      std::string k = key();
      argv = {"GET", k};
      auto* it = model.Find(k);
      expect = it ? Bulk(it->value) : kNil;
    } else if (op == 2) {
      std::string a = key(), b = key();
      argv = {"DEL", a, b};
      int n = model.Del(a);
      n += model.Del(b);
      expect = Int(n);
    } else if (op == 3) {
      std::string k = key();
      int64_t by = pick(2001) - 1000;
      argv = {"INCRBY", k, std::to_string(by)};
      auto* it = model.Find(k);
      std::optional<int64_t> cur = it ? CanonicalInt(it->value) : std::optional<int64_t>(0);
      if (!cur) {
        expect = kNotInt;
      } else if ((by > 0 && *cur > INT64_MAX - by) || (by < 0 && *cur < INT64_MIN - by)) {
        expect = Err("ERR increment or decrement would overflow");
      } else {
        int64_t nv = *cur + by;
        if (it) it->value = std::to_string(nv);  // keeps its TTL
        else model.Set(k, std::to_string(nv));
        expect = Int(nv);
      }
    } else if (op == 4) {
      std::string k = key(), v = value();
      argv = {"APPEND", k, v};
      auto* it = model.Find(k);
      if (it) it->value += v;
      else model.Set(k, v);
      expect = Int(static_cast<int64_t>(model.Find(k)->value.size()));
    } else if (op == 5) {
      std::string a = key(), b = key(), c = key();
      argv = {"EXISTS", a, b, c};
      expect = Int((model.Find(a) != nullptr) + (model.Find(b) != nullptr) + (model.Find(c) != nullptr));
    } else if (op == 6) {
      std::string a = key(), b = key();
      argv = {"RENAME", a, b};
      auto* it = model.Find(a);
      if (!it) {
        expect = Err("ERR no such key");
      } else {
        if (a != b) {
          Model::Item item = *it;
          model.Del(b);
          model.Del(a);
          model.Set(b, item.value);
          model.Find(b)->expire_at = item.expire_at;
        }
        expect = kOk;
      }
    } else if (op == 7) {
      std::string k = key();
      argv = {"STRLEN", k};
      auto* it = model.Find(k);
      expect = Int(it ? static_cast<int64_t>(it->value.size()) : 0);
    } else if (op == 8) {
      std::string k = key(), v = value();
      argv = {"SETNX", k, v};
      if (model.Find(k)) {
        expect = Int(0);
      } else {
        model.Set(k, v);
        expect = Int(1);
      }
    } else if (op == 9) {
      std::string a = key(), b = key();
      argv = {"MGET", a, b};
      auto* x = model.Find(a);
      std::string ra = x ? Bulk(x->value) : kNil;
      auto* y = model.Find(b);
      expect = Arr({ra, y ? Bulk(y->value) : kNil});
    } else if (op == 10) {
      std::string k = key();
      int64_t ms = pick(50) + 1;
      argv = {"PEXPIRE", k, std::to_string(ms)};
      auto* it = model.Find(k);
      if (it) it->expire_at = model.now + ms;
      expect = Int(it ? 1 : 0);
    } else if (op == 11) {
      std::string k = key();
      argv = {"PTTL", k};
      auto* it = model.Find(k);
      expect = Int(!it ? -2 : it->expire_at == 0 ? -1 : it->expire_at - model.now);
    } else if (op == 12) {
      int64_t ms = pick(20);
      Advance(ms);
      model.now += ms;
      continue;
    } else if (op == 13) {
      std::string k = key();
      argv = {"PERSIST", k};
      auto* it = model.Find(k);
      expect = Int(it && it->expire_at != 0 ? 1 : 0);
      if (it) it->expire_at = 0;
    } else if (op == 14) {
      std::string k = key(), v = value();
      argv = {"GETSET", k, v};
      auto* it = model.Find(k);
      expect = it ? Bulk(it->value) : kNil;
      model.Set(k, v);
    } else {
      std::string k = key();
      int64_t off = pick(6);
      std::string v = value();
      argv = {"SETRANGE", k, std::to_string(off), v};
      auto* it = model.Find(k);
      std::string cur = it ? it->value : "";
      if (cur.size() < static_cast<size_t>(off) + v.size()) cur.resize(off + v.size(), '\0');
      cur.replace(static_cast<size_t>(off), v.size(), v);
      if (it) it->value = cur;
      else model.Set(k, cur);
      expect = Int(static_cast<int64_t>(cur.size()));
    }
    ASSERT_EQ(Run(argv), expect) << "step " << step << ": " << argv[0] << " " << argv[1];
  }
  // Finally every key agrees.
  for (int i = 0; i < 8; ++i) {
    std::string k = "k" + std::to_string(i);
    auto* it = model.Find(k);
    EXPECT_EQ(Run({"GET", k}), it ? Bulk(it->value) : kNil);
  }
}

INSTANTIATE_TEST_SUITE_P(Seeds, ModelTest, ::testing::Values(1u, 2u, 3u, 42u, 2024u));

}  // namespace
}  // namespace stockd::engine::testing
