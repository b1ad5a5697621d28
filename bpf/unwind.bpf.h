/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * User stacks walked with call-frame information (--unwind auto|dwarf), for
 * code built without frame pointers: per frame, a binary search for the
 * mapping and one for its row (events.h, struct ap_unwind_row), then the
 * caller's sp, rbp and return address by the row's rules. Where there is no
 * row, frame pointers (auto). The frames are deduplicated in a hash map,
 * like the kernel's stack map: records carry only the stack's id.
 */
#ifndef ALLOCPROF_BPF_UNWIND_BPF_H
#define ALLOCPROF_BPF_UNWIND_BPF_H

#include "maps.bpf.h"
#include "jvm_code.bpf.h"
#include "python_frames.bpf.h"

#ifndef ENOMEM
#define ENOMEM 12
#endif
#ifndef EBUSY
#define EBUSY 16
#endif
#ifndef EFAULT
#define EFAULT 14
#endif

/* AP_UNWIND_*, set by userspace before load. */
const volatile __u32 unwind_mode = AP_UNWIND_FP;

/* The mapping table's generation (high 32 bits; its parity is the half of
 * unwind_mappings that is current) and how many mappings it holds (low 32
 * bits). Userspace fills the other half, then publishes it with one 64-bit
 * store, so a walk never sees a half-written table. */
volatile __u64 unwind_index = 0;

/* Rows of every object, each object's sorted by pc; mapped by userspace
 * (BPF_F_MMAPABLE), which writes them with memcpy. Sized at load. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ap_unwind_row);
} unwind_rows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 2 * AP_UNWIND_MAX_MAPPINGS);
	__type(key, __u32);
	__type(value, struct ap_unwind_mapping);
} unwind_mappings SEC(".maps");

/* Walked stacks by a hash of their frames (the id in records). Entries are
 * made only for new stacks, so no preallocation: a session keeps what it
 * saw, up to max_entries (then the capture fails, counted). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct ap_unwound_stack);
} unwound_stacks SEC(".maps");

/* Words of stack read in one go at the start of a walk: one copy instead of
 * one or two per frame for the frames near the top. */
#define AP_UNWIND_CHUNK_WORDS 128
/* A remembered walk is checked against one copy of the stack words it read,
 * up to this many from sp: a copy from user memory costs about 55 ns in a
 * guest whatever its size (2.5 KiB no more than 300 bytes), so one copy of
 * the span beats one for the chunk and one for each word past it. */
#define AP_UNWIND_SPAN_WORDS 512

/* Return-address slots a uretprobe holds during a walk (struct walk). */
struct ap_call_slots {
	__u64 slot[2];
	__u64 ret[2];
};

/* One walk in progress; per CPU, too big for the BPF stack. */
struct walk {
	__u64 pc;
	__u64 sp;
	__u64 bp;
	/* The return-address slots of the thread's probed calls in progress
	 * (the outermost and the first one nested in it) and what they held at
	 * entry: a uretprobe replaces each with the kernel's trampoline until
	 * its call returns. 0: none. */
	struct ap_call_slots slots;
	__u64 h1;
	__u64 h2;
	__u64 index;     /* unwind_index when the walk began */
	__u32 frame0;    /* AP_WALK_* */
	__u32 complete;  /* reached the outermost frame */
	/* A walk runs on this CPU: a program that preempts it (another thread
	 * of the target) must not reuse this scratch; it counts a failure. */
	__u32 busy;
	/* The top of the stack, read once: most frames' words are in it. */
	__u32 chunk_words;
	/* The walk_memos slot this walk records its reads into, and whether it
	 * still does (every read so far succeeded and fitted). */
	__u32 memo_slot;
	__u32 memo_on;
	/* Where rbp came from, for the memo: a register code without frame
	 * pointers keeps anything in (a request's pointer), which the walk
	 * depends on only where a rule uses it (AP_BP_*). */
	__u32 bp_state;
	__u32 memo_bp;   /* the walk used its starting rbp */
	__u64 bp_addr;   /* AP_BP_LOADED: the word it was read from */
	__u64 chunk_base;
	__u64 chunk[AP_UNWIND_SPAN_WORDS];
	struct ap_unwound_stack out;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct walk);
} walks SEC(".maps");

/* Walks remembered, per CPU, by where they started. A walk is a function
 * of its starting registers, the unwind tables (their generation) and the
 * user words it reads, nothing else (walks through JVM or CPython frames
 * read more and are not remembered): when the registers and generation are
 * those of an earlier walk and every word that walk read still holds what
 * it held, the walk would find the same stack, and its id is taken without
 * walking. A server's event loop allocates from the same few call paths at
 * the same stack depths, so most walks are met again; checking a remembered
 * one costs a compare per word read, mostly from the chunk already read,
 * where walking costs two row lookups and the rules per frame. */
#define AP_WALK_MEMO_SLOTS 256
#define AP_WALK_MEMO_READS 48
struct walk_memo {
	__u64 pc;
	__u64 sp;
	__u64 bp;
	__u64 index;     /* unwind_index of the walk */
	__u32 frame0;
	__s32 id;        /* the stack's id in unwound_stacks */
	__u32 reads;     /* words in addr/val */
	__u32 valid;     /* a complete record of a walk whose stack was kept */
	__u32 bp_used;   /* the walk used its starting rbp: part of the key */
	/* Words from sp up to the last one the walk read, when that is within
	 * AP_UNWIND_SPAN_WORDS: the one copy a check of this walk needs. */
	__u32 span_words;
	__u64 addr[AP_WALK_MEMO_READS];
	__u64 val[AP_WALK_MEMO_READS];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, AP_WALK_MEMO_SLOTS);
	__type(key, __u32);
	__type(value, struct walk_memo);
} walk_memos SEC(".maps");

/* Rows found, by the address looked up, per CPU: a hot path returns to
 * the same few addresses, and two binary searches per frame (some 20 cache
 * misses in a large table) become one lookup. Entries hold the generation
 * of the mapping table they came from, so a new table (dlopen) voids them. */
#define AP_ROW_CACHE_SIZE 1024
struct row_cache_entry {
	__u64 addr;
	__u64 bias;
	__u32 generation;
	__u32 found;
	struct ap_unwind_row row;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, AP_ROW_CACHE_SIZE);
	__type(key, __u32);
	__type(value, struct row_cache_entry);
} row_cache SEC(".maps");

/* Where the registers a walk starts from were taken. */
/* At a probe on a function's entry: pc is exact, and where no CFI covers
 * it the return address is at [sp]. */
#define AP_WALK_AT_ENTRY 0
/* After a syscall instruction: pc is the next instruction, looked up at
 * pc - 1 like a return address. */
#define AP_WALK_AFTER_SYSCALL 1
/* At an instruction that faulted: pc is exact; frame pointers where there
 * is no CFI. */
#define AP_WALK_AT_FAULT 2

/* Largest table searched: 2^25 rows, more than any object has. */
#define AP_ROW_SEARCH_STEPS 25
#define AP_MAPPING_SEARCH_STEPS 10 /* 2^10 > AP_UNWIND_MAX_MAPPINGS */

/* One binary search in progress: the first entry in [lo, hi) whose key is
 * above `key` is searched for; entries are base + [0, count). */
struct search {
	__u64 key;
	__u32 base;
	__u32 lo;
	__u32 hi;
	__u32 failed;
};

/* The searches are bpf_loop callbacks over this small state rather than
 * bounded loops: the verifier checks a callback's one step, where a bounded
 * loop of binary-search steps is explored iteration by iteration, and its
 * states multiply (kernel 6.18.44 gave up at 1M instructions with 106k
 * peak states on the bounded-loop form). */
static long mapping_search_step(__u32 index, void *ctx)
{
	struct search *s = ctx;

	if (s->lo >= s->hi)
		return 1;
	__u32 mid = s->lo + (s->hi - s->lo) / 2;
	__u32 i = s->base + mid;
	const struct ap_unwind_mapping *m = bpf_map_lookup_elem(&unwind_mappings, &i);

	if (!m) {
		s->failed = 1;
		return 1;
	}
	if (m->start <= s->key)
		s->lo = mid + 1;
	else
		s->hi = mid;
	return 0;
}

static long row_search_step(__u32 index, void *ctx)
{
	struct search *s = ctx;

	if (s->lo >= s->hi)
		return 1;
	__u32 mid = s->lo + (s->hi - s->lo) / 2;
	__u32 i = s->base + mid;
	const struct ap_unwind_row *r = bpf_map_lookup_elem(&unwind_rows, &i);

	if (!r) {
		s->failed = 1;
		return 1;
	}
	if (r->pc <= s->key)
		s->lo = mid + 1;
	else
		s->hi = mid;
	return 0;
}

/* Finds the row for `addr` in the mapping table of generation `index`
 * (see unwind_index) and leaves it in the per-CPU row cache. Returns the
 * cache slot + 1 when a row covers `addr`, 0 when none does.
 *
 * A global function: the verifier checks it once, on its own, whatever the
 * number of programs and call sites that use it, and its callers see only
 * its scalar result. */
__noinline __u32 ap_find_row(__u64 addr, __u64 index)
{
	__u32 slot = (__u32)((addr * 0x9e3779b97f4a7c15ull) >> 40) & (AP_ROW_CACHE_SIZE - 1);
	struct row_cache_entry *c = bpf_map_lookup_elem(&row_cache, &slot);
	__u32 generation = (__u32)(index >> 32);

	if (!c)
		return 0;
	if (c->addr == addr && c->generation == generation)
		return c->found ? slot + 1 : 0;

	__u32 mappings = (__u32)index;

	if (mappings > AP_UNWIND_MAX_MAPPINGS)
		mappings = AP_UNWIND_MAX_MAPPINGS;
	/* The last mapping that starts at or below addr. */
	struct search s = {
		.key = addr,
		.base = (generation & 1) ? AP_UNWIND_MAX_MAPPINGS : 0,
		.lo = 0,
		.hi = mappings,
	};
	const struct ap_unwind_mapping *m = NULL;
	const struct ap_unwind_row *row = NULL;

	bpf_loop(AP_MAPPING_SEARCH_STEPS + 1, mapping_search_step, &s, 0);
	if (!s.failed && s.lo > 0) {
		__u32 i = s.base + s.lo - 1;

		m = bpf_map_lookup_elem(&unwind_mappings, &i);
		if (m && addr >= m->end)
			m = NULL;
	}
	if (m && addr >= m->bias) {
		/* The last row at or below the address's ELF vaddr. */
		s.key = addr - m->bias;
		s.base = m->first_row;
		s.lo = 0;
		s.hi = m->row_count;
		s.failed = 0;
		bpf_loop(AP_ROW_SEARCH_STEPS + 1, row_search_step, &s, 0);
		if (!s.failed && s.lo > 0) {
			__u32 i = s.base + s.lo - 1;

			row = bpf_map_lookup_elem(&unwind_rows, &i);
		}
	}
	c->addr = addr;
	c->generation = generation;
	c->found = row != NULL;
	if (row)
		c->row = *row;
	return row ? slot + 1 : 0;
}

/* The row for `addr` through the per-CPU cache; NULL when no table covers
 * it. The pointer is to the cache entry's copy. */
static __always_inline const struct ap_unwind_row *cached_row(struct walk *w,
							       __u64 addr)
{
	__u32 found = ap_find_row(addr, w->index);

	if (!found)
		return NULL;
	__u32 slot = found - 1;
	struct row_cache_entry *c = bpf_map_lookup_elem(&row_cache, &slot);

	return c ? &c->row : NULL;
}

/* The word at user address `addr`: from the chunk read at the start when
 * it is there, else read on its own. 0 on success. */
static __always_inline long read_word_raw(struct walk *w, __u64 addr, __u64 *out)
{
	__u64 off = addr - w->chunk_base;

	if ((off & 7) == 0 && off < (__u64)w->chunk_words * 8) {
		__u64 i = off / 8;

		if (i < AP_UNWIND_SPAN_WORDS) {
			*out = w->chunk[i];
			return 0;
		}
	}
	return bpf_probe_read_user(out, sizeof(*out), (void *)addr);
}

#define AP_BP_START 0  /* the starting register, not used so far */
#define AP_BP_LOADED 1 /* restored from the stack at bp_addr, not used so far */
#define AP_BP_KNOWN 2  /* used (and recorded), or a constant */

/* Adds a word the walk read to its memo; a walk that reads more than the
 * memo holds is not remembered. */
static __always_inline void memo_record(struct walk *w, __u64 addr, __u64 val)
{
	__u32 slot = w->memo_slot;
	struct walk_memo *m = bpf_map_lookup_elem(&walk_memos, &slot);
	__u32 n;

	if (!m) {
		w->memo_on = 0;
		return;
	}
	n = m->reads;
	if (n >= AP_WALK_MEMO_READS) {
		w->memo_on = 0;
		return;
	}
	m->addr[n] = addr;
	m->val[n] = val;
	m->reads = n + 1;
	__u64 words = (addr - m->sp) / 8 + 1;

	if (addr >= m->sp && words <= AP_UNWIND_SPAN_WORDS && words > m->span_words)
		m->span_words = words;
}

/* The word at user address `addr`, as the walk reads it (and its memo
 * records it). 0 on success. */
static __always_inline long read_word(struct walk *w, __u64 addr, __u64 *out)
{
	long err = read_word_raw(w, addr, out);

	if (w->memo_on) {
		if (err)
			w->memo_on = 0; /* the fault is not recorded: not remembered */
		else
			memo_record(w, addr, *out);
	}
	return err;
}

/* The walk is about to use w->bp: from here on the memo depends on it. */
static __always_inline void memo_use_bp(struct walk *w)
{
	if (w->memo_on && w->bp_state == AP_BP_START)
		w->memo_bp = 1;
	else if (w->memo_on && w->bp_state == AP_BP_LOADED)
		memo_record(w, w->bp_addr, w->bp);
	w->bp_state = AP_BP_KNOWN;
}

/* Whether every word the walk remembered in `slot` read still holds what
 * it held then (this CPU's walk has read the chunk at its sp). A global
 * function, verified once on its own. */
__noinline int ap_walk_memo_holds(__u32 slot)
{
	__u32 zero = 0;
	struct walk *w = bpf_map_lookup_elem(&walks, &zero);
	struct walk_memo *m = bpf_map_lookup_elem(&walk_memos, &slot);

	if (!w || !m)
		return 0;
	__u32 n = m->reads;

	for (__u32 i = 0; i < AP_WALK_MEMO_READS; i++) {
		__u64 v = 0;

		if (i >= n)
			return 1;
		if (read_word_raw(w, m->addr[i], &v) || v != m->val[i])
			return 0;
	}
	return n <= AP_WALK_MEMO_READS;
}

/* Frame pointers are only believed when they point up the stack, aligned,
 * and not absurdly far (a program's stack is megabytes, not gigabytes). */
static __always_inline bool plausible_fp(__u64 bp, __u64 sp)
{
	return bp >= sp && (bp & 7) == 0 && bp - sp < (1ull << 30);
}

/* Appends `frame` at depth n (< AP_MAX_STACK_DEPTH) to the walk's stack
 * and its hashes. */
static __always_inline void record_frame(struct walk *w, __u32 n, __u64 frame)
{
	if (n >= AP_MAX_STACK_DEPTH)
		return;
	w->out.ips[n] = frame;
	w->out.len = n + 1;
	w->h1 = (w->h1 ^ frame) * 0x100000001b3ull;
	w->h2 = (w->h2 + frame) * 0x9e3779b97f4a7c15ull;
	w->h2 ^= w->h2 >> 29;
}

/* One frame of this CPU's walk: records w->pc, then moves w to the caller.
 * Returns 1 to stop (the stack is complete, or cannot be followed: not
 * complete).
 *
 * A global function, verified once on its own: as a bpf_loop callback
 * inlined into every program that walks (the heap, syscall and page-fault
 * programs), the step was verified once per program and per call site, and
 * kernels that verify callbacks until their states converge (6.8+) came
 * within a hair of the 1M-instruction limit. */
__noinline int ap_unwind_step(void)
{
	__u32 zero = 0;
	struct walk *w = bpf_map_lookup_elem(&walks, &zero);

	if (!w)
		return 1;
	__u32 n = w->out.len;

	if (n >= AP_MAX_STACK_DEPTH)
		return 1;
	__u64 pc = w->pc;

	/* A return address points past its call, which may be a function's
	 * last instruction (a call to a noreturn function): look up the call.
	 * So is the instruction after a syscall. Only a probe at a function's
	 * entry has the exact pc. */
	__u64 lookup = (n == 0 && w->frame0 != AP_WALK_AFTER_SYSCALL) ? pc : pc - 1;
	const struct ap_unwind_row *row = cached_row(w, lookup);
	__u8 type = row ? row->cfa_type : AP_CFA_NONE;
	__u64 cfa, bp = w->bp, ret = 0;
	__s8 rbp_rule = row ? row->rbp_rule : AP_RBP_SAME;
	__u16 cfa_offset = row ? row->cfa_offset : 0;
	__u64 frame = pc;

	/* JIT code no row describes yet, or not as well as its code cache. */
	if ((type == AP_CFA_STOP || type == AP_CFA_NONE) && jvm_code_cache.heap_count) {
		__u32 found = jvm_blob_frame(lookup);

		if (found > AP_JVM_RBP_FRAME) {
			type = AP_CFA_RSP;
			cfa_offset = (__u16)found;
			rbp_rule = AP_JVM_SAVED_RBP_RULE;
		} else if (found == AP_JVM_RBP_FRAME) {
			type = AP_CFA_NONE;
			rbp_rule = AP_RBP_SAME;
		} else if (found == AP_JVM_NO_BLOB) {
			type = AP_CFA_STOP;
		}
	}

	/* Every interpreted frame has the interpreter's pc: the method it runs
	 * is what tells them apart. */
	if (row && type == AP_CFA_JAVA_INTERP) {
		__u64 method = 0, bcp = 0;

		memo_use_bp(w);
		if (plausible_fp(w->bp, w->sp) &&
		    read_word(w, w->bp + 8 * (__s64)rbp_rule, &method) == 0 && method &&
		    (method & AP_FRAME_JAVA_METHOD_MASK) == method) {
			frame = AP_FRAME_JAVA_METHOD | method;
			if (cfa_offset &&
			    read_word(w, w->bp - 8 * (__u64)cfa_offset, &bcp) == 0 && bcp)
				frame |= AP_FRAME_JAVA_HAS_BCP |
					 ((bcp & 0xffff) << AP_FRAME_JAVA_BCP_SHIFT);
		}
	}
	/* An interpreter activation of CPython's eval loop is the Python
	 * functions it runs: one a step, the native registers kept until its
	 * entry frame is recorded in the activation's place. */
	if (n > 0 && python_eval_pc(lookup)) {
		int py = python_step();

		if (py != AP_PY_NONE) {
			frame = python_emitted();
			if (py == AP_PY_MORE) {
				record_frame(w, n, frame);
				return 0;
			}
		}
	}
	record_frame(w, n, frame);

	if (type == AP_CFA_END) {
		w->complete = 1;
		return 1;
	}
	if (type == AP_CFA_STOP)
		return 1;
	if (type == AP_CFA_RSP) {
		cfa = w->sp + cfa_offset;
	} else if (type == AP_CFA_RBP) {
		memo_use_bp(w);
		cfa = w->bp + cfa_offset;
	} else if (type == AP_CFA_PLT) {
		cfa = w->sp + 8 + ((pc & 15) >= cfa_offset ? 8 : 0);
	} else if (unwind_mode == AP_UNWIND_DWARF && type != AP_CFA_JAVA_INTERP) {
		return 1;
	} else if (n == 0 && w->frame0 == AP_WALK_AT_ENTRY && type != AP_CFA_JAVA_INTERP) {
		/* No CFI at a probed entry: the return address is at [sp]. */
		cfa = w->sp + 8;
	} else {
		/* Frame pointers: [rbp] is the caller's rbp, above it the
		 * return address. */
		__u64 pair[2];

		memo_use_bp(w);
		if (!plausible_fp(w->bp, w->sp) || read_word(w, w->bp, &pair[0]) ||
		    read_word(w, w->bp + 8, &pair[1]))
			return 1;
		cfa = w->bp + 16;
		bp = pair[0];
		w->bp_state = AP_BP_KNOWN;
		ret = pair[1];
		rbp_rule = AP_RBP_SAME; /* bp already read (and recorded) */
		/* An interpreted frame called from compiled code sits below the
		 * arguments the c2i adapter pushed: the caller's own sp is the
		 * "sender sp" the interpreter keeps at rbp - 8
		 * (interpreter_frame_sender_sp_offset). */
		__u64 sender_sp = 0;

		if (type == AP_CFA_JAVA_INTERP && read_word(w, w->bp - 8, &sender_sp) == 0 &&
		    sender_sp >= cfa && sender_sp - cfa < (1ull << 20))
			cfa = sender_sp;
		goto have_return;
	}
	if (cfa <= w->sp || read_word(w, cfa - 8, &ret))
		return 1;
	if (rbp_rule == AP_RBP_UNKNOWN) {
		bp = 0;
		w->bp_state = AP_BP_KNOWN;
	} else if (rbp_rule != AP_RBP_SAME) {
		/* Recorded only if a later frame uses it (memo_use_bp). */
		__u64 at = cfa + 8 * (__s64)rbp_rule;

		if (read_word_raw(w, at, &bp)) {
			w->memo_on = 0;
			return 1;
		}
		w->bp_state = AP_BP_LOADED;
		w->bp_addr = at;
	}
have_return:
	if (cfa <= w->sp)
		return 1;
	if (cfa - 8 == w->slots.slot[0])
		ret = w->slots.ret[0];
	else if (cfa - 8 == w->slots.slot[1])
		ret = w->slots.ret[1];
	if (ret == 0) {
		w->complete = 1;
		return 1;
	}
	w->pc = ret;
	w->sp = cfa;
	w->bp = bp;
	return 0;
}

static long unwind_step(__u32 index, void *ctx)
{
	/* A global function's result is any scalar to the verifier; a
	 * callback's must be 0 or 1. */
	return ap_unwind_step() ? 1 : 0;
}

/* Keeps the walked stack in unwound_stacks; its id, or -errno (counted). */
static __always_inline __s32 store_stack(struct walk *w)
{
	/* Non-negative as a record's __s32 stack_id. */
	__u32 id = (__u32)(w->h1 >> 33);

	w->out.check = w->h2 ^ w->out.len;
	for (int attempt = 0; attempt < 2; attempt++) {
		struct ap_unwound_stack *known = bpf_map_lookup_elem(&unwound_stacks, &id);

		if (known) {
			if (known->check == w->out.check)
				return (__s32)id;
			count(AP_CNT_STACK_COLLISION);
			return -EEXIST;
		}
		long err = bpf_map_update_elem(&unwound_stacks, &id, &w->out, BPF_NOEXIST);

		if (err == 0) {
			/* Counted once per distinct stack, not per record. */
			if (w->out.flags & AP_STACK_TRUNCATED)
				count(AP_CNT_STACK_TRUNCATED);
			return (__s32)id;
		}
		if (err != -EEXIST) {
			count(AP_CNT_STACK_FAILED);
			return (__s32)err;
		}
		/* Another CPU stored this id just now: compare with it. */
	}
	count(AP_CNT_STACK_FAILED);
	return -EEXIST;
}

/* Walks the user stack from (ip, sp, bp) into unwound_stacks and returns its
 * id, or -errno (counted) when it cannot be kept. `frame0` (AP_WALK_*) says
 * where the registers were taken. `slots` (may be NULL): see struct
 * walk. */
static __always_inline __s32 unwind_user_stack(__u64 ip, __u64 sp, __u64 bp,
					       __u32 frame0,
					       const struct ap_call_slots *slots)
{
	__u32 zero = 0;
	struct walk *w = bpf_map_lookup_elem(&walks, &zero);

	if (!w || w->busy) {
		count(AP_CNT_STACK_FAILED);
		return w ? -EBUSY : -ENOMEM;
	}
	w->busy = 1;
	__u64 index = unwind_index;

	w->index = index;
	w->pc = ip;
	w->sp = sp;
	w->bp = bp;
	if (slots)
		w->slots = *slots;
	else
		__builtin_memset(&w->slots, 0, sizeof(w->slots));
	w->h1 = 0xcbf29ce484222325ull;
	w->h2 = 0;
	w->frame0 = frame0;
	w->complete = 0;
	w->out.len = 0;
	w->out.flags = 0;
	/* A walk met before (see walk_memos). Not with return-address slots
	 * (a syscall inside a probed call) nor JVM or CPython frames: those
	 * walks read more than the stack words they record. It is checked
	 * against one copy of the span of stack it read. */
	struct walk_memo *m = NULL;
	__u32 slot = 0;

	w->chunk_base = sp;
	w->chunk_words = 0;
	w->memo_on = 0;
	w->memo_bp = 0;
	w->bp_state = AP_BP_START;
	if (!slots && !jvm_code_cache.heap_count && !python_runtime.ready) {
		__u64 h = (ip ^ (sp * 0x9e3779b97f4a7c15ull) ^ frame0) *
			  0x100000001b3ull;

		slot = (__u32)(h >> 40) & (AP_WALK_MEMO_SLOTS - 1);
		m = bpf_map_lookup_elem(&walk_memos, &slot);
	}
	if (m && m->valid && m->pc == ip && m->sp == sp &&
	    (!m->bp_used || m->bp == bp) && m->index == index && m->frame0 == frame0) {
		/* The mask is for the verifier, which must see the copy's
		 * size bounded; barrier_var keeps the compiler from dropping
		 * it as redundant. */
		__u32 last = m->span_words - 1;

		barrier_var(last);
		last &= AP_UNWIND_SPAN_WORDS - 1;
		if (m->span_words > 0 &&
		    bpf_probe_read_user(w->chunk, (last + 1) * 8, (void *)sp) == 0) {
			w->chunk_words = last + 1;
			if (ap_walk_memo_holds(slot)) {
				__s32 known = m->id;

				count_activity(AP_ACT_WALKS);
				count_activity(AP_ACT_WALKS_REMEMBERED);
				w->busy = 0;
				return known;
			}
		}
	}

	python_walk_begin();
	/* The top of the stack in one read; near the stack's end (the main
	 * thread's first frames) a shorter one, up to the end of sp's page. */
	w->chunk_words = AP_UNWIND_CHUNK_WORDS;
	if (bpf_probe_read_user(w->chunk, AP_UNWIND_CHUNK_WORDS * 8, (void *)sp)) {
		__u32 words = (4096 - (sp & 4095)) / 8;

		w->chunk_words = 0;
		if (words > 0 && words <= AP_UNWIND_CHUNK_WORDS &&
		    bpf_probe_read_user(w->chunk, words * 8, (void *)sp) == 0)
			w->chunk_words = words;
	}
	if (m) {
		m->valid = 0;
		m->reads = 0;
		m->span_words = 0;
		m->pc = ip;
		m->sp = sp;
		m->bp = bp;
		m->index = index;
		m->frame0 = frame0;
		m->bp_used = 0;
		w->memo_slot = slot;
		w->memo_on = 1;
	}

	bpf_loop(AP_MAX_STACK_DEPTH, unwind_step, NULL, 0);
	if (!w->complete) {
		w->out.flags |= AP_STACK_TRUNCATED;
		w->h1 ^= 0x5bd1e995;
	}
	__s32 id = store_stack(w);

	count_activity(AP_ACT_WALKS);
	if (m && w->memo_on && id >= 0) {
		m->bp_used = w->memo_bp;
		m->id = id;
		m->valid = 1;
	}
	w->busy = 0;
	return id;
}

/* The word at `sp` when this CPU's last walk started there and read it (the
 * chunk). Only a walk that just succeeded on this thread's stack may be
 * asked: another thread's walk starts at another sp. */
static __always_inline bool walk_top_word(__u64 sp, __u64 *out)
{
	__u32 zero = 0;
	struct walk *w = bpf_map_lookup_elem(&walks, &zero);

	if (!w || w->chunk_base != sp || w->chunk_words == 0)
		return false;
	*out = w->chunk[0];
	return true;
}

/* The stack at a uprobe on a function's entry. */
static __always_inline __s32 entry_stack(struct pt_regs *ctx)
{
	return unwind_user_stack(PT_REGS_IP(ctx), PT_REGS_SP(ctx), ctx->bp,
				 AP_WALK_AT_ENTRY, NULL);
}

/* AP_F_UNWOUND when records' stack ids name unwound_stacks. */
static __always_inline __u32 unwound_flag(void)
{
	return unwind_mode != AP_UNWIND_FP ? AP_F_UNWOUND : 0;
}

#endif /* ALLOCPROF_BPF_UNWIND_BPF_H */
