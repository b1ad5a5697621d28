#include "userspace/session/python_session.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <ostream>

#include "absl/strings/str_cat.h"
#include "userspace/python/pymalloc_arenas.h"

namespace allocprof {
namespace {

// An interpreter still initialising has no threads to walk yet; one
// launched with -- CMD may run a short script: checked again soon (three
// reads a check).
constexpr absl::Duration kCheckAgain = absl::Milliseconds(100);

}  // namespace

void PythonSession::Notice() {
  if (python_) return;
  absl::StatusOr<TargetMemory> memory = process_.OpenMemory();
  if (!memory.ok()) return;
  absl::StatusOr<std::unique_ptr<PythonTarget>> found =
      PythonTarget::Find(symbolizer_.modules(), *std::move(memory));
  if (!found.ok()) return;
  python_ = *std::move(found);
  // Walked from the start, before the interpreter is up (a script launched
  // with -- CMD may be done before it is checked again): its version and
  // _PyRuntime's size have checked out, and every read in BPF is checked.
  std::optional<ap_python_runtime> runtime = python_->Runtime();
  if (runtime && walks_) {
    // Its threads know themselves by their ids in its PID namespace.
    struct stat ns = {};
    absl::StatusOr<UniqueFd> fd = process_.OpenProcFile("ns/pid", O_RDONLY);
    if (fd.ok() && fstat(fd->get(), &ns) == 0) {
      runtime->pidns_dev = ns.st_dev;
      runtime->pidns_ino = ns.st_ino;
    }
    PythonTarget* python = python_.get();
    symbolizer_.set_python_frames(
        [python](uint64_t value, Frame* frame) { return python->Describe(value, frame); });
    probes_.SetPythonRuntime(*runtime);
    published_ = true;
  }
  Check();
}

void PythonSession::Check() {
  next_check_ = absl::InfiniteFuture();
  const absl::Status checked = python_->Check();
  if (python_->pending()) {
    next_check_ = absl::Now() + kCheckAgain;
    return;
  }
  if (!checked.ok() && published_) {
    // The running interpreter is not laid out as its version said.
    probes_.SetPythonRuntime(ap_python_runtime{});
    symbolizer_.set_python_frames(nullptr);
    published_ = false;
  }
  if (std::ostream* verbose = log_.verbose()) {
    *verbose << "allocprof: " << python_->description() << ": "
          << (published_ ? "its Python frames are walked" : "native frames only") << "\n";
  }
}

void PythonSession::Tick() {
  if (python_ && absl::Now() >= next_check_) Check();
}

absl::Duration PythonSession::UntilDue() const {
  return std::max(next_check_ - absl::Now(), absl::ZeroDuration());
}

std::vector<std::string> PythonSession::Notes(const Profile& profile) const {
  // One that never finished initialising ran no Python code.
  if (!python_ || (published_ && python_->pending())) return {};
  std::vector<std::string> notes = python_->Notes();
  if (notes.empty() && !walks_) {
    notes.push_back(absl::StrCat(python_->description(),
                                 ": its Python functions show as the interpreter's native "
                                 "frames: --unwind fp does not walk them"));
  }
  if (std::string arenas = PymallocArenaNote(profile, python_->path()); !arenas.empty()) {
    notes.push_back(std::move(arenas));
  }
  return notes;
}

}  // namespace allocprof
