#define _GNU_SOURCE
#include <pthread.h>
#include <sys/socket.h>
#include "CLibev.h"

void swiftev_io_init(ev_io *w, swiftev_io_cb cb, int fd, int events) { ev_io_init(w, cb, fd, events); }
void swiftev_io_set(ev_io *w, int fd, int events) { ev_io_set(w, fd, events); }
void swiftev_timer_init(ev_timer *w, swiftev_timer_cb cb, ev_tstamp after, ev_tstamp repeat) { ev_timer_init(w, cb, after, repeat); }
void swiftev_timer_set_repeat(ev_timer *w, ev_tstamp repeat) { w->repeat = repeat; }
void swiftev_async_init(ev_async *w, swiftev_async_cb cb) { ev_async_init(w, cb); }
void swiftev_prepare_init(ev_prepare *w, swiftev_prepare_cb cb) { ev_prepare_init(w, cb); }
void swiftev_idle_init(ev_idle *w, swiftev_idle_cb cb) { ev_idle_init(w, cb); }
int swiftev_is_active(void *w) { return ev_is_active((ev_watcher *)w); }
int swiftev_ev_read(void) { return EV_READ; }
int swiftev_ev_write(void) { return EV_WRITE; }
void swiftev_set_thread_name(const char *name) { pthread_setname_np(pthread_self(), name); }
int swiftev_accept(int fd) { return accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC); }
