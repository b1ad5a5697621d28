#include "userspace/session/trace_loop.h"

#include <deque>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace allocprof {
namespace {

using ::testing::ElementsAre;

class FakeClock : public Clock {
 public:
  absl::Time Now() override { return now; }
  absl::Time now = absl::UnixEpoch();
};

// Each wait lasts its whole timeout (no records come early) unless a
// scripted turn says otherwise; the waits asked for are kept.
class FakeSource : public EventSource {
 public:
  explicit FakeSource(FakeClock& clock) : clock_(clock) {}

  absl::StatusOr<std::string> WaitAndRead(absl::Duration timeout) override {
    timeouts.push_back(timeout);
    if (!script.empty()) {
      Turn turn = script.front();
      script.pop_front();
      clock_.now += std::min(turn.after, timeout);
      return turn.result;
    }
    clock_.now += timeout;
    return std::string();
  }

  struct Turn {
    absl::Duration after;  // records (or a stop) arrive this soon
    absl::StatusOr<std::string> result;
  };
  std::deque<Turn> script;
  std::vector<absl::Duration> timeouts;

 private:
  FakeClock& clock_;
};

absl::Duration Ms(int64_t ms) { return absl::Milliseconds(ms); }

class TraceLoopTest : public ::testing::Test {
 protected:
  absl::Time At(int64_t ms) { return absl::UnixEpoch() + Ms(ms); }
  FakeClock clock_;
  FakeSource source_{clock_};
  TraceLoop loop_{clock_, source_, Ms(50)};
};

TEST_F(TraceLoopTest, StopsAtTheDeadlineWaitingNoLongerThanTheMaximum) {
  auto why = loop_.Run(At(120));
  ASSERT_TRUE(why.ok()) << why.status();
  EXPECT_EQ(*why, "the duration passed");
  EXPECT_THAT(source_.timeouts, ElementsAre(Ms(50), Ms(50), Ms(20)));
  EXPECT_EQ(clock_.now, At(120));
}

TEST_F(TraceLoopTest, ATimedJobRunsWhenDueAndMovesItsOwnTime) {
  absl::Time next = At(70);
  std::vector<absl::Time> ran;
  loop_.When(
      "sample", [&] { return next; },
      [&](absl::Time now) {
        ran.push_back(now);
        next += Ms(70);
        return absl::OkStatus();
      });
  ASSERT_TRUE(loop_.Run(At(200)).ok());
  EXPECT_THAT(ran, ElementsAre(At(70), At(140)));
  // The waits end at the job's times: 50, then 20 to reach 70, ...
  EXPECT_THAT(source_.timeouts, ElementsAre(Ms(50), Ms(20), Ms(50), Ms(20), Ms(50), Ms(10)));
}

TEST_F(TraceLoopTest, EveryTurnJobsRunAfterEachWaitInOrderAndMayShortenIt) {
  std::vector<std::string> ran;
  loop_.EveryTurn("first", [&](absl::Time) {
    ran.push_back("first");
    return absl::OkStatus();
  });
  loop_.EveryTurn(
      "second",
      [&](absl::Time) {
        ran.push_back("second");
        return absl::OkStatus();
      },
      [&] { return clock_.now + Ms(30); });
  ASSERT_TRUE(loop_.Run(At(70)).ok());
  // At 30 and 60; the turn that reaches the deadline runs none.
  EXPECT_THAT(ran, ElementsAre("first", "second", "first", "second"));
  EXPECT_THAT(source_.timeouts, ElementsAre(Ms(30), Ms(30), Ms(10)));
}

TEST_F(TraceLoopTest, AReasonToStopEndsTheLoopBeforeAnyJobRuns) {
  int runs = 0;
  loop_.EveryTurn("job", [&](absl::Time) {
    ++runs;
    return absl::OkStatus();
  });
  source_.script.push_back({Ms(5), std::string()});
  source_.script.push_back({Ms(5), std::string("stopped by Interrupt")});
  auto why = loop_.Run(absl::InfiniteFuture());
  ASSERT_TRUE(why.ok());
  EXPECT_EQ(*why, "stopped by Interrupt");
  EXPECT_EQ(runs, 1) << "the job ran after the first turn only";
}

TEST_F(TraceLoopTest, AJobStopsTheLoopAndTheJobsAfterItDoNotRun) {
  int guard_runs = 0, later_runs = 0;
  loop_.EveryTurn("overhead guard", [&](absl::Time) {
    if (++guard_runs == 2) loop_.Stop("over budget");
    return absl::OkStatus();
  });
  loop_.EveryTurn("later", [&](absl::Time) {
    ++later_runs;
    return absl::OkStatus();
  });
  auto why = loop_.Run(absl::InfiniteFuture());
  ASSERT_TRUE(why.ok());
  EXPECT_EQ(*why, "over budget");
  EXPECT_EQ(guard_runs, 2);
  EXPECT_EQ(later_runs, 1);
}

TEST_F(TraceLoopTest, AnErrorFromTheSourceOrAJobEndsTheLoopWithIt) {
  source_.script.push_back({Ms(1), absl::DataLossError("ring buffer unreadable")});
  auto from_source = loop_.Run(absl::InfiniteFuture());
  EXPECT_EQ(from_source.status(), absl::DataLossError("ring buffer unreadable"));

  FakeClock clock;
  FakeSource source(clock);
  TraceLoop loop(clock, source, Ms(50));
  int runs = 0;
  loop.EveryTurn("overhead guard", [&](absl::Time) {
    return ++runs == 3 ? absl::InternalError("cannot set the mean") : absl::OkStatus();
  });
  auto from_job = loop.Run(absl::InfiniteFuture());
  ASSERT_FALSE(from_job.ok());
  EXPECT_EQ(from_job.status().code(), absl::StatusCode::kInternal);
  EXPECT_EQ(from_job.status().message(), "overhead guard: cannot set the mean");
  EXPECT_EQ(runs, 3);
}

TEST_F(TraceLoopTest, AJobAlreadyLateMakesNoWaitNegative) {
  absl::Time next = At(0) - Ms(10);
  int runs = 0;
  loop_.When(
      "late", [&] { return next; },
      [&](absl::Time now) {
        ++runs;
        next = now + Ms(100);
        return absl::OkStatus();
      });
  ASSERT_TRUE(loop_.Run(At(30)).ok());
  EXPECT_EQ(source_.timeouts.front(), absl::ZeroDuration());
  EXPECT_EQ(runs, 1);
}

}  // namespace
}  // namespace allocprof
