/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * HotSpot's USDT probe hotspot:compiled__method__load, which fires in a
 * JVM with default flags each time it installs a compiled method: its code
 * address and size go to userspace at once (AP_EV_JIT_CODE), which gives
 * the method an unwind row within milliseconds rather than at the next
 * perf map (userspace/java/java_target.h). The probe's other arguments,
 * the method's class, name and signature, are not needed: names come from
 * the code cache when allocprof first sees a stack through the method.
 *
 * No probe on compiled__method__unload: it carries no address, and the
 * code of a method the JVM frees runs again only as the code of another
 * method, whose load replaces the row.
 */
#ifndef ALLOCPROF_BPF_JAVA_PROBES_BPF_H
#define ALLOCPROF_BPF_JAVA_PROBES_BPF_H

#include <bpf/usdt.bpf.h>

#include "maps.bpf.h"

SEC("usdt")
int BPF_USDT(ap_java_method_load, void *klass, int klass_len, void *method, int method_len,
	     void *signature, int signature_len, void *code, int code_size)
{
	struct ap_jit_code_record *r;

	if (!is_target())
		return 0;
	r = reserve_record(sizeof(*r), AP_EV_JIT_CODE);
	if (!r)
		return 0;
	r->code = (__u64)code;
	r->code_size = (__u32)code_size;
	/* Rare and wanted soon: wake the reader. */
	bpf_ringbuf_submit(r, BPF_RB_FORCE_WAKEUP);
	return 0;
}

#endif /* ALLOCPROF_BPF_JAVA_PROBES_BPF_H */
