/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Uprobes on the malloc family. An allocation needs its entry (size, stack)
 * and its return (the pointer); the entry's half waits in `calls`, keyed by
 * thread, until the return arrives.
 */
#ifndef ALLOCPROF_BPF_HEAP_PROBES_BPF_H
#define ALLOCPROF_BPF_HEAP_PROBES_BPF_H

#include "maps.bpf.h"
#include "stack.bpf.h"

/* An allocator call in progress on one thread. */
struct call_state {
	__u64 size;
	__u64 old_ptr; /* realloc, reallocarray */
	__u64 memptr;  /* posix_memalign's out-pointer */
	__u64 caller;  /* return address at [sp] at entry */
	__u64 sp;      /* user sp at entry of the outermost call */
	__s32 stack_id;
	__u32 fn;
	/* Probed calls nested inside this one (glibc's reallocarray calls
	 * realloc through an alias at the same address): they belong to the
	 * outermost call and are not counted again. */
	__u32 depth;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, struct call_state);
} calls SEC(".maps");

/* The thread's call in progress, if `sp` is inside it. A state whose sp is
 * below ours is stale (its return never came, e.g. after longjmp). */
static __always_inline struct call_state *enclosing_call(__u32 tid, __u64 sp)
{
	struct call_state *st = bpf_map_lookup_elem(&calls, &tid);

	return st && sp < st->sp ? st : NULL;
}

static __always_inline int on_alloc_entry(struct pt_regs *ctx, __u32 fn,
					  __u64 size, __u64 old_ptr,
					  __u64 memptr)
{
	if (floor_mode || !is_target())
		return 0;

	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 sp = PT_REGS_SP(ctx);
	struct call_state *outer = enclosing_call(tid, sp);

	if (outer) {
		outer->depth++;
		return 0;
	}

	struct call_state st = {
		.size = size,
		.old_ptr = old_ptr,
		.memptr = memptr,
		.sp = sp,
		.fn = fn,
	};
	/* The probe sits on the function's first instruction, so [sp] is the
	 * return address into the caller, which the frame-pointer walk from
	 * the caller's rbp skips (unless the kernel's own fix-up for a
	 * leading `push %rbp` applies; userspace checks for that). */
	bpf_probe_read_user(&st.caller, sizeof(st.caller), (void *)sp);
	st.stack_id = capture_stack(ctx);
	if (bpf_map_update_elem(&calls, &tid, &st, BPF_ANY))
		count(AP_CNT_CALLS_FULL);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(ap_malloc, __u64 size)
{
	return on_alloc_entry(ctx, AP_FN_MALLOC, size, 0, 0);
}

SEC("uprobe")
int BPF_KPROBE(ap_calloc, __u64 n, __u64 size)
{
	/* An overflowing product fails in calloc; the return says so. */
	return on_alloc_entry(ctx, AP_FN_CALLOC, n * size, 0, 0);
}

SEC("uprobe")
int BPF_KPROBE(ap_realloc, __u64 ptr, __u64 size)
{
	return on_alloc_entry(ctx, AP_FN_REALLOC, size, ptr, 0);
}

SEC("uprobe")
int BPF_KPROBE(ap_reallocarray, __u64 ptr, __u64 n, __u64 size)
{
	return on_alloc_entry(ctx, AP_FN_REALLOCARRAY, n * size, ptr, 0);
}

SEC("uprobe")
int BPF_KPROBE(ap_posix_memalign, __u64 memptr, __u64 align, __u64 size)
{
	return on_alloc_entry(ctx, AP_FN_POSIX_MEMALIGN, size, 0, memptr);
}

/* memalign(align, size) and aligned_alloc(align, size). */
SEC("uprobe")
int BPF_KPROBE(ap_memalign, __u64 align, __u64 size)
{
	return on_alloc_entry(ctx, AP_FN_MEMALIGN, size, 0, 0);
}

/* valloc(size) and pvalloc(size): the requested size is what we report. */
SEC("uprobe")
int BPF_KPROBE(ap_valloc, __u64 size)
{
	return on_alloc_entry(ctx, AP_FN_VALLOC, size, 0, 0);
}

/* One return program for every allocating function. */
SEC("uretprobe")
int BPF_KRETPROBE(ap_alloc_ret, __u64 ret)
{
	if (floor_mode || !is_target())
		return 0;

	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct call_state *st = bpf_map_lookup_elem(&calls, &tid);

	if (!st) {
		count(AP_CNT_RETURN_UNMATCHED);
		return 0;
	}
	if (st->depth > 0) {
		st->depth--;
		return 0;
	}

	__u64 ptr = ret;

	if (st->fn == AP_FN_POSIX_MEMALIGN) {
		/* Returns 0 and stores the block through memptr. */
		ptr = 0;
		if (ret == 0 && bpf_probe_read_user(&ptr, sizeof(ptr),
						    (void *)st->memptr))
			count(AP_CNT_USER_READ_FAILED);
	}

	bool is_realloc = st->fn == AP_FN_REALLOC ||
			  st->fn == AP_FN_REALLOCARRAY;
	struct ap_event *e = reserve_event(is_realloc ? AP_EV_REALLOC
						      : AP_EV_ALLOC);
	if (e) {
		e->addr = ptr;
		e->size = st->size;
		e->addr2 = st->old_ptr;
		e->caller = st->caller;
		e->stack_id = st->stack_id;
		e->fn = st->fn;
		e->flags = AP_F_HAS_CALLER;
		submit_event(e);
	}
	bpf_map_delete_elem(&calls, &tid);
	return 0;
}

/* free needs no return probe: it only releases, and what an allocator unmaps
 * inside free is recognised by the region it unmaps, not by the thread. */
SEC("uprobe")
int BPF_KPROBE(ap_free, __u64 ptr)
{
	if (floor_mode || ptr == 0 || !is_target())
		return 0;

	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	/* A free inside a probed call is the allocator's own business. */
	if (enclosing_call(tid, PT_REGS_SP(ctx)))
		return 0;

	struct ap_event *e = reserve_event(AP_EV_FREE);

	if (e) {
		e->addr = ptr;
		e->fn = AP_FN_FREE;
		submit_event(e);
	}
	return 0;
}

#endif /* ALLOCPROF_BPF_HEAP_PROBES_BPF_H */
