#include "userspace/aggregate/region_map.h"

#include <algorithm>
#include <cassert>
#include <iterator>

namespace allocprof {

RegionMap::Map::iterator RegionMap::FirstEndingAfter(uint64_t addr) {
  auto it = pieces_.upper_bound(addr);
  if (it != pieces_.begin()) {
    auto prev = std::prev(it);
    if (prev->second.end > addr) return prev;
  }
  return it;
}

RegionMap::Map::const_iterator RegionMap::FirstEndingAfter(
    uint64_t addr) const {
  auto it = pieces_.upper_bound(addr);
  if (it != pieces_.begin()) {
    auto prev = std::prev(it);
    if (prev->second.end > addr) return prev;
  }
  return it;
}

uint64_t RegionMap::Erase(uint64_t start, uint64_t end, Visitor removed) {
  if (start >= end) return 0;
  uint64_t covered = 0;
  auto it = FirstEndingAfter(start);

  // A piece that begins before the range keeps its head.
  if (it != pieces_.end() && it->first < start) {
    const uint64_t piece_end = it->second.end;
    const Region region = it->second.region;
    const uint64_t cut_end = std::min(piece_end, end);
    removed(RegionPiece{start, cut_end, region});
    covered += cut_end - start;
    it->second.end = start;
    if (piece_end > end) {
      // The range was inside this one piece: its tail survives too.
      pieces_.emplace_hint(std::next(it), end, Piece{piece_end, region});
      covered_bytes_ -= covered;
      return (end - start) - covered;
    }
    ++it;
  }

  // Pieces wholly inside the range go in one btree range erase.
  auto first = it;
  while (it != pieces_.end() && it->second.end <= end) {
    removed(RegionPiece{it->first, it->second.end, it->second.region});
    covered += it->second.end - it->first;
    ++it;
  }
  it = pieces_.erase(first, it);

  // A piece that ends after the range keeps its tail, re-keyed at `end`.
  if (it != pieces_.end() && it->first < end) {
    const Piece tail = it->second;
    removed(RegionPiece{it->first, end, tail.region});
    covered += end - it->first;
    it = pieces_.erase(it);
    pieces_.emplace_hint(it, end, tail);
  }

  covered_bytes_ -= covered;
  return (end - start) - covered;
}

void RegionMap::Insert(uint64_t start, uint64_t end, const Region& region) {
  if (start >= end) return;
  auto next = pieces_.lower_bound(start);
  assert(next == pieces_.end() || next->first >= end);
  covered_bytes_ += end - start;

  const bool joins_next = next != pieces_.end() && next->first == end &&
                          next->second.region == region;
  if (next != pieces_.begin()) {
    auto prev = std::prev(next);
    assert(prev->second.end <= start);
    if (prev->second.end == start && prev->second.region == region) {
      prev->second.end = joins_next ? next->second.end : end;
      if (joins_next) pieces_.erase(next);
      return;
    }
  }
  if (joins_next) {
    // Re-key the next piece at `start`; btree keys cannot change in place.
    const uint64_t next_end = next->second.end;
    next = pieces_.erase(next);
    pieces_.emplace_hint(next, start, Piece{next_end, region});
    return;
  }
  pieces_.emplace_hint(next, start, Piece{end, region});
}

void RegionMap::SplitAt(uint64_t addr) {
  auto it = pieces_.upper_bound(addr);
  if (it == pieces_.begin()) return;
  --it;
  if (it->first < addr && it->second.end > addr) {
    const Piece tail = it->second;
    it->second.end = addr;
    pieces_.emplace_hint(std::next(it), addr, tail);
  }
}

void RegionMap::MergeAround(uint64_t from, uint64_t to) {
  auto it = pieces_.lower_bound(from);
  if (it != pieces_.begin()) --it;
  while (it != pieces_.end() && it->first < to) {
    auto next = std::next(it);
    if (next != pieces_.end() && next->first == it->second.end &&
        next->second.region == it->second.region) {
      it->second.end = next->second.end;
      // Erasing invalidates btree iterators; the one returned points past
      // the erased piece, so the merged piece is just before it.
      it = std::prev(pieces_.erase(next));
    } else {
      it = next;
    }
  }
}

void RegionMap::Update(uint64_t start, uint64_t end, Updater update) {
  if (start >= end) return;
  SplitAt(start);
  SplitAt(end);
  for (auto it = pieces_.lower_bound(start);
       it != pieces_.end() && it->first < end; ++it) {
    update(it->first, it->second.end, it->second.region);
  }
  MergeAround(start, end);
}

void RegionMap::ForEach(uint64_t start, uint64_t end, Visitor visit) const {
  if (start >= end) return;
  for (auto it = FirstEndingAfter(start);
       it != pieces_.end() && it->first < end; ++it) {
    visit(RegionPiece{std::max(it->first, start),
                      std::min(it->second.end, end), it->second.region});
  }
}

const Region* RegionMap::Find(uint64_t addr) const {
  auto it = pieces_.upper_bound(addr);
  if (it == pieces_.begin()) return nullptr;
  --it;
  return it->second.end > addr ? &it->second.region : nullptr;
}

}  // namespace allocprof
