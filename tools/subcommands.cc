#include "tools/subcommands.h"

#include <iostream>
#include <map>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "userspace/outputs/diff/diff_report.h"
#include "userspace/outputs/flamegraph/flamegraph.h"
#include "userspace/outputs/output_files.h"
#include "userspace/outputs/profile_file.h"
#include "userspace/outputs/replace_file.h"
#include "userspace/report/text_report.h"

namespace allocprof {
namespace {

constexpr char kReportUsage[] =
    "usage: allocprof report PROFILE [options]\n"
    "Prints the report of a saved profile (JSON or pprof).\n"
    "  --top N                 stacks shown (default 10)\n"
    "  --flamegraph FILE       also write a flame graph (.html or .svg)\n"
    "  --folded FILE           also write folded stacks (flamegraph.pl, "
    "inferno, speedscope)\n"
    "  --weight bytes|objects  what the flame graph and folded stacks "
    "measure (default bytes)\n"
    "  --inverted              draw the flame graph upside down (icicle: "
    "allocator on top)\n";

constexpr char kDiffUsage[] =
    "usage: allocprof diff BASE NEW [options]\n"
    "Prints the stacks whose in-use bytes grew most from profile BASE to "
    "profile NEW.\n"
    "  --top N                 stacks shown (default 10)\n"
    "  --flamegraph FILE       also write a differential flame graph (.html "
    "or .svg)\n";

constexpr int kDefaultTop = 10;

struct Option {
  const char* name;  // "--top"
  bool takes_value;
};

// A subcommand's arguments: the names of files, and the options given.
struct Arguments {
  std::vector<std::string> files;
  std::map<std::string, std::string> options;  // "--top" -> "5"; switches -> ""
  bool help = false;

  bool Has(const char* name) const { return options.count(name) != 0; }
  std::string Get(const char* name) const {
    auto it = options.find(name);
    return it == options.end() ? "" : it->second;
  }
};

// Fills `parsed`; returns the first misuse as a sentence, or "". Takes
// "--name VALUE", "--name=VALUE" and, as absl's flags do, one dash; "--"
// ends the options.
std::string ParseArguments(const std::vector<std::string>& args,
                           const std::vector<Option>& known, Arguments* parsed) {
  bool options_ended = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (options_ended || arg.size() < 2 || arg[0] != '-') {
      parsed->files.push_back(arg);
      continue;
    }
    if (arg == "--") {
      options_ended = true;
      continue;
    }
    std::string name = arg[1] == '-' ? arg : "-" + arg;
    if (name == "--help" || name == "--h") {
      parsed->help = true;
      continue;
    }
    std::string value;
    bool inline_value = false;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
      inline_value = true;
    }
    const Option* option = nullptr;
    for (const Option& o : known) {
      if (name == o.name) option = &o;
    }
    if (option == nullptr) return absl::StrCat("unknown option ", name);
    if (option->takes_value && !inline_value) {
      if (i + 1 == args.size()) return absl::StrCat(name, " needs a value");
      value = args[++i];
    } else if (!option->takes_value && inline_value) {
      return absl::StrCat(name, " takes no value");
    }
    if (!parsed->options.emplace(name, value).second) {
      return absl::StrCat(name, " is given twice");
    }
  }
  return "";
}

std::string ParseTop(const Arguments& args, int* top) {
  *top = kDefaultTop;
  if (!args.Has("--top")) return "";
  if (!absl::SimpleAtoi(args.Get("--top"), top) || *top < 1) {
    return absl::StrCat("--top needs a number of stacks (1 or more), not \"",
                        args.Get("--top"), "\"");
  }
  return "";
}

// The --flamegraph file name must say .html or .svg; found out before any
// profile is read.
std::string CheckFlameGraphPath(const Arguments& args) {
  if (!args.Has("--flamegraph")) return "";
  absl::StatusOr<FlameGraphFormat> format = FlameGraphFormatOf(args.Get("--flamegraph"));
  return format.ok() ? "" : std::string(format.status().message());
}

int Misuse(std::ostream& err, const std::string& message, const char* command) {
  err << "allocprof: " << message << " (see allocprof " << command << " --help)\n";
  return 2;
}

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
  constexpr const char* kCommand = "report";
  Arguments parsed;
  std::string misuse = ParseArguments(args,
                                      {{"--top", true},
                                       {"--flamegraph", true},
                                       {"--folded", true},
                                       {"--weight", true},
                                       {"--inverted", false}},
                                      &parsed);
  if (!misuse.empty()) return Misuse(err, misuse, kCommand);
  if (parsed.help) {
    out << kReportUsage;
    return 0;
  }
  if (parsed.files.size() != 1) {
    return Misuse(err,
                  parsed.files.empty()
                      ? "report needs the saved profile to read"
                      : absl::StrCat("report reads one profile, not ",
                                     parsed.files.size(),
                                     " (to compare two, use allocprof diff)"),
                  kCommand);
  }
  int top;
  if (misuse = ParseTop(parsed, &top); !misuse.empty()) return Misuse(err, misuse, kCommand);
  if (misuse = CheckFlameGraphPath(parsed); !misuse.empty()) {
    return Misuse(err, misuse, kCommand);
  }
  OutputFiles files;
  files.flamegraph = parsed.Get("--flamegraph");
  files.folded = parsed.Get("--folded");
  if (parsed.Has("--weight")) {
    std::string weight = parsed.Get("--weight");
    if (weight == "objects") {
      files.weight = Weight::kObjects;
    } else if (weight != "bytes") {
      return Misuse(err,
                    absl::StrCat("--weight is bytes or objects, not \"", weight, "\""),
                    kCommand);
    }
    if (!parsed.Has("--flamegraph") && !parsed.Has("--folded")) {
      return Misuse(err, "--weight applies to --flamegraph and --folded", kCommand);
    }
  }
  files.inverted = parsed.Has("--inverted");
  if (files.inverted && !parsed.Has("--flamegraph")) {
    return Misuse(err, "--inverted applies to --flamegraph", kCommand);
  }

  // A path that cannot be written fails before the profile is read.
  if (absl::Status s = PrepareOutputFiles(files); !s.ok()) return Failure(err, s);
  absl::StatusOr<Profile> profile = ReadProfileFile(parsed.files[0]);
  if (!profile.ok()) return Failure(err, profile.status());
  WriteTextReport(out, *profile, top);
  out.flush();
  if (absl::Status s = WriteOutputFiles(*profile, files); !s.ok()) return Failure(err, s);
  return 0;
}

int RunDiffCommand(const std::vector<std::string>& args, std::ostream& out,
                   std::ostream& err) {
  constexpr const char* kCommand = "diff";
  Arguments parsed;
  std::string misuse =
      ParseArguments(args, {{"--top", true}, {"--flamegraph", true}}, &parsed);
  if (!misuse.empty()) return Misuse(err, misuse, kCommand);
  if (parsed.help) {
    out << kDiffUsage;
    return 0;
  }
  if (parsed.files.size() != 2) {
    return Misuse(err,
                  absl::StrCat("diff compares two profiles, BASE and NEW; given ",
                               parsed.files.size()),
                  kCommand);
  }
  int top;
  if (misuse = ParseTop(parsed, &top); !misuse.empty()) return Misuse(err, misuse, kCommand);
  if (misuse = CheckFlameGraphPath(parsed); !misuse.empty()) {
    return Misuse(err, misuse, kCommand);
  }

  if (parsed.Has("--flamegraph")) {
    absl::Status s = CheckReplaceable("--flamegraph", parsed.Get("--flamegraph"));
    if (!s.ok()) return Failure(err, s);
  }
  absl::StatusOr<Profile> base = ReadProfileFile(parsed.files[0]);
  if (!base.ok()) return Failure(err, base.status());
  absl::StatusOr<Profile> now = ReadProfileFile(parsed.files[1]);
  if (!now.ok()) return Failure(err, now.status());
  WriteDiffReport(out, *base, *now, static_cast<size_t>(top));
  out.flush();
  if (parsed.Has("--flamegraph")) {
    absl::Status s = WriteDiffFlameGraphFile(parsed.Get("--flamegraph"), *base,
                                             *now, FlameGraphOptions());
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
