// One record from the BPF ring buffer, as the struct its type names
// (bpf/events.h).
#ifndef ALLOCPROF_USERSPACE_EVENTS_RECORD_H_
#define ALLOCPROF_USERSPACE_EVENTS_RECORD_H_

#include <type_traits>
#include <variant>

#include "bpf/events.h"

namespace allocprof {

using Record =
    std::variant<ap_alloc_record, ap_realloc_record, ap_free_record, ap_mmap_record,
                 ap_munmap_record, ap_mremap_record, ap_mprotect_record, ap_brk_record,
                 ap_page_fault_record, ap_madvise_record, ap_jit_code_record, ap_exec_record>;

// The header every record starts with.
template <typename T>
const ap_record_header& HeaderOf(const T& record) {
  if constexpr (std::is_same_v<T, ap_realloc_record>) {
    return record.alloc.hdr;
  } else {
    return record.hdr;
  }
}

inline const ap_record_header& HeaderOf(const Record& record) {
  return std::visit([](const auto& r) -> const ap_record_header& { return HeaderOf(r); },
                    record);
}

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_EVENTS_RECORD_H_
