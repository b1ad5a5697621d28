// CPython 3.10's line table (PyCodeObject.co_linetable): the source line
// of an instruction, decoded as its PyCode_Addr2Line does
// (Objects/codeobject.c, the address-range iterator; the format is
// Objects/lnotab_notes.txt). The table is the target's bytes.
//
// It is a run of byte pairs, each a range of code: its length in bytes
// (unsigned), then the line delta (signed; -128: the range has no line,
// and the line stays). Ranges of length 0 only carry their delta on to
// the next one.
#ifndef ALLOCPROF_USERSPACE_PYTHON_LINE_TABLE_310_H_
#define ALLOCPROF_USERSPACE_PYTHON_LINE_TABLE_310_H_

#include <optional>

#include "absl/strings/string_view.h"

namespace allocprof {

// The line of the instruction at byte offset `offset` of a code object
// whose first line is `first_line`. A negative offset is the first line,
// as in CPython. nullopt: the range has no line (-1 in CPython), the
// table does not reach the offset, ends in the middle of a pair or in
// empty ranges (where CPython would read past it), or takes the line
// below 0.
std::optional<int> Python310LineOf(absl::string_view table, int first_line, int offset);

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_PYTHON_LINE_TABLE_310_H_
