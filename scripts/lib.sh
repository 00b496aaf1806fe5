# shellcheck shell=bash
# Shared by scripts/test.sh and scripts/run-example.sh: source it, after setting LOG_NAME
# (and SWIFTEV_EXTRA_CLUSTERS=1 to also start the scratch and host-name clusters, as
# scripts/test.sh does; SWIFTEV_CLUSTERS_IN_BACKGROUND=1 to start them in the background and
# call wait_for_clusters later). Exports the ports the tests and the example read, installs
# prerequisites, and starts the local Redis clusters in parallel, with a trap that stops
# them on exit (unless SWIFTEV_KEEP_CLUSTER=1).

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(dirname "$SCRIPT_DIR")"
CLUSTER="$SCRIPT_DIR/redis-cluster.sh"

log() { printf '%s: %s\n' "${LOG_NAME:-script}" "$*" >&2; }

# port_list FIRST COUNT -> "FIRST,FIRST+1,..."
port_list() {
    local i list=""
    for ((i = 0; i < $2; i++)); do list="$list${list:+,}$(($1 + i))"; done
    printf '%s' "$list"
}

base="${SWIFTEV_CLUSTER_BASE_PORT:-7000}"
export SWIFTEV_CLUSTER_PORTS; SWIFTEV_CLUSTER_PORTS="$(port_list "$base" 6)"
export SWIFTEV_REDIS_STANDALONE_PORT="${SWIFTEV_REDIS_STANDALONE_PORT:-7100}"
export SWIFTEV_REDIS_AUTH_PORT="${SWIFTEV_REDIS_AUTH_PORT:-7101}"
EXTRA_CLUSTERS=()
if [ "${SWIFTEV_EXTRA_CLUSTERS:-0}" = 1 ]; then
    # The base ports are exported too, so redis-cluster.sh (also when a test calls its
    # reset) manages the same ports.
    # Defaults 10, 20 and 30 above the main cluster, as in redis-cluster.sh.
    export SWIFTEV_SCRATCH_BASE_PORT="${SWIFTEV_SCRATCH_BASE_PORT:-$((base + 10))}"
    export SWIFTEV_SPARE_BASE_PORT="${SWIFTEV_SPARE_BASE_PORT:-$((base + 20))}"
    export SWIFTEV_HOSTNAME_BASE_PORT="${SWIFTEV_HOSTNAME_BASE_PORT:-$((base + 30))}"
    export SWIFTEV_SCRATCH_CLUSTER_PORTS; SWIFTEV_SCRATCH_CLUSTER_PORTS="$(port_list "$SWIFTEV_SCRATCH_BASE_PORT" 6)"
    export SWIFTEV_SPARE_NODE_PORTS; SWIFTEV_SPARE_NODE_PORTS="$(port_list "$SWIFTEV_SPARE_BASE_PORT" 2)"
    export SWIFTEV_HOSTNAME_CLUSTER_PORTS; SWIFTEV_HOSTNAME_CLUSTER_PORTS="$(port_list "$SWIFTEV_HOSTNAME_BASE_PORT" 3)"
    EXTRA_CLUSTERS=(scratch hostname)
    # The live topology tests' own cluster (ClusterChaosTests), 110 above the main one.
    export SWIFTEV_CHAOS_BASE_PORT="${SWIFTEV_CHAOS_BASE_PORT:-$((base + 110))}"
    EXTRA_CLUSTERS+=(chaos)
    # The TLS-only cluster (3+3, host names node-K.tls.swiftev.invalid) and its five
    # standalone nodes: plain, client certificate required, expired, wrong name, TLS 1.1 only.
    export SWIFTEV_TLS_BASE_PORT="${SWIFTEV_TLS_BASE_PORT:-$((base + 40))}"
    export SWIFTEV_TLS_CLUSTER_PORTS; SWIFTEV_TLS_CLUSTER_PORTS="$(port_list "$SWIFTEV_TLS_BASE_PORT" 6)"
    export SWIFTEV_TLS_NODE_PORTS; SWIFTEV_TLS_NODE_PORTS="$(port_list "$((SWIFTEV_TLS_BASE_PORT + 10))" 5)"
    export SWIFTEV_TLS_CERT_DIR="${SWIFTEV_CLUSTER_DIR:-$REPO/.cluster}-tls/certs"
    EXTRA_CLUSTERS+=(tls)
fi

"$SCRIPT_DIR/setup.sh"
command -v swift >/dev/null 2>&1 || { log "error: swift not found in PATH"; exit 1; }

# shellcheck disable=SC2317  # invoked via trap
cleanup() {
    if [ "${SWIFTEV_KEEP_CLUSTER:-0}" = 1 ]; then
        log "SWIFTEV_KEEP_CLUSTER=1: leaving Redis nodes running (scripts/redis-cluster.sh [--name scratch|hostname] stop)"
    else
        local name pids=()
        "$CLUSTER" stop &
        pids+=($!)
        for name in "${EXTRA_CLUSTERS[@]}"; do
            "$CLUSTER" --name "$name" stop &
            pids+=($!)
        done
        for pid in "${pids[@]}"; do wait "$pid" || true; done
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# All clusters at once: each waits mostly on Redis' own timers (a new primary is not ok for
# its first 2 s), so in parallel they take little longer than one.
start_clusters() {
    local name pid rc=0 t0 pids=() names=(main)
    t0="$(date +%s%3N)"
    "$CLUSTER" start &
    pids+=($!)
    for name in "${EXTRA_CLUSTERS[@]}"; do
        "$CLUSTER" --name "$name" start &
        pids+=($!)
        names+=("$name")
    done
    for i in "${!pids[@]}"; do
        wait "${pids[$i]}" || { log "error: starting the ${names[$i]} cluster failed"; rc=1; }
    done
    [ "$rc" = 0 ] || exit 1
    log "Redis clusters (${names[*]}) ready in $(( $(date +%s%3N) - t0 )) ms"
}
# With SWIFTEV_CLUSTERS_IN_BACKGROUND=1 (scripts/test.sh) the clusters start while the caller
# builds; it calls wait_for_clusters before it needs them.
CLUSTERS_PID=""
if [ "${SWIFTEV_CLUSTERS_IN_BACKGROUND:-0}" = 1 ]; then
    # The subshell must not run the caller's EXIT trap (it would stop the clusters).
    ( trap - EXIT INT TERM; start_clusters ) &
    CLUSTERS_PID=$!
else
    start_clusters
fi
wait_for_clusters() {
    [ -n "$CLUSTERS_PID" ] || return 0
    wait "$CLUSTERS_PID" || { log "error: the Redis clusters did not start (see above)"; exit 1; }
    CLUSTERS_PID=""
}
cd "$REPO" || exit 1
