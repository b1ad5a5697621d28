/* The ELF seeds of the elf_symbols and cfi_rows fuzzers are built from this
 * at build time (tests/fuzz/CMakeLists.txt): a few functions, one of them
 * recursive, without libc, so the objects stay a couple of KiB. */
static int depth(int n) { return n <= 0 ? 0 : 1 + depth(n - 1); }
int leaf(int x) { return x * 3 + 1; }
int middle(int x) { return leaf(x) + depth(x); }
void entry(void) {
  volatile int sink = middle(4);
  (void)sink;
  for (;;) {
  }
}
