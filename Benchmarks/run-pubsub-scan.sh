#!/usr/bin/env bash
# Pub/sub and SCAN benchmark of the cluster client, side by side with the stock tools, on a
# 3 + 3 local cluster of its own (BASE_PORT..BASE_PORT+5, default 7750):
#
#   pubsub  ours: PubSubScanBenchmark --mode pubsub: SPUBLISH from one cluster client, received
#                 by a sharded subscription of another (16 shard channels over the slots);
#                 messages/s RECEIVED, first publish to last message.
#           redis-benchmark: SPUBLISH to one shard channel's primary, -P IN_FLIGHT, with one
#                 `redis-cli SSUBSCRIBE` reading the messages to /dev/null: requests/s PUBLISHED
#                 (what it can express; it does not count deliveries).
#   scan    ours: PubSubScanBenchmark --mode scan: cluster-wide SCAN, coverage checked
#                 (CLUSTER NODES before and after each node's scan), with COUNT 10 (what
#                 redis-cli 7.0 --scan uses; it has no --count) and COUNT 1000.
#           redis-cli: `redis-cli -p P --scan | wc -l` on each primary, all three at once
#                 (wall time), then one after another.
#
# Usage: Benchmarks/run-pubsub-scan.sh
# Environment:
#   BASE_PORT (7750)  MESSAGES (200000)  PAYLOAD (32)  IN_FLIGHT (64)  KEYS (300000)
#   SKIP_BUILD=1      use the PubSubScanBenchmark already built in .build/release
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
cd "$repo"

BASE_PORT="${BASE_PORT:-7750}"
MESSAGES="${MESSAGES:-200000}"
PAYLOAD="${PAYLOAD:-32}"
IN_FLIGHT="${IN_FLIGHT:-64}"
KEYS="${KEYS:-300000}"
CLUSTER=("$repo/scripts/redis-cluster.sh" --name pubsubbench --base-port "$BASE_PORT")

log() { printf 'run-pubsub-scan: %s\n' "$*" >&2; }

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
    swift build -c release --product PubSubScanBenchmark >&2
fi
bench="$repo/.build/release/PubSubScanBenchmark"

"${CLUSTER[@]}" start >&2
trap '"${CLUSTER[@]}" stop >&2 || true' EXIT
primaries=()
for port in $(seq "$BASE_PORT" $((BASE_PORT + 5))); do
    if redis-cli -p "$port" ROLE | head -1 | grep -q master; then primaries+=("$port"); fi
done
log "primaries: ${primaries[*]}"
now() { date +%s.%N; }

# ---- pub/sub
echo "== sharded pub/sub, $MESSAGES messages of $PAYLOAD bytes, $IN_FLIGHT publishes in flight"
printf '%-16s %s\n' "ours" "$("$bench" --port "$BASE_PORT" --mode pubsub --messages "$MESSAGES" --payload "$PAYLOAD" --in-flight "$IN_FLIGHT" | grep messages/s)"
channel="bench:rb"
owner=""
# The shard channel's primary is the one that does not answer MOVED.
for port in "${primaries[@]}"; do
    if [[ "$(redis-cli -p "$port" SPUBLISH "$channel" probe)" =~ ^[0-9]+$ ]]; then owner="$port"; fi
done
[[ -n "$owner" ]] || { log "no primary serves $channel"; exit 1; }
redis-cli -p "$owner" SSUBSCRIBE "$channel" >/dev/null &
subscriber=$!
sleep 0.3
payload="$(head -c "$PAYLOAD" /dev/zero | tr '\0' x)"
rb="$(redis-benchmark -p "$owner" -n "$MESSAGES" -P "$IN_FLIGHT" -q SPUBLISH "$channel" "$payload" | tr '\r' '\n' | grep -E 'requests per second' | tail -1)"
printf '%-16s %s\n' "redis-benchmark" "$rb (published, 1 subscriber)"
kill "$subscriber" 2>/dev/null || true

# ---- SCAN
log "writing keys (redis-benchmark --cluster SET -r $KEYS)"
redis-benchmark --cluster -p "$BASE_PORT" -t set -n "$KEYS" -r "$KEYS" -P 64 -q >/dev/null 2>&1
total=0
for port in "${primaries[@]}"; do total=$((total + $(redis-cli -p "$port" DBSIZE))); done
echo "== cluster-wide SCAN over $total keys"
printf '%-16s %s\n' "ours COUNT 10" "$("$bench" --port "$BASE_PORT" --mode scan --count 10 | grep keys=)"
printf '%-16s %s\n' "ours COUNT 1000" "$("$bench" --port "$BASE_PORT" --mode scan --count 1000 | grep keys=)"
tmp="$(mktemp -d)"
start="$(now)"
for port in "${primaries[@]}"; do (redis-cli -p "$port" --scan | wc -l >"$tmp/$port") & done
wait
end="$(now)"
found=0
for port in "${primaries[@]}"; do found=$((found + $(cat "$tmp/$port"))); done
awk -v k="$found" -v a="$start" -v b="$end" 'BEGIN { printf "%-16s keys=%d keys/s=%.0f seconds=%.3f\n", "redis-cli ×3 par", k, k / (b - a), b - a }'
start="$(now)"
found=0
for port in "${primaries[@]}"; do found=$((found + $(redis-cli -p "$port" --scan | wc -l))); done
end="$(now)"
awk -v k="$found" -v a="$start" -v b="$end" 'BEGIN { printf "%-16s keys=%d keys/s=%.0f seconds=%.3f\n", "redis-cli ×3 seq", k, k / (b - a), b - a }'
rm -rf "$tmp"
