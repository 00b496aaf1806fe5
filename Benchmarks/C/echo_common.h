/* Shared declarations of the C (libev) echo benchmark binary.
 * One binary, two subcommands: `server` and `client` (contract: ../README.md). */
#ifndef ECHO_COMMON_H
#define ECHO_COMMON_H

#include <stdint.h>

struct client_options {
    int port;
    int conns;
    int depth;
    int size;
    double warmup;
    double seconds;
};

int echo_server_main(int port);
int echo_client_main(const struct client_options *options);

/* Helpers shared by both sides. */
int set_nonblocking(int fd);
int set_nodelay(int fd);
uint64_t monotonic_ns(void);

#endif
