// The types of allocprof's option values. Each is parsed, and refused, in
// one place: its AbslParseFlag, which FlagSet (command_line.h) calls for
// every option of that type. Errors are the rest of a sentence that starts
// with the option's name: "-d" + " needs a number of seconds ...".
#ifndef ALLOCPROF_TOOLS_FLAG_TYPES_H_
#define ALLOCPROF_TOOLS_FLAG_TYPES_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "userspace/profile/profile.h"

namespace allocprof {

// A number of seconds ("2.5"): 0 or more, at most kMaxSeconds. NaN and
// infinities are refused.
inline constexpr double kMaxSeconds = 100.0 * 365 * 24 * 3600;  // a century
struct Seconds {
  absl::Duration duration = absl::ZeroDuration();
};
bool AbslParseFlag(absl::string_view text, Seconds* seconds, std::string* error);
std::string AbslUnparseFlag(Seconds seconds);

// An age in absl's duration syntax ("30s", "500ms", "2m"): finite, 0 or
// more.
struct Age {
  absl::Duration duration = absl::ZeroDuration();
};
bool AbslParseFlag(absl::string_view text, Age* age, std::string* error);
std::string AbslUnparseFlag(Age age);

// "524288", "512K", "512KiB", "1M", "2G" (binary multiples) as bytes.
absl::StatusOr<uint64_t> ParseByteSize(absl::string_view text);
struct ByteSize {
  uint64_t bytes = 0;
};
bool AbslParseFlag(absl::string_view text, ByteSize* size, std::string* error);
std::string AbslUnparseFlag(ByteSize size);

// --sample-bytes: a byte size up to kMaxSampleBytes. A mean sampling
// interval beyond that would sample nothing, and near 2^64 its arithmetic
// overflows.
inline constexpr uint64_t kMaxSampleBytes = uint64_t{1} << 40;  // 1 TiB
absl::StatusOr<uint64_t> ParseSampleBytes(absl::string_view text);
struct SampleInterval {
  uint64_t bytes = 0;  // 0: every allocation
};
bool AbslParseFlag(absl::string_view text, SampleInterval* interval, std::string* error);
std::string AbslUnparseFlag(SampleInterval interval);

// A percentage of one core ("5", "2.5%"), 0 to 100, kept as the fraction
// it stands for. NaN and infinities are refused.
struct CorePercent {
  double fraction = 0;
};
bool AbslParseFlag(absl::string_view text, CorePercent* percent, std::string* error);
std::string AbslUnparseFlag(CorePercent percent);

// --mode: what is traced.
enum class TraceMode { kAllocs, kPages };
bool AbslParseFlag(absl::string_view text, TraceMode* mode, std::string* error);
std::string AbslUnparseFlag(TraceMode mode);

// --over-budget: what the guard does when the probes' traps alone cost more
// than --max-overhead.
enum class OverBudget { kPages, kSample };
bool AbslParseFlag(absl::string_view text, OverBudget* action, std::string* error);
std::string AbslUnparseFlag(OverBudget action);

// --unwind: how user stacks are taken.
enum class UnwindChoice { kAuto, kDwarf, kFp };
bool AbslParseFlag(absl::string_view text, UnwindChoice* unwind, std::string* error);
std::string AbslUnparseFlag(UnwindChoice unwind);

// --weight (profile.h): what folded values and flame graph widths count.
bool AbslParseFlag(absl::string_view text, Weight* weight, std::string* error);
std::string AbslUnparseFlag(Weight weight);

}  // namespace allocprof

#endif  // ALLOCPROF_TOOLS_FLAG_TYPES_H_
