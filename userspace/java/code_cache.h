// HotSpot's code cache, read from a running JVM with the layout its
// VMStructs give: which CodeBlob holds a code address, its frame size, and,
// for a compiled Java method (an nmethod), the Java methods it runs at one
// of its call sites -- its own and those the JIT inlined there, from its
// scope descriptors (PcDesc -> ScopeDesc chain).
//
// A blob is found as the JVM itself finds one (CodeHeap::find_block_for):
// each code heap keeps a segment map, one byte per segment, that counts
// back to the segment where the block holding it starts.
#ifndef ALLOCPROF_USERSPACE_JAVA_CODE_CACHE_H_
#define ALLOCPROF_USERSPACE_JAVA_CODE_CACHE_H_

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "bpf/events.h"
#include "userspace/java/vm_structs.h"

namespace allocprof {

// Field offsets, sizes and addresses the code cache is read with.
struct CodeCacheLayout {
  uint64_t heaps = 0;  // &CodeCache::_heaps, a GrowableArray<CodeHeap*>*
  uint64_t array_length = 0, array_data = 0;  // GrowableArray
  uint64_t heap_memory = 0, heap_segmap = 0, heap_log2_segment_size = 0;  // CodeHeap
  uint64_t space_low = 0, space_high = 0;  // VirtualSpace
  uint64_t heap_block_size = 0, block_used = 0;  // HeapBlock
  uint64_t blob_name = 0, blob_code_begin = 0, blob_code_end = 0, blob_frame_size = 0;
  uint64_t compiled_method = 0, compiled_scopes_data_begin = 0;  // CompiledMethod
  uint64_t nmethod_scopes_pcs_offset = 0, nmethod_dependencies_offset = 0;
  uint64_t nmethod_metadata_offset = 0;
  uint64_t pc_desc_size = 0, pc_desc_pc_offset = 0, pc_desc_scope_decode_offset = 0;

  static absl::StatusOr<CodeCacheLayout> From(const VmStructs& structs);
};

struct CodeBlob {
  uint64_t address = 0;  // the CodeBlob itself (its header)
  uint64_t code_begin = 0, code_end = 0;
  // Bytes from sp to the caller's sp at a call the blob makes
  // (CodeBlob::_frame_size, in words, includes the return address).
  uint32_t frame_size = 0;
  std::string name;         // CodeBlob::_name: "nmethod", "UncommonTrapBlob" ...
  bool is_nmethod = false;  // a compiled Java method, or a native one's wrapper
  bool is_native = false;   // the wrapper of a native method
  uint64_t method = 0;      // an nmethod's Method*
};

// How a JVM encodes its scope descriptors (compressed_stream.h): in the
// classic or the UNSIGNED5 CompressedReadStream, or the sparse one.
enum class ScopeEncoding { kClassic, kUnsigned5, kSparse };

// One Java method an nmethod runs at a call site: its Method* and the
// bytecode index of the call in it.
struct JavaScope {
  uint64_t method = 0;
  int bci = 0;
};

class CodeCache {
 public:
  static absl::StatusOr<CodeCache> Read(pid_t pid, const CodeCacheLayout& layout);

  // The blob whose code holds `pc`; nullopt when none does (free or
  // unmapped code cache, a blob's header or data, or not code cache).
  std::optional<CodeBlob> BlobAt(uint64_t pc) const;

  // The Java methods nmethod `blob` runs at the call whose return address
  // is `return_address` (or return_address - 1, as symbolizers pass it):
  // innermost first, the last being the nmethod's own method. Empty when
  // no scope is recorded there, or the chain does not decode in
  // `encoding` to one that ends in the nmethod's own method -- which is
  // how the encoding a JVM uses is found.
  std::vector<JavaScope> ScopesAt(const CodeBlob& blob, uint64_t return_address,
                                  ScopeEncoding encoding) const;

  // What a BPF walk needs to find a blob and its frame size itself
  // (bpf/jvm_code.bpf.h).
  ap_jvm_code_cache ForBpf() const;

 private:
  struct Heap {
    uint64_t low = 0, high = 0;  // its code's reserved bounds
    uint64_t segmap = 0;         // one byte per segment
    int log2_segment_size = 0;
  };
  CodeCache(pid_t pid, const CodeCacheLayout& layout, std::vector<Heap> heaps)
      : pid_(pid), layout_(layout), heaps_(std::move(heaps)) {}

  pid_t pid_;
  CodeCacheLayout layout_;
  std::vector<Heap> heaps_;
};

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_JAVA_CODE_CACHE_H_
