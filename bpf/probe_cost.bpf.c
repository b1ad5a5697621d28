// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Programs that do nothing, put on functions of allocprof itself: timing
 * calls to those functions prices a probe hit on this host, the trap alone
 * (userspace/attach/probe_costs.h). What allocprof's own programs add on
 * top, the kernel's run-time statistics say.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("uprobe")
int ap_cost_entry(void *ctx)
{
	return 0;
}

SEC("uretprobe")
int ap_cost_return(void *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
