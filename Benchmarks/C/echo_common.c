/* Entry point and command-line parsing of the C echo benchmark binary. */
#define _GNU_SOURCE
#include "echo_common.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

static void usage_and_exit(const char *problem) {
    fprintf(stderr, "echo-c: %s\n", problem);
    fprintf(stderr,
            "usage: echo-c server --port P\n"
            "       echo-c client --port P [--conns C] [--depth D] [--size S] [--warmup W] [--seconds T]\n");
    exit(2);
}

static long parse_int(const char *name, const char *text, long min, long max) {
    char *end = NULL;
    errno = 0;
    long value = strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || value < min || value > max) {
        char message[128];
        snprintf(message, sizeof message, "--%s must be an integer in [%ld, %ld]", name, min, max);
        usage_and_exit(message);
    }
    return value;
}

static double parse_seconds(const char *name, const char *text) {
    char *end = NULL;
    errno = 0;
    double value = strtod(text, &end);
    if (errno != 0 || end == text || *end != '\0' || !(value >= 0) || !isfinite(value)) {
        char message[128];
        snprintf(message, sizeof message, "--%s must be a number >= 0", name);
        usage_and_exit(message);
    }
    return value;
}

int main(int argc, char **argv) {
    if (argc < 2) usage_and_exit("missing subcommand");
    int is_server = strcmp(argv[1], "server") == 0;
    int is_client = strcmp(argv[1], "client") == 0;
    if (!is_server && !is_client) usage_and_exit("unknown subcommand");

    struct client_options options = {
        .port = -1, .conns = 1, .depth = 1, .size = 64, .warmup = 1.0, .seconds = 5.0,
    };
    for (int i = 2; i < argc; i += 2) {
        const char *name = argv[i];
        if (strncmp(name, "--", 2) != 0) usage_and_exit("options look like --name value");
        if (i + 1 >= argc) usage_and_exit("every option needs a value");
        const char *value = argv[i + 1];
        name += 2;
        if (strcmp(name, "port") == 0) {
            options.port = (int)parse_int(name, value, 1, 65535);
        } else if (is_client && strcmp(name, "conns") == 0) {
            options.conns = (int)parse_int(name, value, 1, 100000);
        } else if (is_client && strcmp(name, "depth") == 0) {
            options.depth = (int)parse_int(name, value, 1, 1 << 20);
        } else if (is_client && strcmp(name, "size") == 0) {
            options.size = (int)parse_int(name, value, 1, 1 << 24);
        } else if (is_client && strcmp(name, "warmup") == 0) {
            options.warmup = parse_seconds(name, value);
        } else if (is_client && strcmp(name, "seconds") == 0) {
            options.seconds = parse_seconds(name, value);
        } else {
            usage_and_exit("unknown option");
        }
    }
    if (options.port < 0) usage_and_exit("--port is required");
    if (is_server) return echo_server_main(options.port);
    if (options.seconds <= 0) usage_and_exit("--seconds must be > 0");
    return echo_client_main(&options);
}

int set_nonblocking(int fd) {
    int flags = fcntl(fd, F_GETFL, 0);
    if (flags < 0) return -1;
    return fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

int set_nodelay(int fd) {
    int one = 1;
    return setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

uint64_t monotonic_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
