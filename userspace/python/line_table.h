// CPython 3.11's location table (PyCodeObject.co_linetable): the source
// line of an instruction, decoded as CPython's own PyCode_Addr2Line does
// (Objects/codeobject.c, the address-range iterator). The table is the
// target's bytes: a table that ends mid-entry or runs short of the offset
// asked for gives no line, never a read past its end.
//
// Each entry starts with a byte whose top bit is set: bits 3-6 its code,
// bits 0-2 how many code units (2 bytes each) it covers, less one. Its
// line is the previous entry's plus a delta:
//   15 (none)           no line (the entry's line is -1), delta 0;
//   13 (no columns), 14 (long)
//                       a signed varint follows the first byte;
//   10, 11, 12 (one line)
//                       0, 1, 2;
//   0-9 (short forms)   0.
// A varint is 6-bit groups, least significant first, bit 6 set in each
// group but the last; a signed one keeps its sign in bit 0.
#ifndef ALLOCPROF_USERSPACE_PYTHON_LINE_TABLE_H_
#define ALLOCPROF_USERSPACE_PYTHON_LINE_TABLE_H_

#include <cstdint>
#include <optional>

#include "absl/strings/string_view.h"

namespace allocprof {

// The line of the instruction at byte offset `offset` of a code object
// whose first line is `first_line` (co_firstlineno) and whose location
// table is `table`. A negative offset (before the first instruction) is
// the first line, as in CPython. nullopt: the table gives the instruction
// no line (-1 in CPython), or does not cover the offset, or is malformed.
std::optional<int> PythonLineOf(absl::string_view table, int first_line, int offset);

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_PYTHON_LINE_TABLE_H_
