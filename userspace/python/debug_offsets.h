// The layout CPython 3.13 publishes about itself: _Py_DebugOffsets, the
// first member of _PyRuntime (Include/internal/pycore_runtime.h), which
// starts with the cookie "xdebugpy" and the interpreter's PY_VERSION_HEX
// and gives the offsets of the fields out-of-process tools read. Its own
// layout changes between minor versions (3.14 added fields in the middle),
// so this reads 3.13's only. The bytes are the target's: every offset is
// checked to lie inside the structure whose size the same table gives,
// and every size against a bound, before any is believed.
#ifndef ALLOCPROF_USERSPACE_PYTHON_DEBUG_OFFSETS_H_
#define ALLOCPROF_USERSPACE_PYTHON_DEBUG_OFFSETS_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "userspace/python/python_layout.h"

namespace allocprof {

// sizeof(_Py_DebugOffsets) in 3.13: the bytes to read from _PyRuntime.
inline constexpr uint32_t kPythonDebugOffsetsSize = 584;

// Is there a _Py_DebugOffsets at the start of `runtime` (its cookie)?
bool HasPythonDebugOffsets(absl::string_view runtime);

// The interpreter's version (PY_VERSION_HEX) from its _Py_DebugOffsets.
uint64_t PythonDebugOffsetsVersion(absl::string_view runtime);

// The layout in the _Py_DebugOffsets at the start of `runtime` (at least
// kPythonDebugOffsetsSize bytes of _PyRuntime) of an interpreter whose
// _PyRuntime symbol is `runtime_size` bytes. FailedPrecondition, saying
// why, when it is not 3.13's, is a free-threaded build's, or an offset or
// size is out of bounds.
absl::StatusOr<PythonLayout> PythonLayoutFromDebugOffsets(absl::string_view runtime,
                                                          uint64_t runtime_size);

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_PYTHON_DEBUG_OFFSETS_H_
