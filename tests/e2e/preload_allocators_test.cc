// tests/testprogs/leaks with another allocator preloaded in place of
// glibc's malloc: Debian's jemalloc, tcmalloc (gperftools, minimal) and
// mimalloc. allocprof must find the allocator in the preloaded object on its
// own and give each leaking function exactly its leaks_truth.h bytes, with
// the allocator frame in that object, counting nothing twice.
#include <unistd.h>

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/allocator_checks.h"
#include "tests/e2e/outputs.h"
#include "tests/e2e/session.h"
#include "tests/testprogs/leaks_truth.h"
#include "userspace/outputs/profile_file.h"

namespace allocprof::e2e {
namespace {

// tcmalloc (gperftools) also defines mmap, mmap64, mremap, munmap and sbrk,
// to run its hooks, and makes the system calls through syscall(): leaks'
// mmap-family scenarios reach the kernel through those functions, and must
// still be attributed to the scenario that called them.
struct PreloadedAllocator {
  const char* name;
  // The Debian package's library (scripts/install-deps.sh installs it).
  const char* library;
  // Prefix of the allocator's own names for the malloc family where they
  // alias the standard ones (tc_malloc is malloc); "" where every entry
  // point is a function of its own.
  const char* alias_prefix;
  // Whether the allocator maps (or grows) memory for leak_big_malloc's
  // 16 MiB block inside that malloc call. jemalloc maps 20 MiB and tcmalloc
  // grows the break by 16 MiB there; mimalloc reserves 32 MiB at its first
  // allocation, before the go signal, and serves the block from that
  // reservation without a system call.
  bool maps_big_block_in_call;
  // What -v says of malloc's probe where it reads its size from a copy
  // (mimalloc's malloc copies rdi to rsi, then loads rdi); "" where the
  // size stays in rdi.
  const char* malloc_reads_copy;
  // The most of the library's probes that may sit on an instruction the
  // kernel single-steps, with Debian 12's package (README, "Probe sites"):
  // mimalloc's mi_heap_alloc_new begins with `sub rsp`.
  int max_single_stepped;
};

// The allocator's name in test names and messages.
void PrintTo(const PreloadedAllocator& a, std::ostream* os) { *os << a.name; }

const PreloadedAllocator kAllocators[] = {
    {"jemalloc", "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2", "", true, "", 0},
    {"tcmalloc", "/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4", "tc_",
     true, "", 0},
    {"mimalloc", "/usr/lib/x86_64-linux-gnu/libmimalloc.so.2", "mi_", false,
     "; ARG1 (rdi) read from rsi)", 1},
};

class PreloadTest : public E2eTest,
                    public ::testing::WithParamInterface<PreloadedAllocator> {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(E2eTest::SetUp());
    ASSERT_EQ(access(GetParam().library, R_OK), 0)
        << GetParam().library
        << " is missing: scripts/install-deps.sh installs it";
  }

  std::string Preload() const {
    return std::string("LD_PRELOAD=") + GetParam().library;
  }

  // Checks a finished session of leaks under the preloaded allocator.
  // `attached`: started with -p after leaks' ready line, so that the
  // report's total must be exactly what leaks keeps after the go signal.
  void ExpectPreloadedTruth(const Process& ap, const std::string& folded_path,
                            const std::string& json_path, bool attached) {
    const PreloadedAllocator& a = GetParam();
    const std::string folded_text = ReadFile(folded_path);
    const std::vector<std::string> prefixes =
        *a.alias_prefix ? std::vector<std::string>{a.alias_prefix}
                        : std::vector<std::string>{};
    const std::vector<Expected> expected = LeaksTruth(prefixes);
    ExpectFoldedTruth(folded_text, expected,
                      {std::begin(leaks_absent), std::end(leaks_absent)});

    // Every malloc-family call of leaks goes to the preloaded allocator
    // (the mmap-family scenarios, with no leaves listed, call the C
    // library's system call wrappers).
    auto profile = ReadProfileFile(json_path);
    ASSERT_TRUE(profile.ok()) << profile.status();
    for (const Expected& e : expected) {
      if (e.leaves.empty()) continue;
      SCOPED_TRACE(e.function);
      ExpectLeafIn(*profile, e.function, a.library);
    }

    const Report report = ParseReport(ap.out());
    ASSERT_TRUE(report.outstanding_bytes.has_value()) << BriefOutputs(ap);
    const int64_t total = TotalBytes(expected);
    if (attached) {
      // Nothing but the scenarios runs after the go signal: any byte more
      // is a block counted twice (an allocator entry point nested in
      // another) or allocator memory counted as the program's.
      EXPECT_EQ(*report.outstanding_bytes, total)
          << "the report's total is not exactly what leaks keeps";
    } else {
      EXPECT_GE(*report.outstanding_bytes, total)
          << "the report's total is below what leaks alone keeps";
    }
    ASSERT_TRUE(report.allocated_bytes.has_value()) << BriefOutputs(ap);
    EXPECT_GE(*report.allocated_bytes,
              static_cast<int64_t>(LEAKS_MIN_ALLOCATED_BYTES));
    EXPECT_GE(*report.freed_objects,
              static_cast<int64_t>(LEAKS_MIN_FREED_OBJECTS));
    EXPECT_GE(*report.freed_bytes, static_cast<int64_t>(LEAKS_MIN_FREED_BYTES));
    if (a.maps_big_block_in_call && attached) {
      ASSERT_TRUE(report.backing_bytes.has_value()) << BriefOutputs(ap);
      EXPECT_GE(*report.backing_bytes,
                static_cast<int64_t>(LEAK_BIG_MALLOC_SIZE))
          << a.name << " maps leak_big_malloc's block inside the malloc call";
    }
    // One allocator serves every block: nothing is released through
    // another family.
    EXPECT_EQ(report.mismatched_blocks.value_or(0), 0) << BriefOutputs(ap);
    ASSERT_TRUE(report.lost.has_value()) << BriefOutputs(ap);
    EXPECT_EQ(*report.lost, "none")
        << "events were dropped, so every figure is a lower bound";

    // -v names the objects it probed.
    const std::string library = CanonicalPath(a.library);
    EXPECT_TRUE(SaysOnStderr(ap, library))
        << "-v should say what it probed in the preloaded library";
    // The figures above came through probes past the entry: malloc's and
    // free's sit on instructions the kernel emulates.
    for (const char* probe : {"malloc+ret", "free"}) {
      const std::string line = ProbeLine(ap, probe, library);
      EXPECT_NE(line.find(", emulated"), std::string::npos)
          << probe << " should be probed on an emulated instruction: " << line;
    }
    EXPECT_NE(ProbeLine(ap, "malloc+ret", library).find(a.malloc_reads_copy),
              std::string::npos)
        << ProbeLine(ap, "malloc+ret", library);
    const int stepped = SingleSteppedSites(ap, library);
    EXPECT_GE(stepped, 0) << "-v should sum up the sites in " << library;
    EXPECT_LE(stepped, a.max_single_stepped)
        << "more of " << a.name << "'s probes are single-stepped than before";

    if (HasFailure()) {
      PrintReference(folded_text, *profile, ap);
    }
  }
};

TEST_P(PreloadTest, AttachedToRunningLeaks) {
  Target leaks;
  ASSERT_NO_FATAL_FAILURE(StartTarget(kLeaks, {}, &leaks, {Preload()}));
  // The ready line's malloc is the one the program calls: the preload took.
  ASSERT_EQ(CanonicalPath(MappedFile(leaks.pid, leaks.malloc_addr)),
            CanonicalPath(GetParam().library));

  const std::string folded = ScratchPath("leaks.folded");
  const std::string json = ScratchPath("leaks.json");
  std::unique_ptr<Process> ap;
  ASSERT_NO_FATAL_FAILURE(StartTracing({"-v", "-p", std::to_string(leaks.pid),
                                        "--folded", folded, "--json", json},
                                       leaks.pid, &ap));
  ASSERT_NO_FATAL_FAILURE(RunScenarios(&leaks));
  ASSERT_TRUE(leaks.proc->WaitExit(kRunTimeout));
  EXPECT_TRUE(ExitedWith(*leaks.proc, 0)) << leaks.proc->Describe();
  ASSERT_TRUE(ap->WaitExit(kRunTimeout))
      << "allocprof did not end when its target exited\n"
      << BriefOutputs(*ap);
  EXPECT_TRUE(ExitedWith(*ap, 0)) << BriefOutputs(*ap);

  ExpectPreloadedTruth(*ap, folded, json, /*attached=*/true);
  ExpectNoProgramsLeft();
}

// -- CMD: the command is held at its entry point, after the dynamic loader
// mapped the preloaded allocator, so its first allocation is traced.
// LD_PRELOAD reaches the command through allocprof's environment (allocprof
// itself then runs on the preloaded allocator too, which it must not mind).
TEST_P(PreloadTest, LaunchedLeaks) {
  const std::string folded = ScratchPath("leaks.folded");
  const std::string json = ScratchPath("leaks.json");
  std::unique_ptr<Process> ap;
  ASSERT_NO_FATAL_FAILURE(StartTracing(
      {"-v", "--folded", folded, "--json", json, "--", kLeaks, "--now"}, 0,
      &ap, nullptr, {Preload()}));
  ASSERT_TRUE(ap->WaitExit(kRunTimeout))
      << "allocprof did not end when its target exited\n"
      << BriefOutputs(*ap);
  EXPECT_TRUE(ExitedWith(*ap, 0)) << BriefOutputs(*ap);

  ExpectPreloadedTruth(*ap, folded, json, /*attached=*/false);
  ExpectNoProgramsLeft();
}

INSTANTIATE_TEST_SUITE_P(
    Allocators, PreloadTest, ::testing::ValuesIn(kAllocators),
    [](const ::testing::TestParamInfo<PreloadedAllocator>& info) {
      return std::string(info.param.name);
    });

}  // namespace
}  // namespace allocprof::e2e
