// What allocprof does for a Java target, found by libjvm.so among its
// mapped objects. Unwinding: rows for the JIT's code (jit_frames.h), from
// the perf map the JVM writes when asked through its attach listener
// (jvm_attach.h) and from its compiled-method probe, with frame sizes from
// its code cache (code_cache.h). Naming: compiled frames by the perf map,
// then, when the report is written, by the code cache's scope descriptors
// with the methods inlined into them; interpreted frames by their Method*
// (method_names.h). And what the report must say about Java stacks.
#ifndef ALLOCPROF_USERSPACE_JAVA_JAVA_TARGET_H_
#define ALLOCPROF_USERSPACE_JAVA_JAVA_TARGET_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "userspace/common/target_memory.h"
#include "userspace/java/code_cache.h"
#include "userspace/java/jit_frames.h"
#include "userspace/java/method_names.h"
#include "userspace/symbols/frame.h"
#include "userspace/symbols/module_map.h"
#include "userspace/symbols/process_handle.h"

namespace allocprof {

// HotSpot's libjvm.so among `modules` (its first mapping), or null.
const Module* LibjvmOf(const ModuleMap& modules);
inline bool IsJvm(const ModuleMap& modules) { return LibjvmOf(modules) != nullptr; }

class JavaTarget {
 public:
  // The JVM `process` holds, signalled through `pidfd` (pidfd_open(2)) and
  // read through `memory` (process.OpenMemory()): all three stay bound to
  // it after it exits, so a process that reuses its PID is never read or
  // signalled. `process` and `pidfd` must outlive the JavaTarget.
  JavaTarget(const ProcessHandle& process, int pidfd, TargetMemory memory)
      : process_(process), pidfd_(pidfd), memory_(std::move(memory)) {}
  // Its members point into memory_.
  JavaTarget(const JavaTarget&) = delete;
  JavaTarget& operator=(const JavaTarget&) = delete;

  // Asks the JVM to write /tmp/perf-NSPID.map now (jcmd Compiler.perfmap).
  // A failure is kept for the notes, never fatal: the session goes on with
  // compiled frames unnamed. Unavailable: not yet (a JVM still starting).
  absl::Status WritePerfMap();
  // Whether compiled code is named from the code cache (DescribeCompiled),
  // so that a new perf map adds nothing.
  bool names_from_code_cache() const { return methods_ && code_cache_; }
  // Whether asking again may succeed: no failure so far but "not yet".
  bool perf_map_possible() const {
    return last_error_.ok() || absl::IsUnavailable(last_error_);
  }

  // The JIT's code is what the perf map last written names (see
  // jit_frames.h), and what the JVM installed after it, which its
  // hotspot:compiled__method__load probe tells (AddCompiledCode).
  void ReadPerfMap();
  void AddCompiledCode(uint64_t start, uint64_t size);
  // How the probe could be attached (see BpfProbes::AttachJavaCodeLoads),
  // for the notes.
  void set_code_loads(absl::Status attached) { code_loads_ = std::move(attached); }
  bool code_loads() const { return code_loads_.ok(); }

  // Unwind rows for that code, with the frame sizes the JVM's code cache
  // records; empty when there is none.
  JitRows CompiledFrameRows();

  // Reads the JVM's VMStructs, for the layouts of its methods and code
  // cache, until both could be read (a JVM still starting has not filled
  // them in yet); a failure is kept for the notes.
  void ReadJvmLayout(const ModuleMap& modules);

  // The code cache for BPF walks (CodeCache::ForBpf), once it could be read.
  std::optional<ap_jvm_code_cache> BpfCodeCache() const {
    if (!code_cache_) return std::nullopt;
    return code_cache_->ForBpf();
  }

  // Names an interpreted frame by its Method*, and gives its source line
  // where its bytecode pointer was read (`frame_value`: a recorded
  // AP_FRAME_JAVA_METHOD frame, bpf/events.h); false when it cannot.
  bool DescribeInterpreted(uint64_t frame_value, Frame* frame);
  // A frame in the JIT's code: when the code cache holds a compiled method
  // there -- the one the perf map named, if it did (addr - offset is then
  // its code's start) -- names it and the methods the JIT inlined at the
  // frame's call, innermost first, with their source lines; a stub the
  // perf map did not name, by its blob's name. False when it cannot.
  bool DescribeCompiled(Frame* frame);

  // Lines for the report's notes: how compiled and interpreted frames were
  // named, or why they were not.
  std::vector<std::string> Notes() const;


 private:
  bool NameCompiledMethod(const CodeBlob& blob, Frame* frame);
  // The scopes of `blob` at `addr` (a return address - 1), in the JVM's
  // encoding, found by the first that decodes.
  std::vector<JavaScope> Scopes(const CodeBlob& blob, uint64_t addr);

  const ProcessHandle& process_;
  const int pidfd_;
  const TargetMemory memory_;
  int written_ = 0;
  absl::Status last_error_;
  std::unique_ptr<JavaMethodNames> methods_;
  absl::Status methods_error_ = absl::UnavailableError("not read");
  // Whether the interpreter's frames are laid out as the walk reads them;
  // an error says how they are not.
  absl::Status interpreter_layout_;
  // The JIT's code by start address.
  std::map<uint64_t, JitCode> code_;
  // The frame size the code cache records for a piece (start, size).
  absl::flat_hash_map<std::pair<uint64_t, uint64_t>, std::optional<uint32_t>> frame_sizes_;
  absl::Status code_loads_ = absl::UnavailableError("not attached");
  std::optional<CodeCache> code_cache_;
  std::optional<ScopeEncoding> scope_encoding_;
  size_t undecoded_scopes_ = 0;  // frames tried before the encoding was found
  // Whether compiled methods' scope descriptors can be read.
  absl::Status scopes_error_ = absl::UnavailableError("not read");

};

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_JAVA_JAVA_TARGET_H_
