// Interposes the allocation entry points of glibc in the test executable (its symbols win over
// libc's for every library in the process) and forwards to glibc's own __libc_* functions, as
// Benchmarks/malloc-count does; dlsym(RTLD_NEXT) would itself allocate before it is known.
// While counting is off, each call costs one relaxed load more than plain malloc.
#define _GNU_SOURCE
#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include "CAllocationCounter.h"

#if defined(__has_feature)
#  if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#    define SWIFTEV_SANITIZED 1
#  endif
#endif

static _Atomic bool counting;
static _Atomic uint64_t allocations;
static _Atomic uint64_t bytes;

void swiftev_allocation_counter_start(void) {
    atomic_store_explicit(&allocations, 0, memory_order_relaxed);
    atomic_store_explicit(&bytes, 0, memory_order_relaxed);
    atomic_store_explicit(&counting, true, memory_order_seq_cst);
}

uint64_t swiftev_allocation_counter_stop(void) {
    atomic_store_explicit(&counting, false, memory_order_seq_cst);
    return atomic_load_explicit(&allocations, memory_order_relaxed);
}

uint64_t swiftev_allocation_counter_bytes(void) {
    return atomic_load_explicit(&bytes, memory_order_relaxed);
}

#ifdef SWIFTEV_SANITIZED
bool swiftev_allocation_counter_available(void) { return false; }
#else
bool swiftev_allocation_counter_available(void) { return true; }

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t nmemb, size_t size);
extern void *__libc_realloc(void *ptr, size_t size);
extern void *__libc_memalign(size_t alignment, size_t size);

static inline void count(size_t size) {
    if (atomic_load_explicit(&counting, memory_order_relaxed)) {
        atomic_fetch_add_explicit(&allocations, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&bytes, size, memory_order_relaxed);
    }
}

void *malloc(size_t size) {
    count(size);
    return __libc_malloc(size);
}

void *calloc(size_t nmemb, size_t size) {
    count(nmemb * size);
    return __libc_calloc(nmemb, size);
}

void *realloc(void *ptr, size_t size) {
    if (ptr == NULL || size != 0) count(size);
    return __libc_realloc(ptr, size);
}

int posix_memalign(void **out, size_t alignment, size_t size) {
    if (alignment == 0 || alignment % sizeof(void *) != 0 || (alignment & (alignment - 1)) != 0)
        return EINVAL;
    count(size);
    void *p = __libc_memalign(alignment, size);
    if (p == NULL) return ENOMEM;
    *out = p;
    return 0;
}

void *aligned_alloc(size_t alignment, size_t size) {
    count(size);
    return __libc_memalign(alignment, size);
}

void *memalign(size_t alignment, size_t size) {
    count(size);
    return __libc_memalign(alignment, size);
}
#endif
