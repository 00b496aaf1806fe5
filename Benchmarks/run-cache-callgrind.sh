#!/usr/bin/env bash
# User-space instructions per request of the cache service (issue 10), under callgrind: unlike
# wall-clock figures these do not move with the machine's load, so they compare changes to the
# request path on a shared machine.
#
# Starts a local 6-node cluster, the release CacheService with one loop under
# valgrind --tool=callgrind (instrumentation off until the warm-up is done), pre-loads 10,000
# 64-byte values, warms up, zeroes the counters, runs wrk for SECONDS, dumps, and prints
# instructions per request, then the functions with the most inclusive and self instructions
# per request.
#
# Usage: Benchmarks/run-cache-callgrind.sh [get|mix]...   (default: get mix)
# Environment:
#   BASE_PORT     first of the cluster's 6 ports (default 7960)
#   SERVICE_PORT  the service's port (default 8390)
#   SECONDS_PER_LOAD  wrk's duration per load (default 10)   CONNECTIONS (default 50)
#   OUT           where the callgrind files and annotations go (default: a temporary folder,
#                 kept and printed)
#   SKIP_BUILD=1  use what is built
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
cd "$repo"

BASE_PORT="${BASE_PORT:-7960}"
SERVICE_PORT="${SERVICE_PORT:-8390}"
SECONDS_PER_LOAD="${SECONDS_PER_LOAD:-10}"
CONNECTIONS="${CONNECTIONS:-50}"
OUT="${OUT:-$(mktemp -d /tmp/cache-callgrind.XXXXXX)}"
loads=("$@")
[[ ${#loads[@]} -gt 0 ]] || loads=(get mix)
export KEYS=10000 GET_PATH="/v1/cache/bench:%d" PUT_PATH="/v1/cache/bench:%d"
CLUSTER=("$repo/scripts/redis-cluster.sh" --name cachegrind --base-port "$BASE_PORT")

log() { printf 'run-cache-callgrind: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
for tool in valgrind callgrind_control callgrind_annotate wrk redis-server swift python3 strip; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool not found (apt-get install valgrind wrk redis-server)"
done
mkdir -p "$OUT"

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
    log "building CacheService (release)"
    swift build -c release --product CacheService >&2
fi
# Without its DWARF the binary loads into valgrind in seconds; the symbol table stays, so
# functions keep their names. Instruction counts are the same either way.
binary="$OUT/CacheService"
strip --strip-debug -o "$binary" "$(swift build -c release --show-bin-path)/CacheService"

pid=""
cleanup() {
    [[ -n "$pid" ]] && { kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
    "${CLUSTER[@]}" stop >/dev/null 2>&1 || true
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
"${CLUSTER[@]}" start >&2

# Instrumentation starts off: start-up and discovery are not counted.
env REDIS_HOSTS="127.0.0.1:$BASE_PORT,127.0.0.1:$((BASE_PORT + 1))" CACHE_LISTEN="127.0.0.1:$SERVICE_PORT" \
    CACHE_LOOPS=1 CACHE_LOG_LEVEL=warning \
    valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$OUT/callgrind.out.%p" "$binary" \
    >"$OUT/service.out" 2>"$OUT/service.err" &
pid=$!
for _ in $(seq 1 600); do
    [[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$SERVICE_PORT/healthz" || true)" == 200 ]] && break
    kill -0 "$pid" 2>/dev/null || die "the service exited: $(tail -n 5 "$OUT/service.err")"
    sleep 0.2
done
python3 "$here/cache/preload.py" "$SERVICE_PORT" "$PUT_PATH" "$KEYS" >&2
callgrind_control -i on "$pid" >/dev/null

printf '%-5s %6s %10s %14s %12s\n' load conns requests "instr/request" "req/s (vg)"
for load in "${loads[@]}"; do
    [[ -f "$here/cache/$load.lua" ]] || die "no load $load (get or mix)"
    wrk -t 1 -c "$CONNECTIONS" -d 3s -s "$here/cache/$load.lua" "http://127.0.0.1:$SERVICE_PORT" >/dev/null 2>&1 || true
    callgrind_control -z "$pid" >/dev/null
    result="$(wrk -t 1 -c "$CONNECTIONS" -d "${SECONDS_PER_LOAD}s" -s "$here/cache/$load.lua" "http://127.0.0.1:$SERVICE_PORT" 2>&1)" || true
    callgrind_control -d "$load" "$pid" >/dev/null
    requests="$(awk '/requests in/ {print $1}' <<<"$result")"
    rps="$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' <<<"$result")"
    [[ -n "$requests" && "$requests" -gt 0 ]] || die "wrk made no request: $result"
    dump="$(ls -t "$OUT"/callgrind.out.*."$load"* 2>/dev/null | head -n 1 || true)"
    [[ -n "$dump" ]] || dump="$(ls -t "$OUT"/callgrind.out.* | head -n 1)"
    total="$(callgrind_annotate "$dump" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1; exit}')"
    printf '%-5s %6s %10s %14.0f %12s\n' "$load" "$CONNECTIONS" "$requests" "$(awk -v t="$total" -v n="$requests" 'BEGIN {print t / n}')" "$rps"
    callgrind_annotate --inclusive=yes "$dump" >"$OUT/$load.inclusive.txt" 2>/dev/null || true
    callgrind_annotate "$dump" >"$OUT/$load.self.txt" 2>/dev/null || true
    cp "$dump" "$OUT/$load.callgrind"
done
log "callgrind files and annotations (inclusive/self per function) in $OUT"
