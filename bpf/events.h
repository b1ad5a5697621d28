/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The records and counters the BPF programs hand to userspace.
 *
 * This header is compiled twice: by clang for the BPF target (with
 * vmlinux.h already included) and by the C++ compiler for userspace. It
 * therefore uses fixed-width __u32/__u64 fields only -- no pointers, long,
 * bool or enums -- so the layout is the same on both sides, and every
 * record starts with its type tag.
 */
#ifndef ALLOCPROF_BPF_EVENTS_H
#define ALLOCPROF_BPF_EVENTS_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* Record types (ap_event.type). */
#define AP_EV_ALLOC 1    /* heap block allocated: addr = block, size        */
#define AP_EV_FREE 2     /* heap block released: addr = block               */
#define AP_EV_REALLOC 3  /* addr = new block (0: failed), size = new size,
                          * addr2 = old block (0: realloc(NULL, n))         */
#define AP_EV_MMAP 4     /* addr, size = length, prot, map_flags            */
#define AP_EV_MUNMAP 5   /* addr, size = length                             */
#define AP_EV_MREMAP 6   /* addr2/size2 = old range, addr/size = new range,
                          * map_flags = MREMAP_* flags                      */
#define AP_EV_MPROTECT 7 /* addr, size = length, prot                       */
#define AP_EV_BRK 8      /* addr2 = break before the call, addr = after     */

/* ap_event.flags */
/* The syscall was made while this thread was inside a probed allocator call:
 * the allocator is fetching backing store, not the program allocating. */
#define AP_F_IN_ALLOCATOR (1u << 0)
/* mmap of a file (fd >= 0 and not MAP_ANONYMOUS). */
#define AP_F_FILE_BACKED (1u << 1)
/* ap_event.caller was recovered (non-zero and checked in BPF). */
#define AP_F_HAS_CALLER (1u << 2)

/* Allocator entry points (ap_event.fn for heap records); also the index of
 * the uprobe a function is attached with. Keep in sync with the table in
 * userspace/attach/allocator_symbols.cc. */
#define AP_FN_MALLOC 0
#define AP_FN_CALLOC 1
#define AP_FN_REALLOC 2
#define AP_FN_REALLOCARRAY 3
#define AP_FN_FREE 4
#define AP_FN_POSIX_MEMALIGN 5
#define AP_FN_ALIGNED_ALLOC 6
#define AP_FN_MEMALIGN 7
#define AP_FN_VALLOC 8
#define AP_FN_PVALLOC 9
#define AP_FN_COUNT 10

/* Maximum user stack depth we ask the kernel for (its default
 * kernel.perf_event_max_stack). */
#define AP_MAX_STACK_DEPTH 127

struct ap_event {
	__u32 type;     /* AP_EV_* */
	__u32 tid;      /* thread that made the call */
	__u64 ts_ns;    /* bpf_ktime_get_ns() at the event */
	__u64 addr;     /* see AP_EV_* */
	__u64 size;     /* see AP_EV_* */
	__u64 addr2;    /* see AP_EV_* */
	__u64 size2;    /* see AP_EV_* */
	/* The return address into the function that called the probed one.
	 * At a function's first instruction it still sits at [sp], so the
	 * kernel's frame-pointer walk misses it; userspace splices it in as
	 * frame 1 unless the kernel already has it there. */
	__u64 caller;
	__s32 stack_id; /* id in the stacks map, or -errno if capture failed */
	__u32 flags;    /* AP_F_* */
	__u32 prot;     /* PROT_* for mmap and mprotect */
	__u32 map_flags;/* MAP_* for mmap, MREMAP_* for mremap */
	__u32 fn;       /* AP_FN_* for heap records */
	__u32 pad;
};

#ifdef __cplusplus
static_assert(sizeof(struct ap_event) == 80, "ap_event layout changed");
#else
_Static_assert(sizeof(struct ap_event) == 80, "ap_event layout changed");
#endif

/* Words of the user stack copied at an address-space syscall, from its sp:
 * the C library's wrapper may keep a frame of its own, so the return address
 * into its caller lies at a depth only the wrapper's unwind table (CFI)
 * tells. 16 words cover every glibc wrapper (mremap's 0x58-byte frame is
 * the deepest). */
#define AP_SYSCALL_STACK_WORDS 16

/* Record for AP_EV_MMAP, AP_EV_MREMAP, AP_EV_MPROTECT and AP_EV_BRK. */
struct ap_syscall_event {
	struct ap_event event; /* event.caller: first word that follows a
				* call instruction, a fallback when userspace
				* has no CFI for the wrapper */
	__u64 stack[AP_SYSCALL_STACK_WORDS]; /* user stack words from sp up */
};

#ifdef __cplusplus
static_assert(sizeof(struct ap_syscall_event) == 208, "layout changed");
#else
_Static_assert(sizeof(struct ap_syscall_event) == 208, "layout changed");
#endif

/* Indexes of the per-CPU drop counters (map "counters"). Every place in BPF
 * that can lose data increments one of these; reports print them all. */
#define AP_CNT_RINGBUF_FULL 0     /* event dropped: ring buffer full */
#define AP_CNT_STACK_COLLISION 1  /* stack dropped: stack map bucket taken */
#define AP_CNT_STACK_FAILED 2     /* stack dropped: other capture error */
#define AP_CNT_CALLS_FULL 3       /* allocator call missed: per-thread map full */
#define AP_CNT_RETURN_UNMATCHED 4 /* return seen without its entry */
#define AP_CNT_USER_READ_FAILED 5 /* posix_memalign result unreadable */
#define AP_CNT_SYSCALLS_FULL 6    /* mmap-family call missed: map full */
#define AP_CNT_COUNT 7

#endif /* ALLOCPROF_BPF_EVENTS_H */
