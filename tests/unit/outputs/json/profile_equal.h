// Field-by-field comparison of two Profiles, so that a reader that drops or
// garbles one field fails on that field's name.
#ifndef ALLOCPROF_TESTS_UNIT_OUTPUTS_JSON_PROFILE_EQUAL_H_
#define ALLOCPROF_TESTS_UNIT_OUTPUTS_JSON_PROFILE_EQUAL_H_

#include <gtest/gtest.h>

#include "userspace/profile/profile.h"

namespace allocprof {

inline void ExpectSameUsage(const Usage& a, const Usage& b) {
  for (int k = 0; k < kMemKinds; ++k) {
    EXPECT_EQ(a.bytes[k], b.bytes[k]) << "bytes of kind " << k;
    EXPECT_EQ(a.objects[k], b.objects[k]) << "objects of kind " << k;
  }
  EXPECT_EQ(a.reserved_bytes, b.reserved_bytes);
  EXPECT_EQ(a.backing_bytes, b.backing_bytes);
}

inline void ExpectSameStack(const ProfileStack& a, const ProfileStack& b) {
  ASSERT_EQ(a.frames.size(), b.frames.size());
  for (size_t f = 0; f < a.frames.size(); ++f) {
    SCOPED_TRACE(testing::Message() << "frame " << f);
    EXPECT_EQ(a.frames[f].function, b.frames[f].function);
    EXPECT_EQ(a.frames[f].module, b.frames[f].module);
    EXPECT_EQ(a.frames[f].address, b.frames[f].address);
    EXPECT_EQ(a.frames[f].offset, b.frames[f].offset);
    EXPECT_EQ(a.frames[f].kind, b.frames[f].kind);
    EXPECT_EQ(a.frames[f].file, b.frames[f].file);
    EXPECT_EQ(a.frames[f].line, b.frames[f].line);
    EXPECT_EQ(a.frames[f].inlined, b.frames[f].inlined);
  }
  EXPECT_EQ(a.values.inuse_bytes, b.values.inuse_bytes);
  EXPECT_EQ(a.values.inuse_objects, b.values.inuse_objects);
  EXPECT_EQ(a.values.alloc_bytes, b.values.alloc_bytes);
  EXPECT_EQ(a.values.alloc_objects, b.values.alloc_objects);
  for (int k = 0; k < kMemKinds; ++k) {
    EXPECT_EQ(a.inuse_bytes_by_kind[k], b.inuse_bytes_by_kind[k]) << "kind " << k;
  }
  EXPECT_EQ(a.lost, b.lost);
  const StackEvidence& ea = a.evidence;
  const StackEvidence& eb = b.evidence;
  EXPECT_EQ(ea.oldest_age_ns, eb.oldest_age_ns);
  EXPECT_EQ(ea.newest_age_ns, eb.newest_age_ns);
  for (int i = 0; i < kAgeBuckets; ++i) {
    EXPECT_EQ(ea.age_objects[i], eb.age_objects[i]) << "age bucket " << i;
  }
  for (int i = 0; i < kSizeClasses; ++i) {
    EXPECT_EQ(ea.size_objects[i], eb.size_objects[i]) << "size class " << i;
  }
  EXPECT_EQ(ea.common_size, eb.common_size);
  EXPECT_EQ(ea.common_size_objects, eb.common_size_objects);
  EXPECT_EQ(ea.resident_bytes, eb.resident_bytes);
  EXPECT_EQ(ea.growth, eb.growth);
  ASSERT_EQ(ea.peeks.size(), eb.peeks.size());
  for (size_t i = 0; i < ea.peeks.size(); ++i) {
    SCOPED_TRACE(testing::Message() << "peek " << i);
    EXPECT_EQ(ea.peeks[i].address, eb.peeks[i].address);
    EXPECT_EQ(ea.peeks[i].size, eb.peeks[i].size);
    EXPECT_EQ(ea.peeks[i].age_ns, eb.peeks[i].age_ns);
    EXPECT_EQ(ea.peeks[i].bytes, eb.peeks[i].bytes);
    EXPECT_EQ(ea.peeks[i].error, eb.peeks[i].error);
  }
}

inline void ExpectSameProfile(const Profile& a, const Profile& b) {
  EXPECT_EQ(a.target, b.target);
  EXPECT_EQ(a.command_line, b.command_line);
  EXPECT_EQ(a.start_unix_ns, b.start_unix_ns);
  EXPECT_EQ(a.duration_ns, b.duration_ns);
  EXPECT_EQ(a.events, b.events);
  EXPECT_EQ(a.totals.alloc_bytes, b.totals.alloc_bytes);
  EXPECT_EQ(a.totals.alloc_objects, b.totals.alloc_objects);
  EXPECT_EQ(a.totals.freed_bytes, b.totals.freed_bytes);
  EXPECT_EQ(a.totals.freed_objects, b.totals.freed_objects);
  {
    SCOPED_TRACE("totals.outstanding");
    ExpectSameUsage(a.totals.outstanding, b.totals.outstanding);
  }
  EXPECT_EQ(a.totals.failed_calls, b.totals.failed_calls);
  EXPECT_EQ(a.totals.unknown_frees, b.totals.unknown_frees);
  EXPECT_EQ(a.totals.unknown_unmapped_bytes, b.totals.unknown_unmapped_bytes);
  EXPECT_EQ(a.loader_mappings, b.loader_mappings);
  EXPECT_EQ(a.totals.mismatched_frees, b.totals.mismatched_frees);
  EXPECT_EQ(a.totals.mismatched_free_bytes, b.totals.mismatched_free_bytes);
  EXPECT_EQ(a.mismatch_example, b.mismatch_example);
  EXPECT_EQ(a.sample_bytes, b.sample_bytes);
  ASSERT_EQ(a.losses.size(), b.losses.size());
  for (size_t i = 0; i < a.losses.size(); ++i) {
    EXPECT_EQ(a.losses[i].what, b.losses[i].what);
    EXPECT_EQ(a.losses[i].count, b.losses[i].count);
  }
  EXPECT_EQ(a.notes, b.notes);
  ASSERT_EQ(a.mappings.size(), b.mappings.size());
  for (size_t i = 0; i < a.mappings.size(); ++i) {
    SCOPED_TRACE(testing::Message() << "mapping " << i);
    EXPECT_EQ(a.mappings[i].start, b.mappings[i].start);
    EXPECT_EQ(a.mappings[i].limit, b.mappings[i].limit);
    EXPECT_EQ(a.mappings[i].file_offset, b.mappings[i].file_offset);
    EXPECT_EQ(a.mappings[i].path, b.mappings[i].path);
    EXPECT_EQ(a.mappings[i].build_id, b.mappings[i].build_id);
  }
  ASSERT_EQ(a.stacks.size(), b.stacks.size());
  for (size_t i = 0; i < a.stacks.size(); ++i) {
    SCOPED_TRACE(testing::Message() << "stack " << i);
    ExpectSameStack(a.stacks[i], b.stacks[i]);
  }
  ASSERT_EQ(a.intervals.size(), b.intervals.size());
  for (size_t i = 0; i < a.intervals.size(); ++i) {
    SCOPED_TRACE(testing::Message() << "interval " << i);
    EXPECT_EQ(a.intervals[i].seconds, b.intervals[i].seconds);
    EXPECT_EQ(a.intervals[i].outstanding_bytes, b.intervals[i].outstanding_bytes);
    EXPECT_EQ(a.intervals[i].outstanding_objects, b.intervals[i].outstanding_objects);
    EXPECT_EQ(a.intervals[i].alloc_bytes, b.intervals[i].alloc_bytes);
    EXPECT_EQ(a.intervals[i].freed_bytes, b.intervals[i].freed_bytes);
  }
  EXPECT_EQ(a.growth_seconds, b.growth_seconds);
  EXPECT_EQ(a.min_age_ns, b.min_age_ns);
  EXPECT_EQ(a.memory.start.rss_bytes, b.memory.start.rss_bytes);
  EXPECT_EQ(a.memory.start.anon_bytes, b.memory.start.anon_bytes);
  EXPECT_EQ(a.memory.end.rss_bytes, b.memory.end.rss_bytes);
  EXPECT_EQ(a.memory.end.anon_bytes, b.memory.end.anon_bytes);
  EXPECT_EQ(a.memory.end_missing, b.memory.end_missing);
}

}  // namespace allocprof

#endif  // ALLOCPROF_TESTS_UNIT_OUTPUTS_JSON_PROFILE_EQUAL_H_
