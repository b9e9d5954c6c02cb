// tests/compat/raw_twin.h — one raw-socket client of stockd and one of
// redis-server, sent the same requests, their replies and pushes compared
// byte for byte (RESP3 pushes included, which hiredis 0.14 cannot parse).
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/util/raw_resp.h"

namespace stockd::testing {

inline std::string Printable(const std::string& s) {
  std::string out;
  for (char c : s) out += c == '\r' ? std::string("\\r") : c == '\n' ? std::string("\\n") : std::string(1, c);
  return out;
}

class RawTwin {
 public:
  RawTwin(int stockd_port, int redis_port) : s_(stockd_port), r_(redis_port) {}
  void Send(const std::vector<std::string>& argv) {
    s_.Send(argv);
    r_.Send(argv);
  }
  // Reads n replies from each, compares them in order; returns stockd's, joined.
  std::string Read(int n = 1) {
    std::string all;
    for (int i = 0; i < n; ++i) {
      const std::string a = s_.Read(), b = r_.Read();
      EXPECT_EQ(Printable(a), Printable(b));
      all += a;
    }
    return all;
  }
  // n (un)subscribe replies whose order Redis leaves to its hash table
  // (xUNSUBSCRIBE without names): the names compared as sorted lists, the
  // counts (n-1 ... 0 left) in order.
  void ReadUnordered(int n) {
    std::vector<std::string> a, b, a_counts, b_counts;
    auto split = [](const std::string& reply, std::vector<std::string>& names, std::vector<std::string>& counts) {
      const size_t colon = reply.rfind(':');
      names.push_back(Printable(reply.substr(0, colon)));
      counts.push_back(Printable(reply.substr(colon)));
    };
    for (int i = 0; i < n; ++i) {
      split(s_.Read(), a, a_counts);
      split(r_.Read(), b, b_counts);
    }
    std::sort(a.begin(), a.end());
    std::sort(b.begin(), b.end());
    EXPECT_EQ(a, b);
    EXPECT_EQ(a_counts, b_counts);
  }
  // A reply from each, not compared (HELLO: the client ids differ).
  void Skip() {
    (void)s_.Read();
    (void)r_.Read();
  }
  std::string Do(const std::vector<std::string>& argv, int replies = 1) {
    Send(argv);
    return Read(replies);
  }
  RawResp& stockd() { return s_; }
  RawResp& redis() { return r_; }

 private:
  RawResp s_, r_;
};

}  // namespace stockd::testing
