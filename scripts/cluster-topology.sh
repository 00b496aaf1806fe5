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
#   scale-out [SLOTS]    start a primary + replica on the next free ports, join them,
#                        rebalance slots onto the new primary (redis-cli --cluster: a quarter
#                        of all slots, one at a time, over a minute here); with SLOTS, move
#                        that many onto it, from every primary in proportion, in batches
#                        (move_slots below: seconds; what the tests do)
#   scale-in             move the last-added primary's slots to the others (as scale-out put
#                        them there: rebalance, or in batches), remove the pair
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

# ---------------------------------------------------------------------------
# Moving slots in batches (scale-out SLOTS, and the scale-in that undoes it). Redis' protocol
# for moving a slot, as redis-cli --cluster follows it, with each step done for every slot at
# once over one connection instead of a dozen redis-cli round trips per slot (~18 ms a slot
# here, so a quarter of the slots took over a minute):
#   1. the destination: CLUSTER SETSLOT s IMPORTING <source>   (it takes ASKING commands for s)
#   2. the source:      CLUSTER SETSLOT s MIGRATING <destination>
#      From here the source answers a command for a key it does not have with ASK: new keys
#      go to the destination, so the source's keys in these slots can only go away.
#   3. the source: MIGRATE its keys, slot by slot (MIGRATE refuses keys of several slots),
#      until COUNTKEYSINSLOT is 0 for every slot
#   4. CLUSTER SETSLOT s NODE <destination> on the destination (ends its importing and bumps
#      its config epoch, so its claim wins), then on the source (which refuses while it still
#      holds keys of s), then on every other primary; replicas learn it by gossip.
# Clients meanwhile get ASK for the keys already moved, then MOVED, as with redis-cli's mover;
# only more slots are open at the same time.

# Runs the commands on stdin (one a line) on PORT, 500 to a connection (each well inside
# cli's 5 s bound), printing the replies in order. One round trip per command: for the few
# MIGRATEs; the many SETSLOTs go pipelined (setslot_all).
cli_lines() { # port [redis-cli options]
    local port="$1" tmp chunk rc=0; shift
    tmp="$(mktemp -d)"
    split -l 500 - "$tmp/c."
    for chunk in "$tmp"/c.*; do
        [ -e "$chunk" ] || continue
        cli "$port" "$@" <"$chunk" || { rc=1; break; }
    done
    rm -rf "$tmp"
    return "$rc"
}

# The same CLUSTER SETSLOT for every slot in FILE on PORT, pipelined (redis-cli --pipe: all
# written, then the replies counted; a round trip each took ~4 ms on the loaded machine);
# every reply must be OK. For NODE, a primary that has meanwhile learned by gossip that it
# lost its last slot has turned into a replica of the new owner (Redis 7's replica
# migration) and refuses SETSLOT: it knows already.
setslot_all() { # port file subcommand node-id
    local port="$1" file="$2" out errors n
    n="$(wc -l <"$file")"
    errors="$(awk -v sub_="$3" -v id="$4" '{ print "CLUSTER SETSLOT " $1 " " sub_ " " id }' "$file" |
        cli "$port" --pipe 2>&1 >"$CLUSTER_DIR/setslot.out" | tr -d '\r' | sort | uniq -c)" || true
    out="$(tr -d '\r' <"$CLUSTER_DIR/setslot.out")"
    [[ "$out" == *"errors: 0, replies: $n"* ]] && return 0
    if [ "$3" = NODE ] && [ "$(node_role "$port")" = slave ] &&
        ! grep -qv 'ERR Please use SETSLOT only with masters.$' <<<"$errors"; then
        return 0
    fi
    die "CLUSTER SETSLOT ... $3 $4 on $port ($n slots): ${out##*$'\n'}; ${errors:-no error text}"
}

# The slots in FILE that still hold keys on PORT (one script loops over them on the node,
# rather than a round trip per slot).
slots_with_keys() { # port file
    local out
    # shellcheck disable=SC2046  # one argument per slot
    out="$(cli "$1" EVAL "local r = {} for _, s in ipairs(ARGV) do if redis.call('CLUSTER', 'COUNTKEYSINSLOT', tonumber(s)) > 0 then r[#r + 1] = s end end return r" \
        0 $(cat "$2") | tr -d '\r')" && ! grep -qvx '[0-9]*' <<<"$out" || die "COUNTKEYSINSLOT on $1 failed: $out"
    [ -z "$out" ] || echo "$out"
}

move_slots() { # source-port destination-port file-of-slots
    local src="$1" dst="$2" file="$3" src_id dst_id pass full out bad p
    [ -s "$file" ] || return 0
    src_id="$(node_id "$src")" dst_id="$(node_id "$dst")"
    [ -n "$src_id" ] && [ -n "$dst_id" ] || die "move: no node id for $src or $dst"
    setslot_all "$dst" "$file" IMPORTING "$src_id"
    setslot_all "$src" "$file" MIGRATING "$dst_id"
    for ((pass = 1; ; pass++)); do
        full="$(slots_with_keys "$src" "$file")"
        [ -n "$full" ] || break
        [ "$pass" -le 20 ] || die "move $src -> $dst: slots still hold keys after 20 passes: $(head -c 200 <<<"$full")"
        # GETKEYSINSLOT's replies with --no-raw: `1) "key"`, `2) "key"`, ... (quoted as
        # redis-cli reads them back), one reply per slot; each becomes a MIGRATE.
        out="$(printf 'CLUSTER GETKEYSINSLOT %s 1000\n' $full | cli_lines "$src" --no-raw | tr -d '\r' | awk -v host="$HOST" -v port="$dst" '
            function flush() { if (line != "") print line; line = "" }
            /^\(empty array\)$/ { flush(); next }
            /^1\) / { flush(); line = "MIGRATE " host " " port " \"\" 0 10000 KEYS" }
            /^[0-9]+\) / { sub(/^[0-9]+\) /, ""); line = line " " $0 }
            END { flush() }' | cli_lines "$src" | tr -d '\r')" || die "MIGRATE from $src failed"
        bad="$(grep -vx -e OK -e NOKEY <<<"$out" | head -n 3)" || true
        [ -z "$bad" ] || die "MIGRATE from $src to $dst: $bad"
    done
    setslot_all "$dst" "$file" NODE "$dst_id"
    setslot_all "$src" "$file" NODE "$dst_id"
    # The other primaries with slots (as the source sees them); the rest learn it by gossip.
    for p in $(slot_map "$src" | awk '{ print $1 }'); do
        [ "$p" != "$src" ] && [ "$p" != "$dst" ] || continue
        setslot_all "$p" "$file" NODE "$dst_id"
    done
}

# slot_map's lines as "port number-of-slots".
slot_counts() {
    awk '{ n = 0; for (i = 2; i <= NF; i++) { k = split($i, r, "-"); n += (k == 1 ? 1 : r[2] - r[1] + 1) } print $1, n }'
}

# The slots the primary on PORT owns, as it says itself, ascending, one a line.
owned_slots() { # port
    cli "$1" CLUSTER NODES | tr -d '\r' | awk '$3 ~ /myself/ {
        for (i = 9; i <= NF; i++) { if ($i ~ /^\[/) continue; n = split($i, r, "-"); if (n == 1) r[2] = r[1]; for (s = r[1]; s <= r[2]; s++) print s } }'
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

op_scale_out() { # [slots]
    local slots="${1:-}" primary replica existing id t0
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
    if [ -n "$slots" ]; then
        # From every primary in proportion to what it holds, its lowest slots (as redis-cli
        # --cluster reshard --cluster-from all picks them), in batches; scale-in moves them
        # back the same way (the mark below).
        local sources line port count total=0 taken=0 k n=0 file="$CLUSTER_DIR/move.slots"
        mapfile -t sources < <(slot_map "$existing" | slot_counts)
        for line in "${sources[@]}"; do total=$((total + ${line#* })); done
        [ "$slots" -le "$total" ] || die "scale-out: $slots slots asked, the cluster has $total"
        for line in "${sources[@]}"; do
            read -r port count <<<"$line"
            n=$((n + 1))
            if [ "$n" -eq "${#sources[@]}" ]; then k=$((slots - taken)); else k=$((slots * count / total)); fi
            taken=$((taken + k))
            # (Not `| head`: with pipefail the SIGPIPE would end the script.)
            owned_slots "$port" | awk -v k="$k" 'NR <= k' >"$file"
            move_slots "$port" "$primary" "$file"
        done
        rm -f "$file"
        touch "$(node_dir "$primary")/moved-in-batches" "$(node_dir "$replica")/moved-in-batches"
    else
        timeout "$MOVE_TIMEOUT" redis-cli --cluster rebalance "$HOST:$existing" --cluster-use-empty-masters --cluster-pipeline 100 >>"$CLUSTER_DIR/scale.out" 2>&1 9>&- ||
            { tail -n 20 "$CLUSTER_DIR/scale.out" >&2; die "rebalance failed"; }
    fi
    echo "scale-out: added primary $primary ($id) with replica $replica and moved $(owned_slots "$primary" | wc -l) slots onto it$([ -z "$slots" ] || echo " in batches") in $(elapsed "$t0")"
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
    if [ -e "$(node_dir "$primary")/moved-in-batches" ]; then
        # Filled by `scale-out SLOTS`: its slots go back in batches, in equal contiguous
        # shares to the other primaries.
        local others n share i=0 file="$CLUSTER_DIR/move.slots" all="$CLUSTER_DIR/move-all.slots"
        others="$(slot_map "$existing" | awk -v p="$primary" '$1 != p { print $1 }')"
        owned_slots "$primary" >"$all"
        n="$(wc -l <"$all")"
        share=$(((n + $(wc -l <<<"$others") - 1) / $(wc -l <<<"$others")))
        for p in $others; do
            awk -v from="$((i * share))" -v to="$(((i + 1) * share))" 'NR > from && NR <= to' "$all" >"$file"
            move_slots "$primary" "$p" "$file"
            i=$((i + 1))
        done
        rm -f "$file" "$all"
    else
        timeout "$MOVE_TIMEOUT" redis-cli --cluster rebalance "$HOST:$existing" --cluster-weight "$id=0" --cluster-pipeline 100 >"$CLUSTER_DIR/scale.out" 2>&1 9>&- ||
            { tail -n 20 "$CLUSTER_DIR/scale.out" >&2; die "rebalance (weight 0 for $primary) failed"; }
    fi
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
        scale-out) [ $# -le 1 ] || usage; op_scale_out "$@" ;;
        scale-in) [ $# -eq 0 ] || usage; op_scale_in ;;
        reshard) [ $# -eq 3 ] || usage; op_reshard "$@" ;;
        failover) [ $# -eq 1 ] || usage; op_failover "$1" ;;
        kill) [ $# -eq 1 ] || usage; op_kill "$1" ;;
        restart-node) [ $# -eq 1 ] || usage; op_restart "$1" ;;
        pause) [ $# -eq 2 ] || usage; op_pause "$1" "$2" ;;
    esac
}
