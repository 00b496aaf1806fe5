#!/usr/bin/env bash
# Start/stop local Redis Clusters for SwiftEV tests and benchmarks. One script manages several
# named clusters, each on its own ports, in its own state directory, under its own lock.
#
# Usage: scripts/redis-cluster.sh [--name NAME] [options] start|stop|status|restart|reset|<topology operation, below>
#
#   start    start the nodes and form the cluster; returns only when it is fully ready
#            (see check_ready). Idempotent: a running, formed cluster is only re-checked.
#   stop     stop every node of that cluster (polite SHUTDOWN, then TERM, then KILL) and wipe
#            its state directory.
#   status   one line per node; exit 0 ready, 1 not ready, 3 stopped.
#   restart  stop + start.
#   reset    back to the pristine layout (fresh node IDs, no keys, spares empty), fully ready;
#            what destructive tests call when they cannot restore in place. Prints its time.
#
# Live topology operations (scripts/cluster-topology.sh: each prints what it did and waits
# until the cluster has settled; NODE is a port):
#   scale-out [SLOTS] | scale-in | reshard N FROM TO | failover NODE | kill NODE | restart NODE |
#   pause NODE SECONDS
#
# Clusters (all nodes on 127.0.0.1 only, daemonized, no persistence, cluster-node-timeout
# 2000 ms; primaries are the first ports, replica k+P follows primary k, slots split as
# redis-cli does: 0-5460, 5461-10922, 10923-16383):
#
#   main (default)  7000-7005: 3 primaries + 3 replicas, plus two standalone nodes:
#                   7100  no auth
#                   7101  requirepass swiftev-secret (default user), user alice/alice-pw
#                         (+@all), user limited/limited-pw (only GET PING HELLO AUTH
#                         CLIENT|SETNAME, so SET gives NOPERM)
#   scratch         7010-7015: 3 + 3, for destructive tests (failover, kill -9, reshard), plus
#                   two spare nodes 7020, 7021: cluster-enabled, empty, not met (to be added
#                   as a primary+replica pair by scale-out tests).
#   hostname        7030-7032: 3 primaries, no replicas. Node k announces the host name
#                   node-k.swiftev.invalid (cluster-announce-hostname) and
#                   cluster-preferred-endpoint-type is hostname, so the cluster names hosts
#                   that do not resolve: a client reaches them only through a NAT map or a
#                   DNS-lookup override onto 127.0.0.1. What Redis 7.0.15 then says:
#                     MOVED 12182 node-2.swiftev.invalid:7032   (SET foo sent to node-0)
#                     CLUSTER SLOTS   each node: 1) "node-2.swiftev.invalid" 2) 7032 3) <id>
#                                     4) metadata map: "ip" "127.0.0.1"
#                     CLUSTER SHARDS  each node: id, port, ip 127.0.0.1, endpoint
#                                     node-2.swiftev.invalid, hostname node-2.swiftev.invalid,
#                                     role, replication-offset, health
#                     CLUSTER NODES   127.0.0.1:7032@17032,node-2.swiftev.invalid
#                   The ip stays 127.0.0.1: nothing routable or private-range is announced.
#   chaos           7110-7115: 3 + 3, for the live topology tests (ClusterChaosTests), which
#                   reset it and change it with the operations below (scale-out: 7116, 7117).
#   tls             7040-7045: 3 + 3 over TLS only (--tls below), announcing the host names
#                   node-k.tls.swiftev.invalid (like hostname above, for the names in the
#                   certificates), plus five standalone TLS nodes for failure tests:
#                   7050  server.crt, client certificates optional
#                   7051  server.crt, client certificate required (tls-auth-clients yes)
#                   7052  expired.crt
#                   7053  wrong-name.crt (elsewhere.swiftev.invalid only)
#                   7054  TLS 1.1 only (tls-protocols TLSv1.1, ciphers at SECLEVEL 0)
#   any other name  e.g. --name bench --base-port 7900: a plain 3 + 3 cluster.
#
# Options (override the presets above):
#   --name NAME          cluster name (default main); state in $SWIFTEV_CLUSTER_DIR-NAME
#   --base-port P        first cluster port
#   --nodes N            cluster nodes (a multiple of 1 + replicas)
#   --replicas R         replicas per primary (0 or more)
#   --spare-ports A,B    extra empty cluster-enabled nodes ("" for none)
#   --hostnames          announce node-k.swiftev.invalid host names (see hostname above)
#   --tls                TLS only: port 0, tls-port P, tls-cluster yes, tls-replication yes,
#                        tls-auth-clients optional. A throwaway CA and certificates are made at
#                        start with scripts/tls-certs.sh in <state dir>/certs (ca.crt,
#                        other-ca.crt, node-K.crt, server.crt, client.crt, expired.crt,
#                        wrong-name.crt, with their .key); node k presents node-k.crt.
#
# Config, data, logs and pid files live in <state dir>/<port>/ (main: $REPO/.cluster/<port>).
#
# Environment overrides (optional):
#   SWIFTEV_CLUSTER_BASE_PORT      main: first cluster port (default 7000)
#   SWIFTEV_REDIS_STANDALONE_PORT  main: standalone node port (default 7100)
#   SWIFTEV_REDIS_AUTH_PORT        main: standalone auth node port (default 7101)
#   SWIFTEV_SCRATCH_BASE_PORT      scratch: first cluster port (default main base + 10)
#   SWIFTEV_SPARE_BASE_PORT        scratch: first of the two spare ports (default main base + 20)
#   SWIFTEV_HOSTNAME_BASE_PORT     hostname: first cluster port (default main base + 30)
#   SWIFTEV_CHAOS_BASE_PORT        chaos: first cluster port (default main base + 110)
#   SWIFTEV_TLS_BASE_PORT          tls: first cluster port (default main base + 40; its
#                                  standalone nodes are 10 above)
#   SWIFTEV_CLUSTER_DIR            main state directory (default $REPO/.cluster); others
#                                  use it with -NAME appended
#   SWIFTEV_CLUSTER_TIMEOUT        seconds to wait for readiness (default 60)
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(dirname "$SCRIPT_DIR")"
HOST=127.0.0.1
AUTH_PASSWORD=swiftev-secret
TIMEOUT="${SWIFTEV_CLUSTER_TIMEOUT:-60}"
NODE_TIMEOUT_MS=2000

# --- Arguments: presets per name, then explicit options.
NAME=main
OPT_BASE="" OPT_NODES="" OPT_REPLICAS="" OPT_SPARES="-" OPT_HOSTNAMES="" OPT_TLS=""
VERB=""
OP_ARGS=()
usage() {
    echo "usage: $0 [--name NAME] [--base-port P] [--nodes N] [--replicas R] [--spare-ports A,B] [--hostnames] [--tls] start|stop|status|restart|reset" >&2
    echo "       $0 [--name NAME] [--base-port P] scale-out [SLOTS]|scale-in|reshard N FROM TO|failover NODE|kill NODE|restart NODE|pause NODE SECONDS" >&2
    exit 2
}
while [ $# -gt 0 ]; do
    case "$1" in
        --name) [ $# -ge 2 ] || usage; NAME="$2"; shift 2 ;;
        --base-port) [ $# -ge 2 ] || usage; OPT_BASE="$2"; shift 2 ;;
        --nodes) [ $# -ge 2 ] || usage; OPT_NODES="$2"; shift 2 ;;
        --replicas) [ $# -ge 2 ] || usage; OPT_REPLICAS="$2"; shift 2 ;;
        --spare-ports) [ $# -ge 2 ] || usage; OPT_SPARES="$2"; shift 2 ;;
        --hostnames) OPT_HOSTNAMES=1; shift ;;
        start | stop | status | restart | reset) [ -z "$VERB" ] || usage; VERB="$1"; shift
            # `restart NODE` restarts one node (a topology operation), `restart` the cluster.
            if [ "$VERB" = restart ] && [ $# -gt 0 ] && [ -n "${1##*[!0-9]*}" ]; then VERB=restart-node; OP_ARGS=("$1"); shift; fi ;;
        scale-out | scale-in) [ -z "$VERB" ] || usage; VERB="$1"; shift
            # `scale-out SLOTS` moves that many slots onto the new primary instead of rebalancing.
            if [ "$VERB" = scale-out ] && [ $# -gt 0 ] && [ -n "${1##*[!0-9]*}" ]; then OP_ARGS=("$1"); shift; fi ;;
        reshard) [ -z "$VERB" ] && [ $# -ge 4 ] || usage; VERB="$1"; OP_ARGS=("$2" "$3" "$4"); shift 4 ;;
        failover | kill) [ -z "$VERB" ] && [ $# -ge 2 ] || usage; VERB="$1"; OP_ARGS=("$2"); shift 2 ;;
        pause) [ -z "$VERB" ] && [ $# -ge 3 ] || usage; VERB="$1"; OP_ARGS=("$2" "$3"); shift 3 ;;
        --tls) OPT_TLS=1; shift ;;
        *) usage ;;
    esac
done
[ -n "$VERB" ] || usage
case "$NAME" in ''|*[!A-Za-z0-9_-]*) echo "redis-cluster: error: --name must be letters, digits, - or _" >&2; exit 2 ;; esac

NODES=6 REPLICAS=1 SPARES="" HOSTNAMES=0 STANDALONE_PORT="" AUTH_PORT=""
TLS=0 HOSTNAME_DOMAIN=swiftev.invalid TLS_STANDALONE_PORTS=()
# The other clusters sit 10, 20 and 30 ports above the main one unless told otherwise, so
# moving the main cluster (another checkout uses 7000) moves them all.
MAIN_BASE="${SWIFTEV_CLUSTER_BASE_PORT:-7000}"
case "$MAIN_BASE" in ''|*[!0-9]*) echo "redis-cluster: error: SWIFTEV_CLUSTER_BASE_PORT=$MAIN_BASE is not a port" >&2; exit 2 ;; esac
case "$NAME" in
    main)
        BASE_PORT="${SWIFTEV_CLUSTER_BASE_PORT:-7000}"
        STANDALONE_PORT="${SWIFTEV_REDIS_STANDALONE_PORT:-7100}"
        AUTH_PORT="${SWIFTEV_REDIS_AUTH_PORT:-7101}"
        ;;
    scratch)
        BASE_PORT="${SWIFTEV_SCRATCH_BASE_PORT:-$((MAIN_BASE + 10))}"
        s="${SWIFTEV_SPARE_BASE_PORT:-$((MAIN_BASE + 20))}"
        SPARES="$s,$((s + 1))"
        ;;
    hostname)
        BASE_PORT="${SWIFTEV_HOSTNAME_BASE_PORT:-$((MAIN_BASE + 30))}"
        NODES=3 REPLICAS=0 HOSTNAMES=1
        ;;
    chaos)
        # Live topology tests (scale-out adds nodes on the next ports: +6, +7).
        BASE_PORT="${SWIFTEV_CHAOS_BASE_PORT:-$((MAIN_BASE + 110))}"
        ;;
    tls)
        BASE_PORT="${SWIFTEV_TLS_BASE_PORT:-$((MAIN_BASE + 40))}"
        HOSTNAMES=1 TLS=1
        for ((i = 10; i < 15; i++)); do TLS_STANDALONE_PORTS+=("$((BASE_PORT + i))"); done
        ;;
    *)
        BASE_PORT=""
        ;;
esac
[ -z "$OPT_BASE" ] || BASE_PORT="$OPT_BASE"
[ -z "$OPT_NODES" ] || NODES="$OPT_NODES"
[ -z "$OPT_REPLICAS" ] || REPLICAS="$OPT_REPLICAS"
[ "$OPT_SPARES" = "-" ] || SPARES="$OPT_SPARES"
[ -z "$OPT_HOSTNAMES" ] || HOSTNAMES=1
[ -z "$OPT_TLS" ] || TLS=1
# TLS nodes announce names their certificates carry.
[ "$TLS" = 0 ] || HOSTNAME_DOMAIN=tls.swiftev.invalid
[ -n "$BASE_PORT" ] || { echo "redis-cluster: error: cluster '$NAME' needs --base-port" >&2; exit 2; }

if [ "$NAME" = main ]; then
    LOG_PREFIX="redis-cluster"
    CLUSTER_DIR="${SWIFTEV_CLUSTER_DIR:-$REPO/.cluster}"
else
    LOG_PREFIX="redis-cluster[$NAME]"
    CLUSTER_DIR="${SWIFTEV_CLUSTER_DIR:-$REPO/.cluster}-$NAME"
fi
log() { printf '%s: %s\n' "$LOG_PREFIX" "$*" >&2; }
die() { log "error: $*"; exit 1; }

is_port() { case "$1" in ''|*[!0-9]*) return 1 ;; esac; [ "$1" -ge 1 ] && [ "$1" -le 65535 ]; }
is_port "$BASE_PORT" && is_port "$((BASE_PORT + NODES - 1))" || die "bad base port '$BASE_PORT'"
case "$NODES$REPLICAS" in *[!0-9]*) die "--nodes and --replicas must be numbers" ;; esac
[ "$NODES" -ge 1 ] && [ $((NODES % (REPLICAS + 1))) -eq 0 ] || die "--nodes $NODES is not a multiple of 1 + $REPLICAS replicas"
PRIMARIES=$((NODES / (REPLICAS + 1)))

CLUSTER_PORTS=()
for ((i = 0; i < NODES; i++)); do CLUSTER_PORTS+=("$((BASE_PORT + i))"); done
SPARE_PORTS=()
if [ -n "$SPARES" ]; then
    IFS=, read -r -a SPARE_PORTS <<<"$SPARES"
    for p in "${SPARE_PORTS[@]}"; do is_port "$p" || die "bad spare port '$p'"; done
fi
ALL_PORTS=("${CLUSTER_PORTS[@]}" "${SPARE_PORTS[@]}")
[ -z "$STANDALONE_PORT" ] || ALL_PORTS+=("$STANDALONE_PORT" "$AUTH_PORT")
ALL_PORTS+=("${TLS_STANDALONE_PORTS[@]}")

# Where node k stands in the layout: primaries are the first PRIMARIES ports; replica number r
# (0-based) of primary k is the port at PRIMARIES + k * REPLICAS + r.
primary_of_index() { # index -> index of its primary (itself for a primary)
    local i="$1"
    if [ "$i" -lt "$PRIMARIES" ]; then echo "$i"; else echo $(((i - PRIMARIES) / REPLICAS)); fi
}
slot_range() { # primary index -> "first last"
    local k="$1"
    local first=$((k * 16384 / PRIMARIES)) last=$(((k + 1) * 16384 / PRIMARIES - 1))
    # Same split as redis-cli --cluster create (rounding) for 3 primaries: 0-5460 5461-10922 10923-16383.
    if [ "$PRIMARIES" -eq 3 ]; then
        case "$k" in 0) first=0 last=5460 ;; 1) first=5461 last=10922 ;; 2) first=10923 last=16383 ;; esac
    fi
    echo "$first $last"
}
is_spare() { local p; for p in "${SPARE_PORTS[@]}"; do [ "$p" = "$1" ] && return 0; done; return 1; }

# ---------------------------------------------------------------------------
# Helpers

node_dir() { printf '%s/%s' "$CLUSTER_DIR" "$1"; }
CERT_DIR="$CLUSTER_DIR/certs"

# Milliseconds since the epoch (for the start/reset timings).
now_ms() { date +%s%3N; }
elapsed() { local ms=$(($(now_ms) - $1)); printf '%d.%01ds' $((ms / 1000)) $((ms % 1000 / 100)); }

# redis-cli against one of our nodes (authenticates on the auth node; over TLS with the
# client certificate on TLS nodes); bounded.
cli() {
    local port="$1"; shift
    if [ "$TLS" = 1 ]; then
        local tls=(--tls --cacert "$CERT_DIR/ca.crt" --cert "$CERT_DIR/client.crt" --key "$CERT_DIR/client.key")
        # The node whose certificate expired on purpose is still ours to manage.
        [ "$port" != "${TLS_STANDALONE_PORTS[2]:-}" ] || tls+=(--insecure)
        timeout 5 redis-cli -h "$HOST" -p "$port" "${tls[@]}" "$@" 9>&-
    elif [ -n "$AUTH_PORT" ] && [ "$port" = "$AUTH_PORT" ]; then
        timeout 5 redis-cli -h "$HOST" -p "$port" --no-auth-warning -a "$AUTH_PASSWORD" "$@" 9>&-
    else
        timeout 5 redis-cli -h "$HOST" -p "$port" "$@" 9>&-
    fi
}

# Something accepts TCP connections on the port?
port_open() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

# A live (non-zombie) redis-server process?  Daemonized nodes are reparented to
# PID 1, which may take a while to reap them, so zombies count as gone.
is_redis_pid() {
    local pid="$1" stat
    [ -n "$pid" ] || return 1
    # The builtin read, not cat: our_pids calls this for every process on the machine.
    read -r stat 2>/dev/null <"/proc/$pid/stat" || return 1
    case "$stat" in
        "$pid (redis-server) Z"*) return 1 ;;
        "$pid (redis-server) "*) return 0 ;;
        *) return 1 ;;
    esac
}

# Pid of the node we started on that port (from its pid file), if still alive.
node_pid() {
    local f pid
    f="$(node_dir "$1")/redis.pid"
    [ -r "$f" ] || return 1
    pid="$(tr -dc '0-9' <"$f")"
    is_redis_pid "$pid" || return 1
    printf '%s' "$pid"
}

# All redis-server processes that are ours: alive pid files plus any redis-server
# whose working directory is inside $CLUSTER_DIR (covers lost pid files).
our_pids() {
    local port pid cwd p
    {
        for port in "${ALL_PORTS[@]}"; do
            if pid="$(node_pid "$port")"; then printf '%s\n' "$pid"; fi
        done
        for p in /proc/[0-9]*; do
            pid="${p#/proc/}"
            is_redis_pid "$pid" || continue
            cwd="$(readlink "$p/cwd" 2>/dev/null)" || continue
            case "$cwd" in "$CLUSTER_DIR"/*) printf '%s\n' "$pid" ;; esac
        done
    } | sort -un
}

info_field() { # info_field FIELD <<<"$info"
    tr -d '\r' | awk -F: -v k="$1" '$1 == k { print $2; exit }'
}

show_log_tails() {
    local port f
    for port in "${ALL_PORTS[@]}"; do
        f="$(node_dir "$port")/redis.log"
        [ -r "$f" ] || continue
        printf -- '----- %s (last 10 lines) -----\n' "$f" >&2
        tail -n 10 "$f" >&2
    done
}

# Serialise start/stop of the same ports (also across worktrees).  The lock fd
# is closed for every child (9>&-) so daemonized redis-servers do not hold it.
take_lock() {
    command -v flock >/dev/null 2>&1 || return 0
    exec 9>"${TMPDIR:-/tmp}/swiftev-redis-cluster-$BASE_PORT.lock"
    flock -w 120 9 || die "another redis-cluster.sh is busy with ports $BASE_PORT... (lock timeout)"
}

# ---------------------------------------------------------------------------
# Config

write_common_config() { # port
    local port="$1" dir
    dir="$(node_dir "$port")"
    cat <<EOF
port $port
bind $HOST
protected-mode no
daemonize yes
pidfile "$dir/redis.pid"
logfile "$dir/redis.log"
dir "$dir"
save ""
appendonly no
enable-debug-command yes
enable-module-command yes
shutdown-timeout 0
repl-diskless-sync-delay 0
EOF
}

write_configs() {
    local port dir i
    for port in "${ALL_PORTS[@]}"; do
        dir="$(node_dir "$port")"
        mkdir -p "$dir"
        {
            write_common_config "$port"
            if [ -n "$AUTH_PORT" ] && [ "$port" = "$AUTH_PORT" ]; then
                cat <<EOF
requirepass $AUTH_PASSWORD
user alice on >alice-pw ~* +@all
user limited on >limited-pw ~* +get +ping +hello +auth +client|setname
EOF
            elif [ "$port" != "$STANDALONE_PORT" ] && ! is_tls_standalone "$port"; then
                cat <<EOF
cluster-enabled yes
cluster-config-file nodes.conf
cluster-node-timeout $NODE_TIMEOUT_MS
EOF
                if [ "$HOSTNAMES" = 1 ]; then
                    i=$((port - BASE_PORT))
                    is_spare "$port" && i="spare-$port"
                    # A name under .invalid (RFC 6761) never resolves: only a NAT map or a
                    # lookup override can reach the node.
                    printf 'cluster-announce-hostname node-%s.%s\n' "$i" "$HOSTNAME_DOMAIN"
                    printf 'cluster-preferred-endpoint-type hostname\n'
                fi
            fi
            [ "$TLS" = 0 ] || write_tls_config "$port"
        } >"$dir/redis.conf"
    done
}

# TLS only: later lines override the plain `port` of the common config.
write_tls_config() { # port
    local port="$1" cert="server" clients=optional i
    if is_tls_standalone "$port"; then
        case "$port" in
            "${TLS_STANDALONE_PORTS[1]}") clients=yes ;;
            "${TLS_STANDALONE_PORTS[2]}") cert=expired ;;
            "${TLS_STANDALONE_PORTS[3]}") cert=wrong-name ;;
        esac
    else
        i=$((port - BASE_PORT))
        cert="node-$i"
    fi
    cat <<EOF
port 0
tls-port $port
tls-cert-file "$CERT_DIR/$cert.crt"
tls-key-file "$CERT_DIR/$cert.key"
tls-ca-cert-file "$CERT_DIR/ca.crt"
tls-auth-clients $clients
tls-replication yes
tls-cluster yes
EOF
    if [ "$port" = "${TLS_STANDALONE_PORTS[4]:-}" ]; then
        printf 'tls-protocols "TLSv1.1"\ntls-ciphers "DEFAULT:@SECLEVEL=0"\n'
    fi
}
is_tls_standalone() { local p; for p in "${TLS_STANDALONE_PORTS[@]}"; do [ "$p" = "$1" ] && return 0; done; return 1; }

# ---------------------------------------------------------------------------
# Readiness

# Sets NOT_READY to a human-readable reason; returns 0 when fully ready.
NOT_READY=""
MASTER_PORTS=()
check_ready() {
    local port out state n
    MASTER_PORTS=()
    for port in $STANDALONE_PORT $AUTH_PORT; do
        out="$(cli "$port" PING 2>/dev/null | tr -d '\r')" || out=""
        [ "$out" = "PONG" ] || { NOT_READY="standalone node $port does not answer PING"; return 1; }
    done
    check_tls_standalone_ready || return 1
    for port in "${SPARE_PORTS[@]}"; do
        out="$(cli "$port" CLUSTER INFO 2>/dev/null)" || { NOT_READY="spare node $port unreachable"; return 1; }
        n="$(info_field cluster_known_nodes <<<"$out")"
        [ "$n" = "1" ] || { NOT_READY="spare node $port knows ${n:-?} nodes (expected only itself)"; return 1; }
    done
    for port in "${CLUSTER_PORTS[@]}"; do
        out="$(cli "$port" CLUSTER INFO 2>/dev/null)" || { NOT_READY="node $port unreachable"; return 1; }
        state="$(info_field cluster_state <<<"$out")"
        [ "$state" = "ok" ] || { NOT_READY="node $port: cluster_state:${state:-?}"; return 1; }
        n="$(info_field cluster_known_nodes <<<"$out")"
        [ "$n" = "$NODES" ] || { NOT_READY="node $port knows ${n:-?} nodes"; return 1; }
        n="$(info_field cluster_slots_ok <<<"$out")"
        [ "$n" = "16384" ] || { NOT_READY="node $port: cluster_slots_ok:${n:-?}"; return 1; }
    done
    # Topology, as seen by every node: PRIMARIES primaries with slots, each with REPLICAS
    # connected replicas, nobody flagged fail/pfail/handshake/noaddr.
    for port in "${CLUSTER_PORTS[@]}"; do
        out="$(cli "$port" CLUSTER NODES 2>/dev/null | tr -d '\r')" || { NOT_READY="node $port unreachable"; return 1; }
        n="$(awk -v want_primaries="$PRIMARIES" -v want_replicas="$REPLICAS" '
            { split($2, a, "[:@]"); port[$1] = a[2] }
            $3 ~ /fail|handshake|noaddr/ || $8 != "connected" { print "node " a[2] " is " $3 "/" $8; bad = 1; exit }
            $3 ~ /master/ && NF >= 9 { masters[$1] = 1 }
            $3 ~ /slave/ { replicas[$4]++ }
            END {
                if (bad) exit
                nm = 0
                for (m in masters) { nm++; if (replicas[m] + 0 != want_replicas) { print "primary " port[m] " has " replicas[m] + 0 " replicas"; exit } }
                if (nm != want_primaries) { print nm " primaries with slots"; exit }
                for (m in masters) printf "ok %s\n", port[m]
            }' <<<"$out")"
        case "$n" in
            ok*) ;;
            *) NOT_READY="view of $port: $n"; return 1 ;;
        esac
    done
    # shellcheck disable=SC2207
    MASTER_PORTS=($(awk '{ print $2 }' <<<"$n"))
    # Replicas linked to their primary and not syncing.
    for port in "${CLUSTER_PORTS[@]}"; do
        out="$(cli "$port" INFO replication 2>/dev/null)" || { NOT_READY="node $port unreachable"; return 1; }
        [ "$(info_field role <<<"$out")" = "slave" ] || continue
        state="$(info_field master_link_status <<<"$out")"
        [ "$state" = "up" ] || { NOT_READY="replica $port: master_link_status:${state:-?}"; return 1; }
        state="$(info_field master_sync_in_progress <<<"$out")"
        [ "$state" = "0" ] || { NOT_READY="replica $port: sync in progress"; return 1; }
    done
    # CLUSTER SHARDS on every node: all nodes healthy ("online"; a replica
    # reports "loading" until its replication offset is non-zero).
    for port in "${CLUSTER_PORTS[@]}"; do
        out="$(cli "$port" CLUSTER SHARDS 2>/dev/null | tr -d '\r')" || { NOT_READY="node $port unreachable"; return 1; }
        n="$(awk 'prev == "health" { total++; if ($0 == "online") ok++; else bad = bad " " $0 } { prev = $0 }
                  END { printf "%d %d%s", total, ok, bad }' <<<"$out")"
        if [ "$n" != "$NODES $NODES" ]; then
            NOT_READY="CLUSTER SHARDS on $port: health of nodes (total online others): $n"
            return 1
        fi
    done
    NOT_READY=""
    return 0
}

# The TLS standalone nodes answer PING, but the TLS 1.1-only one, which no client of this
# machine's OpenSSL can talk to: that one only has to accept connections.
check_tls_standalone_ready() {
    local port out
    for port in "${TLS_STANDALONE_PORTS[@]}"; do
        if [ "$port" = "${TLS_STANDALONE_PORTS[4]}" ]; then
            port_open "$port" || { NOT_READY="TLS 1.1 node $port does not accept connections"; return 1; }
            continue
        fi
        out="$(cli "$port" PING 2>/dev/null | tr -d '\r')" || out=""
        [ "$out" = "PONG" ] || { NOT_READY="TLS node $port does not answer PING"; return 1; }
    done
}

# Write (and delete) a key in every primary's slot range so each replica's
# replication offset moves off zero; otherwise CLUSTER SHARDS reports it as
# "loading" until the primary's periodic replication PING (every 10 s).
declare -A READY_KEY=()
poke_primaries() {
    local port key n out
    for port in "${MASTER_PORTS[@]}"; do
        key="${READY_KEY[$port]:-}"
        if [ -z "$key" ]; then
            for ((n = 0; n < 1000; n++)); do
                # Hash tag: the slot depends on the tag only.
                key="swiftev:ready:{$n}"
                # "OK" if this primary serves the key's slot, else "MOVED ...".
                out="$(cli "$port" SET "$key" 1 PX 10000 2>&1 | tr -d '\r')" || return 0
                if [ "$out" = "OK" ]; then READY_KEY[$port]="$key"; break; fi
                key=""
            done
            [ -n "$key" ] || continue
        else
            cli "$port" SET "$key" 1 PX 10000 >/dev/null 2>&1 || true
        fi
        cli "$port" DEL "$key" >/dev/null 2>&1 || true
    done
}

wait_ready() { # deadline (in $SECONDS)
    local deadline="$1" last_reason=""
    while :; do
        if check_ready; then return 0; fi
        if [ "$NOT_READY" != "$last_reason" ]; then
            log "waiting: $NOT_READY"
            last_reason="$NOT_READY"
        fi
        # Once the topology is complete, push writes (each round) so the replicas'
        # offsets advance and CLUSTER SHARDS reports them online.
        if [ "$REPLICAS" -gt 0 ] && [ "${#MASTER_PORTS[@]}" -eq "$PRIMARIES" ]; then
            poke_primaries
        fi
        if [ "$SECONDS" -ge "$deadline" ]; then
            log "error: not ready after ${TIMEOUT}s: $NOT_READY"
            show_log_tails
            log "state left in $CLUSTER_DIR; run '$0 --name $NAME stop' to clean up"
            return 1
        fi
        sleep 0.1
    done
}

# ---------------------------------------------------------------------------
# Forming the cluster (by hand rather than `redis-cli --cluster create`: a fixed layout that
# tests and ClusterControl can rely on, and no fixed one-second sleeps)

# Waits until `cli PORT ...` prints exactly $want (bounded by the deadline).
wait_for_output() { # deadline want what port args...
    local deadline="$1" want="$2" what="$3" out=""; shift 3
    while :; do
        out="$(cli "$@" 2>/dev/null | tr -d '\r')" || out=""
        [ "$out" = "$want" ] && return 0
        if [ "$SECONDS" -ge "$deadline" ]; then
            show_log_tails
            die "$what: expected '$want', got '${out:-nothing}' after ${TIMEOUT}s"
        fi
        sleep 0.05
    done
}

form_cluster() { # deadline
    local deadline="$1" i port k first last id out
    local -a ids=()
    for ((i = 0; i < NODES; i++)); do
        port="${CLUSTER_PORTS[$i]}"
        # Distinct config epochs up front, so no epoch collision has to be resolved later.
        cli "$port" CLUSTER SET-CONFIG-EPOCH $((i + 1)) >/dev/null || die "CLUSTER SET-CONFIG-EPOCH on $port failed"
        ids+=("$(cli "$port" CLUSTER MYID | tr -d '\r')")
        [ -n "${ids[$i]}" ] || die "CLUSTER MYID on $port gave nothing"
    done
    # Slots first: a primary that knows no primary with slots counts itself in the minority,
    # and says ok only cluster-node-timeout (2 s) after it last did; that wait then runs
    # while the nodes meet.
    for ((k = 0; k < PRIMARIES; k++)); do
        read -r first last <<<"$(slot_range "$k")"
        out="$(cli "${CLUSTER_PORTS[$k]}" CLUSTER ADDSLOTSRANGE "$first" "$last" | tr -d '\r')"
        [ "$out" = OK ] || die "CLUSTER ADDSLOTSRANGE $first $last on ${CLUSTER_PORTS[$k]}: $out"
    done
    # Every node meets every earlier one directly (one redis-cli each): the handshakes then
    # complete within a cluster tick, where learning of each other by gossip takes seconds.
    local j cmds
    for ((i = 1; i < NODES; i++)); do
        cmds=""
        for ((j = 0; j < i; j++)); do cmds="${cmds}CLUSTER MEET $HOST ${CLUSTER_PORTS[$j]}"$'\n'; done
        out="$(printf '%s' "$cmds" | cli "${CLUSTER_PORTS[$i]}" | tr -d '\r' | sort -u)"
        [ "$out" = OK ] || die "CLUSTER MEET from ${CLUSTER_PORTS[$i]}: $out"
    done
    for port in "${CLUSTER_PORTS[@]}"; do
        while [ "$(cli "$port" CLUSTER NODES 2>/dev/null | awk '$3 !~ /handshake|noaddr/ && $8 == "connected"' | wc -l)" != "$NODES" ]; do
            [ "$SECONDS" -lt "$deadline" ] || die "node $port does not see all $NODES nodes connected after ${TIMEOUT}s"
            sleep 0.05
        done
    done
    for ((i = PRIMARIES; i < NODES; i++)); do
        port="${CLUSTER_PORTS[$i]}"
        k="$(primary_of_index "$i")"
        id="${ids[$k]}"
        # REPLICATE needs the primary known (it is, once the mesh above is complete).
        while ! cli "$port" CLUSTER NODES 2>/dev/null | grep -q "^$id "; do
            [ "$SECONDS" -lt "$deadline" ] || die "node $port never learned of primary ${CLUSTER_PORTS[$k]} ($id)"
            sleep 0.05
        done
        out="$(cli "$port" CLUSTER REPLICATE "$id" | tr -d '\r')"
        [ "$out" = OK ] || die "CLUSTER REPLICATE on $port (of ${CLUSTER_PORTS[$k]}): $out"
    done
}

# ---------------------------------------------------------------------------
# Commands

# 0: all our nodes are alive and the cluster has been formed (slots assigned)
all_running_and_formed() {
    local port out
    for port in "${ALL_PORTS[@]}"; do
        node_pid "$port" >/dev/null || return 1
    done
    for port in "${CLUSTER_PORTS[@]}"; do
        out="$(cli "$port" CLUSTER INFO 2>/dev/null)" || return 1
        [ "$(info_field cluster_slots_assigned <<<"$out")" = "16384" ] || return 1
        [ "$(info_field cluster_known_nodes <<<"$out")" = "$NODES" ] || return 1
    done
}

stop_nodes() { # quiet=1 to suppress "not running"
    local pids pid port n deadline
    pids="$(our_pids)"
    if [ -z "$pids" ]; then
        [ -d "$CLUSTER_DIR" ] && rm -rf "$CLUSTER_DIR"
        [ "${1:-0}" = 1 ] || log "not running"
        return 0
    fi
    n="$(wc -w <<<"$pids")"
    log "stopping $n node(s)"
    # Ask politely first (in parallel), on the ports whose pid file matches.
    for port in "${ALL_PORTS[@]}"; do
        if [ "$port" = "${TLS_STANDALONE_PORTS[4]:-}" ] && pid="$(node_pid "$port")"; then
            kill -TERM "$pid" 2>/dev/null || true  # no redis-cli here can speak TLS 1.1
        elif node_pid "$port" >/dev/null; then
            cli "$port" SHUTDOWN NOSAVE NOW >/dev/null 2>&1 &
        fi
    done
    wait
    deadline=$((SECONDS + 5))
    for pid in $pids; do
        while is_redis_pid "$pid" && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.05; done
        if is_redis_pid "$pid"; then kill -TERM "$pid" 2>/dev/null || true; fi
    done
    deadline=$((SECONDS + 5))
    for pid in $pids; do
        while is_redis_pid "$pid" && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.05; done
        if is_redis_pid "$pid"; then
            log "node pid $pid ignores SIGTERM; sending SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
        fi
    done
    for pid in $pids; do
        while is_redis_pid "$pid"; do sleep 0.05; done
    done
    # Our processes are gone; the ports must now be free (unless someone else
    # grabbed them, which we report but do not touch).
    deadline=$((SECONDS + 10))
    for port in "${ALL_PORTS[@]}"; do
        while port_open "$port" && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.05; done
        if port_open "$port"; then log "warning: port $port is still in use by another process"; fi
    done
    rm -rf "$CLUSTER_DIR"
}

describe_ports() {
    local d="${BASE_PORT}-$((BASE_PORT + NODES - 1))"
    [ "${#SPARE_PORTS[@]}" -eq 0 ] || d="$d, spares ${SPARES}"
    [ -z "$STANDALONE_PORT" ] || d="$d, $STANDALONE_PORT, $AUTH_PORT"
    printf '%s' "$d"
}

cmd_stop() {
    take_lock
    local t0
    t0="$(now_ms)"
    stop_nodes
    log "stopped ($(elapsed "$t0"))"
}

# Starts from scratch (or keeps a running, formed cluster). The caller holds the lock.
start_locked() { # t0 (ms) what
    local t0="$1" what="$2" deadline=$((SECONDS + TIMEOUT)) port dir out

    if all_running_and_formed; then
        log "already running; checking readiness"
        wait_ready "$deadline" || exit 1
        log "ready ($(describe_ports))"
        return 0
    fi
    if [ -n "$(our_pids)" ] || [ -e "$CLUSTER_DIR" ]; then
        log "stale or partial state in $CLUSTER_DIR; wiping and recreating"
        stop_nodes 1
    fi

    for port in "${ALL_PORTS[@]}"; do
        if port_open "$port"; then
            die "port $port is already in use by a process not started by this script (another worktree or service?); stop it or choose other ports (see the header of $0)"
        fi
    done

    mkdir -p "$CLUSTER_DIR"
    if [ "$TLS" = 1 ]; then
        command -v openssl >/dev/null 2>&1 || die "openssl not found; run scripts/setup.sh"
        "$SCRIPT_DIR/tls-certs.sh" "$CERT_DIR" "$NODES" || die "making the TLS certificates failed"
    fi
    write_configs
    log "starting ${#ALL_PORTS[@]} redis-server nodes in $CLUSTER_DIR"
    for port in "${ALL_PORTS[@]}"; do
        dir="$(node_dir "$port")"
        if ! (cd "$dir" && redis-server "$dir/redis.conf" >"$dir/startup.out" 2>&1 9>&-); then
            cat "$dir/startup.out" >&2
            show_log_tails
            die "redis-server on port $port failed to start"
        fi
    done
    for port in "${ALL_PORTS[@]}"; do
        # The TLS 1.1-only node cannot be asked (see check_tls_standalone_ready).
        [ "$port" != "${TLS_STANDALONE_PORTS[4]:-}" ] || continue
        wait_for_output "$deadline" PONG "node $port: PING" "$port" PING
    done

    log "forming the cluster ($PRIMARIES primaries, $REPLICAS replica(s) each)"
    form_cluster "$deadline"
    log "formed after $(elapsed "$t0"); waiting until ready"
    wait_ready "$deadline" || exit 1
    log "$what in $(elapsed "$t0") ($(describe_ports))"
}

check_tools() {
    command -v redis-server >/dev/null 2>&1 || die "redis-server not found; run scripts/setup.sh"
    command -v redis-cli >/dev/null 2>&1 || die "redis-cli not found; run scripts/setup.sh"
}

cmd_start() {
    check_tools
    take_lock
    start_locked "$(now_ms)" ready
}

# Back to the pristine layout, in place when it can (~3.5-4.5 s, 2 s of which is Redis' own
# wait before a primary given slots says ok): every node (spares included) is
# restarted if dead, emptied (FLUSHALL) and made to forget the cluster (CLUSTER RESET HARD:
# new node ID, epochs 0), then the cluster is formed again. That skips process start-up and
# the 2 s a freshly started primary waits before it calls itself ok. Anything unexpected
# (a node that will not start or reset) falls back to stop + start.
reset_in_place() { # deadline; 0 when every node was reset
    local deadline="$1" port dir out role
    for port in "${CLUSTER_PORTS[@]}" "${SPARE_PORTS[@]}"; do
        node_pid "$port" >/dev/null && continue
        dir="$(node_dir "$port")"
        [ -r "$dir/redis.conf" ] || return 1
        port_open "$port" && return 1
        log "node $port is down; starting it again"
        (cd "$dir" && redis-server "$dir/redis.conf" >"$dir/startup.out" 2>&1 9>&-) || return 1
    done
    for port in "${CLUSTER_PORTS[@]}" "${SPARE_PORTS[@]}"; do
        while [ "$(cli "$port" PING 2>/dev/null | tr -d '\r')" != PONG ]; do
            [ "$SECONDS" -lt "$deadline" ] || return 1
            sleep 0.05
        done
    done
    # Replicas first: a reset replica empties itself; a primary must be emptied before.
    for role in slave master; do
        for port in "${CLUSTER_PORTS[@]}" "${SPARE_PORTS[@]}"; do
            out="$(cli "$port" ROLE 2>/dev/null | head -n 1 | tr -d '\r')" || return 1
            [ "$out" = "$role" ] || continue
            [ "$role" = slave ] || cli "$port" FLUSHALL >/dev/null 2>&1 || return 1
            out="$(cli "$port" CLUSTER RESET HARD 2>&1 | tr -d '\r')"
            [ "$out" = OK ] || { log "CLUSTER RESET HARD on $port: $out"; return 1; }
        done
    done
}

cmd_reset() {
    check_tools
    take_lock
    local t0 deadline=$((SECONDS + TIMEOUT))
    t0="$(now_ms)"
    shutdown_added_nodes
    if all_nodes_alive_or_restartable && reset_in_place "$deadline"; then
        log "forming the cluster again ($PRIMARIES primaries, $REPLICAS replica(s) each)"
        form_cluster "$deadline"
        log "formed after $(elapsed "$t0"); waiting until ready"
        wait_ready "$deadline" || exit 1
        log "reset in $(elapsed "$t0") ($(describe_ports))"
        return 0
    fi
    log "cannot reset in place; recreating"
    stop_nodes 1
    start_locked "$t0" reset
}

# The main cluster's standalone nodes are never reset; its state directory must exist.
all_nodes_alive_or_restartable() {
    [ -d "$CLUSTER_DIR" ] || return 1
    local port
    for port in $STANDALONE_PORT $AUTH_PORT; do node_pid "$port" >/dev/null || return 1; done
}

cmd_status() {
    local port pid out role line running=0 total=${#ALL_PORTS[@]}
    for port in "${ALL_PORTS[@]}"; do
        if ! pid="$(node_pid "$port")"; then
            printf '%-6s not running\n' "$port"
            continue
        fi
        running=$((running + 1))
        if [ "$port" = "$STANDALONE_PORT" ]; then
            printf '%-6s pid %-7s standalone\n' "$port" "$pid"
            continue
        fi
        if [ "$port" = "$AUTH_PORT" ]; then
            printf '%-6s pid %-7s standalone (auth: default/%s, alice, limited)\n' "$port" "$pid" "$AUTH_PASSWORD"
            continue
        fi
        out="$(cli "$port" CLUSTER NODES 2>/dev/null | tr -d '\r')" || out=""
        line="$(awk '$3 ~ /myself/' <<<"$out")"
        if [ -z "$line" ]; then
            printf '%-6s pid %-7s unreachable\n' "$port" "$pid"
            continue
        fi
        role="$(awk '{
                split($2, a, "[:@]")
                if ($3 ~ /master/) { s = ""; for (i = 9; i <= NF; i++) s = s (s ? "," : "") $i; print "primary  slots " (s ? s : "none") }
                else print "replica  of " $4
            }' <<<"$line")"
        case "$role" in
            "replica  of "*)
                # Resolve the primary id to its port.
                local mid mport
                mid="${role#replica  of }"
                mport="$(awk -v id="$mid" '$1 == id { split($2, a, "[:@]"); print a[2] }' <<<"$out")"
                out="$(cli "$port" INFO replication 2>/dev/null)" || out=""
                role="replica  of ${mport:-$mid} (link $(info_field master_link_status <<<"$out"))"
                ;;
        esac
        is_spare "$port" && role="spare    $role"
        out="$(cli "$port" CLUSTER INFO 2>/dev/null)" || out=""
        printf '%-6s pid %-7s %s  cluster_state:%s\n' "$port" "$pid" "$role" "$(info_field cluster_state <<<"$out")"
    done
    if [ "$running" -eq 0 ]; then
        echo "stopped"
        return 3
    fi
    if [ "$running" -eq "$total" ] && check_ready; then
        echo "ready"
        return 0
    fi
    echo "not ready: ${NOT_READY:-$((total - running)) node(s) not running}"
    return 1
}

# shellcheck source=scripts/cluster-topology.sh
source "$SCRIPT_DIR/cluster-topology.sh"

case "$VERB" in
    scale-out | scale-in | reshard | failover | kill | restart-node | pause) run_topology_op "$VERB" "${OP_ARGS[@]}" ;;
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    restart) cmd_stop; cmd_start ;;
    reset) cmd_reset ;;
esac
