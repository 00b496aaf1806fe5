# shellcheck shell=bash
# Live topology operations on a running cluster, as a platform's scaler does them. Sourced by
# scripts/redis-cluster.sh (which has parsed --name/--base-port and defines cli, node_pid,
# node_dir, write_common_config, log, die...). Each operation prints what it did on stdout and
# returns only when the cluster has settled:
#   - every live node says cluster_state:ok and covers 16384 slots,
#   - every live node sees the same primaries owning the same slots, nobody open
#     (migrating/importing), no live node flagged fail/pfail,
#   - (unless a primary was just killed) every primary with slots has a replica whose link is up.
#
#   scale-out            start a primary + replica on the next free ports, join them,
#                        rebalance slots onto the new primary (redis-cli --cluster)
#   scale-in             move the last-added primary's slots to the others, remove the pair
#   reshard N FROM TO    move N slots from the primary on port FROM to the one on port TO
#   failover NODE        CLUSTER FAILOVER on NODE (a replica), or on a replica of NODE (a primary)
#   kill NODE            kill -9; a primary waits until its replica is promoted
#   restart NODE         start a killed node from its config again (it rejoins as a replica)
#   pause NODE SECONDS   SIGSTOP, SECONDS, SIGCONT (a hung node; past cluster-node-timeout the
#                        cluster fails it over and it comes back as a replica)
#
# Nodes added by scale-out live in the cluster's state directory too; their ports are listed in
# <state dir>/added-ports, which stop (by working directory) and reset (shut down first) honour.

ADDED_FILE="$CLUSTER_DIR/added-ports"
# Moving thousands of slots one by one (redis-cli --cluster) takes minutes on a busy machine.
MOVE_TIMEOUT=$((TIMEOUT * 10))

added_ports() { [ -r "$ADDED_FILE" ] && cat "$ADDED_FILE"; return 0; }

# Every port that may belong to the cluster now: the layout's plus the added ones.
member_ports() { printf '%s\n' "${CLUSTER_PORTS[@]}"; added_ports; }

live_ports() {
    local port
    for port in $(member_ports); do
        node_pid "$port" >/dev/null && [ "$(cli "$port" PING 2>/dev/null | tr -d '\r')" = PONG ] && echo "$port"
    done
    return 0
}

# (Not `live_ports | head`: with pipefail the SIGPIPE would fail the caller.)
any_live_port() { local ports; ports="$(live_ports)"; echo "${ports%%$'\n'*}"; }

node_id() { cli "$1" CLUSTER MYID 2>/dev/null | tr -d '\r'; }

node_role() { cli "$1" ROLE 2>/dev/null | head -n 1 | tr -d '\r'; }

# The ports of the primary's replicas (as the primary on PORT sees them).
replicas_of() {
    local id
    id="$(node_id "$1")"
    cli "$1" CLUSTER NODES 2>/dev/null | tr -d '\r' |
        awk -v id="$id" '$4 == id && $3 !~ /fail/ { split($2, a, "[:@]"); print a[2] }'
}

# One line per primary with slots: "port slot-ranges", sorted; what all nodes must agree on.
slot_map() {
    cli "$1" CLUSTER NODES 2>/dev/null | tr -d '\r' | awk '
        $3 ~ /master/ && NF >= 9 { split($2, a, "[:@]"); s = ""; for (i = 9; i <= NF; i++) s = s " " $i; print a[2] s }' | sort
}

SETTLE_PROBLEM=""
# What a node says about the cluster, summed up in a few lines (one redis-cli for CLUSTER INFO,
# CLUSTER NODES and INFO replication, one awk: each process costs tens of milliseconds on a
# busy machine, and a check runs for every node many times over):
#   S <cluster_state> <cluster_slots_ok> <open slots 0/1> <handshake 0/1> <its role> <its primary's id> <its link>
#   F <port>                  a node it flags failing
#   M <port> <id> <ranges>    a primary with slots (sorted later: the order differs per node)
node_view() { # port
    printf 'CLUSTER INFO\nCLUSTER NODES\nINFO replication\n' | cli "$1" 2>/dev/null | tr -d '\r' | awk '
        /^cluster_state:/ { split($0, a, ":"); state = a[2] }
        /^cluster_slots_ok:/ { split($0, a, ":"); ok = a[2] }
        /^master_link_status:/ { split($0, a, ":"); link = a[2] }
        length($1) == 40 && $1 ~ /^[0-9a-f]+$/ && NF >= 8 {
            split($2, a, "[:@]")
            if ($0 ~ /\[/) open = 1
            if ($3 ~ /handshake|noaddr/) hs = 1
            else if ($3 ~ /fail/) fails = fails "F " a[2] "\n"
            if ($3 ~ /myself/) { role = ($3 ~ /master/ ? "master" : "slave"); primary = $4 }
            if ($3 ~ /master/ && NF >= 9) { m = "M " a[2] " " $1; for (i = 9; i <= NF; i++) m = m " " $i; maps = maps m "\n" }
        }
        END {
            if (state == "") exit 1
            print "S", state, ok + 0, open + 0, hs + 0, role, primary, (link == "" ? "-" : link)
            printf "%s%s", fails, maps
        }'
}

# 0 when settled (see the header); need_replicas=1 also requires a replica per primary.
is_settled() { # need_replicas
    local need_replicas="$1" port view first="" map p id state ok open hs role primary link online=" "
    for port in $(member_ports); do
        node_pid "$port" >/dev/null || continue
        # A node that does not answer (stopped, starting) is not live: not asked.
        view="$(node_view "$port")" || continue
        read -r _ state ok open hs role primary link <<<"${view%%$'\n'*}"
        [ "$state" = ok ] || { SETTLE_PROBLEM="node $port: cluster not ok"; return 1; }
        [ "$ok" = 16384 ] || { SETTLE_PROBLEM="node $port: not all slots ok"; return 1; }
        [ "$open" = 0 ] || { SETTLE_PROBLEM="node $port: a slot is migrating/importing"; return 1; }
        [ "$hs" = 0 ] || { SETTLE_PROBLEM="node $port sees a node in handshake"; return 1; }
        # A live node flagged failing by anyone.
        for p in $(sed -n 's/^F //p' <<<"$view"); do
            node_pid "$p" >/dev/null && { SETTLE_PROBLEM="node $port sees $p as failing"; return 1; }
        done
        map="$(grep '^M ' <<<"$view" | sort)" || true
        if [ -z "$first" ]; then first="$map"
        elif [ "$map" != "$first" ]; then SETTLE_PROBLEM="node $port disagrees on the slots"; return 1; fi
        [ "$role" = slave ] && [ "$link" = up ] && online="$online$primary "
    done
    [ -n "$first" ] || { SETTLE_PROBLEM="no live node"; return 1; }
    if [ "$need_replicas" = 1 ]; then
        while read -r _ port id _; do
            [[ "$online" == *" $id "* ]] || { SETTLE_PROBLEM="primary $port has no replica online"; return 1; }
        done <<<"$first"
    fi
    SETTLE_PROBLEM=""
}

wait_settled() { # need_replicas what
    local t0 deadline=$((SECONDS + TIMEOUT))
    t0="$(now_ms)"
    until is_settled "$1"; do
        [ "$SECONDS" -lt "$deadline" ] || die "$2: not settled after ${TIMEOUT}s: $SETTLE_PROBLEM"
        sleep 0.05
    done
    printf 'settled after %s (%s)\n' "$(elapsed "$t0")" "$2"
}

require_member() { # port
    is_port "$1" || die "'$1' is not a port"
    member_ports | grep -qx "$1" || die "port $1 is not a node of cluster $NAME"
}

primary_port_of() { # replica port -> its primary's port
    local id
    id="$(cli "$1" CLUSTER NODES | tr -d '\r' | awk '$3 ~ /myself/ { print $4 }')"
    cli "$1" CLUSTER NODES | tr -d '\r' | awk -v id="$id" '$1 == id { split($2, a, "[:@]"); print a[2] }'
}

op_failover() { # node
    local node="$1" replica t0 deadline=$((SECONDS + TIMEOUT))
    require_member "$node"
    if [ "$(node_role "$node")" = master ]; then
        replica="$(replicas_of "$node")"
        replica="${replica%%$'\n'*}"
        [ -n "$replica" ] || die "primary $node has no replica to fail over to"
    else
        replica="$node"
    fi
    local old
    old="$(primary_port_of "$replica")"
    t0="$(now_ms)"
    [ "$(cli "$replica" CLUSTER FAILOVER | tr -d '\r')" = OK ] || die "CLUSTER FAILOVER on $replica refused"
    until [ "$(node_role "$replica")" = master ]; do
        [ "$SECONDS" -lt "$deadline" ] || die "replica $replica not promoted after ${TIMEOUT}s"
        sleep 0.02
    done
    echo "failover: replica $replica took over from $old in $(elapsed "$t0")"
    wait_settled 1 "failover $old -> $replica"
}

op_kill() { # node
    local node="$1" pid role replicas t0 deadline=$((SECONDS + TIMEOUT)) p
    require_member "$node"
    pid="$(node_pid "$node")" || die "node $node is not running"
    role="$(node_role "$node")"
    replicas="$(replicas_of "$node")"
    t0="$(now_ms)"
    kill -KILL "$pid"
    while is_redis_pid "$pid"; do sleep 0.01; done
    # The epoch milliseconds let a caller line the kill up with the nodes' logs.
    echo "kill: node $node (pid $pid, $role) killed with SIGKILL at $t0 ms"
    if [ "$role" = master ] && [ -n "$replicas" ]; then
        while :; do
            for p in $replicas; do [ "$(node_role "$p")" = master ] && break 2; done
            [ "$SECONDS" -lt "$deadline" ] || die "no replica of $node promoted after ${TIMEOUT}s"
            sleep 0.02
        done
        echo "kill: replica $p promoted $(elapsed "$t0") after the kill"
    fi
    wait_settled 0 "kill $node"
}

op_restart() { # node
    local node="$1" dir
    require_member "$node"
    node_pid "$node" >/dev/null && die "node $node is running"
    dir="$(node_dir "$node")"
    [ -r "$dir/redis.conf" ] || die "no config for node $node in $dir"
    (cd "$dir" && redis-server "$dir/redis.conf" >"$dir/startup.out" 2>&1 9>&-) || die "redis-server on $node failed to start"
    until [ "$(cli "$node" PING 2>/dev/null | tr -d '\r')" = PONG ]; do sleep 0.02; done
    wait_settled 1 "restart $node"
    echo "restart: node $node is back as $(node_role "$node")$( [ "$(node_role "$node")" = slave ] && echo " of $(primary_port_of "$node")")"
}

op_pause() { # node seconds
    local node="$1" secs="$2" pid role
    require_member "$node"
    case "$secs" in ''|*[!0-9.]*) die "pause: '$secs' is not a number of seconds" ;; esac
    pid="$(node_pid "$node")" || die "node $node is not running"
    role="$(node_role "$node")"
    local t0
    t0="$(now_ms)"
    kill -STOP "$pid"
    echo "pause: node $node (pid $pid, $role) stopped (SIGSTOP) for ${secs}s at $t0 ms"
    sleep "$secs"
    kill -CONT "$pid"
    echo "pause: node $node resumed (SIGCONT)"
    wait_settled 1 "pause $node"
    echo "pause: node $node is now $(node_role "$node")"
}

op_reshard() { # slots from to
    local n="$1" from="$2" to="$3" from_id to_id t0
    case "$n" in ''|*[!0-9]*) die "reshard: '$n' is not a number of slots" ;; esac
    require_member "$from"; require_member "$to"
    from_id="$(node_id "$from")" to_id="$(node_id "$to")"
    t0="$(now_ms)"
    timeout "$MOVE_TIMEOUT" redis-cli --cluster reshard "$HOST:$from" --cluster-from "$from_id" --cluster-to "$to_id" \
        --cluster-slots "$n" --cluster-yes --cluster-pipeline 100 >"$CLUSTER_DIR/reshard.out" 2>&1 9>&- ||
        { tail -n 20 "$CLUSTER_DIR/reshard.out" >&2; die "redis-cli --cluster reshard failed"; }
    echo "reshard: moved $n slots from $from to $to in $(elapsed "$t0")"
    wait_settled 1 "reshard $n $from $to"
}

# The next two ports after every port the cluster (or its spares) has used.
next_free_ports() {
    local highest p
    highest="$(member_ports | sort -n | tail -n 1)"
    for p in "${SPARE_PORTS[@]}"; do [ "$p" -gt "$highest" ] && highest="$p"; done
    echo "$((highest + 1)) $((highest + 2))"
}

start_added_node() { # port
    local port="$1" dir
    port_open "$port" && die "port $port is in use"
    dir="$(node_dir "$port")"
    mkdir -p "$dir"
    {
        write_common_config "$port"
        printf 'cluster-enabled yes\ncluster-config-file nodes.conf\ncluster-node-timeout %s\n' "$NODE_TIMEOUT_MS"
    } >"$dir/redis.conf"
    (cd "$dir" && redis-server "$dir/redis.conf" >"$dir/startup.out" 2>&1 9>&-) || die "redis-server on $port failed to start"
    until [ "$(cli "$port" PING 2>/dev/null | tr -d '\r')" = PONG ]; do sleep 0.02; done
    echo "$port" >>"$ADDED_FILE"
}

op_scale_out() {
    local primary replica existing id t0
    t0="$(now_ms)"
    existing="$(any_live_port)"
    [ -n "$existing" ] || die "no live node"
    read -r primary replica <<<"$(next_free_ports)"
    start_added_node "$primary"
    redis-cli --cluster add-node "$HOST:$primary" "$HOST:$existing" >"$CLUSTER_DIR/scale.out" 2>&1 9>&- ||
        { tail -n 20 "$CLUSTER_DIR/scale.out" >&2; die "add-node $primary failed"; }
    id="$(node_id "$primary")"
    # add-node checks that every node agrees on the configuration: wait until the join has spread.
    wait_settled 0 "primary $primary joined" >/dev/null
    start_added_node "$replica"
    redis-cli --cluster add-node "$HOST:$replica" "$HOST:$existing" --cluster-slave --cluster-master-id "$id" >>"$CLUSTER_DIR/scale.out" 2>&1 9>&- ||
        { tail -n 20 "$CLUSTER_DIR/scale.out" >&2; die "add-node $replica failed"; }
    wait_settled 0 "replica $replica joined" >/dev/null
    timeout "$MOVE_TIMEOUT" redis-cli --cluster rebalance "$HOST:$existing" --cluster-use-empty-masters --cluster-pipeline 100 >>"$CLUSTER_DIR/scale.out" 2>&1 9>&- ||
        { tail -n 20 "$CLUSTER_DIR/scale.out" >&2; die "rebalance failed"; }
    echo "scale-out: added primary $primary ($id) with replica $replica and moved $(cli "$primary" CLUSTER NODES | tr -d '\r' | awk '$3 ~ /myself/ { n = 0; for (i = 9; i <= NF; i++) { split($i, r, "-"); n += (r[2] == "" ? 1 : r[2] - r[1] + 1) } print n }') slots onto it in $(elapsed "$t0")"
    wait_settled 1 "scale-out"
}

op_scale_in() {
    local primary replica id existing t0 p
    t0="$(now_ms)"
    [ -s "$ADDED_FILE" ] || die "scale-in: no pair added by scale-out to remove"
    # The last-added primary is the one of the last two added ports that is a primary now
    # (a failover may have swapped the pair's roles).
    read -r p replica <<<"$(tail -n 2 "$ADDED_FILE" | tr '\n' ' ')"
    if [ "$(node_role "$p")" = master ]; then primary="$p"; else primary="$replica"; replica="$p"; fi
    id="$(node_id "$primary")"
    existing="$(live_ports | grep -vx -e "$primary" -e "$replica")"
    existing="${existing%%$'\n'*}"
    timeout "$MOVE_TIMEOUT" redis-cli --cluster rebalance "$HOST:$existing" --cluster-weight "$id=0" --cluster-pipeline 100 >"$CLUSTER_DIR/scale.out" 2>&1 9>&- ||
        { tail -n 20 "$CLUSTER_DIR/scale.out" >&2; die "rebalance (weight 0 for $primary) failed"; }
    wait_settled 1 "slots moved off $primary"
    redis-cli --cluster del-node "$HOST:$existing" "$(node_id "$replica")" >>"$CLUSTER_DIR/scale.out" 2>&1 9>&- || die "del-node $replica failed"
    redis-cli --cluster del-node "$HOST:$existing" "$id" >>"$CLUSTER_DIR/scale.out" 2>&1 9>&- || die "del-node $primary failed"
    for p in "$primary" "$replica"; do
        local pid
        if pid="$(node_pid "$p")"; then cli "$p" SHUTDOWN NOSAVE NOW >/dev/null 2>&1 || true; while is_redis_pid "$pid"; do sleep 0.02; done; fi
        rm -rf "$(node_dir "$p")"
    done
    head -n -2 "$ADDED_FILE" >"$ADDED_FILE.new" && mv "$ADDED_FILE.new" "$ADDED_FILE"
    echo "scale-in: moved the slots of $primary to the other primaries and removed it and its replica $replica in $(elapsed "$t0")"
    wait_settled 1 "scale-in"
}

# reset: the added nodes are not part of the pristine layout.
shutdown_added_nodes() {
    local p pid
    for p in $(added_ports); do
        if pid="$(node_pid "$p")"; then
            kill -CONT "$pid" 2>/dev/null || true
            cli "$p" SHUTDOWN NOSAVE NOW >/dev/null 2>&1 || kill -KILL "$pid" 2>/dev/null || true
            while is_redis_pid "$pid"; do sleep 0.02; done
        fi
        rm -rf "$(node_dir "$p")"
    done
    rm -f "$ADDED_FILE"
    # A node left stopped by an interrupted pause would block the reset.
    for p in "${CLUSTER_PORTS[@]}"; do
        if pid="$(node_pid "$p")"; then kill -CONT "$pid" 2>/dev/null || true; fi
    done
}

run_topology_op() { # verb args...
    check_tools
    take_lock
    local verb="$1"; shift
    case "$verb" in
        scale-out) [ $# -eq 0 ] || usage; op_scale_out ;;
        scale-in) [ $# -eq 0 ] || usage; op_scale_in ;;
        reshard) [ $# -eq 3 ] || usage; op_reshard "$@" ;;
        failover) [ $# -eq 1 ] || usage; op_failover "$1" ;;
        kill) [ $# -eq 1 ] || usage; op_kill "$1" ;;
        restart-node) [ $# -eq 1 ] || usage; op_restart "$1" ;;
        pause) [ $# -eq 2 ] || usage; op_pause "$1" "$2" ;;
    esac
}
