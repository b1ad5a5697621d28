#include "userspace/outputs/output_files.h"

#include <cerrno>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "userspace/outputs/flamegraph/flamegraph.h"
#include "userspace/outputs/folded/folded_writer.h"
#include "userspace/outputs/json/json_writer.h"
#include "userspace/outputs/pprof/pprof_writer.h"

namespace allocprof {
namespace {

absl::Status Touch(const std::string& path) {
  if (path.empty()) return absl::OkStatus();
  std::ofstream file(path, std::ios::out | std::ios::trunc);
  if (!file) return absl::ErrnoToStatus(errno, absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

absl::Status WriteFoldedFile(const std::string& path, const Profile& profile,
                             Weight weight) {
  std::ofstream file(path, std::ios::out | std::ios::trunc);
  WriteFolded(file, profile, weight);
  file.close();
  if (!file) return absl::ErrnoToStatus(errno, absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

}  // namespace

absl::Status PrepareOutputFiles(const OutputFiles& files) {
  if (!files.flamegraph.empty()) {
    absl::StatusOr<FlameGraphFormat> format = FlameGraphFormatOf(files.flamegraph);
    if (!format.ok()) return format.status();
  }
  for (const std::string* path :
       {&files.folded, &files.flamegraph, &files.pprof, &files.json}) {
    absl::Status s = Touch(*path);
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status WriteOutputFiles(const Profile& profile, const OutputFiles& files) {
  absl::Status s;
  if (s.ok() && !files.folded.empty()) s = WriteFoldedFile(files.folded, profile, files.weight);
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
