// Turns the BPF records (bpf/events.h) into the aggregator's calls.
#ifndef ALLOCPROF_USERSPACE_EVENTS_EVENT_SINK_H_
#define ALLOCPROF_USERSPACE_EVENTS_EVENT_SINK_H_

#include <cstdint>
#include <utility>
#include <vector>

#include "bpf/events.h"
#include "absl/container/flat_hash_map.h"
#include "absl/types/span.h"
#include "userspace/aggregate/aggregator.h"
#include "userspace/events/record.h"
#include "userspace/stacks/return_slot.h"
#include "userspace/stacks/stack_resolver.h"
#include "userspace/stacks/stack_table.h"
#include "userspace/symbols/module_map.h"

namespace allocprof {

class EventSink {
 public:
  // `resolver` gives the kernel's frames of a syscall record: with
  // `return_slots` they locate the caller of the C library's wrapper (see
  // SyscallCaller), with `modules` they tell mappings the dynamic loader
  // makes. Any may be null: BPF's guess is used, and nothing is set apart.
  EventSink(Aggregator& aggregator, StackTable& stacks,
            StackResolver* resolver = nullptr,
            ReturnSlotFinder* return_slots = nullptr,
            const ModuleMap* modules = nullptr)
      : aggregator_(aggregator),
        stacks_(stacks),
        resolver_(resolver),
        return_slots_(return_slots),
        modules_(modules) {}

  // Returns true after a record that changes what the records after it
  // mean (the target's exec: a new program, whose objects the modules do
  // not know yet): the caller refreshes them (TakeNewCode) before it hands
  // in the next record.
  bool Handle(const Record& record);

  // Records handled, and whether the target mapped new executable code since
  // the last call (symbols must then learn the new module).
  uint64_t handled() const { return handled_; }
  bool TakeNewCode() {
    bool v = new_code_;
    new_code_ = false;
    return v;
  }
  // Code a JIT installed since the last call (AP_EV_JIT_CODE), in order.
  struct JitCode {
    uint64_t start = 0;
    uint64_t size = 0;
  };
  std::vector<JitCode> TakeJitCode() { return std::exchange(jit_code_, {}); }
  // mmap calls the dynamic loader made (shared objects' code and data, its
  // own early heap): the loading of code, not allocations of the program,
  // so they are not passed on. Counted in calls: the loader maps a whole
  // object, then maps its segments over it, so bytes would add up twice.
  uint64_t loader_mappings() const { return loader_mappings_; }

 private:
  // One for each record type; true as Handle says.
  bool On(const ap_alloc_record& r);
  bool On(const ap_realloc_record& r);
  bool On(const ap_free_record& r);
  bool On(const ap_mmap_record& r);
  bool On(const ap_munmap_record& r);
  bool On(const ap_mremap_record& r);
  bool On(const ap_mprotect_record& r);
  bool On(const ap_brk_record& r);
  bool On(const ap_page_fault_record& r);
  bool On(const ap_madvise_record& r);
  bool On(const ap_jit_code_record& r);
  bool On(const ap_exec_record& r);

  // The stack of a heap record, taken at the allocator's entry.
  StackRef StackOf(const ap_alloc_record& r);
  // The stack of a syscall record, or of a page fault (`at_fault`).
  StackRef StackOf(const ap_record_header& h, const ap_syscall_stack& s,
                   bool at_fault = false);
  // `stack_words`: the user stack copied with a syscall record, empty for
  // a heap record.
  StackRef StackOf(uint32_t flags, int32_t stack_id, uint64_t caller,
                   absl::Span<const uint64_t> stack_words, bool at_fault);
  // The syscall instruction of a record with this stack lies in the
  // dynamic loader.
  bool MadeByLoader(const ap_record_header& h, const ap_syscall_stack& s);
  // A release made inside another probed release of the same block:
  // operator delete calls free, tcmalloc's sized delete jumps to its free.
  // Only the outermost one counts, with its allocator family.
  bool ReleasedWithin(const ap_free_record& r);

  Aggregator& aggregator_;
  StackTable& stacks_;
  StackResolver* resolver_;
  ReturnSlotFinder* return_slots_;
  const ModuleMap* modules_;
  // The last release seen on each thread (by tid), for ReleasedWithin.
  struct LastFree {
    uint64_t ptr;
    uint64_t sp;
  };
  absl::flat_hash_map<uint32_t, LastFree> last_free_;
  uint64_t handled_ = 0;
  uint64_t loader_mappings_ = 0;
  bool new_code_ = false;
  std::vector<JitCode> jit_code_;
};

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_EVENTS_EVENT_SINK_H_
