#!/usr/bin/env bash
# Build and run the example service against the local Redis Cluster.
# Installs prerequisites, starts the cluster, `swift run -c release $PRODUCT`,
# and stops the cluster when the program exits (or on Ctrl-C).
#
# Usage: scripts/run-example.sh [program arguments...]
# Environment: SWIFTEV_KEEP_CLUSTER=1 leaves the Redis nodes running;
#   same port overrides/exports as scripts/test.sh.
set -euo pipefail

# The executable product to run.
PRODUCT="EchoServer"

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(dirname "$SCRIPT_DIR")"
CLUSTER="$SCRIPT_DIR/redis-cluster.sh"

log() { printf 'run-example: %s\n' "$*" >&2; }

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

cd "$REPO"
log "swift run -c release $PRODUCT $*"
rc=0
swift run -c release "$PRODUCT" "$@" || rc=$?
exit "$rc"
