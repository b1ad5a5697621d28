/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* User stack capture, and recovery of the caller the kernel's walk misses. */
#ifndef ALLOCPROF_BPF_STACK_BPF_H
#define ALLOCPROF_BPF_STACK_BPF_H

#include "maps.bpf.h"
#include "unwind.bpf.h"

/* User stack by frame pointers into the stacks map. A hash collision without
 * BPF_F_REUSE_STACKID returns -EEXIST: the record keeps its bytes but loses
 * its stack, and the loss is counted. */
static __always_inline __s32 capture_stack(void *ctx)
{
	long id = bpf_get_stackid(ctx, &stacks, BPF_F_USER_STACK);

	if (id < 0)
		count(id == -EEXIST ? AP_CNT_STACK_COLLISION : AP_CNT_STACK_FAILED);
	return (__s32)id;
}

/* The user stack at a uprobe on a function's entry, as --unwind says: by
 * frame pointers (the caller at [sp] is added by userspace), or walked with
 * CFI, which finds that caller by itself (CFA = rsp + 8 at entry). */
static __always_inline __s32 capture_entry_stack(struct pt_regs *ctx)
{
	if (unwind_mode == AP_UNWIND_FP)
		return capture_stack(ctx);
	return entry_stack(ctx);
}

/* Is the code just before `ret` a call instruction, so that `ret` is a real
 * return address? x86-64 call forms: e8 rel32; ff /2 with modrm forms
 * register (2 bytes), disp8 (3), rip-relative or disp32 (6). */
static __always_inline bool follows_call(__u64 ret)
{
	__u8 b[8];

	if (ret < 4096 || bpf_probe_read_user(b, sizeof(b), (void *)(ret - 8)))
		return false;
	if (b[3] == 0xe8)
		return true;
	if (b[6] == 0xff && (b[7] & 0xf8) == 0xd0)
		return true;
	if (b[5] == 0xff && (b[6] & 0x38) == 0x10 && (b[6] & 0xc0) == 0x40)
		return true;
	if (b[2] == 0xff && (b[3] & 0x38) == 0x10 && (b[3] & 0xc0) == 0x80)
		return true;
	return b[2] == 0xff && b[3] == 0x15;
}

/* At a syscall the user registers are those of the C library's wrapper. The
 * frame-pointer walk starts from rbp, which the wrapper leaves alone, so it
 * resumes at the wrapper's caller's caller: the wrapper's own return address
 * is missed. Copy the top of the user stack; userspace finds the return
 * address at the depth the wrapper's CFI gives. As a fallback (no CFI),
 * `caller` gets the first word that follows a call instruction: right for
 * leaf wrappers (mmap, munmap, brk keep it at [sp]). */
static __always_inline void copy_syscall_stack(struct ap_record_header *h,
					       struct ap_syscall_stack *s)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);

	if (!regs ||
	    bpf_probe_read_user(s->words, sizeof(s->words), (void *)regs->sp))
		return;
	for (int i = 0; i < AP_SYSCALL_STACK_WORDS; i++) {
		if (follows_call(s->words[i])) {
			s->caller = s->words[i];
			h->flags |= AP_F_HAS_CALLER;
			return;
		}
	}
}

#endif /* ALLOCPROF_BPF_STACK_BPF_H */
