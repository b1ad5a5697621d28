// Broken copies of a real ELF object, made the way a hostile target could
// make them, for the parsers that read its mapped objects. Each copy gets
// a build ID of its own.
#ifndef ALLOCPROF_TESTS_E2E_CRAFTED_ELF_H_
#define ALLOCPROF_TESTS_E2E_CRAFTED_ELF_H_

#include <string>

namespace allocprof::e2e {

// A copy of the 64-bit ELF object `from` at `to` whose .eh_frame_hdr says
// it lists 0xffffffff FDEs: a reader that sizes a table from the count
// allocates 64 GiB or reads far past the section. False, with *error set,
// if `from` has no .eh_frame_hdr in the usual encoding.
bool CraftFdeCount(const std::string& from, const std::string& to, std::string* error);

// A copy of `from` at `to` without its .eh_frame_hdr segment (so the CFI
// must be found by scanning the code, as for a static executable) and whose
// executable segment claims almost 4 GiB in the file and in memory: a scan
// that trusts the program header walks 4 GiB address by address.
bool CraftHugeCodeSegment(const std::string& from, const std::string& to,
                          std::string* error);

}  // namespace allocprof::e2e

#endif  // ALLOCPROF_TESTS_E2E_CRAFTED_ELF_H_
