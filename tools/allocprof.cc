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

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "tools/command_line.h"
#include "userspace/common/printable.h"
#include "userspace/attach/custom_functions.h"
#include "tools/subcommands.h"
#include "userspace/outputs/flamegraph/flamegraph.h"
#include "userspace/session/session.h"

ABSL_FLAG(int, p, 0, "PID of the running process to trace");
ABSL_FLAG(double, d, 0, "stop after this many seconds (default: until Ctrl-C, "
                        "SIGTERM or the target's exit)");
ABSL_FLAG(double, interval, 0,
          "also print a running summary every this many seconds");
ABSL_FLAG(int, top, 10, "stacks shown in the report");
ABSL_FLAG(std::string, min_age, "",
          "report only allocations at least this old at the end (30s, 500ms, "
          "2m): buffers in flight drop out");
ABSL_FLAG(int, peek, 0,
          "show the first 64 bytes of up to N surviving allocations of each "
          "stack in the report (read from the target, never written)");
ABSL_FLAG(std::string, folded, "",
          "write folded stacks of outstanding bytes to this file "
          "(flamegraph.pl, inferno, speedscope)");
ABSL_FLAG(std::string, flamegraph, "",
          "write an interactive flame graph of outstanding memory (.html or .svg)");
ABSL_FLAG(std::string, pprof, "",
          "write a gzipped pprof heap profile (go tool pprof, Pyroscope, Parca, "
          "Grafana)");
ABSL_FLAG(std::string, json, "",
          "write the profile as JSON for scripts (docs/json-schema.md)");
ABSL_FLAG(std::string, weight, "bytes",
          "what folded values and flame graph widths count: bytes or objects");
ABSL_FLAG(bool, inverted, false,
          "icicle flame graph: the allocator at the top, its callers below");
// Taken out of the command line before absl parses it (they repeat); here
// for --help.
ABSL_FLAG(std::vector<std::string>, alloc_fn, {},
          "OBJECT:SYMBOL:size=ARGn[:count=ARGm][:ret|:out=ARGm] declares an "
          "allocating function of the target's own (a pool); repeatable; "
          "ARG1 is the first argument, OBJECT a mapped path or file name");
ABSL_FLAG(std::vector<std::string>, free_fn, {},
          "OBJECT:SYMBOL:ptr=ARGn declares the releasing function of a "
          "declared allocator; repeatable");
ABSL_FLAG(std::string, sample_bytes, "0",
          "sample allocations: one per this many allocated bytes on average "
          "(e.g. 512K, 1M; a Poisson process, as tcmalloc and Go do), with "
          "figures scaled to estimates; 0 traces every allocation");
ABSL_FLAG(double, max_overhead, 5,
          "keep the time the target spends in allocprof's probes under this "
          "percentage of one core: beyond it, allocations are sampled (or "
          "sampled more sparsely) while tracing goes on, and the report says "
          "when and how; 0 traces every allocation whatever it costs");
ABSL_FLAG(std::string, mode, "allocs",
          "allocs: probe the allocators and the mmap-family syscalls "
          "(outstanding = allocated and not freed); pages: no uprobes at all, "
          "only page faults and the mmap family (outstanding = pages made "
          "resident by writes and not released), cheap enough to leave on");
ABSL_FLAG(bool, java, true,
          "for a Java target, ask the JVM (through its attach listener, as "
          "jcmd does) to write its perf map, to name JIT-compiled frames; "
          "--no-java leaves the JVM alone");
ABSL_FLAG(bool, python, true,
          "for a Python target (CPython 3.11), read the interpreter's frames "
          "to show the Python functions in its stacks; --no-python leaves the "
          "interpreter alone");
ABSL_FLAG(bool, sessions, true,
          "put allocator probes in uprobe sessions where the kernel has them "
          "(Linux 6.13+); --nosessions uses plain uprobes and uretprobes");
ABSL_FLAG(std::string, unwind, "auto",
          "how user stacks are taken: auto (call-frame information where an "
          "object has it, frame pointers elsewhere), dwarf (call-frame "
          "information only) or fp (frame pointers only)");
ABSL_FLAG(bool, v, false, "verbose: what is attached where, libbpf's messages");
ABSL_FLAG(uint32_t, stack_storage, 16384,
          "distinct stacks the kernel can hold (more: fewer collisions, more "
          "kernel memory, about 1 KiB each)");
ABSL_FLAG(uint32_t, ringbuf_mib, 4,
          "size of the event ring buffer in MiB (mapped twice: its RSS is twice "
          "this); raise it if the report says events were lost");
ABSL_FLAG(bool, floor, false,
          "benchmark aid: attach the same probes with programs that do "
          "nothing; measures the bare probe cost");
ABSL_FLAG(bool, floor_stacks, false,
          "benchmark aid: as --floor, but allocating probes also take the "
          "user stack, the cost full tracing cannot avoid");

namespace {

bool g_verbose = false;

int LibbpfPrint(enum libbpf_print_level, const char* format, va_list args) {
  // Without -v, libbpf's own lines would repeat our one-line error in a
  // less useful form.
  if (!g_verbose) return 0;
  return vfprintf(stderr, format, args);
}

int UsageError(const std::string& message) {
  std::cerr << "allocprof: " << message
            << " (see allocprof --help)\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "shows the call stacks that hold outstanding (not yet freed) memory.\n"
      "  allocprof -p PID [-d SECONDS] [options]\n"
      "  allocprof [options] -- CMD ARGS...\n"
      "  allocprof report PROFILE [--flamegraph F] [--folded F] [--top N]\n"
      "  allocprof diff BASE NEW [--flamegraph F] [--top N]");
  // Subcommands work on saved profiles, without root or BPF.
  if (argc > 1 && std::string(argv[1]) == "report") {
    return allocprof::RunReportCommand({argv + 2, argv + argc});
  }
  if (argc > 1 && std::string(argv[1]) == "diff") {
    return allocprof::RunDiffCommand({argv + 2, argv + argc});
  }
  // Options that may be given many times are taken out before absl parses
  // the rest, which would keep only the last one.
  std::vector<std::string> args(argv, argv + argc);
  allocprof::NormalizeOptionNames(&args);
  allocprof::SessionOptions options;
  for (const char* name : {"alloc_fn", "free_fn"}) {
    bool missing = false;
    for (const std::string& spec : allocprof::TakeRepeatedOption(&args, name, &missing)) {
      auto parsed = std::string(name) == "alloc_fn" ? allocprof::ParseAllocFn(spec)
                                                    : allocprof::ParseFreeFn(spec);
      if (!parsed.ok()) return UsageError(std::string(parsed.status().message()));
      options.declared_functions.push_back(*std::move(parsed));
    }
    if (missing) return UsageError(absl::StrCat("option --", name, " needs a value"));
  }
  std::vector<char*> arg_ptrs;
  for (std::string& a : args) arg_ptrs.push_back(a.data());
  const int arg_count = static_cast<int>(arg_ptrs.size());
  std::string misuse = allocprof::FindCommandLineError(arg_count, arg_ptrs.data());
  if (!misuse.empty()) return UsageError(misuse);
  std::vector<char*> rest = absl::ParseCommandLine(arg_count, arg_ptrs.data());

  options.pid = absl::GetFlag(FLAGS_p);
  for (size_t i = 1; i < rest.size(); ++i) options.command.push_back(rest[i]);
  if (options.pid != 0 && !options.command.empty()) {
    return UsageError("give either -p PID or -- CMD, not both");
  }
  if (options.pid == 0 && options.command.empty()) {
    return UsageError("nothing to trace: give -p PID or -- CMD ARGS...");
  }
  if (options.pid < 0) return UsageError("-p needs a positive PID");
  absl::StatusOr<absl::Duration> duration = allocprof::ParseSeconds("-d", absl::GetFlag(FLAGS_d));
  if (!duration.ok()) return UsageError(std::string(duration.status().message()));
  if (*duration > absl::ZeroDuration()) options.duration = *duration;
  absl::StatusOr<absl::Duration> interval =
      allocprof::ParseSeconds("--interval", absl::GetFlag(FLAGS_interval));
  if (!interval.ok()) return UsageError(std::string(interval.status().message()));
  options.interval = *interval;
  options.top = absl::GetFlag(FLAGS_top);
  if (options.top < 0) return UsageError("--top needs a number >= 0");
  if (std::string min_age = absl::GetFlag(FLAGS_min_age); !min_age.empty()) {
    if (!absl::ParseDuration(min_age, &options.min_age) ||
        options.min_age < absl::ZeroDuration() ||
        options.min_age == absl::InfiniteDuration()) {
      return UsageError("--min-age needs a duration such as 30s, 500ms or 2m");
    }
  }
  options.peek = absl::GetFlag(FLAGS_peek);
  if (options.peek < 0 || options.peek > 1000) {
    return UsageError("--peek needs a number from 0 to 1000");
  }
  options.outputs.folded = absl::GetFlag(FLAGS_folded);
  options.outputs.flamegraph = absl::GetFlag(FLAGS_flamegraph);
  options.outputs.pprof = absl::GetFlag(FLAGS_pprof);
  options.outputs.json = absl::GetFlag(FLAGS_json);
  options.outputs.inverted = absl::GetFlag(FLAGS_inverted);
  std::string weight = absl::GetFlag(FLAGS_weight);
  if (weight == "objects") {
    options.outputs.weight = allocprof::Weight::kObjects;
  } else if (weight != "bytes") {
    return UsageError("--weight must be bytes or objects");
  }
  if (!options.outputs.flamegraph.empty()) {
    auto format = allocprof::FlameGraphFormatOf(options.outputs.flamegraph);
    if (!format.ok()) return UsageError(std::string(format.status().message()));
  }
  auto sample_bytes = allocprof::ParseSampleBytes(absl::GetFlag(FLAGS_sample_bytes));
  if (!sample_bytes.ok()) {
    return UsageError(absl::StrCat("--sample-bytes: ", sample_bytes.status().message()));
  }
  options.sample_bytes = *sample_bytes;
  auto max_overhead = allocprof::ParseOverheadPercent(absl::GetFlag(FLAGS_max_overhead));
  if (!max_overhead.ok()) return UsageError(std::string(max_overhead.status().message()));
  options.max_overhead = *max_overhead;
  const std::string mode = absl::GetFlag(FLAGS_mode);
  if (mode != "allocs" && mode != "pages") return UsageError("--mode must be allocs or pages");
  options.pages_mode = mode == "pages";
  if (options.pages_mode) {
    // Those options shape allocator probes, which pages mode has none of.
    if (options.sample_bytes != 0) return UsageError("--mode pages counts every page: no --sample-bytes");
    if (!options.declared_functions.empty()) {
      return UsageError("--mode pages places no uprobes: no --alloc-fn or --free-fn");
    }
    if (absl::GetFlag(FLAGS_floor) || absl::GetFlag(FLAGS_floor_stacks)) {
      return UsageError("--floor measures allocator probes: not with --mode pages");
    }
  }
  options.uprobe_sessions = absl::GetFlag(FLAGS_sessions);
  options.java = absl::GetFlag(FLAGS_java);
  options.python = absl::GetFlag(FLAGS_python);
  const std::string unwind = absl::GetFlag(FLAGS_unwind);
  if (unwind == "auto") {
    options.unwind_mode = AP_UNWIND_AUTO;
  } else if (unwind == "dwarf") {
    options.unwind_mode = AP_UNWIND_DWARF;
  } else if (unwind == "fp") {
    options.unwind_mode = AP_UNWIND_FP;
  } else {
    return UsageError("--unwind must be auto, dwarf or fp");
  }
  options.verbose = absl::GetFlag(FLAGS_v);
  options.floor_mode = absl::GetFlag(FLAGS_floor) || absl::GetFlag(FLAGS_floor_stacks);
  options.floor_stacks = absl::GetFlag(FLAGS_floor_stacks);
  options.stack_map_entries = absl::GetFlag(FLAGS_stack_storage);
  options.ring_buffer_mib = absl::GetFlag(FLAGS_ringbuf_mib);
  if (options.stack_map_entries == 0) return UsageError("--stack_storage must be > 0");
  // The ring buffer size must be a power of two number of pages.
  uint32_t mib = options.ring_buffer_mib;
  if (mib == 0 || mib > 1024 || (mib & (mib - 1)) != 0) {
    return UsageError("--ringbuf_mib must be a power of two from 1 to 1024");
  }

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
