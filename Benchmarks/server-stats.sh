# Sourced by the cluster benchmark scripts (run-cluster.sh, run-tls.sh): what the redis-servers
# spent during a client's run, from two samples taken around it.
#
#   before="$(server_sample "PID PID ..." "PORT PORT PORT" [redis-cli options, e.g. --tls ...])"
#   ... run the client ...
#   read -r srv_us_per_command commands_per_read < <(server_columns "$before" "$(server_sample ...)")

# "cpu_ticks commands reads": the CPU ticks (utime + stime, /proc/PID/stat) of the given
# processes, and the commands and reads (INFO stats) of the nodes on the given ports.
server_sample() {
    local pids="$1" ports="$2" ticks=0 pid port stat commands reads
    shift 2
    for pid in $pids; do
        read -r -a stat <"/proc/$pid/stat"
        ticks=$((ticks + stat[13] + stat[14]))
    done
    read -r commands reads < <(for port in $ports; do redis-cli -h 127.0.0.1 -p "$port" "$@" INFO stats; done | tr -d '\r' |
        awk -F: '$1 == "total_commands_processed" { c += $2 } $1 == "total_reads_processed" { r += $2 } END { print c + 0, r + 0 }')
    echo "$ticks $commands $reads"
}

# "srv_us/command commands/read" between two samples, or "- -" when no command was counted.
server_columns() {
    awk -v hz="$(getconf CLK_TCK)" -v a="$1" -v b="$2" 'BEGIN {
        split(a, x, " "); split(b, y, " "); c = y[2] - x[2]; r = y[3] - x[3]
        if (c > 0 && r > 0) printf "%.2f %.1f\n", 1e6 * (y[1] - x[1]) / hz / c, c / r; else print "- -" }'
}
