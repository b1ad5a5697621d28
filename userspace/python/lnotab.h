// CPython 3.8's and 3.9's line number table (PyCodeObject.co_lnotab): the
// source line of an instruction, decoded as their PyCode_Addr2Line does
// (Objects/codeobject.c; the format is Objects/lnotab_notes.txt). The
// table is the target's bytes.
//
// It is a run of byte pairs: how many bytes of code the previous line
// covers (unsigned), then the line delta (signed, -128 to 127). From line
// co_firstlineno at offset 0, each pair moves the offset on; an
// instruction's line is the sum of the deltas of the pairs whose offset
// is at or before it. A trailing odd byte is ignored, as in CPython.
#ifndef ALLOCPROF_USERSPACE_PYTHON_LNOTAB_H_
#define ALLOCPROF_USERSPACE_PYTHON_LNOTAB_H_

#include <optional>

#include "absl/strings/string_view.h"

namespace allocprof {

// The line of the instruction at byte offset `offset` of a code object
// whose first line is `first_line`: CPython's answer, except that a line
// a hostile table's deltas took below 0 is nullopt. Every offset has a
// line in this format, those past the table the last one's.
std::optional<int> PythonLnotabLineOf(absl::string_view table, int first_line, int offset);

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_PYTHON_LNOTAB_H_
