#include "tools/output_flags.h"

#include <string>

#include "tools/flag_types.h"
#include "userspace/outputs/flamegraph/flamegraph.h"

namespace allocprof {
namespace {

// A path kept as given; checking that it can be written (PrepareOutputFiles)
// needs the file system, and comes before any work.
std::function<absl::Status(absl::string_view)> PathInto(std::string* path) {
  return [path](absl::string_view text) {
    *path = std::string(text);
    return absl::OkStatus();
  };
}

}  // namespace

void AddTopFlag(FlagSet* flags, int* top) {
  flags->Add<int>("top", top, "N", "stacks shown in the report",
                  "a number of stacks (1 or more)", [](int n) { return n >= 1; });
}

void AddOutputFlags(FlagSet* flags, OutputFiles* files, OutputFlags which) {
  if (which == OutputFlags::kAll) {
    flags->AddChecked("folded", "FILE",
                      "write folded stacks of outstanding bytes to this file "
                      "(flamegraph.pl, inferno, speedscope)",
                      false, PathInto(&files->folded));
  }
  flags->AddChecked(
      "flamegraph", "FILE",
      which == OutputFlags::kAll
          ? "write an interactive flame graph of outstanding memory (.html or .svg)"
          : "write a differential flame graph (.html or .svg): red grew, blue shrank",
      false, [files](absl::string_view text) -> absl::Status {
        files->flamegraph = std::string(text);
        if (text.empty()) return absl::OkStatus();  // none
        absl::StatusOr<FlameGraphFormat> format = FlameGraphFormatOf(files->flamegraph);
        return format.status();
      });
  if (which == OutputFlags::kAll) {
    flags->AddChecked("pprof", "FILE",
                      "write a gzipped pprof heap profile (go tool pprof, Pyroscope, "
                      "Parca, Grafana)",
                      false, PathInto(&files->pprof));
    flags->AddChecked("json", "FILE",
                      "write the profile as JSON for scripts (docs/json-schema.md)", false,
                      PathInto(&files->json));
  }
  flags->Add<Weight>("weight", &files->weight, "bytes|objects",
                     which == OutputFlags::kAll
                         ? "what folded values and flame graph widths count"
                         : "what flame graph widths count");
  flags->AddSwitch("inverted", &files->inverted,
                   "icicle flame graph: the allocator at the top, its callers below");
}

absl::Status CheckOutputFlags(const FlagSet& flags, OutputFlags which) {
  const bool weighed = flags.Given("flamegraph") || flags.Given("folded");
  if (flags.Given("weight") && !weighed) {
    return absl::InvalidArgumentError(which == OutputFlags::kAll
                                          ? "--weight applies to --flamegraph and --folded"
                                          : "--weight applies to --flamegraph");
  }
  if (flags.Given("inverted") && !flags.Given("flamegraph")) {
    return absl::InvalidArgumentError("--inverted applies to --flamegraph");
  }
  return absl::OkStatus();
}

}  // namespace allocprof
