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

LOG_NAME="run-example"
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

log "swift run -c release $PRODUCT $*"
rc=0
swift run -c release "$PRODUCT" "$@" || rc=$?
exit "$rc"
