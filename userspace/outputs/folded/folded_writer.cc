#include "userspace/outputs/folded/folded_writer.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "userspace/common/printable.h"

namespace allocprof {

void WriteFolded(std::ostream& out, const Profile& profile, Weight weight) {
  absl::flat_hash_map<std::string, int64_t> lines;
  for (const ProfileStack& stack : profile.stacks) {
    int64_t value = InuseValue(stack.values, weight);
    // StackPath keeps ';' and line breaks out of names; what else a
    // target put in a name is escaped, since folded files are read in
    // terminals and by line-based tools.
    if (value > 0) lines[Printable(StackPath(stack))] += value;
  }
  std::vector<std::pair<std::string, int64_t>> sorted(lines.begin(), lines.end());
  std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  for (const auto& [line, value] : sorted) out << line << ' ' << value << '\n';
}

}  // namespace allocprof
