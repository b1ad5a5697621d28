#include "userspace/java/code_cache.h"

#include <algorithm>
#include <iterator>
#include <vector>

#include "userspace/java/compressed_stream.h"

namespace allocprof {
namespace {

// CodeHeap's segment map: a free segment's byte (free_sentinel).
constexpr uint8_t kFreeSegment = 0xff;
// The segment map is read backwards from the looked-up segment in windows
// that grow: the first, one read, covers a block of up to 256 segments, as
// most are; the sum is kMaxSegmapSegments.
constexpr uint64_t kSegmapWindows[] = {256, 4096, 65536};
// More scope descriptors at one call than any JIT inlines.
constexpr int kMaxInliningDepth = 64;
// An nmethod with more PcDescs than this is a misread.
constexpr uint64_t kMaxPcDescs = 1 << 18;
// Blob names are short ("native nmethod", "I2C/C2I adapters").
constexpr size_t kMaxBlobName = 64;
// One scope's header: three compressed ints of at most five bytes, and
// the sparse encoding's bits.
constexpr size_t kScopeHeaderBytes = 16;
// ScopeDesc: a sender offset of 0 ends the chain (serialized_null); a
// bci is stored + 1 (InvocationEntryBci is -1).
constexpr uint32_t kSerializedNull = 0;
constexpr int kInvocationEntryBci = -1;

}  // namespace

absl::StatusOr<CodeCacheLayout> CodeCacheLayout::From(const VmStructs& structs) {
  VmLayoutReader r(structs);
  CodeCacheLayout l;
  l.heaps = r.StaticAddress("CodeCache", "_heaps");
  l.array_length = r.Offset("GrowableArrayBase", "_len");
  // Every GrowableArray<T*> has the layout of the one VMStructs describes.
  l.array_data = r.Offset("GrowableArray<int>", "_data");
  l.heap_memory = r.Offset("CodeHeap", "_memory");
  l.heap_segmap = r.Offset("CodeHeap", "_segmap");
  l.heap_log2_segment_size = r.Offset("CodeHeap", "_log2_segment_size");
  l.space_low = r.Offset("VirtualSpace", "_low_boundary");
  l.space_high = r.Offset("VirtualSpace", "_high_boundary");
  l.heap_block_size = r.Size("HeapBlock");
  l.block_used = r.Offset("HeapBlock", "_header") + r.Offset("HeapBlock::Header", "_used");
  l.blob_name = r.Offset("CodeBlob", "_name");
  l.blob_code_begin = r.Offset("CodeBlob", "_code_begin");
  l.blob_code_end = r.Offset("CodeBlob", "_code_end");
  l.blob_frame_size = r.Offset("CodeBlob", "_frame_size");
  l.compiled_method = r.Offset("CompiledMethod", "_method");
  l.compiled_scopes_data_begin = r.Offset("CompiledMethod", "_scopes_data_begin");
  l.nmethod_scopes_pcs_offset = r.Offset("nmethod", "_scopes_pcs_offset");
  l.nmethod_dependencies_offset = r.Offset("nmethod", "_dependencies_offset");
  l.nmethod_metadata_offset = r.Offset("nmethod", "_metadata_offset");
  l.pc_desc_size = r.Size("PcDesc");
  l.pc_desc_pc_offset = r.Offset("PcDesc", "_pc_offset");
  l.pc_desc_scope_decode_offset = r.Offset("PcDesc", "_scope_decode_offset");
  if (!r.status().ok()) return r.status();
  return l;
}

absl::StatusOr<CodeCache> CodeCache::Read(const TargetMemory& memory, const CodeCacheLayout& l) {
  auto array = memory.Read<uint64_t>(l.heaps);
  auto length = array ? memory.Read<int32_t>(*array + l.array_length) : std::nullopt;
  auto data = array ? memory.Read<uint64_t>(*array + l.array_data) : std::nullopt;
  if (!length || !data || *length <= 0 || *length > 16) {
    return absl::UnavailableError("cannot read the JVM's list of code heaps");
  }
  std::vector<Heap> heaps;
  for (int i = 0; i < *length; ++i) {
    auto heap = memory.Read<uint64_t>(*data + 8 * i);
    if (!heap) return absl::UnavailableError("cannot read a code heap of the JVM");
    auto low = memory.Read<uint64_t>(*heap + l.heap_memory + l.space_low);
    auto high = memory.Read<uint64_t>(*heap + l.heap_memory + l.space_high);
    auto segmap = memory.Read<uint64_t>(*heap + l.heap_segmap + l.space_low);
    auto log2 = memory.Read<int32_t>(*heap + l.heap_log2_segment_size);
    if (!low || !high || !segmap || !log2 || *low >= *high || *log2 < 0 || *log2 > 16) {
      return absl::UnavailableError("cannot read a code heap of the JVM");
    }
    heaps.push_back({*low, *high, *segmap, *log2});
  }
  return CodeCache(memory, l, std::move(heaps));
}

std::optional<uint64_t> CodeCache::BlockStart(const Heap& heap, uint64_t segment) const {
  static_assert(kSegmapWindows[0] + kSegmapWindows[1] + kSegmapWindows[2] == kMaxSegmapSegments);
  // The bytes of segments [window_low, window_low + window.size()).
  std::vector<uint8_t> window;
  uint64_t window_low = segment + 1;
  size_t windows = 0;
  bool capped = false;
  // The byte of `s`. The walk only goes back, so `s` is either in the
  // window or below it: then the next window ends at it.
  auto byte_of = [&](uint64_t s) -> std::optional<uint8_t> {
    if (s < window_low) {
      if (windows == std::size(kSegmapWindows)) {
        capped = true;
        return std::nullopt;
      }
      const uint64_t size = kSegmapWindows[windows++];
      window_low = s >= size - 1 ? s - (size - 1) : 0;
      window.resize(s - window_low + 1);
      if (!memory_->ReadAll(heap.segmap + window_low, window.data(), window.size())) {
        return std::nullopt;
      }
    }
    return window[s - window_low];
  };
  std::optional<uint8_t> hop = byte_of(segment);
  for (int hops = 0; hop && *hop != kFreeSegment && *hop > 0; ++hops) {
    if (*hop > segment) return std::nullopt;
    if (hops == kMaxSegmapHops) {
      capped = true;
      break;
    }
    segment -= *hop;
    hop = byte_of(segment);
  }
  if (capped) {
    ++capped_lookups_;
    return std::nullopt;
  }
  if (!hop || *hop == kFreeSegment) return std::nullopt;
  return segment;
}

std::optional<CodeBlob> CodeCache::BlobAt(uint64_t pc) const {
  auto heap = std::find_if(heaps_.begin(), heaps_.end(),
                           [pc](const Heap& h) { return pc >= h.low && pc < h.high; });
  if (heap == heaps_.end()) return std::nullopt;
  std::optional<uint64_t> segment =
      BlockStart(*heap, (pc - heap->low) >> heap->log2_segment_size);
  if (!segment) return std::nullopt;
  const uint64_t block = heap->low + (*segment << heap->log2_segment_size);
  auto used = memory_->Read<uint8_t>(block + layout_.block_used);
  if (!used || *used == 0) return std::nullopt;
  CodeBlob blob;
  blob.address = block + layout_.heap_block_size;
  auto begin = memory_->Read<uint64_t>(blob.address + layout_.blob_code_begin);
  auto end = memory_->Read<uint64_t>(blob.address + layout_.blob_code_end);
  auto frame_words = memory_->Read<int32_t>(blob.address + layout_.blob_frame_size);
  auto name = memory_->ReadString(
      memory_->Read<uint64_t>(blob.address + layout_.blob_name).value_or(0), kMaxBlobName);
  if (!begin || !end || !frame_words || pc < *begin || pc >= *end || *frame_words < 0) {
    return std::nullopt;
  }
  blob.name = name.value_or("");
  blob.code_begin = *begin;
  blob.code_end = *end;
  blob.frame_size = static_cast<uint32_t>(*frame_words) * 8;
  // The names nmethod's constructors give (CodeBlob::_name).
  blob.is_native = name && *name == "native nmethod";
  blob.is_nmethod = name && (*name == "nmethod" || blob.is_native);
  if (blob.is_nmethod) {
    blob.method = memory_->Read<uint64_t>(blob.address + layout_.compiled_method).value_or(0);
  }
  return blob;
}

ap_jvm_code_cache CodeCache::ForBpf() const {
  ap_jvm_code_cache out = {};
  for (size_t i = 0; i < heaps_.size() && i < AP_JVM_MAX_HEAPS; ++i) {
    out.low[i] = heaps_[i].low;
    out.high[i] = heaps_[i].high;
    out.segmap[i] = heaps_[i].segmap;
    out.log2_segment[i] = static_cast<uint32_t>(heaps_[i].log2_segment_size);
    out.heap_count = static_cast<uint32_t>(i + 1);
  }
  out.block_header = static_cast<uint32_t>(layout_.heap_block_size);
  out.block_used = static_cast<uint32_t>(layout_.block_used);
  out.blob_code_begin = static_cast<uint32_t>(layout_.blob_code_begin);
  out.blob_code_end = static_cast<uint32_t>(layout_.blob_code_end);
  out.blob_frame_size = static_cast<uint32_t>(layout_.blob_frame_size);
  return out;
}

std::vector<JavaScope> CodeCache::ScopesAt(const CodeBlob& blob, uint64_t return_address,
                                           ScopeEncoding encoding) const {
  if (!blob.is_nmethod || return_address < blob.code_begin ||
      return_address > blob.code_end) {
    return {};
  }
  auto pcs = memory_->Read<int32_t>(blob.address + layout_.nmethod_scopes_pcs_offset);
  auto pcs_end = memory_->Read<int32_t>(blob.address + layout_.nmethod_dependencies_offset);
  auto metadata = memory_->Read<int32_t>(blob.address + layout_.nmethod_metadata_offset);
  auto scopes = memory_->Read<uint64_t>(blob.address + layout_.compiled_scopes_data_begin);
  // The PcDesc layout is the JVM's VMStructs, read from the target: both
  // int32 fields must lie inside a PcDesc.
  if (!pcs || !pcs_end || !metadata || !scopes || *pcs < 0 || *pcs_end < *pcs ||
      layout_.pc_desc_size < 4 || layout_.pc_desc_pc_offset > layout_.pc_desc_size - 4 ||
      layout_.pc_desc_scope_decode_offset > layout_.pc_desc_size - 4) {
    return {};
  }
  const uint64_t count = (*pcs_end - *pcs) / layout_.pc_desc_size;
  const uint64_t pcs_begin = blob.address + *pcs;
  if (count == 0 || count > kMaxPcDescs || *scopes > pcs_begin) return {};
  std::vector<uint8_t> descs(count * layout_.pc_desc_size);
  if (!memory_->ReadAll(pcs_begin, descs.data(), descs.size())) return {};
  // PcDescs are sorted by pc offset; a call's is at its return address,
  // and no other lies between the call and it.
  const int64_t want = static_cast<int64_t>(return_address - blob.code_begin);
  std::optional<int32_t> decode_offset;
  for (uint64_t i = 0; i < count && !decode_offset; ++i) {
    int32_t pc_offset, scope;
    const uint8_t* desc = descs.data() + i * layout_.pc_desc_size;
    std::copy_n(desc + layout_.pc_desc_pc_offset, 4, reinterpret_cast<uint8_t*>(&pc_offset));
    std::copy_n(desc + layout_.pc_desc_scope_decode_offset, 4,
                reinterpret_cast<uint8_t*>(&scope));
    if (pc_offset < want) continue;
    if (pc_offset > static_cast<int64_t>(blob.code_end - blob.code_begin)) break;
    decode_offset = scope;
  }
  if (!decode_offset || *decode_offset <= 0) return {};
  const uint64_t scopes_size = pcs_begin - *scopes;
  // The metadata section ends where the scopes begin.
  const uint64_t metadata_begin = blob.address + *metadata;
  if (*metadata < 0 || *scopes < metadata_begin) return {};
  const uint64_t metadata_count = (*scopes - metadata_begin) / 8;
  std::vector<JavaScope> chain;
  for (uint32_t at = *decode_offset; at != kSerializedNull;) {
    if (chain.size() == kMaxInliningDepth || at >= scopes_size) return {};
    uint8_t header[kScopeHeaderBytes];
    const size_t n = std::min<uint64_t>(sizeof(header), scopes_size - at);
    if (!memory_->ReadAll(*scopes + at, header, n)) return {};
    // sender_decode_offset, method (a metadata index), bci.
    std::optional<uint32_t> fields[3];
    if (encoding == ScopeEncoding::kSparse) {
      SparseIntReader reader(header, n);
      for (auto& f : fields) f = reader.Next();
    } else {
      const IntEncoding ints = encoding == ScopeEncoding::kUnsigned5 ? IntEncoding::kUnsigned5
                                                                     : IntEncoding::kClassic;
      size_t pos = 0;
      for (auto& f : fields) f = ReadCompressedInt(header, n, &pos, ints);
    }
    const auto& [sender, method_index, bci] = fields;
    if (!sender || !method_index || !bci || *method_index == 0 ||
        *method_index > metadata_count) {
      return {};
    }
    // metadata_at(i) is the (i - 1)th word of the metadata section.
    auto method = memory_->Read<uint64_t>(metadata_begin + 8 * (uint64_t{*method_index} - 1));
    if (!method || *method == 0) return {};
    chain.push_back({*method, static_cast<int>(*bci) + kInvocationEntryBci});
    at = *sender;
  }
  // The outermost scope is the nmethod's own method, or this was no
  // scope chain of it.
  if (chain.empty() || chain.back().method != blob.method) return {};
  return chain;
}

}  // namespace allocprof
