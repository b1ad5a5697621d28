#include "userspace/outputs/output_files.h"

#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "userspace/outputs/flamegraph/flamegraph.h"
#include "userspace/outputs/folded/folded_writer.h"
#include "userspace/outputs/json/json_writer.h"
#include "userspace/outputs/pprof/pprof_writer.h"
#include "userspace/outputs/replace_file.h"

namespace allocprof {

absl::Status PrepareOutputFiles(const OutputFiles& files) {
  if (!files.flamegraph.empty()) {
    absl::StatusOr<FlameGraphFormat> format = FlameGraphFormatOf(files.flamegraph);
    if (!format.ok()) return format.status();
  }
  const std::pair<const char*, const std::string*> outputs[] = {
      {"--folded", &files.folded},
      {"--flamegraph", &files.flamegraph},
      {"--pprof", &files.pprof},
      {"--json", &files.json}};
  for (const auto& [option, path] : outputs) {
    if (path->empty()) continue;
    absl::Status s = CheckReplaceable(option, *path);
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status WriteOutputFiles(const Profile& profile, const OutputFiles& files) {
  absl::Status s;
  if (s.ok() && !files.folded.empty()) {
    std::ostringstream folded;
    WriteFolded(folded, profile, files.weight);
    s = ReplaceFile("folded stacks", files.folded, folded.str());
  }
  if (s.ok() && !files.flamegraph.empty()) {
    FlameGraphOptions options;
    options.weight = files.weight;
    options.inverted = files.inverted;
    s = WriteFlameGraphFile(files.flamegraph, profile, options);
  }
  if (s.ok() && !files.pprof.empty()) s = WritePprofFile(files.pprof, profile);
  if (s.ok() && !files.json.empty()) s = WriteJsonFile(files.json, profile);
  return s;
}

}  // namespace allocprof
