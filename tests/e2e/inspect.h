// What the tests look at besides allocprof's output: the instruction bytes a
// uprobe patches in a process, and the BPF programs loaded in the kernel.
#ifndef ALLOCPROF_TESTS_E2E_INSPECT_H_
#define ALLOCPROF_TESTS_E2E_INSPECT_H_

#include <stdint.h>
#include <sys/types.h>

#include <chrono>
#include <functional>
#include <set>
#include <string>
#include <vector>

namespace allocprof::e2e {

// x86 int3: what the kernel writes over the first byte of a probed
// instruction in each process the uprobe applies to.
constexpr uint8_t kBreakpoint = 0xCC;

// The byte at `addr` in process `pid`, read from /proc/PID/mem (needs root
// or ptrace rights). False, with *error set, if it cannot be read.
bool ReadByte(pid_t pid, uint64_t addr, uint8_t* byte, std::string* error);

// The path of the file mapped at `addr` in `pid` (from /proc/PID/maps), or
// "" if there is none.
std::string MappedFile(pid_t pid, uint64_t addr);

// A loaded BPF program.
struct BpfProgram {
  uint32_t id = 0;
  std::string name;
  bool operator<(const BpfProgram& o) const { return id < o.id; }
};

// allocprof's programs: every loaded BPF program whose name starts with
// "ap_". Programs that go away while being listed are skipped.
std::set<BpfProgram> AllocprofPrograms();

// allocprof's programs except those in `before` (loaded before the test
// started, by something the test does not own), formatted for a message;
// "" if there are none.
std::string NewAllocprofPrograms(const std::set<BpfProgram>& before);

// Polls `condition` every 20 ms until it holds or `timeout` passes; returns
// its last answer. For effects the kernel completes asynchronously (BPF
// programs are freed after an RCU grace period once the last reference
// goes), not as a delay.
bool Eventually(const std::function<bool()>& condition,
                std::chrono::milliseconds timeout);

}  // namespace allocprof::e2e

#endif  // ALLOCPROF_TESTS_E2E_INSPECT_H_
