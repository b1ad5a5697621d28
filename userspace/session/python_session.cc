#include "userspace/session/python_session.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <ostream>

#include "absl/strings/str_cat.h"

namespace allocprof {
namespace {

// An interpreter still initialising has no threads to walk yet.
constexpr absl::Duration kCheckAgain = absl::Seconds(1);

}  // namespace

void PythonSession::Notice() {
  if (python_) return;
  absl::StatusOr<TargetMemory> memory = process_.OpenMemory();
  if (!memory.ok()) return;
  absl::StatusOr<std::unique_ptr<PythonTarget>> found =
      PythonTarget::Find(symbolizer_.modules(), *std::move(memory));
  if (!found.ok()) return;
  python_ = *std::move(found);
  Check();
}

void PythonSession::Check() {
  next_check_ = absl::InfiniteFuture();
  std::optional<ap_python_runtime> runtime = python_->Check();
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
    ready_ = true;
  } else if (python_->pending()) {
    next_check_ = absl::Now() + kCheckAgain;
  }
  if (log_) {
    *log_ << "allocprof: " << python_->description() << ": "
          << (ready_ ? "its Python frames are walked"
                     : (python_->pending() ? "initialising" : "native frames only"))
          << "\n";
  }
}

void PythonSession::Tick() {
  if (python_ && absl::Now() >= next_check_) Check();
}

absl::Duration PythonSession::UntilDue() const {
  return std::max(next_check_ - absl::Now(), absl::ZeroDuration());
}

std::vector<std::string> PythonSession::Notes() const {
  if (!python_) return {};
  std::vector<std::string> notes = python_->Notes();
  if (notes.empty() && !walks_) {
    notes.push_back(absl::StrCat(python_->description(),
                                 ": its Python functions show as the interpreter's native "
                                 "frames: --unwind fp does not walk them"));
  }
  return notes;
}

}  // namespace allocprof
