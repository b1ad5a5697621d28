// Records as BPF fills them (bpf/events.h), for the event tests: zeroed but
// for the type and the fields named.
#ifndef ALLOCPROF_TESTS_UNIT_EVENTS_TEST_RECORDS_H_
#define ALLOCPROF_TESTS_UNIT_EVENTS_TEST_RECORDS_H_

#include <cstdint>

#include "bpf/events.h"

namespace allocprof {

inline ap_alloc_record AllocRecord(uint64_t block, uint64_t size, int32_t stack_id = 1) {
  ap_alloc_record r = {};
  r.hdr.type = AP_EV_ALLOC;
  r.block = block;
  r.size = size;
  r.stack_id = stack_id;
  return r;
}

inline ap_realloc_record ReallocRecord(uint64_t old_block, uint64_t new_block, uint64_t new_size,
                                       int32_t stack_id = 1) {
  ap_realloc_record r = {};
  r.alloc = AllocRecord(new_block, new_size, stack_id);
  r.alloc.hdr.type = AP_EV_REALLOC;
  r.old_block = old_block;
  return r;
}

inline ap_free_record FreeRecord(uint64_t block, uint64_t sp = 0) {
  ap_free_record r = {};
  r.hdr.type = AP_EV_FREE;
  r.block = block;
  r.sp = sp;
  return r;
}

inline ap_mmap_record MmapRecord(uint64_t addr, uint64_t len, uint32_t prot,
                                 int32_t stack_id = 1) {
  ap_mmap_record r = {};
  r.hdr.type = AP_EV_MMAP;
  r.addr = addr;
  r.len = len;
  r.prot = prot;
  r.stack.stack_id = stack_id;
  return r;
}

inline ap_munmap_record MunmapRecord(uint64_t addr, uint64_t len) {
  ap_munmap_record r = {};
  r.hdr.type = AP_EV_MUNMAP;
  r.addr = addr;
  r.len = len;
  return r;
}

inline ap_mremap_record MremapRecord(uint64_t old_addr, uint64_t old_len, uint64_t new_addr,
                                     uint64_t new_len, uint32_t mremap_flags,
                                     int32_t stack_id = 1) {
  ap_mremap_record r = {};
  r.hdr.type = AP_EV_MREMAP;
  r.old_addr = old_addr;
  r.old_len = old_len;
  r.new_addr = new_addr;
  r.new_len = new_len;
  r.mremap_flags = mremap_flags;
  r.stack.stack_id = stack_id;
  return r;
}

inline ap_mprotect_record MprotectRecord(uint64_t addr, uint64_t len, uint32_t prot,
                                         int32_t stack_id = 1) {
  ap_mprotect_record r = {};
  r.hdr.type = AP_EV_MPROTECT;
  r.addr = addr;
  r.len = len;
  r.prot = prot;
  r.stack.stack_id = stack_id;
  return r;
}

inline ap_brk_record BrkRecord(uint64_t old_brk, uint64_t new_brk, int32_t stack_id = 1) {
  ap_brk_record r = {};
  r.hdr.type = AP_EV_BRK;
  r.old_brk = old_brk;
  r.new_brk = new_brk;
  r.stack.stack_id = stack_id;
  return r;
}

inline ap_page_fault_record PageFaultRecord(uint64_t page, uint64_t huge_start = 0,
                                            uint64_t huge_len = 0, int32_t stack_id = 1) {
  ap_page_fault_record r = {};
  r.hdr.type = AP_EV_PAGE_FAULT;
  r.page = page;
  r.huge_start = huge_start;
  r.huge_len = huge_len;
  r.stack.stack_id = stack_id;
  return r;
}

inline ap_madvise_record MadviseRecord(uint64_t addr, uint64_t len, uint32_t advice) {
  ap_madvise_record r = {};
  r.hdr.type = AP_EV_MADVISE;
  r.addr = addr;
  r.len = len;
  r.advice = advice;
  return r;
}

inline ap_jit_code_record JitCodeRecord(uint64_t code, uint64_t code_size) {
  ap_jit_code_record r = {};
  r.hdr.type = AP_EV_JIT_CODE;
  r.code = code;
  r.code_size = code_size;
  return r;
}

inline ap_exec_record ExecRecord() {
  ap_exec_record r = {};
  r.hdr.type = AP_EV_EXEC;
  return r;
}

}  // namespace allocprof

#endif  // ALLOCPROF_TESTS_UNIT_EVENTS_TEST_RECORDS_H_
