/* A function whose CFI saves a register numbered 134,217,000 and
 * remembers its state twice: libdw's interpreter keeps a rule for every
 * register up to the largest a program names, about 2 GiB of them here
 * (and copies them for each remembered state). cfi_rows_test.cc reads its
 * rows with little address space to spare. */
__asm__(
    ".text\n"
    ".globl cfi_huge_register\n"
    ".type cfi_huge_register, @function\n"
    "cfi_huge_register:\n"
    ".cfi_startproc\n"
    "  pushq %rbx\n"
    ".cfi_adjust_cfa_offset 8\n"
    ".cfi_offset 134217000, -16\n"
    ".cfi_remember_state\n"
    ".cfi_remember_state\n"
    "  popq %rbx\n"
    ".cfi_restore_state\n"
    ".cfi_adjust_cfa_offset -8\n"
    "  ret\n"
    ".cfi_endproc\n"
    ".size cfi_huge_register, .-cfi_huge_register\n");
