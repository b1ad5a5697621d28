// A CPython interpreter in the target: the object that holds it
// (libpython3.X.so, or a python executable linked with it, which exports
// _PyRuntime), its version, and whether allocprof knows its layout and it
// checks out (python_layout.h). When it does, the BPF walk records the
// Python frames of every stack through the interpreter
// (bpf/python_frames.bpf.h) and this names them; when not, a note says why
// and the interpreter's frames stay native ones.
#ifndef ALLOCPROF_USERSPACE_PYTHON_PYTHON_TARGET_H_
#define ALLOCPROF_USERSPACE_PYTHON_PYTHON_TARGET_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "bpf/events.h"
#include "userspace/common/target_memory.h"
#include "userspace/python/code_names.h"
#include "userspace/python/python_layout.h"
#include "userspace/symbols/frame.h"
#include "userspace/symbols/module_map.h"

namespace allocprof {

// What the interpreter's object exports, at their runtime addresses.
struct PythonSymbols {
  uint64_t runtime = 0;  // _PyRuntime
  uint64_t runtime_size = 0;
  uint64_t version = 0;  // Py_Version (3.11 on); 0: not exported
  uint64_t eval = 0;     // _PyEval_EvalFrameDefault
  uint64_t eval_size = 0;
  PythonCodeNames::Types types;
};

// The dynamic symbols above of the ELF file `path`, with `bias` added;
// NotFound when it exports no _PyRuntime (it is no interpreter).
absl::StatusOr<PythonSymbols> ReadPythonSymbols(const std::string& path, uint64_t bias);

// The minor version a CPython object's file name gives ("python3.9",
// "libpython3.10.so.1.0"); nullopt for another name.
std::optional<int> PythonMinorFromName(const std::string& path);

// Checks the layout against the interpreter's object: _PyRuntime's size.
absl::Status CheckPythonRuntimeSize(const PythonSymbols& symbols, const PythonLayout& layout);
// Checks the layout against the running interpreter: its main interpreter
// and that one's first thread point back where the layout says.
// Unavailable while the interpreter is not yet initialised.
absl::Status CheckPythonLayout(const TargetMemory& memory, const PythonSymbols& symbols,
                               const PythonLayout& layout);

class PythonTarget {
 public:
  // The interpreter among `modules`, read through `memory`; NotFound when
  // there is none.
  static absl::StatusOr<std::unique_ptr<PythonTarget>> Find(const ModuleMap& modules,
                                                            TargetMemory memory);

  // The walk's view of the interpreter, once its version and its
  // _PyRuntime's size (and from 3.13 its _Py_DebugOffsets) check out;
  // nullopt before.
  std::optional<ap_python_runtime> Runtime() const;
  // Checks the layout against the running interpreter (CheckPythonLayout),
  // again while it is initialising (pending()); any other error means the
  // layout is not this interpreter's.
  absl::Status Check();
  bool pending() const { return absl::IsUnavailable(status_); }

  // Names a frame the walk recorded (bpf/events.h, AP_FRAME_PYTHON).
  bool Describe(uint64_t value, Frame* frame);

  // "Python 3.11.2 (/usr/bin/python3.11)".
  const std::string& description() const { return description_; }
  // The interpreter's object, as the target sees it.
  const std::string& path() const { return path_; }
  // Why its frames are not named, if they are not.
  std::vector<std::string> Notes() const;

 private:
  PythonTarget(TargetMemory memory, std::string path, const PythonSymbols& symbols)
      : memory_(std::move(memory)), path_(std::move(path)), symbols_(symbols) {}

  TargetMemory memory_;
  std::string path_;
  PythonSymbols symbols_;
  std::string description_;
  std::optional<PythonLayout> layout_;
  absl::Status status_ = absl::UnavailableError("not checked yet");
  std::unique_ptr<PythonCodeNames> names_;
};

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_PYTHON_PYTHON_TARGET_H_
