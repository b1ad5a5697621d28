#include "userspace/report/text_report.h"

#include <algorithm>
#include <cinttypes>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace allocprof {
namespace {

std::string Objects(int64_t n) {
  return absl::StrCat(n, n == 1 ? " object" : " objects");
}

constexpr const char* kKindNames[kMemKinds] = {"heap", "anon mmap",
                                               "file mmap", "brk"};

std::string KindBreakdown(const Usage& u, bool skip_zero) {
  std::vector<std::string> parts;
  for (int k = 0; k < kMemKinds; ++k) {
    if (skip_zero && u.bytes[k] == 0) continue;
    parts.push_back(absl::StrCat(kKindNames[k], " ", u.bytes[k], " B"));
  }
  return absl::StrJoin(parts, ", ");
}

// The caller chain of a stack in one line, allocator frame left out.
std::string ShortStack(const NamedStack& stack, int depth) {
  std::vector<std::string> names;
  size_t first = stack.lost_errno != 0 ? 0 : 1;
  for (size_t i = first; i < stack.frames.size() && names.size() < size_t(depth); ++i) {
    names.push_back(stack.frames[i].DisplayName());
  }
  if (stack.lost_errno != 0) names.insert(names.begin(), "[stack lost]");
  if (names.empty() && !stack.frames.empty()) names.push_back(stack.frames[0].DisplayName());
  return absl::StrJoin(names, " <- ");
}

}  // namespace

std::string FormatBytes(int64_t bytes) {
  static constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB"};
  if (std::llabs(bytes) < 1024) return absl::StrCat(bytes, " B");
  double v = static_cast<double>(bytes);
  int unit = -1;
  while (std::abs(v) >= 1024 && unit < 3) {
    v /= 1024;
    ++unit;
  }
  return absl::StrFormat("%d B (%.1f %s)", bytes, v, kUnits[unit]);
}

void WriteTextReport(std::ostream& out, const ReportInput& in, StackNames& names) {
  const Totals& t = in.totals;
  const Usage& o = t.outstanding;
  out << absl::StrFormat("allocprof: %s, traced for %.1f s, %d events\n",
                         in.target, in.seconds, in.events);
  out << "Outstanding: " << FormatBytes(o.outstanding_bytes()) << " in "
      << Objects(o.outstanding_objects()) << ": " << KindBreakdown(o, false)
      << "\n";
  out << "Allocated: " << FormatBytes(t.alloc_bytes) << " in "
      << Objects(t.alloc_objects) << "; freed: " << FormatBytes(t.freed_bytes)
      << " in " << Objects(t.freed_objects) << "\n";
  out << "Allocator backing memory: " << FormatBytes(o.backing_bytes)
      << " (mapped by the allocator to serve the blocks above; not counted "
         "again)\n";
  if (in.loader_mappings != 0) {
    out << "Dynamic loader: " << in.loader_mappings
        << " mappings of shared objects' code and data (not counted)\n";
  }
  if (o.reserved_bytes != 0) {
    out << "Reserved address space: " << FormatBytes(o.reserved_bytes)
        << " (PROT_NONE; not memory, not counted)\n";
  }
  std::vector<std::string> before;
  if (t.unknown_frees != 0) before.push_back(absl::StrCat(t.unknown_frees, " frees"));
  if (t.unknown_unmapped_bytes != 0) {
    before.push_back(absl::StrCat(FormatBytes(t.unknown_unmapped_bytes), " unmapped"));
  }
  if (!before.empty()) {
    out << "Released but allocated before the session (not counted): "
        << absl::StrJoin(before, ", ") << "\n";
  }
  if (t.failed_calls != 0) {
    out << "Failed allocation calls: " << t.failed_calls << "\n";
  }
  std::string lost = in.health.LossSummary();
  if (lost.empty()) {
    out << "Lost: none\n";
  } else {
    out << "Lost: " << lost
        << ". WARNING: the figures above are lower bounds.\n";
  }
  std::string note = in.health.NoteSummary();
  if (!note.empty()) out << "Note: " << note << ".\n";
  for (const std::string& line : in.symbol_notes) out << "Note: " << line << "\n";

  std::vector<std::pair<StackRef, Usage>> holding;
  for (const auto& entry : in.stacks) {
    if (entry.second.outstanding_bytes() > 0) holding.push_back(entry);
  }
  int shown = std::min<int>(in.top, holding.size());
  out << "\nTop " << shown << " of " << holding.size()
      << " stacks by outstanding bytes:\n";
  for (int i = 0; i < shown; ++i) {
    const auto& [ref, usage] = holding[i];
    const NamedStack& stack = names.Name(ref);
    out << "\n#" << (i + 1) << "  " << FormatBytes(usage.outstanding_bytes())
        << " in " << Objects(usage.outstanding_objects()) << " ["
        << KindBreakdown(usage, true) << "]\n";
    if (stack.lost_errno != 0) {
      out << "      [stack lost: " << std::strerror(stack.lost_errno)
          << "; the caller below is all that is known]\n";
    }
    for (size_t f = 0; f < stack.frames.size(); ++f) {
      const Frame& frame = stack.frames[f];
      out << absl::StrFormat("      #%-3d 0x%016x %s", f, frame.addr,
                             frame.DisplayName());
      if (!frame.function.empty() && frame.offset != 0) {
        out << absl::StrFormat("+0x%x", frame.offset);
      }
      if (!frame.module.empty() && !frame.function.empty()) {
        out << " (" << frame.module << ")";
      }
      out << "\n";
    }
  }
}

void WriteIntervalSummary(std::ostream& out, const ReportInput& in,
                          StackNames& names) {
  const Totals& t = in.totals;
  out << absl::StrFormat("[%.1fs] outstanding %s in %s; allocated %s, "
                         "freed %s",
                         in.seconds, FormatBytes(t.outstanding.outstanding_bytes()),
                         Objects(t.outstanding.outstanding_objects()),
                         FormatBytes(t.alloc_bytes), FormatBytes(t.freed_bytes));
  if (in.health.lossy()) out << "; lost " << in.health.LossSummary();
  out << "\n";
  int shown = 0;
  for (const auto& [ref, usage] : in.stacks) {
    if (shown == 5) break;
    if (usage.outstanding_bytes() <= 0) continue;
    ++shown;
    out << absl::StrFormat("  %12d B  %s\n", usage.outstanding_bytes(),
                           ShortStack(names.Name(ref), 4));
  }
}

}  // namespace allocprof
