#include "userspace/python/python_layout.h"

#include "absl/strings/str_cat.h"

namespace allocprof {

std::optional<PythonLayout> PythonLayoutFor(int major, int minor) {
  if (major != 3 || minor != 11) return std::nullopt;
  PythonLayout l;
  l.minor = 11;
  l.runtime_size = 166688;
  l.runtime_interp_head = 40;
  l.runtime_tstate_current = 576;
  l.interp_threads_head = 16;
  l.interp_runtime = 40;
  l.tstate_next = 8;
  l.tstate_interp = 16;
  l.tstate_cframe = 56;
  l.tstate_native_thread_id = 160;
  l.cframe_current_frame = 8;
  l.frame_code = 32;
  l.frame_previous = 48;
  l.frame_prev_instr = 56;
  l.frame_is_entry = 68;
  l.code_firstlineno = 72;
  l.code_filename = 112;
  l.code_name = 120;
  l.code_qualname = 128;
  l.code_linetable = 136;
  l.code_adaptive = 184;
  l.object_type = 8;
  l.var_object_size = 16;
  l.bytes_data = 32;
  l.unicode_length = 16;
  l.unicode_state = 32;
  l.unicode_ascii_data = 48;
  l.unicode_compact_data = 72;
  return l;
}

std::string PythonVersionText(uint64_t version_hex) {
  return absl::StrCat((version_hex >> 24) & 0xff, ".", (version_hex >> 16) & 0xff, ".",
                      (version_hex >> 8) & 0xff);
}

}  // namespace allocprof
