// Checks shared by the tests of allocator discovery: exact outstanding bytes
// per leaking function against a truth header, with the allocator function
// each one calls; and where (in which object) that allocator frame is.
//
// Helpers that can fail use gtest assertions and return void: call them
// through ASSERT_NO_FATAL_FAILURE when later checks depend on them.
#ifndef ALLOCPROF_TESTS_E2E_ALLOCATOR_CHECKS_H_
#define ALLOCPROF_TESTS_E2E_ALLOCATOR_CHECKS_H_

#include <stddef.h>
#include <stdint.h>

#include <string>
#include <vector>

#include "tests/e2e/outputs.h"
#include "tests/e2e/process.h"
#include "tests/testprogs/truth.h"
#include "userspace/profile/profile.h"

namespace allocprof::e2e {

// Programs of tests/testprogs built for these tests, by absolute path in
// this build (tests/e2e/CMakeLists.txt).
extern const char* const kStaticLeaksStripped;
extern const char* const kCppLeaks;
extern const char* const kMismatch;
extern const char* const kDlopenLeaks;
extern const char* const kLeakPlugin;
extern const char* const kCustomPool;

// One leaking function of a test program and its ground truth.
struct Expected {
  std::string function;
  int64_t bytes = 0;
  // Leaf frames it may call directly in its leaking stacks; empty: any.
  std::vector<std::string> leaves;
};

std::vector<Expected> FromTruth(const truth_expectation* truth, size_t n);
template <size_t N>
std::vector<Expected> FromTruth(const truth_expectation (&truth)[N]) {
  return FromTruth(truth, N);
}

// leaks_expected of tests/testprogs/leaks_truth.h. Each malloc-family leaf
// may also carry one of `alias_prefixes` ("tc_" for tc_malloc, "__libc_"
// for __libc_malloc): where an allocator defines malloc as an alias of
// another name (one address), a tracer has no way to prefer either name.
std::vector<Expected> LeaksTruth(
    const std::vector<std::string>& alias_prefixes = {});

int64_t TotalBytes(const std::vector<Expected>& expected);

// Checks a folded file's text: well formed, positive bytes only; exactly
// `bytes` on the stacks through each expected function, with a stack where
// that function directly calls one of its leaves; nothing through the
// `absent` functions.
void ExpectFoldedTruth(const std::string& folded_text,
                       const std::vector<Expected>& expected,
                       const std::vector<std::string>& absent);

// Checks that `profile` has a stack holding bytes whose frames[1] (the direct
// caller of the allocator) is `function`, and that in every such stack the
// leaf frames[0] is an allocator frame in the object at `module` (the same
// file, whatever the path or symlink it was reached by).
void ExpectLeafIn(const Profile& profile, const std::string& function,
                  const std::string& module);

// The stacks of `profile`, one a line with modules, for messages.
std::string DescribeStacks(const Profile& profile, size_t max_stacks = 20);

// Outputs(allocprof) without libbpf's own messages (-v prints hundreds),
// for failure messages.
std::string BriefOutputs(const Process& allocprof);

// After a failed check: the folded text, the JSON stacks and allocprof's
// outputs on stderr, to see what allocprof made of the target.
void PrintReference(const std::string& folded_text, const Profile& profile,
                    const Process& allocprof);

// Whether allocprof's stderr has a line of its own (not libbpf's) that
// contains `text`.
bool SaysOnStderr(const Process& allocprof, const std::string& text);

// allocprof -v's line for the probe on `probe` ("malloc+ret", "free", as
// -v names it) in the object at `module` (the path the target maps); "" if
// there is none.
std::string ProbeLine(const Process& allocprof, const std::string& probe,
                      const std::string& module);

// How many probes in the object at `module` sit on an instruction the
// kernel single-steps, from -v's summary of the object; -1 if it has none.
int SingleSteppedSites(const Process& allocprof, const std::string& module);

// The path with symlinks resolved, as /proc/PID/maps shows a mapped file;
// `path` itself if it cannot be resolved.
std::string CanonicalPath(const std::string& path);

// The last component of `path`.
std::string Basename(const std::string& path);

}  // namespace allocprof::e2e

#endif  // ALLOCPROF_TESTS_E2E_ALLOCATOR_CHECKS_H_
