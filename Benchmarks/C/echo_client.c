/* C echo client on libev: all connections on one loop, one thread.
 * Each connection keeps `depth` messages of `size` bytes in flight (depth 1 is
 * ping-pong): it sends depth*size bytes at the start, and for every `size`
 * bytes that come back it owes one more message. What a connection owes is
 * written in one send() right after the read that completed it, so each loop
 * iteration does at most one read and one write per ready connection.
 * Prints `MARK start`, `MARK end` and one `RESULT` line (see ../README.md). */
#define _GNU_SOURCE
#include "echo_common.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ev.h>
#include <netinet/in.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

struct cconn {
    ev_io rio;          /* always watching EV_READ */
    ev_io wio;          /* active only while the socket would block a write */
    size_t partial;     /* bytes of a message that has only partly come back */
    size_t owed;        /* bytes due to be written */
};

struct snapshot {
    uint64_t completed;
    uint64_t ns;
    long long user_us;
    long long sys_us;
};

static const struct client_options *opts;
static struct cconn *conns;
static uint64_t completed_total;
static struct snapshot snap_start, snap_end;
static const char *failure;
static ev_timer measure_timer;
static char read_buffer[64 * 1024];
static char send_buffer[64 * 1024];

static struct snapshot take_snapshot(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    struct snapshot s = {
        .completed = completed_total,
        .ns = monotonic_ns(),
        .user_us = (long long)ru.ru_utime.tv_sec * 1000000 + ru.ru_utime.tv_usec,
        .sys_us = (long long)ru.ru_stime.tv_sec * 1000000 + ru.ru_stime.tv_usec,
    };
    return s;
}

static void fail(struct ev_loop *loop, const char *why) {
    if (!failure) failure = why;
    ev_break(loop, EVBREAK_ALL);
}

/* Writes what the connection owes; waits for EV_WRITE if the socket is full. */
static void flush_owed(struct ev_loop *loop, struct cconn *c) {
    while (c->owed > 0) {
        size_t chunk = c->owed < sizeof send_buffer ? c->owed : sizeof send_buffer;
        ssize_t n = send(c->rio.fd, send_buffer, chunk, MSG_NOSIGNAL);
        if (n > 0) { c->owed -= (size_t)n; continue; }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (!ev_is_active(&c->wio)) ev_io_start(loop, &c->wio);
            return;
        }
        fail(loop, "send failed");
        return;
    }
    if (ev_is_active(&c->wio)) ev_io_stop(loop, &c->wio);
}

static void read_cb(struct ev_loop *loop, ev_io *w, int revents) {
    (void)revents;
    struct cconn *c = (struct cconn *)w;
    ssize_t n = read(w->fd, read_buffer, sizeof read_buffer);
    if (n <= 0) {
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
        fail(loop, n == 0 ? "connection closed by the server during the run" : "read failed");
        return;
    }
    size_t total = c->partial + (size_t)n;
    size_t size = (size_t)opts->size;
    size_t done = total / size;
    c->partial = total - done * size;
    completed_total += done;
    c->owed += done * size;
    flush_owed(loop, c);
}

static void write_cb(struct ev_loop *loop, ev_io *w, int revents) {
    (void)revents;
    struct cconn *c = (struct cconn *)((char *)w - offsetof(struct cconn, wio));
    flush_owed(loop, c);
}

static void measure_cb(struct ev_loop *loop, ev_timer *w, int revents) {
    (void)w; (void)revents;
    snap_end = take_snapshot();
    fputs("MARK end\n", stdout);
    fflush(stdout);
    ev_break(loop, EVBREAK_ALL);
}

static void warmup_cb(struct ev_loop *loop, ev_timer *w, int revents) {
    (void)w; (void)revents;
    snap_start = take_snapshot();
    fputs("MARK start\n", stdout);
    fflush(stdout);
    ev_timer_init(&measure_timer, measure_cb, opts->seconds, 0.);
    ev_timer_start(loop, &measure_timer);
}

int echo_client_main(const struct client_options *options) {
    opts = options;
    signal(SIGPIPE, SIG_IGN);
    memset(send_buffer, 'x', sizeof send_buffer);
    struct ev_loop *loop = ev_default_loop(EVFLAG_AUTO);
    if (!loop) { fprintf(stderr, "client: cannot create the libev loop\n"); return 1; }

    conns = calloc((size_t)options->conns, sizeof *conns);
    if (!conns) { fprintf(stderr, "client: out of memory\n"); return 1; }
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons((uint16_t)options->port) };
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (int i = 0; i < options->conns; i++) {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
            fprintf(stderr, "client: impl=c cannot connect to 127.0.0.1:%d: %s\n", options->port, strerror(errno));
            return 1;
        }
        set_nonblocking(fd);
        set_nodelay(fd);
        struct cconn *c = &conns[i];
        ev_io_init(&c->rio, read_cb, fd, EV_READ);
        ev_io_init(&c->wio, write_cb, fd, EV_WRITE);
        ev_io_start(loop, &c->rio);
        c->owed = (size_t)options->depth * (size_t)options->size;   /* fill the window */
    }
    for (int i = 0; i < options->conns; i++) flush_owed(loop, &conns[i]);

    /* The warm-up starts now that every connection is established. */
    ev_now_update(loop);
    ev_timer warmup_timer;
    ev_timer_init(&warmup_timer, warmup_cb, options->warmup, 0.);
    ev_timer_start(loop, &warmup_timer);
    ev_run(loop, 0);

    for (int i = 0; i < options->conns; i++) {
        ev_io_stop(loop, &conns[i].rio);
        ev_io_stop(loop, &conns[i].wio);
        close(conns[i].rio.fd);
    }
    free(conns);
    if (failure) {
        fprintf(stderr, "client: impl=c %s\n", failure);
        return 1;
    }
    uint64_t ms = (snap_end.ns - snap_start.ns + 500000) / 1000000;
    printf("RESULT impl=c mode=%s conns=%d depth=%d size=%d msgs=%llu seconds=%llu.%03llu user_us=%lld sys_us=%lld\n",
           options->depth == 1 ? "pingpong" : "pipelined", options->conns, options->depth, options->size,
           (unsigned long long)(snap_end.completed - snap_start.completed),
           (unsigned long long)(ms / 1000), (unsigned long long)(ms % 1000),
           snap_end.user_us - snap_start.user_us, snap_end.sys_us - snap_start.sys_us);
    fflush(stdout);
    return 0;
}
