// A real service on a real allocator: Debian's redis-server, which links
// jemalloc. allocprof attaches to a running server; a known amount of data
// written with redis-cli must show as outstanding bytes of redis's own
// code, and go away again when the keys are deleted.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <functional>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/allocator_checks.h"
#include "tests/e2e/outputs.h"
#include "tests/e2e/session.h"
#include "userspace/outputs/profile_file.h"

namespace allocprof::e2e {
namespace {

using ::testing::HasSubstr;

constexpr char kRedisServer[] = "/usr/bin/redis-server";
constexpr char kRedisCli[] = "/usr/bin/redis-cli";

// What the test writes: kKeys values of kValueSize bytes.
constexpr int kKeys = 200;
constexpr int64_t kValueSize = 64 * 1024;
constexpr int64_t kWritten = kKeys * kValueSize;  // 12.5 MiB

// How long the running summary may take to show a change: many --interval
// ticks, generous for a loaded machine.
constexpr Millis kSummaryTimeout{20000};

std::string Key(int i) { return "allocprof:" + std::to_string(i); }

std::string Bulk(const std::string& s) {
  return "$" + std::to_string(s.size()) + "\r\n" + s + "\r\n";
}

// RESP for redis-cli --pipe: SET of every key, and one DEL of all.
std::string SetCommands() {
  const std::string value(kValueSize, 'v');
  std::string out;
  for (int i = 0; i < kKeys; ++i) {
    out += "*3\r\n" + Bulk("SET") + Bulk(Key(i)) + Bulk(value);
  }
  return out;
}

std::string DelCommand() {
  std::string out = "*" + std::to_string(kKeys + 1) + "\r\n" + Bulk("DEL");
  for (int i = 0; i < kKeys; ++i) out += Bulk(Key(i));
  return out;
}

class RedisTest : public E2eTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(E2eTest::SetUp());
    if (access(kRedisServer, X_OK) != 0 || access(kRedisCli, X_OK) != 0) {
      GTEST_SKIP() << kRedisServer << " or " << kRedisCli
                   << " is not installed (scripts/install-deps.sh installs "
                      "redis-server and redis-tools)";
    }
    socket_ = ScratchPath("redis.sock");
  }

  // Starts a server of the test's own: no TCP port, a unix socket in the
  // scratch directory, nothing saved to disk.
  void StartServer() {
    std::string error;
    server_ = Process::Start(
        {kRedisServer, "--port", "0", "--unixsocket", socket_,
         "--unixsocketperm", "700", "--save", "", "--appendonly", "no",
         "--daemonize", "no", "--dir", ScratchPath(""), "--logfile", ""},
        &error);
    ASSERT_NE(server_, nullptr) << error;
    Process* s = server_.get();
    const bool ready = Process::PumpUntil(
        {s},
        [s] {
          return s->out().find("eady to accept connections") !=
                     std::string::npos ||
                 s->exited();
        },
        kStartTimeout);
    ASSERT_TRUE(ready && !s->exited())
        << "redis-server did not become ready (" << s->Describe()
        << ")\nstdout:\n"
        << s->out() << "stderr:\n"
        << s->err();
  }

  // Sends the commands in `file` with redis-cli --pipe and checks that
  // redis answered `replies` times without an error.
  void Pipe(const std::string& file, int replies) {
    std::string error;
    std::unique_ptr<Process> cli = Process::Start(
        {"/bin/sh", "-c",
         std::string("exec ") + kRedisCli + " -s '" + socket_ +
             "' --pipe < '" + file + "'"},
        &error);
    ASSERT_NE(cli, nullptr) << error;
    ASSERT_TRUE(cli->WaitExit(kRunTimeout)) << "redis-cli --pipe hung";
    ASSERT_TRUE(ExitedWith(*cli, 0))
        << cli->Describe() << "\n" << cli->out() << cli->err();
    EXPECT_THAT(cli->out(), HasSubstr("errors: 0, replies: " +
                                      std::to_string(replies)))
        << cli->out() << cli->err();
  }

  // Waits for a running summary of allocprof whose outstanding figure
  // satisfies `ok`; returns the last figure seen.
  int64_t WaitForSummary(Process* ap, const std::function<bool(int64_t)>& ok,
                         size_t after, bool* met) {
    int64_t last = -1;
    *met = Process::PumpUntil(
        {ap, server_.get()},
        [&] {
          const std::vector<int64_t> figures =
              IntervalOutstandingBytes(ap->out());
          if (figures.size() <= after) return ap->exited();
          last = figures.back();
          return ok(last) || ap->exited();
        },
        kSummaryTimeout);
    *met = *met && !ap->exited() && last >= 0 && ok(last);
    return last;
  }

  std::string socket_;
  std::unique_ptr<Process> server_;
};

TEST_F(RedisTest, OutstandingFollowsWrittenAndDeletedData) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  const std::string set_file = ScratchPath("set.resp");
  const std::string del_file = ScratchPath("del.resp");
  std::ofstream(set_file, std::ios::binary) << SetCommands();
  std::ofstream(del_file, std::ios::binary) << DelCommand();

  const std::string json = ScratchPath("redis.json");
  std::unique_ptr<Process> ap;
  ASSERT_NO_FATAL_FAILURE(
      StartTracing({"-p", std::to_string(server_->pid()), "--interval", "1",
                    "--json", json},
                   server_->pid(), &ap));

  // The figure before any data: what the idle server allocates meanwhile.
  bool met = false;
  const int64_t baseline =
      WaitForSummary(ap.get(), [](int64_t) { return true; }, 0, &met);
  ASSERT_TRUE(met) << "no running summary\n" << BriefOutputs(*ap);

  // Written: the outstanding bytes grow by about the data.
  ASSERT_NO_FATAL_FAILURE(Pipe(set_file, kKeys));
  size_t seen = IntervalOutstandingBytes(ap->out()).size();
  const int64_t grown = WaitForSummary(
      ap.get(), [&](int64_t b) { return b - baseline >= kWritten * 9 / 10; },
      seen, &met);
  ASSERT_TRUE(met) << "outstanding went from " << baseline << " B to only "
                   << grown << " B after writing " << kWritten << " B\n"
                   << BriefOutputs(*ap);

  // Deleted: they fall back.
  ASSERT_NO_FATAL_FAILURE(Pipe(del_file, 1));
  seen = IntervalOutstandingBytes(ap->out()).size();
  const int64_t shrunk = WaitForSummary(
      ap.get(), [&](int64_t b) { return b - baseline <= kWritten * 3 / 10; },
      seen, &met);
  ASSERT_TRUE(met) << "outstanding stayed at " << shrunk << " B (baseline "
                   << baseline << " B) after deleting the keys\n"
                   << BriefOutputs(*ap);

  // Written again and kept: the final report holds them.
  ASSERT_NO_FATAL_FAILURE(Pipe(set_file, kKeys));
  seen = IntervalOutstandingBytes(ap->out()).size();
  WaitForSummary(
      ap.get(), [&](int64_t b) { return b - baseline >= kWritten * 9 / 10; },
      seen, &met);
  ASSERT_TRUE(met) << BriefOutputs(*ap);

  ap->Signal(SIGINT);
  ASSERT_TRUE(ap->WaitExit(kRunTimeout)) << BriefOutputs(*ap);
  EXPECT_TRUE(ExitedWith(*ap, 0)) << BriefOutputs(*ap);
  EXPECT_FALSE(server_->exited()) << "redis-server ended under the trace: "
                                  << server_->Describe();

  // The bytes are redis's own: on stacks through redis-server's code (the
  // direct caller of the allocator at least: Debian builds it without frame
  // pointers), with jemalloc's allocator frame as the leaf. Debian's
  // redis-server is a symlink to redis-check-rdb, the path the target maps.
  auto profile = ReadProfileFile(json);
  ASSERT_TRUE(profile.ok()) << profile.status();
  const std::string redis = CanonicalPath(kRedisServer);
  int64_t redis_inuse = 0, redis_alloc = 0, jemalloc_inuse = 0;
  for (const ProfileStack& s : profile->stacks) {
    const bool through_redis =
        std::any_of(s.frames.begin(), s.frames.end(),
                    [&](const ProfileFrame& f) {
                      return CanonicalPath(f.module) == redis;
                    });
    if (!through_redis) continue;
    redis_inuse += s.values.inuse_bytes;
    redis_alloc += s.values.alloc_bytes;
    if (!s.frames.empty() &&
        Basename(s.frames[0].module).find("jemalloc") != std::string::npos) {
      jemalloc_inuse += s.values.inuse_bytes;
    }
  }
  const std::string context = DescribeStacks(*profile) + BriefOutputs(*ap);
  // Written twice, deleted once.
  EXPECT_GE(redis_alloc, 2 * kWritten * 9 / 10) << context;
  EXPECT_GE(redis_inuse, kWritten * 9 / 10) << context;
  EXPECT_LE(redis_inuse, kWritten * 3 / 2)
      << "more outstanding than written: counted twice?\n"
      << context;
  EXPECT_GE(jemalloc_inuse, kWritten * 9 / 10)
      << "redis allocates through jemalloc\n"
      << context;
  // What jemalloc maps to serve those blocks is its backing memory, not
  // memory redis mapped itself.
  EXPECT_LT(profile->totals.outstanding.bytes[static_cast<int>(
                MemKind::kAnonMmap)],
            kWritten * 3 / 10)
      << "jemalloc's own mappings counted as the program's\n"
      << context;
  ExpectNoProgramsLeft();
}

}  // namespace
}  // namespace allocprof::e2e
