#include "userspace/outputs/flamegraph/flame_heading.h"

#include <cstdlib>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace allocprof {
namespace {

// Long command lines (a JVM's classpath) would push the graph off screen.
constexpr size_t kMaxCommandChars = 200;

std::string Subject(Weight weight) {
  return weight == Weight::kBytes ? "In-use memory" : "Live objects";
}

std::string Objects(int64_t n) {
  return absl::StrCat(n, n == 1 ? " object" : " objects");
}

std::string InUse(const Profile& profile) {
  const Usage& o = profile.totals.outstanding;
  return absl::StrCat(ShortBytes(o.outstanding_bytes()), " in use in ",
                      Objects(o.outstanding_objects()));
}

std::string Traced(const Profile& profile) {
  return absl::StrFormat("traced for %.1f s", profile.duration_ns / 1e9);
}

std::string Session(const Profile& profile) {
  const Totals& t = profile.totals;
  return absl::StrCat(Traced(profile), "; ", InUse(profile), "; ",
                      ShortBytes(t.alloc_bytes), " allocated in ",
                      Objects(t.alloc_objects), ", ", ShortBytes(t.freed_bytes),
                      " freed; ", profile.events, " events");
}

std::string CommandLine(const Profile& profile) {
  std::string command = absl::StrJoin(profile.command_line, " ");
  if (command.size() > kMaxCommandChars) {
    command = absl::StrCat(command.substr(0, kMaxCommandChars), "...");
  }
  return absl::StrCat("command: ", command);
}

// Empty when nothing was lost. `which` names the profile in a diff ("base"),
// and is empty otherwise.
std::string LossWarning(const Profile& profile, const std::string& which) {
  if (!profile.lossy()) return "";
  std::vector<std::string> parts;
  for (const LossCount& loss : profile.losses) {
    parts.push_back(absl::StrCat(loss.count, " ", loss.what));
  }
  return absl::StrCat(
      which.empty() ? "Data was lost while tracing, so these figures are lower bounds"
                    : absl::StrCat("Data was lost while tracing the ", which,
                                   " profile, so its figures are lower bounds"),
      ". Lost: ", absl::StrJoin(parts, "; "), ".");
}

std::string SignedBytes(int64_t bytes) {
  return absl::StrCat(bytes < 0 ? "-" : "+", ShortBytes(std::llabs(bytes)));
}

}  // namespace

std::string ShortBytes(int64_t bytes) {
  static constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB"};
  if (std::llabs(bytes) < 1024) return absl::StrCat(bytes, " B");
  double v = static_cast<double>(bytes);
  int unit = -1;
  while (std::abs(v) >= 1024 && unit < 4) {
    v /= 1024;
    ++unit;
  }
  return absl::StrFormat("%.1f %s", v, kUnits[unit]);
}

FlameHeading HeadingOf(const Profile& profile, Weight weight,
                       const std::string& title) {
  FlameHeading heading;
  heading.title = !title.empty()           ? title
                  : profile.target.empty() ? Subject(weight)
                                           : absl::StrCat(Subject(weight), " of ",
                                                          profile.target);
  heading.facts.push_back(Session(profile));
  if (!profile.command_line.empty()) heading.facts.push_back(CommandLine(profile));
  std::string warning = LossWarning(profile, "");
  if (!warning.empty()) heading.warnings.push_back(std::move(warning));
  return heading;
}

FlameHeading DiffHeadingOf(const Profile& base, const Profile& now,
                           Weight weight, const std::string& title) {
  FlameHeading heading;
  if (!title.empty()) {
    heading.title = title;
  } else {
    heading.title = absl::StrCat(Subject(weight), " change");
    if (!now.target.empty()) absl::StrAppend(&heading.title, " of ", now.target);
    if (!base.target.empty() && base.target != now.target) {
      absl::StrAppend(&heading.title, " against ", base.target);
    }
  }
  const Usage& b = base.totals.outstanding;
  const Usage& n = now.totals.outstanding;
  int64_t growth = n.outstanding_bytes() - b.outstanding_bytes();
  heading.facts.push_back(absl::StrCat("base: ", Traced(base), "; ", InUse(base)));
  heading.facts.push_back(absl::StrCat("now: ", Traced(now), "; ", InUse(now),
                                       " (", SignedBytes(growth), ")"));
  heading.facts.push_back(
      "Widths are now's; red frames grew since base, blue ones shrank.");
  for (const auto& [profile, which] :
       {std::pair<const Profile*, const char*>{&base, "base"}, {&now, "now"}}) {
    std::string warning = LossWarning(*profile, which);
    if (!warning.empty()) heading.warnings.push_back(std::move(warning));
  }
  return heading;
}

}  // namespace allocprof
