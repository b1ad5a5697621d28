// CodeCache::Read / BlobAt / ScopesAt against a fake HotSpot code cache
// built in this process's own memory and read back through
// SelfMemory(), with a CodeCacheLayout of offsets chosen
// here: CodeCache::_heaps -> GrowableArray<CodeHeap*> -> CodeHeaps whose
// segment maps count back to HeapBlocks, each holding a CodeBlob; and for
// an nmethod its PcDescs, scope descriptors and metadata (JDK 17).
#include "userspace/java/code_cache.h"

#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "tests/unit/java/fake_jvm_memory.h"

namespace allocprof {
namespace {

constexpr ScopeEncoding kClassic = ScopeEncoding::kClassic;
constexpr ScopeEncoding kUnsigned5 = ScopeEncoding::kUnsigned5;
constexpr ScopeEncoding kSparse = ScopeEncoding::kSparse;

// Offsets unlike each other and unlike any JDK's, so a field read through
// the wrong one reads something else.
CodeCacheLayout TestLayout(uint64_t heaps) {
  CodeCacheLayout l;
  l.heaps = heaps;
  l.array_length = 0x04;
  l.array_data = 0x10;
  l.heap_memory = 0x10;
  l.heap_segmap = 0x40;
  l.heap_log2_segment_size = 0x88;
  l.space_low = 0x08;
  l.space_high = 0x18;
  l.heap_block_size = 16;
  l.block_used = 8;
  l.blob_name = 0x08;
  l.blob_code_begin = 0x10;
  l.blob_code_end = 0x18;
  l.blob_frame_size = 0x20;
  l.compiled_method = 0x28;
  l.compiled_scopes_data_begin = 0x30;
  l.nmethod_scopes_pcs_offset = 0x38;
  l.nmethod_dependencies_offset = 0x3c;
  l.nmethod_metadata_offset = 0x40;
  l.pc_desc_size = 16;
  l.pc_desc_pc_offset = 0;
  l.pc_desc_scope_decode_offset = 4;
  return l;
}
constexpr uint64_t kBlobHeaderSize = 0x48;

// One CodeHeap: its struct, its reserved memory and its segment map.
class FakeHeap {
 public:
  FakeHeap(FakeMemory* memory, const CodeCacheLayout& layout, int log2_segment_size,
           size_t segments)
      : layout_(layout), log2_(log2_segment_size), segments_(segments) {
    low_ = memory->Alloc(segments << log2_, size_t{1} << log2_);
    segmap_ = memory->Alloc(segments);
    std::memset(reinterpret_cast<void*>(segmap_), 0xff, segments);  // all free
    address_ = memory->Alloc(0x100);
    FakeMemory::Put<uint64_t>(address_ + layout.heap_memory + layout.space_low, low_);
    FakeMemory::Put<uint64_t>(address_ + layout.heap_memory + layout.space_high, high());
    FakeMemory::Put<uint64_t>(address_ + layout.heap_segmap + layout.space_low, segmap_);
    FakeMemory::Put<uint64_t>(address_ + layout.heap_segmap + layout.space_high,
                              segmap_ + segments);
    FakeMemory::Put<int32_t>(address_ + layout.heap_log2_segment_size, log2_);
  }

  // A HeapBlock of `count` segments from segment `first`, its segment map
  // as CodeHeap::mark_segmap_as_used fills it: 0 for the first segment,
  // then 1, 2 ... 0xfe, and 1, 2 ... again. Returns the address after its
  // header, where the CodeBlob goes.
  uint64_t Block(size_t first, size_t count, bool used) {
    EXPECT_LE(first + count, segments_);
    const uint64_t block = Segment(first);
    FakeMemory::Put<uint64_t>(block, count);  // HeapBlock::Header::_length
    FakeMemory::Put<uint8_t>(block + layout_.block_used, used ? 1 : 0);
    auto* map = reinterpret_cast<uint8_t*>(segmap_);
    map[first] = 0;
    for (size_t i = 1; i < count; ++i) map[first + i] = static_cast<uint8_t>((i - 1) % 0xfe + 1);
    return block + layout_.heap_block_size;
  }
  void SetMap(size_t segment, uint8_t value) {
    reinterpret_cast<uint8_t*>(segmap_)[segment] = value;
  }
  uint8_t Map(size_t segment) const { return reinterpret_cast<uint8_t*>(segmap_)[segment]; }

  uint64_t Segment(size_t i) const { return low_ + (i << log2_); }
  uint64_t address() const { return address_; }
  uint64_t low() const { return low_; }
  uint64_t segmap() const { return segmap_; }
  uint64_t high() const { return low_ + (segments_ << log2_); }

 private:
  CodeCacheLayout layout_;
  int log2_;
  size_t segments_;
  uint64_t low_ = 0, segmap_ = 0, address_ = 0;
};

void PutBlob(const CodeCacheLayout& l, uint64_t blob, const char* name, uint64_t code_begin,
             uint64_t code_end, int32_t frame_words, uint64_t method) {
  FakeMemory::Put<uint64_t>(blob, 0x7777777777770000);  // a vtable
  FakeMemory::Put<uint64_t>(blob + l.blob_name, reinterpret_cast<uint64_t>(name));
  FakeMemory::Put<uint64_t>(blob + l.blob_code_begin, code_begin);
  FakeMemory::Put<uint64_t>(blob + l.blob_code_end, code_end);
  FakeMemory::Put<int32_t>(blob + l.blob_frame_size, frame_words);
  FakeMemory::Put<uint64_t>(blob + l.compiled_method, method);
}

// Method* values: the scopes only carry them, nothing reads through them.
constexpr uint64_t kOwnMethod = 0x7f0000001000, kInlined1 = 0x7f0000002000,
                   kInlined2 = 0x7f0000003000, kStranger = 0x7f0000004000,
                   kNativeMethod = 0x7f0000005000;

const char kNmethodName[] = "nmethod";
const char kNativeName[] = "native nmethod";
const char kStubName[] = "StubRoutines";

class CodeCacheTest : public ::testing::Test {
 protected:
  // Heap 1 (128-byte segments):
  //   0..599    nmethod, code up to segment 580, then metadata, scopes, PcDescs
  //   600..609  free
  //   610..619  StubRoutines
  //   620..629  a block the map marks used, but freed (HeapBlock::_used 0)
  //   630..     free
  // Heap 2 (64-byte segments):
  //   0..2 free, 3..12 native nmethod, 13.. free
  CodeCacheTest()
      : memory_(1 << 20),
        heaps_variable_(memory_.Alloc(8)),
        layout_(TestLayout(heaps_variable_)),
        heap1_(&memory_, layout_, 7, 1024),
        heap2_(&memory_, layout_, 6, 64) {
    array_ = memory_.Alloc(0x20);
    array_data_ = memory_.Alloc(16);
    FakeMemory::Put<uint64_t>(heaps_variable_, array_);
    FakeMemory::Put<int32_t>(array_ + layout_.array_length, 2);
    FakeMemory::Put<int32_t>(array_ + 0, 8);  // GrowableArrayBase::_max, not _len
    FakeMemory::Put<uint64_t>(array_ + layout_.array_data, array_data_);
    FakeMemory::Put<uint64_t>(array_data_, heap1_.address());
    FakeMemory::Put<uint64_t>(array_data_ + 8, heap2_.address());

    BuildNmethod();

    stub_ = heap1_.Block(610, 10, true);
    PutBlob(layout_, stub_, kStubName, stub_ + kBlobHeaderSize, heap1_.Segment(620), 4, 0);

    freed_ = heap1_.Block(620, 10, false);
    PutBlob(layout_, freed_, kNmethodName, freed_ + kBlobHeaderSize, heap1_.Segment(630), 6,
            kOwnMethod);

    native_ = heap2_.Block(3, 10, true);
    PutBlob(layout_, native_, kNativeName, native_ + kBlobHeaderSize, heap2_.Segment(13), 12,
            kNativeMethod);
  }

  // Its scopes in `encoding`, each starting on a byte.
  void BuildNmethod(ScopeEncoding encoding = kClassic) {
    nmethod_ = heap1_.Block(0, 600, true);
    code_begin_ = nmethod_ + kBlobHeaderSize;
    code_end_ = heap1_.Segment(580);
    PutBlob(layout_, nmethod_, kNmethodName, code_begin_, code_end_, 6, kOwnMethod);

    // Metadata: metadata_at(1) is the first word.
    const int32_t metadata = static_cast<int32_t>(code_end_ - nmethod_);
    const uint64_t words[] = {kInlined2, kInlined1, kOwnMethod, kStranger};
    for (int i = 0; i < 4; ++i) FakeMemory::Put<uint64_t>(nmethod_ + metadata + 8 * i, words[i]);

    // Scopes: the stream's first byte is no scope (0 is serialized_null);
    // filler then puts the scopes at offsets past 192, multi-byte ints.
    std::vector<uint8_t> scopes(300, 0xee);
    auto write = [encoding](uint32_t v, std::vector<uint8_t>* out) {
      if (encoding == kUnsigned5) WriteUnsigned5Int(v, out);
      if (encoding == kClassic) WriteCompressedInt(v, out);
    };
    auto scope = [&](uint32_t sender, uint32_t method_index, int bci) {
      const uint32_t at = static_cast<uint32_t>(scopes.size());
      // The locals, expressions and monitors offsets ScopeDesc reads next.
      const uint32_t values[] = {sender, method_index, static_cast<uint32_t>(bci + 1),
                                 1234u, 0u, 56u};
      if (encoding == kSparse) {
        SparseWriter sparse;
        for (uint32_t v : values) sparse.Write(v);
        scopes.insert(scopes.end(), sparse.bytes().begin(), sparse.bytes().end());
      } else {
        for (uint32_t v : values) write(v, &scopes);
      }
      return at;
    };
    const uint32_t entry = scope(0, 3, -1);  // InvocationEntryBci
    const uint32_t root = scope(0, 3, 17);
    const uint32_t middle = scope(root, 2, 4);
    const uint32_t inner = scope(middle, 1, 300);
    const uint32_t stranger = scope(0, 4, 9);
    const uint32_t under_stranger = scope(stranger, 1, 2);
    const int32_t scopes_offset = metadata + 32;
    FakeMemory::PutBytes(nmethod_ + scopes_offset, scopes);

    // PcDescs, sorted, between the sentinels HotSpot puts first and last;
    // nmethod::copy_scopes_pcs moves the last one to just past the code and
    // copies it into the rounding gap after it.
    struct Desc {
      int32_t pc, scope;
    };
    const int32_t past_code = static_cast<int32_t>(code_end_ - code_begin_) + 1;
    const Desc descs[] = {{-1, 0},
                          {0x20, static_cast<int32_t>(entry)},
                          {0x40, static_cast<int32_t>(root)},
                          {0x80, static_cast<int32_t>(inner)},
                          {0x100, static_cast<int32_t>(under_stranger)},
                          {0x140, 0},
                          {past_code, 0},
                          {past_code, 0}};
    root_scope_ = root;
    const int32_t pcs = (scopes_offset + static_cast<int32_t>(scopes.size()) + 7) & ~7;
    int32_t at = pcs;
    end_sentinel_ = nmethod_ + pcs + 16 * 6;
    for (const Desc& d : descs) {
      FakeMemory::Put<int32_t>(nmethod_ + at + layout_.pc_desc_pc_offset, d.pc);
      FakeMemory::Put<int32_t>(nmethod_ + at + layout_.pc_desc_scope_decode_offset, d.scope);
      FakeMemory::Put<int32_t>(nmethod_ + at + 8, 0x55);  // _obj_decode_offset
      FakeMemory::Put<int32_t>(nmethod_ + at + 12, 0);    // _flags
      at += 16;
    }
    ASSERT_LT(nmethod_ + at, heap1_.Segment(600));
    FakeMemory::Put<int32_t>(nmethod_ + layout_.nmethod_metadata_offset, metadata);
    FakeMemory::Put<uint64_t>(nmethod_ + layout_.compiled_scopes_data_begin,
                              nmethod_ + scopes_offset);
    FakeMemory::Put<int32_t>(nmethod_ + layout_.nmethod_scopes_pcs_offset, pcs);
    FakeMemory::Put<int32_t>(nmethod_ + layout_.nmethod_dependencies_offset, at);
  }

  CodeCache Read() {
    auto cache = CodeCache::Read(SelfMemory(), layout_);
    EXPECT_TRUE(cache.ok()) << cache.status();
    return std::move(cache).value();
  }

  FakeMemory memory_;
  uint64_t heaps_variable_;  // CodeCache::_heaps
  CodeCacheLayout layout_;
  FakeHeap heap1_, heap2_;
  uint64_t array_ = 0, array_data_ = 0;
  uint64_t nmethod_ = 0, code_begin_ = 0, code_end_ = 0;
  uint64_t end_sentinel_ = 0;  // the last PcDesc
  uint32_t root_scope_ = 0;    // the nmethod's own method, bci 17
  uint64_t stub_ = 0, freed_ = 0, native_ = 0;
};

TEST_F(CodeCacheTest, FakeSegmentMapIsHotSpots) {
  // The fixture's own premise: counting back as far as 0xfe, then again.
  EXPECT_EQ(heap1_.Map(0), 0);
  EXPECT_EQ(heap1_.Map(1), 1);
  EXPECT_EQ(heap1_.Map(254), 0xfe);
  EXPECT_EQ(heap1_.Map(255), 1);
  EXPECT_EQ(heap1_.Map(509), 1);
  EXPECT_EQ(heap1_.Map(600), 0xff);
  EXPECT_EQ(heap1_.Map(610), 0);
}

TEST_F(CodeCacheTest, NmethodFoundFromAnywhereInItsCode) {
  CodeCache cache = Read();
  // Segment 0 (behind the headers), a few segments in, past the first
  // 0xfe-hop run, past the second, and the last byte of code.
  for (uint64_t pc : {code_begin_, code_begin_ + 1, heap1_.Segment(1), heap1_.Segment(5) + 77,
                      heap1_.Segment(254), heap1_.Segment(255), heap1_.Segment(260) + 3,
                      heap1_.Segment(509), heap1_.Segment(550) + 100, code_end_ - 1}) {
    auto blob = cache.BlobAt(pc);
    ASSERT_TRUE(blob.has_value()) << "segment " << ((pc - heap1_.low()) >> 7);
    EXPECT_EQ(blob->address, nmethod_);
    EXPECT_EQ(blob->code_begin, code_begin_);
    EXPECT_EQ(blob->code_end, code_end_);
    EXPECT_EQ(blob->frame_size, 6u * 8);
    EXPECT_TRUE(blob->is_nmethod);
    EXPECT_FALSE(blob->is_native);
    EXPECT_EQ(blob->method, kOwnMethod);
  }
}

TEST_F(CodeCacheTest, HeadersAndDataAreNoCode) {
  CodeCache cache = Read();
  EXPECT_EQ(cache.BlobAt(heap1_.low()), std::nullopt);                  // HeapBlock
  EXPECT_EQ(cache.BlobAt(nmethod_ + layout_.blob_frame_size), std::nullopt);  // CodeBlob
  EXPECT_EQ(cache.BlobAt(code_begin_ - 1), std::nullopt);
  EXPECT_EQ(cache.BlobAt(code_end_), std::nullopt);                   // metadata
  EXPECT_EQ(cache.BlobAt(heap1_.Segment(599) + 127), std::nullopt);  // block's end
}

TEST_F(CodeCacheTest, FreeSegmentsAndFreedBlocksHoldNoBlob) {
  CodeCache cache = Read();
  EXPECT_EQ(cache.BlobAt(heap1_.Segment(600)), std::nullopt);
  EXPECT_EQ(cache.BlobAt(heap1_.Segment(605) + 64), std::nullopt);
  EXPECT_EQ(cache.BlobAt(freed_ + kBlobHeaderSize), std::nullopt);
  EXPECT_EQ(cache.BlobAt(heap1_.Segment(625)), std::nullopt);
  EXPECT_EQ(cache.BlobAt(heap1_.Segment(1023)), std::nullopt);
  EXPECT_EQ(cache.BlobAt(heap2_.Segment(1)), std::nullopt);
}

TEST_F(CodeCacheTest, OutsideAllHeapsIsNoBlob) {
  CodeCache cache = Read();
  EXPECT_EQ(cache.BlobAt(heap1_.high()), std::nullopt);
  EXPECT_EQ(cache.BlobAt(heap1_.low() - 1), std::nullopt);
  EXPECT_EQ(cache.BlobAt(heap2_.high()), std::nullopt);
  EXPECT_EQ(cache.BlobAt(0), std::nullopt);
  EXPECT_EQ(cache.BlobAt(0x1000), std::nullopt);
  EXPECT_EQ(cache.BlobAt(std::numeric_limits<uint64_t>::max()), std::nullopt);
}

TEST_F(CodeCacheTest, OtherBlobsAndTheSecondHeap) {
  CodeCache cache = Read();
  auto stub = cache.BlobAt(heap1_.Segment(615));
  ASSERT_TRUE(stub.has_value());
  EXPECT_EQ(stub->address, stub_);
  EXPECT_EQ(stub->frame_size, 4u * 8);
  EXPECT_FALSE(stub->is_nmethod);
  EXPECT_FALSE(stub->is_native);
  EXPECT_EQ(stub->method, 0u);

  // 64-byte segments there: segment 8 is 5 hops from the block's start.
  auto native = cache.BlobAt(heap2_.Segment(8) + 10);
  ASSERT_TRUE(native.has_value());
  EXPECT_EQ(native->address, native_);
  EXPECT_EQ(native->code_begin, native_ + kBlobHeaderSize);
  EXPECT_EQ(native->code_end, heap2_.Segment(13));
  EXPECT_EQ(native->frame_size, 12u * 8);
  EXPECT_TRUE(native->is_nmethod);
  EXPECT_TRUE(native->is_native);
  EXPECT_EQ(native->method, kNativeMethod);
  EXPECT_EQ(cache.BlobAt(heap2_.Segment(13)), std::nullopt);
}

// What BPF walks read the code cache with: the heaps as read, and the
// layout's offsets.
TEST_F(CodeCacheTest, ForBpfHasTheHeapsAndTheLayout) {
  const ap_jvm_code_cache bpf = Read().ForBpf();
  ASSERT_EQ(bpf.heap_count, 2u);
  EXPECT_EQ(bpf.low[0], heap1_.low());
  EXPECT_EQ(bpf.high[0], heap1_.high());
  EXPECT_EQ(bpf.segmap[0], heap1_.segmap());
  EXPECT_EQ(bpf.log2_segment[0], 7u);
  EXPECT_EQ(bpf.low[1], heap2_.low());
  EXPECT_EQ(bpf.high[1], heap2_.high());
  EXPECT_EQ(bpf.segmap[1], heap2_.segmap());
  EXPECT_EQ(bpf.log2_segment[1], 6u);
  EXPECT_EQ(bpf.block_header, layout_.heap_block_size);
  EXPECT_EQ(bpf.block_used, layout_.block_used);
  EXPECT_EQ(bpf.blob_code_begin, layout_.blob_code_begin);
  EXPECT_EQ(bpf.blob_code_end, layout_.blob_code_end);
  EXPECT_EQ(bpf.blob_frame_size, layout_.blob_frame_size);
}

TEST_F(CodeCacheTest, CorruptSegmentMapIsNotFollowed) {
  // Counting back before the heap's start, or into a free segment.
  heap2_.SetMap(30, 40);
  heap2_.SetMap(45, 5);  // to 40, free
  CodeCache cache = Read();
  EXPECT_EQ(cache.BlobAt(heap2_.Segment(30)), std::nullopt);
  EXPECT_EQ(cache.BlobAt(heap2_.Segment(45)), std::nullopt);
  EXPECT_EQ(cache.capped_lookups(), 0u);  // refused, not cut short
}

// One heap of 2^20 one-byte segments, whose map the tests fill: walks as
// long as a heap allows, costing a read a hop before they were bounded.
class SegmentMapBoundTest : public ::testing::Test {
 protected:
  static constexpr size_t kSegments = size_t{1} << 20;

  SegmentMapBoundTest()
      : memory_(2 * kSegments + (1 << 16)),
        heaps_variable_(memory_.Alloc(8)),
        layout_(TestLayout(heaps_variable_)),
        heap_(&memory_, layout_, 0, kSegments) {
    const uint64_t array = memory_.Alloc(0x20);
    const uint64_t data = memory_.Alloc(8);
    FakeMemory::Put<uint64_t>(heaps_variable_, array);
    FakeMemory::Put<int32_t>(array + layout_.array_length, 1);
    FakeMemory::Put<uint64_t>(array + layout_.array_data, data);
    FakeMemory::Put<uint64_t>(data, heap_.address());
    // A stub whose block starts the heap and whose code runs to its end.
    blob_ = heap_.Block(0, kSegments, true);
    PutBlob(layout_, blob_, kStubName, blob_ + kBlobHeaderSize, heap_.high(), 2, 0);
  }

  // The segment map from segment 1 on: `hop` everywhere.
  void FillMap(uint8_t hop) {
    std::memset(reinterpret_cast<void*>(heap_.segmap() + 1), hop, kSegments - 1);
  }

  // The blob found at segment `segment`, and how many reads it took.
  std::optional<CodeBlob> BlobAt(const CodeCache& cache, size_t segment, uint64_t* reads) {
    const uint64_t before = SelfMemory().reads();
    std::optional<CodeBlob> blob = cache.BlobAt(heap_.Segment(segment));
    *reads = SelfMemory().reads() - before;
    return blob;
  }

  FakeMemory memory_;
  uint64_t heaps_variable_;
  CodeCacheLayout layout_;
  FakeHeap heap_;
  uint64_t blob_ = 0;
};

// A map of 1s: a hop per segment, 2^20 of them from the heap's end.
TEST_F(SegmentMapBoundTest, OneSegmentHopsStopAtHotSpotsBound) {
  FillMap(1);
  auto cache = CodeCache::Read(SelfMemory(), layout_);
  ASSERT_TRUE(cache.ok()) << cache.status();
  uint64_t reads = 0;
  EXPECT_EQ(BlobAt(*cache, kSegments - 1, &reads), std::nullopt);
  EXPECT_EQ(cache->capped_lookups(), 1u);
  // The three windows of the map, nothing past them.
  EXPECT_LE(reads, 3u);
  // As many hops as a map HotSpot wrote may take are followed.
  const size_t within = kMaxSegmapHops;
  auto blob = BlobAt(*cache, within, &reads);
  ASSERT_TRUE(blob.has_value());
  EXPECT_EQ(blob->address, blob_);
  EXPECT_LE(reads, 3u + 6);  // the map, then the HeapBlock and the CodeBlob's fields
  EXPECT_EQ(BlobAt(*cache, within + 1, &reads), std::nullopt);
  EXPECT_EQ(cache->capped_lookups(), 2u);
}

// A map as HotSpot marks one block of 2^20 segments (0, 1 ... 0xfe, 1 ...):
// 254 segments a hop, found as far back as the map is read.
TEST_F(SegmentMapBoundTest, LongHopsStopWhereTheMapIsNoLongerRead) {
  auto cache = CodeCache::Read(SelfMemory(), layout_);
  ASSERT_TRUE(cache.ok()) << cache.status();
  uint64_t reads = 0;
  auto blob = BlobAt(*cache, kMaxSegmapSegments - 1, &reads);
  ASSERT_TRUE(blob.has_value());
  EXPECT_EQ(blob->address, blob_);
  EXPECT_EQ(cache->capped_lookups(), 0u);
  // Each window ends where a hop landed, so the three reach a hop or two
  // further back than the bytes they read; not 1000 segments further.
  EXPECT_EQ(BlobAt(*cache, kMaxSegmapSegments + 1000, &reads), std::nullopt);
  EXPECT_LE(reads, 3u);
  EXPECT_EQ(BlobAt(*cache, kSegments - 1, &reads), std::nullopt);
  EXPECT_LE(reads, 3u);
  EXPECT_EQ(cache->capped_lookups(), 2u);
}

// What joining free blocks leaves (CodeHeap::mark_segmap_as_used): each
// joined block's first byte counts one more than the byte before it, so
// each join adds a hop. 10,000 two-segment blocks joined into one -- as
// many joins as HotSpot lets pile up before it rewrites its map -- read
// 0, 1, 2, 1, 2 ..., 10,000 hops from the end.
TEST_F(SegmentMapBoundTest, HotSpotsMostFragmentedMapIsFollowed) {
  constexpr size_t kJoined = 10000;
  for (size_t i = 0; i < kJoined; ++i) {
    if (i > 0) heap_.SetMap(2 * i, 2);
    heap_.SetMap(2 * i + 1, 1);
  }
  auto cache = CodeCache::Read(SelfMemory(), layout_);
  ASSERT_TRUE(cache.ok()) << cache.status();
  uint64_t reads = 0;
  auto blob = BlobAt(*cache, 2 * kJoined - 1, &reads);
  ASSERT_TRUE(blob.has_value());
  EXPECT_EQ(blob->address, blob_);
  EXPECT_EQ(cache->capped_lookups(), 0u);
}

// The chain the fixture's nmethod records at code_begin + 0x80: two
// methods inlined into its own.
void ExpectInnerChain(const std::vector<JavaScope>& chain) {
  ASSERT_EQ(chain.size(), 3u);
  EXPECT_EQ(chain[0].method, kInlined2);
  EXPECT_EQ(chain[0].bci, 300);
  EXPECT_EQ(chain[1].method, kInlined1);
  EXPECT_EQ(chain[1].bci, 4);
  EXPECT_EQ(chain[2].method, kOwnMethod);
  EXPECT_EQ(chain[2].bci, 17);
}

TEST_F(CodeCacheTest, ScopesAtACallAreItsInliningChain) {
  CodeCache cache = Read();
  auto blob = cache.BlobAt(code_begin_ + 0x80);
  ASSERT_TRUE(blob.has_value());
  // As returned, and as symbolizers pass it (return address - 1).
  for (uint64_t pc : {code_begin_ + 0x80, code_begin_ + 0x7f}) {
    SCOPED_TRACE(pc - code_begin_);
    ExpectInnerChain(cache.ScopesAt(*blob, pc, kClassic));
  }
  for (uint64_t pc : {code_begin_ + 0x40, code_begin_ + 0x3f}) {
    const std::vector<JavaScope> chain = cache.ScopesAt(*blob, pc, kClassic);
    ASSERT_EQ(chain.size(), 1u) << pc - code_begin_;
    EXPECT_EQ(chain[0].method, kOwnMethod);
    EXPECT_EQ(chain[0].bci, 17);
  }
  const std::vector<JavaScope> entry =
      cache.ScopesAt(*blob, code_begin_ + 0x20, kClassic);
  ASSERT_EQ(entry.size(), 1u);
  EXPECT_EQ(entry[0].method, kOwnMethod);
  EXPECT_EQ(entry[0].bci, -1);
}

// The same chains in each of the encodings HotSpot releases use: each
// decodes in its own, and in no other to a chain of the nmethod's.
TEST_F(CodeCacheTest, EachEncodingDecodesInItsOwnOnly) {
  for (ScopeEncoding written : {kClassic, kUnsigned5, kSparse}) {
    BuildNmethod(written);
    CodeCache cache = Read();
    auto blob = cache.BlobAt(code_begin_ + 0x80);
    ASSERT_TRUE(blob.has_value());
    for (ScopeEncoding read : {kClassic, kUnsigned5, kSparse}) {
      const std::vector<JavaScope> chain = cache.ScopesAt(*blob, code_begin_ + 0x7f, read);
      if (read != written) {
        EXPECT_TRUE(chain.empty()) << static_cast<int>(written) << " read as "
                                   << static_cast<int>(read);
        continue;
      }
      SCOPED_TRACE(static_cast<int>(written));
      ExpectInnerChain(chain);
    }
  }
}

TEST_F(CodeCacheTest, NoScopesWhereNoneAreRecorded) {
  CodeCache cache = Read();
  auto blob = cache.BlobAt(code_begin_);
  ASSERT_TRUE(blob.has_value());
  // No PcDesc after it but the end sentinel.
  EXPECT_TRUE(cache.ScopesAt(*blob, code_begin_ + 0x141, kClassic).empty());
  EXPECT_TRUE(cache.ScopesAt(*blob, code_end_, kClassic).empty());
  // Nor one past the code, even one naming a scope.
  FakeMemory::Put<int32_t>(end_sentinel_ + layout_.pc_desc_scope_decode_offset,
                           static_cast<int32_t>(root_scope_));
  EXPECT_TRUE(cache.ScopesAt(*blob, code_begin_ + 0x141, kClassic).empty());
  // A PcDesc with no scope (serialized_null).
  EXPECT_TRUE(cache.ScopesAt(*blob, code_begin_ + 0x140, kClassic).empty());
  // Not in the blob's code.
  EXPECT_TRUE(cache.ScopesAt(*blob, code_begin_ - 1, kClassic).empty());
  EXPECT_TRUE(cache.ScopesAt(*blob, code_end_ + 1, kClassic).empty());
  // Not an nmethod.
  auto stub = cache.BlobAt(heap1_.Segment(615));
  ASSERT_TRUE(stub.has_value());
  EXPECT_TRUE(cache.ScopesAt(*stub, heap1_.Segment(615), kClassic).empty());
}

TEST_F(CodeCacheTest, ChainOfAnotherMethodIsRejected) {
  CodeCache cache = Read();
  auto blob = cache.BlobAt(code_begin_);
  ASSERT_TRUE(blob.has_value());
  EXPECT_TRUE(cache.ScopesAt(*blob, code_begin_ + 0x100, kClassic).empty());
  EXPECT_TRUE(cache.ScopesAt(*blob, code_begin_ + 0xff, kClassic).empty());
  // The same chain is accepted when the nmethod is that method's.
  CodeBlob strangers = *blob;
  strangers.method = kStranger;
  const std::vector<JavaScope> chain = cache.ScopesAt(strangers, code_begin_ + 0x100, kClassic);
  ASSERT_EQ(chain.size(), 2u);
  EXPECT_EQ(chain[0].method, kInlined2);
  EXPECT_EQ(chain[0].bci, 2);
  EXPECT_EQ(chain[1].method, kStranger);
  EXPECT_EQ(chain[1].bci, 9);
}

TEST_F(CodeCacheTest, ReadFailsOnAGarbageHeapList) {
  for (int32_t length : {0, -1, 17, 1 << 30}) {
    FakeMemory::Put<int32_t>(array_ + layout_.array_length, length);
    auto cache = CodeCache::Read(SelfMemory(), layout_);
    EXPECT_TRUE(absl::IsUnavailable(cache.status())) << length << ": " << cache.status();
  }
  FakeMemory::Put<int32_t>(array_ + layout_.array_length, 2);
  ASSERT_TRUE(CodeCache::Read(SelfMemory(), layout_).ok());

  // No list, or no data in it.
  FakeMemory::Put<uint64_t>(heaps_variable_, 0);
  EXPECT_TRUE(absl::IsUnavailable(CodeCache::Read(SelfMemory(), layout_).status()));
  FakeMemory::Put<uint64_t>(heaps_variable_, array_);
  FakeMemory::Put<uint64_t>(array_ + layout_.array_data, 0);
  EXPECT_TRUE(absl::IsUnavailable(CodeCache::Read(SelfMemory(), layout_).status()));
  FakeMemory::Put<uint64_t>(array_ + layout_.array_data, array_data_);
  ASSERT_TRUE(CodeCache::Read(SelfMemory(), layout_).ok());
}

TEST_F(CodeCacheTest, ReadFailsOnAGarbageHeap) {
  // A null CodeHeap*.
  FakeMemory::Put<uint64_t>(array_data_ + 8, 0);
  EXPECT_TRUE(absl::IsUnavailable(CodeCache::Read(SelfMemory(), layout_).status()));
  FakeMemory::Put<uint64_t>(array_data_ + 8, heap2_.address());
  // Empty bounds.
  const uint64_t high = heap2_.address() + layout_.heap_memory + layout_.space_high;
  FakeMemory::Put<uint64_t>(high, heap2_.low());
  EXPECT_TRUE(absl::IsUnavailable(CodeCache::Read(SelfMemory(), layout_).status()));
  FakeMemory::Put<uint64_t>(high, heap2_.high());
  // A segment size no heap has.
  const uint64_t log2 = heap2_.address() + layout_.heap_log2_segment_size;
  FakeMemory::Put<int32_t>(log2, 40);
  EXPECT_TRUE(absl::IsUnavailable(CodeCache::Read(SelfMemory(), layout_).status()));
  FakeMemory::Put<int32_t>(log2, -3);
  EXPECT_TRUE(absl::IsUnavailable(CodeCache::Read(SelfMemory(), layout_).status()));
  FakeMemory::Put<int32_t>(log2, 6);
  EXPECT_TRUE(CodeCache::Read(SelfMemory(), layout_).ok());
}

}  // namespace
}  // namespace allocprof
