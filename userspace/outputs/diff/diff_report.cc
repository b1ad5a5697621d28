#include "userspace/outputs/diff/diff_report.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "userspace/common/printable.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "userspace/report/text_report.h"

namespace allocprof {
namespace {

std::string SignedBytes(int64_t bytes) {
  return bytes > 0 ? absl::StrCat("+", FormatBytes(bytes)) : FormatBytes(bytes);
}

// ", +25.0%", or nothing when there is no base to take a per cent of.
std::string Percent(int64_t base, int64_t now) {
  if (base <= 0) return "";
  return absl::StrFormat(", %+.1f%%", 100.0 * static_cast<double>(now - base) /
                                          static_cast<double>(base));
}

void WarnIfLossy(std::ostream& out, const char* which, const Profile& profile) {
  if (!profile.lossy()) return;
  std::vector<std::string> parts;
  for (const LossCount& loss : profile.losses) {
    parts.push_back(absl::StrCat(loss.count, " ", loss.what));
  }
  out << "WARNING: the " << which << " profile lost data ("
      << absl::StrJoin(parts, ", ")
      << "); its figures are lower bounds.\n";
}

}  // namespace

std::string DescribeChange(const StackChange& change) {
  if (!change.in_base) return "new";
  if (!change.in_new) return "gone";
  std::optional<double> percent = change.growth_percent();
  if (!percent) return "from 0 B";
  return absl::StrFormat("%+.1f%%", *percent);
}

void WriteStackChanges(std::ostream& out,
                       const std::vector<StackChange>& changes) {
  for (size_t i = 0; i < changes.size(); ++i) {
    const StackChange& c = changes[i];
    out << "\n#" << (i + 1) << "  " << SignedBytes(c.growth_bytes()) << ", "
        << DescribeChange(c) << ": " << FormatBytes(c.base_bytes) << " -> "
        << FormatBytes(c.new_bytes) << "\n";
    // The path is outermost first; people read stacks leaf first, as in
    // the text report. ';' never occurs inside a name (FoldedFrameName).
    std::vector<std::string> names = absl::StrSplit(c.path, ';');
    for (auto it = names.rbegin(); it != names.rend(); ++it) {
      out << "      " << Printable(*it) << "\n";
    }
  }
}

void WriteDiffReport(std::ostream& out, const Profile& base, const Profile& now,
                     size_t top) {
  int64_t before = base.totals.outstanding.outstanding_bytes();
  int64_t after = now.totals.outstanding.outstanding_bytes();
  out << "allocprof diff: " << Printable(base.target) << " -> " << Printable(now.target) << "\n";
  out << "Outstanding: " << FormatBytes(before) << " -> " << FormatBytes(after)
      << ": " << SignedBytes(after - before) << Percent(before, after)
      << "\n";
  WarnIfLossy(out, "base", base);
  WarnIfLossy(out, "new", now);

  // GrewMost's list, with the count of all that grew for the heading.
  std::vector<StackChange> changes = CompareStacks(base, now);
  size_t grew = 0;
  while (grew < changes.size() && changes[grew].growth_bytes() > 0) ++grew;
  if (grew == 0) {
    out << "\nNo stack holds more outstanding bytes than in the base profile.\n";
    return;
  }
  changes.resize(std::min(grew, top));
  out << "\nTop " << changes.size() << " of " << grew
      << " stacks by growth in outstanding bytes:\n";
  WriteStackChanges(out, changes);
}

}  // namespace allocprof
