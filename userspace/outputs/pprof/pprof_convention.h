// What allocprof's pprof files say beyond the schema: the value types, the
// label of lost stacks, the root frame they get. The writer and the reader
// share these so the two cannot drift apart.
#ifndef ALLOCPROF_USERSPACE_OUTPUTS_PPROF_PPROF_CONVENTION_H_
#define ALLOCPROF_USERSPACE_OUTPUTS_PPROF_PPROF_CONVENTION_H_

#include <cstdint>
#include <string>

#include "userspace/aggregate/usage.h"

namespace allocprof {

// Go's heap profile (runtime/pprof): the four values of every sample, in
// this order. Pyroscope, Parca and Grafana recognise a heap profile by these
// names, so they are spelled exactly as Go spells them.
inline constexpr int kPprofValues = 4;
inline constexpr const char* kPprofSampleType[kPprofValues] = {
    "alloc_objects", "alloc_space", "inuse_objects", "inuse_space"};
inline constexpr const char* kPprofSampleUnit[kPprofValues] = {
    "count", "bytes", "count", "bytes"};
inline constexpr char kPprofDefaultSampleType[] = "inuse_space";

// A stack the kernel could not capture carries this label, and its
// outermost location is a function of this name, so flame graphs that
// ignore labels still set the stack apart.
inline constexpr char kPprofLostLabelKey[] = "stack";
inline constexpr char kPprofLostLabelValue[] = "lost";
inline constexpr char kPprofLostRootName[] = "[stack lost]";

// Frames of code that is no file, whose module is a name in brackets
// ("[python]", "[jit]"), sit in a mapping of that name with no address
// range when they have source lines (a line's function names the source
// file, so the module must come from the mapping). Readers take such a
// mapping for that kind of frame, not for an object of the target's.
inline bool IsPprofPseudoModule(const std::string& module, uint64_t start, uint64_t limit) {
  return start == 0 && limit == 0 && module.size() > 2 && module.front() == '[' &&
         module.back() == ']';
}

// Where a stack's in-use bytes live (ProfileStack::inuse_bytes_by_kind, by
// MemKind), as numeric sample labels in bytes.
inline constexpr const char* kPprofKindLabelKey[kMemKinds] = {
    "inuse_heap", "inuse_anon_mmap", "inuse_file_mmap", "inuse_brk",
    "inuse_pages"};

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_OUTPUTS_PPROF_PPROF_CONVENTION_H_
