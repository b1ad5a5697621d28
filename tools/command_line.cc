#include "tools/command_line.h"

#include "absl/flags/commandlineflag.h"
#include "absl/flags/reflection.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace allocprof {
namespace {

bool IsAbslBuiltin(absl::string_view name) {
  for (absl::string_view builtin :
       {"help", "helpfull", "helpshort", "helppackage", "helpmatch", "helpon",
        "version", "only_check_args", "flagfile", "fromenv", "tryfromenv",
        "undefok"}) {
    if (name == builtin) return true;
  }
  return false;
}

}  // namespace

std::string FindCommandLineError(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (arg == "--") break;
    if (arg.size() < 2 || arg[0] != '-') continue;  // a positional argument
    absl::string_view spelled = arg;
    arg.remove_prefix(absl::StartsWith(arg, "--") ? 2 : 1);
    absl::string_view name = arg.substr(0, arg.find('='));
    bool has_value = name.size() != arg.size();
    absl::string_view value = has_value ? arg.substr(name.size() + 1) : "";

    // absl's own flags (--help, --helpfull, --version, --flagfile ...) are
    // handled by its parser.
    if (IsAbslBuiltin(name)) continue;
    absl::string_view dashes = spelled.substr(0, spelled.size() - arg.size());
    absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    // --nofoo turns a boolean foo off.
    if (flag == nullptr && absl::StartsWith(name, "no")) {
      absl::CommandLineFlag* negated = absl::FindCommandLineFlag(name.substr(2));
      if (negated != nullptr && negated->IsOfType<bool>() && !has_value) continue;
    }
    if (flag == nullptr) {
      return absl::StrCat("unknown option ", spelled.substr(0, spelled.find('=')));
    }
    if (flag->IsOfType<bool>() && !has_value) continue;
    if (!has_value) {
      if (i + 1 >= argc) return absl::StrCat("option ", spelled, " needs a value");
      value = argv[++i];
    }
    std::string error;
    if (!flag->ParseFrom(value, &error)) {
      return absl::StrCat("bad value '", value, "' for ", dashes, name);
    }
  }
  return "";
}

}  // namespace allocprof
