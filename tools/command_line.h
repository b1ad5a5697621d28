// allocprof's command line: the options a command takes, each defined once
// with its type, its placeholder and its help, parsed into the variable it
// names. `allocprof`, `allocprof report` and `allocprof diff` all parse with
// a FlagSet, share the definitions of the options they have in common
// (output_flags.h), and generate their --help from the definitions.
//
// Spelling, the same for every command: --name VALUE, --name=VALUE, one
// dash or two, '-' or '_' inside a name (--min-age, --min_age); a switch is
// --name, off with --no-name or --noname, and takes no value; "--" ends the
// options; -h and --help ask for the usage.
#ifndef ALLOCPROF_TOOLS_COMMAND_LINE_H_
#define ALLOCPROF_TOOLS_COMMAND_LINE_H_

#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/flags/marshalling.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace allocprof {

class FlagSet {
 public:
  // `command` as it is typed ("allocprof report"), for messages; `synopsis`
  // the usage lines and `about` what the command does, for --help.
  FlagSet(std::string command, std::string synopsis, std::string about);

  // An option with a value of type T, parsed with T's AbslParseFlag
  // (flag_types.h for allocprof's own types) into *value, whose value now
  // is the default. A value that does not parse is refused with the sentence
  // AbslParseFlag gives, or else "NAME needs NEEDS, not "TEXT""; one that
  // parses but fails `valid` with "NAME needs NEEDS".
  template <typename T>
  void Add(absl::string_view name, T* value, absl::string_view placeholder,
           absl::string_view help, absl::string_view needs = "",
           std::function<bool(const T&)> valid = nullptr) {
    const std::string option = OptionName(name);
    const std::string needs_text(needs.empty() ? absl::StrCat("a value (", placeholder, ")")
                                               : needs);
    auto set = [=](absl::string_view text) -> absl::Status {
      T parsed{};
      std::string error;
      if (!absl::ParseFlag(text, &parsed, &error)) {
        return absl::InvalidArgumentError(
            error.empty() ? absl::StrCat(option, " needs ", needs_text, ", not \"", text, "\"")
                          : absl::StrCat(option, " ", error));
      }
      if (valid && !valid(parsed)) {
        return absl::InvalidArgumentError(absl::StrCat(option, " needs ", needs_text));
      }
      *value = std::move(parsed);
      return absl::OkStatus();
    };
    AddOption(name, placeholder, help, absl::UnparseFlag(*value), false, std::move(set));
  }

  // An option whose value `set` checks and keeps; its error is the whole
  // sentence. Given more than once only if `repeatable`.
  void AddChecked(absl::string_view name, absl::string_view placeholder,
                  absl::string_view help, bool repeatable,
                  std::function<absl::Status(absl::string_view)> set);

  // A switch: --name sets *value, --no-name clears it; the default is
  // *value now.
  void AddSwitch(absl::string_view name, bool* value, absl::string_view help);

  // Parses `args`, the words after the command's name, setting the options'
  // variables; the words that are no option, and every word after "--", go
  // to `operands` in order. The first misuse is returned as a sentence:
  // an unknown option, a missing or refused value, a switch given a value,
  // an option given twice.
  absl::Status Parse(const std::vector<std::string>& args,
                     std::vector<std::string>* operands);

  // Whether the command line named option `name` (or, for a switch, its
  // --no- form).
  bool Given(absl::string_view name) const;
  // Whether it asked for --help.
  bool help() const { return help_; }

  // The usage: synopsis, what the command does and every option, with its
  // placeholder, help and default.
  std::string Usage() const;

  // Misuse of the command line as one line on `err`,
  // "allocprof: MESSAGE (see COMMAND --help)"; returns exit status 2.
  int Misuse(std::ostream& err, absl::string_view message) const;

  // "-p" for a one-letter name, "--min-age" for others.
  static std::string OptionName(absl::string_view name);

 private:
  struct Option {
    std::string name;         // "min-age"
    std::string placeholder;  // "DURATION"; empty for a switch
    std::string help;
    std::string default_text;
    bool repeatable = false;
    bool* switch_value = nullptr;
    std::function<absl::Status(absl::string_view)> set;
    bool given = false;
  };

  void AddOption(absl::string_view name, absl::string_view placeholder,
                 absl::string_view help, std::string default_text, bool repeatable,
                 std::function<absl::Status(absl::string_view)> set);
  Option* Find(absl::string_view name);
  const Option* Find(absl::string_view name) const;

  std::string command_;
  std::string synopsis_;
  std::string about_;
  std::vector<Option> options_;
  bool help_ = false;
};

}  // namespace allocprof

#endif  // ALLOCPROF_TOOLS_COMMAND_LINE_H_
