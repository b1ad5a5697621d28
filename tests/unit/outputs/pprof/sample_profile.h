// A synthetic Profile that exercises what the pprof format must carry:
// names with ';', spaces, non-ASCII text and a long C++ template name,
// frames without a function or a module, JIT code, a lost stack, frames
// shared between stacks, and every session fact.
#ifndef ALLOCPROF_TESTS_UNIT_OUTPUTS_PPROF_SAMPLE_PROFILE_H_
#define ALLOCPROF_TESTS_UNIT_OUTPUTS_PPROF_SAMPLE_PROFILE_H_

#include <cstdint>
#include <string>

#include "userspace/profile/profile.h"

namespace allocprof {

inline constexpr char kProgramPath[] = "/usr/bin/redis-server";
inline constexpr char kLibcPath[] = "/usr/lib/x86_64-linux-gnu/libc.so.6";
inline constexpr char kLibstdcxxPath[] = "/usr/lib/x86_64-linux-gnu/libstdc++.so.6";
inline constexpr char kProgramBuildId[] = "0123456789abcdef0123456789abcdef01234567";
inline constexpr char kLibcBuildId[] = "89abcdef0123456789abcdef0123456789abcdef";

inline constexpr char kSemicolonName[] = "parse;config value(char const*)";
inline constexpr char kUnicodeName[] = "größe_berechnen_日本語(int)";

// ~1 KB of nested templates, as demangled C++ names get.
std::string LongTemplateName();

// Mappings: 1 the program (two segments), 2 libc, 3 libstdc++.
// Stacks, largest in-use bytes first:
//   [0] malloc <- long template <- read_value, next_token (inlined, with
//       lines) <- kSemicolonName (line) <- kUnicodeName (line) <- main
//   [1] calloc <- libc frame with no function <- frame with no module
//   [2] lost: the recovered caller "worker_loop" only
//   [3] malloc <- JIT frame "lua:handler" <- main (same main frame as [0])
Profile SampleProfile();

}  // namespace allocprof

#endif  // ALLOCPROF_TESTS_UNIT_OUTPUTS_PPROF_SAMPLE_PROFILE_H_
