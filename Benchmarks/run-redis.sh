#!/usr/bin/env bash
# Redis benchmark: one SwiftEV RedisConnection against its own redis-server,
# compared in the same run with redis-benchmark at matching settings.
#
# Starts a standalone redis-server (port $PORT, no persistence) pinned to core
# $SERVER_CPU, builds RedisBenchmark in release and the malloc counter
# (Benchmarks/malloc-count/malloc_count.c), runs the benchmark pinned to
# core $CLIENT_CPU with the counter preloaded (redis-benchmark runs as its child,
# on the same core, without the counter), and stops the server on exit.
#
# Usage: Benchmarks/run-redis.sh [extra RedisBenchmark options, e.g. --repeats 3 --busy-poll 200]
# Environment:
#   PORT         redis-server port                         (default 7400)
#   WARMUP       warm-up seconds per setting                (default 1)
#   DURATION     measured seconds per setting               (default 5)
#   RB_SECONDS   target seconds per redis-benchmark test    (default 3)
#   SETTINGS     N (in flight) / pN (pipeline) list         (default 1,50,200,p16)
#   PIN          0 to skip taskset                          (default 1)
#   SERVER_CPU / CLIENT_CPU  cores for taskset              (default 0 / 1)
#   SKIP_BUILD   1 to reuse the binaries already built      (default 0)
#   IDLE_WAIT    wait up to this many seconds for the machine to be idle
#                (others below BUSY_THRESHOLD % of one core) before measuring (default 60; 0 = don't)
#   BUSY_THRESHOLD                                          (default 10)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
cd "$repo"

PORT="${PORT:-7400}"
WARMUP="${WARMUP:-1}"
DURATION="${DURATION:-5}"
RB_SECONDS="${RB_SECONDS:-3}"
SETTINGS="${SETTINGS:-1,50,200,p16}"
PIN="${PIN:-1}"
SERVER_CPU="${SERVER_CPU:-0}"
CLIENT_CPU="${CLIENT_CPU:-1}"
SKIP_BUILD="${SKIP_BUILD:-0}"
IDLE_WAIT="${IDLE_WAIT:-60}"
BUSY_THRESHOLD="${BUSY_THRESHOLD:-10}"

log() { printf 'run-redis: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

for tool in redis-server redis-cli redis-benchmark cc swift; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool not found (scripts/setup.sh installs redis; cc and swift are needed to build)"
done
pin_server=()
pin_client=()
if [[ "$PIN" == 1 ]]; then
    if command -v taskset >/dev/null 2>&1 && [[ "$(nproc)" -ge 2 ]]; then
        pin_server=(taskset -c "$SERVER_CPU")
        pin_client=(taskset -c "$CLIENT_CPU")
    else
        log "warning: not pinning (needs taskset and 2 cores)"
    fi
fi

out="$repo/.build/redis-benchmark"
mkdir -p "$out"
malloc_lib="$out/libmalloccount.so"
if [[ "$SKIP_BUILD" != 1 || ! -f "$malloc_lib" ]]; then
    log "building the malloc counter"
    cc -O2 -Wall -Wextra -std=gnu11 -fPIC -shared -o "$malloc_lib" "$here/malloc-count/malloc_count.c"
fi
if [[ "$SKIP_BUILD" != 1 ]]; then
    log "building RedisBenchmark (release)"
    swift build -c release --product RedisBenchmark >&2
fi
bin="$(swift build -c release --show-bin-path)/RedisBenchmark"
[[ -x "$bin" ]] || die "$bin not built"

# The server: our own, on its own port, no persistence, stopped on exit.
if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
    die "port $PORT is in use; set PORT"
fi
data="$(mktemp -d "${TMPDIR:-/tmp}/swiftev-redis-bench.XXXXXX")"
server_pid=""
cleanup() {
    if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
        redis-cli -p "$PORT" SHUTDOWN NOSAVE >/dev/null 2>&1 || kill "$server_pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$data"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"${pin_server[@]}" redis-server --port "$PORT" --bind 127.0.0.1 --save '' --appendonly no \
    --dir "$data" --logfile "$data/redis.log" --daemonize no &
server_pid=$!
for _ in $(seq 100); do
    [[ "$(redis-cli -p "$PORT" PING 2>/dev/null)" == PONG ]] && break
    kill -0 "$server_pid" 2>/dev/null || die "redis-server exited: $(tail -5 "$data/redis.log")"
    sleep 0.1
done
[[ "$(redis-cli -p "$PORT" PING 2>/dev/null)" == PONG ]] || die "redis-server on $PORT does not answer"
log "redis-server $(redis-server --version | awk '{print $3}') on 127.0.0.1:$PORT (pid $server_pid${pin_server:+, core $SERVER_CPU}); client${pin_client:+ on core $CLIENT_CPU}"

# CPU used by every process over one second, in % of one core (from /proc/stat).
busy_percent() {
    local a b
    read -r -a a < <(head -1 /proc/stat)
    sleep 1
    read -r -a b < <(head -1 /proc/stat)
    local busy=$(( (b[1] + b[2] + b[3] + b[6] + b[7]) - (a[1] + a[2] + a[3] + a[6] + a[7]) ))
    echo $(( busy * 100 / $(getconf CLK_TCK) ))
}
if [[ "$IDLE_WAIT" -gt 0 ]]; then
    deadline=$((SECONDS + IDLE_WAIT))
    while :; do
        busy="$(busy_percent)"
        [[ "$busy" -lt "$BUSY_THRESHOLD" ]] && break
        if [[ "$SECONDS" -ge "$deadline" ]]; then
            log "warning: the machine is still busy (${busy}% of a core used by other processes); results may be disturbed"
            break
        fi
        log "waiting for the machine to be idle (${busy}% of a core busy)"
    done
fi

cmd=("${pin_client[@]}" env LD_PRELOAD="$malloc_lib" "$bin" --port "$PORT" --warmup "$WARMUP" --duration "$DURATION"
     --rb-seconds "$RB_SECONDS" --settings "$SETTINGS" "$@")
log "running: ${cmd[*]}"
"${cmd[@]}"
