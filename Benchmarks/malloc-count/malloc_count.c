/* libmalloccount.so: counts heap allocations of the process it is preloaded
 * into (LD_PRELOAD), for the echo benchmark's allocations-per-message figure.
 *
 * Interposes malloc, calloc, realloc, posix_memalign, aligned_alloc, memalign,
 * valloc and pvalloc (counted as allocations) and free (counted separately),
 * and forwards to glibc's own entry points (__libc_malloc & co.). Using those
 * instead of dlsym(RTLD_NEXT, ...) avoids the classic recursion where dlsym
 * itself allocates before the real pointers are known. glibc only.
 *
 * On SIGUSR1 it appends one line `count=N free=M` to the file named by the
 * environment variable MALLOC_COUNT_FILE (read once at load time). The
 * handler only uses async-signal-safe calls (open, write, close) and formats
 * the numbers by hand. Counters are relaxed atomics: a count, not a fence.
 *
 * A process that wants its own figure in-process (RedisBenchmark) looks up
 *     uint64_t swiftev_malloc_count(void);   allocations so far
 *     uint64_t swiftev_free_count(void);     frees so far
 * with dlsym(RTLD_DEFAULT, ...); they are absent when the library is not preloaded.
 *
 * realloc(NULL, n) and realloc(p, n) both count as one allocation; realloc to
 * size 0 of a non-NULL pointer counts as a free. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t nmemb, size_t size);
extern void *__libc_realloc(void *ptr, size_t size);
extern void *__libc_memalign(size_t alignment, size_t size);
extern void *__libc_valloc(size_t size);
extern void *__libc_pvalloc(size_t size);
extern void __libc_free(void *ptr);

static _Atomic uint64_t alloc_count;
static _Atomic uint64_t free_count;
static char count_file[4096];

#define COUNT(counter) atomic_fetch_add_explicit(&(counter), 1, memory_order_relaxed)

uint64_t swiftev_malloc_count(void) { return atomic_load_explicit(&alloc_count, memory_order_relaxed); }
uint64_t swiftev_free_count(void) { return atomic_load_explicit(&free_count, memory_order_relaxed); }

void *malloc(size_t size) {
    COUNT(alloc_count);
    return __libc_malloc(size);
}

void *calloc(size_t nmemb, size_t size) {
    COUNT(alloc_count);
    return __libc_calloc(nmemb, size);
}

void *realloc(void *ptr, size_t size) {
    if (ptr != NULL && size == 0) COUNT(free_count);
    else COUNT(alloc_count);
    return __libc_realloc(ptr, size);
}

void free(void *ptr) {
    if (ptr != NULL) COUNT(free_count);
    __libc_free(ptr);
}

int posix_memalign(void **out, size_t alignment, size_t size) {
    /* Same checks as glibc: a power of two and a multiple of sizeof(void *). */
    if (alignment % sizeof(void *) != 0 || (alignment & (alignment - 1)) != 0 || alignment == 0)
        return EINVAL;
    COUNT(alloc_count);
    void *p = __libc_memalign(alignment, size);
    if (p == NULL) return ENOMEM;
    *out = p;
    return 0;
}

void *aligned_alloc(size_t alignment, size_t size) {
    COUNT(alloc_count);
    return __libc_memalign(alignment, size);
}

void *memalign(size_t alignment, size_t size) {
    COUNT(alloc_count);
    return __libc_memalign(alignment, size);
}

void *valloc(size_t size) {
    COUNT(alloc_count);
    return __libc_valloc(size);
}

void *pvalloc(size_t size) {
    COUNT(alloc_count);
    return __libc_pvalloc(size);
}

/* Appends the decimal form of value to buf at *len (no libc formatting). */
static void append_u64(char *buf, size_t *len, uint64_t value) {
    char digits[20];
    size_t n = 0;
    do {
        digits[n++] = (char)('0' + value % 10);
        value /= 10;
    } while (value != 0);
    while (n > 0) buf[(*len)++] = digits[--n];
}

static void append_str(char *buf, size_t *len, const char *s) {
    while (*s) buf[(*len)++] = *s++;
}

static void on_sigusr1(int signo) {
    (void)signo;
    int saved_errno = errno;
    /* Read both counters first so the file write does not skew them. */
    uint64_t allocs = atomic_load_explicit(&alloc_count, memory_order_relaxed);
    uint64_t frees = atomic_load_explicit(&free_count, memory_order_relaxed);
    if (count_file[0] != '\0') {
        char line[64];
        size_t len = 0;
        append_str(line, &len, "count=");
        append_u64(line, &len, allocs);
        append_str(line, &len, " free=");
        append_u64(line, &len, frees);
        line[len++] = '\n';
        int fd = open(count_file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
        if (fd >= 0) {
            size_t off = 0;
            while (off < len) {
                ssize_t w = write(fd, line + off, len - off);
                if (w > 0) off += (size_t)w;
                else if (w < 0 && errno == EINTR) continue;
                else break;
            }
            close(fd);
        }
    }
    errno = saved_errno;
}

__attribute__((constructor)) static void malloc_count_init(void) {
    const char *path = getenv("MALLOC_COUNT_FILE");
    if (path != NULL && strlen(path) < sizeof count_file) strcpy(count_file, path);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigusr1;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);
}
