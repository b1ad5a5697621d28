// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * allocprof's BPF object: uprobes on the allocator and tracepoints on the
 * address-space syscalls of one target process (or, in pages mode, on its
 * page faults), and a JVM's compiled-method USDT probe, streaming records
 * tagged by their type (events.h) to userspace through one ring buffer.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#define EEXIST 17

#include "heap_probes.bpf.h"
#include "syscall_probes.bpf.h"
#include "page_probes.bpf.h"
#include "java_probes.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";
