/* libswiftev_malloc_count.so: counts the heap allocations of the process it is
 * preloaded into (LD_PRELOAD), for the Redis benchmark's allocations per command.
 *
 * Interposes malloc, calloc, realloc, posix_memalign, aligned_alloc, memalign,
 * valloc and pvalloc, and forwards each to glibc's own entry point
 * (__libc_malloc & co.), so no dlsym(RTLD_NEXT) bootstrap (which itself
 * allocates) is needed. glibc only.
 *
 * The process reads the counters through
 *     uint64_t swiftev_malloc_count(void);   allocations so far
 *     uint64_t swiftev_free_count(void);     frees so far
 * found with dlsym on the main program's handle; without the preload the
 * symbols are absent and the benchmark reports "n/a".
 *
 * realloc(p, n) counts as an allocation (it may move), realloc(p, 0) as a free.
 * Counters are relaxed atomics: counts, not fences.
 *
 * Build: cc -O2 -fPIC -shared -o libswiftev_malloc_count.so swiftev_malloc_count.c */
#define _GNU_SOURCE
#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t nmemb, size_t size);
extern void *__libc_realloc(void *ptr, size_t size);
extern void *__libc_memalign(size_t alignment, size_t size);
extern void *__libc_valloc(size_t size);
extern void *__libc_pvalloc(size_t size);
extern void __libc_free(void *ptr);

static _Atomic uint64_t allocations;
static _Atomic uint64_t frees;

#define BUMP(counter) atomic_fetch_add_explicit(&(counter), 1, memory_order_relaxed)

uint64_t swiftev_malloc_count(void) { return atomic_load_explicit(&allocations, memory_order_relaxed); }
uint64_t swiftev_free_count(void) { return atomic_load_explicit(&frees, memory_order_relaxed); }

void *malloc(size_t size) {
    BUMP(allocations);
    return __libc_malloc(size);
}

void *calloc(size_t nmemb, size_t size) {
    BUMP(allocations);
    return __libc_calloc(nmemb, size);
}

void *realloc(void *ptr, size_t size) {
    if (ptr != NULL && size == 0) BUMP(frees);
    else BUMP(allocations);
    return __libc_realloc(ptr, size);
}

void free(void *ptr) {
    if (ptr != NULL) BUMP(frees);
    __libc_free(ptr);
}

int posix_memalign(void **out, size_t alignment, size_t size) {
    if (alignment == 0 || alignment % sizeof(void *) != 0 || (alignment & (alignment - 1)) != 0) return EINVAL;
    BUMP(allocations);
    void *p = __libc_memalign(alignment, size);
    if (p == NULL) return ENOMEM;
    *out = p;
    return 0;
}

void *aligned_alloc(size_t alignment, size_t size) {
    BUMP(allocations);
    return __libc_memalign(alignment, size);
}

void *memalign(size_t alignment, size_t size) {
    BUMP(allocations);
    return __libc_memalign(alignment, size);
}

void *valloc(size_t size) {
    BUMP(allocations);
    return __libc_valloc(size);
}

void *pvalloc(size_t size) {
    BUMP(allocations);
    return __libc_pvalloc(size);
}
