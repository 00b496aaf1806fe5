#ifndef SWIFTEV_CLIBEV_H
#define SWIFTEV_CLIBEV_H

// libev exposes its watcher set-up as macros, which Swift cannot call.
// These wrappers turn each macro we use into a real function; everything
// else (ev_io_start, ev_run, ev_async_send, ...) is imported from ev.h as is.
#include <ev.h>

typedef void (*swiftev_io_cb)(struct ev_loop *loop, ev_io *w, int revents);
typedef void (*swiftev_timer_cb)(struct ev_loop *loop, ev_timer *w, int revents);
typedef void (*swiftev_async_cb)(struct ev_loop *loop, ev_async *w, int revents);
typedef void (*swiftev_prepare_cb)(struct ev_loop *loop, ev_prepare *w, int revents);
typedef void (*swiftev_idle_cb)(struct ev_loop *loop, ev_idle *w, int revents);

void swiftev_io_init(ev_io *w, swiftev_io_cb cb, int fd, int events);
void swiftev_io_set(ev_io *w, int fd, int events);
void swiftev_timer_init(ev_timer *w, swiftev_timer_cb cb, ev_tstamp after, ev_tstamp repeat);
void swiftev_timer_set_repeat(ev_timer *w, ev_tstamp repeat);
void swiftev_async_init(ev_async *w, swiftev_async_cb cb);
void swiftev_prepare_init(ev_prepare *w, swiftev_prepare_cb cb);
void swiftev_idle_init(ev_idle *w, swiftev_idle_cb cb);
int swiftev_is_active(void *w);

/// EV_READ / EV_WRITE / EV_ERROR as plain ints (the macros are enum-typed in ev.h).
int swiftev_ev_read(void);
int swiftev_ev_write(void);

/// Names the calling thread (pthread_setname_np needs _GNU_SOURCE, which Swift does not set).
void swiftev_set_thread_name(const char *name);

/// accept4 with SOCK_NONBLOCK | SOCK_CLOEXEC (a GNU extension Swift's Glibc module hides).
int swiftev_accept(int fd);

#endif
