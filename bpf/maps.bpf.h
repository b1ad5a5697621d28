/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Maps, tunables and the event hand-off shared by every allocprof program. */
#ifndef ALLOCPROF_BPF_MAPS_BPF_H
#define ALLOCPROF_BPF_MAPS_BPF_H

#include "events.h"

/* Tunables, set by userspace between open and load. */
const volatile __u32 target_tgid = 0;
/* Benchmark aid: the same probes, programs that return at once. The verifier
 * prunes everything behind it, so this measures the bare probe cost. */
const volatile bool floor_mode = false;
/* With floor_mode: allocating entries also take the user stack, the one
 * piece of work full tracing cannot do without. */
const volatile bool floor_stacks = false;
/* The sampling code is in the programs (--sample-bytes, or the overhead
 * guard, which may start sampling mid-session). Without it the verifier
 * prunes it all: full tracing pays nothing for it. */
const volatile bool sampling = false;
/* Wake the reader once this much data is pending (see submit_record()). */
const volatile __u64 wakeup_bytes = 256 * 1024;

/* Sizes are set from userspace (bpf_map__set_max_entries) before load. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 * 1024 * 1024);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, AP_MAX_STACK_DEPTH * sizeof(__u64));
	__uint(max_entries, 16384);
} stacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, AP_CNT_COUNT);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

/* AP_ACT_*: what the probes did, for the overhead guard. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, AP_ACT_COUNT);
	__type(key, __u32);
	__type(value, __u64);
} activity SEC(".maps");

static __always_inline void count(__u32 which)
{
	__u64 *c = bpf_map_lookup_elem(&counters, &which);

	if (c)
		*c += 1;
}

static __always_inline void count_activity(__u32 which)
{
	__u64 *c = bpf_map_lookup_elem(&activity, &which);

	if (c)
		*c += 1;
}

static __always_inline bool is_target(void)
{
	return (bpf_get_current_pid_tgid() >> 32) == target_tgid;
}

/* The calling thread's id when it is one of the target's, else 0 (no
 * thread has id 0): one helper call where a program also records it. */
static __always_inline __u32 target_thread(void)
{
	__u64 id = bpf_get_current_pid_tgid();

	return (id >> 32) == target_tgid ? (__u32)id : 0;
}

/* Reserve a record of `size` bytes, its struct's (a constant once inlined:
 * the verifier wants one), zeroed, with its header filled for `type`,
 * thread `tid` and time `ts_ns`; or count the drop. */
static __always_inline void *reserve_record_at(__u32 size, __u16 type, __u32 tid, __u64 ts_ns)
{
	struct ap_record_header *h = bpf_ringbuf_reserve(&events, size, 0);

	if (!h) {
		count(AP_CNT_RINGBUF_FULL);
		return NULL;
	}
	__builtin_memset(h, 0, size);
	h->type = type;
	h->tid = tid;
	h->ts_ns = ts_ns;
	return h;
}

/* The kernel's tick (jiffies) of this CPU's last timed record. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} timed_tick SEC(".maps");

/* A record's time: read from the clock for the first record a CPU makes in
 * a tick of the kernel's timer (1-4 ms), 0 for the rest, which userspace
 * reads as the time of the record before it. Records are in the order they
 * were reserved, so that record is this CPU's timed one or a later one: the
 * time is right within a tick (unless the timed one was lost to a full ring
 * buffer, which the report counts). Reading the clock is about 50 ns in a
 * guest, a sixth of an allocation's programs; ages and growth need
 * milliseconds. A release needs no time at all (0): nothing in a profile
 * depends on when a block went. */
static __always_inline __u64 record_time(void)
{
	__u32 zero = 0;
	__u64 tick = bpf_jiffies64();
	__u64 *last = bpf_map_lookup_elem(&timed_tick, &zero);

	if (last && *last == tick)
		return 0;
	if (last)
		*last = tick;
	return bpf_ktime_get_ns();
}

/* A record of the calling thread, with its time (record_time()). */
static __always_inline void *reserve_record(__u32 size, __u16 type)
{
	__u64 ts_ns = record_time();

	return reserve_record_at(size, type, (__u32)bpf_get_current_pid_tgid(), ts_ns);
}

/* Waking the reader costs more than the record itself at malloc rates (in
 * a guest each wakeup is an interrupt the hypervisor takes, microseconds),
 * so the reader is woken once a batch is pending: by the record whose
 * reservation takes the pending data across wakeup_bytes, found within
 * AP_WAKEUP_BAND of the mark (more than all CPUs reserve at once). The
 * records past it do not wake it again: it has been woken, or is reading and
 * finds them without a wakeup; it also polls every 50 ms, so a quiet
 * target's last records are not stuck. (When every record past the mark
 * woke it, a reader that fell behind got an interrupt per record, just when
 * the host was busiest.) */
#define AP_WAKEUP_BAND 4096
static __always_inline void submit_record(void *r)
{
	__u64 pending = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
	bool crossing = pending >= wakeup_bytes && pending < wakeup_bytes + AP_WAKEUP_BAND;

	bpf_ringbuf_submit(r, crossing ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP);
}

#endif /* ALLOCPROF_BPF_MAPS_BPF_H */
