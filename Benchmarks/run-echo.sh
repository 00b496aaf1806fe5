#!/usr/bin/env bash
# Echo benchmark: builds the C (libev) and SwiftNIO implementations and the
# malloc counter, then runs every implementation through the same scenarios
# with echo_driver.py. See README.md for the command-line contract and output.
#
# Environment:
#   SECONDS_PER_RUN  measured seconds per run                 (default 5)
#   WARMUP           warm-up seconds per run                  (default 1)
#   SIZE             message size in bytes                    (default 64)
#   REPEATS          runs of every impl x scenario; the table shows medians (default 1)
#   IDLE_WAIT        before each run, wait up to this many seconds for the machine
#                    to be idle (< BUSY_THRESHOLD % of a CPU) (default 30; 0 = don't)
#   BUSY_THRESHOLD   % of one CPU used by other processes that counts as busy (default 10)
#   BUSY_RETRIES     redo a run disturbed by other processes up to N times,
#                    keeping the least disturbed attempt (default 2)
#   IMPLS            implementations to run, in order         (default "c nio swiftev")
#   SWIFTEV_ECHO_BIN a prebuilt SwiftEV binary (default: build SwiftEVEcho here)
#   SCENARIOS        conns:depth list                         (default "1:1 50:1 200:1 10:16")
#   MALLOC_COUNT     0 to run servers without the allocation counter (default 1)
#   PIN              0 to skip taskset pinning                (default 1)
#   SERVER_CPU / CLIENT_CPU  cores for taskset                (default 0 / 1)
#   SKIP_BUILD       1 to reuse the binaries already built    (default 0)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

SECONDS_PER_RUN="${SECONDS_PER_RUN:-5}"
WARMUP="${WARMUP:-1}"
SIZE="${SIZE:-64}"
REPEATS="${REPEATS:-1}"
IDLE_WAIT="${IDLE_WAIT:-30}"
BUSY_THRESHOLD="${BUSY_THRESHOLD:-10}"
BUSY_RETRIES="${BUSY_RETRIES:-2}"
SCENARIOS="${SCENARIOS:-1:1 50:1 200:1 10:16}"
MALLOC_COUNT="${MALLOC_COUNT:-1}"
PIN="${PIN:-1}"
SERVER_CPU="${SERVER_CPU:-0}"
CLIENT_CPU="${CLIENT_CPU:-1}"
SKIP_BUILD="${SKIP_BUILD:-0}"

IMPLS="${IMPLS:-c nio swiftev}"

# 200 connections fit in the usual 1024 descriptors; raise the limit anyway
# when allowed, so larger SCENARIOS work too.
if [[ "$(ulimit -n)" != unlimited && "$(ulimit -n)" -lt 4096 ]]; then
    ulimit -n 4096 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
fi

c_dir="$here/.build-c"
c_bin="$c_dir/echo-c"
malloc_lib="$c_dir/libmalloccount.so"
CC="${CC:-cc}"
CFLAGS="${CFLAGS:--O2}"

build_c() {
    mkdir -p "$c_dir"
    echo "building C echo (libev) and libmalloccount.so ..." >&2
    "$CC" $CFLAGS -Wall -Wextra -std=gnu11 -o "$c_bin" \
        C/echo_common.c C/echo_server.c C/echo_client.c -lev -lm
    "$CC" $CFLAGS -Wall -Wextra -std=gnu11 -fPIC -shared -o "$malloc_lib" malloc-count/malloc_count.c
}

nio_bin() { echo "$(swift build -c release --show-bin-path)/NIOEcho"; }
swiftev_bin() { echo "${SWIFTEV_ECHO_BIN:-$(swift build -c release --show-bin-path)/SwiftEVEcho}"; }

build_nio() {
    echo "building NIOEcho (release; the first build takes a few minutes) ..." >&2
    swift build -c release --product NIOEcho >&2
}

build_swiftev() {
    [[ -n "${SWIFTEV_ECHO_BIN:-}" ]] && return 0
    echo "building SwiftEVEcho (release) ..." >&2
    swift build -c release --product SwiftEVEcho >&2
}

needs() { [[ " $IMPLS " == *" $1 "* ]]; }

if [[ "$SKIP_BUILD" != 1 ]]; then
    build_c                      # always: the malloc counter lives here too
    if needs nio; then build_nio; fi
    if needs swiftev; then build_swiftev; fi
fi

impl_args=()
for impl in $IMPLS; do
    case "$impl" in
        c) bin="$c_bin" ;;
        nio) bin="$(nio_bin)" ;;
        swiftev) bin="$(swiftev_bin)" ;;
        *) echo "unknown implementation '$impl' (known: c nio swiftev)" >&2; exit 2 ;;
    esac
    if [[ ! -x "$bin" ]]; then
        echo "$impl: binary '$bin' is missing or not executable" >&2
        exit 2
    fi
    impl_args+=(--impl "$impl=$bin")
done

driver_args=(
    "${impl_args[@]}"
    --scenarios "$SCENARIOS"
    --seconds "$SECONDS_PER_RUN"
    --warmup "$WARMUP"
    --size "$SIZE"
    --repeats "$REPEATS"
    --idle-wait "$IDLE_WAIT"
    --busy-threshold "$BUSY_THRESHOLD"
    --busy-retries "$BUSY_RETRIES"
    --server-cpu "$SERVER_CPU"
    --client-cpu "$CLIENT_CPU"
    --results-dir "$here/results"
)
if [[ "$MALLOC_COUNT" != 0 ]]; then
    driver_args+=(--malloc-lib "$malloc_lib")
fi
if [[ "$PIN" == 0 ]]; then
    driver_args+=(--no-pin)
fi

exec python3 "$here/echo_driver.py" "${driver_args[@]}"
