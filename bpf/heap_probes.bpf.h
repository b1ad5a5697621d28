/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Uprobes on allocator functions: the malloc family wherever it is defined,
 * jemalloc's, tcmalloc's and mimalloc's own entry points, C++ operator new
 * and delete, and functions the user declares. An allocation needs its entry
 * (size, stack) and its return (the pointer); the entry's half waits in
 * `calls`, keyed by thread, until the return arrives.
 */
#ifndef ALLOCPROF_BPF_HEAP_PROBES_BPF_H
#define ALLOCPROF_BPF_HEAP_PROBES_BPF_H

#include "maps.bpf.h"
#include "sampled_live.bpf.h"
#include "stack.bpf.h"

/* An allocator call in progress on one thread. */
struct call_state {
	__u64 size;
	__u64 old_ptr; /* the block a realloc-like call releases or resizes */
	__u64 memptr;  /* where posix_memalign-like calls store the block */
	__u64 caller;  /* sampling: return address at [sp] at entry */
	__u64 sp;      /* user sp at entry of the outermost call */
	/* Plain uprobes: the first call nested in the outermost one (libstdc++'s
	 * operator new calling malloc) has its return address replaced by a
	 * uretprobe trampoline too; where it was and what it held. */
	__u64 inner_sp;
	__u64 inner_caller;
	/* Sampling: the mean gap when the call began (0: every block is
	 * recorded); its record is weighed by it. */
	__u64 mean;
	__s32 stack_id;
	__u32 probe;
	__u32 family;
	__u32 kind;    /* AP_KIND_* */
	/* Probed calls nested inside this one (libstdc++'s operator new calls
	 * malloc; glibc's reallocarray calls realloc): they belong to the
	 * outermost call and are not counted again. */
	__u32 depth;
	/* Sampling: this call was drawn for a sample; the block it releases
	 * (realloc) was a sampled one. */
	__u8 sampled;
	__u8 old_sampled;
	/* No return half clears this state (an unsampled call in a uprobe
	 * session): it holds only while [sp] still has `caller`. */
	__u8 lazy;
	/* A call is in progress; cleared by its return half. */
	__u8 active;
};

/* One call state per thread, in the thread's own task storage: cheaper
 * than a hash keyed by thread id (no bucket lock, nothing to delete). */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct call_state);
} calls SEC(".maps");

/* The calling thread's call state; made on first use when `create`. */
static __always_inline struct call_state *thread_state(bool create)
{
	return bpf_task_storage_get(&calls, bpf_get_current_task_btf(), 0,
				    create ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);
}

/* Written by userspace while the programs run (the overhead guard,
 * userspace/events/overhead_guard.h), read once per call:
 *  - sample_mean: mean bytes between sampled allocations; 0 records every
 *    block;
 *  - track_live: every block recorded while sample_mean is 0 also enters
 *    sampled_live. The guard sets it before it first raises sample_mean and
 *    enters the blocks already live itself, so that once only sampled
 *    blocks' frees are reported, the frees of blocks recorded before are
 *    still seen. */
volatile __u64 sample_mean = 0;
volatile __u32 track_live = 0;

/* Exponentially distributed gaps with mean AP_GAP_UNIT, from userspace. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, AP_SAMPLE_GAPS);
	__type(key, __u32);
	__type(value, __u64);
} sample_gaps SEC(".maps");

/* Bytes left until the next sample point, per CPU (a Poisson process is
 * memoryless, so splitting it by CPU changes nothing). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __s64);
} sample_budget SEC(".maps");

/* Whether an allocation of `size` bytes is sampled: whether a sample point
 * of a Poisson process with mean gap `mean` falls inside it, which happens
 * with probability 1 - exp(-size / mean). */
static __always_inline bool take_sample(__u64 size, __u64 mean)
{
	__u32 zero = 0;
	__s64 *budget = bpf_map_lookup_elem(&sample_budget, &zero);

	if (!budget)
		return true;
	*budget -= (__s64)size;
	if (*budget > 0)
		return false;
	/* The next point lies a fresh gap past this block (memorylessness). */
	__u32 i = bpf_get_prandom_u32() % AP_SAMPLE_GAPS;
	__u64 *gap = bpf_map_lookup_elem(&sample_gaps, &i);

	*budget = gap ? (__s64)((*gap * mean) >> AP_GAP_SHIFT) : (__s64)mean;
	return true;
}

/* The thread's call in progress, if `sp` is inside it. Equal sp is inside:
 * a call that tail-jumps into another probed function (tcmalloc's and
 * libstdc++'s thin wrappers) reaches it with the same sp. A state whose sp
 * is below ours is stale (its return never came, e.g. after longjmp).
 *
 * A lazy state (no return half will clear it) is in progress while the
 * return address it was entered with is still in its slot; a fresh call at
 * the same sp is a new call, not a nested one. */
static __always_inline struct call_state *enclosing(struct call_state *st,
						    __u64 sp)
{
	if (!st || !st->active || sp > st->sp)
		return NULL;
	if (!st->lazy)
		return st;
	__u64 slot = 0;

	if (sp == st->sp ||
	    bpf_probe_read_user(&slot, sizeof(slot), (void *)st->sp) ||
	    slot != st->caller)
		return NULL;
	return st;
}

/* The registers the cookie can name, indexed as it names them (AP_REG_*;
 * 0 and 15 read as 0). A uprobe fires from the int3 trap, whose entry saved
 * every general register in pt_regs, so a copy of an argument in rax or r11
 * is there as rdi is. Copied with constant offsets: the verifier rejects a
 * ctx read at a computed one, which is what a switch on `n` compiles to.
 *
 * Copied into per-CPU scratch rather than onto the stack: the entry
 * programs' own frames, with the deepest chain of calls below them (the CFI
 * walk), must stay within the 512 bytes Linux 6.1 allows them all together.
 * A uprobe program runs on one CPU to its end, and no other program of ours
 * runs on that CPU meanwhile (bpf_prog_active), so the scratch is its own. */
struct call_args {
	__u64 v[AP_REG_SLOTS];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct call_args);
} arg_scratch SEC(".maps");

static __always_inline struct call_args *read_args(struct pt_regs *ctx)
{
	__u32 zero = 0;
	struct call_args *a = bpf_map_lookup_elem(&arg_scratch, &zero);

	if (!a)
		return NULL;
	a->v[0] = 0;
	a->v[AP_REG_RDI] = PT_REGS_PARM1(ctx);
	a->v[AP_REG_RSI] = PT_REGS_PARM2(ctx);
	a->v[AP_REG_RDX] = PT_REGS_PARM3(ctx);
	a->v[AP_REG_RCX] = PT_REGS_PARM4(ctx);
	a->v[AP_REG_R8] = PT_REGS_PARM5(ctx);
	a->v[AP_REG_R9] = ctx->r9; /* libbpf 1.1 has no PT_REGS_PARM6 */
	a->v[AP_REG_RAX] = ctx->ax;
	a->v[AP_REG_RBX] = ctx->bx;
	a->v[AP_REG_R10] = ctx->r10;
	a->v[AP_REG_R11] = ctx->r11;
	a->v[AP_REG_R12] = ctx->r12;
	a->v[AP_REG_R13] = ctx->r13;
	a->v[AP_REG_R14] = ctx->r14;
	a->v[AP_REG_R15] = ctx->r15;
	a->v[15] = 0;
	return a;
}

static __always_inline __u64 arg(const struct call_args *a, __u32 n)
{
	return a->v[n & (AP_REG_SLOTS - 1)];
}

/* Entry half of an allocating call: records its size and stack in `calls`.
 * Returns 1 when the call needs no return half (in a uprobe session, the
 * kernel then skips the return probe altogether). */
static __always_inline int alloc_entry(struct pt_regs *ctx, bool session)
{
	if (floor_mode) {
		if (floor_stacks)
			capture_entry_stack(ctx);
		return 0;
	}
	if (!is_target())
		return 1;

	__u64 cookie = bpf_get_attach_cookie(ctx);

	count_activity(AP_COOKIE_STEPPED(cookie) ? AP_ACT_STEPPED_ENTRIES
						 : AP_ACT_EMULATED_ENTRIES);
	__u64 sp = PT_REGS_SP(ctx);
	struct call_state *slot = thread_state(true);

	if (!slot) {
		count(AP_CNT_CALLS_FULL);
		return 1;
	}
	if (enclosing(slot, sp)) {
		/* A plain return probe fires anyway and must know to pass. */
		if (!session && slot->depth++ == 0) {
			slot->inner_sp = sp;
			slot->inner_caller = 0;
			if (unwind_mode != AP_UNWIND_FP)
				bpf_probe_read_user(&slot->inner_caller,
						    sizeof(slot->inner_caller), (void *)sp);
		}
		return 1;
	}

	__u32 count_arg = AP_COOKIE_COUNT_ARG(cookie);
	struct call_args *args = read_args(ctx);

	if (!args)
		return 1;
	struct call_state st = {
		.size = arg(args, AP_COOKIE_SIZE_ARG(cookie)),
		.old_ptr = arg(args, AP_COOKIE_PTR_ARG(cookie)),
		.memptr = arg(args, AP_COOKIE_OUT_ARG(cookie)),
		.sp = sp,
		.probe = AP_COOKIE_PROBE(cookie),
		.family = AP_COOKIE_FAMILY(cookie),
		.kind = AP_COOKIE_KIND(cookie),
		.active = 1,
	};
	/* An overflowing product fails in the allocator; the return says so. */
	if (count_arg)
		st.size *= arg(args, count_arg);
	bool needs_return = true;

	if (sampling)
		st.mean = sample_mean;
	if (st.mean) {
		/* At the function's first instruction (or an emulated one just
		 * past it, see attach/probe_site.h) [sp] is the return address
		 * into the caller: a lazy state (below) is in progress while it
		 * is still there. */
		bpf_probe_read_user(&st.caller, sizeof(st.caller), (void *)sp);
		st.sampled = take_sample(st.kind == AP_KIND_RESIZE ? 0 : st.size, st.mean);
		st.old_sampled = st.old_ptr &&
			is_live(st.old_ptr);
		/* Neither sampled nor releasing a sampled block: nothing to
		 * record. The state stays, so that calls nested inside (and
		 * the allocator's own mmaps) are not taken for the program's;
		 * a session skips the return, so the state is lazy. */
		needs_return = st.sampled || st.old_sampled;
		st.lazy = session && !needs_return;
	}
	st.stack_id = (!st.mean || st.sampled) ? capture_entry_stack(ctx) : -1;
	/* A walk with CFI from a syscall inside this call meets the slot of
	 * its return address, which a uretprobe replaces with its trampoline:
	 * the walk needs what the slot held at entry (syscall_stack()). The
	 * entry's own walk has just read it. */
	if (unwind_mode != AP_UNWIND_FP && st.caller == 0 &&
	    !(st.stack_id >= 0 && walk_top_word(sp, &st.caller)))
		bpf_probe_read_user(&st.caller, sizeof(st.caller), (void *)sp);
	*slot = st;
	return needs_return ? 0 : 1;
}

/* An allocation record's fields but its header's. */
static __always_inline void fill_alloc_record(struct ap_alloc_record *e, struct pt_regs *ctx,
					      const struct call_state *st, __u64 ptr,
					      __u64 size, __u32 flags)
{
	e->hdr.flags = flags;
	e->block = ptr;
	e->size = size;
	/* The return address into the caller, which the frame-pointer walk
	 * taken at entry skips: the walk starts from the caller's rbp (unless
	 * the kernel's own fix-up for a leading `push %rbp` applied; userspace
	 * checks for that). At the return the kernel has put it back into ip,
	 * so no read of [sp] at entry is needed. */
	e->caller = PT_REGS_IP(ctx);
	e->sample_mean = st->mean;
	e->stack_id = st->stack_id;
	e->probe = st->probe;
	e->family = st->family;
}

/* Return half: the block (or the failure) is known; emits the record. */
static __always_inline void alloc_return(struct pt_regs *ctx, bool session)
{
	__u32 tid = floor_mode ? 0 : target_thread();

	if (!tid)
		return;
	count_activity(AP_ACT_RETURNS);

	struct call_state *st = thread_state(false);

	if (!st || !st->active) {
		count(AP_CNT_RETURN_UNMATCHED);
		return;
	}
	if (!session && st->depth > 0) {
		st->depth--;
		return;
	}

	__u64 ret = PT_REGS_RC(ctx);
	__u64 ptr = ret;
	__u64 size = st->size;
	__u32 type = AP_EV_ALLOC;

	if (st->kind == AP_KIND_RESIZE) {
		/* The block stays where it is; the result is its new size. */
		ptr = st->old_ptr;
		size = ret;
		type = AP_EV_REALLOC;
	} else if (st->memptr) {
		/* Returns 0 and stores the block through memptr. */
		ptr = 0;
		if (ret == 0 && bpf_probe_read_user(&ptr, sizeof(ptr),
						    (void *)st->memptr))
			count(AP_CNT_USER_READ_FAILED);
	}
	if (st->kind == AP_KIND_REALLOC)
		type = AP_EV_REALLOC;

	__u64 old_ptr = st->old_ptr;
	__u32 flags = AP_F_HAS_CALLER | unwound_flag();

	/* The old block goes where the call succeeded: a new block, or
	 * realloc(p, 0). A resize in place keeps it. */
	bool released = old_ptr && st->kind != AP_KIND_RESIZE && (ptr != 0 || size == 0);

	if (sampling && !st->mean && track_live) {
		/* Recorded in full while the guard switches to sampling. */
		if (released)
			leave_live(old_ptr);
		if (ptr)
			enter_live(ptr);
	}
	if (sampling && st->mean) {
		if (st->old_sampled && released)
			leave_live(old_ptr);
		if (!st->old_sampled)
			old_ptr = 0; /* never recorded: not a free to count */
		if (!st->sampled && st->kind != AP_KIND_RESIZE) {
			/* Only the sampled old block's release is news. */
			if (old_ptr && released) {
				struct ap_free_record *f =
					reserve_record_at(sizeof(*f), AP_EV_FREE, tid, 0);

				if (f) {
					f->block = old_ptr;
					f->family = st->family;
					f->probe = st->probe;
					submit_record(f);
				}
			}
			st->active = 0;
			return;
		}
		if (ptr)
			enter_live(ptr);
		flags |= AP_F_SAMPLED;
	}

	/* A realloc record is an allocation record and the block it left.
	 * Each is checked and submitted where it was reserved: Linux 6.1's
	 * verifier cannot tell that a record is not NULL when the check comes
	 * after two reservations' paths meet. */
	if (type == AP_EV_REALLOC) {
		struct ap_realloc_record *r =
			reserve_record_at(sizeof(*r), AP_EV_REALLOC, tid, record_time());

		if (r) {
			fill_alloc_record(&r->alloc, ctx, st, ptr, size, flags);
			r->old_block = old_ptr;
			submit_record(r);
		}
	} else {
		struct ap_alloc_record *e =
			reserve_record_at(sizeof(*e), AP_EV_ALLOC, tid, record_time());

		if (e) {
			fill_alloc_record(e, ctx, st, ptr, size, flags);
			submit_record(e);
		}
	}
	st->active = 0;
}

/* Releasing functions need no return half: they only release, and what an
 * allocator unmaps inside one is recognised by the region it unmaps, not by
 * the thread. */
static __always_inline void free_entry(struct pt_regs *ctx)
{
	__u32 tid = floor_mode ? 0 : target_thread();

	if (!tid)
		return;

	__u64 cookie = bpf_get_attach_cookie(ctx);

	count_activity(AP_COOKIE_STEPPED(cookie) ? AP_ACT_STEPPED_ENTRIES
						 : AP_ACT_EMULATED_ENTRIES);
	struct call_args *args = read_args(ctx);

	if (!args)
		return;
	__u64 ptr = arg(args, AP_COOKIE_PTR_ARG(cookie));
	__u64 sp = PT_REGS_SP(ctx);

	if (ptr == 0)
		return;
	/* Sampling: only sampled blocks were recorded, so only their release
	 * is news. Most blocks never were, which the set's filter says before
	 * the thread's state (and, for a lazy one, the user stack) is read. */
	__u64 mean = sampling ? sample_mean : 0;

	if (mean && !is_live(ptr))
		return;
	/* A release inside a probed allocating call is the allocator's own
	 * business. */
	if (enclosing(thread_state(false), sp))
		return;
	/* A sampled block leaves the map. While the guard switches to
	 * sampling every release is news, and a block recorded in full
	 * leaves the map too. */
	if (sampling && (mean || track_live) && !leave_live(ptr) && mean)
		return;

	struct ap_free_record *e = reserve_record_at(sizeof(*e), AP_EV_FREE, tid, 0);

	if (e) {
		e->block = ptr;
		/* operator delete calls free, sdallocx calls ... : userspace
		 * keeps the outermost release of a block by this sp. */
		e->sp = sp;
		e->probe = AP_COOKIE_PROBE(cookie);
		e->family = AP_COOKIE_FAMILY(cookie);
		submit_record(e);
	}
}

/* Plain uprobes and uretprobes, one link per function: every kernel has
 * them. */
SEC("uprobe")
int BPF_KPROBE(ap_alloc_entry)
{
	alloc_entry(ctx, false);
	return 0;
}

SEC("uretprobe")
int BPF_KRETPROBE(ap_alloc_ret)
{
	alloc_return(ctx, false);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(ap_free_entry)
{
	free_entry(ctx);
	return 0;
}

/* Uprobe sessions (BPF_TRACE_UPROBE_SESSION, Linux 6.13): one program runs
 * at entry and, unless the entry returned 1, at return; one link covers all
 * functions of an object. A call that needs no return half (nested, not the
 * target) then costs no return trap at all. Userspace loads these where
 * the kernel supports them and the plain programs otherwise. */
extern bool bpf_session_is_return(void) __ksym __weak;

SEC("uprobe")
int BPF_KPROBE(ap_alloc_session)
{
	if (!bpf_session_is_return())
		return alloc_entry(ctx, true);
	alloc_return(ctx, true);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(ap_free_session)
{
	free_entry(ctx);
	return 1;
}

#endif /* ALLOCPROF_BPF_HEAP_PROBES_BPF_H */
