#!/usr/bin/env bash
# HTTP benchmark: the hello-world server over the SwiftEVHTTP stages (HTTPBench) side by side
# with the same server on SwiftNIO's NIOHTTP1 (Benchmarks/Sources/NIOHTTPHello), each with one
# event loop pinned to core $SERVER_CPU, driven by wrk pinned to core $CLIENT_CPU.
#
# For each server and connection count: a warm-up run, then a measured run of $DURATION
# seconds; prints req/s, p50/p99 latency (wrk --latency), server CPU per 1,000 requests
# (/proc/PID/stat) and heap allocations per request (Benchmarks/malloc-count preloaded).
#
# Usage: Benchmarks/run-http.sh
# Environment:
#   IMPLS         servers to run: swiftev, nio              (default "swiftev nio")
#   PORT          server port                               (default 7480)
#   CONNS         connection counts                         (default "50 200")
#   DURATION      measured seconds per setting              (default 10)
#   WARMUP        warm-up seconds per setting               (default 2)
#   WRK_THREADS   wrk threads                               (default 1)
#   THREADS       server event loops                        (default 1)
#   PIN           0 to skip taskset                         (default 1)
#   SERVER_CPU / CLIENT_CPU  cores for taskset              (default 0 / 1)
#   SKIP_BUILD    1 to reuse the binaries already built     (default 0)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
cd "$repo"

IMPLS="${IMPLS:-swiftev nio}"
PORT="${PORT:-7480}"
CONNS="${CONNS:-50 200}"
DURATION="${DURATION:-10}"
WARMUP="${WARMUP:-2}"
WRK_THREADS="${WRK_THREADS:-1}"
THREADS="${THREADS:-1}"
PIN="${PIN:-1}"
SERVER_CPU="${SERVER_CPU:-0}"
CLIENT_CPU="${CLIENT_CPU:-1}"
SKIP_BUILD="${SKIP_BUILD:-0}"

log() { printf 'run-http: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

for tool in wrk cc swift; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool not found (wrk: apt-get install wrk)"
done
pin_server=()
pin_client=()
if [[ "$PIN" == 1 ]] && command -v taskset >/dev/null 2>&1 && [[ "$(nproc)" -ge 2 ]]; then
    pin_server=(taskset -c "$SERVER_CPU")
    pin_client=(taskset -c "$CLIENT_CPU")
fi

out="$repo/.build/http-benchmark"
mkdir -p "$out"
malloc_lib="$out/libmalloccount.so"
if [[ "$SKIP_BUILD" != 1 || ! -f "$malloc_lib" ]]; then
    cc -O2 -Wall -Wextra -std=gnu11 -fPIC -shared -o "$malloc_lib" "$here/malloc-count/malloc_count.c"
fi
declare -A bins
for impl in $IMPLS; do
    case "$impl" in
        swiftev)
            [[ "$SKIP_BUILD" == 1 ]] || { log "building HTTPBench (release)"; swift build -c release --product HTTPBench >&2; }
            bins[swiftev]="$(swift build -c release --show-bin-path)/HTTPBench" ;;
        nio)
            [[ "$SKIP_BUILD" == 1 ]] || { log "building NIOHTTPHello (release)"; swift build -c release --package-path Benchmarks --product NIOHTTPHello >&2; }
            bins[nio]="$(swift build -c release --package-path Benchmarks --show-bin-path)/NIOHTTPHello" ;;
        *) die "unknown server $impl (swiftev, nio)" ;;
    esac
    [[ -x "${bins[$impl]}" ]] || die "${bins[$impl]} not built"
done

server_pid=""
trap '[[ -z "$server_pid" ]] || { kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null; } || true' EXIT
counts="$out/malloc-counts"

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$server_pid/stat"; }
malloc_count() {
    local before=0
    [[ -f "$counts" ]] && before="$(wc -l < "$counts")"
    kill -USR1 "$server_pid"
    for _ in $(seq 50); do
        [[ -f "$counts" && "$(wc -l < "$counts")" -gt "$before" ]] && break
        sleep 0.02
    done
    tail -1 "$counts" | sed -E 's/count=([0-9]+).*/\1/'
}

url="http://127.0.0.1:$PORT/"
log "$(nproc) cores, servers: $IMPLS (${THREADS} loop(s) each${pin_server:+, core $SERVER_CPU}), wrk ${WRK_THREADS} thread(s)${pin_client:+ on core $CLIENT_CPU}"
log "the machine is shared: other processes may disturb the figures (see load below)"
uptime >&2
printf '%-8s %-6s %12s %10s %10s %14s %12s\n' server conns "req/s" p50 p99 "cpu ms/1k req" "allocs/req"
for impl in $IMPLS; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then die "port $PORT is in use; set PORT"; fi
    rm -f "$counts"
    MALLOC_COUNT_FILE="$counts" LD_PRELOAD="$malloc_lib" "${pin_server[@]}" "${bins[$impl]}" --port "$PORT" --threads "$THREADS" &
    server_pid=$!
    for _ in $(seq 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
        sleep 0.1
    done
    for c in $CONNS; do
        "${pin_client[@]}" wrk -t "$WRK_THREADS" -c "$c" -d "${WARMUP}s" "$url" >/dev/null
        ticks0="$(cpu_ticks)"
        allocs0="$(malloc_count)"
        cmd=("${pin_client[@]}" wrk -t "$WRK_THREADS" -c "$c" -d "${DURATION}s" --latency "$url")
        log "$impl: ${cmd[*]}"
        result="$("${cmd[@]}")"
        allocs1="$(malloc_count)"
        ticks1="$(cpu_ticks)"
        requests="$(awk '/requests in/ { print $1 }' <<<"$result")"
        rps="$(awk '/^Requests\/sec:/ { print $2 }' <<<"$result")"
        p50="$(awk '$1 == "50%" { print $2 }' <<<"$result")"
        p99="$(awk '$1 == "99%" { print $2 }' <<<"$result")"
        errors="$(grep -E 'Socket errors|Non-2xx' <<<"$result" || true)"
        [[ -n "$errors" ]] && log "wrk reported: $errors"
        hz="$(getconf CLK_TCK)"
        cpu="$(awk -v t=$((ticks1 - ticks0)) -v hz="$hz" -v n="$requests" 'BEGIN { printf "%.1f", t * 1000 / hz / n * 1000 }')"
        allocs="$(awk -v a=$((allocs1 - allocs0)) -v n="$requests" 'BEGIN { printf "%.2f", a / n }')"
        printf '%-8s %-6s %12s %10s %10s %14s %12s\n' "$impl" "$c" "$rps" "$p50" "$p99" "$cpu" "$allocs"
    done
    kill "$server_pid"
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
done
