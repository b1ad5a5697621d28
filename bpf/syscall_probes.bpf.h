/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Tracepoints on the syscalls that change the address space: mmap, munmap,
 * mremap, mprotect and brk. The arguments are kept at sys_enter and the
 * record is made at sys_exit, only when the call succeeded.
 */
#ifndef ALLOCPROF_BPF_SYSCALL_PROBES_BPF_H
#define ALLOCPROF_BPF_SYSCALL_PROBES_BPF_H

#include "maps.bpf.h"
#include "stack.bpf.h"
#include "heap_probes.bpf.h"

#define AP_MAP_ANONYMOUS 0x20

/* A syscall between its enter and exit tracepoints. */
struct pending_syscall {
	__u64 args[5];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, struct pending_syscall);
} pending SEC(".maps");

/* Each caller reads only the arguments its syscall has: the kernel refuses
 * to attach a program that reads past the tracepoint's record (EACCES). */
static __always_inline int remember_args(__u64 a0, __u64 a1, __u64 a2,
					 __u64 a3, __u64 a4)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct pending_syscall p = {
		.args = { a0, a1, a2, a3, a4 },
	};

	if (bpf_map_update_elem(&pending, &tid, &p, BPF_ANY))
		count(AP_CNT_SYSCALLS_FULL);
	return 0;
}

/* The arguments saved at enter, consumed; NULL if the call failed or was
 * not seen entering (it began before we attached). */
static __always_inline bool take_args(struct trace_event_raw_sys_exit *ctx,
				      struct pending_syscall *out)
{
	if (floor_mode || !is_target())
		return false;

	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct pending_syscall *p = bpf_map_lookup_elem(&pending, &tid);

	if (!p)
		return false;
	*out = *p;
	bpf_map_delete_elem(&pending, &tid);
	/* Errors come back as -errno, i.e. the top 4095 values. */
	return (__u64)ctx->ret < (__u64)-4095;
}

/* The user stack of an address-space syscall, or of a page fault (`frame0`
 * is AP_WALK_*: where the registers were taken), into a record's `stack`,
 * and its flags into the record's header. The thread may be inside a
 * probed allocator call right now: then the syscall is the allocator
 * fetching backing store, and a walk with CFI must know where that call's
 * return address was, which a uretprobe has replaced by its trampoline. */
static __always_inline void syscall_stack(void *ctx, struct ap_record_header *h,
					  struct ap_syscall_stack *s, __u32 frame0)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);
	struct call_state *st = regs ? enclosing(thread_state(false), regs->sp) : NULL;

	if (st)
		h->flags |= AP_F_IN_ALLOCATOR;
	if (unwind_mode == AP_UNWIND_FP) {
		s->stack_id = capture_stack(ctx);
		copy_syscall_stack(h, s);
		return;
	}
	/* The CFI walk finds the wrapper's caller itself: no stack words. */
	h->flags |= AP_F_UNWOUND;
	struct ap_call_slots slots = {};

	if (st && st->caller != 0) {
		slots.slot[0] = st->sp;
		slots.ret[0] = st->caller;
	}
	if (st && st->depth > 0 && st->inner_caller != 0) {
		slots.slot[1] = st->inner_sp;
		slots.ret[1] = st->inner_caller;
	}
	s->stack_id = regs ? unwind_user_stack(regs->ip, regs->sp, regs->bp,
					       frame0, &slots)
			   : -EFAULT;
}

SEC("tracepoint/syscalls/sys_enter_mmap")
int ap_mmap_enter(struct trace_event_raw_sys_enter *ctx)
{
	if (floor_mode || !is_target())
		return 0;
	return remember_args(ctx->args[0], ctx->args[1], ctx->args[2],
			     ctx->args[3], ctx->args[4]);
}

SEC("tracepoint/syscalls/sys_enter_munmap")
int ap_munmap_enter(struct trace_event_raw_sys_enter *ctx)
{
	if (floor_mode || !is_target())
		return 0;
	return remember_args(ctx->args[0], ctx->args[1], 0, 0, 0);
}

SEC("tracepoint/syscalls/sys_exit_munmap")
int ap_munmap_exit(struct trace_event_raw_sys_exit *ctx)
{
	struct pending_syscall p;

	if (!take_args(ctx, &p))
		return 0;

	/* A release needs no stack: the region knows who holds it. */
	struct ap_munmap_record *r = reserve_record(sizeof(*r), AP_EV_MUNMAP);

	if (!r)
		return 0;
	r->addr = p.args[0];
	r->len = p.args[1];
	submit_record(r);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_mremap")
int ap_mremap_enter(struct trace_event_raw_sys_enter *ctx)
{
	if (floor_mode || !is_target())
		return 0;
	return remember_args(ctx->args[0], ctx->args[1], ctx->args[2],
			     ctx->args[3], ctx->args[4]);
}

SEC("tracepoint/syscalls/sys_enter_mprotect")
int ap_mprotect_enter(struct trace_event_raw_sys_enter *ctx)
{
	if (floor_mode || !is_target())
		return 0;
	return remember_args(ctx->args[0], ctx->args[1], ctx->args[2], 0, 0);
}

/* brk(addr) returns the new break, or the old one when it cannot move, so
 * the break before the call is read from the mm at enter. */
SEC("tracepoint/syscalls/sys_enter_brk")
int ap_brk_enter(struct trace_event_raw_sys_enter *ctx)
{
	if (floor_mode || !is_target())
		return 0;

	struct task_struct *task = bpf_get_current_task_btf();
	__u64 old_brk = BPF_CORE_READ(task, mm, brk);

	return remember_args(ctx->args[0], 0, 0, 0, old_brk);
}

/* x86-64's numbers of the syscalls whose exits ap_addr_space_exit serves. */
#define AP_NR_MMAP 9
#define AP_NR_MPROTECT 10
#define AP_NR_BRK 12
#define AP_NR_MREMAP 25

/* The stack of the syscall being recorded, taken before its record is
 * reserved: one per CPU, as a syscall exit never nests in another. */
struct exit_stack {
	struct ap_record_header hdr; /* only its flags are used */
	struct ap_syscall_stack stack;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct exit_stack);
} exit_stacks SEC(".maps");

/* The records of mmap, mremap, mprotect and brk differ only in a few
 * fields; what costs is the stack, taken the same way for all four. One
 * program serves the four exits (userspace attaches it to each), so that
 * the verifier goes through the stack walk once at load, not four times. */
SEC("tracepoint/syscalls/sys_exit_mmap")
int ap_addr_space_exit(struct trace_event_raw_sys_exit *ctx)
{
	struct pending_syscall p;
	__u32 zero = 0;
	long nr = ctx->id;

	if (!take_args(ctx, &p))
		return 0;
	/* brk(addr) returns the old break when it cannot move. */
	if (nr == AP_NR_BRK && (__u64)ctx->ret == p.args[4])
		return 0;

	struct exit_stack *taken = bpf_map_lookup_elem(&exit_stacks, &zero);

	if (!taken)
		return 0;
	__builtin_memset(taken, 0, sizeof(*taken));
	syscall_stack(ctx, &taken->hdr, &taken->stack, AP_WALK_AFTER_SYSCALL);

	if (nr == AP_NR_MMAP) {
		struct ap_mmap_record *r = reserve_record(sizeof(*r), AP_EV_MMAP);

		if (!r)
			return 0;
		r->hdr.flags = taken->hdr.flags;
		__builtin_memcpy(&r->stack, &taken->stack, sizeof(r->stack));
		r->addr = ctx->ret;
		r->len = p.args[1];
		r->prot = p.args[2];
		r->map_flags = p.args[3];
		if (!(p.args[3] & AP_MAP_ANONYMOUS) && (__s32)p.args[4] >= 0)
			r->hdr.flags |= AP_F_FILE_BACKED;
		submit_record(r);
	} else if (nr == AP_NR_MREMAP) {
		struct ap_mremap_record *r = reserve_record(sizeof(*r), AP_EV_MREMAP);

		if (!r)
			return 0;
		r->hdr.flags = taken->hdr.flags;
		__builtin_memcpy(&r->stack, &taken->stack, sizeof(r->stack));
		r->old_addr = p.args[0];
		r->old_len = p.args[1];
		r->new_len = p.args[2];
		r->mremap_flags = p.args[3];
		r->new_addr = ctx->ret;
		submit_record(r);
	} else if (nr == AP_NR_MPROTECT) {
		struct ap_mprotect_record *r = reserve_record(sizeof(*r), AP_EV_MPROTECT);

		if (!r)
			return 0;
		r->hdr.flags = taken->hdr.flags;
		__builtin_memcpy(&r->stack, &taken->stack, sizeof(r->stack));
		r->addr = p.args[0];
		r->len = p.args[1];
		r->prot = p.args[2];
		submit_record(r);
	} else if (nr == AP_NR_BRK) {
		struct ap_brk_record *r = reserve_record(sizeof(*r), AP_EV_BRK);

		if (!r)
			return 0;
		r->hdr.flags = taken->hdr.flags;
		__builtin_memcpy(&r->stack, &taken->stack, sizeof(r->stack));
		r->old_brk = p.args[4];
		r->new_brk = ctx->ret;
		submit_record(r);
	}
	return 0;
}

/* A successful execve returns 0 in the new program (whose threads but the
 * caller are gone): userspace must drop what the old one held, and learn
 * the new one's objects before the records that follow are read. Until
 * it has published their unwind rows, walks use frame pointers: the
 * mapping table is the old program's, whose rows would be applied to
 * whatever code now lies at its addresses. */
static __always_inline int exec_done(struct trace_event_raw_sys_exit *ctx)
{
	if (floor_mode || ctx->ret != 0 || !is_target())
		return 0;

	/* The same generation with no mappings: userspace's next table
	 * takes a new one. */
	unwind_index &= ~(__u64)0xffffffff;
	/* The thread's call state lives in its task, which the exec keeps:
	 * it describes the old program's stack. */
	bpf_task_storage_delete(&calls, bpf_get_current_task_btf());
	struct ap_exec_record *r = reserve_record(sizeof(*r), AP_EV_EXEC);

	if (r)
		bpf_ringbuf_submit(r, BPF_RB_FORCE_WAKEUP);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_execve")
int ap_execve_exit(struct trace_event_raw_sys_exit *ctx)
{
	return exec_done(ctx);
}

SEC("tracepoint/syscalls/sys_exit_execveat")
int ap_execveat_exit(struct trace_event_raw_sys_exit *ctx)
{
	return exec_done(ctx);
}

#endif /* ALLOCPROF_BPF_SYSCALL_PROBES_BPF_H */
