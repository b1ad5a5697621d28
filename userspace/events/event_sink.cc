#include "userspace/events/event_sink.h"

#include <sys/mman.h>

namespace allocprof {

StackRef EventSink::StackOf(const ap_event& e,
                            absl::Span<const uint64_t> stack_words) {
  uint64_t caller = (e.flags & AP_F_HAS_CALLER) ? e.caller : 0;
  if (!stack_words.empty() && resolver_ && return_slots_ && e.stack_id >= 0) {
    caller = SyscallCaller(*return_slots_, resolver_->KernelFrames(e.stack_id),
                           stack_words, caller);
  }
  return stacks_.Intern({e.stack_id, caller});
}

void EventSink::Handle(const ap_event& e, absl::Span<const uint64_t> stack_words) {
  ++handled_;
  const bool in_allocator = e.flags & AP_F_IN_ALLOCATOR;
  switch (e.type) {
    case AP_EV_ALLOC:
      aggregator_.OnAlloc(StackOf(e, stack_words), e.addr, e.size);
      break;
    case AP_EV_FREE:
      aggregator_.OnFree(e.addr);
      break;
    case AP_EV_REALLOC:
      aggregator_.OnRealloc(StackOf(e, stack_words), e.addr2, e.addr, e.size);
      break;
    case AP_EV_MMAP: {
      MapCall call;
      call.addr = e.addr;
      call.len = e.size;
      call.prot = e.prot;
      call.flags = e.map_flags;
      call.file_backed = e.flags & AP_F_FILE_BACKED;
      call.in_allocator = in_allocator;
      if ((e.prot & PROT_EXEC) && call.file_backed) new_code_ = true;
      aggregator_.OnMmap(StackOf(e, stack_words), call);
      break;
    }
    case AP_EV_MUNMAP:
      aggregator_.OnMunmap(e.addr, e.size);
      break;
    case AP_EV_MREMAP:
      aggregator_.OnMremap(StackOf(e, stack_words), e.addr2, e.size2, e.addr, e.size,
                           e.map_flags, in_allocator);
      break;
    case AP_EV_MPROTECT:
      if (e.prot & PROT_EXEC) new_code_ = true;
      aggregator_.OnMprotect(StackOf(e, stack_words), e.addr, e.size, e.prot, in_allocator);
      break;
    case AP_EV_BRK:
      aggregator_.OnBrk(StackOf(e, stack_words), e.addr2, e.addr, in_allocator);
      break;
    default:
      break;
  }
}

}  // namespace allocprof
