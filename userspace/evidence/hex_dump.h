// What --peek shows of a buffer: a hex dump with the printable bytes beside
// it (as `hexdump -C` does) and the printable strings picked out, so a
// request id or a URL in a leaked buffer is read at a glance.
#ifndef ALLOCPROF_USERSPACE_EVIDENCE_HEX_DUMP_H_
#define ALLOCPROF_USERSPACE_EVIDENCE_HEX_DUMP_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace allocprof {

// One line per 16 bytes:
// "0010  61 62 63 64 65 66 67 68  69 6a 6b 6c 6d 6e 6f 70  |abcdefghijklmnop|"
// Short last lines are padded so the text column stays aligned.
std::vector<std::string> HexDumpLines(absl::string_view bytes);

// Runs of at least `min_length` printable ASCII characters (space to '~'),
// in order.
std::vector<std::string> PrintableStrings(absl::string_view bytes,
                                          size_t min_length = 4);

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_EVIDENCE_HEX_DUMP_H_
