#!/usr/bin/env bash
# Cache service benchmark (issue 10): wrk against the example cache service on a local 6-node
# cluster (3 primaries + 3 replicas), side by side in one run with its peers:
#
#   ours         Examples/CacheService (release), CACHE_LOOPS loops (default: cores).
#   hummingbird  the same API on Hummingbird 2 + valkey-swift's cluster client
#                (Benchmarks/CachePeers, a separate package, built in CACHE_PEERS_HOME with
#                valkey-swift cloned into its .deps from VALKEY_SWIFT_GIT). Skipped when it
#                does not build.
#                (Also accepted under its old name, hb-valkey.)
#   webdis       Debian's webdis (C, libevent) on one standalone redis-server, mapped onto its
#                own URL scheme (GET /GET/k.txt answers the raw value; PUT /SET/k takes the
#                value as its body). Skipped when webdis is not installed.
#
# Workloads, each DURATION seconds, at 50 and 200 connections (wrk, WRK_THREADS threads):
#   get   GET of 10,000 pre-loaded 64-byte values, uniform keys
#   mix   50/50 PUT (64 bytes) / GET, uniform keys
# Per row: requests/s, p50 and p99 latency (wrk --latency), non-2xx answers, and the server
# process' CPU (user+system from /proc/PID/stat) per 1,000 requests. Then RSS of each server
# before and after RSS_SECONDS (default 60) of the 200-connection mix.
# wrk, Redis and the server share the machine's cores: numbers are relative, and noisy on a
# shared machine.
#
# Usage: Benchmarks/run-cache.sh
# Environment:
#   BASE_PORT       first of the 6 cluster ports (default 7940); the standalone node for
#                   webdis is BASE_PORT+10
#   SERVICE_PORT    ours (default 8380); hummingbird SERVICE_PORT+1, webdis SERVICE_PORT+2
#   DURATION        seconds per measured row (default 10)   RSS_SECONDS (default 60)
#   RSS_EVERY       also sample each server's RSS every this many seconds during the RSS run
#                   and print the series (default 0: before and after only), to tell warm-up
#                   from growth: e.g. RSS_SECONDS=180 RSS_EVERY=10
#   CONNECTIONS     (default 50,200; empty: only the RSS run)   WRK_THREADS (default 2)
#   CACHE_LOOPS     (default: cores)
#   PEERS           which to run (default ours,hummingbird,webdis)
#   VALKEY_SWIFT_GIT  where to clone valkey-swift from (default: the search tool's fetched
#                   mirror /work/.mirror/valkey-io+valkey-swift/repo when present, else
#                   https://github.com/valkey-io/valkey-swift)
#   VALKEY_SWIFT_REF  its tag (default 1.4.0)
#   CACHE_PEERS_HOME  where the Hummingbird peer is built: its sources are copied there (only
#                   the files that changed, so a rebuild is incremental) and its .build and .deps
#                   live there. A first release build takes tens of minutes to hours on a shared
#                   2-core machine, so the default is outside any worktree and kept:
#                   /work/peers/cachepeers when /work/peers exists, else
#                   ${XDG_CACHE_HOME:-~/.cache}/swiftev/cachepeers. Set it to
#                   Benchmarks/CachePeers to build in the tree.
#   SKIP_BUILD=1    use what is built
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
cd "$repo"

BASE_PORT="${BASE_PORT:-7940}"
SERVICE_PORT="${SERVICE_PORT:-8380}"
DURATION="${DURATION:-10}"
RSS_SECONDS="${RSS_SECONDS:-60}"
CONNECTIONS="${CONNECTIONS-50,200}"
RSS_EVERY="${RSS_EVERY:-0}"
WRK_THREADS="${WRK_THREADS:-2}"
PEERS="${PEERS:-ours,hummingbird,webdis}"
KEYS=10000
STANDALONE_PORT=$((BASE_PORT + 10))
valkey_mirror=/work/.mirror/valkey-io+valkey-swift/repo
[[ -d "$valkey_mirror" ]] || valkey_mirror=https://github.com/valkey-io/valkey-swift
VALKEY_SWIFT_GIT="${VALKEY_SWIFT_GIT:-$valkey_mirror}"
VALKEY_SWIFT_REF="${VALKEY_SWIFT_REF:-1.4.0}"
if [[ -d /work/peers ]]; then default_peers_home=/work/peers/cachepeers
else default_peers_home="${XDG_CACHE_HOME:-$HOME/.cache}/swiftev/cachepeers"; fi
CACHE_PEERS_HOME="${CACHE_PEERS_HOME:-$default_peers_home}"
CLUSTER=("$repo/scripts/redis-cluster.sh" --name cachebench --base-port "$BASE_PORT")
export KEYS

log() { printf 'run-cache: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
for tool in wrk redis-server redis-cli swift python3; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool not found (apt-get install wrk redis-server)"
done
IFS=, read -r -a connections <<<"$CONNECTIONS"
want() { [[ ",$PEERS," == *",$1,"* ]]; }
want hb-valkey && PEERS="$PEERS,hummingbird"

# --- Builds
if [[ "${SKIP_BUILD:-0}" != 1 ]] && want ours; then
    log "building CacheService (release)"
    swift build -c release --product CacheService >&2
fi
ours_bin="$(swift build -c release --show-bin-path)/CacheService"
peers_dir="$CACHE_PEERS_HOME"
hb_bin=""
# Copies the peer's package into $peers_dir, leaving files whose content is unchanged alone
# (their timestamps are what keeps the next build incremental).
stage_peers() {
    local source="$here/CachePeers" file target
    mkdir -p "$peers_dir"
    [[ "$(cd "$peers_dir" && pwd)" == "$source" ]] && return 0
    (cd "$source" && find Package.swift Sources -type f) | while read -r file; do
        target="$peers_dir/$file"
        cmp -s "$source/$file" "$target" && continue
        mkdir -p "$(dirname "$target")"
        cp "$source/$file" "$target"
    done
}
if want hummingbird; then
    if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
        stage_peers
        if [[ ! -d "$peers_dir/.deps/valkey-swift" ]]; then
            mkdir -p "$peers_dir/.deps"
            git clone -q "$VALKEY_SWIFT_GIT" "$peers_dir/.deps/valkey-swift" && git -C "$peers_dir/.deps/valkey-swift" checkout -q "$VALKEY_SWIFT_REF" \
                || log "note: could not clone valkey-swift from $VALKEY_SWIFT_GIT"
        fi
        log "building the Hummingbird + valkey-swift peer in $peers_dir (release; long on a first build)"
        (cd "$peers_dir" && swift build -c release --product HummingbirdValkeyCache >&2) || log "note: the hummingbird peer does not build; skipped"
    fi
    candidate="$peers_dir/.build/release/HummingbirdValkeyCache"
    [[ -x "$candidate" ]] && hb_bin="$candidate"
    [[ -n "$hb_bin" ]] || log "note: no Hummingbird peer built in $peers_dir; skipped"
fi
webdis_bin=""
if want webdis; then
    webdis_bin="$(command -v webdis || true)"
    [[ -n "$webdis_bin" ]] || log "note: webdis not installed (apt-get install webdis); skipped"
fi

# --- Redis: the cluster for ours and hummingbird, one standalone node for webdis.
work="$(mktemp -d)"
server_pid=""
cleanup() {
    [[ -n "$server_pid" ]] && { kill -TERM "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; }
    redis-cli -p "$STANDALONE_PORT" shutdown nosave >/dev/null 2>&1 || true
    "${CLUSTER[@]}" stop >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
"${CLUSTER[@]}" start >&2
seeds="127.0.0.1:$BASE_PORT,127.0.0.1:$((BASE_PORT + 1)),127.0.0.1:$((BASE_PORT + 2))"
if [[ -n "$webdis_bin" ]]; then
    redis-server --port "$STANDALONE_PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
        --logfile "$work/standalone.log" --dir "$work" >/dev/null
fi

stop_server() {  # pid: SIGTERM, then SIGKILL after 5 s (the Hummingbird peer does not exit on SIGTERM)
    kill -TERM "$1" 2>/dev/null || return 0
    for _ in $(seq 1 50); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
wait_http() {  # port path: up once it answers 2xx, or 404 (an absent probe key: the store answered)
    local code
    for _ in $(seq 1 300); do
        code="$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1$2" || true)"
        [[ "$code" == 2* || "$code" == 404 ]] && return 0
        sleep 0.1
    done
    return 1
}
ms() {  # wrk latency "1.23ms" / "456.00us" / "1.02s" -> ms
    awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n = n; else if (v ~ /s$/) n *= 1000; printf "%.2f", n }'
}

rows=()
rss_rows=()
rss_series=()
# measure NAME PID PORT SCRIPT CONNS SECONDS -> appends a row
measure() {
    local name="$1" pid="$2" port="$3" script="$4" conns="$5" seconds="$6" out t0 t1 requests rps p50 p99 errors cpu
    t0="$(cpu_ticks "$pid")"
    out="$(wrk -t "$WRK_THREADS" -c "$conns" -d "${seconds}s" --latency -s "$here/cache/$script.lua" "http://127.0.0.1:$port" 2>&1)" || true
    t1="$(cpu_ticks "$pid")"
    requests="$(awk '/requests in/ {print $1}' <<<"$out")"
    rps="$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' <<<"$out")"
    p50="$(ms "$(awk '$1 == "50%" {print $2}' <<<"$out")")"
    p99="$(ms "$(awk '$1 == "99%" {print $2}' <<<"$out")")"
    errors="$(awk '/Non-2xx/ {print $NF}' <<<"$out")"
    errors="${errors:-0}"
    if [[ -n "$requests" && "$requests" -gt 0 ]]; then
        cpu="$(awk -v t="$((t1 - t0))" -v hz="$(getconf CLK_TCK)" -v n="$requests" 'BEGIN { printf "%.1f", t * 1000 / hz / (n / 1000) }')"
    else
        cpu="-"
    fi
    rows+=("$(printf '%-10s %-4s %5s %10s %9s %9s %9s %14s' "$name" "$script" "$conns" "${rps:--}" "$p50" "$p99" "$errors" "$cpu")")
    log "$name $script c=$conns: ${rps:-?} req/s p50 ${p50} ms p99 ${p99} ms non-2xx $errors cpu ${cpu} ms/1000"
}

# run_server NAME PORT GET_PATH PUT_PATH HEALTH_PATH command...
run_server() {
    local name="$1" port="$2"
    export GET_PATH="$3" PUT_PATH="$4"
    local health="$5"
    shift 5
    "$@" >"$work/$name.out" 2>"$work/$name.err" &
    server_pid=$!
    if ! wait_http "$port" "$health"; then
        log "note: $name did not come up; skipped ($(tail -n 3 "$work/$name.err" | tr '\n' ' '))"
        kill -TERM "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; server_pid=""
        return
    fi
    python3 "$here/cache/preload.py" "$port" "$PUT_PATH" "$KEYS" >&2
    # Warm-up (connections, JIT-less but caches and pools), not measured.
    wrk -t "$WRK_THREADS" -c 200 -d 2s -s "$here/cache/mix.lua" "http://127.0.0.1:$port" >/dev/null 2>&1 || true
    for conns in "${connections[@]}"; do
        measure "$name" "$server_pid" "$port" get "$conns" "$DURATION"
        measure "$name" "$server_pid" "$port" mix "$conns" "$DURATION"
    done
    local before after sampler=""
    before="$(rss_kib "$server_pid")"
    if (( RSS_EVERY > 0 )); then
        (   started=$SECONDS
            while kill -0 "$server_pid" 2>/dev/null; do
                printf '%s %s\n' "$((SECONDS - started))" "$(($(rss_kib "$server_pid") / 1024))"
                sleep "$RSS_EVERY"
            done ) >"$work/$name.rss" &
        sampler=$!
    fi
    measure "$name" "$server_pid" "$port" mix 200 "$RSS_SECONDS"
    after="$(rss_kib "$server_pid")"
    if [[ -n "$sampler" ]]; then
        kill "$sampler" 2>/dev/null || true; wait "$sampler" 2>/dev/null || true
        rss_series+=("$(printf '%-10s %s' "$name" "$(awk '{printf "%ss:%s ", $1, $2}' "$work/$name.rss")")")
    fi
    rss_rows+=("$(printf '%-10s %10s %10s' "$name" "$((before / 1024))" "$((after / 1024))")")
    stop_server "$server_pid"
    server_pid=""
}

if want ours; then
    run_server ours "$SERVICE_PORT" "/v1/cache/bench:%d" "/v1/cache/bench:%d" /healthz \
        env REDIS_HOSTS="$seeds" CACHE_LISTEN="127.0.0.1:$SERVICE_PORT" CACHE_LOG_LEVEL=warning "$ours_bin"
fi
if [[ -n "$hb_bin" ]]; then
    port=$((SERVICE_PORT + 1))
    # No health route: a GET of a probe key answers (404) once the cluster client works.
    run_server hummingbird "$port" "/v1/cache/bench:%d" "/v1/cache/bench:%d" "/v1/cache/bench:0" \
        "$hb_bin" "$port" "$BASE_PORT,$((BASE_PORT + 1)),$((BASE_PORT + 2))"
fi
if [[ -n "$webdis_bin" ]]; then
    port=$((SERVICE_PORT + 2))
    cat >"$work/webdis.json" <<JSON
{ "redis_host": "127.0.0.1", "redis_port": $STANDALONE_PORT, "http_host": "127.0.0.1", "http_port": $port,
  "threads": $(getconf _NPROCESSORS_ONLN), "pool_size": 20, "daemonize": false, "websockets": false,
  "database": 0, "verbosity": 3, "logfile": "$work/webdis.log",
  "acl": [ { "disabled": ["DEBUG", "FLUSHDB", "FLUSHALL"] } ] }
JSON
    redis-cli -p "$STANDALONE_PORT" set bench:0 x >/dev/null
    run_server webdis "$port" "/GET/bench:%d.txt" "/SET/bench:%d" "/GET/bench:0.txt" "$webdis_bin" "$work/webdis.json"
fi

echo
echo "Cache service benchmark: $(nproc) cores shared by wrk ($WRK_THREADS threads), Redis and the server; ${DURATION}s per row"
printf '%-10s %-4s %5s %10s %9s %9s %9s %14s\n' server load conns "req/s" "p50 ms" "p99 ms" "non-2xx" "cpu ms/1000req"
printf '%s\n' "${rows[@]}"
echo
echo "Resident memory around ${RSS_SECONDS}s of the 200-connection mix (MiB):"
printf '%-10s %10s %10s\n' server before after
printf '%s\n' "${rss_rows[@]}"
if (( ${#rss_series[@]} > 0 )); then
    echo
    echo "RSS every ${RSS_EVERY}s during that run (seconds:MiB):"
    printf '%s\n' "${rss_series[@]}"
fi
