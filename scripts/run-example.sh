#!/usr/bin/env bash
# Build and run the example cache service (Examples/CacheService) against the local Redis
# Cluster: installs prerequisites, starts the cluster, builds the service in release mode,
# starts it, prints curl lines to try, and stops everything on Ctrl-C (the service gets
# SIGTERM and shuts down gracefully; the cluster is stopped).
#
# Usage: scripts/run-example.sh [CacheService arguments...]   (e.g. --loops 2; --help)
# Environment: CACHE_LISTEN (default 127.0.0.1:8080) and the service's other settings;
#   SWIFTEV_KEEP_CLUSTER=1 leaves the Redis nodes running; same port overrides/exports as
#   scripts/test.sh (REDIS_HOSTS defaults to the local cluster's primaries).
set -euo pipefail

PRODUCT="CacheService"

LOG_NAME="run-example"
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

log "swift build -c release --product $PRODUCT"
swift build -c release --product "$PRODUCT"
bin="$(swift build -c release --show-bin-path)/$PRODUCT"

export CACHE_LISTEN="${CACHE_LISTEN:-127.0.0.1:8080}"
if [ -z "${REDIS_HOSTS:-}" ]; then
    REDIS_HOSTS="$(tr ',' '\n' <<<"$SWIFTEV_CLUSTER_PORTS" | head -n 3 | sed 's/^/127.0.0.1:/' | paste -sd, -)"
fi
export REDIS_HOSTS
log "starting $PRODUCT on $CACHE_LISTEN (REDIS_HOSTS=$REDIS_HOSTS)"
"$bin" "$@" &
service=$!
# Ctrl-C / TERM: stop the service gracefully first, then lib.sh's EXIT trap stops the cluster.
stop_service() { kill -TERM "$service" 2>/dev/null || true; wait "$service" 2>/dev/null || true; }
trap 'stop_service; exit 130' INT
trap 'stop_service; exit 143' TERM

url="http://$CACHE_LISTEN"
for _ in $(seq 1 100); do
    curl -fs "$url/healthz" >/dev/null 2>&1 && break
    kill -0 "$service" 2>/dev/null || { log "error: $PRODUCT exited"; wait "$service"; exit 1; }
    sleep 0.1
done

cat <<TRY

The cache service is up on $url. Try (answers as in README.md, "The example cache service"):

  curl -i -X PUT --data-binary 'hello' '$url/v1/cache/greeting?ttl=60'
  curl -i $url/v1/cache/greeting
  curl -i -X POST '$url/v1/counters/visits/incr?by=5'
  curl -i -X POST $url/v1/counters/greeting/incr
  curl -i -X PUT --data-binary 'safe' '$url/v1/cache/durable?wait=1'
  curl -i -X DELETE $url/v1/cache/greeting
  curl -i $url/v1/cache/greeting
  curl -i $url/healthz
  curl -s $url/metrics | grep http_requests_total

Ctrl-C stops the service (gracefully) and the cluster.
TRY
rc=0
wait "$service" || rc=$?
exit "$rc"
