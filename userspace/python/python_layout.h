// Where CPython keeps what allocprof reads, per minor version: the fields
// the BPF walk follows from _PyRuntime to the current thread's frames
// (bpf/python_frames.bpf.h), and those userspace names code objects by.
// From 3.13 the interpreter publishes them itself (_Py_DebugOffsets at the
// start of _PyRuntime, read by debug_offsets.h); for 3.8 to 3.12 they come
// from a table made from each version's headers for x86-64 release builds.
// Either is used only for an interpreter it checks out against: the size
// of its _PyRuntime, and pointers that must lead back to _PyRuntime
// (python_target.h).
#ifndef ALLOCPROF_USERSPACE_PYTHON_PYTHON_LAYOUT_H_
#define ALLOCPROF_USERSPACE_PYTHON_PYTHON_LAYOUT_H_

#include <cstdint>
#include <optional>
#include <string>

namespace allocprof {

// How a code object maps instructions to lines.
enum class PythonLineTableFormat {
  kLnotab,         // co_lnotab, 3.8 and 3.9 (lnotab.h)
  kLineTable310,   // co_linetable, 3.10 (line_table_310.h)
  kLocationTable,  // co_linetable, 3.11 on (line_table.h)
};

struct PythonLayout {
  int minor = 0;              // 3.minor
  uint64_t runtime_size = 0;  // sizeof(_PyRuntimeState): _PyRuntime's symbol size
  uint32_t shape = 0;         // how frames are kept: AP_PY_* (bpf/events.h)
  // _PyRuntimeState
  uint32_t runtime_interp_head = 0;     // interpreters.head
  uint32_t runtime_tstate_current = 0;  // gilstate.tstate_current; 0: none (3.12 on)
  // PyInterpreterState
  uint32_t interp_threads_head = 0;  // threads.head (tstate_head before 3.11)
  uint32_t interp_runtime = 0;       // its _PyRuntimeState*; 0: none (3.8, 3.13 on)
  // PyThreadState
  uint32_t tstate_next = 0;
  uint32_t tstate_interp = 0;
  uint32_t tstate_frame = 0;      // cframe (3.11, 3.12), current_frame (3.13), frame
  uint32_t tstate_thread_id = 0;  // native_thread_id (3.11 on), thread_id
  // _PyCFrame (3.11, 3.12)
  uint32_t cframe_current_frame = 0;
  // _PyInterpreterFrame (3.11 on), PyFrameObject (before)
  uint32_t frame_code = 0;      // f_code, f_executable (3.13)
  uint32_t frame_previous = 0;  // previous, f_back
  uint32_t frame_instr = 0;     // prev_instr, instr_ptr (3.13), f_lasti
  uint32_t frame_entry = 0;     // is_entry (3.11), owner (3.12 on); 0: none
  // PyCodeObject
  uint32_t code_firstlineno = 0;  // int
  uint32_t code_filename = 0;
  uint32_t code_name = 0;
  uint32_t code_qualname = 0;   // 0: none (before 3.11): co_name names it
  uint32_t code_linetable = 0;  // a bytes object: co_linetable, co_lnotab
  uint32_t code_adaptive = 0;   // the instructions (3.11 on)
  PythonLineTableFormat line_table = PythonLineTableFormat::kLocationTable;
  // Objects (Include/object.h, bytesobject.h, unicodeobject.h)
  uint32_t object_type = 0;         // ob_type
  uint32_t var_object_size = 0;     // ob_size
  uint32_t bytes_data = 0;          // PyBytesObject.ob_sval
  uint32_t unicode_length = 0;      // PyASCIIObject.length
  uint32_t unicode_state = 0;       // PyASCIIObject.state
  uint32_t unicode_ascii_data = 0;  // sizeof(PyASCIIObject)
  uint32_t unicode_compact_data = 0;  // sizeof(PyCompactUnicodeObject)
};

// The table's layout of CPython 3.`minor` (3.8 to 3.12); nullopt for a
// version without one.
std::optional<PythonLayout> PythonLayoutFor(int major, int minor);

// The bytes of a code object that hold every field PythonLayout names.
uint32_t PythonCodeHeaderSize(const PythonLayout& layout);

// "3.11.2" for a PY_VERSION_HEX (Py_Version) value.
std::string PythonVersionText(uint64_t version_hex);

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_PYTHON_PYTHON_LAYOUT_H_
