// Random event streams against a page-by-page model of the same rules. The
// model is slow and obvious (one record per page, objects counted by
// scanning), so the interval bookkeeping in the Aggregator is checked
// against something that has no intervals at all.
#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "gtest/gtest.h"
#include "tests/unit/aggregate/aggregator_test_util.h"
#include "userspace/aggregate/aggregator.h"

namespace allocprof {
namespace {

constexpr uint64_t kBase = 0x7f0000000000;
constexpr uint64_t kPages = 48;

struct PageInfo {
  StackRef owner;
  MemKind kind;
  bool in_allocator;
  bool reserved;
  uint64_t origin;  // 0: not an object
};

class Model {
 public:
  // Heap ------------------------------------------------------------------
  void Alloc(StackRef stack, uint64_t ptr, uint64_t size) {
    auto it = blocks_.find(ptr);
    if (it != blocks_.end()) {
      totals_.freed_bytes += it->second.second;
      ++totals_.freed_objects;
    }
    blocks_[ptr] = {stack, size};
    totals_.alloc_bytes += size;
    ++totals_.alloc_objects;
  }
  void Free(uint64_t ptr) {
    auto it = blocks_.find(ptr);
    if (it == blocks_.end()) {
      ++totals_.unknown_frees;
      return;
    }
    totals_.freed_bytes += it->second.second;
    ++totals_.freed_objects;
    blocks_.erase(it);
  }

  // Regions, in whole pages ----------------------------------------------
  void Mmap(StackRef stack, uint64_t page, uint64_t n, bool file,
            bool reserved, bool in_allocator) {
    for (uint64_t p = page; p < page + n; ++p) Release(p);
    const MemKind kind = file ? MemKind::kFileMmap : MemKind::kAnonMmap;
    const uint64_t origin =
        reserved || in_allocator ? 0 : NewOrigin();
    for (uint64_t p = page; p < page + n; ++p) {
      Add(p, PageInfo{stack, kind, in_allocator, reserved, origin});
    }
  }
  void Munmap(uint64_t page, uint64_t n) {
    for (uint64_t p = page; p < page + n; ++p) {
      if (!Release(p)) totals_.unknown_unmapped_bytes += kPage;
    }
  }
  void Mremap(StackRef stack, uint64_t old_page, uint64_t old_n,
              uint64_t new_page, uint64_t new_n, bool dont_unmap,
              bool in_allocator) {
    const uint64_t kept = std::min(old_n, new_n);
    const bool moves = new_page != old_page;
    const bool overlap =
        new_page < old_page + old_n && old_page < new_page + new_n;
    dont_unmap = dont_unmap && !overlap;

    auto last = pages_.find(old_page + old_n - 1);
    const bool known = last != pages_.end();
    const MemKind grow_kind = known ? last->second.kind : MemKind::kAnonMmap;
    const bool grow_alloc = in_allocator || (known && last->second.in_allocator);
    const bool grow_reserved = known && last->second.reserved;

    std::map<uint64_t, PageInfo> moving;
    if (moves || dont_unmap) {
      for (uint64_t i = 0; i < kept; ++i) {
        auto it = pages_.find(old_page + i);
        if (it == pages_.end()) continue;
        moving[new_page + i] = it->second;
        if (!dont_unmap) pages_.erase(it);
      }
    }
    if (new_n < old_n && !dont_unmap) Munmap(old_page + new_n, old_n - new_n);
    for (uint64_t p = moves ? new_page : old_page + old_n; p < new_page + new_n;
         ++p) {
      Release(p);
    }
    for (const auto& [p, info] : moving) {
      if (dont_unmap) {
        Add(p, info);
      } else {
        pages_[p] = info;
      }
    }
    if (new_n > old_n) {
      const uint64_t origin = grow_reserved || grow_alloc ? 0 : NewOrigin();
      for (uint64_t p = new_page + old_n; p < new_page + new_n; ++p) {
        Add(p, PageInfo{stack, grow_kind, grow_alloc, grow_reserved, origin});
      }
    }
  }
  void Brk(StackRef stack, uint64_t old_page, uint64_t new_page,
           bool in_allocator) {
    if (new_page < old_page) {
      Munmap(new_page, old_page - new_page);
      return;
    }
    for (uint64_t p = old_page; p < new_page; ++p) Release(p);
    if (new_page == old_page) return;
    const uint64_t origin = in_allocator ? 0 : NewOrigin();
    for (uint64_t p = old_page; p < new_page; ++p) {
      Add(p, PageInfo{stack, MemKind::kBrk, in_allocator, false, origin});
    }
  }
  void Mprotect(StackRef stack, uint64_t page, uint64_t n, bool to_none,
                bool in_allocator) {
    uint64_t origin_by_kind[kMemKinds] = {};
    for (uint64_t p = page; p < page + n; ++p) {
      auto it = pages_.find(p);
      if (it == pages_.end()) continue;
      PageInfo info = it->second;
      if (info.reserved && !to_none) {
        Release(p);
        info.owner = stack;
        info.reserved = false;
        info.in_allocator = info.in_allocator || in_allocator;
        info.origin = 0;
        if (!info.in_allocator) {
          uint64_t& o = origin_by_kind[static_cast<int>(info.kind)];
          if (o == 0) o = NewOrigin();
          info.origin = o;
        }
        Add(p, info);
      } else if (!info.reserved && to_none) {
        Release(p);
        info.reserved = true;
        info.origin = 0;
        Add(p, info);
      }
    }
  }

  // What the Aggregator should report.
  std::map<StackRef, Usage> ByStack() const {
    std::map<StackRef, Usage> out;
    for (const auto& [ptr, block] : blocks_) {
      Usage& u = out[block.first];
      u.bytes[0] += static_cast<int64_t>(block.second);
      ++u.objects[0];
    }
    std::set<uint64_t> seen_origins;
    for (const auto& [page, info] : pages_) {
      Usage& u = out[info.owner];
      if (info.reserved) {
        u.reserved_bytes += kPage;
      } else if (info.in_allocator) {
        u.backing_bytes += kPage;
      } else {
        u.bytes[static_cast<int>(info.kind)] += kPage;
        if (seen_origins.insert(info.origin).second) {
          ++u.objects[static_cast<int>(info.kind)];
        }
      }
    }
    return out;
  }
  const Totals& totals() const { return totals_; }

 private:
  bool Counted(const PageInfo& info) const {
    return !info.reserved && !info.in_allocator;
  }
  uint64_t NewOrigin() {
    ++totals_.alloc_objects;
    return next_origin_++;
  }
  void Add(uint64_t page, const PageInfo& info) {
    pages_[page] = info;
    if (Counted(info)) {
      totals_.alloc_bytes += kPage;
      ++origin_pages_[info.origin];
    }
  }
  // Returns whether the page was known.
  bool Release(uint64_t page) {
    auto it = pages_.find(page);
    if (it == pages_.end()) return false;
    if (Counted(it->second)) {
      totals_.freed_bytes += kPage;
      if (--origin_pages_[it->second.origin] == 0) ++totals_.freed_objects;
    }
    pages_.erase(it);
    return true;
  }

  std::map<uint64_t, std::pair<StackRef, uint64_t>> blocks_;
  std::map<uint64_t, PageInfo> pages_;
  std::map<uint64_t, int> origin_pages_;
  uint64_t next_origin_ = 1;
  Totals totals_;
};

void ExpectSame(const Aggregator& agg, const Model& model) {
  std::map<StackRef, Usage> expected;
  for (const auto& [stack, usage] : model.ByStack()) {
    bool any = usage.reserved_bytes != 0 || usage.backing_bytes != 0;
    for (int k = 0; k < kMemKinds; ++k) {
      any = any || usage.bytes[k] != 0 || usage.objects[k] != 0;
    }
    if (any) expected[stack] = usage;
  }
  const auto actual = agg.ByStack();
  ASSERT_EQ(actual.size(), expected.size());
  for (const auto& [stack, u] : actual) {
    auto it = expected.find(stack);
    ASSERT_NE(it, expected.end()) << "stack " << stack;
    const Usage& e = it->second;
    for (int k = 0; k < kMemKinds; ++k) {
      EXPECT_EQ(u.bytes[k], e.bytes[k]) << "stack " << stack << " kind " << k;
      EXPECT_EQ(u.objects[k], e.objects[k])
          << "stack " << stack << " kind " << k;
    }
    EXPECT_EQ(u.reserved_bytes, e.reserved_bytes) << "stack " << stack;
    EXPECT_EQ(u.backing_bytes, e.backing_bytes) << "stack " << stack;
  }
  const Totals& t = agg.totals();
  const Totals& m = model.totals();
  EXPECT_EQ(t.alloc_bytes, m.alloc_bytes);
  EXPECT_EQ(t.alloc_objects, m.alloc_objects);
  EXPECT_EQ(t.freed_bytes, m.freed_bytes);
  EXPECT_EQ(t.freed_objects, m.freed_objects);
  EXPECT_EQ(t.unknown_frees, m.unknown_frees);
  EXPECT_EQ(t.unknown_unmapped_bytes, m.unknown_unmapped_bytes);
  ExpectConsistent(agg);
}

TEST(AggregatorRandomTest, MatchesPageModel) {
  std::mt19937_64 rng(777);
  auto uniform = [&rng](uint64_t lo, uint64_t hi) {  // [lo, hi]
    return std::uniform_int_distribution<uint64_t>(lo, hi)(rng);
  };
  auto addr = [](uint64_t page) { return kBase + page * kPage; };

  Aggregator agg;
  Model model;
  for (int step = 0; step < 4000; ++step) {
    const StackRef stack = static_cast<StackRef>(uniform(1, 5));
    const uint64_t page = uniform(0, kPages - 1);
    const uint64_t n = uniform(1, 12);
    const bool in_allocator = uniform(0, 4) == 0;
    const uint64_t op = uniform(0, 11);
    SCOPED_TRACE(testing::Message() << "step " << step << " op " << op
                                    << " page " << page << " n " << n);
    switch (op) {
      case 0:
      case 1:
      case 2: {
        MapCall call = Anon(addr(page), n * kPage - uniform(0, 100),
                            uniform(0, 3) == 0 ? kProtNone : kProtRW);
        call.file_backed = uniform(0, 2) == 0;
        call.in_allocator = in_allocator;
        agg.OnMmap(stack, call);
        model.Mmap(stack, page, n, call.file_backed, call.prot == kProtNone,
                   in_allocator);
        break;
      }
      case 3:
      case 4:
        agg.OnMunmap(addr(page), n * kPage);
        model.Munmap(page, n);
        break;
      case 5:
      case 6: {
        const uint64_t new_n = uniform(1, 12);
        const bool in_place = uniform(0, 1) == 0;
        const uint64_t new_page = in_place ? page : uniform(0, kPages - 1);
        const bool dont_unmap = !in_place && new_n == n && uniform(0, 2) == 0;
        const uint32_t flags =
            kMremapMayMove | (dont_unmap ? kMremapDontUnmap : 0);
        agg.OnMremap(stack, addr(page), n * kPage, addr(new_page),
                     new_n * kPage, flags, in_allocator);
        model.Mremap(stack, page, n, new_page, new_n, dont_unmap,
                     in_allocator);
        break;
      }
      case 7:
      case 8: {
        const bool to_none = uniform(0, 1) == 0;
        agg.OnMprotect(stack, addr(page), n * kPage,
                       to_none ? kProtNone : kProtRW, in_allocator);
        model.Mprotect(stack, page, n, to_none, in_allocator);
        break;
      }
      case 9: {
        // brk over whole pages, so the page model can follow it.
        const uint64_t other = uniform(0, kPages);
        agg.OnBrk(stack, addr(page), addr(other), in_allocator);
        model.Brk(stack, page, other, in_allocator);
        break;
      }
      case 10: {
        const uint64_t ptr = 0x1000 + uniform(0, 40) * 16;
        const uint64_t size = uniform(0, 5000);
        agg.OnAlloc(stack, ptr, size);
        model.Alloc(stack, ptr, size);
        break;
      }
      case 11: {
        const uint64_t ptr = 0x1000 + uniform(0, 40) * 16;
        agg.OnFree(ptr);
        model.Free(ptr);
        break;
      }
    }
    ExpectSame(agg, model);
    if (HasFailure()) return;
  }
}

}  // namespace
}  // namespace allocprof
