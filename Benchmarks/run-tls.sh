#!/usr/bin/env bash
# TLS benchmark: the same client over TLS and over plaintext, side by side in one run, with
# redis-benchmark --tls at matching settings.
#
#   1. One connection (RedisBenchmark, GET/SET 50/50) against one redis-server of our own that
#      listens on PORT (plaintext) and PORT+1 (TLS): the same server for both, so the
#      difference is the client's TLS. redis-benchmark -c1 -PN runs beside each (with --tls
#      on the TLS port).
#   2. The cluster client (ClusterBenchmark) against two 3+3 clusters of our own, one
#      plaintext (BASE_PORT...) and one TLS-only (BASE_PORT+10..., redis-cluster.sh --tls),
#      with redis-benchmark --cluster [--tls] (3 clients x pipeline N/3, as run-cluster.sh),
#      on one thread (--threads 1) like ours, which runs one loop; by default --cluster starts
#      a thread per primary (shown too, as rb-tls-3t): pinned to one core they add no
#      parallelism; under heavy load they win it a larger share of the core, on a calm machine
#      they cost it. At 1 in flight redis-benchmark's one client talks to one
#      primary only; ours spreads over all three.
#
# The cluster client runs twice over TLS: with its default `tlsFlushHold` (ours-tls: a node's
# flush waits for its answer to the previous one) and with it off (ours-tls-nohold,
# --tls-flush-hold 0: every flush at the end of its loop iteration, cut in two records while
# the node has answered every record sent, TLSRecordSplit).
# redis-benchmark runs `-t set,get`: all its SETs, then all its GETs. A mixed load costs the
# servers more per command (every read of a primary carries SETs, so every one also writes to
# its replica, which wakes for it; a SET-only phase sends the replication stream in larger
# pieces and a GET-only phase sends none): the rows `ours-plain-sg` and `ours-tls-sg` run the
# client in redis-benchmark's shape (`ClusterBenchmark --commands set,get`: SET phase, GET
# phase, combined as redis-benchmark combines them), and the paired rounds compare that.
# redis-benchmark --cluster also sends each of its clients' keys to one primary (-c 3: one
# client per primary, lock-step, keys from its slots; -c 1: the first primary only), where
# ours spreads every key over all three: the rows `ours-plain-pp` and `ours-tls-pp` add
# `--per-primary`, which runs ours in that shape too, and the paired rounds show both.
# Server columns, for every cluster row: srv_us/cmd is the CPU time of all six redis-servers
# (/proc/PID/stat, 10 ms ticks) per command the primaries processed, and cmd/read the
# primaries' commands per read (INFO stats total_commands_processed / total_reads_processed;
# over TLS Redis reads one record per read). Both are taken over the client's whole run
# (warm-up and connection set-up included).
#
# Settings: 1, 50 and 200 commands in flight. CPU µs/op is the client process' user+system
# time per operation (getrusage; redis-benchmark: /usr/bin/time over its whole run). The
# summary gives TLS ÷ plaintext CPU per op (goal: ≤ 1.5 at 200 in flight) and ours ÷
# redis-benchmark over TLS (goal: ≥ 1).
#
# Usage: Benchmarks/run-tls.sh
# Environment:
#   PORT         plaintext port of the standalone server; TLS on PORT+1   (default 7480)
#   BASE_PORT    plaintext cluster BASE_PORT..+5, TLS cluster +10..+15    (default 7460)
#   DURATION     measured seconds per run                                 (default 5)
#   SETTINGS     commands in flight                                       (default 1,50,200)
#   REPEAT       one connection: runs per setting, alternating with redis-benchmark; the
#                table shows the median run of each (RedisBenchmark --repeats)     (default 1)
#   PAIRS        cluster: after the table, this many rounds of ours-tls, ours-tls
#                --per-primary and rb-tls (one thread) side by side, in alternating order,
#                with each round's ops/s ratios and their medians: the machine's drift
#                cancels out in adjacent runs                                      (default 0)
#   PAIR_COMMANDS  the paired rounds' ClusterBenchmark --commands: set,get (redis-benchmark's
#                shape) or mixed                                          (default set,get)
#   ONE          0 to skip the one connection (section 1)                  (default 1)
#   SKIP_BUILD   1: use the release binaries already built                (default 0)
#   PIN          0 to skip taskset (server core 0, client core 1)         (default 1)
#   BIN          folder of the release binaries, e.g. another build's to compare two
#                versions under the same conditions           (default: swift build's, built here)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
cd "$repo"

PORT="${PORT:-7480}"
TLS_PORT=$((PORT + 1))
BASE_PORT="${BASE_PORT:-7460}"
TLS_BASE_PORT=$((BASE_PORT + 10))
DURATION="${DURATION:-5}"
SETTINGS="${SETTINGS:-1,50,200}"
SKIP_BUILD="${SKIP_BUILD:-0}"
REPEAT="${REPEAT:-1}"
PAIRS="${PAIRS:-0}"
ONE="${ONE:-1}"
PAIR_COMMANDS="${PAIR_COMMANDS:-set,get}"
PIN="${PIN:-1}"
KEYS=100000
CLUSTER="$repo/scripts/redis-cluster.sh"
STATE="${SWIFTEV_CLUSTER_DIR:-$repo/.cluster}"

log() { printf 'run-tls: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

for tool in redis-server redis-cli redis-benchmark openssl swift awk; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool not found (scripts/setup.sh installs redis and openssl)"
done
# The clusters take BASE_PORT..BASE_PORT+15 (their bus ports +10000): PORT must stay out.
if (( PORT + 1 >= BASE_PORT && PORT <= BASE_PORT + 15 )); then
    die "PORT $PORT..$TLS_PORT overlaps the clusters' BASE_PORT $BASE_PORT..$((BASE_PORT + 15))"
fi
[[ -x /usr/bin/time ]] || die "/usr/bin/time not found (Debian package 'time')"
pin_server=() pin_client=()
if [[ "$PIN" == 1 ]] && command -v taskset >/dev/null 2>&1 && [[ "$(nproc)" -ge 2 ]]; then
    pin_server=(taskset -c 0) pin_client=(taskset -c 1)
fi

if [[ "$SKIP_BUILD" != 1 && -z "${BIN:-}" ]]; then
    log "building RedisBenchmark and ClusterBenchmark (release)"
    swift build -c release --product RedisBenchmark >&2
    swift build -c release --product ClusterBenchmark >&2
fi
bin="${BIN:-$(swift build -c release --show-bin-path)}"

# --- Our own servers, stopped on exit.
work="$(mktemp -d "${TMPDIR:-/tmp}/swiftev-tls-bench.XXXXXX")"
server_pid=""
cleanup() {
    if [[ -n "$server_pid" ]]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
    "$CLUSTER" --name benchplain --base-port "$BASE_PORT" stop >/dev/null 2>&1 || true
    "$CLUSTER" --name benchtls --base-port "$TLS_BASE_PORT" --tls stop >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

certs="$work/certs"
"$repo/scripts/tls-certs.sh" "$certs" 1
"${pin_server[@]}" redis-server --port "$PORT" --tls-port "$TLS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
    --tls-cert-file "$certs/server.crt" --tls-key-file "$certs/server.key" --tls-ca-cert-file "$certs/ca.crt" \
    --tls-auth-clients optional --dir "$work" --logfile "$work/redis.log" --daemonize no &
server_pid=$!
"$CLUSTER" --name benchplain --base-port "$BASE_PORT" start &
plain_cluster=$!
"$CLUSTER" --name benchtls --base-port "$TLS_BASE_PORT" --tls start &
tls_cluster=$!
wait "$plain_cluster" || die "the plaintext cluster did not start"
wait "$tls_cluster" || die "the TLS cluster did not start"
for _ in $(seq 100); do [[ "$(redis-cli -p "$PORT" PING 2>/dev/null)" == PONG ]] && break; sleep 0.1; done
cluster_certs="$STATE-benchtls/certs"

# --- 1. One connection.
single=("${pin_client[@]}" "$bin/RedisBenchmark" --duration "$DURATION" --settings "$SETTINGS" --repeats "$REPEAT")
plain_out="(skipped: ONE=0)" tls_out="(skipped: ONE=0)"
if [[ "$ONE" != 0 ]]; then
    log "one connection, plaintext: ${single[*]} --port $PORT"
    plain_out="$("${single[@]}" --port "$PORT")"
    log "one connection, TLS: ${single[*]} --port $TLS_PORT --tls $certs"
    tls_out="$("${single[@]}" --port "$TLS_PORT" --tls "$certs")"
fi

# --- 2. The cluster client, and redis-benchmark --cluster.
rows=()
# A row of the table, and each run's ops/s by label and setting (PAIRS reads them back).
row() { ops_of["$1/$2"]="$3"; rows+=("$(printf '%-15s %-6s %9s %12s %11s %9s %10s' "$@")"); }
declare -A cpu=() ops_of=()
# shellcheck source=Benchmarks/server-stats.sh
source "$here/server-stats.sh"
# server_sample for the cluster on base port $1 (the TLS one when it is $TLS_BASE_PORT): all six
# nodes' CPU, the three primaries' (redis-cluster.sh's nodes 0-2) commands and reads.
cluster_sample() {
    local base="$1" dir="$STATE-benchplain" tls=() pids="" k
    if [[ "$base" == "$TLS_BASE_PORT" ]]; then
        dir="$STATE-benchtls"
        tls=(--tls --cacert "$cluster_certs/ca.crt" --cert "$cluster_certs/client.crt" --key "$cluster_certs/client.key")
    fi
    for k in 0 1 2 3 4 5; do pids+=" $(tr -dc '0-9' <"$dir/$((base + k))/redis.pid")"; done
    server_sample "$pids" "$base $((base + 1)) $((base + 2))" "${tls[@]}"
}
ours() { # label port in-flight [--tls dir] [more ClusterBenchmark options]
    local label="$1" port="$2" n="$3" line ops c before server; shift 3
    before="$(cluster_sample "$port")"
    line="$("${pin_client[@]}" "$bin/ClusterBenchmark" --port "$port" --in-flight "$n" --seconds "$DURATION" --keys "$KEYS" "$@" | grep -E '^ops/s=' | tail -n 1)" || line=""
    [[ -n "$line" ]] || { row "$label" "$n" - - - - failed; return; }
    server="$(server_columns "$before" "$(cluster_sample "$port")")"
    ops="$(sed -E 's/.*ops\/s=([^ ]+).*/\1/' <<<"$line")"
    c="$(sed -E 's/.*cpu_us_per_op=([^ ]+).*/\1/' <<<"$line")"
    cpu["$label/$n"]="$c"
    row "$label" "$n" "$ops" "$c" ${server} ""
}
rb_cluster() { # label port in-flight threads(0: one per primary) [tls args...]
    local label="$1" port="$2" n="$3" c p csv timing set get requests out before server threads=(); shift 3
    [[ "$1" == 0 ]] || threads=(--threads "$1")
    shift
    if [[ "$n" -eq 1 ]]; then c=1 p=1; else c=3 p=$(( (n + 2) / 3 )); fi
    requests=$((20000 * (n > 1 ? 5 : 1)))
    timing="$(mktemp)"
    before="$(cluster_sample "$port")"
    csv="$(/usr/bin/time -f '%U %S' -o "$timing" "${pin_client[@]}" redis-benchmark --cluster "${threads[@]}" -h 127.0.0.1 -p "$port" "$@" \
        -c "$c" -P "$p" -t set,get -r "$KEYS" -d 32 -n "$requests" --csv 2>/dev/null)" || { row "$label" "$n" - - - - failed; rm -f "$timing"; return; }
    server="$(server_columns "$before" "$(cluster_sample "$port")")"
    set="$(awk -F'"' '$2 == "SET" { print $4 }' <<<"$csv")"
    get="$(awk -F'"' '$2 == "GET" { print $4 }' <<<"$csv")"
    out="$(awk -v n="$requests" -v s="$set" -v g="$get" '{ printf "%.0f %.2f", 2 * n / (n / s + n / g), 1e6 * ($1 + $2) / (2 * n) }' "$timing")"
    rm -f "$timing"
    cpu["$label/$n"]="${out##* }"
    row "$label" "$n" "${out%% *}" "${out##* }" ${server} ""
}
IFS=, read -r -a settings <<<"$SETTINGS"
tls_rb=(--tls --cacert "$cluster_certs/ca.crt" --cert "$cluster_certs/client.crt" --key "$cluster_certs/client.key")
for n in "${settings[@]}"; do
    log "cluster, $n in flight"
    ours ours-plain "$BASE_PORT" "$n"
    ours ours-tls "$TLS_BASE_PORT" "$n" --tls "$cluster_certs"
    ours ours-tls-nohold "$TLS_BASE_PORT" "$n" --tls "$cluster_certs" --tls-flush-hold 0
    ours ours-plain-sg "$BASE_PORT" "$n" --commands set,get
    ours ours-tls-sg "$TLS_BASE_PORT" "$n" --tls "$cluster_certs" --commands set,get
    ours ours-plain-pp "$BASE_PORT" "$n" --commands set,get --per-primary
    ours ours-tls-pp "$TLS_BASE_PORT" "$n" --tls "$cluster_certs" --commands set,get --per-primary
    rb_cluster rb-plain "$BASE_PORT" "$n" 1
    rb_cluster rb-tls "$TLS_BASE_PORT" "$n" 1 "${tls_rb[@]}"
    rb_cluster rb-tls-3t "$TLS_BASE_PORT" "$n" 0 "${tls_rb[@]}"
done

# PAIRS: rounds of ours-tls (keys over all primaries), ours-tls --per-primary and rb-tls beside
# each other, the order reversed every other round.
pair_lines=()
if (( PAIRS > 0 )); then
    for n in "${settings[@]}"; do
        ratios=() pp_ratios=()
        for ((r = 1; r <= PAIRS; r++)); do
            log "cluster pairs, $n in flight, round $r"
            keep=${#rows[@]}
            if (( r % 2 )); then
                ours "pair-ours/$r" "$TLS_BASE_PORT" "$n" --tls "$cluster_certs" --commands "$PAIR_COMMANDS"
                ours "pair-pp/$r" "$TLS_BASE_PORT" "$n" --tls "$cluster_certs" --commands "$PAIR_COMMANDS" --per-primary
                rb_cluster "pair-rb/$r" "$TLS_BASE_PORT" "$n" 1 "${tls_rb[@]}"
            else
                rb_cluster "pair-rb/$r" "$TLS_BASE_PORT" "$n" 1 "${tls_rb[@]}"
                ours "pair-pp/$r" "$TLS_BASE_PORT" "$n" --tls "$cluster_certs" --commands "$PAIR_COMMANDS" --per-primary
                ours "pair-ours/$r" "$TLS_BASE_PORT" "$n" --tls "$cluster_certs" --commands "$PAIR_COMMANDS"
            fi
            rows=("${rows[@]:0:keep}")  # the pairs have their own lines below
            o="${ops_of[pair-ours/$r/$n]:--}" pp="${ops_of[pair-pp/$r/$n]:--}" b="${ops_of[pair-rb/$r/$n]:--}"
            ratios+=("$(awk -v a="$o" -v b="$b" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.3f", a / b; else print "n/a" }')")
            pp_ratios+=("$(awk -v a="$pp" -v b="$b" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.3f", a / b; else print "n/a" }')")
            pair_lines+=("$(printf '  %3s in flight, round %2d: ours-tls %9s  ours-tls-pp %9s  rb-tls %9s  ratios %s %s' "$n" "$r" "$o" "$pp" "$b" "${ratios[-1]}" "${pp_ratios[-1]}")")
        done
        for which in ours-tls ours-tls-pp; do
            if [[ "$which" == ours-tls ]]; then values=("${ratios[@]}"); else values=("${pp_ratios[@]}"); fi
            pair_lines+=("$(printf '%s\n' "${values[@]}" | grep -v n/a | sort -n | awk -v n="$n" -v w="$which" '
                { v[NR] = $1; if ($1 >= 1) up++ }
                END { if (NR == 0) { printf "  %3s in flight: no pairs", n; exit }
                      m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
                      printf "  %3s in flight: median %s ÷ rb-tls %.3f (min %.3f, max %.3f, %d/%d rounds >= 1)", n, w, m, v[1], v[NR], up, NR }')")
        done
    done
fi

echo "== One connection, plaintext (127.0.0.1:$PORT) =="
echo "$plain_out"
echo
echo "== One connection, TLS (127.0.0.1:$TLS_PORT, same server) =="
echo "$tls_out"
echo
echo "== Cluster client, 3+3 plaintext on $BASE_PORT vs TLS-only on $TLS_BASE_PORT, $KEYS keys, ${DURATION}s per run =="
printf '%-15s %-6s %9s %12s %11s %9s\n' client flight ops/s cpu_us/op srv_us/cmd cmd/read
for r in "${rows[@]}"; do printf '%s\n' "$r"; done
echo
if (( PAIRS > 0 )); then
    echo "== Cluster client over TLS (--commands $PAIR_COMMANDS; keys over all primaries, and --per-primary) ÷ redis-benchmark --cluster --tls --threads 1 (-t set,get), $PAIRS paired rounds =="
    printf '%s\n' "${pair_lines[@]}"
    echo
fi
echo "== TLS cost: CPU µs/op over TLS ÷ plaintext =="
for n in "${settings[@]}"; do
    p="$(awk -v n="$n" '$1 == n && $2 == "in" && $3 == "flight" { print $(NF-3); exit }' <<<"$plain_out")"
    t="$(awk -v n="$n" '$1 == n && $2 == "in" && $3 == "flight" { print $(NF-3); exit }' <<<"$tls_out")"
    # redis-benchmark -c1 -PN's own CPU per command (RedisBenchmark's "rb µs/op" column).
    rp="$(awk -v n="$n" '$1 == n && $2 == "in" && $3 == "flight" { print $(NF-4); exit }' <<<"$plain_out")"
    rt="$(awk -v n="$n" '$1 == n && $2 == "in" && $3 == "flight" { print $(NF-4); exit }' <<<"$tls_out")"
    printf '  %3s in flight: one connection %s / %s = %s (redis-benchmark %s / %s = %s); cluster client %s / %s = %s (hold off: %s / %s = %s)\n' "$n" "$t" "$p" \
        "$(awk -v a="$t" -v b="$p" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')" \
        "$rt" "$rp" "$(awk -v a="$rt" -v b="$rp" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')" \
        "${cpu[ours-tls/$n]:-?}" "${cpu[ours-plain/$n]:-?}" \
        "$(awk -v a="${cpu[ours-tls/$n]:-0}" -v b="${cpu[ours-plain/$n]:-0}" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')" \
        "${cpu[ours-tls-nohold/$n]:-?}" "${cpu[ours-plain/$n]:-?}" \
        "$(awk -v a="${cpu[ours-tls-nohold/$n]:-0}" -v b="${cpu[ours-plain/$n]:-0}" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')"
done
echo "(a shared, noisy 2-core machine: compare within one run only)"
