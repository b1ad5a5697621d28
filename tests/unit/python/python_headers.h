/* python_headers.c's offsets, for the C++ test. */
#ifndef ALLOCPROF_TESTS_UNIT_PYTHON_PYTHON_HEADERS_H
#define ALLOCPROF_TESTS_UNIT_PYTHON_PYTHON_HEADERS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct python_header_offsets {
	uint64_t minor, runtime_size;
	uint64_t runtime_interp_head, runtime_tstate_current;
	uint64_t interp_threads_head, interp_runtime;
	uint64_t tstate_next, tstate_interp, tstate_frame, tstate_thread_id;
	uint64_t cframe_current_frame;
	uint64_t frame_code, frame_previous, frame_instr, frame_entry;
	uint64_t code_firstlineno, code_filename, code_name, code_qualname, code_linetable;
	uint64_t code_adaptive;
	uint64_t object_type, var_object_size, bytes_data;
	uint64_t unicode_length, unicode_state, unicode_ascii_data, unicode_compact_data;
};

void read_python_header_offsets(struct python_header_offsets *o);

#ifdef __cplusplus
}
#endif

#endif /* ALLOCPROF_TESTS_UNIT_PYTHON_PYTHON_HEADERS_H */
