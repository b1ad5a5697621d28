// Unwind rows of an object's .eh_frame as libdw's dwarf_cfi_addrframe()
// gives them, row by row over the FDEs its .eh_frame_hdr lists: the
// reference cfi_program.h is checked against on the host's own objects.
// Trusted input only: libdw sizes its register array from the CFI.
#ifndef ALLOCPROF_TESTS_UNIT_UNWIND_LIBDW_REFERENCE_ROWS_H_
#define ALLOCPROF_TESTS_UNIT_UNWIND_LIBDW_REFERENCE_ROWS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "bpf/events.h"

namespace allocprof {

// Sorted by pc, neighbours alike merged, as CfiRows::rows.
absl::StatusOr<std::vector<ap_unwind_row>> LibdwReferenceRows(const std::string& path);

}  // namespace allocprof

#endif  // ALLOCPROF_TESTS_UNIT_UNWIND_LIBDW_REFERENCE_ROWS_H_
