#include "tools/command_line.h"

#include <algorithm>
#include <cmath>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/reflection.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/strip.h"
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

absl::StatusOr<uint64_t> ParseByteSize(absl::string_view text) {
  absl::string_view digits = text;
  absl::ConsumeSuffix(&digits, "iB") || absl::ConsumeSuffix(&digits, "B");
  int shift = 0;
  if (!digits.empty()) {
    switch (digits.back()) {
      case 'K': case 'k': shift = 10; break;
      case 'M': case 'm': shift = 20; break;
      case 'G': case 'g': shift = 30; break;
    }
    if (shift != 0) digits.remove_suffix(1);
  }
  uint64_t value = 0;
  if (digits.empty() || !absl::SimpleAtoi(digits, &value) ||
      value > (UINT64_MAX >> shift)) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", text, "' is not a size (512K, 1M, 4096)"));
  }
  return value << shift;
}

absl::StatusOr<uint64_t> ParseSampleBytes(absl::string_view text) {
  absl::StatusOr<uint64_t> bytes = ParseByteSize(text);
  if (!bytes.ok()) return bytes.status();
  if (*bytes > kMaxSampleBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", text, "' is more than the largest sampling interval, 1T (1099511627776)"));
  }
  return *bytes;
}

absl::StatusOr<absl::Duration> ParseSeconds(absl::string_view option, double seconds) {
  // NaN compares false with everything, so it is tested for by name.
  if (!std::isfinite(seconds) || seconds < 0 || seconds > kMaxSeconds) {
    return absl::InvalidArgumentError(absl::StrCat(
        option, " needs a number of seconds, 0 or more (at most a century), not ", seconds));
  }
  return absl::Seconds(seconds);
}

absl::StatusOr<double> ParseOverheadPercent(double percent) {
  if (!std::isfinite(percent) || percent < 0 || percent > 100) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--max-overhead needs a percentage of one core from 0 (no guard) to 100, not ", percent));
  }
  return percent / 100;
}

void NormalizeOptionNames(std::vector<std::string>* args) {
  for (size_t i = 1; i < args->size(); ++i) {
    std::string& arg = (*args)[i];
    if (arg == "--") break;
    if (!absl::StartsWith(arg, "--")) continue;
    const size_t end = std::min(arg.find('='), arg.size());
    for (size_t c = 2; c < end; ++c) {
      if (arg[c] == '-') arg[c] = '_';
    }
    // --no-java is absl's --nojava, as --no-sessions is --nosessions.
    if (absl::StartsWith(arg, "--no_")) arg.erase(4, 1);
  }
}

std::vector<std::string> TakeRepeatedOption(std::vector<std::string>* args,
                                            absl::string_view name,
                                            bool* missing) {
  const std::string flag = absl::StrCat("--", name);
  const std::string with_value = absl::StrCat(flag, "=");
  std::vector<std::string> values;
  std::vector<std::string> kept;
  for (size_t i = 0; i < args->size(); ++i) {
    const std::string& arg = (*args)[i];
    if (arg == "--") {
      kept.insert(kept.end(), args->begin() + i, args->end());
      break;
    }
    if (arg == flag) {
      if (i + 1 < args->size()) {
        values.push_back((*args)[++i]);
      } else {
        *missing = true;
      }
    } else if (absl::StartsWith(arg, with_value)) {
      values.push_back(arg.substr(with_value.size()));
    } else {
      kept.push_back(arg);
    }
  }
  *args = std::move(kept);
  return values;
}

}  // namespace allocprof
