#include "userspace/report/text_report.h"

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "userspace/common/printable.h"
#include "userspace/profile/own_code.h"
#include "userspace/report/evidence_report.h"

namespace allocprof {
namespace {

constexpr const char* kKindNames[kMemKinds] = {"heap", "anon mmap",
                                               "file mmap", "brk", "pages"};

std::string Objects(int64_t n) {
  return absl::StrCat(n, n == 1 ? " object" : " objects");
}

// "heap 1024 B, anon mmap 0 B, ...": every kind the session counts (pages
// mode counts pages only, the default every other kind), or with
// `skip_zero` those that are not 0.
std::string KindBreakdown(const int64_t (&bytes)[kMemKinds], bool skip_zero,
                          bool pages_mode = false) {
  std::vector<std::string> parts;
  for (int k = 0; k < kMemKinds; ++k) {
    const bool counted = (k == static_cast<int>(MemKind::kPages)) == pages_mode;
    if (skip_zero ? bytes[k] == 0 : !counted) continue;
    parts.push_back(absl::StrCat(kKindNames[k], " ", bytes[k], " B"));
  }
  return absl::StrJoin(parts, ", ");
}

std::string LossSummary(const Profile& profile) {
  std::vector<std::string> parts;
  for (const LossCount& loss : profile.losses) {
    parts.push_back(absl::StrCat(loss.count, " ", loss.what));
  }
  return absl::StrJoin(parts, ", ");
}

double Seconds(const Profile& profile) { return profile.duration_ns / 1e9; }

// `depth` names of `stack` from frame `first` on, " <- " between them.
std::string StackFrom(const ProfileStack& stack, size_t first, size_t depth) {
  std::vector<std::string> names;
  if (stack.lost) names.push_back("[stack lost]");
  for (size_t i = first; i < stack.frames.size() && names.size() < depth; ++i) {
    names.push_back(Printable(stack.frames[i].NameWithLine()));
  }
  if (names.empty() && !stack.frames.empty()) {
    names.push_back(Printable(stack.frames[0].NameWithLine()));
  }
  return absl::StrJoin(names, " <- ");
}

}  // namespace

std::string ShortStack(const ProfileStack& stack, size_t depth) {
  return StackFrom(stack, stack.lost ? 0 : 1, depth);
}

std::string OwnCodeStack(const ProfileStack& stack, size_t depth) {
  const std::optional<size_t> own = FirstOwnFrame(stack);
  return own ? StackFrom(stack, *own, depth) : ShortStack(stack, depth);
}

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

void WriteTextReport(std::ostream& out, const Profile& profile, int top) {
  const Totals& t = profile.totals;
  const Usage& o = t.outstanding;
  out << absl::StrFormat("allocprof: %s, traced for %.1f s, %d events\n",
                         Printable(profile.target), Seconds(profile), profile.events);
  WriteLeakSuspects(out, profile);
  out << "Outstanding: " << FormatBytes(o.outstanding_bytes()) << " in "
      << Objects(o.outstanding_objects()) << ": "
      << KindBreakdown(o.bytes, false, profile.page_bytes != 0) << "\n";
  if (profile.page_bytes != 0) {
    out << "Pages mode: pages of " << profile.page_bytes
        << " B that writes made resident in private memory (page faults; no "
           "allocator probes); objects are page faults, a huge page is one\n";
  }
  if (profile.sample_bytes != 0) {
    out << "Sampled: one allocation per " << FormatBytes(static_cast<int64_t>(profile.sample_bytes))
        << " allocated on average; heap figures are estimates (a sample of s "
           "bytes counts s / (1 - exp(-s/N)) bytes; objects count samples)\n";
  }
  if (profile.overhead.budget > 0) {
    const ProbeOverhead& o = profile.overhead;
    out << absl::StrFormat("Probe overhead: about %.0f ms in probes", o.probe_seconds * 1000);
    if (o.target_cpu_seconds > 0) {
      out << absl::StrFormat(" per %.1f s of the target's CPU (%.1f %%)", o.target_cpu_seconds,
                             100 * o.probe_seconds / o.target_cpu_seconds);
    }
    out << absl::StrFormat("; budget %.1f %% of a core (--max-overhead)", o.budget * 100);
    if (!o.changes.empty()) out << "; sampling raised " << o.changes.size() << "x (see notes)";
    out << "\n";
  }
  out << "Allocated: " << FormatBytes(t.alloc_bytes) << " in "
      << Objects(t.alloc_objects) << "; freed: " << FormatBytes(t.freed_bytes)
      << " in " << Objects(t.freed_objects) << "\n";
  if (profile.page_bytes == 0) {
    out << "Allocator backing memory: " << FormatBytes(o.backing_bytes)
        << " (mapped by the allocator to serve the blocks above; not counted "
           "again)\n";
  }
  if (profile.loader_mappings != 0) {
    out << "Dynamic loader: " << profile.loader_mappings
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
  if (t.mismatched_frees != 0) {
    out << "Mismatched frees: " << t.mismatched_frees << " blocks ("
        << FormatBytes(static_cast<int64_t>(t.mismatched_free_bytes))
        << ") released through another allocator than allocated them, a bug "
           "in the target"
        << (profile.mismatch_example.empty() ? "" : "; first: ")
        << Printable(profile.mismatch_example) << "\n";
  }
  if (profile.lossy()) {
    // A truncated stack keeps its bytes; only its outer frames are missing.
    bool bytes_lost = false;
    for (const LossCount& loss : profile.losses) {
      bytes_lost |= loss.what != kTruncatedStacksLoss;
    }
    out << "Lost: " << LossSummary(profile)
        << (bytes_lost ? ". WARNING: the figures above are lower bounds.\n"
                       : " (their bytes are counted; frames above [truncated] are "
                         "missing)\n");
  } else {
    out << "Lost: none\n";
  }
  for (const std::string& note : profile.notes) out << "Note: " << Printable(note) << "\n";
  WriteMemoryFacts(out, profile);

  std::vector<const ProfileStack*> holding;
  for (const ProfileStack& stack : profile.stacks) {
    if (stack.values.inuse_bytes > 0) holding.push_back(&stack);
  }
  std::stable_sort(holding.begin(), holding.end(),
                   [](const ProfileStack* a, const ProfileStack* b) {
                     return a->values.inuse_bytes > b->values.inuse_bytes;
                   });
  const size_t shown = std::min<size_t>(std::max(top, 0), holding.size());
  out << "\nTop " << shown << " of " << holding.size()
      << " stacks by outstanding bytes:\n";
  for (size_t i = 0; i < shown; ++i) {
    const ProfileStack& stack = *holding[i];
    out << "\n#" << (i + 1) << "  " << FormatBytes(stack.values.inuse_bytes)
        << " in " << Objects(stack.values.inuse_objects) << " ["
        << KindBreakdown(stack.inuse_bytes_by_kind, true) << "]\n";
    if (stack.lost) {
      out << "      [stack lost; the caller below is all that is known]\n";
    }
    WriteStackEvidence(out, stack);
    for (size_t f = 0; f < stack.frames.size(); ++f) {
      const ProfileFrame& frame = stack.frames[f];
      // An inlined function has no address, offset or object of its own:
      // they are those of the frame below, whose code it is part of.
      if (frame.inlined) {
        out << absl::StrFormat("      #%-3d %-18s %s\n", f, "(inlined)",
                               Printable(frame.NameWithLine(/*full_path=*/true)));
        continue;
      }
      out << absl::StrFormat("      #%-3d 0x%016x %s", f, frame.address,
                             Printable(frame.DisplayName()));
      if (!frame.function.empty() && frame.offset != 0) {
        out << absl::StrFormat("+0x%x", frame.offset);
      }
      if (frame.line != 0) out << " (" << Printable(frame.file) << ":" << frame.line << ")";
      if (frame.kind == FrameKind::kPython) {
        // Its address is the code object's: no object holds it.
        out << " [python]";
      } else if (!frame.module.empty() && !frame.function.empty()) {
        out << " (" << Printable(frame.module) << ")";
      }
      out << "\n";
    }
  }
}

void WriteIntervalSummary(std::ostream& out, const Profile& profile) {
  const Totals& t = profile.totals;
  out << absl::StrFormat(
      "[%.1fs] outstanding %s in %s; allocated %s, freed %s", Seconds(profile),
      FormatBytes(t.outstanding.outstanding_bytes()),
      Objects(t.outstanding.outstanding_objects()), FormatBytes(t.alloc_bytes),
      FormatBytes(t.freed_bytes));
  if (profile.lossy()) out << "; lost " << LossSummary(profile);
  out << "\n";
  int shown = 0;
  for (const ProfileStack& stack : profile.stacks) {
    if (shown == 5) break;
    if (stack.values.inuse_bytes <= 0) continue;
    ++shown;
    out << absl::StrFormat("  %12d B  %s\n", stack.values.inuse_bytes,
                           ShortStack(stack, 4));
  }
  WriteGrowingStacks(out, profile, 3);
}

}  // namespace allocprof
