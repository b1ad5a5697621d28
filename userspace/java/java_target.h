// What allocprof does for a Java target, found by libjvm.so among its
// mapped objects: names for JIT-compiled frames, from the perf map the JVM
// writes when asked through its attach listener (jvm_attach.h) -- at the
// start, and again at the end so that methods compiled during the session
// are named too; and what the report must say about Java stacks.
#ifndef ALLOCPROF_USERSPACE_JAVA_JAVA_TARGET_H_
#define ALLOCPROF_USERSPACE_JAVA_JAVA_TARGET_H_

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "userspace/java/jit_frames.h"
#include "userspace/java/method_names.h"
#include "userspace/symbols/module_map.h"

namespace allocprof {

// Whether `modules` holds HotSpot's libjvm.so.
bool IsJvm(const ModuleMap& modules);

class JavaTarget {
 public:
  explicit JavaTarget(pid_t pid) : pid_(pid) {}

  // Asks the JVM to write /tmp/perf-NSPID.map now (jcmd Compiler.perfmap).
  // A failure is kept for the notes, never fatal: the session goes on with
  // compiled frames unnamed.
  absl::Status WritePerfMap();

  // Unwind rows for the compiled methods of the perf map last written (see
  // jit_frames.h); empty when there is none.
  JitRows CompiledFrameRows() const;

  // Reads the JVM's VMStructs (once) so that interpreted frames can be
  // named; a failure is kept for the notes.
  void ReadMethodLayout(const ModuleMap& modules);
  // The Java method a Method* is, or nullopt (see JavaMethodNames).
  std::optional<std::string> MethodName(uint64_t method);

  // Lines for the report's notes: how compiled and interpreted frames were
  // named, or why they were not.
  std::vector<std::string> Notes() const;

 private:
  pid_t pid_;
  int written_ = 0;
  absl::Status last_error_;
  std::unique_ptr<JavaMethodNames> methods_;
  absl::Status methods_error_ = absl::UnavailableError("not read");
};

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_JAVA_JAVA_TARGET_H_
