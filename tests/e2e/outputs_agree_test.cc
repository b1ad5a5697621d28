// One session, every output: the text report, folded stacks, JSON, pprof
// and the flame graph must tell the same story -- each leaking function of
// tests/testprogs/leaks holds exactly its ground-truth bytes in each of them.
#include <memory>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/outputs.h"
#include "tests/e2e/session.h"
#include "nlohmann/json.hpp"
#include "tests/testprogs/leaks_truth.h"
#include "tests/unit/outputs/flamegraph/flame_test_util.h"
#include "userspace/outputs/profile_file.h"

namespace allocprof::e2e {
namespace {

using OutputsAgreeTest = E2eTest;

// The flame graph's data, as its page script reads it.
DecodedNode FlameGraphTree(const std::string& html) {
  const std::string open = "<script type=\"application/json\" id=\"flamegraph-data\">";
  size_t begin = html.find(open);
  size_t end = html.find("</script>", begin);
  EXPECT_NE(begin, std::string::npos) << "no flame graph data in the page";
  if (begin == std::string::npos || end == std::string::npos) return {};
  begin += open.size();
  return DecodeNodes(nlohmann::json::parse(html.substr(begin, end - begin)));
}

// In-use bytes under the outermost nodes named `function`.
int64_t FlameBytesThrough(const DecodedNode& node, const std::string& function) {
  if (WithoutLine(node.name) == function) return node.total_bytes;
  int64_t total = 0;
  for (const DecodedNode& child : node.children) {
    total += FlameBytesThrough(child, function);
  }
  return total;
}

TEST_F(OutputsAgreeTest, EveryFormatHoldsTheSameBytesPerLeakingFunction) {
  const std::string folded = ScratchPath("leaks.folded");
  const std::string json = ScratchPath("leaks.json");
  const std::string pprof = ScratchPath("leaks.pb.gz");
  const std::string flame = ScratchPath("leaks.html");
  std::unique_ptr<Process> ap;
  ASSERT_NO_FATAL_FAILURE(StartTracing({"--folded", folded, "--json", json,
                                        "--pprof", pprof, "--flamegraph", flame,
                                        "--", kLeaks, "--now"},
                                       0, &ap));
  ASSERT_TRUE(ap->WaitExit(kRunTimeout)) << Outputs(*ap);
  ASSERT_TRUE(ExitedWith(*ap, 0)) << Outputs(*ap);

  const Folded folded_stacks = ParseFolded(ReadFile(folded));
  auto from_json = ReadProfileFile(json);
  ASSERT_TRUE(from_json.ok()) << from_json.status();
  auto from_pprof = ReadProfileFile(pprof);
  ASSERT_TRUE(from_pprof.ok()) << from_pprof.status();
  const DecodedNode flame_tree = FlameGraphTree(ReadFile(flame));

  for (const leaks_expectation& e : leaks_expected) {
    SCOPED_TRACE(e.function);
    const auto bytes = static_cast<int64_t>(e.bytes);
    EXPECT_EQ(BytesThrough(folded_stacks, e.function), bytes);
    EXPECT_EQ(ProfileBytesThrough(*from_json, e.function), bytes);
    EXPECT_EQ(ProfileBytesThrough(*from_pprof, e.function), bytes);
    EXPECT_EQ(FlameBytesThrough(flame_tree, e.function), bytes);
  }
  // The session's totals are the same in the report and both saved forms.
  const Report report = ParseReport(ap->out());
  ASSERT_TRUE(report.outstanding_bytes.has_value());
  EXPECT_EQ(from_json->totals.outstanding.outstanding_bytes(), *report.outstanding_bytes);
  EXPECT_EQ(from_pprof->totals.outstanding.outstanding_bytes(), *report.outstanding_bytes);
  ExpectNoProgramsLeft();
}

}  // namespace
}  // namespace allocprof::e2e
