/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The records and counters the BPF programs hand to userspace.
 *
 * This header is compiled twice: by clang for the BPF target (with
 * vmlinux.h already included) and by the C++ compiler for userspace. It
 * therefore uses fixed-width __u16/__u32/__u64 fields only -- no pointers,
 * long, bool or enums -- with explicit padding, so the layout is the same on
 * both sides, and every record starts with its type tag.
 */
#ifndef ALLOCPROF_BPF_EVENTS_H
#define ALLOCPROF_BPF_EVENTS_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* Shared by both sides' static asserts on every layout below. */
#ifdef __cplusplus
#define AP_ASSERT_LAYOUT(cond, what) static_assert(cond, what)
#else
#define AP_ASSERT_LAYOUT(cond, what) _Static_assert(cond, what)
#endif

/*
 * Records, from the probes to userspace through one ring buffer. Each starts
 * with a struct ap_record_header, whose type says which struct it is;
 * userspace checks the record's size against that struct's before it reads
 * a field (userspace/events/ring_reader.h). Every struct's size is a
 * multiple of 8: ring buffer records are 8-byte aligned.
 */
#define AP_EV_ALLOC 1      /* struct ap_alloc_record */
#define AP_EV_FREE 2       /* struct ap_free_record */
#define AP_EV_REALLOC 3    /* struct ap_realloc_record */
#define AP_EV_MMAP 4       /* struct ap_mmap_record */
#define AP_EV_MUNMAP 5     /* struct ap_munmap_record */
#define AP_EV_MREMAP 6     /* struct ap_mremap_record */
#define AP_EV_MPROTECT 7   /* struct ap_mprotect_record */
#define AP_EV_BRK 8        /* struct ap_brk_record */
/* --mode pages: */
#define AP_EV_PAGE_FAULT 9 /* struct ap_page_fault_record */
#define AP_EV_MADVISE 10   /* struct ap_madvise_record */
#define AP_EV_JIT_CODE 11  /* struct ap_jit_code_record */
#define AP_EV_EXEC 12      /* struct ap_exec_record */
/* The highest type: a new one goes above it, and here. */
#define AP_EV_LAST AP_EV_EXEC

/* ap_record_header.flags (16 bits) */
/* The syscall was made while this thread was inside a probed allocator call:
 * the allocator is fetching backing store, not the program allocating. */
#define AP_F_IN_ALLOCATOR (1u << 0)
/* mmap of a file (fd >= 0 and not MAP_ANONYMOUS). */
#define AP_F_FILE_BACKED (1u << 1)
/* The record's `caller` was recovered (non-zero and checked in BPF). */
#define AP_F_HAS_CALLER (1u << 2)
/* Heap record of a sampled allocation (--sample-bytes, or the overhead
 * guard): it stands for size / (1 - exp(-size / N)) bytes, where N is its
 * sample_mean. */
#define AP_F_SAMPLED (1u << 3)
/* stack_id names a stack in map "unwound_stacks", walked in BPF with the
 * unwind tables below (--unwind auto|dwarf), not one in "stacks". Such a
 * stack already has the probed function's caller: `caller` is not spliced. */
#define AP_F_UNWOUND (1u << 4)

/*
 * What one allocator probe does, packed by userspace into the probe's BPF
 * cookie: one entry program serves every allocator function, whatever its
 * argument layout (malloc(size), calloc(n, size), mi_heap_realloc(heap, p,
 * size), a custom pool_alloc(pool, size) ...).
 *
 *   bits  0-15  probe id: index into userspace's table of probed functions
 *   bits 16-31  allocator family id (see ap_alloc_record.family)
 *   bits 32-35  register holding the size (AP_REG_*; 0: none)
 *   bits 36-39  register holding an element count multiplied into the size
 *   bits 40-43  register holding the block released or resized
 *   bits 44-47  register holding a pointer the new block is stored through
 *               (posix_memalign); 0: the block is the return value
 *   bits 48-51  AP_KIND_*
 *   bit  56     the probe sits on an instruction the kernel single-steps
 *               (see userspace/attach/probe_site.h): its hits cost ten
 *               times more, which the overhead guard must know
 *
 * The registers are named where the probe sits: at a function's entry the
 * n-th argument is in register n; a probe moved past the entry (see
 * userspace/attach/probe_site.h) may find it in a copy, such as mimalloc's
 * malloc, which copies its size from rdi to rsi and then loads rdi.
 */
/* Sampling's filter in front of its set of live blocks (bpf/sampled_live.bpf.h):
 * the slot of a block, shared by BPF and userspace. */
#define AP_LIVE_FILTER_BITS 16
#define AP_LIVE_FILTER_SLOTS (1u << AP_LIVE_FILTER_BITS)
#define AP_LIVE_FILTER_SLOT(block) \
	((__u32)(((__u64)(block) * 0x9e3779b97f4a7c15ull) >> (64 - AP_LIVE_FILTER_BITS)))

#define AP_COOKIE_PROBE(c) ((__u32)((c) & 0xffff))
#define AP_COOKIE_FAMILY(c) ((__u32)(((c) >> 16) & 0xffff))
#define AP_COOKIE_SIZE_ARG(c) ((__u32)(((c) >> 32) & 0xf))
#define AP_COOKIE_COUNT_ARG(c) ((__u32)(((c) >> 36) & 0xf))
#define AP_COOKIE_PTR_ARG(c) ((__u32)(((c) >> 40) & 0xf))
#define AP_COOKIE_OUT_ARG(c) ((__u32)(((c) >> 44) & 0xf))
#define AP_COOKIE_KIND(c) ((__u32)(((c) >> 48) & 0xf))
#define AP_COOKIE_STEPPED(c) ((__u32)(((c) >> 56) & 0x1))

#define AP_KIND_ALLOC 0   /* hands out a new block                        */
#define AP_KIND_REALLOC 1 /* moves or resizes a block; NULL: failed        */
#define AP_KIND_RESIZE 2  /* resizes in place, returns the new size
			   * (jemalloc's xallocx)                           */
#define AP_KIND_FREE 3    /* releases a block                             */

/* Arguments a function's shape can name (ARG1..ARG6). */
#define AP_MAX_ARG 6

/* Registers the cookie can name, 4 bits each: the argument registers in
 * the SysV order (so that ARGn is register n at a function's entry), then
 * the other general registers a prologue may copy an argument into. rsp
 * and rbp are left out: a probe never moves past a write to them. 0 and
 * 15 read as 0. */
#define AP_REG_RDI 1
#define AP_REG_RSI 2
#define AP_REG_RDX 3
#define AP_REG_RCX 4
#define AP_REG_R8 5
#define AP_REG_R9 6
#define AP_REG_RAX 7
#define AP_REG_RBX 8
#define AP_REG_R10 9
#define AP_REG_R11 10
#define AP_REG_R12 11
#define AP_REG_R13 12
#define AP_REG_R14 13
#define AP_REG_R15 14
#define AP_REG_SLOTS 16

/* Maximum user stack depth we ask the kernel for (its default
 * kernel.perf_event_max_stack). */
#define AP_MAX_STACK_DEPTH 127

/* What every record starts with. */
struct ap_record_header {
	__u16 type;  /* AP_EV_*: which struct the record is */
	__u16 flags; /* AP_F_* */
	__u32 tid;   /* thread that made the call (or took the fault) */
	__u64 ts_ns; /* bpf_ktime_get_ns() at the event; 0: the record before's (reserve_record()) */
};

/* AP_EV_ALLOC: a probed allocating function returned. Made at its return
 * from what its entry kept (userspace/attach/allocator_catalog.cc has each
 * function's arguments). */
struct ap_alloc_record {
	struct ap_record_header hdr;
	__u64 block; /* the block handed out; 0: the call failed */
	__u64 size;  /* bytes asked for (count * size for calloc) */
	/* The return address into the function that called the probed one.
	 * At a function's first instruction it still sits at [sp], so the
	 * kernel's frame-pointer walk misses it; userspace splices it in as
	 * frame 1 unless the kernel already has it there. */
	__u64 caller;
	/* AP_F_SAMPLED: the mean gap between samples, in bytes, in effect when
	 * the call began (the overhead guard changes it while the programs
	 * run); the record is weighed by it. 0 otherwise. */
	__u64 sample_mean;
	__s32 stack_id; /* id in the stacks map (unwound_stacks with
			 * AP_F_UNWOUND), or -errno if capture failed */
	__u16 probe;    /* probe id from the cookie */
	__u16 family;   /* allocator family id from the cookie */
};

/* AP_EV_REALLOC: a probed function moved or resized a block (realloc,
 * rallocx; xallocx resizes in place and returns the new size). */
struct ap_realloc_record {
	/* The block it leaves (hdr.type AP_EV_REALLOC): alloc.block is the new
	 * block (0: the call failed, the old block stays, unless the new size
	 * is 0), alloc.size its size. */
	struct ap_alloc_record alloc;
	/* The block released or resized; 0: realloc(NULL, n), or under
	 * sampling a block that was never recorded. */
	__u64 old_block;
};

/* AP_EV_FREE: a probed releasing function was called with a block. */
struct ap_free_record {
	struct ap_record_header hdr;
	__u64 block;
	/* The releasing function's sp at entry: tells a release that another
	 * probed release of the same block calls into (operator delete calls
	 * free). 0 when made at an allocating call's return (under sampling,
	 * a realloc that releases a sampled block into an unsampled one). */
	__u64 sp;
	__u16 probe;  /* probe id from the cookie */
	__u16 family; /* allocator family id from the cookie */
	__u32 reserved;
};

/* Words of the user stack copied at an address-space syscall, from its sp:
 * the C library's wrapper may keep a frame of its own, so the return address
 * into its caller lies at a depth only the wrapper's unwind table (CFI)
 * tells; where that caller has no frame pointer (tcmalloc's interposed
 * mmap calls the C library's syscall()), its caller's return address lies
 * above, again where the CFI says. 32 words cover glibc's wrappers
 * (mremap's 0x58-byte frame is the deepest) and such a caller's frame. */
#define AP_SYSCALL_STACK_WORDS 32

/* Who made an address-space syscall (or took a page fault): the stack of
 * the mmap, mremap, mprotect, brk and page fault records. */
struct ap_syscall_stack {
	/* First word of `words` that follows a call instruction, a fallback
	 * when userspace has no CFI for the wrapper (AP_F_HAS_CALLER). */
	__u64 caller;
	__s32 stack_id; /* as in ap_alloc_record */
	__u32 reserved;
	/* User stack words from sp up, with frame-pointer stacks only (a CFI
	 * walk, AP_F_UNWOUND, finds the wrapper's caller itself): zero else. */
	__u64 words[AP_SYSCALL_STACK_WORDS];
};

/* AP_EV_MMAP: a successful mmap. */
struct ap_mmap_record {
	struct ap_record_header hdr; /* AP_F_FILE_BACKED, AP_F_IN_ALLOCATOR */
	__u64 addr;                  /* where the mapping was placed */
	__u64 len;                   /* its length as asked for */
	__u32 prot;                  /* PROT_* */
	__u32 map_flags;             /* MAP_* */
	struct ap_syscall_stack stack;
};

/* AP_EV_MUNMAP: a successful munmap. A release needs no stack: the
 * region knows who holds it. */
struct ap_munmap_record {
	struct ap_record_header hdr;
	__u64 addr;
	__u64 len;
};

/* AP_EV_MREMAP: a successful mremap. */
struct ap_mremap_record {
	struct ap_record_header hdr; /* AP_F_IN_ALLOCATOR */
	__u64 old_addr;
	__u64 old_len;
	__u64 new_addr;              /* where the mapping is now */
	__u64 new_len;
	__u32 mremap_flags;          /* MREMAP_* */
	__u32 reserved;
	struct ap_syscall_stack stack;
};

/* AP_EV_MPROTECT: a successful mprotect. */
struct ap_mprotect_record {
	struct ap_record_header hdr; /* AP_F_IN_ALLOCATOR */
	__u64 addr;
	__u64 len;
	__u32 prot;                  /* PROT_* */
	__u32 reserved;
	struct ap_syscall_stack stack;
};

/* AP_EV_BRK: a brk that moved the program break. */
struct ap_brk_record {
	struct ap_record_header hdr; /* AP_F_IN_ALLOCATOR */
	__u64 old_brk;               /* the break before the call */
	__u64 new_brk;               /* ... and after it */
	struct ap_syscall_stack stack;
};

/* AP_EV_PAGE_FAULT (--mode pages): a write to private memory made a page
 * of it resident. */
struct ap_page_fault_record {
	struct ap_record_header hdr;
	__u64 page;       /* the 4 KiB page's address */
	__u64 huge_start; /* the transparent huge page the fault may fill
			   * instead (0: none can) */
	__u64 huge_len;   /* its size; 0 with huge_start 0 */
	/* stack.caller is 0: the fault may strike anywhere in a function,
	 * and only its CFI tells where its return address lies. */
	struct ap_syscall_stack stack;
};

/* AP_EV_MADVISE (--mode pages): advice that drops pages succeeded. */
struct ap_madvise_record {
	struct ap_record_header hdr;
	__u64 addr;
	__u64 len;
	__u32 advice; /* MADV_DONTNEED, MADV_FREE, MADV_REMOVE or
		       * MADV_DONTNEED_LOCKED */
	__u32 reserved;
};

/* AP_EV_JIT_CODE: a JVM installed a compiled method (java_probes.bpf.h). */
struct ap_jit_code_record {
	struct ap_record_header hdr;
	__u64 code;      /* its code's address */
	__u64 code_size; /* ... and bytes */
};

/* AP_EV_EXEC: the target ran execve(): its address space, and all it held,
 * is replaced by a new program's. */
struct ap_exec_record {
	struct ap_record_header hdr;
};

AP_ASSERT_LAYOUT(sizeof(struct ap_record_header) == 16, "ap_record_header layout changed");
/* The hot record: at most the 80 bytes of the one record type all records
 * once shared. */
AP_ASSERT_LAYOUT(sizeof(struct ap_alloc_record) == 56, "ap_alloc_record layout changed");
AP_ASSERT_LAYOUT(sizeof(struct ap_realloc_record) == 64, "ap_realloc_record layout changed");
AP_ASSERT_LAYOUT(sizeof(struct ap_free_record) == 40, "ap_free_record layout changed");
AP_ASSERT_LAYOUT(sizeof(struct ap_syscall_stack) == 16 + 8 * AP_SYSCALL_STACK_WORDS,
		 "ap_syscall_stack layout changed");
AP_ASSERT_LAYOUT(sizeof(struct ap_mmap_record) == 312, "ap_mmap_record layout changed");
AP_ASSERT_LAYOUT(sizeof(struct ap_munmap_record) == 32, "ap_munmap_record layout changed");
AP_ASSERT_LAYOUT(sizeof(struct ap_mremap_record) == 328, "ap_mremap_record layout changed");
AP_ASSERT_LAYOUT(sizeof(struct ap_mprotect_record) == 312, "ap_mprotect_record layout changed");
AP_ASSERT_LAYOUT(sizeof(struct ap_brk_record) == 304, "ap_brk_record layout changed");
AP_ASSERT_LAYOUT(sizeof(struct ap_page_fault_record) == 312,
		 "ap_page_fault_record layout changed");
AP_ASSERT_LAYOUT(sizeof(struct ap_madvise_record) == 40, "ap_madvise_record layout changed");
AP_ASSERT_LAYOUT(sizeof(struct ap_jit_code_record) == 32, "ap_jit_code_record layout changed");
AP_ASSERT_LAYOUT(sizeof(struct ap_exec_record) == 16, "ap_exec_record layout changed");
/* The header is first in every record, the realloc record's included:
 * userspace reads the type there before it knows the struct. */
AP_ASSERT_LAYOUT(__builtin_offsetof(struct ap_realloc_record, alloc.hdr) == 0,
		 "a record starts with its header");
AP_ASSERT_LAYOUT(__builtin_offsetof(struct ap_alloc_record, stack_id) == 48,
		 "ap_alloc_record layout changed");
AP_ASSERT_LAYOUT(__builtin_offsetof(struct ap_mmap_record, stack) == 40,
		 "ap_mmap_record layout changed");
AP_ASSERT_LAYOUT(__builtin_offsetof(struct ap_mremap_record, stack) == 56,
		 "ap_mremap_record layout changed");
AP_ASSERT_LAYOUT(__builtin_offsetof(struct ap_page_fault_record, stack) == 40,
		 "ap_page_fault_record layout changed");

/* Indexes of the per-CPU drop counters (map "counters"). Every place in BPF
 * that can lose data increments one of these; reports print them all. */
#define AP_CNT_RINGBUF_FULL 0     /* event dropped: ring buffer full */
#define AP_CNT_STACK_COLLISION 1  /* stack dropped: stack map bucket taken */
#define AP_CNT_STACK_FAILED 2     /* stack dropped: other capture error */
#define AP_CNT_CALLS_FULL 3       /* allocator call missed: no per-thread state */
#define AP_CNT_RETURN_UNMATCHED 4 /* return seen without its entry */
#define AP_CNT_USER_READ_FAILED 5 /* posix_memalign result unreadable */
#define AP_CNT_SYSCALLS_FULL 6    /* mmap-family call missed: map full */
#define AP_CNT_SAMPLES_FULL 7     /* sampled block's free unseen: map full */
#define AP_CNT_STACK_TRUNCATED 8  /* distinct unwound stacks that end
				   * early: see AP_STACK_TRUNCATED */
#define AP_CNT_FAULT_VMA_UNKNOWN 9 /* page fault dropped: its mapping could
				    * not be looked up (mmap lock busy) */
#define AP_CNT_PYTHON_UNREAD 10 /* walks that met CPython's eval loop and
				 * could not read the Python frames it runs
				 * (no thread state, a bad frame): its native
				 * frames were kept */
#define AP_CNT_COUNT 11

/* Exponential gaps between sample points (map "sample_gaps"), drawn by
 * userspace with mean 1 in units of 1/AP_GAP_UNIT; BPF picks one at random
 * after each sample and scales it by the mean in effect, which the overhead
 * guard may raise while the programs run. */
#define AP_SAMPLE_GAPS 1024
#define AP_GAP_SHIFT 16
#define AP_GAP_UNIT (1u << AP_GAP_SHIFT)
/* The largest mean gap: gap * mean must fit an __s64 (gaps are at most
 * ~40 units: exp(-40) never comes up). */
#define AP_MAX_SAMPLE_MEAN (1ull << 40)

/* Probe activity, per CPU (map "activity"): what the overhead guard prices
 * (userspace/events/overhead_guard.h). Not losses. */
#define AP_ACT_EMULATED_ENTRIES 0 /* allocator probe hits the kernel emulates */
#define AP_ACT_STEPPED_ENTRIES 1  /* ... that it single-steps                 */
#define AP_ACT_RETURNS 2          /* return probe hits (uretprobe or session)  */
#define AP_ACT_WALKS 3            /* user stacks walked with CFI, or remembered */
#define AP_ACT_WALKS_REMEMBERED 4 /* ... taken from a walk met before          */
#define AP_ACT_COUNT 5

/*
 * Unwinding with call-frame information (--unwind). Userspace turns each
 * mapped object's .eh_frame/.debug_frame into rows (one per address range
 * with the same rules), sorted by address, in map "unwind_rows"; map
 * "unwind_mappings" says which rows serve which mapping of the target. BPF
 * walks the user stack frame by frame with a binary search in each.
 */
#define AP_UNWIND_FP 0    /* frame pointers only (bpf_get_stackid)       */
#define AP_UNWIND_AUTO 1  /* CFI where there is some, else frame pointers */
#define AP_UNWIND_DWARF 2 /* CFI only: a frame without it ends the stack  */

/* ap_unwind_row.cfa_type: how the canonical frame address (the caller's sp,
 * just above the return address) is found. */
#define AP_CFA_NONE 0 /* no CFI covers this address (a gap)               */
#define AP_CFA_RSP 1  /* CFA = rsp + cfa_offset                            */
#define AP_CFA_RBP 2  /* CFA = rbp + cfa_offset                            */
#define AP_CFA_PLT 3  /* PLT stub: CFA = rsp + 8, + 8 more once
		       * (rip & 15) >= cfa_offset (the stub pushed its index) */
#define AP_CFA_END 4  /* the return address is undefined: the outermost
		       * frame (_start, clone), the stack is complete       */
#define AP_CFA_JAVA_INTERP 5 /* HotSpot's interpreter: rbp is its frame
			      * pointer (the caller's rbp at [rbp], the return
			      * address above it; the caller's sp is the
			      * sender sp at rbp - 8), the frame's Method*
			      * lies at rbp + 8 * rbp_rule and its bytecode
			      * pointer at rbp - 8 * cfa_offset (0: none);
			      * the frame is recorded as an
			      * AP_FRAME_JAVA_METHOD, which names it
			      * (userspace/java)                            */

#define AP_CFA_STOP 6 /* code whose frame cannot be unwound (a compiled
		       * method whose frame layout is unknown): the walk
		       * ends here, truncated, rather than trust rbp       */

/* A recorded frame that is a Java method (a Method* in the JVM), not a pc:
 * user addresses never have the top bit. Bits 3-46 are the Method* (a user
 * address, 8-byte aligned); bit 0 says bits 47-62 hold the low 16 bits of
 * the bytecode pointer the frame is at -- which give its bytecode index,
 * for a method's bytecodes are fewer than 64 KiB. */
#define AP_FRAME_JAVA_METHOD (1ull << 63)
#define AP_FRAME_JAVA_HAS_BCP 1ull
#define AP_FRAME_JAVA_BCP_SHIFT 47
#define AP_FRAME_JAVA_METHOD_MASK (((1ull << 47) - 1) & ~7ull)

/* A recorded frame that is a Python function, not a pc: bit 63 clear and
 * bit 62 set, which no user address has. Bits 3-46 are its code object (a
 * PyCodeObject*, 8-byte aligned); bits 47-61 the index of the instruction
 * it is at (prev_instr, instr_ptr or f_lasti, in 2-byte code units) plus 1:
 * 0 before its first instruction, AP_FRAME_PYTHON_NO_INSTR past what 15
 * bits hold (a function of more than 64 KiB of bytecode). */
#define AP_FRAME_PYTHON (1ull << 62)
#define AP_FRAME_PYTHON_INSTR_SHIFT 47
#define AP_FRAME_PYTHON_NO_INSTR 0x7fffull
#define AP_FRAME_PYTHON_CODE_MASK (((1ull << 47) - 1) & ~7ull)

/* ap_unwind_row.rbp_rule, else: rbp was saved at CFA + 8 * rbp_rule. */
#define AP_RBP_SAME 0       /* rbp still holds the caller's value          */
#define AP_RBP_UNKNOWN -128 /* not recoverable (saved in another register) */

/* One row: the rules from `pc` (ELF virtual address, below 4 GiB) up to the
 * next row's pc. The return address is always at CFA - 8 on x86-64. */
struct ap_unwind_row {
	__u32 pc;
	__u16 cfa_offset;
	__u8 cfa_type; /* AP_CFA_* */
	__s8 rbp_rule;
};

/* One executable mapping of the target with rows: addresses in
 * [start, end) are ELF virtual address + bias; its rows are
 * unwind_rows[first_row, first_row + row_count). */
struct ap_unwind_mapping {
	__u64 start;
	__u64 end;
	__u64 bias;
	__u32 first_row;
	__u32 row_count;
};

/* Mappings per table. unwind_mappings holds two tables, so that userspace
 * rewrites one while BPF reads the other (see unwind_index in
 * bpf/unwind.bpf.h). */
#define AP_UNWIND_MAX_MAPPINGS 512

/*
 * A JVM's code cache as the walk reads it (bpf/jvm_code.bpf.h), for code
 * no row describes yet: a method the JIT installed in the milliseconds
 * before userspace published its row. Filled by userspace from the JVM's
 * VMStructs (userspace/java/code_cache.h); heap_count 0: no JVM.
 */
#define AP_JVM_MAX_HEAPS 4
struct ap_jvm_code_cache {
	__u64 low[AP_JVM_MAX_HEAPS];    /* each code heap's code: [low, high) */
	__u64 high[AP_JVM_MAX_HEAPS];
	__u64 segmap[AP_JVM_MAX_HEAPS]; /* its segment map, a byte a segment */
	__u32 log2_segment[AP_JVM_MAX_HEAPS];
	__u32 heap_count;
	__u32 block_header;    /* sizeof(HeapBlock): the CodeBlob follows it */
	__u32 block_used;      /* offset of HeapBlock's _used flag */
	__u32 blob_code_begin; /* offsets of CodeBlob's fields */
	__u32 blob_code_end;
	__u32 blob_frame_size; /* int, in words, the return address included */
};

/*
 * A CPython interpreter in the target, as the walk reads it
 * (bpf/python_frames.bpf.h): where its eval loop's code is, where its
 * runtime state is, how its frames are kept (`shape`, AP_PY_*), and the
 * offsets of the fields the walk follows, which userspace took from the
 * interpreter's own _Py_DebugOffsets (3.13 on) or from a table per minor
 * version, and checked against the running interpreter
 * (userspace/python/python_layout.h). `ready` 0: no Python.
 */
struct ap_python_runtime {
	__u64 eval_start;  /* _PyEval_EvalFrameDefault's code: [start, end) */
	__u64 eval_end;
	__u64 runtime;     /* &_PyRuntime */
	/* The target's PID namespace (stat() of /proc/PID/ns/pid), whose
	 * thread ids native_thread_id holds; pidns_ino 0: the kernel's own
	 * thread ids are used. */
	__u64 pidns_dev;
	__u64 pidns_ino;
	__u32 shape;                  /* AP_PY_* */
	__u32 runtime_tstate_current; /* gilstate.tstate_current; 0: none (3.12 on) */
	__u32 runtime_interp_head;    /* interpreters.head */
	__u32 interp_threads_head;    /* PyInterpreterState.threads.head (tstate_head) */
	__u32 tstate_next;            /* PyThreadState.next */
	__u32 tstate_thread_id;       /* native_thread_id, or thread_id (AP_PY_PTHREAD_IDS) */
	__u32 tstate_frame;           /* cframe, current_frame, or frame (before 3.11) */
	__u32 cframe_current_frame;   /* _PyCFrame.current_frame (AP_PY_VIA_CFRAME) */
	__u32 frame_code;             /* f_code, f_executable */
	__u32 frame_previous;         /* previous, f_back */
	__u32 frame_instr;            /* prev_instr, instr_ptr; f_lasti (an int) */
	__u32 frame_entry;            /* is_entry or owner, a char */
	__u32 code_adaptive;          /* PyCodeObject.co_code_adaptive (3.11 on) */
	__u32 ready;                  /* written last */
};

/* ap_python_runtime.shape: how the interpreter keeps its frames. */
/* Before 3.11: a chain of PyFrameObject, one for each activation of the
 * eval loop, its instruction in f_lasti. */
#define AP_PY_FRAME_OBJECTS (1u << 0)
/* f_lasti counts bytes (3.8, 3.9), not 2-byte code units (3.10). */
#define AP_PY_LASTI_BYTES (1u << 1)
/* The thread state points at a _PyCFrame, which points at the current
 * frame (3.11, 3.12). */
#define AP_PY_VIA_CFRAME (1u << 2)
/* frame_entry is nonzero in the first frame each activation ran (3.11's
 * is_entry). */
#define AP_PY_ENTRY_FLAG (1u << 3)
/* Each activation's first frame is preceded by a shim frame of its own,
 * whose owner (frame_entry) is FRAME_OWNED_BY_CSTACK (3.12 on). */
#define AP_PY_CSTACK_SHIMS (1u << 4)
/* tstate_thread_id is pthread_self() (thread_id, before 3.11's
 * native_thread_id): on x86-64 the thread's FS base. */
#define AP_PY_PTHREAD_IDS (1u << 5)
/* CPython's FRAME_OWNED_BY_CSTACK (Include/internal/pycore_frame.h). */
#define AP_PY_OWNED_BY_CSTACK 3

/* ap_unwound_stack.flags */
/* The walk stopped before the outermost frame: no CFI and no usable frame
 * pointer, an unreadable stack word, or the depth limit. */
#define AP_STACK_TRUNCATED (1u << 0)

/* A stack walked in BPF, leaf first (map "unwound_stacks", keyed by a hash
 * of the frames). `check` is a second hash of them: a different stack with
 * the same key is a collision, counted and dropped. */
struct ap_unwound_stack {
	__u32 len;
	__u32 flags; /* AP_STACK_* */
	__u64 check;
	__u64 ips[AP_MAX_STACK_DEPTH];
};

AP_ASSERT_LAYOUT(sizeof(struct ap_unwind_row) == 8, "layout changed");
AP_ASSERT_LAYOUT(sizeof(struct ap_unwind_mapping) == 32, "layout changed");
AP_ASSERT_LAYOUT(sizeof(struct ap_jvm_code_cache) == 136, "layout changed");
AP_ASSERT_LAYOUT(sizeof(struct ap_python_runtime) == 96, "layout changed");
AP_ASSERT_LAYOUT(sizeof(struct ap_unwound_stack) == 16 + 8 * AP_MAX_STACK_DEPTH,
		 "layout changed");

#endif /* ALLOCPROF_BPF_EVENTS_H */
