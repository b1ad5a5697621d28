/*
 * An object for the unwind table builder's tests (cfi_rows_test.cc), built
 * -O2 -fomit-frame-pointer as a shared library and only read, never loaded:
 * cfi_sample_sink is left undefined so that calls to it go through the PLT.
 */
extern void cfi_sample_sink(long);

/* Keeps values across the call in callee-saved registers, which it pushes
 * first: CFA rsp+8 at entry, rsp+16 after the first push. */
long cfi_sample_push(long n)
{
	long s = 0;

	for (long i = 0; i < n; i++) {
		cfi_sample_sink(i);
		s += i * 3;
	}
	return s;
}

/* With a frame pointer: CFA rbp+16 once rbp is set up, rbp saved at
 * CFA-16. */
__attribute__((optimize("no-omit-frame-pointer"))) long cfi_sample_fp(long n)
{
	long s = 0;

	for (long i = 0; i < n; i++) {
		cfi_sample_sink(i);
		s += i;
	}
	return s;
}

/* An outermost frame as glibc's _start marks it: the return address is
 * undefined. */
__asm__(".text\n"
	".globl cfi_sample_outermost\n"
	".type cfi_sample_outermost, @function\n"
	"cfi_sample_outermost:\n"
	".cfi_startproc\n"
	".cfi_undefined rip\n"
	"xorl %ebp, %ebp\n"
	"call cfi_sample_push@PLT\n"
	"hlt\n"
	".cfi_endproc\n"
	".size cfi_sample_outermost, .-cfi_sample_outermost\n");
