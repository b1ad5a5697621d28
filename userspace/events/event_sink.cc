#include "userspace/events/event_sink.h"

#include <sys/mman.h>

#include "absl/strings/match.h"

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

namespace {

// glibc's program interpreter. musl's loader is also its C library, whose
// mmap wrapper the program itself calls, so it is not matched.
bool IsGlibcLoaderPath(absl::string_view path) {
  absl::string_view name = path.substr(path.rfind('/') + 1);
  return absl::StartsWith(name, "ld-linux") || absl::StartsWith(name, "ld.so");
}

}  // namespace

bool EventSink::MadeByLoader(const ap_event& e) {
  if (!resolver_ || !modules_ || e.stack_id < 0) return false;
  const std::vector<uint64_t>& frames = resolver_->KernelFrames(e.stack_id);
  if (frames.empty()) return false;
  const Module* module = modules_->Find(frames[0]);
  return module != nullptr && IsGlibcLoaderPath(module->path);
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
