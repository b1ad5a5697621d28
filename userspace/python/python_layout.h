// Where CPython keeps what allocprof reads, per minor version: the fields
// the BPF walk follows from _PyRuntime to the current thread's frames
// (bpf/python_frames.bpf.h), and those userspace names code objects by.
// CPython exports no description of its structures (unlike HotSpot's
// VMStructs), so these come from its headers (Include/internal/
// pycore_runtime.h, pycore_interp.h, pycore_frame.h, Include/cpython/
// pystate.h, code.h, unicodeobject.h) for x86-64 release builds, and are
// used only for an interpreter they check out against: its Py_Version,
// the size of its _PyRuntime, and pointers that must lead back to
// _PyRuntime (python_target.h).
#ifndef ALLOCPROF_USERSPACE_PYTHON_PYTHON_LAYOUT_H_
#define ALLOCPROF_USERSPACE_PYTHON_PYTHON_LAYOUT_H_

#include <cstdint>
#include <optional>
#include <string>

namespace allocprof {

struct PythonLayout {
  int minor = 0;              // 3.minor
  uint64_t runtime_size = 0;  // sizeof(_PyRuntimeState): _PyRuntime's symbol size
  // _PyRuntimeState
  uint32_t runtime_interp_head = 0;     // interpreters.head
  uint32_t runtime_tstate_current = 0;  // gilstate.tstate_current
  // PyInterpreterState
  uint32_t interp_threads_head = 0;
  uint32_t interp_runtime = 0;  // its _PyRuntimeState*
  // PyThreadState
  uint32_t tstate_next = 0;
  uint32_t tstate_interp = 0;
  uint32_t tstate_cframe = 0;
  uint32_t tstate_native_thread_id = 0;
  // _PyCFrame
  uint32_t cframe_current_frame = 0;
  // _PyInterpreterFrame
  uint32_t frame_code = 0;
  uint32_t frame_previous = 0;
  uint32_t frame_prev_instr = 0;
  uint32_t frame_is_entry = 0;
  // PyCodeObject
  uint32_t code_firstlineno = 0;  // int
  uint32_t code_filename = 0;
  uint32_t code_name = 0;
  uint32_t code_qualname = 0;
  uint32_t code_linetable = 0;  // a bytes object
  uint32_t code_adaptive = 0;   // the instructions
  // Objects (Include/object.h, bytesobject.h, unicodeobject.h)
  uint32_t object_type = 0;         // ob_type
  uint32_t var_object_size = 0;     // ob_size
  uint32_t bytes_data = 0;          // PyBytesObject.ob_sval
  uint32_t unicode_length = 0;      // PyASCIIObject.length
  uint32_t unicode_state = 0;       // PyASCIIObject.state
  uint32_t unicode_ascii_data = 0;  // sizeof(PyASCIIObject)
  uint32_t unicode_compact_data = 0;  // sizeof(PyCompactUnicodeObject)
};

// The layout of CPython 3.`minor`; nullopt for a version without one.
std::optional<PythonLayout> PythonLayoutFor(int major, int minor);

// "3.11.2" for a PY_VERSION_HEX (Py_Version) value.
std::string PythonVersionText(uint64_t version_hex);

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_PYTHON_PYTHON_LAYOUT_H_
