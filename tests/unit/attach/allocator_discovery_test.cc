#include "userspace/attach/allocator_discovery.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <set>
#include <string>

#include "bpf/events.h"

// A function of this test executable, declared as an allocator below.
extern "C" __attribute__((noinline, used)) void* allocprof_test_pool_alloc(
    void* pool, unsigned long size) {
  return static_cast<char*>(pool) + size;
}

namespace allocprof {
namespace {

using ::testing::Contains;
using ::testing::UnorderedElementsAre;

constexpr char kLibDir[] = "/usr/lib/x86_64-linux-gnu/";

std::vector<ProbedFunction> Find(const std::string& path,
                                 AllocatorFamilies& families,
                                 const std::vector<CustomFunction>& custom = {},
                                 std::vector<const CustomFunction*>* missing = nullptr) {
  auto found = FindAllocatorFunctions(path, path, custom, families, missing);
  EXPECT_TRUE(found.ok()) << found.status();
  return found.ok() ? *found : std::vector<ProbedFunction>{};
}

const ProbedFunction* Named(const std::vector<ProbedFunction>& probed,
                            const std::string& symbol) {
  for (const ProbedFunction& f : probed) {
    if (f.symbol == symbol) return &f;
  }
  return nullptr;
}

std::set<std::string> FamilyNames(const std::vector<ProbedFunction>& probed,
                                  const AllocatorFamilies& families) {
  std::set<std::string> names;
  for (const ProbedFunction& f : probed) names.insert(families.Name(f.family));
  return names;
}

void SkipUnlessPresent(const std::string& path) {
  if (access(path.c_str(), R_OK) != 0) GTEST_SKIP() << path << " is not installed";
}

TEST(FindAllocatorFunctions, GlibcFamilyOnceEachWithAliasesFolded) {
  AllocatorFamilies families;
  auto probed = Find(std::string(kLibDir) + "libc.so.6", families);
  const ProbedFunction* malloc_fn = Named(probed, "malloc");
  const ProbedFunction* free_fn = Named(probed, "free");
  const ProbedFunction* calloc_fn = Named(probed, "calloc");
  const ProbedFunction* memalign_fn = Named(probed, "posix_memalign");
  ASSERT_TRUE(malloc_fn && free_fn && calloc_fn && memalign_fn);
  EXPECT_EQ(malloc_fn->shape.kind, uint32_t{AP_KIND_ALLOC});
  EXPECT_EQ(malloc_fn->shape.size_arg, 1);
  EXPECT_TRUE(malloc_fn->returns());
  EXPECT_EQ(free_fn->shape.kind, uint32_t{AP_KIND_FREE});
  EXPECT_EQ(free_fn->shape.ptr_arg, 1);
  EXPECT_FALSE(free_fn->returns());
  EXPECT_EQ(calloc_fn->shape.count_arg, 1);
  EXPECT_EQ(calloc_fn->shape.size_arg, 2);
  EXPECT_EQ(memalign_fn->shape.out_arg, 1);
  EXPECT_EQ(memalign_fn->shape.size_arg, 3);
  // glibc's memalign is aligned_alloc: one probe, the catalog's first name.
  const ProbedFunction* aligned = Named(probed, "aligned_alloc");
  ASSERT_NE(aligned, nullptr);
  EXPECT_THAT(aligned->aliases, Contains("memalign"));
  EXPECT_EQ(Named(probed, "memalign"), nullptr);
  // Each address once.
  std::set<uint64_t> offsets;
  for (const ProbedFunction& f : probed) {
    EXPECT_TRUE(offsets.insert(f.offset).second) << f.symbol;
  }
  EXPECT_THAT(FamilyNames(probed, families),
              UnorderedElementsAre("malloc/free in libc.so.6"));
}

TEST(FindAllocatorFunctions, LibstdcxxOperatorsAreTheirOwnFamily) {
  const std::string path = std::string(kLibDir) + "libstdc++.so.6";
  SkipUnlessPresent(path);
  AllocatorFamilies families;
  auto probed = Find(path, families);
  ASSERT_NE(Named(probed, "_Znwm"), nullptr);
  ASSERT_NE(Named(probed, "_ZdlPv"), nullptr);
  ASSERT_NE(Named(probed, "_ZnwmSt11align_val_t"), nullptr);
  EXPECT_EQ(Named(probed, "_ZdlPvm")->shape.kind, uint32_t{AP_KIND_FREE});
  EXPECT_THAT(FamilyNames(probed, families),
              UnorderedElementsAre("operator new/delete in libstdc++.so.6"));
}

TEST(FindAllocatorFunctions, JemallocHasBothApisAndItsOwn) {
  const std::string path = std::string(kLibDir) + "libjemalloc.so.2";
  SkipUnlessPresent(path);
  AllocatorFamilies families;
  auto probed = Find(path, families);
  for (const char* name : {"malloc", "free", "mallocx", "rallocx", "xallocx",
                           "dallocx", "sdallocx", "_Znwm", "_ZdlPvm"}) {
    EXPECT_NE(Named(probed, name), nullptr) << name;
  }
  EXPECT_EQ(Named(probed, "xallocx")->shape.kind, uint32_t{AP_KIND_RESIZE});
  EXPECT_EQ(Named(probed, "rallocx")->shape.kind, uint32_t{AP_KIND_REALLOC});
  EXPECT_THAT(FamilyNames(probed, families),
              UnorderedElementsAre("malloc/free in libjemalloc.so.2",
                                   "operator new/delete in libjemalloc.so.2"));
}

TEST(FindAllocatorFunctions, SharedFreeAndDeleteMakeOneFamily) {
  // tcmalloc's free is also its operator delete: which one a caller used
  // cannot be told, so the whole object is one family.
  const std::string path = std::string(kLibDir) + "libtcmalloc_minimal.so.4";
  SkipUnlessPresent(path);
  AllocatorFamilies families;
  auto probed = Find(path, families);
  const ProbedFunction* free_fn = Named(probed, "free");
  ASSERT_NE(free_fn, nullptr);
  EXPECT_THAT(free_fn->aliases, Contains("tc_free"));
  EXPECT_THAT(free_fn->aliases, Contains("_ZdlPv"));
  EXPECT_NE(Named(probed, "malloc"), nullptr);
  EXPECT_THAT(FamilyNames(probed, families),
              UnorderedElementsAre("allocator in libtcmalloc_minimal.so.4"));
}

TEST(FindAllocatorFunctions, MimallocHeapFunctionsReadTheSizeAfterTheHeap) {
  const std::string path = std::string(kLibDir) + "libmimalloc.so.2";
  SkipUnlessPresent(path);
  AllocatorFamilies families;
  auto probed = Find(path, families);
  const ProbedFunction* heap_malloc = Named(probed, "mi_heap_malloc");
  const ProbedFunction* heap_realloc = Named(probed, "mi_heap_realloc");
  ASSERT_TRUE(heap_malloc && heap_realloc);
  EXPECT_EQ(heap_malloc->shape.size_arg, 2);
  EXPECT_EQ(heap_realloc->shape.ptr_arg, 2);
  EXPECT_EQ(heap_realloc->shape.size_arg, 3);
  EXPECT_NE(Named(probed, "mi_malloc_small"), nullptr);
}

TEST(FindAllocatorFunctions, DeclaredFunctionsInTheirObjectOnly) {
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  ASSERT_GT(n, 0);
  const std::string path(exe, n);
  const std::string name = path.substr(path.rfind('/') + 1);

  auto pool = ParseAllocFn(name + ":allocprof_test_pool_alloc:size=ARG2");
  auto missing_fn = ParseFreeFn(name + ":allocprof_no_such_pool_free:ptr=ARG2");
  auto elsewhere = ParseFreeFn("libother.so:pool_free:ptr=ARG1");
  ASSERT_TRUE(pool.ok() && missing_fn.ok() && elsewhere.ok());
  std::vector<CustomFunction> custom = {*pool, *missing_fn, *elsewhere};

  AllocatorFamilies families;
  std::vector<const CustomFunction*> missing;
  auto probed = Find(path, families, custom, &missing);
  const ProbedFunction* f = Named(probed, "allocprof_test_pool_alloc");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->shape.size_arg, 2);
  EXPECT_TRUE(f->returns());
  EXPECT_EQ(families.Name(f->family), "declared functions in " + name);
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_EQ(missing[0]->symbol, "allocprof_no_such_pool_free");
}

TEST(AllocatorFamilies, InternsNamesAndKeepsZeroUnknown) {
  AllocatorFamilies families;
  uint16_t a = families.Intern("malloc/free in libc.so.6");
  uint16_t b = families.Intern("operator new/delete in libstdc++.so.6");
  EXPECT_NE(a, 0);
  EXPECT_NE(a, b);
  EXPECT_EQ(families.Intern("malloc/free in libc.so.6"), a);
  EXPECT_EQ(families.Name(b), "operator new/delete in libstdc++.so.6");
  EXPECT_EQ(families.Name(0), "");
  EXPECT_EQ(families.Name(999), "");
}

}  // namespace
}  // namespace allocprof
