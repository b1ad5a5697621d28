#include "tools/command_line.h"

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"

namespace allocprof {
namespace {

// Usage columns: options on the left, their help wrapped on the right.
constexpr size_t kHelpColumn = 26;
constexpr size_t kWidth = 80;

std::string Normalized(absl::string_view name) {
  std::string text(name);
  std::replace(text.begin(), text.end(), '_', '-');
  return text;
}

}  // namespace

FlagSet::FlagSet(std::string command, std::string synopsis, std::string about)
    : command_(std::move(command)), synopsis_(std::move(synopsis)), about_(std::move(about)) {}

std::string FlagSet::OptionName(absl::string_view name) {
  return absl::StrCat(name.size() == 1 ? "-" : "--", name);
}

void FlagSet::AddOption(absl::string_view name, absl::string_view placeholder,
                        absl::string_view help, std::string default_text, bool repeatable,
                        std::function<absl::Status(absl::string_view)> set) {
  Option option;
  option.name = Normalized(name);
  option.placeholder = std::string(placeholder);
  option.help = std::string(help);
  option.default_text = std::move(default_text);
  option.repeatable = repeatable;
  option.set = std::move(set);
  options_.push_back(std::move(option));
}

void FlagSet::AddChecked(absl::string_view name, absl::string_view placeholder,
                         absl::string_view help, bool repeatable,
                         std::function<absl::Status(absl::string_view)> set) {
  AddOption(name, placeholder, help, "", repeatable, std::move(set));
}

void FlagSet::AddSwitch(absl::string_view name, bool* value, absl::string_view help) {
  AddOption(name, "", help, *value ? "on" : "", false, nullptr);
  options_.back().switch_value = value;
}

FlagSet::Option* FlagSet::Find(absl::string_view name) {
  for (Option& option : options_) {
    if (option.name == name) return &option;
  }
  return nullptr;
}

const FlagSet::Option* FlagSet::Find(absl::string_view name) const {
  return const_cast<FlagSet*>(this)->Find(name);
}

bool FlagSet::Given(absl::string_view name) const {
  const Option* option = Find(Normalized(name));
  return option != nullptr && option->given;
}

absl::Status FlagSet::Parse(const std::vector<std::string>& args,
                            std::vector<std::string>* operands) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") {
      operands->insert(operands->end(), args.begin() + i + 1, args.end());
      break;
    }
    if (arg.size() < 2 || arg[0] != '-') {
      operands->push_back(arg);
      continue;
    }
    absl::string_view body = arg;
    body.remove_prefix(absl::StartsWith(body, "--") ? 2 : 1);
    const size_t eq = body.find('=');
    const bool has_value = eq != absl::string_view::npos;
    const std::string name = Normalized(body.substr(0, eq));
    absl::string_view value = has_value ? body.substr(eq + 1) : "";
    if (name == "help" || name == "h") {
      help_ = true;
      continue;
    }

    Option* option = Find(name);
    bool negated = false;
    if (option == nullptr && absl::StartsWith(name, "no")) {
      absl::string_view positive = absl::string_view(name).substr(2);
      absl::ConsumePrefix(&positive, "-");
      Option* candidate = Find(positive);
      if (candidate != nullptr && candidate->switch_value != nullptr) {
        option = candidate;
        negated = true;
      }
    }
    if (option == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown option ", absl::string_view(arg).substr(0, arg.find('='))));
    }
    const std::string spelled =
        negated ? absl::StrCat("--no-", option->name) : OptionName(option->name);
    if (option->given && !option->repeatable) {
      return absl::InvalidArgumentError(absl::StrCat(OptionName(option->name), " is given twice"));
    }
    option->given = true;
    if (option->switch_value != nullptr) {
      if (has_value) return absl::InvalidArgumentError(absl::StrCat(spelled, " takes no value"));
      *option->switch_value = !negated;
      continue;
    }
    if (!has_value) {
      if (i + 1 == args.size()) {
        return absl::InvalidArgumentError(absl::StrCat(spelled, " needs a value"));
      }
      value = args[++i];
    }
    if (absl::Status s = option->set(value); !s.ok()) return s;
  }
  return absl::OkStatus();
}

std::string FlagSet::Usage() const {
  std::string text = absl::StrCat("usage: ", synopsis_, "\n", about_, "\n\noptions:\n");
  auto add_line = [&text](std::string left, const std::string& help) {
    left = absl::StrCat("  ", left);
    if (left.size() + 2 > kHelpColumn) {
      absl::StrAppend(&text, left, "\n");
      left.clear();
    }
    left.resize(kHelpColumn, ' ');
    size_t column = kHelpColumn;
    absl::StrAppend(&text, left);
    bool first = true;
    for (absl::string_view word : absl::StrSplit(help, ' ', absl::SkipEmpty())) {
      if (!first && column + 1 + word.size() > kWidth) {
        absl::StrAppend(&text, "\n", std::string(kHelpColumn, ' '));
        column = kHelpColumn;
        first = true;
      }
      absl::StrAppend(&text, first ? "" : " ", word);
      column += (first ? 0 : 1) + word.size();
      first = false;
    }
    absl::StrAppend(&text, "\n");
  };
  for (const Option& option : options_) {
    std::string left = OptionName(option.name);
    if (!option.placeholder.empty()) absl::StrAppend(&left, " ", option.placeholder);
    std::string help = option.help;
    // A zero default is the option's absence (no PID, no peeking): not worth a
    // word.
    if (!option.default_text.empty() && option.default_text != "0" &&
        !absl::StrContains(help, "default")) {
      absl::StrAppend(&help, " (default ", option.default_text, ")");
    }
    add_line(std::move(left), help);
  }
  add_line("-h, --help", "this text");
  return text;
}

int FlagSet::Misuse(std::ostream& err, absl::string_view message) const {
  err << "allocprof: " << message << " (see " << command_ << " --help)\n";
  return 2;
}

}  // namespace allocprof
