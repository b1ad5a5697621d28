// The names and version of the JSON profile format, shared by its writer
// and reader. The format is described field by field in docs/json-schema.md.
#ifndef ALLOCPROF_USERSPACE_OUTPUTS_JSON_JSON_SCHEMA_H_
#define ALLOCPROF_USERSPACE_OUTPUTS_JSON_JSON_SCHEMA_H_

#include "userspace/aggregate/usage.h"
#include "userspace/profile/profile.h"

namespace allocprof {

// The "schema" field: a reader given some other JSON document says so
// instead of reading an empty profile out of it.
inline constexpr char kJsonSchemaName[] = "allocprof-profile";

// The "version" field. A minor version only adds fields, which older
// readers ignore; a new major version changes or removes fields, so a
// reader refuses majors newer than its own.
inline constexpr int kJsonSchemaMajor = 1;
inline constexpr int kJsonSchemaMinor = 3;

// Keys of the per-MemKind objects ("inuse_bytes_by_kind", the outstanding
// totals), in MemKind order. Keys rather than an array so that a script
// reads `.heap` and a future kind cannot shift the others.
inline constexpr const char* kJsonMemKindKeys[kMemKinds] = {
    "heap", "anon_mmap", "file_mmap", "brk", "pages"};

// Keys of "age_objects", in age bucket order (see kAgeBuckets).
inline constexpr const char* kJsonAgeKeys[kAgeBuckets] = {
    "lt_1s", "lt_10s", "lt_1min", "lt_10min", "older"};

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_OUTPUTS_JSON_JSON_SCHEMA_H_
