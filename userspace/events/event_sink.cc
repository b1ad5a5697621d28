#include "userspace/events/event_sink.h"

#include <sys/mman.h>

#include <algorithm>
#include <iterator>

#include "absl/strings/match.h"
#include "userspace/events/sampling.h"

namespace allocprof {

StackRef EventSink::StackOf(uint32_t flags, int32_t stack_id, uint64_t caller,
                            absl::Span<const uint64_t> stack_words, bool at_fault) {
  // A stack walked with CFI already holds every caller; a lost one keeps
  // the caller BPF read at [sp].
  if (flags & AP_F_UNWOUND) {
    const uint64_t lost_caller = (stack_id < 0 && (flags & AP_F_HAS_CALLER)) ? caller : 0;
    return stacks_.Intern({stack_id, lost_caller, 0, true});
  }
  if (!(flags & AP_F_HAS_CALLER)) caller = 0;
  uint64_t caller2 = 0;
  if (!stack_words.empty() && resolver_ && return_slots_ && stack_id >= 0) {
    const SyscallCallers found = FindSyscallCallers(
        *return_slots_, resolver_->KernelFrames(stack_id), stack_words, caller, at_fault);
    caller = found.caller;
    caller2 = found.caller2;
  }
  return stacks_.Intern({stack_id, caller, caller2});
}

StackRef EventSink::StackOf(const ap_alloc_record& r) {
  return StackOf(r.hdr.flags, r.stack_id, r.caller, {}, /*at_fault=*/false);
}

StackRef EventSink::StackOf(const ap_record_header& h, const ap_syscall_stack& s,
                            bool at_fault) {
  // __u64 is unsigned long long, uint64_t unsigned long: copied, not cast.
  uint64_t words[AP_SYSCALL_STACK_WORDS];
  std::copy(std::begin(s.words), std::end(s.words), words);
  return StackOf(h.flags, s.stack_id, s.caller, words, at_fault);
}

bool EventSink::ReleasedWithin(const ap_free_record& r) {
  auto [it, inserted] = last_free_.try_emplace(r.hdr.tid, LastFree{r.block, r.sp});
  if (inserted) return false;
  // The same block again, from deeper in the stack (or the same frame, for a
  // tail call) than the release just seen on this thread, and released by
  // it: that release's own implementation, which would count as a free of
  // an unknown block. A live block was allocated again in between (by
  // another thread): a release of its own.
  const bool nested = it->second.ptr == r.block && r.sp <= it->second.sp &&
                      !aggregator_.IsLiveBlock(r.block);
  if (!nested) it->second = LastFree{r.block, r.sp};
  return nested;
}

bool EventSink::MadeByLoader(const ap_record_header& h, const ap_syscall_stack& s) {
  if (!resolver_ || !modules_ || s.stack_id < 0) return false;
  const std::vector<uint64_t>& frames =
      resolver_->Frames(s.stack_id, h.flags & AP_F_UNWOUND);
  if (frames.empty()) return false;
  const Module* module = modules_->Find(frames[0]);
  return module != nullptr && IsGlibcLoaderPath(module->path);
}

bool EventSink::Handle(const Record& record) {
  // A record without a time (0) has the time of the one before it, within a
  // tick of the kernel's timer (bpf/maps.bpf.h, reserve_record()).
  const uint64_t ts_ns = HeaderOf(record).ts_ns;
  if (ts_ns != 0) aggregator_.SetTime(ts_ns);
  ++handled_;
  return std::visit([this](const auto& r) { return On(r); }, record);
}

namespace {

// A sampled block is counted as the bytes it stands for, so that every
// figure built on the aggregator is an estimate of the whole.
uint64_t HeapBytes(const ap_alloc_record& r) {
  return (r.hdr.flags & AP_F_SAMPLED) ? SampledBytes(r.size, r.sample_mean) : r.size;
}

}  // namespace

bool EventSink::On(const ap_alloc_record& r) {
  last_free_.erase(r.hdr.tid);
  aggregator_.OnAlloc(StackOf(r), r.block, HeapBytes(r), r.family);
  return false;
}

bool EventSink::On(const ap_realloc_record& r) {
  last_free_.erase(r.alloc.hdr.tid);
  aggregator_.OnRealloc(StackOf(r.alloc), r.old_block, r.alloc.block, HeapBytes(r.alloc),
                        r.alloc.family);
  return false;
}

bool EventSink::On(const ap_free_record& r) {
  if (!ReleasedWithin(r)) aggregator_.OnFree(r.block, r.family);
  return false;
}

bool EventSink::On(const ap_mmap_record& r) {
  // New code, whoever maps it (dlopen maps through the loader).
  if ((r.prot & PROT_EXEC) && (r.hdr.flags & AP_F_FILE_BACKED)) new_code_ = true;
  if (MadeByLoader(r.hdr, r.stack)) {
    ++loader_mappings_;
    return false;
  }
  MapCall call;
  call.addr = r.addr;
  call.len = r.len;
  call.prot = r.prot;
  call.flags = r.map_flags;
  call.file_backed = r.hdr.flags & AP_F_FILE_BACKED;
  call.in_allocator = r.hdr.flags & AP_F_IN_ALLOCATOR;
  aggregator_.OnMmap(StackOf(r.hdr, r.stack), call);
  return false;
}

bool EventSink::On(const ap_munmap_record& r) {
  aggregator_.OnMunmap(r.addr, r.len);
  return false;
}

bool EventSink::On(const ap_mremap_record& r) {
  aggregator_.OnMremap(StackOf(r.hdr, r.stack), r.old_addr, r.old_len, r.new_addr, r.new_len,
                       r.mremap_flags, r.hdr.flags & AP_F_IN_ALLOCATOR);
  return false;
}

bool EventSink::On(const ap_mprotect_record& r) {
  if (r.prot & PROT_EXEC) new_code_ = true;
  aggregator_.OnMprotect(StackOf(r.hdr, r.stack), r.addr, r.len, r.prot,
                         r.hdr.flags & AP_F_IN_ALLOCATOR);
  return false;
}

bool EventSink::On(const ap_brk_record& r) {
  aggregator_.OnBrk(StackOf(r.hdr, r.stack), r.old_brk, r.new_brk,
                    r.hdr.flags & AP_F_IN_ALLOCATOR);
  return false;
}

bool EventSink::On(const ap_page_fault_record& r) {
  aggregator_.OnPageFault(StackOf(r.hdr, r.stack, /*at_fault=*/true), r.page, r.huge_start,
                          r.huge_len);
  return false;
}

bool EventSink::On(const ap_madvise_record& r) {
  aggregator_.OnPagesDropped(r.addr, r.len);
  return false;
}

bool EventSink::On(const ap_jit_code_record& r) {
  jit_code_.push_back({r.code, r.code_size});
  return false;
}

bool EventSink::On(const ap_exec_record&) {
  aggregator_.OnExec();
  last_free_.clear();
  jit_code_.clear();
  new_code_ = true;
  return true;
}

}  // namespace allocprof
