#include "userspace/java/java_target.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include <fstream>
#include <sstream>

#include "userspace/java/jvm_attach.h"
#include "userspace/symbols/process_handle.h"

namespace allocprof {
namespace {

// Writing the map of a large code cache takes the JVM a few hundred ms.
constexpr absl::Duration kJcmdTimeout = absl::Seconds(10);

}  // namespace

bool IsJvm(const ModuleMap& modules) {
  for (const Module& m : modules.modules()) {
    if (absl::EndsWith(m.path, "/libjvm.so")) return true;
  }
  return false;
}

absl::Status JavaTarget::WritePerfMap() {
  absl::StatusOr<std::string> out = RunJcmd(pid_, "Compiler.perfmap", kJcmdTimeout);
  if (!out.ok()) {
    last_error_ = out.status();
    return last_error_;
  }
  // The command reports a map it could not write in its output, not its
  // result code.
  if (absl::StrContains(*out, "Failed") || absl::StrContains(*out, "rror")) {
    last_error_ = absl::FailedPreconditionError(*out);
    return last_error_;
  }
  ++written_;
  last_error_ = absl::OkStatus();
  return absl::OkStatus();
}

JitRows JavaTarget::CompiledFrameRows() const {
  if (written_ == 0 || !last_error_.ok()) return {};
  absl::StatusOr<ProcessHandle> handle = ProcessHandle::Open(pid_);
  if (!handle.ok()) return {};
  absl::StatusOr<int> ns_pid = handle->NamespacePid();
  std::ifstream in(handle->RootPath(absl::StrCat("/tmp/perf-", ns_pid.ok() ? *ns_pid : pid_,
                                                 ".map")));
  std::stringstream text;
  text << in.rdbuf();
  return BuildJitRows(pid_, ParsePerfMap(text.str()));
}

void JavaTarget::ReadMethodLayout(const ModuleMap& modules) {
  if (methods_) return;
  auto names = JavaMethodNames::ForJvm(pid_, modules);
  if (!names.ok()) {
    methods_error_ = names.status();
    return;
  }
  methods_ = *std::move(names);
  methods_error_ = absl::OkStatus();
}

std::optional<std::string> JavaTarget::MethodName(uint64_t method) {
  return methods_ ? methods_->Name(method) : std::nullopt;
}

std::vector<std::string> JavaTarget::Notes() const {
  std::vector<std::string> notes;
  if (!last_error_.ok()) {
    notes.push_back(absl::StrCat(
        "Java: compiled Java frames are not named (the JVM's perf map could not be ",
        written_ > 0 ? "written again" : "written", ": ", last_error_.message(), ")"));
  } else if (written_ > 0) {
    notes.push_back(
        "Java: compiled Java frames are named from the JVM's perf map, written through "
        "its attach listener (jcmd Compiler.perfmap, no restart)");
  }
  notes.push_back(
      methods_error_.ok()
          ? "Java: interpreted frames are named from the Method* in their frame, read with the "
            "JVM's own VMStructs layout"
          : absl::StrCat("Java: interpreted frames show as \"Interpreter\" (",
                         methods_error_.message(), ")"));
  notes.push_back(
      "Java: a method compiled less than 10 s before it allocated may have no unwind row yet "
      "(its stacks end in [truncated] unless the JVM runs with -XX:+PreserveFramePointer)");
  return notes;
}

}  // namespace allocprof
