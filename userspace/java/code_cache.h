// HotSpot's code cache, read from a running JVM with the layout its
// VMStructs give: which CodeBlob holds a code address, its frame size, and,
// for a compiled Java method (an nmethod), the Java methods it runs at one
// of its call sites -- its own and those the JIT inlined there, from its
// scope descriptors (PcDesc -> ScopeDesc chain).
//
// A blob is found as the JVM itself finds one (CodeHeap::find_block_for):
// each code heap keeps a segment map, one byte per segment, that counts
// back to the segment where the block holding it starts. The map is the
// target's to write, so the walk is bounded: it reads at most
// kMaxSegmapSegments bytes of it, in at most three reads, and takes at
// most kMaxSegmapHops hops; a lookup that needs more finds nothing and is
// counted (capped_lookups).
#ifndef ALLOCPROF_USERSPACE_JAVA_CODE_CACHE_H_
#define ALLOCPROF_USERSPACE_JAVA_CODE_CACHE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "bpf/events.h"
#include "userspace/common/target_memory.h"
#include "userspace/java/vm_structs.h"

namespace allocprof {

// How many bytes of the segment map a lookup reads at most, backwards from
// the looked-up segment, in three windows that each end where a hop
// landed: 69,888 segments, 4.3 MiB of code at HotSpot's smallest segment
// size (64 bytes) -- more than its largest blobs (the interpreter, a huge
// nmethod) span.
inline constexpr uint64_t kMaxSegmapSegments = 256 + 4096 + 65536;
// HotSpot's own bound on hops (memory/heap.cpp): a block of n segments is
// marked 0, 1, 2 ... 254, 1, 2 ..., so n segments back take (n + 253) / 254
// hops; each free block joined onto another since the map was last
// rewritten adds one, and CodeHeap rewrites it every fragmentation_limit
// (10000) joins (JDK 14 on; before, every join rewrote it).
inline constexpr int kMaxSegmapHops = 10000 + (kMaxSegmapSegments + 253) / 254;

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
  // Reads through `memory`, which must outlive the CodeCache.
  static absl::StatusOr<CodeCache> Read(const TargetMemory& memory,
                                        const CodeCacheLayout& layout);

  // The blob whose code holds `pc`; nullopt when none does (free or
  // unmapped code cache, a blob's header or data, or not code cache), or
  // when the segment map would take the walk past its bounds.
  std::optional<CodeBlob> BlobAt(uint64_t pc) const;

  // How many BlobAt lookups stopped at the segment map's bounds (see the
  // top of this file): a block larger than kMaxSegmapSegments segments, or
  // a map no JVM writes.
  uint64_t capped_lookups() const { return capped_lookups_; }

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
  CodeCache(const TargetMemory& memory, const CodeCacheLayout& layout, std::vector<Heap> heaps)
      : memory_(&memory), layout_(layout), heaps_(std::move(heaps)) {}

  // The segment where the block holding `segment` of `heap` starts.
  std::optional<uint64_t> BlockStart(const Heap& heap, uint64_t segment) const;

  const TargetMemory* memory_;
  CodeCacheLayout layout_;
  std::vector<Heap> heaps_;
  mutable uint64_t capped_lookups_ = 0;
};

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_JAVA_CODE_CACHE_H_
