#include "tools/flag_types.h"

#include <cmath>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace allocprof {
namespace {

// One of `names` (indexed by the enum's value), or false with the sentence
// that lists them.
template <typename Enum, size_t N>
bool ParseName(absl::string_view text, const char* const (&names)[N], Enum* value,
               std::string* error) {
  for (size_t i = 0; i < N; ++i) {
    if (text == names[i]) {
      *value = static_cast<Enum>(i);
      return true;
    }
  }
  *error = "must be ";
  for (size_t i = 0; i < N; ++i) {
    absl::StrAppend(error, i == 0 ? "" : i + 1 == N ? " or " : ", ", names[i]);
  }
  return false;
}

constexpr const char* kTraceModes[] = {"allocs", "pages"};
constexpr const char* kUnwindChoices[] = {"auto", "dwarf", "fp"};
constexpr const char* kOverBudgetActions[] = {"pages", "sample"};
constexpr const char* kWeights[] = {"bytes", "objects"};

}  // namespace

bool AbslParseFlag(absl::string_view text, Seconds* seconds, std::string* error) {
  double value = 0;
  // NaN compares false with everything, so it is tested for by name.
  if (!absl::SimpleAtod(text, &value) || !std::isfinite(value) || value < 0 ||
      value > kMaxSeconds) {
    *error = absl::StrCat(
        "needs a number of seconds, 0 or more (at most a century), not ", text);
    return false;
  }
  seconds->duration = absl::Seconds(value);
  return true;
}

std::string AbslUnparseFlag(Seconds seconds) {
  return absl::StrCat(absl::ToDoubleSeconds(seconds.duration));
}

bool AbslParseFlag(absl::string_view text, Age* age, std::string* error) {
  absl::Duration value;
  if (!absl::ParseDuration(text, &value) || value < absl::ZeroDuration() ||
      value == absl::InfiniteDuration()) {
    *error = "needs a duration such as 30s, 500ms or 2m";
    return false;
  }
  age->duration = value;
  return true;
}

std::string AbslUnparseFlag(Age age) { return absl::FormatDuration(age.duration); }

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
        absl::StrCat("needs a size such as 512K, 1M or 4096, not '", text, "'"));
  }
  return value << shift;
}

bool AbslParseFlag(absl::string_view text, ByteSize* size, std::string* error) {
  absl::StatusOr<uint64_t> bytes = ParseByteSize(text);
  if (!bytes.ok()) {
    *error = std::string(bytes.status().message());
    return false;
  }
  size->bytes = *bytes;
  return true;
}

std::string AbslUnparseFlag(ByteSize size) {
  if (size.bytes == 0) return "0";
  for (auto [shift, suffix] : {std::pair{30, "G"}, std::pair{20, "M"}, std::pair{10, "K"}}) {
    if (size.bytes % (uint64_t{1} << shift) == 0) {
      return absl::StrCat(size.bytes >> shift, suffix);
    }
  }
  return absl::StrCat(size.bytes);
}

absl::StatusOr<uint64_t> ParseSampleBytes(absl::string_view text) {
  absl::StatusOr<uint64_t> bytes = ParseByteSize(text);
  if (!bytes.ok()) return bytes.status();
  if (*bytes > kMaxSampleBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "needs a sampling interval of at most 1T (1099511627776), not '", text, "'"));
  }
  return *bytes;
}

bool AbslParseFlag(absl::string_view text, SampleInterval* interval, std::string* error) {
  absl::StatusOr<uint64_t> bytes = ParseSampleBytes(text);
  if (!bytes.ok()) {
    *error = std::string(bytes.status().message());
    return false;
  }
  interval->bytes = *bytes;
  return true;
}

std::string AbslUnparseFlag(SampleInterval interval) {
  return AbslUnparseFlag(ByteSize{interval.bytes});
}

bool AbslParseFlag(absl::string_view text, CorePercent* percent, std::string* error) {
  absl::string_view number = text;
  absl::ConsumeSuffix(&number, "%");
  double value = 0;
  if (!absl::SimpleAtod(number, &value) || !std::isfinite(value) || value < 0 ||
      value > 100) {
    *error = absl::StrCat(
        "needs a percentage of one core from 0 (no guard) to 100, not ", text);
    return false;
  }
  percent->fraction = value / 100;
  return true;
}

std::string AbslUnparseFlag(CorePercent percent) {
  return absl::StrCat(percent.fraction * 100);
}

bool AbslParseFlag(absl::string_view text, TraceMode* mode, std::string* error) {
  return ParseName(text, kTraceModes, mode, error);
}

std::string AbslUnparseFlag(TraceMode mode) { return kTraceModes[static_cast<int>(mode)]; }

bool AbslParseFlag(absl::string_view text, OverBudget* action, std::string* error) {
  return ParseName(text, kOverBudgetActions, action, error);
}

std::string AbslUnparseFlag(OverBudget action) {
  return kOverBudgetActions[static_cast<int>(action)];
}

bool AbslParseFlag(absl::string_view text, UnwindChoice* unwind, std::string* error) {
  return ParseName(text, kUnwindChoices, unwind, error);
}

std::string AbslUnparseFlag(UnwindChoice unwind) {
  return kUnwindChoices[static_cast<int>(unwind)];
}

bool AbslParseFlag(absl::string_view text, Weight* weight, std::string* error) {
  return ParseName(text, kWeights, weight, error);
}

std::string AbslUnparseFlag(Weight weight) { return kWeights[static_cast<int>(weight)]; }

}  // namespace allocprof
