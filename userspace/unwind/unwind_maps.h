// Where the unwind tables live in BPF, as the loaded object hands them to
// UnwindTables (unwind_tables.h). Plain descriptors and a pointer, so that
// the table builder and its tests need no BPF skeleton.
#ifndef ALLOCPROF_USERSPACE_UNWIND_UNWIND_MAPS_H_
#define ALLOCPROF_USERSPACE_UNWIND_UNWIND_MAPS_H_

#include <cstdint>

namespace allocprof {

// The row array and the two mapping tables are mmap-able arrays; `index`
// is the BPF program's unwind_index in its mapped .bss.
struct UnwindMaps {
  int rows_fd = -1;
  uint32_t row_capacity = 0;
  int mappings_fd = -1;
  volatile uint64_t* index = nullptr;
};

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_UNWIND_UNWIND_MAPS_H_
