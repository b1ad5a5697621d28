/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A JVM's code cache, read during a walk (events.h, struct
 * ap_jvm_code_cache): the CodeBlob that holds a pc and the size of its
 * frames. Userspace gives every compiled method a row within milliseconds
 * of its installation (java_probes.bpf.h); a method that runs and
 * allocates before that would end the walk. HotSpot records each blob's
 * frame size, fixed at every call it makes, in the blob itself, and finds
 * the blob of a pc through each code heap's segment map
 * (CodeHeap::find_block_for): the map's byte for a segment counts back
 * towards the first segment of the block that holds it, 0 there.
 */
#ifndef ALLOCPROF_BPF_JVM_CODE_BPF_H
#define ALLOCPROF_BPF_JVM_CODE_BPF_H

#include "maps.bpf.h"

/* Set by userspace once it has read the JVM's layout; heap_count last. */
struct ap_jvm_code_cache jvm_code_cache = {};

/* Hops of at most 254 segments each: blocks of up to 8128 segments (1 MiB
 * of 128-byte segments) are found; larger ones are not code a walk needs. */
#define AP_JVM_MAX_HOPS 32
/* A segment map's byte for a free segment. */
#define AP_JVM_FREE_SEGMENT 0xff
/* More words than any compiled frame has (HotSpot's are kilobytes); the
 * bytes fit a row's 16-bit CFA offset. */
#define AP_JVM_MAX_FRAME_WORDS 8191

/* What jvm_blob_frame() found. */
#define AP_JVM_NOT_CODE 0  /* the pc is in no code heap                      */
#define AP_JVM_NO_BLOB 1   /* in a code heap, but in no blob (freed code)    */
#define AP_JVM_RBP_FRAME 2 /* a blob without a frame size: a stub that keeps
			    * rbp as its frame pointer                       */
/* else: the blob's frame size in bytes (16 or more), with the caller's rbp
 * saved where every compiled frame keeps it, at CFA - 16 (HotSpot's
 * frame::sender_sp_offset): */
#define AP_JVM_SAVED_RBP_RULE -2

static __always_inline __u64 jvm_read_u64(__u64 addr, int *err)
{
	__u64 v = 0;

	*err |= (int)bpf_probe_read_user(&v, sizeof(v), (void *)addr);
	return v;
}

/* Verified on its own (a global function): a walk calls it only for a pc
 * its rows do not describe. */
__noinline __u32 jvm_blob_frame(__u64 pc)
{
	__u32 n = jvm_code_cache.heap_count;
	__u32 h = 0;

	for (; h < AP_JVM_MAX_HEAPS; h++) {
		if (h >= n)
			return AP_JVM_NOT_CODE;
		if (pc >= jvm_code_cache.low[h] && pc < jvm_code_cache.high[h])
			break;
	}
	if (h >= AP_JVM_MAX_HEAPS)
		return AP_JVM_NOT_CODE;
	__u64 low = jvm_code_cache.low[h];
	__u32 log2 = jvm_code_cache.log2_segment[h] & 31;
	__u64 segmap = jvm_code_cache.segmap[h];
	__u64 segment = (pc - low) >> log2;
	__u8 hop = AP_JVM_FREE_SEGMENT;

	for (int k = 0; k < AP_JVM_MAX_HOPS; k++) {
		if (bpf_probe_read_user(&hop, 1, (void *)(segmap + segment)) ||
		    hop == AP_JVM_FREE_SEGMENT || hop > segment)
			return AP_JVM_NO_BLOB;
		if (hop == 0)
			break;
		segment -= hop;
	}
	if (hop != 0)
		return AP_JVM_NO_BLOB;
	__u64 block = low + (segment << log2);
	__u8 used = 0;

	if (bpf_probe_read_user(&used, 1, (void *)(block + jvm_code_cache.block_used)) || !used)
		return AP_JVM_NO_BLOB;
	__u64 blob = block + jvm_code_cache.block_header;
	int err = 0;
	__u64 begin = jvm_read_u64(blob + jvm_code_cache.blob_code_begin, &err);
	__u64 end = jvm_read_u64(blob + jvm_code_cache.blob_code_end, &err);
	__s32 words = 0;

	err |= (int)bpf_probe_read_user(&words, sizeof(words),
					(void *)(blob + jvm_code_cache.blob_frame_size));
	if (err || pc < begin || pc >= end)
		return AP_JVM_NO_BLOB;
	if (words < 2 || words > AP_JVM_MAX_FRAME_WORDS)
		return AP_JVM_RBP_FRAME;
	return (__u32)words * 8;
}

#endif /* ALLOCPROF_BPF_JVM_CODE_BPF_H */
