#!/usr/bin/env bash
# The project's test command: installs prerequisites, starts the local Redis clusters (main +
# standalone nodes, scratch + spare nodes, host-name), builds, runs `swift test` and stops them.
#
# Usage: scripts/test.sh [swift test arguments...]
#   SWIFTEV_FUZZ_SECONDS=N   also fuzz the RESP decoder for N seconds (CI: 30)
#   e.g. scripts/test.sh --filter ByteBufferTests
# Environment:
#   SWIFTEV_KEEP_CLUSTER=1   leave the Redis nodes running afterwards
#                            (stop them with scripts/redis-cluster.sh [--name scratch|hostname] stop)
#   SWIFTEV_CLUSTER_BASE_PORT, SWIFTEV_REDIS_STANDALONE_PORT, SWIFTEV_REDIS_AUTH_PORT,
#   SWIFTEV_SCRATCH_BASE_PORT, SWIFTEV_SPARE_BASE_PORT,
#   SWIFTEV_HOSTNAME_BASE_PORT  port overrides (see scripts/redis-cluster.sh; the last three
#                               default to 10, 20 and 30 above SWIFTEV_CLUSTER_BASE_PORT)
#   SWIFTEV_TLS_BASE_PORT       the TLS cluster (default 40 above; its standalone nodes 50 above)
# Exported to the tests:
#   SWIFTEV_CLUSTER_PORTS=7000,...,7005  SWIFTEV_REDIS_STANDALONE_PORT=7100
#   SWIFTEV_REDIS_AUTH_PORT=7101
#   SWIFTEV_SCRATCH_CLUSTER_PORTS=7010,...,7015  (3+3, for destructive tests)
#   SWIFTEV_SPARE_NODE_PORTS=7020,7021           (empty nodes for scale-out tests)
#   SWIFTEV_HOSTNAME_CLUSTER_PORTS=7030,7031,7032 (announce node-N.swiftev.invalid)
#   SWIFTEV_CHAOS_BASE_PORT=7110                  (3+3 for the live topology tests)
#   SWIFTEV_TLS_CLUSTER_PORTS=7040,...,7045      (TLS only, announce node-N.tls.swiftev.invalid)
#   SWIFTEV_TLS_NODE_PORTS=7050,...,7054         (TLS standalone: plain, client cert required,
#                                                 expired cert, wrong name, TLS 1.1 only)
#   SWIFTEV_TLS_CERT_DIR=.cluster-tls/certs      (ca.crt, client.crt/.key, other-ca.crt, ...)
#   and the three *_BASE_PORT values above
# Exit status: that of `swift test` (or of the first failing step before it).
set -euo pipefail

LOG_NAME="test"
SWIFTEV_EXTRA_CLUSTERS=1
SWIFTEV_CLUSTERS_IN_BACKGROUND=1  # they start while swift builds
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

log "swift build"
swift build
wait_for_clusters
log "swift test $*"
rc=0
out="$(mktemp)"
# All tests are XCTest; without this flag the empty Swift Testing run closes the output
# with "0 tests", which reads as if nothing ran.
swift test --disable-swift-testing "$@" 2>&1 | tee "$out" || rc=$?  # pipefail: swift test's status
log "swift test exited with $rc"

# The fuzz corpus through the plain build (every input decoded whole and in chunks), then,
# when SWIFTEV_FUZZ_SECONDS > 0 (CI sets 30), a short libFuzzer run.
log "replaying the RESP fuzz corpus"
swift run --skip-build RESPFuzz Fuzz/corpus/* || rc=1
log "replaying the HTTP fuzz corpus"
swift run --skip-build HTTPFuzz Fuzz/http-corpus/* || rc=1
if [ "${SWIFTEV_FUZZ_SECONDS:-0}" -gt 0 ]; then
    log "fuzzing the RESP decoder for ${SWIFTEV_FUZZ_SECONDS}s"
    "$SCRIPT_DIR/fuzz-resp.sh" "$SWIFTEV_FUZZ_SECONDS" 2>&1 | grep -E "stat::number_of_executed_units|DONE|ERROR|crash|deadly" || rc=1
fi
# Stop the cluster now, so the summary below is the last line.
cleanup
trap - EXIT

# One plain closing line: "N passed, N failed", from XCTest's overall summary.
summary="$(grep -E "^[[:space:]]*Executed [0-9]+ tests?, with [0-9]+ failures?" "$out" | tail -n 1 || true)"
rm -f "$out"
if [ -n "$summary" ]; then
    total="$(sed -E 's/.*Executed ([0-9]+) tests?.*/\1/' <<<"$summary")"
    failed="$(sed -E 's/.*with ([0-9]+) failures?.*/\1/' <<<"$summary")"
    echo "$((total - failed)) passed, $failed failed"
fi
exit "$rc"
