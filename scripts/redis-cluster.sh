#!/usr/bin/env bash
# Start/stop a local Redis Cluster (plus two standalone nodes) for SwiftEV tests.
#
# Usage: scripts/redis-cluster.sh start|stop|status|restart
#
# Nodes (all on 127.0.0.1, daemonized, no persistence):
#   7000-7005  cluster: 3 primaries + 3 replicas, cluster-node-timeout 2000 ms
#   7100       standalone, no auth
#   7101       standalone with auth: requirepass swiftev-secret (default user),
#              user alice/alice-pw (+@all), user limited/limited-pw
#              (only GET PING HELLO AUTH CLIENT|SETNAME, so SET gives NOPERM)
#
# Config, data, logs and pid files live in $REPO/.cluster/<port>/.
# "start" returns only when the cluster is fully ready (see wait_ready).
#
# Environment overrides (optional):
#   SWIFTEV_CLUSTER_BASE_PORT      first cluster port (default 7000; uses 6 ports)
#   SWIFTEV_REDIS_STANDALONE_PORT  standalone node port (default 7100)
#   SWIFTEV_REDIS_AUTH_PORT        standalone auth node port (default 7101)
#   SWIFTEV_CLUSTER_DIR            state directory (default $REPO/.cluster)
#   SWIFTEV_CLUSTER_TIMEOUT        seconds to wait for readiness (default 60)
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(dirname "$SCRIPT_DIR")"
CLUSTER_DIR="${SWIFTEV_CLUSTER_DIR:-$REPO/.cluster}"
HOST=127.0.0.1
BASE_PORT="${SWIFTEV_CLUSTER_BASE_PORT:-7000}"
STANDALONE_PORT="${SWIFTEV_REDIS_STANDALONE_PORT:-7100}"
AUTH_PORT="${SWIFTEV_REDIS_AUTH_PORT:-7101}"
AUTH_PASSWORD=swiftev-secret
TIMEOUT="${SWIFTEV_CLUSTER_TIMEOUT:-60}"
NODE_TIMEOUT_MS=2000

CLUSTER_PORTS=()
for i in 0 1 2 3 4 5; do CLUSTER_PORTS+=("$((BASE_PORT + i))"); done
ALL_PORTS=("${CLUSTER_PORTS[@]}" "$STANDALONE_PORT" "$AUTH_PORT")

log() { printf 'redis-cluster: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# ---------------------------------------------------------------------------
# Helpers

node_dir() { printf '%s/%s' "$CLUSTER_DIR" "$1"; }

# redis-cli against one of our nodes (authenticates on the auth node); bounded.
cli() {
    local port="$1"; shift
    if [ "$port" = "$AUTH_PORT" ]; then
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
    stat="$(cat "/proc/$pid/stat" 2>/dev/null)" || return 1
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
    f="$CLUSTER_DIR/cluster-create.log"
    if [ -r "$f" ]; then
        printf -- '----- %s (last 10 lines) -----\n' "$f" >&2
        tail -n 10 "$f" >&2
    fi
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
    local port dir
    for port in "${ALL_PORTS[@]}"; do
        dir="$(node_dir "$port")"
        mkdir -p "$dir"
        {
            write_common_config "$port"
            if [ "$port" = "$AUTH_PORT" ]; then
                cat <<EOF
requirepass $AUTH_PASSWORD
user alice on >alice-pw ~* +@all
user limited on >limited-pw ~* +get +ping +hello +auth +client|setname
EOF
            elif [ "$port" != "$STANDALONE_PORT" ]; then
                cat <<EOF
cluster-enabled yes
cluster-config-file nodes.conf
cluster-node-timeout $NODE_TIMEOUT_MS
EOF
            fi
        } >"$dir/redis.conf"
    done
}

# ---------------------------------------------------------------------------
# Readiness

# Sets NOT_READY to a human-readable reason; returns 0 when fully ready.
NOT_READY=""
MASTER_PORTS=()
check_ready() {
    local port out state n
    MASTER_PORTS=()
    for port in "$STANDALONE_PORT" "$AUTH_PORT"; do
        out="$(cli "$port" PING 2>/dev/null | tr -d '\r')" || out=""
        [ "$out" = "PONG" ] || { NOT_READY="standalone node $port does not answer PING"; return 1; }
    done
    for port in "${CLUSTER_PORTS[@]}"; do
        out="$(cli "$port" CLUSTER INFO 2>/dev/null)" || { NOT_READY="node $port unreachable"; return 1; }
        state="$(info_field cluster_state <<<"$out")"
        [ "$state" = "ok" ] || { NOT_READY="node $port: cluster_state:${state:-?}"; return 1; }
        n="$(info_field cluster_known_nodes <<<"$out")"
        [ "$n" = "6" ] || { NOT_READY="node $port knows ${n:-?} nodes"; return 1; }
        n="$(info_field cluster_slots_ok <<<"$out")"
        [ "$n" = "16384" ] || { NOT_READY="node $port: cluster_slots_ok:${n:-?}"; return 1; }
    done
    # Topology, as seen by every node: 3 primaries with slots, each with one
    # connected replica, nobody flagged fail/pfail/handshake/noaddr.
    for port in "${CLUSTER_PORTS[@]}"; do
        out="$(cli "$port" CLUSTER NODES 2>/dev/null | tr -d '\r')" || { NOT_READY="node $port unreachable"; return 1; }
        n="$(awk '
            { split($2, a, "[:@]"); port[$1] = a[2] }
            $3 ~ /fail|handshake|noaddr/ || $8 != "connected" { print "node " a[2] " is " $3 "/" $8; bad = 1; exit }
            $3 ~ /master/ && NF >= 9 { masters[$1] = 1 }
            $3 ~ /slave/ { replicas[$4]++ }
            END {
                if (bad) exit
                nm = 0
                for (m in masters) { nm++; if (replicas[m] != 1) { print "primary " port[m] " has " replicas[m] + 0 " replicas"; exit } }
                if (nm != 3) { print nm " primaries with slots"; exit }
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
    # CLUSTER SHARDS on every node: all 6 nodes healthy ("online"; a replica
    # reports "loading" until its replication offset is non-zero).
    for port in "${CLUSTER_PORTS[@]}"; do
        out="$(cli "$port" CLUSTER SHARDS 2>/dev/null | tr -d '\r')" || { NOT_READY="node $port unreachable"; return 1; }
        n="$(awk 'prev == "health" { total++; if ($0 == "online") ok++; else bad = bad " " $0 } { prev = $0 }
                  END { printf "%d %d%s", total, ok, bad }' <<<"$out")"
        case "$n" in
            "6 6") ;;
            *) NOT_READY="CLUSTER SHARDS on $port: health of nodes (total online others): $n"; return 1 ;;
        esac
    done
    NOT_READY=""
    return 0
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
    local deadline="$1" last_poke=-100 last_reason=""
    while :; do
        if check_ready; then return 0; fi
        if [ "$NOT_READY" != "$last_reason" ]; then
            log "waiting: $NOT_READY"
            last_reason="$NOT_READY"
        fi
        # Once the topology is complete, push writes (again every 2 s) so the
        # replicas' offsets advance and CLUSTER SHARDS reports them online.
        if [ "${#MASTER_PORTS[@]}" -eq 3 ] && [ $((SECONDS - last_poke)) -ge 2 ]; then
            poke_primaries
            last_poke=$SECONDS
        fi
        if [ "$SECONDS" -ge "$deadline" ]; then
            log "error: not ready after ${TIMEOUT}s: $NOT_READY"
            show_log_tails
            log "state left in $CLUSTER_DIR; run '$0 stop' to clean up"
            return 1
        fi
        sleep 0.2
    done
}

# ---------------------------------------------------------------------------
# Commands

# 0: all our nodes are alive and the cluster has been created (slots assigned)
all_running_and_formed() {
    local port out
    for port in "${ALL_PORTS[@]}"; do
        node_pid "$port" >/dev/null || return 1
    done
    for port in "${CLUSTER_PORTS[@]}"; do
        out="$(cli "$port" CLUSTER INFO 2>/dev/null)" || return 1
        [ "$(info_field cluster_slots_assigned <<<"$out")" = "16384" ] || return 1
        [ "$(info_field cluster_known_nodes <<<"$out")" = "6" ] || return 1
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
        if node_pid "$port" >/dev/null; then
            cli "$port" SHUTDOWN NOSAVE NOW >/dev/null 2>&1 &
        fi
    done
    wait
    deadline=$((SECONDS + 5))
    for pid in $pids; do
        while is_redis_pid "$pid" && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.1; done
        if is_redis_pid "$pid"; then kill -TERM "$pid" 2>/dev/null || true; fi
    done
    deadline=$((SECONDS + 5))
    for pid in $pids; do
        while is_redis_pid "$pid" && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.1; done
        if is_redis_pid "$pid"; then
            log "node pid $pid ignores SIGTERM; sending SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
        fi
    done
    for pid in $pids; do
        while is_redis_pid "$pid"; do sleep 0.1; done
    done
    # Our processes are gone; the ports must now be free (unless someone else
    # grabbed them, which we report but do not touch).
    deadline=$((SECONDS + 10))
    for port in "${ALL_PORTS[@]}"; do
        while port_open "$port" && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.1; done
        if port_open "$port"; then log "warning: port $port is still in use by another process"; fi
    done
    rm -rf "$CLUSTER_DIR"
}

cmd_stop() {
    take_lock
    local t0=$SECONDS
    stop_nodes
    log "stopped ($((SECONDS - t0))s)"
}

cmd_start() {
    command -v redis-server >/dev/null 2>&1 || die "redis-server not found; run scripts/setup.sh"
    command -v redis-cli >/dev/null 2>&1 || die "redis-cli not found; run scripts/setup.sh"
    take_lock
    local t0=$SECONDS deadline=$((SECONDS + TIMEOUT)) port dir out

    if all_running_and_formed; then
        log "already running; checking readiness"
        wait_ready "$deadline" || exit 1
        log "ready (${BASE_PORT}-$((BASE_PORT + 5)), $STANDALONE_PORT, $AUTH_PORT)"
        return 0
    fi
    if [ -n "$(our_pids)" ] || [ -e "$CLUSTER_DIR" ]; then
        log "stale or partial state in $CLUSTER_DIR; wiping and recreating"
        stop_nodes 1
    fi

    for port in "${ALL_PORTS[@]}"; do
        if port_open "$port"; then
            die "port $port is already in use by a process not started by this script (another worktree or service?); stop it or set SWIFTEV_CLUSTER_BASE_PORT / SWIFTEV_REDIS_*_PORT"
        fi
    done

    mkdir -p "$CLUSTER_DIR"
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
        while :; do
            out="$(cli "$port" PING 2>/dev/null | tr -d '\r')" || out=""
            [ "$out" = "PONG" ] && break
            if [ "$SECONDS" -ge "$deadline" ]; then
                show_log_tails
                die "node $port does not answer PING after ${TIMEOUT}s"
            fi
            sleep 0.1
        done
    done

    log "creating cluster (3 primaries, 3 replicas)"
    local nodes=()
    for port in "${CLUSTER_PORTS[@]}"; do nodes+=("$HOST:$port"); done
    if ! timeout "$TIMEOUT" redis-cli --cluster create "${nodes[@]}" --cluster-replicas 1 --cluster-yes \
            >"$CLUSTER_DIR/cluster-create.log" 2>&1 9>&-; then
        show_log_tails
        die "redis-cli --cluster create failed (see $CLUSTER_DIR/cluster-create.log)"
    fi

    log "waiting for cluster readiness"
    wait_ready "$deadline" || exit 1
    log "ready in $((SECONDS - t0))s (${BASE_PORT}-$((BASE_PORT + 5)), $STANDALONE_PORT, $AUTH_PORT)"
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

case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    restart) cmd_stop; cmd_start ;;
    *)
        echo "usage: $0 start|stop|status|restart" >&2
        exit 2
        ;;
esac
