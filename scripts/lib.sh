# shellcheck shell=bash
# Shared by scripts/test.sh and scripts/run-example.sh: source it, after setting LOG_NAME.
# Exports the ports the tests and the example read, installs prerequisites, and starts the
# local Redis Cluster with a trap that stops it on exit (unless SWIFTEV_KEEP_CLUSTER=1).

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(dirname "$SCRIPT_DIR")"
CLUSTER="$SCRIPT_DIR/redis-cluster.sh"

log() { printf '%s: %s\n' "${LOG_NAME:-script}" "$*" >&2; }

base="${SWIFTEV_CLUSTER_BASE_PORT:-7000}"
export SWIFTEV_CLUSTER_PORTS="$base,$((base + 1)),$((base + 2)),$((base + 3)),$((base + 4)),$((base + 5))"
export SWIFTEV_REDIS_STANDALONE_PORT="${SWIFTEV_REDIS_STANDALONE_PORT:-7100}"
export SWIFTEV_REDIS_AUTH_PORT="${SWIFTEV_REDIS_AUTH_PORT:-7101}"

"$SCRIPT_DIR/setup.sh"
command -v swift >/dev/null 2>&1 || { log "error: swift not found in PATH"; exit 1; }

# shellcheck disable=SC2317  # invoked via trap
cleanup() {
    if [ "${SWIFTEV_KEEP_CLUSTER:-0}" = 1 ]; then
        log "SWIFTEV_KEEP_CLUSTER=1: leaving Redis nodes running (scripts/redis-cluster.sh stop)"
    else
        "$CLUSTER" stop || true
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"$CLUSTER" start
cd "$REPO" || exit 1
