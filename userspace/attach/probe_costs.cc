#include "userspace/attach/probe_costs.h"

#include <bpf/libbpf.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "probe_cost.skel.h"
#include "userspace/symbols/maps_line.h"

// The functions the probes are timed on. Written in assembly so that their
// first instruction is known: the kernel emulates `push %rbp` and
// single-steps `mov %rdi,%rax`.
asm(R"(
  .text
  .p2align 4
  .globl allocprof_cost_emulated
  .type allocprof_cost_emulated, @function
allocprof_cost_emulated:
  push %rbp
  pop %rbp
  ret
  .size allocprof_cost_emulated, .-allocprof_cost_emulated
  .p2align 4
  .globl allocprof_cost_stepped
  .type allocprof_cost_stepped, @function
allocprof_cost_stepped:
  mov %rdi, %rax
  ret
  .size allocprof_cost_stepped, .-allocprof_cost_stepped
)");

extern "C" uint64_t allocprof_cost_emulated(uint64_t);
extern "C" uint64_t allocprof_cost_stepped(uint64_t);

namespace allocprof {
namespace {

using Function = uint64_t (*)(uint64_t);

struct SkeletonDeleter {
  void operator()(probe_cost_bpf* skel) const { probe_cost_bpf::destroy(skel); }
};
struct LinkDeleter {
  void operator()(bpf_link* link) const { bpf_link__destroy(link); }
};
using Link = std::unique_ptr<bpf_link, LinkDeleter>;

// The file offset of `fn` in allocprof's own executable: what a uprobe
// is placed by. Our own maps, not a target's.
absl::StatusOr<uint64_t> FileOffset(Function fn) {
  const uint64_t addr = reinterpret_cast<uint64_t>(fn);
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    auto entry = ParseMapsLine(line);
    if (entry.ok() && entry->start <= addr && addr < entry->end) {
      return addr - entry->start + entry->offset;
    }
  }
  return absl::NotFoundError("allocprof's own code is not in /proc/self/maps");
}

// This thread's CPU time: a trap is handled in the context of the thread
// that hit it, so its cost is the thread's system time, and time the thread
// spends preempted on a busy host does not count (wall time would).
double NowNs() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

// Nanoseconds a call of `fn` takes, the median of three rounds of `calls`.
double NsPerCall(Function fn, int calls) {
  // Through a volatile pointer, so that the calls are not folded away.
  Function volatile call = fn;
  std::array<double, 3> rounds;
  for (double& round : rounds) {
    const double start = NowNs();
    uint64_t sink = 0;
    for (int i = 0; i < calls; ++i) sink += call(static_cast<uint64_t>(i));
    asm volatile("" : : "r"(sink));
    round = (NowNs() - start) / calls;
  }
  std::sort(rounds.begin(), rounds.end());
  return rounds[1];
}

absl::StatusOr<Link> Attach(bpf_program* prog, bool retprobe, Function fn) {
  auto offset = FileOffset(fn);
  if (!offset.ok()) return offset.status();
  bpf_link* link =
      bpf_program__attach_uprobe(prog, retprobe, getpid(), "/proc/self/exe", *offset);
  if (link == nullptr) {
    return absl::ErrnoToStatus(errno, "cannot attach the probe-cost uprobe");
  }
  return Link(link);
}

}  // namespace

ProbeCosts AssumedProbeCosts() { return {1000, 15000, 700}; }

absl::StatusOr<ProbeCosts> MeasureProbeCosts() {
  std::unique_ptr<probe_cost_bpf, SkeletonDeleter> skel(probe_cost_bpf::open_and_load());
  if (!skel) return absl::ErrnoToStatus(errno, "cannot load the probe-cost programs");
  // Enough calls that the clock's resolution does not matter, few enough
  // that a single-stepping host spends about 5 ms on them.
  constexpr int kEmulatedCalls = 3000;
  constexpr int kSteppedCalls = 300;
  const double bare = NsPerCall(allocprof_cost_emulated, kEmulatedCalls);
  const double bare_stepped = NsPerCall(allocprof_cost_stepped, kEmulatedCalls);
  ProbeCosts costs;
  {
    auto entry = Attach(skel->progs.ap_cost_entry, false, allocprof_cost_emulated);
    if (!entry.ok()) return entry.status();
    costs.emulated_ns = NsPerCall(allocprof_cost_emulated, kEmulatedCalls) - bare;
    auto ret = Attach(skel->progs.ap_cost_return, true, allocprof_cost_emulated);
    if (!ret.ok()) return ret.status();
    costs.return_ns =
        NsPerCall(allocprof_cost_emulated, kEmulatedCalls) - bare - costs.emulated_ns;
  }
  {
    auto entry = Attach(skel->progs.ap_cost_entry, false, allocprof_cost_stepped);
    if (!entry.ok()) return entry.status();
    costs.stepped_ns = NsPerCall(allocprof_cost_stepped, kSteppedCalls) - bare_stepped;
  }
  // Noise can push a difference below zero on a fast host; a hit is never
  // free.
  costs.emulated_ns = std::max(costs.emulated_ns, 50.0);
  costs.stepped_ns = std::max(costs.stepped_ns, costs.emulated_ns);
  costs.return_ns = std::max(costs.return_ns, 50.0);
  return costs;
}

}  // namespace allocprof
