/* C echo server on libev: one loop, one thread. Every byte read is written
 * straight back on the same connection. In the steady state nothing is
 * allocated: reads go into one static buffer, and only the unsent rest of a
 * short write is kept per connection (the connection then stops reading until
 * that rest is out, which is the back-pressure). */
#define _GNU_SOURCE
#include "echo_common.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ev.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct conn {
    ev_io io;            /* EV_READ normally, EV_WRITE while `pending` is non-empty */
    char *pending;       /* unsent rest of the last read */
    size_t pending_len;
    size_t pending_off;
    size_t pending_cap;
    struct conn *prev, *next;
};

static struct conn *connections;   /* doubly linked list, for shutdown */
static unsigned long accepted_total;
static unsigned long long echoed_bytes;
static char read_buffer[64 * 1024];

static void conn_close(struct ev_loop *loop, struct conn *c) {
    ev_io_stop(loop, &c->io);
    close(c->io.fd);
    if (c->prev) c->prev->next = c->next; else connections = c->next;
    if (c->next) c->next->prev = c->prev;
    free(c->pending);
    free(c);
}

static void conn_watch(struct ev_loop *loop, struct conn *c, int events) {
    ev_io_stop(loop, &c->io);
    ev_io_set(&c->io, c->io.fd, events);
    ev_io_start(loop, &c->io);
}

/* Sends as much of buf as the socket takes; returns bytes sent or -1 on error. */
static ssize_t send_some(int fd, const char *buf, size_t len) {
    size_t off = 0;
    while (off < len) {
        ssize_t n = send(fd, buf + off, len - off, MSG_NOSIGNAL);
        if (n > 0) { off += (size_t)n; continue; }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        return -1;
    }
    return (ssize_t)off;
}

static void conn_cb(struct ev_loop *loop, ev_io *w, int revents) {
    struct conn *c = (struct conn *)w;
    if (revents & EV_WRITE) {
        ssize_t sent = send_some(w->fd, c->pending + c->pending_off, c->pending_len - c->pending_off);
        if (sent < 0) { conn_close(loop, c); return; }
        c->pending_off += (size_t)sent;
        echoed_bytes += (unsigned long long)sent;
        if (c->pending_off == c->pending_len) {
            c->pending_off = c->pending_len = 0;
            conn_watch(loop, c, EV_READ);
        }
        return;
    }

    ssize_t n = read(w->fd, read_buffer, sizeof read_buffer);
    if (n == 0) { conn_close(loop, c); return; }
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
        conn_close(loop, c);   /* ECONNRESET at the end of a run is normal */
        return;
    }
    ssize_t sent = send_some(w->fd, read_buffer, (size_t)n);
    if (sent < 0) { conn_close(loop, c); return; }
    echoed_bytes += (unsigned long long)sent;
    if (sent < n) {
        size_t rest = (size_t)(n - sent);
        if (c->pending_cap < rest) {
            char *grown = realloc(c->pending, rest);
            if (!grown) { conn_close(loop, c); return; }
            c->pending = grown;
            c->pending_cap = rest;
        }
        memcpy(c->pending, read_buffer + sent, rest);
        c->pending_len = rest;
        c->pending_off = 0;
        conn_watch(loop, c, EV_WRITE);
    }
}

static void accept_cb(struct ev_loop *loop, ev_io *w, int revents) {
    (void)revents;
    for (;;) {
        int fd = accept4(w->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK) perror("server: accept");
            return;
        }
        set_nodelay(fd);
        struct conn *c = calloc(1, sizeof *c);
        if (!c) { close(fd); continue; }
        c->next = connections;
        if (connections) connections->prev = c;
        connections = c;
        accepted_total++;
        ev_io_init(&c->io, conn_cb, fd, EV_READ);
        ev_io_start(loop, &c->io);
    }
}

static void stop_cb(struct ev_loop *loop, ev_signal *w, int revents) {
    (void)w; (void)revents;
    ev_break(loop, EVBREAK_ALL);
}

int echo_server_main(int port) {
    signal(SIGPIPE, SIG_IGN);
    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (lfd < 0) { perror("server: socket"); return 1; }
    int one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(lfd, 1024) < 0) {
        fprintf(stderr, "server: impl=c cannot listen on 127.0.0.1:%d: %s\n", port, strerror(errno));
        return 1;
    }

    struct ev_loop *loop = ev_default_loop(EVFLAG_AUTO);
    if (!loop) { fprintf(stderr, "server: cannot create the libev loop\n"); return 1; }
    ev_io accept_watcher;
    ev_io_init(&accept_watcher, accept_cb, lfd, EV_READ);
    ev_io_start(loop, &accept_watcher);
    ev_signal term_watcher, int_watcher;
    ev_signal_init(&term_watcher, stop_cb, SIGTERM);
    ev_signal_init(&int_watcher, stop_cb, SIGINT);
    ev_signal_start(loop, &term_watcher);
    ev_signal_start(loop, &int_watcher);

    fprintf(stderr, "server: impl=c listening on 127.0.0.1:%d (libev backend %u)\n", port, ev_backend(loop));
    ev_run(loop, 0);

    ev_io_stop(loop, &accept_watcher);
    close(lfd);
    while (connections) conn_close(loop, connections);
    ev_signal_stop(loop, &term_watcher);
    ev_signal_stop(loop, &int_watcher);
    fprintf(stderr, "server: impl=c stopped accepted=%lu echoed_bytes=%llu\n", accepted_total, echoed_bytes);
    return 0;
}
