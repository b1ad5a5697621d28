#include "tools/command_line.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include "absl/strings/str_split.h"
#include "tools/flag_types.h"
#include "tools/output_flags.h"

namespace allocprof {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(ParseByteSize, PlainAndBinarySuffixes) {
  EXPECT_EQ(*ParseByteSize("4096"), 4096u);
  EXPECT_EQ(*ParseByteSize("512K"), 512u * 1024);
  EXPECT_EQ(*ParseByteSize("512KiB"), 512u * 1024);
  EXPECT_EQ(*ParseByteSize("1M"), 1u << 20);
  EXPECT_EQ(*ParseByteSize("2G"), 2ull << 30);
  EXPECT_EQ(*ParseByteSize("0"), 0u);
  for (const char* bad : {"", "K", "lots", "-1", "1.5M", "99999999999999999999G"}) {
    EXPECT_FALSE(ParseByteSize(bad).ok()) << bad;
  }
}

TEST(ParseSampleBytes, RefusesIntervalsBeyondOneTebibyte) {
  EXPECT_EQ(*ParseSampleBytes("512K"), 512u * 1024);
  EXPECT_EQ(*ParseSampleBytes("0"), 0u);
  EXPECT_EQ(*ParseSampleBytes("1099511627776"), kMaxSampleBytes);
  EXPECT_FALSE(ParseSampleBytes("1099511627777").ok());
  EXPECT_FALSE(ParseSampleBytes("18446744073709551615").ok());
  EXPECT_FALSE(ParseSampleBytes("18446744073709551616").ok());
  EXPECT_FALSE(ParseSampleBytes("2048G").ok());
  EXPECT_FALSE(ParseSampleBytes("-1").ok());
}

// The options of a small command, as allocprof defines its own.
struct Options {
  int pid = 0;
  Seconds duration;
  Seconds interval;
  Age min_age;
  SampleInterval sample;
  CorePercent overhead{0.05};
  TraceMode mode = TraceMode::kAllocs;
  UnwindChoice unwind = UnwindChoice::kAuto;
  bool java = true;
  bool verbose = false;
  std::vector<std::string> declared;
  int top = kDefaultTop;
  OutputFiles outputs;
};

// Defines the options of `o` on `flags`.
void Define(FlagSet* flags, Options* o) {
  flags->Add<int>("p", &o->pid, "PID", "PID to trace", "a positive PID",
                  [](int pid) { return pid > 0; });
  flags->Add("d", &o->duration, "SECONDS", "how long");
  flags->Add("interval", &o->interval, "SECONDS", "summary period");
  flags->Add("min-age", &o->min_age, "DURATION", "the youngest reported");
  flags->Add("sample-bytes", &o->sample, "SIZE", "sampling interval");
  flags->Add("max-overhead", &o->overhead, "PERCENT", "guard");
  flags->Add("mode", &o->mode, "allocs|pages", "what is traced");
  flags->Add("unwind", &o->unwind, "auto|dwarf|fp", "how stacks are taken");
  flags->AddSwitch("java", &o->java, "name JIT frames");
  flags->AddSwitch("v", &o->verbose, "verbose");
  flags->AddChecked("alloc-fn", "SPEC", "an allocator", true, [o](absl::string_view spec) {
    o->declared.emplace_back(spec);
    return absl::OkStatus();
  });
  AddTopFlag(flags, &o->top);
  AddOutputFlags(flags, &o->outputs, OutputFlags::kAll);
}

class FlagSetTest : public testing::Test {
 protected:
  FlagSetTest() : flags_("allocprof", "allocprof -p PID", "Traces.") { Define(&flags_, &o_); }

  // The misuse `args` is, as it would be printed, parsed by a set of its
  // own.
  static std::string Misuse(const std::vector<std::string>& args) {
    Options o;
    FlagSet flags("allocprof", "allocprof -p PID", "Traces.");
    Define(&flags, &o);
    std::vector<std::string> operands;
    absl::Status s = flags.Parse(args, &operands);
    if (s.ok()) return "";
    std::ostringstream err;
    EXPECT_EQ(flags.Misuse(err, s.message()), 2);
    return err.str();
  }

  Options o_;
  FlagSet flags_;
};

TEST_F(FlagSetTest, TypedValuesAreParsedWhereTheyAreDefined) {
  std::vector<std::string> operands;
  ASSERT_TRUE(flags_
                  .Parse({"-p", "7", "-d=2.5", "--min-age", "30s", "--sample-bytes", "512K",
                          "--max-overhead", "2.5", "--mode=pages", "--unwind", "fp",
                          "--weight", "objects", "--folded", "x.folded", "--top", "3"},
                         &operands)
                  .ok());
  EXPECT_TRUE(operands.empty());
  EXPECT_EQ(o_.pid, 7);
  EXPECT_EQ(o_.duration.duration, absl::Milliseconds(2500));
  EXPECT_EQ(o_.min_age.duration, absl::Seconds(30));
  EXPECT_EQ(o_.sample.bytes, 512u * 1024);
  EXPECT_DOUBLE_EQ(o_.overhead.fraction, 0.025);
  EXPECT_EQ(o_.mode, TraceMode::kPages);
  EXPECT_EQ(o_.unwind, UnwindChoice::kFp);
  EXPECT_EQ(o_.outputs.weight, Weight::kObjects);
  EXPECT_EQ(o_.outputs.folded, "x.folded");
  EXPECT_EQ(o_.top, 3);
  EXPECT_TRUE(flags_.Given("min_age"));
  EXPECT_FALSE(flags_.Given("interval"));
}

TEST_F(FlagSetTest, SecondsRefuseNanInfinitiesAndNegativesNamingTheOption) {
  for (const char* bad : {"nan", "-nan", "inf", "-inf", "-1", "-0.001", "1e300", "soon"}) {
    SCOPED_TRACE(bad);
    std::string err = Misuse({"--interval", bad});
    EXPECT_THAT(err, StartsWith("allocprof: --interval needs a number of seconds"));
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  }
}

TEST_F(FlagSetTest, DashesAndUnderscoresInNamesAreOne) {
  std::vector<std::string> operands;
  ASSERT_TRUE(flags_.Parse({"--min_age=2m", "-sample-bytes", "1M", "--max_overhead=0"},
                           &operands).ok());
  EXPECT_EQ(o_.min_age.duration, absl::Minutes(2));
  EXPECT_EQ(o_.sample.bytes, 1u << 20);
  EXPECT_EQ(o_.overhead.fraction, 0);
}

TEST_F(FlagSetTest, SwitchesTurnOffWithNoAndTakeNoValue) {
  std::vector<std::string> operands;
  ASSERT_TRUE(flags_.Parse({"--no-java", "-v"}, &operands).ok());
  EXPECT_FALSE(o_.java);
  EXPECT_TRUE(o_.verbose);
  for (const char* off : {"--nojava", "--no_java"}) {
    FlagSet again("allocprof", "", "");
    bool java = true;
    again.AddSwitch("java", &java, "");
    ASSERT_TRUE(again.Parse({off}, &operands).ok()) << off;
    EXPECT_FALSE(java) << off;
  }
  EXPECT_EQ(Misuse({"--inverted=yes"}),
            "allocprof: --inverted takes no value (see allocprof --help)\n");
}

TEST_F(FlagSetTest, RepeatableOptionsKeepEveryValueInOrder) {
  std::vector<std::string> operands;
  ASSERT_TRUE(flags_
                  .Parse({"--alloc-fn", "a:b:size=ARG1", "-p", "7", "--alloc_fn=c:d:size=ARG2",
                          "--", "cmd", "--alloc-fn", "x"},
                         &operands)
                  .ok());
  EXPECT_THAT(o_.declared, ElementsAre("a:b:size=ARG1", "c:d:size=ARG2"));
  EXPECT_THAT(operands, ElementsAre("cmd", "--alloc-fn", "x"));
}

TEST_F(FlagSetTest, MisuseIsOneSentence) {
  EXPECT_EQ(Misuse({"--free-fn"}), "allocprof: unknown option --free-fn (see allocprof --help)\n");
  EXPECT_EQ(Misuse({"--alloc-fn"}), "allocprof: --alloc-fn needs a value (see allocprof --help)\n");
  EXPECT_EQ(Misuse({"-p", "notapid"}),
            "allocprof: -p needs a positive PID, not \"notapid\" (see allocprof --help)\n");
  EXPECT_EQ(Misuse({"-p", "-3"}), "allocprof: -p needs a positive PID (see allocprof --help)\n");
  EXPECT_EQ(Misuse({"--top", "0"}),
            "allocprof: --top needs a number of stacks (1 or more) (see allocprof --help)\n");
  EXPECT_EQ(Misuse({"--top", "1", "--top", "2"}),
            "allocprof: --top is given twice (see allocprof --help)\n");
  EXPECT_EQ(Misuse({"--min-age", "30"}),
            "allocprof: --min-age needs a duration such as 30s, 500ms or 2m (see allocprof --help)\n");
  EXPECT_EQ(Misuse({"--unwind", "frames"}),
            "allocprof: --unwind must be auto, dwarf or fp (see allocprof --help)\n");
  EXPECT_EQ(Misuse({"--mode", "heap"}),
            "allocprof: --mode must be allocs or pages (see allocprof --help)\n");
  EXPECT_EQ(Misuse({"--weight", "bits"}),
            "allocprof: --weight must be bytes or objects (see allocprof --help)\n");
  EXPECT_THAT(Misuse({"--sample-bytes", "2T"}), StartsWith("allocprof: --sample-bytes needs a size"));
  EXPECT_THAT(Misuse({"--sample-bytes", "2048G"}),
              StartsWith("allocprof: --sample-bytes needs a sampling interval of at most 1T"));
  for (const char* bad : {"nan", "-1", "101", "inf"}) {
    EXPECT_THAT(Misuse({"--max-overhead", bad}),
                StartsWith("allocprof: --max-overhead needs a percentage of one core"))
        << bad;
  }
  EXPECT_THAT(Misuse({"--flamegraph", "out.png"}),
              HasSubstr("cannot write flame graph to out.png: unknown extension \".png\""));
}

TEST_F(FlagSetTest, OutputShapersNeedTheirOutput) {
  std::vector<std::string> operands;
  ASSERT_TRUE(flags_.Parse({"--weight", "objects", "--inverted"}, &operands).ok());
  EXPECT_EQ(CheckOutputFlags(flags_, OutputFlags::kAll).message(),
            "--weight applies to --flamegraph and --folded");
}

TEST_F(FlagSetTest, HelpIsMadeFromTheDefinitions) {
  std::vector<std::string> operands;
  ASSERT_TRUE(flags_.Parse({"-h"}, &operands).ok());
  EXPECT_TRUE(flags_.help());
  const std::string usage = flags_.Usage();
  EXPECT_THAT(usage, StartsWith("usage: allocprof -p PID\nTraces.\n"));
  for (const char* line : {"\n  -p PID ", "\n  --min-age DURATION ", "\n  --top N ",
                           "\n  --weight bytes|objects ", "\n  --json FILE ", "\n  --java ",
                           "\n  -h, --help "}) {
    EXPECT_THAT(usage, HasSubstr(line));
  }
  EXPECT_THAT(usage, HasSubstr("stacks shown in the report (default 10)"));
  EXPECT_THAT(usage, HasSubstr("guard (default 5)"));
  for (absl::string_view line : absl::StrSplit(usage, '\n')) {
    EXPECT_LE(line.size(), 80u) << line;
  }
}

}  // namespace
}  // namespace allocprof
