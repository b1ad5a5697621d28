/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * CPython's frames, read during a walk (events.h, struct
 * ap_python_runtime). CPython 3.11 runs a Python function called from
 * Python in the same C activation of _PyEval_EvalFrameDefault as its
 * caller: the native stack shows one interpreter frame for a whole run of
 * Python calls. The interpreter keeps them in a chain of
 * _PyInterpreterFrame, the innermost at tstate->cframe->current_frame,
 * each linked to its caller by `previous`; the first frame an activation
 * ran has `is_entry` set. So at each interpreter frame of the native
 * stack, innermost first, the walk records the chain's frames down to the
 * next entry frame, in its place: the Python frames interleave with the
 * native ones in the order they called each other.
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

/* The Python side of the walk in progress on this CPU (the walk's `busy`
 * keeps other programs out of it too). */
struct python_walk {
	__u64 frame;   /* the next _PyInterpreterFrame to record; 0: none */
	__u64 emit;    /* the frame python_step() recorded (AP_FRAME_PYTHON) */
	__u32 started; /* `frame` was looked up */
	__u32 count;   /* frames recorded */
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

static __always_inline bool py_thread_is(__u64 tstate, __u32 tid)
{
	int err = 0;
	__u64 id = py_read(tstate + python_runtime.tstate_native_thread_id, &err);

	return !err && id == tid;
}

/* The current thread's id as native_thread_id has it: as the target's PID
 * namespace numbers it (a container's), not as the initial one does. */
static __always_inline __u32 python_tid(void)
{
	struct bpf_pidns_info ns = {};

	if (python_runtime.pidns_ino &&
	    bpf_get_ns_current_pid_tgid(python_runtime.pidns_dev, python_runtime.pidns_ino, &ns,
					sizeof(ns)) == 0)
		return ns.pid;
	return (__u32)bpf_get_current_pid_tgid();
}

/* A search of the interpreter's list of thread states for `tid`. */
struct py_thread_search {
	__u64 tstate; /* the one looked at; 0: the list ended, unread */
	__u32 tid;
	__u32 found;
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
	if (py_thread_is(s->tstate, s->tid)) {
		s->found = 1;
		return 1;
	}
	s->tstate = py_read(s->tstate + python_runtime.tstate_next, &err);
	if (err)
		s->tstate = 0;
	return 0;
}

/* The innermost Python frame of the current thread, or 0. The thread that
 * holds the GIL is the runtime's tstate_current, the one to allocate under
 * the interpreter; a thread that released it (a C extension's blocking
 * call) is found in the main interpreter's list of thread states.
 * Verified on its own (a global function). */
__noinline __u64 python_current_frame(__u32 tid)
{
	__u64 runtime = python_runtime.runtime;
	int err = 0;
	__u64 tstate = py_read(runtime + python_runtime.runtime_tstate_current, &err);

	if (err || !tstate || !py_thread_is(tstate, tid)) {
		struct py_thread_search s = { .tid = tid };
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
	__u64 cframe = py_read(tstate + python_runtime.tstate_cframe, &err);

	if (err || !cframe)
		return 0;
	__u64 frame = py_read(cframe + python_runtime.cframe_current_frame, &err);

	return err ? 0 : frame;
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
		p->frame = python_current_frame(python_tid());
		if (!p->frame)
			count(AP_CNT_PYTHON_UNREAD);
	}
	__u64 frame = p->frame;

	if (!frame || p->count >= AP_PY_MAX_FRAMES)
		return AP_PY_NONE;
	int err = 0;
	__u64 code = py_read(frame + python_runtime.frame_code, &err);
	__u64 previous = py_read(frame + python_runtime.frame_previous, &err);
	__u64 prev_instr = py_read(frame + python_runtime.frame_prev_instr, &err);
	__u8 is_entry = 0;

	err |= (int)bpf_probe_read_user(&is_entry, 1,
					(void *)(frame + python_runtime.frame_is_entry));
	if (err || !code || (code & AP_FRAME_PYTHON_CODE_MASK) != code) {
		p->frame = 0;
		count(AP_CNT_PYTHON_UNREAD);
		return AP_PY_NONE;
	}
	/* The instruction it is at, from its first one (prev_instr is one
	 * before it until the frame starts). */
	__u64 first = code + python_runtime.code_adaptive;
	__u64 instr = 0;

	if (prev_instr >= first) {
		instr = (prev_instr - first) / 2 + 1;
		if (instr > AP_FRAME_PYTHON_NO_INSTR)
			instr = AP_FRAME_PYTHON_NO_INSTR;
	}
	p->emit = AP_FRAME_PYTHON | code | (instr << AP_FRAME_PYTHON_INSTR_SHIFT);
	p->frame = previous;
	p->count++;
	return is_entry || !previous ? AP_PY_LAST : AP_PY_MORE;
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
