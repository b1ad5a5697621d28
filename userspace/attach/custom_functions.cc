#include "userspace/attach/custom_functions.h"

#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "bpf/events.h"

namespace allocprof {
namespace {

absl::Status Invalid(absl::string_view flag, absl::string_view spec,
                     absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("--", flag, " '", spec, "': ", why));
}

// "ARG3" (any case) -> 3, for ARG1..ARG6.
bool ParseArg(absl::string_view text, uint8_t* n) {
  if (text.size() != 4 || !absl::EqualsIgnoreCase(text.substr(0, 3), "arg")) {
    return false;
  }
  int value = 0;
  if (!absl::SimpleAtoi(text.substr(3), &value) || value < 1 ||
      value > AP_MAX_ARG) {
    return false;
  }
  *n = static_cast<uint8_t>(value);
  return true;
}

// Splits OBJECT:SYMBOL:FIELD[:FIELD...] and checks the first two.
absl::Status SplitSpec(absl::string_view flag, absl::string_view spec,
                       CustomFunction* f, std::vector<std::string>* fields) {
  std::vector<std::string> parts = absl::StrSplit(spec, ':');
  if (parts.size() < 3 || parts[0].empty() || parts[1].empty()) {
    return Invalid(flag, spec, flag == "alloc-fn"
                                   ? "expected OBJECT:SYMBOL:size=ARGn[:count=ARGm][:ret|:out=ARGm]"
                                   : "expected OBJECT:SYMBOL:ptr=ARGn");
  }
  f->object = parts[0];
  f->symbol = parts[1];
  f->spec = std::string(spec);
  fields->assign(parts.begin() + 2, parts.end());
  return absl::OkStatus();
}

}  // namespace

bool CustomFunction::InObject(absl::string_view path) const {
  if (path == object) return true;
  const size_t slash = path.rfind('/');
  return slash != absl::string_view::npos && path.substr(slash + 1) == object;
}

absl::StatusOr<CustomFunction> ParseAllocFn(absl::string_view spec) {
  CustomFunction f;
  std::vector<std::string> fields;
  absl::Status s = SplitSpec("alloc-fn", spec, &f, &fields);
  if (!s.ok()) return s;
  f.shape.kind = AP_KIND_ALLOC;
  std::vector<std::string> seen;
  for (const std::string& field : fields) {
    std::pair<std::string, std::string> kv = absl::StrSplit(field, absl::MaxSplits('=', 1));
    // The block comes back either as the return value or through an out
    // argument: with both, one of them would be silently ignored.
    const std::string key = kv.first == "ret" ? "out" : kv.first;
    for (const std::string& earlier : seen) {
      if (earlier != key) continue;
      return Invalid("alloc-fn", spec,
                     key == "out" ? "give either ret or out=ARGn, not both"
                                  : absl::StrCat("'", kv.first, "' is given twice"));
    }
    seen.push_back(key);
    uint8_t* arg = nullptr;
    if (kv.first == "ret" && kv.second.empty()) {
      f.shape.out_arg = 0;
      continue;
    } else if (kv.first == "size") {
      arg = &f.shape.size_arg;
    } else if (kv.first == "count") {
      arg = &f.shape.count_arg;
    } else if (kv.first == "out") {
      arg = &f.shape.out_arg;
    } else {
      return Invalid("alloc-fn", spec,
                     absl::StrCat("unknown field '", field,
                                  "' (size=ARGn, count=ARGn, ret, out=ARGn)"));
    }
    if (!ParseArg(kv.second, arg)) {
      return Invalid("alloc-fn", spec,
                     absl::StrCat("'", field, "': expected ARG1 to ARG", AP_MAX_ARG));
    }
  }
  if (f.shape.size_arg == 0) return Invalid("alloc-fn", spec, "size=ARGn is required");
  return f;
}

absl::StatusOr<CustomFunction> ParseFreeFn(absl::string_view spec) {
  CustomFunction f;
  std::vector<std::string> fields;
  absl::Status s = SplitSpec("free-fn", spec, &f, &fields);
  if (!s.ok()) return s;
  f.shape.kind = AP_KIND_FREE;
  if (fields.size() != 1 || !absl::StartsWith(fields[0], "ptr=") ||
      !ParseArg(absl::string_view(fields[0]).substr(4), &f.shape.ptr_arg)) {
    return Invalid("free-fn", spec,
                   absl::StrCat("expected ptr=ARGn with n from 1 to ", AP_MAX_ARG));
  }
  return f;
}

}  // namespace allocprof
