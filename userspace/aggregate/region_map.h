// The address-space side of the aggregator: which pieces of the target's
// address space were mapped (or grown with brk) during the session, and what
// each piece belongs to.
//
// RegionMap only keeps intervals; it knows nothing about Usage or Totals.
// Every call that removes or changes pieces reports them to a visitor, and
// the Aggregator does the accounting there. Keeping the two apart lets the
// interval logic (splits at arbitrary edges, merges) be tested on its own
// against a page-by-page model.
#ifndef ALLOCPROF_USERSPACE_AGGREGATE_REGION_MAP_H_
#define ALLOCPROF_USERSPACE_AGGREGATE_REGION_MAP_H_

#include <cstddef>
#include <cstdint>

#include "absl/container/btree_map.h"
#include "absl/functional/function_ref.h"
#include "userspace/aggregate/usage.h"

namespace allocprof {

// What a piece of address space is. Two adjacent pieces with equal Regions
// are merged, so everything that tells pieces apart must be in here.
struct Region {
  StackRef owner = 0;
  // kAnonMmap, kFileMmap or kBrk; kept for backing and reserved pieces too,
  // because mremap growth and mprotect commits inherit it.
  MemKind kind = MemKind::kAnonMmap;
  // Mapped by an allocator for its own use: backing store, not an allocation
  // of the program.
  bool in_allocator = false;
  // PROT_NONE: address space only.
  bool reserved = false;
  // The call that created the piece, so that a mapping split by partial
  // munmaps is still one object. 0 for pieces that are not objects
  // (reserved or backing).
  uint64_t origin = 0;

  friend bool operator==(const Region& a, const Region& b) {
    return a.owner == b.owner && a.kind == b.kind &&
           a.in_allocator == b.in_allocator && a.reserved == b.reserved &&
           a.origin == b.origin;
  }
  friend bool operator!=(const Region& a, const Region& b) {
    return !(a == b);
  }
};

// One piece: [start, end) holding `region`.
struct RegionPiece {
  uint64_t start = 0;
  uint64_t end = 0;
  Region region;
};

// Non-overlapping pieces keyed by start address. All ranges are half-open
// [start, end) in bytes; nothing here rounds to pages (brk is byte-exact).
// Operations cost O(log n) plus the number of pieces they touch.
class RegionMap {
 public:
  // Called with a piece clipped to the range an operation works on. The
  // visitor must not call back into the map.
  using Visitor = absl::FunctionRef<void(const RegionPiece&)>;
  // Called with a piece clipped to the range; may change the piece's Region.
  using Updater =
      absl::FunctionRef<void(uint64_t start, uint64_t end, Region& region)>;

  // Removes [start, end), splitting pieces that straddle either edge, and
  // reports every removed part in address order. Returns how many bytes of
  // the range no piece covered.
  uint64_t Erase(uint64_t start, uint64_t end, Visitor removed);
  // Adds [start, end) as `region`. The range must be free: callers Erase it
  // first (an mmap replaces whatever the records held there). Merges with
  // equal neighbours.
  void Insert(uint64_t start, uint64_t end, const Region& region);
  // Calls `update` for every piece inside [start, end), split at the edges
  // so a change applies to exactly that range, then merges equal
  // neighbours. Gaps are skipped.
  void Update(uint64_t start, uint64_t end, Updater update);
  // Reports every piece overlapping [start, end), clipped, in address order.
  void ForEach(uint64_t start, uint64_t end, Visitor visit) const;
  // The piece holding `addr`, or nullptr.
  const Region* Find(uint64_t addr) const;

  // Number of pieces and bytes they cover.
  size_t piece_count() const { return pieces_.size(); }
  uint64_t covered_bytes() const { return covered_bytes_; }
  bool empty() const { return pieces_.empty(); }

 private:
  struct Piece {
    uint64_t end;
    Region region;
  };
  using Map = absl::btree_map<uint64_t, Piece>;

  // First piece that ends after `addr`, i.e. the first one that can overlap
  // a range starting at `addr`.
  Map::iterator FirstEndingAfter(uint64_t addr);
  Map::const_iterator FirstEndingAfter(uint64_t addr) const;
  // Makes `addr` a piece boundary if a piece straddles it.
  void SplitAt(uint64_t addr);
  // Merges every run of equal, touching pieces that starts at or before
  // `from` and ends at or after `to`'s piece.
  void MergeAround(uint64_t from, uint64_t to);

  Map pieces_;
  uint64_t covered_bytes_ = 0;
};

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_AGGREGATE_REGION_MAP_H_
