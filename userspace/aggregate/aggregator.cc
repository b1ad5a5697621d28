#include "userspace/aggregate/aggregator.h"

#include <algorithm>
#include <cassert>
#include <limits>

namespace allocprof {
namespace {

constexpr uint64_t kMaxAddr = std::numeric_limits<uint64_t>::max();
// <linux/mman.h>; spelled out so this file builds without kernel headers.
constexpr uint32_t kMremapDontUnmap = 4;

// Raw syscall results carry -errno (at most 4095, the kernel's MAX_ERRNO)
// instead of an address; MAP_FAILED is -1. No mapping ever starts there.
bool IsErrorResult(uint64_t addr) { return addr > kMaxAddr - 4095; }

int Index(MemKind kind) { return static_cast<int>(kind); }

bool HasFigures(const Usage& u) {
  for (int k = 0; k < kMemKinds; ++k) {
    if (u.bytes[k] != 0 || u.objects[k] != 0) return true;
  }
  return u.reserved_bytes != 0 || u.backing_bytes != 0;
}

}  // namespace

Aggregator::Aggregator(uint64_t page_size, Accounting accounting)
    : page_size_(page_size == 0 ? 1 : page_size), accounting_(accounting) {}

// --- Heap blocks -----------------------------------------------------------

void Aggregator::CountBlock(StackRef stack, uint64_t size) {
  totals_.alloc_bytes += size;
  ++totals_.alloc_objects;
  Allocated& allocated = allocated_[stack];
  allocated.bytes += static_cast<int64_t>(size);
  ++allocated.objects;
  ChangeUsage(stack, [size](Usage& u) {
    u.bytes[Index(MemKind::kHeap)] += static_cast<int64_t>(size);
    ++u.objects[Index(MemKind::kHeap)];
  });
}

void Aggregator::ReleaseBlock(const Block& block) {
  totals_.freed_bytes += block.size;
  ++totals_.freed_objects;
  const uint64_t size = block.size;
  ChangeUsage(block.stack, [size](Usage& u) {
    u.bytes[Index(MemKind::kHeap)] -= static_cast<int64_t>(size);
    --u.objects[Index(MemKind::kHeap)];
  });
}

void Aggregator::FreeBlock(uint64_t ptr, uint16_t family) {
  auto it = blocks_.find(ptr);
  if (it == blocks_.end()) {
    ++totals_.unknown_frees;
    return;
  }
  const uint16_t allocated_by = it->second.family;
  if (allocated_by != 0 && family != 0 && allocated_by != family) {
    if (totals_.mismatched_frees == 0) {
      totals_.first_mismatch = {allocated_by, family};
    }
    ++totals_.mismatched_frees;
    totals_.mismatched_free_bytes += it->second.size;
  }
  ReleaseBlock(it->second);
  blocks_.erase(it);
}

void Aggregator::OnAlloc(StackRef stack, uint64_t ptr, uint64_t size,
                         uint16_t family) {
  if (ptr == 0) {
    ++totals_.failed_calls;
    return;
  }
  auto [it, inserted] = blocks_.try_emplace(ptr, Block{stack, size, family});
  if (!inserted) {
    // The allocator handed out a live address again, so we lost the free of
    // the old block: it is gone, and counting both would inflate the stack.
    ReleaseBlock(it->second);
    it->second = Block{stack, size, family};
  }
  it->second.time_ns = now_ns_;
  CountBlock(stack, size);
}

void Aggregator::OnExec() {
  Totals kept;
  kept.execs = totals_.execs + 1;
  kept.last_exec_ns = now_ns_;
  kept.exec_dropped_bytes =
      totals_.exec_dropped_bytes + totals_.outstanding.outstanding_bytes();
  kept.exec_dropped_objects =
      totals_.exec_dropped_objects + totals_.outstanding.outstanding_objects();
  blocks_.clear();
  usage_.clear();
  allocated_.clear();
  origin_bytes_.clear();
  origin_time_ns_.clear();
  regions_ = RegionMap();
  totals_ = kept;
}

void Aggregator::OnFree(uint64_t ptr, uint16_t family) {
  if (ptr != 0) FreeBlock(ptr, family);
}

void Aggregator::OnRealloc(StackRef stack, uint64_t old_ptr, uint64_t new_ptr,
                           uint64_t size, uint16_t family) {
  if (old_ptr == 0) {
    OnAlloc(stack, new_ptr, size, family);
  } else if (new_ptr != 0) {
    FreeBlock(old_ptr, family);
    OnAlloc(stack, new_ptr, size, family);
  } else if (size == 0) {
    FreeBlock(old_ptr, family);
  } else {
    ++totals_.failed_calls;
  }
}

// --- Region accounting -----------------------------------------------------

uint64_t Aggregator::PageRangeEnd(uint64_t addr, uint64_t len) const {
  uint64_t rounded = len;
  if (const uint64_t rest = len % page_size_; rest != 0) {
    const uint64_t pad = page_size_ - rest;
    rounded = len > kMaxAddr - pad ? kMaxAddr : len + pad;
  }
  return rounded > kMaxAddr - addr ? kMaxAddr : addr + rounded;
}

uint64_t Aggregator::NewOrigin(StackRef owner, MemKind kind) {
  const uint64_t origin = next_origin_++;
  origin_bytes_.emplace(origin, 0);
  origin_time_ns_.emplace(origin, now_ns_);
  ++totals_.alloc_objects;
  ++allocated_[owner].objects;
  ChangeUsage(owner, [kind](Usage& u) { ++u.objects[Index(kind)]; });
  return origin;
}

Region Aggregator::NewRegion(StackRef owner, MemKind kind, bool in_allocator,
                             bool reserved) {
  Region region;
  region.owner = owner;
  region.kind = kind;
  region.in_allocator = in_allocator;
  region.reserved = reserved;
  if (!reserved && !in_allocator) region.origin = NewOrigin(owner, kind);
  return region;
}

void Aggregator::AddBytes(const Region& region, uint64_t bytes) {
  const auto n = static_cast<int64_t>(bytes);
  if (region.reserved) {
    ChangeUsage(region.owner, [n](Usage& u) { u.reserved_bytes += n; });
  } else if (region.in_allocator) {
    ChangeUsage(region.owner, [n](Usage& u) { u.backing_bytes += n; });
  } else {
    totals_.alloc_bytes += bytes;
    allocated_[region.owner].bytes += n;
    origin_bytes_[region.origin] += bytes;
    const int kind = Index(region.kind);
    ChangeUsage(region.owner, [n, kind](Usage& u) { u.bytes[kind] += n; });
  }
}

void Aggregator::ReleaseBytes(const Region& region, uint64_t bytes) {
  const auto n = static_cast<int64_t>(bytes);
  if (region.reserved) {
    ChangeUsage(region.owner, [n](Usage& u) { u.reserved_bytes -= n; });
    return;
  }
  if (region.in_allocator) {
    ChangeUsage(region.owner, [n](Usage& u) { u.backing_bytes -= n; });
    return;
  }
  totals_.freed_bytes += bytes;
  const int kind = Index(region.kind);
  ChangeUsage(region.owner, [n, kind](Usage& u) { u.bytes[kind] -= n; });
  // An object stays live while any of its bytes do, wherever munmap,
  // mremap and mprotect scattered them.
  auto it = origin_bytes_.find(region.origin);
  assert(it != origin_bytes_.end());  // counted pieces always have one
  if (it == origin_bytes_.end()) return;
  it->second -= std::min(it->second, bytes);
  if (it->second == 0) {
    origin_time_ns_.erase(region.origin);
    origin_bytes_.erase(it);
    ++totals_.freed_objects;
    ChangeUsage(region.owner, [kind](Usage& u) { --u.objects[kind]; });
  }
}

void Aggregator::AddRegion(uint64_t start, uint64_t end,
                           const Region& region) {
  if (start >= end) return;
  regions_.Insert(start, end, region);
  AddBytes(region, end - start);
}

uint64_t Aggregator::ReleaseRange(uint64_t start, uint64_t end) {
  return regions_.Erase(start, end, [this](const RegionPiece& piece) {
    ReleaseBytes(piece.region, piece.end - piece.start);
  });
}

// --- Region events ---------------------------------------------------------

void Aggregator::OnMmap(StackRef stack, const MapCall& call) {
  if (IsErrorResult(call.addr)) {
    // An allocator falls back or returns NULL, which OnAlloc counts.
    if (!call.in_allocator) ++totals_.failed_calls;
    return;
  }
  if (call.len == 0) return;  // the kernel rejects it
  const uint64_t end = PageRangeEnd(call.addr, call.len);
  ReleaseRange(call.addr, end);
  if (CountsPages()) return;  // its pages count when they are written
  const MemKind kind =
      call.file_backed ? MemKind::kFileMmap : MemKind::kAnonMmap;
  const bool reserved = call.prot == 0;  // PROT_NONE
  AddRegion(call.addr, end,
            NewRegion(stack, kind, call.in_allocator, reserved));
}

void Aggregator::OnMunmap(uint64_t addr, uint64_t len) {
  if (len == 0) return;
  CountUnknownUnmapped(ReleaseRange(addr, PageRangeEnd(addr, len)));
}

void Aggregator::OnMremap(StackRef stack, uint64_t old_addr, uint64_t old_len,
                          uint64_t new_addr, uint64_t new_len, uint32_t flags,
                          bool in_allocator) {
  if (IsErrorResult(new_addr)) {
    if (!in_allocator) ++totals_.failed_calls;
    return;
  }
  const uint64_t old_end = PageRangeEnd(old_addr, old_len);
  const uint64_t new_end = PageRangeEnd(new_addr, new_len);
  const uint64_t old_size = old_end - old_addr;
  const uint64_t new_size = new_end - new_addr;
  const uint64_t kept = std::min(old_size, new_size);
  const bool moves = new_addr != old_addr;
  // The kernel refuses MREMAP_DONTUNMAP onto an overlapping range; if such
  // an event arrives anyway, a plain move keeps the books consistent.
  const bool overlap = new_addr < old_end && old_addr < new_end;
  const bool dont_unmap = (flags & kMremapDontUnmap) != 0 && !overlap;

  // Growth takes after the piece it extends; decide before that piece moves.
  const Region* grown = regions_.Find(old_size > 0 ? old_end - 1 : old_addr);
  const MemKind grow_kind = grown ? grown->kind : MemKind::kAnonMmap;
  const bool grow_in_allocator =
      in_allocator || (grown != nullptr && grown->in_allocator);
  const bool grow_reserved = grown != nullptr && grown->reserved;

  moving_.clear();
  if (moves || dont_unmap) {
    regions_.ForEach(old_addr, old_addr + kept, [this](const RegionPiece& p) {
      moving_.push_back(p);
    });
    // Moved bytes keep their owner and origin: nothing to account.
    if (!dont_unmap) regions_.Erase(old_addr, old_addr + kept,
                                    [](const RegionPiece&) {});
  }
  if (new_size < old_size && !dont_unmap) {
    CountUnknownUnmapped(ReleaseRange(old_addr + new_size, old_end));
  }
  // Whatever the records held where the result now lies was replaced.
  ReleaseRange(moves ? new_addr : old_end, new_end);

  for (const RegionPiece& p : moving_) {
    const uint64_t start = p.start - old_addr + new_addr;
    const uint64_t end = p.end - old_addr + new_addr;
    regions_.Insert(start, end, p.region);
    // With MREMAP_DONTUNMAP the old range stays as well: the copy is more
    // of the same objects.
    if (dont_unmap) AddBytes(p.region, end - start);
  }
  if (new_size > old_size && !CountsPages()) {
    AddRegion(new_addr + old_size, new_end,
              NewRegion(stack, grow_kind, grow_in_allocator, grow_reserved));
  }
}

void Aggregator::OnMprotect(StackRef stack, uint64_t addr, uint64_t len,
                            uint32_t prot, bool in_allocator) {
  // Protection changes no page's residency.
  if (len == 0 || CountsPages()) return;
  const bool to_none = prot == 0;  // PROT_NONE
  // One object per call (and kind) for everything it commits.
  uint64_t commit_origin[kMemKinds] = {};
  regions_.Update(
      addr, PageRangeEnd(addr, len),
      [&](uint64_t start, uint64_t end, Region& region) {
        const uint64_t bytes = end - start;
        if (region.reserved && !to_none) {
          ReleaseBytes(region, bytes);
          region.owner = stack;
          region.reserved = false;
          region.in_allocator = in_allocator || region.in_allocator;
          region.origin = 0;
          if (!region.in_allocator) {
            uint64_t& origin = commit_origin[Index(region.kind)];
            if (origin == 0) origin = NewOrigin(stack, region.kind);
            region.origin = origin;
          }
          AddBytes(region, bytes);
        } else if (!region.reserved && to_none) {
          // Decommitted bytes are released (so alloc - freed stays equal to
          // outstanding) but the owner keeps the address space.
          ReleaseBytes(region, bytes);
          region.reserved = true;
          region.origin = 0;
          AddBytes(region, bytes);
        }
      });
}

void Aggregator::OnBrk(StackRef stack, uint64_t old_brk, uint64_t new_brk,
                       bool in_allocator) {
  if (new_brk > old_brk) {
    ReleaseRange(old_brk, new_brk);
    if (CountsPages()) return;  // its pages count when they are written
    AddRegion(old_brk, new_brk,
              NewRegion(stack, MemKind::kBrk, in_allocator, false));
  } else if (new_brk < old_brk) {
    CountUnknownUnmapped(ReleaseRange(new_brk, old_brk));
  }
}

// --- Resident pages ----------------------------------------------------------

void Aggregator::OnPageFault(StackRef stack, uint64_t addr,
                             uint64_t huge_start, uint64_t huge_len) {
  uint64_t start = addr - addr % page_size_;
  if (regions_.Find(start) != nullptr) return;  // resident already
  uint64_t end = PageRangeEnd(start, 1);
  if (huge_len != 0 && huge_start <= start && start - huge_start < huge_len) {
    bool empty = true;
    regions_.ForEach(huge_start, huge_start + huge_len,
                     [&empty](const RegionPiece&) { empty = false; });
    if (empty) {
      start = huge_start;
      end = huge_start + huge_len;
    }
  }
  AddRegion(start, end, NewRegion(stack, MemKind::kPages, false, false));
}

void Aggregator::OnPagesDropped(uint64_t addr, uint64_t len) {
  if (len != 0) ReleaseRange(addr, PageRangeEnd(addr, len));
}

// --- Results -----------------------------------------------------------------

std::vector<LiveObject> Aggregator::LiveObjects() const {
  std::vector<LiveObject> out;
  out.reserve(blocks_.size() + origin_bytes_.size());
  for (const auto& [ptr, block] : blocks_) {
    out.push_back({block.stack, MemKind::kHeap, ptr, block.size, block.time_ns});
  }
  // A mapping split by munmap is still one object: the first piece met in
  // address order gives its address, origin_bytes_ what is left of it.
  absl::flat_hash_map<uint64_t, size_t> seen;
  ForEachOutstandingPiece([&](const RegionPiece& p) {
    auto [it, inserted] = seen.try_emplace(p.region.origin, out.size());
    if (!inserted) return;
    auto bytes = origin_bytes_.find(p.region.origin);
    auto time = origin_time_ns_.find(p.region.origin);
    out.push_back({p.region.owner, p.region.kind, p.start,
                   bytes == origin_bytes_.end() ? p.end - p.start : bytes->second,
                   time == origin_time_ns_.end() ? 0 : time->second});
  });
  return out;
}

void Aggregator::ForEachOutstandingPiece(RegionMap::Visitor visit) const {
  regions_.ForEach(0, kMaxAddr, [&](const RegionPiece& p) {
    if (!p.region.reserved && !p.region.in_allocator && p.region.origin != 0) {
      visit(p);
    }
  });
}

std::vector<std::pair<StackRef, Usage>> Aggregator::ByStack() const {
  std::vector<std::pair<StackRef, Usage>> out;
  out.reserve(usage_.size());
  for (const auto& [stack, usage] : usage_) {
    if (HasFigures(usage)) out.emplace_back(stack, usage);
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    const int64_t ao = a.second.outstanding_bytes();
    const int64_t bo = b.second.outstanding_bytes();
    return ao != bo ? ao > bo : a.first < b.first;
  });
  return out;
}

std::vector<uint64_t> Aggregator::LiveBlockAddresses() const {
  std::vector<uint64_t> addresses;
  addresses.reserve(blocks_.size());
  for (const auto& [ptr, block] : blocks_) addresses.push_back(ptr);
  return addresses;
}

}  // namespace allocprof
