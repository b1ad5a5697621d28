#include "userspace/attach/allocator_probes.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace allocprof {
namespace {

// A file's identity across mappings and snapshots.
std::string ObjectKey(const Module& m) {
  return absl::StrCat(m.dev_major, ":", m.dev_minor, ":", m.inode, ":", m.path);
}

}  // namespace

std::string DescribeProbe(const ProbedFunction& f) {
  std::string line = absl::StrFormat("%s%s at %s+0x%x (%s)", f.symbol,
                                     f.returns() ? "+ret" : "", f.object,
                                     f.offset + f.site.offset, DescribeSite(f.site));
  if (!f.aliases.empty()) {
    absl::StrAppend(&line, " also ", absl::StrJoin(f.aliases, ","));
  }
  return line;
}

std::string DescribeSites(absl::Span<const ProbedFunction> functions) {
  size_t moved = 0;
  size_t stepped = 0;
  for (const ProbedFunction& f : functions) {
    if (f.site.offset != 0) ++moved;
    if (!f.site.emulated) ++stepped;
  }
  return absl::StrFormat(
      "%d functions in %s: %d on an emulated instruction (%d past the entry), "
      "%d single-stepped",
      functions.size(), functions.empty() ? "" : functions[0].object,
      functions.size() - stepped, moved, stepped);
}

absl::Status AllocatorProbes::ProbeNewObjects(const ModuleMap& modules, SessionLog& log) {
  std::vector<std::string> problems;
  std::ostream* verbose = log.verbose();
  for (const Module& m : modules.modules()) {
    if (m.kind != Module::Kind::kFile || IsGlibcLoaderPath(m.path)) continue;
    if (!seen_objects_.insert(ObjectKey(m)).second) continue;
    const std::string host_path = modules.ElfPath(m);
    if (host_path.empty()) continue;  // deleted and not pinned: unreadable

    std::vector<const CustomFunction*> missing;
    auto found = FindAllocatorFunctions(m.path, host_path, custom_, families_,
                                        &missing);
    for (const CustomFunction& c : custom_) {
      if (c.InObject(m.path)) matched_custom_.insert(c.spec);
    }
    for (const CustomFunction* c : missing) {
      problems.push_back(absl::StrCat(c->symbol, " (from '", c->spec,
                                       "') is not a function defined in ", m.path));
    }
    // An object allocprof cannot read (not ELF: a font, a locale archive
    // mapped executable) has nothing to probe.
    if (!found.ok() || found->empty()) continue;

    for (ProbedFunction& f : *found) {
      f.id = static_cast<uint32_t>(probed_.size() + (&f - found->data()));
    }
    absl::Status s = bpf_.AttachFunctions(*found);
    if (!s.ok()) {
      problems.push_back(std::string(s.message()));
      continue;
    }
    if (verbose) {
      for (const ProbedFunction& f : *found) {
        *verbose << "allocprof: probe " << DescribeProbe(f) << " ["
                 << families_.Name(f.family) << "]\n";
      }
      *verbose << "allocprof: probed " << DescribeSites(*found) << "\n";
    }
    for (ProbedFunction& f : *found) probed_.push_back(std::move(f));
    const size_t attached = found->size();
    if (attached > 0) ++objects_with_probes_;
  }
  if (problems.empty()) return absl::OkStatus();
  if (verbose) {
    for (const std::string& p : problems) *verbose << "allocprof: " << p << "\n";
  }
  if (problems.size() == 1) return absl::FailedPreconditionError(problems[0]);
  return absl::FailedPreconditionError(absl::StrCat(
      problems[0], " (and ", problems.size() - 1, " more; -v lists them)"));
}

bool AllocatorProbes::CoversAllocation() const {
  bool allocates = false;
  bool releases = false;
  for (const ProbedFunction& f : probed_) {
    (f.returns() ? allocates : releases) = true;
  }
  return allocates && releases;
}

std::vector<std::string> AllocatorProbes::UnmatchedCustom() const {
  std::vector<std::string> out;
  for (const CustomFunction& c : custom_) {
    if (!matched_custom_.contains(c.spec)) out.push_back(c.spec);
  }
  return out;
}

}  // namespace allocprof
