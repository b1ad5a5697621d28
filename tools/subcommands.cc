#include "tools/subcommands.h"

#include <iostream>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "tools/command_line.h"
#include "tools/output_flags.h"
#include "userspace/outputs/diff/diff_report.h"
#include "userspace/outputs/flamegraph/flamegraph.h"
#include "userspace/outputs/output_files.h"
#include "userspace/outputs/profile_file.h"
#include "userspace/report/text_report.h"

namespace allocprof {
namespace {

// One line however many the message has: a person scanning a terminal
// or a script reading stderr sees the whole error at once.
int Failure(std::ostream& err, const absl::Status& status) {
  err << "allocprof: "
      << absl::StrReplaceAll(status.message(), {{"\r\n", " "}, {"\n", " "}})
      << "\n";
  return 1;
}

}  // namespace

int RunReportCommand(const std::vector<std::string>& args, std::ostream& out,
                     std::ostream& err) {
  FlagSet flags("allocprof report", "allocprof report PROFILE [options]",
                "Prints the report of a saved profile (JSON or pprof) and writes it in\n"
                "any of the formats allocprof writes.");
  int top = kDefaultTop;
  OutputFiles files;
  AddTopFlag(&flags, &top);
  AddOutputFlags(&flags, &files, OutputFlags::kAll);
  std::vector<std::string> operands;
  if (absl::Status s = flags.Parse(args, &operands); !s.ok()) {
    return flags.Misuse(err, s.message());
  }
  if (flags.help()) {
    out << flags.Usage();
    return 0;
  }
  if (operands.size() != 1) {
    return flags.Misuse(err, operands.empty()
                                 ? "report needs the saved profile to read"
                                 : absl::StrCat("report reads one profile, not ", operands.size(),
                                                " (to compare two, use allocprof diff)"));
  }
  if (absl::Status s = CheckOutputFlags(flags, OutputFlags::kAll); !s.ok()) {
    return flags.Misuse(err, s.message());
  }

  // A path that cannot be written fails before the profile is read.
  if (absl::Status s = PrepareOutputFiles(files); !s.ok()) return Failure(err, s);
  absl::StatusOr<Profile> profile = ReadProfileFile(operands[0]);
  if (!profile.ok()) return Failure(err, profile.status());
  WriteTextReport(out, *profile, top);
  out.flush();
  if (absl::Status s = WriteOutputFiles(*profile, files); !s.ok()) return Failure(err, s);
  return 0;
}

int RunDiffCommand(const std::vector<std::string>& args, std::ostream& out,
                   std::ostream& err) {
  FlagSet flags("allocprof diff", "allocprof diff BASE NEW [options]",
                "Prints the stacks whose in-use bytes grew most from profile BASE to\n"
                "profile NEW.");
  int top = kDefaultTop;
  OutputFiles files;
  AddTopFlag(&flags, &top);
  AddOutputFlags(&flags, &files, OutputFlags::kFlameGraph);
  std::vector<std::string> operands;
  if (absl::Status s = flags.Parse(args, &operands); !s.ok()) {
    return flags.Misuse(err, s.message());
  }
  if (flags.help()) {
    out << flags.Usage();
    return 0;
  }
  if (operands.size() != 2) {
    return flags.Misuse(err, absl::StrCat("diff compares two profiles, BASE and NEW; given ",
                                          operands.size()));
  }
  if (absl::Status s = CheckOutputFlags(flags, OutputFlags::kFlameGraph); !s.ok()) {
    return flags.Misuse(err, s.message());
  }

  if (absl::Status s = PrepareOutputFiles(files); !s.ok()) return Failure(err, s);
  absl::StatusOr<Profile> base = ReadProfileFile(operands[0]);
  if (!base.ok()) return Failure(err, base.status());
  absl::StatusOr<Profile> now = ReadProfileFile(operands[1]);
  if (!now.ok()) return Failure(err, now.status());
  WriteDiffReport(out, *base, *now, static_cast<size_t>(top));
  out.flush();
  if (!files.flamegraph.empty()) {
    FlameGraphOptions options;
    options.weight = files.weight;
    options.inverted = files.inverted;
    absl::Status s = WriteDiffFlameGraphFile(files.flamegraph, *base, *now, options);
    if (!s.ok()) return Failure(err, s);
  }
  return 0;
}

int RunReportCommand(const std::vector<std::string>& args) {
  return RunReportCommand(args, std::cout, std::cerr);
}

int RunDiffCommand(const std::vector<std::string>& args) {
  return RunDiffCommand(args, std::cout, std::cerr);
}

}  // namespace allocprof
