// allocprof: which call stacks of a live process hold memory that was
// allocated and not released.
//
//   allocprof -p PID [-d SECONDS] [options]
//   allocprof [options] -- CMD ARGS...
#include <bpf/libbpf.h>

#include <cstdarg>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "tools/command_line.h"
#include "tools/flag_types.h"
#include "tools/output_flags.h"
#include "tools/subcommands.h"
#include "userspace/attach/custom_functions.h"
#include "userspace/common/printable.h"
#include "userspace/session/session.h"

namespace {

bool g_verbose = false;

int LibbpfPrint(enum libbpf_print_level, const char* format, va_list args) {
  // Without -v, libbpf's own lines would repeat our one-line error in a
  // less useful form.
  if (!g_verbose) return 0;
  return vfprintf(stderr, format, args);
}

// The live command's values as typed on the command line; main() makes
// SessionOptions of them.
struct LiveFlags {
  int pid = 0;
  allocprof::Seconds duration;
  allocprof::Seconds interval;
  int top = allocprof::kDefaultTop;
  allocprof::Age min_age;
  int peek = 0;
  allocprof::OutputFiles outputs;
  std::vector<allocprof::CustomFunction> declared_functions;
  allocprof::SampleInterval sample_bytes;
  allocprof::CorePercent max_overhead{0.05};
  allocprof::OverBudget over_budget = allocprof::OverBudget::kPages;
  allocprof::TraceMode mode = allocprof::TraceMode::kAllocs;
  bool java = true;
  bool python = true;
  bool sessions = true;
  allocprof::UnwindChoice unwind = allocprof::UnwindChoice::kAuto;
  bool verbose = false;
  uint32_t stack_storage = 16384;
  uint32_t ringbuf_mib = 4;
  bool floor = false;
  bool floor_stacks = false;
};

void AddLiveFlags(allocprof::FlagSet* flags, LiveFlags* live) {
  using allocprof::FlagSet;
  flags->Add<int>("p", &live->pid, "PID", "PID of the running process to trace",
                  "a positive PID", [](int pid) { return pid > 0; });
  flags->Add("d", &live->duration, "SECONDS",
             "stop after this many seconds (default: until Ctrl-C, SIGTERM or the "
             "target's exit)");
  flags->Add("interval", &live->interval, "SECONDS",
             "also print a running summary every this many seconds (default: none)");
  allocprof::AddTopFlag(flags, &live->top);
  flags->Add("min-age", &live->min_age, "DURATION",
             "report only allocations at least this old at the end (30s, 500ms, 2m): "
             "buffers in flight drop out");
  flags->Add<int>("peek", &live->peek, "N",
                  "show the first 64 bytes of up to N surviving allocations of each "
                  "stack in the report (read from the target, never written)",
                  "a number from 0 to 1000", [](int n) { return n >= 0 && n <= 1000; });
  allocprof::AddOutputFlags(flags, &live->outputs, allocprof::OutputFlags::kAll);
  std::vector<allocprof::CustomFunction>* declared = &live->declared_functions;
  flags->AddChecked(
      "alloc-fn", "OBJECT:SYMBOL:size=ARGn[:count=ARGm][:ret|:out=ARGm]",
      "declares an allocating function of the target's own (a pool); repeatable; "
      "ARG1 is the first argument, OBJECT a mapped path or file name",
      true, [declared](absl::string_view spec) -> absl::Status {
        absl::StatusOr<allocprof::CustomFunction> parsed = allocprof::ParseAllocFn(spec);
        if (!parsed.ok()) return parsed.status();
        declared->push_back(*std::move(parsed));
        return absl::OkStatus();
      });
  flags->AddChecked(
      "free-fn", "OBJECT:SYMBOL:ptr=ARGn",
      "declares the releasing function of a declared allocator; repeatable", true,
      [declared](absl::string_view spec) -> absl::Status {
        absl::StatusOr<allocprof::CustomFunction> parsed = allocprof::ParseFreeFn(spec);
        if (!parsed.ok()) return parsed.status();
        declared->push_back(*std::move(parsed));
        return absl::OkStatus();
      });
  flags->Add("sample-bytes", &live->sample_bytes, "SIZE",
             "sample allocations: one per this many allocated bytes on average "
             "(e.g. 512K, 1M; a Poisson process, as tcmalloc and Go do), with "
             "figures scaled to estimates; 0, the default, traces every allocation");
  flags->Add("max-overhead", &live->max_overhead, "PERCENT",
             "keep the time the target spends in allocprof's probes under this "
             "percentage of one core: beyond it, allocations are sampled (or "
             "sampled more sparsely) while tracing goes on, and the report says "
             "when and how; 0 traces every allocation whatever it costs");
  flags->Add("over-budget", &live->over_budget, "pages|sample",
             "when the probes' traps alone cost more than --max-overhead (every "
             "allocator call traps, sampled or not): pages removes the allocator "
             "probes and goes on in pages mode (the report of the allocations so "
             "far is printed first); sample keeps the probes, sampling as sparsely "
             "as it can");
  flags->Add("mode", &live->mode, "allocs|pages",
             "allocs: probe the allocators and the mmap-family syscalls "
             "(outstanding = allocated and not freed); pages: no uprobes at all, "
             "only page faults and the mmap family (outstanding = pages made "
             "resident by writes and not released), cheap enough to leave on");
  flags->AddSwitch("java", &live->java,
                   "for a Java target, ask the JVM (through its attach listener, as "
                   "jcmd does) to write its perf map, to name JIT-compiled frames; "
                   "--no-java leaves the JVM alone");
  flags->AddSwitch("python", &live->python,
                   "for a Python target (CPython 3.11), read the interpreter's frames "
                   "to show the Python functions in its stacks; --no-python leaves the "
                   "interpreter alone");
  flags->AddSwitch("sessions", &live->sessions,
                   "put allocator probes in uprobe sessions where the kernel has them "
                   "(Linux 6.13+); --no-sessions uses plain uprobes and uretprobes");
  flags->Add("unwind", &live->unwind, "auto|dwarf|fp",
             "how user stacks are taken: auto (call-frame information where an "
             "object has it, frame pointers elsewhere), dwarf (call-frame "
             "information only) or fp (frame pointers only)");
  flags->AddSwitch("v", &live->verbose, "verbose: what is attached where, libbpf's messages");
  flags->Add<uint32_t>("stack-storage", &live->stack_storage, "N",
                       "distinct stacks the kernel can hold (more: fewer collisions, more "
                       "kernel memory, about 1 KiB each)",
                       "a number of stacks, 1 or more", [](uint32_t n) { return n > 0; });
  flags->Add<uint32_t>("ringbuf-mib", &live->ringbuf_mib, "MIB",
                       "size of the event ring buffer in MiB (mapped twice: its RSS is "
                       "twice this); raise it if the report says events were lost",
                       // The ring buffer size must be a power of two number of pages.
                       "a power of two from 1 to 1024",
                       [](uint32_t mib) { return mib != 0 && mib <= 1024 && (mib & (mib - 1)) == 0; });
  flags->AddSwitch("floor", &live->floor,
                   "benchmark aid: attach the same probes with programs that do "
                   "nothing; measures the bare probe cost");
  flags->AddSwitch("floor-stacks", &live->floor_stacks,
                   "benchmark aid: as --floor, but allocating probes also take the "
                   "user stack, the cost full tracing cannot avoid");
}

}  // namespace

int main(int argc, char** argv) {
  // Subcommands work on saved profiles, without root or BPF.
  if (argc > 1 && std::string(argv[1]) == "report") {
    return allocprof::RunReportCommand({argv + 2, argv + argc});
  }
  if (argc > 1 && std::string(argv[1]) == "diff") {
    return allocprof::RunDiffCommand({argv + 2, argv + argc});
  }
  allocprof::FlagSet flags(
      "allocprof",
      "allocprof -p PID [-d SECONDS] [options]\n"
      "       allocprof [options] -- CMD ARGS...\n"
      "       allocprof report PROFILE [options]   (allocprof report --help)\n"
      "       allocprof diff BASE NEW [options]    (allocprof diff --help)",
      "Shows the call stacks that hold outstanding (not yet freed) memory.");
  LiveFlags live;
  AddLiveFlags(&flags, &live);
  allocprof::SessionOptions options;
  if (absl::Status s = flags.Parse({argv + 1, argv + argc}, &options.command); !s.ok()) {
    return flags.Misuse(std::cerr, s.message());
  }
  if (flags.help()) {
    std::cout << flags.Usage();
    return 0;
  }
  if (live.pid != 0 && !options.command.empty()) {
    return flags.Misuse(std::cerr, "give either -p PID or -- CMD, not both");
  }
  if (live.pid == 0 && options.command.empty()) {
    return flags.Misuse(std::cerr, "nothing to trace: give -p PID or -- CMD ARGS...");
  }
  if (absl::Status s = allocprof::CheckOutputFlags(flags, allocprof::OutputFlags::kAll);
      !s.ok()) {
    return flags.Misuse(std::cerr, s.message());
  }
  options.pid = live.pid;
  if (live.duration.duration > absl::ZeroDuration()) options.duration = live.duration.duration;
  options.interval = live.interval.duration;
  options.top = live.top;
  options.min_age = live.min_age.duration;
  options.peek = live.peek;
  options.outputs = live.outputs;
  options.declared_functions = std::move(live.declared_functions);
  options.sample_bytes = live.sample_bytes.bytes;
  options.max_overhead = live.max_overhead.fraction;
  options.pages_when_over_budget = live.over_budget == allocprof::OverBudget::kPages;
  options.pages_mode = live.mode == allocprof::TraceMode::kPages;
  if (options.pages_mode) {
    // Those options shape allocator probes, which pages mode has none of.
    if (options.sample_bytes != 0) {
      return flags.Misuse(std::cerr, "--mode pages counts every page: no --sample-bytes");
    }
    if (!options.declared_functions.empty()) {
      return flags.Misuse(std::cerr, "--mode pages places no uprobes: no --alloc-fn or --free-fn");
    }
    if (live.floor || live.floor_stacks) {
      return flags.Misuse(std::cerr, "--floor measures allocator probes: not with --mode pages");
    }
  }
  options.uprobe_sessions = live.sessions;
  options.java = live.java;
  options.python = live.python;
  switch (live.unwind) {
    case allocprof::UnwindChoice::kAuto: options.unwind_mode = AP_UNWIND_AUTO; break;
    case allocprof::UnwindChoice::kDwarf: options.unwind_mode = AP_UNWIND_DWARF; break;
    case allocprof::UnwindChoice::kFp: options.unwind_mode = AP_UNWIND_FP; break;
  }
  options.verbose = live.verbose;
  options.floor_mode = live.floor || live.floor_stacks;
  options.floor_stacks = live.floor_stacks;
  options.stack_map_entries = live.stack_storage;
  options.ring_buffer_mib = live.ringbuf_mib;

  g_verbose = options.verbose;
  libbpf_set_print(LibbpfPrint);

  absl::Status status = allocprof::RunSession(options, std::cout);
  if (!status.ok()) {
    // An error may quote the target (a path it mapped): escaped, as the
    // report is.
    std::cerr << "allocprof: " << allocprof::Printable(status.message()) << "\n";
    return 1;
  }
  return 0;
}
