// What allocprof's pprof files say beyond the schema: the value types, the
// label of lost stacks, the root frame they get. The writer and the reader
// share these so the two cannot drift apart.
#ifndef ALLOCPROF_USERSPACE_OUTPUTS_PPROF_PPROF_CONVENTION_H_
#define ALLOCPROF_USERSPACE_OUTPUTS_PPROF_PPROF_CONVENTION_H_

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

// Where a stack's in-use bytes live (ProfileStack::inuse_bytes_by_kind, by
// MemKind), as numeric sample labels in bytes.
inline constexpr const char* kPprofKindLabelKey[kMemKinds] = {
    "inuse_heap", "inuse_anon_mmap", "inuse_file_mmap", "inuse_brk",
    "inuse_pages"};

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_OUTPUTS_PPROF_PPROF_CONVENTION_H_
