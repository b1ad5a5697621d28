// A target run by an unprivileged user tries to turn allocprof, which runs
// as root, against the host (README, "Security"): make it write a file of
// root's through a planted link, hang it on a FIFO, exhaust its memory with
// a sparse file, break its parsers with crafted objects, or take over the
// terminal with escape sequences in the text it prints. Each trick must
// fail, the session must end with its report, and the report must say what
// was refused and why. After every test root's sentinel files are as they
// were and nothing unexpected appeared where the test watches.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/crafted_elf.h"
#include "tests/e2e/host_guard.h"
#include "tests/e2e/outputs.h"
#include "tests/e2e/session.h"
#include "tests/e2e/test_user.h"
#include "tests/testprogs/hostile_truth.h"

namespace allocprof::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const char* const kHostile = ALLOCPROF_E2E_HOSTILE;
// allocprof's resident memory stays far below this whatever the target
// does; reading a 2 GiB perf map whole would pass it.
constexpr long kMaxRssKib = 200 * 1024;

// The first byte of `text` that a terminal would act on (C0 controls but
// newline and tab, and DEL), described with its context; "" when none.
std::string RawControl(const std::string& text) {
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) {
      const size_t from = i < 40 ? 0 : i - 40;
      char hex[8];
      snprintf(hex, sizeof(hex), "0x%02x", c);
      return std::string("raw ") + hex + " at byte " + std::to_string(i) + ", after \"" +
             text.substr(from, i - from) + "\"";
    }
  }
  return "";
}

class HostileTargetTest : public E2eTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(E2eTest::SetUp());
    std::string why;
    switch (EnsureTestUser(&user_, &why)) {
      case TestUser::kReady:
        break;
      case TestUser::kNoUseradd:
        GTEST_SKIP() << why;
      case TestUser::kFailed:
        FAIL() << why;
    }
    ASSERT_NO_FATAL_FAILURE(guard_.Create(user_));
    // The program in a directory of its user's, where it may put what it
    // likes beside itself (its debug file).
    program_ = guard_.Path("user/hostile_linked");
    ASSERT_NO_FATAL_FAILURE(CopyForUser(kHostile, program_));
  }

  void TearDown() override {
    if (!IsSkipped()) {
      // Whatever still runs after a failure is killed first: its probes go
      // with its descriptors.
      allocprof_.reset();
      target_.proc.reset();
      ExpectNoProgramsLeft();
      guard_.ExpectUntouched();
    }
    E2eTest::TearDown();
  }

  // Copies `from` to `to` as a file of the test user's.
  void CopyForUser(const std::string& from, const std::string& to) {
    std::error_code error;
    ASSERT_TRUE(std::filesystem::copy_file(from, to, error)) << from << ": " << error.message();
    ASSERT_EQ(chown(to.c_str(), user_.uid, user_.gid), 0) << to;
  }

  void MakeFifoForUser(const std::string& path) {
    ASSERT_EQ(mkfifo(path.c_str(), 0644), 0) << path;
    ASSERT_EQ(chown(path.c_str(), user_.uid, user_.gid), 0) << path;
  }

  // Starts the hostile program as the test user, then watches what it
  // planted.
  void StartHostile(const std::vector<std::string>& args) {
    ASSERT_NO_FATAL_FAILURE(StartTarget(program_, args, &target_, {}, &user_));
    Watch();
  }

  // Snapshots the guard's tree and the target's names in /tmp as they are
  // now: from here on, only what the test allows may change.
  void Watch() {
    const std::string pid = std::to_string(target_.pid);
    guard_.Snapshot({"perf-" + pid + ".map", ".attach_pid" + pid, ".java_pid" + pid});
  }

  // Traces the target for 2 s (allocprof -p PID -d 2 `options`), runs its
  // scenarios meanwhile, and expects allocprof to end on its own with exit
  // status 0 within kRunTimeout of the duration, then stops the target.
  void TraceForTwoSeconds(const std::vector<std::string>& options) {
    std::vector<std::string> args = {"-p", std::to_string(target_.pid), "-d", "2"};
    args.insert(args.end(), options.begin(), options.end());
    ASSERT_NO_FATAL_FAILURE(StartTracing(args, target_.pid, &allocprof_));
    ASSERT_NO_FATAL_FAILURE(RunScenarios(&target_));
    ASSERT_TRUE(allocprof_->WaitExit(Scaled(2000) + kRunTimeout))
        << "allocprof did not end after its 2 s\n"
        << Outputs(*allocprof_);
    ASSERT_TRUE(ExitedWith(*allocprof_, 0)) << Outputs(*allocprof_);
    ASSERT_TRUE(ParseReport(allocprof_->out()).outstanding_bytes.has_value())
        << "no report\n"
        << Outputs(*allocprof_);
    target_.proc->Signal(SIGTERM);
    ASSERT_TRUE(target_.proc->WaitExit(kRunTimeout)) << target_.proc->Describe();
  }

  // The report's "Note: " lines.
  std::string Notes() const {
    std::string notes;
    for (const std::string& line : CompleteLines(allocprof_->out())) {
      if (line.rfind("Note: ", 0) == 0) notes += line + "\n";
    }
    return notes;
  }

  RunAs user_;
  HostGuard guard_;
  std::string program_;
  Target target_;
  std::unique_ptr<Process> allocprof_;
};

// A program that maps a file named libjvm.so and catches SIGQUIT passes for
// a JVM: allocprof asks it for a perf map through the attach protocol,
// which starts by creating /tmp/.attach_pidPID. Planted there, a link to
// root's file must be neither followed nor written through; the attach is
// given up, the report says why, and the JVM-to-be gets no SIGQUIT.
TEST_F(HostileTargetTest, FakeJvmAttachTriggerIsALink) {
  const std::string libjvm = guard_.Path("user/libjvm.so");
  ASSERT_NO_FATAL_FAILURE(CopyForUser(kHostile, libjvm));
  ASSERT_NO_FATAL_FAILURE(
      StartHostile({"--map", libjvm, "--attach-link", guard_.secret_sentinel()}));
  struct stat st;
  const std::string trigger = "/tmp/.attach_pid" + std::to_string(target_.pid);
  ASSERT_EQ(lstat(trigger.c_str(), &st), 0);
  ASSERT_TRUE(S_ISLNK(st.st_mode));

  ASSERT_NO_FATAL_FAILURE(TraceForTwoSeconds({}));
  EXPECT_THAT(Notes(), HasSubstr("Java: compiled Java frames are not named"));
  EXPECT_THAT(Notes(), HasSubstr(trigger + " exists and is not a regular file owned by uid " +
                                 std::to_string(user_.uid)));
  EXPECT_THAT(target_.proc->err(), Not(HasSubstr("SIGQUIT")));
  EXPECT_EQ(lstat(trigger.c_str(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode)) << trigger << " was replaced";
}

// Output paths where the target's user has planted links to root's files.
// The README promises: a link is replaced, not followed, and another
// user's file in a sticky directory such as /tmp is refused -- before
// tracing, in one line; a link to something that is not a regular file is
// refused too.
TEST_F(HostileTargetTest, OutputsThroughPlantedLinks) {
  ASSERT_NO_FATAL_FAILURE(StartHostile({}));
  const std::string pid = std::to_string(target_.pid);
  struct Output {
    std::string option, name;
  };
  const std::vector<Output> outputs = {{"--folded", "out.folded"},
                                       {"--flamegraph", "out.html"},
                                       {"--pprof", "out.pb.gz"},
                                       {"--json", "out.json"}};
  std::string error;
  // In the sticky directory: the user's link is not ours to replace.
  for (const Output& o : outputs) {
    SCOPED_TRACE(o.option);
    const std::string link = guard_.Path("shared/" + o.name);
    ASSERT_TRUE(PlantSymlinkAs(user_, guard_.secret_sentinel(), link, &error)) << error;
    std::string message;
    ASSERT_NO_FATAL_FAILURE(RunFailing({kAllocprof, o.option, link, "-p", pid}, &message));
    EXPECT_EQ(message, "allocprof: cannot write " + o.option + " " + link + ": it belongs to uid " +
                           std::to_string(user_.uid) + " in the shared (sticky) directory " +
                           guard_.Path("shared") +
                           ", and another user's file there is not replaced; choose another name");
  }
  // In the user's own directory, a link to a FIFO would be meant to be
  // written through: refused, without opening it.
  const std::string fifo = guard_.Path("user/fifo");
  ASSERT_NO_FATAL_FAILURE(MakeFifoForUser(fifo));
  const std::string to_fifo = guard_.Path("user/to-fifo.folded");
  ASSERT_TRUE(PlantSymlinkAs(user_, fifo, to_fifo, &error)) << error;
  std::string message;
  ASSERT_NO_FATAL_FAILURE(RunFailing({kAllocprof, "--folded", to_fifo, "-p", pid}, &message));
  EXPECT_EQ(message, "allocprof: cannot write --folded " + to_fifo +
                         ": a symbolic link to something that is not a regular file");

  // Links to root's files in the user's own directory: replaced by the
  // outputs, the files they point at untouched.
  std::vector<std::string> options;
  for (size_t i = 0; i < outputs.size(); ++i) {
    const std::string link = guard_.Path("user/" + outputs[i].name);
    const std::string& victim = i % 2 ? guard_.etc_sentinel() : guard_.secret_sentinel();
    ASSERT_TRUE(PlantSymlinkAs(user_, victim, link, &error)) << error;
    guard_.Allow(link);
    options.insert(options.end(), {outputs[i].option, link});
  }
  Watch();
  ASSERT_NO_FATAL_FAILURE(TraceForTwoSeconds(options));
  for (const Output& o : outputs) {
    const std::string path = guard_.Path("user/" + o.name);
    struct stat st;
    ASSERT_EQ(lstat(path.c_str(), &st), 0) << path;
    EXPECT_TRUE(S_ISREG(st.st_mode)) << path << " is still a link, or not a file";
    EXPECT_GT(st.st_size, 0) << path;
  }
  EXPECT_GT(BytesThrough(ParseFolded(ReadFile(guard_.Path("user/out.folded"))), "hostile_leak"),
            0);
}

// FIFOs where allocprof reads the target's files: its perf map, and the
// debug file its .gnu_debuglink names beside its executable. Opening one
// to read would wait for a writer forever; allocprof must finish, and say
// which file it refused and why.
TEST_F(HostileTargetTest, FifosForPerfMapAndDebugFile) {
  // The debug file's name as the link in hostile_linked records it.
  const std::string debug = guard_.Path("user/hostile.debug");
  ASSERT_NO_FATAL_FAILURE(MakeFifoForUser(debug));
  ASSERT_NO_FATAL_FAILURE(StartHostile({"--jit", "--perf-map", "fifo"}));
  const std::string perf_map = "/tmp/perf-" + std::to_string(target_.pid) + ".map";

  ASSERT_NO_FATAL_FAILURE(TraceForTwoSeconds({}));
  EXPECT_THAT(Notes(), HasSubstr("the JIT's perf map was not read: " + perf_map +
                                 " is not a regular file"));
  EXPECT_THAT(Notes(), HasSubstr("no debug file for " + program_ + ": " + debug +
                                 " is not a regular file"));
}

// A sparse perf map of 2 GiB costs the target no disk and nothing to
// write; read whole it would cost allocprof 2 GiB of memory. It is refused
// by its size, and allocprof's peak memory stays small.
TEST_F(HostileTargetTest, HugeSparsePerfMap) {
  ASSERT_NO_FATAL_FAILURE(StartHostile({"--jit", "--perf-map", "sparse"}));
  const std::string perf_map = "/tmp/perf-" + std::to_string(target_.pid) + ".map";

  ASSERT_NO_FATAL_FAILURE(TraceForTwoSeconds({}));
  EXPECT_LT(allocprof_->max_rss_kib(), kMaxRssKib) << "allocprof's peak resident memory, KiB";
  EXPECT_THAT(Notes(), HasSubstr("the JIT's perf map was not read: " + perf_map +
                                 " is too large (" + std::to_string(HOSTILE_SPARSE_MAP_BYTES) +
                                 " bytes"));
}

// Executable mappings of crafted ELF objects: one whose .eh_frame_hdr
// claims 2^32-1 FDEs, one without .eh_frame_hdr whose code segment claims
// almost 4 GiB. The first has no unwind table, and the report says why;
// the second is scanned only as far as the file goes, so nothing of it is
// skipped; and the session is as short as any other.
TEST_F(HostileTargetTest, CraftedObjects) {
  const std::string bad_count = guard_.Path("user/fde_count.so");
  const std::string huge_code = guard_.Path("user/huge_code.so");
  std::string error;
  ASSERT_TRUE(CraftFdeCount(kHostile, bad_count, &error)) << error;
  ASSERT_TRUE(CraftHugeCodeSegment(kHostile, huge_code, &error)) << error;
  for (const std::string& path : {bad_count, huge_code}) {
    ASSERT_EQ(chown(path.c_str(), user_.uid, user_.gid), 0) << path;
  }
  ASSERT_NO_FATAL_FAILURE(StartHostile({"--map", bad_count, "--map", huge_code}));

  const auto start = std::chrono::steady_clock::now();
  ASSERT_NO_FATAL_FAILURE(TraceForTwoSeconds({}));
  const auto took =
      std::chrono::duration_cast<Millis>(std::chrono::steady_clock::now() - start);
  // Attaching and reporting take a second or two here.
  EXPECT_LT(took, Scaled(12000)) << Outputs(*allocprof_);
  EXPECT_THAT(Notes(), testing::ContainsRegex("no unwind table for [^\n]*/fde_count.so: "
                                              "[^\n]*lists 4294967295 FDEs"))
      << Outputs(*allocprof_);
  EXPECT_THAT(Notes(), Not(HasSubstr("huge_code.so")));
}

// The target's own text -- its comm, the names its perf map gives its JIT
// code, the path of a file it maps -- full of escape sequences, carriage
// returns, bells and DEL. None may reach the terminal or the folded file
// raw; each shows escaped.
TEST_F(HostileTargetTest, TerminalEscapesInTargetText) {
  const std::string late = guard_.Path("user/late\x1b]0;owned\x07\r.so");
  ASSERT_NO_FATAL_FAILURE(CopyForUser(guard_.etc_sentinel(), late));
  ASSERT_NO_FATAL_FAILURE(
      StartHostile({"--comm", "--jit", "--perf-map", "names", "--late-map", late}));
  const std::string folded = guard_.Path("user/out.folded");
  guard_.Allow(folded);

  ASSERT_NO_FATAL_FAILURE(TraceForTwoSeconds({"--folded", folded}));
  const std::string folded_text = ReadFile(folded);
  EXPECT_EQ(RawControl(allocprof_->out()), "") << "in the report";
  EXPECT_EQ(RawControl(allocprof_->err()), "") << "on stderr";
  EXPECT_EQ(RawControl(folded_text), "") << "in " << folded;
  // Each piece of text arrived, escaped: the JIT's name in the report and
  // the folded stacks (where ';' and line breaks are not kept), the comm in
  // the tracing line, the late object's path in the line that says it has
  // no unwind table.
  EXPECT_THAT(allocprof_->out(),
              HasSubstr("jit\\x1b[31mred\\x1b]0;owned\\x07\\x0dforged\\x08\\x7f\\x9b2J"));
  EXPECT_THAT(folded_text,
              HasSubstr("jit\\x1b[31mred\\x1b]0_owned\\x07_forged\\x08\\x7f\\x9b2J"));
  EXPECT_THAT(allocprof_->err(), HasSubstr("(\\x1b[2J\\x0d\\x1b]0;x\\x07)"));
  EXPECT_THAT(allocprof_->err(), HasSubstr("/user/late\\x1b]0;owned\\x07\\x0d.so"));
}

}  // namespace
}  // namespace allocprof::e2e
