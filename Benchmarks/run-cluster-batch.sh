#!/usr/bin/env bash
# Split multi-key commands and cluster pipelines, per key, side by side in one run, against a
# 6-node local cluster of its own (3 primaries + 3 replicas, started and stopped here):
#
#   ours       ClusterBatchBenchmark (this package):
#                mget / mset of BATCH random keys (spread over all slots, so split per slot),
#                compared with the same keys as one pipeline of BATCH GETs / SETs
#                (get-pipeline / set-pipeline); goal: split ≤ 1.5× the pipeline's cost;
#                pipeline of PIPELINE commands (SET/GET alternating); goal: ≥ 1 M keys/s.
#   lvbench    the C reference (libvalkey), sync mode with a PIPELINE-command pipeline (its
#              valkeyClusterAppendCommand), SET/GET alternating: our `pipeline` mode's peer.
#              It has no cross-slot MGET/MSET. LVBENCH=/path/to/lvbench; skipped when absent.
#   redis-bm   redis-benchmark --cluster -P PIPELINE, one client per primary (SET then GET):
#              the closest it comes to a cluster pipeline. Its MSET test uses one hash tag
#              (one slot), so it cannot express a split MSET/MGET either.
#
# CPU µs/key: ours and lvbench measure themselves (getrusage, warm-up excluded);
# redis-benchmark through /usr/bin/time (whole run). allocs/key needs Benchmarks/malloc-count
# (built by this script when gcc is there).
#
# Usage: Benchmarks/run-cluster-batch.sh
# Environment: BASE_PORT (7650), DURATION (5 s), BATCH (100), PIPELINE (1000), KEYS (100000),
#              IN_FLIGHT (batches in flight for ours, default 1), LVBENCH, SKIP_BUILD (0)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
cd "$repo"

BASE_PORT="${BASE_PORT:-7650}"
DURATION="${DURATION:-5}"
BATCH="${BATCH:-100}"
PIPELINE="${PIPELINE:-1000}"
KEYS="${KEYS:-100000}"
IN_FLIGHT="${IN_FLIGHT:-1}"
SKIP_BUILD="${SKIP_BUILD:-0}"
LVBENCH="${LVBENCH:-}"
CLUSTER=("$repo/scripts/redis-cluster.sh" --name "bench$BASE_PORT" --base-port "$BASE_PORT")

log() { printf 'run-cluster-batch: %s\n' "$*" >&2; }

if [[ "$SKIP_BUILD" != 1 ]]; then
    log "swift build -c release --product ClusterBatchBenchmark"
    swift build -c release --product ClusterBatchBenchmark >&2
fi
bench="$(swift build -c release --show-bin-path)/ClusterBatchBenchmark"
preload="$repo/.build/redis-benchmark/libmalloccount.so"
mkdir -p "$(dirname "$preload")"
cc -O2 -Wall -Wextra -std=gnu11 -fPIC -shared -o "$preload" "$here/malloc-count/malloc_count.c" || preload=""

"${CLUSTER[@]}" start >&2
trap '"${CLUSTER[@]}" stop >&2' EXIT
port="$BASE_PORT"

ours() {
    LD_PRELOAD="$preload" "$bench" --port "$port" --seconds "$DURATION" --keys "$KEYS" --in-flight "$IN_FLIGHT" "$@"
}

echo "# $(date -u +%FT%TZ), $(nproc) cores, shared machine (other jobs running: numbers are noisy)"
echo "## multi-key split vs the same keys as one pipeline of single-key commands (batch $BATCH)"
ours --mode mset --batch "$BATCH"
ours --mode set-pipeline --batch "$BATCH"
ours --mode mget --batch "$BATCH"
ours --mode get-pipeline --batch "$BATCH"

echo "## $PIPELINE-command cluster pipeline, SET/GET alternating"
ours --mode pipeline --batch "$PIPELINE"
if [[ -n "$LVBENCH" && -x "$LVBENCH" ]]; then
    ops=$((PIPELINE * 200))
    PORT="$port" KEYS="$KEYS" "$LVBENCH" sync "$ops" "$PIPELINE"
else
    echo "lvbench: skipped (set LVBENCH=/path/to/lvbench)"
fi
if command -v redis-benchmark >/dev/null 2>&1 && [[ -x /usr/bin/time ]]; then
    n=$((PIPELINE * 300))
    for test in set get; do
        out="$( { /usr/bin/time -f 'cpu_s=%U+%S' redis-benchmark --cluster -p "$port" -c 3 -P "$PIPELINE" -t "$test" \
            -r "$KEYS" -n "$n" -d 3 -q; } 2>&1 )"
        rps="$(grep -oE '[0-9.]+ requests per second' <<<"$out" | head -1 | awk '{print $1}')"
        cpu="$(grep -oE 'cpu_s=[0-9.]+\+[0-9.]+' <<<"$out" | sed 's/cpu_s=//' | awk -F+ '{print $1 + $2}')"
        echo "redis-benchmark --cluster -P $PIPELINE -t $test: keys/s=$rps cpu_us_per_key=$(awk -v c="$cpu" -v n="$n" 'BEGIN{printf "%.3f", 1e6*c/n}')"
    done
fi
