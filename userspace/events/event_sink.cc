#include "userspace/events/event_sink.h"

#include <sys/mman.h>

#include "absl/strings/match.h"
#include "userspace/events/sampling.h"

namespace allocprof {

StackRef EventSink::StackOf(const ap_event& e,
                            absl::Span<const uint64_t> stack_words,
                            bool at_fault) {
  // A stack walked with CFI already holds every caller; a lost one keeps
  // the caller BPF read at [sp].
  if (e.flags & AP_F_UNWOUND) {
    const uint64_t lost_caller =
        (e.stack_id < 0 && (e.flags & AP_F_HAS_CALLER)) ? e.caller : 0;
    return stacks_.Intern({e.stack_id, lost_caller, 0, true});
  }
  uint64_t caller = (e.flags & AP_F_HAS_CALLER) ? e.caller : 0;
  uint64_t caller2 = 0;
  if (!stack_words.empty() && resolver_ && return_slots_ && e.stack_id >= 0) {
    const SyscallCallers found = FindSyscallCallers(
        *return_slots_, resolver_->KernelFrames(e.stack_id), stack_words, caller,
        at_fault);
    caller = found.caller;
    caller2 = found.caller2;
  }
  return stacks_.Intern({e.stack_id, caller, caller2});
}

bool EventSink::ReleasedWithin(const ap_event& e) {
  const uint64_t sp = e.addr2;
  auto [it, inserted] = last_free_.try_emplace(e.tid, LastFree{e.addr, sp});
  if (inserted) return false;
  // The same block again, from deeper in the stack (or the same frame, for a
  // tail call) than the release just seen on this thread, and released by
  // it: that release's own implementation, which would count as a free of
  // an unknown block. A live block was allocated again in between (by
  // another thread): a release of its own.
  const bool nested = it->second.ptr == e.addr && sp <= it->second.sp &&
                      !aggregator_.IsLiveBlock(e.addr);
  if (!nested) it->second = LastFree{e.addr, sp};
  return nested;
}

bool EventSink::MadeByLoader(const ap_event& e) {
  if (!resolver_ || !modules_ || e.stack_id < 0) return false;
  const std::vector<uint64_t>& frames =
      resolver_->Frames(e.stack_id, e.flags & AP_F_UNWOUND);
  if (frames.empty()) return false;
  const Module* module = modules_->Find(frames[0]);
  return module != nullptr && IsGlibcLoaderPath(module->path);
}

bool EventSink::Handle(const ap_event& e, absl::Span<const uint64_t> stack_words) {
  // A sampled block is counted as the bytes it stands for, so that every
  // figure built on the aggregator is an estimate of the whole.
  const uint64_t heap_size =
      (e.flags & AP_F_SAMPLED) ? SampledBytes(e.size, e.size2) : e.size;
  aggregator_.SetTime(e.ts_ns);
  ++handled_;
  const bool in_allocator = e.flags & AP_F_IN_ALLOCATOR;
  switch (e.type) {
    case AP_EV_ALLOC:
      last_free_.erase(e.tid);
      aggregator_.OnAlloc(StackOf(e, stack_words), e.addr, heap_size,
                          static_cast<uint16_t>(e.family));
      break;
    case AP_EV_FREE:
      if (!ReleasedWithin(e)) {
        aggregator_.OnFree(e.addr, static_cast<uint16_t>(e.family));
      }
      break;
    case AP_EV_REALLOC:
      last_free_.erase(e.tid);
      aggregator_.OnRealloc(StackOf(e, stack_words), e.addr2, e.addr, heap_size,
                            static_cast<uint16_t>(e.family));
      break;
    case AP_EV_MMAP: {
      // New code, whoever maps it (dlopen maps through the loader).
      if ((e.prot & PROT_EXEC) && (e.flags & AP_F_FILE_BACKED)) new_code_ = true;
      if (MadeByLoader(e)) {
        ++loader_mappings_;
        break;
      }
      MapCall call;
      call.addr = e.addr;
      call.len = e.size;
      call.prot = e.prot;
      call.flags = e.map_flags;
      call.file_backed = e.flags & AP_F_FILE_BACKED;
      call.in_allocator = in_allocator;
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
    case AP_EV_PAGE_FAULT:
      aggregator_.OnPageFault(StackOf(e, stack_words, /*at_fault=*/true), e.addr,
                              e.addr2, e.size2);
      break;
    case AP_EV_MADVISE:
      aggregator_.OnPagesDropped(e.addr, e.size);
      break;
    case AP_EV_JIT_CODE:
      jit_code_.push_back({e.addr, e.size});
      break;
    case AP_EV_EXEC:
      aggregator_.OnExec();
      last_free_.clear();
      jit_code_.clear();
      new_code_ = true;
      return true;
    default:
      break;
  }
  return false;
}

}  // namespace allocprof
