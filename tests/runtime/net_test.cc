// Tests of the netpoller: TCP echo, deadlines, Close wake-ups, IPv6, Dial.
#include "runtime/net.h"

#include <sys/resource.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "runtime/fiber.h"
#include "runtime/scheduler.h"
#include "runtime/time.h"

namespace stockd::runtime {
namespace {

// Echoes everything on c until EOF.
void Echo(std::unique_ptr<Conn> c) {
  char buf[4096];
  for (;;) {
    auto n = c->Read(buf, sizeof(buf));
    if (!n.ok() || *n == 0) return;
    if (!c->Write(std::string_view(buf, *n)).ok()) return;
  }
}

// Reads exactly len bytes (or fails the test).
std::string ReadFull(Conn& c, size_t len) {
  std::string out;
  char buf[4096];
  while (out.size() < len) {
    auto n = c.Read(buf, std::min(sizeof(buf), len - out.size()));
    EXPECT_TRUE(n.ok()) << n.status();
    if (!n.ok() || *n == 0) break;
    out.append(buf, *n);
  }
  return out;
}

TEST(Net, EchoThousandConcurrentConnections) {
#if defined(STOCKD_TSAN)
  constexpr int kConns = 200;  // TSan: fewer live fibers, slower
#else
  constexpr int kConns = 1000;
#endif
  constexpr int kRounds = 5;
  Runtime rt(Options{.procs = 2});
  std::atomic<int64_t> echoed{0};
  ASSERT_TRUE(rt.Run([&] {
    // A backlog above kConns: all clients dial at once, and a dropped SYN
    // would cost a 1 s retransmit.
    auto l = Listener::Listen("127.0.0.1", 0, 4096);
    ASSERT_TRUE(l.ok()) << l.status();
    Listener* lis = l->get();
    Fiber server = Go([lis] {
      std::vector<Fiber> handlers;
      for (;;) {
        auto c = lis->Accept();
        if (!c.ok()) break;  // Cancelled by Close below
        handlers.push_back(Go([c = std::move(*c)]() mutable { Echo(std::move(c)); }));
      }
      for (auto& h : handlers) ASSERT_TRUE(h.Join().ok());  // each ends at its client's EOF
    });
    std::vector<Fiber> clients;
    for (int i = 0; i < kConns; ++i) {
      clients.push_back(Go([&, i] {
        auto c = Dial("127.0.0.1", lis->port());
        ASSERT_TRUE(c.ok()) << c.status();
        for (int r = 0; r < kRounds; ++r) {
          const std::string msg = "conn " + std::to_string(i) + " round " + std::to_string(r) +
                                  std::string(100 + (i * 7 + r) % 900, 'x');
          ASSERT_TRUE((*c)->Write(msg).ok());
          ASSERT_EQ(ReadFull(**c, msg.size()), msg);
          echoed.fetch_add(static_cast<int64_t>(msg.size()));
        }
      }));
    }
    for (auto& f : clients) ASSERT_TRUE(f.Join().ok());
    lis->Close();
    ASSERT_TRUE(server.Join().ok());
  }).ok());
  int64_t want = 0;
  for (int i = 0; i < kConns; ++i) {
    for (int r = 0; r < kRounds; ++r) {
      want += static_cast<int64_t>(("conn " + std::to_string(i) + " round " + std::to_string(r)).size() +
                                   100 + (i * 7 + r) % 900);
    }
  }
  EXPECT_EQ(echoed.load(), want);
}

TEST(Net, ReadDeadlineExceeded) {
  Runtime rt(Options{.procs = 1});
  ASSERT_TRUE(rt.Run([&] {
    auto l = Listener::Listen("127.0.0.1", 0);
    ASSERT_TRUE(l.ok());
    auto c = Dial("127.0.0.1", (*l)->port());
    ASSERT_TRUE(c.ok());
    auto s = (*l)->Accept();
    ASSERT_TRUE(s.ok());
    char buf[16];
    const absl::Time start = absl::Now();
    auto n = (*c)->Read(buf, sizeof(buf), absl::Now() + absl::Milliseconds(30));
    EXPECT_EQ(n.status().code(), absl::StatusCode::kDeadlineExceeded);
    EXPECT_GE(absl::Now() - start, absl::Milliseconds(30));
    // A deadline in the past fails at once when no data is there...
    n = (*c)->Read(buf, sizeof(buf), absl::Now() - absl::Seconds(1));
    EXPECT_EQ(n.status().code(), absl::StatusCode::kDeadlineExceeded);
    // ...and the connection still works afterwards (repeatedly timing out reads
    // reuse one reactor wait).
    for (int i = 0; i < 20; ++i) {
      n = (*c)->Read(buf, sizeof(buf), absl::Now() + absl::Milliseconds(1));
      EXPECT_EQ(n.status().code(), absl::StatusCode::kDeadlineExceeded);
    }
    ASSERT_TRUE((*s)->Write("hello").ok());
    n = (*c)->Read(buf, sizeof(buf), absl::Now() + absl::Seconds(5));
    ASSERT_TRUE(n.ok()) << n.status();
    EXPECT_EQ(std::string(buf, *n), "hello");
  }).ok());
}

TEST(Net, CloseWakesParkedReadFromAnotherFiber) {
  Runtime rt(Options{.procs = 2});
  ASSERT_TRUE(rt.Run([&] {
    auto l = Listener::Listen("127.0.0.1", 0);
    ASSERT_TRUE(l.ok());
    auto c = Dial("127.0.0.1", (*l)->port());
    ASSERT_TRUE(c.ok());
    auto s = (*l)->Accept();
    ASSERT_TRUE(s.ok());
    Conn* conn = c->get();
    absl::Status got;
    Fiber reader = Go([&] {
      char buf[16];
      got = conn->Read(buf, sizeof(buf)).status();
    });
    Sleep(absl::Milliseconds(20));  // let it park
    conn->Close();
    ASSERT_TRUE(reader.Join().ok());
    EXPECT_EQ(got.code(), absl::StatusCode::kCancelled);
    // Later calls fail the same way; Close is idempotent.
    conn->Close();
    char buf[4];
    EXPECT_EQ(conn->Read(buf, 4).status().code(), absl::StatusCode::kCancelled);
    EXPECT_EQ(conn->Write("x").code(), absl::StatusCode::kCancelled);
    // The peer sees EOF.
    auto n = (*s)->Read(buf, 4, absl::Now() + absl::Seconds(5));
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(*n, 0u);
  }).ok());
}

TEST(Net, CloseFromPlainThreadWakesParkedRead) {
  Runtime rt(Options{.procs = 1});
  ASSERT_TRUE(rt.Run([&] {
    auto l = Listener::Listen("127.0.0.1", 0);
    ASSERT_TRUE(l.ok());
    auto c = Dial("127.0.0.1", (*l)->port());
    ASSERT_TRUE(c.ok());
    auto s = (*l)->Accept();
    ASSERT_TRUE(s.ok());
    Conn* conn = c->get();
    std::thread closer([conn] {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      conn->Close();
    });
    char buf[16];
    auto n = conn->Read(buf, sizeof(buf), absl::Now() + absl::Seconds(10));
    EXPECT_EQ(n.status().code(), absl::StatusCode::kCancelled);
    closer.join();
  }).ok());
}

TEST(Net, ListenerCloseWakesAcceptAndAcceptDeadline) {
  Runtime rt(Options{.procs = 2});
  ASSERT_TRUE(rt.Run([&] {
    auto l = Listener::Listen("127.0.0.1", 0);
    ASSERT_TRUE(l.ok());
    auto a = (*l)->Accept(absl::Now() + absl::Milliseconds(10));
    EXPECT_EQ(a.status().code(), absl::StatusCode::kDeadlineExceeded);
    Listener* lis = l->get();
    absl::Status got;
    Fiber acc = Go([&] { got = lis->Accept().status(); });
    Sleep(absl::Milliseconds(20));
    lis->Close();
    ASSERT_TRUE(acc.Join().ok());
    EXPECT_EQ(got.code(), absl::StatusCode::kCancelled);
  }).ok());
}

TEST(Net, PeerCloseReadsZeroAndAddresses) {
  Runtime rt(Options{.procs = 1});
  ASSERT_TRUE(rt.Run([&] {
    auto l = Listener::Listen("localhost", 0);
    ASSERT_TRUE(l.ok());
    auto c = Dial("localhost", (*l)->port());
    ASSERT_TRUE(c.ok()) << c.status();
    auto s = (*l)->Accept();
    ASSERT_TRUE(s.ok());
    EXPECT_TRUE((*s)->RemoteIsLoopback());
    EXPECT_EQ((*s)->RemoteAddress(), (*c)->LocalAddress());
    EXPECT_EQ((*c)->RemoteAddress(), "127.0.0.1:" + std::to_string((*l)->port()));
    EXPECT_TRUE((*s)->SetNoDelay(true).ok());
    EXPECT_TRUE((*s)->SetKeepAlive(300).ok());
    c->reset();  // destroying closes
    char buf[8];
    auto n = (*s)->Read(buf, sizeof(buf), absl::Now() + absl::Seconds(5));
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(*n, 0u);
  }).ok());
}

TEST(Net, Ipv6Loopback) {
  Runtime rt(Options{.procs = 1});
  ASSERT_TRUE(rt.Run([&] {
    auto l = Listener::Listen("::1", 0);
    ASSERT_TRUE(l.ok()) << l.status();
    auto c = Dial("::1", (*l)->port());
    ASSERT_TRUE(c.ok()) << c.status();
    auto s = (*l)->Accept();
    ASSERT_TRUE(s.ok());
    EXPECT_TRUE((*s)->RemoteIsLoopback());
    EXPECT_EQ((*c)->RemoteAddress(), "[::1]:" + std::to_string((*l)->port()));
    ASSERT_TRUE((*c)->Write("v6").ok());
    EXPECT_EQ(ReadFull(**s, 2), "v6");
  }).ok());
}

TEST(Net, LargeWritevWithSlowReaderIsComplete) {
  Runtime rt(Options{.procs = 2});
  ASSERT_TRUE(rt.Run([&] {
    auto l = Listener::Listen("127.0.0.1", 0);
    ASSERT_TRUE(l.ok());
    auto c = Dial("127.0.0.1", (*l)->port());
    ASSERT_TRUE(c.ok());
    auto s = (*l)->Accept();
    ASSERT_TRUE(s.ok());
    // 8 MiB in 3 pieces: far beyond the socket buffers, so the writer parks.
    std::string a(3 << 20, 'a'), b(2 << 20, 'b'), d(3 << 20, 'd');
    Conn* cc = c->get();
    absl::Status wst;
    Fiber writer = Go([&] {
      iovec iov[3] = {{a.data(), a.size()}, {b.data(), b.size()}, {d.data(), d.size()}};
      wst = cc->Writev(iov, 3);
    });
    Sleep(absl::Milliseconds(10));
    const std::string got = ReadFull(**s, a.size() + b.size() + d.size());
    ASSERT_TRUE(writer.Join().ok());
    EXPECT_TRUE(wst.ok()) << wst;
    EXPECT_EQ(got, a + b + d);
  }).ok());
}

TEST(Net, WriteDeadlineAndCloseWakeParkedWriter) {
  Runtime rt(Options{.procs = 2});
  ASSERT_TRUE(rt.Run([&] {
    auto l = Listener::Listen("127.0.0.1", 0);
    ASSERT_TRUE(l.ok());
    auto c = Dial("127.0.0.1", (*l)->port());
    ASSERT_TRUE(c.ok());
    auto s = (*l)->Accept();  // never reads: the writer fills both socket buffers
    ASSERT_TRUE(s.ok());
    const std::string big(32 << 20, 'z');
    absl::Status st = (*c)->Write(big, absl::Now() + absl::Milliseconds(30));
    EXPECT_EQ(st.code(), absl::StatusCode::kDeadlineExceeded) << st;
    Conn* conn = c->get();
    absl::Status parked;
    Fiber w = Go([&] { parked = conn->Write(big); });
    Sleep(absl::Milliseconds(20));
    conn->Close();
    ASSERT_TRUE(w.Join().ok());
    EXPECT_EQ(parked.code(), absl::StatusCode::kCancelled) << parked;
  }).ok());
}

TEST(Net, DialRefusedAndBadHost) {
  Runtime rt(Options{.procs = 1});
  ASSERT_TRUE(rt.Run([&] {
    // Find a free port, then close it: connecting there is refused.
    uint16_t port;
    {
      auto l = Listener::Listen("127.0.0.1", 0);
      ASSERT_TRUE(l.ok());
      port = (*l)->port();
    }
    auto c = Dial("127.0.0.1", port, absl::Now() + absl::Seconds(5));
    EXPECT_EQ(c.status().code(), absl::StatusCode::kUnavailable) << c.status();
    auto l = Listener::Listen("not-an-ip", 0);
    EXPECT_EQ(l.status().code(), absl::StatusCode::kInvalidArgument);
  }).ok());
}

TEST(Net, OffFiberCallsBlockTheThread) {
  Runtime rt(Options{.procs = 1});
  auto l = Listener::Listen("127.0.0.1", 0);
  ASSERT_TRUE(l.ok());
  Listener* lis = l->get();
  Fiber server = Go([lis] {
    auto c = lis->Accept();
    ASSERT_TRUE(c.ok());
    Echo(std::move(*c));
  });
  auto c = Dial("127.0.0.1", lis->port());  // from the test's main thread
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE((*c)->Write("ping").ok());
  EXPECT_EQ(ReadFull(**c, 4), "ping");
  c->reset();
  EXPECT_TRUE(server.Join().ok());
}

}  // namespace
}  // namespace stockd::runtime
