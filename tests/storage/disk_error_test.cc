// Disk errors: with a file system that fails writes (ENOSPC-like), the
// persister keeps the batch, write commands get MISCONF naming the cause,
// reads go on, replies of the failed writes wait; when the disk is back the
// batch is written, the waiters wake, writes are accepted, nothing is lost.
#include <atomic>
#include <cstdio>
#include <memory>
#include <string>

#include "engine/engine.h"
#include "gtest/gtest.h"
#include "rocksdb/env.h"
#include "rocksdb/file_system.h"
#include "runtime/fiber.h"
#include "runtime/scheduler.h"
#include "runtime/time.h"
#include "storage/persister.h"
#include "tests/storage/storage_test_util.h"

namespace stockd::storage {
namespace {

std::atomic<bool> g_fail{false};
std::atomic<bool> g_nospace{true};  // ENOSPC-like, else EIO-like

rocksdb::IOStatus Injected() {
  if (g_nospace.load()) return rocksdb::IOStatus::NoSpace("injected: No space left on device");
  return rocksdb::IOStatus::IOError("injected: Input/output error");
}

class FaultFile : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  using FSWritableFileOwnerWrapper::FSWritableFileOwnerWrapper;
  rocksdb::IOStatus Append(const rocksdb::Slice& d, const rocksdb::IOOptions& o, rocksdb::IODebugContext* g) override {
    if (g_fail.load()) return Injected();
    return FSWritableFileOwnerWrapper::Append(d, o, g);
  }
  rocksdb::IOStatus Append(const rocksdb::Slice& d, const rocksdb::IOOptions& o,
                           const rocksdb::DataVerificationInfo& v, rocksdb::IODebugContext* g) override {
    if (g_fail.load()) return Injected();
    return FSWritableFileOwnerWrapper::Append(d, o, v, g);
  }
  rocksdb::IOStatus Sync(const rocksdb::IOOptions& o, rocksdb::IODebugContext* g) override {
    if (g_fail.load()) return Injected();
    return FSWritableFileOwnerWrapper::Sync(o, g);
  }
  rocksdb::IOStatus Fsync(const rocksdb::IOOptions& o, rocksdb::IODebugContext* g) override {
    if (g_fail.load()) return Injected();
    return FSWritableFileOwnerWrapper::Fsync(o, g);
  }
};

class FaultFs : public rocksdb::FileSystemWrapper {
 public:
  FaultFs() : FileSystemWrapper(rocksdb::FileSystem::Default()) {}
  const char* Name() const override { return "FaultFs"; }
  rocksdb::IOStatus NewWritableFile(const std::string& f, const rocksdb::FileOptions& o,
                                    std::unique_ptr<rocksdb::FSWritableFile>* r,
                                    rocksdb::IODebugContext* g) override {
    std::unique_ptr<rocksdb::FSWritableFile> inner;
    rocksdb::IOStatus s = target()->NewWritableFile(f, o, &inner, g);
    if (s.ok()) *r = std::make_unique<FaultFile>(std::move(inner));
    return s;
  }
  rocksdb::IOStatus ReopenWritableFile(const std::string& f, const rocksdb::FileOptions& o,
                                       std::unique_ptr<rocksdb::FSWritableFile>* r,
                                       rocksdb::IODebugContext* g) override {
    std::unique_ptr<rocksdb::FSWritableFile> inner;
    rocksdb::IOStatus s = target()->ReopenWritableFile(f, o, &inner, g);
    if (s.ok()) *r = std::make_unique<FaultFile>(std::move(inner));
    return s;
  }
};

void MisconfWhileFailingThenRecovers(const std::string& cause) {
  testing::TempDir dir;
  std::unique_ptr<rocksdb::Env> env = rocksdb::NewCompositeEnv(std::make_shared<FaultFs>());
  engine::Engine e;
  auto st = Store::Open(dir.path(), env.get());
  ASSERT_TRUE(st.ok()) << st.status();
  std::unique_ptr<Store> store = std::move(*st);
  LoadStats ls;
  ASSERT_TRUE(store->Load(e, &ls).ok());
  PersisterOptions popt;
  popt.retry_interval = absl::Milliseconds(20);
  Persister p(*store, e, popt);
  p.Attach();
  runtime::Runtime rt(runtime::Options{.procs = 2});
  absl::Status ran = rt.Run([&] {
    p.Start();
    EXPECT_EQ(e.Execute({"SET", "before", "1"}), "+OK\r\n");
    p.AwaitDurable();
    g_fail.store(true);
    // Executed, but not durable: its reply would wait.
    EXPECT_EQ(e.Execute({"SET", "during", "2"}), "+OK\r\n");
    std::atomic<bool> acked{false};
    runtime::Fiber waiter = runtime::Go([&] {
      p.AwaitDurable();
      acked.store(true);
    });
    // The failure reaches the gate: later writes are refused with the cause.
    std::string reply;
    for (int i = 0; i < 200; ++i) {
      reply = e.Execute({"SET", "refused", "3"});
      if (reply[0] == '-') break;
      runtime::Sleep(absl::Milliseconds(5));
    }
    EXPECT_EQ(reply.rfind("-MISCONF Errors writing to the persistence log: ", 0), 0u) << reply;
    EXPECT_NE(reply.find(cause), std::string::npos) << reply;
    EXPECT_EQ(e.Execute({"GET", "before"}), "$1\r\n1\r\n");  // reads keep working
    EXPECT_FALSE(p.error().empty());
    runtime::Sleep(absl::Milliseconds(100));
    EXPECT_FALSE(acked.load()) << "a reply was released before its write was durable";
    g_fail.store(false);  // the disk is back
    const absl::Time back = absl::Now();
    EXPECT_TRUE(waiter.Join().ok());
    std::fprintf(stderr, "recovered %s after the disk came back\n", absl::FormatDuration(absl::Now() - back).c_str());
    EXPECT_TRUE(acked.load());
    for (int i = 0; i < 200 && !p.error().empty(); ++i) runtime::Sleep(absl::Milliseconds(5));
    EXPECT_TRUE(p.error().empty());
    EXPECT_EQ(e.Execute({"SET", "after", "4"}), "+OK\r\n");
    p.AwaitDurable();
    PersisterStats s = p.stats();
    EXPECT_GT(s.write_errors, 0u);
    EXPECT_TRUE(p.Stop().ok());
  });
  ASSERT_TRUE(ran.ok()) << ran;
  ASSERT_TRUE(store->Close().ok());
  store.reset();
  testing::Loaded l = testing::LoadFrom(dir.path());
  // ("refused" may exist: the SETs executed before the failure reached the gate were accepted.)
  EXPECT_EQ(l.engine->Execute({"MGET", "before", "during", "after"}), "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n4\r\n");
}

TEST(DiskErrorTest, NoSpace) {
  g_nospace.store(true);
  MisconfWhileFailingThenRecovers("No space left on device");
}

TEST(DiskErrorTest, IoError) {
  g_nospace.store(false);
  MisconfWhileFailingThenRecovers("Input/output error");
}

}  // namespace
}  // namespace stockd::storage
