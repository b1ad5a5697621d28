// A finished profile: named stacks with their values plus what the session
// knows about itself. Every output is written from a Profile, and every
// saved profile (JSON, pprof) is read back into one, so a profile taken on
// a production host renders the same way on a laptop.
#ifndef ALLOCPROF_USERSPACE_PROFILE_PROFILE_H_
#define ALLOCPROF_USERSPACE_PROFILE_PROFILE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "userspace/aggregate/usage.h"

namespace allocprof {

// What a frame's code is, for colouring and for telling the reader where to
// look. Stable numbering: JSON stores the name (see FrameKindName).
enum class FrameKind : uint8_t {
  kProgram = 0,    // the target's own executable
  kLibrary = 1,    // a shared library
  kAllocator = 2,  // the probed allocator function itself (the leaf)
  kJit = 3,        // JIT-compiled code (perf map) or anonymous code
  kUnknown = 4,    // no module or no symbol
  kPython = 5,     // a Python function CPython's interpreter runs
};
inline constexpr int kFrameKinds = 6;
const char* FrameKindName(FrameKind kind);           // "program", "library", ...
bool ParseFrameKind(const std::string& name, FrameKind* kind);

// One frame of a stack. A return address whose code the compiler inlined
// other functions into is several frames: the inlined functions, innermost
// first, each marked `inlined`, then the function whose code it is. They
// share the address, module, offset and kind.
struct ProfileFrame {
  std::string function;  // demangled; empty when unknown
  std::string module;    // path of the object as the target sees it; "" unknown
  uint64_t address = 0;  // runtime address (return addresses as returned)
  // From the start of the function whose code holds the address, else
  // within the module.
  uint64_t offset = 0;
  FrameKind kind = FrameKind::kUnknown;
  // Source file (as the debug information names it) and line, from DWARF;
  // "" and 0 when unknown. For a return address, the line of the call.
  std::string file;
  uint32_t line = 0;
  // A function inlined into the next frame (its caller) at this address.
  bool inlined = false;
  // "function", else "basename(module)+0x<offset>", else "0x<address>";
  // never empty.
  std::string DisplayName() const;
  // DisplayName() and, when the line is known, " (file:line)": the file's
  // base name, or its full path with `full_path`; then " [python]" for a
  // Python function.
  std::string NameWithLine(bool full_path = false) const;
};

// The four values of a stack, pprof's heap profile convention.
struct ProfileValues {
  int64_t inuse_bytes = 0;    // outstanding now
  int64_t inuse_objects = 0;
  int64_t alloc_bytes = 0;    // allocated during the session, freed or not
  int64_t alloc_objects = 0;
};

// Coarse ages of outstanding allocations: < 1 s, < 10 s, < 1 min,
// < 10 min, older.
inline constexpr int kAgeBuckets = 5;
// Power-of-two size classes: class i holds sizes in [2^i, 2^(i+1)); class 0
// also holds size 0.
inline constexpr int kSizeClasses = 64;

// The first bytes of one outstanding allocation, read from the target at the
// end of the session (--peek).
struct PeekedBlock {
  uint64_t address = 0;
  uint64_t size = 0;    // of the allocation
  int64_t age_ns = 0;
  std::string bytes;    // what was read; empty when it could not be
  std::string error;    // why it could not be read ("target exited"); "" if read
};

// What tells a leak from a cache: how old a stack's outstanding memory is,
// what sizes it comes in, how it grew and what it holds.
struct StackEvidence {
  // Ages of the oldest and newest outstanding allocation at the end of the
  // session; 0 when nothing is outstanding.
  int64_t oldest_age_ns = 0;
  int64_t newest_age_ns = 0;
  int64_t age_objects[kAgeBuckets] = {};
  int64_t size_objects[kSizeClasses] = {};
  // The most frequent exact size among outstanding allocations (smallest
  // first on ties) and how many have it; 0 when nothing is outstanding.
  uint64_t common_size = 0;
  int64_t common_size_objects = 0;
  // Resident bytes (as /proc/PID/smaps counts them) of the stack's
  // outstanding mappings and brk growth; -1: unknown or none.
  int64_t resident_bytes = -1;
  // Outstanding bytes at each of Profile::growth_seconds.
  std::vector<int64_t> growth;
  std::vector<PeekedBlock> peeks;
};

struct ProfileStack {
  std::vector<ProfileFrame> frames;  // leaf (the allocator function) first
  ProfileValues values;
  // Outstanding bytes by MemKind (heap, anon mmap, file mmap, brk, pages).
  int64_t inuse_bytes_by_kind[kMemKinds] = {};
  // The kernel could not capture the stack; `frames` holds the recovered
  // caller at most. Writers show a "[stack lost]" root frame.
  bool lost = false;
  StackEvidence evidence;
};

// The target's memory as /proc/PID/status tells it; -1: unknown.
struct MemoryStatus {
  int64_t rss_bytes = -1;   // VmRSS
  int64_t anon_bytes = -1;  // RssAnon
};

// The target's resident memory at the start and the end of the session, to
// set the traced figures against.
struct ResidentMemory {
  MemoryStatus start;
  MemoryStatus end;
  std::string end_missing;  // why there are no end figures ("the target exited")
};

// An object mapped into the target, for pprof's mapping table.
struct ProfileMapping {
  uint64_t start = 0;
  uint64_t limit = 0;        // exclusive
  uint64_t file_offset = 0;
  std::string path;
  std::string build_id;      // GNU build ID, lowercase hex; "" if none
};

// One --interval sample of the session's totals.
struct IntervalSample {
  double seconds = 0;        // since tracing began
  int64_t outstanding_bytes = 0;
  int64_t outstanding_objects = 0;
  uint64_t alloc_bytes = 0;
  uint64_t freed_bytes = 0;
};

// Something that was lost, by name: "events (ring buffer full)" -> 12.
struct LossCount {
  std::string what;
  uint64_t count = 0;
};
// LossCount::what of the stacks that end in a [truncated] frame: their
// bytes are counted, their outer frames are missing.
inline constexpr char kTruncatedStacksLoss[] = "stacks truncated";

// Which value a picture is drawn by.
enum class Weight { kBytes, kObjects };
// The value of `values` a Weight selects (the in-use one).
int64_t InuseValue(const ProfileValues& values, Weight weight);

// The stack as text, outermost caller first, names with their lines
// (ProfileFrame::NameWithLine) joined by ';' (each made safe with
// FoldedFrameName), with a "[stack lost]" root for lost stacks:
// the identity under which stacks of two profiles are compared and folded
// lines are written.
std::string StackPath(const ProfileStack& stack);

// A frame name made safe for ';'-joined stack text: ';' and line breaks
// become '_'; never empty.
std::string FoldedFrameName(const std::string& name);

// The overhead guard (--max-overhead) changed the sampling mean.
struct SamplingChange {
  double at_seconds = 0;      // since tracing began
  uint64_t from_mean = 0;     // 0: every allocation was traced
  uint64_t to_mean = 0;
  double probe_fraction = 0;  // the estimate that called for it (of a core)
};

// One of the guard's windows: the probes' estimated share of one core.
struct OverheadWindow {
  double end_seconds = 0;
  double probe_fraction = 0;
  uint64_t mean = 0;  // the sampling mean during the window
};

// What the probes cost the target, as the overhead guard estimated it from
// their hits, the measured cost of a hit and the kernel's run-time figures.
struct ProbeOverhead {
  double budget = 0;  // --max-overhead, a fraction of one core; 0: off
  double probe_seconds = 0;       // time the target spent in probes
  double target_cpu_seconds = 0;  // the target's CPU time while traced
  // The traps alone cost more than the budget: sampling could not help.
  bool traps_exceed_budget = false;
  std::vector<SamplingChange> changes;
  std::vector<OverheadWindow> windows;
};

struct Profile {
  std::string target;                     // "PID 4242 (redis-server)"
  std::vector<std::string> command_line;  // the target's argv, when known
  int64_t start_unix_ns = 0;              // when tracing began
  int64_t duration_ns = 0;
  uint64_t events = 0;
  Totals totals;
  uint64_t loader_mappings = 0;           // see EventSink::loader_mappings()
  // With Totals::mismatched_frees: "allocated by new/delete in
  // libstdc++.so.6, released by malloc/free in libc.so.6", the first case.
  std::string mismatch_example;
  // --sample-bytes: mean bytes between samples at the end (the overhead
  // guard may have raised it: see overhead.changes); 0 when every
  // allocation was traced. Heap figures are then estimates.
  uint64_t sample_bytes = 0;
  ProbeOverhead overhead;
  // --mode pages: the size of the pages counted (outstanding bytes are
  // resident pages, objects are page faults); 0 when allocator calls and
  // mappings were traced.
  uint64_t page_bytes = 0;
  std::vector<LossCount> losses;          // empty: nothing lost
  std::vector<std::string> notes;         // benign facts, one line each
  std::vector<ProfileMapping> mappings;
  // Every stack that allocated during the session, largest inuse_bytes first.
  std::vector<ProfileStack> stacks;
  std::vector<IntervalSample> intervals;  // empty without --interval
  // When every stack's StackEvidence::growth was sampled, seconds since
  // tracing began; the last one is the end of the session.
  std::vector<double> growth_seconds;
  // --min-age: in-use values and outstanding totals count only allocations
  // at least this old at the end; 0: all.
  int64_t min_age_ns = 0;
  ResidentMemory memory;

  bool lossy() const { return !losses.empty(); }
};

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_PROFILE_PROFILE_H_
