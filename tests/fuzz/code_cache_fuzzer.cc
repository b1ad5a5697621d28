// CodeCache::ScopesAt: the scope descriptors of a compiled Java method
// (PcDescs, then a chain of compressed ScopeDescs), decoded from the JVM's
// memory with the field offsets and sizes its VMStructs give. Both are the
// target's to choose, so both come from the input.
//
// The "JVM" is this process, read through /proc/self/mem: the nmethod's
// bytes are placed in a region reserved so that every offset the decoder
// may compute from the nmethod (non-negative 32-bit ones) falls inside it;
// what is not the input is PROT_NONE, which /proc/PID/mem reads (as ptrace
// does) as zeros, so no run reads memory of the harness's own.
//
// Input: 16 bytes of parameters, then the nmethod's memory from its start.
//   [0]     encoding (classic, UNSIGNED5, sparse)
//   [1..3]  PcDesc size, offset of its pc offset, of its scope offset
//   [4..7]  code size; [8..11] return address - code begin
//   [12..15] the nmethod's own Method* (low 32 bits)
// In the nmethod: int32 scopes-pcs offset at 0, dependencies offset at 4,
// metadata offset at 8; at 16 the scopes data begin, stored here as an
// offset from the nmethod and made an address by the harness.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "tests/fuzz/fuzz_check.h"
#include "userspace/java/code_cache.h"

namespace {

constexpr size_t kParams = 16;
constexpr size_t kMaxImage = 1 << 16;
constexpr size_t kPage = 4096;
// Offsets reach 2^31 past the nmethod, plus up to 2^18 PcDescs of at most
// 255 bytes and a 16-byte scope header.
constexpr size_t kReserve = (size_t{1} << 31) + (size_t{1} << 27);

uint32_t Le32(const uint8_t* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}

struct FakeJvm {
  // What CodeCache::Read walks to find one code heap; ScopesAt needs none.
  uint64_t heap[4] = {0x10000, 0x20000, 0, 6};  // low, high, segmap, log2
  uint64_t heap_list[1] = {reinterpret_cast<uint64_t>(heap)};
  uint64_t array[2] = {1, reinterpret_cast<uint64_t>(heap_list)};  // length, data
  uint64_t heaps = reinterpret_cast<uint64_t>(array);
  allocprof::CodeCacheLayout layout;
  uint8_t* nmethod = nullptr;
  size_t dirty = 0;  // bytes of nmethod written by the last run

  FakeJvm() {
    heap[2] = reinterpret_cast<uint64_t>(heap);
    layout.heaps = reinterpret_cast<uint64_t>(&heaps);
    layout.array_length = 0;
    layout.array_data = 8;
    layout.heap_memory = 0;
    layout.space_low = 0;
    layout.space_high = 8;
    layout.heap_segmap = 16;
    layout.heap_log2_segment_size = 24;
    layout.nmethod_scopes_pcs_offset = 0;
    layout.nmethod_dependencies_offset = 4;
    layout.nmethod_metadata_offset = 8;
    layout.compiled_scopes_data_begin = 16;
    void* region = mmap(nullptr, kReserve + 2 * kPage, PROT_NONE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (region == MAP_FAILED) std::abort();
    nmethod = static_cast<uint8_t*>(region) + kPage;
    if (mprotect(nmethod, kMaxImage, PROT_READ | PROT_WRITE) != 0) std::abort();
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static FakeJvm jvm;
  if (size < kParams) return 0;
  const uint8_t* params = data;
  const uint8_t* image = data + kParams;
  const size_t image_size = std::min(size - kParams, kMaxImage);

  std::memset(jvm.nmethod, 0, jvm.dirty);
  std::memcpy(jvm.nmethod, image, image_size);
  jvm.dirty = image_size;
  const uint64_t address = reinterpret_cast<uint64_t>(jvm.nmethod);
  if (image_size >= 24) {
    const uint64_t scopes = address + Le32(image + 16);
    std::memcpy(jvm.nmethod + 16, &scopes, sizeof(scopes));
  }

  allocprof::CodeCacheLayout layout = jvm.layout;
  layout.pc_desc_size = params[1];
  layout.pc_desc_pc_offset = params[2];
  layout.pc_desc_scope_decode_offset = params[3];
  static const allocprof::TargetMemory self = *allocprof::TargetMemory::OpenSelf();
  auto cache = allocprof::CodeCache::Read(self, layout);
  FUZZ_CHECK(cache.ok());

  allocprof::CodeBlob blob;
  blob.address = address;
  blob.is_nmethod = true;
  blob.code_begin = 0x7f0000000000;
  blob.code_end = blob.code_begin + Le32(params + 4);
  blob.method = Le32(params + 12);
  const uint64_t return_address = blob.code_begin + Le32(params + 8);
  const auto encoding = static_cast<allocprof::ScopeEncoding>(params[0] % 3);
  auto chain = cache->ScopesAt(blob, return_address, encoding);
  if (!chain.empty()) FUZZ_CHECK(chain.back().method == blob.method && chain.size() <= 64);
  return 0;
}
