#include "userspace/attach/thp_policy.h"

#include "gtest/gtest.h"

namespace allocprof {
namespace {

TEST(ThpPolicyTest, ReadsTheBracketedChoice) {
  EXPECT_EQ(ParseThpSetting("always [madvise] never\n", ThpMode::kNever), ThpMode::kMadvise);
  EXPECT_EQ(ParseThpSetting("[always] madvise never\n", ThpMode::kNever), ThpMode::kAlways);
  EXPECT_EQ(ParseThpSetting("always madvise [never]\n", ThpMode::kAlways), ThpMode::kNever);
}

TEST(ThpPolicyTest, InheritTakesTheTopSetting) {
  EXPECT_EQ(ParseThpSetting("always [inherit] madvise never\n", ThpMode::kMadvise),
            ThpMode::kMadvise);
  EXPECT_EQ(ParseThpSetting("always [inherit] madvise never\n", ThpMode::kAlways),
            ThpMode::kAlways);
}

TEST(ThpPolicyTest, NoSettingFallsBackToTheInheritedOne) {
  // A kernel before multi-size THP has no per-size file.
  EXPECT_EQ(ParseThpSetting("", ThpMode::kAlways), ThpMode::kAlways);
  EXPECT_EQ(ParseThpSetting("", ThpMode::kNever), ThpMode::kNever);
}

TEST(ThpPolicyTest, NoteNamesOtherEnabledSizes) {
  ThpPolicy policy;
  EXPECT_EQ(ThpNote(policy), "");
  policy.other_sizes_kib = {16, 64};
  const std::string note = ThpNote(policy);
  EXPECT_NE(note.find("16 KiB, 64 KiB"), std::string::npos) << note;
}

TEST(ThpPolicyTest, HostPolicyIsReadable) {
  // Whatever the host says, the PMD size is a power of two of at least 2 MiB
  // on x86-64 and the mode one of the three.
  const ThpPolicy policy = TransparentHugePages();
  EXPECT_GE(policy.size, uint64_t{2} << 20);
  EXPECT_EQ(policy.size & (policy.size - 1), 0u);
}

}  // namespace
}  // namespace allocprof
