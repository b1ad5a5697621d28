/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * CPython's frames, read during a walk (events.h, struct
 * ap_python_runtime). The native stack shows an activation of
 * _PyEval_EvalFrameDefault wherever the interpreter runs Python code;
 * at each, innermost first, the walk records the Python frames that
 * activation runs, in its place: the Python frames interleave with the
 * native ones in the order they called each other. How an activation's
 * frames are found depends on the version (ap_python_runtime.shape):
 *
 * - Before 3.11 each activation runs one frame object; the thread's
 *   innermost is tstate->frame, each linked to its caller by f_back.
 * - From 3.11 a Python function called from Python runs in its caller's
 *   activation: the interpreter keeps a chain of _PyInterpreterFrame
 *   (innermost at tstate->cframe->current_frame, in 3.13
 *   tstate->current_frame), linked by `previous`. 3.11 marks the first
 *   frame each activation ran with `is_entry`; from 3.12 each activation
 *   links a shim frame of its own (owner FRAME_OWNED_BY_CSTACK) below its
 *   first, which is a boundary and no function.
 *
 * Every pointer read here is the target's: a bad one ends the Python
 * frames (the walk records the interpreter's native frames from there),
 * never the walk.
 */
#ifndef ALLOCPROF_BPF_PYTHON_FRAMES_BPF_H
#define ALLOCPROF_BPF_PYTHON_FRAMES_BPF_H

#include "maps.bpf.h"

/* Set by userspace once it has checked the interpreter's layout; ready
 * last. */
struct ap_python_runtime python_runtime = {};

/* Python frames recorded per stack, at most. */
#define AP_PY_MAX_FRAMES 32
/* Thread states looked at to find the current thread's, at most. */
#define AP_PY_MAX_THREADS 1024

/* A frame's first bytes, read at once: the fields the walk reads of a
 * frame lie there in every version known (3.10's f_lasti, the deepest, at
 * byte 104), and one read of 128 bytes costs about what one of 8 does. */
#define AP_PY_FRAME_WORDS 16

/* The Python side of the walk in progress on this CPU (the walk's `busy`
 * keeps other programs out of it too). */
struct python_walk {
	__u64 frame;   /* the next _PyInterpreterFrame to record; 0: none */
	__u64 emit;    /* the frame python_step() recorded (AP_FRAME_PYTHON) */
	__u32 started; /* `frame` was looked up */
	__u32 count;   /* frames recorded */
	/* The first bytes of the frame being recorded; window_ok 0 when they
	 * could not be read at once (a frame near the end of a mapping):
	 * then each field is read on its own. */
	__u32 window_ok;
	__u32 pad;
	__u64 window[AP_PY_FRAME_WORDS];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct python_walk);
} python_walks SEC(".maps");

/* What python_step() did. */
#define AP_PY_NONE 0 /* no Python frame: record the interpreter's own    */
#define AP_PY_LAST 1 /* recorded its activation's last (entry) frame     */
#define AP_PY_MORE 2 /* recorded a frame; more of its activation follow */

static __always_inline __u64 py_read(__u64 addr, int *err)
{
	__u64 v = 0;

	*err |= (int)bpf_probe_read_user(&v, sizeof(v), (void *)addr);
	return v;
}

static __always_inline __u8 py_read_byte(__u64 addr, int *err)
{
	__u8 v = 0;

	*err |= (int)bpf_probe_read_user(&v, sizeof(v), (void *)addr);
	return v;
}

static __always_inline bool py_thread_is(__u64 tstate, __u64 id)
{
	int err = 0;
	__u64 have = py_read(tstate + python_runtime.tstate_thread_id, &err);

	return !err && have == id;
}

/* The current thread's id as its thread state has it: pthread_self()
 * before 3.11, which glibc and musl make the thread's FS base on x86-64;
 * else native_thread_id, as the target's PID namespace numbers it (a
 * container's), not as the initial one does. */
static __always_inline __u64 python_thread_id(void)
{
	struct bpf_pidns_info ns = {};

	if (python_runtime.shape & AP_PY_PTHREAD_IDS)
		return bpf_get_current_task_btf()->thread.fsbase;
	if (python_runtime.pidns_ino &&
	    bpf_get_ns_current_pid_tgid(python_runtime.pidns_dev, python_runtime.pidns_ino, &ns,
					sizeof(ns)) == 0)
		return ns.pid;
	return (__u32)bpf_get_current_pid_tgid();
}

/* A search of the interpreter's list of thread states for `id`. */
struct py_thread_search {
	__u64 tstate; /* the one looked at; 0: the list ended, unread */
	__u64 id;
	__u32 found;
	__u32 pad;
};

/* One thread state of the list a step: a bpf_loop callback, which the
 * verifier checks once, where a bounded loop is explored iteration by
 * iteration (64 of them added some 9,000 instructions to each program
 * that walks). */
static long py_thread_step(__u32 index, void *ctx)
{
	struct py_thread_search *s = ctx;
	int err = 0;

	if (!s->tstate)
		return 1;
	if (py_thread_is(s->tstate, s->id)) {
		s->found = 1;
		return 1;
	}
	s->tstate = py_read(s->tstate + python_runtime.tstate_next, &err);
	if (err)
		s->tstate = 0;
	return 0;
}

/* The innermost Python frame of the current thread, or 0. The thread that
 * holds the GIL is the runtime's tstate_current (before 3.12), the one to
 * allocate under the interpreter; a thread that released it (a C
 * extension's blocking call), or any thread from 3.12, which keeps it in
 * a thread-local variable, is found in the main interpreter's list of
 * thread states. Verified on its own (a global function). */
__noinline __u64 python_current_frame(__u64 id)
{
	__u64 runtime = python_runtime.runtime;
	__u32 current = python_runtime.runtime_tstate_current;
	int err = 0;
	__u64 tstate = current ? py_read(runtime + current, &err) : 0;

	if (err || !tstate || !py_thread_is(tstate, id)) {
		struct py_thread_search s = { .id = id };
		__u64 interp;

		err = 0;
		interp = py_read(runtime + python_runtime.runtime_interp_head, &err);
		s.tstate = err ? 0 : py_read(interp + python_runtime.interp_threads_head, &err);
		if (err)
			return 0;
		bpf_loop(AP_PY_MAX_THREADS, py_thread_step, &s, 0);
		if (!s.found)
			return 0;
		tstate = s.tstate;
	}
	__u64 frame = py_read(tstate + python_runtime.tstate_frame, &err);

	if (!err && frame && (python_runtime.shape & AP_PY_VIA_CFRAME))
		frame = py_read(frame + python_runtime.cframe_current_frame, &err);
	return err ? 0 : frame;
}

/* Makes `frame` the one py_field() reads. */
static __always_inline void py_load(struct python_walk *p, __u64 frame)
{
	p->window_ok = frame && bpf_probe_read_user(p->window, sizeof(p->window),
						    (void *)frame) == 0;
}

/* The `size`-byte field (1, 4 or 8) at `off` of the frame py_load() read,
 * zero-extended; read from the target when the field is not in the words
 * read (or straddles two), 8 bytes from the field's start. */
static __always_inline __u64 py_field(struct python_walk *p, __u64 frame, __u32 off,
				      __u32 size, int *err)
{
	__u64 word;

	if (p->window_ok && off / 8 < AP_PY_FRAME_WORDS && off % 8 + size <= 8) {
		/* Masked where the verifier sees it: the compiler would drop
		 * the mask the comparison above makes redundant. */
		__u32 i = off / 8;

		barrier_var(i);
		i &= AP_PY_FRAME_WORDS - 1;
		word = p->window[i] >> ((off % 8) * 8);
	} else
		word = py_read(frame + off, err); /* the field, and what follows */
	return size == 8 ? word : word & ((1ull << (size * 8)) - 1);
}

/* Is `frame` a shim frame that bounds an activation (3.12 on)? */
static __always_inline bool py_shim(__u64 frame, int *err)
{
	return (python_runtime.shape & AP_PY_CSTACK_SHIMS) &&
	       py_read_byte(frame + python_runtime.frame_entry, err) == AP_PY_OWNED_BY_CSTACK;
}

/* The index of the instruction `frame` is at plus 1, 0 before its first
 * (bpf/events.h, AP_FRAME_PYTHON). */
static __always_inline __u64 py_instr(struct python_walk *p, __u64 frame, __u64 code,
				      int *err)
{
	__u64 instr = 0;

	if (python_runtime.shape & AP_PY_FRAME_OBJECTS) {
		/* f_lasti: -1 until the frame starts. */
		__s32 lasti = (__s32)py_field(p, frame, python_runtime.frame_instr, 4, err);

		if (lasti >= 0)
			instr = (python_runtime.shape & AP_PY_LASTI_BYTES ? (__u64)lasti / 2
									  : (__u64)lasti) + 1;
	} else {
		/* A pointer into the code object's instructions (prev_instr is
		 * one before them until the frame starts). */
		__u64 at = py_field(p, frame, python_runtime.frame_instr, 8, err);
		__u64 first = code + python_runtime.code_adaptive;

		if (at >= first)
			instr = (at - first) / 2 + 1;
	}
	return instr > AP_FRAME_PYTHON_NO_INSTR ? AP_FRAME_PYTHON_NO_INSTR : instr;
}

/* Called at each interpreter frame of the native stack (the caller checks
 * the pc): records the next Python frame in python_walk.emit. AP_PY_*.
 * Verified on its own (a global function). */
__noinline int python_step(void)
{
	__u32 zero = 0;
	struct python_walk *p = bpf_map_lookup_elem(&python_walks, &zero);

	if (!p)
		return AP_PY_NONE;
	if (!p->started) {
		p->started = 1;
		p->frame = python_current_frame(python_thread_id());
		if (!p->frame)
			count(AP_CNT_PYTHON_UNREAD);
	}
	__u64 frame = p->frame;

	if (!frame || p->count >= AP_PY_MAX_FRAMES)
		return AP_PY_NONE;
	int err = 0;

	py_load(p, frame);
	/* An activation that has not switched to its first frame yet (or
	 * has just left its last) is at its shim. */
	if ((python_runtime.shape & AP_PY_CSTACK_SHIMS) &&
	    py_field(p, frame, python_runtime.frame_entry, 1, &err) == AP_PY_OWNED_BY_CSTACK) {
		frame = py_field(p, frame, python_runtime.frame_previous, 8, &err);
		py_load(p, frame);
	}
	__u64 code = err || !frame ? 0 : py_field(p, frame, python_runtime.frame_code, 8, &err);
	__u64 previous = py_field(p, frame, python_runtime.frame_previous, 8, &err);
	__u64 instr = py_instr(p, frame, code, &err);
	bool last = !previous || (python_runtime.shape & AP_PY_FRAME_OBJECTS);

	if (python_runtime.shape & AP_PY_ENTRY_FLAG)
		last |= py_field(p, frame, python_runtime.frame_entry, 1, &err) != 0;
	if (!last && py_shim(previous, &err)) {
		/* The activation's first frame: the next one is below its shim. */
		last = true;
		previous = py_read(previous + python_runtime.frame_previous, &err);
	}
	if (err || !code || (code & AP_FRAME_PYTHON_CODE_MASK) != code) {
		p->frame = 0;
		count(AP_CNT_PYTHON_UNREAD);
		return AP_PY_NONE;
	}
	p->emit = AP_FRAME_PYTHON | code | (instr << AP_FRAME_PYTHON_INSTR_SHIFT);
	p->frame = previous;
	p->count++;
	return last ? AP_PY_LAST : AP_PY_MORE;
}

/* At the start of a walk. */
static __always_inline void python_walk_begin(void)
{
	__u32 zero = 0;
	struct python_walk *p = bpf_map_lookup_elem(&python_walks, &zero);

	if (p) {
		p->started = 0;
		p->count = 0;
		p->frame = 0;
	}
}

/* Is `pc` the interpreter's eval loop? */
static __always_inline bool python_eval_pc(__u64 pc)
{
	return python_runtime.ready && pc >= python_runtime.eval_start &&
	       pc < python_runtime.eval_end;
}

/* The frame python_step() recorded. */
static __always_inline __u64 python_emitted(void)
{
	__u32 zero = 0;
	struct python_walk *p = bpf_map_lookup_elem(&python_walks, &zero);

	return p ? p->emit : 0;
}

#endif /* ALLOCPROF_BPF_PYTHON_FRAMES_BPF_H */
