// --sample-bytes: allocations sampled in BPF as a Poisson process over
// bytes, figures scaled back to estimates; frees of sampled blocks matched
// in BPF, so churn leaves nothing behind.
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/outputs.h"
#include "tests/e2e/session.h"
#include "tests/testprogs/sampled_truth.h"

namespace allocprof::e2e {
namespace {

using ::testing::HasSubstr;

class SamplingTest : public E2eTest {};

// sampled_truth.h: the leak's estimate has a standard deviation under 3.5%
// of its truth at this mean gap, so +-10% fails about once in 10^4 runs.
TEST_F(SamplingTest, EstimatesAMixedSizeLeakWithinTenPercent) {
  const std::string folded_path = ScratchPath("sampled.folded");
  std::unique_ptr<Process> ap;
  ASSERT_NO_FATAL_FAILURE(StartTracing(
      {"--sample-bytes", std::to_string(SAMPLED_MEAN_BYTES), "--folded",
       folded_path, "--", kSampled, "--now"},
      0, &ap));
  ASSERT_TRUE(ap->WaitExit(kRunTimeout)) << Outputs(*ap);
  ASSERT_TRUE(ExitedWith(*ap, 0)) << Outputs(*ap);
  EXPECT_THAT(ap->out(), HasSubstr("Sampled: one allocation per " +
                                   std::to_string(SAMPLED_MEAN_BYTES) + " B"));

  const Folded folded = ParseFolded(ReadFile(folded_path));
  const double truth = static_cast<double>(SAMPLED_LEAK_BYTES);
  const double estimate = static_cast<double>(BytesThrough(folded, "leak_mixed"));
  EXPECT_NEAR(estimate / truth, 1.0, 0.10)
      << "estimated " << estimate << " B for a leak of " << truth << " B\n"
      << Outputs(*ap);
  // Every sampled block of the churn was freed, and its free matched.
  EXPECT_EQ(BytesThrough(folded, "churn_sampled"), 0)
      << StacksThrough(folded, "churn_sampled");
  const Report report = ParseReport(ap->out());
  EXPECT_TRUE(report.lost.has_value() && *report.lost == "none") << ap->out();
}

TEST_F(SamplingTest, BadSizeIsMisuse) {
  std::string message;
  ASSERT_NO_FATAL_FAILURE(RunFailing(
      {kAllocprof, "--sample-bytes", "lots", "--", kSampled, "--now"}, &message,
      Failure::kMisuse));
  EXPECT_THAT(message, HasSubstr("--sample-bytes"));
}

}  // namespace
}  // namespace allocprof::e2e
