#include "userspace/python/python_layout.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "bpf/events.h"

namespace allocprof {
namespace {

// The offsets below are offsetof() and sizeof() over each release's own
// headers (Include/, Include/cpython/, Include/internal/, with the
// pyconfig.h its ./configure writes on x86-64 Linux), compiled with
// Py_BUILD_CORE: 3.8.16, Debian's 3.9.2 (libpython3.9-dev), 3.10.13,
// Debian's 3.11.2 (python3.11-dev; python_layout_test.cc compares it with
// the installed headers on every run) and 3.12.5. _PyRuntime's symbol size
// in Debian's libpython3.9 and 3.11 is the sizeof() here.

// Objects: the same from 3.8 to 3.11, which keep a wstr pointer in every
// str (3.12 dropped it).
void SetObjects(PythonLayout* l) {
  l->object_type = 8;
  l->var_object_size = 16;
  l->bytes_data = 32;
  l->unicode_length = 16;
  l->unicode_state = 32;
  l->unicode_ascii_data = 48;
  l->unicode_compact_data = 72;
}

// 3.8 to 3.10: PyFrameObject and a code object without co_qualname; the
// same offsets in all three but f_lasti and the runtime's.
PythonLayout FrameObjects(int minor) {
  PythonLayout l;
  l.minor = minor;
  l.shape = AP_PY_FRAME_OBJECTS | AP_PY_PTHREAD_IDS | (minor < 10 ? AP_PY_LASTI_BYTES : 0);
  l.runtime_interp_head = 32;
  l.interp_threads_head = 8;  // tstate_head
  l.interp_runtime = minor >= 9 ? 16 : 0;
  l.tstate_next = 8;
  l.tstate_interp = 16;
  l.tstate_frame = 24;        // frame
  l.tstate_thread_id = 176;   // thread_id
  l.frame_code = 32;          // f_code
  l.frame_previous = 24;      // f_back
  l.frame_instr = minor < 10 ? 104 : 96;  // f_lasti
  l.code_firstlineno = 40;
  l.code_filename = 104;
  l.code_name = 112;
  l.code_linetable = 120;     // co_lnotab (3.8, 3.9), co_linetable (3.10)
  l.line_table = minor < 10 ? PythonLineTableFormat::kLnotab
                            : PythonLineTableFormat::kLineTable310;
  SetObjects(&l);
  return l;
}

PythonLayout Python38() {
  PythonLayout l = FrameObjects(8);
  l.runtime_size = 1464;
  l.runtime_tstate_current = 1368;
  return l;
}

PythonLayout Python39() {
  PythonLayout l = FrameObjects(9);
  l.runtime_size = 656;
  l.runtime_tstate_current = 568;
  return l;
}

PythonLayout Python310() {
  PythonLayout l = FrameObjects(10);
  l.runtime_size = 672;
  l.runtime_tstate_current = 568;
  return l;
}

PythonLayout Python311() {
  PythonLayout l;
  l.minor = 11;
  l.shape = AP_PY_VIA_CFRAME | AP_PY_ENTRY_FLAG;
  l.runtime_size = 166688;
  l.runtime_interp_head = 40;
  l.runtime_tstate_current = 576;
  l.interp_threads_head = 16;
  l.interp_runtime = 40;
  l.tstate_next = 8;
  l.tstate_interp = 16;
  l.tstate_frame = 56;       // cframe
  l.tstate_thread_id = 160;  // native_thread_id
  l.cframe_current_frame = 8;
  l.frame_code = 32;
  l.frame_previous = 48;
  l.frame_instr = 56;  // prev_instr
  l.frame_entry = 68;  // is_entry
  l.code_firstlineno = 72;
  l.code_filename = 112;
  l.code_name = 120;
  l.code_qualname = 128;
  l.code_linetable = 136;
  l.code_adaptive = 184;
  SetObjects(&l);
  return l;
}

PythonLayout Python312() {
  PythonLayout l;
  l.minor = 12;
  l.shape = AP_PY_VIA_CFRAME | AP_PY_CSTACK_SHIMS;
  l.runtime_size = 459992;
  l.runtime_interp_head = 40;
  // No tstate_current: the thread that holds the GIL is in a thread-local.
  l.interp_threads_head = 72;
  l.interp_runtime = 96;
  l.tstate_next = 8;
  l.tstate_interp = 16;
  l.tstate_frame = 56;       // cframe
  l.tstate_thread_id = 144;  // native_thread_id
  l.cframe_current_frame = 0;
  l.frame_code = 0;
  l.frame_previous = 8;
  l.frame_instr = 56;  // prev_instr
  l.frame_entry = 70;  // owner
  l.code_firstlineno = 68;
  l.code_filename = 112;
  l.code_name = 120;
  l.code_qualname = 128;
  l.code_linetable = 136;
  l.code_adaptive = 192;
  SetObjects(&l);
  l.unicode_ascii_data = 40;
  l.unicode_compact_data = 56;
  return l;
}

}  // namespace

std::optional<PythonLayout> PythonLayoutFor(int major, int minor) {
  if (major != 3) return std::nullopt;
  switch (minor) {
    case 8:
      return Python38();
    case 9:
      return Python39();
    case 10:
      return Python310();
    case 11:
      return Python311();
    case 12:
      return Python312();
    default:
      return std::nullopt;
  }
}

uint32_t PythonCodeHeaderSize(const PythonLayout& l) {
  return std::max({l.object_type + 8, l.code_firstlineno + 4, l.code_filename + 8,
                   l.code_name + 8, l.code_qualname + 8, l.code_linetable + 8});
}

std::string PythonVersionText(uint64_t version_hex) {
  return absl::StrCat((version_hex >> 24) & 0xff, ".", (version_hex >> 16) & 0xff, ".",
                      (version_hex >> 8) & 0xff);
}

}  // namespace allocprof
