/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Sampling: the blocks recorded and still live, so that the release of any
 * other block costs a look and no record. Most releases under sampling are
 * of blocks never sampled, and a lookup in a hash table sized for a million
 * blocks misses the cache on its bucket (about 60 ns in a guest, a third of
 * a free's program). A small array of counters in front says "not there"
 * first: slot AP_LIVE_FILTER_SLOT(block) counts the blocks of the set that
 * hash there, so a release whose slot is 0 was never sampled.
 *
 * The counters never undercount: a block's slot is raised before the block
 * enters the set and lowered only after it has left it. Userspace enters
 * blocks too (BpfProbes::EnterLiveBlocks), raising their slots atomically
 * through its mapping of the array. A count above the truth (a block
 * entered twice, a lost race) only sends a release on to the lookup.
 */
#ifndef ALLOCPROF_BPF_SAMPLED_LIVE_BPF_H
#define ALLOCPROF_BPF_SAMPLED_LIVE_BPF_H

#include "maps.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1 << 20);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u64);
	__type(value, __u8);
} sampled_live SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, AP_LIVE_FILTER_SLOTS);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, __u64); /* an array's elements are 8 bytes apart in its mapping anyway */
} live_filter SEC(".maps");

static __always_inline __u64 *live_filter_count(__u64 block)
{
	__u32 slot = AP_LIVE_FILTER_SLOT(block);

	return bpf_map_lookup_elem(&live_filter, &slot);
}

/* Whether `block` may be in the set; false: it is not. */
static __always_inline bool maybe_live(__u64 block)
{
	__u64 *n = live_filter_count(block);

	return !n || *n != 0;
}

/* Whether `block` is in the set. */
static __always_inline bool is_live(__u64 block)
{
	return maybe_live(block) && bpf_map_lookup_elem(&sampled_live, &block) != NULL;
}

/* Enters `block`; a full set is counted. */
static __always_inline void enter_live(__u64 block)
{
	__u64 *n = live_filter_count(block);

	if (n)
		__sync_fetch_and_add(n, 1);
	long err = bpf_map_update_elem(&sampled_live, &block, &(__u8){1}, BPF_NOEXIST);

	if (err == 0)
		return;
	/* Already there (and counted), or not entered. */
	if (n)
		__sync_fetch_and_sub(n, 1);
	if (err != -EEXIST)
		count(AP_CNT_SAMPLES_FULL);
}

/* Takes `block` out of the set; whether it was in it (and this call took
 * it out: a release raced by another thread's finds it gone). */
static __always_inline bool leave_live(__u64 block)
{
	if (!is_live(block) || bpf_map_delete_elem(&sampled_live, &block) != 0)
		return false;
	__u64 *n = live_filter_count(block);

	if (n)
		__sync_fetch_and_sub(n, 1);
	return true;
}

#endif /* ALLOCPROF_BPF_SAMPLED_LIVE_BPF_H */
