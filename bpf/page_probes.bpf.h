/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * --mode pages: no uprobe at all. Resident memory grows when a write to
 * private memory makes a page resident, so the user page faults of the
 * target are the allocations, attributed to the code that first wrote the
 * page; munmap, mremap, brk (syscall_probes.bpf.h) and madvise release them.
 */
#ifndef ALLOCPROF_BPF_PAGE_PROBES_BPF_H
#define ALLOCPROF_BPF_PAGE_PROBES_BPF_H

#include "maps.bpf.h"
#include "syscall_probes.bpf.h"

/* Transparent huge pages for anonymous memory (the PMD size), as
 * /sys/kernel/mm/transparent_hugepage says: 0 never, 1 madvise, 2 always. */
const volatile __u32 thp_policy = 0;
const volatile __u64 thp_size = 2 * 1024 * 1024;

/* include/linux/mm.h: vm_flags bits (unchanged since Linux 2.6.38). */
#define AP_VM_SHARED 0x00000008ull
#define AP_VM_HUGEPAGE 0x20000000ull
#define AP_VM_NOHUGEPAGE 0x40000000ull

/* arch/x86/include/asm/trap_pf.h: error_code bits. */
#define AP_PF_WRITE (1u << 1)
#define AP_PF_INSTR (1u << 4)

/* include/uapi/asm-generic/mman-common.h: advice that drops pages. */
#define AP_MADV_DONTNEED 4
#define AP_MADV_FREE 8
#define AP_MADV_REMOVE 9
#define AP_MADV_DONTNEED_LOCKED 24

/* The tracepoint's arguments, as its TP_PROTO gives them:
 * (unsigned long address, struct pt_regs *regs, unsigned long error_code). */
#define AP_PF_ARG_ADDRESS 0
#define AP_PF_ARG_ERROR_CODE 2

/* What the fault's mapping says about it. */
struct fault_vma {
	__u64 addr;
	__u64 huge_start; /* 0: no huge page can be filled here */
	bool private_memory;
};

static long inspect_vma(struct task_struct *task, struct vm_area_struct *vma,
			struct fault_vma *f)
{
	__u64 flags = vma->vm_flags;

	/* Shared mappings' pages are the page cache or shmem, not memory of
	 * this process; a write to a private file mapping copies the page
	 * into anonymous memory, so it counts. */
	f->private_memory = !(flags & AP_VM_SHARED);
	if (!f->private_memory || vma->vm_file || thp_policy == 0 ||
	    (flags & AP_VM_NOHUGEPAGE))
		return 0;
	if (thp_policy == 1 && !(flags & AP_VM_HUGEPAGE))
		return 0;
	/* The kernel fills a huge page only where the aligned block lies
	 * wholly inside the mapping. */
	__u64 start = f->addr & ~(thp_size - 1);

	if (start >= vma->vm_start && start + thp_size <= vma->vm_end)
		f->huge_start = start;
	return 0;
}

/* Faults are taken before the kernel handles them, so one may fire again
 * for the same page (two threads, a retried fault); userspace counts each
 * page once. Read faults of anonymous memory map the shared zero page and
 * make nothing resident: only writes count.
 *
 * Every process's faults run this program, so it is attached to the raw
 * tracepoint: the perf tracepoint first copies the event into a buffer,
 * which cost each fault on the host about 120 ns more than no tracing;
 * the raw one about 45-70 ns (a first-touch fault takes 1.4 us here). */
SEC("raw_tp/page_fault_user")
int ap_page_fault(struct bpf_raw_tracepoint_args *ctx)
{
	__u64 address = ctx->args[AP_PF_ARG_ADDRESS];
	__u64 error_code = ctx->args[AP_PF_ARG_ERROR_CODE];

	if (!is_target() || !(error_code & AP_PF_WRITE) || (error_code & AP_PF_INSTR))
		return 0;

	struct fault_vma f = { .addr = address };

	/* bpf_find_vma only try-locks the mmap lock (the fault handler has
	 * not taken it yet here): a writer holding it loses this fault. */
	if (bpf_find_vma(bpf_get_current_task_btf(), address, inspect_vma,
			 &f, 0)) {
		count(AP_CNT_FAULT_VMA_UNKNOWN);
		return 0;
	}
	if (!f.private_memory)
		return 0;

	struct ap_page_fault_record *r = reserve_record(sizeof(*r), AP_EV_PAGE_FAULT);

	if (!r)
		return 0;
	/* A CFI walk looks the faulting instruction itself up. */
	syscall_stack(ctx, &r->hdr, &r->stack, AP_WALK_AT_FAULT);
	/* Frame pointers: the fault may strike anywhere in a function, frame
	 * pointer or not; only its CFI tells where its return address lies
	 * (userspace looks), a scan for a word that follows a call could pick
	 * a stale one. */
	r->stack.caller = 0;
	r->hdr.flags &= ~AP_F_HAS_CALLER;
	r->page = address & ~4095ull;
	r->huge_start = f.huge_start;
	r->huge_len = f.huge_start ? thp_size : 0;
	submit_record(r);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_madvise")
int ap_madvise_enter(struct trace_event_raw_sys_enter *ctx)
{
	__u64 advice = ctx->args[2];

	if (!is_target() ||
	    (advice != AP_MADV_DONTNEED && advice != AP_MADV_FREE &&
	     advice != AP_MADV_REMOVE && advice != AP_MADV_DONTNEED_LOCKED))
		return 0;
	return remember_args(ctx->args[0], ctx->args[1], advice, 0, 0);
}

SEC("tracepoint/syscalls/sys_exit_madvise")
int ap_madvise_exit(struct trace_event_raw_sys_exit *ctx)
{
	struct pending_syscall p;

	if (!take_args(ctx, &p))
		return 0;

	struct ap_madvise_record *r = reserve_record(sizeof(*r), AP_EV_MADVISE);

	if (!r)
		return 0;
	r->addr = p.args[0];
	r->len = p.args[1];
	r->advice = p.args[2];
	submit_record(r);
	return 0;
}

#endif /* ALLOCPROF_BPF_PAGE_PROBES_BPF_H */
