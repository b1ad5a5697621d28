/*
 * A target that tries to turn a root tracer against its host
 * (hostile_truth.h). Run as an unprivileged user by
 * tests/e2e/hostile_target_test.cc; each option plants one trick before
 * the ready line:
 *
 *   hostile [OPTION]...   (handshake: see testprog.h; always stays until
 *                          SIGTERM or SIGUSR2 after its done line)
 *     --map FILE             maps FILE executable (a crafted ELF object, a
 *                            file named libjvm.so)
 *     --attach-link PATH     catches SIGQUIT, as a JVM does, and makes
 *                            /tmp/.attach_pidPID a symbolic link to PATH
 *     --jit                  allocates through code copied into anonymous
 *                            executable memory, named by a perf map
 *     --perf-map names|fifo|sparse
 *                            /tmp/perf-PID.map: one entry for the --jit
 *                            code named HOSTILE_JIT_NAME; a FIFO; that
 *                            entry and a hole to HOSTILE_SPARSE_MAP_BYTES
 *     --comm                 sets its comm to HOSTILE_COMM
 *     --late-map FILE        maps FILE executable after the go signal
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hostile_truth.h"
#include "testprog.h"

#define NOINLINE __attribute__((noinline))

#if !defined(__x86_64__)
#error "the --jit code below is x86-64 machine code"
#endif

/* Calls its first argument (an allocator) with its second (a size) and
 * returns the result, in a frame of its own, so that a frame-pointer walk
 * goes through it to its caller:
 *   push %rbp; mov %rsp,%rbp; mov %rdi,%rax; mov %rsi,%rdi;
 *   call *%rax; pop %rbp; ret */
static const unsigned char call_through[] = {
	0x55, 0x48, 0x89, 0xe5, 0x48, 0x89, 0xf8, 0x48,
	0x89, 0xf7, 0xff, 0xd0, 0x5d, 0xc3,
};

typedef void *(*allocator_fn)(size_t);
typedef void *(*call_through_fn)(allocator_fn, size_t);

void *jit_blocks[HOSTILE_JIT_COUNT];
void *leaked_blocks[HOSTILE_LEAK_COUNT];
static call_through_fn jit_code;
static volatile sig_atomic_t sigquits;

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void on_sigquit(int sig)
{
	(void)sig;
	sigquits++;
}

static void map_executable(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;

	if (fd < 0 || fstat(fd, &st) != 0)
		die(path);
	if (mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_EXEC, MAP_PRIVATE,
		 fd, 0) == MAP_FAILED)
		die("mmap");
	close(fd);
}

/* A JVM's attach trigger, planted as a link: a tracer that creates or
 * opens it as root would write where it points. */
static void plant_attach_link(const char *target)
{
	struct sigaction sa;
	char path[64];

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigquit;
	if (sigaction(SIGQUIT, &sa, NULL) != 0)
		die("sigaction");
	snprintf(path, sizeof(path), "/tmp/.attach_pid%d", (int)getpid());
	unlink(path);
	if (symlink(target, path) != 0)
		die(path);
}

static void make_jit_code(void)
{
	void *code = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (code == MAP_FAILED)
		die("mmap");
	memcpy(code, call_through, sizeof(call_through));
	if (mprotect(code, 4096, PROT_READ | PROT_EXEC) != 0)
		die("mprotect");
	jit_code = (call_through_fn)code;
}

static void plant_perf_map(const char *kind)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/perf-%d.map", (int)getpid());
	unlink(path);
	if (strcmp(kind, "fifo") == 0) {
		if (mkfifo(path, 0644) != 0)
			die(path);
		return;
	}
	if (strcmp(kind, "names") != 0 && strcmp(kind, "sparse") != 0) {
		fprintf(stderr, "unknown --perf-map %s\n", kind);
		exit(2);
	}
	if (!jit_code) {
		fprintf(stderr, "--perf-map %s needs --jit first\n", kind);
		exit(2);
	}
	if (!(f = fopen(path, "w")))
		die(path);
	fprintf(f, "%lx %zx %s\n", (unsigned long)(uintptr_t)jit_code,
		sizeof(call_through), HOSTILE_JIT_NAME);
	if (fflush(f) != 0)
		die(path);
	if (strcmp(kind, "sparse") == 0 &&
	    ftruncate(fileno(f), (off_t)HOSTILE_SPARSE_MAP_BYTES) != 0)
		die("ftruncate");
	fclose(f);
}

NOINLINE void hostile_jit_leak(void)
{
	for (int i = 0; i < HOSTILE_JIT_COUNT; i++)
		if (!(jit_blocks[i] = jit_code(malloc, HOSTILE_JIT_SIZE)))
			die("malloc");
}

NOINLINE void hostile_leak(void)
{
	for (int i = 0; i < HOSTILE_LEAK_COUNT; i++)
		if (!(leaked_blocks[i] = malloc(HOSTILE_LEAK_SIZE)))
			die("malloc");
}

int main(int argc, char **argv)
{
	struct testprog_options opts = {0, 1};
	const char *late_map = NULL;

	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		const char *value = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(arg, "--jit") == 0) {
			make_jit_code();
		} else if (strcmp(arg, "--comm") == 0) {
			if (prctl(PR_SET_NAME, HOSTILE_COMM) != 0)
				die("prctl");
		} else if (value && strcmp(arg, "--map") == 0) {
			map_executable(value), i++;
		} else if (value && strcmp(arg, "--attach-link") == 0) {
			plant_attach_link(value), i++;
		} else if (value && strcmp(arg, "--perf-map") == 0) {
			plant_perf_map(value), i++;
		} else if (value && strcmp(arg, "--late-map") == 0) {
			late_map = value, i++;
		} else {
			fprintf(stderr, "%s: unknown or incomplete argument %s\n",
				argv[0], arg);
			return 2;
		}
	}

	testprog_ready();
	testprog_wait_for_go(&opts);
	hostile_leak();
	if (jit_code)
		hostile_jit_leak();
	if (late_map)
		map_executable(late_map);
	testprog_done(&opts);
	if (sigquits)
		fprintf(stderr, "got %d SIGQUIT\n", (int)sigquits);
	return 0;
}
