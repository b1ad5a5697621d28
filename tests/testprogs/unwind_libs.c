/*
 * Leaks in a linked shared library and in a plugin dlopen'd after the go
 * signal, all built without frame pointers (unwind_libs_truth.h).
 *
 *   unwind_libs [--now] [--stay]      (handshake: see testprog.h)
 *
 * Without --now it waits for a second go signal after dlopen and before it
 * calls into the plugin: allocprof builds the plugin's unwind table once it
 * sees it mapped, which takes it a moment; the test sends the signal when
 * allocprof says it has. NOFP_PLUGIN_PATH comes from the build system.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

#include "testprog.h"
#include "unwind_libs_truth.h"

int linked_leak(void);

#define NOINLINE __attribute__((noinline))

void *mixed_blocks[MIXED_COUNT];

/* Returns 0, or -1 with a message. */
NOINLINE int mixed_inner(void)
{
	for (int i = 0; i < MIXED_COUNT; i++) {
		if (!(mixed_blocks[i] = malloc(MIXED_SIZE))) {
			perror("malloc");
			return -1;
		}
	}
	return 0;
}

/* int fp_trampoline(void): calls mixed_inner with a frame pointer and no
 * call-frame information (no .cfi_* directives: the assembler writes no
 * FDE), as hand-written assembly and JIT code often are. */
int fp_trampoline(void);
__asm__(".text\n"
	".globl fp_trampoline\n"
	".type fp_trampoline, @function\n"
	"fp_trampoline:\n"
	"push %rbp\n"
	"mov %rsp, %rbp\n"
	"call mixed_inner\n"
	"pop %rbp\n"
	"ret\n"
	".size fp_trampoline, .-fp_trampoline\n");

int main(int argc, char **argv)
{
	struct testprog_options opts = testprog_parse(argc, argv);
	int (*plugin_leak)(void);

	testprog_ready();
	testprog_wait_for_go(&opts);
	if (linked_leak() != 0 || fp_trampoline() != 0)
		return 1;
	void *plugin = dlopen(NOFP_PLUGIN_PATH, RTLD_NOW | RTLD_LOCAL);

	if (!plugin) {
		fprintf(stderr, "unwind_libs: %s\n", dlerror());
		return 1;
	}
	*(void **)&plugin_leak = dlsym(plugin, "plugin_nofp_leak");
	if (!plugin_leak) {
		fprintf(stderr, "unwind_libs: %s\n", dlerror());
		return 1;
	}
	testprog_wait_for_go(&opts);
	if (plugin_leak() != 0)
		return 1;
	testprog_done(&opts);
	return 0;
}
