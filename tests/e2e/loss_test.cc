// When data is lost the report says how much, and bytes are never dropped
// with a stack: a stack map too small for the target's stacks loses stacks
// (hash collisions), and every leaked byte is still counted, under
// "[stack lost]" with the caller that BPF recovered.
#include <memory>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/outputs.h"
#include "tests/e2e/session.h"
#include "tests/testprogs/leaks_truth.h"

namespace allocprof::e2e {
namespace {

using ::testing::ContainsRegex;
using ::testing::HasSubstr;

using LossTest = E2eTest;

int64_t LeakedTotal() {
  int64_t total = 0;
  for (const leaks_expectation& e : leaks_expected) total += e.bytes;
  return total;
}

// Every leaked byte is in the folded stacks, some under "[stack lost]".
void ExpectLostStacksKeepTheirBytes(const std::string& folded_path) {
  const Folded folded = ParseFolded(ReadFile(folded_path));
  int64_t folded_total = 0;
  for (const FoldedStack& s : folded.stacks) folded_total += s.bytes;
  EXPECT_GE(folded_total, LeakedTotal());
  EXPECT_GT(BytesThrough(folded, "[stack lost]"), 0);
}

TEST_F(LossTest, StackMapCollisionsAreCountedAndBytesKept) {
  const std::string folded_path = ScratchPath("lossy.folded");
  std::unique_ptr<Process> ap;
  // One slot: every stack after the first collides. The kernel's stack map
  // holds frame-pointer stacks (--unwind fp).
  ASSERT_NO_FATAL_FAILURE(StartTracing(
      {"--unwind", "fp", "--stack_storage", "1", "--folded", folded_path, "--",
       kLeaks, "--now"},
      0, &ap));
  ASSERT_TRUE(ap->WaitExit(kRunTimeout)) << Outputs(*ap);
  EXPECT_TRUE(ExitedWith(*ap, 0)) << Outputs(*ap);

  const Report report = ParseReport(ap->out());
  ASSERT_TRUE(report.lost.has_value()) << Outputs(*ap);
  EXPECT_THAT(*report.lost, ContainsRegex("[1-9][0-9]* stacks \\(stack map collision\\)"));
  EXPECT_THAT(*report.lost, HasSubstr("lower bounds"));
  ASSERT_TRUE(report.outstanding_bytes.has_value());
  EXPECT_GE(*report.outstanding_bytes, LeakedTotal())
      << "bytes whose stack was lost must still be counted";

  ExpectLostStacksKeepTheirBytes(folded_path);
  ExpectNoProgramsLeft();
}

// Stacks walked with CFI are kept in a hash map of the same size: full after
// the first stack, so every later one is lost, counted, and its bytes kept.
TEST_F(LossTest, FullUnwoundStackMapIsCountedAndBytesKept) {
  const std::string folded_path = ScratchPath("lossy_cfi.folded");
  std::unique_ptr<Process> ap;
  ASSERT_NO_FATAL_FAILURE(StartTracing(
      {"--stack_storage", "1", "--folded", folded_path, "--", kLeaks, "--now"},
      0, &ap));
  ASSERT_TRUE(ap->WaitExit(kRunTimeout)) << Outputs(*ap);
  EXPECT_TRUE(ExitedWith(*ap, 0)) << Outputs(*ap);

  const Report report = ParseReport(ap->out());
  ASSERT_TRUE(report.lost.has_value()) << Outputs(*ap);
  EXPECT_THAT(*report.lost,
              ContainsRegex("[1-9][0-9]* stacks \\(capture failed or stack map full\\)"));
  ASSERT_TRUE(report.outstanding_bytes.has_value());
  EXPECT_GE(*report.outstanding_bytes, LeakedTotal());
  ExpectLostStacksKeepTheirBytes(folded_path);
  ExpectNoProgramsLeft();
}

}  // namespace
}  // namespace allocprof::e2e
