// Checks the command line before absl parses it, so that a misused option
// gets allocprof's own one-line error and exit code 2 (absl's parser prints
// "ERROR: ..." and exits 1).
#ifndef ALLOCPROF_TOOLS_COMMAND_LINE_H_
#define ALLOCPROF_TOOLS_COMMAND_LINE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace allocprof {

// The first problem absl's parser would stop at -- an unknown option, a
// missing or unparsable value -- as a sentence, or "" when there is none.
// Arguments after "--" belong to the command and are not looked at.
std::string FindCommandLineError(int argc, char** argv);

// Long option names may be spelled with '-' or '_' (--min-age, --min_age);
// absl knows them by '_'. Rewrites the names (not the values) of `args`
// before "--"; --no-NAME is absl's --noNAME.
void NormalizeOptionNames(std::vector<std::string>* args);

// Takes every "--NAME VALUE" and "--NAME=VALUE" before "--" out of `args`
// and returns the values in order: options that may be given many times,
// which absl's parser would reduce to the last one. A missing value is
// returned as *missing = true.
std::vector<std::string> TakeRepeatedOption(std::vector<std::string>* args,
                                            absl::string_view name,
                                            bool* missing);

// "524288", "512K", "512KiB", "1M", "2G" (binary multiples) as bytes.
absl::StatusOr<uint64_t> ParseByteSize(absl::string_view text);

// --sample-bytes: a byte size up to kMaxSampleBytes. A mean sampling
// interval beyond that would sample nothing, and near 2^64 its arithmetic
// overflows.
inline constexpr uint64_t kMaxSampleBytes = uint64_t{1} << 40;  // 1 TiB
absl::StatusOr<uint64_t> ParseSampleBytes(absl::string_view text);

// `seconds`, the value of `option` (e.g. "-d"), as a duration: NaN,
// infinities and negative numbers are refused with a sentence naming the
// option, as is anything beyond kMaxSeconds.
inline constexpr double kMaxSeconds = 100.0 * 365 * 24 * 3600;  // a century
absl::StatusOr<absl::Duration> ParseSeconds(absl::string_view option, double seconds);

// --max-overhead: a percentage of one core, 0 (no guard) to 100, as the
// fraction it stands for. NaN and infinities are refused.
absl::StatusOr<double> ParseOverheadPercent(double percent);

}  // namespace allocprof

#endif  // ALLOCPROF_TOOLS_COMMAND_LINE_H_
