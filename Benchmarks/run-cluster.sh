#!/usr/bin/env bash
# Cluster benchmark: GET/SET mixed (alternating, keys uniform over KEYS random keys, hence
# over all 16384 slots) against our own 6-node local cluster (3 primaries + 3 replicas), at
# 1, 50 and 200 commands in flight, side by side in one run:
#
#   ours       ClusterBenchmark (this package), when `swift build -c release --product
#              ClusterBenchmark` succeeds: `ClusterBenchmark --port P --in-flight N --seconds S`,
#              which prints one line `ops/s=… cpu_us_per_op=… allocs_per_op=…`.
#   lvbench    the C reference (libvalkey async on libev), built outside this repository
#              (see ../shared/peers/README.md); pass its path as LVBENCH=/path/to/lvbench.
#              Skipped, with a note, when absent. It keeps N commands in flight over one
#              connection per primary; its value is "xxx" (3 bytes, fixed in lvbench.c).
#   redis-bm   redis-benchmark --cluster, which cannot keep N in flight on its own: it runs
#              the SET test then the GET test (their combined rate is shown) with one client
#              per primary, each pipelining P = N/3 commands and waiting for all P replies
#              before the next batch (RB_MODE=pipeline, the default), or with N clients of one
#              command each (RB_MODE=clients). At N=1: one client, so one primary's slots only.
#
# CPU µs/op is the client process' user+system time over its operations: ClusterBenchmark and
# lvbench measure it themselves (getrusage, warm-up excluded); redis-benchmark is measured
# with /usr/bin/time (its whole run, connection set-up included).
#
# The servers' side of each run, since on a small machine the six redis-servers and the client
# share the same cores and the servers' CPU bounds the throughput as much as the client's:
#   srv_us/op  the six redis-servers' CPU time (utime+stime from /proc/<pid>/stat, 10 ms ticks)
#              over the commands the primaries processed (total_commands_processed), warm-up
#              included; replicas' replication work is in it.
#   cmds/read  the primaries' total_commands_processed over total_reads_processed: how many
#              commands a client sends a node per batch (larger batches cost the server less).
#
# Usage: Benchmarks/run-cluster.sh
# Environment:
#   LVBENCH        path of a built lvbench                         (default: none, skipped)
#   BASE_PORT      first of the 6 cluster ports                    (default 7900)
#   DURATION       measured seconds per client and setting         (default 5)
#   SETTINGS       commands in flight, comma-separated             (default 1,50,200)
#   REPEAT         runs of ours, lvbench and ours-3B per setting, in alternating order
#                  (odd: ours, lvbench, ours-3B; even: ours-3B, lvbench, ours), with a
#                  median table at the end: rows measured later in a setting ran faster
#                  here, so one run in a fixed order favours the later rows (default 1)
#   KEYS           number of distinct keys                         (default 100000)
#   VALUE_SIZE     value bytes for ours and redis-benchmark         (default 32;
#                  with lvbench, ours also runs with its 3-byte value as "ours-3B")
#   RB_MODE        pipeline | clients (see above)                  (default pipeline)
#   SKIP_BUILD     1: use the ClusterBenchmark already built       (default 0)
#   OURS_ARGS      extra ClusterBenchmark options for the ours rows, e.g. "--warmup 2"
#                                                                  (default none)
#   ALT            a second ClusterBenchmark binary (e.g. another branch's build), run as
#                  "alt" (VALUE_SIZE values, ALT_ARGS options) between ours and lvbench in
#                  every round, so that it is paired with both       (default none)
#   ALT_ARGS       extra options for the alt rows                  (default: OURS_ARGS)
#
# Paired ratios: with REPEAT > 1, each round's ours, ours-3B (and alt) are divided by the
# lvbench run measured right beside them in the same round (and alt by ours), and the script
# prints every round's ratios and their median, min and max. The machine's speed drifts by
# ±20 % within a run, but little between two adjacent runs, so the ratios of adjacent pairs
# show differences the medians of whole columns cannot.
#   IDLE_WAIT      wait up to this many seconds for the machine to be idle (others below
#                  BUSY_THRESHOLD % of one core) before measuring (default 60; 0 = don't)
#   BUSY_THRESHOLD                                                 (default 10)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
cd "$repo"

BASE_PORT="${BASE_PORT:-7900}"
DURATION="${DURATION:-5}"
SETTINGS="${SETTINGS:-1,50,200}"
REPEAT="${REPEAT:-1}"
KEYS="${KEYS:-100000}"
VALUE_SIZE="${VALUE_SIZE:-32}"
RB_MODE="${RB_MODE:-pipeline}"
SKIP_BUILD="${SKIP_BUILD:-0}"
IDLE_WAIT="${IDLE_WAIT:-60}"
BUSY_THRESHOLD="${BUSY_THRESHOLD:-10}"
LVBENCH="${LVBENCH:-}"
OURS_ARGS="${OURS_ARGS:-}"
ALT="${ALT:-}"
ALT_ARGS="${ALT_ARGS-$OURS_ARGS}"
CLUSTER=("$repo/scripts/redis-cluster.sh" --name bench --base-port "$BASE_PORT")

log() { printf 'run-cluster: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

for tool in redis-server redis-cli redis-benchmark swift awk; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool not found (scripts/setup.sh installs redis)"
done
[[ -x /usr/bin/time ]] || die "/usr/bin/time not found (Debian package 'time'): needed for redis-benchmark's CPU time"
[[ "$RB_MODE" == pipeline || "$RB_MODE" == clients ]] || die "RB_MODE must be pipeline or clients"
IFS=, read -r -a settings <<<"$SETTINGS"
for n in "${settings[@]}"; do [[ "$n" =~ ^[1-9][0-9]*$ ]] || die "SETTINGS: '$n' is not a positive number"; done
[[ "$REPEAT" =~ ^[1-9][0-9]*$ ]] || die "REPEAT: '$REPEAT' is not a positive number"
[[ "$DURATION" =~ ^[1-9][0-9]*$ ]] || die "DURATION: '$DURATION' is not a positive whole number of seconds"
[[ -z "$ALT" || -x "$ALT" ]] || die "ALT=$ALT is not an executable"

# --- Clients
lvbench=""
if [[ -z "$LVBENCH" ]]; then
    log "note: LVBENCH not set; skipping lvbench (build it as ../shared/peers/README.md says, then LVBENCH=/path/to/lvbench)"
elif [[ ! -x "$LVBENCH" ]]; then
    log "note: LVBENCH=$LVBENCH is not an executable; skipping lvbench"
else
    lvbench="$LVBENCH"
fi

# ---- Our own client's benchmark: ClusterBenchmark (see the header for its contract), with
# the malloc counter preloaded for its allocations per operation.
malloc_lib="$repo/.build/redis-benchmark/libmalloccount.so"
if [[ "$SKIP_BUILD" != 1 || ! -f "$malloc_lib" ]]; then
    mkdir -p "$(dirname "$malloc_lib")"
    cc -O2 -Wall -Wextra -std=gnu11 -fPIC -shared -o "$malloc_lib" "$here/malloc-count/malloc_count.c" || malloc_lib=""
fi
ours=""
built=1
if [[ "$SKIP_BUILD" != 1 ]]; then
    log "building ClusterBenchmark (release)"
    if ! swift build -c release --product ClusterBenchmark >&2; then
        built=0
        log "note: ClusterBenchmark does not build (not written yet?); the 'ours' rows are skipped"
    fi
fi
bin_path="$(swift build -c release --show-bin-path 2>/dev/null || true)"
if [[ "$built" == 1 && -n "$bin_path" && -x "$bin_path/ClusterBenchmark" ]]; then
    ours="$bin_path/ClusterBenchmark"
elif [[ "$built" == 1 ]]; then
    log "note: no ClusterBenchmark executable in $bin_path; the 'ours' rows are skipped"
fi
# ----

# --- The cluster: our own, on its own ports, stopped on exit.
cleanup() { "${CLUSTER[@]}" stop >/dev/null 2>&1 || true; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
"${CLUSTER[@]}" start
log "cluster on 127.0.0.1:$BASE_PORT-$((BASE_PORT + 5)) (redis-server $(redis-server --version | awk '{print $3}'))"

# CPU used by every process over one second, in % of one core (from /proc/stat).
busy_percent() {
    local a b
    read -r -a a < <(head -1 /proc/stat)
    sleep 1
    read -r -a b < <(head -1 /proc/stat)
    local busy=$(( (b[1] + b[2] + b[3] + b[6] + b[7]) - (a[1] + a[2] + a[3] + a[6] + a[7]) ))
    echo $(( busy * 100 / $(getconf CLK_TCK) ))
}
if [[ "$IDLE_WAIT" -gt 0 ]]; then
    deadline=$((SECONDS + IDLE_WAIT))
    while :; do
        busy="$(busy_percent)"
        [[ "$busy" -lt "$BUSY_THRESHOLD" ]] && break
        if [[ "$SECONDS" -ge "$deadline" ]]; then
            log "warning: the machine is still busy (${busy}% of a core used by other processes); results may be disturbed"
            break
        fi
        log "waiting for the machine to be idle (${busy}% of a core busy)"
    done
fi

# Server-side counters: "cpu_ticks commands reads" summed over the nodes (CPU: all six;
# commands and reads: the primaries, the first three ports).
server_pids=()
for i in 0 1 2 3 4 5; do
    server_pids+=("$(redis-cli -p $((BASE_PORT + i)) info server | tr -d '\r' | awk -F: '/^process_id:/ { print $2 }')")
done
# shellcheck source=Benchmarks/server-stats.sh
source "$here/server-stats.sh"
server_counters() { server_sample "${server_pids[*]}" "$BASE_PORT $((BASE_PORT + 1)) $((BASE_PORT + 2))"; }
srv="- -"

rows=()
# "client in-flight round ops/s srv_us/op cmds/read" of every measured run, for the paired ratios.
runs=()
round=0
# row client in-flight ops/s cpu allocs note; the servers' two columns come from $srv.
row() {
    local s c
    read -r s c <<<"$srv"
    rows+=("$(printf '%-10s %9s %12s %12s %14s %10s %9s  %s' "$1" "$2" "$3" "$4" "$5" "$s" "$c" "$6")")
    [[ "$3" =~ ^[0-9]+$ ]] && runs+=("$1 $2 $round $3 $s $c")
    srv="- -"
}

# ours N [value-size label note binary options] -> row
run_ours() {
    local n="$1" size="${2:-$VALUE_SIZE}" label="${3:-ours}" note="${4:-}" bin="${5:-$ours}" args="${6-$OURS_ARGS}" line ops cpu allocs before
    before="$(server_counters)"
    # shellcheck disable=SC2086 # the options are words
    line="$(LD_PRELOAD="${malloc_lib}" "$bin" --port "$BASE_PORT" --in-flight "$n" --seconds "$DURATION" --keys "$KEYS" --value-size "$size" $args | grep -E '^ops/s=' | tail -n 1)" || line=""
    if [[ -z "$line" ]]; then row "$label" "$n" "-" "-" "-" "failed"; return; fi
    srv="$(server_columns "$before" "$(server_counters)")"
    ops="$(sed -E 's/.*ops\/s=([^ ]+).*/\1/' <<<"$line")"
    cpu="$(sed -E 's/.*cpu_us_per_op=([^ ]+).*/\1/' <<<"$line")"
    allocs="$(sed -nE 's/.*allocs_per_op=([^ ]+).*/\1/p' <<<"$line")"
    row "$label" "$n" "$(printf '%.0f' "$ops")" "$cpu" "${allocs:--}" "$note"
}

# lvbench counts operations, not seconds: a short run gives the rate, then ~DURATION seconds.
run_lvbench() {
    local n="$1" out rate ops before
    out="$(PORT="$BASE_PORT" KEYS="$KEYS" timeout 120 "$lvbench" async 20000 "$n")" || { row lvbench "$n" "-" "-" "-" "failed"; return; }
    rate="$(sed -E 's/.*ops\/s=([0-9]+).*/\1/' <<<"$out")"
    ops=$(( rate * DURATION )); [[ "$ops" -ge 20000 ]] || ops=20000
    before="$(server_counters)"
    out="$(PORT="$BASE_PORT" KEYS="$KEYS" timeout $((DURATION * 10 + 60)) "$lvbench" async "$ops" "$n")" || { row lvbench "$n" "-" "-" "-" "failed"; return; }
    srv="$(server_columns "$before" "$(server_counters)")"
    row lvbench "$n" "$(sed -E 's/.*ops\/s=([0-9]+).*/\1/' <<<"$out")" "$(sed -E 's/.*cpu_us\/op=([0-9.]+).*/\1/' <<<"$out")" "-" "3-byte values"
}

# redis-benchmark: SET test then GET test, each with `requests` operations; prints
# "ops/s cpu_us/op" for both together.
rb_once() { # clients pipeline requests
    local c="$1" p="$2" requests="$3" csv timing set get
    timing="$(mktemp)"
    csv="$(/usr/bin/time -f '%U %S' -o "$timing" timeout $((DURATION * 20 + 60)) redis-benchmark --cluster -h 127.0.0.1 -p "$BASE_PORT" \
        -c "$c" -P "$p" -t set,get -r "$KEYS" -d "$VALUE_SIZE" -n "$requests" --csv 2>/dev/null)" || { rm -f "$timing"; return 1; }
    set="$(awk -F'"' '$2 == "SET" { print $4 }' <<<"$csv")"
    get="$(awk -F'"' '$2 == "GET" { print $4 }' <<<"$csv")"
    [[ -n "$set" && -n "$get" ]] || { rm -f "$timing"; return 1; }
    awk -v n="$requests" -v s="$set" -v g="$get" '{ cpu = $1 + $2; printf "%.0f %.2f\n", 2 * n / (n / s + n / g), 1e6 * cpu / (2 * n) }' "$timing"
    rm -f "$timing"
}

run_redis_benchmark() {
    local n="$1" c p note out rate requests before
    if [[ "$RB_MODE" == clients || "$n" -eq 1 ]]; then
        c="$n" p=1 note="$n clients x 1"
    else
        c=3 p=$(( (n + 2) / 3 )) note="3 clients x pipeline $p"
    fi
    [[ "$n" -gt 1 ]] || note="1 client: one primary's slots only"
    out="$(rb_once "$c" "$p" 20000)" || { row redis-bm "$n" "-" "-" "-" "failed"; return; }
    rate="${out%% *}"
    requests=$(( rate * DURATION / 2 )); [[ "$requests" -ge 20000 ]] || requests=20000
    before="$(server_counters)"
    out="$(rb_once "$c" "$p" "$requests")" || { row redis-bm "$n" "-" "-" "-" "failed"; return; }
    srv="$(server_columns "$before" "$(server_counters)")"
    row redis-bm "$n" "${out%% *}" "${out##* }" "-" "$note"
}

# Fill both key spaces first, unmeasured. Otherwise the first client measured (ours, at the
# first setting) ran on an empty cluster and created its keys, and grew the servers' memory,
# inside its own run: in two runs at 50 in flight the servers spent 9.4 µs per command under it
# against 6.2 under lvbench right after. ours and redis-benchmark share `key:%012d`; lvbench
# has `key:%06d`. ~3 s at 200 in flight sets about 98 % of 100,000 keys.
if [[ -n "$ours" ]]; then
    log "filling ours' and redis-benchmark's key space (unmeasured)"
    "$ours" --port "$BASE_PORT" --in-flight 200 --seconds 2 --keys "$KEYS" --value-size "$VALUE_SIZE" >/dev/null 2>&1 || true
fi
if [[ -n "$lvbench" ]]; then
    log "filling lvbench's key space (unmeasured)"
    PORT="$BASE_PORT" KEYS="$KEYS" timeout 120 "$lvbench" async 800000 200 >/dev/null 2>&1 || true
fi

# lvbench's value is fixed at 3 bytes: ours again with the same, for a like-for-like row.
run_ours_3b() {
    if [[ -n "$ours" && -n "$lvbench" && "$VALUE_SIZE" != 3 ]]; then
        log "ours (3-byte values), $1 in flight"; run_ours "$1" 3 ours-3B "3-byte values, as lvbench"
    fi
}
run_alt() {
    if [[ -n "$ALT" ]]; then log "alt, $1 in flight"; run_ours "$1" "$VALUE_SIZE" alt "ALT" "$ALT" "$ALT_ARGS"; fi
}
# Round order: odd ours, alt, lvbench, ours-3B; even the reverse. lvbench sits next to
# ours-3B and alt in every round, and next to ours when there is no alt.
for n in "${settings[@]}"; do
    for ((rep = 1; rep <= REPEAT; rep++)); do
        round=$rep
        if ((rep % 2 == 1)); then
            if [[ -n "$ours" ]]; then log "ours, $n in flight"; run_ours "$n"; fi
            run_alt "$n"
            if [[ -n "$lvbench" ]]; then log "lvbench, $n in flight"; run_lvbench "$n"; fi
            run_ours_3b "$n"
        else
            run_ours_3b "$n"
            if [[ -n "$lvbench" ]]; then log "lvbench, $n in flight"; run_lvbench "$n"; fi
            run_alt "$n"
            if [[ -n "$ours" ]]; then log "ours, $n in flight"; run_ours "$n"; fi
        fi
    done
    round=0
    log "redis-benchmark, $n in flight"; run_redis_benchmark "$n"
done

printf '\nCluster GET/SET mixed, 6-node local cluster on %s, %s keys, %ss per run\n' "$BASE_PORT" "$KEYS" "$DURATION"
printf '%-10s %9s %12s %12s %14s %10s %9s  %s\n' client in-flight ops/s "cpu_us/op" allocs/op srv_us/op cmds/read note
for r in "${rows[@]}"; do printf '%s\n' "$r"; done
if ((REPEAT > 1)); then
    printf '\nMedian of %s runs per client and setting\n' "$REPEAT"
    printf '%-10s %9s %12s %12s\n' client in-flight ops/s "cpu_us/op"
    printf '%s\n' "${rows[@]}" | awk '$3 ~ /^[0-9]+$/ { key = $1 " " $2; n[key]++; ops[key, n[key]] = $3; cpu[key, n[key]] = $4; if (!(key in seen)) { seen[key] = 1; order[++k] = key } }
        function median(a, key, count,   i, j, t, v) {
            for (i = 1; i <= count; i++) v[i] = a[key, i] + 0
            for (i = 2; i <= count; i++) for (j = i; j > 1 && v[j - 1] > v[j]; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
            return count % 2 ? v[(count + 1) / 2] : (v[count / 2] + v[count / 2 + 1]) / 2
        }
        END { for (i = 1; i <= k; i++) { split(order[i], f, " "); printf "%-10s %9s %12.0f %12.2f\n", f[1], f[2], median(ops, order[i], n[order[i]]), median(cpu, order[i], n[order[i]]) } }'
fi
if ((REPEAT > 1)) && [[ -n "$lvbench" ]]; then
    printf '\nPaired ratios: each run divided by the one beside it in the same round (ops/s; srv = servers'"'"' CPU per command; cmds = commands per read)\n'
    printf '%s\n' "${runs[@]}" | awk -v settings="$SETTINGS" '
        $3 > 0 { ops[$1, $2, $3] = $4; srv[$1, $2, $3] = $5; cmds[$1, $2, $3] = $6; have[$1] = 1; if ($3 > rounds) rounds = $3 }
        function sort(a, count,   i, j, t) { for (i = 2; i <= count; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t } }
        function median(a, count) { return count % 2 ? a[(count + 1) / 2] : (a[count / 2] + a[count / 2 + 1]) / 2 }
        END {
            pairs = "ours/lvbench ours-3B/lvbench alt/lvbench alt/ours"
            np = split(pairs, pair, " ")
            ns = split(settings, setting, ",")
            printf "%-16s %9s %6s %8s %8s %8s\n", "pair", "in-flight", "round", "ops", "srv", "cmds"
            for (s = 1; s <= ns; s++) for (p = 1; p <= np; p++) {
                split(pair[p], ab, "/"); a = ab[1]; b = ab[2]
                if (!(a in have) || !(b in have)) continue
                k = 0; ks = 0; kc = 0; delete r; delete rs; delete rc
                for (i = 1; i <= rounds; i++) {
                    if (!((a, setting[s], i) in ops) || !((b, setting[s], i) in ops)) continue
                    x = ops[a, setting[s], i] / ops[b, setting[s], i]; r[++k] = x
                    sr = (srv[b, setting[s], i] + 0 > 0 && srv[a, setting[s], i] != "-") ? sprintf("%.3f", srv[a, setting[s], i] / srv[b, setting[s], i]) : "-"
                    cr = (cmds[b, setting[s], i] + 0 > 0 && cmds[a, setting[s], i] != "-") ? sprintf("%.3f", cmds[a, setting[s], i] / cmds[b, setting[s], i]) : "-"
                    if (sr != "-") rs[++ks] = sr + 0
                    if (cr != "-") rc[++kc] = cr + 0
                    printf "%-16s %9s %6d %8.3f %8s %8s\n", pair[p], setting[s], i, x, sr, cr
                }
                if (k == 0) continue
                sort(r, k); sort(rs, ks); sort(rc, kc)
                above = 0; for (i = 1; i <= k; i++) if (r[i] >= 1) above++
                summary[++m] = sprintf("%-16s %9s %6d %8.3f %8.3f %8.3f %6d/%-3d %8s %8s", pair[p], setting[s], k, median(r, k), r[1], r[k], above, k,
                    ks ? sprintf("%.3f", median(rs, ks)) : "-", kc ? sprintf("%.3f", median(rc, kc)) : "-")
            }
            printf "\n%-16s %9s %6s %8s %8s %8s %10s %8s %8s\n", "pair", "in-flight", "pairs", "ops med", "min", "max", ">=1", "srv med", "cmds med"
            for (i = 1; i <= m; i++) print summary[i]
        }'
fi
