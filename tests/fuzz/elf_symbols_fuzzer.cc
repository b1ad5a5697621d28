// ElfSymbols::Load on an ELF file: every object the target maps is read,
// and the target chooses what it maps. Checks that lookups on what loads
// return a symbol at or below the address asked for.
#include <cstddef>
#include <cstdint>

#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/memfd_file.h"
#include "userspace/symbols/elf_symbols.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static MemfdFile file;
  auto symbols = allocprof::ElfSymbols::Load(file.Write(data, size));
  if (!symbols.ok()) return 0;
  // A few addresses and file offsets taken from the input itself, which
  // is where its headers put them.
  for (size_t at = 0; at + 8 <= size && at < 512; at += 8) {
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= uint64_t{data[at + i]} << (8 * i);
    if (const auto* s = (*symbols)->FindFunction(v)) FUZZ_CHECK(s->vaddr <= v);
    if (auto vaddr = (*symbols)->FileOffsetToVaddr(v)) {
      if (const auto* s = (*symbols)->FindFunction(*vaddr)) FUZZ_CHECK(s->vaddr <= *vaddr);
    }
  }
  return 0;
}
