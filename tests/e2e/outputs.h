// Reading allocprof's outputs as its interface defines them: the folded
// stacks file and the lines of the text report a test may parse.
#ifndef ALLOCPROF_TESTS_E2E_OUTPUTS_H_
#define ALLOCPROF_TESTS_E2E_OUTPUTS_H_

#include <stdint.h>

#include <optional>
#include <string>
#include <vector>

#include "userspace/profile/profile.h"

namespace allocprof::e2e {

// A folded or flame graph frame name without its source line:
// "leak_inline (inline_leaks.c:40)" -> "leak_inline". Names without one
// are returned as they are.
std::string WithoutLine(const std::string& name);

// The " (file:line)" a frame name ends in, split off: file is the base
// name as written, line 0 when the name has none.
struct NamedLine {
  std::string function;
  std::string file;
  int line = 0;
};
NamedLine SplitLine(const std::string& name);

// One line of folded output: "root;...;leaf BYTES".
struct FoldedStack {
  // Outermost caller first, leaf last, without their source lines
  // (WithoutLine), so that tests compare functions.
  std::vector<std::string> frames;
  std::vector<std::string> named;  // the same frames as written
  int64_t bytes = 0;
  std::string line;  // as written, for messages
};

struct Folded {
  std::vector<FoldedStack> stacks;
  std::vector<std::string> malformed;  // lines that are not "frames BYTES"
};

Folded ParseFolded(const std::string& text);

// Sum of the bytes of every stack that has `function` as one of its frames.
// Frames are compared whole: "leak_mmap" does not match "leak_mmap_hole".
int64_t BytesThrough(const Folded& folded, const std::string& function);
// The same of a profile read back (JSON or pprof): in-use bytes of the
// stacks that pass through `function`.
int64_t ProfileBytesThrough(const Profile& profile, const std::string& function);

// Stacks that have `function` as a frame, one a line, for messages.
std::string StacksThrough(const Folded& folded, const std::string& function);

// Whether some stack with bytes ends in "...;function;LEAF" with LEAF one of
// `leaves` (any leaf if `leaves` is empty): `function` called the allocator
// directly and the trace kept that frame. A final "syscall" frame is looked
// past: an allocator that interposes mmap makes the call through it.
bool CallsDirectly(const Folded& folded, const std::string& function,
                   const std::vector<std::string>& leaves);

// The figures of a text report. Each is taken from the last line of its
// kind, so with --interval the final report wins over the running summaries.
struct Report {
  std::optional<int64_t> outstanding_bytes, outstanding_objects;
  std::optional<int64_t> allocated_bytes, allocated_objects;
  std::optional<int64_t> freed_bytes, freed_objects;
  std::optional<int64_t> backing_bytes;
  std::optional<std::string> lost;  // after "Lost: "
  // "Mismatched frees: N blocks (B ...": blocks released through another
  // allocator family than the one that allocated them. The bytes are unset
  // when the line gives no "<number> B" after the blocks.
  std::optional<int64_t> mismatched_blocks, mismatched_bytes;
  // Index (in CompleteLines order) of the last "Outstanding:" line, or -1.
  int final_outstanding_line = -1;
};

Report ParseReport(const std::string& text);

// Index of the first line that is a running summary ("[<seconds>s]..."),
// or -1.
int FirstIntervalSummaryLine(const std::string& text);

// The outstanding bytes of every running summary in `text`
// ("[12.0s] outstanding 123456 B ..."), oldest first.
std::vector<int64_t> IntervalOutstandingBytes(const std::string& text);

}  // namespace allocprof::e2e

#endif  // ALLOCPROF_TESTS_E2E_OUTPUTS_H_
