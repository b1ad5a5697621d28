// RegionMap on its own: splits, merges, and a randomized cross-check against
// a byte-by-byte model of the same address space.
#include "userspace/aggregate/region_map.h"

#include <cstdint>
#include <optional>
#include <random>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace allocprof {
namespace {

Region Owned(StackRef owner, uint64_t origin = 0) {
  Region r;
  r.owner = owner;
  r.origin = origin;
  return r;
}

std::vector<RegionPiece> All(const RegionMap& map) {
  std::vector<RegionPiece> out;
  map.ForEach(0, UINT64_MAX,
              [&out](const RegionPiece& p) { out.push_back(p); });
  return out;
}

std::vector<RegionPiece> Erased(RegionMap& map, uint64_t start, uint64_t end,
                                uint64_t* uncovered = nullptr) {
  std::vector<RegionPiece> out;
  const uint64_t gap = map.Erase(
      start, end, [&out](const RegionPiece& p) { out.push_back(p); });
  if (uncovered != nullptr) *uncovered = gap;
  return out;
}

MATCHER_P3(PieceIs, start, end, owner, "") {
  return arg.start == static_cast<uint64_t>(start) &&
         arg.end == static_cast<uint64_t>(end) && arg.region.owner == owner;
}

TEST(RegionMapTest, EraseHeadLeavesTail) {
  RegionMap map;
  map.Insert(100, 200, Owned(1));
  uint64_t gap = 99;
  EXPECT_THAT(Erased(map, 100, 130, &gap),
              testing::ElementsAre(PieceIs(100, 130, 1u)));
  EXPECT_EQ(gap, 0u);
  EXPECT_THAT(All(map), testing::ElementsAre(PieceIs(130, 200, 1u)));
  EXPECT_EQ(map.covered_bytes(), 70u);
}

TEST(RegionMapTest, EraseMiddleSplitsInTwo) {
  RegionMap map;
  map.Insert(100, 200, Owned(1));
  EXPECT_THAT(Erased(map, 120, 150),
              testing::ElementsAre(PieceIs(120, 150, 1u)));
  EXPECT_THAT(All(map), testing::ElementsAre(PieceIs(100, 120, 1u),
                                             PieceIs(150, 200, 1u)));
  EXPECT_EQ(map.piece_count(), 2u);
  EXPECT_EQ(map.covered_bytes(), 70u);
}

TEST(RegionMapTest, EraseTailLeavesHead) {
  RegionMap map;
  map.Insert(100, 200, Owned(1));
  EXPECT_THAT(Erased(map, 180, 200),
              testing::ElementsAre(PieceIs(180, 200, 1u)));
  EXPECT_THAT(All(map), testing::ElementsAre(PieceIs(100, 180, 1u)));
}

TEST(RegionMapTest, EraseAcrossPiecesAndGapsReportsEachPartAndTheGaps) {
  RegionMap map;
  map.Insert(100, 200, Owned(1));
  map.Insert(250, 300, Owned(2));
  map.Insert(300, 400, Owned(3));
  map.Insert(500, 600, Owned(4));
  uint64_t gap = 0;
  EXPECT_THAT(Erased(map, 150, 550, &gap),
              testing::ElementsAre(PieceIs(150, 200, 1u), PieceIs(250, 300, 2u),
                                   PieceIs(300, 400, 3u),
                                   PieceIs(500, 550, 4u)));
  // [200,250) and [400,500) were never inserted.
  EXPECT_EQ(gap, 150u);
  EXPECT_THAT(All(map), testing::ElementsAre(PieceIs(100, 150, 1u),
                                             PieceIs(550, 600, 4u)));
}

TEST(RegionMapTest, EraseOfNothingIsAllGap) {
  RegionMap map;
  uint64_t gap = 0;
  EXPECT_TRUE(Erased(map, 10, 50, &gap).empty());
  EXPECT_EQ(gap, 40u);
  EXPECT_EQ(map.Erase(50, 50, [](const RegionPiece&) {}), 0u);
}

TEST(RegionMapTest, InsertMergesEqualNeighboursOnly) {
  RegionMap map;
  map.Insert(0, 10, Owned(1, 7));
  map.Insert(20, 30, Owned(1, 7));
  map.Insert(10, 20, Owned(1, 7));
  EXPECT_THAT(All(map), testing::ElementsAre(PieceIs(0, 30, 1u)));
  map.Insert(30, 40, Owned(1, 8));  // another object: stays apart
  map.Insert(40, 50, Owned(1, 8));
  EXPECT_THAT(All(map), testing::ElementsAre(PieceIs(0, 30, 1u),
                                             PieceIs(30, 50, 1u)));
  map.Insert(60, 70, Owned(1, 8));  // not touching
  EXPECT_EQ(map.piece_count(), 3u);
  EXPECT_EQ(map.covered_bytes(), 60u);
}

TEST(RegionMapTest, UpdateChangesExactlyTheRangeAndMergesBack) {
  RegionMap map;
  map.Insert(0, 100, Owned(1));
  std::vector<std::pair<uint64_t, uint64_t>> seen;
  map.Update(40, 60, [&](uint64_t s, uint64_t e, Region& r) {
    seen.emplace_back(s, e);
    r.reserved = true;
  });
  EXPECT_THAT(seen, testing::ElementsAre(std::make_pair(40u, 60u)));
  auto pieces = All(map);
  ASSERT_EQ(pieces.size(), 3u);
  EXPECT_FALSE(pieces[0].region.reserved);
  EXPECT_TRUE(pieces[1].region.reserved);
  EXPECT_EQ(pieces[1].start, 40u);
  EXPECT_EQ(pieces[1].end, 60u);
  EXPECT_FALSE(pieces[2].region.reserved);

  // Undoing the change makes it one piece again.
  map.Update(0, 100, [](uint64_t, uint64_t, Region& r) { r.reserved = false; });
  EXPECT_THAT(All(map), testing::ElementsAre(PieceIs(0, 100, 1u)));
}

TEST(RegionMapTest, UpdateSkipsGaps) {
  RegionMap map;
  map.Insert(0, 10, Owned(1));
  map.Insert(20, 30, Owned(2));
  std::vector<std::pair<uint64_t, uint64_t>> seen;
  map.Update(5, 25, [&](uint64_t s, uint64_t e, Region& r) {
    seen.emplace_back(s, e);
    r.owner = 9;
  });
  EXPECT_THAT(seen, testing::ElementsAre(std::make_pair(5u, 10u),
                                         std::make_pair(20u, 25u)));
  EXPECT_THAT(All(map), testing::ElementsAre(
                            PieceIs(0, 5, 1u), PieceIs(5, 10, 9u),
                            PieceIs(20, 25, 9u), PieceIs(25, 30, 2u)));
  EXPECT_EQ(map.covered_bytes(), 20u);
}

TEST(RegionMapTest, FindAndForEachClip) {
  RegionMap map;
  map.Insert(100, 200, Owned(1));
  map.Insert(300, 400, Owned(2));
  ASSERT_NE(map.Find(100), nullptr);
  EXPECT_EQ(map.Find(199)->owner, 1u);
  EXPECT_EQ(map.Find(200), nullptr);
  EXPECT_EQ(map.Find(99), nullptr);
  EXPECT_EQ(map.Find(399)->owner, 2u);
  std::vector<RegionPiece> seen;
  map.ForEach(150, 350, [&](const RegionPiece& p) { seen.push_back(p); });
  EXPECT_THAT(seen, testing::ElementsAre(PieceIs(150, 200, 1u),
                                         PieceIs(300, 350, 2u)));
}

TEST(RegionMapTest, WorksAtTheTopOfTheAddressSpace) {
  RegionMap map;
  const uint64_t top = UINT64_MAX;
  map.Insert(top - 100, top, Owned(1));
  EXPECT_EQ(map.Find(top - 1)->owner, 1u);
  EXPECT_THAT(Erased(map, top - 50, top),
              testing::ElementsAre(PieceIs(top - 50, top, 1u)));
  EXPECT_EQ(map.covered_bytes(), 50u);
}

// --- Randomized cross-check ---------------------------------------------------

// The same address space, one Region (or none) per byte.
class ByteModel {
 public:
  explicit ByteModel(size_t size) : bytes_(size) {}
  std::optional<Region>& at(uint64_t addr) { return bytes_[addr]; }
  size_t size() const { return bytes_.size(); }
  uint64_t covered() const {
    uint64_t n = 0;
    for (const auto& b : bytes_) n += b.has_value();
    return n;
  }

 private:
  std::vector<std::optional<Region>> bytes_;
};

// Checks every piece against the model, and that pieces are maximal: no two
// touching pieces hold equal Regions.
void ExpectSameAsModel(const RegionMap& map, ByteModel& model) {
  std::vector<std::optional<Region>> seen(model.size());
  const RegionPiece* prev = nullptr;
  auto pieces = All(map);
  for (const RegionPiece& p : pieces) {
    ASSERT_LT(p.start, p.end);
    ASSERT_LE(p.end, model.size());
    if (prev != nullptr) {
      ASSERT_LE(prev->end, p.start);
      EXPECT_FALSE(prev->end == p.start && prev->region == p.region)
          << "unmerged pieces at " << p.start;
    }
    for (uint64_t a = p.start; a < p.end; ++a) seen[a] = p.region;
    prev = &p;
  }
  for (uint64_t a = 0; a < model.size(); ++a) {
    ASSERT_EQ(seen[a].has_value(), model.at(a).has_value()) << "byte " << a;
    if (seen[a]) {
      ASSERT_TRUE(*seen[a] == *model.at(a)) << "byte " << a;
    }
  }
  EXPECT_EQ(map.covered_bytes(), model.covered());
}

TEST(RegionMapRandomTest, MatchesByteModel) {
  constexpr uint64_t kSpace = 512;
  std::mt19937_64 rng(12345);
  auto uniform = [&rng](uint64_t lo, uint64_t hi) {  // [lo, hi]
    return std::uniform_int_distribution<uint64_t>(lo, hi)(rng);
  };
  auto random_region = [&]() {
    // Few distinct values, so that merges happen often.
    Region r;
    r.owner = static_cast<StackRef>(uniform(1, 3));
    r.kind = static_cast<MemKind>(uniform(1, 3));
    r.in_allocator = uniform(0, 3) == 0;
    r.reserved = uniform(0, 3) == 0;
    r.origin = uniform(0, 2);
    return r;
  };

  RegionMap map;
  ByteModel model(kSpace);
  for (int step = 0; step < 5000; ++step) {
    const uint64_t start = uniform(0, kSpace - 1);
    const uint64_t end = std::min(kSpace, start + uniform(0, 96));
    const uint64_t op = uniform(0, 9);
    SCOPED_TRACE(testing::Message() << "step " << step << " op " << op
                                    << " [" << start << "," << end << ")");
    if (op < 4) {  // insert, replacing what was there
      const Region r = random_region();
      map.Erase(start, end, [](const RegionPiece&) {});
      map.Insert(start, end, r);
      for (uint64_t a = start; a < end; ++a) model.at(a) = r;
    } else if (op < 7) {  // erase, checking what was reported
      uint64_t expected_gap = 0;
      for (uint64_t a = start; a < end; ++a) expected_gap += !model.at(a);
      uint64_t last_end = start;
      const uint64_t gap = map.Erase(start, end, [&](const RegionPiece& p) {
        ASSERT_GE(p.start, last_end);
        ASSERT_LT(p.start, p.end);
        ASSERT_LE(p.end, end);
        for (uint64_t a = p.start; a < p.end; ++a) {
          ASSERT_TRUE(model.at(a).has_value()) << "byte " << a;
          ASSERT_TRUE(*model.at(a) == p.region) << "byte " << a;
        }
        last_end = p.end;
      });
      EXPECT_EQ(gap, expected_gap);
      for (uint64_t a = start; a < end; ++a) model.at(a).reset();
    } else if (op < 9) {  // update a field on every piece in range
      const StackRef owner = static_cast<StackRef>(uniform(1, 3));
      const bool flip = uniform(0, 1) == 1;
      auto change = [&](Region& r) {
        if (flip) {
          r.reserved = !r.reserved;
        } else {
          r.owner = owner;
        }
      };
      uint64_t last_end = start;
      map.Update(start, end, [&](uint64_t s, uint64_t e, Region& r) {
        ASSERT_GE(s, last_end);
        ASSERT_LE(e, end);
        for (uint64_t a = s; a < e; ++a) {
          ASSERT_TRUE(model.at(a).has_value());
          ASSERT_TRUE(*model.at(a) == r);
        }
        change(r);
        last_end = e;
      });
      for (uint64_t a = start; a < end; ++a) {
        if (model.at(a)) change(*model.at(a));
      }
    } else {  // lookups
      const Region* found = map.Find(start);
      ASSERT_EQ(found != nullptr, model.at(start).has_value());
      if (found != nullptr) {
        EXPECT_TRUE(*found == *model.at(start));
      }
      uint64_t visited = 0;
      map.ForEach(start, end, [&](const RegionPiece& p) {
        ASSERT_GE(p.start, start);
        ASSERT_LE(p.end, end);
        visited += p.end - p.start;
      });
      uint64_t expected = 0;
      for (uint64_t a = start; a < end; ++a) expected += model.at(a).has_value();
      EXPECT_EQ(visited, expected);
    }
    ExpectSameAsModel(map, model);
    if (HasFatalFailure() || HasNonfatalFailure()) return;
  }
}

}  // namespace
}  // namespace allocprof
