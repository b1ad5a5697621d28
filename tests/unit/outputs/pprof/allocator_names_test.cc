#include "userspace/outputs/pprof/allocator_names.h"

#include "gtest/gtest.h"

namespace allocprof {
namespace {

TEST(AllocatorNames, CLibraryFamilyAndAliases) {
  for (const char* name : {"malloc", "calloc", "realloc", "free", "posix_memalign",
                           "aligned_alloc", "mmap", "munmap", "brk", "__libc_malloc",
                           "malloc@@GLIBC_2.2.5", "calloc@plt"}) {
    EXPECT_TRUE(IsAllocatorFunction(name)) << name;
  }
}

TEST(AllocatorNames, CxxOperators) {
  for (const char* name : {"operator new(unsigned long)", "operator new[](unsigned long)",
                           "operator delete(void*, unsigned long)", "operator new",
                           "_Znwm", "_ZnamRKSt9nothrow_t", "_ZdlPv", "_ZdaPv"}) {
    EXPECT_TRUE(IsAllocatorFunction(name)) << name;
  }
}

TEST(AllocatorNames, AllocatorsOwnApis) {
  for (const char* name : {"mallocx", "sdallocx", "je_malloc", "tc_malloc", "tc_delete_sized",
                           "mi_malloc", "mi_heap_malloc_small"}) {
    EXPECT_TRUE(IsAllocatorFunction(name)) << name;
  }
}

TEST(AllocatorNames, OtherFunctionsAreNot) {
  for (const char* name : {"", "main", "my_malloc", "malloc_trim", "operator newline()",
                           "std::vector<int>::push_back(int const&)", "xmalloc"}) {
    EXPECT_FALSE(IsAllocatorFunction(name)) << name;
  }
}

}  // namespace
}  // namespace allocprof
