// --mode pages against tests/testprogs/pages.c: resident pages by the
// function that wrote them, exactly, with no uprobe in the target.
#include <signal.h>

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/outputs.h"
#include "tests/e2e/session.h"
#include "tests/testprogs/pages_truth.h"

namespace allocprof::e2e {
namespace {

using ::testing::HasSubstr;

const char* const kPages = ALLOCPROF_E2E_PAGES;

class PagesModeTest : public E2eTest {};

TEST_F(PagesModeTest, CountsWrittenPagesExactlyWithoutUprobes) {
  const std::string folded_path = ScratchPath("pages.folded");
  Target target;
  ASSERT_NO_FATAL_FAILURE(StartTarget(kPages, {"--stay"}, &target));
  std::unique_ptr<Process> ap;
  ASSERT_NO_FATAL_FAILURE(StartTracing({"-p", std::to_string(target.pid), "--mode",
                                        "pages", "--folded", folded_path},
                                       target.pid, &ap));
  // No breakpoint anywhere in the target: its malloc is untouched.
  uint8_t first_byte = 0;
  ASSERT_NO_FATAL_FAILURE(MallocByte(target, &first_byte));
  EXPECT_NE(first_byte, 0xCC) << "a uprobe sits on malloc in pages mode";

  ASSERT_NO_FATAL_FAILURE(RunScenarios(&target));
  ASSERT_NO_FATAL_FAILURE(StopTracingThenTarget(ap.get(), &target));

  const std::string context = Outputs(*ap);
  EXPECT_THAT(ap->out(), HasSubstr("Pages mode: pages of 4096 B")) << context;
  const Report report = ParseReport(ap->out());
  EXPECT_TRUE(report.lost.has_value() && *report.lost == "none") << context;

  const Folded folded = ParseFolded(ReadFile(folded_path));
  ASSERT_TRUE(folded.malformed.empty()) << folded.malformed[0];
  // 1000 written, 300 dropped with madvise, 200 unmapped.
  EXPECT_EQ(BytesThrough(folded, "touch_pages"), int64_t{KEPT_PAGES} * PAGE_BYTES)
      << StacksThrough(folded, "touch_pages") << context;
  // The writing function is the leaf, and main called it.
  EXPECT_TRUE(CallsDirectly(folded, "main", {"touch_pages"}))
      << StacksThrough(folded, "touch_pages");
  // The C library's memset has no frame pointer: its caller is recovered
  // from its call-frame information at the faulting instruction.
  EXPECT_EQ(BytesThrough(folded, "memset_pages"), int64_t{MEMSET_PAGES} * PAGE_BYTES)
      << StacksThrough(folded, "memset_pages") << context;
  EXPECT_TRUE(CallsDirectly(folded, "memset_pages", {}))
      << "memset_pages is not right above memset\n"
      << StacksThrough(folded, "memset_pages");
  // Read pages are the zero page; shared pages are not the process's own;
  // churn unmapped all it wrote.
  EXPECT_EQ(BytesThrough(folded, "read_pages"), 0) << StacksThrough(folded, "read_pages");
  EXPECT_EQ(BytesThrough(folded, "shared_pages"), 0) << StacksThrough(folded, "shared_pages");
  EXPECT_EQ(BytesThrough(folded, "churn_pages"), 0) << StacksThrough(folded, "churn_pages");
  // A huge page counts as what the kernel made resident.
  const std::string huge = LineStartingWith(target.proc->out(), HUGE_RSS_PREFIX);
  ASSERT_FALSE(huge.empty()) << target.proc->out();
  EXPECT_EQ(BytesThrough(folded, "touch_huge"),
            std::stoll(huge.substr(sizeof(HUGE_RSS_PREFIX) - 1)))
      << StacksThrough(folded, "touch_huge");
  ExpectNoProgramsLeft();
}

TEST_F(PagesModeTest, OptionsForAllocatorProbesAreMisuse) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"--mode", "pages", "--sample-bytes", "512K"},
        std::vector<std::string>{"--mode", "pages", "--alloc-fn", "x:y:size=ARG1"},
        std::vector<std::string>{"--mode", "heap"}}) {
    std::vector<std::string> argv{kAllocprof};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"--", kPages, "--now"});
    std::string message;
    ASSERT_NO_FATAL_FAILURE(RunFailing(argv, &message, Failure::kMisuse));
    EXPECT_THAT(message, HasSubstr("--")) << message;
  }
}

}  // namespace
}  // namespace allocprof::e2e
