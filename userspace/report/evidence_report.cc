#include "userspace/report/evidence_report.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "userspace/common/printable.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "userspace/evidence/growth_score.h"
#include "userspace/evidence/hex_dump.h"
#include "userspace/evidence/live_objects.h"
#include "userspace/report/text_report.h"

namespace allocprof {
namespace {

constexpr int64_t kMiB = 1 << 20;
constexpr const char* kIndent = "      ";

std::string Age(int64_t ns) { return absl::StrFormat("%.1f s", ns / 1e9); }

// "+10240 B/s (10.0 KiB/s)"
std::string Rate(double bytes_per_second) {
  return absl::StrCat(
      "+", absl::StrReplaceAll(
               FormatBytes(static_cast<int64_t>(bytes_per_second)),
               {{" B", " B/s"}, {"iB)", "iB/s)"}}));
}

// "1024..2047 B"
std::string SizeClassRange(int size_class) {
  const uint64_t lo = size_class == 0 ? 0 : 1ull << size_class;
  const uint64_t hi = size_class == 63 ? ~0ull : (2ull << size_class) - 1;
  return absl::StrCat(lo, "..", hi, " B");
}

int Percent(int64_t part, int64_t whole) {
  return whole <= 0 ? 0 : static_cast<int>(100.0 * part / whole + 0.5);
}

}  // namespace

void WriteLeakSuspects(std::ostream& out, const Profile& profile) {
  const size_t samples = profile.growth_seconds.size();
  if (samples < kMinGrowthSamples) {
    out << "Leak suspects: not enough samples to judge growth (" << samples
        << "; a longer session or a shorter --interval gives more)\n";
    return;
  }
  const std::vector<LeakSuspect> suspects = LeakSuspects(profile);
  if (suspects.empty()) {
    out << "Leak suspects: none (no stack grew steadily over " << samples
        << " samples)\n";
    return;
  }
  out << "Leak suspects (steady growth over " << samples
      << " samples, highest score first):\n";
  for (size_t i = 0; i < suspects.size() && i < 10; ++i) {
    const ProfileStack& stack = profile.stacks[suspects[i].stack];
    const GrowthScore& g = suspects[i].growth;
    out << absl::StrFormat(
        "  %d. %s, %d of %d steps not down, fit %.2f: %s in %d objects; %s\n",
        i + 1, Rate(g.bytes_per_second), g.steps_not_down, g.steps, g.fit,
        FormatBytes(stack.values.inuse_bytes), stack.values.inuse_objects,
        OwnCodeStack(stack, 4));
  }
}

void WriteMemoryFacts(std::ostream& out, const Profile& profile) {
  if (profile.min_age_ns > 0) {
    out << "Age filter: only allocations at least " << Age(profile.min_age_ns)
        << " old at the end are counted as outstanding (--min-age)\n";
  }
  const ResidentMemory& m = profile.memory;
  if (m.start.rss_bytes < 0) return;  // not known (a saved profile, a race)
  if (m.end.rss_bytes < 0) {
    out << "Resident memory: no figures at the end ("
        << (m.end_missing.empty() ? "not read" : m.end_missing)
        << "); RSS at the start was " << FormatBytes(m.start.rss_bytes) << "\n";
    return;
  }
  const int64_t rss_growth = m.end.rss_bytes - m.start.rss_bytes;
  out << "Resident memory: RSS grew " << FormatBytes(rss_growth) << " (from "
      << FormatBytes(m.start.rss_bytes) << " to " << FormatBytes(m.end.rss_bytes)
      << ")";
  if (m.start.anon_bytes >= 0 && m.end.anon_bytes >= 0) {
    out << ", anonymous memory grew "
        << FormatBytes(m.end.anon_bytes - m.start.anon_bytes);
  }
  out << "\n";
  int64_t mapped_resident = 0;
  for (const ProfileStack& s : profile.stacks) {
    mapped_resident += std::max<int64_t>(0, s.evidence.resident_bytes);
  }
  const int64_t heap =
      profile.totals.outstanding.bytes[static_cast<int>(MemKind::kHeap)];
  int64_t traced = heap + mapped_resident;
  if (profile.page_bytes != 0) {
    // Pages mode counts resident pages and nothing else.
    traced = profile.totals.outstanding.bytes[static_cast<int>(MemKind::kPages)];
    out << "Traced: " << FormatBytes(traced) << " in pages written during the session";
  } else {
    out << "Traced: " << FormatBytes(heap) << " outstanding in heap blocks + "
        << FormatBytes(mapped_resident) << " resident in traced mappings = "
        << FormatBytes(traced);
  }
  if (rss_growth <= 0) {
    out << "; the RSS did not grow\n";
    return;
  }
  out << ", " << Percent(traced, rss_growth) << "% of the RSS growth\n";
  const int64_t unexplained = rss_growth - traced;
  if (unexplained > kMiB && unexplained * 4 > rss_growth) {
    out << "WARNING: " << FormatBytes(unexplained) << " ("
        << Percent(unexplained, rss_growth)
        << "%) of the RSS growth is not explained by traced allocations: "
           "memory allocated before the session and touched since, an "
           "allocator allocprof does not probe, thread stacks, or file pages "
           "read in\n";
  }
}

void WriteStackEvidence(std::ostream& out, const ProfileStack& stack) {
  const StackEvidence& e = stack.evidence;
  if (e.common_size_objects > 0) {
    std::vector<std::string> ages;
    for (int b = 0; b < kAgeBuckets; ++b) {
      ages.push_back(absl::StrCat(AgeBucketLabel(b), " ", e.age_objects[b]));
    }
    out << kIndent << "age: oldest " << Age(e.oldest_age_ns) << ", newest "
        << Age(e.newest_age_ns) << "; " << absl::StrJoin(ages, ", ") << "\n";
    std::vector<std::string> sizes;
    for (int c = 0; c < kSizeClasses; ++c) {
      if (e.size_objects[c] == 0) continue;
      sizes.push_back(absl::StrCat(SizeClassRange(c), ": ", e.size_objects[c]));
    }
    out << kIndent << "sizes: most common " << e.common_size << " B ("
        << e.common_size_objects
        << (e.common_size_objects == 1 ? " object); " : " objects); ")
        << absl::StrJoin(sizes, ", ") << "\n";
  }
  if (e.resident_bytes >= 0) {
    const int64_t mapped = stack.inuse_bytes_by_kind[1] +
                           stack.inuse_bytes_by_kind[2] +
                           stack.inuse_bytes_by_kind[3];
    out << kIndent << "resident: " << FormatBytes(e.resident_bytes) << " of "
        << FormatBytes(mapped) << " mapped\n";
  }
  for (const PeekedBlock& p : e.peeks) {
    out << kIndent << absl::StrFormat("peek 0x%x (%d B, %s old): ", p.address,
                                      p.size, Age(p.age_ns));
    if (!p.error.empty()) {
      out << "unreadable: " << Printable(p.error) << "\n";
      continue;
    }
    if (p.bytes.empty()) {
      out << "not read\n";
      continue;
    }
    out << "first " << p.bytes.size() << " bytes\n";
    for (const std::string& line : HexDumpLines(p.bytes)) {
      out << kIndent << "  " << line << "\n";
    }
    std::vector<std::string> strings = PrintableStrings(p.bytes);
    if (!strings.empty()) {
      out << kIndent << "  strings: \"" << absl::StrJoin(strings, "\", \"")
          << "\"\n";
    }
  }
}

void WriteGrowingStacks(std::ostream& out, const Profile& profile, int count) {
  const std::vector<LeakSuspect> suspects = LeakSuspects(profile);
  for (size_t i = 0; i < suspects.size() && static_cast<int>(i) < count; ++i) {
    const ProfileStack& stack = profile.stacks[suspects[i].stack];
    out << absl::StrFormat("  growing %s  %s\n",
                           Rate(suspects[i].growth.bytes_per_second),
                           OwnCodeStack(stack, 4));
  }
}

}  // namespace allocprof
