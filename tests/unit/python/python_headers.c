/* The offsets userspace/python/python_layout.cc holds for this host's
 * CPython, from the headers python3.11-dev installs (internal ones
 * included), for python_layout_test.cc. C, as CPython's internal headers
 * are. */
#define Py_BUILD_CORE 1
#include <Python.h>
#include <stddef.h>
#include <internal/pycore_frame.h>
#include <internal/pycore_interp.h>
#include <internal/pycore_runtime.h>

#include "tests/unit/python/python_headers.h"

void read_python_header_offsets(struct python_header_offsets *o)
{
	o->minor = PY_MINOR_VERSION;
	o->runtime_size = sizeof(_PyRuntimeState);
	o->runtime_interp_head = offsetof(_PyRuntimeState, interpreters.head);
	o->runtime_tstate_current = offsetof(_PyRuntimeState, gilstate.tstate_current);
	o->interp_threads_head = offsetof(PyInterpreterState, threads.head);
	o->interp_runtime = offsetof(PyInterpreterState, runtime);
	o->tstate_next = offsetof(PyThreadState, next);
	o->tstate_interp = offsetof(PyThreadState, interp);
	o->tstate_frame = offsetof(PyThreadState, cframe);
	o->tstate_thread_id = offsetof(PyThreadState, native_thread_id);
	o->cframe_current_frame = offsetof(_PyCFrame, current_frame);
	o->frame_code = offsetof(_PyInterpreterFrame, f_code);
	o->frame_previous = offsetof(_PyInterpreterFrame, previous);
	o->frame_instr = offsetof(_PyInterpreterFrame, prev_instr);
	o->frame_entry = offsetof(_PyInterpreterFrame, is_entry);
	o->code_firstlineno = offsetof(PyCodeObject, co_firstlineno);
	o->code_filename = offsetof(PyCodeObject, co_filename);
	o->code_name = offsetof(PyCodeObject, co_name);
	o->code_qualname = offsetof(PyCodeObject, co_qualname);
	o->code_linetable = offsetof(PyCodeObject, co_linetable);
	o->code_adaptive = offsetof(PyCodeObject, co_code_adaptive);
	o->object_type = offsetof(PyObject, ob_type);
	o->var_object_size = offsetof(PyVarObject, ob_size);
	o->bytes_data = offsetof(PyBytesObject, ob_sval);
	o->unicode_length = offsetof(PyASCIIObject, length);
	o->unicode_state = offsetof(PyASCIIObject, state);
	o->unicode_ascii_data = sizeof(PyASCIIObject);
	o->unicode_compact_data = sizeof(PyCompactUnicodeObject);
}
