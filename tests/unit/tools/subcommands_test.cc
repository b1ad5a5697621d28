#include "tools/subcommands.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "tests/unit/profile/profile_test_util.h"
#include "userspace/outputs/json/json_writer.h"
#include "userspace/outputs/output_files.h"
#include "userspace/outputs/profile_file.h"
#include "userspace/outputs/pprof/pprof_writer.h"

namespace allocprof {
namespace {

// Per process: ctest -j runs this suite's tests side by side.
std::string TempPath(const std::string& name) {
  return testing::TempDir() + "/subcommands_test_" + std::to_string(getpid()) + "_" + name;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// What a command printed and returned.
struct Outcome {
  int code;
  std::string out;
  std::string err;
};

Outcome Report(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  int code = RunReportCommand(args, out, err);
  return {code, out.str(), err.str()};
}

Outcome Diff(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  int code = RunDiffCommand(args, out, err);
  return {code, out.str(), err.str()};
}

// One line, in allocprof's form.
void ExpectOneErrorLine(const Outcome& run) {
  EXPECT_EQ(run.err.rfind("allocprof: ", 0), 0u) << run.err;
  EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
  EXPECT_EQ(run.err.back(), '\n');
}

Profile Service(int64_t big, int64_t small) {
  Profile p;
  p.target = "PID 77 (svc)";
  p.duration_ns = 3000000000;
  p.events = 42;
  p.totals.outstanding.bytes[static_cast<int>(MemKind::kHeap)] = big + small;
  p.totals.outstanding.objects[static_cast<int>(MemKind::kHeap)] = 6;
  p.stacks = {HeapStack({"malloc", "leak_big", "main"}, big, 5),
              HeapStack({"malloc", "leak_small", "main"}, small, 1)};
  return p;
}

class SubcommandsTest : public testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(WriteJsonFile(base_, Service(5000, 100)).ok());
  }
  void TearDown() override {
    for (const std::string& path : {base_, now_, folded_, flame_, pprof_, json_, svg_,
                                    expected_folded_, expected_pprof_, expected_json_}) {
      std::remove(path.c_str());
    }
  }

  const std::string base_ = TempPath("base.json");
  const std::string now_ = TempPath("now.json");
  const std::string folded_ = TempPath("out.folded");
  const std::string flame_ = TempPath("out.html");
  const std::string pprof_ = TempPath("base.pb.gz");
  const std::string json_ = TempPath("out.json");
  const std::string svg_ = TempPath("out.svg");
  const std::string expected_folded_ = TempPath("expected.folded");
  const std::string expected_pprof_ = TempPath("expected.pb.gz");
  const std::string expected_json_ = TempPath("expected.json");
};

TEST_F(SubcommandsTest, ReportPrintsTheTotalsAndTheTopStack) {
  Outcome run = Report({base_});
  EXPECT_EQ(run.code, 0);
  EXPECT_EQ(run.err, "");
  EXPECT_NE(run.out.find("allocprof: PID 77 (svc), traced for 3.0 s, 42 events\n"),
            std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("Outstanding: 5100 B (5.0 KiB) in 6 objects"),
            std::string::npos)
      << run.out;
  size_t big = run.out.find("leak_big");
  ASSERT_NE(big, std::string::npos) << run.out;
  EXPECT_LT(big, run.out.find("leak_small"));
}

TEST_F(SubcommandsTest, ReportTopLimitsTheStacks) {
  Outcome run = Report({base_, "--top", "1"});
  EXPECT_EQ(run.code, 0) << run.err;
  EXPECT_NE(run.out.find("leak_big"), std::string::npos);
  EXPECT_EQ(run.out.find("leak_small"), std::string::npos) << run.out;
}

TEST_F(SubcommandsTest, ReportWritesFoldedStacksAndAFlameGraph) {
  Outcome run = Report({"--folded=" + folded_, base_, "--flamegraph", flame_,
                    "--weight", "objects", "--inverted"});
  ASSERT_EQ(run.code, 0) << run.err;
  EXPECT_EQ(ReadFile(folded_),
            "main;leak_big;malloc 5\n"
            "main;leak_small;malloc 1\n");
  std::string page = ReadFile(flame_);
  EXPECT_NE(page.find("<html"), std::string::npos) << page.substr(0, 200);
  EXPECT_NE(page.find("leak_big"), std::string::npos);
}

TEST_F(SubcommandsTest, ReportReadsPprof) {
  ASSERT_TRUE(WritePprofFile(pprof_, Service(5000, 100)).ok());
  Outcome run = Report({pprof_});
  EXPECT_EQ(run.code, 0) << run.err;
  EXPECT_NE(run.out.find("PID 77 (svc)"), std::string::npos) << run.out;
  EXPECT_LT(run.out.find("leak_big"), run.out.find("leak_small"));
}

TEST_F(SubcommandsTest, DiffPrintsTheGrownStackFirst) {
  // leak_small grows 100 -> 4100 (+4000), more than leak_big 5000 -> 6000.
  Profile now = Service(6000, 4100);
  now.target = "PID 78 (svc)";
  now.stacks.push_back(HeapStack({"malloc", "fresh", "main"}, 50, 1));
  ASSERT_TRUE(WriteJsonFile(now_, now).ok());
  Outcome run = Diff({base_, now_, "--flamegraph", flame_});
  ASSERT_EQ(run.code, 0) << run.err;
  EXPECT_EQ(run.err, "");
  EXPECT_NE(run.out.find("allocprof diff: PID 77 (svc) -> PID 78 (svc)\n"),
            std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("\n#1  +4000 B (3.9 KiB), +4000.0%: 100 B -> 4100 B "
                         "(4.0 KiB)\n      malloc\n      leak_small\n"),
            std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("\n#2  +1000 B, +20.0%"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("\n#3  +50 B, new"), std::string::npos) << run.out;
  EXPECT_NE(ReadFile(flame_).find("<html"), std::string::npos);
}

TEST_F(SubcommandsTest, DiffTopLimitsTheStacks) {
  ASSERT_TRUE(WriteJsonFile(now_, Service(6000, 4100)).ok());
  Outcome run = Diff({base_, now_, "--top=1"});
  ASSERT_EQ(run.code, 0) << run.err;
  EXPECT_NE(run.out.find("Top 1 of 2 stacks"), std::string::npos) << run.out;
  EXPECT_EQ(run.out.find("#2"), std::string::npos) << run.out;
}

TEST_F(SubcommandsTest, MisuseExitsTwoWithOneLine) {
  const std::vector<std::vector<std::string>> report_misuse = {
      {},
      {base_, base_},
      {base_, "--colour"},
      {base_, "--top"},
      {base_, "--top", "many"},
      {base_, "--top", "0"},
      {base_, "--top", "1", "--top", "2"},
      {base_, "--weight", "bits", "--folded", folded_},
      {base_, "--weight", "objects"},
      {base_, "--inverted"},
      {base_, "--inverted=yes", "--flamegraph", flame_},
      {base_, "--flamegraph", TempPath("out.png")},
  };
  for (const auto& args : report_misuse) {
    SCOPED_TRACE(testing::PrintToString(args));
    Outcome run = Report(args);
    EXPECT_EQ(run.code, 2);
    EXPECT_EQ(run.out, "");
    ExpectOneErrorLine(run);
  }
  const std::vector<std::vector<std::string>> diff_misuse = {
      {}, {base_}, {base_, base_, base_}, {base_, base_, "--weight", "bytes"}};
  for (const auto& args : diff_misuse) {
    SCOPED_TRACE(testing::PrintToString(args));
    Outcome run = Diff(args);
    EXPECT_EQ(run.code, 2);
    EXPECT_EQ(run.out, "");
    ExpectOneErrorLine(run);
  }
  // Nothing was written for a misused command.
  EXPECT_EQ(ReadFile(folded_), "");
}

TEST_F(SubcommandsTest, MisuseSaysWhatIsWrong) {
  EXPECT_EQ(Report({base_, "--colour"}).err,
            "allocprof: unknown option --colour (see allocprof report --help)\n");
  EXPECT_EQ(Report({base_, "--top", "many"}).err,
            "allocprof: --top needs a number of stacks (1 or more), not \"many\" "
            "(see allocprof report --help)\n");
  EXPECT_EQ(Diff({base_}).err,
            "allocprof: diff compares two profiles, BASE and NEW; given 1 (see "
            "allocprof diff --help)\n");
}

TEST_F(SubcommandsTest, MissingFileExitsOneWithOneLine) {
  Outcome run = Report({"/nonexistent/profile.json"});
  EXPECT_EQ(run.code, 1);
  EXPECT_EQ(run.out, "");
  EXPECT_EQ(run.err,
            "allocprof: cannot open /nonexistent/profile.json: No such file or "
            "directory\n");

  Outcome diff = Diff({base_, "/nonexistent/now.json"});
  EXPECT_EQ(diff.code, 1);
  EXPECT_EQ(diff.out, "");
  ExpectOneErrorLine(diff);
}

TEST_F(SubcommandsTest, FileInNoKnownFormatExitsOne) {
  std::ofstream(now_) << "main;leak;malloc 4096\n";
  Outcome run = Report({now_});
  EXPECT_EQ(run.code, 1);
  ExpectOneErrorLine(run);
  EXPECT_NE(run.err.find(now_ + " is not a saved profile"), std::string::npos)
      << run.err;
}

TEST_F(SubcommandsTest, UnwritableOutputExitsOne) {
  Outcome run = Report({base_, "--folded", "/nonexistent/out.folded"});
  EXPECT_EQ(run.code, 1);
  EXPECT_EQ(run.err,
            "allocprof: cannot write --folded /nonexistent/out.folded: directory /nonexistent: "
            "No such file or directory\n");
  EXPECT_EQ(run.out, "") << "the path is checked before the profile is read";
}

// Outputs are written by replacing the destination, never through it: a
// device is refused up front.
TEST_F(SubcommandsTest, OutputsThatAreNotFilesAreRefusedUpFront) {
  Outcome run = Report({base_, "--folded", "/dev/full"});
  EXPECT_EQ(run.code, 1);
  EXPECT_EQ(run.err, "allocprof: cannot write --folded /dev/full: not a regular file\n");
  EXPECT_EQ(run.out, "");
  const std::string dir = base_ + ".d.html";
  ASSERT_EQ(mkdir(dir.c_str(), 0755), 0);
  Outcome diff = Diff({base_, base_, "--flamegraph", dir});
  rmdir(dir.c_str());
  EXPECT_EQ(diff.code, 1);
  EXPECT_EQ(diff.err, "allocprof: cannot write --flamegraph " + dir + ": is a directory\n");
  EXPECT_EQ(diff.out, "");
}

TEST_F(SubcommandsTest, HelpPrintsTheUsage) {
  Outcome report = Report({"--help"});
  EXPECT_EQ(report.code, 0);
  EXPECT_EQ(report.out.rfind("usage: allocprof report PROFILE", 0), 0u) << report.out;
  Outcome diff = Diff({"-h"});
  EXPECT_EQ(diff.code, 0);
  EXPECT_EQ(diff.out.rfind("usage: allocprof diff BASE NEW", 0), 0u) << diff.out;
}

// report takes the live command's output options and writes each file as
// the live command does (WriteOutputFiles), from the profile it read.
TEST_F(SubcommandsTest, ReportWritesEveryFormatTheLiveCommandWrites) {
  Outcome run = Report({base_, "--folded", folded_, "--flamegraph", svg_, "--pprof", pprof_,
                        "--json", json_, "--weight", "objects", "--top", "1"});
  ASSERT_EQ(run.code, 0) << run.err;
  EXPECT_EQ(run.err, "");
  EXPECT_NE(run.out.find("leak_big"), std::string::npos) << run.out;

  absl::StatusOr<Profile> read = ReadProfileFile(base_);
  ASSERT_TRUE(read.ok()) << read.status();
  OutputFiles expected;
  expected.folded = expected_folded_;
  expected.pprof = expected_pprof_;
  expected.json = expected_json_;
  expected.weight = Weight::kObjects;
  ASSERT_TRUE(WriteOutputFiles(*read, expected).ok());
  EXPECT_EQ(ReadFile(folded_), "main;leak_big;malloc 5\nmain;leak_small;malloc 1\n");
  EXPECT_EQ(ReadFile(folded_), ReadFile(expected_folded_));
  EXPECT_EQ(ReadFile(json_), ReadFile(expected_json_));
  EXPECT_EQ(ReadFile(pprof_), ReadFile(expected_pprof_));
  EXPECT_NE(ReadFile(svg_).find("<svg"), std::string::npos);

  // And what it wrote reads back as the same profile.
  for (const std::string& path : {json_, pprof_}) {
    SCOPED_TRACE(path);
    absl::StatusOr<Profile> back = ReadProfileFile(path);
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(back->target, "PID 77 (svc)");
    ASSERT_EQ(back->stacks.size(), 2u);
    EXPECT_EQ(InuseValue(back->stacks[0].values, Weight::kBytes) +
                  InuseValue(back->stacks[1].values, Weight::kBytes),
              5100);
  }
}

// A pprof profile converted to JSON: the formats are interchangeable.
TEST_F(SubcommandsTest, ReportConvertsPprofToJson) {
  ASSERT_TRUE(WritePprofFile(pprof_, Service(5000, 100)).ok());
  Outcome run = Report({pprof_, "--json=" + json_});
  ASSERT_EQ(run.code, 0) << run.err;
  absl::StatusOr<Profile> back = ReadProfileFile(json_);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->target, "PID 77 (svc)");
  EXPECT_EQ(back->stacks.size(), 2u);
}

TEST_F(SubcommandsTest, ReportRefusesAnUnwritableOutputOfAnyFormat) {
  for (const char* option : {"--pprof", "--json"}) {
    SCOPED_TRACE(option);
    Outcome run = Report({base_, option, "/dev/full"});
    EXPECT_EQ(run.code, 1);
    EXPECT_EQ(run.err, absl::StrCat("allocprof: cannot write ", option,
                                    " /dev/full: not a regular file\n"));
    EXPECT_EQ(run.out, "");
  }
}

// The differential flame graph takes the flame graph's options too.
TEST_F(SubcommandsTest, DiffDrawsByObjectsInverted) {
  ASSERT_TRUE(WriteJsonFile(now_, Service(6000, 4100)).ok());
  Outcome run = Diff({base_, now_, "--flamegraph", svg_, "--weight", "objects", "--inverted"});
  ASSERT_EQ(run.code, 0) << run.err;
  EXPECT_NE(ReadFile(svg_).find("<svg"), std::string::npos);
  EXPECT_EQ(Diff({base_, now_, "--json", json_}).code, 2) << "diff writes no profile";
}

TEST_F(SubcommandsTest, HelpListsTheSharedOptions) {
  Outcome report = Report({"--help"});
  for (const char* option : {"--top N", "--folded FILE", "--flamegraph FILE", "--pprof FILE",
                             "--json FILE", "--weight bytes|objects", "--inverted"}) {
    EXPECT_NE(report.out.find(option), std::string::npos) << option << "\n" << report.out;
  }
  Outcome diff = Diff({"--help"});
  EXPECT_NE(diff.out.find("--flamegraph FILE"), std::string::npos) << diff.out;
  EXPECT_EQ(diff.out.find("--pprof"), std::string::npos) << diff.out;
}

}  // namespace
}  // namespace allocprof
