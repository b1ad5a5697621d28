#include "userspace/attach/allocator_catalog.h"

#include "bpf/events.h"

namespace allocprof {
namespace {

constexpr CallShape Alloc(uint8_t size_arg, uint8_t count_arg = 0) {
  return {AP_KIND_ALLOC, size_arg, count_arg, 0, 0};
}
// posix_memalign(&p, align, size): the block comes back through `out`.
constexpr CallShape AllocOut(uint8_t out_arg, uint8_t size_arg) {
  return {AP_KIND_ALLOC, size_arg, 0, 0, out_arg};
}
constexpr CallShape Realloc(uint8_t ptr_arg, uint8_t size_arg,
                            uint8_t count_arg = 0) {
  return {AP_KIND_REALLOC, size_arg, count_arg, ptr_arg, 0};
}
constexpr CallShape Free(uint8_t ptr_arg) {
  return {AP_KIND_FREE, 0, 0, ptr_arg, 0};
}

constexpr AllocatorApi C = AllocatorApi::kC;
constexpr AllocatorApi Cxx = AllocatorApi::kCxx;

constexpr AllocatorFunction kFunctions[] = {
    // The C library's family, as glibc, musl and every malloc replacement
    // define it. aligned_alloc before memalign: glibc aliases them.
    {"malloc", Alloc(1), C},
    {"free", Free(1), C},
    {"calloc", Alloc(2, 1), C},
    {"realloc", Realloc(1, 2), C},
    {"reallocarray", Realloc(1, 3, 2), C},
    {"posix_memalign", AllocOut(1, 3), C},
    {"aligned_alloc", Alloc(2), C},
    {"memalign", Alloc(2), C},
    {"valloc", Alloc(1), C},
    {"pvalloc", Alloc(1), C},
    {"cfree", Free(1), C},
    {"reallocf", Realloc(1, 2), C},

    // jemalloc's non-standard API, unprefixed (Debian's libjemalloc) and
    // with the je_ prefix that programs bundling it use (redis's own copy).
    {"mallocx", Alloc(1), C},
    {"rallocx", Realloc(1, 2), C},
    {"xallocx", {AP_KIND_RESIZE, 2, 0, 1, 0}, C},
    {"dallocx", Free(1), C},
    {"sdallocx", Free(1), C},
    {"je_malloc", Alloc(1), C},
    {"je_free", Free(1), C},
    {"je_calloc", Alloc(2, 1), C},
    {"je_realloc", Realloc(1, 2), C},
    {"je_posix_memalign", AllocOut(1, 3), C},
    {"je_aligned_alloc", Alloc(2), C},
    {"je_memalign", Alloc(2), C},
    {"je_valloc", Alloc(1), C},
    {"je_mallocx", Alloc(1), C},
    {"je_rallocx", Realloc(1, 2), C},
    {"je_xallocx", {AP_KIND_RESIZE, 2, 0, 1, 0}, C},
    {"je_dallocx", Free(1), C},
    {"je_sdallocx", Free(1), C},

    // tcmalloc (gperftools): tc_* names, mostly aliases of the standard ones.
    {"tc_malloc", Alloc(1), C},
    {"tc_malloc_skip_new_handler", Alloc(1), C},
    {"tc_free", Free(1), C},
    {"tc_free_sized", Free(1), C},
    {"tc_cfree", Free(1), C},
    {"tc_calloc", Alloc(2, 1), C},
    {"tc_realloc", Realloc(1, 2), C},
    {"tc_memalign", Alloc(2), C},
    {"tc_posix_memalign", AllocOut(1, 3), C},
    {"tc_valloc", Alloc(1), C},
    {"tc_pvalloc", Alloc(1), C},
    {"tc_new", Alloc(1), Cxx},
    {"tc_newarray", Alloc(1), Cxx},
    {"tc_new_nothrow", Alloc(1), Cxx},
    {"tc_newarray_nothrow", Alloc(1), Cxx},
    {"tc_new_aligned", Alloc(1), Cxx},
    {"tc_newarray_aligned", Alloc(1), Cxx},
    {"tc_new_aligned_nothrow", Alloc(1), Cxx},
    {"tc_newarray_aligned_nothrow", Alloc(1), Cxx},
    {"tc_delete", Free(1), Cxx},
    {"tc_deletearray", Free(1), Cxx},
    {"tc_delete_sized", Free(1), Cxx},
    {"tc_deletearray_sized", Free(1), Cxx},
    {"tc_delete_nothrow", Free(1), Cxx},
    {"tc_deletearray_nothrow", Free(1), Cxx},
    {"tc_delete_aligned", Free(1), Cxx},
    {"tc_deletearray_aligned", Free(1), Cxx},
    {"tc_delete_sized_aligned", Free(1), Cxx},
    {"tc_deletearray_sized_aligned", Free(1), Cxx},
    {"tc_delete_aligned_nothrow", Free(1), Cxx},
    {"tc_deletearray_aligned_nothrow", Free(1), Cxx},

    // mimalloc: mi_* and the per-heap mi_heap_*(heap, ...) variants, the
    // size-class entry points callers use directly, and the aligned ones
    // (alignment after the size). The strdup family allocates through
    // mi_heap_malloc, which is probed.
    {"mi_malloc", Alloc(1), C},
    {"mi_zalloc", Alloc(1), C},
    {"mi_calloc", Alloc(2, 1), C},
    {"mi_mallocn", Alloc(2, 1), C},
    {"mi_malloc_small", Alloc(1), C},
    {"mi_zalloc_small", Alloc(1), C},
    {"mi_realloc", Realloc(1, 2), C},
    {"mi_reallocn", Realloc(1, 3, 2), C},
    {"mi_reallocf", Realloc(1, 2), C},
    {"mi_rezalloc", Realloc(1, 2), C},
    {"mi_recalloc", Realloc(1, 3, 2), C},
    {"mi_expand", Realloc(1, 2), C},
    {"mi_malloc_aligned", Alloc(1), C},
    {"mi_malloc_aligned_at", Alloc(1), C},
    {"mi_zalloc_aligned", Alloc(1), C},
    {"mi_zalloc_aligned_at", Alloc(1), C},
    {"mi_calloc_aligned", Alloc(2, 1), C},
    {"mi_calloc_aligned_at", Alloc(2, 1), C},
    {"mi_realloc_aligned", Realloc(1, 2), C},
    {"mi_realloc_aligned_at", Realloc(1, 2), C},
    {"mi_rezalloc_aligned", Realloc(1, 2), C},
    {"mi_recalloc_aligned", Realloc(1, 3, 2), C},
    {"mi_free", Free(1), C},
    {"mi_free_size", Free(1), C},
    {"mi_free_aligned", Free(1), C},
    {"mi_free_size_aligned", Free(1), C},
    {"mi_heap_malloc", Alloc(2), C},
    {"mi_heap_zalloc", Alloc(2), C},
    {"mi_heap_calloc", Alloc(3, 2), C},
    {"mi_heap_mallocn", Alloc(3, 2), C},
    {"mi_heap_malloc_small", Alloc(2), C},
    {"mi_heap_zalloc_small", Alloc(2), C},
    {"mi_heap_malloc_aligned", Alloc(2), C},
    {"mi_heap_malloc_aligned_at", Alloc(2), C},
    {"mi_heap_zalloc_aligned", Alloc(2), C},
    {"mi_heap_zalloc_aligned_at", Alloc(2), C},
    {"mi_heap_calloc_aligned", Alloc(3, 2), C},
    {"mi_heap_calloc_aligned_at", Alloc(3, 2), C},
    {"mi_heap_realloc", Realloc(2, 3), C},
    {"mi_heap_reallocn", Realloc(2, 4, 3), C},
    {"mi_heap_reallocf", Realloc(2, 3), C},
    {"mi_heap_rezalloc", Realloc(2, 3), C},
    {"mi_heap_recalloc", Realloc(2, 4, 3), C},
    {"mi_heap_realloc_aligned", Realloc(2, 3), C},
    {"mi_heap_alloc_new", Alloc(2), Cxx},
    {"mi_heap_alloc_new_n", Alloc(3, 2), Cxx},
    {"mi_new", Alloc(1), Cxx},
    {"mi_new_nothrow", Alloc(1), Cxx},
    {"mi_new_aligned", Alloc(1), Cxx},
    {"mi_new_aligned_nothrow", Alloc(1), Cxx},
    {"mi_new_n", Alloc(2, 1), Cxx},
    {"mi_new_realloc", Realloc(1, 2), Cxx},
    {"mi_new_reallocn", Realloc(1, 3, 2), Cxx},

    // C++ operators (Itanium mangling, 64-bit size_t): new, new[], each
    // also nothrow, aligned (std::align_val_t after the size) and both;
    // delete and delete[], also sized, nothrow, aligned and combinations.
    {"_Znwm", Alloc(1), Cxx},
    {"_Znam", Alloc(1), Cxx},
    {"_ZnwmRKSt9nothrow_t", Alloc(1), Cxx},
    {"_ZnamRKSt9nothrow_t", Alloc(1), Cxx},
    {"_ZnwmSt11align_val_t", Alloc(1), Cxx},
    {"_ZnamSt11align_val_t", Alloc(1), Cxx},
    {"_ZnwmSt11align_val_tRKSt9nothrow_t", Alloc(1), Cxx},
    {"_ZnamSt11align_val_tRKSt9nothrow_t", Alloc(1), Cxx},
    {"_ZdlPv", Free(1), Cxx},
    {"_ZdaPv", Free(1), Cxx},
    {"_ZdlPvm", Free(1), Cxx},
    {"_ZdaPvm", Free(1), Cxx},
    {"_ZdlPvRKSt9nothrow_t", Free(1), Cxx},
    {"_ZdaPvRKSt9nothrow_t", Free(1), Cxx},
    {"_ZdlPvSt11align_val_t", Free(1), Cxx},
    {"_ZdaPvSt11align_val_t", Free(1), Cxx},
    {"_ZdlPvmSt11align_val_t", Free(1), Cxx},
    {"_ZdaPvmSt11align_val_t", Free(1), Cxx},
    {"_ZdlPvSt11align_val_tRKSt9nothrow_t", Free(1), Cxx},
    {"_ZdaPvSt11align_val_tRKSt9nothrow_t", Free(1), Cxx},
};

}  // namespace

absl::Span<const AllocatorFunction> KnownAllocatorFunctions() {
  return kFunctions;
}

}  // namespace allocprof
